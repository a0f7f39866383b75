"""Which file of a pinned release pip would install on the target, and why.

The rules are pip's (read in pip's ``package_finder.py`` and resolver
factory, not copied), applied to one pinned version:

1. Only files of that version whose ``requires-python`` admits the target
   Python, and, for wheels, whose tags the target supports. A requires-python
   that does not parse is ignored, as pip ignores it.
2. Yanked files (PEP 592) only when every remaining file is yanked: a pin
   (``==``) may install a yanked release, with a warning.
3. With ``--hash`` values (a hash-checking requirements file), only files
   whose sha256 is among them.
4. The best wheel wins: the one with the best-ranked supported tag (the
   order of :func:`apkneed.python.tags.supported_tags`), then the highest
   build tag. An sdist only when no wheel is left.

Pure: the caller passes the index's files (``PyPIClient.files``) and the
:class:`~apkneed.python.tags.Target`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.tags import Tag
from packaging.utils import BuildTag, InvalidWheelFilename, parse_wheel_filename
from packaging.version import Version

from apkneed.errors import InputError, UnsatisfiableError
from apkneed.python.pypi import DistFile
from apkneed.python.tags import Target, supported_tags


@dataclass(frozen=True)
class Selection:
    """The chosen file, the tag it matched (None for an sdist), and why in a few words."""

    file: DistFile
    why: str
    tag: Tag | None
    wheels_total: int  # wheels of this version on the index
    wheels_compatible: int  # of which the target accepts

    @property
    def is_sdist(self) -> bool:
        return self.tag is None


def select_file(
    files: Iterable[DistFile],
    name: str,
    version: str | Version,
    target: Target,
    *,
    allowed_sha256: frozenset[str] | None = None,
    allowed_from: str = "the --hash values given",
) -> Selection:
    """The file pip would choose for ``name==version`` on ``target`` (module docstring).

    Raises InputError when the index has no file of that version, and
    UnsatisfiableError when it has files but none the target can install.
    """
    wanted = Version(str(version))
    release = [f for f in files if f.version == wanted and (f.is_wheel or f.is_sdist)]
    if not release:
        raise InputError(f"the index has no files for {name}=={version}")
    python = Version(".".join(map(str, target.python_version)))
    tags = supported_tags(target)
    rank = {tag: i for i, tag in enumerate(tags)}
    wheels = [f for f in release if f.is_wheel]

    candidates: list[tuple[DistFile, Tag | None, int, BuildTag]] = []
    for file in release:
        if not _admits(file.requires_python, python):
            continue
        if file.is_sdist:
            candidates.append((file, None, len(tags), ()))
            continue
        try:
            _, _, build, file_tags = parse_wheel_filename(file.filename)
        except InvalidWheelFilename:
            continue  # pip skips what it cannot parse
        matched = [t for t in file_tags if t in rank]
        if matched:
            best = min(matched, key=rank.__getitem__)
            candidates.append((file, best, rank[best], build))

    if not candidates:
        raise UnsatisfiableError(
            f"{name}=={version}: {_no_candidate_reason(release, wheels, python, target)}"
        )
    if allowed_sha256 is not None:
        if not any(f.sha256 in allowed_sha256 for f in release):
            # Not "nothing fits the target": the hashes name no file of this release at all.
            raise InputError(
                f"{allowed_from}: no file of {name}=={version} on the index has any of these sha256 values "
                f"({', '.join(sorted(h[:12] + '...' for h in allowed_sha256))})"
            )
        installable = sorted(c[0].filename for c in candidates)
        candidates = [c for c in candidates if c[0].sha256 in allowed_sha256]
        if not candidates:
            listed = len([f for f in release if f.sha256 in allowed_sha256])
            raise UnsatisfiableError(
                f"{name}=={version}: no file that installs on {target.describe()} matches {allowed_from} "
                f"({listed} of its files are listed; installable here: {', '.join(installable[:3])}"
                f"{' ...' if len(installable) > 3 else ''})"
            )
    unyanked = [c for c in candidates if not c[0].yanked]
    pool = unyanked or candidates
    # A better (lower) rank wins, then the higher build tag: pip's sort key.
    file, tag, _, _ = max(pool, key=lambda c: (-c[2], c[3]))
    compatible = sum(1 for c in candidates if c[1] is not None)
    why = _why(file, tag, target, len(wheels), compatible)
    if file.yanked:
        why += f"; yanked ({file.yanked_reason or 'no reason given'})"
    return Selection(file, why, tag, len(wheels), compatible)


def _admits(requires_python: str | None, python: Version) -> bool:
    if not requires_python:
        return True
    try:
        return SpecifierSet(requires_python).contains(python, prereleases=True)
    except InvalidSpecifier:
        return True  # pip: "Ignoring invalid Requires-Python"


def _why(file: DistFile, tag: Tag | None, target: Target, wheels: int, compatible: int) -> str:
    if tag is None:
        if wheels == 0:
            return "sdist only (no wheels on the index)"
        return f"no wheel for {target.describe()} among {wheels} wheels; sdist"
    if tag.platform == "any":
        kind = "pure-Python wheel"
    elif tag.abi == "abi3":
        kind = f"{_platform_family(tag.platform)} abi3 wheel ({tag.interpreter}+)"
    else:
        kind = f"{_platform_family(tag.platform)} wheel for {tag.interpreter}"
    return f"{kind}: {tag}, best of {compatible} compatible among {wheels} wheels"


def _platform_family(platform: str) -> str:
    # musllinux_1_2_x86_64 -> musllinux_1_2
    parts = platform.split("_")
    return "_".join(parts[:3]) if platform.startswith("musllinux_") else platform


def _no_candidate_reason(release: list[DistFile], wheels: list[DistFile], python: Version, target: Target) -> str:
    blocked = [f for f in release if not _admits(f.requires_python, python)]
    if blocked and len(blocked) == len(release):
        return f"requires Python {blocked[0].requires_python}, the target has {python}"
    sdists = sum(1 for f in release if f.is_sdist)
    return f"no wheel for {target.describe()} among {len(wheels)} wheels, and {'no usable' if sdists else 'no'} sdist"
