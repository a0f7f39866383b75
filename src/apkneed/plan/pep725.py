"""PEP 725 ``[external]`` tables, mapped to Alpine packages through the apk index.

Revision followed: PEP 725 as in python/peps ``peps/pep-0725.rst`` at commit
01380f06e7a856066788733cf1e576a45df94b76 (Draft): ``dep:`` DepURLs
(``dep:type/namespace/name@version?qualifiers#subpath``), the ``virtual``
type with the ``compiler`` and ``interface`` namespaces, a version after
``@`` that is a literal or a PEP 440 range using only ``>=``, ``>``, ``<``,
``<=``, ``==`` and ``,``, environment markers after ``;``, and seven keys:
``build-requires``, ``host-requires``, ``dependencies``, their
``optional-*`` tables, and ``dependency-groups``.

Earlier forms still found in real tables are read as well: ``pkg:`` PURLs
(``pkg:generic/openblas``, the 2023 revision) and ``virtual:compiler/c``
(its virtual form, e.g. passagemath's pyproject files).

Mapping (never a guess: every concrete name goes through the index)

* ``dep:virtual/...``   the data table ``plan/data/pep725-virtual.toml``
* ``dep:generic/<n>``   the first of these the index has, per role:

  - host (``host-requires``): ``pc:<n>`` (its -dev package), then
    ``so:lib<n>.so*`` (the library's same-origin ``-dev`` package), then
    ``cmd:<n>``, then a package named ``<n>-dev`` or ``<n>``
  - build (``build-requires``, tools that run): ``cmd:<n>`` first, then as host
  - run (``dependencies``): ``so:lib<n>.so*`` (the library itself), then
    ``pc:<n>`` (the libraries its -dev stands for), then ``cmd:<n>``, then
    ``<n>``, then ``<n>-dev`` (its libraries)

  (``so:<n>.so*`` when ``<n>`` already starts with ``lib``; a ``-N`` before
  ``.so`` is allowed, as in ``so:libyaml-0.so.2``.)
* a DepURL listed in ``plan/data/pep804-hints.toml`` (whose own name finds
  nothing): the provides named there, tried first, through the index
* any other type (``pypi``, ``github``, ``cargo``...): reported, not mapped.

The same function maps the central registry for ``apkneed mapping`` (PEP 804,
:mod:`apkneed.plan.pep804`): the planner and that file cannot disagree.

Run-time packages of a ``-dev`` package are derived from the index: the
same-origin packages it depends on (transitively) that provide ``so:`` names.
That holds in ``build-requires`` too: a ``-dev`` package matched there is a
library being linked (real tables put libraries there, e.g. lxml's), whereas
a tool found by ``cmd:`` gives nothing at run time.

Public API::

    parse_depurl(text) -> DepURL
    parse_external_requirement(text) -> ExternalRequirement
    read_external(pyproject, *, source="pyproject.toml") -> ExternalDeps | None
    load_external(path) -> ExternalDeps | None
    load_virtual_table(path=VIRTUAL_PATH) -> dict[str, VirtualEntry]
    parse_virtual_table(data, *, source) -> dict[str, VirtualEntry]
    provider_table(providers) -> ProviderTable
    runtime_packages_for(dev, providers) -> tuple[Package, ...]
    library_of_dev(dev, providers) -> tuple[Package, ...]
    map_requirement(requirement, role, providers, virtuals) -> AlpineMapping
    map_external(external, providers, virtuals, *, environment=None,
                 extras=(), groups=()) -> tuple[AlpineMapping, ...]
    alpine_marker_environment() -> dict[str, str]

``providers`` is a plain mapping ``name -> packages`` holding every package
under its own name and under every name it provides (``pc:zlib``,
``so:libz.so.1``, ``cmd:cmake``); :func:`provider_table` reads a
:class:`~apkneed.alpine.providers.ProviderMap` (apk's own name table) as one.
"""

from __future__ import annotations

import re
from collections import deque
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Mapping, Sequence
from urllib.parse import unquote

from apkneed.alpine.package import Package
from apkneed.alpine.providers import ProviderMap
from apkneed.errors import InputError
from apkneed.plan.knowledge import DATA_DIR, ApkRequirement, parse_apk_item, pick_available
from apkneed.python.names import canonical_name
from apkneed.records import Frozen, set_field
from apkneed.tomlfile import read_toml

if TYPE_CHECKING:
    # packaging's markers, specifiers and versions load with the first DepURL or marker
    # that needs them: a plan without PEP 725 sdists (and a warm one) never does
    from packaging.markers import Marker
    from packaging.specifiers import SpecifierSet

VIRTUAL_PATH = DATA_DIR / "pep725-virtual.toml"
HINTS_PATH = DATA_DIR / "pep804-hints.toml"
SCHEMES = ("dep", "pkg", "virtual")
VIRTUAL_NAMESPACES = ("compiler", "interface")
#: PEP 725 allows only these operators in a DepURL version range
ALLOWED_OPERATORS = frozenset({">=", ">", "<", "<=", "=="})
REQUIRED_KEYS = ("build-requires", "host-requires", "dependencies")
OPTIONAL_KEYS = ("optional-build-requires", "optional-host-requires", "optional-dependencies")
EXTERNAL_KEYS = (*REQUIRED_KEYS, *OPTIONAL_KEYS, "dependency-groups")
ROLES = ("build", "host", "run")

