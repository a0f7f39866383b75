"""The apk world of each stage's release, and what to do when it cannot be had.

``check`` meets many releases in one file (``python:3.12-alpine3.19`` here,
``alpine:3.21`` there). Each (release, arch) is loaded once through the
caller's loader (the same sources as every command: ``--index``, the mirror,
the cache, the embedded snapshot). When the release cannot be loaded, the
check does not fail: index-dependent findings use the nearest release the
embedded snapshot has for the arch, with a warning, and say so in their
evidence; with no embedded release for the arch they are "unknown".

API::

    WorldBook(load, warn).get(release, arch) -> WorldChoice
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from apkneed.alpine.sources.release import release_sort_key
from apkneed.errors import ApkneedError, IntegrityError


@dataclass(frozen=True)
class WorldChoice:
    world: object | None  # an AlpineWorld
    release: str | None  # the release really loaded
    fallback_note: str | None = None  # "v3.19 could not be loaded (...); using v3.21, the nearest embedded"
    problem: str | None = None  # why there is no world at all


class WorldBook:
    def __init__(self, load: Callable[[str | None, str], object], *, embedded: Callable[[str], tuple[str, ...]] | None = None,
                 warn: Callable[[str], None] = lambda message: None) -> None:
        self._load = load
        self._embedded = embedded or embedded_releases
        self._warn = warn
        self._memo: dict[tuple[str | None, str], WorldChoice] = {}

    def get(self, release: str | None, arch: str) -> WorldChoice:
        key = (release, arch)
        if key not in self._memo:
            self._memo[key] = self._choose(release, arch)
        return self._memo[key]

    def _choose(self, release: str | None, arch: str) -> WorldChoice:
        try:
            world = self._load(release, arch)
        except IntegrityError:
            raise  # a tampered index is never replaced by another source
        except ApkneedError as exc:
            reason = str(exc)
        else:
            return WorldChoice(world, getattr(world, "release", None) or release)
        nearest = nearest_release(release, self._embedded(arch))
        if nearest is None:
            return WorldChoice(None, None, problem=f"no Alpine index for {release or 'latest-stable'} {arch}: {reason}")
        note = (f"Alpine {release or 'latest-stable'} {arch} could not be loaded ({reason}); index-dependent "
                f"findings use {nearest}, the nearest embedded release")
        try:
            world = self._load(nearest, arch)
        except ApkneedError as exc:
            return WorldChoice(None, None, problem=f"{note}, which failed too ({exc})")
        self._warn(note)
        return WorldChoice(world, nearest, fallback_note=note)


def embedded_releases(arch: str) -> tuple[str, ...]:
    from apkneed.alpine.sources.snapshot import read_manifest

    return tuple(sorted({e.release for e in read_manifest() if e.arch == arch}, key=release_sort_key))


def nearest_release(release: str | None, candidates: tuple[str, ...]) -> str | None:
    """The candidate closest to ``release`` by minor version (the newer one on a tie); the newest for None."""
    if not candidates:
        return None
    numbered = [c for c in candidates if _minor(c) is not None]
    if release is None or _minor(release) is None or not numbered:
        return max(candidates, key=release_sort_key)
    wanted = _minor(release)
    return min(numbered, key=lambda c: (abs(_minor(c) - wanted), -_minor(c)))


def _minor(release: str) -> int | None:
    parts = release.lstrip("v").split(".")
    if len(parts) == 2 and parts[0] == "3" and parts[1].isdigit():
        return int(parts[1])
    return None
