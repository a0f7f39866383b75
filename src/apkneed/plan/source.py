"""What a source build of one distribution needs from apk, and at run time.

Pure: works on gathered evidence (:class:`~apkneed.plan.evidence.SdistEvidence`),
Alpine's build data, the PEP 725 virtual table and the target index's
provider table. Three sources, first that applies wins:

1. **PEP 725**: the sdist's own ``pyproject.toml`` ``[external]`` table,
   mapped through the index (:func:`apkneed.plan.pep725.map_external`).
2. **Alpine's own build** (:mod:`apkneed.plan.alpinebuilds`,
   :mod:`apkneed.plan.alpinedata`): the project's ``py3-*`` package in the
   target index, else the v3.21 record of it in ``alpine-builds.json``
   re-found in the target. The ``so:`` names its ``D:`` line records give the
   run-time libraries and their ``-dev`` packages (compiler libraries give
   compilers); the aport's cited makedepends give the build tools and
   libraries the index cannot tell, every name checked against the target
   (found through what it provides when renamed, else reported and left out);
   ``build-overrides.toml``'s row, where the project has one, says what a
   plain pip build does differently (options Alpine switches on, tools it
   does not name). A library nobody provides, or one without headers, makes
   the answer ``unknown``. A C/C++ project's aport with a py3-* binding
   subpackage (``kind = "bindings"``: apache-arrow, gdal) lists what builds
   the whole project: those makedepends are shown as information only; the
   binding's own ``D:`` libraries (and their ``-dev`` packages) answer.
3. **Inferred** (:mod:`apkneed.plan.sdist_inference`): the sdist's build
   files and sources, read for pkg-config names, linked libraries, config
   scripts, CMake packages, headers and run-time loads, mapped through the
   index. A clue nothing maps, or headers nothing explains, make the answer
   ``unknown``. An sdist with no compiled code and no run-time load is pure
   Python: nothing from apk.

``unknown`` answers keep what was found; the planner warns and the plan
exits 1.

Run-time packages: the libraries of ``D:``; for a makedepends ``-dev``, its
library when Alpine's package depends on it by name (``openblas`` of
py3-scipy). ``python3-dev`` is not decided here: the planner adds it for
compiled builds on an Alpine-python base (``SourceNeeds.compiled``).

API::

    source_needs(dist, sdist, *, virtuals, table, environment,
                 alpine=None, data=None, providers=None, version=None) -> SourceNeeds
"""

from __future__ import annotations

from typing import Mapping

from apkneed.alpine.providers import ProviderMap
from apkneed.errors import InputError
from apkneed.plan.alpinebuilds import BuildMatch
from apkneed.plan.apkmatch import apk_upstream
from apkneed.plan.evidence_records import SdistEvidence
from apkneed.plan.alpinedata import AlpineData, absent_repository, makedepends_for, resolve_name
from apkneed.plan.model import BUILD, RUNTIME, Need
from apkneed.plan.pep725 import (
    AlpineMapping,
    ProviderTable,
    VirtualEntry,
    map_external,
    map_requirement,
    parse_external_requirement,
    library_of_dev,
    read_external,
)
from apkneed.records import Frozen, set_field



class SourceNeeds(Frozen):
    __slots__ = ("basis", "needs", "compiled", "reasons", "problems")

    basis: str  # "pep725" | "alpine" | "inferred" | "pure" | "unknown"
    needs: tuple[Need, ...]
    compiled: bool  # the build compiles code (python3-dev on an Alpine-python base)
    reasons: tuple[str, ...]
    problems: tuple[str, ...]

    def __init__(
        self,
        basis: str,
        needs: tuple[Need, ...],
        compiled: bool,
        reasons: tuple[str, ...],
        problems: tuple[str, ...] = (),
    ) -> None:
        set_field(self, "basis", basis)
        set_field(self, "needs", needs)
        set_field(self, "compiled", compiled)
        set_field(self, "reasons", reasons)
        set_field(self, "problems", problems)


def source_needs(
    dist: str,
    sdist: SdistEvidence | None,
    *,
    virtuals: Mapping[str, VirtualEntry],
    table: ProviderTable,
    environment: Mapping[str, str],
    alpine: BuildMatch | None = None,
    data: AlpineData | None = None,
    providers: ProviderMap | None = None,
    version: str | None = None,
) -> SourceNeeds:
    if sdist is not None and sdist.external is not None:
        return _from_pep725(dist, sdist, virtuals, table, environment)
    if alpine is not None and alpine.build is not None and providers is not None:
        found = _from_alpine(dist, alpine, data or AlpineData(), virtuals, table, providers, version)
        if found is not None:
            return found
    if sdist is None:
        return SourceNeeds(
            "unknown", (), False,
            (f"unknown: no sdist evidence and no Alpine build of {dist}",),
        )
    found = _from_observation(dist, sdist, virtuals, table)
    if alpine is not None and alpine.build is None and alpine.unconfirmed:
        # an Alpine package that may be this project, not used: said, never guessed
        note = "Alpine package not used (no shared py3 module or URL confirms it is this project): " + "; ".join(alpine.unconfirmed)
        return SourceNeeds(found.basis, found.needs, found.compiled, (*found.reasons, note), found.problems)
    return found