_TYPE_RE = re.compile(r"^[A-Za-z][A-Za-z0-9.+-]*$")
_RANGE_CHARS = frozenset("<>=!~,")
_NUMERIC_PREFIX_RE = re.compile(r"^[0-9]+(\.[0-9]+)*")

ProviderTable = Mapping[str, Sequence[Package]]


# ------------------------------------------------------------ DepURLs ----


class DepURL(Frozen):
    """One parsed DepURL. ``text`` is what was written."""

    __slots__ = ("text", "scheme", "type", "namespace", "name", "version", "specifier", "qualifiers", "subpath")

    text: str
    scheme: str  # "dep", "pkg" or "virtual" (as written)
    type: str  # lower case: "generic", "virtual", "pypi", "github", ...
    namespace: str | None
    name: str
    version: str | None  # after "@", percent-decoded
    #: the version as a range; None when absent or a literal (see ``version``)
    specifier: SpecifierSet | None
    qualifiers: tuple[tuple[str, str], ...]
    subpath: str | None

    def __init__(
        self,
        text: str,
        scheme: str,
        type: str,
        namespace: str | None,
        name: str,
        version: str | None = None,
        specifier: SpecifierSet | None = None,
        qualifiers: tuple[tuple[str, str], ...] = (),
        subpath: str | None = None,
    ) -> None:
        set_field(self, "text", text)
        set_field(self, "scheme", scheme)
        set_field(self, "type", type)
        set_field(self, "namespace", namespace)
        set_field(self, "name", name)
        set_field(self, "version", version)
        set_field(self, "specifier", specifier)
        set_field(self, "qualifiers", qualifiers)
        set_field(self, "subpath", subpath)

    @property
    def is_virtual(self) -> bool:
        return self.type == "virtual"

    @property
    def virtual_key(self) -> str:
        """``compiler/c``: the key of the virtual table (virtual DepURLs only)."""
        return f"{self.namespace}/{self.name}"

    def __str__(self) -> str:
        return self.text


class ExternalRequirement(Frozen):
    """An external dependency specifier: a DepURL and an optional marker."""

    __slots__ = ("text", "depurl", "marker")

    text: str
    depurl: DepURL
    marker: Marker | None

    def __init__(self, text: str, depurl: DepURL, marker: Marker | None = None) -> None:
        set_field(self, "text", text)
        set_field(self, "depurl", depurl)
        set_field(self, "marker", marker)

    def applies(self, environment: Mapping[str, str]) -> bool:
        return self.marker is None or self.marker.evaluate(dict(environment))

    def __str__(self) -> str:
        return self.text


def parse_depurl(text: str) -> DepURL:
    """Parse ``dep:``, ``pkg:`` or ``virtual:`` text; InputError names what is wrong."""
    if not isinstance(text, str):
        raise InputError(f"a DepURL must be a string, got {type(text).__name__}")
    raw = text.strip()
    scheme, colon, rest = raw.partition(":")
    if not colon or scheme.lower() not in SCHEMES:
        raise InputError(f"malformed DepURL {raw!r}: it must start with dep:, pkg: or virtual:")
    scheme = scheme.lower()
    rest = rest.lstrip("/")  # PURL tolerates "pkg://type/name"
    if scheme == "virtual":
        rest = "virtual/" + rest  # the 2023 revision's "virtual:compiler/c"
    rest, hash_sign, subpath = rest.partition("#")
    rest, question, query = rest.partition("?")
    segments = rest.split("/")
    if len(segments) < 2:
        raise InputError(f"malformed DepURL {raw!r}: expected type/name after the scheme")
    # The version belongs to the last segment: namespaces may not carry one.
    last, at, version = segments[-1].partition("@")
    segments[-1] = last
    if any(not segment for segment in segments):
        raise InputError(f"malformed DepURL {raw!r}: empty type, namespace or name")
    dep_type = segments[0].lower()
    if not _TYPE_RE.match(dep_type):
        raise InputError(f"malformed DepURL {raw!r}: {segments[0]!r} is not a valid type")
    name = unquote(segments[-1])
    namespace = "/".join(unquote(segment) for segment in segments[1:-1]) or None
    if dep_type == "virtual":
        if namespace not in VIRTUAL_NAMESPACES:
            raise InputError(
                f"malformed DepURL {raw!r}: a virtual DepURL's namespace must be "
                f"{' or '.join(VIRTUAL_NAMESPACES)}, got {namespace!r}"
            )
        name = name.lower()
    specifier: SpecifierSet | None = None
    if at:
        version = unquote(version)
        if not version:
            raise InputError(f"malformed DepURL {raw!r}: empty version after '@'")
        if _RANGE_CHARS & set(version):
            specifier = _parse_range(version, raw)
    return DepURL(
        text=raw,
        scheme=scheme,
        type=dep_type,
        namespace=namespace,
        name=name,
        version=version if at else None,
        specifier=specifier,
        qualifiers=_parse_qualifiers(query, raw) if question else (),
        subpath=unquote(subpath) if hash_sign and subpath else None,
    )


