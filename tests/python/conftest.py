"""Shared fixtures for the Python side: real PyPI data, kept in the test cache.

Tests never depend on this machine's pip configuration: the real-PyPI client
is built with an explicit index and ``PIP_CONFIG_FILE=/dev/null``, and every
pip or uv run as a peer gets a scrubbed environment.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Callable

import pytest

from apkneed.cache import atomic_write
from apkneed.python.pypi import SIMPLE_ACCEPT, DistFile, PyPIClient
from python_helpers import PYPI


@pytest.fixture(scope="session")
def pypi(test_cache_dir: Path) -> PyPIClient:
    """A client for the real PyPI whose pages and files persist in the test cache."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PIP_CONFIG_FILE", os.devnull)
        for var in ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS"):
            patch.delenv(var, raising=False)
        # A day of freshness: reruns do not even revalidate the pages they use.
        client = PyPIClient(PYPI, cache_root=test_cache_dir / "pypi", max_age=86400)
    yield client
    client.close()


@pytest.fixture(scope="session")
def real_page(pypi: PyPIClient, test_cache_dir: Path) -> Callable[[str], bytes]:
    """A real PyPI project page, whole, as PyPI sent it (kept in the test cache, fetched once)."""

    def page(name: str) -> bytes:
        path = test_cache_dir / "real-pages" / f"{name}.json"
        if not path.is_file():
            response = pypi._client.get(f"{PYPI}/{name}/", headers={"Accept": SIMPLE_ACCEPT})
            response.raise_for_status()
            atomic_write(path, response.content)
        return path.read_bytes()

    return page


@pytest.fixture(scope="session")
def real_file(pypi: PyPIClient) -> Callable[[str], DistFile]:
    """The index's DistFile for an exact filename (real PyPI data)."""

    def find(filename: str) -> DistFile:
        project = filename.split("-")[0]
        for file in pypi.project(project).files:
            if file.filename == filename:
                return file
        raise AssertionError(f"{filename} is not on {PYPI}")

    return find


@pytest.fixture(scope="session")
def peer_cache(test_cache_dir: Path) -> Callable[[str, Callable[[], object]], object]:
    """Memoise a peer tool's answer (pip, uv) in the test cache, keyed by its input."""
    path = test_cache_dir / "python-peers.json"

    def remember(key: str, compute: Callable[[], object]) -> object:
        known = json.loads(path.read_text()) if path.exists() else {}
        if key not in known:
            known[key] = compute()
            # Written whole through a rename: parallel workers never see half a file.
            fresh = json.loads(path.read_text()) if path.exists() else {}
            fresh[key] = known[key]
            atomic_write(path, json.dumps(fresh, indent=1, sort_keys=True).encode())
        return known[key]

    return remember