# ------------------------------------------------------------- PEP 725 ----


def _from_pep725(
    dist: str, sdist: SdistEvidence, virtuals: Mapping[str, VirtualEntry], table: ProviderTable,
    environment: Mapping[str, str],
) -> SourceNeeds:
    origin = f"PEP 725 [external] in {sdist.filename} pyproject.toml"
    try:
        external = read_external({"external": sdist.external}, source=f"{sdist.filename} pyproject.toml")
        mappings = map_external(external, table, virtuals, environment=environment) if external else ()
    except InputError as exc:
        # A malformed table is the project's bug: say so and fall back to what we can see.
        fallback = _from_observation(dist, sdist, virtuals, table)
        return SourceNeeds(
            fallback.basis, fallback.needs, fallback.compiled, fallback.reasons,
            (f"{dist}: ignored a malformed [external] table ({exc})", *fallback.problems),
        )
    needs: list[Need] = []
    problems: list[str] = []
    compiled = sdist.compiled
    for mapping in mappings:
        chain_root = (f"{mapping.requirement.text} ({mapping.role})", origin)
        if not mapping.mapped:
            problems.append(f"{dist}: {mapping.problem}")
            continue
        if mapping.rule.startswith("virtual:compiler/"):
            compiled = True
        needs += _mapping_needs(dist, mapping, chain_root)
    reasons = (f"build needs from {origin}",)
    return SourceNeeds("pep725", tuple(_unique(needs)), compiled, reasons, tuple(problems))


def _mapping_needs(dist: str, mapping: AlpineMapping, chain_root: tuple[str, ...]) -> list[Need]:
    rule = (mapping.rule,) if mapping.rule and not mapping.rule.startswith("name:") else ()
    missing = set(mapping.missing)
    needs = [Need(name, BUILD, dist, rule + chain_root, name in missing) for name in mapping.build]
    devs = [name for name in mapping.build if name.endswith("-dev")]
    for name in mapping.runtime:
        via = (f"library of {devs[0]}",) if devs and name not in mapping.build else ()
        needs.append(Need(name, RUNTIME, dist, via + rule + chain_root, name in missing))
    return needs


# ------------------------------------------------------------- helpers ----


def _runtime_of_dev(dist: str, dev_name: str, chain: tuple[str, ...], table: ProviderTable) -> list[Need]:
    packages = [p for p in table.get(dev_name, ()) if p.name == dev_name] or list(table.get(dev_name, ()))[:1]
    if not packages:
        return []
    return [
        Need(library.name, RUNTIME, dist, (f"library of {dev_name}", *chain))
        for library in library_of_dev(packages[0], table)
    ]


def _virtual_needs(
    dist: str, key: str, chain: tuple[str, ...], virtuals: Mapping[str, VirtualEntry], table: ProviderTable
) -> list[Need]:
    requirement = parse_external_requirement(f"dep:virtual/{key}")
    mapping = map_requirement(requirement, "build", table, virtuals)
    if not mapping.mapped:
        return []
    return _mapping_needs(dist, mapping, chain)


# ------------------------------------------------------ Alpine's build ----


#: compiler virtual -> the package a makedepends or override names it by
_COMPILER_PACKAGES = {"compiler/rust": "cargo", "compiler/fortran": "gfortran"}
#: ... and back: a makedepends naming the package asks for the compiler
_COMPILER_VIRTUALS = {package: virtual for virtual, package in _COMPILER_PACKAGES.items()}


