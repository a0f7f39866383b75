"""Which apk packages provide a soname: ``so:<soname>`` in ``p:`` lines.

A deliberately small stand-in for :mod:`apkneed.alpine.providers` (the full
name table the solver uses), so that the scan depends only on plain
``Package`` records; swapping it for ``ProviderMap.providers("so:" + name)``
changes nothing here but the loop.

The package to put on an ``apk add`` line, when several provide a name, is
the one with the highest provider priority (``k:``), then the shortest name,
then alphabetical: what a person would pick, and what apk itself prefers when
priorities differ.
"""

from __future__ import annotations

from typing import Iterable

from apkneed.alpine.package import Package

SO_PREFIX = "so:"


def so_providers(packages: Iterable[Package], sonames: Iterable[str]) -> dict[str, tuple[Package, ...]]:
    """For each soname, the packages providing ``so:<soname>`` (one per name, best first)."""
    wanted = {SO_PREFIX + s: s for s in sonames}
    found: dict[str, dict[str, Package]] = {s: {} for s in wanted.values()}
    if not wanted:
        return {}
    for package in packages:
        for provide in package.provides:
            soname = wanted.get(provide.name)
            if soname is not None:
                found[soname].setdefault(package.name, package)
    return {soname: tuple(sorted(by_name.values(), key=preference)) for soname, by_name in found.items()}


def preference(package: Package) -> tuple:
    return (-(package.provider_priority or 0), len(package.name), package.name)
