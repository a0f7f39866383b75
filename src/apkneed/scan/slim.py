"""Which installed apk packages nothing needs, and the apk command that removes them.

The rule, over plain data (installed packages, world atoms, ELF evidence):

1. **Needed** is the closure, over the installed packages' dependencies
   (``D:`` names matched against installed names and ``p:`` provides) and over
   ELF evidence, of:

   * the base layout: the world of Alpine's minirootfs (``data/layout.json``);
   * the packages owning a library that an ELF file *not owned by any
     package* loads (Python and its extensions in ``/usr/local``, a venv, an
     application): that is the software the image exists for;
   * the world entries the user asked for that are neither virtual nor build
     tools (``curl``, ``tzdata``, ``nginx``: kept, a scan cannot know what a
     shell script calls).

   ELF evidence is followed through needed packages too: when a needed
   package's ELF file loads a library of another package, that one is needed.

2. **Removable world entries** are the rest of the world: virtual ones
   (``apk add --virtual .build-deps gcc musl-dev``: a ``.`` name, or an
   installed "virtual meta package") and build tools named explicitly
   (``build-base``, ``gcc``, ``*-dev``; see ``data/layout.json``), unless
   their own package is needed.

3. ``apk del <removable entries>`` frees what the world keeps only through
   them: closure(world) minus closure(the other entries). Anything freed that
   is needed must be added to the world first (``apk add X && apk del ...``),
   and is not counted as saved.

4. Installed packages outside closure(world) that are not needed are listed as
   orphans (nothing asks for them; no single apk command is suggested).

With no world file (``world`` None) what was asked for is unknown: apk itself
refuses such a root (apk-tools 2.14 and 3.0 both fail to open the database,
"Unable to read database state: No such file or directory"). The packages no
ELF file and no base-layout package needs are still listed, but as "world
unknown" (``via`` None), never as "nothing in the world requires it".

Every reported package carries its installed size; the sum is what the image
would lose.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping

from apkneed.alpine.atom import Dependency
from apkneed.alpine.package import Package
from apkneed.scan.facts import LayoutFacts

#: ELF evidence: owner of a file that loads a library (None: no package owns the file)
#: -> names of the packages owning the libraries it loads
ElfNeeds = Mapping["str | None", "set[str]"]


@dataclass(frozen=True)
class Unneeded:
    name: str
    version: str
    installed_size: int
    #: world entries whose removal frees it; empty for an orphan; None when the world is unknown
    via: tuple[str, ...] | None
    reason: str


@dataclass(frozen=True)
class Slimming:
    unneeded: tuple[Unneeded, ...]
    #: ``apk del <removable world entries>``, after ``apk add <needed packages they free> &&`` when there are any
    command: str | None
    saved_bytes: int
    #: False when the root has no world file: the unneeded list is ELF evidence only
    world_known: bool = True


class _Installed:
    """Installed packages by name and by provided name."""

    def __init__(self, packages: Iterable[Package]) -> None:
        self.by_name: dict[str, Package] = {}
        self.providers: dict[str, list[Package]] = {}
        for package in packages:
            self.by_name[package.name] = package
            self.providers.setdefault(package.name, []).append(package)
            for provide in package.provides:
                self.providers.setdefault(provide.name, []).append(package)
        self.install_if = [p.name for p in self.by_name.values() if p.install_if]

    def triggered(self, name: str, present: set[str]) -> bool:
        """Are all install_if conditions of ``name`` met by the packages ``present``?"""
        for dep in self.by_name[name].install_if:
            if dep.conflict:
                continue
            if not any(provider in present for provider in self.provider_names(dep.name)):
                return False
        return True

    def provider_names(self, name: str) -> list[str]:
        return [p.name for p in self.providers.get(name, ())]

    def dependency_names(self, package: Package) -> list[str]:
        out = []
        for dep in package.depends:
            if not dep.conflict:
                out.extend(self.provider_names(dep.name))
        return out


def _closure(seeds: Iterable[str], installed: _Installed, elf_needs: ElfNeeds | None) -> set[str]:
    """Names reached from ``seeds`` through dependencies (and ELF evidence), plus
    the install_if packages whose conditions the result meets: apk installs
    those by itself (``ssl_client`` once ``busybox`` and ``libssl3`` are there)."""
    seen: set[str] = set()
    stack = [s for s in seeds if s in installed.by_name]
    while True:
        while stack:
            name = stack.pop()
            if name in seen:
                continue
            seen.add(name)
            stack.extend(installed.dependency_names(installed.by_name[name]))
            if elf_needs is not None:
                stack.extend(elf_needs.get(name, ()))
        stack = [name for name in installed.install_if if name not in seen and installed.triggered(name, seen)]
        if not stack:
            return seen


def is_virtual(name: str, installed: Mapping[str, Package], layout: LayoutFacts) -> bool:
    if name.startswith(layout.virtual_prefix):
        return True
    package = installed.get(name)
    return package is not None and package.description == layout.virtual_description and package.arch == layout.virtual_arch


def find_unneeded(
    packages: Iterable[Package],
    world: Iterable[Dependency] | None,
    elf_needs: ElfNeeds,
    layout: LayoutFacts,
) -> Slimming:
    installed = _Installed(packages)
    entries = [w for w in (world or ()) if not w.conflict]

    def kind(entry: Dependency) -> str | None:
        if is_virtual(entry.name, installed.by_name, layout):
            return "virtual"
        if layout.is_build_tool(entry.name):
            return "build tool"
        return None

    kept_entries = [e for e in entries if kind(e) is None]
    seeds = [*layout.base_packages, *elf_needs.get(None, ())]
    for entry in kept_entries:
        seeds.extend(installed.provider_names(entry.name))
    needed = _closure(seeds, installed, elf_needs)

    removable = [e for e in entries if kind(e) and not set(installed.provider_names(e.name)) & needed]
    kept_names = [n for e in entries if e not in removable for n in installed.provider_names(e.name)]
    everything = _closure([n for e in entries for n in installed.provider_names(e.name)], installed, None)
    staying = _closure(kept_names, installed, None)
    freed = everything - staying
    lost = freed & needed
    keep_first = _top_packages(lost, installed)
    if keep_first:
        staying |= _closure(keep_first, installed, None)
    removed = freed - staying

    pulled = {e.name: _closure(installed.provider_names(e.name), installed, None) for e in removable}
    kinds = {e.name: kind(e) for e in removable}
    unneeded: list[Unneeded] = []
    for name in sorted(removed):
        via = tuple(entry for entry, closure in pulled.items() if name in closure)
        labels = ", ".join(
            f"in world: {entry} (a build tool nothing needs)" if kinds[entry] == "build tool"
            else f"pulled by {entry} (virtual world entry)"
            for entry in via
        )
        unneeded.append(_unneeded(installed.by_name[name], via, labels))
    orphans = set(installed.by_name) - everything - needed
    for name in sorted(orphans):
        if world is None:
            unneeded.append(_unneeded(installed.by_name[name], None, WORLD_UNKNOWN_REASON))
        else:
            unneeded.append(_unneeded(installed.by_name[name], (), "nothing in the world requires it and no ELF file needs it"))

    remove = tuple(e.name for e in removable)
    command = None
    if remove and removed:
        command = "apk del " + " ".join(remove)
        if keep_first:
            command = "apk add " + " ".join(keep_first) + " && " + command
    return Slimming(
        unneeded=tuple(unneeded),
        command=command,
        saved_bytes=sum(u.installed_size for u in unneeded),
        world_known=world is not None,
    )


#: why a package is listed when the root has no world file
WORLD_UNKNOWN_REASON = "no ELF file needs it (world unknown: no /etc/apk/world)"

#: what scan says once when the root has no world file (apk-tools 2.14.10 and 3.0.6 checked)
WORLD_UNKNOWN_NOTE = (
    "world unknown: ROOT has no etc/apk/world, so what was asked for (apk add) is unknown "
    "(apk itself refuses such a root: 'Unable to read database state'); listed: what no ELF file needs"
)


def _unneeded(package: Package, via: tuple[str, ...] | None, reason: str) -> Unneeded:
    return Unneeded(package.name, package.version, package.installed_size, via, reason)


def _top_packages(lost: set[str], installed: _Installed) -> list[str]:
    """The fewest of ``lost`` whose closure keeps all of ``lost`` (those nothing else in it depends on)."""
    if not lost:
        return []
    depended = {d for name in lost for d in installed.dependency_names(installed.by_name[name]) if d != name}
    top = sorted(lost - depended)
    if not lost <= _closure(top, installed, None):
        top = sorted(lost)
    return top