def _from_alpine(
    dist: str, match: BuildMatch, data: AlpineData,
    virtuals: Mapping[str, VirtualEntry], table: ProviderTable, providers: ProviderMap, version: str | None,
) -> SourceNeeds | None:
    """Needs from what Alpine's own build of the project links (``D:``), its cited makedepends and overrides.

    None when Alpine's package has no compiled code and nothing else names a
    system package: the sdist itself is then the better witness.
    """
    build = match.build
    assert build is not None
    override = data.override_for(dist)
    aport = makedepends_for(data.aports, build.repository, build.origin)
    bindings = aport is not None and aport.kind == "bindings"
    used = aport if aport is not None and not bindings and not aport.missing else None
    if not build.compiled and (used is None or not used.system) and (override is None or not override.add):
        return None
    origin = f"Alpine's build: {build.citation}, matched by {match.how}"
    overrides = f"build-overrides.toml: {dist}" + (f" ({override.sources[0]})" if override and override.sources else "")
    left_out = override.left_out() if override else {}
    picked_up = override.picked_up() if override else {}
    needs: list[Need] = []
    problems: list[str] = []
    unknown: list[str] = []
    devs: list[str] = []
    skipped: list[str] = []
    #: compiler virtual -> what says the build needs it
    languages: dict[str, str] = {"compiler/c": f"compiled code (D: links so: names) of {origin}"} if build.compiled else {}
    for library in build.libraries:
        link = f"so:{library.soname}"
        if library.dev is not None and library.dev in left_out:
            skipped.append(f"{library.dev} and {library.library or link} ({left_out[library.dev]})")
            continue
        if library.library is None:
            unknown.append(f"{link} (no package of the index provides it)")
            continue
        if library.virtual is not None:
            if _COMPILER_PACKAGES.get(library.virtual) in left_out:
                skipped.append(f"{_COMPILER_PACKAGES[library.virtual]} ({left_out[_COMPILER_PACKAGES[library.virtual]]})")
                continue
            languages.setdefault(library.virtual, f"{link} (from the compiler) in D: of {origin}")
            continue
        chain = (link, f"D: of {origin}")
        needs.append(Need(library.library, RUNTIME, dist, chain))
        if library.dev is None:
            unknown.append(f"the headers of {library.library} ({link}: its origin has no -dev package in the index)")
            continue
        devs.append(library.dev)
        label = f"-dev of {library.library}" + (" (picked up when installed)" if library.dev in picked_up else "")
        needs.append(Need(library.dev, BUILD, dist, (label, *chain)))
    extra: list[str] = []
    brought: frozenset[str] | None = None  # what build-base brings: worked out once, when first asked
    if used is not None:
        cited = f"makedepends of {used.citation}"
        for item in used.system:
            if item.name in left_out:
                skipped.append(f"{item.name} ({left_out[item.name]})")
                continue
            chosen = resolve_name(item.name, item.provides, providers)
            label = f"makedepends: {item.name}" + (f" (through {item.via})" if item.via else "")
            if chosen is None and absent_repository(item.repository, providers):
                # v3.21 has it in a repository this target was given without: a negative answer, said by the planner
                needs.append(Need(item.name, BUILD, dist, (label + f" (Alpine {item.repository})", cited), missing=True))
                continue
            if chosen is None:
                problems.append(
                    f"{dist}: Alpine's makedepends name {item.name}, which the target index does not have "
                    f"under that name or through {', '.join(item.provides[:3]) or 'anything it provided'}; left out"
                )
                continue
            if chosen in left_out:
                skipped.append(f"{item.name} ({left_out[chosen]})")
                continue
            if chosen in devs or _covers(chosen, devs, providers):
                continue  # mariadb-dev stands for mariadb-connector-c-dev, already derived from D:
            if languages:
                if brought is None:
                    brought = _compiler_brings(virtuals, table)
                if chosen in brought:
                    continue  # musl-dev, file: build-base, which every compiled build gets, depends on them
            if chosen in _COMPILER_VIRTUALS:
                languages.setdefault(_COMPILER_VIRTUALS[chosen], f"{label}, {cited}")
                continue
            renamed = f" (named {item.name} in the APKBUILD)" if chosen != item.name else ""
            picked = " (picked up when installed)" if chosen in picked_up or item.name in picked_up else ""
            needs.append(Need(chosen, BUILD, dist, (label + renamed + picked, cited)))
            needs += _runtime_named_by(dist, chosen, build, (label + renamed + picked, cited), table)
        if used.python:
            extra.append(
                "Python build tools in Alpine's makedepends (pip's build isolation supplies them, not apk): "
                + ", ".join(used.python)
            )
        if used.note:
            extra.append(f"aports note: {used.note}")
        if used.commit != build.commit and build.commit:
            extra.append(f"makedepends read at aports {used.commit[:12]}; the target's {build.package} was built at {build.commit[:12]}")
    elif bindings and aport is not None:
        extra.append(
            f"{build.package} is a Python binding subpackage of {aport.aport}, a C/C++ project: its makedepends "
            f"({len(aport.makedepends.split())} names) build the whole project and are not what a pip build of "
            f"{dist} needs; only the libraries the binding itself links (D:) are used"
        )
    if override is not None:
        for item in override.add:
            chosen = resolve_name(item.name, item.provides, providers)
            if chosen is None and absent_repository(item.repository, providers):
                needs.append(Need(item.name, BUILD, dist, (f"added: {item.name} (Alpine {item.repository}): {item.text}", overrides), missing=True))
                continue
            if chosen is None:
                problems.append(f"{dist}: {item.name} ({item.text}) is not in the target index, nor anything it provided; left out")
                continue
            renamed = f" (named {item.name} in build-overrides.toml)" if chosen != item.name else ""
            needs.append(Need(chosen, BUILD, dist, (f"added: {item.name}{renamed}: {item.text}", overrides)))
        if skipped or override.add:
            extra.append(f"{overrides}: {override.why}")
        if override.note:
            extra.append(override.note)
    if skipped:
        extra.append("left out (Alpine's build uses them, a plain pip build does not): " + "; ".join(skipped))
    for key, why in sorted(languages.items()):
        needs += _virtual_needs(dist, key, (key, why), virtuals, table)
    reasons = [f"build needs from {origin}"]
    upstream = apk_upstream(build.version)
    if version is not None and upstream != version:
        reasons.append(f"Alpine built {build.package} {upstream}; pip builds {dist} {version}: a different version may link differently")
    reasons += extra
    if match.unconfirmed:
        reasons.append("not used (unconfirmed match): " + "; ".join(match.unconfirmed))
    basis = "alpine"
    if unknown:
        basis = "unknown"
        reasons.insert(0, f"unknown: Alpine's build of {dist} links what no package explains: {'; '.join(unknown)}")
    return SourceNeeds(basis, tuple(_unique(needs)), bool(languages), tuple(reasons), tuple(problems))


