"""The planning step: gathered facts in, a :class:`~apkneed.plan.model.Plan` out. Pure.

For every distribution: its route (:mod:`apkneed.plan.routes`) and the apk
packages that route needs, each with its evidence (a :class:`Need`):

* **wheel**: the providers (``so:`` provides of the index) of the sonames its
  ELF files need and do not vendor; no build packages.
* **apk**: the ``py3-*`` package; apk's solver pulls in the rest.
* **source**: :func:`apkneed.plan.source.source_needs`, plus ``python3-dev``
  for a compiled build on an Alpine-python base (a ``python:`` image has its
  headers in ``/usr/local/include``).

On an Alpine-python base the plan itself needs ``python3`` at run time.
Then the apk closure: what the runtime packages add on top of the base
image's world, and what the build packages add on top of that
(:mod:`apkneed.plan.closure`). Names the index lacks are kept in the answer,
marked missing, and left out of the solves.

API::

    make_plan(facts, *, providers, virtuals, alpine_data=None) -> Plan
    marker_environment(target) -> dict[str, str]
"""

from __future__ import annotations

from typing import Callable, Mapping

from apkneed.alpine.providers import ProviderMap
from apkneed.plan.apkmatch import find_alpine_packages
from apkneed.plan.blas_verdict import blas_verdicts
from apkneed.plan.closure import layers
from apkneed.plan.facts import DistFacts, PlanFacts
from apkneed.plan.alpinebuilds import preferred_provider
from apkneed.plan.alpinedata import AlpineData, match_build
from apkneed.plan.lazy import LazyMapping
from apkneed.plan.model import BUILD, RUNTIME, Need, PackagePlan, Plan
from apkneed.plan.pep725 import ProviderTable, VirtualEntry, alpine_marker_environment, provider_table
from apkneed.plan.routes import decide_route
from apkneed.plan.source import source_needs
from apkneed.plan.target import PlanTarget
from apkneed.python.tags import wheel_arch

PYTHON_APK = "python3"
PYTHON_DEV_APK = "python3-dev"


def make_plan(
    facts: PlanFacts,
    *,
    providers: ProviderMap,
    virtuals: Mapping[str, VirtualEntry],
    alpine_data: AlpineData | Callable[[], AlpineData] | None = None,
) -> Plan:
    target = facts.target
    table = provider_table(providers)  # the source rules read the same name table
    environment = LazyMapping(lambda: marker_environment(target))  # only PEP 725 markers read it
    packages: list[PackagePlan] = []
    needs: list[Need] = []
    warnings: list[str] = list(facts.notes)
    if facts.apk_resolution_problem:
        warnings.append(facts.apk_resolution_problem)
    if target.python_from_apk:
        needs.append(Need(PYTHON_APK, RUNTIME, None, ("the Python interpreter", f"base {target.image}: Python comes from apk")))
    for dist in facts.dists:
        package, dist_needs = _plan_one(dist, facts, providers, table, virtuals, environment, alpine_data)
        packages.append(package)
        needs += dist_needs
        warnings += package.problems
        if package.forced_route_failed or package.route is None:
            warnings.append(package.reasons[0])
        if package.unknown:
            found = ", ".join(package.build_apk) or "nothing"
            first = next((r for r in package.reasons if r.startswith("unknown")), package.reasons[-1])
            warnings.append(f"{package.name} {package.version}: {first} (found so far: {found})")
    packages = _with_blas_verdicts(packages, facts, providers)
    needs = [need for need in needs if not (need.kind == BUILD and _is_runtime_need(need.apk, needs))]
    missing = tuple(sorted({need.apk for need in needs if need.missing or need.apk not in providers}))
    runtime = _names(needs, RUNTIME)
    build = _names(needs, BUILD)
    base = facts.base.atoms
    runtime_layer, build_layer = layers(
        providers, base, [n for n in runtime if n not in missing], [n for n in build if n not in missing]
    )
    for name in missing:
        # A missing package is a negative answer (exit 1), and it may only be
        # missing from what was searched: say which repositories were, and
        # which were asked for but absent (community, offline).
        needed_by = sorted({need.dist or "the plan" for need in needs if need.apk == name})
        warnings.append(f"{name}: no such package {target.scope()} (needed by {', '.join(needed_by)})")
    for current in (runtime_layer, build_layer):
        if current.error:
            warnings.append(f"apk would refuse {' '.join(current.request)}: {current.error}")
    return Plan(
        target=target,
        route_policy=facts.route_policy,
        packages=tuple(packages),
        runtime_apk=runtime,
        build_apk=build,
        needs=tuple(needs),
        base_world=base,
        runtime_layer=runtime_layer,
        build_layer=build_layer,
        missing=missing,
        warnings=tuple(dict.fromkeys(warnings)),
        sources=facts.base.sources,
        notes=facts.base.notes,
    )


