"""What ``apk add --simulate REQUEST...`` installs on an empty root.

A port of apk-tools 2.14's solver (``src/solver.c``, tag v2.14.10) to plain
Python, kept rule for rule so that it gives apk's answer, apk's install
order and apk's errors, not merely *an* answer:

* Discovery walks every name the request can reach (dependencies, provides,
  install_if) and numbers names in post-order; later numbers are decided
  first when nothing else separates them.
* Constraints propagate down: a package whose dependency cannot be met any
  more, that a ``!conflict`` or version constraint excludes, or that provides
  a name already taken, is disqualified. When every candidate for a name
  shares a dependency, that dependency becomes required before any choice
  is made ("merging"), and names every candidate provides exclude packages
  that do not provide them ("provides transitivity").
* A name is decided when it is required (or an install_if triggered), in
  apk's dequeue order: names that can be auto-selected first, then names
  the request mentions, then the latest discovered. Among providers apk
  prefers, in this order: no errors, the last merging group, fewer
  conflicts, an allowed repository tag, the preferred tag, the highest
  version of the requested name, the highest version of the package, the
  highest provider priority (``k:``), then the first repository.
* A virtual name (provided without a version) is never chosen for the user
  unless its provider has a provider priority: "please select one of the
  'provided by' packages explicitly" (``/bin/sh`` on Alpine v3.16).
* install_if packages are installed when every name of their ``i:`` line is
  installed at a matching version.
* Repository tags (``name@tag``): packages of a tagged repository are only
  chosen when the request, or the package that pulls them in, allows the
  tag; a request for a tag no repository has is refused before solving.
* The install order is apk's changeset order: dependencies before the
  package that needs them (a cycle is installed in discovery order), each
  install_if package as soon as the last package that triggers it is in.
* Errors: apk counts one error per name it cannot provide and per package
  that is broken or depends on a broken one; that count is apk's exit
  status. The explanation (``apkneed.alpine.solver_report``) is the text
  apk prints after ``ERROR: unable to select packages:``.

Left out, because apkneed always starts from an empty root with the
repositories it is given: installed packages and their upgrades
(``--upgrade``, ``--latest``, ``--available``, self-upgrade, removal),
``--force-broken-world``, virtual packages made with ``add -t``, cached and
``.apk`` file packages, and repositories masked by ``--no-network``. apk
numbers a tag that only an index's ``D:`` line names while it reads that
index; here it is numbered after the repositories' tags, which can only
change the order of ``masked in:`` lines.

API::

    solve(providers: ProviderMap, request: Sequence[str | Dependency]) -> Solution
    parse_request(words) -> tuple[Dependency, ...]     # apk's "world" atoms

``Solution.installs`` are Package objects in apk's install order (with
``download_size``, the sum of ``S:``, and ``installed_size``, the sum of
``I:``); ``Solution.steps`` add the repository tag apk prints. On failure
:class:`SolverError` (an UnsatisfiableError) carries the structured
``problems``, apk's ``explanation`` text, apk's ``error_count`` and
``apk_exit_status``; its one-line message names the atoms at fault.
"""

from __future__ import annotations

from collections import deque
from itertools import compress

from apkneed.alpine.atom import Dependency, parse_dependency
from apkneed.alpine.checksum import checksum_key
from apkneed.alpine.package import Package
from apkneed.alpine.providers import ProviderMap, apk3_warning
from apkneed.alpine.solver_parts import Problem, Prov, display_key, run_recursion
from apkneed.alpine.solver_rules import APK_TOOLS_2, SolverRules
from apkneed.alpine.version import ANY, CHECKSUM, EQUAL, GREATER, LESS, compare_mask, is_valid, is_valid_apk3, op_mask, op_string, tokens
from apkneed.errors import InputError, UnsatisfiableError
from apkneed.records import Frozen, set_field

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (milliseconds of every resolve)
if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

#: apk caps its exit status here
MAX_EXIT_STATUS = 99
#: what apk exits with when it refuses to start (a missing repository tag):
#: its -1 becomes 250, then the cap makes it 99
REFUSED_EXIT_STATUS = 99


class InstallStep(Frozen):
    """One ``(i/N) Installing NAME[@tag] (VERSION)`` line."""

    __slots__ = ("package", "tag")

    package: Package
    #: "" or the repository tag the package was chosen under, e.g. "@edge"
    tag: str

    def __init__(self, package: Package, tag: str = "") -> None:
        set_field(self, "package", package)
        set_field(self, "tag", tag)

    def __str__(self) -> str:
        return f"{self.package.name}{self.tag} ({self.package.version})"


class Solution(Frozen):
    __slots__ = ("request", "steps")

    request: tuple[Dependency, ...]
    steps: tuple[InstallStep, ...]

    def __init__(self, request: tuple[Dependency, ...], steps: tuple[InstallStep, ...]) -> None:
        set_field(self, "request", request)
        set_field(self, "steps", steps)

    @property
    def installs(self) -> tuple[Package, ...]:
        """Packages in apk's install order: dependencies first."""
        return tuple(step.package for step in self.steps)

    @property
    def download_size(self) -> int:
        return sum(step.package.size for step in self.steps)

    @property
    def installed_size(self) -> int:
        return sum(step.package.installed_size for step in self.steps)


class SolverError(UnsatisfiableError):
    """apk would refuse the request; carries what apk would say."""

    def __init__(
        self,
        problems: Sequence[Problem],
        explanation: str,
        error_count: int,
        header: str,
        warnings: Sequence[str] = (),
    ) -> None:
        self.problems = tuple(problems)
        #: apk's WARNING lines printed before the ERROR line
        self.warnings = tuple(warnings)
        #: apk's text after its ERROR line, exactly as apk prints it
        self.explanation = explanation
        #: how many errors apk counted
        self.error_count = error_count
        #: apk's ERROR line ("unable to select packages:")
        self.header = header
        super().__init__(_one_line(self.problems, header))

    @property
    def apk_exit_status(self) -> int:
        # apk exits with its error count (at most 99); a refusal (-1) ends as 99 too
        if self.error_count < 0:
            return REFUSED_EXIT_STATUS
        return min(self.error_count, MAX_EXIT_STATUS)

    @property
    def apk_output(self) -> str:
        """What apk prints on stderr: warnings, the ERROR line and the explanation."""
        lines = [f"WARNING: {w}" for w in self.warnings] + [f"ERROR: {self.header}"]
        if self.explanation:
            lines.append(self.explanation)
        return "\n".join(lines)


def _one_line(problems: Sequence[Problem], header: str) -> str:
    if not problems:
        return header.rstrip(":")
    shown = "; ".join(p.summary() for p in problems[:3])
    more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
    return f"{header} {shown}{more}"