def _parse_range(version: str, raw: str) -> SpecifierSet:
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        specifier = SpecifierSet(version)
    except InvalidSpecifier:
        raise InputError(f"malformed DepURL {raw!r}: {version!r} is not a version range") from None
    for clause in specifier:
        if clause.operator not in ALLOWED_OPERATORS:
            raise InputError(
                f"malformed DepURL {raw!r}: operator {clause.operator!r} is not allowed "
                f"(PEP 725 allows {', '.join(sorted(ALLOWED_OPERATORS))} and ',')"
            )
    return specifier


def _parse_qualifiers(query: str, raw: str) -> tuple[tuple[str, str], ...]:
    pairs = []
    for part in query.split("&"):
        key, equals, value = part.partition("=")
        if not equals or not key:
            raise InputError(f"malformed DepURL {raw!r}: qualifier {part!r} is not key=value")
        pairs.append((key.lower(), unquote(value)))
    return tuple(pairs)


def parse_external_requirement(text: str) -> ExternalRequirement:
    """A DepURL, optionally followed by ``; <PEP 508 marker>``."""
    if not isinstance(text, str):
        raise InputError(f"an external dependency must be a string, got {type(text).__name__}")
    url_text, semicolon, marker_text = text.partition(";")
    marker = None
    if semicolon:
        from packaging.markers import InvalidMarker, Marker

        try:
            marker = Marker(marker_text.strip())
        except InvalidMarker as exc:
            raise InputError(f"malformed marker in {text.strip()!r}: {' '.join(str(exc).split())}") from None
    return ExternalRequirement(text.strip(), parse_depurl(url_text), marker)


# ------------------------------------------------------ [external] table ----


class ExternalDeps(Frozen):
    """A parsed ``[external]`` table. Named groups are (name, requirements) pairs."""

    __slots__ = (
        "build_requires",
        "host_requires",
        "dependencies",
        "optional_build_requires",
        "optional_host_requires",
        "optional_dependencies",
        "dependency_groups",
    )

    build_requires: tuple[ExternalRequirement, ...]
    host_requires: tuple[ExternalRequirement, ...]
    dependencies: tuple[ExternalRequirement, ...]
    optional_build_requires: tuple[tuple[str, tuple[ExternalRequirement, ...]], ...]
    optional_host_requires: tuple[tuple[str, tuple[ExternalRequirement, ...]], ...]
    optional_dependencies: tuple[tuple[str, tuple[ExternalRequirement, ...]], ...]
    #: PEP 735-style groups, includes already resolved; their role is not
    #: stated by the PEP, so they are mapped as build requirements
    dependency_groups: tuple[tuple[str, tuple[ExternalRequirement, ...]], ...]

    def __init__(
        self,
        build_requires: tuple[ExternalRequirement, ...] = (),
        host_requires: tuple[ExternalRequirement, ...] = (),
        dependencies: tuple[ExternalRequirement, ...] = (),
        optional_build_requires: tuple[tuple[str, tuple[ExternalRequirement, ...]], ...] = (),
        optional_host_requires: tuple[tuple[str, tuple[ExternalRequirement, ...]], ...] = (),
        optional_dependencies: tuple[tuple[str, tuple[ExternalRequirement, ...]], ...] = (),
        dependency_groups: tuple[tuple[str, tuple[ExternalRequirement, ...]], ...] = (),
    ) -> None:
        set_field(self, "build_requires", build_requires)
        set_field(self, "host_requires", host_requires)
        set_field(self, "dependencies", dependencies)
        set_field(self, "optional_build_requires", optional_build_requires)
        set_field(self, "optional_host_requires", optional_host_requires)
        set_field(self, "optional_dependencies", optional_dependencies)
        set_field(self, "dependency_groups", dependency_groups)

    def selected(self, extras: Iterable[str] = (), groups: Iterable[str] = ()) -> tuple[tuple[str, ExternalRequirement], ...]:
        """(role, requirement) pairs: the required ones plus the chosen extras and groups."""
        chosen: list[tuple[str, ExternalRequirement]] = []
        chosen += [("build", r) for r in self.build_requires]
        chosen += [("host", r) for r in self.host_requires]
        chosen += [("run", r) for r in self.dependencies]
        wanted_extras = {canonical_name(extra) for extra in extras}
        optional = (
            ("build", self.optional_build_requires),
            ("host", self.optional_host_requires),
            ("run", self.optional_dependencies),
        )
        known_extras = {name for _, table in optional for name, _ in table}
        missing = sorted(wanted_extras - known_extras)
        if missing:
            raise InputError(
                f"unknown external extra(s) {', '.join(missing)} (known: {', '.join(sorted(known_extras)) or 'none'})"
            )
        for role, table in optional:
            for name, requirements in table:
                if name in wanted_extras:
                    chosen += [(role, r) for r in requirements]
        wanted_groups = {canonical_name(group) for group in groups}
        known_groups = {name for name, _ in self.dependency_groups}
        missing = sorted(wanted_groups - known_groups)
        if missing:
            raise InputError(
                f"unknown external dependency group(s) {', '.join(missing)} (known: {', '.join(sorted(known_groups)) or 'none'})"
            )
        for name, requirements in self.dependency_groups:
            if name in wanted_groups:
                chosen += [("build", r) for r in requirements]
        return tuple(chosen)