def _compiler_brings(virtuals: Mapping[str, VirtualEntry], table: ProviderTable) -> frozenset[str]:
    """What the C compiler's package (build-base) brings, two steps deep (libc-dev -> musl-dev): never named again."""
    found: set[str] = set()
    frontier = [n.apk for n in _virtual_needs("", "compiler/c", (), virtuals, table) if n.kind == BUILD]
    for _ in range(2):
        frontier = [
            dependency.name for name in frontier for package in table.get(name, ())[:1]
            for dependency in package.depends if not dependency.conflict and dependency.name not in found
        ]
        found.update(frontier)
    return frozenset(found)


def _runtime_named_by(dist: str, dev_name: str, build, chain: tuple[str, ...], table: ProviderTable) -> list[Need]:
    """A makedepends -dev's library at run time, when Alpine's package depends on it by name (openblas)."""
    if not build.depends_by_name:
        return []
    return [
        need for need in _runtime_of_dev(dist, dev_name, chain, table)
        if need.apk in build.depends_by_name
    ]


def _covers(name: str, devs: list[str], providers: ProviderMap) -> bool:
    """Does package ``name`` depend (within three steps) on one of ``devs``?"""
    if not devs:
        return False
    wanted = set(devs)
    seen = {name}
    frontier = [name]
    for _ in range(3):
        following = []
        for current in frontier:
            for provider in providers.providers(current)[:1]:
                for dependency in provider.package.depends:
                    for candidate in providers.providers(dependency.name)[:1]:
                        package = candidate.package.name
                        if package in wanted:
                            return True
                        if package not in seen:
                            seen.add(package)
                            following.append(package)
        frontier = following
    return False


# ---------------------------------------------------------- observation ----


def _from_observation(
    dist: str, sdist: SdistEvidence, virtuals: Mapping[str, VirtualEntry], table: ProviderTable
) -> SourceNeeds:
    from apkneed.plan.sdist_inference import infer_needs  # its patterns load only for an sdist it reads

    inference = infer_needs(dist, sdist, table=table, virtuals=virtuals)
    if not inference.compiled and not inference.needs and not inference.unknown:
        return SourceNeeds(
            "pure", (), False,
            (f"pure Python: {sdist.filename} has no C, C++, Cython, Fortran or Rust sources, no compiled build "
             "and loads no library at run time; nothing from apk",),
        )
    reasons = list(inference.reasons)
    basis = "inferred"
    if inference.unknown:
        basis = "unknown"
        reasons.insert(0, f"unknown: no PEP 725 table, build knowledge or Alpine build for {dist}, and "
                          + "; ".join(inference.unknown))
    return SourceNeeds(basis, tuple(_unique(list(inference.needs))), inference.compiled, tuple(reasons), inference.problems)


def _unique(needs: list[Need]) -> list[Need]:
    seen: dict[tuple[str, str], Need] = {}
    for need in needs:
        seen.setdefault((need.apk, need.kind), need)
    return list(seen.values())