def parse_request(words: Sequence[str | Dependency]) -> tuple[Dependency, ...]:
    """apk's world from ``apk add WORD...``: valid atoms, a later duplicate name wins."""
    out: dict[str, Dependency] = {}
    for word in words:
        if isinstance(word, Dependency):
            dep = word
        else:
            try:
                dep = parse_dependency(word)
            except InputError:
                dep = None
            if dep is None or (dep.op not in (None, "><") and not is_valid(dep.version or "")):
                raise InputError(
                    f"{word!r} is not a valid world dependency, format is name(@tag)([<>~=]version)"
                )
        out[dep.name] = dep  # same name: replaced in place, like apk_deps_add
    return tuple(out.values())


def solve(
    providers: ProviderMap, request: Sequence[str | Dependency], rules: SolverRules | None = None
) -> Solution:
    """What apk installs for ``request`` on an empty root, or SolverError.

    ``rules``: the apk-tools generation to answer as (see
    :mod:`apkneed.alpine.solver_rules`); by default the map's own
    (``providers.solver_rules``), else 2.14's.
    """
    world = parse_request(request)
    return _Solver(providers, rules or providers.solver_rules or APK_TOOLS_2).run(world)


# ---------------------------------------------------------------------------
# Solver state. Field names follow solver.c's so the two read side by side.


class _Name:
    __slots__ = (
        "key", "id", "prov", "seen", "locked", "chosen", "order_id", "requirers",
        "merge_depends", "merge_provides", "reevaluate_deps", "reevaluate_iif",
        "has_iif", "no_iif", "has_options", "reverse_deps_done",
        "has_virtual_provides", "has_auto_selectable", "dirty", "solver_flags_set",
        "cset_processed", "riif", "state", "registered", "queue", "resolvenow", "iif_needed",
    )

    def __init__(self, key: str, id: int) -> None:
        self.key = key
        #: the name id (SolverTables'; names only the request has come after the world's)
        self.id = id
        self.prov: list[Prov] | None = None  # filled on first use
        self.seen = self.locked = False
        self.chosen = NO_PROVIDER
        self.order_id = self.requirers = self.merge_depends = self.merge_provides = 0
        self.reevaluate_deps = self.reevaluate_iif = False
        self.has_iif = self.has_options = self.reverse_deps_done = False
        self.no_iif = False
        self.has_virtual_provides = self.has_auto_selectable = False
        self.dirty = self.solver_flags_set = self.cset_processed = False
        self.registered = False  # in its dependencies' reverse lists (_Solver.register_rdeps)
        self.riif: list[_Name] | None = None
        self.state = 0  # the error reporter's flags
        # apk-tools 3's queues: which one holds the name (None: none)
        self.queue: dict[_Name, None] | None = None
        self.resolvenow = self.iif_needed = False

    def __repr__(self) -> str:
        return f"<name {self.key}>"


class _Pkg:
    __slots__ = (
        "package", "name", "version", "depends", "provides", "install_if",
        "priority", "repos", "seen", "conflicts", "pinning_allowed",
        "pinning_preferred", "available", "selectable", "tag_ok", "tag_preferred",
        "dependencies_used", "dependencies_merged", "in_changeset",
        "iif_triggered", "iif_failed", "error", "marked", "state", "solver", "number",
    )

    def __getattr__(self, attr: str):
        # depends, provides and install_if are made on first use: most packages
        # a solve touches are only looked at (selectable? install_if failed?)
        if attr in _PKG_LINKS:
            self.solver.link(self)
            return object.__getattribute__(self, attr)
        raise AttributeError(attr)

    def __repr__(self) -> str:
        return f"<pkg {self.package.nv}>"


_PKG_LINKS = frozenset(("depends", "provides", "install_if"))


NO_PROVIDER = Prov(None, None)


class _Dep:
    __slots__ = ("name", "version", "mask", "conflict", "fuzzy", "tag", "atom")

    def __str__(self) -> str:
        # apk_dep_snprintf: no tag (it is printed without a database)
        text = ("!" if self.conflict else "") + self.name.key
        if self.version is not None:
            text += op_string(self.mask) + self.version
        return text


class _Provide:
    __slots__ = ("name", "version", "atom")

    def __str__(self) -> str:
        return str(self.atom)


def dep_is_provided(dep: _Dep, prov: Prov) -> bool:
    """apk_dep_is_provided: does this provider meet the dependency?"""
    if prov.pkg is None:
        return dep.conflict
    mask = dep.mask
    if mask == CHECKSUM:
        return checksum_key(dep.version or "") == checksum_key(prov.pkg.package.checksum)
    if mask == ANY:
        return not dep.conflict
    if prov.version is None:
        return dep.conflict
    if compare_mask(prov.version, dep.version, dep.fuzzy) & mask:
        return not dep.conflict
    return dep.conflict


def _provided_2(dpkg: _Pkg | None, dep: _Dep, prov: Prov) -> bool:
    """apk-tools 2.14's apk_dep_is_provided (the depending package plays no part)."""
    return dep_is_provided(dep, prov)


def _provided_with(rules: SolverRules):
    """apk_dep_is_provided(depending package, dependency, provider) under ``rules``.

    2.14's when no rule differs; else 3.0's changes, each where its switch
    says: a package's own ``!name`` never conflicts with it; a name provided
    without a version is the empty version, lower than any other (it meets
    only ``<`` and ``<=``); ``~`` wants the constraint to be a prefix.
    """
    if not (rules.self_conflict_ignored or rules.unversioned_provides_lowest or rules.fuzzy_needs_prefix):
        return _provided_2
    self_conflict_ignored = rules.self_conflict_ignored
    unversioned_lowest = rules.unversioned_provides_lowest
    compare = _compare_fuzzy_3 if rules.fuzzy_needs_prefix else compare_mask

    def provided(dpkg: _Pkg | None, dep: _Dep, prov: Prov) -> bool:
        pkg = prov.pkg
        if pkg is None:
            return dep.conflict
        if self_conflict_ignored and dep.conflict and dpkg is pkg:
            return True
        mask = dep.mask
        if mask == CHECKSUM:
            return checksum_key(dep.version or "") == checksum_key(pkg.package.checksum)
        if mask == ANY:
            return not dep.conflict
        if prov.version is None:
            return (bool(LESS & mask) if unversioned_lowest else False) != dep.conflict
        return bool(compare(prov.version, dep.version, dep.fuzzy) & mask) != dep.conflict

    return provided


def _compare_fuzzy_3(a: str, b: str, fuzzy: bool = False) -> int:
    """apk-tools 3's fuzzy comparison: equal only when ``b`` is a prefix of ``a``."""
    result = compare_mask(a, b, fuzzy)
    if fuzzy and result == EQUAL and len(tokens(a)) < len(tokens(b)):
        return compare_mask(a, b)  # a ended first: 3.0 compares them as they are
    return result


def _compare_versions_3(a: str | None, b: str | None) -> int:
    """apk-tools 3's apk_version_compare, where no version is the empty one (lowest)."""
    if a is None or b is None:
        if a is None and b is None:
            return EQUAL
        return LESS if a is None else GREATER
    return compare_mask(a, b)


