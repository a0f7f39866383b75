"""Damaged members the zip readers once let through as tracebacks (issue 11,
items 1-2): each must become apkneed's own error, or a problem in a report."""

from __future__ import annotations

import io
import struct
import zipfile

import pytest

from apkneed.binary.policy import Target
from apkneed.binary.wheel import inspect_wheel
from apkneed.binary.zipread import MemberError, ZipError, ZipLimits, open_zip, read_member, read_member_head
from apkneed.errors import ApkneedError

TAG = "cp310-cp310-musllinux_1_2_x86_64"
WHEEL = f"bad-1.0-{TAG}.whl"
ELF_HEAD = b"\x7fELF\x02\x01\x01" + bytes(9)


def zip_with(name: str, data: bytes, compression: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("bad-1.0.dist-info/METADATA"), b"Metadata-Version: 2.1\nName: bad\nVersion: 1.0\n")
        info = zipfile.ZipInfo(name)
        info.compress_type = compression
        info.external_attr = 0o755 << 16
        archive.writestr(info, data)
    return buffer.getvalue()


def corrupt_member_data(archive: bytes, name: str) -> bytes:
    """Overwrite the middle of ``name``'s compressed bytes (APPNOTE 4.3.7: the
    data follows the 30-byte local header, the name and the extra field)."""
    encoded = name.encode()
    local = archive.index(b"PK\x03\x04" + archive[4:6])
    while archive[local + 30 : local + 30 + len(encoded)] != encoded:
        local = archive.index(b"PK\x03\x04", local + 4)
    compressed, _, name_length, extra_length = struct.unpack_from("<IIHH", archive, local + 18)
    start = local + 30 + name_length + extra_length
    patched = bytearray(archive)
    for offset in range(start + compressed // 4, start + 3 * compressed // 4):
        patched[offset] ^= 0x5A
    return bytes(patched)


def inspect(data: bytes):
    return inspect_wheel(io.BytesIO(data), WHEEL, target=Target("x86_64"))


def test_a_member_with_an_empty_name_refuses_the_archive():
    # was: IndexError from ZipInfo.is_dir() in is_object_candidate
    data = zip_with("", ELF_HEAD + bytes(100), zipfile.ZIP_STORED)
    with pytest.raises(ZipError, match="empty name"):
        inspect(data)


@pytest.mark.parametrize(
    ("compression", "label"), [(zipfile.ZIP_BZIP2, "bz2"), (zipfile.ZIP_LZMA, "lzma"), (zipfile.ZIP_DEFLATED, "deflate")]
)
def test_a_corrupt_compressed_member_is_a_member_problem(compression, label):
    # was: OSError (bz2) / LZMAError (lzma) out of read_member_head and read_member
    payload = ELF_HEAD + bytes(range(256)) * 64
    data = corrupt_member_data(zip_with("bad/_x.so", payload, compression), "bad/_x.so")
    archive = open_zip(io.BytesIO(data), source=label)
    info = archive.getinfo("bad/_x.so")
    with pytest.raises(MemberError, match="bad/_x.so: cannot inflate"):
        read_member(archive, info, ZipLimits())
    try:
        head = read_member_head(archive, info, 4096)
    except MemberError:
        head = None
    assert head != payload[:4096]  # either refused or visibly not the real bytes
    report = inspect(data)
    problem = next(p for p in report.problems if p.path == "bad/_x.so")
    assert problem.code == "unreadable-object" and "cannot inflate" in problem.message


def test_an_unsupported_compression_method_is_a_member_problem():
    data = bytearray(zip_with("bad/_x.so", ELF_HEAD + bytes(100), zipfile.ZIP_STORED))
    # method 99 (AES, unsupported by zipfile) in the local header and central entry
    central = data.rindex(b"PK\x01\x02")
    struct.pack_into("<H", data, central + 10, 99)
    local = data.rindex(b"PK\x03\x04")
    struct.pack_into("<H", data, local + 8, 99)
    report = inspect(bytes(data))
    problem = next(p for p in report.problems if p.path == "bad/_x.so")
    assert "cannot inflate" in problem.message or "encrypted" in problem.message


def test_an_undecodable_utf8_member_name_refuses_the_archive():
    data = bytearray(zip_with("bad/_\u00e9.so", ELF_HEAD, zipfile.ZIP_STORED))
    # flag bit 11 says UTF-8; make the name's bytes invalid UTF-8
    at = data.rindex("bad/_\u00e9.so".encode())
    data[at + 5] = 0xFF
    with pytest.raises(ZipError, match="not a readable zip archive"):
        inspect(bytes(data))


def test_every_failure_is_apkneeds_own_error_class():
    assert issubclass(ZipError, ApkneedError) and issubclass(MemberError, ApkneedError)
