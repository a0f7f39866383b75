"""Reading apk indexes: ``APKINDEX.tar.gz``, plain ``APKINDEX``, and the
installed database ``lib/apk/db/installed``.

An ``APKINDEX.tar.gz`` (apk v2) is gzip streams concatenated:

1. optionally, a signature stream: a tar holding ``.SIGN.RSA.<key>.rsa.pub``
   (or ``.SIGN.RSA256.``), whose content signs the *compressed bytes* of
2. the index stream: a tar holding ``DESCRIPTION`` and ``APKINDEX``.

The tars are cut without their end-of-archive blocks, so the streams must be
split before the tars are read; the split also gives the exact bytes a
signature covers.

Every malformed input raises :class:`InputError` with one line naming the
source, the line number where there is one, and the problem.
"""

from __future__ import annotations

import io
import os
import re
import zlib

from apkneed.alpine.atom import dependencies_of_line, parse_dependencies, parse_provides, provides_of_line
from apkneed.alpine.columns import LazyPackages
from apkneed.alpine.package import Package
from apkneed.errors import InputError
from apkneed.pathtext import path_parts
from apkneed.records import Frozen, set_field

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (milliseconds of every resolve)
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from os import PathLike

    StrPath = str | PathLike[str]  # a path as str or Path: the repeat run's path never imports pathlib

#: an index larger than this once decompressed is refused (a real one is ~2-3 MiB)
MAX_DECOMPRESSED = 256 * 1024 * 1024
#: an index file (or download) larger than this is refused before it is read whole:
#: a real APKINDEX.tar.gz is under 2 MiB, a plain APKINDEX under 16 MiB
MAX_INDEX_FILE_BYTES = 64 * 1024 * 1024
#: a line longer than this is refused; real D: lines stay under a few KiB
MAX_LINE = 256 * 1024

INDEX_FIELDS = frozenset("CPVASITULomtcDpikrq")
#: file lines and per-file metadata that only the installed database carries
INSTALLED_FIELDS = frozenset("FMRaZsf")
#: atom lists: apk accepts these repeated in a record and joins them
LIST_FIELDS = frozenset("Dpir")


class IndexSignature(Frozen):
    __slots__ = ("key_name", "algorithm", "signature")

    def __init__(self, key_name: str, algorithm: str, signature: bytes) -> None:
        set_field(self, "key_name", key_name)  # e.g. "alpine-devel@lists.alpinelinux.org-6165ee59.rsa.pub"
        set_field(self, "algorithm", algorithm)  # "RSA" (SHA-1) or "RSA256" (SHA-256)
        set_field(self, "signature", signature)


class ApkIndex(Frozen):
    """One repository's index, as read from one file or URL.

    ``packages`` is a tuple for an index just parsed, and a
    :class:`~apkneed.alpine.columns.LazyPackages` (built on access) for one
    read from its parsed copy; both are sequences of the same packages.
    """

    __slots__ = ("packages", "source", "repository", "description", "signatures", "signed_data", "kept")
    _compared = __slots__[:-1]  # ``kept`` is neither compared nor shown

    packages: Sequence[Package]
    source: str
    repository: str
    description: str | None
    signatures: tuple[IndexSignature, ...]
    #: the compressed bytes the signatures cover (None for plain-text indexes)
    signed_data: bytes | None
    #: where this index's parsed copy is kept, when it has one: an object with
    #: ``key`` (the copy's key), ``digest`` (sha256 of the index file) and
    #: ``store`` (which can keep the provider tables of a world of such
    #: indexes: see :func:`apkneed.alpine.providers.build_provider_map`)
    kept: object

    def __init__(self, packages: Sequence[Package], source: str, repository: str, description: str | None = None,
                 signatures: tuple[IndexSignature, ...] = (), signed_data: bytes | None = None,
                 kept: object = None) -> None:
        set_field(self, "packages", packages)
        set_field(self, "source", source)
        set_field(self, "repository", repository)
        set_field(self, "description", description)
        set_field(self, "signatures", signatures)
        set_field(self, "signed_data", signed_data)
        set_field(self, "kept", kept)

    @property
    def arches(self) -> frozenset[str]:
        return frozenset(a for a in set(self.column("arch")) if a and a != "noarch")

    def package_names(self) -> Sequence[str]:
        """Every package's name (from the copy's column, building no package, when there is one)."""
        return self.column("name")

    def column(self, name: str) -> Sequence:
        """One scalar field (name, version, arch, checksum...) of every package, in order."""
        packages = self.packages
        if isinstance(packages, LazyPackages):
            return packages.column(name)
        return [getattr(p, name) for p in packages]


