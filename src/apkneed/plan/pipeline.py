"""From a requirement set to a plan: resolve, gather, plan. The IO edge of planning.

Steps:

1. Resolve the requirement set for the target with uv
   (:mod:`apkneed.plan.resolution`, remembered for the index pages' lifetime);
   a lock's pins (``PlanRequest.locked``) are taken as they are, and step 3
   is skipped for them: a lock is planned as locked.
2. Gather the facts of every pin (:mod:`apkneed.plan.gather`).
3. On an Alpine-python base, where the apk route is wanted (``--route apk``:
   every distribution Alpine packages; ``auto``: those without a wheel) and
   Alpine's version differs from the pin, resolve once more with
   ``name==<Alpine's version>`` constraints, so that the pins, and the rest
   of the tree resolved around them, ARE what apk installs. When uv finds no
   solution with them, the first resolution stands and the plan says why.
4. :func:`apkneed.plan.planner.make_plan` (pure) over the gathered facts.

API::

    run_plan(request, *, world, target, index_url, open_client, cache_root=None,
             warn=None, on_pin_done=None, notes=(), max_age=600, on_resolved=None) -> PlanRun
    check_route_policy(policy) -> None     # the CLI checks --route before any network

``open_client()`` returns a :class:`~apkneed.python.pypi.PyPIClient` for
``index_url``; it is called only when facts must be gathered (a warm plan
reads them from the cache and never builds an HTTP client).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Callable

from apkneed.alpine.providers import build_provider_map
from apkneed.cache import default_cache_root
from apkneed.errors import ApkneedError, EnvironmentFailure, InputError, UnsatisfiableError
from apkneed.plan.apkmatch import find_alpine_packages
from apkneed.plan.base import base_world, load_base_images
from apkneed.plan.evidence_records import EvidenceCache
from apkneed.plan.factcache import facts_key, load_facts, store_facts
from apkneed.plan.facts import DistFacts, PlanFacts
from apkneed.plan.alpinedata import shipped_alpine_data
from apkneed.plan.lazy import LazyMapping
from apkneed.plan.model import ROUTE_POLICIES, Plan
from apkneed.plan.pep725 import load_virtual_table
from apkneed.plan.planner import make_plan
from apkneed.plan.resolution import DEFAULT_MAX_AGE, ResolvedSet, resolve_cached
from apkneed.plan.target import PlanTarget
from apkneed.python.resolve import Pin
from apkneed.records import Frozen, set_field


class PlanRequest(Frozen):
    __slots__ = (
        "requirements",
        "constraints",
        "hashes",
        "prerelease",
        "route_policy",
        "offline",
        "locked",
        "hash_origins",
    )

    requirements: tuple[str, ...]
    constraints: tuple[str, ...]
    #: canonical name -> allowed sha256 values (``--hash`` in a requirements file)
    hashes: Mapping[str, frozenset[str]]
    prerelease: bool
    route_policy: str
    offline: bool
    #: a lock's pins (uv.lock, pylock.toml): planned as they are, never resolved again
    locked: tuple[Pin, ...] | None
    #: canonical name -> where its allowed hashes come from ("uv.lock:1062"), for the answer's wording
    hash_origins: Mapping[str, str]

    def __init__(
        self,
        requirements: tuple[str, ...],
        constraints: tuple[str, ...] = (),
        hashes: Mapping[str, frozenset[str]] | None = None,
        prerelease: bool = False,
        route_policy: str = "auto",
        offline: bool = False,
        locked: tuple[Pin, ...] | None = None,
        hash_origins: Mapping[str, str] | None = None,
    ) -> None:
        set_field(self, "requirements", requirements)
        set_field(self, "constraints", constraints)
        set_field(self, "hashes", dict() if hashes is None else hashes)
        set_field(self, "prerelease", prerelease)
        set_field(self, "route_policy", route_policy)
        set_field(self, "offline", offline)
        set_field(self, "locked", locked)
        set_field(self, "hash_origins", dict() if hash_origins is None else hash_origins)


class PlanRun(Frozen):
    __slots__ = ("plan", "facts", "bytes_downloaded", "resolution_from_cache", "providers")

    plan: Plan
    facts: PlanFacts
    bytes_downloaded: int
    resolution_from_cache: bool
    #: the apk world the plan was made in (its SBOM solves the final stage in it)
    providers: object

    def __init__(
        self,
        plan: Plan,
        facts: PlanFacts,
        bytes_downloaded: int,
        resolution_from_cache: bool,
        providers: object = None,
    ) -> None:
        set_field(self, "plan", plan)
        set_field(self, "facts", facts)
        set_field(self, "bytes_downloaded", bytes_downloaded)
        set_field(self, "resolution_from_cache", resolution_from_cache)
        set_field(self, "providers", providers)


def run_plan(
    request: PlanRequest,
    *,
    world,
    target: PlanTarget,
    index_url: str,
    open_client: Callable[[], object],
    cache_root: Path | None = None,
    warn: Callable[[str], None] | None = None,
    on_pin_done: Callable[[str], None] | None = None,
    notes: tuple[str, ...] = (),
    max_age: float = DEFAULT_MAX_AGE,
    on_resolved: Callable[[int], None] | None = None,
) -> PlanRun:
    check_route_policy(request.route_policy)
    if request.route_policy == "apk" and not target.python_from_apk:
        raise InputError(
            f"--route apk needs --base alpine: on {target.image} Python is /usr/local/bin/python3, and "
            "Alpine's py3-* packages install into /usr/lib/python3.X for apk's python3, a different interpreter"
        )
    root = cache_root if cache_root is not None else default_cache_root()
    evidence_cache = EvidenceCache(root / "plan" / "evidence")
    clients: list = []  # at most one, opened on first need
    stack = contextlib.ExitStack()

    def client():
        if not clients:
            clients.append(stack.enter_context(open_client()))
        return clients[0]

    def resolve(constraints: tuple[str, ...]):
        if request.locked is not None:
            return locked_set(request.locked, max_age)
        return resolve_cached(
            request.requirements, python_version=target.python, arch=target.arch, index_url=index_url,
            constraints=constraints, prerelease=request.prerelease, cache_root=root,
            offline=request.offline, warn=warn, max_age=max_age, client=client,
        )

    def gather(resolved) -> tuple[tuple[DistFacts, ...], int]:
        # the hashes' origins are words of the answer ("uv.lock:1062"): a moved file is a new key
        origins = hashlib.sha256(json.dumps(sorted(request.hash_origins.items())).encode()).hexdigest()
        key = facts_key(f"{resolved.key}+{origins}", target, request.route_policy, request.hashes)
        cached = load_facts(root, key, now=0.0 if request.offline else time.time())
        if cached is not None:
            return cached, 0
        from apkneed.plan.gather import gather_facts  # the PyPI client, ELF reader and selection load here

        if on_resolved is not None:  # a progress display learns how many distributions to inspect
            on_resolved(len(resolved.pins))
        gathered = gather_facts(
            resolved.pins, client=client(), target=target, route_policy=request.route_policy,
            cache=evidence_cache, hashes=request.hashes, hash_origins=request.hash_origins, on_done=on_pin_done,
        )
        if not gathered.transient:  # a file the network failed to give is read again by the next run
            store_facts(root, key, gathered.dists, valid_until=resolved.fresh_until)
        return gathered.dists, gathered.range_bytes

    from apkneed.alpine.solver_rules import rules_for

    # the apk-tools generation the release ships (or --apk-tools) answers every closure
    providers = build_provider_map(
        world.indexes, world.index_tags, solver_rules=rules_for(world.apk_tools, world.release)
    )
    base = base_world(target.base, load_base_images(), providers, target.arch)
    with stack:
        try:
            resolved = resolve(request.constraints)
        except (UnsatisfiableError, InputError, EnvironmentFailure) as exc:
            verdict = _plain_verdict(request, str(exc), client, target, providers)
            if verdict is None:
                raise
            raise UnsatisfiableError(verdict) from None
        if request.hashes and request.locked is None:
            _check_hash_mode(resolved.pins, request.hashes)
        dists, range_bytes = gather(resolved)
        apk_problem = None
        if target.python_from_apk and request.locked is None:  # a lock is planned as locked
            moves = _apk_version_constraints(dists, request.route_policy, target.python, providers)
            if moves:
                try:
                    moved = resolve(request.constraints + tuple(moves))
                except (UnsatisfiableError, InputError) as exc:
                    apk_problem = (
                        f"Alpine's versions ({', '.join(moves)}) do not fit the requirement set, "
                        f"so pip's pins stand: {exc}"
                    )
                else:
                    dists, more_bytes = gather(moved)
                    range_bytes += more_bytes
        downloaded = (clients[0].bytes_downloaded if clients else 0) + range_bytes
    facts = PlanFacts(
        target=target, route_policy=request.route_policy, dists=dists, base=base,
        apk_resolution_problem=apk_problem, notes=notes,
    )
    plan = make_plan(
        facts, providers=providers,
        virtuals=LazyMapping(load_virtual_table), alpine_data=shipped_alpine_data,
    )
    return PlanRun(plan, facts, downloaded, resolved.from_cache, providers)


def _check_hash_mode(pins, hashes: Mapping[str, frozenset[str]]) -> None:
    """pip's hash-checking mode (a --hash in the requirements) installs nothing without a hash:
    a dependency the requirements do not hash makes pip refuse the whole set."""
    from apkneed.python.names import canonical_name

    unhashed = [f"{p.name}=={p.version}" for p in pins if canonical_name(p.name) not in hashes]
    if unhashed:
        raise InputError(
            f"a --hash in the requirements puts pip in hash-checking mode, where every distribution it installs needs "
            f"one: {', '.join(unhashed[:6])}{f' (+{len(unhashed) - 6} more)' if len(unhashed) > 6 else ''} "
            f"{'is' if len(unhashed) == 1 else 'are'} pulled in without a --hash, so pip refuses this set "
            "(pin and hash the whole tree, e.g. uv pip compile --generate-hashes)"
        )


def locked_set(pins: tuple[Pin, ...], max_age: float) -> ResolvedSet:
    """A lock's pins as a resolution: keyed by the pins themselves, so its facts are cached like any other."""
    material = json.dumps([pin.as_dict() for pin in pins], sort_keys=True)
    key = "locked-" + hashlib.sha256(material.encode()).hexdigest()
    return ResolvedSet(pins=pins, from_cache=False, age=0.0, key=key, fresh_until=time.time() + max_age)


