"""Index files read before (``--index`` files and the embedded snapshot): their parsed packages, kept in the cache.

Parsing a real index in Python (gunzip, 5,000 records, their atoms) takes
~57 ms in a fresh process, more than anything else ``apkneed resolve``
does; loading the same packages from a :mod:`marshal` copy made of plain
tuples takes ~20 ms (v3.16 x86_64 and v3.17 aarch64 main alike). So an index
file, once parsed, is kept as such a copy under
``<cache root>/alpine/parsed/<sha256 of the file's absolute path>`` (one per
path: a file that changes replaces its copy instead of adding one), and a
copy is used only when all of this holds (the embedded snapshot's indexes
are kept the same way, under the sha256 of ``embedded snapshot <file>``), else the file is parsed and the
copy rewritten:

* it is of these bytes: its header names the sha256 of the file's content
  as read now, this apkneed version and this Python (marshal's format is
  Python's);
* it is intact: its payload hashes to the sha256 in its header, so a torn
  or corrupted copy is never unmarshalled, and it unpacks to the expected
  shape;
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

Layout: one header line, ``apkneed-parsed-index 1 <apkneed version>
<Python cache tag> <sha256 of the file> <sha256 of the payload>``, then the
marshal payload ``(description, signatures, signed span, atoms, columns)``:
the dependency atoms once each (``D:``/``i:``/``r:`` lists refer to them by
number), and one column per :class:`Package` field, equal strings shared so
that marshal writes each once.
"""

from __future__ import annotations

import hashlib
import marshal
import sys
from dataclasses import dataclass, fields
from itertools import chain, repeat
from operator import attrgetter
from pathlib import Path

from apkneed import __version__
from apkneed.alpine.atom import Dependency, Provide
from apkneed.alpine.index import ApkIndex, IndexSignature, read_index_bytes, read_index_data, repository_label
from apkneed.alpine.package import Package
from apkneed.cache import private_dir, read_private, write_private

FORMAT = "apkneed-parsed-index 1"
#: a copy is ~2x the compressed index; anything far larger is not one of ours
MAX_COPY = 256 * 1024 * 1024

FIELDS = tuple(f.name for f in fields(Package))
_ATOM_LISTS = tuple(FIELDS.index(name) for name in ("depends", "install_if", "replaces"))
_PROVIDES = FIELDS.index("provides")
_REPOSITORY = FIELDS.index("repository")
_STRINGS = frozenset(i for i, f in enumerate(fields(Package)) if f.type == "str")
_new = tuple.__new__


def _header(data: bytes, payload: bytes) -> bytes:
    tag = sys.implementation.cache_tag
    digests = f"{hashlib.sha256(data).hexdigest()} {hashlib.sha256(payload).hexdigest()}"
    return f"{FORMAT} {__version__} {tag} {digests}\n".encode()


def encode(index: ApkIndex, data: bytes) -> bytes:
    """The copy of ``index``, read from ``data`` (the file's bytes).

    Written once per file (~30 ms, against ~37 ms saved by every later
    read): the loops are map() and zip() over C functions, with no Python
    code run per value.
    """
    columns = list(zip(*map(attrgetter(*FIELDS), index.packages))) or [()] * len(FIELDS)
    share = {}.setdefault  # equal strings become one object, which marshal writes once
    # every dependency atom once, numbered in order of appearance
    lists = [columns[position] for position in _ATOM_LISTS]
    numbers = {atom: n for n, atom in enumerate(dict.fromkeys(chain.from_iterable(chain(*lists))))}
    number = numbers.__getitem__
    for position in range(len(FIELDS)):
        values = columns[position]
        if position in _ATOM_LISTS:
            columns[position] = tuple(tuple(map(number, deps)) for deps in values)
        elif position == _PROVIDES:
            columns[position] = tuple(tuple(map(tuple, provides)) for provides in values)
        elif position in _STRINGS:
            columns[position] = tuple(map(share, values, values))
    span = None
    if index.signed_data is not None:
        start = data.find(index.signed_data)
        span = (start, start + len(index.signed_data))
    signatures = tuple((s.key_name, s.algorithm, s.signature) for s in index.signatures)
    atoms = tuple(map(tuple, numbers))
    payload = marshal.dumps((index.description, signatures, span, atoms, tuple(columns)))
    return _header(data, payload) + payload


def decode(copy: bytes, data: bytes, *, source: str, repository: str) -> ApkIndex | None:
    """The index a copy holds, for the file whose bytes are ``data``; None if it is not usable."""
    header, newline, payload = copy.partition(b"\n")
    if not newline or header + newline != _header(data, payload):
        return None
    try:
        description, signatures, span, atoms, columns = marshal.loads(payload)
        count = len(columns[0])
        if len(columns) != len(FIELDS) or any(len(column) != count for column in columns):
            return None
        provides = chain.from_iterable(columns[_PROVIDES])
        if not {len(a) for a in atoms} <= {5} or not {len(p) for p in provides} <= {2}:
            return None
        table = [_new(Dependency, atom) for atom in atoms]
        atom = table.__getitem__
        columns = list(columns)
        for position in _ATOM_LISTS:
            columns[position] = [tuple(map(atom, ids)) if ids else () for ids in columns[position]]
        columns[_PROVIDES] = [
            tuple([_new(Provide, p) for p in provides]) if provides else () for provides in columns[_PROVIDES]
        ]
        columns[_REPOSITORY] = repeat(repository, count)
        packages = tuple(map(Package, *columns))
        signed_data = data[span[0] : span[1]] if span is not None else None
        return ApkIndex(
            packages=packages,
            source=source,
            repository=repository,
            description=description,
            signatures=tuple(IndexSignature(key, algorithm, signature) for key, algorithm, signature in signatures),
            signed_data=signed_data,
        )
    except (ValueError, EOFError, TypeError, IndexError):
        return None  # not what encode() writes: parse the file instead


@dataclass(frozen=True)
class ParsedIndexes:
    """Copies under ``root``; a copy that cannot be read or written is simply not used."""

    root: Path

    def read_file(self, path: Path, *, repository: str | None = None) -> ApkIndex:
        """Like :func:`apkneed.alpine.index.read_index_file`, through the copy when there is one."""
        data = read_index_data(path)
        return self.read_bytes(
            data, key=str(path.absolute()), source=str(path), repository=repository or repository_label(path)
        )

    def read_bytes(self, data: bytes, *, key: str, source: str, repository: str) -> ApkIndex:
        """The index ``data`` holds, through the copy kept under ``key`` (a file's absolute path)."""
        copy_path = self.root / hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()
        copy = read_private(copy_path, limit=MAX_COPY)
        index = decode(copy, data, source=source, repository=repository) if copy is not None else None
        if index is None:
            index = read_index_bytes(data, source=source, repository=repository)
            if private_dir(self.root):  # else (a read-only cache) spare the encoding: no copy can be kept
                write_private(copy_path, encode(index, data))
        return index
