"""What a wheel really needs from the system, read from its ELF members.

API::

    inspect_wheel(stream, filename, *, target, providers=None,
                  limits=ZipLimits(), policy=None) -> WheelReport
    read_wheel_objects(archive, *, limits=ZipLimits()) -> (objects, problems)
    resolve_needed(objects, members) -> tuple[Resolution, ...]
    SoProviders = Callable[[str], Sequence[str]]   # soname -> apk package names

``stream`` is any seekable binary file object holding the wheel (a local
file, ``io.BytesIO``, an HTTP range-request file); nothing is extracted to
disk. Only members that can be ELF objects are read: ``*.so`` / ``*.so.N``
names, and members with an executable mode bit or under ``*.data/scripts/``
(kept only when they start with the ELF magic). From a range-request file
that is what makes inspection cheap: the ``.py`` files are never fetched.

Each NEEDED entry is resolved, in this order:

* vendored: found in the wheel through the object's RUNPATH (else RPATH) with
  ``$ORIGIN`` relative to the object's directory, or next to the object, or
  in a top-level ``*.libs/`` directory (where auditwheel puts them), or as
  the SONAME of another ELF object of the wheel;
* libc: a name of the C library itself (musl ``libc.musl-<arch>.so.1`` /
  ``libc.so``; glibc ``libc.so.6``, ``libm.so.6``, ``ld-linux-*`` ...);
* external: everything else. The system must provide it; ``providers``
  (e.g. the ``so:`` provides of an apk index) names the packages that do.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Callable, Collection, Sequence
from typing import BinaryIO

from packaging.tags import Tag
from packaging.utils import InvalidWheelFilename, parse_wheel_filename

from apkneed.binary.elf import ElfError, ElfInfo, expand_origin, is_elf, read_elf
from apkneed.binary.libc import GLIBC, MUSL, NO_LIBC, soname_libc
from apkneed.binary.policy import Policy, Target, check_wheel
from apkneed.binary.report import ERROR, WARNING, External, Problem, Resolution, WheelReport
from apkneed.binary.zipread import MemberError, ZipLimits, open_member, open_zip, read_member_head
from apkneed.errors import InputError

SoProviders = Callable[[str], Sequence[str]]

_SHARED_OBJECT_RE = re.compile(r"\.so(\.[0-9A-Za-z_]+)*$")
_SCRIPTS_RE = re.compile(r"^[^/]+\.data/scripts/")


def inspect_wheel(
    stream: BinaryIO,
    filename: str,
    *,
    target: Target,
    providers: SoProviders | None = None,
    limits: ZipLimits = ZipLimits(),
    policy: Policy | None = None,
) -> WheelReport:
    """Inspect one wheel. Raises InputError when the file name or the archive
    as a whole is unusable; everything else becomes a problem in the report."""
    tags = wheel_tags(filename)
    archive = open_zip(stream, source=filename, limits=limits)
    with archive:
        objects, problems = read_wheel_objects(archive, limits=limits)
        members = {info.filename for info in archive.infolist() if not info.is_dir()}
    resolutions = resolve_needed(objects, members)
    external = external_libraries(resolutions, providers)
    if providers is not None:
        problems += [
            Problem(WARNING, "no-provider", f"no apk package provides so:{e.soname} in the index")
            for e in external
            if not e.provided_by
        ]
    problems = check_wheel(tags, objects, external, target, policy) + problems
    return WheelReport(
        file=posixpath.basename(filename),
        tags=tuple(sorted(str(t) for t in tags)),
        libc=wheel_libc(objects),
        problems=tuple(_most_severe_first(problems)),
        objects=tuple(objects),
        resolutions=resolutions,
        vendored=tuple(sorted({r.target for r in resolutions if r.kind == "vendored" and r.target})),
        external=tuple(external),
        target_arch=target.arch,
    )


def wheel_tags(filename: str) -> frozenset[Tag]:
    try:
        _, _, _, tags = parse_wheel_filename(posixpath.basename(filename))
    except InvalidWheelFilename as exc:
        raise InputError(f"{filename}: not a wheel file name ({exc})") from None
    return tags


def _most_severe_first(problems: list[Problem]) -> list[Problem]:
    rank = {ERROR: 0, WARNING: 1}
    return sorted(problems, key=lambda p: rank.get(p.severity, 2))


def is_object_candidate(info: zipfile.ZipInfo) -> bool:
    """Could this member be an ELF object? (decided from the name and mode only)"""
    name = info.filename
    if not name or info.is_dir():  # is_dir() fails on an empty name
        return False
    mode = info.external_attr >> 16
    return bool(_SHARED_OBJECT_RE.search(name) or mode & 0o111 or _SCRIPTS_RE.match(name))


def read_wheel_objects(
    archive: zipfile.ZipFile, *, limits: ZipLimits = ZipLimits()
) -> tuple[list[ElfInfo], list[Problem]]:
    """Read the ELF members; a member that cannot be read becomes a problem."""
    objects: list[ElfInfo] = []
    problems: list[Problem] = []
    for info in archive.infolist():
        if not is_object_candidate(info):
            continue
        name = info.filename
        shared_object_name = bool(_SHARED_OBJECT_RE.search(name))
        try:
            if not shared_object_name and not is_elf(read_member_head(archive, info, 4)):
                continue  # an executable script, not an ELF program
            with open_member(archive, info, limits) as stream:
                objects.append(read_elf(stream, path=name))
        except (ElfError, MemberError) as exc:
            problems.append(Problem(ERROR, "unreadable-object", str(exc), name))
    return objects, problems


def resolve_needed(objects: Sequence[ElfInfo], members: Collection[str]) -> tuple[Resolution, ...]:
    """Resolve every NEEDED entry of every object (see the module docstring)."""
    by_soname = {o.soname: o.path for o in objects if o.soname}
    libs_dirs: dict[str, str] = {}
    for member in sorted(members):
        top, _, rest = member.partition("/")
        if top.endswith(".libs") and rest and "/" not in rest:
            libs_dirs.setdefault(rest, member)
    out = []
    for obj in objects:
        directory = posixpath.dirname(obj.path)
        via_tag = "runpath" if obj.runpath else "rpath"
        search = [d for d in expand_origin(obj.search_path, directory) if not d.startswith("/")]
        for soname in obj.needed:
            out.append(_resolve_one(obj.path, soname, directory, search, via_tag, members, libs_dirs, by_soname))
    return tuple(out)


def _resolve_one(
    needed_by: str,
    soname: str,
    directory: str,
    search: list[str],
    via_tag: str,
    members: Collection[str],
    libs_dirs: dict[str, str],
    by_soname: dict[str, str],
) -> Resolution:
    for entry in search:
        candidate = posixpath.normpath(posixpath.join(entry, soname))
        if candidate in members:
            return Resolution(needed_by, soname, "vendored", via_tag, candidate)
    sibling = posixpath.join(directory, soname) if directory else soname
    if sibling in members:
        return Resolution(needed_by, soname, "vendored", "sibling", sibling)
    if soname in libs_dirs:
        return Resolution(needed_by, soname, "vendored", "libs-dir", libs_dirs[soname])
    if soname in by_soname:
        return Resolution(needed_by, soname, "vendored", "soname", by_soname[soname])
    if soname_libc(soname) is not None:
        return Resolution(needed_by, soname, "libc")
    return Resolution(needed_by, soname, "external")


def external_libraries(resolutions: Sequence[Resolution], providers: SoProviders | None) -> list[External]:
    """One entry per external soname, with the apk packages that provide it."""
    needed_by: dict[str, list[str]] = {}
    for r in resolutions:
        if r.kind == "external":
            needed_by.setdefault(r.soname, []).append(r.needed_by)
    return [
        External(
            soname,
            tuple(providers(soname)) if providers is not None else (),
            tuple(dict.fromkeys(paths)),
        )
        for soname, paths in sorted(needed_by.items())
    ]


def wheel_libc(objects: Sequence[ElfInfo]) -> str:
    """glibc if any object needs glibc, else musl if any links musl, else none."""
    flavours = {o.libc for o in objects}
    for flavour in (GLIBC, MUSL):
        if flavour in flavours:
            return flavour
    return NO_LIBC
