"""Alpine indexes from a mirror, verified and cached.

An index lives at ``<mirror>/<release>/<repository>/<arch>/APKINDEX.tar.gz``.
Every body, fresh or cached, goes through one check before it is used or
stored: it must parse, be for the requested arch, and carry a signature by
one of Alpine's keys (unless ``allow_untrusted``). The cache is net.http's
:class:`RevalidatingCache` under ``<cache root>/alpine``: a cached copy is
revalidated with ETag / If-Modified-Since, and a copy whose sha256 or check
fails (a torn or tampered file) is dropped and fetched again, never used.

Repositories: the first one asked for (``main``) must exist, and a 404 for
it means the release (or the arch in that release) does not exist on the
mirror: an InputError. Later ones (``community``) may legitimately be absent
for a release or arch; a 404 for them is a warning and the world goes on
without them.

``latest-stable`` is fetched under that name once, for the first
repository; the release its DESCRIPTION names (``v3.22.2-...`` -> ``v3.22``)
is then used for every other repository, so one answer never mixes two
releases, and is the release the answer names.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Sequence
from urllib.parse import urlsplit

from apkneed.alpine.facts import newest_build_date
from apkneed.alpine.index import MAX_INDEX_FILE_BYTES, ApkIndex, check_arch, read_index_archive
# resolve_release and TrustSettings live where --index worlds can use them
# without importing this module; this module's callers still find them here.
from apkneed.alpine.sources.release import resolve_release
from apkneed.alpine.sources.signature import TrustSettings, Verification, require_trusted, untrusted_warning
from apkneed.cache import default_cache_root
from apkneed.errors import InputError, IntegrityError
from apkneed.net.http import (
    DEFAULT_DEADLINE,
    DEFAULT_READ_TIMEOUT,
    HTTPStatusFailure,
    ProgressCallback,
    RevalidatingCache,
)
from apkneed.records import Frozen, set_field

if TYPE_CHECKING:
    import httpx

#: a real APKINDEX.tar.gz is well under 2 MiB; anything far larger is not one (the
#: same cap as a local --index file)
MAX_INDEX_BYTES = MAX_INDEX_FILE_BYTES


class FetchPolicy(Frozen):
    """How hard to try the network (tests use no backoff, and short deadlines)."""

    __slots__ = ("retries", "backoff", "timeout", "deadline", "max_bytes")

    retries: int
    backoff: float
    timeout: float  # one read's wait for the next bytes
    deadline: float  # one index, every attempt included (net.http)
    max_bytes: int

    def __init__(
        self,
        retries: int = 3,
        backoff: float = 0.5,
        timeout: float = DEFAULT_READ_TIMEOUT,
        deadline: float = DEFAULT_DEADLINE,
        max_bytes: int = MAX_INDEX_BYTES,
    ) -> None:
        set_field(self, "retries", retries)
        set_field(self, "backoff", backoff)
        set_field(self, "timeout", timeout)
        set_field(self, "deadline", deadline)
        set_field(self, "max_bytes", max_bytes)


class MirrorIndex(Frozen):
    """One repository's index, with how it was obtained."""

    __slots__ = ("index", "url", "verification", "from_cache")

    index: ApkIndex
    url: str
    verification: Verification
    from_cache: bool  # served from the cache (a 304, or no network at all)

    def __init__(self, index: ApkIndex, url: str, verification: Verification, from_cache: bool) -> None:
        set_field(self, "index", index)
        set_field(self, "url", url)
        set_field(self, "verification", verification)
        set_field(self, "from_cache", from_cache)

    @property
    def repository(self) -> str:
        return self.index.repository


class MirrorRelease(Frozen):
    """The indexes of one release and arch, as one consistent set."""

    __slots__ = ("release", "arch", "indexes", "warnings")

    release: str  # the real release ("v3.22"), or "edge", or the alias if unresolvable
    arch: str
    indexes: tuple[MirrorIndex, ...]
    warnings: tuple[str, ...]

    def __init__(
        self,
        release: str,
        arch: str,
        indexes: tuple[MirrorIndex, ...],
        warnings: tuple[str, ...] = (),
    ) -> None:
        set_field(self, "release", release)
        set_field(self, "arch", arch)
        set_field(self, "indexes", indexes)
        set_field(self, "warnings", warnings)


def normalize_mirror(mirror: str) -> str:
    mirror = mirror.strip().rstrip("/")
    parts = urlsplit(mirror)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InputError(f"invalid --mirror {mirror!r} (expected an http:// or https:// URL)")
    return mirror


def index_url(mirror: str, release: str, repository: str, arch: str) -> str:
    return f"{mirror}/{release}/{repository}/{arch}/APKINDEX.tar.gz"


def alpine_cache(cache_root: Path | None = None) -> RevalidatingCache:
    return RevalidatingCache((cache_root or default_cache_root()) / "alpine")