def load_external(path: Path) -> ExternalDeps | None:
    """The ``[external]`` table of a pyproject.toml file (None when it has none)."""
    return read_external(read_toml(path), source=str(path))


def read_external(pyproject: Mapping[str, Any], *, source: str = "pyproject.toml") -> ExternalDeps | None:
    """Validate the ``[external]`` table of parsed pyproject data (None when absent)."""
    table = pyproject.get("external")
    if table is None:
        return None
    if not isinstance(table, Mapping):
        raise InputError(f"{source}: [external] must be a table")
    unknown = sorted(set(table) - set(EXTERNAL_KEYS))
    if unknown:
        # PEP 725: "No tools may add fields to this table which are not defined by this PEP"
        raise InputError(f"{source}: [external] has unknown key(s) {', '.join(unknown)} (known: {', '.join(EXTERNAL_KEYS)})")
    required = {key: _requirement_list(table.get(key, []), f"{source}: [external].{key}") for key in REQUIRED_KEYS}
    optional = {key: _named_lists(table.get(key, {}), f"{source}: [external].{key}") for key in OPTIONAL_KEYS}
    groups = _dependency_groups(table.get("dependency-groups", {}), f"{source}: [external].dependency-groups")
    return ExternalDeps(
        build_requires=required["build-requires"],
        host_requires=required["host-requires"],
        dependencies=required["dependencies"],
        optional_build_requires=optional["optional-build-requires"],
        optional_host_requires=optional["optional-host-requires"],
        optional_dependencies=optional["optional-dependencies"],
        dependency_groups=groups,
    )


def _requirement_list(value: Any, where: str) -> tuple[ExternalRequirement, ...]:
    if not isinstance(value, list):
        raise InputError(f"{where}: expected an array of strings")
    requirements = []
    for index, item in enumerate(value):
        try:
            requirements.append(parse_external_requirement(item))
        except InputError as exc:
            raise InputError(f"{where}[{index}]: {exc}") from None
    return tuple(requirements)


def _named_lists(value: Any, where: str) -> tuple[tuple[str, tuple[ExternalRequirement, ...]], ...]:
    if not isinstance(value, Mapping):
        raise InputError(f"{where}: expected a table of arrays")
    named: dict[str, tuple[ExternalRequirement, ...]] = {}
    for name, items in value.items():
        normalised = canonical_name(name)
        if normalised in named:
            raise InputError(f"{where}: {name!r} repeats another name once normalised ({normalised!r})")
        named[normalised] = _requirement_list(items, f"{where}.{name}")
    return tuple(named.items())


def _dependency_groups(value: Any, where: str) -> tuple[tuple[str, tuple[ExternalRequirement, ...]], ...]:
    if not isinstance(value, Mapping):
        raise InputError(f"{where}: expected a table of arrays")
    raw = {}
    for name, items in value.items():
        normalised = canonical_name(name)
        if normalised in raw:
            raise InputError(f"{where}: {name!r} repeats another group once normalised ({normalised!r})")
        if not isinstance(items, list):
            raise InputError(f"{where}.{name}: expected an array")
        raw[normalised] = (name, items)
    return tuple((name, _resolve_group(name, raw, where, ())) for name in raw)


def _resolve_group(
    name: str, raw: Mapping[str, tuple[str, list[Any]]], where: str, stack: tuple[str, ...]
) -> tuple[ExternalRequirement, ...]:
    if name in stack:
        raise InputError(f"{where}: group {name!r} includes itself ({' -> '.join((*stack, name))})")
    written, items = raw[name]
    requirements: list[ExternalRequirement] = []
    for index, item in enumerate(items):
        here = f"{where}.{written}[{index}]"
        if isinstance(item, Mapping):
            if set(item) != {"include-group"} or not isinstance(item["include-group"], str):
                raise InputError(f"{here}: a table entry must be {{include-group = \"name\"}}")
            included = canonical_name(item["include-group"])
            if included not in raw:
                raise InputError(f"{here}: includes unknown group {item['include-group']!r}")
            requirements += _resolve_group(included, raw, where, (*stack, name))
        else:
            try:
                requirements.append(parse_external_requirement(item))
            except InputError as exc:
                raise InputError(f"{here}: {exc}") from None
    return tuple(requirements)


# ------------------------------------------------------- virtual table ----


