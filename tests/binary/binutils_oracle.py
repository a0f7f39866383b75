"""binutils as the independent truth: what readelf and nm say about a file."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ReadelfFacts:
    needed: tuple[str, ...]
    soname: str | None
    rpath: tuple[str, ...]
    runpath: tuple[str, ...]
    interp: str | None
    version_names: tuple[str, ...]
    undefined_strong: frozenset[str]
    machine: str
    elf_class: str


def _run(*command: str) -> str:
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def readelf_facts(path: Path) -> ReadelfFacts:
    dynamic = _run("readelf", "-dW", str(path))
    headers = _run("readelf", "-hlW", str(path))
    versions = _run("readelf", "-VW", str(path))
    undefined = _run("nm", "-D", "--undefined-only", str(path))

    def single(label: str) -> str | None:
        match = re.search(rf"\({label}\)\s+.*?\[(.*)\]", dynamic)
        return match[1] if match else None

    rpath, runpath = single("RPATH"), single("RUNPATH")
    interp = re.search(r"Requesting program interpreter: (.*)\]", headers)
    need_section = versions.split("Version needs section")[1] if "Version needs section" in versions else ""
    return ReadelfFacts(
        needed=tuple(re.findall(r"\(NEEDED\)\s+Shared library: \[(.*)\]", dynamic)),
        soname=single("SONAME"),
        rpath=tuple(rpath.split(":")) if rpath else (),
        runpath=tuple(runpath.split(":")) if runpath else (),
        interp=interp[1] if interp else None,
        version_names=tuple(re.findall(r"Name: (\S+)\s+Flags", need_section)),
        # nm marks strong undefined symbols "U", weak ones "w"/"v"
        undefined_strong=frozenset(
            line.split()[-1].split("@")[0] for line in undefined.splitlines() if line.split()[:1] == ["U"]
        ),
        machine=re.search(r"Machine:\s+(.*)", headers)[1].strip(),
        elf_class=re.search(r"Class:\s+(\S+)", headers)[1],
    )


def nm_dynamic_symbols(path: Path) -> tuple[frozenset[str], frozenset[str]]:
    """(defined, undefined) dynamic symbol names, as ``nm -D`` lists them.

    Defined means listed by ``--defined-only`` with a global or weak letter:
    upper case, ``i`` (an IFUNC) or ``u`` (a GNU unique global); lower-case
    letters are local symbols, which nothing outside the object can bind to.
    Version suffixes (``memcpy@@GLIBC_2.14``) are cut off.
    """

    def names(*options: str, keep) -> frozenset[str]:
        out = _run("nm", "-D", *options, str(path))
        rows = (line.split() for line in out.splitlines())
        return frozenset(row[-1].split("@")[0] for row in rows if len(row) >= 2 and keep(row[-2]))

    defined = names("--defined-only", keep=lambda letter: letter.isupper() or letter in "iu")
    undefined = names("--undefined-only", keep=lambda letter: True)
    return defined, undefined
