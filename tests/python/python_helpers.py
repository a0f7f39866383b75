"""Helpers the Python-side tests share: pip as a peer, with a clean environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PYPI = "https://pypi.org/simple"


def clean_pip_environ(**extra: str) -> dict[str, str]:
    """This process's environment without pip/uv settings, plus ``extra``.

    PIP_CERT survives: it is trust, not an index, and the network needs it.
    """
    environ = {
        k: v for k, v in os.environ.items()
        if not (k.startswith(("PIP_", "UV_")) and k != "PIP_CERT") and k != "VIRTUAL_ENV"
    }
    environ["PIP_CONFIG_FILE"] = os.devnull
    environ.update(extra)
    return environ


def run_pip(args: list[str], environ: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pip", *args, "--disable-pip-version-check"],
        env=environ if environ is not None else clean_pip_environ(),
        capture_output=True, text=True, timeout=600, cwd=cwd, check=False,
    )
