"""A map's first solve, this tree against another's, in interleaved processes.

    python bench/bench_first_solve.py --tree SRC [--rounds 5] [--runs 7]

``SRC`` is another checkout's ``src`` (e.g. ``git archive REV src | tar -x -C DIR``).
Each round runs one process of that tree, then one of the working tree's
(``PYTHONPATH`` first on the path), each timing ``--runs`` times, the
collector paused as ``apkneed resolve`` runs, on a map built just before:

* v3.17 main aarch64, ``build-base python3-dev``, the index read with
  ``read_index_file`` (as ``bench/bench_alpine.py``'s row "first on a map");
* the same on the index's parsed copy (what a ``resolve`` process loads);
* v3.21 main + community from parsed copies, ``py3-numpy py3-scipy``, with
  each apk-tools generation's rules (``bench/bench_resolve_v321.py``'s
  fresh-map rows);
* that world loaded (both copies, the provider map, a first look-up).

Wall-time medians and minima over every sample of a tree, and the ratio
after/before. The parsed copies are the default cache's (both trees must
read the same layout).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

from peers import bytecode_environ, call_ms as ms  # bench/peers.py

ROOT = Path(__file__).resolve().parent.parent
ALPINE = ROOT.parent / "shared" / "alpine"
V317 = ALPINE / "v3.17" / "main" / "aarch64" / "APKINDEX.tar.gz"
V321 = [ALPINE / "v3.21" / repo / "x86_64" / "APKINDEX.tar.gz" for repo in ("main", "community")]


def child(runs: int) -> None:
    """One tree's samples, as JSON."""
    from apkneed.alpine.index import read_index_file
    from apkneed.alpine.providers import build_provider_map
    from apkneed.alpine.solver import solve
    from apkneed.alpine.solver_rules import APK_TOOLS_2, APK_TOOLS_3
    from apkneed.alpine.sources.parsed import ParsedIndexes
    from apkneed.cache import default_cache_root

    parsed = ParsedIndexes(Path(default_cache_root()) / "alpine" / "parsed")

    def first_solves(indexes, request, rules=APK_TOOLS_2) -> list[float]:
        samples = []
        for _ in range(runs):
            fresh = build_provider_map(indexes)
            samples.append(ms(lambda: solve(fresh, request, rules)))
        return samples

    out = {
        "v3.17 first solve (read_index_file)": first_solves([read_index_file(V317)], ["build-base", "python3-dev"]),
        "v3.17 first solve (parsed copy)": first_solves([parsed.read_file(V317)], ["build-base", "python3-dev"]),
    }
    world = [parsed.read_file(path) for path in V321]
    for rules in (APK_TOOLS_2, APK_TOOLS_3):
        out[f"v3.21 first solve ({rules.label})"] = first_solves(world, ["py3-numpy", "py3-scipy"], rules)
    out["v3.21 world load"] = [
        ms(lambda: build_provider_map([parsed.read_file(path) for path in V321]).providers("py3-numpy"))
        for _ in range(runs)
    ]
    print(json.dumps(out))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tree", help="the other checkout's src (the 'before')")
    parser.add_argument("--rounds", type=int, default=5, help="processes per tree, interleaved")
    parser.add_argument("--runs", type=int, default=7, help="samples per measurement per process")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.runs)
        return
    if not args.tree:
        parser.error("--tree SRC is required")
    trees = {"before": str(Path(args.tree).resolve()), "after": str(ROOT / "src")}
    samples: dict[str, dict[str, list[float]]] = {label: {} for label in trees}
    env = bytecode_environ()  # bytecode in each tree's __pycache__
    for _ in range(args.rounds):
        for label, src in trees.items():
            proc = subprocess.run([sys.executable, __file__, "--child", "--runs", str(args.runs)],
                                  env={**env, "PYTHONPATH": src}, capture_output=True, text=True, check=True)
            for key, values in json.loads(proc.stdout).items():
                samples[label].setdefault(key, []).extend(values)
    print(f"{'wall ms':<40}{'before med':>11}{'min':>8}{'after med':>11}{'min':>8}{'ratio':>7}")
    for key, before in samples["before"].items():
        after = samples["after"][key]
        b, a = statistics.median(before), statistics.median(after)
        print(f"{key:<40}{b:>11.2f}{min(before):>8.2f}{a:>11.2f}{min(after):>8.2f}{a / b:>7.2f}")


if __name__ == "__main__":
    main()