def split_gzip_members(data: bytes, source: str) -> list[tuple[bytes, bytes]]:
    """Split concatenated gzip streams into (compressed, decompressed) pairs."""
    members: list[tuple[bytes, bytes]] = []
    offset = 0
    total = 0
    decompressobj, errors = _inflater()
    while offset < len(data):
        decoder = decompressobj(16 + zlib.MAX_WBITS)
        try:
            out = decoder.decompress(data[offset:], MAX_DECOMPRESSED - total + 1)
        except errors as exc:
            raise InputError(f"{source}: not a valid gzip stream at byte {offset} ({exc})") from None
        total += len(out)
        if total > MAX_DECOMPRESSED or decoder.unconsumed_tail:
            raise InputError(f"{source}: decompresses to more than {MAX_DECOMPRESSED} bytes; refused")
        if not decoder.eof:
            raise InputError(f"{source}: truncated gzip stream at byte {offset}")
        used = len(data) - offset - len(decoder.unused_data)
        members.append((data[offset : offset + used], out))
        offset += used
    if not members:
        raise InputError(f"{source}: empty file, not an APKINDEX")
    return members


def _inflater():
    """(decompressobj, the errors it raises): ISA-L's inflate (python-isal) when installed, else zlib's.

    ISA-L inflates an index in about half zlib's time (v3.21 community:
    25 -> 12 ms), a first run's gunzip; both read gzip streams the same way
    (``unused_data``, ``unconsumed_tail``, ``eof``), and the index tests and
    fuzz targets run on whichever is installed.
    """
    try:
        from isal import isal_zlib
    except ImportError:
        return zlib.decompressobj, zlib.error
    return isal_zlib.decompressobj, (isal_zlib.error, zlib.error)


def _tar_members(raw: bytes, source: str) -> dict[str, bytes]:
    """The regular files of one tar stream (apk's lack end-of-archive blocks).

    :mod:`tarfile` reads them, imported here: its import (~3 ms) is all a
    reader of our own would save (reading takes 0.2 ms), and a run whose
    indexes come from parsed copies (:mod:`apkneed.alpine.sources.parsed`) never
    reads a tar. tarfile ends an archive quietly at a damaged header after
    the first one; a damaged index is refused wherever the damage is, with
    the reason the header gives.
    """
    import tarfile

    if not raw[:512].strip(b"\0"):
        return {}  # no member at all (tarfile calls an empty stream an error)
    files: dict[str, bytes] = {}
    try:
        with tarfile.open(fileobj=io.BytesIO(raw), mode="r:", encoding="utf-8", errors="replace") as tar:
            for member in tar:
                if member.isfile():
                    files[member.name] = tar.extractfile(member).read()
            stopped_at = raw[tar.offset : tar.offset + 512]
        if stopped_at.strip(b"\0"):  # not the end: a header tarfile could not read
            tarfile.TarInfo.frombuf(stopped_at, "utf-8", "replace")
            raise tarfile.ReadError("unreadable header")
    except (tarfile.TarError, ValueError) as exc:
        reason = _TAR_REASONS.get(str(exc), str(exc))
        raise InputError(f"{source}: not a valid tar inside the gzip stream ({reason})") from None
    return files


#: tarfile's words -> the ones apkneed has always used ("empty header": the
#: archive ends where a GNU long name promised a member)
_TAR_REASONS = {
    "bad checksum": "bad header checksum",
    "invalid header": "bad number field",
    "empty header": "unexpected end of data",
}


def read_index_archive(data: bytes, *, source: str, repository: str) -> ApkIndex:
    """Read an ``APKINDEX.tar.gz`` (with or without its signature stream)."""
    return _index_of(unpack_index_archive(data, source=source), source=source, repository=repository)


def unpack_index_archive(
    data: bytes, *, source: str
) -> tuple[str, str | None, tuple[IndexSignature, ...], bytes | None]:
    """(APKINDEX text, description, signatures, the bytes they sign) of an ``APKINDEX.tar.gz``."""
    if data[:2] != b"\x1f\x8b":
        raise InputError(f"{source}: not gzip data (an APKINDEX.tar.gz starts with 1f 8b)")
    members = split_gzip_members(data, source)
    signatures: list[IndexSignature] = []
    index_files: dict[str, bytes] | None = None
    signed_data: bytes | None = None
    for compressed, raw in members:
        files = _tar_members(raw, source)
        sigs = [name for name in files if name.startswith(".SIGN.")]
        if sigs and index_files is None:
            for name in sigs:
                algorithm, _, key = name[len(".SIGN."):].partition(".")
                signatures.append(IndexSignature(key, algorithm, files[name]))
            continue
        if "APKINDEX" in files:
            index_files = files
            signed_data = compressed
            break
    if index_files is None:
        raise InputError(f"{source}: no APKINDEX file inside the archive")
    try:
        text = index_files["APKINDEX"].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{source}: APKINDEX is not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    description = index_files.get("DESCRIPTION", b"").decode("utf-8", "replace").strip() or None
    return text, description, tuple(signatures), signed_data if signatures else None


