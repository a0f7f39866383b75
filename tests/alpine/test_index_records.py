"""The index reader's two paths (apk's own layout, and anything else) agree."""

from __future__ import annotations

import gzip
import io
import tarfile

import pytest

from apkneed.alpine.index import read_index_bytes, read_index_file
from apkneed.errors import InputError


def _text(path) -> str:
    raw = gzip.decompress(read_index_file(path).signed_data)
    with tarfile.open(fileobj=io.BytesIO(raw)) as tar:
        return tar.extractfile("APKINDEX").read().decode()


def _fields(p):
    return (p.name, p.version, p.arch, p.checksum, p.size, p.installed_size, p.description, p.url,
            p.license, p.origin, p.maintainer, p.build_time, p.commit, p.depends, p.provides,
            p.install_if, p.provider_priority, p.repository)


def test_reordered_fields_read_the_same(v317_index_path):
    # the first 1,200 real records (the careful reader is slow on purpose)
    records = [r for r in _text(v317_index_path).split("\n\n") if r.strip()][:1200]
    # Reverse every record's lines: no record is in apk's layout any more.
    shuffled = "\n\n".join("\n".join(reversed(r.split("\n"))) for r in records)
    fast = read_index_bytes("\n\n".join(records).encode(), source="a", repository="main").packages
    slow = read_index_bytes(shuffled.encode(), source="b", repository="main").packages
    assert len(fast) == len(slow) == 1200
    assert [_fields(p) for p in fast] == [_fields(p) for p in slow]


def test_repeated_atom_lines_are_joined_like_apk():
    index = read_index_bytes(b"P:a\nV:1\nD:b\np:x=1\nD:c\np:y\n", source="made-up", repository="r")
    (package,) = index.packages
    assert [d.name for d in package.depends] == ["b", "c"]
    assert [str(p) for p in package.provides] == ["x=1", "y"]


def test_blank_lines_between_records(v316_index_path):
    index = read_index_bytes(b"\n\n\nP:a\nV:1\n\n\n\nP:b\nV:2\n\n\n", source="made-up", repository="r")
    assert [p.nv for p in index.packages] == ["a-1", "b-2"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"C:Q1x\nP:ok\nV:1\nA:x\nS:1\nI:1\nT:t\nU:u\nL:l\nD:bad<<<1\n", "made-up:1: in the record for 'ok'"),
        (b"P:ok\nV:1\n\nC:Q1x\nP:z\nV:1\nA:x\nS:1\nI:1\nT:t\nU:u\nL:l\np:=1\n", "made-up:4: in the record for 'z'"),
        (b"P:ok\nV:1\nS:12x\n", "not an integer"),
    ],
)
def test_errors_in_apk_layout_records_name_their_line(data, message):
    with pytest.raises(InputError, match=message):
        read_index_bytes(data, source="made-up", repository="r")


@pytest.mark.parametrize("tar_format", [tarfile.GNU_FORMAT, tarfile.PAX_FORMAT, tarfile.USTAR_FORMAT])
def test_archives_written_by_other_tar_writers(tar_format):
    # made-up index in an archive made by Python's tarfile, with a long signature name
    files = {"DESCRIPTION": b"made-up", "APKINDEX": b"P:a\nV:1\n\nP:b\nV:2\n", "sub/dir/extra": b"x"}
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tar_format) as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        if tar_format != tarfile.USTAR_FORMAT:
            info = tarfile.TarInfo("long/" + "n" * 150)
            tar.addfile(info, io.BytesIO(b""))
    index = read_index_bytes(gzip.compress(buf.getvalue()), source="made-up", repository="r")
    assert [p.nv for p in index.packages] == ["a-1", "b-2"]
    assert index.description == "made-up"


def test_a_damaged_tar_header_is_refused(v316_index_path):
    raw = bytearray(gzip.decompress(read_index_file(v316_index_path).signed_data))
    raw[0] ^= 0x20  # the first member's name changes; its checksum no longer matches
    with pytest.raises(InputError, match="bad header checksum"):
        read_index_bytes(gzip.compress(bytes(raw)), source="damaged", repository="main")


def test_a_damaged_header_after_the_first_is_refused_too(v316_index_path):
    # The index tar holds DESCRIPTION, then APKINDEX: damage APKINDEX's header.
    raw = bytearray(gzip.decompress(read_index_file(v316_index_path).signed_data))
    second = 512 + (int(raw[124:136].rstrip(b"\0 "), 8) + 511) // 512 * 512
    assert raw[second : second + 8] == b"APKINDEX"
    raw[second] ^= 0x20
    with pytest.raises(InputError, match=r"^damaged: not a valid tar inside the gzip stream \(bad header checksum\)$"):
        read_index_bytes(gzip.compress(bytes(raw)), source="damaged", repository="main")


def test_a_header_number_that_is_not_octal_is_refused(v316_index_path):
    raw = bytearray(gzip.decompress(read_index_file(v316_index_path).signed_data))
    raw[124:136] = b"0000000z123\0"  # the first member's size
    raw[148:156] = b"        "
    raw[148:156] = b"%06o\0 " % sum(raw[:512])  # a checksum that matches the damaged header
    with pytest.raises(InputError, match=r"\(bad number field\)$"):
        read_index_bytes(gzip.compress(bytes(raw)), source="damaged", repository="main")
