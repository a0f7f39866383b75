"""Curated knowledge: what a source build of a popular PyPI project needs on Alpine.

The knowledge is data, ``plan/data/build-knowledge.toml`` (its header documents
the schema and why Python-level build requirements are left out); this module
only reads and validates it. Every entry cites where its names come from, and
a malformed file is refused with one line naming the entry and the field.

Public API::

    load_build_knowledge(path=KNOWLEDGE_PATH) -> dict[str, BuildKnowledge]
    parse_build_knowledge(data, *, source) -> dict[str, BuildKnowledge]
    knowledge_for(knowledge, project) -> BuildKnowledge | None
    pick_available(requirement, has_name) -> str | None
    compiler_virtual(language) -> str
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

from apkneed.errors import InputError
from apkneed.python.names import canonical_name
from apkneed.tomlfile import read_toml

DATA_DIR = Path(__file__).resolve().parent / "data"
KNOWLEDGE_PATH = DATA_DIR / "build-knowledge.toml"
SCHEMA_VERSION = 1

#: each language stands for a PEP 725 compiler virtual, so the planner maps both
#: sources through the one table in pep725-virtual.toml
LANGUAGE_VIRTUALS = {
    "c": "compiler/c",
    "c++": "compiler/cxx",
    "fortran": "compiler/fortran",
    "rust": "compiler/rust",
}
REPOSITORIES = ("main", "community")
#: the fields a source can be evidence for, in the order of the schema
EVIDENCED_FIELDS = ("languages", "libraries", "tools", "optional", "runtime_sonames")
_ENTRY_KEYS = frozenset(EVIDENCED_FIELDS) | {"notes", "sources"}
_ITEM_KEYS = frozenset({"name", "alternatives", "repository", "auto", "note"})
#: the keys each kind of source must carry (all non-empty strings)
_SOURCE_REQUIRED = {
    "aports": ("path", "commit", "pkgver", "makedepends"),
    "upstream": ("url",),
    "external-deps-build": ("path", "commit"),
}
_SOURCE_KEYS = frozenset({"kind", "supports", "url", "path", "commit", "pkgver", "makedepends", "note"})

# apk package names: lower case, digits and + . _ - (e.g. libstdc++, py3-foo, openssl1.1-compat-dev)
_APK_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9+._-]*$")
_SONAME_RE = re.compile(r"^[A-Za-z0-9_+.-]+\.so(\.[0-9]+)*$")
_COMMIT_RE = re.compile(r"^[0-9a-f]{40}$")


@dataclass(frozen=True)
class ApkRequirement:
    """One apk package the build needs, with the names it went by over releases.

    ``names[0]`` is the preferred name; the planner takes the first of
    ``names`` the target index has (see :func:`pick_available`).
    """

    names: tuple[str, ...]
    repository: str = "main"
    #: optional libraries only: the default build uses it when it is installed
    auto: bool = False
    note: str = ""

    @property
    def name(self) -> str:
        return self.names[0]


@dataclass(frozen=True)
class Source:
    """Where an entry's names come from."""

    kind: str  # "aports", "upstream" or "external-deps-build"
    supports: tuple[str, ...]  # the fields this source is evidence for
    url: str = ""
    path: str = ""
    commit: str = ""
    pkgver: str = ""
    makedepends: str = ""
    note: str = ""

    @property
    def citation(self) -> str:
        """One line a report can print."""
        if self.kind == "aports":
            return f"alpinelinux/aports {self.path} @{self.commit[:12]} (pkgver {self.pkgver}): makedepends={self.makedepends}"
        if self.kind == "external-deps-build":
            return f"rgommers/external-deps-build {self.path} @{self.commit[:12]}"
        return self.url