def read_index_bytes(data: bytes, *, source: str, repository: str) -> ApkIndex:
    """Read an index that may be gzip'd (``APKINDEX.tar.gz``) or plain text."""
    return _index_of(unpack_index(data, source=source), source=source, repository=repository)


def _index_of(unpacked: tuple[str, str | None, tuple[IndexSignature, ...], bytes | None], *, source: str,
              repository: str) -> ApkIndex:
    """The ApkIndex of what :func:`unpack_index` (or :func:`unpack_index_archive`) gave: its records parsed."""
    text, description, signatures, signed_data = unpacked
    return ApkIndex(
        packages=tuple(parse_records(text, source=source, repository=repository)),
        source=source,
        repository=repository,
        description=description,
        signatures=signatures,
        signed_data=signed_data,
    )


def unpack_index(data: bytes, *, source: str) -> tuple[str, str | None, tuple[IndexSignature, ...], bytes | None]:
    """(records text, description, signatures, signed bytes) of a gzip'd or plain-text index."""
    if data[:2] == b"\x1f\x8b":
        return unpack_index_archive(data, source=source)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{source}: neither gzip nor UTF-8 text; not an APKINDEX") from None
    return text, None, (), None


def read_index_file(path: StrPath, *, repository: str | None = None) -> ApkIndex:
    return read_index_bytes(read_index_data(path), source=str(path), repository=repository or repository_label(path))


def read_index_data(path: StrPath, *, limit: int = MAX_INDEX_FILE_BYTES) -> bytes:
    """The bytes of an index file; InputError naming it when it cannot be read
    or holds more than ``limit`` bytes (checked before reading, and while
    reading for a file whose size is not known up front: a pipe, a device)."""
    try:
        with open(path, "rb") as file:
            size = os.fstat(file.fileno()).st_size
            if size > limit:
                raise InputError(f"{path}: {size} bytes is not an Alpine index (limit {limit} bytes); refused")
            data = file.read(limit + 1)
    except OSError as exc:
        raise InputError(f"{path}: cannot read index ({exc.strerror or exc})") from None
    if len(data) > limit:
        raise InputError(f"{path}: more than {limit} bytes is not an Alpine index; refused")
    return data


def repository_label(path: StrPath) -> str:
    """``.../v3.16/main/x86_64/APKINDEX.tar.gz`` is repository "main"."""
    parts = path_parts(path)
    if len(parts) >= 3 and parts[-1].startswith("APKINDEX"):
        return parts[-3]
    return str(path)


def read_installed_db(data: bytes | str, *, source: str = "lib/apk/db/installed") -> tuple[Package, ...]:
    """Read ``lib/apk/db/installed``: index records plus the files they own."""
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    return tuple(parse_records(text, source=source, repository="installed", installed=True))


# A record exactly as apk-tools writes it (apk_pkg_write_index_header):
# fields in this order, sizes and times as digits, then the blank line(s)
# that end it. Nearly every record of a real index is one; the reader walks
# the text with this one match per record instead of line by line.
_CANONICAL_RECORD = re.compile(
    r"C:(.*)\nP:(.+)\nV:(.+)(?:\nA:(.*))?\nS:([0-9]+)\nI:([0-9]+)\nT:(.*)\nU:(.*)\nL:(.*)"
    r"(?:\no:(.*))?(?:\nm:(.*))?(?:\nt:([0-9]+))?(?:\nc:(.*))?(?:\nk:([0-9]+))?"
    r"(?:\nD:(.*))?(?:\np:(.*))?(?:\ni:(.*))?(?:\n\n+|\n*\Z)"
)
_NEWLINES = re.compile(r"\n*")


def parse_records(text: str, *, source: str, repository: str, installed: bool = False) -> list[Package]:
    """Parse blank-line separated ``X:value`` records into packages.

    Index records in apk-tools' own layout take a fast path (one regular
    expression match per record); any other record, and every
    installed-database record, goes through the line-by-line reader, which
    also finds the exact line of an error.
    """
    packages: list[Package] = []
    append = packages.append
    canonical = _CANONICAL_RECORD.match
    skip_blank = _NEWLINES.match
    size = len(text)
    pos = skip_blank(text).end()
    while pos < size:
        if not installed:
            match = canonical(text, pos)
            if match is not None:
                end = match.end()
                if end - pos > MAX_LINE:
                    _check_lines(text[pos:end], source, _line_of(text, pos))
                append(_package_from_canonical(match.groups(), repository, source, text, pos))
                pos = end
                continue
        end = text.find("\n\n", pos)
        if end < 0:
            end = size
        record = text[pos:end].rstrip("\n")
        if len(record) > MAX_LINE:
            _check_lines(record, source, _line_of(text, pos))
        append(_parse_record_slowly(record, text, pos, source, repository, installed))
        pos = skip_blank(text, end).end()
    return packages


