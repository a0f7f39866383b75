"""Alpine's own Python packages for a PyPI distribution, and whether versions agree.

Mapping a PyPI name to Alpine goes through the index, never a table:

1. a package NAMED ``py3-<name>`` (PEP 503 normalised: ``py3-markupsafe``),
   or ``py3-<import name>`` for each import name of the distribution;
2. packages PROVIDING ``py3.X:<import name>`` for the target Python X
   (Alpine's abuild adds ``py3.10:yaml=6.0-r0`` for every top-level module a
   package installs; that is how ``pyyaml`` finds ``py3-yaml``).

Import names come from the distribution's files (wheel member list, or the
sdist's ``top_level.txt``). A ``py3-<name>`` package whose ``py3.X:``
provides share no import name with the distribution is a different project
and is not offered. A candidate must depend on ``python3`` (or provide a
``py3.X:`` name) to count as a Python package.

Version rule (documented in the README): an apk version ``1.22.4-r1``
stands for upstream ``1.22.4``: the ``-rN`` package revision is dropped, and
apk suffixes are read as PEP 440 (``_rc1`` -> ``rc1``, ``_alpha2`` -> ``a2``,
``_beta`` -> ``b0``, ``_pre1`` -> ``rc1``, ``_p2`` -> ``.post2``). The apk
package satisfies a pin when that PEP 440 version EQUALS the pinned version
(``1.22.4 == 1.22.4``; ``6.0`` vs ``6.0.3`` does not). Versions with a
letter (``1.1.1s``) or VCS suffixes (``_git2023...``) have no PEP 440
reading and never satisfy a pin.

API::

    apk_upstream(version) -> str                      # "1.22.4-r1" -> "1.22.4"
    apk_to_pep440(version) -> Version | None
    satisfies_pin(apk_version, pin_version) -> bool
    find_alpine_packages(dist, import_names, python, providers) -> tuple[AlpineCandidate, ...]
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Iterable

from apkneed.alpine.package import Package
from apkneed.alpine.providers import ProviderMap
from apkneed.python.names import canonical_name
from apkneed.records import Frozen, set_field

if TYPE_CHECKING:
    from packaging.version import Version  # loaded by the first comparison (apk routes only)

_REVISION_RE = re.compile(r"-r\d+$")
_SUFFIX_RE = re.compile(r"_(alpha|beta|pre|rc|p)(\d*)")
_PEP440_SUFFIX = {"alpha": "a", "beta": "b", "pre": "rc", "rc": "rc"}


class AlpineCandidate(Frozen):
    """An Alpine package that installs (part of) a distribution."""

    __slots__ = ("package", "version", "via", "modules")

    package: str  # "py3-yaml"
    version: str  # apk version "6.0-r0"
    via: str  # "named py3-markupsafe" | "provides py3.10:yaml"
    modules: tuple[str, ...]  # the py3.X: modules it provides

    def __init__(self, package: str, version: str, via: str, modules: tuple[str, ...] = ()) -> None:
        set_field(self, "package", package)
        set_field(self, "version", version)
        set_field(self, "via", via)
        set_field(self, "modules", modules)

    @property
    def nv(self) -> str:
        return f"{self.package}-{self.version}"

    @property
    def pep440(self) -> Version | None:
        return apk_to_pep440(self.version)


def apk_upstream(version: str) -> str:
    return _REVISION_RE.sub("", version)


def apk_to_pep440(version: str) -> Version | None:
    """The PEP 440 reading of an apk version (module docstring), or None."""
    text = apk_upstream(version)

    def suffix(match: re.Match[str]) -> str:
        kind, number = match.group(1), match.group(2) or "0"
        return f".post{number}" if kind == "p" else f"{_PEP440_SUFFIX[kind]}{number}"

    text = _SUFFIX_RE.sub(suffix, text)
    if not re.fullmatch(r"\d+(\.\d+)*((a|b|rc)\d+)?(\.post\d+)?", text):
        return None
    from packaging.version import InvalidVersion, Version

    try:
        return Version(text)
    except InvalidVersion:
        return None


def satisfies_pin(apk_version: str, pin_version: str) -> bool:
    from packaging.version import InvalidVersion, Version

    upstream = apk_to_pep440(apk_version)
    try:
        return upstream is not None and upstream == Version(pin_version)
    except InvalidVersion:
        return False


def find_alpine_packages(
    dist: str, import_names: Iterable[str], python: str, providers: ProviderMap
) -> tuple[AlpineCandidate, ...]:
    """Alpine packages for ``dist``, best first (most import names covered, named match first)."""
    canonical = canonical_name(dist)
    modules = tuple(dict.fromkeys(import_names))
    prefix = f"py{python}:"
    found: dict[str, tuple[AlpineCandidate, int, int]] = {}

    def offer(package: Package, via: str, named: bool) -> None:
        provided = tuple(p.name[len(prefix):] for p in package.provides if p.name.startswith(prefix))
        if not _is_python_package(package, provided):
            return
        if modules and provided and not set(provided) & set(modules):
            return  # same name, different project
        covered = len(set(provided) & set(modules))
        key = package.name
        candidate = AlpineCandidate(package.name, package.version, via, provided)
        score = (covered, 1 if named else 0)
        if key not in found or score > found[key][1:]:
            found[key] = (candidate, *score)

    names = [f"py3-{canonical}"] + [f"py3-{canonical_name(m)}" for m in modules]
    for name in dict.fromkeys(names):
        for provider in providers.providers(name):
            if provider.package.name == name:
                offer(provider.package, f"named {name}", True)
    for module in modules:
        for provider in providers.providers(prefix + module):
            offer(provider.package, f"provides {prefix}{module}", False)
    ranked = sorted(found.values(), key=lambda item: (-item[1], -item[2], item[0].package))
    return tuple(item[0] for item in ranked)


def _is_python_package(package: Package, provided: tuple[str, ...]) -> bool:
    if provided:
        return True
    return any(dep.name == "python3" or dep.name.startswith("so:libpython3") for dep in package.depends)