@dataclass(frozen=True)
class BuildKnowledge:
    """What a source build of one project needs on Alpine, and why we know."""

    project: str  # PEP 503 normalised
    languages: tuple[str, ...] = ()
    libraries: tuple[ApkRequirement, ...] = ()
    tools: tuple[ApkRequirement, ...] = ()
    optional: tuple[ApkRequirement, ...] = ()
    runtime_sonames: tuple[str, ...] = ()
    notes: str = ""
    sources: tuple[Source, ...] = ()

    @property
    def requirements(self) -> tuple[ApkRequirement, ...]:
        """Every apk requirement of the entry: libraries, tools, optional."""
        return self.libraries + self.tools + self.optional


def load_build_knowledge(path: Path = KNOWLEDGE_PATH) -> dict[str, BuildKnowledge]:
    """The knowledge file, validated, keyed by PEP 503 normalised project name."""
    return parse_build_knowledge(read_toml(path), source=str(path))


def parse_build_knowledge(data: Mapping[str, Any], *, source: str) -> dict[str, BuildKnowledge]:
    """Validate already-parsed knowledge data; ``source`` names it in errors."""
    unknown = sorted(set(data) - {"schema", "packages"})
    if unknown:
        raise InputError(f"{source}: unknown top-level key(s) {', '.join(unknown)} (expected schema, packages)")
    if data.get("schema") != SCHEMA_VERSION:
        raise InputError(f"{source}: schema must be {SCHEMA_VERSION}, got {data.get('schema')!r}")
    packages = data.get("packages")
    if not isinstance(packages, Mapping) or not packages:
        raise InputError(f"{source}: [packages] must be a non-empty table")
    knowledge: dict[str, BuildKnowledge] = {}
    for project, entry in packages.items():
        normalised = canonical_name(project)
        if project != normalised:
            raise InputError(f"{source}: packages.{project}: name is not PEP 503 normalised (write {normalised!r})")
        knowledge[project] = _parse_entry(project, entry, f"{source}: packages.{project}")
    return knowledge


def knowledge_for(knowledge: Mapping[str, BuildKnowledge], project: str) -> BuildKnowledge | None:
    """The entry for a project name as the user or a resolver spells it."""
    return knowledge.get(canonical_name(project))


def pick_available(requirement: ApkRequirement, has_name: Callable[[str], bool]) -> str | None:
    """The first of the requirement's names the target index has, or None.

    ``has_name(name)`` says whether the index has a package of that name or a
    package providing it (``postgresql-dev`` is only provided on v3.16).
    """
    for name in requirement.names:
        if has_name(name):
            return name
    return None


def compiler_virtual(language: str) -> str:
    """The PEP 725 virtual key (``compiler/cxx``) a knowledge language stands for."""
    try:
        return LANGUAGE_VIRTUALS[language]
    except KeyError:
        raise InputError(f"unknown language {language!r} (known: {', '.join(LANGUAGE_VIRTUALS)})") from None


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


def _parse_entry(project: str, entry: Any, where: str) -> BuildKnowledge:
    if not isinstance(entry, Mapping):
        raise InputError(f"{where}: expected a table")
    unknown = sorted(set(entry) - _ENTRY_KEYS)
    if unknown:
        raise InputError(f"{where}: unknown field(s) {', '.join(unknown)} (known: {', '.join(sorted(_ENTRY_KEYS))})")
    languages = _string_list(entry, "languages", where)
    for language in languages:
        if language not in LANGUAGE_VIRTUALS:
            raise InputError(f"{where}.languages: unknown language {language!r} (known: {', '.join(LANGUAGE_VIRTUALS)})")
    items = {
        field: tuple(
            parse_apk_item(value, where=f"{where}.{field}[{index}]", allow_auto=field == "optional")
            for index, value in enumerate(_list(entry, field, where))
        )
        for field in ("libraries", "tools", "optional")
    }
    _refuse_repeated_names(items, where)
    sonames = _string_list(entry, "runtime_sonames", where)
    for soname in sonames:
        if not _SONAME_RE.match(soname):
            raise InputError(f"{where}.runtime_sonames: {soname!r} is not a shared object name like libfoo.so.1")
    notes = entry.get("notes", "")
    if not isinstance(notes, str):
        raise InputError(f"{where}.notes: expected a string")
    sources = _parse_sources(entry.get("sources"), f"{where}.sources")
    knowledge = BuildKnowledge(
        project=project,
        languages=languages,
        libraries=items["libraries"],
        tools=items["tools"],
        optional=items["optional"],
        runtime_sonames=sonames,
        notes=notes,
        sources=sources,
    )
    _require_evidence(knowledge, where)
    return knowledge


