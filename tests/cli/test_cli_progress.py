"""On a terminal, a command shows something while uv resolves (issue 11, item 12): ``inspect
REQUIREMENT`` used to sit silent for the seconds uv takes."""

from __future__ import annotations

import os

import pytest
from terminal_helpers import on_a_terminal


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
