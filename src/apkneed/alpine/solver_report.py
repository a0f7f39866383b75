"""apk's explanation of a request it cannot satisfy.

A port of ``apk_solver_print_errors`` (apk-tools 2.14, ``src/commit.c``):
after a failed solve apk marks the packages it would have installed, walks
what the request makes present, and then reports

* every required name nothing provides: ``NAME (no such package)`` or
  ``NAME (virtual)`` with the packages that could provide it ("please select
  one of the 'provided by' packages explicitly"), and who requires it;
* every marked package with a problem: ``masked in:`` (a repository tag not
  allowed), ``conflicts:`` (another marked package providing the same name),
  ``breaks:`` (dependencies it fails) and then ``satisfies:``.

The text is laid out like apk's, wrapped at apk's width (50 columns when
stdout is not a terminal, which is how apk runs in a Dockerfile), and the
same walk yields structured :class:`~apkneed.alpine.solver_parts.Problem` records.
"""

from __future__ import annotations

from typing import Iterator

from apkneed.alpine.solver_parts import Problem, Prov, display_key, run_recursion
from apkneed.alpine.version import EQUAL, LESS, compare_mask

#: apk's screen width when stdout is not a terminal
APK_PIPE_WIDTH = 50

_PRESENT = 0x8
_MISSING = 0x4
_VIRTUAL_ONLY = 0x2
_INSTALLIF = 0x1

_NOTE = "please select one of the 'provided by' packages explicitly"


class _Printer:
    """apk_indent plus the report's labels, recording what it prints."""

    def __init__(self, width: int) -> None:
        self.width = width
        self.out: list[str] = []
        self.x = 0
        self.indent = 0
        #: the subject apk prints before its first section, and the name it is about
        self.label: str | None = None
        self.label_name = ""
        self.num_labels = 0
        self.problems: list[tuple[str, str, list[tuple[str, list[str]]]]] = []

    def _write(self, text: str) -> int:
        self.out.append(text)
        return len(text.encode())

    def line(self, text: str) -> None:
        self._write(text)
        self.x = self.indent = 0

    def group(self, text: str) -> None:
        self.x = self._write(text)
        self.indent = self.x + 1

    def end(self) -> None:
        if self.x:
            self._write("\n")
            self.x = self.indent = 0

    def item(self, text: str) -> None:
        size = len(text.encode())
        if self.x <= self.indent:
            self.x += self._write(" " * (self.indent - self.x) + text)
        elif self.x + size + 1 >= self.width:
            self.x = self._write("\n" + " " * self.indent + text) - 1
        else:
            self.x += self._write(" " + text)
        self.problems[-1][2][-1][1].append(text)

    def label_start(self, text: str) -> None:
        if self.label is not None:
            self.line(f"  {self.label}:\n")
            self.problems.append((self.label, self.label_name, []))
            self.label = None
            self.num_labels += 1
        if not self.x:
            self.group(f"    {text}")
            self.problems[-1][2].append((text.rstrip(":"), []))


def explain(solver, world, changes) -> tuple[list[Problem], str]:
    """apk's report for a failed solve: (problems, the text after the ERROR line)."""
    return _Report(solver, world, changes).run()


