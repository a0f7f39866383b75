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

(``policy``, keyword-only, tunes retries and timeouts; tests use it.
``fallback=False``, keyword-only, makes an unreachable mirror an error instead
of the cache or the snapshot: the CLI passes it for a ``--mirror`` the user named.)
"""

from __future__ import annotations

import os

from apkneed.alpine.index import ApkIndex, check_arch
from apkneed.alpine.sources.parsed import ParsedIndexes
from apkneed.alpine.sources.release import (
    DEFAULT_MIRROR,
    release_from_description,
    validate_release,
    validate_repository,
)
from apkneed.alpine.sources.signature import TrustSettings, read_key_ring, require_trusted, untrusted_warning
from apkneed.alpine.sources.verified import VerifiedRecords
from apkneed.cache import default_cache_dir
from apkneed.errors import EnvironmentFailure, InputError, IntegrityError
from apkneed.pathtext import path_text
from apkneed.records import Frozen, set_field

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (milliseconds of every resolve)

# The mirror client (HTTP, TLS), the embedded snapshot and the platform probe
# are imported by the functions that use them: a world read from --index
# files, the common case in scripts and benchmarks, never needs them.
if TYPE_CHECKING:
    from collections.abc import Sequence
    from os import PathLike
    from pathlib import Path

    StrPath = str | PathLike[str]  # paths as text on a repeat run: pathlib is not imported (apkneed.pathtext)

    from apkneed.alpine.sources.mirror import FetchPolicy, MirrorRelease
    from apkneed.net.http import ProgressCallback, RevalidatingCache

KNOWN_ARCHES = ("x86_64", "aarch64", "armv7", "armhf", "x86", "ppc64le", "s390x", "riscv64", "loongarch64")
_MACHINE_TO_ARCH = {"amd64": "x86_64", "arm64": "aarch64", "i686": "x86", "i386": "x86"}


def host_arch() -> str:
    # os.uname() is what platform.machine() reads on POSIX (the platform module costs an import)
    machine = os.uname().machine.lower() if hasattr(os, "uname") else _platform_machine()
    return _MACHINE_TO_ARCH.get(machine, machine)


def _platform_machine() -> str:
    import platform

    return platform.machine().lower()


#: the repositories a world is asked for when nothing says otherwise, as apk's
#: default /etc/apk/repositories of a release lists them
DEFAULT_REPOSITORIES = ("main", "community")


class AbsentRepository(Frozen):
    """A repository the world was asked for but does not hold, and why."""

    __slots__ = ("name", "reason")

    name: str  # "community"
    reason: str  # completes "<name> ...": "is not in the offline snapshot for v3.16"

    def __init__(self, name: str, reason: str) -> None:
        set_field(self, "name", name)
        set_field(self, "reason", reason)

    def describe(self) -> str:
        return f"{self.name} {self.reason}"


class AlpineWorld(Frozen):
    """Indexes for one (release, arch), and where they came from.

    A world knows which repositories it holds (``repositories``, in search
    order) and which it was asked for but lacks (``absent``, each with its
    reason), so that every negative answer can say what was searched and
    what was not (:meth:`scope`).
    """

    __slots__ = ("release", "arch", "indexes", "origin", "warnings", "repositories", "absent", "tags", "apk_tools")

    release: str | None  # "v3.16", "edge"; None when unknown (plain --index files)
    arch: str
    indexes: tuple[ApkIndex, ...]
    origin: str  # human-readable: "mirror https://...", "embedded snapshot ...", "--index ..."
    warnings: tuple[str, ...]
    #: the repositories searched, in order ("main", "community"); empty: read from the indexes
    repositories: tuple[str, ...]
    absent: tuple[AbsentRepository, ...]
    #: per index: None, or the repository tag it was given (``--index @community=PATH``)
    tags: tuple[str | None, ...]
    #: "2" or "3": the apk-tools generation asked for (--apk-tools); None: the release's
    apk_tools: str | None

    def __init__(
        self,
        release: str | None,
        arch: str,
        indexes: tuple[ApkIndex, ...],
        origin: str,
        warnings: tuple[str, ...] = (),
        repositories: tuple[str, ...] = (),
        absent: tuple[AbsentRepository, ...] = (),
        tags: tuple[str | None, ...] = (),
        apk_tools: str | None = None,
    ) -> None:
        set_field(self, "release", release)
        set_field(self, "arch", arch)
        set_field(self, "indexes", indexes)
        set_field(self, "origin", origin)
        set_field(self, "warnings", warnings)
        set_field(self, "repositories", repositories)
        set_field(self, "absent", absent)
        set_field(self, "tags", tags)
        set_field(self, "apk_tools", apk_tools)

    @property
    def index_tags(self) -> tuple[str | None, ...]:
        """One tag (or None) per index, as build_provider_map takes them."""
        return self.tags or (None,) * len(self.indexes)

    @property
    def packages(self):
        for index in self.indexes:
            yield from index.packages

    @property
    def held(self) -> tuple[str, ...]:
        """The repositories the world holds, in search order."""
        return self.repositories or tuple(dict.fromkeys(index.repository for index in self.indexes))

    def searched(self) -> str:
        """``v3.21 main+community``: what an answer from this world searched."""
        return " ".join(filter(None, [self.release, "+".join(self.held) or "no repository"]))

    def not_searched(self) -> str:
        """``community is not in the offline snapshot for v3.16``; "" when nothing asked for is absent."""
        return "; ".join(a.describe() for a in self.absent)

    def scope(self) -> str:
        """``in v3.16 main (community is not in the offline snapshot for v3.16)``, for negative answers."""
        missing = self.not_searched()
        return f"in {self.searched()}" + (f" ({missing})" if missing else "")

    def to_json(self) -> dict:
        """The world's part of a command's JSON ``target`` block."""
        return {
            "alpine": self.release,
            "arch": self.arch,
            "repositories": list(self.held),
            "absent_repositories": [{"name": a.name, "reason": a.reason} for a in self.absent],
            "index": self.origin,
        }


def validate_arch(arch: str) -> str:
    if arch not in KNOWN_ARCHES:
        raise InputError(f"unknown Alpine arch {arch!r} (known: {', '.join(KNOWN_ARCHES)})")
    return arch


def find_index_files(path: StrPath, release: str | None, arch: str) -> list[str | Path]:
    """The index files an ``--index`` path stands for (a file as text, spelled as pathlib spells it)."""
    text = path_text(path)
    if os.path.isfile(text):
        return [text]
    if not os.path.isdir(text):
        raise InputError(f"--index {text}: no such file or directory")
    from pathlib import Path  # a directory is searched with glob patterns

    path = Path(text)
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
    index_paths: Sequence[StrPath] = (),
    release: str | None = None,
    arch: str | None = None,
    mirror: str = DEFAULT_MIRROR,
    repositories: Sequence[str] = ("main", "community"),
    allow_untrusted: bool = False,
    offline: bool = False,
    cache_root: StrPath | None = None,
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
    root = cache_root or default_cache_dir()
    # --index files and the snapshot are not the cache's own copies: a
    # verified-index record may spare them cryptography, a parsed copy the
    # parse (see alpine.sources.signature and alpine.sources.parsed).
    records = VerifiedRecords(os.path.join(root, "alpine", "verified"))
    parsed = ParsedIndexes(os.path.join(root, "alpine", "parsed"))
    if index_paths:
        return _world_from_paths(index_paths, release, arch, trust, records, parsed)
    from apkneed.alpine.sources.mirror import FetchPolicy, alpine_cache, fetch_release, normalize_mirror
    from apkneed.net.http import make_client

    mirror = normalize_mirror(mirror)
    cache = alpine_cache(cache_root)  # a Path: the mirror and its cache use pathlib
    if offline:
        return _world_without_network(
            cache, mirror, release, arch, repositories, trust, records, parsed,
            reason="offline (--offline)", offline=True,
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
            cache, mirror, release, arch, repositories, trust, records, parsed,
            reason=f"mirror unreachable ({exc})", offline=False,
        )
    return _world_from_release(
        fetched, origin=f"mirror {mirror}", repositories=repositories,
        absent_reason=f"is not on {mirror} for {fetched.release} {arch}",
    )


def _world_from_paths(
    index_paths: Sequence[StrPath],
    release: str | None,
    arch: str,
    trust: TrustSettings,
    records: VerifiedRecords,
    parsed: ParsedIndexes,
) -> AlpineWorld:
    indexes: list[ApkIndex] = []
    tags: list[str | None] = []
    warnings: list[str] = []
    for path in index_paths:
        tag, path = split_tagged_index(path_text(path))
        for file in find_index_files(path, release, arch):
            tags.append(tag)
            index = parsed.read_file(file)
            check_arch(index, arch)
            verification = require_trusted(
                index, trust.keys, allow_untrusted=trust.allow_untrusted, records=records
            )
            if not verification.trusted:
                warnings.append(untrusted_warning(verification))
            indexes.append(index)
    named = _one_release(indexes, release)
    if release in (None, "latest-stable"):
        # The files say which release they are when they all agree.
        release = named or release
    _require_main(indexes, arch)
    held = tuple(dict.fromkeys(index.repository for index in indexes))
    absent: tuple[AbsentRepository, ...] = ()
    if "main" in held:  # laid out like a mirror: the repositories are named, so the missing ones are known
        absent = tuple(
            AbsentRepository(name, "was not given with --index") for name in DEFAULT_REPOSITORIES if name not in held
        )
    return AlpineWorld(
        release=release,
        arch=arch,
        indexes=tuple(indexes),
        origin="--index " + " ".join(path_text(p) for p in index_paths),
        warnings=tuple(warnings),
        repositories=held,
        absent=absent,
        tags=tuple(tags) if any(tags) else (),
    )


def split_tagged_index(text: str) -> tuple[str | None, str]:
    """``@community=PATH`` -> ("community", PATH), as ``@community URL`` in
    /etc/apk/repositories; an untagged PATH -> (None, PATH)."""
    if not text.startswith("@"):
        return None, text
    tag, sep, path = text[1:].partition("=")
    if not sep or not tag or not path or any(c in tag for c in "<>=~@/ "):
        raise InputError(f"--index {text}: a tagged index is written @TAG=PATH, e.g. @community=./community/")
    return tag, path


def _one_release(indexes: Sequence[ApkIndex], release: str | None) -> str | None:
    """The one release the indexes' DESCRIPTIONs name (None if none does).

    Indexes of two releases in one world give answers no real system has,
    and so does an index of one release under ``--alpine`` of another (its
    python3, musl and gcc are not that release's): both are bad input.
    """
    by_release: dict[str, ApkIndex] = {}
    for index in indexes:
        named = release_from_description(index.description)
        if named is not None:
            by_release.setdefault(named, index)
    if len(by_release) > 1:
        which = ", ".join(f"{index.source} is Alpine {name}" for name, index in sorted(by_release.items()))
        raise InputError(f"--index files of different releases in one world ({which}); give the indexes of one release")
    if not by_release:
        return None
    (named, index), = by_release.items()
    if release is not None and release.startswith("v") and release != named:
        raise InputError(
            f"--index {index.source} is Alpine {named} (DESCRIPTION {index.description}), but --alpine says {release}; "
            f"drop --alpine or give an index of {release}"
        )
    return named


def _require_main(indexes: Sequence[ApkIndex], arch: str) -> None:
    """Refuse a release's community (or testing) index given without its main.

    Every Alpine package needs musl's ``so:libc.musl-<arch>.so.1``, and only
    main has musl: a world of a release's indexes without it cannot install
    anything, and its "no such package" answers would blame the wrong thing.
    """
    libc = f"so:libc.musl-{arch}.so.1"
    releases = [i for i in indexes if release_from_description(i.description)]
    if not releases or any("musl" in index.package_names() for index in indexes):
        return
    needing = next((i for i in releases if any(d.name == libc for p in i.packages for d in p.depends)), None)
    if needing is not None:
        raise InputError(
            f"--index {needing.source}: its packages need {libc}, and no --index holds musl: "
            f"a {needing.repository} index needs its release's main index too (add --index for main)"
        )


def _world_from_release(
    fetched: MirrorRelease,
    origin: str,
    repositories: Sequence[str],
    absent_reason: str,
    extra_warnings: Sequence[str] = (),
) -> AlpineWorld:
    held = tuple(i.repository for i in fetched.indexes)
    return AlpineWorld(
        release=fetched.release,
        arch=fetched.arch,
        indexes=tuple(i.index for i in fetched.indexes),
        origin=f"{origin} ({fetched.release} {', '.join(held)} {fetched.arch})",
        warnings=(*fetched.warnings, *extra_warnings),
        repositories=held,
        absent=tuple(AbsentRepository(name, absent_reason) for name in repositories if name not in held),
    )


def _world_without_network(
    cache: RevalidatingCache,
    mirror: str,
    release: str | None,
    arch: str,
    repositories: tuple[str, ...],
    trust: TrustSettings,
    records: VerifiedRecords,
    parsed: ParsedIndexes,
    *,
    reason: str,
    offline: bool,
) -> AlpineWorld:
    """A cached copy that still checks out, else the embedded snapshot.

    Neither having the release asked for is the environment's failure (exit
    3): the mirror that would answer cannot be reached (or may not be, with
    --offline), so the error lists what the snapshot does have.
    """
    from apkneed.alpine.sources.mirror import cached_release, describe
    from apkneed.alpine.sources.snapshot import describe_selection, load_entry, read_manifest, select_entries

    cached = cached_release(cache, mirror, release or "latest-stable", arch, repositories, trust=trust)
    if cached is not None:
        used = ", ".join(describe(i, cached.release, arch) for i in cached.indexes)
        # Offline was asked for: using the cache is the expected answer, not news.
        extra = () if offline else (f"{reason}; using the cached indexes: {used}",)
        return _world_from_release(
            cached, origin=f"cache of mirror {mirror}", repositories=repositories,
            absent_reason=f"has no cached copy for {cached.release} {arch}", extra_warnings=extra,
        )
    entries = read_manifest()
    try:
        selected = select_entries(entries, release, arch, repositories)
    except InputError as exc:
        raise EnvironmentFailure(f"{reason}, no cached index, and {exc}") from None
    indexes = tuple(load_entry(entry, trust.keys, records=records, parsed=parsed) for entry in selected)
    held = tuple(entry.repository for entry in selected)
    found = selected[0].release
    absent = tuple(
        AbsentRepository(name, f"is not in the offline snapshot for {found}") for name in repositories if name not in held
    )
    label = describe_selection(selected)
    lacking = "".join(f" ({a.describe()})" for a in absent)
    return AlpineWorld(
        release=found,
        arch=arch,
        indexes=indexes,
        origin=f"embedded snapshot ({label})",
        warnings=(f"{reason}; using the embedded snapshot: {label}{lacking}",),
        repositories=held,
        absent=absent,
    )
