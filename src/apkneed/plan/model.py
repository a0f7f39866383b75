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

from dataclasses import dataclass

from apkneed.plan.target import PlanTarget

ROUTES = ("wheel", "apk", "source")
ROUTE_POLICIES = ("auto", *ROUTES)
RUNTIME, BUILD = "runtime", "build"


@dataclass(frozen=True)
class Need:
    apk: str
    kind: str  # RUNTIME | BUILD
    dist: str | None  # the distribution; None for the plan itself (python3 on an Alpine-python base)
    chain: tuple[str, ...]
    #: the target index has no package of this name (e.g. community names
    #: against a main-only index): it is still the answer, but unverified
    missing: bool = False


@dataclass(frozen=True)
class PackagePlan:
    name: str
    version: str
    route: str | None  # None: no route can install it (see reasons)
    file: str | None  # the wheel or sdist pip uses, or the apk package "py3-yaml-6.0-r0"
    runtime_apk: tuple[str, ...]
    build_apk: tuple[str, ...]
    reasons: tuple[str, ...]
    direct: bool
    requested_by: tuple[str, ...]
    problems: tuple[str, ...] = ()  # warnings about this distribution (ELF checks, unmapped needs)
    #: the forced --route could not be honoured (the reason says why)
    forced_route_failed: bool = False
    #: sonames the wheel needs that no package of the searched repositories provides: it cannot load (exit 1)
    unprovided: tuple[str, ...] = ()
    #: a source build whose needs no evidence explains (warned; the plan exits 1)
    unknown: bool = False
    summary: str = ""  # a few words for a table: "musllinux_1_2 wheel, vendors 6 libraries"
    #: what the route was decided from, as plain data (JSON "evidence"): for a
    #: wheel its ELF objects, vendored libraries and external sonames; for a
    #: source build the sdist's build system, languages and the basis of its needs
    evidence: tuple[tuple[str, object], ...] = ()
    #: "is it fast?": the BLAS this distribution runs on after its route
    #: (apkneed.plan.blas_verdict), None for a distribution that calls no BLAS
    blas: dict | None = None


@dataclass(frozen=True)
class ClosureEntry:
    """One apk package a layer adds, and what pulled it in."""

    name: str
    version: str
    size: int
    installed_size: int
    requested: bool  # named in the layer's request (else pulled in)
    parent: str | None = None  # the package whose dependency pulled it in
    atom: str | None = None  # that dependency ("so:libz.so.1"), or the request atom


@dataclass(frozen=True)
class Layer:
    """What installing ``request`` adds on top of ``below``, as apk would solve it."""

    below: tuple[str, ...]
    request: tuple[str, ...]
    added: tuple[ClosureEntry, ...]
    error: str | None = None  # apk would refuse: the solver's one-line reason

    @property
    def download_size(self) -> int:
        return sum(entry.size for entry in self.added)

    @property
    def installed_size(self) -> int:
        return sum(entry.installed_size for entry in self.added)


@dataclass(frozen=True)
class Plan:
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
    sources: tuple[str, ...] = ()  # citations of the data used (base image contents)
    #: facts worth knowing that need no action (how the base world was read)
    notes: tuple[str, ...] = ()

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