def marker_environment(target: PlanTarget) -> dict[str, str]:
    """PEP 508 marker values of the target, for PEP 725 markers."""
    env = alpine_marker_environment()
    env.update(python_version=target.python, platform_machine=wheel_arch(target.arch))
    if not env.get("python_full_version", "").startswith(target.python + "."):
        env["python_full_version"] = target.python + ".0"
    return env


def _with_blas_verdicts(packages: list[PackagePlan], facts: PlanFacts, providers: ProviderMap) -> list[PackagePlan]:
    """Each distribution that calls a BLAS gets the verdict of its route (plan.blas_verdict)."""
    wheels = {dist.name: dist.wheel.blas for dist in facts.dists if dist.wheel is not None}
    verdicts = blas_verdicts(packages, wheels, providers=providers, arch=facts.target.arch)
    return [p.replace(blas=verdicts[p.name]) if p.name in verdicts else p for p in packages]


def _is_runtime_need(name: str, needs: list[Need]) -> bool:
    # A package needed at run time is installed for good: listing it again
    # among the build packages would make `apk del .build-deps` remove it.
    return any(need.apk == name and need.kind == RUNTIME for need in needs)


def _names(needs: list[Need], kind: str) -> tuple[str, ...]:
    return tuple(sorted({need.apk for need in needs if need.kind == kind}))


def _plan_one(
    dist: DistFacts,
    facts: PlanFacts,
    providers: ProviderMap,
    table: ProviderTable,
    virtuals: Mapping[str, VirtualEntry],
    environment: Mapping[str, str],
    alpine_data: AlpineData | Callable[[], AlpineData] | None,
) -> tuple[PackagePlan, list[Need]]:
    target = facts.target
    candidates = (
        find_alpine_packages(dist.name, dist.import_names, target.python, providers) if target.python_from_apk else ()
    )
    decision = decide_route(
        dist, policy=facts.route_policy, python_from_apk=target.python_from_apk, candidates=candidates,
        searched=target.scope(),
    )
    reasons = list(decision.reasons)
    problems: list[str] = []
    needs: list[Need] = []
    unprovided: tuple[str, ...] = ()
    file = dist.file
    summary = "nothing installs it"
    evidence: list[tuple[str, object]] = []
    unknown = False
    if decision.route == "wheel":
        needs, problems, unprovided = _wheel_needs(dist, providers, target)
        summary = _wheel_summary(dist)
        if dist.wheel is not None:
            evidence = [
                ("elf_objects", dist.wheel.elf_objects),
                ("vendored", list(dist.wheel.vendored)),
                ("external", [{"soname": e.soname, "needed_by": list(e.needed_by)} for e in dist.wheel.external]),
            ]
    elif decision.route == "apk":
        match = decision.apk
        assert match is not None
        file = match.nv
        summary = f"Alpine's {match.package} ({match.via})"
        needs = [Need(match.package, RUNTIME, dist.name, (f"route apk ({dist.name}=={dist.pin.version} satisfied by {match.nv})",))]
    elif decision.route == "source":
        if dist.sdist is not None:
            file = dist.sdist.filename
        if dist.sdist_problem:
            problems.append(f"{dist.name}: {dist.sdist_problem}")
        data = alpine_data() if callable(alpine_data) else alpine_data  # loaded only for a source build
        alpine = match_build(
            dist.name, dist.import_names, dist.sdist.project_urls if dist.sdist is not None else (), providers, data
        )
        source = source_needs(
            dist.name, dist.sdist, virtuals=virtuals, table=table, environment=environment,
            alpine=alpine, data=data, providers=providers, version=dist.pin.version,
        )
        unknown = source.basis == "unknown"
        needs = list(source.needs)
        evidence = [("basis", source.basis)]
        if dist.sdist is not None:
            reasons.append(_build_system(dist.sdist))
            evidence += [
                ("sdist", dist.sdist.filename),
                ("build_backend", dist.sdist.build_backend),
                ("languages", {language: count for language, count in dist.sdist.languages}),
                ("markers", list(dist.sdist.markers)),
                ("pep725_external", dist.sdist.external is not None),
            ]
        reasons += source.reasons
        summary = _SOURCE_SUMMARY[source.basis]
        problems += source.problems
        if source.compiled and target.python_from_apk:
            needs.append(
                Need(PYTHON_DEV_APK, BUILD, dist.name, (
                    "Python.h for a compiled extension", f"source build of {dist.name}",
                    f"base {target.image}: the headers of apk's python3 are in python3-dev",
                ))
            )
    package = PackagePlan(
        name=dist.name,
        version=dist.pin.version,
        route=decision.route,
        file=file,
        runtime_apk=tuple(sorted({n.apk for n in needs if n.kind == RUNTIME})),
        build_apk=tuple(sorted({n.apk for n in needs if n.kind == BUILD})),
        reasons=tuple(reasons),
        direct=dist.pin.direct,
        requested_by=dist.pin.requested_by,
        problems=tuple(problems),
        forced_route_failed=decision.forced_failed,
        unknown=unknown,
        unprovided=unprovided,
        summary=("forced route impossible; " if decision.forced_failed else "") + summary,
        evidence=tuple(evidence),
    )
    return package, needs