class _Solver:
    def __init__(self, providers: ProviderMap, rules: SolverRules = APK_TOOLS_2) -> None:
        self.map = providers
        self.rules = rules
        self.v3 = rules.ordered_queues
        #: apk_dep_is_provided(depending package, dependency, provider) of the generation
        self.provided = _provided_with(rules)
        #: apk_version_compare of the generation (what an unversioned provide compares as)
        self.compare_versions = _compare_versions_3 if rules.unversioned_provides_lowest else compare_mask
        #: 3.0's reading of the indexes: package numbers it cannot install, whose
        #: install_if lines it drops, its warning
        self.broken, self.dropped_install_if, self.index_warning = (
            _strict_reading(providers) if rules.strict_index_versions else (frozenset(), frozenset(), "")
        )
        # apk-tools 3's queues (apk_solver_state's resolvenow/selectable/unresolved lists)
        self.resolvenow_queue: dict[_Name, None] = {}
        self.selectable_queue: dict[_Name, None] = {}
        self.unresolved_queue: dict[_Name, None] = {}
        # The world as integers (static, per map); a _Name or _Pkg is made
        # only for what the solve touches, from the discovery's results.
        self.tables = tables = providers.solver_tables()
        #: the world's ProviderTables (providers of a name, repository bits), by package number and name id
        self.world = providers.tables
        self.world_names = len(tables.names)
        #: name id -> _Name (None: not made yet); names only the request has are appended
        self.by_id: list[_Name | None] = [None] * self.world_names
        self.extra_keys: dict[str, int] = {}
        #: package number -> _Pkg (None: not made yet)
        self.pkgs: list[_Pkg | None] = [None] * len(tables.pkg_name)
        self.deps: dict[int, _Dep] = {}
        # discovery's results (filled by discover())
        self.discovered = False
        self.seen_ids = bytearray()
        self.seen_pkgs = bytearray()
        self.order_ids: list[int] = []
        #: name ids whose reverse dependencies were reevaluated (apk flags every one
        #: of them; a name registered later takes the flag: register_rdeps)
        self.reevaluated: set[int] = set()
        #: name id -> the seen names that can be queued that depend on it (-> their load-order key)
        self.made_rdeps: dict[int, dict[_Name, object]] = {}
        #: name id -> those names in apk's order (dropped when a name is added)
        self.rdeps_sorted: dict[int, list[_Name]] = {}
        #: name id -> where the scan for a reverse dependency not yet locked stands
        self.rdeps_cursor: dict[int, int] = {}
        # Tag 0 is the default (untagged) one; then one per configured tag.
        self.tag_names: list[str] = [""]
        self.tag_repos: list[int] = [0]
        for position, tag in enumerate(providers.tags):
            bit = 1 << (position + 1)
            tag_id = self.tag_id(tag) if tag else 0
            self.tag_repos[tag_id] |= bit
        self.default_repos = self.tag_repos[0]
        self.dirty: deque[_Name] = deque()
        self.unresolved: dict[_Name, None] = {}
        self.errors = 0
        self.pinning_inherit = 0

    # -- the database side: names, packages, tags --------------------------

    def tag_id(self, tag: str | None) -> int:
        if not tag:
            return 0
        tag = tag.lstrip("@")
        try:
            return self.tag_names.index(tag, 1)
        except ValueError:
            self.tag_names.append(tag)
            self.tag_repos.append(0)
            return len(self.tag_names) - 1

    def name(self, key: str) -> _Name:
        i = self.tables.ids.get(key)
        if i is None:
            i = self.extra_keys.get(key)
            if i is None:
                i = self.extra_keys[key] = len(self.by_id)
                self.by_id.append(None)
        return self.by_id[i] or self.new_name(i)

    def name_at(self, i: int) -> _Name:
        name = self.by_id[i]
        return name if name is not None else self.new_name(i)

    def new_name(self, i: int) -> _Name:
        """Make the _Name of id ``i``, in the state discovery left it in."""
        tables = self.tables
        if i < self.world_names:
            name = _Name(tables.names[i], i)
        else:
            name = _Name(next(k for k, v in self.extra_keys.items() if v == i), i)
        self.by_id[i] = name
        if self.discovered:
            self.discovered_state(name)
        return name

    def discovered_state(self, name: _Name) -> None:
        i = name.id
        if i >= len(self.seen_ids) or not self.seen_ids[i]:
            return
        name.seen = True
        name.order_id = self.order_ids[i]
        if i >= self.world_names:
            name.no_iif = True
            return
        tables = self.tables
        numbers = tables.name_providers[i]
        pkg_install_if, dropped = tables.pkg_install_if, self.dropped_install_if
        name.no_iif = not any(pkg_install_if[k] and k not in dropped for k in numbers)

    def register_rdeps(self, name: _Name) -> None:
        """Enter a name in the reverse dependencies of the names it depends on.

        Done when the name first can be queued (it gets a requirer, or an
        install_if to reevaluate): apk's reevaluate_reverse_deps only queues
        such names; to every other one it gives a flag, which a name made
        queueable later takes from the names it depends on that were
        reevaluated before.
        """
        if name.registered:
            return
        name.registered = True
        i = name.id
        if not name.seen or i >= self.world_names:
            return
        tables = self.tables
        made_rdeps, stale = self.made_rdeps, self.rdeps_sorted
        pkg_depends = tables.pkg_depends
        reevaluated = self.reevaluated
        load_order = self.map.reverse_order == "load"
        for k in tables.name_providers[i]:
            for d in pkg_depends[k]:
                entry = made_rdeps.get(d)
                if entry is None:
                    entry = made_rdeps[d] = {}
                if name not in entry:
                    # load order: the first package (and its name/provide slot) that adds it
                    entry[name] = (k, _owner_slot(tables, k, i)) if load_order else None
                    stale.pop(d, None)
                if d in reevaluated:
                    name.reevaluate_deps = True

    def providers(self, name: _Name) -> list[Prov]:
        prov = name.prov
        if prov is None:
            i = name.id
            if i >= self.world_names:
                prov = name.prov = []
            else:
                # the world table's entries of this name: package number, and where the
                # name is in its row (0: its own name, at its version; j: its j-th provide)
                pkg_at = self.pkg_at
                first = self.world.first
                start, end = first[i], first[i + 1]
                prov = name.prov = []
                for k, slot in zip(self.world.provider_package[start:end], self.world.provider_slot[start:end]):
                    pkg = pkg_at(k)
                    prov.append(Prov(pkg, pkg.package.provides[slot - 1].version if slot else pkg.version))
        return prov

    def pkg_at(self, k: int) -> _Pkg:
        pkg = self.pkgs[k]
        if pkg is not None:
            return pkg
        package = self.map.packages[k]
        pkg = self.pkgs[k] = _Pkg()
        pkg.solver = self
        pkg.number = k
        pkg.package = package
        pkg.name = self.name_at(self.tables.pkg_name[k])
        pkg.version = package.version
        pkg.priority = package.provider_priority or 0
        pkg.repos = repos = self.world.repo_bits[k]
        pkg.dependencies_used = pkg.dependencies_merged = pkg.in_changeset = False
        pkg.iif_triggered = pkg.error = pkg.marked = False
        pkg.conflicts = pkg.state = 0
        if self.seen_pkgs[k]:
            # what discovery does to every package it meets
            pkg.seen = pkg.available = True  # every repository is a local, available one
            pkg.pinning_allowed = pkg.pinning_preferred = 1  # the default tag
            pkg.selectable = k not in self.broken
            # the table's row says whether there is an i: line (reading package.install_if would build
            # its atoms: a lazy field of every package discovery meets, ~2,800 of them on v3.21)
            pkg.iif_failed = not self.tables.pkg_install_if[k] or k in self.dropped_install_if
            pkg.tag_preferred = pkg.tag_ok = package.installed_size == 0 or bool(repos & self.default_repos)
        else:
            pkg.seen = pkg.available = pkg.selectable = pkg.tag_ok = pkg.tag_preferred = False
            pkg.iif_failed = False
            pkg.pinning_allowed = pkg.pinning_preferred = 0
        return pkg

    def link(self, pkg: _Pkg) -> None:
        """Give a package its depends, provides and install_if (as _Dep, _Provide)."""
        package = pkg.package
        k = pkg.number
        tables = self.tables
        dep = self.dep
        # the rows of the world table hold each atom's name id, in the package's order: an empty row is
        # an empty field, read without building the package's atoms
        pkg.depends = list(map(dep, package.depends, tables.pkg_depends[k])) if tables.pkg_depends[k] else []
        provides = []
        if tables.pkg_provides[k]:
            name_at = self.name_at
            for atom, name_id in zip(package.provides, tables.pkg_provides[k]):
                provide = _Provide()
                provide.name = name_at(name_id)
                provide.version = atom.version
                provide.atom = atom
                provides.append(provide)
        pkg.provides = provides
        pkg.install_if = (
            list(map(dep, package.install_if, tables.pkg_install_if[k]))
            if tables.pkg_install_if[k] and k not in self.dropped_install_if else []
        )

    def dep(self, atom: Dependency, name_id: int | None = None) -> _Dep:
        """The solver's form of ``atom`` (one per atom object); ``name_id``: its name's id, when known."""
        dep = self.deps.get(id(atom))
        if dep is None:
            dep = self.deps[id(atom)] = _Dep()
            dep.atom = atom
            dep.name = self.name(atom.name) if name_id is None else self.name_at(name_id)
            dep.version = atom.version
            op = atom.op
            dep.mask = ANY if op is None else op_mask(op)
            dep.conflict = atom.conflict
            dep.fuzzy = op is not None and "~" in op
            dep.tag = self.tag_id(atom.tag) if atom.tag else 0
        return dep

    def mask_repos(self, pinning_mask: int) -> int:
        """apk_db_get_pinning_mask_repos: repositories a set of tags allows."""
        repos = 0
        i = 0
        while pinning_mask:
            if pinning_mask & 1 and i < len(self.tag_repos):
                repos |= self.tag_repos[i]
            pinning_mask >>= 1
            i += 1
        return repos

    # -- discovery ------------------------------------------------------------

    def discover(self, roots: list[_Name]) -> None:
        """apk's discover_name over the request, on the integer tables.

        What it leaves (which names and packages are seen, each name's
        discovery number) is kept in arrays; names and packages made later
        start from them (:meth:`discovered_state`, :meth:`pkg_at`).
        """
        total = len(self.by_id)
        self.seen_ids, self.seen_pkgs, self.order_ids = _discover(
            self.map, self.tables, [name.id for name in roots], total, self.dropped_install_if, self.rules,
        )
        self.discovered = True
        for name in self.by_id:
            if name is not None:
                self.discovered_state(name)

    # -- reverse dependencies, in apk's order -----------------------------------

    def in_apk_order(self, entry: dict[_Name, object]) -> list[_Name]:
        """The names of a reverse-dependency entry in the order apk walks them."""
        if self.map.reverse_order == "load":
            return sorted(entry, key=entry.__getitem__)
        key = self.map.hash_order_key
        return sorted(entry, key=lambda name: key(name.id))

    def rdepends(self, name: _Name) -> list[_Name]:
        """The seen names that depend on ``name`` and can be queued, in apk's order.

        (Every other seen name that depends on it has no requirer and no
        install_if to reevaluate: apk only sets its reevaluate flag, which
        :meth:`register_rdeps` gives it later.)
        """
        i = name.id
        ordered = self.rdeps_sorted.get(i)
        if ordered is None:
            entry = self.made_rdeps.get(i)
            ordered = self.rdeps_sorted[i] = self.in_apk_order(entry) if entry else []
        return ordered

    def reverse_deps_locked(self, name: _Name) -> bool:
        """Is every seen name that depends on ``name`` decided? (apk's reverse_deps_done)

        A name once locked stays locked, so the scan for one that is not
        resumes where it last stopped.
        """
        i = name.id
        if i >= self.world_names:
            return True
        numbers = self.tables.depended_by.row(i)  # a slice of the kept table, read in place
        if not numbers:
            return True
        tables, seen, by_id = self.tables, self.seen_ids, self.by_id
        pkg_name, pkg_provides = tables.pkg_name, tables.pkg_provides
        position = self.rdeps_cursor.get(i, 0)
        end = len(numbers)
        while position < end:
            k = numbers[position]
            for i0 in (pkg_name[k], *pkg_provides[k]):
                if seen[i0]:
                    name0 = by_id[i0]
                    if name0 is None or not name0.locked:
                        self.rdeps_cursor[i] = position
                        return False
            position += 1
        self.rdeps_cursor[i] = position
        return True

    def rinstall_if(self, name: _Name) -> list[_Name]:
        """Seen names with an install_if on ``name``, in apk's order."""
        riif = name.riif
        if riif is None:
            i = name.id
            riif = name.riif = []
            # most names have no install_if dependents: no per-map memo asked for those
            if i < self.world_names and i in self.tables.install_if_by:
                ids = self.map.reverse_install_if_ids(i, self.dropped_install_if)
                seen = self.seen_ids
                ids = [i0 for i0 in ids if seen[i0]]
                if len(ids) > 1 and self.map.reverse_order == "hash":
                    ids.sort(key=self.map.hash_order_key)
                name_at = self.name_at
                riif.extend(name_at(i0) for i0 in ids)
        return riif

    # -- solver.c ------------------------------------------------------------

    def mark_error(self, pkg: _Pkg | None) -> None:
        if pkg is None or pkg.error:
            return
        pkg.error = True
        self.errors += 1

    def queue_dirty(self, name: _Name) -> None:
        if name.dirty or name.locked or (name.requirers == 0 and not name.reevaluate_iif):
            return
        name.dirty = True
        self.dirty.append(name)

    def queue_unresolved(self, name: _Name) -> None:
        if name.locked:
            return
        want = name.requirers > 0 or name.has_iif
        if want:
            if name not in self.unresolved:
                self.unresolved[name] = None
        elif name in self.unresolved:
            del self.unresolved[name]

    def queue_unresolved_3(self, name: _Name, reevaluate: bool) -> None:
        """apk-tools 3's queue_unresolved: put the name in the queue its state asks for.

        A queued name moves only when it becomes "resolve now" or when its
        auto-selectability changed (``reevaluate``); a name nothing wants any
        more stays queued (deciding it then chooses nothing).
        """
        if name.locked:
            return
        if name.queue is not None:
            if name.resolvenow:
                return
            if _resolve_now(name):
                name.resolvenow = True
            elif not reevaluate:
                return
            del name.queue[name]
            name.queue = None
        else:
            if name.requirers == 0 and not name.has_iif and not name.iif_needed:
                return
            name.resolvenow = _resolve_now(name)
        if name.resolvenow:
            queue = self.resolvenow_queue
        elif name.has_auto_selectable:
            queue = self.selectable_queue
        else:
            queue = self.unresolved_queue
        queue[name] = None
        name.queue = queue

    def dequeue_3(self) -> _Name | None:
        """apk-tools 3's dequeue_next_name: the first "resolve now" name, else the
        auto-selectable, else any, name with the highest discovery number."""
        if self.resolvenow_queue:
            name = next(iter(self.resolvenow_queue))
            queue = self.resolvenow_queue
        else:
            queue = self.selectable_queue or self.unresolved_queue
            if not queue:
                return None
            name = max(queue, key=_order_id)
        del queue[name]
        name.queue = None
        return name

    def reevaluate_reverse_deps(self, name: _Name) -> None:
        self.reevaluated.add(name.id)
        for name0 in self.rdepends(name):
            name0.reevaluate_deps = True
            self.queue_dirty(name0)

    def reevaluate_reverse_installif(self, name: _Name) -> None:
        for name0 in self.rinstall_if(name):
            if name0.no_iif:
                continue
            self.register_rdeps(name0)
            name0.reevaluate_iif = True
            self.queue_dirty(name0)

    def reevaluate_reverse_installif_pkg(self, pkg: _Pkg) -> None:
        self.reevaluate_reverse_installif(pkg.name)
        for provide in pkg.provides:
            self.reevaluate_reverse_installif(provide.name)

    def disqualify_package(self, pkg: _Pkg) -> None:
        pkg.selectable = False
        self.reevaluate_reverse_deps(pkg.name)
        for provide in pkg.provides:
            self.reevaluate_reverse_deps(provide.name)
        self.reevaluate_reverse_installif_pkg(pkg)

    def dependency_satisfiable(self, dpkg: _Pkg, dep: _Dep) -> bool:
        name = dep.name
        if name.locked:
            return self.provided(dpkg, dep, name.chosen)
        if name.requirers == 0 and dep.conflict:  # dep_is_provided(dep, none)
            return True
        provided = self.provided
        for p in self.providers(name):
            if p.pkg.selectable and provided(dpkg, dep, p):
                return True
        return False

    def name_requirers_changed(self, name: _Name) -> None:
        self.register_rdeps(name)
        if self.v3:
            self.queue_unresolved_3(name, False)
        else:
            self.queue_unresolved(name)
        self.reevaluate_reverse_installif(name)
        self.queue_dirty(name)

    def inherit_pinning(self, pkg: _Pkg, parent: _Pkg | None) -> None:
        repos = pkg.repos
        if parent is not None:
            pkg.pinning_allowed |= parent.pinning_allowed
        else:
            # a world dependency: its tag is both allowed and preferred
            pkg.pinning_allowed |= self.pinning_inherit
            pkg.pinning_preferred = self.pinning_inherit
            pkg.tag_preferred = bool(repos & self.mask_repos(pkg.pinning_preferred))
        if not pkg.tag_ok:
            pkg.tag_ok = bool(repos & self.mask_repos(pkg.pinning_allowed))

    def apply_constraint(self, parent: _Pkg | None, dep: _Dep) -> None:
        name = dep.name
        if not dep.conflict:
            name.requirers += 1
            if name.requirers == 1:
                self.name_requirers_changed(name)
        for p0 in self.providers(name):
            pkg0 = p0.pkg
            is_provided = self.provided(parent, dep, p0)
            if not is_provided:
                pkg0.conflicts += 1
            if pkg0.selectable and pkg0.conflicts:
                self.disqualify_package(pkg0)
            if is_provided:
                self.inherit_pinning(pkg0, parent)

    def exclude_non_providers(self, name: _Name, must_provide: _Name, skip_virtuals: bool) -> None:
        if name is must_provide:
            return
        for p in self.providers(name):
            pkg = p.pkg
            if pkg.name is must_provide or not pkg.selectable or (skip_virtuals and p.version is None):
                continue
            if any(d.name is must_provide or (skip_virtuals and d.version is None) for d in pkg.provides):
                continue
            self.disqualify_package(pkg)

    def is_provider_auto_selectable(self, p: Prov) -> bool:
        # A virtual provide is never picked for the user without a priority.
        return p.version is not None or bool(p.pkg.priority) or p.pkg.name.requirers > 0

    def reconsider_name(self, name: _Name) -> None:
        reevaluate_deps = name.reevaluate_deps
        reevaluate_iif = name.reevaluate_iif
        name.reevaluate_deps = name.reevaluate_iif = False
        was_auto_selectable = name.has_auto_selectable
        name.has_auto_selectable = False
        first_candidate = None
        num_options = num_tag_not_ok = 0
        has_iif = False
        no_iif = True
        providers = self.providers(name)

        # propagate down by merging common dependencies and applying new constraints
        for p in providers:
            pkg = p.pkg
            pkg.dependencies_merged = False
            if reevaluate_deps:
                if not pkg.selectable:
                    continue
                for dep in pkg.depends:
                    if not self.dependency_satisfiable(pkg, dep):
                        self.disqualify_package(pkg)
                        break
            if not pkg.selectable:
                continue

            if reevaluate_iif and not pkg.iif_triggered and not pkg.iif_failed:
                pkg.iif_triggered = True
                pkg.iif_failed = False
                for dep in pkg.install_if:
                    if not dep.name.locked:
                        if dep.conflict and self.rules.install_if_conflict_terms:
                            # the name must be decided for the install_if to be
                            dep.name.iif_needed = True
                            self.queue_unresolved_3(dep.name, False)
                        pkg.iif_triggered = pkg.iif_failed = False
                        break
                    if not self.provided(pkg, dep, dep.name.chosen):
                        pkg.iif_triggered = False
                        pkg.iif_failed = True
                        break
            if reevaluate_iif and pkg.iif_triggered:
                for dep in pkg.install_if:
                    self.inherit_pinning(pkg, dep.name.chosen.pkg)
            has_iif = has_iif or pkg.iif_triggered
            no_iif = no_iif and pkg.iif_failed
            name.has_auto_selectable = name.has_auto_selectable or pkg.iif_triggered

            if name.requirers == 0:
                continue

            # merge common dependencies
            pkg.dependencies_merged = True
            if first_candidate is None:
                first_candidate = pkg
            for dep in pkg.depends:
                if not dep.conflict and dep.name.merge_depends == num_options:
                    dep.name.merge_depends = num_options + 1
            own = pkg.name
            if own.merge_provides == num_options:
                own.merge_provides = num_options + 1
                own.has_virtual_provides = own.has_virtual_provides or p.version is None
            for provide in pkg.provides:
                pname = provide.name
                if pname.merge_provides == num_options:
                    pname.merge_provides = num_options + 1
                    pname.has_virtual_provides = pname.has_virtual_provides or provide.version is None
            num_tag_not_ok += not pkg.tag_ok
            num_options += 1
            if not name.has_auto_selectable and self.is_provider_auto_selectable(p):
                name.has_auto_selectable = True

        name.has_options = num_options > 1 or num_tag_not_ok > 0
        name.has_iif = has_iif
        name.no_iif = no_iif
        if not self.v3:
            self.queue_unresolved(name)

        if first_candidate is not None:
            pkg = first_candidate
            for p in providers:
                p.pkg.dependencies_used = p.pkg.dependencies_merged

            # propagate down common dependencies
            if num_options == 1:
                for dep in pkg.depends:
                    complete = dep.name.merge_depends == num_options
                    dep.name.merge_depends = 0
                    if complete:
                        self.apply_constraint(pkg, dep)
            else:
                for dep in pkg.depends:
                    name0 = dep.name
                    complete = name0.merge_depends == num_options
                    name0.merge_depends = 0
                    if complete and name0.requirers == 0:
                        # a dependency every candidate has
                        name0.requirers += 1
                        self.name_requirers_changed(name0)
                        for p in self.providers(name0):
                            self.inherit_pinning(p.pkg, pkg)

            # provides transitivity
            own = pkg.name
            complete = own.merge_provides == num_options
            own.merge_provides = 0
            if complete:
                self.exclude_non_providers(own, name, own.has_virtual_provides)
            for provide in pkg.provides:
                pname = provide.name
                complete = pname.merge_provides == num_options
                pname.merge_provides = 0
                if complete:
                    self.exclude_non_providers(pname, name, pname.has_virtual_provides)
            own.has_virtual_provides = False
            for provide in pkg.provides:
                provide.name.has_virtual_provides = False

        name.reverse_deps_done = self.reverse_deps_locked(name)
        if self.v3:
            self.queue_unresolved_3(name, name.has_auto_selectable != was_auto_selectable)

    def compare_providers(self, a: Prov, b: Prov) -> int:
        pkg_a, pkg_b = a.pkg, b.pkg
        if pkg_a is None or pkg_b is None:
            return (pkg_a is not None) - (pkg_b is not None)
        # (no --latest/--upgrade/--available, nothing installed)
        r = pkg_a.selectable - pkg_b.selectable
        if r:
            return r
        r = pkg_a.dependencies_used - pkg_b.dependencies_used
        if r:
            return r
        r = pkg_b.conflicts - pkg_a.conflicts
        if r:
            return r
        r = pkg_a.tag_ok - pkg_b.tag_ok
        if r:
            return r
        r = pkg_a.tag_preferred - pkg_b.tag_preferred
        if r:
            return r
        # the latest version of the requested name, then of the package
        result = self.compare_versions(a.version, b.version)
        if result == LESS:
            return -1
        if result == GREATER:
            return 1
        if pkg_a.name is pkg_b.name:
            result = compare_mask(pkg_a.version, pkg_b.version)
            if result == LESS:
                return -1
            if result == GREATER:
                return 1
        r = pkg_a.priority - pkg_b.priority
        if r:
            return r
        r = pkg_a.selectable - pkg_b.selectable
        if r:
            return r
        # the first repository (lowest bit) wins
        return _ffs(pkg_b.repos) - _ffs(pkg_a.repos)

    def assign_name(self, name: _Name, p: Prov) -> None:
        if name.locked:
            # two packages providing one name without a version is fine
            if p.version is None and name.chosen.version is None:
                return
            self.mark_error(p.pkg)
            self.mark_error(name.chosen.pkg)
            return
        name.locked = True
        name.chosen = p
        self.unresolved.pop(name, None)
        if name.queue is not None:
            del name.queue[name]
            name.queue = None
        name.dirty = False
        if self.rules.install_if_conflict_terms and p.pkg is not None and not name.requirers and p.pkg.iif_triggered:
            for dep in p.pkg.install_if:
                if not dep.name.locked:
                    self.apply_constraint(p.pkg, dep)
        for p0 in self.providers(name):
            if p0.pkg is p.pkg:
                continue
            if p.version is None and p0.version is None:
                continue
            self.disqualify_package(p0.pkg)
        self.reevaluate_reverse_deps(name)
        if p.pkg is not None:
            self.reevaluate_reverse_installif_pkg(p.pkg)
        else:
            self.reevaluate_reverse_installif(name)

    def select_package(self, name: _Name) -> None:
        chosen = NO_PROVIDER
        if name.requirers or name.has_iif:
            for p in self.providers(name):
                pkg = p.pkg
                if name.requirers == 0 and (not pkg.iif_triggered or not pkg.tag_ok or not pkg.selectable):
                    continue
                if not self.is_provider_auto_selectable(p):
                    continue
                if self.compare_providers(p, chosen) > 0:
                    chosen = p
        pkg = chosen.pkg
        if pkg is not None:
            if not pkg.selectable or not pkg.tag_ok:
                self.mark_error(pkg)
            self.assign_name(pkg.name, Prov(pkg, pkg.version))
            for provide in pkg.provides:
                self.assign_name(provide.name, Prov(pkg, provide.version))
            for dep in pkg.depends:
                self.apply_constraint(pkg, dep)
        else:
            self.assign_name(name, NO_PROVIDER)
            if name.requirers > 0:
                self.errors += 1

    # -- the changeset -----------------------------------------------------

    def get_tag(self, pinning_mask: int, repos: int) -> int:
        for i in range(len(self.tag_names)):
            if pinning_mask & (1 << i) and self.tag_repos[i] & repos:
                return i
        return 0

    def gen_name_change(self, name: _Name, changes: list) -> Iterator:
        name.cset_processed = True
        pkg = name.chosen.pkg
        if pkg is None or pkg.in_changeset:
            return
        pkg.in_changeset = True
        pkg.name.cset_processed = True
        for provide in pkg.provides:
            provide.name.cset_processed = True
        for dep in pkg.depends:
            dname = dep.name
            if not self.provided(pkg, dep, dname.chosen):
                self.mark_error(pkg)  # unfulfilled dependency
            if not dname.cset_processed:
                yield self.gen_name_change(dname, changes)
            if dname.chosen.pkg is not None and dname.chosen.pkg.error:
                self.mark_error(pkg)  # propagation up
        changes.append((pkg, self.get_tag(pkg.pinning_allowed, pkg.repos)))
        # install_if packages this one completes
        for trigger in (pkg.name, *(provide.name for provide in pkg.provides)):
            for name0 in self.rinstall_if(trigger):
                ipkg = name0.chosen.pkg
                if ipkg is None or name0.cset_processed:
                    continue
                # 3.0 does not wait for a name an install_if only wants absent
                conflict_terms = self.rules.install_if_conflict_terms
                if all(
                    (d.name.cset_processed or (conflict_terms and d.conflict))
                    and self.provided(ipkg, d, d.name.chosen)
                    for d in ipkg.install_if
                ):
                    yield self.gen_name_change(name0, changes)

    def generate_changeset(self, world: list[_Dep]) -> list[tuple[_Pkg, int]]:
        changes: list[tuple[_Pkg, int]] = []
        for dep in world:
            if not dep.name.cset_processed:
                run_recursion(self.gen_name_change(dep.name, changes))
        return changes

    # -- the whole run -----------------------------------------------------

    def run(self, request: tuple[Dependency, ...]) -> Solution:
        world = [self.dep(atom) for atom in request]
        world.sort(key=lambda d: display_key(d.name.key))
        missing_tags = [d for d in world if d.tag and not self.tag_repos[d.tag]]
        if missing_tags:
            raise _missing_tag_error(missing_tags, self.tag_names, self.rules.missing_tag_hint, self.index_warning)

        for dep in world:
            dep.name.solver_flags_set = True
        self.discover([dep.name for dep in world])
        for dep in world:
            self.pinning_inherit = 1 << dep.tag
            self.apply_constraint(None, dep)
        self.pinning_inherit = 0

        dirty, unresolved = self.dirty, self.unresolved
        while True:
            while dirty:
                name = dirty.popleft()
                if name.dirty:
                    name.dirty = False
                    self.reconsider_name(name)
            if self.v3:
                chosen = self.dequeue_3()
                if chosen is None:
                    break
                self.select_package(chosen)
                continue
            chosen = None
            for name0 in reversed(unresolved):  # apk adds at the head
                if (name0.reverse_deps_done and name0.requirers and name0.has_auto_selectable
                        and not name0.has_options):  # "fast selected"
                    chosen = name0
                    break
                if chosen is None or _compare_name_dequeue(name0, chosen) < 0:
                    chosen = name0
            if chosen is None:
                break
            self.select_package(chosen)

        changes = self.generate_changeset(world)
        if self.errors:
            from apkneed.alpine.solver_report import explain

            problems, text = explain(self, world, changes)
            warnings = [self.index_warning] if self.index_warning else []
            raise SolverError(problems, text, self.errors, "unable to select packages:", warnings)
        return Solution(
            request=request,
            steps=tuple(
                InstallStep(pkg.package, "@" + self.tag_names[tag] if tag else "") for pkg, tag in changes
            ),
        )


