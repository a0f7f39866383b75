"""Index files read before (``--index`` files and the embedded snapshot): their parsed packages, kept in the cache.

Parsing a real index in Python (gunzip, 5,000 records, their atoms) takes
~57 ms in a fresh process, more than anything else ``apkneed resolve``
does; v3.21 main + community (25,392 packages) takes several hundred. Read
from its copies (layout 2, below), the same world with its provider table is
ready in ~16 ms of CPU (``bench/bench_resolve_v321.py``'s in-process row).
So an index file, once parsed, is kept as such a copy under
``<cache root>/alpine/parsed/<sha256 of the file's absolute path>`` (one per
path: a file that changes replaces its copy instead of adding one), and a
copy is used only when all of this holds (the embedded snapshot's indexes
are kept the same way, under the sha256 of ``embedded snapshot <file>``), else the file is parsed and the
copy rewritten:

* it is of these bytes: its header names the sha256 of the file's content
  as read now, this apkneed version and this Python (marshal's format is
  Python's);
* it is intact: its table of contents hashes to the sha256 in its header,
  and each section to the sha256 the table gives it, checked before that
  section is unmarshalled, so a torn or corrupted copy is never
  unmarshalled; and it unpacks to the expected shape;
* it is private to the user (:func:`apkneed.cache.read_private`), as a
  verified-index record must be (see :mod:`apkneed.alpine.sources.signature`).

The signature is still checked on the file's own signed bytes (the copy
keeps only their place in the file), but the packages come from the copy:
a copy is trusted as the user's cache directory is, like the rest of what
apkneed keeps there. Unlike a record, a forged copy needs no control of the
file itself (the file's sha256 is no secret), so only the owner and mode
checks keep others out; hence, as for records, only ``--index`` files and
the embedded snapshot (files of the user's own installation, whose sha256
the manifest pins) use copies, and bodies from the mirror or its cache are
always parsed.

Since layout 2 nothing in a copy is turned into objects before it is
needed: reading 25,000 packages' worth of copies must take a few
milliseconds, and building that many :class:`Package` objects takes tens.
The packages are columns (:mod:`apkneed.alpine.columns`), each column a
section of its own, checked against its own sha256 and unmarshalled the first
time a package (or the provider table's builder) needs it; a column that
does not check out makes the index parse its file again (a damaged copy costs
a parse, never a wrong package) and the copy is rewritten.

A first run parses the file straight into those columns
(:mod:`apkneed.alpine.index_columns`), hands them on as the index's packages
and encodes the copy from them. Copies and tables are renamed into place
without an fsync: each is checked against its own sha256 on every read, so
what a crash could leave on disk, a torn file, is ignored and made again.

Layout 2: one header line, ``apkneed-parsed-index 2 <apkneed version>
<Python cache tag> <sha256 of the file> <length of the table of contents>
<sha256 of the table of contents>``, then the table of contents (marshal:
``(meta, section names, ((length, sha256), ...))`` with ``meta =
(description, signatures, signed span, package count)``), then the
sections one after another (marshal, one column each, see
:mod:`apkneed.alpine.columns` for their encoding).

The provider table of a world (:class:`apkneed.alpine.providers.ProviderTables`,
flat arrays that need no per-package work) is kept beside the copies, one
file per ordered list of index files read together (``main`` + ``community``
is one world), under the sha256 of their keys: header ``apkneed-provider-tables 3
<apkneed version> <Python cache tag> <byte order> <sha256 of the files'
sha256s, in order> <length of the directory> <sha256 of the rest>``, then a marshal directory ``((array type, length), ...)`` and
the parts it lists, raw: the names as one UTF-8 blob, their offsets in it and
their hash table (:class:`apkneed.alpine.providers.NameTable`), then the
table's arrays, used in place (memory views of the mapped file). Same rules: of
these very files, intact, private; else made again from the indexes and
rewritten.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import sys
from array import array
from collections import namedtuple

from apkneed import __version__
from apkneed.alpine.columns import COLUMNS, IndexColumns, LazyPackages, columns_of
from apkneed.alpine.index import ApkIndex, IndexSignature, read_index_data, repository_label
from apkneed.alpine.index_columns import read_index_columns
from apkneed.alpine.providers import NameTable, ProviderTables
from apkneed.cache import map_private, private_dir, write_private
from apkneed.pathtext import absolute_text, path_text
from apkneed.records import Frozen, set_field

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (milliseconds of every resolve)
if TYPE_CHECKING:
    from collections.abc import Sequence
    from os import PathLike

    StrPath = str | PathLike[str]

FORMAT = "apkneed-parsed-index 2"
TABLES_FORMAT = "apkneed-provider-tables 3"
#: a copy is ~2-3x the compressed index; anything far larger is not one of ours
MAX_COPY = 256 * 1024 * 1024

SECTIONS = (*COLUMNS, "atoms")
#: the text columns whose values repeat (v3.21 community: 4,042 versions, 422 maintainers, 6,187 urls for
#: 19,854 packages): equal values are made one object, which marshal writes once; names and checksums
#: are (nearly) all different, and sharing them would only cost a first run time
_SHARED_COLUMNS = frozenset({"version", "arch", "description", "url", "license", "origin", "maintainer", "commit"})


def _sha256(data) -> str:
    return hashlib.sha256(data).hexdigest()


def _prefix(digest: str) -> str:
    return f"{FORMAT} {__version__} {sys.implementation.cache_tag} {digest}"


def encode(index: ApkIndex, data: bytes, digest: str | None = None, columns: dict | None = None) -> bytes:
    """The copy of ``index``, read from ``data`` (the file's bytes, whose sha256 ``digest`` is).

    ``columns``: the index's columns when the reader made them (else they are
    taken from its packages). Written once per file (~60 ms for a
    20,000-package index, against the parse saved by every later read).
    """
    if columns is None:
        columns = columns_of(index.packages)
    sections = []
    for name in SECTIONS:
        values = columns[name]
        if name in _SHARED_COLUMNS:
            share = {}.setdefault
            values = list(map(share, values, values))
        sections.append(marshal.dumps(values))
    span = None
    signed = index.signed_data
    if signed is not None:
        # the signed stream is the file's last (every real index): a comparison, where find() spent
        # milliseconds preparing a needle of the whole file
        start = len(data) - len(signed) if data.endswith(signed) else data.find(signed)
        span = (start, start + len(signed))
    signatures = tuple((s.key_name, s.algorithm, s.signature) for s in index.signatures)
    meta = (index.description, signatures, span, len(index.packages))
    toc = marshal.dumps((meta, SECTIONS, tuple((len(section), _sha256(section)) for section in sections)))
    header = f"{_prefix(digest or _sha256(data))} {len(toc)} {_sha256(toc)}\n".encode()
    return b"".join([header, toc, *sections])


class KeptCopy(namedtuple("KeptCopy", ("store", "key", "digest"))):
    """Where an index's copy is kept (``ApkIndex.kept``): the store, the copy's key, the file's sha256."""

    __slots__ = ()

    store: ParsedIndexes
    key: str
    digest: str


