"""PEP 804: every DepURL of the central registry mapped to Alpine packages through the apk index.

The mapping of one DepURL in one role is :func:`apkneed.plan.pep725.map_requirement`,
the function the planner uses for an sdist's ``[external]`` table, with the same
data (``plan/data/pep725-virtual.toml``, ``plan/data/pep804-hints.toml``): the
file ``apkneed mapping`` writes and the plans apkneed makes cannot disagree.

Per DepURL, PEP 804's three roles:

* ``build``: what :func:`map_requirement` installs for ``build-requires``
  (tools that run on the build machine: ``cmd:`` first);
* ``host``: what it installs for ``host-requires`` (libraries linked
  against: ``pc:`` first, so ``libxml2-dev``);
* ``run``: the run-time packages of ``dependencies`` (``so:`` first, so
  ``libxml2``).

A registry entry that ``provides`` another DepURL and maps to nothing itself
(``dep:github/Kitware/CMake`` provides ``dep:generic/cmake``) takes the
other's packages (``specs_from``). A DepURL with no Alpine package gets
``specs: []``, the mapping format's "known, and not available here", with
the reason in its description.

The registry and schemas are cited copies in ``plan/data/pep804/`` (see SOURCE.md there).

API::

    load_registry(path=REGISTRY_PATH) -> tuple[RegistryEntry, ...]
    map_registry(registry, providers, virtuals=None) -> tuple[DepURLMapping, ...]
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

from apkneed.errors import InputError
from apkneed.plan.knowledge import DATA_DIR
from apkneed.plan.pep725 import (
    AlpineMapping,
    ProviderTable,
    VirtualEntry,
    load_virtual_table,
    map_requirement,
    parse_external_requirement,
)

PEP804_DIR = DATA_DIR / "pep804"
REGISTRY_PATH = PEP804_DIR / "registry.json"
MAPPING_SCHEMA_PATH = PEP804_DIR / "external-mapping.schema.json"
REGISTRY_SCHEMA_PATH = PEP804_DIR / "central-registry.schema.json"


@dataclass(frozen=True)
class RegistryEntry:
    id: str
    description: str
    provides: tuple[str, ...] = ()


@dataclass(frozen=True)
class DepURLMapping:
    """One registry DepURL on Alpine: per role, the packages (empty: none)."""

    entry: RegistryEntry
    build: tuple[str, ...] = ()
    host: tuple[str, ...] = ()
    run: tuple[str, ...] = ()
    #: role -> the provide or table entry that matched ("pc:libxml-2.0", "virtual:compiler/c")
    rules: tuple[tuple[str, str], ...] = ()
    specs_from: str | None = None  # the registry DepURL whose packages these are
    problem: str | None = None  # why there is no Alpine package
    missing: tuple[str, ...] = ()  # names the mapping wants that the index lacks

    @property
    def mapped(self) -> bool:
        return bool(self.build or self.host or self.run) or self.specs_from is not None


def load_registry(path: Path = REGISTRY_PATH) -> tuple[RegistryEntry, ...]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: cannot read the PEP 804 registry ({exc})") from None
    definitions = data.get("definitions") if isinstance(data, dict) else None
    if not isinstance(definitions, list):
        raise InputError(f"{path}: not a central registry (no definitions list)")
    entries = []
    for item in definitions:
        provides = item.get("provides", ())
        entries.append(RegistryEntry(
            item["id"], item.get("description") or "",
            (provides,) if isinstance(provides, str) else tuple(provides or ()),
        ))
    return tuple(entries)


def map_registry(
    registry: Sequence[RegistryEntry],
    providers: ProviderTable,
    virtuals: Mapping[str, VirtualEntry] | None = None,
) -> tuple[DepURLMapping, ...]:
    virtuals = load_virtual_table() if virtuals is None else virtuals
    own = {entry.id: _map_one(entry, providers, virtuals) for entry in registry}
    result = []
    for entry in registry:
        mapping = own[entry.id]
        if not mapping.mapped:
            source = next((p for p in entry.provides if p in own and own[p].mapped and own[p].specs_from is None), None)
            if source is not None:
                mapping = DepURLMapping(entry, specs_from=source, rules=(("all", f"provides {source}"),))
        result.append(mapping)
    return tuple(result)


def _map_one(entry: RegistryEntry, providers: ProviderTable, virtuals: Mapping[str, VirtualEntry]) -> DepURLMapping:
    try:
        requirement = parse_external_requirement(entry.id)
    except InputError as exc:
        return DepURLMapping(entry, problem=f"not a DepURL apkneed reads: {exc}")
    by_role: dict[str, AlpineMapping] = {
        role: map_requirement(requirement, role, providers, virtuals) for role in ("build", "host", "run")
    }
    build, host, run = by_role["build"].build, by_role["host"].build, by_role["run"].runtime
    problems = [m.problem for m in by_role.values() if m.problem]
    missing = tuple(dict.fromkeys(n for m in by_role.values() for n in m.missing))
    if missing:  # a name the index lacks is no Alpine package of this release
        return DepURLMapping(entry, problem=f"the index lacks {', '.join(missing)}", missing=missing)
    return DepURLMapping(
        entry, build=build, host=host, run=run,
        rules=tuple((role, m.rule) for role, m in by_role.items() if m.rule),
        problem=problems[0] if not (build or host or run) and problems else None,
    )
