"""On a terminal, a command shows something while uv resolves (issue 11, item 12): ``inspect
REQUIREMENT`` used to sit silent for the seconds uv takes."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest


def on_a_terminal(args: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Run apkneed with stderr on a pseudo-terminal; what the terminal received."""
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "apkneed"), *args],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=terminal, env=env,
    )
    os.close(terminal)
    screen = b""
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        screen += chunk
    os.close(controller)
    return process.wait(timeout=300), screen.decode(errors="replace")


@pytest.mark.network
def test_inspect_of_a_requirement_says_uv_is_resolving(tmp_path, test_cache_dir, v316_index_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    kept = test_cache_dir / "apkneed-readme"  # downloads shared with the README test; resolutions fresh
    for name in ("pypi", "uv"):
        (kept / name).mkdir(parents=True, exist_ok=True)
        (cache / name).symlink_to(kept / name)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "UV_", "APKNEED_"))}
    env.update(APKNEED_CACHE_DIR=str(cache), PIP_CONFIG_FILE=os.devnull, COLUMNS="100")
    status, screen = on_a_terminal(
        ["inspect", "pillow==11.2.1", "--index", str(v316_index_path), "--arch", "x86_64"], env
    )
    assert status == 0, screen
    assert "resolving pillow==11.2.1 with uv" in screen