def decode(copy: bytes, data: bytes, *, source: str, repository: str, digest: str | None = None,
           kept: KeptCopy | None = None) -> ApkIndex | None:
    """The index a copy holds, for the file whose bytes are ``data``; None if it is not usable.

    Only the table of contents is read here; the columns are checked and
    read when first needed (and parsed from ``data`` if one is damaged).
    """
    split = _header_line(copy)  # a copy is mapped, not read: a section is read when used
    prefix = _prefix(digest or _sha256(data)).encode()
    if split is None or not split[0].startswith(prefix + b" "):
        return None
    header, view = split
    try:
        toc_length, toc_digest = header[len(prefix) + 1 :].split(b" ")
        toc_length = int(toc_length)
        toc = view[:toc_length]
        if len(toc) != toc_length or _sha256(toc).encode() != toc_digest:
            return None
        (description, signatures, span, count), names, sections = marshal.loads(toc)
        if tuple(names) != SECTIONS or len(sections) != len(SECTIONS) or not isinstance(count, int) or count < 0:
            return None
        places = {}
        offset = toc_length
        for name, (length, section_digest) in zip(SECTIONS, sections):
            places[name] = (offset, offset + length, section_digest)
            offset += length
        if offset != len(view) or not (description is None or isinstance(description, str)):
            return None
        signatures = tuple(IndexSignature(key, algorithm, signature) for key, algorithm, signature in signatures)
        if not all(isinstance(s.key_name, str) and isinstance(s.algorithm, str) and isinstance(s.signature, bytes)
                   for s in signatures):
            return None
        signed_data = None
        if span is not None:
            start, end = span
            if not (isinstance(start, int) and isinstance(end, int) and 0 <= start <= end <= len(data)):
                return None
            signed_data = data[start:end]
    except (ValueError, EOFError, TypeError):
        return None  # not what encode() writes: parse the file instead

    def load(name: str):
        start, end, section_digest = places[name]
        section = view[start:end]
        if _sha256(section) != section_digest:
            raise ValueError(f"section {name} does not match its digest")
        return marshal.loads(section)

    def parse_again() -> dict:
        fresh, columns = read_index_columns(data, source=source, repository=repository)
        if kept is not None:  # the copy is damaged: replace it
            kept.store.rewrite(kept, fresh, data, columns)
        return columns

    packages = LazyPackages(IndexColumns(count, load, parse_again), repository)
    return ApkIndex(
        packages=packages,
        source=source,
        repository=repository,
        description=description,
        signatures=signatures,
        signed_data=signed_data,
        kept=kept,
    )


