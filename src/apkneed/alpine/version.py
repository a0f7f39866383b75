"""apk's version ordering, as apk-tools 2.14 defines it (``src/version.c``).

A version is Gentoo-like: ``{digit}{.digit}...{letter}{_suffix{#}}...{-r#}``.
It is read as a sequence of tokens, each of a kind that may only follow
certain others:

* numbers separated by ``.``; a number after a dot that starts with ``0`` is
  compared as a decimal fraction would be (``1.05 < 1.5``);
* one lowercase letter right after a number (``1.2a``);
* suffixes ``_alpha`` < ``_beta`` < ``_pre`` < ``_rc`` (all *before* the
  release) and ``_cvs`` < ``_svn`` < ``_git`` < ``_hg`` < ``_p`` (all
  *after* it), each optionally numbered (``_rc2``);
* a final ``-rN`` package revision.

A string that breaks these rules is *invalid*. apk still orders invalid
versions (it compares the tokens it could read, then the token kinds), and
so does this module; :func:`is_valid` says whether apk accepts a version in a
dependency.

Public API:

* ``compare(a, b) -> int``: -1, 0 or 1, like apk's ``apk version -t``.
* ``is_valid(version) -> bool``
* ``op_mask(op) -> int`` and ``satisfies(version, op, wanted) -> bool`` for
  the dependency operators of :mod:`apkneed.alpine.atom` (``=``, ``<``,
  ``<=``, ``>``, ``>=``, ``~``, ``<~``, ``>~``, ``=~``/``~=`` and the
  checksum operator ``><``).
* ``compare_mask(a, b, fuzzy=False) -> int``: apk's raw result, one of the
  ``LESS``/``EQUAL``/``GREATER`` bits (all three when one side is None),
  used by the solver.

The fuzzy match (``~``) compares only as many tokens as the wanted version
has: ``1.2.3 ~ 1.2`` holds, ``1.3 ~ 1.2`` does not.
"""

from __future__ import annotations

from functools import lru_cache

from apkneed.alpine.checksum import checksum_key  # the one definition of apk's comparison

# apk's result bits (apk_version.h)
EQUAL = 1
LESS = 2
GREATER = 4
FUZZY = 8
#: a dependency without an operator matches any version
ANY = EQUAL | LESS | GREATER | FUZZY
#: ``><``: the "version" is a package checksum
CHECKSUM = LESS | GREATER

# Token kinds, in the order apk compares them (version.c's enum PARTS).
_INVALID = -1
_DIGIT_OR_ZERO = 0
_DIGIT = 1
_LETTER = 2
_SUFFIX = 3
_SUFFIX_NO = 4
_REVISION_NO = 5
_END = 6

_PRE_SUFFIXES = ("alpha", "beta", "pre", "rc")
_POST_SUFFIXES = ("cvs", "svn", "git", "hg", "p")
_DIGITS = frozenset("0123456789")
_LOWER = frozenset("abcdefghijklmnopqrstuvwxyz")
# A kind may follow a "greater" kind only in these three cases (1.2 after
# digits, _suffix after a suffix number, digits after a letter).
_ALLOWED_BACKSTEPS = frozenset({(_DIGIT_OR_ZERO, _DIGIT), (_SUFFIX, _SUFFIX_NO), (_DIGIT, _LETTER)})


def _next_kind(kind: int, text: str, pos: int) -> tuple[int, int]:
    """The kind of the token at ``pos`` after a token of ``kind``; consumes separators."""
    if pos >= len(text) or text[pos] == "\0":
        new = _END
    elif kind in (_DIGIT, _DIGIT_OR_ZERO) and text[pos] in _LOWER:
        new = _LETTER
    elif kind == _LETTER and text[pos] in _DIGITS:
        new = _DIGIT
    elif kind == _SUFFIX and text[pos] in _DIGITS:
        new = _SUFFIX_NO
    else:
        char = text[pos]
        if char == ".":
            new = _DIGIT_OR_ZERO
        elif char == "_":
            new = _SUFFIX
        elif char == "-" and pos + 1 < len(text) and text[pos + 1] == "r":
            new = _REVISION_NO
            pos += 1
        else:
            new = _INVALID
        pos += 1
    if new < kind and (new, kind) not in _ALLOWED_BACKSTEPS:
        new = _INVALID
    return new, pos