class VirtualEntry(Frozen):
    """What one PEP 725 virtual dependency means on Alpine."""

    __slots__ = ("key", "packages", "runtime_sonames", "aliases", "note", "source")

    key: str  # "compiler/cxx"
    packages: tuple[ApkRequirement, ...]
    runtime_sonames: tuple[str, ...]
    aliases: tuple[str, ...]
    note: str
    source: str

    def __init__(
        self,
        key: str,
        packages: tuple[ApkRequirement, ...],
        runtime_sonames: tuple[str, ...] = (),
        aliases: tuple[str, ...] = (),
        note: str = "",
        source: str = "",
    ) -> None:
        set_field(self, "key", key)
        set_field(self, "packages", packages)
        set_field(self, "runtime_sonames", runtime_sonames)
        set_field(self, "aliases", aliases)
        set_field(self, "note", note)
        set_field(self, "source", source)


def load_virtual_table(path: Path = VIRTUAL_PATH) -> dict[str, VirtualEntry]:
    """The virtual table keyed by every key and alias (``compiler/cpp`` too)."""
    return parse_virtual_table(read_toml(path), source=str(path))


def parse_virtual_table(data: Mapping[str, Any], *, source: str) -> dict[str, VirtualEntry]:
    if data.get("schema") != 1:
        raise InputError(f"{source}: schema must be 1, got {data.get('schema')!r}")
    table = data.get("virtual")
    if not isinstance(table, Mapping) or not table:
        raise InputError(f"{source}: [virtual] must be a non-empty table")
    entries: dict[str, VirtualEntry] = {}
    for key, value in table.items():
        where = f"{source}: virtual.{key}"
        entry = _parse_virtual(key, value, where)
        for spelling in (key, *entry.aliases):
            if spelling in entries:
                raise InputError(f"{where}: {spelling!r} is defined twice")
            entries[spelling] = entry
    return entries


def _parse_virtual(key: str, value: Any, where: str) -> VirtualEntry:
    namespace, slash, name = key.partition("/")
    if not slash or namespace not in VIRTUAL_NAMESPACES or not name:
        raise InputError(f"{where}: key must be compiler/<name> or interface/<name>")
    if not isinstance(value, Mapping):
        raise InputError(f"{where}: expected a table")
    unknown = sorted(set(value) - {"packages", "runtime_sonames", "aliases", "note", "source"})
    if unknown:
        raise InputError(f"{where}: unknown key(s) {', '.join(unknown)}")
    packages = value.get("packages")
    if not isinstance(packages, list) or not packages:
        raise InputError(f"{where}.packages: expected a non-empty list")
    source = value.get("source")
    if not isinstance(source, str) or not source.strip():
        raise InputError(f"{where}.source: every virtual needs a source")
    lists = {}
    for field in ("runtime_sonames", "aliases"):
        items = value.get(field, [])
        if not isinstance(items, list) or not all(isinstance(item, str) and item for item in items):
            raise InputError(f"{where}.{field}: expected a list of strings")
        lists[field] = tuple(items)
    return VirtualEntry(
        key=key,
        packages=tuple(
            parse_apk_item(item, where=f"{where}.packages[{index}]", allow_auto=False)
            for index, item in enumerate(packages)
        ),
        runtime_sonames=lists["runtime_sonames"],
        aliases=lists["aliases"],
        note=value.get("note", ""),
        source=source,
    )


# ------------------------------------------------------- index look-ups ----


def provider_table(providers: ProviderMap) -> ProviderTable:
    """The name table of ``providers`` as a :data:`ProviderTable`: a view, not a copy."""
    return _ProviderTable(providers)


class _ProviderTable(Mapping):
    """name -> the packages that are or provide it, in index order, each once."""

    def __init__(self, providers: ProviderMap) -> None:
        self._providers = providers

    def __getitem__(self, name: str) -> tuple[Package, ...]:
        found = self._providers.providers(name)
        if not found:
            raise KeyError(name)
        # A package can provide its own name, or list one name twice.
        return tuple(dict.fromkeys(provider.package for provider in found))

    def __contains__(self, name: object) -> bool:
        return name in self._providers

    def __iter__(self) -> Iterator[str]:
        return iter(self._providers.names())

    def __len__(self) -> int:
        return len(self._providers.names())


def _provides_so(package: Package) -> bool:
    return any(provide.name.startswith("so:") for provide in package.provides)


def runtime_packages_for(dev: Package, providers: ProviderTable) -> tuple[Package, ...]:
    """The library packages a ``-dev`` package stands for.

    The same-origin packages ``dev`` depends on, directly or through other
    same-origin packages, that provide ``so:`` names: zlib-dev -> zlib,
    openssl-dev (1.1) -> libcrypto1.1 and libssl1.1. Header-only packages
    give nothing.
    """
    found: list[Package] = []
    seen = {id(dev)}
    queue = deque([dev])
    while queue:
        package = queue.popleft()
        for dependency in package.depends:
            if dependency.conflict:
                continue
            for candidate in providers.get(dependency.name, ()):
                if candidate.origin != dev.origin or id(candidate) in seen:
                    continue
                seen.add(id(candidate))
                queue.append(candidate)
                if _provides_so(candidate) and candidate not in found:
                    found.append(candidate)
    return tuple(found)


