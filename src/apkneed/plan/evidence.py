"""Evidence about one file of a release: what its wheel needs, what its sdist builds.

Shared by ``apkneed plan`` and (later) ``apkneed inspect REQUIREMENT``.

* :func:`inspect_remote_wheel` reads the wheel pip would install through the
  PyPI client's range-request file: only the zip directory and the members
  that can be ELF objects are fetched, never the ``.py`` files; a wheel that
  is mostly ELF objects is downloaded whole in one request instead (verified
  and cached). Returns the full :class:`~apkneed.binary.report.WheelReport`.
* :func:`wheel_evidence` is the summary a plan needs (external sonames and
  the members that need them, vendored libraries, problems, import names),
  cached by the wheel's sha256 and the target: a wheel's bytes never change
  under its hash, so the evidence cannot go stale. A warm plan reads it back
  instead of fetching the ELF members again.
* :func:`sdist_evidence` downloads the sdist (through the client: verified
  against the index's sha256 and cached) and reads, in memory and within
  :class:`SdistLimits`: ``pyproject.toml`` (its PEP 725 ``[external]`` table
  and ``[build-system]``), the languages of its source files, the markers of
  a compiled build (``ext_modules`` in ``setup.py``, ``meson.build``,
  ``CMakeLists.txt``, ``Cargo.toml``) and ``*.egg-info/top_level.txt``.
  Nothing is extracted to disk. Cached by sha256 like wheel evidence.

The records and their cache are :mod:`apkneed.plan.evidence_records` (a warm
plan imports only that). The cache lives under ``<cache root>/plan/evidence``
and is written through :func:`apkneed.cache.atomic_write`: a reader sees a
whole entry or none. An entry that does not parse, or was written by another
evidence schema, apkneed version or inspector (:func:`inspector_fingerprint`:
the ELF reader's code and policy data), is ignored and rewritten.

API::

    inspect_remote_wheel(client, file, *, target, providers=None) -> RemoteWheel
    wheel_evidence(client, file, target, *, cache=None) -> WheelEvidence
    sdist_evidence(client, file, *, cache=None) -> SdistEvidence
    read_sdist(data, filename, limits=SdistLimits()) -> SdistEvidence     # pure
    top_level_names(member_names) -> tuple[str, ...]                      # pure
    EvidenceCache(root)                      # from evidence_records, as are the records
"""

from __future__ import annotations

import io
import lzma
import posixpath
import tarfile
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable

from apkneed import tomlfile
from apkneed.binary.zipread import MemberError, ZipError, open_zip
from apkneed.errors import EnvironmentFailure, InputError
from apkneed.plan.evidence_records import (  # the records, kept here too for the readers' callers
    EVIDENCE_SCHEMA,
    EvidenceCache,
    ExternalNeed,
    SdistEvidence,
    WheelEvidence,
    inspector_fingerprint,
)
from apkneed.python.clue import Clue
from apkneed.python.sdist_build import SOURCE_CAP, build_member_cap, in_build_tree, read_clues

if TYPE_CHECKING:  # the ELF reader and the PyPI client load only when evidence is gathered
    from apkneed.binary.policy import Target as BinaryTarget
    from apkneed.binary.report import WheelReport
    from apkneed.binary.wheel import SoProviders
    from apkneed.python.pypi import DistFile

#: source file suffix -> the language a build of it needs a compiler for
LANGUAGE_SUFFIXES = {
    ".c": "c", ".pyx": "cython", ".cpp": "c++", ".cc": "c++", ".cxx": "c++", ".c++": "c++",
    ".f": "fortran", ".f77": "fortran", ".f90": "fortran", ".f95": "fortran", ".for": "fortran",
    ".rs": "rust",
}
_NOT_MODULES = (".dist-info", ".data", ".libs", ".egg-info")
#: a wheel without ELF files up to this size is read whole for run-time library loads
PURE_WHEEL_SCAN = 4 * 1024 * 1024
#: above this share of a wheel's size in possible ELF members, download it whole
WHOLE_FILE_SHARE = 0.5


@dataclass(frozen=True)
class SdistLimits:
    """What reading an sdist in memory may cost at most."""

    members: int = 200_000
    #: pyproject.toml, setup.py and top_level.txt are read whole up to this size
    text_file: int = 1024 * 1024
    #: build files and sources read for clues (python.sdist_build), in all
    clue_bytes: int = 24 * 1024 * 1024


