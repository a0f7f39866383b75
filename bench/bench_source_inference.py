"""Accuracy of the sdist inference against what Alpine's own builds show.

    .venv/bin/python bench/bench_source_inference.py [--shared ../shared] [--fold 0 ...] [--json]

Population: the compiled ``py3-*`` packages of Alpine v3.21 main + community
x86_64 (a ``so:`` name in ``D:``), split into five fixed, hash-chosen folds
(``sha256(name) % 5``); ``--fold`` (repeatable) picks which to run.

**The clean hold-out is folds 3 and 4 together** (``--fold 3 --fold 4``),
declared on 2026-12-05 at 06:30 UTC, before any rule of the inference was
changed in that round. Why these: fold 0 was read row by row while the rules
were written (round 2), folds 1 and 2 were the development folds, and of
folds 3 and 4 only the aggregate figures were ever printed, never a row.
From this declaration on, rules are developed only against folds 0, 1 and 2;
folds 3 and 4 are run once, at the end, and that figure is reported as it
comes out. (Their truth does include the makedepends read in that round: the
APKBUILDs were read for every compiled aport, without looking at the
inference's rows.)

For each held-out package:

1. its PyPI project: ``py3-<x>`` -> ``x``, else ``x`` without a python/py affix,
   ``python-x``, ``pyx`` (at most three names PyPI knows); a name is kept only when
   :func:`apkneed.plan.alpinebuilds.match_alpine_build` confirms it from the
   sdist (a shared py3 module, or ``U:`` among the PKG-INFO URLs or the project's PyPI page) --
   otherwise it counts as *unmatched*;
2. its newest sdist is read (PyPI's current release: Alpine's version may be
   older, which the report shows);
3. **Alpine's answer** (the truth): the ``-dev`` packages of its ``D:`` so:
   libraries, plus the system makedepends of its APKBUILD where
   ``alpine-builds.json`` has them (aports of ``kind = "python"`` only: a
   C/C++ project's makedepends build the whole project), plus cargo /
   gfortran when the build uses them;
   where the makedepends were not read, only ``-dev`` packages are compared
   (the truth has no tools then);
4. **the inference alone** (:func:`apkneed.plan.sdist_inference.infer_needs`:
   no PEP 725, no knowledge, no Alpine build): its build packages;
5. both without ``build-base`` (every compiled build has it).

Reported: micro precision and recall over the packages the inference did not
mark unknown, the number marked unknown (a refusal, not an error), the
number unmatched or without an sdist, and per package the two sets.

The network is PyPI only, through apkneed's own client and cache
(``$APKNEED_CACHE_DIR``, default ``~/.cache/apkneed``): one page and one sdist
per held-out package, read again from the cache on a rerun.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

from apkneed.alpine.index import read_index_file
from apkneed.alpine.providers import build_provider_map
from apkneed.cache import default_cache_root
from apkneed.errors import ApkneedError
from apkneed.plan.alpinebuilds import alpine_build, match_alpine_build
from apkneed.plan.evidence import read_sdist
from apkneed.plan.alpinedata import load_alpine_data, makedepends_for, resolve_name
from apkneed.plan.pep725 import load_virtual_table, provider_table
from apkneed.plan.sdist_inference import infer_needs
from apkneed.python.pypi import PyPIClient

ROOT = Path(__file__).resolve().parent.parent
PYPI = "https://pypi.org/simple"
#: the compilers every compiled build has: not compared
ALWAYS = frozenset({"build-base", "python3-dev"})
AFFIXES = ("python-", "py-", "py")


def fold_of(name: str) -> int:
    return int(hashlib.sha256(name.encode()).hexdigest(), 16) % 5


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--fold", type=int, action="append", choices=range(5),
                        help="a fold to run (repeatable; default 0); the clean hold-out is --fold 3 --fold 4")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    paths = [args.shared / "alpine" / "v3.21" / repo / "x86_64" / "APKINDEX.tar.gz" for repo in ("main", "community")]
    providers = build_provider_map([read_index_file(p, repository=r) for p, r in zip(paths, ("main", "community"))])
    table = provider_table(providers)
    virtuals = load_virtual_table()
    makedepends = load_alpine_data().aports
    compiled = sorted(
        (p for p in providers.packages
         if p.name.startswith("py3-") and any(d.name.startswith("so:") or ":so:" in d.name for d in p.depends)),
        key=lambda p: p.name,
    )
    folds = sorted(set(args.fold or [0]))
    sample = [p for p in compiled if fold_of(p.name) in folds]
    rows = []
    started = time.monotonic()
    with PyPIClient(PYPI, cache_root=default_cache_root() / "pypi", max_age=7 * 86400.0) as client:
        for package in sample:
            rows.append(_one(package, providers, table, virtuals, makedepends, client))
    elapsed = time.monotonic() - started
    scored = [r for r in rows if r["status"] == "scored"]
    hits = sum(len(set(r["inferred"]) & set(r["alpine"])) for r in scored)
    inferred = sum(len(r["inferred"]) for r in scored)
    truth = sum(len(r["alpine"]) for r in scored)
    summary = {
        "population": len(compiled), "held_out": len(sample), "folds": folds,
        "scored": len(scored),
        "unknown": sum(r["status"] == "unknown" for r in rows),
        "unmatched": sum(r["status"] == "unmatched" for r in rows),
        "no_sdist": sum(r["status"] == "no sdist" for r in rows),
        "precision": round(hits / inferred, 3) if inferred else None,
        "recall": round(hits / truth, 3) if truth else None,
        "exact": sum(set(r["inferred"]) == set(r["alpine"]) for r in scored),
        "seconds": round(elapsed, 1),
    }
    if args.json:
        print(json.dumps({"summary": summary, "rows": rows}, indent=1))
        return 0
    for row in rows:
        extra = f" (Alpine {row['alpine_version']}, PyPI {row['pypi_version']})" if row.get("pypi_version") else ""
        print(f"{row['package']:<28} {row['status']:<9} {row.get('project', '-'):<22}{extra}")
        if row["status"] in ("scored", "unknown"):
            print(f"    alpine:   {' '.join(row['alpine']) or '-'}")
            print(f"    inferred: {' '.join(row['inferred']) or '-'}" + (f"   UNKNOWN: {row['why']}" if row.get("why") else ""))
    print(json.dumps(summary))
    return 0


def _one(package, providers, table, virtuals, makedepends, client) -> dict:
    row: dict = {"package": package.name, "alpine_version": package.version}
    evidence = project = version = None
    tried = []
    for candidate in _candidates(package.name[4:]):
        found = _newest_sdist(client, candidate)
        if found is None:
            continue
        tried.append(candidate)
        candidate_version, read = found
        match = match_alpine_build(candidate, read.top_level, read.project_urls, providers)
        if match.build is not None and match.build.package == package.name:
            evidence, project, version = read, candidate, candidate_version
            break
        if len(tried) == 3:
            break
    if evidence is None:
        return {**row, "status": "unmatched", "tried": tried}
    row.update(project=project, pypi_version=str(version))
    truth, tools_known = _alpine_truth(package, providers, makedepends)
    inference = infer_needs(project, evidence, table=table, virtuals=virtuals)
    inferred = {n.apk for n in inference.needs if n.kind == "build"} - ALWAYS
    if not tools_known:
        # without the APKBUILD's makedepends the truth has library packages only: compare those alone
        inferred = {name for name in inferred if name.endswith("-dev")}
        truth = {name for name in truth if name.endswith("-dev")}
    row.update(alpine=sorted(truth), inferred=sorted(inferred), makedepends_read=tools_known)
    if inference.unknown:
        return {**row, "status": "unknown", "why": "; ".join(inference.unknown)[:300]}
    return {**row, "status": "scored"}


def _newest_sdist(client, project: str):
    try:
        versions = [v for v in client.versions(project) if not v.is_prerelease]
        for version in reversed(versions):
            file = next((f for f in client.files(project, version) if f.is_sdist), None)
            if file is not None:
                return version, read_sdist(client.download(file), file.filename)
    except ApkneedError:
        return None
    return None


def _candidates(name: str) -> list[str]:
    out = [name]
    for affix in AFFIXES:
        if name.startswith(affix) and len(name) > len(affix) + 1:
            out.append(name[len(affix):])
    out.append(f"python-{name}")
    out.append(f"py{name}")
    return list(dict.fromkeys(out))


def _alpine_truth(package, providers, makedepends) -> tuple[set[str], bool]:
    build = alpine_build(package, providers)
    truth = {lib.dev for lib in build.libraries if lib.dev}
    truth |= {"gfortran" for lib in build.libraries if lib.virtual == "compiler/fortran"}
    # a C/C++ project's aport (apache-arrow, gdal: kind "bindings") lists what builds the whole
    # project, not its binding; an aport whose APKBUILD was not found has nothing to add
    aport = makedepends_for(makedepends, build.repository, build.origin)
    if aport is not None and (aport.kind != "python" or aport.missing):
        aport = None
    if aport is not None:
        for item in aport.system:
            name = resolve_name(item.name, item.provides, providers)
            if name:
                truth.add(name)
    return truth - ALWAYS, aport is not None


if __name__ == "__main__":
    sys.exit(main())
