"""What apkneed's cache holds, and taking it back: ``apkneed cache info|clean`` and size-bounded eviction.

Same floor as :mod:`apkneed.cache` (it imports nothing above it). The cache
root holds one directory per area (``alpine``: parsed copies and verified
signature records of indexes; ``pypi``: project pages, core metadata and,
with ``--keep-wheels``, whole files; ``plan``: evidence and facts keyed by a
file's sha256, and past resolutions; ``uv``: uv's own cache, written by
versions before uv read the index through apkneed; ``notices``).
Everything there can be rebuilt from its source, so removing any file is
safe: a later run that needs it reads or downloads it again.

Eviction keeps the cache under a size limit, :data:`DEFAULT_LIMIT` (500 MiB)
unless ``$APKNEED_CACHE_LIMIT`` says otherwise (bytes, or with a K/M/G
suffix; ``0`` switches eviction off). The files used longest ago go first
(last use is the later of a file's access and modification times, so a
cache on a ``noatime`` mount falls back to when a file was written). uv's
directory is never evicted or cleaned file by file (uv keeps its own
layout and locks in it): it is one unit, last used when its newest file
was, removed whole by ``--all``, by ``--older-than`` when all of it is
older, and by eviction in its turn among the files. apkneed no longer
writes it (uv resolves through :mod:`apkneed.python.local_index` with
``--no-cache``), so a ``uv/`` left by an earlier version goes the same way
as any file not used since.

Symbolic links are never followed: a link is removed as a link.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from apkneed.cache import DEFAULT_LIMIT, EVICTION_STAMP, eviction_due, mark_trimmed, walk_files
from apkneed.errors import InputError

#: areas whose files are managed by someone else (uv): counted, removed only whole
OPAQUE_AREAS = frozenset({"uv"})

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?\s*$", re.IGNORECASE)
_AGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$", re.IGNORECASE)
_AGE_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_size(text: str) -> int:
    """``500M``, ``2G``, ``1048576`` -> bytes (binary multiples)."""
    match = _SIZE.match(text)
    if not match:
        raise InputError(f"not a size: {text!r} (say e.g. 500M, 2G or a number of bytes)")
    number, unit = match.groups()
    return int(float(number) * 1024 ** " KMGT".index(unit.upper() or " "))


def parse_age(text: str) -> float:
    """``30d``, ``12h``, ``2w`` -> seconds."""
    match = _AGE.match(text)
    if not match:
        raise InputError(f"not an age: {text!r} (say e.g. 30d, 12h, 2w, 90m or 45s)")
    number, unit = match.groups()
    return float(number) * _AGE_UNITS[unit.lower()]


def cache_limit(environ: dict[str, str] | None = None) -> int:
    """The size limit: ``$APKNEED_CACHE_LIMIT`` when set, else :data:`DEFAULT_LIMIT`."""
    value = (os.environ if environ is None else environ).get("APKNEED_CACHE_LIMIT", "").strip()
    return parse_size(value) if value else DEFAULT_LIMIT


@dataclass(frozen=True)
class CachedFile:
    path: Path
    area: str
    size: int
    last_use: float


@dataclass(frozen=True)
class AreaUsage:
    name: str
    files: int
    bytes: int
    oldest: float | None
    newest: float | None


def cached_files(root: Path) -> list[CachedFile]:
    """Every file in the cache, with its area (the first directory under ``root``)."""
    out = []
    for text, info in walk_files(root):
        path = Path(text)
        relative = path.relative_to(root).parts
        area = relative[0] if len(relative) > 1 else "."
        if relative == (EVICTION_STAMP,):
            continue
        out.append(CachedFile(path, area, info.st_size, max(info.st_atime, info.st_mtime)))
    return out


def usage(root: Path) -> list[AreaUsage]:
    """Files and bytes per area, sorted by area name."""
    areas: dict[str, list[CachedFile]] = {}
    for file in cached_files(root):
        areas.setdefault(file.area, []).append(file)
    return [
        AreaUsage(name, len(files), sum(f.size for f in files),
                  min(f.last_use for f in files), max(f.last_use for f in files))
        for name, files in sorted(areas.items())
    ]


def _remove(file: CachedFile) -> bool:
    try:
        os.unlink(file.path)
    except FileNotFoundError:
        return False  # another run removed it first
    except OSError:
        return False  # not ours to remove
    return True


def _prune_empty_dirs(root: Path) -> None:
    for directory, _, _ in sorted(os.walk(root), key=lambda entry: -len(entry[0])):
        if Path(directory) != root:
            try:
                os.rmdir(directory)
            except OSError:
                pass  # not empty, or in use


@dataclass(frozen=True)
class Removal:
    files: int
    bytes: int


def _opaque_units(root: Path, files: list[CachedFile]) -> list[CachedFile]:
    """Each opaque area as one unit: its path, total size and newest use (uv's own files are never picked apart)."""
    units = []
    for area in sorted(OPAQUE_AREAS):
        members = [f for f in files if f.area == area]
        if members:
            units.append(CachedFile(root / area, area, sum(f.size for f in members), max(f.last_use for f in members)))
    return units


def _remove_opaque(root: Path, unit: CachedFile, files: list[CachedFile]) -> Removal:
    members = [f for f in files if f.area == unit.area]
    shutil.rmtree(root / unit.area, ignore_errors=True)
    gone = [f for f in members if not os.path.lexists(f.path)]
    return Removal(len(gone), sum(f.size for f in gone))


def clean(root: Path, *, older_than: float | None = None, everything: bool = False, now: float | None = None) -> Removal:
    """Remove files not used for ``older_than`` seconds, or (``everything``) the whole cache.

    uv's directory goes whole: with ``everything``, or when none of it was used for ``older_than``.
    """
    if older_than is None and not everything:
        raise InputError("say what to clean: --older-than AGE or --all")
    now = time.time() if now is None else now
    removed = Removal(0, 0)
    files = cached_files(root)
    for file in files:
        if file.area in OPAQUE_AREAS:
            continue
        if everything or file.last_use < now - older_than:
            if _remove(file):
                removed = Removal(removed.files + 1, removed.bytes + file.size)
    for unit in _opaque_units(root, files):
        if everything or unit.last_use < now - older_than:
            gone = _remove_opaque(root, unit, files)
            removed = Removal(removed.files + gone.files, removed.bytes + gone.bytes)
    _prune_empty_dirs(root)
    return removed


def evict(root: Path, limit: int) -> Removal:
    """Remove what was used longest ago until the cache is at most ``limit`` bytes (uv's directory as one unit)."""
    files = cached_files(root)
    total = sum(f.size for f in files)
    removed = Removal(0, 0)
    if limit <= 0 or total <= limit:
        return removed
    candidates = [f for f in files if f.area not in OPAQUE_AREAS] + _opaque_units(root, files)
    for file in sorted(candidates, key=lambda f: f.last_use):
        if total <= limit:
            break
        if file.area in OPAQUE_AREAS:
            gone = _remove_opaque(root, file, files)
            total -= gone.bytes
            removed = Removal(removed.files + gone.files, removed.bytes + gone.bytes)
        elif _remove(file):
            total -= file.size
            removed = Removal(removed.files + 1, removed.bytes + file.size)
    _prune_empty_dirs(root)
    return removed


def evict_now_and_then(root: Path, *, limit: int | None = None, now: float | None = None) -> Removal | None:
    """:func:`evict` at most once per :data:`apkneed.cache.EVICTION_INTERVAL` (a command that wrote to the cache calls this); None when skipped."""
    now = time.time() if now is None else now
    if not eviction_due(root, now):
        return None
    limit = cache_limit() if limit is None else limit
    removed = evict(root, limit)
    mark_trimmed(root, now)
    return removed