def _package_from_canonical(groups, repository: str, source: str, text: str, offset: int) -> Package:
    (checksum, name, version, arch, size, isize, desc, url, lic,
     origin, maint, btime, commit, prio, deps, provides, iif) = groups
    try:
        return Package(
            name,
            version,
            arch or "",
            checksum,
            int(size),
            int(isize),
            desc,
            url,
            lic,
            origin or "",
            maint or "",
            int(btime) if btime else None,
            commit or "",
            dependencies_of_line(deps) if deps else (),
            provides_of_line(provides) if provides else (),
            dependencies_of_line(iif) if iif else (),
            int(prio) if prio else None,
            (),
            None,
            repository,
            (),
        )
    except InputError as exc:
        raise InputError(f"{source}:{_line_of(text, offset)}: in the record for {name!r}: {exc}") from None


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _check_lines(text: str, source: str, first_line: int = 1) -> None:
    for lineno, line in enumerate(text.split("\n"), first_line):
        if len(line) > MAX_LINE:
            raise InputError(f"{source}:{lineno}: line of {len(line)} characters exceeds the {MAX_LINE} limit")


def _parse_record_slowly(
    record: str, text: str, record_offset: int, source: str, repository: str, installed: bool
) -> Package:
    """Read one record line by line; raise with the exact line of a problem.

    Line numbers are counted only for an error: counting them for every
    record would make a large database quadratic.
    """
    allowed = INDEX_FIELDS | INSTALLED_FIELDS if installed else INDEX_FIELDS

    def where(index: int) -> str:
        return f"{source}:{_line_of(text, record_offset) + index}"

    fields: dict[str, str] = {}
    files: list[str] = []
    directory = ""
    start = None
    for index, line in enumerate(record.split("\n")):
        if not line:
            continue
        if start is None:
            start = index
        if len(line) < 2 or line[1] != ":":
            raise InputError(f"{where(index)}: expected 'X:value', got {line[:40]!r}")
        letter, value = line[0], line[2:]
        if letter not in allowed:
            raise InputError(f"{where(index)}: unknown field {letter!r}")
        if letter in INSTALLED_FIELDS:
            if letter == "F":
                directory = value
                files.append(value)
            elif letter == "R":
                files.append(f"{directory}/{value}" if directory else value)
            continue
        if letter in fields:
            if letter not in LIST_FIELDS:
                raise InputError(f"{where(index)}: field {letter!r} repeated in one record")
            # apk appends a repeated list line to the ones before it
            value = f"{fields[letter]} {value}"
        fields[letter] = value
    first = start or 0
    return _make_package(
        fields, tuple(files), source, repository, lambda: _line_of(text, record_offset) + first
    )


def _int_field(fields: dict[str, str], letter: str, source: str, line: Callable[[], int]) -> int | None:
    value = fields.get(letter)
    if value is None:
        return None
    if value.isdigit():
        return int(value)
    try:
        return int(value)
    except ValueError:
        raise InputError(
            f"{source}:{line()}: field {letter!r} of the record is not an integer: {value[:40]!r}"
        ) from None


def _make_package(
    fields: dict[str, str], files: tuple[str, ...], source: str, repository: str, line: Callable[[], int]
) -> Package:
    """Build a Package; ``line()`` gives the record's first line, for errors only."""
    name = fields.get("P")
    if not name:
        raise InputError(f"{source}:{line()}: record without P: (package name)")
    version = fields.get("V")
    if not version:
        raise InputError(f"{source}:{line()}: record for {name!r} without V: (version)")
    get = fields.get
    try:
        return Package(
            name,
            version,
            get("A", ""),
            get("C", ""),
            _int_field(fields, "S", source, line) or 0,
            _int_field(fields, "I", source, line) or 0,
            get("T", ""),
            get("U", ""),
            get("L", ""),
            get("o", ""),
            get("m", ""),
            _int_field(fields, "t", source, line),
            get("c", ""),
            parse_dependencies(get("D", "")),
            parse_provides(get("p", "")),
            parse_dependencies(get("i", "")),
            _int_field(fields, "k", source, line),
            parse_dependencies(get("r", "")),
            _int_field(fields, "q", source, line),
            repository,
            files,
        )
    except InputError as exc:
        raise InputError(f"{source}:{line()}: in the record for {name!r}: {exc}") from None


def check_arch(index: ApkIndex, arch: str) -> None:
    """Refuse an index built for another architecture."""
    foreign = sorted(index.arches - {arch})
    if foreign:
        raise InputError(
            f"{index.source}: index is for {', '.join(foreign)}, not {arch} "
            f"(pass --arch {foreign[0]} or an index for {arch})"
        )