def _read_number(text: str, pos: int) -> tuple[int, int]:
    start = pos
    while pos < len(text) and text[pos] in _DIGITS:
        pos += 1
    return (int(text[start:pos]) if pos > start else 0), pos - start


@lru_cache(maxsize=65536)
def tokens(version: str) -> tuple[tuple[int, int], ...]:
    """apk's reading of ``version``: ``((value, kind_of_next_token), ...)``.

    The first token is always read as a number; the last entry's kind is
    END (a valid version) or INVALID. An invalid token reads as -1.
    """
    out: list[tuple[int, int]] = []
    kind = _DIGIT
    pos = 0
    n = len(version)
    while True:
        if pos >= n:
            out.append((0, _END))
            return tuple(out)
        value, length, next_kind = 0, 0, _INVALID
        if kind == _DIGIT_OR_ZERO and version[pos] == "0":
            # Leading zeros: each zero after the first makes the part smaller.
            while pos + length + 1 < n and version[pos + length + 1] == "0":
                length += 1
            value, next_kind = -length, _DIGIT
        elif kind in (_DIGIT_OR_ZERO, _DIGIT, _SUFFIX_NO, _REVISION_NO):
            value, length = _read_number(version, pos)
            if length >= 18:  # apk refuses numbers that could overflow
                out.append((-1, _INVALID))
                return tuple(out)
        elif kind == _LETTER:
            value, length = ord(version[pos]), 1
        elif kind == _SUFFIX:
            rest = version[pos:]
            for index, suffix in enumerate(_PRE_SUFFIXES):
                if rest.startswith(suffix):
                    value, length = index - len(_PRE_SUFFIXES), len(suffix)
                    break
            else:
                for index, suffix in enumerate(_POST_SUFFIXES):
                    if rest.startswith(suffix):
                        value, length = index, len(suffix)
                        break
                else:
                    out.append((-1, _INVALID))
                    return tuple(out)
        else:
            out.append((-1, _INVALID))
            return tuple(out)
        pos += length
        if pos >= n:
            kind = _END
        elif next_kind != _INVALID:
            kind = next_kind
        else:
            kind, pos = _next_kind(kind, version, pos)
        out.append((value, kind))
        if kind in (_END, _INVALID):
            return tuple(out)


def is_valid(version: str) -> bool:
    """Whether apk accepts ``version`` (``apk_version_validate``)."""
    return tokens(version)[-1][1] == _END


_V3_INITIAL, _V3_DIGIT, _V3_LETTER, _V3_SUFFIX, _V3_SUFFIX_NO, _V3_HASH, _V3_REVISION = range(7)
_V3_SUFFIXES = frozenset({"alpha", "beta", "pre", "rc", "cvs", "svn", "git", "hg", "p"})
_HEX = frozenset("0123456789abcdefABCDEF")


def is_valid_apk3(version: str) -> bool:
    """Whether apk-tools 3 accepts ``version`` (3.0's ``apk_version_validate``).

    3.0 reads versions by a token grammar,
    ``digit{.digit}...{letter}{_suf{#}}...{~hash}{-r#}``, stricter than
    2.14's: ``6.8.0p2-r4`` (a number after the letter) and ``v2.4`` are
    refused, ``1.0~1234abcd`` (a commit hash) is new. Checked against
    apk-tools 3.0.6's ``test/unit/version.data``.
    """
    n = len(version)

    def digits(pos: int) -> int:
        while pos < n and "0" <= version[pos] <= "9":  # ASCII only: str.isdigit() takes "²"
            pos += 1
        return pos

    pos = digits(0)
    if pos == 0:
        return False
    token = _V3_INITIAL
    while pos < n:
        char = version[pos]
        if "a" <= char <= "z":
            if token > _V3_DIGIT:
                return False
            token, pos = _V3_LETTER, pos + 1
        elif char == "." or "0" <= char <= "9":
            if char == ".":
                if token > _V3_DIGIT:
                    return False
                pos += 1
            if token in (_V3_INITIAL, _V3_DIGIT):
                token = _V3_DIGIT
            elif token == _V3_SUFFIX:
                token = _V3_SUFFIX_NO
            else:
                return False
            end = digits(pos)
            if end == pos:
                return False
            pos = end
        elif char == "_":
            if token > _V3_SUFFIX_NO:
                return False
            end = pos + 1
            while end < n and "a" <= version[end] <= "z":
                end += 1
            if version[pos + 1 : end] not in _V3_SUFFIXES:
                return False
            token, pos = _V3_SUFFIX, end
        elif char == "~":
            if token >= _V3_HASH:
                return False
            end = pos + 1
            while end < n and version[end] in _HEX:
                end += 1
            if end == pos + 1:
                return False
            token, pos = _V3_HASH, end
        elif char == "-":
            if token >= _V3_REVISION or not version.startswith("-r", pos):
                return False
            end = digits(pos + 2)
            if end == pos + 2:
                return False
            token, pos = _V3_REVISION, end
        else:
            return False
    return True


