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
