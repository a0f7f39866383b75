"""What Alpine's own build of a Python project shows, read from the index.

Alpine's builders compile about 250 Python projects of v3.21 main +
community from source, and abuild records in each ``py3-*`` package's
``D:`` line the ``so:`` names its ELF files link. These are facts about a
real, successful build on that release and arch:

* **run time**: the package providing each ``so:`` name, as the solver picks
  it (highest provider priority, then index order);
* **build time**: the ``-dev`` package of each library: the package of the
  same origin (``o:``) whose name ends in ``-dev`` and that depends on the
  library package, directly or through its origin's other packages (a
  ``pc:`` provider preferred): ``so:libldap.so.2`` -> ``libldap`` ->
  ``openldap-dev``;
* libraries that come from the compiler itself (``libgcc``, ``libstdc++``,
  ``libgomp``, ``libgfortran``) stand for a compiler (a PEP 725 virtual of
  ``pep725-virtual.toml``), never a ``-dev`` package;
* ``libc.musl`` and ``libpython3`` are the platform and the interpreter.

Every answer cites the package, its version, origin, repository and aports
commit (``c:``).

Matching a PyPI distribution to its ``py3-*`` package (never a guess,
:func:`rank_builds`, the same rule for the v3.21 records): a package named
``py3-<name>`` (PEP 503), or ``py3-<name>`` without a
``python-``/``py``/``-python`` affix, is a candidate; it is **confirmed**,
as is any other ``py3-*`` package, by evidence: its ``py3.X:`` modules
share a name with the distribution's import names, its ``U:`` URL is one of
the URLs the sdist's PKG-INFO (PyPI's metadata) names or the project's PyPI
page, or it is of the aport an override row of build-overrides.toml names.
A name alone is not enough (PyPI's ``icu`` 0.0.1 is not Alpine's
``py3-icu``, PyICU): it is reported as unconfirmed and not used.

The ``-dev`` look-up scans the index once per provider map (an origin ->
``-dev`` packages table), so planning many distributions costs one pass.

API::

    match_alpine_build(dist, import_names, project_urls, providers, aport="") -> BuildMatch
    rank_builds(canonical, modules, urls, aport, candidates) -> RankedBuilds  # the rule, for the v3.21 records too
    own_names(canonical) -> list[str]; wanted_urls(canonical, project_urls) -> set[str]
    alpine_build(package, providers) -> AlpineBuild
    linked_library(soname, atom, providers) -> LinkedLibrary
    preferred_provider(found) -> Package
    dev_package_of(library, providers) -> Package | None
    normalised_url(url) -> str
"""

from __future__ import annotations

import re
import weakref
from collections import deque
from typing import Iterable

from apkneed.alpine.package import Package
from apkneed.alpine.providers import ProviderMap
from apkneed.python.names import canonical_name
from apkneed.records import Frozen, set_field

#: library package -> the PEP 725 virtual it stands for (from the compiler, not a -dev)
COMPILER_LIBRARIES = {
    "libgcc": "compiler/c",
    "libstdc++": "compiler/cxx",
    "libgomp": "interface/openmp",
    "libgfortran": "compiler/fortran",
}
#: so: names of the platform and the interpreter: nothing to install for them
_PLATFORM_SONAMES = re.compile(r"^(libc\.musl-[a-z0-9_]+\.so\.1|libpython3\.[0-9]+\.so\.1\.0)$")
_PY_MODULE_RE = re.compile(r"^py3\.[0-9]+:(.+)$")
_AFFIXES = (re.compile(r"^python-"), re.compile(r"^py-?"), re.compile(r"-python$"), re.compile(r"^python"))


class LinkedLibrary(Frozen):
    """One ``so:`` name a py3-* package links, and what it means for a build."""

    __slots__ = ("soname", "library", "dev", "virtual")

    soname: str  # "libldap.so.2"
    library: str | None  # the package providing it ("libldap"); None: nothing provides it
    dev: str | None  # its -dev package ("openldap-dev"); None for compiler libraries
    virtual: str | None  # "compiler/cxx" for libstdc++

    def __init__(self, soname: str, library: str | None, dev: str | None = None, virtual: str | None = None) -> None:
        set_field(self, "soname", soname)
        set_field(self, "library", library)
        set_field(self, "dev", dev)
        set_field(self, "virtual", virtual)