def _owner_slot(tables, k: int, i: int) -> int:
    # apk appends a package's own name, then its provides, in that order
    if tables.pkg_name[k] == i:
        return 0
    return tables.pkg_provides[k].index(i) + 1


def _strict_reading(providers: ProviderMap) -> tuple[frozenset[int], frozenset[int], str]:
    """What apk-tools 3 makes of versions it cannot read (once per map): the
    package numbers it cannot install, those whose ``i:`` line it drops, its warning."""
    found = providers.apk3_reading()  # a world of parsed copies: from their columns, kept with its table
    if found is None:
        broken, dropped, odd_provides = set(), set(), False
        readable: dict[str, bool] = {}  # versions repeat: read each once
        for number, package in enumerate(providers.packages):
            for atoms, found in ((package.depends, broken), (package.install_if, dropped)):
                for d in atoms:
                    version = d.version
                    if version is None or d.op == "><":
                        continue
                    ok = readable.get(version)
                    if ok is None:
                        ok = readable[version] = is_valid_apk3(version)
                    if not ok:
                        found.add(number)
                        break
            if not odd_provides:
                for p in package.provides:
                    version = p.version
                    if version is not None:
                        ok = readable.get(version)
                        if ok is None:
                            ok = readable[version] = is_valid_apk3(version)
                        if not ok:
                            odd_provides = True
                            break
        warning = apk3_warning(broken, dropped, odd_provides)
        found = providers._memo["apk3_reading"] = (frozenset(broken), frozenset(dropped), warning)
    return found


