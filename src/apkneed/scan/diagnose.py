"""From the ELF files of a root to what cannot load: missing libraries, wrong libc, wrong arch.

Which objects to load, and as what:

* every ELF file built for another machine is reported (``wrong_arch``) and
  not loaded: it cannot run here at all;
* every file linked against glibc is reported (``wrong_libc``) and not
  loaded: musl would answer ``libc.so.6`` itself and then fail on the first
  glibc-only symbol ("Error relocating ...: symbol not found"), so its other
  NEEDED names are not the problem;
* every other file is loaded as a program (or as ``dlopen`` loads a Python
  extension) with :func:`apkneed.scan.loader.simulate_load`, unless another
  file NEEDs it by name: such a library is checked as part of whoever loads
  it, with its loader's RPATH in force as musl would have it (a library found
  through ``numpy.libs`` only in its caller's RPATH is not "missing"). A
  library NEEDed by name that no simulated load reaches is loaded on its own
  at the end.

A NEEDED name is missing when the load of any of those objects fails on it;
the report gives every object that needs it.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field

from apkneed.binary.elf import ElfInfo
from apkneed.binary.libc import GLIBC, interpreter_libc, soname_libc
from apkneed.scan.loader import LOADABLE_TYPES, Edge, ElfLookup, LoaderView, arch_label, simulate_load
from apkneed.scan.paths import FOUND, resolve
from apkneed.scan.problem import Problem
from apkneed.scan.walk import ElfFile


@dataclass
class Missing:
    """A NEEDED name that does not load, and every object that needs it."""

    name: str
    needed_by: set[str] = field(default_factory=set)
    reasons: set[str] = field(default_factory=set)
    #: the name is the program interpreter (PT_INTERP), not a NEEDED entry
    interpreter: bool = False


@dataclass(frozen=True)
class WrongLibc:
    path: str
    evidence: str
    needed_by: tuple[str, ...] = ()


@dataclass(frozen=True)
class WrongArch:
    path: str
    arch: str


@dataclass
class Diagnosis:
    missing: dict[str, Missing] = field(default_factory=dict)
    wrong_libc: dict[str, WrongLibc] = field(default_factory=dict)
    wrong_arch: list[WrongArch] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    loads: int = 0  # how many objects were loaded as programs


def glibc_evidence(info: ElfInfo) -> str:
    """One line saying why ``info`` needs glibc."""
    if info.glibc_max:
        return f"needs glibc {info.glibc_max} (GLIBC_ symbol versions)"
    if interpreter_libc(info.interp) == GLIBC:
        return f"its interpreter is glibc's {info.interp}"
    names = [n for n in info.needed if soname_libc(n) == GLIBC]
    return f"NEEDs glibc's {', '.join(names)}" if names else "linked against glibc"


def diagnose(elf_files: list[ElfFile], view: LoaderView, elf_of: ElfLookup) -> Diagnosis:
    out = Diagnosis()
    runnable: list[ElfFile] = []
    for elf in elf_files:
        info = elf.info
        if info.elf_type not in LOADABLE_TYPES:
            continue  # object files, core dumps: nothing loads them
        if view.elf_arch and info.arch != view.elf_arch:
            out.wrong_arch.append(WrongArch(elf.path, arch_label(info)))
            continue
        if info.libc == GLIBC:
            out.wrong_libc[elf.path] = WrongLibc(elf.path, glibc_evidence(info))
            continue
        runnable.append(elf)

    needed_names = {name for elf in runnable for name in elf.info.needed}
    first, later = [], []
    for elf in runnable:
        own_names = {posixpath.basename(elf.path), elf.info.soname}
        (later if own_names & needed_names else first).append(elf)

    memo: dict = {}
    reached: set[str] = set()
    undecidable: set[tuple[str, str]] = set()
    for group_index, group in enumerate((first, later)):
        for elf in group:
            if group_index and elf.path in reached:
                continue
            _check_interpreter(elf, view, out)
            result = simulate_load(elf.path, elf.info, view, elf_of, memo)
            out.loads += 1
            reached.update(obj.real for obj in result.objects)
            out.edges.extend(result.edges)
            undecidable.update(result.undecidable)
            for failure in result.failures:
                entry = out.missing.setdefault(failure.name, Missing(failure.name))
                entry.needed_by.add(failure.needed_by)
                entry.reasons.add(failure.reason)
            for loaded in result.glibc:
                needer = result.objects[loaded.parent].real if loaded.parent is not None else None
                known = out.wrong_libc.get(loaded.real)
                needed_by = tuple(sorted({*(known.needed_by if known else ()), *([needer] if needer else [])}))
                out.wrong_libc[loaded.real] = WrongLibc(loaded.real, glibc_evidence(loaded.info), needed_by)
    for needer, name in sorted(undecidable):
        out.problems.append(
            Problem("undecidable", needer, f"{needer}: NEEDED {name!r} is relative to the working directory; not checked")
        )
    return out


def _check_interpreter(elf: ElfFile, view: LoaderView, out: Diagnosis) -> None:
    interp = elf.info.interp
    if not interp:
        return
    found = resolve(interp, view.lookup, max_links=view.facts.max_symlinks)
    if found.status == FOUND and found.node is not None and found.node.kind == "file":
        return
    entry = out.missing.setdefault(interp, Missing(interp, interpreter=True))
    entry.needed_by.add(elf.path)
    entry.reasons.add("program interpreter not found" if found.status != FOUND else f"{interp} is not a file")
