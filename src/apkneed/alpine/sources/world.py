"""The Alpine package world a command works against: which indexes, from where.

This is the one place that decides where package data comes from, in this
order of precedence:

1. ``--index PATH`` (repeatable): an ``APKINDEX.tar.gz``/``APKINDEX`` file, or
   a directory laid out like a mirror (``<dir>/<release>/<repo>/<arch>/APKINDEX.tar.gz``
   or ``<dir>/<repo>/<arch>/APKINDEX.tar.gz`` or ``<dir>/<arch>/APKINDEX.tar.gz``).
   Always wins; never touches the network.
2. The mirror (``--mirror``, default dl-cdn), through the revalidating cache.
3. When the mirror cannot be reached, or with ``offline``: a cached copy
   that still checks out, else the embedded snapshot, with one warning line
   naming what was used.

Trust is the same for every source (see :mod:`apkneed.alpine.sources.signature`):
an index must be signed by one of Alpine's keys, ``--index`` files included
(so a plain-text ``APKINDEX`` needs ``allow_untrusted``, as with apk);
``allow_untrusted`` lets an untrusted index through with a warning. An index
that fails its check is an error, never a reason to fall back to another
source: a tampered mirror must be noticed, not papered over.

Release: ``--alpine`` when given; else ``latest-stable`` online, resolved to
the release it really is. Offline, a cached ``latest-stable`` if there is one
(so going offline does not change the answer), else the snapshot's newest
release for the arch.

CONTRACT (used by every command; keep the signature stable):

    load_world(index_paths=(), release=None, arch=None, mirror=DEFAULT_MIRROR,
               repositories=("main", "community"), allow_untrusted=False,
               offline=False, cache_root=None, progress=None) -> AlpineWorld

(``policy``, keyword-only, tunes retries and timeouts; tests use it.)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from apkneed.alpine.index import ApkIndex, check_arch
from apkneed.alpine.sources.parsed import ParsedIndexes
from apkneed.alpine.sources.release import DEFAULT_MIRROR, resolve_release, validate_release, validate_repository
from apkneed.alpine.sources.signature import TrustSettings, read_key_ring, require_trusted, untrusted_warning
from apkneed.alpine.sources.verified import VerifiedRecords
from apkneed.cache import default_cache_root
from apkneed.errors import EnvironmentFailure, InputError, IntegrityError

# The mirror client (HTTP, TLS), the embedded snapshot and the platform probe
# are imported by the functions that use them: a world read from --index
# files, the common case in scripts and benchmarks, never needs them.
if TYPE_CHECKING:
    from apkneed.alpine.sources.mirror import FetchPolicy, MirrorRelease
    from apkneed.net.http import ProgressCallback, RevalidatingCache

KNOWN_ARCHES = ("x86_64", "aarch64", "armv7", "armhf", "x86", "ppc64le", "s390x", "riscv64", "loongarch64")
_MACHINE_TO_ARCH = {"amd64": "x86_64", "arm64": "aarch64", "i686": "x86", "i386": "x86"}


def host_arch() -> str:
    import platform

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
    releases = sorted({c.relative_to(path).parts[0] for c in candidates if len(c.relative_to(path).parts) == 4})
    if len(releases) > 1:
        # Mixing releases in one world gives answers no real system has.
        raise InputError(f"--index {path}: holds several releases for {arch} ({', '.join(releases)}); pass --alpine")
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
    progress: ProgressCallback | None = None,
    *,
    policy: FetchPolicy | None = None,
    fallback: bool = True,
) -> AlpineWorld:
    # Everything the user typed is checked before any file or network access.
    arch = validate_arch(arch or host_arch())
    if release is not None:
        validate_release(release)
    repositories = tuple(validate_repository(r) for r in repositories)
    if not repositories:
        raise InputError("no Alpine repository asked for (expected main, community, ...)")
    trust = TrustSettings(read_key_ring(), allow_untrusted)
    root = cache_root or default_cache_root()
    # --index files and the snapshot are not the cache's own copies: a
    # verified-index record may spare them cryptography, a parsed copy the
    # parse (see alpine.sources.signature and alpine.sources.parsed).
    records = VerifiedRecords(root / "alpine" / "verified")
    if index_paths:
        parsed = ParsedIndexes(root / "alpine" / "parsed")
        return _world_from_paths(index_paths, release, arch, trust, records, parsed)
    from apkneed.alpine.sources.mirror import FetchPolicy, alpine_cache, fetch_release, normalize_mirror
    from apkneed.net.http import make_client

    mirror = normalize_mirror(mirror)
    cache = alpine_cache(root)
    if offline:
        return _world_without_network(
            cache, mirror, release, arch, repositories, trust, records, reason="offline (--offline)", offline=True
        )
    policy = policy or FetchPolicy()
    try:
        with make_client(timeout=policy.timeout) as client:
            fetched = fetch_release(
                client, cache, mirror, release or "latest-stable", arch, repositories,
                trust=trust, policy=policy, progress=progress,
            )
    except IntegrityError:
        raise  # a body that does not verify is refused, never replaced by another source
    except EnvironmentFailure as exc:
        if not fallback:  # a mirror the user named must answer: no cache, no snapshot
            raise
        return _world_without_network(
            cache, mirror, release, arch, repositories, trust, records,
            reason=f"mirror unreachable ({exc})", offline=False,
        )
    return _world_from_release(fetched, origin=f"mirror {mirror}")


def _world_from_paths(
    index_paths: Sequence[Path],
    release: str | None,
    arch: str,
    trust: TrustSettings,
    records: VerifiedRecords,
    parsed: ParsedIndexes,
) -> AlpineWorld:
    indexes: list[ApkIndex] = []
    warnings: list[str] = []
    for path in index_paths:
        for file in find_index_files(Path(path), release, arch):
            index = parsed.read_file(file)
            check_arch(index, arch)
            verification = require_trusted(
                index, trust.keys, allow_untrusted=trust.allow_untrusted, records=records
            )
            if not verification.trusted:
                warnings.append(untrusted_warning(verification))
            indexes.append(index)
    named: set[str] = set()
    for index in indexes:
        if index.description:
            resolved, doubts = resolve_release(release or "latest-stable", index)
            if resolved != "latest-stable":
                named.add(resolved)
            if release is not None:
                warnings.extend(doubts)
    if release in (None, "latest-stable"):
        # The files say which release they are when they all agree.
        release = named.pop() if len(named) == 1 else release
    return AlpineWorld(
        release=release,
        arch=arch,
        indexes=tuple(indexes),
        origin="--index " + " ".join(str(p) for p in index_paths),
        warnings=tuple(warnings),
    )


def _world_from_release(fetched: MirrorRelease, origin: str, extra_warnings: Sequence[str] = ()) -> AlpineWorld:
    repos = ", ".join(i.repository for i in fetched.indexes)
    return AlpineWorld(
        release=fetched.release,
        arch=fetched.arch,
        indexes=tuple(i.index for i in fetched.indexes),
        origin=f"{origin} ({fetched.release} {repos} {fetched.arch})",
        warnings=(*fetched.warnings, *extra_warnings),
    )


def _world_without_network(
    cache: RevalidatingCache,
    mirror: str,
    release: str | None,
    arch: str,
    repositories: tuple[str, ...],
    trust: TrustSettings,
    records: VerifiedRecords,
    *,
    reason: str,
    offline: bool,
) -> AlpineWorld:
    """A cached copy that still checks out, else the embedded snapshot."""
    from apkneed.alpine.sources.mirror import cached_release, describe
    from apkneed.alpine.sources.snapshot import load_entry, read_manifest, select_entries

    cached = cached_release(cache, mirror, release or "latest-stable", arch, repositories, trust=trust)
    if cached is not None:
        used = ", ".join(describe(i, cached.release, arch) for i in cached.indexes)
        # Offline was asked for: using the cache is the expected answer, not news.
        extra = () if offline else (f"{reason}; using the cached indexes: {used}",)
        return _world_from_release(cached, origin=f"cache of mirror {mirror}", extra_warnings=extra)
    entries = read_manifest()
    try:
        selected = select_entries(entries, release, arch, repositories)
    except InputError as exc:
        raise InputError(f"{reason}, no cached index, and {exc}") from None
    indexes = tuple(load_entry(entry, trust.keys, records=records) for entry in selected)
    labels = ", ".join(entry.label for entry in selected)
    return AlpineWorld(
        release=selected[0].release,
        arch=arch,
        indexes=indexes,
        origin=f"embedded snapshot ({labels})",
        warnings=(f"{reason}; using the embedded snapshot: {labels}",),
    )