def _wheel_needs(
    dist: DistFacts, providers: ProviderMap, target: PlanTarget
) -> tuple[list[Need], list[str], tuple[str, ...]]:
    """The wheel's apk needs, its problems, and the sonames no package provides."""
    wheel = dist.wheel
    unprovided: list[str] = []
    if wheel is None:
        return [], [f"{dist.name}: the wheel was not inspected"], ()
    needs: list[Need] = []
    problems = _grouped_errors(dist.name, wheel.filename, wheel.problems)
    for external in wheel.external:
        found = providers.providers(f"so:{external.soname}")
        shown = external.needed_by[0] + (f" (+{len(external.needed_by) - 1} more)" if len(external.needed_by) > 1 else "")
        if not found:
            problems.append(
                f"{dist.name}: no package provides so:{external.soname} {target.scope()} (needed by {shown})"
            )
            unprovided.append(external.soname)
            continue
        package = _preferred(found)
        needs.append(Need(package, RUNTIME, dist.name, (f"so:{external.soname}", f"{shown} NEEDED", wheel.filename)))
    loads: dict[str, list] = {}
    for clue in wheel.runtime_loads:
        loads.setdefault(clue.name, []).append(clue)
    found_any = False
    for name, clues in loads.items():
        soname = runtime_soname(name, providers)
        if soname is None:
            continue
        found_any = True
        where = clues[0].where.removeprefix("wheel/")
        needs.append(Need(_preferred(providers.providers(soname)), RUNTIME, dist.name,
                          (soname, f"loaded at run time ({where})", wheel.filename)))
    if loads and not found_any:
        names = ", ".join(sorted(loads))
        problems.append(f"{dist.name}: its Python code loads {names} at run time and no package provides it {target.scope()}")
    return needs, problems, tuple(unprovided)


def runtime_soname(name: str, providers: ProviderMap) -> str | None:
    """``magic`` -> ``so:libmagic.so.1``: the index's so: name for a library loaded by name."""
    stem = name if name.startswith("lib") else f"lib{name}"
    for candidate in (f"so:{stem}.so.1", f"so:{stem}.so"):
        if providers.providers(candidate):
            return candidate
    matches = sorted(n for n in providers.names() if n.startswith(f"so:{stem}.so"))
    return matches[0] if matches else None


def _build_system(sdist) -> str:
    """How pip builds the sdist: its PEP 517 backend, as its pyproject.toml says."""
    backend = sdist.build_backend or "setuptools' legacy setup.py (no build-backend in pyproject.toml)"
    setup = "has a setup.py" if sdist.has_setup_py else "has no setup.py"
    requires = ", ".join(sdist.build_requires) or "nothing declared"
    return f"{sdist.filename} builds with {backend} (requires {requires}); it {setup}"


_SOURCE_SUMMARY = {
    "pep725": "sdist; needs from its PEP 725 [external]",
    "alpine": "sdist; needs from Alpine's own build",
    "inferred": "sdist; needs inferred from its build files",
    "pure": "sdist; pure Python, nothing from apk",
    "unknown": "sdist; UNKNOWN: see the warning",
}


def _wheel_summary(dist: DistFacts) -> str:
    filename = dist.file or ""
    if filename.endswith("-none-any.whl"):
        return "pure-Python wheel"
    platform = filename[:-4].rsplit("-", 1)[-1].split(".")[0]
    family = "_".join(platform.split("_")[:3]) if platform.startswith("musllinux_") else platform
    wheel = dist.wheel
    parts = [f"{family} wheel"]
    if wheel is not None and wheel.vendored:
        parts.append(f"vendors {len(wheel.vendored)} librar{'y' if len(wheel.vendored) == 1 else 'ies'}")
    if wheel is not None and wheel.external:
        parts.append("needs " + " ".join(f"so:{e.soname}" for e in wheel.external))
    return ", ".join(parts)


def _grouped_errors(dist: str, filename: str, problems) -> list[str]:
    """One line per kind of ELF error: a wheel can have dozens of objects flagged alike.

    The route stays "wheel" (pip installs it whatever apkneed thinks of its
    ELF files); the problem is reported for the user to judge.
    """
    by_code: dict[str, list[str]] = {}
    for severity, code, message in problems:
        if severity == "error":
            by_code.setdefault(code, []).append(message)
    lines = []
    for code, messages in by_code.items():
        more = f" (and {len(messages) - 1} more object{'s' if len(messages) > 2 else ''})" if len(messages) > 1 else ""
        lines.append(f"{dist}: the ELF check of {filename} reports {code}: {messages[0]}{more}")
    return lines


def _preferred(found) -> str:
    return preferred_provider(found).name
