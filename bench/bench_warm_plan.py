"""Warm ``apkneed plan`` of the scientific set and offline ``apkneed numpy``, wall and CPU time, tree against tree.

    .venv/bin/python bench/bench_warm_plan.py [--repeat 7] [--tree LABEL=SRC_DIR ...]

Issue 15's two plan goals (warm scientific plan < 0.25 s; offline ``apkneed
numpy`` < 0.3 s) measured as whole processes, with the CPU time (user + sys)
of each beside its wall time: on a machine shared with other work the wall
time of a run is mostly waiting for a core, while its CPU time stays close
to what an idle machine's wall time would be (a plan is one thread).

Every ``--tree`` is a source directory (``src`` of a checkout or worktree)
put first on ``PYTHONPATH``, so that two versions of apkneed run in one
bench, interleaved run by run: the ratio between them is what load cannot
move. By default, only this checkout's own ``src``.

A private cache per tree is primed first, online (PyPI only; the Alpine
indexes are the shared copies): ``apkneed plan <scientific set> --index <v3.16 main>
--base python:3.10 --json`` and ``apkneed plan numpy --index <v3.23 main>``
(the index the embedded snapshot has for x86_64). The timed commands are then
warm: ``apkneed plan <set> ... --json`` (bench/bench_plan.py's command) and
``apkneed numpy --offline -q`` (bench/bench_offline.py's). A note says when
the trees' answers differ (trees far apart may rightly answer differently).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_plan import SCIENTIFIC  # bench/bench_plan.py
from peers import bytecode_environ, clean_environ  # bench/peers.py

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "alpine"
V316 = SHARED / "v3.16" / "main" / "x86_64" / "APKINDEX.tar.gz"
V323 = SHARED / "v3.23" / "main" / "x86_64" / "APKINDEX.tar.gz"
SCI_ARGS = ["plan", *SCIENTIFIC, "--index", str(V316), "--arch", "x86_64", "--base", "python:3.10", "--json"]
COMMANDS = {
    "warm `apkneed plan <scientific set> --json` (goal < 0.25 s)": SCI_ARGS,
    "offline `apkneed numpy --offline -q`, warm (goal < 0.3 s)": ["numpy", "--arch", "x86_64", "--offline", "-q"],
}
#: the console script's entry, under the tree given on PYTHONPATH
ENTRY = "import sys; sys.argv[0] = 'apkneed'; from apkneed.__main__ import main; main()"


def run(args: list[str], environ: dict[str, str]) -> tuple[float, float, subprocess.CompletedProcess]:
    """(wall seconds, CPU seconds, the finished process)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", ENTRY, *args], capture_output=True, text=True, env=environ)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode != 0:
        raise SystemExit(f"apkneed {' '.join(args)} failed ({done.returncode}): {done.stderr.strip()}")
    return wall, cpu, done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--tree", action="append", default=[], metavar="LABEL=SRC_DIR")
    args = parser.parse_args()
    trees = dict(t.split("=", 1) for t in args.tree) or {"this": str(ROOT / "src")}
    with tempfile.TemporaryDirectory(prefix="apkneed-bench-warm-") as temp:
        environ = bytecode_environ(clean_environ())
        # one cache per tree: versions may differ in what they keep (evidence keys, parsed-copy layouts)
        environs = {tree: dict(environ, PYTHONPATH=src, APKNEED_CACHE_DIR=str(Path(temp) / tree))
                    for tree, src in trees.items()}
        for tree_environ in environs.values():
            run(SCI_ARGS, tree_environ)
            run(["plan", "numpy", "--index", str(V323), "--arch", "x86_64", "-q"], tree_environ)
        print(f"{sys.platform}, Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, repeat {args.repeat}, "
              f"load average before {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        print("| command | tree | wall median (min) | CPU median (min) |")
        print("| --- | --- | ---: | ---: |")
        for label, command in COMMANDS.items():
            walls = {tree: [] for tree in trees}
            cpus = {tree: [] for tree in trees}
            answers = {}
            for number in range(args.repeat + 1):  # the first round warms each tree (bytecode, parsed copies)
                for tree in trees:
                    wall, cpu, done = run(command, environs[tree])
                    answers.setdefault(tree, done.stdout)
                    if number:
                        walls[tree].append(wall)
                        cpus[tree].append(cpu)
            if len(set(answers.values())) > 1:  # trees apart by other work may rightly differ: said, not hidden
                print(f"note: the trees answer {label} differently")
            for tree in trees:
                print(f"| {label} | {tree} | {statistics.median(walls[tree]):.3f} s ({min(walls[tree]):.3f}) | "
                      f"{statistics.median(cpus[tree]):.3f} s ({min(cpus[tree]):.3f}) |")
        print(f"load average after {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
