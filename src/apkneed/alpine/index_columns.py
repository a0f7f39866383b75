"""Reading an index straight into columns (:mod:`apkneed.alpine.columns`), building no package.

The first run on an index parses it and keeps its parsed copy, whose
packages are columns. Building 25,000 :class:`~apkneed.alpine.package.Package`
objects only to take them apart again into those columns cost most of a
first run (v3.21 main + community: ~190 ms of parse, ~100 ms of column
copy), so an index read for its copy goes from text to columns directly:

* records in apk-tools' own layout (every record of a real index) are cut by
  :func:`apkneed.alpine.index.parse_records`' own regular expression, run
  from one record to the next by the C scanner, and their fields turned
  into columns with ``zip``;
* each distinct ``D:``/``i:`` line is read once, each distinct word of one
  once (``so:libc.musl-x86_64.so.1`` is one atom, numbered once);
* anything else (a record in another layout, an unreadable atom, a line
  over the length limit) makes the whole text go through
  :func:`~apkneed.alpine.index.parse_records`, which reads every record
  and reports an error at its exact line, and its packages are made columns
  with :func:`~apkneed.alpine.columns.columns_of`: the two ways give the same
  packages, which the tests (and a fuzz target) hold them to.
"""

from __future__ import annotations

import re
from itertools import accumulate, chain

from apkneed.alpine.atom import _dependency_word, provides_of_line
from apkneed.alpine.columns import COLUMNS, IndexColumns, LazyPackages, columns_of
from apkneed.alpine.index import (
    _CANONICAL_RECORD,
    _NEWLINES,
    MAX_LINE,
    ApkIndex,
    parse_records,
    unpack_index,
)
from apkneed.errors import InputError

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (milliseconds of every resolve)
if TYPE_CHECKING:
    from collections.abc import Sequence

_match_groups = re.Match.groups


def read_index_columns(data: bytes, *, source: str, repository: str) -> tuple[ApkIndex, dict[str, Sequence]]:
    """The index ``data`` holds (packages built from columns on access) and its columns.

    Raises the same :class:`InputError` as :func:`apkneed.alpine.index.read_index_bytes`.
    """
    text, description, signatures, signed_data = unpack_index(data, source=source)
    columns = parse_columns(text, source=source, repository=repository)
    packages = LazyPackages(IndexColumns(len(columns["name"]), columns.__getitem__), repository)
    index = ApkIndex(packages, source, repository, description, signatures, signed_data)
    return index, columns


def parse_columns(text: str, *, source: str, repository: str) -> dict[str, Sequence]:
    """The columns of the packages of an index's records text (as ``columns_of(parse_records(text))``)."""
    columns = canonical_columns(text)
    if columns is None:
        columns = columns_of(parse_records(text, source=source, repository=repository))
    return columns


def canonical_columns(text: str) -> dict[str, Sequence] | None:
    """The columns, when every record is in apk-tools' layout and reads cleanly; else None."""
    scanner = _CANONICAL_RECORD.scanner(text, _NEWLINES.match(text).end())
    matches = list(iter(scanner.match, None))
    if (matches[-1].end() if matches else _NEWLINES.match(text).end()) != len(text):
        return None  # a record in another layout: the line-by-line reader's work
    rows = list(map(_match_groups, matches))
    del matches
    if not rows:
        return {name: [] for name in (*COLUMNS, "atoms")}
    (checksum, name, version, arch, size, isize, desc, url, lic,
     origin, maint, btime, commit, prio, deps, provides, iif) = zip(*rows)
    strings = (checksum, name, version, arch, desc, url, lic, origin, maint, commit, deps, provides, iif)
    if len(text) > MAX_LINE and any(max(map(len, filter(None, values)), default=0) + 2 > MAX_LINE
                                    for values in strings):
        return None  # a line too long: refused, at its line, by parse_records
    atoms = _AtomNumbers()
    try:
        depends = _atom_numbers(deps, atoms)
        install_if = _atom_numbers(iif, atoms)
        provides = _flat_provides(provides)
        size = list(map(int, size))
        isize = list(map(int, isize))
        btime = [int(t) if t else None for t in btime]
        prio = [int(k) if k else None for k in prio]
    except (InputError, ValueError):
        return None  # an atom or a number parse_records refuses, with its line
    count = len(rows)
    nothing = [()] * count
    return {
        "name": name, "version": version, "arch": _or_empty(arch), "checksum": checksum,
        "size": size, "installed_size": isize, "description": desc, "url": url, "license": lic,
        "origin": _or_empty(origin), "maintainer": _or_empty(maint), "build_time": btime,
        "commit": _or_empty(commit), "depends": depends, "provides": provides, "install_if": install_if,
        "provider_priority": prio, "replaces": nothing, "replaces_priority": [None] * count, "files": nothing,
        "atoms": [tuple(atom) for atom in atoms.table],
    }


def _or_empty(values: tuple[str | None, ...]) -> Sequence[str]:
    return values if None not in values else [value or "" for value in values]


class _AtomNumbers(dict):
    """word of a ``D:``/``i:`` line -> its atom's number; ``table``: atom -> number, in number order."""

    __slots__ = ("table",)

    def __init__(self) -> None:
        super().__init__()
        self.table: dict = {}

    def __missing__(self, word: str) -> int:
        atom = _dependency_word(word)  # InputError for a malformed atom
        number = self[word] = self.table.setdefault(atom, len(self.table))
        return number


def _atom_numbers(lines: Sequence[str | None], atoms: _AtomNumbers) -> list[tuple[int, ...]]:
    """Per ``D:``/``i:`` line (None: none), its atoms' numbers: each distinct line read once, all
    their words looked up in one pass (a word seen before costs one dict lookup, in C)."""
    distinct = dict.fromkeys(lines)
    distinct.pop(None, None)
    texts = list(distinct)
    words = list(map(str.split, texts))
    numbers = list(map(atoms.__getitem__, chain.from_iterable(words)))
    ends = list(accumulate(map(len, words)))
    table = dict(zip(texts, [tuple(numbers[a:b]) for a, b in zip([0, *ends], ends)]))
    table[None] = ()
    return list(map(table.__getitem__, lines))


#: a ``p:`` line of versioned provides only, no ``=`` in a version, single spaces (nearly every one):
#: its words, cut at their ``=``, are the flat column as they stand
_SIMPLE_PROVIDES = re.compile(r"[^\s<>=~!]+=[^\s=]+(?: [^\s<>=~!]+=[^\s=]+)*")


def _flat_provides(lines: Sequence[str | None]) -> list[tuple[str | None, ...]]:
    """Per ``p:`` line (None: none), ``(name, version, name, version...)``, each distinct line read once."""
    distinct = dict.fromkeys(lines)
    distinct.pop(None, None)
    simple = _SIMPLE_PROVIDES.fullmatch
    table = {
        text: tuple(text.replace("=", " ").split()) if simple(text) else tuple(chain.from_iterable(provides_of_line(text)))
        for text in distinct
    }
    table[None] = ()
    return list(map(table.__getitem__, lines))
