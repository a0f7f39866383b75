"""``apkneed resolve py3-numpy py3-scipy`` on v3.21 main + community, whole processes, against apk-tools 2.14 and 3.0.

    APK=/path/to/apk-2.14 APK3=/path/to/apk-3.0 python bench/bench_resolve_v321.py [--runs 11]

Repeat runs (bytecode and parsed copies warm): of the same request, whose
answer is kept (a repeat of an answer, not a solve: see
``apkneed.alpine.sources.kept_answers``), and of a request new to the world
(the kept answers removed before each run: parsed copies warm, the solve
fresh); and first runs (an empty apkneed cache each time), interleaved with
apk so that all see the same machine load; apk gets the two signed indexes through a repositories file
and Alpine's keys, on an empty root, as the oracle answers were made.

Then, in this process (``--in-process-runs``, 0 to skip): loading the world
from its parsed copies with the provider map (issue 15's in-process goal, wall
and CPU time), and the solve alone, as
each apk-tools generation's rules: on a fresh map (what a ``resolve``
process pays: the solver tables built, apk's name-hash order computed for
the names asked, discovery, the solve), the solver tables alone, again
on the same map, and the request asked before (its kept answer read back on
a fresh map: what a repeat ``resolve`` pays instead of the solve).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from peers import bytecode_environ, call_ms as ms, drop_kept_answers, recalled, timed_run_ms  # bench/peers.py

ROOT = Path(__file__).resolve().parent.parent
V321 = ROOT.parent / "shared" / "alpine" / "v3.21"
REQUEST = ["py3-numpy", "py3-scipy"]


def apk_env(apk: str) -> dict[str, str]:
    env = os.environ.copy()
    if any(Path(apk).parent.glob("libapk.so*")):
        env["LD_LIBRARY_PATH"] = str(Path(apk).parent)
    return env


def in_process(runs: int) -> None:
    import gc

    from apkneed.alpine.providers import build_provider_map
    from apkneed.alpine.solver import solve
    from apkneed.alpine.solver_rules import APK_TOOLS_2, APK_TOOLS_3
    from apkneed.alpine.sources.kept_answers import answer
    from apkneed.alpine.sources.parsed import ParsedIndexes
    from apkneed.cache import default_cache_root

    parsed = ParsedIndexes(Path(default_cache_root()) / "alpine" / "parsed")
    indexes = [parsed.read_file(V321 / repo / "x86_64" / "APKINDEX.tar.gz") for repo in ("main", "community")]

    print(f"\n{'in process, v3.21 main+community':<52}{'median ms':>10}{'min ms':>9}{'CPU ms':>9}")

    def load_world():
        # what a repeat `apkneed resolve` does before its solve: both copies, the provider
        # map (its kept table), and a first lookup (which builds that name's packages)
        loaded = [parsed.read_file(V321 / repo / "x86_64" / "APKINDEX.tar.gz") for repo in ("main", "community")]
        build_provider_map(loaded).providers(REQUEST[0])

    walls, cpus = [], []
    for _ in range(runs * 3):
        gc.collect()
        gc.disable()
        try:
            cpu, wall = time.process_time(), time.perf_counter()
            load_world()
            walls.append((time.perf_counter() - wall) * 1000)
            cpus.append((time.process_time() - cpu) * 1000)
        finally:
            gc.enable()
    print(f"{'world from parsed copies + provider map (goal < 25)':<52}{statistics.median(walls):>10.1f}"
          f"{min(walls):>9.1f}{statistics.median(cpus):>9.1f}")
    for rules in (APK_TOOLS_2, APK_TOOLS_3):
        first, tables, again, kept = [], [], [], []
        answer(build_provider_map(indexes), REQUEST, rules)  # the request asked once: its answer kept
        for _ in range(runs):
            fresh = build_provider_map(indexes)
            first.append(ms(lambda: solve(fresh, REQUEST, rules)))
            again.append(ms(lambda: solve(fresh, REQUEST, rules)))
            # the attribute: tables kept in the parsed copy are unmarshalled when first read
            tables.append(ms(lambda: build_provider_map(indexes).solver_tables().pkg_depends))
            fresh = build_provider_map(indexes)
            kept.append(ms(lambda: recalled(answer(fresh, REQUEST, rules))))
        for label, samples in ((f"solve, fresh map ({rules.label})", first),
                               ("  of which solver tables", tables),
                               (f"solve, same map again ({rules.label})", again),
                               (f"request asked before: kept answer ({rules.label})", kept)):
            print(f"{label:<52}{statistics.median(samples):>10.1f}{min(samples):>9.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--in-process-runs", type=int, default=5)
    args = parser.parse_args()
    script = Path(sys.executable).parent / "apkneed"
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        cache_dir = tmp_path / "cache"
        env = bytecode_environ(pycache=tmp_path / "pycache", APKNEED_CACHE_DIR=str(cache_dir))
        ours = [str(script), "resolve", "--index", str(V321 / "main" / "x86_64" / "APKINDEX.tar.gz"),
                "--index", str(V321 / "community" / "x86_64" / "APKINDEX.tar.gz"), "--arch", "x86_64", *REQUEST]
        for _ in range(2):
            timed_run_ms(ours, env)  # warm-up: bytecode, parsed copies, verified records
        rows: list[tuple[str, list[str], dict[str, str], list[float]]] = [
            ("apkneed resolve (repeat run, kept answer)", ours, env, [])]
        repositories = tmp_path / "repositories"
        repositories.write_text(f"{V321 / 'main'}\n{V321 / 'community'}\n")
        for label in ("APK", "APK3"):
            apk = os.environ.get(label)
            if not apk:
                continue
            root = tmp_path / f"root-{label}"
            base = [apk, "--root", str(root), "--arch", "x86_64", "--keys-dir", str(V321.parent / "keys"),
                    "--no-network", "--no-cache", "--no-progress"]
            subprocess.run([*base, "add", "--initdb"], check=True, capture_output=True, env=apk_env(apk))
            version = subprocess.run([apk, "--version"], capture_output=True, text=True, env=apk_env(apk)).stdout
            command = [*base, "--repositories-file", str(repositories), "add", "--simulate", *REQUEST]
            rows.append((version.split(",")[0].strip(), command, apk_env(apk), []))
        first: list[float] = []
        new_request: list[float] = []
        for run in range(args.runs):
            for _, command, command_env, samples in rows:
                samples.append(timed_run_ms(command, command_env))
            drop_kept_answers(cache_dir)
            new_request.append(timed_run_ms(ours, env))  # writes the answer again: the next repeat run finds it
            first.append(timed_run_ms(ours, {**env, "APKNEED_CACHE_DIR": str(tmp_path / f"empty-{run}")}))
        rows.insert(1, ("apkneed resolve (repeat run, new request)", [], {}, new_request))
        rows.insert(2, ("apkneed resolve, first run (empty cache)", [], {}, first))
        for label, command, _, _ in rows:
            if command:
                print("$ " + " ".join(command))
        peers = [(label, statistics.median(samples)) for label, command, _, samples in rows if "apk-tools" in label]
        print(f"\n{'whole process, v3.21 main+community':<44}{'median ms':>10}{'min ms':>9}"
              + "".join(f"{'x ' + label.split()[-1]:>12}" for label, _ in peers))
        for label, _, _, samples in rows:
            median = statistics.median(samples)
            print(f"{label:<44}{median:>10.1f}{min(samples):>9.1f}" + "".join(f"{median / m:>11.2f}x" for _, m in peers))
    if args.in_process_runs:
        in_process(args.in_process_runs)


if __name__ == "__main__":
    main()
