"""``apkneed scan``: the whole diagnosis of one root, as plain data.

:func:`scan_root` reads the root through its :class:`~apkneed.scan.rootfs.RootFS`
(the only IO), walks the ELF files, loads them the way musl would, and
returns a :class:`ScanReport` without package names for the missing
libraries: finding those needs an Alpine index, which the caller loads (it
may need the network) and applies with :func:`add_providers`.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Iterable

from apkneed.alpine.package import Package, file_owners
from apkneed.binary.elf import ElfInfo
from apkneed.errors import InputError
from apkneed.scan.diagnose import Diagnosis, diagnose
from apkneed.scan.facts import LayoutFacts, LoaderFacts, load_layout_facts, load_loader_facts
from apkneed.scan.loader import LoaderView, path_file_location, system_path
from apkneed.scan.lookup import so_providers
from apkneed.scan.paths import FOUND, CachedLookup, resolve
from apkneed.scan.problem import Problem
from apkneed.scan.python import Distribution, SitePackages, site_packages_dirs, site_packages_of
from apkneed.scan.rootfs import DIR, DirRoot, RootFS
from apkneed.scan.slim import Slimming, find_unneeded
from apkneed.scan.system import RootSystem, read_root_system, read_text
from apkneed.scan.walk import read_elf_files, read_one, walk_files

if TYPE_CHECKING:  # the name table is built by the caller, only when needed
    from apkneed.alpine.providers import ProviderMap


@dataclass(frozen=True)
class MissingLibrary:
    soname: str
    needed_by: tuple[str, ...]
    reasons: tuple[str, ...]
    #: apk packages (names) providing it in the index; filled by add_providers
    provided_by: tuple[str, ...] = ()
    #: installed packages that provide it although the file is gone (``apk fix``)
    installed_by: tuple[str, ...] = ()
    interpreter: bool = False


@dataclass(frozen=True)
class WrongLibcFile:
    path: str
    evidence: str
    advice: str
    needed_by: tuple[str, ...] = ()
    distribution: Distribution | None = None


@dataclass(frozen=True)
class ScanReport:
    root: str
    system: RootSystem
    elf_files: int
    files_seen: int
    bytes_total: int
    bytes_read: int
    elf_bytes_read: int
    walked: tuple[str, ...]
    missing: tuple[MissingLibrary, ...]
    wrong_libc: tuple[WrongLibcFile, ...]
    wrong_arch: tuple[tuple[str, str], ...]
    slimming: Slimming | None
    problems: tuple[Problem, ...]
    loads: int
    #: where provided_by came from ("--index ...", "mirror ..."), None when not looked up
    provider_origin: str | None = None

    #: why the scan cannot vouch for the whole root (unread directories and
    #: files, unparsable ELF files, nothing found at all); empty when complete
    incomplete: tuple[str, ...] = ()
    #: the Python distributions pip installed in the walked site-packages
    #: directories: (site-packages directory, distribution, the apk packages
    #: whose files its ELF files load), for an SBOM
    python: tuple[tuple[str, Distribution, tuple[str, ...]], ...] = ()
    #: ELF evidence: apk package -> the apk packages whose files its ELF files load
    elf_needs: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def failed(self) -> bool:
        """Something cannot load: a CI gate fails on it."""
        return bool(self.missing or self.wrong_libc or self.wrong_arch)

    @property
    def ok(self) -> bool:
        """Every ELF file of the root was read and can load: the only "OK"."""
        return not self.failed and not self.incomplete

    @property
    def apk_add(self) -> str | None:
        names = []
        for item in self.missing:
            if item.provided_by and not item.installed_by and item.provided_by[0] not in names:
                names.append(item.provided_by[0])
        return "apk add " + " ".join(names) if names else None

    @property
    def apk_fix(self) -> str | None:
        names = sorted({n for item in self.missing for n in item.installed_by[:1]})
        return "apk fix " + " ".join(names) if names else None


def venv_in_root(rootfs: RootFS, venv: str) -> str:
    """The in-root path of a ``--venv`` argument.

    Taken as a path inside ROOT; for a directory ROOT, a host path under ROOT
    is accepted too (``scan /tmp/root --venv /tmp/root/opt/venv``).
    """
    lookup = rootfs.lstat
    candidates = []
    if venv.startswith("/"):
        candidates.append(posixpath.normpath(venv))
    if isinstance(rootfs, DirRoot):
        host = posixpath.normpath(posixpath.abspath(venv))
        root = rootfs.host.rstrip("/")
        if host == root or host.startswith(root + "/"):
            candidates.append(host[len(root):] or "/")
    for candidate in candidates:
        found = resolve(candidate, lookup)
        if found.status == FOUND and found.node is not None and found.node.kind == DIR:
            return candidate
    raise InputError(f"--venv {venv}: no such directory inside {rootfs.label}")


def scan_root(
    rootfs: RootFS,
    venvs: Iterable[str] = (),
    *,
    loader: LoaderFacts | None = None,
    layout: LayoutFacts | None = None,
) -> ScanReport:
    loader = loader or load_loader_facts()
    layout = layout or load_layout_facts()
    lookup = CachedLookup(rootfs.lstat)
    problems: list[Problem] = [Problem("refused", name, f"{name}: {why}") for name, why in rootfs.refused]

    system = read_root_system(rootfs, lookup, loader, layout)
    problems.extend(system.problems)
    arch_names = loader.arch(system.arch) if system.arch else None
    view, path_problem = _loader_view(rootfs, lookup, loader, system, arch_names)
    if path_problem:
        problems.append(path_problem)
    if system.libc == "glibc":
        raise InputError(
            f"{rootfs.label}: this root has a glibc loader and "
            + (f"is not Alpine ({system.interpreter} is there, but no apk database and no /etc/alpine-release)"
               if system.interpreter else "no musl loader")
            + "; apkneed scan diagnoses Alpine (musl) roots"
        )
    if system.libc == "none":
        problems.append(Problem("no_loader", "/lib", "ROOT has no musl loader (lib/ld-musl-*.so.1): no dynamic program can start"))

    before = rootfs.counter.bytes_read
    walk = walk_files(rootfs, lookup, [*layout.walk_dirs, *venvs], loader.max_symlinks)
    problems.extend(walk.problems)
    elf_scan = read_elf_files(rootfs, walk.files)
    elf_bytes = rootfs.counter.bytes_read - before
    problems.extend(elf_scan.problems)

    # What elf_of answers for a real path: the walk's reads first, then any
    # other file a load reaches (outside the walked directories), read once.
    answers: dict[str, ElfInfo | str] = {f.path: f.info for f in elf_scan.elf_files}
    answers.update((p.path, "cannot be read: " + p.message) for p in elf_scan.problems)

    def elf_of(real: str) -> ElfInfo | str:
        if real not in answers:
            outcome = read_one(rootfs, real)
            if outcome is None:
                answers[real] = "is not an ELF file"
            else:
                answers[real] = outcome.message if isinstance(outcome, Problem) else outcome
        return answers[real]

    diagnosis = diagnose(elf_scan.elf_files, view, elf_of)
    problems.extend(diagnosis.problems)

    owners = file_owners(system.installed or ())
    elf_needs = _elf_needs(diagnosis, owners)
    slimming = None
    if system.installed is not None:
        slimming = find_unneeded(system.installed, system.world, elf_needs, layout)

    missing = _missing(diagnosis, system.installed or ())
    wrong_libc = _wrong_libc(diagnosis, rootfs, lookup, layout, loader)
    python = _python_distributions(walk.files, diagnosis, owners, rootfs, lookup, layout, loader)
    return ScanReport(
        root=rootfs.label,
        system=system,
        elf_files=len(elf_scan.elf_files),
        files_seen=elf_scan.files_seen,
        bytes_total=elf_scan.bytes_total,
        bytes_read=rootfs.counter.bytes_read,
        elf_bytes_read=elf_bytes,
        walked=tuple(walk.dirs),
        python=python,
        elf_needs=tuple(sorted((k, tuple(sorted(v))) for k, v in elf_needs.items() if k is not None)),
        missing=missing,
        wrong_libc=wrong_libc,
        wrong_arch=tuple((w.path, w.arch) for w in diagnosis.wrong_arch),
        slimming=slimming,
        problems=tuple(problems),
        loads=diagnosis.loads,
        # the root's own text files (apk database, world) only cost package names
        incomplete=_incomplete(
            [*([path_problem] if path_problem else []), *walk.problems, *elf_scan.problems, *diagnosis.problems],
            len(elf_scan.elf_files), walk.dirs,
        ),
    )


#: problems that leave part of the root unchecked (the others only cost package names)
INCOMPLETE_KINDS = frozenset({"unlistable", "unreadable", "bad_elf", "symlink_loop", "undecidable", "path_file"})


def _incomplete(problems: list[Problem], elf_files: int, walked: list[str]) -> tuple[str, ...]:
    """Why "every ELF file can load" cannot be said of this root (empty: it can be)."""
    out = [p.message for p in problems if p.kind in INCOMPLETE_KINDS]
    if elf_files == 0:
        where = ", ".join(walked) if walked else "none of the standard directories exists"
        out.append(f"no ELF file found (walked: {where}): nothing was checked")
    return tuple(out)


def add_providers(report: ScanReport, providers: ProviderMap, origin: str, loader: LoaderFacts | None = None) -> ScanReport:
    """The report with ``provided_by`` filled from an index's name table."""
    loader = loader or load_loader_facts()
    sonames = [m.soname for m in report.missing if not m.soname.startswith("/")]
    found = so_providers(providers, sonames)
    missing = []
    for item in report.missing:
        if item.interpreter:
            names = ("musl",) if item.soname in loader.interpreters().values() else ()
        else:
            names = tuple(p.name for p in found.get(item.soname, ()))
        missing.append(replace(item, provided_by=names))
    return replace(report, missing=tuple(missing), provider_origin=origin)