class AlpineBuild(Frozen):
    __slots__ = (
        "package",
        "version",
        "origin",
        "commit",
        "repository",
        "url",
        "libraries",
        "links_platform",
        "depends_by_name",
        "recorded",
    )

    package: str
    version: str
    origin: str
    commit: str
    repository: str
    url: str
    libraries: tuple[LinkedLibrary, ...]
    #: it links libc.musl or libpython3 (compiled code with no other library)
    links_platform: bool
    #: the packages D: names outright (``openblas`` of py3-numpy), not so: names
    depends_by_name: tuple[str, ...]
    #: "" when read from the target index; else where the record comes from
    #: ("v3.21, recorded in alpine-builds.json: the target index has no py3-foo")
    recorded: str

    def __init__(
        self,
        package: str,
        version: str,
        origin: str,
        commit: str,
        repository: str,
        url: str,
        libraries: tuple[LinkedLibrary, ...],
        links_platform: bool = False,
        depends_by_name: tuple[str, ...] = (),
        recorded: str = "",
    ) -> None:
        set_field(self, "package", package)
        set_field(self, "version", version)
        set_field(self, "origin", origin)
        set_field(self, "commit", commit)
        set_field(self, "repository", repository)
        set_field(self, "url", url)
        set_field(self, "libraries", libraries)
        set_field(self, "links_platform", links_platform)
        set_field(self, "depends_by_name", depends_by_name)
        set_field(self, "recorded", recorded)

    @property
    def citation(self) -> str:
        commit = self.commit[:12] if self.commit else "no c: commit"
        recorded = f"; {self.recorded}" if self.recorded else ""
        return f"{self.package}-{self.version} (origin {self.origin}, {self.repository}, aports {commit}{recorded})"

    @property
    def compiled(self) -> bool:
        """abuild recorded at least one ``so:`` link: the package has ELF files."""
        return bool(self.libraries) or self.links_platform

    @property
    def unresolved(self) -> tuple[str, ...]:
        """so: names no package of the index provides."""
        return tuple(lib.soname for lib in self.libraries if lib.library is None)

    @property
    def without_dev(self) -> tuple[LinkedLibrary, ...]:
        """Libraries whose origin has no -dev package in the index."""
        return tuple(lib for lib in self.libraries if lib.library and not lib.virtual and not lib.dev)


class BuildMatch(Frozen):
    """The py3-* package matched to a distribution, or why none was used."""

    __slots__ = ("build", "how", "unconfirmed")

    build: AlpineBuild | None
    how: str  # "py3.12:MySQLdb module", "U: URL https://...", "name py3-foo"
    #: candidates found but not confirmed (reported, not used)
    unconfirmed: tuple[str, ...]

    def __init__(self, build: AlpineBuild | None, how: str = "", unconfirmed: tuple[str, ...] = ()) -> None:
        set_field(self, "build", build)
        set_field(self, "how", how)
        set_field(self, "unconfirmed", unconfirmed)


def match_alpine_build(
    dist: str, import_names: Iterable[str], project_urls: Iterable[str], providers: ProviderMap, aport: str = ""
) -> BuildMatch:
    """The distribution's py3-* package in ``providers`` (module docstring); ``aport``: the
    ``repository/origin`` an override row names for it (build-overrides.toml), evidence too."""
    canonical = canonical_name(dist)
    modules = set(import_names)
    urls = wanted_urls(canonical, project_urls)
    tables = _tables(providers)
    # the packages rank_builds may take: named as the distribution, sharing a module, of the override's aport
    candidates: dict[str, Package] = {}
    names = own_names(canonical)
    for name in names:  # the provider apk would take first, where a name is in several repositories
        for provider in providers.providers(name):
            if provider.package.name == name:
                candidates.setdefault(name, provider.package)
    for found in (
        *(tables.py3_by_name.get(name, ()) for name in names),  # py3-cx_freeze for cx-freeze
        *(tables.module_providers.get(module, ()) for module in sorted(modules)),
        tables.py3_by_origin.get(aport.split("/", 1)[-1], ()) if aport else (),
    ):
        for package in found:
            candidates.setdefault(package.name, package)
    ranked = rank_builds(
        canonical, modules, urls, aport,
        ((name, package.version, modules_of(package), package.url, package.origin, package)
         for name, package in candidates.items()),
    )
    if ranked.best is None:
        return BuildMatch(None, unconfirmed=ranked.unconfirmed)
    return BuildMatch(alpine_build(ranked.best, providers), ranked.how, ranked.unconfirmed)


class RankedBuilds(Frozen):
    """The best-evidenced candidate of :func:`rank_builds` (None: none has evidence), how, and the named
    candidates left unconfirmed."""

    __slots__ = ("best", "how", "unconfirmed")

    best: object
    how: str
    unconfirmed: tuple[str, ...]

    def __init__(self, best: object, how: str, unconfirmed: tuple[str, ...]) -> None:
        set_field(self, "best", best)
        set_field(self, "how", how)
        set_field(self, "unconfirmed", unconfirmed)


