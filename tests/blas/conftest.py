"""Fixtures the BLAS tests share: the real libraries of this machine, and a
way to run ``apkneed blas`` the way a user does.

The libraries are Debian's netlib ``libblas3``, ``libopenblas0-pthread`` and
``libblis4`` (scripts/test.sh installs them) and NumPy's bundled
scipy-openblas. Their absence is a failure, not a skip: a test that cannot
see its truth must not pass.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from blas_helpers import BLAS_ENV_PREFIXES, DEBIAN_LIBRARIES, invoke


@pytest.fixture(scope="session")
def debian_blas() -> dict[str, Path]:
    missing = [str(p) for p in DEBIAN_LIBRARIES.values() if not p.exists()]
    if missing:
        pytest.fail(f"BLAS libraries missing (run scripts/test.sh to install them): {', '.join(missing)}")
    return DEBIAN_LIBRARIES


@pytest.fixture(scope="session")
def numpy_blas_path() -> Path:
    """NumPy's bundled library, found by threadpoolctl in this process."""
    import numpy  # noqa: F401
    from threadpoolctl import threadpool_info

    paths = [i["filepath"] for i in threadpool_info() if i["user_api"] == "blas"]
    assert paths, "NumPy loaded no BLAS threadpoolctl can see"
    return Path(paths[0])


@pytest.fixture()
def cli(monkeypatch):
    """``invoke`` with no BLAS setting in the environment but ``env``."""

    def run(*args: str, env: dict[str, str] | None = None):
        for name in list(os.environ):
            if name.startswith(BLAS_ENV_PREFIXES):
                monkeypatch.delenv(name)
        for name, value in (env or {}).items():
            monkeypatch.setenv(name, value)
        return invoke(*args)

    return run