def _list(entry: Mapping[str, Any], field: str, where: str) -> list[Any]:
    value = entry.get(field, [])
    if not isinstance(value, list):
        raise InputError(f"{where}.{field}: expected a list")
    return value


def _string_list(entry: Mapping[str, Any], field: str, where: str) -> tuple[str, ...]:
    values = _list(entry, field, where)
    if not all(isinstance(value, str) and value for value in values):
        raise InputError(f"{where}.{field}: expected a list of non-empty strings")
    if len(set(values)) != len(values):
        raise InputError(f"{where}.{field}: repeats a value")
    return tuple(values)


def _refuse_repeated_names(items: Mapping[str, tuple[ApkRequirement, ...]], where: str) -> None:
    # One package in two lists would make the planner's answer ambiguous.
    seen: dict[str, str] = {}
    for field, requirements in items.items():
        for requirement in requirements:
            for name in requirement.names:
                if name in seen:
                    raise InputError(f"{where}.{field}: {name!r} is already listed in {seen[name]}")
                seen[name] = field


def _parse_sources(value: Any, where: str) -> tuple[Source, ...]:
    if not isinstance(value, list) or not value:
        raise InputError(f"{where}: every entry needs at least one source")
    return tuple(_parse_source(item, f"{where}[{index}]") for index, item in enumerate(value))


def _parse_source(value: Any, where: str) -> Source:
    if not isinstance(value, Mapping):
        raise InputError(f"{where}: expected a table")
    unknown = sorted(set(value) - _SOURCE_KEYS)
    if unknown:
        raise InputError(f"{where}: unknown key(s) {', '.join(unknown)}")
    kind = value.get("kind")
    if kind not in _SOURCE_REQUIRED:
        raise InputError(f"{where}.kind: {kind!r} is not one of {', '.join(_SOURCE_REQUIRED)}")
    for key in _SOURCE_REQUIRED[kind]:
        if not isinstance(value.get(key), str) or not value[key].strip():
            raise InputError(f"{where}.{key}: a {kind} source needs a non-empty {key}")
    for key in ("url", "path", "commit", "pkgver", "makedepends", "note"):
        if key in value and not isinstance(value[key], str):
            raise InputError(f"{where}.{key}: expected a string")
    if "commit" in value and not _COMMIT_RE.match(value["commit"]):
        raise InputError(f"{where}.commit: expected a 40-character hexadecimal commit, got {value['commit']!r}")
    if "url" in value and not value["url"].startswith("https://"):
        raise InputError(f"{where}.url: expected an https:// address")
    supports = value.get("supports")
    if not isinstance(supports, list) or not all(field in EVIDENCED_FIELDS for field in supports):
        raise InputError(f"{where}.supports: expected a list drawn from {', '.join(EVIDENCED_FIELDS)}")
    return Source(
        kind=kind,
        supports=tuple(supports),
        url=value.get("url", ""),
        path=value.get("path", ""),
        commit=value.get("commit", ""),
        pkgver=value.get("pkgver", ""),
        makedepends=value.get("makedepends", ""),
        note=value.get("note", ""),
    )


def _require_evidence(knowledge: BuildKnowledge, where: str) -> None:
    # A field with content and no source naming it would be a made-up list.
    supported = {field for source in knowledge.sources for field in source.supports}
    for field in EVIDENCED_FIELDS:
        if getattr(knowledge, field) and field not in supported:
            raise InputError(f"{where}.{field}: no source of the entry supports this field")