@dataclass(frozen=True)
class RemoteWheel:
    report: WheelReport
    member_names: tuple[str, ...]
    bytes_read: int
    #: small text members read in the same pass: ``<package>/__config__.py`` (name -> text)
    configs: dict[str, str] = field(default_factory=dict)


# ------------------------------------------------------------------ wheels ----


def inspect_remote_wheel(
    client, file: DistFile, *, target: BinaryTarget, providers: SoProviders | None = None
) -> RemoteWheel:
    """Inspect a wheel of the index through range reads (or the cached file).

    When the members that can be ELF objects make up most of the wheel
    (NumPy, SciPy: vendored OpenBLAS and friends), range reads would fetch
    nearly every byte anyway, in many sequential requests; the whole file is
    then downloaded in one request instead, verified against the index's
    sha256 and cached by the client.
    """
    from apkneed.binary.wheel import inspect_wheel

    stream = client.open(file)
    read_before_switch = 0
    if hasattr(stream, "bytes_downloaded") and file.size and file.sha256:
        try:
            with open_zip(stream, source=file.filename) as archive:
                whole = whole_download_pays(archive.infolist(), file.size)
        except ZipError as exc:
            stream.close()
            raise EnvironmentFailure(str(exc)) from None
        if whole:
            read_before_switch = int(stream.bytes_downloaded or 0)
            stream.close()
            stream = io.BytesIO(client.download(file))  # counted by the client itself
    try:
        report = inspect_wheel(stream, file.filename, target=target, providers=providers)
        # The zip directory is already in memory: listing it costs no request.
        stream.seek(0)
        with open_zip(stream, source=file.filename) as archive:
            names = tuple(info.filename for info in archive.infolist() if not info.is_dir())
            configs = _read_configs(archive)
    except InputError as exc:  # inspect_wheel's and open_zip's refusals: the index served a bad wheel
        raise EnvironmentFailure(str(exc)) from None
    finally:
        read = int(getattr(stream, "bytes_downloaded", 0) or 0) + read_before_switch
        stream.close()
    return RemoteWheel(report, names, read, configs)


def _read_configs(archive: zipfile.ZipFile) -> dict[str, str]:
    """NumPy's and SciPy's ``__config__.py`` (a few KiB each; one small range
    read, or nothing when the wheel was downloaded whole): they name the
    bundled BLAS and its version. A damaged or oversized member is skipped:
    it only costs the BLAS facts, never the ELF evidence."""
    from apkneed.binary.blasconfig import CONFIG_MAX_BYTES, config_members

    configs: dict[str, str] = {}
    for info in archive.infolist():
        if not config_members([info.filename]) or info.file_size > CONFIG_MAX_BYTES:
            continue
        try:
            with archive.open(info) as member:
                configs[info.filename] = member.read(CONFIG_MAX_BYTES + 1)[:CONFIG_MAX_BYTES].decode("utf-8", "replace")
        except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError, RuntimeError,
                zlib.error, lzma.LZMAError):
            continue  # corrupt, encrypted or unsupported: only the BLAS facts are lost
    return configs


def whole_download_pays(members: Iterable[zipfile.ZipInfo], size: int) -> bool:
    """Do the members that can be ELF objects make up more than WHOLE_FILE_SHARE of the file?"""
    from apkneed.binary.wheel import is_object_candidate

    elf = sum(info.compress_size for info in members if is_object_candidate(info))
    return elf > WHOLE_FILE_SHARE * size