# ---------------------------------------------------------------------------
# Discovery: apk-tools' discover_name, on name ids and package numbers.
#
# One explicit stack of items replaces the C recursion. An item is a name id
# ("discover this name if it is not seen yet"), or, offset by _PKG, _PROVIDES
# or _NUMBER, a package number ("walk this package's dependencies if it is
# not seen yet", "go on with this package's provides": discover the next one
# not seen yet, then come back) or a name to number now. Every test of
# "seen" happens when the item is taken, which is when the C code tests it.
#
# A package's provides are scanned from a cursor kept per package: every
# provide before it is seen (seen never goes back), so a scan, wherever it
# started, skips them anyway. apk scans the whole list again for each of the
# package's names it discovers, which is quadratic in packages with a
# thousand provides (coq); this is not.

_PKG = 1 << 28
_PROVIDES = 2 << 28
_NUMBER = 3 << 28


def _really_named(pmap: ProviderMap, tables) -> bytearray:
    """name id -> 1 when some package is called so (not only provides it); once per map."""
    found = pmap._memo.get("really_named")
    if found is None:
        found = pmap._memo["really_named"] = bytearray(len(tables.names))
        for i in tables.pkg_name:
            found[i] = 1
    return found


def _discover(
    pmap: ProviderMap, tables, roots: list[int], total: int, dropped: frozenset[int], rules: SolverRules,
):
    """apk-tools' discover_name over ``roots`` (name ids, in world order), as
    ``rules``' generation walks (the discovery fields of :class:`SolverRules`).

    Returns (seen name ids, seen package numbers, discovery number per name id).
    """
    # The generation's rules (SolverRules' discovery fields), read once into
    # locals: this is the solve's hot loop (one walk, measured as fast as the
    # two per-generation copies it replaced, within the noise of a loaded machine).
    own_iif_first = rules.discovers_own_install_if_dependents_first
    walks_iif_names = rules.discovers_install_if_names
    flags_order = rules.flags_discovery_order
    name_providers, pkg_name, pkg_depends, pkg_provides, pkg_install_if = (
        tables.name_providers, tables.pkg_name, tables.pkg_depends, tables.pkg_provides,
        tables.pkg_install_if,
    )
    # a name's install_if dependents in apk's order, reversed for the stack: looked up per
    # discovered name (tens of thousands with 3.0's rules), so kept per map, ready to push
    reversed_iif = pmap._memo.setdefault("install_if_dependents_reversed", {})
    ordered_iif = pmap.install_if_dependent_ids

    def iif_dependents(name_id: int) -> tuple[int, ...]:
        found = reversed_iif[name_id] = ordered_iif(name_id)[::-1]
        return found

    has_iif = tables.install_if_by  # most names have no install_if dependents: ask only for the others
    # a provided name's install_if dependents (2.14) are asked for the names in
    # this mapping: 2.14's one lookup per provided name, no rule test on top
    provided_iif_names = has_iif if rules.discovers_provided_names_install_if_dependents else {}
    world_names = len(tables.names)
    states, start = _walked_states(pmap, roots, total, world_names, dropped, rules)
    if start:  # the walk over the first ``start`` roots was made before on this map: go on from there
        kept_seen, kept_pkgs, kept_order, counter = states[tuple(roots[:start])]
        seen, seen_pkgs, order = bytearray(kept_seen), bytearray(kept_pkgs), kept_order[:]
    else:
        seen = bytearray(total)
        seen_pkgs = bytearray(len(pkg_name))
        order = [0] * total
        counter = 0
    # where each package's scan of its provides stands; a scan that starts again at 0
    # skips provides seen before, so a walk resumed from a kept state needs none kept
    cursor = [0] * len(pkg_name)
    stack: list[int] = []
    push, extend, pop = stack.append, stack.extend, stack.pop
    for position in range(start, len(roots)):
        if states is not None and position == 1 and start == 0:
            # after the first root (~0.2 ms to copy), and after the whole request below: a
            # later request sharing the first root (a plan's worlds all start from the base
            # image's) goes on from here. Only a walk that began at the first root has this
            # state: one resumed from a longer prefix is past it
            _keep_state(states, tuple(roots[:1]), seen, seen_pkgs, order, counter)
        push(roots[position])
        while stack:
            item = pop()
            if item < _PKG:  # discover_name(item)
                if seen[item]:
                    continue
                seen[item] = 1
                if item >= world_names:
                    push(_NUMBER + item)
                    continue
                numbers = name_providers[item]
                if walks_iif_names:
                    # (3.0) after the number: the names of the providers' install_if lines
                    for k in reversed(numbers):
                        if pkg_install_if[k] and k not in dropped:
                            extend(reversed(pkg_install_if[k]))
                push(_NUMBER + item)
                # the second loop: each provider's install_if dependents, then
                # its provides (see _PROVIDES below)
                for k in reversed(numbers):
                    if pkg_provides[k]:
                        push(_PROVIDES + k)
                    if pkg_name[k] in has_iif:
                        extend(reversed_iif.get(pkg_name[k]) or iif_dependents(pkg_name[k]))
                if own_iif_first and item in has_iif:
                    # (3.0) the name's own install_if dependents, before the providers'
                    extend(reversed_iif.get(item) or iif_dependents(item))
                # the first loop: each provider's dependencies
                if len(numbers) == 1:
                    push(_PKG + numbers[0])
                else:
                    extend([_PKG + k for k in reversed(numbers)])
            elif item < _PROVIDES:
                k = item - _PKG
                if not seen_pkgs[k]:
                    seen_pkgs[k] = 1
                    # a name seen now is seen when its turn comes: leave it out
                    extend([d for d in reversed(pkg_depends[k]) if not seen[d]])
            elif item < _NUMBER:
                # the next of the package's provides not seen yet, then come back
                k = item - _PROVIDES
                provides = pkg_provides[k]
                position = cursor[k]
                end = len(provides)
                while position < end and seen[provides[position]]:
                    position += 1
                cursor[k] = position
                if position < end:
                    name = provides[position]
                    push(item)
                    if name in provided_iif_names:  # (2.14) then its install_if dependents
                        extend(reversed_iif.get(name) or iif_dependents(name))
                    push(name)
            else:
                counter += 1
                order[item - _NUMBER] = counter
    if states is not None and len(roots) > start:
        _keep_state(states, tuple(roots), seen, seen_pkgs, order, counter)
    if flags_order:
        # (3.0) set after the walk on the names it numbered: a flag depends on
        # the name alone, and a rule test per number in the loop above made
        # 2.14's walk ~5% slower than its own copy
        really_named = _really_named(pmap, tables)
        requested = set(roots)
        for name in compress(range(total), seen):
            flags = 0 if name in requested else 1 << 31
            if name < world_names and really_named[name]:
                flags |= 1 << 30
            order[name] |= flags
    return seen, seen_pkgs, order


