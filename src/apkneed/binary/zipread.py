"""A wheel's zip archive, read in memory from any seekable file object, with
limits against hostile archives.

Why the stdlib ``zipfile``: it parses the central directory (zip64 too) and
inflates members as streams, so a member can be read without extracting
anything to disk and, from an HTTP range-request file, without fetching the
members that are not read. It trusts the sizes an archive claims, so this
module checks them first:

* the end-of-central-directory record is read here and an absurd entry count
  or directory size is refused before ``zipfile`` reads the directory;
* member names that are absolute or climb out with ``..`` are refused (pip
  refuses to install such a wheel too);
* a member whose claimed size or compression ratio is absurd is refused, and
  every member is inflated as a stream that stops at the claimed size (a
  member that inflates to more fails its CRC check instead of growing).

Archive-level problems raise :class:`ZipError`; a bad member raises
:class:`MemberError`, which a caller can report and then go on.
"""

from __future__ import annotations

import io
import lzma
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from typing import BinaryIO

from apkneed.binary.headcache import HeadCachedStream
from apkneed.errors import InputError


@dataclass(frozen=True)
class ZipLimits:
    #: torch and tensorflow wheels hold ~20,000 members
    max_members: int = 200_000
    #: the central directory of a 20,000-member wheel is ~2 MiB
    max_directory_bytes: int = 64 << 20
    #: the largest member read (libtorch_cuda.so is ~1 GiB)
    max_member_bytes: int = 4 << 30
    #: real ELF members compress 2-6 to 1; deflate cannot exceed ~1032 to 1
    max_ratio: int = 100
    #: members up to this size are inflated into memory whole; larger ones are
    #: read through a cached head plus a forward stream
    in_memory_bytes: int = 256 << 20


class ZipError(InputError):
    """The archive as a whole cannot be read safely."""


class MemberError(InputError):
    """One member cannot be read safely; the rest of the archive can."""


_EOCD = struct.Struct("<4sHHHHIIH")  # end of central directory record
_ZIP64_LOCATOR = struct.Struct("<4sIQI")
_ZIP64_EOCD = struct.Struct("<4sQHHIIQQQQ")
_CENTRAL_ENTRY_MIN = 46  # fixed part of one central directory entry
_MAX_COMMENT = 0xFFFF

# Errors zipfile and zlib raise on damaged or unsupported archives (ValueError
# covers UnicodeDecodeError of a member name; RuntimeError an encrypted member;
# NotImplementedError an unsupported compression method).
_ZIP_FAILURES = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, ValueError, struct.error)
# ... and what inflating a member raises besides: bz2 reports corrupt data as
# OSError, lzma as LZMAError.
_MEMBER_FAILURES = (*_ZIP_FAILURES, OSError, lzma.LZMAError)


def open_zip(stream: BinaryIO, *, source: str, limits: ZipLimits = ZipLimits()) -> zipfile.ZipFile:
    """Check the archive's claimed sizes, then open it with ``zipfile``."""
    try:
        size = stream.seek(0, io.SEEK_END)
        _check_directory_claims(stream, size, source, limits)
        stream.seek(0)
        archive = zipfile.ZipFile(stream)
    except _ZIP_FAILURES as exc:
        raise ZipError(f"{source}: not a readable zip archive ({exc})") from None
    except OSError as exc:
        raise ZipError(f"{source}: cannot read ({exc.strerror or exc})") from None
    check_member_names(archive.infolist(), source)
    return archive


def _check_directory_claims(stream: BinaryIO, size: int, source: str, limits: ZipLimits) -> None:
    tail_length = min(size, _EOCD.size + _MAX_COMMENT)
    stream.seek(size - tail_length)
    tail = stream.read(tail_length)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < _EOCD.size:
        raise ZipError(f"{source}: not a zip archive (no end-of-central-directory record)")
    _, _, _, _, entries, directory_size, directory_offset, _ = _EOCD.unpack_from(tail, at)
    if 0xFFFF in (entries,) or 0xFFFFFFFF in (directory_size, directory_offset):
        entries, directory_size, directory_offset = _zip64_claims(stream, size - tail_length + at, source)
    if entries > limits.max_members:
        raise ZipError(f"{source}: central directory claims {entries} members (limit {limits.max_members}); refused")
    if directory_size > limits.max_directory_bytes:
        raise ZipError(
            f"{source}: central directory claims {directory_size} bytes (limit {limits.max_directory_bytes}); refused"
        )
    if directory_offset + directory_size > size:
        raise ZipError(f"{source}: central directory claims to extend past the end of the file; refused")
    if entries * _CENTRAL_ENTRY_MIN > directory_size:
        raise ZipError(
            f"{source}: central directory claims {entries} members in {directory_size} bytes, "
            f"which cannot hold them; refused"
        )


