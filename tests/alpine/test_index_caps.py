"""A local --index file is capped like the mirror's download (issue 11, item 7):
a 3 GB file is refused by its size before it is read, not after 6 GB of RAM."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest
from click.testing import CliRunner

from apkneed.alpine.index import MAX_INDEX_FILE_BYTES, read_index_data
from apkneed.alpine.sources.mirror import MAX_INDEX_BYTES
from apkneed.cli import main
from apkneed.errors import InputError


def test_the_local_cap_is_the_mirrors():
    assert MAX_INDEX_FILE_BYTES == MAX_INDEX_BYTES == 64 << 20


def test_a_huge_index_file_is_refused_by_its_size_with_little_memory(tmp_path):
    huge = tmp_path / "APKINDEX.tar.gz"
    with open(huge, "wb") as f:
        f.write(b"\x1f\x8b")
        f.truncate(3 << 30)  # sparse: 3 GiB on paper, nothing on disk
    tracemalloc.start()
    try:
        with pytest.raises(InputError, match=r"3221225472 bytes is not an Alpine index \(limit 67108864 bytes\)"):
            read_index_data(huge)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1 << 20
    result = CliRunner().invoke(main, ["resolve", "--index", str(huge), "--arch", "x86_64", "python3"])
    assert result.exit_code == 2 and result.stderr.startswith("apkneed: error: ") and "limit" in result.stderr


def test_a_stream_without_a_size_is_capped_while_reading(tmp_path):
    # /dev/zero says it holds 0 bytes: the cap must hold while reading
    with pytest.raises(InputError, match=r"more than 1024 bytes is not an Alpine index"):
        read_index_data(Path("/dev/zero"), limit=1024)


def test_a_real_index_still_reads(v316_index_path):
    assert read_index_data(v316_index_path) == v316_index_path.read_bytes()
