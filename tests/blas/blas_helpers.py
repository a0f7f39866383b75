"""Helpers the BLAS tests import (fixtures live in conftest.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from apkneed.blas.compare import multiarch_triplet
from apkneed.cli import main

LIBDIR = Path("/usr/lib") / multiarch_triplet()
DEBIAN_LIBRARIES = {
    "netlib": LIBDIR / "blas" / "libblas.so.3",
    "openblas": LIBDIR / "openblas-pthread" / "libopenblas.so.0",
    "blis": LIBDIR / "blis-openmp" / "libblis.so.4",
}
#: the Debian package that ships each, for versions to check against
DEBIAN_PACKAGES = {"netlib": "libblas3", "openblas": "libopenblas0-pthread", "blis": "libblis4-openmp"}

BLAS_ENV_PREFIXES = ("OPENBLAS_", "GOTO_", "OMP_", "BLIS_", "MKL_", "FLEXIBLAS")


def clean_environ() -> dict[str, str]:
    """This environment without any BLAS setting (tests add their own)."""
    return {k: v for k, v in os.environ.items() if not k.startswith(BLAS_ENV_PREFIXES)}


def dpkg_version(package: str) -> str:
    out = subprocess.run(["dpkg-query", "-W", "-f=${Version}", package], capture_output=True, text=True, check=True)
    return out.stdout


def apkneed_subprocess(*args: str, env: dict[str, str] | None = None, **popen) -> subprocess.Popen:
    """``apkneed blas ...`` as a separate process, as a shell would start it,
    with no BLAS setting inherited from the test run."""
    return subprocess.Popen(
        [sys.executable, "-c", "from apkneed.cli import main; main()", "blas", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**clean_environ(), **(env or {})}, **popen,
    )


def invoke(*args: str) -> tuple[int, dict | None, str, str]:
    """``apkneed blas ARGS`` in this process (the probe still runs in
    subprocesses): (exit code, parsed JSON or None, stdout, stderr)."""
    # the text is 160 wide in a pipe unless COLUMNS says otherwise (pytest-xdist's workers have COLUMNS=80)
    result = CliRunner(env={"COLUMNS": "160"}).invoke(main, ["blas", *args], catch_exceptions=False)
    data = json.loads(result.stdout) if "--json" in args and result.stdout.strip() else None
    return result.exit_code, data, result.stdout, result.stderr