def library_of_dev(dev: Package, providers: ProviderTable) -> tuple[Package, ...]:
    """The library a build against ``dev`` links: the package the ``-dev`` name
    is made from when it is one of :func:`runtime_packages_for` (abuild's
    ``<pkgname>-dev`` of ``<pkgname>``), else all of them.

    openblas-dev (v3.21) depends on openblas, liblapack, liblapacke and
    openblas-ilp64, all of origin openblas; its ``pc:openblas`` links
    ``-lopenblas``, which ``openblas`` provides (``so:openblas:libopenblas.so.3``).
    The others are other libraries of the same build that a consumer of
    openblas does not load.
    """
    found = runtime_packages_for(dev, providers)
    stem = dev.name.removesuffix("-dev")
    return tuple(p for p in found if p.name == stem) or found


def _soname_candidates(name: str, providers: ProviderTable) -> list[str]:
    """``so:lib<name>.so.N`` names in the index, also ``so:lib<name>-N.so.N`` (libyaml-0.so.2)."""
    stem = name if name.startswith("lib") else f"lib{name}"
    # Anchored so that libz never matches libzstd.
    pattern = re.compile(rf"^so:{re.escape(stem)}(-[0-9][0-9.]*)?\.so(\.[0-9]+)*$")
    return sorted(key for key in providers if key.startswith(f"so:{stem}") and pattern.match(key))


def _choose(packages: Sequence[Package], preferred: Sequence[str]) -> list[Package]:
    """Providers best first: apk's provider priority, then a preferred name, then by name."""
    unique = list(dict.fromkeys(packages))
    return sorted(
        unique,
        key=lambda p: (-(p.provider_priority or 0), p.name not in preferred, p.name),
    )


def _dev_of(library: Package, providers: ProviderTable) -> Package | None:
    """The same-origin -dev package of a library package, if the index has one."""
    for name in (f"{library.name}-dev", f"{library.origin}-dev"):
        for candidate in providers.get(name, ()):
            if candidate.name == name and candidate.origin == library.origin:
                return candidate
    return None


# ------------------------------------------------------------- mapping ----


class AlpineMapping(Frozen):
    """What one external requirement means on Alpine, and how that was found."""

    __slots__ = ("requirement", "role", "build", "runtime", "rule", "candidates", "missing", "version_ok", "problem")

    requirement: ExternalRequirement
    role: str  # "build", "host" or "run"
    build: tuple[str, ...]  # apk packages to install for the build
    runtime: tuple[str, ...]  # apk packages the result needs at run time
    #: the provide or table entry that matched: "pc:zlib", "so:libxml2.so.2",
    #: "cmd:cmake", "name:foo-dev", "virtual:compiler/c"
    rule: str
    candidates: tuple[str, ...]  # every provider of the matched name, chosen first
    #: names the mapping needs but the index lacks (e.g. community packages
    #: against a main-only index, or an unresolved so: name)
    missing: tuple[str, ...]
    #: the matched version against the DepURL's range: None when there is no
    #: range, or the versions cannot be compared
    version_ok: bool | None
    problem: str | None  # set when nothing maps; then build/runtime are empty

    def __init__(
        self,
        requirement: ExternalRequirement,
        role: str,
        build: tuple[str, ...] = (),
        runtime: tuple[str, ...] = (),
        rule: str = "",
        candidates: tuple[str, ...] = (),
        missing: tuple[str, ...] = (),
        version_ok: bool | None = None,
        problem: str | None = None,
    ) -> None:
        set_field(self, "requirement", requirement)
        set_field(self, "role", role)
        set_field(self, "build", build)
        set_field(self, "runtime", runtime)
        set_field(self, "rule", rule)
        set_field(self, "candidates", candidates)
        set_field(self, "missing", missing)
        set_field(self, "version_ok", version_ok)
        set_field(self, "problem", problem)

    @property
    def mapped(self) -> bool:
        return self.problem is None


def map_external(
    external: ExternalDeps,
    providers: ProviderTable,
    virtuals: Mapping[str, VirtualEntry],
    *,
    environment: Mapping[str, str] | None = None,
    extras: Iterable[str] = (),
    groups: Iterable[str] = (),
) -> tuple[AlpineMapping, ...]:
    """Map every selected requirement whose marker holds on the target.

    ``environment`` is the PEP 508 marker environment; by default the host's,
    with the platform keys of an Alpine Linux target.
    """
    env = dict(environment) if environment is not None else alpine_marker_environment()
    env.setdefault("extra", "")
    return tuple(
        map_requirement(requirement, role, providers, virtuals)
        for role, requirement in external.selected(extras, groups)
        if requirement.applies(env)
    )


def alpine_marker_environment() -> dict[str, str]:
    """PEP 508 marker values for an Alpine Linux target (Python keys from this host)."""
    from packaging.markers import default_environment

    env = default_environment()
    env.update(sys_platform="linux", platform_system="Linux", os_name="posix")
    return env


