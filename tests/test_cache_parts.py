"""Orphan temporary files (issue 11, item 8): a process killed between the
write and the rename leaves ``.<name>.<random>.part`` behind; a later run
removes it once it is stale, and never touches a live writer's."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import apkneed.cache as cache_module
from apkneed.cache import STALE_PART_AGE, atomic_write, sweep_stale_parts
from apkneed.net.http import RevalidatingCache

KILLED_WRITER = """
import os, sys
from pathlib import Path
import apkneed.cache
def die(*args):
    os._exit(9)  # killed between the write and the rename
os.replace = die
apkneed.cache.atomic_write(Path(sys.argv[1]), b"x" * 1000)
"""


def killed_write(target: Path) -> Path:
    before = set(target.parent.iterdir())
    done = subprocess.run([sys.executable, "-c", KILLED_WRITER, str(target)], capture_output=True)
    assert done.returncode == 9
    (part,) = [p for p in set(target.parent.iterdir()) - before if p.name.endswith(".part")]
    assert not target.exists()
    return part


def age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_a_dead_writers_part_is_removed_by_a_later_run(tmp_path, monkeypatch):
    monkeypatch.setattr(cache_module, "_SWEPT", set())  # a later run: nothing swept yet
    root = tmp_path / "alpine"
    root.mkdir()
    orphan = killed_write(root / "0123abcd.body")
    age(orphan, STALE_PART_AGE + 60)
    RevalidatingCache(root)  # a run that only reads the cache
    assert not orphan.exists()


def test_a_later_write_in_the_directory_removes_stale_parts_but_not_fresh_ones(tmp_path, monkeypatch):
    monkeypatch.setattr(cache_module, "_SWEPT", set())
    stale = killed_write(tmp_path / "a.json")
    fresh = killed_write(tmp_path / "b.json")  # as a live writer's would be: just written
    age(stale, STALE_PART_AGE + 60)
    unrelated = tmp_path / ".notes.part"  # not a name atomic_write makes
    unrelated.write_text("keep")
    age(unrelated, STALE_PART_AGE + 60)
    atomic_write(tmp_path / "c.json", b"{}")
    assert not stale.exists() and fresh.exists() and unrelated.exists()
    assert (tmp_path / "c.json").read_bytes() == b"{}"


def test_sweep_reports_what_it_removed(tmp_path):
    part = killed_write(tmp_path / "x.meta")
    assert sweep_stale_parts(tmp_path) == []
    age(part, STALE_PART_AGE + 1)
    assert sweep_stale_parts(tmp_path) == [part.name]
