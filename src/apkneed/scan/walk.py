"""Finding the ELF files of a root and reading their dynamic-linking facts.

The walk starts at the usual places (``data/layout.json``: the bin dirs,
``/lib``, ``/usr/lib``, ``/usr/local``, ``/opt``) plus any ``--venv``. A
start directory that is a symlink is followed inside ROOT; symlinks below it
are not (the file a symlink names is scanned where it really lives, if that
is under a start directory), so the walk cannot loop or leave ROOT.

Each regular file is peeked at (its first four bytes compared with
``\\x7fELF``, its size checked against the smallest ELF header), and an ELF
file is read with
:func:`apkneed.binary.elf.read_elf` without its symbol table: headers, program
headers, the dynamic section and the strings it names, never the whole file.
A file that cannot be read or is a broken ELF becomes a :class:`Problem`, not
an exception.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from apkneed.binary.elf import ElfError, ElfInfo, is_elf, read_elf
from apkneed.scan.paths import FOUND, LOOP, Lookup, resolve
from apkneed.scan.problem import Problem
from apkneed.scan.rootfs import DIR, FILE, RootFS

#: the smallest ELF header (32-bit) is 52 bytes; nothing shorter can be loaded
MIN_ELF_SIZE = 52


@dataclass(frozen=True)
class ElfFile:
    path: str  # real in-root path
    info: ElfInfo


@dataclass
class Walk:
    """The regular files under the start directories."""

    files: list[str] = field(default_factory=list)  # real paths
    dirs: list[str] = field(default_factory=list)  # real directories walked, start ones first
    problems: list[Problem] = field(default_factory=list)


def walk_files(rootfs: RootFS, lookup: Lookup, starts: Iterable[str], max_links: int = 40) -> Walk:
    """Every regular file under ``starts`` (in-root paths), each real path once."""
    walk = Walk()
    visited: set[str] = set()
    for start in starts:
        found = resolve(start, lookup, max_links=max_links)
        if found.status == LOOP:
            walk.problems.append(Problem("symlink_loop", start, f"{start}: symlink loop; not scanned"))
            continue
        if found.status != FOUND or found.node is None or found.node.kind != DIR:
            continue  # an absent standard directory is normal
        if found.path in visited:
            continue
        walk.dirs.append(found.path)
        stack = [found.path]
        while stack:
            directory = stack.pop()
            if directory in visited:
                continue
            visited.add(directory)
            try:
                entries = rootfs.listdir(directory)
            except OSError as exc:
                walk.problems.append(
                    Problem("unlistable", directory, f"{directory}: cannot list directory ({exc.strerror or exc})")
                )
                continue
            base = directory.rstrip("/")
            for name, node in sorted(entries, key=lambda e: e[0], reverse=True):
                path = f"{base}/{name}"
                if node.kind == DIR:
                    stack.append(path)
                elif node.kind == FILE:
                    walk.files.append(path)
    return walk


@dataclass
class ElfScan:
    elf_files: list[ElfFile] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    files_seen: int = 0
    bytes_total: int = 0


def read_elf_files(rootfs: RootFS, files: list[str]) -> ElfScan:
    """Peek at each file once; read the ELF ones' facts."""
    scan = ElfScan()
    scan.files_seen = len(files)
    for path in rootfs.read_order(files):
        outcome = read_one(rootfs, path, scan)
        if isinstance(outcome, ElfInfo):
            scan.elf_files.append(ElfFile(path, outcome))
        elif outcome is not None:
            scan.problems.append(outcome)
    scan.elf_files.sort(key=lambda f: f.path)
    return scan


def read_one(rootfs: RootFS, path: str, scan: ElfScan | None = None) -> ElfInfo | Problem | None:
    """The ELF facts of one file; None when it is not ELF; a Problem when unreadable."""
    try:
        head, size = rootfs.peek(path, 4)
        if scan is not None:
            scan.bytes_total += size
        if size < MIN_ELF_SIZE or not is_elf(head):
            return None
        with rootfs.open(path) as stream:
            return read_elf(stream, path=path, symbols=False)
    except ElfError as exc:
        return Problem("bad_elf", path, str(exc))
    except OSError as exc:
        return Problem("unreadable", path, f"{path}: cannot read ({exc.strerror or exc})")