def map_requirement(
    requirement: ExternalRequirement,
    role: str,
    providers: ProviderTable,
    virtuals: Mapping[str, VirtualEntry],
    hints: Mapping[str, tuple[str, ...]] | None = None,
) -> AlpineMapping:
    """Map one requirement in one role (``build``, ``host`` or ``run``).

    ``hints``: DepURL (without version) -> provides to try first; by default
    ``plan/data/pep804-hints.toml``.
    """
    if role not in ROLES:
        raise InputError(f"unknown role {role!r} (known: {', '.join(ROLES)})")
    depurl = requirement.depurl
    hinted = (load_hints() if hints is None else hints).get(depurl_key(depurl), ())
    if depurl.is_virtual and depurl.virtual_key in virtuals:
        return _map_virtual(requirement, role, providers, virtuals)
    for provide in hinted:
        mapping = _by_provide(requirement, role, provide, providers)
        if mapping is not None:
            return mapping
    if depurl.is_virtual:
        return _map_virtual(requirement, role, providers, virtuals)
    if depurl.type == "generic":
        return _map_generic(requirement, role, providers)
    if depurl.type == "pypi":
        problem = f"{depurl} is a PyPI package: pip installs it, not apk"
    else:
        problem = f"no rule maps {depurl.type} DepURLs to Alpine packages (only generic and virtual are mapped): {depurl}"
    return AlpineMapping(requirement, role, problem=problem)


def depurl_key(depurl: DepURL) -> str:
    """``dep:generic/zlib``, ``dep:virtual/compiler/c``: a DepURL without version, qualifiers or subpath."""
    middle = f"{depurl.namespace}/" if depurl.namespace else ""
    return f"dep:{depurl.type}/{middle}{depurl.name}"


_HINTS: dict[str, tuple[str, ...]] | None = None


def load_hints(path: Path = HINTS_PATH) -> dict[str, tuple[str, ...]]:
    """DepURL -> the provides to look for (``plan/data/pep804-hints.toml``), read once."""
    global _HINTS
    if path != HINTS_PATH:
        return _parse_hints(read_toml(path), path)
    if _HINTS is None:
        _HINTS = _parse_hints(read_toml(path), path)
    return _HINTS


def _parse_hints(data: Mapping[str, Any], path: Path) -> dict[str, tuple[str, ...]]:
    if data.get("schema") != 1 or not isinstance(data.get("hints"), dict):
        raise InputError(f"{path}: expected schema = 1 and a [hints] table")
    result = {}
    for key, entry in data["hints"].items():
        provides = entry.get("provides") if isinstance(entry, dict) else None
        if not isinstance(provides, list) or not all(isinstance(p, str) and ":" in p for p in provides):
            raise InputError(f"{path}: hints.{key}: provides must be a list of pc:/so:/cmd: names")
        if not isinstance(entry.get("source"), str) or not entry["source"]:
            raise InputError(f"{path}: hints.{key}: every hint cites its source")
        result[depurl_key(parse_depurl(key))] = tuple(provides)
    return result


def _by_provide(requirement: ExternalRequirement, role: str, provide: str, providers: ProviderTable) -> AlpineMapping | None:
    """A hinted provide: a -dev package stands for its libraries, anything else for itself."""
    found = _choose(providers.get(provide, ()), (provide.partition(":")[2],))  # cmd:go: go before gcc-go
    if not found:
        return None
    package = found[0]
    is_dev = package.name.endswith("-dev")
    libraries = tuple(p.name for p in library_of_dev(package, providers)) if is_dev else ()
    if role == "run":
        build: tuple[str, ...] = ()
        # a compiler is not needed by what it built; a -dev stands for its libraries
        compiler = requirement.depurl.is_virtual and requirement.depurl.namespace == "compiler"
        runtime = libraries if is_dev else (() if compiler else (package.name,))
    else:
        build = (package.name,)
        runtime = libraries
    return AlpineMapping(
        requirement, role, build=build, runtime=_unique(runtime), rule=f"hint:{provide}",
        candidates=tuple(p.name for p in found), version_ok=_version_ok(requirement.depurl, package.version),
    )


def _map_virtual(
    requirement: ExternalRequirement, role: str, providers: ProviderTable, virtuals: Mapping[str, VirtualEntry]
) -> AlpineMapping:
    depurl = requirement.depurl
    entry = virtuals.get(depurl.virtual_key)
    if entry is None:
        return AlpineMapping(
            requirement, role, problem=f"no Alpine mapping is known for the virtual {depurl.virtual_key} ({depurl})"
        )
    build: list[str] = []
    runtime: list[str] = []
    missing: list[str] = []
    for item in entry.packages:
        name = pick_available(item, providers.__contains__)
        if name is None:
            missing.append(item.name)
            build.append(item.name)  # the table's name still answers what to install
            continue
        build.append(name)
        if name.endswith("-dev"):  # a tool or compiler stands for no library
            package = _choose(providers[name], (name,))[0]
            runtime += [p.name for p in library_of_dev(package, providers)]
    for soname in entry.runtime_sonames:
        found = providers.get(f"so:{soname}", ())
        if found:
            runtime.append(_choose(found, ())[0].name)
        else:
            missing.append(f"so:{soname}")
    return AlpineMapping(
        requirement,
        role,
        build=() if role == "run" else _unique(build),
        runtime=_unique(runtime),
        rule=f"virtual:{entry.key}",
        missing=tuple(missing),
    )


