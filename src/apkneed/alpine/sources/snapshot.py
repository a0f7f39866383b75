"""The embedded offline snapshot: real Alpine indexes shipped inside apkneed.

When the mirror cannot be reached (or ``--offline``), apkneed still answers,
from indexes it carries, and says so in one warning line.

Layout (package data, built by ``scripts/build_data.py``, never by hand)::

    apkneed/data/snapshot/manifest.json
    apkneed/data/snapshot/<release>/<repository>/<arch>/APKINDEX.tar.gz

The index files are Alpine's original signed ``APKINDEX.tar.gz`` bytes, not a
re-encoding: they are already compact (gzip), read with the same parser as
the mirror's, and their signature is checked again at load time against
the shipped keys, besides the manifest's sha256. The manifest names each
index's release, repository, arch, DESCRIPTION, date (the newest package
build time) and how its signature verified when it was built.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Mapping, Sequence

from apkneed.alpine.index import ApkIndex, read_index_bytes
from apkneed.alpine.sources.release import release_sort_key
from apkneed.alpine.sources.signature import require_trusted
from apkneed.errors import InputError, IntegrityError
from apkneed.records import Frozen, set_field

if TYPE_CHECKING:  # importlib's home for Traversable moved between 3.10 and 3.11
    from importlib.resources.abc import Traversable

    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

    from apkneed.alpine.sources.parsed import ParsedIndexes
    from apkneed.alpine.sources.verified import VerifiedRecords

MANIFEST_NAME = "manifest.json"
MANIFEST_FORMAT = 1


class SnapshotEntry(Frozen):
    """One embedded index, as the manifest describes it."""

    __slots__ = (
        "release",
        "repository",
        "arch",
        "description",
        "date",
        "packages",
        "file",
        "size",
        "sha256",
        "signed_by",
        "algorithm",
    )

    release: str  # "v3.16", read from the index's DESCRIPTION
    repository: str  # "main"
    arch: str  # "x86_64"
    description: str  # the index's DESCRIPTION, e.g. "v3.16.3-13-g4d933a1fa3"
    date: str  # ISO date of the newest package build in the index
    packages: int
    file: str  # path under the snapshot directory
    size: int
    sha256: str
    signed_by: str  # the key whose signature verified at build time
    algorithm: str  # "RSA" (SHA-1), "RSA256"

    def __init__(
        self,
        release: str,
        repository: str,
        arch: str,
        description: str,
        date: str,
        packages: int,
        file: str,
        size: int,
        sha256: str,
        signed_by: str,
        algorithm: str,
    ) -> None:
        set_field(self, "release", release)
        set_field(self, "repository", repository)
        set_field(self, "arch", arch)
        set_field(self, "description", description)
        set_field(self, "date", date)
        set_field(self, "packages", packages)
        set_field(self, "file", file)
        set_field(self, "size", size)
        set_field(self, "sha256", sha256)
        set_field(self, "signed_by", signed_by)
        set_field(self, "algorithm", algorithm)

    @property
    def label(self) -> str:
        return f"Alpine {self.release} {self.repository} {self.arch} of {self.date}"

    def to_json(self) -> dict:
        return {
            "release": self.release,
            "repository": self.repository,
            "arch": self.arch,
            "description": self.description,
            "date": self.date,
            "packages": self.packages,
            "file": self.file,
            "size": self.size,
            "sha256": self.sha256,
            "signature": {"verified": True, "key": self.signed_by, "algorithm": self.algorithm},
        }

    @classmethod
    def from_json(cls, data: Mapping) -> "SnapshotEntry":
        signature = data["signature"]
        if signature.get("verified") is not True:
            raise IntegrityError(f"embedded snapshot {data['file']}: recorded as not verified; refused")
        return cls(
            release=data["release"],
            repository=data["repository"],
            arch=data["arch"],
            description=data["description"],
            date=data["date"],
            packages=int(data["packages"]),
            file=data["file"],
            size=int(data["size"]),
            sha256=data["sha256"],
            signed_by=signature["key"],
            algorithm=signature["algorithm"],
        )


def bundled_snapshot_dir() -> Traversable:
    """The embedded indexes: the directory beside the package when installed as files (as
    signature.bundled_keys_dir finds the keys: importlib.resources would import zipfile and
    tempfile for its readers on every offline run), else through importlib.resources."""
    beside = Path(__file__).parent.parent.parent / "data" / "snapshot"  # apkneed/data/snapshot
    if beside.is_dir():
        return beside
    from importlib import resources

    return resources.files("apkneed") / "data" / "snapshot"


def manifest_bytes(entries: Sequence[SnapshotEntry]) -> bytes:
    """The manifest file for ``entries``: sorted keys, fixed order, so builds are byte-identical."""
    ordered = sorted(entries, key=lambda e: (e.arch, release_sort_key(e.release), e.release, e.repository))
    document = {"format": MANIFEST_FORMAT, "indexes": [e.to_json() for e in ordered]}
    return (json.dumps(document, indent=2, sort_keys=True) + "\n").encode()


def read_manifest(directory: Traversable | None = None) -> tuple[SnapshotEntry, ...]:
    directory = bundled_snapshot_dir() if directory is None else directory
    try:
        document = json.loads((directory / MANIFEST_NAME).read_bytes())
        if document.get("format") != MANIFEST_FORMAT:
            raise ValueError(f"unknown format {document.get('format')!r}")
        return tuple(SnapshotEntry.from_json(item) for item in document["indexes"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise IntegrityError(f"the embedded snapshot's manifest is unreadable ({exc}); reinstall apkneed") from None


def describe_contents(entries: Sequence[SnapshotEntry]) -> str:
    """``Alpine v3.16 main x86_64 of 2022-11-21, Alpine v3.21 main+community x86_64 of 2025-02-14, ...``"""
    groups: dict[tuple[str, str], list[SnapshotEntry]] = {}
    for entry in sorted(entries, key=lambda e: (e.arch, release_sort_key(e.release), e.release)):
        groups.setdefault((entry.arch, entry.release), []).append(entry)
    for group in groups.values():  # main first, as a world searches them
        group.sort(key=lambda e: (e.repository != "main", e.repository))
    return ", ".join(describe_selection(group) for group in groups.values()) or "nothing"


def describe_selection(selected: Sequence[SnapshotEntry]) -> str:
    """``Alpine v3.21 main+community x86_64 of 2025-02-14``: one release's entries, newest date."""
    first = selected[0]
    repositories = "+".join(e.repository for e in selected)
    return f"Alpine {first.release} {repositories} {first.arch} of {max(e.date for e in selected)}"