def rank_builds(canonical: str, modules: set[str], urls: set[str], aport: str, candidates) -> RankedBuilds:
    """Which py3-* build is the distribution's: the one read in the target index
    (:func:`match_alpine_build`) and the one recorded on v3.21 (``alpinedata.match_build``) are
    chosen by this one rule, so that a distribution matches the same build on every release.

    ``candidates``: (package name, version, its py3 modules, its U: URL, its origin, what to
    return) for each package in question. A package is taken when it carries the distribution's
    name (:func:`own_names`, compared as PEP 503 names: Alpine's py3-cx_freeze is cx-freeze's),
    shares one of its ``modules``, or is of the origin of the override's ``aport``. A URL of the
    project (``urls``: :func:`wanted_urls`) confirms such a package but never brings in another:
    umbrella sites are shared (llvm.org is py3-clang's and py3-lldb's, ceph.io every ceph
    binding's). Evidence that it is this project: a shared module, a URL, the aport. A name
    alone is not enough (PyPI's "icu" is not Alpine's py3-icu, PyICU): it is reported as
    unconfirmed. Most evidence wins, the distribution's name counting one more: brotli's
    py3-brotli (URL and name) before py3-brotlipy (a shared module); then the package name, for
    a stable choice among equals.
    """
    names = {name.removeprefix("py3-") for name in own_names(canonical)}
    origin = aport.split("/", 1)[-1] if aport else None
    ranked: list[tuple[int, str, object, str]] = []
    unconfirmed: list[str] = []
    for name, version, provided, url, package_origin, item in candidates:
        named = name.startswith("py3-") and canonical_name(name[4:]) in names
        shared = sorted(set(provided) & modules)
        of_aport = origin is not None and package_origin == origin
        if not (named or shared or of_aport):
            continue
        evidence = []
        if shared:
            evidence.append(f"provides py3 module {shared[0]}")
        if url and normalised_url(url) in urls:
            evidence.append(f"U: {url} is a project URL on PyPI")
        if of_aport:
            evidence.append(f"build-overrides.toml names its aport {aport}")
        if evidence:
            ranked.append((-(len(evidence) + named), name, item, " and ".join(evidence)))
        else:  # named, nothing more
            why = "its modules differ" if modules and provided else "no shared module or URL"
            unconfirmed.append(f"{name}-{version} ({why})")
    if not ranked:
        return RankedBuilds(None, "", tuple(unconfirmed))
    _, _, best, how = min(ranked, key=lambda item: item[:2])
    return RankedBuilds(best, how, tuple(unconfirmed))


def own_names(canonical: str) -> list[str]:
    """The py3-* names that are the distribution's own: PEP 503's, then without a python-/py/-python affix."""
    return list(dict.fromkeys([f"py3-{canonical}"] + [f"py3-{stripped}" for stripped in stripped_names(canonical)]))


def wanted_urls(canonical: str, project_urls: Iterable[str]) -> set[str]:
    """The project's URLs as :func:`normalised_url` gives them: its sdist's, and its own PyPI page."""
    urls = {normalised_url(url) for url in project_urls if url} | _pypi_urls(canonical)
    urls.discard("")
    return urls


def alpine_build(package: Package, providers: ProviderMap) -> AlpineBuild:
    """Read one py3-* package's ``D:`` so: names (module docstring)."""
    libraries: list[LinkedLibrary] = []
    platform = False
    for dependency in package.depends:
        name = dependency.name
        if dependency.conflict:
            continue
        if name.startswith("so:"):
            soname = name[3:]
        elif ":so:" in name:  # "ceph18:so:libcephfs.so.2": a so: name scoped to its origin
            soname = name.split(":so:", 1)[1]
        else:
            continue
        if _PLATFORM_SONAMES.match(soname):
            platform = True
            continue
        libraries.append(linked_library(soname, name, providers))
    repository = next(iter(providers.repositories_of(package)), package.repository)
    named = tuple(sorted({
        d.name for d in package.depends
        if not d.conflict and ":" not in d.name and not d.name.startswith(("py3", "python3"))
    }))
    return AlpineBuild(
        package=package.name, version=package.version, origin=package.origin or package.name,
        commit=package.commit, repository=repository, url=package.url,
        libraries=tuple(libraries), links_platform=platform, depends_by_name=named,
    )


def preferred_provider(found) -> Package:
    """apk's own preference among the providers of a name: provider priority, then index order
    (``max`` keeps the first of equal priorities)."""
    return max(found, key=lambda p: p.package.provider_priority or 0).package


def linked_library(soname: str, atom: str, providers: ProviderMap) -> LinkedLibrary:
    found = providers.providers(atom)
    if not found:
        return LinkedLibrary(soname, None)
    library = preferred_provider(found)
    virtual = COMPILER_LIBRARIES.get(library.name)
    if virtual is not None:
        return LinkedLibrary(soname, library.name, None, virtual)
    dev = dev_package_of(library, providers)
    return LinkedLibrary(soname, library.name, dev.name if dev is not None else None)


