"""Which route installs a distribution: pip's wheel, Alpine's package, or a source build.

The rules (pure; documented in the README):

``auto``, in order:

1. **wheel** when pip would install a wheel on the target (a musllinux or
   pure wheel fits: :func:`apkneed.python.select.select_file`). It is what
   ``pip install`` does, it needs no compiler, and its ELF files say exactly
   what it needs from apk.
2. **apk** on an Alpine-python base, when Alpine has a ``py3-*`` package for
   the distribution whose version IS the pinned version (see
   :mod:`apkneed.plan.apkmatch`; the pipeline first tries to move the pins to
   Alpine's versions, see :mod:`apkneed.plan.pipeline`). Alpine built it
   against its own libraries, with the patches its maintainers applied: for a
   distribution without a wheel that is better than compiling it yourself.
3. **source** otherwise: pip builds the sdist.

A wheel is preferred to a matching ``py3-*`` package because it is what pip
does anyway when a user writes ``pip install``; the apk package is offered in
the reasons, and ``--route apk`` takes it.

On a ``python:`` image the apk route never applies: Alpine's ``py3-*``
packages install into ``/usr/lib/python3.X`` for apk's ``python3``, which is
not the image's ``/usr/local/bin/python3``.

A forced ``--route`` is honoured per distribution where possible. Where it
is impossible (no wheel fits, Alpine has no matching package, the release
has no sdist), the distribution keeps its ``auto`` route, the reason says
why, and the plan is marked incomplete (the command exits 1).

API::

    decide_route(dist, *, policy, python_from_apk, candidates, searched) -> RouteDecision
"""

from __future__ import annotations

from apkneed.plan.apkmatch import AlpineCandidate, apk_upstream, satisfies_pin
from apkneed.plan.facts import DistFacts
from apkneed.records import Frozen, set_field


class RouteDecision(Frozen):
    __slots__ = ("route", "reasons", "apk", "forced_failed")

    route: str | None
    reasons: tuple[str, ...]
    apk: AlpineCandidate | None
    forced_failed: bool

    def __init__(
        self,
        route: str | None,
        reasons: tuple[str, ...],
        apk: AlpineCandidate | None = None,
        forced_failed: bool = False,
    ) -> None:
        set_field(self, "route", route)
        set_field(self, "reasons", reasons)
        set_field(self, "apk", apk)
        set_field(self, "forced_failed", forced_failed)


def decide_route(
    dist: DistFacts, *, policy: str, python_from_apk: bool, candidates: tuple[AlpineCandidate, ...],
    searched: str = "in the target index",
) -> RouteDecision:
    """``searched`` (``in v3.16 main (community is not ...)``) completes a "no Alpine package" answer."""
    pin = dist.pin
    match = next((c for c in candidates if satisfies_pin(c.version, pin.version)), None) if python_from_apk else None
    notes: list[str] = []
    if python_from_apk and candidates and match is None:
        best = candidates[0]
        notes.append(
            f"Alpine's {best.nv} ({best.via}) is {apk_upstream(best.version)}; "
            f"the resolution pins {pin.version}, so it does not satisfy {pin.name}=={pin.version}"
        )
    if policy == "auto":
        return _auto(dist, match, notes, python_from_apk)
    if policy == "wheel":
        if dist.has_wheel:
            return _wheel(dist, notes)
        why = f"--route wheel is impossible for {pin.name}: {dist.selection_why}"
    elif policy == "apk":
        if match is not None:
            return _apk(dist, match, notes)
        if not candidates:
            why = (
                f"--route apk is impossible for {pin.name}: no Alpine package is named py3-{pin.name} "
                f"or provides its modules {searched}"
            )
        else:
            why = f"--route apk is impossible for {pin.name}: " + (notes[0] if notes else "no matching version")
        notes = []
    else:  # source
        if dist.sdist is not None or dist.has_sdist:
            return _source(dist, notes, forced=True)
        why = f"--route source is impossible for {pin.name}: {pin.name} {pin.version} has no sdist on the index"
    fallback = _auto(dist, match, notes, python_from_apk)
    return RouteDecision(fallback.route, (why, *fallback.reasons), fallback.apk, forced_failed=True)


def _auto(dist: DistFacts, match: AlpineCandidate | None, notes: list[str], python_from_apk: bool) -> RouteDecision:
    if dist.has_wheel:
        if match is not None:
            notes = [*notes, f"Alpine's {match.nv} would also do ({match.via}); the wheel wins in auto, as pip would install it"]
        return _wheel(dist, notes)
    if match is not None:
        return _apk(dist, match, notes)
    if dist.file is not None and dist.file_is_sdist:
        return _source(dist, notes, forced=False)
    return RouteDecision(None, (f"nothing installs {dist.pin.name} {dist.pin.version} here: {dist.selection_why}", *notes))


def _wheel(dist: DistFacts, notes: list[str]) -> RouteDecision:
    return RouteDecision("wheel", (f"pip's choice: {dist.selection_why}", *notes))


def _apk(dist: DistFacts, match: AlpineCandidate, notes: list[str]) -> RouteDecision:
    reason = f"route apk: {dist.pin.name}=={dist.pin.version} satisfied by {match.nv} ({match.via})"
    return RouteDecision("apk", (reason, *notes), apk=match)


def _source(dist: DistFacts, notes: list[str], *, forced: bool) -> RouteDecision:
    filename = dist.sdist.filename if dist.sdist is not None else (dist.file or "its sdist")
    why = "forced by --route source" if forced else dist.selection_why
    return RouteDecision("source", (f"pip builds {filename} ({why})", *notes))
