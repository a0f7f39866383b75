"""Why an apk package is in a plan: its evidence chains, one line each.

Works on the JSON form of a plan (:func:`apkneed.render.json_form.plan_json`),
so ``apkneed why PKG --plan saved.json`` and ``apkneed plan --explain`` read
the same data. A line reads from the package back to the evidence::

    zlib ← so:libz.so.1 ← PIL/_imaging.cpython-310-x86_64-linux-gnu.so NEEDED ← pillow-12.3.0-….whl  [runtime, pillow]
    libpq-dev ← pc:libpq ← dep:generic/libpq (host) ← PEP 725 [external] in psycopg2-….tar.gz pyproject.toml  [build, psycopg2]
    py3-yaml ← route apk (pyyaml==6.0 satisfied by py3-yaml-6.0-r0)  [runtime, pyyaml]

A package the solver pulled in (not named by any need) is explained through
the package that depends on it, down to a need::

    yaml ← so:libyaml-0.so.2 ← py3-yaml ← route apk (...)  [runtime, pulled in]

API::

    explain_chains(plan_json, name) -> list[dict]     # as plan JSON's needs, plus "pulled_in"
    explain_package(plan_json, name) -> list[str]     # [] when the plan does not hold it
    explain_all(plan_json) -> list[str]               # every package of runtime_apk and build_apk
"""

from __future__ import annotations

from typing import Any, Mapping

ARROW = " ← "


def explain_chains(plan: Mapping[str, Any], name: str) -> list[dict[str, Any]]:
    """The evidence chains of ``name``, each in the form of the plan's ``needs`` entries:
    ``{"apk", "kind", "dist", "chain": [...], "missing", "pulled_in"}``; a package apk pulled
    in (``pulled_in``, ``dist`` None) is explained through the package that depends on it.
    [] when the plan does not hold ``name``."""
    chains = [
        {"apk": need["apk"], "kind": need["kind"], "dist": need["dist"], "chain": list(need["chain"]),
         "missing": bool(need.get("missing")), "pulled_in": False}
        for need in plan.get("needs", ()) if need["apk"] == name
    ]
    if chains:
        return chains
    for kind in ("runtime", "build"):
        entries = {entry["name"]: entry for entry in plan.get("closure", {}).get(kind, ())}
        if name in entries:
            return [{"apk": name, "kind": kind, "dist": None, "chain": _closure_chain(plan, entries, name),
                     "missing": False, "pulled_in": True}]
    return []


def chain_line(chain: Mapping[str, Any]) -> str:
    """One chain as the line ``why`` prints."""
    if chain.get("pulled_in"):
        whom = "pulled in by apk"
    else:
        whom = (chain["dist"] or "the plan") + (", not in the index" if chain.get("missing") else "")
    return ARROW.join([chain["apk"], *chain["chain"]]) + f"  [{chain['kind']}, {whom}]"


def explain_package(plan: Mapping[str, Any], name: str) -> list[str]:
    return [chain_line(chain) for chain in explain_chains(plan, name)]


def explain_all(plan: Mapping[str, Any]) -> list[str]:
    lines: list[str] = []
    for name in [*plan.get("runtime_apk", ()), *plan.get("build_apk", ())]:
        for line in explain_package(plan, name):
            if line not in lines:
                lines.append(line)
    return lines


def _closure_chain(plan: Mapping[str, Any], entries: Mapping[str, Any], name: str) -> list[str]:
    parts = [name]
    seen = {name}
    current = entries[name]
    while True:
        parent, atom = current.get("parent"), current.get("atom")
        if atom and atom != parts[-1]:
            parts.append(atom)
        if not parent or parent in seen:
            break
        parts.append(parent)
        seen.add(parent)
        needs = [n for n in plan.get("needs", ()) if n["apk"] == parent]
        if needs:
            parts += needs[0]["chain"]
            break
        if parent not in entries:
            break
        current = entries[parent]
    return parts[1:]
