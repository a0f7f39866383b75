"""What a plan keeps of a file's evidence: the records, their JSON form, and their cache.

Split from :mod:`apkneed.plan.evidence` (which reads wheels and sdists) so
that a warm plan, which reads every record back from the cache, never
imports the readers: the zip and tar code, the ELF reader and the sdist
clue patterns load only when evidence is gathered.

API::

    WheelEvidence, SdistEvidence, ExternalNeed      # .to_json(), .from_json(data)
    EvidenceCache(root)                              # .load(name, parse), .store(name, evidence)
    inspector_fingerprint() -> str                   # the code and data that make evidence
    EVIDENCE_SCHEMA
"""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path
from typing import Any, Callable, TypeVar

from apkneed import __version__
from apkneed.cache import atomic_write
from apkneed.python.clue import Clue
from apkneed.records import Frozen, set_field

_T = TypeVar("_T")

#: bump when the cached JSON changes shape or meaning
EVIDENCE_SCHEMA = 5  # 4: wheel evidence carries the bundled BLAS ("blas"); 5: run-time loads of pure wheels


class ExternalNeed(Frozen):
    """A shared object the system must provide, and the members that need it."""

    __slots__ = ("soname", "needed_by")

    soname: str
    needed_by: tuple[str, ...]

    def __init__(self, soname: str, needed_by: tuple[str, ...]) -> None:
        set_field(self, "soname", soname)
        set_field(self, "needed_by", needed_by)


class WheelEvidence(Frozen):
    __slots__ = (
        "filename",
        "sha256",
        "compatible",
        "problems",
        "external",
        "vendored",
        "import_names",
        "elf_objects",
        "blas",
        "runtime_loads",
        "bytes_read",
    )
    #: bytes_read is not compared (as ``field(compare=False)`` was), but shown
    _compared = __slots__[:-1]
    _shown = __slots__

    filename: str
    sha256: str | None
    compatible: bool
    #: (severity, code, message) from the ELF and tag checks
    problems: tuple[tuple[str, str, str], ...]
    external: tuple[ExternalNeed, ...]
    vendored: tuple[str, ...]
    import_names: tuple[str, ...]
    elf_objects: int
    #: the BLAS the wheel bundles (apkneed.binary.blasconfig.WheelBlas as JSON), None when none
    blas: dict[str, Any] | None
    #: libraries a pure wheel's Python code loads at run time (ctypes.util.find_library, CDLL, dlopen)
    runtime_loads: tuple[Clue, ...]
    #: bytes fetched to build this evidence (0 when read from the cache)
    bytes_read: int

    def __init__(
        self,
        filename: str,
        sha256: str | None,
        compatible: bool,
        problems: tuple[tuple[str, str, str], ...],
        external: tuple[ExternalNeed, ...],
        vendored: tuple[str, ...],
        import_names: tuple[str, ...],
        elf_objects: int,
        blas: dict[str, Any] | None = None,
        runtime_loads: tuple[Clue, ...] = (),
        bytes_read: int = 0,
    ) -> None:
        set_field(self, "filename", filename)
        set_field(self, "sha256", sha256)
        set_field(self, "compatible", compatible)
        set_field(self, "problems", problems)
        set_field(self, "external", external)
        set_field(self, "vendored", vendored)
        set_field(self, "import_names", import_names)
        set_field(self, "elf_objects", elf_objects)
        set_field(self, "blas", blas)
        set_field(self, "runtime_loads", runtime_loads)
        set_field(self, "bytes_read", bytes_read)

    def to_json(self) -> dict[str, Any]:
        data = self.as_dict()
        data.pop("bytes_read")
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> WheelEvidence:
        return cls(
            filename=data["filename"],
            sha256=data["sha256"],
            compatible=bool(data["compatible"]),
            problems=tuple(tuple(p) for p in data["problems"]),  # type: ignore[misc]
            external=tuple(ExternalNeed(e["soname"], tuple(e["needed_by"])) for e in data["external"]),
            vendored=tuple(data["vendored"]),
            import_names=tuple(data["import_names"]),
            elf_objects=int(data["elf_objects"]),
            blas=data["blas"],
            runtime_loads=tuple(
                Clue(c["kind"], c["name"], c["file"], int(c["line"]), bool(c["optional"])) for c in data["runtime_loads"]
            ),
        )


