"""What a set of apk packages adds on top of a base, as apk itself would solve it.

A plan's packages are never installed on an empty root: the base image's
world is there first. So each layer is two solves with
:func:`apkneed.alpine.solver.solve` (apk-tools' own rules): the world
``below``, then ``below + request``; what the second installs and the first
does not is what the layer adds, with apk's sizes (``S:`` download,
``I:`` installed). Layers stacked by :func:`layers` share their solves: the
world one layer ends with is the one the next starts from, solved once.

For every added package the layer also says what pulled it in: the first
installed package (in a breadth-first walk from the request, in request
order) one of whose dependencies it provides. That is the last link of the
chains ``apkneed why`` prints (``libgfortran ← so:libgfortran.so.5 ← openblas``).

A request apk would refuse does not raise: the layer carries the solver's
one-line reason instead, so a plan still reports everything else.

API::

    layer(providers, below, request) -> Layer
    layers(providers, below, *requests) -> tuple[Layer, ...]   # each on top of the ones before
"""

from __future__ import annotations

from collections import deque
from typing import Sequence

from apkneed.alpine.package import Package
from apkneed.alpine.providers import ProviderMap
from apkneed.alpine.solver import SolverError
from apkneed.alpine.sources.kept_answers import solve_kept
from apkneed.errors import InputError
from apkneed.plan.model import ClosureEntry, Layer


def layer(providers: ProviderMap, below: Sequence[str], request: Sequence[str]) -> Layer:
    return layers(providers, below, request)[0]


def layers(providers: ProviderMap, below: Sequence[str], *requests: Sequence[str]) -> tuple[Layer, ...]:
    """One layer per request, each on top of ``below`` and the requests before it."""
    solved: dict[tuple[str, ...], tuple[Package, ...] | Exception] = {}  # world -> its installs, or apk's refusal

    def installs(world: tuple[str, ...]) -> tuple[Package, ...]:
        if world not in solved:
            try:
                solved[world] = solve_kept(providers, list(world)).installs if world else ()
            except (SolverError, InputError) as exc:
                solved[world] = exc
        found = solved[world]
        if isinstance(found, Exception):
            raise found
        return found

    result = []
    below = tuple(dict.fromkeys(below))
    for request in requests:
        request = tuple(name for name in dict.fromkeys(request) if name not in below)
        try:
            base = installs(below)
            full = installs((*below, *request))
        except (SolverError, InputError) as exc:
            result.append(Layer(below, request, (), error=str(exc)))
        else:
            result.append(_layer(below, request, base, full))
        below = (*below, *request)
    return tuple(result)


def _layer(below: tuple[str, ...], request: tuple[str, ...], base: Sequence[Package], full: Sequence[Package]) -> Layer:
    """What ``full`` installs that ``base`` does not, each with what pulled it in."""
    present = {id(p) for p in base}
    parents = _parents(full, [*below, *request])
    added = []
    for package in full:
        if id(package) in present:
            continue
        parent, atom = parents.get(package.name, (None, None))
        added.append(
            ClosureEntry(
                name=package.name, version=package.version, size=package.size,
                installed_size=package.installed_size, requested=package.name in request or _provides_any(package, request),
                parent=parent, atom=atom,
            )
        )
    return Layer(below, request, tuple(added))


def _provides_any(package: Package, names: Sequence[str]) -> bool:
    wanted = set(names)
    return any(provide.name in wanted for provide in package.provides)


def _parents(installed: Sequence[Package], roots: Sequence[str]) -> dict[str, tuple[str | None, str | None]]:
    """package name -> (the package that pulled it in, the dependency) by a BFS from the roots."""
    by_name: dict[str, Package] = {}
    for package in installed:
        by_name.setdefault(package.name, package)
        for provide in package.provides:
            by_name.setdefault(provide.name, package)
    parents: dict[str, tuple[str | None, str | None]] = {}
    queue: deque[Package] = deque()
    for root in roots:
        package = by_name.get(root)
        if package is not None and package.name not in parents:
            parents[package.name] = (None, root)
            queue.append(package)
    while queue:
        package = queue.popleft()
        for dependency in package.depends:
            if dependency.conflict:
                continue
            child = by_name.get(dependency.name)
            if child is None or child.name in parents:
                continue
            parents[child.name] = (package.name, dependency.name)
            queue.append(child)
    for package in installed:
        if package.name not in parents and package.install_if:
            parents[package.name] = (None, "install_if " + " ".join(d.name for d in package.install_if))
    return parents
