"""The plan's cited data tables: where they live, and the apk item form they share.

The source route's knowledge is generated data now
(``plan/data/alpine-builds.json``, read by :mod:`apkneed.plan.alpinedata`);
the hand-written ``build-knowledge.toml`` of round 2 was folded into it
(its apk names come from the cited APKBUILDs and the index's ``D:`` lines,
what it knew beyond them is ``build-overrides.toml``). What stays here is
the item form of ``pep725-virtual.toml`` (a package name, or a table with
alternatives, repository, auto, note) and the data directory.

Public API::

    DATA_DIR
    parse_apk_item(value, *, where, allow_auto) -> ApkRequirement
    pick_available(requirement, has_name) -> str | None
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable, Mapping

from apkneed.errors import InputError
from apkneed.records import Frozen, set_field

DATA_DIR = Path(__file__).resolve().parent / "data"
REPOSITORIES = ("main", "community")
_ITEM_KEYS = frozenset({"name", "alternatives", "repository", "auto", "note"})
# apk package names: lower case, digits and + . _ - (e.g. libstdc++, py3-foo, openssl1.1-compat-dev)
_APK_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9+._-]*$")


class ApkRequirement(Frozen):
    """One apk package the build needs, with the names it went by over releases.

    ``names[0]`` is the preferred name; the planner takes the first of
    ``names`` the target index has (see :func:`pick_available`).
    """

    __slots__ = ("names", "repository", "auto", "note")

    names: tuple[str, ...]
    repository: str
    #: optional libraries only: the default build uses it when it is installed
    auto: bool
    note: str

    def __init__(self, names: tuple[str, ...], repository: str = "main", auto: bool = False, note: str = "") -> None:
        set_field(self, "names", names)
        set_field(self, "repository", repository)
        set_field(self, "auto", auto)
        set_field(self, "note", note)

    @property
    def name(self) -> str:
        return self.names[0]


def pick_available(requirement: ApkRequirement, has_name: Callable[[str], bool]) -> str | None:
    """The first of the requirement's names the target index has, or None.

    ``has_name(name)`` says whether the index has a package of that name or a
    package providing it (``postgresql-dev`` is only provided on v3.16).
    """
    for name in requirement.names:
        if has_name(name):
            return name
    return None


def parse_apk_item(value: Any, *, where: str, allow_auto: bool) -> ApkRequirement:
    """One apk item: a package name, or a table with name/alternatives/repository/...

    Shared with the PEP 725 virtual table, which uses the same item form.
    """
    if isinstance(value, str):
        return ApkRequirement((_apk_name(value, where),))
    if not isinstance(value, Mapping):
        raise InputError(f"{where}: expected a package name or a table, got {type(value).__name__}")
    unknown = sorted(set(value) - _ITEM_KEYS)
    if unknown:
        raise InputError(f"{where}: unknown key(s) {', '.join(unknown)} (known: {', '.join(sorted(_ITEM_KEYS))})")
    if "name" not in value:
        raise InputError(f"{where}: a table item needs a name")
    name = _apk_name(value["name"], f"{where}.name")
    alternatives = value.get("alternatives", [])
    if not isinstance(alternatives, list):
        raise InputError(f"{where}.alternatives: expected a list of package names")
    names = (name, *(_apk_name(alt, f"{where}.alternatives") for alt in alternatives))
    if len(set(names)) != len(names):
        raise InputError(f"{where}.alternatives: repeats a name")
    repository = value.get("repository", "main")
    if repository not in REPOSITORIES:
        raise InputError(f"{where}.repository: {repository!r} is not one of {', '.join(REPOSITORIES)}")
    if "auto" in value and not allow_auto:
        raise InputError(f"{where}.auto: only optional libraries can say auto")
    auto = value.get("auto", False)
    if not isinstance(auto, bool):
        raise InputError(f"{where}.auto: expected true or false")
    note = value.get("note", "")
    if not isinstance(note, str):
        raise InputError(f"{where}.note: expected a string")
    return ApkRequirement(names, repository, auto, note)


def _apk_name(value: Any, where: str) -> str:
    if not isinstance(value, str) or not _APK_NAME_RE.match(value):
        raise InputError(f"{where}: {value!r} is not an apk package name")
    return value