def _header_line(copy) -> tuple[bytes, memoryview] | None:
    end = copy.find(b"\n", 0, 1024)
    return None if end < 0 else (copy[:end], memoryview(copy)[end + 1 :])


def _tables_prefix(kept: Sequence[KeptCopy]) -> str:
    inputs = _sha256(" ".join(k.digest for k in kept).encode())
    return f"{TABLES_FORMAT} {__version__} {sys.implementation.cache_tag} {sys.byteorder} {inputs}"


_TABLE_ARRAYS = ProviderTables._fields[1:-2]  # then apk3_reading and "solver", marshal parts


def encode_tables(kept: Sequence[KeptCopy], tables: ProviderTables) -> bytes:
    parts = [*tables.names.packed(), *(getattr(tables, name) for name in _TABLE_ARRAYS)]
    raw = [bytes(parts[0]), marshal.dumps(tables.solver()), marshal.dumps(tables.apk3_reading)]
    layout = [("B", len(raw[0])), ("marshal", len(raw[1])), ("marshal", len(raw[2]))]
    for values in parts[1:]:
        if isinstance(values, list):
            values = array("Q", values)  # only for a world of more indexes than apk allows
        typecode = getattr(values, "typecode", None) or values.format
        raw.append(values.tobytes())
        layout.append((typecode, len(raw[-1])))
    directory = marshal.dumps(tuple(layout))
    body = b"".join([directory, *raw])
    return f"{_tables_prefix(kept)} {len(directory)} {_sha256(body)}\n".encode() + body


