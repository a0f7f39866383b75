"""The plan as JSON-ready data (``apkneed plan --json``).

Shape (keys beyond the first four of each object are additions)::

    {"target": {"alpine", "arch", "python", "base", "image", "python_origin", "musl", "index", "platform",
                "repositories": ["main", ...], "absent_repositories": [{"name", "reason"}],
                "toolchain": {"python3", "py3-pip", "gcc", "musl"}, "pep668": {"externally_managed", "source"}},
     "route_policy": "auto",
     "packages": [{"name", "version", "route", "file", "runtime_apk", "build_apk", "reasons",
                   "direct", "requested_by", "problems", "forced_route_failed", "unprovided", "unknown", "summary",
                   "evidence": {"elf_objects", "vendored", "external": [{"soname", "needed_by"}]},
                   "blas": {"links", "route", "speed", "library", "version", "int_model", "dynamic_arch",
                            "where", "text", "source", "factor"}  # only for numpy, scipy, scikit-learn
                               | {"basis", "sdist", "build_backend", "languages", "markers", "pep725_external"}}],
     "runtime_apk": [...], "build_apk": [...],
     "apk_add": {"runtime": "apk add --no-cache ...", "build": "..."},
     "sizes": {"runtime": {"added", "download", "installed", "error"}, "build": {...}},
     "closure": {"runtime": [{"name", "version", "size", "installed_size", "requested", "parent", "atom"}],
                 "build": [...]},
     "needs": [{"apk", "kind", "dist", "chain", "missing"}],
     "base_world": [...], "missing": [...], "warnings": [...], "sources": [...], "notes": [...]}

``sizes`` are what the packages ADD on top of the base image (``base_world``),
in bytes, from the index's ``S:`` and ``I:`` fields. ``needs`` carry the
evidence chains ``apkneed why`` prints; :func:`apkneed.render.explain.explain_package`
reads this form, so ``why --plan FILE`` works from a saved plan.
"""

from __future__ import annotations

from typing import Any

from apkneed.plan.model import Layer, Plan
from apkneed.plan.pep668 import pep668_citation
from apkneed.render.apk import build_line, runtime_line


def plan_json(plan: Plan) -> dict[str, Any]:
    target = plan.target
    return {
        "target": {
            "alpine": target.alpine,
            "arch": target.arch,
            "python": target.python,
            "base": target.base,
            "image": target.image,
            "python_origin": target.python_origin,
            "musl": ".".join(map(str, target.musl)),
            "index": target.index_origin,
            "platform": target.platform,  # FROM --platform=; null on x86_64
            "repositories": list(target.repositories),
            "absent_repositories": [{"name": name, "reason": reason} for name, reason in target.absent],
            "toolchain": dict(target.toolchain),  # versions from the target index; null: not in it
            "pep668": {"externally_managed": target.externally_managed, "source": pep668_citation()},
        },
        "route_policy": plan.route_policy,
        "packages": [
            {
                "name": p.name,
                "version": p.version,
                "route": p.route,
                "file": p.file,
                "runtime_apk": list(p.runtime_apk),
                "build_apk": list(p.build_apk),
                "reasons": list(p.reasons),
                "direct": p.direct,
                "requested_by": list(p.requested_by),
                "problems": list(p.problems),
                "forced_route_failed": p.forced_route_failed,
                "unprovided": list(p.unprovided),  # sonames no package of the searched repositories provides
                "unknown": p.unknown,
                "summary": p.summary,
                "evidence": dict(p.evidence),
                **({"blas": p.blas} if p.blas is not None else {}),
            }
            for p in plan.packages
        ],
        "runtime_apk": list(plan.runtime_apk),
        "build_apk": list(plan.build_apk),
        "apk_add": {"runtime": runtime_line(plan), "build": build_line(plan)},
        "sizes": {"runtime": _sizes(plan.runtime_layer), "build": _sizes(plan.build_layer)},
        "closure": {"runtime": _closure(plan.runtime_layer), "build": _closure(plan.build_layer)},
        "needs": [
            {"apk": n.apk, "kind": n.kind, "dist": n.dist, "chain": list(n.chain), "missing": n.missing}
            for n in plan.needs
        ],
        "base_world": list(plan.base_world),
        "missing": list(plan.missing),
        "warnings": list(plan.warnings),
        "sources": list(plan.sources),
        "notes": list(plan.notes),
    }


def _sizes(layer: Layer) -> dict[str, Any]:
    return {
        "added": [f"{e.name}-{e.version}" for e in layer.added],
        "download": layer.download_size,
        "installed": layer.installed_size,
        "error": layer.error,
    }


def _closure(layer: Layer) -> list[dict[str, Any]]:
    return [
        {
            "name": e.name, "version": e.version, "size": e.size, "installed_size": e.installed_size,
            "requested": e.requested, "parent": e.parent, "atom": e.atom,
        }
        for e in layer.added
    ]
