"""Fixtures every test area shares: the shared real data and the test cache.

``../shared`` (relative to the project root) holds real Alpine indexes,
installed databases and apk-tools' own answers. Tests read it; the product
never does. Its absence is an error, not a skip: a test that cannot see its
truth must not pass.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHARED = (PROJECT_ROOT / ".." / "shared").resolve()

# The test cache keeps the real wheels it downloads, so that reruns (and CI's)
# are offline-fast: apkneed itself keeps only facts unless asked
# (--keep-wheels), and trims its cache to a size limit (off here, so that no
# test's fixture files are evicted). Tests of those defaults set both explicitly.
os.environ.setdefault("APKNEED_KEEP_WHEELS", "1")
os.environ.setdefault("APKNEED_CACHE_LIMIT", "0")


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not (SHARED / "alpine").is_dir():
        pytest.fail(f"the shared test data is missing: expected it at {SHARED}")
    return SHARED


@pytest.fixture(scope="session")
def v316_index_path(shared_dir: Path) -> Path:
    return shared_dir / "alpine" / "v3.16" / "main" / "x86_64" / "APKINDEX.tar.gz"


@pytest.fixture(scope="session")
def v317_index_path(shared_dir: Path) -> Path:
    return shared_dir / "alpine" / "v3.17" / "main" / "aarch64" / "APKINDEX.tar.gz"


@pytest.fixture(scope="session")
def test_cache_dir() -> Path:
    """Where real wheels from PyPI are kept between runs (downloaded once).

    ``$APKNEED_TEST_CACHE`` overrides; the default survives across local runs.
    """
    path = Path(os.environ.get("APKNEED_TEST_CACHE", Path.home() / ".cache" / "apkneed-tests"))
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture()
def isolated_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh apkneed cache for one test (APKNEED_CACHE_DIR)."""
    path = tmp_path / "apkneed-cache"
    monkeypatch.setenv("APKNEED_CACHE_DIR", str(path))
    return path