def compare_mask(a: str | None, b: str | None, fuzzy: bool = False) -> int:
    """apk's ``apk_version_compare_blob_fuzzy``: LESS, EQUAL or GREATER.

    None stands for "no version" (an unversioned provide): two Nones are
    EQUAL, one None is all three bits at once (it matches anything).
    """
    if a is None or b is None:
        return EQUAL if a is None and b is None else EQUAL | GREATER | LESS
    if a == b:
        return EQUAL
    ta, tb = tokens(a), tokens(b)
    at = bt = _DIGIT
    av = bv = 0
    i = 0
    while at == bt and at != _END and at != _INVALID and av == bv:
        av, at = ta[i]
        bv, bt = tb[i]
        i += 1
    if av < bv:
        return LESS
    if av > bv:
        return GREATER
    if at == bt or fuzzy:
        return EQUAL
    # Same so far: the longer one is greater, unless what it has next is a
    # pre-release suffix (1.0_rc1 < 1.0).
    if at == _SUFFIX and ta[i][0] < 0:
        return LESS
    if bt == _SUFFIX and tb[i][0] < 0:
        return GREATER
    if at > bt:
        return LESS
    if bt > at:
        return GREATER
    return EQUAL


def compare(a: str, b: str) -> int:
    """-1 if ``a`` is older than ``b``, 0 if equal, 1 if newer (apk's order)."""
    mask = compare_mask(a, b)
    return -1 if mask == LESS else 1 if mask == GREATER else 0


_OP_MASKS: dict[str, int] = {}


def op_mask(op: str | None) -> int:
    """The result bits an operator accepts, as ``apk_blob_pull_dep`` builds them."""
    if op is None:
        return ANY
    mask = _OP_MASKS.get(op)
    if mask is None:
        mask = 0
        for char in op:
            if char == "<":
                mask |= LESS
            elif char == ">":
                mask |= GREATER
            elif char == "~":
                mask |= FUZZY | EQUAL
            elif char == "=":
                mask |= EQUAL
        _OP_MASKS[op] = mask
    return mask


def op_string(mask: int) -> str:
    """How apk prints an operator back (``apk_version_op_string``); "?" for ``<~``/``>~``."""
    return {
        LESS: "<",
        LESS | EQUAL: "<=",
        EQUAL | FUZZY: "~",
        FUZZY: "~",
        EQUAL: "=",
        GREATER | EQUAL: ">=",
        GREATER: ">",
        CHECKSUM: "><",
    }.get(mask, "?")


def satisfies(version: str | None, op: str | None, wanted: str | None, *, checksum: str | None = None) -> bool:
    """Whether a package (or provide) at ``version`` meets ``op wanted``.

    ``version`` None is an unversioned provide: it meets only a dependency
    without an operator. ``><`` compares ``wanted`` with ``checksum``.
    """
    mask = op_mask(op)
    if mask == ANY:
        return True
    if mask == CHECKSUM:
        return checksum is not None and wanted is not None and checksum_key(checksum) == checksum_key(wanted)
    if version is None:
        return False
    return bool(compare_mask(version, wanted, "~" in (op or "")) & mask)
