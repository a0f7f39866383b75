"""The plan as plain data: routes, apk packages, and the evidence behind each.

Built by :func:`apkneed.plan.planner.make_plan` (pure), read by the
renderers. Nothing here does IO.

A :class:`Need` is one apk package one distribution needs, with its chain
of evidence from the nearest reason to the root, e.g.::

    Need("zlib", "runtime", "pillow",
         ("so:libz.so.1", "PIL/_imaging.cpython-310-x86_64-linux-gnu.so NEEDED",
          "pillow-12.3.0-cp310-cp310-musllinux_1_2_x86_64.whl"))

which ``apkneed why zlib`` prints as ``zlib ← so:libz.so.1 ← PIL/… NEEDED ← pillow-….whl``.
"""

from __future__ import annotations

from apkneed.plan.target import PlanTarget
from apkneed.records import Frozen, set_field

ROUTES = ("wheel", "apk", "source")
ROUTE_POLICIES = ("auto", *ROUTES)
RUNTIME, BUILD = "runtime", "build"


class Need(Frozen):
    __slots__ = ("apk", "kind", "dist", "chain", "missing")

    apk: str
    kind: str  # RUNTIME | BUILD
    dist: str | None  # the distribution; None for the plan itself (python3 on an Alpine-python base)
    chain: tuple[str, ...]
    #: the target index has no package of this name (e.g. community names
    #: against a main-only index): it is still the answer, but unverified
    missing: bool

    def __init__(self, apk: str, kind: str, dist: str | None, chain: tuple[str, ...], missing: bool = False) -> None:
        set_field(self, "apk", apk)
        set_field(self, "kind", kind)
        set_field(self, "dist", dist)
        set_field(self, "chain", chain)
        set_field(self, "missing", missing)


class PackagePlan(Frozen):
    __slots__ = (
        "name",
        "version",
        "route",
        "file",
        "runtime_apk",
        "build_apk",
        "reasons",
        "direct",
        "requested_by",
        "problems",
        "forced_route_failed",
        "unprovided",
        "unknown",
        "summary",
        "evidence",
        "blas",
    )

    name: str
    version: str
    route: str | None  # None: no route can install it (see reasons)
    file: str | None  # the wheel or sdist pip uses, or the apk package "py3-yaml-6.0-r0"
    runtime_apk: tuple[str, ...]
    build_apk: tuple[str, ...]
    reasons: tuple[str, ...]
    direct: bool
    requested_by: tuple[str, ...]
    problems: tuple[str, ...]  # warnings about this distribution (ELF checks, unmapped needs)
    #: the forced --route could not be honoured (the reason says why)
    forced_route_failed: bool
    #: sonames the wheel needs that no package of the searched repositories provides: it cannot load (exit 1)
    unprovided: tuple[str, ...]
    #: a source build whose needs no evidence explains (warned; the plan exits 1)
    unknown: bool
    summary: str  # a few words for a table: "musllinux_1_2 wheel, vendors 6 libraries"
    #: what the route was decided from, as plain data (JSON "evidence"): for a
    #: wheel its ELF objects, vendored libraries and external sonames; for a
    #: source build the sdist's build system, languages and the basis of its needs
    evidence: tuple[tuple[str, object], ...]
    #: "is it fast?": the BLAS this distribution runs on after its route
    #: (apkneed.plan.blas_verdict), None for a distribution that calls no BLAS
    blas: dict | None

    def __init__(
        self,
        name: str,
        version: str,
        route: str | None,
        file: str | None,
        runtime_apk: tuple[str, ...],
        build_apk: tuple[str, ...],
        reasons: tuple[str, ...],
        direct: bool,
        requested_by: tuple[str, ...],
        problems: tuple[str, ...] = (),
        forced_route_failed: bool = False,
        unprovided: tuple[str, ...] = (),
        unknown: bool = False,
        summary: str = "",
        evidence: tuple[tuple[str, object], ...] = (),
        blas: dict | None = None,
    ) -> None:
        set_field(self, "name", name)
        set_field(self, "version", version)
        set_field(self, "route", route)
        set_field(self, "file", file)
        set_field(self, "runtime_apk", runtime_apk)
        set_field(self, "build_apk", build_apk)
        set_field(self, "reasons", reasons)
        set_field(self, "direct", direct)
        set_field(self, "requested_by", requested_by)
        set_field(self, "problems", problems)
        set_field(self, "forced_route_failed", forced_route_failed)
        set_field(self, "unprovided", unprovided)
        set_field(self, "unknown", unknown)
        set_field(self, "summary", summary)
        set_field(self, "evidence", evidence)
        set_field(self, "blas", blas)


