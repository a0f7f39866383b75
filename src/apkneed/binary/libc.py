"""Which C library an ELF object was built for: musl, glibc or none.

The rules are data (``data/libc.json``, with its sources); this module only
applies them. Evidence, strongest first:

* glibc: a NEEDED glibc soname (``libc.so.6``, ``libm.so.6``, ``ld-linux-*``),
  a glibc interpreter (``ld-linux-*``), or any ``GLIBC_*`` version need;
* musl: a NEEDED ``libc.musl-<arch>.so.1`` (Alpine) or ``libc.so`` (musl's
  own unversioned name, what ``musl-gcc`` records), or an ``ld-musl-*``
  interpreter;
* none: no C library in sight (static, or a library that calls nothing).

glibc wins over musl when both appear: a glibc requirement cannot be met on
musl, so "needs glibc" is the statement that matters.

Glibc-only symbols are reported separately (:func:`glibc_only_symbols`): an
object can be linked against musl and still import ``__printf_chk`` because
it was compiled against glibc headers; that is a broken musl object, not a
glibc one.
"""

from __future__ import annotations

import fnmatch
import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Iterable

MUSL = "musl"
GLIBC = "glibc"
NO_LIBC = "none"


@dataclass(frozen=True)
class LibcRules:
    musl_sonames: frozenset[str]
    musl_soname_re: re.Pattern[str]
    musl_interpreter_re: re.Pattern[str]
    glibc_sonames: frozenset[str]
    glibc_soname_re: re.Pattern[str]
    glibc_interpreter_re: re.Pattern[str]
    glibc_version_prefix: str
    glibc_only_names: frozenset[str]
    glibc_only_re: re.Pattern[str]


def _patterns_re(patterns: Iterable[str]) -> re.Pattern[str]:
    # One compiled alternation: symbol tables have thousands of names.
    parts = [fnmatch.translate(p) for p in patterns]
    return re.compile("|".join(parts) if parts else r"(?!)")


def rules_from_data(data: dict) -> LibcRules:
    musl, glibc, only = data["musl"], data["glibc"], data["glibc_only_symbols"]
    return LibcRules(
        musl_sonames=frozenset(musl["sonames"]),
        musl_soname_re=_patterns_re(musl["soname_patterns"]),
        musl_interpreter_re=_patterns_re(musl["interpreter_patterns"]),
        glibc_sonames=frozenset(glibc["sonames"]),
        glibc_soname_re=_patterns_re(glibc["soname_patterns"]),
        glibc_interpreter_re=_patterns_re(glibc["interpreter_patterns"]),
        glibc_version_prefix=glibc["version_prefix"],
        glibc_only_names=frozenset(only["names"]),
        glibc_only_re=_patterns_re(only["patterns"]),
    )


@cache
def load_libc_rules() -> LibcRules:
    """The packaged rules (read once; they are immutable data)."""
    text = resources.files("apkneed.binary").joinpath("data/libc.json").read_text("utf-8")
    return rules_from_data(json.loads(text))


def soname_libc(soname: str, rules: LibcRules | None = None) -> str | None:
    """``"musl"``/``"glibc"`` when ``soname`` is part of that C library, else None."""
    rules = rules or load_libc_rules()
    if soname in rules.glibc_sonames or rules.glibc_soname_re.match(soname):
        return GLIBC
    if soname in rules.musl_sonames or rules.musl_soname_re.match(soname):
        return MUSL
    return None


def interpreter_libc(interp: str | None, rules: LibcRules | None = None) -> str | None:
    if not interp:
        return None
    rules = rules or load_libc_rules()
    name = interp.rsplit("/", 1)[-1]
    if rules.glibc_interpreter_re.match(name):
        return GLIBC
    if rules.musl_interpreter_re.match(name):
        return MUSL
    return None


def libc_flavour(
    needed: Iterable[str],
    interp: str | None,
    version_names: Iterable[str],
    rules: LibcRules | None = None,
) -> str:
    """``"glibc"``, ``"musl"`` or ``"none"`` from an object's dynamic facts."""
    rules = rules or load_libc_rules()
    found = {soname_libc(name, rules) for name in needed}
    found.add(interpreter_libc(interp, rules))
    if any(v.startswith(rules.glibc_version_prefix) for v in version_names):
        found.add(GLIBC)
    if GLIBC in found:
        return GLIBC
    if MUSL in found:
        return MUSL
    return NO_LIBC


def glibc_only_symbols(symbols: Iterable[str], rules: LibcRules | None = None) -> tuple[str, ...]:
    """The names among ``symbols`` that only glibc defines, in input order."""
    rules = rules or load_libc_rules()
    names, pattern = rules.glibc_only_names, rules.glibc_only_re
    return tuple(s for s in symbols if s in names or pattern.match(s))