def wheel_evidence(client, file: DistFile, target: BinaryTarget, *, cache: EvidenceCache | None = None) -> WheelEvidence:
    """What a plan needs to know about a wheel (module docstring); cached by sha256 and target."""
    key = None
    if cache is not None and file.sha256:
        python = "".join(map(str, target.python or ()))
        key = f"{file.sha256}-wheel-{target.arch}-py{python}-musl{target.musl_version or 'any'}"
        cached = cache.load(key, WheelEvidence.from_json)
        if cached is not None:
            return cached
    remote = inspect_remote_wheel(client, file, target=target)
    report = remote.report
    evidence = WheelEvidence(
        filename=file.filename,
        sha256=file.sha256,
        compatible=report.compatible,
        problems=tuple((p.severity, p.code, p.message) for p in report.problems),
        external=tuple(ExternalNeed(e.soname, tuple(e.needed_by)) for e in report.external),
        vendored=report.vendored,
        import_names=top_level_names(remote.member_names),
        elf_objects=len(report.objects),
        blas=_blas_of(report.vendored, remote.configs),
        bytes_read=remote.bytes_read,
    )
    if not report.objects and file.size is not None and file.size <= PURE_WHEEL_SCAN:
        # No ELF file, yet it may load a library at run time (python-magic -> libmagic):
        # a small pure wheel is read whole (verified, cached) for ctypes/cffi loads.
        loads = runtime_loads(client.download(file), file.filename)
        evidence = evidence.replace(runtime_loads=loads, bytes_read=evidence.bytes_read + file.size)
    if key is not None:
        cache.store(key, evidence.to_json())
    return evidence


def runtime_loads(data: bytes, filename: str) -> tuple[Clue, ...]:
    """The ``runtime-library`` clues of a wheel's ``.py`` members (bounded; unreadable -> none)."""
    texts: dict[str, bytes] = {}
    total = 0
    try:
        with open_zip(io.BytesIO(data), source=filename) as archive:
            for info in archive.infolist():
                if not info.filename.endswith(".py") or info.file_size > SOURCE_CAP or total > PURE_WHEEL_SCAN:
                    continue
                with archive.open(info) as stream:
                    text = stream.read(SOURCE_CAP)
                if b"find_library" in text or b"CDLL" in text or b"dlopen" in text or b"LoadLibrary" in text:
                    texts[f"wheel/{info.filename}"] = text
                total += len(text)
    except (ZipError, MemberError, zipfile.BadZipFile, NotImplementedError, RuntimeError, EOFError, OSError,
            zlib.error, lzma.LZMAError):
        return ()
    return tuple(c for c in read_clues(texts, list(texts), "wheel") if c.kind == "runtime-library")


def _blas_of(vendored: Iterable[str], configs: dict[str, str]) -> dict[str, Any] | None:
    from apkneed.binary.blasconfig import wheel_blas

    found = wheel_blas(vendored, configs)
    return found.to_json() if found else None


def top_level_names(member_names: Iterable[str]) -> tuple[str, ...]:
    """Importable top-level names of a wheel: packages and modules at its root."""
    names: dict[str, None] = {}
    for member in member_names:
        head, slash, _ = member.partition("/")
        if slash:
            if head.endswith(_NOT_MODULES) or head == "__pycache__" or not head.isidentifier():
                continue
            names.setdefault(head, None)
        elif member.endswith(".py") or ".so" in member or member.endswith(".pyd"):
            module = member.split(".")[0]
            if module.isidentifier():
                names.setdefault(module, None)
    return tuple(sorted(names))


# ------------------------------------------------------------------ sdists ----


def sdist_evidence(client, file: DistFile, *, cache: EvidenceCache | None = None) -> SdistEvidence:
    """Download (verified, cached) and read an sdist; cached by sha256."""
    key = f"{file.sha256}-sdist" if cache is not None and file.sha256 else None
    if key is not None:
        cached = cache.load(key, SdistEvidence.from_json)
        if cached is not None:
            return cached
    # The client counts the download in its own bytes_downloaded.
    evidence = read_sdist(client.download(file), file.filename).replace(sha256=file.sha256)
    if key is not None:
        cache.store(key, evidence.to_json())
    return evidence


def read_sdist(data: bytes, filename: str, limits: SdistLimits = SdistLimits()) -> SdistEvidence:
    """Read an sdist archive in memory (module docstring). Unreadable -> EnvironmentFailure."""
    try:
        if filename.lower().endswith(".zip"):
            entries = _zip_entries(data, limits)
        else:
            entries = _tar_entries(data, limits)
        return _evidence_from(entries, filename, limits)
    except (ZipError, MemberError) as exc:
        raise EnvironmentFailure(f"{filename}: unreadable sdist ({exc})") from None
    except (tarfile.TarError, zipfile.BadZipFile, EOFError, OSError, ValueError, zlib.error, lzma.LZMAError) as exc:
        raise EnvironmentFailure(f"{filename}: unreadable sdist ({exc})") from None


