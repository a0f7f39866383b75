"""Facts read from an Alpine package world, for the rest of apkneed.

Pure functions over a world's packages (an :class:`AlpineWorld`, or any
iterable of :class:`Package`). Every answer comes from the index itself,
never from a table of "release X ships Python Y": a table goes stale, the
index cannot.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from functools import cmp_to_key
from typing import Iterable, Protocol, Union

from apkneed.alpine.package import Package
from apkneed.alpine.version import compare
from apkneed.errors import InputError


class HasPackages(Protocol):
    @property
    def packages(self) -> Iterable[Package]: ...


World = Union[HasPackages, Iterable[Package]]

_LEADING_NUMBERS_RE = re.compile(r"^(\d+(?:\.\d+)*)")


def _packages_of(world: World) -> Iterable[Package]:
    packages = getattr(world, "packages", None)
    return world if packages is None else packages  # type: ignore[return-value]


def package_versions(world: World, name: str) -> tuple[str, ...]:
    """Every distinct version of package ``name`` in the world, in index order."""
    seen: dict[str, None] = {}
    for package in _packages_of(world):
        if package.name == name:
            seen.setdefault(package.version, None)
    return tuple(seen)


def release_numbers(version: str) -> tuple[int, ...]:
    """The leading numeric release of an apk version: ``3.10.8-r0`` -> (3, 10, 8)."""
    match = _LEADING_NUMBERS_RE.match(version)
    if not match:
        raise InputError(f"apk version {version!r} does not start with a number")
    return tuple(int(part) for part in match.group(1).split("."))


def newest_version(world: World, name: str) -> str:
    """The highest version of package ``name`` by apk's ordering: the one
    ``apk add name`` installs when nothing else constrains it."""
    versions = package_versions(world, name)
    if not versions:
        raise InputError(f"the Alpine index has no {name!r} package")
    return max(versions, key=cmp_to_key(compare))


def _newest_release(world: World, name: str) -> tuple[int, ...]:
    return release_numbers(newest_version(world, name))


def python_version(world: World) -> str:
    """``"3.10"``: the major.minor of the ``python3`` package the world ships."""
    numbers = _newest_release(world, "python3")
    if len(numbers) < 2:
        raise InputError(f"python3 version {'.'.join(map(str, numbers))} has no minor version")
    return f"{numbers[0]}.{numbers[1]}"


def musl_version(world: World) -> tuple[int, ...]:
    """``(1, 2, 3)``: the release of the ``musl`` package the world ships."""
    return _newest_release(world, "musl")


def newest_build_date(world: World) -> str | None:
    """The newest package build time (``t:``) as an ISO date, UTC; None if none."""
    newest = max((p.build_time for p in _packages_of(world) if p.build_time), default=None)
    if newest is None:
        return None
    return datetime.fromtimestamp(newest, tz=timezone.utc).date().isoformat()


#: the packages whose versions describe a release's Python toolchain
TOOLCHAIN = ("python3", "py3-pip", "gcc", "musl")


def toolchain_versions(world: World) -> dict[str, str | None]:
    """``{"python3": "3.12.9-r0", "py3-pip": "24.3.1-r0", "gcc": ..., "musl": ...}``
    from the world's own index; None for a package it does not have (py3-pip
    lives in community up to v3.21 and in main from v3.23)."""
    found: dict[str, str | None] = {}
    for name in TOOLCHAIN:
        try:
            found[name] = newest_version(world, name)
        except InputError:
            found[name] = None
    return found