def decode_tables(copy, kept: Sequence[KeptCopy]) -> ProviderTables | None:
    """The tables a copy holds (arrays are views of the mapped file: nothing is copied); None if not usable."""
    split = _header_line(copy)
    if split is None:
        return None
    header, body = split
    prefix = _tables_prefix(kept).encode()
    try:
        directory_length, body_digest = header[len(prefix) + 1 :].split(b" ")
        if not header.startswith(prefix + b" ") or _sha256(body).encode() != body_digest:
            return None
        directory_length = int(directory_length)
        layout = marshal.loads(body[:directory_length])
        if len(layout) != len(_TABLE_ARRAYS) + 5:
            return None
        parts = []
        offset = directory_length
        for typecode, length in layout:
            part = body[offset : offset + length]
            parts.append(part if typecode in ("B", "marshal") else part.cast(typecode))
            offset += length
        if offset != len(body) or layout[1][0] != "marshal" or layout[2][0] != "marshal":
            return None
        blob, solver, apk3, offsets, slots, *columns = parts
        apk3 = marshal.loads(apk3)  # a few package numbers
        if apk3 is not None and not (isinstance(apk3, tuple) and len(apk3) == 3):
            return None
        return ProviderTables(NameTable.stored(blob, offsets, slots), *columns, apk3_reading=apk3,
                              solver=_solver_part(solver))
    except (ValueError, EOFError, TypeError):
        return None


def _solver_part(part: memoryview):
    """The solver's lists, unmarshalled when first asked for (they were checked with the rest)."""

    def load() -> tuple:
        found = marshal.loads(part)
        if not (isinstance(found, tuple) and len(found) == 5):
            raise ValueError("not the solver's tables")
        return found

    return load


class ParsedIndexes(Frozen):
    """Copies under ``root``; a copy that cannot be read or written is simply not used."""

    __slots__ = ("root",)

    root: StrPath

    def __init__(self, root: StrPath) -> None:
        set_field(self, "root", root)

    def read_file(self, path: StrPath, *, repository: str | None = None) -> ApkIndex:
        """Like :func:`apkneed.alpine.index.read_index_file`, through the copy when there is one."""
        text = path_text(path)  # spelled as pathlib spells it, however it came (see apkneed.pathtext)
        data = read_index_data(text)
        return self.read_bytes(
            data, key=absolute_text(text), source=text, repository=repository or repository_label(text)
        )

    def read_bytes(self, data: bytes, *, key: str, source: str, repository: str) -> ApkIndex:
        """The index ``data`` holds, through the copy kept under ``key`` (a file's absolute path)."""
        digest = _sha256(data)
        kept = KeptCopy(self, key, digest)
        copy = map_private(self._path(key), limit=MAX_COPY)
        index = None
        if copy is not None:
            index = decode(copy, data, source=source, repository=repository, digest=digest, kept=kept)
        if index is None:
            # parsed straight into the columns a copy keeps: the same packages, built on access
            index, columns = read_index_columns(data, source=source, repository=repository)
            if self.rewrite(kept, index, data, columns):
                index = index.replace(kept=kept)
        return index

    def rewrite(self, kept: KeptCopy, index: ApkIndex, data: bytes, columns: dict | None = None) -> bool:
        """Write the copy of ``index`` (a fresh parse of ``data``, whose columns ``columns`` are,
        when known); False if it cannot be kept."""
        if not private_dir(self.root):  # a read-only cache: spare the encoding, no copy can be kept
            return False
        # no fsync: a copy is checked against its own sha256 on every read (see cache.atomic_write)
        return write_private(self._path(kept.key), encode(index, data, kept.digest, columns), sync=False)

    def kept_tables(self, kept: Sequence[KeptCopy]) -> ProviderTables | None:
        """The provider tables kept for this list of index files, if they still are theirs."""
        copy = map_private(self._tables_path(kept), limit=MAX_COPY)
        return decode_tables(copy, kept) if copy is not None else None

    def keep_tables(self, kept: Sequence[KeptCopy], tables: ProviderTables) -> None:
        if private_dir(self.root):  # no fsync, as for a copy (see rewrite)
            write_private(self._tables_path(kept), encode_tables(kept, tables), sync=False)

    def _path(self, key: str) -> str:
        return os.path.join(self.root, _sha256(key.encode("utf-8", "surrogateescape")))

    def _tables_path(self, kept: Sequence[KeptCopy]) -> str:
        keys = "\n".join(k.key for k in kept)
        return os.path.join(self.root, "tables-" + _sha256(keys.encode("utf-8", "surrogateescape")))