def _zip64_claims(stream: BinaryIO, eocd_offset: int, source: str) -> tuple[int, int, int]:
    locator_offset = eocd_offset - _ZIP64_LOCATOR.size
    if locator_offset < 0:
        raise ZipError(f"{source}: zip64 sizes without a zip64 locator")
    stream.seek(locator_offset)
    signature, _, record_offset, _ = _ZIP64_LOCATOR.unpack(stream.read(_ZIP64_LOCATOR.size))
    if signature != b"PK\x06\x07" or record_offset + _ZIP64_EOCD.size > locator_offset:
        raise ZipError(f"{source}: zip64 sizes without a valid zip64 locator")
    stream.seek(record_offset)
    record = _ZIP64_EOCD.unpack(stream.read(_ZIP64_EOCD.size))
    if record[0] != b"PK\x06\x06":
        raise ZipError(f"{source}: zip64 end-of-central-directory record not found")
    return record[7], record[8], record[9]


def check_member_names(infos: list[zipfile.ZipInfo], source: str) -> None:
    """Refuse names that are empty, absolute or climb out of the archive root."""
    for info in infos:
        name = info.filename
        if not name:
            # zipfile's own ZipInfo.is_dir() fails on it; no installer accepts it
            raise ZipError(f"{source}: a member has an empty name; refused")
        parts = re.split(r"[/\\]", name)
        if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) or ".." in parts or "\0" in name:
            raise ZipError(f"{source}: member path {name!r} escapes the archive; refused")


def check_member_claims(info: zipfile.ZipInfo, limits: ZipLimits) -> None:
    """Refuse a member whose claimed size or ratio is absurd, before inflating it."""
    if info.flag_bits & 0x1:
        raise MemberError(f"{info.filename}: encrypted member")
    if info.file_size > limits.max_member_bytes:
        raise MemberError(
            f"{info.filename}: claims {info.file_size} bytes uncompressed (limit {limits.max_member_bytes}); refused"
        )
    if info.compress_type != zipfile.ZIP_STORED and info.file_size > limits.max_ratio * max(info.compress_size, 1):
        raise MemberError(
            f"{info.filename}: compression ratio {info.file_size // max(info.compress_size, 1)}:1 is absurd "
            f"(limit {limits.max_ratio}:1, a zip bomb?); refused"
        )


def read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: ZipLimits, *, max_bytes: int | None = None) -> bytes:
    """Inflate a member (or its first ``max_bytes``) into memory, in chunks.

    The stream never yields more than the claimed size, and the claimed size
    was checked against the limits, so memory stays bounded whatever the
    compressed data really holds.
    """
    check_member_claims(info, limits)
    want = info.file_size if max_bytes is None else min(max_bytes, info.file_size)
    try:
        with archive.open(info) as member:
            return _read_exactly(member, want, info.filename, to_end=want == info.file_size)
    except _MEMBER_FAILURES as exc:
        raise MemberError(f"{info.filename}: cannot inflate ({exc})") from None


def read_member_head(archive: zipfile.ZipFile, info: zipfile.ZipInfo, length: int) -> bytes:
    """The first ``length`` bytes of a member: bounded by ``length`` whatever
    the member claims, so no size or ratio check is needed to peek."""
    if info.flag_bits & 0x1:
        raise MemberError(f"{info.filename}: encrypted member")
    try:
        with archive.open(info) as member:
            return member.read(length)
    except _MEMBER_FAILURES as exc:
        raise MemberError(f"{info.filename}: cannot inflate ({exc})") from None


def _read_exactly(member: BinaryIO, want: int, name: str, *, to_end: bool) -> bytes:
    chunks = []
    got = 0
    while got < want:
        chunk = member.read(min(1 << 20, want - got))
        if not chunk:
            raise MemberError(f"{name}: ends after {got} of its {want} claimed bytes")
        chunks.append(chunk)
        got += len(chunk)
    if to_end:
        # zipfile checks the CRC once the claimed end is reached; make sure
        # it is reached even for an empty member.
        member.read(1)
    return b"".join(chunks)


def open_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: ZipLimits) -> BinaryIO:
    """A seekable, read-only view of one member's bytes.

    Small members are inflated into memory whole. A large one (a 1 GiB
    libtorch) is read through :class:`HeadCachedMember`, so memory stays at
    the head size whatever the member's size.
    """
    check_member_claims(info, limits)
    if info.file_size <= limits.in_memory_bytes:
        return io.BytesIO(read_member(archive, info, limits))
    return HeadCachedMember(archive, info, head=read_member(archive, info, limits, max_bytes=16 << 20))


class HeadCachedMember(HeadCachedStream):
    """A large member: its first bytes cached, the rest streamed forward
    (:class:`~apkneed.binary.headcache.HeadCachedStream`); inflate errors
    become :class:`MemberError`."""

    def __init__(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo, head: bytes) -> None:
        super().__init__(lambda: archive.open(info), info.file_size, head)
        self._name = info.filename

    def _read_stream(self, start: int, length: int) -> bytes:
        try:
            return super()._read_stream(start, length)
        except _MEMBER_FAILURES as exc:
            raise MemberError(f"{self._name}: cannot inflate ({exc})") from None