def _map_generic(requirement: ExternalRequirement, role: str, providers: ProviderTable) -> AlpineMapping:
    name = requirement.depurl.name
    lookups = {
        "build": (_by_cmd, _by_pc, _by_so, _by_name),
        "host": (_by_pc, _by_so, _by_cmd, _by_name),
        "run": (_by_so, _by_pc, _by_cmd, _by_name),
    }[role]
    for lookup in lookups:
        mapping = lookup(requirement, role, name, providers)
        if mapping is not None:
            return mapping
    stem = name if name.startswith("lib") else f"lib{name}"
    return AlpineMapping(
        requirement,
        role,
        problem=(
            f"no Alpine package provides pc:{name}, so:{stem}.so.*, cmd:{name} "
            f"or is named {name}-dev or {name} ({requirement.depurl})"
        ),
    )


def _by_pc(requirement: ExternalRequirement, role: str, name: str, providers: ProviderTable) -> AlpineMapping | None:
    key = f"pc:{name}"
    found = _choose(providers.get(key, ()), (f"{name}-dev",))
    if not found:
        return None
    dev = found[0]
    runtime = [p.name for p in library_of_dev(dev, providers)]
    return AlpineMapping(
        requirement,
        role,
        build=() if role == "run" else (dev.name,),
        runtime=_unique(runtime),
        rule=key,
        candidates=tuple(p.name for p in found),
        version_ok=_version_ok(requirement.depurl, _provided_version(dev, key) or dev.version),
    )


def _by_so(requirement: ExternalRequirement, role: str, name: str, providers: ProviderTable) -> AlpineMapping | None:
    for key in _soname_candidates(name, providers):
        found = _choose(providers[key], (name, f"lib{name}"))
        library = found[0]
        version_ok = _version_ok(requirement.depurl, library.version)
        if role == "run":
            return AlpineMapping(
                requirement, role, runtime=(library.name,), rule=key,
                candidates=tuple(p.name for p in found), version_ok=version_ok,
            )
        dev = _dev_of(library, providers)
        if dev is None:
            return AlpineMapping(
                requirement, role, rule=key, candidates=tuple(p.name for p in found),
                problem=f"{library.name} provides {key} but the index has no -dev package of origin {library.origin}",
            )
        return AlpineMapping(
            requirement, role, build=(dev.name,), runtime=(library.name,),
            rule=key, candidates=tuple(p.name for p in found), version_ok=version_ok,
        )
    return None


def _by_cmd(requirement: ExternalRequirement, role: str, name: str, providers: ProviderTable) -> AlpineMapping | None:
    key = f"cmd:{name}"
    found = _choose(providers.get(key, ()), (name,))
    if not found:
        return None
    tool = found[0]
    return AlpineMapping(
        requirement,
        role,
        build=() if role == "run" else (tool.name,),
        runtime=(tool.name,) if role == "run" else (),
        rule=key,
        candidates=tuple(p.name for p in found),
        version_ok=_version_ok(requirement.depurl, tool.version),
    )


def _by_name(requirement: ExternalRequirement, role: str, name: str, providers: ProviderTable) -> AlpineMapping | None:
    # Only real package names here: a provided name is not "a package named <n>".
    order = (name, f"{name}-dev") if role == "run" else (f"{name}-dev", name)
    for wanted in order:
        package = next((p for p in providers.get(wanted, ()) if p.name == wanted), None)
        if package is None:
            continue
        libraries = [p.name for p in library_of_dev(package, providers)]
        is_dev = wanted.endswith("-dev")
        if role == "run":
            runtime = tuple(libraries) if is_dev else (package.name,)
            build: tuple[str, ...] = ()
        else:
            build = (package.name,)
            runtime = tuple(libraries) if is_dev else (() if role == "build" else (package.name,))
        return AlpineMapping(
            requirement, role, build=build, runtime=_unique(runtime), rule=f"name:{wanted}",
            candidates=(package.name,), version_ok=_version_ok(requirement.depurl, package.version),
        )
    return None


def _provided_version(package: Package, name: str) -> str | None:
    return next((p.version for p in package.provides if p.name == name and p.version), None)


def _version_ok(depurl: DepURL, apk_version: str) -> bool | None:
    """Compare an apk version with the DepURL's version, on its leading numeric part.

    apk versions (``1.1.1s-r0``, ``2.1.3``) are not PEP 440; their leading
    ``N.N.N`` is. None when there is nothing to check or nothing comparable.
    """
    if depurl.version is None:
        return None
    match = _NUMERIC_PREFIX_RE.match(apk_version)
    if match is None:
        return None
    from packaging.version import InvalidVersion, Version

    try:
        version = Version(match.group(0))
        if depurl.specifier is not None:
            return depurl.specifier.contains(version, prereleases=True)
        return version == Version(depurl.version)
    except InvalidVersion:
        return None


def _unique(names: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(names))