def _plain_verdict(request: PlanRequest, message: str, client, target: PlanTarget, providers) -> str | None:
    """One line per distribution nothing installs, instead of uv's paragraph (plan/verdicts.py)."""
    if request.offline or not ("no solution" in message or "could not build" in message):
        return None
    from apkneed.plan.verdicts import explain_unsatisfiable
    from apkneed.python.tags import make_target

    try:
        return explain_unsatisfiable(
            request.requirements, message, files_of=lambda name: client().project(name).files,
            target=make_target(target.python, target.musl, target.arch), python=target.python,
            providers=providers, image=target.image,
        )
    except ApkneedError:
        return None  # the index cannot be read now: uv's own words stand


def check_route_policy(policy: str) -> None:
    if policy not in ROUTE_POLICIES:
        raise InputError(f"--route {policy!r}: expected one of {', '.join(ROUTE_POLICIES)}")


def _apk_version_constraints(dists, policy: str, python: str, providers) -> list[str]:
    """``name==X`` for each distribution that should move to Alpine's version (module docstring)."""
    if policy not in ("auto", "apk"):
        return []
    moves = []
    for dist in dists:
        if policy == "auto" and dist.has_wheel:
            continue
        candidates = find_alpine_packages(dist.name, dist.import_names, python, providers)
        version = next((c.pep440 for c in candidates if c.pep440 is not None), None)
        if version is not None and str(version) != dist.pin.version:
            moves.append(f"{dist.name}=={version}")
    return moves