#: walk states kept per map and rules (each ~0.6 MB for a 60,000-name world): the least recently used go first
MAX_WALKED_STATES = 16


def _walked_states(pmap: ProviderMap, roots: list[int], total: int, world_names: int, dropped: frozenset[int],
                   rules: SolverRules) -> tuple[dict | None, int]:
    """The walk states kept on this map for these rules, and how many of ``roots`` the longest kept one covers.

    The walk over roots [r1, ..., rn] is the walk over [r1, ..., rk] then
    the same loop going on with r(k+1): its state between two roots (names
    and packages seen, numbers given, the counter) is all it carries over,
    so a state kept after a prefix of the roots lets a later request with
    that prefix (the base image's world, in a plan's several solves) start
    from it. States are kept only when every root is a name of the world
    (names only a request has would change the arrays' size).
    """
    if total != world_names or not roots:
        return None, 0
    states = pmap._memo.setdefault(("walked states", rules, dropped), {})
    for end in range(len(roots), 0, -1):
        prefix = tuple(roots[:end])
        if prefix in states:
            states[prefix] = states.pop(prefix)  # used last: evicted last
            return states, end
    return states, 0


def _keep_state(states: dict, prefix: tuple[int, ...], seen: bytearray, seen_pkgs: bytearray, order: list[int],
                counter: int) -> None:
    if prefix in states:
        return
    if len(states) >= MAX_WALKED_STATES:
        del states[next(iter(states))]
    states[prefix] = (bytes(seen), bytes(seen_pkgs), order[:], counter)


