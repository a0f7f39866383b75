"""Plain verdicts where nothing installs: one line per distribution, then the options that exist."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from apkneed.alpine.index import read_index_file
from apkneed.alpine.providers import build_provider_map
from apkneed.plan.verdicts import explain_unsatisfiable
from apkneed.python.pypi import DistFile
from apkneed.python.tags import make_target
from plan_helpers import invoke


@pytest.fixture(scope="module")
def v321(shared_dir: Path):
    paths = [shared_dir / "alpine" / "v3.21" / repo / "x86_64" / "APKINDEX.tar.gz" for repo in ("main", "community")]
    return build_provider_map([read_index_file(p, repository=r) for p, r in zip(paths, ("main", "community"))])


def _files(project: str, names: list[str]) -> list[DistFile]:
    return [DistFile(name, f"https://files.example/{name}", project) for name in names]


def test_the_options_that_exist_are_named(v321):
    # release 2.0: manylinux wheels only; 1.5: a musllinux wheel; Alpine has py3-scikit-learn
    files = _files("scikit-learn", [
        "scikit_learn-2.0-cp312-cp312-manylinux_2_17_x86_64.whl",
        "scikit_learn-1.5-cp312-cp312-musllinux_1_2_x86_64.whl",
    ])
    verdict = explain_unsatisfiable(
        ["scikit-learn"], "no solution for Python 3.12 ...", files_of=lambda name: files,
        target=make_target("3.12", (1, 2), "x86_64"), python="3.12", providers=v321, image="python:3.12-alpine3.21",
    )
    assert verdict.startswith(
        "scikit-learn 2.0: no wheel for musllinux_1_2_x86_64/cp312 and no sdist: pip cannot install it on Alpine; options: "
    )
    assert "a glibc base image (e.g. python:3.12-slim)" in verdict
    assert "Alpine's py3-scikit-learn 1.5.2 (community)" in verdict
    assert "scikit-learn==1.5" in verdict and "\n" not in verdict


def test_a_requirement_that_installs_is_not_blamed(v321):
    files = _files("fine", ["fine-1.0-py3-none-any.whl"])
    assert explain_unsatisfiable(
        ["fine"], "no solution", files_of=lambda name: files, target=make_target("3.12", (1, 2), "x86_64"),
        python="3.12", providers=v321, image="alpine:3.21",
    ) is None


@pytest.mark.parametrize(
    "requirement, expected",
    [
        ("torch", "no wheel for musllinux_1_2_x86_64/cp312 and no sdist: pip cannot install it on Alpine"),
        ("sklearn", "its sdist does not build, so pip cannot install it anywhere (The 'sklearn' PyPI package is deprecated"),
    ],
)
def test_real_projects_get_one_plain_line(plan_cache, shared_dir, requirement, expected):
    main = shared_dir / "alpine" / "v3.21" / "main" / "x86_64" / "APKINDEX.tar.gz"
    result = invoke(plan_cache, "plan", requirement, "--index", main, "--arch", "x86_64",
                    "--base", "python:3.12-alpine3.21", "--json")
    assert result.exit_code == 1, result.output
    error = json.loads(result.stdout)["error"]
    assert error.startswith(f"{requirement} ") and expected in error
    assert len(error) < 400 and "Because" not in error
