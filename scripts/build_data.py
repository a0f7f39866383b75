#!/usr/bin/env python3
"""Build apkneed's shipped Alpine data from ../shared: the keys and the snapshot.

    .venv/bin/python scripts/build_data.py [--shared ../shared] [--out src/apkneed/data]

Writes, replacing what was there:

* ``<out>/keys/*.rsa.pub``: Alpine's public signing keys, byte for byte.
* ``<out>/snapshot/<release>/<repo>/<arch>/APKINDEX.tar.gz``: the indexes
  named in ``SHIPPED`` (below), from ``<shared>/alpine/``, byte for byte, after checking
  that it parses, that its signature verifies against those keys, that its
  DESCRIPTION names the release its directory says, and that its packages
  are for the arch its directory says. Anything else stops the build.
* ``<out>/snapshot/manifest.json``: what each index is (see apkneed.alpine.sources.snapshot).

The output depends only on the input bytes (no timestamps, sorted order),
so a rebuild is byte-identical; tests/alpine/test_snapshot.py checks that
the committed data equals a fresh build. The product never reads ../shared.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Sequence

from apkneed.alpine.facts import newest_build_date
from apkneed.alpine.index import read_index_bytes
from apkneed.alpine.sources.release import release_from_description
from apkneed.alpine.sources.signature import KEY_SUFFIX, load_keys, verify_index
from apkneed.alpine.sources.snapshot import MANIFEST_NAME, SnapshotEntry, manifest_bytes
from apkneed.cache import atomic_write

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SHARED = PROJECT_ROOT.parent / "shared"
DEFAULT_OUT = PROJECT_ROOT / "src" / "apkneed" / "data"
#: the subdirectories of <out> this script owns and replaces
OWNED = ("keys", "snapshot")
#: What the wheel carries (release, repository, arch), at most 6 MiB in all:
#: today's Alpine (v3.23 main; v3.21 main + community, the one release with a
#: real community index, for py3-numpy and OpenBLAS), aarch64 (v3.17), and
#: v3.16, on which the README's examples and the python:3.10-alpine3.16 truth
#: rest. The other shared releases (v3.18-v3.20) stay test data: they are
#: fetched from the mirror when asked for, and are not worth 1.3 MiB offline.
SHIPPED = (
    ("v3.16", "main", "x86_64"),
    ("v3.17", "main", "aarch64"),
    ("v3.21", "main", "x86_64"),
    ("v3.21", "community", "x86_64"),
    ("v3.23", "main", "x86_64"),
)
#: the wheel's budget for the snapshot (issue "Alpine today")
MAX_SNAPSHOT_BYTES = 6 * 1024 * 1024


class BuildError(Exception):
    pass


def copy_keys(shared: Path, keys_out: Path) -> list[str]:
    names = sorted(p.name for p in (shared / "alpine" / "keys").glob(f"*{KEY_SUFFIX}"))
    if not names:
        raise BuildError(f"no {KEY_SUFFIX} keys in {shared / 'alpine' / 'keys'}")
    for name in names:
        atomic_write(keys_out / name, (shared / "alpine" / "keys" / name).read_bytes())
    return names


def snapshot_sources(shared: Path, shipped: Sequence[tuple[str, str, str]] = SHIPPED) -> list[Path]:
    """``<shared>/alpine/<release>/<repo>/<arch>/APKINDEX.tar.gz`` for each of ``shipped``, sorted."""
    sources = [shared / "alpine" / release / repo / arch / "APKINDEX.tar.gz" for release, repo, arch in shipped]
    missing = [str(s) for s in sources if not s.is_file()]
    if missing:
        raise BuildError(f"missing from the shared data: {', '.join(missing)}")
    return sorted(sources)


def build_entry(source: Path, shared: Path, keys: dict, snapshot_out: Path) -> SnapshotEntry:
    release_dir, repository, arch = source.relative_to(shared / "alpine").parts[:3]
    data = source.read_bytes()
    index = read_index_bytes(data, source=str(source), repository=repository)
    verification = verify_index(index, keys)
    if not verification.trusted:
        raise BuildError(f"{source}: {verification.problem}; an untrusted index is never shipped")
    release = release_from_description(index.description)
    if release != release_dir:
        raise BuildError(f"{source}: DESCRIPTION {index.description!r} is not release {release_dir}")
    if index.arches != {arch}:
        raise BuildError(f"{source}: packages are for {sorted(index.arches)}, not {arch}")
    date = newest_build_date(index.packages)
    if date is None:
        raise BuildError(f"{source}: no package carries a build time")
    relative = f"{release}/{repository}/{arch}/APKINDEX.tar.gz"
    atomic_write(snapshot_out / relative, data)
    return SnapshotEntry(
        release=release,
        repository=repository,
        arch=arch,
        description=index.description or "",
        date=date,
        packages=len(index.packages),
        file=relative,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        signed_by=verification.key_name or "",
        algorithm=verification.algorithm or "",
    )


def build(shared: Path, out: Path, shipped: Sequence[tuple[str, str, str]] = SHIPPED) -> list[SnapshotEntry]:
    """Build keys/ and snapshot/ into ``out``, replacing only those two directories.

    Everything is built in a temporary directory beside ``out`` first, so a
    failed build leaves the previous data untouched.
    """
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out, prefix=".build-") as tmp:
        staging = Path(tmp)
        copy_keys(shared, staging / "keys")
        keys = load_keys(staging / "keys")
        sources = snapshot_sources(shared, shipped)
        entries = [build_entry(source, shared, keys, staging / "snapshot") for source in sources]
        total = sum(entry.size for entry in entries)
        if total > MAX_SNAPSHOT_BYTES:
            raise BuildError(f"the snapshot would be {total} bytes, over its {MAX_SNAPSHOT_BYTES}-byte budget")
        atomic_write(staging / "snapshot" / MANIFEST_NAME, manifest_bytes(entries))
        for name in OWNED:
            shutil.rmtree(out / name, ignore_errors=True)
            (staging / name).rename(out / name)
    return entries


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="the shared data directory")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="apkneed's package data directory")
    args = parser.parse_args(argv)
    try:
        entries = build(args.shared.resolve(), args.out)
    except BuildError as exc:
        print(f"build_data: error: {exc}", file=sys.stderr)
        return 1
    for entry in entries:
        print(f"{entry.file}: {entry.label}, {entry.packages} packages, {entry.size} bytes, "
              f"signed by {entry.signed_by}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
