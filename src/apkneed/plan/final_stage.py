"""What the final stage of a planned image holds, as apk's solver computes it, and who pulled whom.

The final stage is the base image's world plus the plan's run-time request
(the build layer lives in the builder stage only). Its apk packages are one
solve of that world (:func:`apkneed.alpine.solver.solve`, apk-tools' rules),
the same solve :mod:`apkneed.plan.closure` makes for the run-time layer.

The graph, for an SBOM:

* apk -> apk: each installed package's ``D:`` dependencies, to the installed
  package that satisfies each (by name or by a provided name such as
  ``so:libz.so.1``);
* distribution -> apk: the plan's run-time needs (an ELF ``NEEDED`` soname's
  provider, an Alpine build record, a PEP 725 line), each with its first link;
* distribution -> distribution: the resolver's ``requested_by``.

API::

    final_image(plan, providers) -> FinalImage
    apk_dependency_edges(installed) -> dict[str, tuple[str, ...]]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from apkneed.alpine.package import Package
from apkneed.alpine.providers import ProviderMap
from apkneed.alpine.sources.kept_answers import solve_kept
from apkneed.plan.model import RUNTIME, Plan


@dataclass(frozen=True)
class FinalImage:
    apk: tuple[Package, ...]  # the final stage's installed packages, in apk's order
    apk_edges: dict[str, tuple[str, ...]]  # package -> the installed packages its dependencies resolve to
    world: tuple[str, ...]  # the atoms asked for: base world + run-time request
    #: distribution -> (apk package, the first link of its evidence, e.g. "so:libz.so.1")
    dist_apk_edges: dict[str, tuple[tuple[str, str], ...]]


def final_image(plan: Plan, providers: ProviderMap) -> FinalImage:
    world = tuple(dict.fromkeys((*plan.runtime_layer.below, *plan.runtime_layer.request)))
    installed = solve_kept(providers, list(world)).installs if world else ()
    edges: dict[str, list[tuple[str, str]]] = {}
    for need in plan.needs:
        if need.kind == RUNTIME and need.dist is not None:
            link = need.chain[0] if need.chain else ""
            pair = (need.apk, link)
            if pair not in edges.setdefault(need.dist, []):
                edges[need.dist].append(pair)
    return FinalImage(
        tuple(installed), apk_dependency_edges(installed), world,
        {dist: tuple(pairs) for dist, pairs in edges.items()},
    )


def apk_dependency_edges(installed: Iterable[Package]) -> dict[str, tuple[str, ...]]:
    """Each package's dependencies, as the names of the installed packages that satisfy them."""
    installed = list(installed)
    by_name: dict[str, str] = {}
    for package in installed:
        by_name.setdefault(package.name, package.name)
    for package in installed:
        for provide in package.provides:
            by_name.setdefault(provide.name, package.name)
    edges = {}
    for package in installed:
        targets = []
        for dependency in package.depends:
            if dependency.conflict:
                continue
            target = by_name.get(dependency.name)
            if target is not None and target != package.name and target not in targets:
                targets.append(target)
        edges[package.name] = tuple(targets)
    return edges