class _Report:
    def __init__(self, solver, world, changes) -> None:
        self.solver = solver
        self.world = world
        self.changes = changes
        self.printer = _Printer(APK_PIPE_WIDTH)
        self.marked_names: set[str] = set()
        for pkg, _ in changes:
            pkg.marked = True
            self.marked_names.add(pkg.name.key)
            self.marked_names.update(p.name.key for p in pkg.provides)

    def reverse(self, name, install_if: bool = False):
        """Names in apk's rdepends/rinstall_if order that have a marked provider."""
        pmap = self.solver.map
        names = pmap.reverse_install_if_names(name.key) if install_if else pmap.reverse_names(name.key)
        keep = [n for n in names if n in self.marked_names]
        return [self.solver.name(n) for n in pmap.order_names(keep)]

    def run(self) -> tuple[list[Problem], str]:
        run_recursion(self.discover_deps(self.world))
        self.analyze_deps(self.world)
        for pkg, tag in self.changes:
            self.analyze_package(pkg, tag)
            self.analyze_deps(pkg.depends)
        printer = self.printer
        if not printer.num_labels:
            printer.line("Huh? Error reporter did not find the broken constraints.\n")
        text = "".join(printer.out).rstrip("\n")
        return [_problem(*entry) for entry in printer.problems], text

    # -- what the request makes present (discover_name & co) ---------------

    def discover_deps(self, deps) -> Iterator:
        for dep in deps:
            if not dep.conflict:
                yield self.discover_name(dep.name, _PRESENT)

    def discover_name(self, name, pkg_state: int) -> Iterator:
        for p in self.solver.providers(name):
            pkg = p.pkg
            if not pkg.marked:
                continue
            state = pkg_state
            if state in (_PRESENT, _INSTALLIF) and not pkg.priority and not _is_name_concrete(pkg, name):
                state = _VIRTUAL_ONLY
            if pkg.state & state:
                continue
            pkg.state |= state
            pkg.name.state |= state
            for provide in pkg.provides:
                provide.name.state |= (
                    _VIRTUAL_ONLY if state == _INSTALLIF and provide.version is None else state
                )
            yield self.discover_deps(pkg.depends)
            if state in (_PRESENT, _INSTALLIF):
                yield self.discover_reverse_iif(pkg.name)
                for provide in pkg.provides:
                    yield self.discover_reverse_iif(provide.name)

    def discover_reverse_iif(self, name) -> Iterator:
        for name0 in self.reverse(name, install_if=True):
            for p in self.solver.providers(name0):
                pkg = p.pkg
                if not pkg.marked or not pkg.install_if:
                    continue
                # every condition holds: a name present, or absent for a !conflict
                if all(bool(d.conflict) != bool(d.name.state & (_PRESENT | _INSTALLIF)) for d in pkg.install_if):
                    yield self.discover_name(pkg.name, _INSTALLIF)
                    for provide in pkg.provides:
                        yield self.discover_name(provide.name, _INSTALLIF)

    # -- the report ----------------------------------------------------------

    def analyze_deps(self, deps) -> None:
        for dep in deps:
            name = dep.name
            if dep.conflict or name.state & (_INSTALLIF | _PRESENT | _MISSING):
                continue
            name.state |= _MISSING
            self.analyze_missing_name(name)

    def analyze_missing_name(self, name) -> None:
        printer = self.printer
        providers = self.solver.providers(name)
        if providers:
            printer.label = f"{name.key} (virtual)"
            printer.label_name = name.key
            printer.label_start("note:")
            for word in _NOTE.split(" "):
                printer.item(word)
            printer.end()
            printer.label_start("provided by:")
            # a name all of whose packages provide this: print the name only
            counts: dict[object, int] = {}
            for p in providers:
                counts[p.pkg.name] = counts.get(p.pkg.name, 0) + 1
            for p in providers:
                name0 = p.pkg.name
                refs = counts[name0]
                if refs == len(self.solver.providers(name0)):
                    printer.item(name0.key)
                    counts[name0] = 0
                elif refs > 0:
                    printer.item(p.pkg.package.nv)
                    counts[name0] = refs - 1
            printer.end()
        else:
            printer.label = f"{name.key} (no such package)"
            printer.label_name = name.key

        printer.label_start("required by:")
        for dep in self.world:
            if dep.name is name and not dep.conflict:
                printer.item(f"world[{self.world_atom(dep)}]")
        visited: set[int] = set()
        for name0 in self.reverse(name):
            for p in self.solver.providers(name0):
                pkg = p.pkg
                if not pkg.marked or id(pkg) in visited:
                    continue
                visited.add(id(pkg))
                for dep in pkg.depends:
                    if dep.name is name and not dep.conflict:
                        printer.item(f"{pkg.package.nv}[{dep}]")
                        break
                # apk looks no further than this package for this name
                break
        printer.end()

    def analyze_package(self, pkg, tag: int) -> None:
        self.printer.label = pkg.package.nv
        self.printer.label_name = pkg.name.key
        self.print_pinning_errors(pkg, tag)
        self.print_conflicts(pkg)
        self.print_deps(pkg, satisfies=False)
        if self.printer.label is None:
            self.print_deps(pkg, satisfies=True)

    def print_pinning_errors(self, pkg, tag: int) -> None:
        solver = self.solver
        if pkg.repos & solver.mask_repos(1 | (1 << tag)):
            return
        for i, repos in enumerate(solver.tag_repos):
            if pkg.repos & repos:
                self.printer.label_start("masked in:")
                self.printer.item("@" + solver.tag_names[i] if i else "")
        self.printer.end()

    def print_conflicts(self, pkg) -> None:
        printer = self.printer
        for p in self.solver.providers(pkg.name):
            if p.pkg is pkg or not p.pkg.marked:
                continue
            printer.label_start("conflicts:")
            printer.item(p.pkg.package.nv)
        for provide in pkg.provides:
            once = True
            for p in self.solver.providers(provide.name):
                if not p.pkg.marked:
                    continue
                if provide.version is None and p.version is None:
                    continue
                if once and p.pkg is pkg and p.version == provide.version:
                    once = False
                    continue
                printer.label_start("conflicts:")
                printer.item(f"{p.pkg.package.nv}[{provide}]")
        printer.end()

    def world_atom(self, dep) -> str:
        """A request atom as the report prints it (3.0 adds its tag after the version)."""
        if self.solver.rules.report_world_tags and dep.tag:
            return f"{dep}@{self.solver.tag_names[dep.tag]}"
        return str(dep)

    def print_deps(self, pkg, satisfies: bool) -> None:
        printer = self.printer
        label = "satisfies:" if satisfies else "breaks:"
        provided = self.solver.provided
        world = [dep for dep in self.world if _analyze(provided, None, dep, pkg) is satisfies]
        matches = []
        visited: set[int] = set()
        for trigger in (pkg.name, *(provide.name for provide in pkg.provides)):
            for name0 in self.reverse(trigger):
                for p in self.solver.providers(name0):
                    pkg0 = p.pkg
                    if not pkg0.marked or id(pkg0) in visited:
                        continue
                    visited.add(id(pkg0))
                    for dep in pkg0.depends:
                        if _analyze(provided, pkg0, dep, pkg) is satisfies:
                            matches.append((pkg0, dep))
        if self.solver.rules.report_sorted_matches:
            # apk-tools 3 sorts both lists (matched_dep_sort): by package, then operator
            world.sort(key=lambda dep: dep.mask)
            matches.sort(key=lambda m: (display_key(m[0].name.key), _VersionKey(m[0].version), m[1].mask))
        for dep in world:
            printer.label_start(label)
            printer.item(f"world[{self.world_atom(dep)}]")
        for pkg0, dep in matches:
            printer.label_start(label)
            printer.item(f"{pkg0.package.nv}[{dep}]")
        printer.end()