def default_release(entries: Sequence[SnapshotEntry], arch: str) -> str | None:
    """The newest release the snapshot has for ``arch``."""
    releases = {e.release for e in entries if e.arch == arch}
    return max(releases, key=release_sort_key) if releases else None


def select_entries(
    entries: Sequence[SnapshotEntry], release: str | None, arch: str, repositories: Sequence[str]
) -> tuple[SnapshotEntry, ...]:
    """The snapshot's indexes for (release, arch), in ``repositories`` order.

    ``release`` None or ``latest-stable`` means the newest the snapshot has
    for ``arch``. Nothing for that pair is an InputError listing what the
    snapshot does have; a repository it lacks (community) is simply absent.
    """
    if release in (None, "latest-stable"):
        release = default_release(entries, arch)
    chosen = [e for e in entries if e.arch == arch and e.release == release]
    if not chosen:
        wanted = f"no Alpine {release} {arch}" if release else f"nothing for {arch}"
        raise InputError(f"the embedded snapshot has {wanted} (it has: {describe_contents(entries)})")
    order = {name: i for i, name in enumerate(repositories)}
    selected = sorted((e for e in chosen if e.repository in order), key=lambda e: order[e.repository])
    if not selected:
        raise InputError(
            f"the embedded snapshot has no {', '.join(repositories)} repository for Alpine {release} {arch} "
            f"(it has: {describe_contents(chosen)})"
        )
    return tuple(selected)


def load_entry(
    entry: SnapshotEntry,
    keys: Mapping[str, RSAPublicKey],
    directory: Traversable | None = None,
    *,
    records: VerifiedRecords | None = None,
    parsed: ParsedIndexes | None = None,
) -> ApkIndex:
    """Read one embedded index, checking its sha256 and its signature.

    With ``records``, a signature verified by an earlier run is trusted from
    its record (see :mod:`apkneed.alpine.sources.signature`); with
    ``parsed``, the packages come from the parsed copy of these very bytes
    when there is one (see :mod:`apkneed.alpine.sources.parsed`): v3.21's
    main and community together are ~25,000 records, whose parse would
    otherwise be most of an offline command's time.
    """
    directory = bundled_snapshot_dir() if directory is None else directory
    source = f"embedded snapshot {entry.file}"
    target = directory
    for part in entry.file.split("/"):
        target = target / part
    try:
        data = target.read_bytes()
    except OSError as exc:
        raise IntegrityError(f"{source}: missing from the installation ({exc}); reinstall apkneed") from None
    if hashlib.sha256(data).hexdigest() != entry.sha256:
        raise IntegrityError(f"{source}: sha256 does not match the manifest; reinstall apkneed")
    if parsed is not None:
        index = parsed.read_bytes(data, key=f"embedded snapshot {entry.file}", source=source, repository=entry.repository)
    else:
        index = read_index_bytes(data, source=source, repository=entry.repository)
    require_trusted(index, keys, records=records)
    return index