@dataclass
class _Entries:
    """Member names of an sdist and the few text files worth reading."""

    names: list[str]
    texts: dict[str, bytes]
    too_big: list[str]
    #: build files and sources read (capped) for python.sdist_build
    clue_texts: dict[str, bytes] = field(default_factory=dict)
    clue_bytes: int = 0
    unread: list[str] = field(default_factory=list)

    def wants_clue(self, name: str, limits: SdistLimits) -> int:
        """How much of ``name`` to read for clues: 0 when not wanted or the budget is spent."""
        root = name.split("/", 1)[0]
        cap = build_member_cap(name, root)
        if cap and self.clue_bytes >= limits.clue_bytes:
            self.unread.append(name)
            return 0
        return cap

    def keep_clue(self, name: str, data: bytes) -> None:
        self.clue_texts[name] = data
        self.clue_bytes += len(data)


def _wanted(name: str) -> bool:
    parts = name.split("/")
    if len(parts) == 2 and parts[1] in ("pyproject.toml", "setup.py", "PKG-INFO"):
        return True
    return name.endswith(".egg-info/top_level.txt") and len(parts) <= 4


def _tar_entries(data: bytes, limits: SdistLimits) -> _Entries:
    entries = _Entries([], {}, [])
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as archive:
        for count, member in enumerate(archive, start=1):
            if count > limits.members:
                raise ValueError(f"more than {limits.members} members")
            if not member.isfile():
                continue
            entries.names.append(member.name)
            cap = entries.wants_clue(member.name, limits)
            if _wanted(member.name) or cap:
                if _wanted(member.name) and member.size > limits.text_file:
                    entries.too_big.append(member.name)
                    continue
                extracted = archive.extractfile(member)
                if extracted is None:
                    continue
                data = extracted.read(max(cap, limits.text_file + 1 if _wanted(member.name) else 0))
                if _wanted(member.name):
                    entries.texts[member.name] = data
                if cap:
                    entries.keep_clue(member.name, data[:cap])
    return entries


def _zip_entries(data: bytes, limits: SdistLimits) -> _Entries:
    entries = _Entries([], {}, [])
    # zipread checks the archive's claims and names (an empty name, a path
    # climbing out) before zipfile trusts them.
    with open_zip(io.BytesIO(data), source="the zip archive") as archive:
        infos = archive.infolist()
        if len(infos) > limits.members:
            raise ValueError(f"more than {limits.members} members")
        for info in infos:
            if info.is_dir():
                continue
            entries.names.append(info.filename)
            cap = entries.wants_clue(info.filename, limits)
            wanted = _wanted(info.filename)
            if wanted or cap:
                if wanted and info.file_size > limits.text_file:
                    entries.too_big.append(info.filename)
                    continue
                try:
                    with archive.open(info) as stream:
                        data = stream.read(max(cap, limits.text_file + 1 if wanted else 0))
                except (zipfile.BadZipFile, NotImplementedError, RuntimeError, EOFError, OSError, zlib.error,
                        lzma.LZMAError) as exc:
                    # an odd member (encrypted, unsupported method, damaged): the rest still counts
                    entries.unread.append(f"{info.filename} ({' '.join(str(exc).split()) or type(exc).__name__})")
                    continue
                if wanted:
                    entries.texts[info.filename] = data
                if cap:
                    entries.keep_clue(info.filename, data[:cap])
    return entries


