"""What a `resolve` process's first solve pays for the parsed copies' columns, on v3.21 main + community.

    python bench/bench_column_rows.py [--runs 9] [--tree SRC]...

Each sample is a fresh process (as ``apkneed resolve`` of a request new to
the world is): both indexes read through their parsed copies (warm), the
provider map from its kept table, then one solve of ``py3-numpy py3-scipy``
with apk-tools 2.14's rules. Printed, CPU ms: the world loaded, the first
solve (which builds the packages it reads from the copies' columns), the
time spent in ``marshal.loads`` and ``sha256`` of the copies' sections
during that solve, and how many packages it built. With ``--tree SRC``
(another checkout's ``src``, e.g. ``git archive REV src``) each tree runs in
its own processes, interleaved, each with its own cache directory (the copy
layouts differ); the answers are checked equal. Then, per tree, whole
``apkneed resolve`` processes of the request new to the world (the kept
answers removed before each, as ``bench_resolve_v321.py`` does), interleaved:
wall and CPU ms.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from peers import bytecode_environ, drop_kept_answers  # bench/peers.py

ROOT = Path(__file__).resolve().parent.parent
V321 = ROOT.parent / "shared" / "alpine" / "v3.21"
REQUEST = ["py3-numpy", "py3-scipy"]
PATHS = [V321 / repo / "x86_64" / "APKINDEX.tar.gz" for repo in ("main", "community")]


def child(warm: bool, count: bool) -> None:
    import gc
    import marshal

    gc.disable()  # as apkneed resolve runs
    from apkneed.alpine.providers import build_provider_map
    from apkneed.alpine.solver import solve
    from apkneed.alpine.solver_rules import APK_TOOLS_2
    from apkneed.alpine.sources import parsed
    from apkneed.cache import default_cache_root

    store = parsed.ParsedIndexes(Path(default_cache_root()) / "alpine" / "parsed")
    if warm:
        build_provider_map([store.read_file(path) for path in PATHS])  # copies and table made
        return
    spent = {"marshal calls": 0, "marshal KB": 0.0, "sha256 KB": 0.0}

    def counted(calls, size, func):
        def wrapper(data):
            if calls:
                spent[calls] += 1
            spent[size] += len(data) / 1024
            return func(data)
        return wrapper

    if count:  # a separate run: counting costs time. Only the copies' sections: parsed's own names
        parsed.marshal = type("M", (), {"loads": staticmethod(counted("marshal calls", "marshal KB", marshal.loads)),
                                        "dumps": staticmethod(marshal.dumps)})
        parsed._sha256 = counted(None, "sha256 KB", parsed._sha256)
    start = time.process_time()
    indexes = [store.read_file(path) for path in PATHS]
    providers = build_provider_map(indexes)
    providers.providers(REQUEST[0])
    loaded = time.process_time()
    before = dict(spent)
    found = solve(providers, REQUEST, APK_TOOLS_2)
    solved = time.process_time()
    built = sum(index.packages.built() for index in indexes)
    print(json.dumps({
        "world": (loaded - start) * 1000,
        "solve": (solved - loaded) * 1000,
        **{key: spent[key] - before[key] for key in spent},
        "built": built,
        "answer": [p.nv for p in found.installs],
    }))


def tree_env(tree: str, cache: str) -> dict[str, str]:
    """The environment of a process of ``tree``'s src with its own cache and bytecode kept (as installed)."""
    return bytecode_environ(pycache=f"{cache}-pyc", PYTHONPATH=tree, APKNEED_CACHE_DIR=cache)


def run(tree: str, cache: str, warm: bool = False, count: bool = False) -> dict | None:
    proc = subprocess.run([sys.executable, __file__, "--child", *(["--warm"] if warm else []),
                           *(["--count"] if count else [])], env=tree_env(tree, cache),
                          capture_output=True, text=True, check=True)
    return None if warm else json.loads(proc.stdout)


def resolve_process(tree: str, cache: str) -> tuple[float, float, str]:
    """One `apkneed resolve` of the request new to the world: wall ms, CPU ms, its output."""
    env = tree_env(tree, cache)
    drop_kept_answers(cache)
    command = [sys.executable, "-m", "apkneed", "resolve", *(a for path in PATHS for a in ("--index", str(path))),
               "--arch", "x86_64", *REQUEST]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    wall = (time.perf_counter() - start) * 1000
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) * 1000
    return wall, cpu, proc.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--tree", action="append", default=[], help="compare this src with the working tree's")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--warm", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--count", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.warm, args.count)
        return
    trees = [*args.tree, str(ROOT / "src")]
    samples: dict[str, list[dict]] = {tree: [] for tree in trees}
    counts: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for position, tree in enumerate(trees):
            run(tree, f"{tmp}/cache-{position}", warm=True)
            run(tree, f"{tmp}/cache-{position}")  # bytecode written
            counts[tree] = run(tree, f"{tmp}/cache-{position}", count=True)
        for _ in range(args.runs):
            for position, tree in enumerate(trees):
                samples[tree].append(run(tree, f"{tmp}/cache-{position}"))
        whole: dict[str, list[tuple[float, float, str]]] = {tree: [] for tree in trees}
        for _ in range(args.runs):
            for position, tree in enumerate(trees):
                whole[tree].append(resolve_process(tree, f"{tmp}/cache-{position}"))
    if len({out for got in whole.values() for _, _, out in got}) != 1:
        raise SystemExit("the trees' resolve answers differ")
    answers = {json.dumps(s["answer"]) for got in samples.values() for s in got}
    if len(answers) != 1:
        raise SystemExit("the trees answer differently")
    print(f"fresh processes, {args.runs} runs per tree, interleaved; CPU ms, median (min)")
    keys = ("world", "solve")
    counted = ("marshal calls", "marshal KB", "sha256 KB", "built")
    print(f"{'tree':<8}" + "".join(f"{key:>18}" for key in keys) + "".join(f"{key:>15}" for key in counted)
          + f"{'solve ratio':>13}")
    base = statistics.median(s["solve"] for s in samples[trees[0]])
    for position, (tree, got) in enumerate(samples.items()):
        cells = "".join(f"{statistics.median(s[k] for s in got):>10.1f} ({min(s[k] for s in got):>5.1f})" for k in keys)
        cells += "".join(f"{counts[tree][k]:>15,.0f}" for k in counted)
        print(f"{position + 1:<8}{cells}{statistics.median(s['solve'] for s in got) / base:>12.2f}x")
    print("(marshal calls and KB, sha256 KB: of the copies' sections, during the solve, counted in a separate run)")
    print(f"\napkneed resolve of a request new to the world, whole processes, {args.runs} per tree, interleaved")
    base = statistics.median(cpu for _, cpu, _ in whole[trees[0]])
    for position, (tree, got) in enumerate(whole.items()):
        walls, cpus = [w for w, _, _ in got], [c for _, c, _ in got]
        print(f"{position + 1:<8}wall {statistics.median(walls):7.1f} (min {min(walls):6.1f})   "
              f"CPU {statistics.median(cpus):7.1f}   CPU ratio {statistics.median(cpus) / base:.2f}x")
    for position, tree in enumerate(trees):
        print(f"  tree {position + 1}: {tree}")


if __name__ == "__main__":
    main()
