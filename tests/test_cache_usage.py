"""apkneed cache info|clean and size-bounded eviction, on a real cache tree made here."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings, strategies as st

from apkneed.cache_usage import (
    DEFAULT_LIMIT, EVICTION_STAMP, cache_limit, clean, evict, evict_now_and_then, parse_age, parse_size, usage,
)
from apkneed.cache import cache_bytes
from apkneed.cli import main
from apkneed.errors import InputError

DAY = 86400.0


def put(root: Path, relative: str, size: int, age_days: float) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(os.urandom(size))
    when = time.time() - age_days * DAY
    os.utime(path, (when, when))
    return path


@pytest.fixture()
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "cache"
    put(root, "pypi/files/ab/old-wheel", 5000, 40)
    put(root, "pypi/pages/page", 3000, 1)
    put(root, "plan/evidence/e1.json", 200, 10)
    put(root, "alpine/parsed/copy", 1000, 0)
    put(root, "uv/archive-v0/x/lib.so", 700, 90)
    return root


def names(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() or p.is_symlink()}


def test_usage_counts_every_area(tree: Path) -> None:
    areas = {a.name: a for a in usage(tree)}
    assert set(areas) == {"alpine", "plan", "pypi", "uv"}
    assert (areas["pypi"].files, areas["pypi"].bytes) == (2, 8000)
    assert areas["uv"].bytes == 700
    assert areas["pypi"].oldest < areas["pypi"].newest


def test_the_quick_size_is_what_eviction_counts(tree: Path) -> None:
    # a first run checks its cache's size with cache.cache_bytes (no pathlib): it must count what evict counts
    (tree / "alpine" / "link").symlink_to(tree / "pypi" / "files" / "ab" / "old-wheel")  # a link, not its target
    evict_now_and_then(tree, limit=10**9)  # writes the stamp, which is no file of the cache
    assert (tree / EVICTION_STAMP).is_file()
    assert cache_bytes(tree) == sum(a.bytes for a in usage(tree)) == 9900 + len(str(tree / "pypi/files/ab/old-wheel"))
    assert cache_bytes(tree / "absent") == 0


def test_clean_older_than_spares_recent_files(tree: Path) -> None:
    removed = clean(tree, older_than=30 * DAY)
    # the 40-day wheel, and uv's directory whole: none of it used for 90 days (apkneed no longer writes it)
    assert (removed.files, removed.bytes) == (2, 5700)
    assert names(tree) == {"pypi/pages/page", "plan/evidence/e1.json", "alpine/parsed/copy"}
    assert not (tree / "pypi" / "files").exists() and not (tree / "uv").exists()  # emptied directories go too


def test_uvs_directory_goes_whole_or_not_at_all(tree: Path) -> None:
    put(tree, "uv/simple-v28/pypi/six.rkyv", 300, 0)  # one recent file: the whole directory is in use
    assert clean(tree, older_than=30 * DAY).bytes == 5000
    assert {"uv/archive-v0/x/lib.so", "uv/simple-v28/pypi/six.rkyv"} <= names(tree)


def test_clean_all_removes_everything_uv_included(tree: Path) -> None:
    removed = clean(tree, everything=True)
    assert removed.files == 5 and removed.bytes == 9900
    assert names(tree) == set() and tree.is_dir()


def test_clean_needs_a_criterion(tree: Path) -> None:
    with pytest.raises(InputError, match="--older-than AGE or --all"):
        clean(tree)


def test_a_link_is_removed_as_a_link_never_followed(tree: Path, tmp_path: Path) -> None:
    outside = put(tmp_path, "outside/precious", 100, 100)
    (tree / "pypi" / "link").symlink_to(outside)
    os.utime(tree / "pypi" / "link", (0, 0), follow_symlinks=False)
    clean(tree, everything=True)
    assert outside.read_bytes() and not (tree / "pypi" / "link").is_symlink()


def test_evict_removes_least_recently_used_first_down_to_the_limit(tree: Path) -> None:
    # 9,900 bytes in all; uv's directory is one unit, last used 90 days ago: it goes first, whole.
    removed = evict(tree, 4000)
    assert removed.files == 3  # uv's 700, the 40-day wheel, the 10-day evidence: 4,000 left
    assert names(tree) == {"alpine/parsed/copy", "pypi/pages/page"}
    assert evict(tree, 0).files == 0  # 0: no limit


def test_a_recent_uv_directory_is_evicted_in_its_turn_whole(tree: Path) -> None:
    put(tree, "uv/simple-v28/pypi/six.rkyv", 300, 0.5)  # uv's unit: newer than the 1-day page
    removed = evict(tree, 1500)
    assert names(tree) == {"alpine/parsed/copy"}
    assert removed.files == 5 and removed.bytes == 9200


def test_eviction_runs_at_most_once_an_hour(tree: Path) -> None:
    assert evict_now_and_then(tree, limit=4000).files == 3
    put(tree, "pypi/files/cd/new", 9000, 0)
    assert evict_now_and_then(tree, limit=4000) is None  # within the hour: skipped
    assert (tree / EVICTION_STAMP).is_file()
    later = evict_now_and_then(tree, limit=4000, now=time.time() + 2 * 3600)
    assert later is not None and later.files >= 1
    assert EVICTION_STAMP not in {a.name for a in usage(tree)}


def test_sizes_ages_and_the_default_limit() -> None:
    assert parse_size("500M") == 500 * 1024**2 and parse_size("2G") == 2 * 1024**3 and parse_size("1024") == 1024
    assert parse_size("1.5KiB") == 1536
    assert parse_age("30d") == 30 * DAY and parse_age("12h") == 12 * 3600 and parse_age("2w") == 14 * DAY
    assert cache_limit({}) == DEFAULT_LIMIT == 500 * 1024**2
    assert cache_limit({"APKNEED_CACHE_LIMIT": "0"}) == 0
    for bad in ("", "ten", "-1M", "5X"):
        with pytest.raises(InputError):
            parse_size(bad)
    for bad in ("", "30", "30y", "d"):
        with pytest.raises(InputError):
            parse_age(bad)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=20))
def test_fuzz_size_and_age_readers_only_answer_or_refuse(text: str) -> None:
    for reader in (parse_size, parse_age):
        try:
            assert reader(text) >= 0
        except InputError:
            pass


def test_cli_info_and_clean(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APKNEED_CACHE_DIR", str(tree))
    monkeypatch.delenv("APKNEED_CACHE_LIMIT", raising=False)
    runner = CliRunner()
    result = runner.invoke(main, ["cache", "info", "--json"])
    assert result.exit_code == 0, result.output
    info = json.loads(result.output)
    assert info["root"] == str(tree) and info["bytes"] == 9900 and info["limit"] == DEFAULT_LIMIT
    assert {a["name"]: a["files"] for a in info["areas"]} == {"alpine": 1, "plan": 1, "pypi": 2, "uv": 1}
    text = runner.invoke(main, ["cache", "info"]).output
    assert str(tree) in text and "pypi" in text and "limit 500.0 MiB" in text
    result = runner.invoke(main, ["cache", "clean", "--older-than", "30d", "--json"])
    assert json.loads(result.output) == {"root": str(tree), "removed_files": 2, "removed_bytes": 5700}  # uv whole
    result = runner.invoke(main, ["cache", "clean"])
    assert result.exit_code == 2 and "apkneed: error: say what to clean" in result.output
    result = runner.invoke(main, ["cache", "clean", "--older-than", "soon"])
    assert result.exit_code == 2 and "not an age" in result.output
    result = runner.invoke(main, ["cache", "clean", "--all"])
    assert result.exit_code == 0 and names(tree) == set()


def _resolve(index: Path, cache: Path, *args: str, limit: str = "1M") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "APKNEED_CACHE_DIR": str(cache), "APKNEED_CACHE_LIMIT": limit}
    return subprocess.run(
        [sys.executable, "-m", "apkneed", "resolve", "--index", str(index), *args, "musl"],
        capture_output=True, text=True, env=env, timeout=120,
    )


def _size_written_by_a_first_run(index: Path, tmp_path: Path) -> int:
    calibration = tmp_path / "calibration"
    assert _resolve(index, calibration, limit="0").returncode == 0
    return sum(f.stat().st_size for f in calibration.rglob("*") if f.is_file())


@pytest.mark.parametrize("path", ["fast", "click"])
def test_any_command_that_writes_keeps_the_cache_under_its_limit(v316_index_path: Path, tmp_path: Path, path: str) -> None:
    # not only a plan that downloads: a first `resolve` writes the index's parsed copy and provider
    # table (megabytes), and that run trims the cache too (both entries: the click-free one and click's)
    limit = _size_written_by_a_first_run(v316_index_path, tmp_path) + 64 * 1024
    cache = tmp_path / "cache"
    old = put(cache, "pypi/files/ab/old-wheel", 2 * 1024 * 1024, 40)
    recent = put(cache, "plan/evidence/recent.json", 200, 0)
    extra = ("--json",) if path == "fast" else ("-q",)  # -q is not read by the click-free entry: click answers
    first = _resolve(v316_index_path, cache, *extra, limit=str(limit))
    assert first.returncode == 0, first.stderr
    assert not old.exists() and recent.exists()  # least recently used first, down to the limit
    assert (cache / EVICTION_STAMP).is_file()
    assert list((cache / "alpine" / "parsed").iterdir())  # what the run wrote stays (used last)
    # within the hour the next writing run pays one stat and trims nothing
    again = put(cache, "pypi/files/cd/another-old-wheel", 2 * 1024 * 1024, 40)
    second = _resolve(v316_index_path, cache, *extra, "zlib", limit=str(limit))  # a new request: its answer written
    assert second.returncode == 0, second.stderr
    assert len(list((cache / "alpine" / "answers").iterdir())) == 2
    assert again.exists()


def test_a_bad_limit_warns_and_keeps_the_answer(v316_index_path: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    old = put(cache, "pypi/files/ab/old-wheel", 2000, 40)
    proc = _resolve(v316_index_path, cache, limit="ten")
    assert proc.returncode == 0 and proc.stdout.splitlines()[0] == "musl-1.2.3-r2"
    assert "apkneed: warning: $APKNEED_CACHE_LIMIT: " in proc.stderr and "the cache was not trimmed" in proc.stderr
    assert old.exists()


def test_a_run_that_writes_nothing_trims_nothing(v316_index_path: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    assert _resolve(v316_index_path, cache, limit="0").returncode == 0  # copies, table, answer written
    (cache / EVICTION_STAMP).unlink()
    old = put(cache, "pypi/files/ab/old-wheel", 2 * 1024 * 1024, 40)
    repeat = _resolve(v316_index_path, cache)  # the same request: read from the kept answer, nothing written
    assert repeat.returncode == 0, repeat.stderr
    assert old.exists() and not (cache / EVICTION_STAMP).exists()