def _evidence_from(entries: _Entries, filename: str, limits: SdistLimits) -> SdistEvidence:
    problems = [f"{name}: larger than {limits.text_file} bytes, not read" for name in entries.too_big]
    if entries.unread:
        problems.append(
            f"{len(entries.unread)} build file(s) or source(s) not read for clues (budget of {limits.clue_bytes} bytes, "
            f"or unreadable): {', '.join(entries.unread[:3])}"
        )
    roots = {name.split("/")[0] for name in entries.names if "/" in name}
    root = sorted(roots)[0] if len(roots) == 1 else None
    languages: dict[str, int] = {}
    markers: list[str] = []
    for name in entries.names:
        if root and not in_build_tree(name, root):
            continue  # tests, docs, other platforms and vendored trees say nothing about this build
        suffix = posixpath.splitext(name)[1].lower()
        language = LANGUAGE_SUFFIXES.get(suffix)
        if language:
            languages[language] = languages.get(language, 0) + 1
        base = posixpath.basename(name)
        depth = name.count("/")
        if depth == 1 and base in ("meson.build", "CMakeLists.txt"):
            markers.append(base)
        if base == "Cargo.toml" and "Cargo.toml" not in markers:
            markers.append("Cargo.toml")
    external = None
    backend = None
    requires: tuple[str, ...] = ()
    pyproject_text = entries.texts.get(f"{root}/pyproject.toml") if root else None
    if pyproject_text is not None:
        try:
            pyproject = tomlfile.loads(pyproject_text.decode("utf-8"))
        except (UnicodeDecodeError, tomlfile.TOMLDecodeError, RecursionError) as exc:  # deep nesting: RecursionError
            problems.append(f"pyproject.toml is not valid TOML ({' '.join(str(exc).split())})")
            pyproject = {}
        raw_external = pyproject.get("external")
        if raw_external is not None:
            external = raw_external if isinstance(raw_external, dict) else {"__invalid__": repr(raw_external)}
        build_system = pyproject.get("build-system")
        if isinstance(build_system, dict):
            backend = build_system.get("build-backend") if isinstance(build_system.get("build-backend"), str) else None
            raw_requires = build_system.get("requires", [])
            if isinstance(raw_requires, list):
                requires = tuple(str(r) for r in raw_requires)
    setup_py = entries.texts.get(f"{root}/setup.py") if root else None
    if setup_py is not None and (b"ext_modules" in setup_py or b"Extension(" in setup_py):
        markers.insert(0, "setup.py ext_modules")
    top_level: tuple[str, ...] = ()
    for name, text in sorted(entries.texts.items()):
        if name.endswith("top_level.txt"):
            top_level = tuple(line.strip() for line in text.decode("utf-8", "replace").splitlines() if line.strip().isidentifier())
            break
    if not top_level and root:
        top_level = package_dirs(entries.names, root)
    pkg_info = entries.texts.get(f"{root}/PKG-INFO") if root else None
    ranked = tuple(sorted(languages.items(), key=lambda item: (-item[1], item[0])))
    return SdistEvidence(
        filename=filename,
        sha256=None,
        external=external,
        build_backend=backend,
        build_requires=requires,
        languages=ranked,
        markers=tuple(markers),
        top_level=top_level,
        problems=tuple(problems),
        has_setup_py=setup_py is not None or f"{root}/setup.py" in entries.too_big,
        project_urls=pkg_info_urls(pkg_info) if pkg_info is not None else (),
        clues=read_clues(entries.clue_texts, entries.names, root) if root else (),
    )


def package_dirs(member_names: Iterable[str], root: str) -> tuple[str, ...]:
    """Import packages of an sdist without top_level.txt: the outermost directories with an
    ``__init__.py`` (``<root>/X``, ``<root>/src/X``, ``<root>/lib/X``, ``<root>/python/X``...),
    at most three levels down, outside tests, docs and vendored trees."""
    packages = set()
    for name in member_names:
        parts = name.split("/")
        if parts[0] != root or parts[-1] not in ("__init__.py", "__init__.pyi") or not 3 <= len(parts) <= 5:
            continue
        # the trees above the package are checked, not its own name ("demo" is a fine package name)
        if in_build_tree("/".join(parts[:-2] + ["x"]), root) and parts[-2] not in ("tests", "test", "docs", "examples"):
            packages.add("/".join(parts[1:-1]))
    found: dict[str, None] = {}
    for package in sorted(packages):
        parent = package.rpartition("/")[0]
        top = package.rpartition("/")[2]
        if parent in packages or not top.isidentifier():
            continue  # a subpackage
        found.setdefault(top, None)
    return tuple(sorted(found))


def pkg_info_urls(data: bytes) -> tuple[str, ...]:
    """``Home-page`` and ``Project-URL`` values of a PKG-INFO (core metadata, RFC 822 headers)."""
    text = data.decode("utf-8", "replace")
    urls: list[str] = []
    for line in text.splitlines():
        if not line.strip():
            break  # the headers end at the first blank line; the description follows
        key, _, value = line.partition(":")
        key = key.strip().lower()
        if key == "home-page":
            urls.append(value.strip())
        elif key == "project-url":
            urls.append(value.split(",", 1)[-1].strip())
    return tuple(url for url in dict.fromkeys(urls) if url.startswith(("http://", "https://")))
