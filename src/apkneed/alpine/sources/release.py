"""Alpine release and repository names: checking them, and reading them back.

Releases are named the way the mirror lays them out: ``v3.22``, ``edge``,
``latest-stable``. ``latest-stable`` is an alias the mirror moves; the index
itself says which release it is, in its ``DESCRIPTION`` (``v3.22.2-12-g...``),
so the answer can always name a real release.
"""

from __future__ import annotations

import re

from apkneed.errors import InputError

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (milliseconds of every resolve)

#: where Alpine's packages come from unless --mirror says otherwise
DEFAULT_MIRROR = "https://dl-cdn.alpinelinux.org/alpine"

if TYPE_CHECKING:
    from apkneed.alpine.index import ApkIndex

RELEASE_RE = re.compile(r"^(v\d+\.\d+|edge|latest-stable)$")
#: repository directory names on a mirror: main, community, testing
REPOSITORY_RE = re.compile(r"^[a-z][a-z0-9-]*$")
#: ``v3.22.2-12-gabc`` -> ``v3.22``; edge's DESCRIPTION (``v20250108-...``) does not match
_DESCRIPTION_RELEASE_RE = re.compile(r"^(v\d+\.\d+)\.\d+(?:[-_.].*)?$")


def validate_release(release: str) -> str:
    if not RELEASE_RE.match(release):
        raise InputError(
            f"invalid Alpine release {release!r} (expected vX.Y such as v3.22, edge or latest-stable)"
        )
    return release


def validate_repository(repository: str) -> str:
    if not REPOSITORY_RE.match(repository):
        raise InputError(f"invalid Alpine repository name {repository!r} (expected main, community, ...)")
    return repository


def release_from_description(description: str | None) -> str | None:
    """The ``vX.Y`` a stable index's DESCRIPTION names, else None (edge, custom)."""
    if not description:
        return None
    match = _DESCRIPTION_RELEASE_RE.match(description.strip())
    return match.group(1) if match else None


def release_sort_key(release: str) -> tuple[int, ...]:
    """``v3.9`` < ``v3.16``: releases compare by their numbers, not as text."""
    match = re.match(r"^v(\d+)\.(\d+)$", release)
    return (int(match.group(1)), int(match.group(2))) if match else (-1,)


def resolve_release(requested: str, index: ApkIndex) -> tuple[str, list[str]]:
    """The release an index really is, plus warnings when that is in doubt."""
    named = release_from_description(index.description)
    if requested == "latest-stable":
        if named is None:
            return requested, [
                f"cannot tell which release latest-stable is: its DESCRIPTION is {index.description!r}"
            ]
        return named, []
    if requested.startswith("v") and named is not None and named != requested:
        return requested, [f"{index.source}: DESCRIPTION {index.description!r} names {named}, not {requested}"]
    return requested, []
