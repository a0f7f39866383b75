"""The solver of an earlier revision against the working tree's, in one process, on v3.21 main + community.

    python bench/bench_solver_revisions.py REV [--runs 9]

``REV``'s ``src/apkneed/alpine/solver.py`` (``git show``) is loaded beside
the working tree's solver (everything else, the world and its tables, is
the working tree's), and both answer the same requests interleaved, each
on a provider map made for it from the parsed copies (its solver tables
unmarshalled before timing), with each apk-tools generation's rules. CPU
time (``time.process_time``), so that a loaded machine's waiting for a core
is left out. Rows:

* a fresh solve of ``py3-numpy py3-scipy`` and of ``build-base python3-dev``;
* five solves on one map, as a plan makes them: the python image's base
  world, then with a run-time package, then with build packages, then
  ``py3-numpy py3-scipy`` twice (what the solver keeps per map between
  solves counts here; the kept answers of ``alpine.sources.kept_answers``
  do not take part: the solver is called directly).

The two answers are compared for every request (installs in order, or the
same refusal).
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
V321 = ROOT.parent / "shared" / "alpine" / "v3.21"
BASE_WORLD = ["alpine-baselayout", "alpine-keys", "apk-tools", "busybox", "ca-certificates", "libc-utils", "musl",
              "scanelf", "ssl_client", "zlib"]
PLAN_WORLDS = [BASE_WORLD, [*BASE_WORLD, "libpq"], [*BASE_WORLD, "libpq", "build-base", "libpq-dev", "python3-dev"],
               ["py3-numpy", "py3-scipy"], ["py3-numpy", "py3-scipy"]]


def solver_of(revision: str, folder: Path):
    source = subprocess.run(["git", "-C", str(ROOT), "show", f"{revision}:src/apkneed/alpine/solver.py"],
                            check=True, capture_output=True, text=True).stdout
    path = folder / "solver_at_revision.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("apkneed.alpine.solver_at_revision", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def outcome(module, providers, request, rules):
    try:
        return [p.nv for p in module.solve(providers, request, rules).installs]
    except module.SolverError as exc:
        return exc.apk_output


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("revision")
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()

    from apkneed.alpine import solver as working
    from apkneed.alpine.providers import build_provider_map
    from apkneed.alpine.solver_rules import APK_TOOLS_2, APK_TOOLS_3
    from apkneed.alpine.sources.parsed import ParsedIndexes

    with tempfile.TemporaryDirectory() as tmp:
        earlier = solver_of(args.revision, Path(tmp))
        store = ParsedIndexes(Path(tmp) / "alpine" / "parsed")
        indexes = [store.read_file(V321 / repo / "x86_64" / "APKINDEX.tar.gz") for repo in ("main", "community")]

        def fresh_map():
            providers = build_provider_map(indexes)
            providers.solver_tables().pkg_depends  # unmarshalled before timing
            return providers

        cases = [("fresh solve, py3-numpy py3-scipy", [["py3-numpy", "py3-scipy"]]),
                 ("fresh solve, build-base python3-dev", [["build-base", "python3-dev"]]),
                 ("five solves on one map (a plan's worlds)", PLAN_WORLDS)]
        print(f"solver of {args.revision} against the working tree's, v3.21 main + community, "
              f"CPU ms, {args.runs} interleaved runs")
        print(f"{'':<60}{args.revision[:12]:>14}{'working tree':>14}{'ratio':>8}")
        gc.disable()
        for rules in (APK_TOOLS_2, APK_TOOLS_3):
            for label, worlds in cases:
                samples = {"earlier": [], "working": []}
                for _ in range(args.runs):
                    answers = {}
                    for name, module in (("earlier", earlier), ("working", working)):
                        providers = fresh_map()
                        start = time.process_time()
                        answers[name] = [outcome(module, providers, world, rules) for world in worlds]
                        samples[name].append((time.process_time() - start) * 1000)
                    if answers["earlier"] != answers["working"]:
                        raise SystemExit(f"{label} ({rules.label}): the two solvers answer differently")
                before, after = statistics.median(samples["earlier"]), statistics.median(samples["working"])
                print(f"{label + ' (' + rules.label + ')':<60}{before:>14.1f}{after:>14.1f}{after / before:>7.2f}x")


if __name__ == "__main__":
    sys.exit(main())