def _loader_view(rootfs, lookup, loader: LoaderFacts, system: RootSystem, arch_names) -> tuple[LoaderView, Problem | None]:
    problem = None
    if system.interpreter and arch_names:
        location = path_file_location(system.interpreter, loader, arch_names.ldso)
        found = resolve(location, lookup, max_links=loader.max_symlinks)

        def text(path: str) -> str:
            return read_text(rootfs, lookup, path, loader.max_symlinks) or ""

        dirs, why = system_path(found, text, loader)
        if why:
            problem = Problem("path_file", location, why)
    else:
        dirs = loader.default_path
    view = LoaderView(
        facts=loader,
        interpreter=system.interpreter,
        system_path=dirs,
        elf_arch=arch_names.elf if arch_names else None,
        lookup=lookup,
    )
    return view, problem


def _elf_needs(diagnosis: Diagnosis, owners: dict[str, str]) -> dict[str | None, set[str]]:
    """ELF evidence for slimming: owner of a loading file -> owners of what it loads
    (``owners`` is keyed as the installed database writes paths: no leading ``/``)."""
    needs: dict[str | None, set[str]] = {}
    for edge in diagnosis.edges:
        needer = owners.get(edge.needer.lstrip("/"))
        for path in (edge.opened, *edge.links, edge.real):
            owner = owners.get(path.lstrip("/"))
            if owner is not None and owner != needer:
                needs.setdefault(needer, set()).add(owner)
    return needs