def dev_package_of(library: Package, providers: ProviderMap) -> Package | None:
    """The same-origin ``-dev`` package that depends on ``library`` (module docstring)."""
    tables = _tables(providers)
    candidates = tables.devs_by_origin.get(library.origin, ())
    if not candidates:
        return None
    library_names = {library.name} | {p.name for p in library.provides}
    ranked = []
    for dev in candidates:
        depth = _depends_within_origin(dev, library_names, providers)
        if depth is None:
            continue
        has_pc = any(p.name.startswith("pc:") for p in dev.provides)
        named = dev.name in (f"{library.name}-dev", f"{library.origin}-dev")
        ranked.append((depth, not has_pc, not named, dev.name, dev))
    if not ranked:
        return None
    return min(ranked, key=lambda item: item[:4])[4]


def _depends_within_origin(dev: Package, wanted: set[str], providers: ProviderMap) -> int | None:
    """How many same-origin steps from ``dev`` to a dependency on one of ``wanted``; None: never."""
    seen = {dev.name}
    queue = deque([(dev, 1)])
    while queue:
        package, depth = queue.popleft()
        for dependency in package.depends:
            if dependency.conflict:
                continue
            if dependency.name in wanted:
                return depth
            for provider in providers.providers(dependency.name):
                candidate = provider.package
                if candidate.origin == dev.origin and candidate.name not in seen and depth < 4:
                    seen.add(candidate.name)
                    queue.append((candidate, depth + 1))
    return None


def normalised_url(url: str) -> str:
    """``https://www.GitHub.com/a/b.git/`` -> ``github.com/a/b``: how two URLs of one project compare."""
    text = url.strip().lower()
    text = re.sub(r"^[a-z+]+://", "", text)
    text = re.sub(r"^www\.", "", text)
    text = text.split("#", 1)[0].split("?", 1)[0].rstrip("/")
    if text.endswith(".git"):
        text = text[:-4]
    return text


def _pypi_urls(canonical: str) -> set[str]:
    """The addresses of the project's own PyPI page (an APKBUILD's url= may name it)."""
    return {normalised_url(f"https://{host}/{path}/{canonical}") for host in ("pypi.org", "pypi.python.org")
            for path in ("project", "pypi")}


def stripped_names(canonical: str) -> list[str]:
    out = []
    for affix in _AFFIXES:
        stripped = affix.sub("", canonical)
        if stripped and stripped != canonical:
            out.append(stripped)
    return out


def modules_of(package: Package) -> set[str]:
    return {m.group(1) for p in package.provides if (m := _PY_MODULE_RE.match(p.name))}


class _Tables:
    __slots__ = ("devs_by_origin", "module_providers", "py3_by_name", "py3_by_origin")

    def __init__(self, devs_by_origin: dict[str, tuple[Package, ...]],
                 module_providers: dict[str, tuple[Package, ...]],
                 py3_by_name: dict[str, tuple[Package, ...]],
                 py3_by_origin: dict[str, tuple[Package, ...]]) -> None:
        self.devs_by_origin = devs_by_origin
        self.module_providers = module_providers
        #: "py3-<PEP 503 name>" -> the py3-* packages of that name (py3-cx_freeze under py3-cx-freeze)
        self.py3_by_name = py3_by_name
        #: origin -> its py3-* packages that ship py3 modules
        self.py3_by_origin = py3_by_origin


_TABLES: "weakref.WeakKeyDictionary[ProviderMap, _Tables]" = weakref.WeakKeyDictionary()


def _tables(providers: ProviderMap) -> _Tables:
    # One pass over the index per provider map, whatever the number of distributions planned.
    tables = _TABLES.get(providers)
    if tables is None:
        devs: dict[str, list[Package]] = {}
        modules: dict[str, list[Package]] = {}
        by_name: dict[str, list[Package]] = {}
        by_origin: dict[str, list[Package]] = {}
        for package in providers.packages:
            if package.name.endswith("-dev"):
                devs.setdefault(package.origin, []).append(package)
            ships_modules = False
            for provide in package.provides:
                match = _PY_MODULE_RE.match(provide.name)
                if match:
                    modules.setdefault(match.group(1), []).append(package)
                    ships_modules = True
            if package.name.startswith("py3-"):
                by_name.setdefault(f"py3-{canonical_name(package.name[4:])}", []).append(package)
                if ships_modules:  # the aport's Python package, not its -pyc or -doc subpackages
                    by_origin.setdefault(package.origin or package.name, []).append(package)
        tables = _Tables(
            {origin: tuple(found) for origin, found in devs.items()},
            {module: tuple(dict.fromkeys(found)) for module, found in modules.items()},
            {name: tuple(dict.fromkeys(found)) for name, found in by_name.items()},
            {origin: tuple(dict.fromkeys(found)) for origin, found in by_origin.items()},
        )
        _TABLES[providers] = tables
    return tables