class ClosureEntry(Frozen):
    """One apk package a layer adds, and what pulled it in."""

    __slots__ = ("name", "version", "size", "installed_size", "requested", "parent", "atom")

    name: str
    version: str
    size: int
    installed_size: int
    requested: bool  # named in the layer's request (else pulled in)
    parent: str | None  # the package whose dependency pulled it in
    atom: str | None  # that dependency ("so:libz.so.1"), or the request atom

    def __init__(
        self,
        name: str,
        version: str,
        size: int,
        installed_size: int,
        requested: bool,
        parent: str | None = None,
        atom: str | None = None,
    ) -> None:
        set_field(self, "name", name)
        set_field(self, "version", version)
        set_field(self, "size", size)
        set_field(self, "installed_size", installed_size)
        set_field(self, "requested", requested)
        set_field(self, "parent", parent)
        set_field(self, "atom", atom)


class Layer(Frozen):
    """What installing ``request`` adds on top of ``below``, as apk would solve it."""

    __slots__ = ("below", "request", "added", "error")

    below: tuple[str, ...]
    request: tuple[str, ...]
    added: tuple[ClosureEntry, ...]
    error: str | None  # apk would refuse: the solver's one-line reason

    def __init__(
        self,
        below: tuple[str, ...],
        request: tuple[str, ...],
        added: tuple[ClosureEntry, ...],
        error: str | None = None,
    ) -> None:
        set_field(self, "below", below)
        set_field(self, "request", request)
        set_field(self, "added", added)
        set_field(self, "error", error)

    @property
    def download_size(self) -> int:
        return sum(entry.size for entry in self.added)

    @property
    def installed_size(self) -> int:
        return sum(entry.installed_size for entry in self.added)


class Plan(Frozen):
    __slots__ = (
        "target",
        "route_policy",
        "packages",
        "runtime_apk",
        "build_apk",
        "needs",
        "base_world",
        "runtime_layer",
        "build_layer",
        "missing",
        "warnings",
        "sources",
        "notes",
    )

    target: PlanTarget
    route_policy: str
    packages: tuple[PackagePlan, ...]
    runtime_apk: tuple[str, ...]
    build_apk: tuple[str, ...]
    needs: tuple[Need, ...]
    base_world: tuple[str, ...]
    runtime_layer: Layer
    build_layer: Layer
    missing: tuple[str, ...]  # names the index lacks
    warnings: tuple[str, ...]
    sources: tuple[str, ...]  # citations of the data used (base image contents)
    #: facts worth knowing that need no action (how the base world was read)
    notes: tuple[str, ...]

    def __init__(
        self,
        target: PlanTarget,
        route_policy: str,
        packages: tuple[PackagePlan, ...],
        runtime_apk: tuple[str, ...],
        build_apk: tuple[str, ...],
        needs: tuple[Need, ...],
        base_world: tuple[str, ...],
        runtime_layer: Layer,
        build_layer: Layer,
        missing: tuple[str, ...],
        warnings: tuple[str, ...],
        sources: tuple[str, ...] = (),
        notes: tuple[str, ...] = (),
    ) -> None:
        set_field(self, "target", target)
        set_field(self, "route_policy", route_policy)
        set_field(self, "packages", packages)
        set_field(self, "runtime_apk", runtime_apk)
        set_field(self, "build_apk", build_apk)
        set_field(self, "needs", needs)
        set_field(self, "base_world", base_world)
        set_field(self, "runtime_layer", runtime_layer)
        set_field(self, "build_layer", build_layer)
        set_field(self, "missing", missing)
        set_field(self, "warnings", warnings)
        set_field(self, "sources", sources)
        set_field(self, "notes", notes)

    @property
    def pip_packages(self) -> tuple[PackagePlan, ...]:
        """What pip installs: every distribution not on the apk route."""
        return tuple(p for p in self.packages if p.route in ("wheel", "source"))

    @property
    def uses_apk_route(self) -> bool:
        return any(p.route == "apk" for p in self.packages)

    @property
    def incomplete(self) -> bool:
        """A negative answer (exit 1): some distribution has no route, a forced
        route was not honoured, a build's needs are unknown, a wheel needs a
        library no package provides, the plan needs a package the index does
        not have, or apk would refuse a layer."""
        return (
            any(p.route is None or p.forced_route_failed or p.unknown or p.unprovided for p in self.packages)
            or bool(self.missing)
            or self.runtime_layer.error is not None
            or self.build_layer.error is not None
        )
