"""Gathering the facts of every pinned distribution: IO, in parallel.

For each pin: its release's files from the index (one project page, cached
by the PyPI client), the file pip would install on the target
(:func:`apkneed.python.select.select_file`), and the evidence the route
needs (:mod:`apkneed.plan.evidence`):

* the wheel pip would install: its ELF evidence, unless ``--route source``;
* the sdist pip would build, or, under ``--route source``, the release's sdist.

Pins are gathered by a small thread pool: the work is network-bound (range
requests), and the httpx client, the page cache (atomic files) and the
content store are safe to share. Results keep the pins' order.

API::

    gather_facts(pins, *, client, target, route_policy, cache=None, hashes=None,
                 on_done=None, workers=8) -> Gathered
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

from apkneed.binary.policy import Target as BinaryTarget
from apkneed.errors import ApkneedError, EnvironmentFailure, IntegrityError, UnsatisfiableError
from apkneed.plan.evidence import EvidenceCache, sdist_evidence, wheel_evidence
from apkneed.plan.facts import DistFacts
from apkneed.plan.target import PlanTarget
from apkneed.python.pypi import DistFile
from apkneed.python.resolve import Pin
from apkneed.python.select import select_file
from apkneed.python.tags import make_target

DEFAULT_WORKERS = 8


@dataclass(frozen=True)
class Gathered:
    dists: tuple[DistFacts, ...]
    #: bytes fetched by range requests for wheel evidence (the client counts the rest)
    range_bytes: int
    #: a file could not be read for a passing reason (network, server, --offline): these facts
    #: answer this run, but are not the release's facts to keep (the next run reads again)
    transient: bool = False


def gather_facts(
    pins: Sequence[Pin],
    *,
    client,
    target: PlanTarget,
    route_policy: str,
    cache: EvidenceCache | None = None,
    hashes: Mapping[str, frozenset[str]] | None = None,
    hash_origins: Mapping[str, str] | None = None,
    on_done: Callable[[str], None] | None = None,
    workers: int = DEFAULT_WORKERS,
) -> Gathered:
    python_target = make_target(target.python, target.musl, target.arch)
    binary_target = BinaryTarget(
        arch=target.arch, python=target.python_tuple, musl_version=".".join(map(str, target.musl))
    )
    hashes = hashes or {}
    hash_origins = hash_origins or {}

    def one(pin: Pin) -> tuple[DistFacts, int, bool]:
        facts, read, transient = _gather_one(
            pin, client=client, python_target=python_target, binary_target=binary_target,
            route_policy=route_policy, cache=cache, allowed=hashes.get(pin.name),
            allowed_from=hash_origins.get(pin.name, "the --hash values given"),
        )
        if on_done is not None:
            on_done(pin.name)
        return facts, read, transient

    if workers <= 1 or len(pins) <= 1:
        results = [one(pin) for pin in pins]
    else:
        with ThreadPoolExecutor(max_workers=min(workers, len(pins))) as pool:
            results = list(pool.map(one, pins))
    return Gathered(tuple(r[0] for r in results), sum(r[1] for r in results), any(r[2] for r in results))


def _gather_one(
    pin: Pin, *, client, python_target, binary_target: BinaryTarget, route_policy: str,
    cache: EvidenceCache | None, allowed: frozenset[str] | None, allowed_from: str,
) -> tuple[DistFacts, int, bool]:
    files = client.files(pin.name, pin.version)
    sdist_file = _sdist_of(files)
    try:
        selection = select_file(files, pin.name, pin.version, python_target, allowed_sha256=allowed, allowed_from=allowed_from)
    except UnsatisfiableError as exc:
        return DistFacts(pin, None, False, str(exc), has_sdist=sdist_file is not None), 0, False
    read = 0
    wheel = None
    if not selection.is_sdist and route_policy != "source":
        wheel = wheel_evidence(client, selection.file, binary_target, cache=cache)
        read = wheel.bytes_read
    to_build = selection.file if selection.is_sdist else (sdist_file if route_policy == "source" else None)
    sdist = None
    problem = None
    transient = False
    if to_build is not None:
        try:
            sdist = sdist_evidence(client, to_build, cache=cache)
        except IntegrityError:
            raise  # a tampered download is never a per-package note
        except ApkneedError as exc:
            problem = f"could not read {to_build.filename}: {exc}"
            transient = isinstance(exc, EnvironmentFailure)  # the network's failure, not the sdist's
    return (
        DistFacts(
            pin=pin,
            file=selection.file.filename,
            file_is_sdist=selection.is_sdist,
            selection_why=selection.why,
            wheel=wheel,
            sdist=sdist,
            has_sdist=sdist_file is not None,
            sdist_problem=problem,
        ),
        read,
        transient,
    )


def _sdist_of(files: Sequence[DistFile]) -> DistFile | None:
    """The release's sdist pip would use (a .tar.gz before other formats)."""
    sdists = [f for f in files if f.is_sdist and not f.yanked] or [f for f in files if f.is_sdist]
    if not sdists:
        return None
    return sorted(sdists, key=lambda f: (not f.filename.endswith(".tar.gz"), f.filename))[0]