def _resolve_now(name: _Name) -> bool:
    # apk-tools 3's queue_resolvenow: 2.14's "fast selected" test, made when queueing
    return bool(name.reverse_deps_done and name.requirers and name.has_auto_selectable and not name.has_options)


def _order_id(name: _Name) -> int:
    return name.order_id


def _compare_name_dequeue(a: _Name, b: _Name) -> int:
    r = b.has_auto_selectable - a.has_auto_selectable
    if r:
        return r
    r = a.solver_flags_set - b.solver_flags_set
    if r:
        return -r
    return b.order_id - a.order_id


def _ffs(bits: int) -> int:
    return (bits & -bits).bit_length()


def _missing_tag_error(deps: list[_Dep], tag_names: list[str], hint: str, index_warning: str) -> SolverError:
    problems = [
        Problem(
            kind="tag",
            name=d.name.key,
            subject=f"{d.name.key}@{tag_names[d.tag]}",
            sections=(("missing repository tag", (f"@{tag_names[d.tag]}",)),),
        )
        for d in deps
    ]
    return SolverError(
        problems,
        "",
        -1,
        "Not committing changes due to missing repository tags." + hint,
        warnings=[index_warning] * bool(index_warning) + [
            f"The repository tag for world dependency '{d.name.key}@{tag_names[d.tag]}' does not exist"
            for d in deps
        ],
    )
