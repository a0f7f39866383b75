"""The Alpine package world a command works against: which indexes, from where.

This is the one place that decides where package data comes from, in this
order of precedence:

1. ``--index PATH`` (repeatable): an ``APKINDEX.tar.gz``/``APKINDEX`` file, or
   a directory laid out like a mirror (``<dir>/<release>/<repo>/<arch>/APKINDEX.tar.gz``
   or ``<dir>/<repo>/<arch>/APKINDEX.tar.gz`` or ``<dir>/<arch>/APKINDEX.tar.gz``).
   Always wins.
2. The mirror (``--mirror``, default dl-cdn), through the revalidating cache.
3. The embedded snapshot, when the mirror cannot be reached, with a warning.

CONTRACT (used by every command; keep the signature stable):

    load_world(index_paths=(), release=None, arch=None, mirror=DEFAULT_MIRROR,
               repositories=("main", "community"), allow_untrusted=False,
               offline=False, cache_root=None, progress=None) -> AlpineWorld
"""

from __future__ import annotations

import platform
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from apkneed.alpine.index import ApkIndex, check_arch, read_index_file
from apkneed.errors import InputError

DEFAULT_MIRROR = "https://dl-cdn.alpinelinux.org/alpine"
KNOWN_ARCHES = ("x86_64", "aarch64", "armv7", "armhf", "x86", "ppc64le", "s390x", "riscv64", "loongarch64")
_MACHINE_TO_ARCH = {"amd64": "x86_64", "arm64": "aarch64", "i686": "x86", "i386": "x86"}


def host_arch() -> str:
    machine = platform.machine().lower()
    return _MACHINE_TO_ARCH.get(machine, machine)


@dataclass(frozen=True)
class AlpineWorld:
    """Indexes for one (release, arch), and where they came from."""

    release: str | None  # "v3.16", "edge"; None when unknown (plain --index files)
    arch: str
    indexes: tuple[ApkIndex, ...]
    origin: str  # human-readable: "mirror https://...", "embedded snapshot ...", "--index ..."
    warnings: tuple[str, ...] = field(default=())

    @property
    def packages(self):
        for index in self.indexes:
            yield from index.packages


def validate_arch(arch: str) -> str:
    if arch not in KNOWN_ARCHES:
        raise InputError(f"unknown Alpine arch {arch!r} (known: {', '.join(KNOWN_ARCHES)})")
    return arch


def find_index_files(path: Path, release: str | None, arch: str) -> list[Path]:
    """The index files an ``--index`` path stands for."""
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise InputError(f"--index {path}: no such file or directory")
    candidates: list[Path] = []
    for pattern in (
        f"{release}/*/{arch}/APKINDEX.tar.gz" if release else f"*/*/{arch}/APKINDEX.tar.gz",
        f"*/{arch}/APKINDEX.tar.gz",
        f"{arch}/APKINDEX.tar.gz",
        "APKINDEX.tar.gz",
        "APKINDEX",
    ):
        candidates = sorted(path.glob(pattern))
        if candidates:
            break
    if not candidates:
        raise InputError(f"--index {path}: no APKINDEX for {arch} found in this directory")
    return candidates


def load_world(
    index_paths: Sequence[Path] = (),
    release: str | None = None,
    arch: str | None = None,
    mirror: str = DEFAULT_MIRROR,
    repositories: Sequence[str] = ("main", "community"),
    allow_untrusted: bool = False,
    offline: bool = False,
    cache_root: Path | None = None,
    progress=None,
) -> AlpineWorld:
    arch = validate_arch(arch or host_arch())
    if index_paths:
        indexes = []
        for path in index_paths:
            for file in find_index_files(Path(path), release, arch):
                index = read_index_file(file)
                check_arch(index, arch)
                indexes.append(index)
        return AlpineWorld(
            release=release,
            arch=arch,
            indexes=tuple(indexes),
            origin="--index " + " ".join(str(p) for p in index_paths),
        )
    # TODO(mirror helper): mirror fetch with cache + signature, then snapshot fallback.
    raise InputError("no --index given and mirror/snapshot loading is not available yet")
