"""The result of inspecting a wheel, as plain data with its JSON form.

JSON shape (``WheelReport.as_json``)::

    {"file": "numpy-2.2.6-cp310-cp310-musllinux_1_2_x86_64.whl",
     "tags": ["cp310-cp310-musllinux_1_2_x86_64"],
     "libc": "musl" | "glibc" | "none",
     "compatible": true,
     "problems": [{"severity": "error"|"warning"|"info", "code": "...",
                   "message": "...", "path": "..." | null}],
     "objects": [{"path", "needed": [...], "rpath": [...], "soname"}],
     "vendored": ["numpy.libs/libgfortran-....so.5.0.0", ...],
     "external": [{"soname": "libz.so.1", "provided_by": ["zlib"]}]}

``rpath`` is the search path the loader uses: RUNPATH when present, else
RPATH, raw (``$ORIGIN`` unexpanded). ``compatible`` is true when no problem
has severity "error".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from apkneed.binary.elf import ElfInfo

ERROR, WARNING, INFO = "error", "warning", "info"


@dataclass(frozen=True)
class Problem:
    severity: str  # ERROR: cannot work on the target; WARNING: may not; INFO: worth knowing
    code: str  # stable, for machines: "manylinux-on-musl", "needs-glibc", ...
    message: str  # one line, for people
    path: str | None = None  # the wheel member concerned, if one

    def as_json(self) -> dict[str, Any]:
        return {"severity": self.severity, "code": self.code, "message": self.message, "path": self.path}


@dataclass(frozen=True)
class Resolution:
    """How one NEEDED entry of one object is satisfied."""

    needed_by: str  # member path of the object
    soname: str
    kind: str  # "vendored" | "libc" | "external"
    via: str | None = None  # vendored: "runpath", "rpath", "sibling", "libs-dir", "soname"
    target: str | None = None  # vendored: the member that satisfies it


@dataclass(frozen=True)
class External:
    soname: str
    provided_by: tuple[str, ...]  # apk packages with so:<soname>; empty when unknown
    needed_by: tuple[str, ...]  # member paths, the evidence

    def as_json(self) -> dict[str, Any]:
        return {"soname": self.soname, "provided_by": list(self.provided_by)}


@dataclass(frozen=True)
class WheelReport:
    file: str
    tags: tuple[str, ...]
    libc: str
    problems: tuple[Problem, ...]
    objects: tuple[ElfInfo, ...]
    resolutions: tuple[Resolution, ...]
    vendored: tuple[str, ...]
    external: tuple[External, ...]
    target_arch: str | None = None  # the Alpine arch the problems were judged for

    @property
    def compatible(self) -> bool:
        return not any(p.severity == ERROR for p in self.problems)

    def as_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "tags": list(self.tags),
            "libc": self.libc,
            "compatible": self.compatible,
            "problems": [p.as_json() for p in self.problems],
            "objects": [
                {"path": o.path, "needed": list(o.needed), "rpath": list(o.search_path), "soname": o.soname}
                for o in self.objects
            ],
            "vendored": list(self.vendored),
            "external": [e.as_json() for e in self.external],
        }