def _missing(diagnosis: Diagnosis, installed: Iterable[Package]) -> tuple[MissingLibrary, ...]:
    provides: dict[str, list[str]] = {}
    for package in installed:
        for provide in package.provides:
            if provide.name.startswith("so:"):
                provides.setdefault(provide.name[3:], []).append(package.name)
    out = []
    for name in sorted(diagnosis.missing):
        entry = diagnosis.missing[name]
        out.append(
            MissingLibrary(
                soname=name,
                needed_by=tuple(sorted(entry.needed_by)),
                reasons=tuple(sorted(entry.reasons)),
                installed_by=tuple(provides.get(name, ())),
                interpreter=entry.interpreter,
            )
        )
    return tuple(out)


def _site_packages(site: str, rootfs: RootFS, lookup, loader: LoaderFacts) -> SitePackages:
    """One site-packages directory of the root, its dist-info read on first use."""

    def listdir(path: str) -> list[str]:
        try:
            return [name for name, _ in rootfs.listdir(path)]
        except OSError:
            return []

    def text(path: str) -> str | None:
        try:
            return read_text(rootfs, lookup, path, loader.max_symlinks)
        except OSError:
            return None

    return SitePackages(site, listdir, text)


def _python_distributions(
    files, diagnosis: Diagnosis, owners: dict[str, str], rootfs: RootFS, lookup, layout: LayoutFacts, loader: LoaderFacts
):
    """Each distribution of the root's site-packages, with the apk packages whose
    files its ELF files load (the diagnosis's edges, owners as in _elf_needs)."""
    names = layout.site_packages_names
    sites = {site: _site_packages(site, rootfs, lookup, loader) for site in site_packages_dirs(files, names)}
    loads: dict[tuple[str, str], set[str]] = {}
    for edge in diagnosis.edges:
        site = site_packages_of(edge.needer, names)
        dist = sites[site].owner(edge.needer) if site in sites else None
        if dist is None:
            continue
        for path in (edge.opened, *edge.links, edge.real):
            owner = owners.get(path.lstrip("/"))
            if owner is not None:
                loads.setdefault((site, dist.name), set()).add(owner)
    return tuple(
        (site, dist, tuple(sorted(loads.get((site, dist.name), ()))))
        for site, packages in sites.items()
        for dist in packages.distributions()
    )


def _wrong_libc(diagnosis: Diagnosis, rootfs: RootFS, lookup, layout: LayoutFacts, loader: LoaderFacts) -> tuple[WrongLibcFile, ...]:
    site_dirs: dict[str, SitePackages] = {}
    out = []
    for path in sorted(diagnosis.wrong_libc):
        item = diagnosis.wrong_libc[path]
        site = site_packages_of(path, layout.site_packages_names)
        dist = None
        if site is not None:
            if site not in site_dirs:
                site_dirs[site] = _site_packages(site, rootfs, lookup, loader)
            dist = site_dirs[site].owner(path)
        out.append(WrongLibcFile(path, item.evidence, _advice(path, dist, site), item.needed_by, dist))
    return tuple(out)


def _advice(path: str, dist: Distribution | None, site: str | None) -> str:
    if dist is not None:
        wheel = f" (installed from a {', '.join(dist.wheel_tags)} wheel)" if dist.wheel_tags else ""
        return (
            f"{dist.name} {dist.version}{wheel} is built for glibc: reinstall its musllinux wheel "
            f"(pip install --force-reinstall --only-binary=:all: {dist.name}=={dist.version}) "
            f"or build it from source on Alpine (pip install --no-binary={dist.name} {dist.name}=={dist.version})"
        )
    if site is not None:
        return "a Python extension built for glibc: reinstall its package from a musllinux wheel or from source"
    return (
        "built for glibc: use the Alpine package of this program, or rebuild it on Alpine (musl); "
        "gcompat (community) runs some glibc programs, unsupported"
    )
