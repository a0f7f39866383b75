"""Gathered facts, remembered for exactly as long as the resolution they belong to.

Gathering reads one project page per pin (parsing PyPI's JSON pages for a
scientific set costs ~0.7 s) and the evidence of each file (already cached by
sha256). The result only depends on the pins, the target, the route policy,
the allowed hashes and the index pages, and the pages are the ones the
resolution was made from: so the facts are kept under a key of all of these
and trusted until the resolution itself stops being fresh
(:mod:`apkneed.plan.resolution`). A resolution computed again means facts
gathered again.

Entries are JSON under ``<cache root>/plan/facts``, written whole through a
rename; an unreadable entry, or one of another schema, is ignored.

API::

    facts_key(resolution_key, target, route_policy, hashes) -> str
    load_facts(root, key, *, now) -> tuple[DistFacts, ...] | None
    store_facts(root, key, dists, *, valid_until) -> None
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Mapping, Sequence

from apkneed import __version__
from apkneed.cache import atomic_write
from apkneed.plan.evidence_records import EVIDENCE_SCHEMA, inspector_fingerprint
from apkneed.plan.facts import DistFacts, dist_from_json, dist_to_json
from apkneed.plan.target import PlanTarget

SCHEMA = 1


def facts_key(resolution_key: str, target: PlanTarget, route_policy: str, hashes: Mapping[str, frozenset[str]]) -> str:
    material = json.dumps(
        {
            "schema": SCHEMA, "evidence": EVIDENCE_SCHEMA, "apkneed": __version__, "inspector": inspector_fingerprint(),
            "resolution": resolution_key,
            "python": target.python, "musl": list(target.musl), "arch": target.arch, "route": route_policy,
            "hashes": {name: sorted(values) for name, values in sorted(hashes.items())},
        },
        sort_keys=True,
    )
    return hashlib.sha256(material.encode()).hexdigest()


def _path(root: Path, key: str) -> Path:
    return root / "plan" / "facts" / key[:2] / f"{key}.json"


def load_facts(root: Path, key: str, *, now: float) -> tuple[DistFacts, ...] | None:
    try:
        data = json.loads(_path(root, key).read_bytes())
        if data.get("schema") != SCHEMA or now >= float(data["valid_until"]):
            return None
        return tuple(dist_from_json(entry) for entry in data["dists"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def store_facts(root: Path, key: str, dists: Sequence[DistFacts], *, valid_until: float) -> None:
    payload = {"schema": SCHEMA, "valid_until": valid_until, "dists": [dist_to_json(d) for d in dists]}
    atomic_write(_path(root, key), json.dumps(payload, sort_keys=True).encode())