def _analyze(provided, dpkg, dep, pkg) -> bool | None:
    """apk_dep_analyze: True satisfies, False conflicts, None irrelevant.

    ``provided`` is the solver generation's apk_dep_is_provided, ``dpkg`` the
    package that has ``dep`` (None for the request).
    """
    if dep.name is pkg.name:
        # apk_dep_is_materialized: with the package's own version (no self-conflict exception)
        return provided(None, dep, Prov(pkg, pkg.version))
    for provide in pkg.provides:
        if provide.name is dep.name:
            return provided(dpkg, dep, Prov(pkg, provide.version))
    return None


class _VersionKey:
    """Sort key: apk's version order."""

    __slots__ = ("version",)

    def __init__(self, version: str) -> None:
        self.version = version

    def __lt__(self, other: "_VersionKey") -> bool:
        return compare_mask(self.version, other.version) == LESS

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _VersionKey) and compare_mask(self.version, other.version) == EQUAL


def _is_name_concrete(pkg, name) -> bool:
    if pkg.name is name:
        return True
    return any(p.name is name and p.version is not None for p in pkg.provides)


def _problem(subject: str, name: str, sections: list[tuple[str, list[str]]]) -> Problem:
    if subject.endswith(" (virtual)"):
        kind = "virtual"
    elif subject.endswith(" (no such package)"):
        kind = "missing"
    else:
        kind = "package"
    merged = tuple(
        (label, (" ".join(items),) if label == "note" else tuple(items)) for label, items in sections
    )
    return Problem(kind=kind, name=name, subject=subject, sections=merged)
