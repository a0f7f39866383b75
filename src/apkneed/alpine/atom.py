"""Dependency and provide atoms, as apk writes them in ``D:``, ``p:``, ``i:``.

A dependency atom is ``[!]name[@tag][op version]`` where ``op`` is made of
``<``, ``>``, ``=`` and ``~`` (``~`` is apk's fuzzy "same prefix" match) and
``><`` compares a checksum. A provide atom is ``name`` or ``name=version``.
Names can be anything apk allows: ``so:libz.so.1``, ``cmd:gcc``,
``pc:zlib``, ``py3.10:numpy``, ``/bin/sh``.

Atoms are immutable and interned per text, so the thousands of identical
``so:libc.musl-x86_64.so.1`` atoms in an index are one object. Bare names
(most atoms) are built without the regular expression.
"""

from __future__ import annotations

import re
from functools import lru_cache
from collections import namedtuple

from apkneed.errors import InputError

# The operator is the first run of comparison characters after the name.
_DEP_RE = re.compile(r"^(?P<conflict>!?)(?P<name>[^<>=~@!\s]+)(?:@(?P<tag>[^<>=~\s]+))?(?:(?P<op>[<>=~]+)(?P<version>\S+))?$")
VALID_OPS = frozenset({"=", "<", "<=", ">", ">=", "~", "<~", ">~", "=~", "~=", "><"})


class Dependency(namedtuple("Dependency", ("name", "op", "version", "conflict", "tag"),
                            defaults=(None, None, False, None))):
    """One dependency atom. ``op``/``version`` are None for "any version".

    A named tuple, not a dataclass: an index holds tens of thousands and
    tuples are the cheapest immutable records CPython builds.
    """

    __slots__ = ()

    name: str
    op: str | None
    version: str | None
    conflict: bool
    tag: str | None

    def __str__(self) -> str:
        text = ("!" if self.conflict else "") + self.name
        if self.tag:
            text += "@" + self.tag
        if self.op:
            text += f"{self.op}{self.version}"
        return text

    @property
    def fuzzy(self) -> bool:
        return self.op is not None and "~" in self.op


class Provide(namedtuple("Provide", ("name", "version"), defaults=(None,))):
    """One provided name, with the version it is provided at (or None)."""

    __slots__ = ()

    name: str
    version: str | None

    def __str__(self) -> str:
        return self.name if self.version is None else f"{self.name}={self.version}"


@lru_cache(maxsize=None)
def parse_dependency(text: str) -> Dependency:
    """Parse one atom; raise InputError naming it when it is malformed."""
    match = _DEP_RE.match(text)
    if match is None:
        raise InputError(f"malformed dependency atom {text!r}")
    op = match["op"]
    if op is not None and op not in VALID_OPS:
        raise InputError(f"malformed dependency atom {text!r}: unknown operator {op!r}")
    return Dependency(match["name"], op, match["version"], bool(match["conflict"]), match["tag"])


@lru_cache(maxsize=None)
def parse_dependencies(text: str) -> tuple[Dependency, ...]:
    """Parse a space-separated ``D:``/``i:``/``r:`` line (whole lines repeat a lot)."""
    return dependencies_of_line(text)


def dependencies_of_line(text: str) -> tuple[Dependency, ...]:
    """Like :func:`parse_dependencies`, caching words only (what reading an index wants)."""
    return tuple(map(_dependency_word, text.split()))


# Characters that make an atom more than a bare name. Most atoms in an index
# are bare names (so:libc.musl-x86_64.so.1); they skip the regex and the
# NamedTuple constructor, which is most of the cost of reading an index.
_DEP_SPECIAL = frozenset("<>=~@!")
_PROVIDE_SPECIAL = frozenset("<>~!")
_tuple_new = tuple.__new__


@lru_cache(maxsize=None)
def _dependency_word(word: str) -> Dependency:
    """One whitespace-free word of a dependency line."""
    if _DEP_SPECIAL.isdisjoint(word):
        return _tuple_new(Dependency, (word, None, None, False, None))
    return parse_dependency(word)


_PROVIDE_RE = re.compile(r"^[^<>=~!\s]+(?:=\S+)?$")


@lru_cache(maxsize=None)
def parse_provide(text: str) -> Provide:
    if _PROVIDE_RE.match(text) is None:
        raise InputError(f"malformed provide atom {text!r}")
    name, sep, version = text.partition("=")
    return Provide(name, version if sep else None)


@lru_cache(maxsize=None)
def parse_provides(text: str) -> tuple[Provide, ...]:
    return provides_of_line(text)


def provides_of_line(text: str) -> tuple[Provide, ...]:
    """Parse a ``p:`` line (uncached: provides are nearly all different,
    so:libfoo.so.1=1.2.3); raise InputError naming a malformed atom."""
    out = []
    append = out.append
    for word in text.split():
        name, sep, version = word.partition("=")
        if name and (version or not sep) and _PROVIDE_SPECIAL.isdisjoint(name):
            append(_tuple_new(Provide, (name, version if sep else None)))
        else:
            append(parse_provide(word))
    return tuple(out)
