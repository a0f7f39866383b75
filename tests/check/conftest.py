"""Fixtures for the check tests: the CLI run against the shared indexes and the test cache."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "plan"))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scan"))

from plan_helpers import invoke  # noqa: E402



@pytest.fixture(scope="session")
def check_cache(test_cache_dir: Path) -> Path:
    path = test_cache_dir / "apkneed-plan"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def v321_indexes(shared_dir: Path) -> list[str]:
    base = shared_dir / "alpine" / "v3.21"
    return ["--index", str(base / "main" / "x86_64" / "APKINDEX.tar.gz"),
            "--index", str(base / "community" / "x86_64" / "APKINDEX.tar.gz"), "--arch", "x86_64"]


@pytest.fixture(scope="session")
def run_check(check_cache: Path):
    """run_check(dockerfile, *args) -> (exit code, JSON report or error)."""

    def run(dockerfile: Path, *args: str):
        result = invoke(check_cache, "check", str(dockerfile), "--json", *args)
        data = json.loads(result.stdout) if result.stdout.strip() else {}
        return result.exit_code, data, result

    return run


@pytest.fixture()
def check_text(tmp_path, run_check, v316_index_path):
    """check_text(dockerfile_text, *args): the text checked as ./Dockerfile against v3.16 main x86_64."""

    def run(text: str, *args: str):
        (tmp_path / "Dockerfile").write_text(text)
        return run_check(tmp_path / "Dockerfile", "--index", str(v316_index_path), "--arch", "x86_64", *args)

    return run


@pytest.fixture(scope="session")
def builds(tmp_path_factory):
    """The scan tests' compiled objects (musl-gcc, gcc)."""
    from scanroots import build_all

    try:
        return build_all(tmp_path_factory.mktemp("check-builds"))
    except RuntimeError as exc:
        pytest.fail(str(exc))