class IndexCheck:
    """The ``validate`` callback for one URL: parse, arch, signature.

    It keeps the last body it checked with what it found: the cache hands
    back the very bytes object it validated (``Fetched.content``, or the
    body :meth:`RevalidatingCache.load` returns), so that body is used
    without being parsed, or hashed, a second time.
    """

    def __init__(self, url: str, repository: str, arch: str, trust: TrustSettings) -> None:
        self.url = url
        self.repository = repository
        self.arch = arch
        self.trust = trust
        self._last: tuple[bytes, ApkIndex, Verification] | None = None

    def __call__(self, body: bytes) -> None:
        self.checked(body)

    def checked(self, body: bytes) -> tuple[ApkIndex, Verification]:
        last = self._last
        if last is None or last[0] is not body:
            try:
                index = read_index_archive(body, source=self.url, repository=self.repository)
                check_arch(index, self.arch)
            except InputError as exc:
                # Not the user's input: the mirror sent something that is not this index.
                raise IntegrityError(str(exc)) from None
            verification = require_trusted(index, self.trust.keys, allow_untrusted=self.trust.allow_untrusted)
            last = self._last = (body, index, verification)
        return last[1], last[2]


def fetch_index(
    client: httpx.Client,
    cache: RevalidatingCache,
    url: str,
    *,
    repository: str,
    arch: str,
    trust: TrustSettings,
    policy: FetchPolicy = FetchPolicy(),
    progress: ProgressCallback | None = None,
) -> MirrorIndex:
    """One index from the network, revalidating the cached copy.

    Raises HTTPStatusFailure (404 included: the caller says what it means),
    EnvironmentFailure when the mirror cannot be reached, IntegrityError for
    a body that fails the check (it is not cached).
    """
    check = IndexCheck(url, repository, arch, trust)
    fetched = cache.fetch(
        client, url, validate=check, progress=progress, offline_ok=False,
        retries=policy.retries, backoff=policy.backoff, max_bytes=policy.max_bytes, deadline=policy.deadline,
    )
    index, verification = check.checked(fetched.content)
    return MirrorIndex(index, url, verification, from_cache=fetched.from_cache)


def cached_index(
    cache: RevalidatingCache, url: str, *, repository: str, arch: str, trust: TrustSettings
) -> MirrorIndex | None:
    """The cached copy of ``url`` if it is intact and passes the check; no network."""
    check = IndexCheck(url, repository, arch, trust)
    loaded = cache.load(url, check)
    if loaded is None:
        return None
    index, verification = check.checked(loaded[0])
    return MirrorIndex(index, url, verification, from_cache=True)


def describe(entry: MirrorIndex, release: str, arch: str) -> str:
    date = newest_build_date(entry.index.packages) or "unknown date"
    return f"Alpine {release} {entry.repository} {arch} of {date}"


def _release_not_found(mirror: str, release: str, repository: str, arch: str, url: str) -> InputError:
    return InputError(f"Alpine release {release} not found on {mirror} (no {repository} index for {arch}: {url} is HTTP 404)")


def fetch_release(
    client: httpx.Client,
    cache: RevalidatingCache,
    mirror: str,
    release: str,
    arch: str,
    repositories: Sequence[str],
    *,
    trust: TrustSettings,
    policy: FetchPolicy = FetchPolicy(),
    progress: ProgressCallback | None = None,
) -> MirrorRelease:
    """Every repository's index for (release, arch) from the mirror.

    Raises InputError when the release is not on the mirror, EnvironmentFailure
    when the mirror cannot be reached (IntegrityError, a subclass, when it
    serves something that does not verify).
    """
    first, *others = repositories
    url = index_url(mirror, release, first, arch)
    try:
        main = fetch_index(client, cache, url, repository=first, arch=arch, trust=trust, policy=policy, progress=progress)
    except HTTPStatusFailure as exc:
        if exc.status == 404:
            raise _release_not_found(mirror, release, first, arch, url) from None
        raise
    resolved, warnings = resolve_release(release, main.index)
    indexes = [main]
    for repository in others:
        url = index_url(mirror, resolved, repository, arch)
        try:
            indexes.append(fetch_index(
                client, cache, url, repository=repository, arch=arch, trust=trust, policy=policy, progress=progress,
            ))
        except HTTPStatusFailure as exc:
            if exc.status != 404:
                raise
            warnings.append(f"Alpine {resolved} has no {repository} repository for {arch} on {mirror}; going on without it")
    warnings.extend(untrusted_warning(i.verification) for i in indexes if not i.verification.trusted)
    return MirrorRelease(resolved, arch, tuple(indexes), tuple(warnings))


def cached_release(
    cache: RevalidatingCache,
    mirror: str,
    release: str,
    arch: str,
    repositories: Sequence[str],
    *,
    trust: TrustSettings,
) -> MirrorRelease | None:
    """The same set as :func:`fetch_release`, from the cache only; None without the first repository."""
    first, *others = repositories
    main = cached_index(cache, index_url(mirror, release, first, arch), repository=first, arch=arch, trust=trust)
    if main is None:
        return None
    resolved, warnings = resolve_release(release, main.index)
    indexes = [main]
    for repository in others:
        entry = cached_index(
            cache, index_url(mirror, resolved, repository, arch), repository=repository, arch=arch, trust=trust
        )
        if entry is None:
            warnings.append(f"no cached {repository} index for Alpine {resolved} {arch}; going on without it")
        else:
            indexes.append(entry)
    warnings.extend(untrusted_warning(i.verification) for i in indexes if not i.verification.trusted)
    return MirrorRelease(resolved, arch, tuple(indexes), tuple(warnings))
