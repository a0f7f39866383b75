"""What a root says about itself: arch, Alpine release, C library, apk state.

Read from ROOT, following symlinks inside it only:

* ``lib/apk/db/installed``: what apk installed and which package owns which
  file (absent in a root apk never touched: then no package names);
* ``etc/apk/world``: what was asked for (``apk add`` names, ``--virtual`` names);
* ``etc/alpine-release``: ``3.16.3`` is release ``v3.16``; a pre-release
  (``3.21.0_alpha20240807``) is ``edge``;
* the arch: the apk database's ``musl`` record, else ``/lib/libc.musl-<arch>.so.1``,
  else the ``ld-musl-<LDSO_ARCH>.so.1`` loader's name;
* the C library: musl when ROOT has the musl loader, glibc when it has a
  glibc loader instead (or besides, in a root that is not Alpine: a Debian
  with the ``musl`` package installed), else none.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from apkneed.alpine.atom import Dependency, parse_dependency
from apkneed.alpine.index import read_installed_db
from apkneed.alpine.package import Package
from apkneed.errors import InputError
from apkneed.scan.facts import LayoutFacts, LoaderFacts
from apkneed.scan.paths import FOUND, Lookup, resolve
from apkneed.scan.rootfs import FILE, RootFS
from apkneed.scan.problem import Problem

#: text files a scan reads (the installed database of a big image is a few MiB)
MAX_TEXT = 64 << 20

_RELEASE_RE = re.compile(r"^(\d+)\.(\d+)(?:\.\d+)?$")


@dataclass(frozen=True)
class RootSystem:
    arch: str | None
    arch_source: str
    release: str | None  # "v3.16", "edge"
    release_text: str | None  # the content of etc/alpine-release
    libc: str  # "musl", "glibc" or "none"
    interpreter: str | None  # in-root path of the musl loader, when ROOT has it
    installed: tuple[Package, ...] | None  # None: no apk database
    world: tuple[Dependency, ...] | None  # None: no world file
    problems: tuple[Problem, ...] = field(default=())


def read_text(rootfs: RootFS, lookup: Lookup, path: str, max_links: int = 40) -> str | None:
    """A text file of ROOT (symlinks followed inside ROOT), None when absent.

    Raises OSError when it exists but cannot be read.
    """
    found = resolve(path, lookup, max_links=max_links)
    if found.status != FOUND:
        if found.status in ("loop", "denied"):
            raise OSError(40 if found.status == "loop" else 13, f"{found.status} at {found.path}", path)
        return None
    if found.node is None or found.node.kind != FILE:
        raise OSError(21, "not a regular file", path)
    if found.node.size > MAX_TEXT:
        raise OSError(27, f"larger than {MAX_TEXT} bytes", path)
    with rootfs.open(found.path) as stream:
        return stream.read(MAX_TEXT + 1).decode("utf-8", "replace")


def release_from_text(text: str | None) -> str | None:
    """``3.16.3`` -> ``v3.16``; a pre-release or snapshot -> ``edge``."""
    if not text:
        return None
    text = text.strip()
    if not text:
        return None
    match = _RELEASE_RE.match(text)
    if match:
        return f"v{match[1]}.{match[2]}"
    if text[:1].isdigit():
        return "edge"
    return None


def parse_world(text: str) -> tuple[tuple[Dependency, ...], list[str]]:
    """World atoms, and the words that are not atoms."""
    atoms, bad = [], []
    for word in text.split():
        try:
            atoms.append(parse_dependency(word))
        except InputError:
            bad.append(word)
    return tuple(atoms), bad


def detect_arch(
    installed: tuple[Package, ...] | None, lookup: Lookup, loader: LoaderFacts
) -> tuple[str | None, str]:
    """The root's Alpine arch and where it was read from."""
    if installed:
        for package in installed:
            if package.name == "musl" and package.arch in loader.arches:
                return package.arch, "apk database (musl package)"
        counts = Counter(p.arch for p in installed if p.arch in loader.arches)
        if counts:
            return counts.most_common(1)[0][0], "apk database"
    for arch in loader.arches:
        if resolve(loader.libc_file.format(arch=arch), lookup, max_links=loader.max_symlinks).status == FOUND:
            return arch, loader.libc_file.format(arch=arch)
    for arch, interpreter in loader.interpreters().items():
        if resolve(interpreter, lookup, max_links=loader.max_symlinks).status == FOUND:
            return arch, interpreter
    return None, "unknown"


def detect_libc(arch: str | None, lookup: Lookup, loader: LoaderFacts, *, alpine: bool = True) -> tuple[str, str | None]:
    """("musl", loader path) / ("glibc", musl loader path or None) / ("none", None).

    ``alpine`` says whether ROOT shows it is Alpine (an apk database or
    ``etc/alpine-release``). A root with both loaders is a glibc system with
    musl installed beside (Debian's ``musl`` package puts the loader in
    ``/lib``) unless it is Alpine (where gcompat adds a glibc loader name).
    """
    glibc = any(
        resolve(interpreter, lookup, max_links=loader.max_symlinks).status == FOUND
        for interpreter in loader.glibc_interpreters
    )
    own = loader.interpreter_for(arch) if arch else None
    for interpreter in [own] if own else loader.interpreters().values():
        found = resolve(interpreter, lookup, max_links=loader.max_symlinks)
        if found.status == FOUND and found.node is not None and found.node.kind == FILE:
            # a glibc root with musl beside: the loader is named, the libc is glibc
            return ("glibc" if glibc and not alpine else "musl"), interpreter
    return ("glibc", None) if glibc else ("none", None)


def read_root_system(rootfs: RootFS, lookup: Lookup, loader: LoaderFacts, layout: LayoutFacts) -> RootSystem:
    problems: list[Problem] = []

    def text_of(relative: str) -> str | None:
        path = "/" + relative
        try:
            return read_text(rootfs, lookup, path, loader.max_symlinks)
        except OSError as exc:
            problems.append(Problem("unreadable", path, f"{path}: cannot read ({exc.strerror or exc})"))
            return None

    installed: tuple[Package, ...] | None = None
    db_text = text_of(layout.installed_db)
    if db_text is not None:
        try:
            installed = read_installed_db(db_text, source="/" + layout.installed_db)
        except InputError as exc:
            problems.append(Problem("bad_database", "/" + layout.installed_db, f"{exc}; package names are not used"))
    world: tuple[Dependency, ...] | None = None
    world_text = text_of(layout.world_file)
    if world_text is not None:
        world, bad = parse_world(world_text)
        for word in bad:
            problems.append(Problem("bad_world", "/" + layout.world_file, f"/{layout.world_file}: {word!r} is not a dependency atom; ignored"))
    release_text = text_of(layout.release_file)
    arch, arch_source = detect_arch(installed, lookup, loader)
    alpine = db_text is not None or release_text is not None
    libc, interpreter = detect_libc(arch, lookup, loader, alpine=alpine)
    return RootSystem(
        arch=arch,
        arch_source=arch_source,
        release=release_from_text(release_text),
        release_text=release_text.strip() if release_text else None,
        libc=libc,
        interpreter=interpreter,
        installed=installed,
        world=world,
        problems=tuple(problems),
    )
