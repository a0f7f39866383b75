"""Both inflaters (ISA-L's through python-isal, and zlib's without it) read an index the same way."""

from __future__ import annotations

import sys
import zlib

import pytest

from apkneed.alpine import index
from apkneed.alpine.index import read_index_bytes, split_gzip_members
from apkneed.errors import InputError


@pytest.fixture(params=["isal", "zlib"])
def inflater(request, monkeypatch):
    if request.param == "zlib":
        monkeypatch.setitem(sys.modules, "isal", None)  # as if python-isal were not installed
    else:
        # python-isal is declared in pyproject.toml: without it the suite fails here (ImportError), never skips
        import isal  # noqa: F401
    decompressobj, _ = index._inflater()
    assert (decompressobj is zlib.decompressobj) == (request.param == "zlib")
    return request.param


def test_the_same_members_and_packages(inflater, v316_index_path):
    data = v316_index_path.read_bytes()
    members = split_gzip_members(data, "v3.16")
    assert [len(m) for m, _ in members] == [len(m) for m, _ in _zlib_members(data)]
    assert [raw for _, raw in members] == [raw for _, raw in _zlib_members(data)]
    assert len(read_index_bytes(data, source="v3.16", repository="main").packages) == 4929


@pytest.mark.parametrize("cut", [20, 700, -9])
def test_the_same_refusals(inflater, v316_index_path, cut):
    data = v316_index_path.read_bytes()
    damaged = data[:cut] if cut > 0 else data[:cut] + b"\xff" * 9
    with pytest.raises(InputError, match="^v3.16: (truncated gzip stream|not a valid gzip stream)"):
        split_gzip_members(damaged, "v3.16")


def _zlib_members(data: bytes) -> list[tuple[bytes, bytes]]:
    """The reference split, with zlib alone."""
    members, offset = [], 0
    while offset < len(data):
        decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
        out = decoder.decompress(data[offset:])
        used = len(data) - offset - len(decoder.unused_data)
        members.append((data[offset : offset + used], out))
        offset += used
    return members
