"""Hostile and damaged zip archives: refused with one clear line, inflated
with bounded memory, never a traceback."""

from __future__ import annotations

import io
import os
import struct
import tracemalloc
import zipfile

import pytest
from binary_helpers import wheel_bytes

from apkneed.binary.elf import read_elf
from apkneed.binary.policy import Target
from apkneed.binary.wheel import inspect_wheel
from apkneed.binary.zipread import MemberError, ZipError, ZipLimits, open_member, open_zip, read_member

TAG = "cp310-cp310-musllinux_1_2_x86_64"
ELF_HEAD = b"\x7fELF\x02\x01\x01" + bytes(9)


def zip_of(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def patch_member_sizes(data: bytes, name: str, *, uncompressed: int) -> bytes:
    """Rewrite a member's claimed uncompressed size in its local header and
    its central directory entry (the offsets of the zip format, APPNOTE 4.3.7
    and 4.3.12)."""
    patched = bytearray(data)
    encoded = name.encode()
    local = data.index(b"PK\x03\x04" + data[4:6])  # first local header
    while data[local + 30 : local + 30 + len(encoded)] != encoded:
        local = data.index(b"PK\x03\x04", local + 4)
    struct.pack_into("<I", patched, local + 22, uncompressed)
    central = data.index(b"PK\x01\x02")
    while data[central + 46 : central + 46 + len(encoded)] != encoded:
        central = data.index(b"PK\x01\x02", central + 4)
    struct.pack_into("<I", patched, central + 24, uncompressed)
    return bytes(patched)


def patch_eocd(data: bytes, *, entries: int | None = None, size: int | None = None) -> bytes:
    patched = bytearray(data)
    at = data.rindex(b"PK\x05\x06")
    if entries is not None:
        struct.pack_into("<HH", patched, at + 8, entries, entries)
    if size is not None:
        struct.pack_into("<I", patched, at + 12, size)
    return bytes(patched)


def inspect_bytes(data: bytes, filename: str = f"bad-1.0-{TAG}.whl", **kwargs):
    return inspect_wheel(io.BytesIO(data), filename, target=Target("x86_64"), **kwargs)


def peak_memory(function) -> tuple[object, int]:
    tracemalloc.start()
    try:
        result = function()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_zip_bomb_member_is_refused_by_its_ratio_with_little_memory():
    # 64 MiB of zeros behind an ELF identification deflate to ~64 KiB
    bomb = wheel_bytes("bad", "1.0", TAG, {"bad/_bomb.so": ELF_HEAD + bytes(64 << 20)})
    assert len(bomb) < 256 << 10
    report, peak = peak_memory(lambda: inspect_bytes(bomb))
    problem = next(p for p in report.problems if p.path == "bad/_bomb.so")
    assert "compression ratio" in problem.message and "zip bomb" in problem.message
    assert problem.severity == "error" and not report.compatible
    assert peak < 8 << 20


def test_member_that_inflates_past_its_claimed_size_stops_there():
    # honest ratio on paper, but the data inflates to 20 MiB: the reader stops
    # at the claimed 4 KiB and zipfile's CRC check refuses the member
    data = zip_of({"pkg/_lie.so": ELF_HEAD + os.urandom(1 << 20) + bytes(20 << 20)})
    lying = patch_member_sizes(data, "pkg/_lie.so", uncompressed=4096)
    archive = open_zip(io.BytesIO(lying), source="lie.zip")
    info = archive.getinfo("pkg/_lie.so")
    assert info.file_size == 4096

    def attempt() -> str:
        with pytest.raises(MemberError) as caught:
            read_member(archive, info, ZipLimits())
        return str(caught.value)

    message, peak = peak_memory(attempt)
    assert message.startswith("pkg/_lie.so: cannot inflate") and "CRC" in message
    assert peak < 8 << 20


def test_member_claiming_more_than_it_holds_is_refused():
    data = zip_of({"pkg/_short.so": ELF_HEAD + os.urandom(5000)})
    claiming = patch_member_sizes(data, "pkg/_short.so", uncompressed=50_000)
    archive = open_zip(io.BytesIO(claiming), source="short.zip")
    with pytest.raises(MemberError, match="pkg/_short.so"):
        read_member(archive, archive.getinfo("pkg/_short.so"), ZipLimits())


def test_member_over_the_size_limit_is_refused_before_inflating():
    data = zip_of({"pkg/_big.so": ELF_HEAD + os.urandom(2 << 20)})
    archive = open_zip(io.BytesIO(data), source="big.zip")
    limits = ZipLimits(max_member_bytes=1 << 20)
    with pytest.raises(MemberError, match=r"claims 2097168 bytes uncompressed \(limit 1048576\)"):
        read_member(archive, archive.getinfo("pkg/_big.so"), limits)


@pytest.mark.parametrize("name", ["../evil.so", "pkg/../../evil.so", "/abs/evil.so", "pkg\\..\\..\\evil.so", "C:/evil.so"])
def test_member_paths_escaping_the_archive_are_refused(name):
    data = wheel_bytes("bad", "1.0", TAG, {name: b"x"})
    with pytest.raises(ZipError) as caught:
        inspect_bytes(data)
    assert f"member path {name!r} escapes the archive; refused" in str(caught.value)


def test_central_directory_claiming_too_many_members():
    data = zip_of({f"m{i}.txt": b"x" for i in range(5)})
    with pytest.raises(ZipError, match="claims 60000 members in .* bytes, which cannot hold them"):
        open_zip(io.BytesIO(patch_eocd(data, entries=60000)), source="many.zip")
    with pytest.raises(ZipError, match=r"claims 5 members \(limit 3\)"):
        open_zip(io.BytesIO(data), source="many.zip", limits=ZipLimits(max_members=3))


def test_central_directory_claiming_a_huge_size():
    data = zip_of({"a.txt": b"x"})
    with pytest.raises(ZipError, match=r"claims 2147483647 bytes \(limit 67108864\)"):
        open_zip(io.BytesIO(patch_eocd(data, size=0x7FFFFFFF)), source="huge.zip")
    with pytest.raises(ZipError, match="past the end of the file"):
        open_zip(io.BytesIO(patch_eocd(data, size=1 << 20)), source="huge.zip")


def test_zip64_claims_are_checked_too():
    # a real zip64 archive: more members than the classic record can count
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for i in range(0x10000):
            archive.writestr(zipfile.ZipInfo(f"{i:x}"), b"")
    data = buffer.getvalue()
    assert len(open_zip(io.BytesIO(data), source="z64.zip").infolist()) == 0x10000
    record = data.rindex(b"PK\x06\x06")
    patched = bytearray(data)
    struct.pack_into("<QQ", patched, record + 24, 10**9, 10**9)  # entries on disk, entries total
    with pytest.raises(ZipError, match=r"claims 1000000000 members \(limit 200000\)"):
        open_zip(io.BytesIO(bytes(patched)), source="z64.zip")
    # the classic record says "see zip64" but the locator is gone
    no_locator = data[: data.rindex(b"PK\x06\x07")] + data[data.rindex(b"PK\x05\x06") :]
    with pytest.raises(ZipError, match="zip64"):
        open_zip(io.BytesIO(no_locator), source="z64.zip")


def test_not_a_zip_and_truncated_zip():
    with pytest.raises(ZipError, match="not a zip archive"):
        open_zip(io.BytesIO(b"\x7fELF" + bytes(1000)), source="x.whl")
    with pytest.raises(ZipError, match="not a zip archive"):
        open_zip(io.BytesIO(b""), source="x.whl")
    data = zip_of({"a.so": os.urandom(10000)})
    with pytest.raises(ZipError):
        open_zip(io.BytesIO(data[: len(data) // 2]), source="x.whl")


def test_encrypted_member_is_a_problem_not_a_crash():
    data = bytearray(wheel_bytes("bad", "1.0", TAG, {"bad/_enc.so": ELF_HEAD + bytes(100)}))
    local = data.index(b"PK\x03\x04")
    central = data.index(b"PK\x01\x02")
    data[local + 6] |= 1  # general purpose flag bit 0: encrypted
    data[central + 8] |= 1
    report = inspect_bytes(bytes(data))
    assert any(p.path == "bad/_enc.so" and "encrypted" in p.message for p in report.problems)


def test_large_members_are_read_through_a_cached_head(built):
    data = zip_of({"pkg/_z.so": built.glibc_lib.read_bytes()})
    archive = open_zip(io.BytesIO(data), source="x.whl")
    info = archive.getinfo("pkg/_z.so")
    whole = read_elf(open_member(archive, info, ZipLimits()), path="pkg/_z.so")
    small = ZipLimits(in_memory_bytes=1024)
    streamed = open_member(archive, info, small)
    assert not isinstance(streamed, io.BytesIO)
    assert read_elf(streamed, path="pkg/_z.so") == whole
    streamed.seek(0)
    assert streamed.read() == built.glibc_lib.read_bytes()