class SdistEvidence(Frozen):
    __slots__ = (
        "filename",
        "sha256",
        "external",
        "build_backend",
        "build_requires",
        "languages",
        "markers",
        "top_level",
        "problems",
        "has_setup_py",
        "project_urls",
        "clues",
    )

    filename: str
    sha256: str | None
    #: the raw ``[external]`` table of pyproject.toml, None when it has none
    external: dict[str, Any] | None
    build_backend: str | None
    build_requires: tuple[str, ...]
    #: (language, number of source files), most files first
    languages: tuple[tuple[str, int], ...]
    #: what says the build compiles: "setup.py ext_modules", "meson.build", ...
    markers: tuple[str, ...]
    top_level: tuple[str, ...]
    problems: tuple[str, ...]
    has_setup_py: bool
    #: Home-page and Project-URL values of its PKG-INFO (PyPI's metadata)
    project_urls: tuple[str, ...]
    #: what its build files and sources say it links (python.sdist_build.Clue)
    clues: tuple[Clue, ...]

    def __init__(
        self,
        filename: str,
        sha256: str | None,
        external: dict[str, Any] | None,
        build_backend: str | None,
        build_requires: tuple[str, ...],
        languages: tuple[tuple[str, int], ...],
        markers: tuple[str, ...],
        top_level: tuple[str, ...],
        problems: tuple[str, ...] = (),
        has_setup_py: bool = False,
        project_urls: tuple[str, ...] = (),
        clues: tuple[Clue, ...] = (),
    ) -> None:
        set_field(self, "filename", filename)
        set_field(self, "sha256", sha256)
        set_field(self, "external", external)
        set_field(self, "build_backend", build_backend)
        set_field(self, "build_requires", build_requires)
        set_field(self, "languages", languages)
        set_field(self, "markers", markers)
        set_field(self, "top_level", top_level)
        set_field(self, "problems", problems)
        set_field(self, "has_setup_py", has_setup_py)
        set_field(self, "project_urls", project_urls)
        set_field(self, "clues", clues)

    @property
    def compiled(self) -> bool:
        return bool(self.languages) or bool(self.markers)

    def to_json(self) -> dict[str, Any]:
        return self.as_dict()

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SdistEvidence:
        return cls(
            filename=data["filename"],
            sha256=data["sha256"],
            external=data["external"],
            build_backend=data["build_backend"],
            build_requires=tuple(data["build_requires"]),
            languages=tuple((lang, int(n)) for lang, n in data["languages"]),
            markers=tuple(data["markers"]),
            top_level=tuple(data["top_level"]),
            problems=tuple(data["problems"]),
            has_setup_py=bool(data["has_setup_py"]),
            project_urls=tuple(data["project_urls"]),
            clues=tuple(Clue(c["kind"], c["name"], c["file"], int(c["line"]), bool(c["optional"])) for c in data["clues"]),
        )


@functools.cache
def inspector_fingerprint() -> str:
    """A digest of the code and data that produce evidence (the ELF reader, the
    musllinux policy, this module, the records' JSON form): cached evidence is
    only reused by the same inspector, so a fixed check is never masked by an old answer."""
    digest = hashlib.sha256()
    here = Path(__file__).resolve().parent
    binary = here.parent / "binary"  # located, not imported: it is heavy
    python = here.parent / "python"
    records = here.parent / "records.py"  # Frozen.as_dict writes the JSON form
    readers = [here / "evidence.py", python / "sdist_build.py", python / "clue.py", records]
    for path in sorted([*binary.glob("*.py"), *binary.glob("data/*"), Path(__file__), *readers]):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


class EvidenceCache:
    """JSON entries by name under ``root`` (written whole, through a rename)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, name: str) -> Path:
        return self.root / name[:2] / f"{name}.json"

    def load(self, name: str, parse: Callable[[dict[str, Any]], _T]) -> _T | None:
        """The entry read back through ``parse``; None when absent, stale or of another shape."""
        try:
            data = json.loads(self._path(name).read_bytes())
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("schema") != EVIDENCE_SCHEMA or data.get("apkneed") != __version__:
            return None
        if data.get("inspector") != inspector_fingerprint():
            return None
        try:
            return parse(data["evidence"])
        except (KeyError, TypeError, ValueError):
            return None  # an entry of another shape: recomputed and rewritten

    def store(self, name: str, evidence: dict[str, Any]) -> None:
        payload = {
            "schema": EVIDENCE_SCHEMA, "apkneed": __version__, "inspector": inspector_fingerprint(),
            "evidence": evidence,
        }
        atomic_write(self._path(name), json.dumps(payload, sort_keys=True).encode())
