"""The cache root: $APKNEED_CACHE_DIR, else the per-user cache directory platformdirs names.

On Linux apkneed applies platformdirs' XDG rule itself (the import costs
the fast ``resolve`` path several milliseconds); this holds the two to the
same answer, with and without ``$XDG_CACHE_HOME``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import platformdirs
import pytest

from apkneed.cache import default_cache_root


@pytest.mark.parametrize("xdg", [None, "/tmp/some-xdg-cache", "  "])
def test_the_cache_root_is_platformdirs_own(monkeypatch, xdg):
    monkeypatch.delenv("APKNEED_CACHE_DIR", raising=False)
    if xdg is None:
        monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    else:
        monkeypatch.setenv("XDG_CACHE_HOME", xdg)
    assert default_cache_root() == Path(platformdirs.user_cache_dir("apkneed", appauthor=False))
    assert sys.platform.startswith("linux")  # the rule under test is the Linux one


def test_apkneed_cache_dir_wins(monkeypatch, tmp_path):
    monkeypatch.setenv("APKNEED_CACHE_DIR", str(tmp_path / "c"))
    assert default_cache_root() == tmp_path / "c"
