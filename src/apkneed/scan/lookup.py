"""Which apk packages provide a soname: ``so:<soname>`` in the index's name table.

The name table is :class:`apkneed.alpine.providers.ProviderMap` (apk's own,
shared with the solver). The package to put on an ``apk add`` line, when
several provide a name, is the one with the highest provider priority
(``k:``), then the shortest name, then alphabetical: what a person would
pick, and what apk itself prefers when priorities differ.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from apkneed.alpine.package import Package

if TYPE_CHECKING:  # the name table is built by the caller, only when needed
    from apkneed.alpine.providers import ProviderMap

SO_PREFIX = "so:"


def so_providers(providers: ProviderMap, sonames: Iterable[str]) -> dict[str, tuple[Package, ...]]:
    """For each soname, the packages providing ``so:<soname>`` (one per name, best first)."""
    out: dict[str, tuple[Package, ...]] = {}
    for soname in sonames:
        by_name: dict[str, Package] = {}
        for provider in providers.providers(SO_PREFIX + soname):
            by_name.setdefault(provider.package.name, provider.package)
        out[soname] = tuple(sorted(by_name.values(), key=preference))
    return out


def preference(package: Package) -> tuple:
    return (-(package.provider_priority or 0), len(package.name), package.name)
