"""Benchmark: reading an Alpine index, building the provider map, resolving,
and a whole ``apkneed resolve`` process next to apk-tools' own
``apk add --simulate`` on the same index, in the same run.

Usage (from the project root)::

    APK=/path/to/apk python bench/bench_alpine.py [--runs 21] [--index PATH] [--arch aarch64]
    APK=/path/to/apk-2.14 APK3=/path/to/apk-3.0 python bench/bench_alpine.py --numpy-v321 [--runs 11]

``--numpy-v321``: the whole ``apkneed resolve py3-numpy py3-scipy`` on v3.21
main + community (two ``--index`` files), with the rules of each apk-tools
generation, next to apk-tools 2.14 (``$APK``) and 3.0 (``$APK3``) answering
from the same two signed indexes (``--repositories-file``, ``--keys-dir``),
all interleaved in one run and given as ratios.

``apk`` comes from ``$APK`` or ``PATH`` (apk-tools 2.14 built from source
works; if it needs its ``libapk.so``, set ``LD_LIBRARY_PATH`` too). Without
apk the comparison is skipped and said so. apk runs exactly like the shared
oracle's invocation: an empty root made with ``add --initdb``, then
``-X REPO add --simulate`` with ``--no-network --no-cache --allow-untrusted``.

apkneed runs as its installed console script with Python's bytecode cache
enabled (in a temporary ``PYTHONPYCACHEPREFIX``, after a warm-up run), as a
user's install would; ``PYTHONDONTWRITEBYTECODE`` would otherwise make every
run recompile the sources. The warm-up also leaves in apkneed's cache what
any later run on the same file finds there (the index's parsed copy and its
verified-signature record), so the ``apkneed resolve`` row is a repeat run;
the "first run" row gives every run an empty cache (``APKNEED_CACHE_DIR``).
A repeat of the same request is answered from its kept answer (a repeat of
an answer, not a solve: ``apkneed.alpine.sources.kept_answers``); the "new
request" row removes the kept answers before each run, so that it solves
afresh with everything else warm.
"""

from __future__ import annotations

import argparse
import gc
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from peers import bytecode_environ, drop_kept_answers, recalled, timed_run_ms  # bench/peers.py

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INDEX = ROOT.parent / "shared" / "alpine" / "v3.17" / "main" / "aarch64" / "APKINDEX.tar.gz"
REQUEST = ["build-base", "python3-dev"]


RESOLVER_ONLY = """\
import gc, sys
gc.disable()  # as apkneed resolve does while reading
from pathlib import Path
from apkneed.alpine.index import read_index_file
from apkneed.alpine.providers import build_provider_map
from apkneed.alpine.solver import solve
providers = build_provider_map([read_index_file(Path(sys.argv[1]))])
print("\\n".join(p.nv for p in solve(providers, sys.argv[2:]).installs))
"""


def timed(func, runs: int) -> tuple[float, float, object]:
    """(median ms, min ms, last result) of ``runs`` calls.

    Each call starts from a collected heap and runs with the cyclic garbage
    collector paused, as ``apkneed resolve`` reads its indexes.
    """
    samples = []
    result = None
    for _ in range(runs):
        result = None
        gc.collect()
        gc.disable()
        try:
            start = time.perf_counter()
            result = func()
            samples.append((time.perf_counter() - start) * 1000)
        finally:
            gc.enable()
    return statistics.median(samples), min(samples), result


def in_process(index_path: Path, runs: int) -> list[tuple[str, float, float, str]]:
    from apkneed.alpine import atom, version
    from apkneed.alpine.index import read_index_file
    from apkneed.alpine.providers import build_provider_map
    from apkneed.alpine.solver import solve

    def parse_cold():
        # a fresh process starts with empty atom and version caches
        for cache in (atom.parse_dependency, atom.parse_dependencies, atom._dependency_word,
                      atom.parse_provide, atom.parse_provides, version.tokens):
            cache.cache_clear()
        return read_index_file(index_path)

    rows = []
    median, best, index = timed(parse_cold, runs)
    rows.append(("parse index (cold caches)", median, best, f"{len(index.packages)} packages, target < 50 ms"))
    median, best, providers = timed(lambda: build_provider_map([index]), runs)
    rows.append(("build provider map", median, best, f"{sum(1 for _ in providers.names())} names"))

    def first_solve():
        fresh = build_provider_map([index])
        gc.collect()
        start = time.perf_counter()
        solution = solve(fresh, REQUEST)
        return (time.perf_counter() - start) * 1000, solution

    samples = [first_solve() for _ in range(runs)]
    first = [ms for ms, _ in samples]
    solution = samples[-1][1]
    rows.append((f"resolve {' '.join(REQUEST)} (first on a map)", statistics.median(first), min(first),
                 f"{len(solution.installs)} packages, target < 5 ms"))
    median, best, _ = timed(lambda: solve(providers, REQUEST), runs)
    rows.append((f"resolve {' '.join(REQUEST)} (map reused)", median, best, ""))
    rows.append(kept_answer_row(index_path, runs))
    return rows


def kept_answer_row(index_path: Path, runs: int) -> tuple[str, float, float, str]:
    """The request asked before: its kept answer read back on a fresh map of the index's parsed copy."""
    from apkneed.alpine.providers import build_provider_map
    from apkneed.alpine.sources.kept_answers import answer
    from apkneed.alpine.sources.parsed import ParsedIndexes

    with tempfile.TemporaryDirectory() as tmp:
        store = ParsedIndexes(Path(tmp) / "alpine" / "parsed")
        index = store.read_file(index_path)
        answer(build_provider_map([index]), REQUEST)  # asked once: the answer is kept

        maps = [build_provider_map([index]) for _ in range(runs)]  # a fresh map each, made before timing

        median, best, found = timed(lambda: recalled(answer(maps.pop(), REQUEST)), runs)
    return (f"resolve {' '.join(REQUEST)} (asked before: kept answer)", median, best,
            f"{len(found.outcome.installs)} packages: a repeat, not a solve")


def process_times(command: list[str], env: dict[str, str], runs: int) -> list[float]:
    return [timed_run_ms(command, env) for _ in range(runs)]


def apkneed_command() -> list[str]:
    script = Path(sys.executable).parent / "apkneed"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from apkneed.cli import main; sys.exit(main())"]


def compare_processes(index_path: Path, arch: str, runs: int) -> None:
    apk = os.environ.get("APK") or shutil.which("apk")
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        cache_dir = tmp_path / "cache"
        env = bytecode_environ(pycache=tmp_path / "pycache", APKNEED_CACHE_DIR=str(cache_dir))
        ours = [*apkneed_command(), "resolve", "--index", str(index_path), "--arch", arch, *REQUEST]
        process_times(ours, env, 2)  # warm-up: write the bytecode cache
        print(f"\n$ {' '.join(ours)}")
        if not apk:
            ours_ms = process_times(ours, env, runs)
            print(f"apkneed resolve: median {statistics.median(ours_ms):.1f} ms (min {min(ours_ms):.1f})")
            print("apk not found ($APK or PATH): the side-by-side comparison is skipped")
            return
        repo = tmp_path / "repo"
        (repo / arch).mkdir(parents=True)
        shutil.copyfile(index_path, repo / arch / "APKINDEX.tar.gz")
        root = tmp_path / "root"
        base = [apk, "--root", str(root), "--arch", arch, "--allow-untrusted", "--no-network",
                "--no-cache", "--no-progress"]
        subprocess.run([*base, "add", "--initdb"], check=True, capture_output=True)
        theirs = [*base, "-X", str(repo), "add", "--simulate", *REQUEST]
        print(f"$ {' '.join(theirs)}")
        apk_version = subprocess.run([apk, "--version"], capture_output=True, text=True).stdout.strip()
        # The resolver alone, without the command line and the world loader
        # (click, signature checks): where the rest of the time goes.
        bare = [sys.executable, "-c", RESOLVER_ONLY, str(index_path), *REQUEST]
        process_times(bare, env, 1)
        # interleave them all so all see the same machine load
        # the same request through the click CLI (what every command but plain resolve pays)
        via_click = [sys.executable, "-c", "import sys; from apkneed.cli import main; sys.exit(main())", *ours[1:]]
        ours_ms, first_ms, bare_ms, theirs_ms, click_ms, new_ms = [], [], [], [], [], []
        for run in range(runs):
            ours_ms += process_times(ours, env, 1)
            drop_kept_answers(cache_dir)  # a request new to the world
            new_ms += process_times(ours, env, 1)  # (its answer is kept again for the next repeat)
            click_ms += process_times(via_click, env, 1)
            first_ms += process_times(ours, {**env, "APKNEED_CACHE_DIR": str(tmp_path / f"empty-cache-{run}")}, 1)
            bare_ms += process_times(bare, env, 1)
            theirs_ms += process_times(theirs, os.environ.copy(), 1)
        ours_median, theirs_median = statistics.median(ours_ms), statistics.median(theirs_ms)
        print(f"\n{'whole process':<44}{'median ms':>10}{'min ms':>10}{'x apk':>8}")
        for label, samples in (("apkneed resolve (repeat, kept answer)", ours_ms),
                               ("apkneed resolve (repeat run, new request)", new_ms),
                               ("apkneed resolve, first run (empty cache)", first_ms),
                               ("the same through click (apkneed.cli.main)", click_ms),
                               ("resolver only (no CLI, no world loader)", bare_ms),
                               (apk_version or "apk", theirs_ms)):
            median = statistics.median(samples)
            print(f"{label:<44}{median:>10.1f}{min(samples):>10.1f}{median / theirs_median:>7.2f}x")
        new_median = statistics.median(new_ms)
        print(f"ratio apkneed/apk (median), repeat runs: {ours_median / theirs_median:.2f}x with the kept answer, "
              f"{new_median / theirs_median:.2f}x for a request new to the world (issue 15: <= 1.5x); "
              f"first run {statistics.median(first_ms) / theirs_median:.2f}x (issue 15: <= 2x)")


V321 = ROOT.parent / "shared" / "alpine" / "v3.21"
NUMPY_REQUEST = ["py3-numpy", "py3-scipy"]


def _apk_env(apk: str) -> dict[str, str]:
    env = os.environ.copy()
    if any(Path(apk).parent.glob("libapk.so*")):  # a 2.14 build links its own libapk.so
        env["LD_LIBRARY_PATH"] = str(Path(apk).parent)
    return env


def _installs(output: str) -> list[str]:
    """name-version lines from apkneed's output, or apk's "(i/N) Installing NAME (VERSION)" lines."""
    out = []
    for line in output.splitlines():
        if "Installing " in line:
            name, version = line.split("Installing ", 1)[1].split(" (", 1)
            out.append(f"{name}-{version.rstrip(')')}")
        elif line and not line[0].isdigit() and " " not in line:
            out.append(line)
    return out


def compare_numpy_v321(runs: int) -> None:
    """The whole ``apkneed resolve py3-numpy py3-scipy`` on v3.21 main + community,
    next to apk-tools 2.14 (``$APK``) and 3.0 (``$APK3``) on the same two signed
    indexes, interleaved in one run; ratios against each."""
    apks = [(label, path) for label, path in (("APK", os.environ.get("APK")), ("APK3", os.environ.get("APK3"))) if path]
    main_index = V321 / "main" / "x86_64" / "APKINDEX.tar.gz"
    community = V321 / "community" / "x86_64" / "APKINDEX.tar.gz"
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        env = bytecode_environ(pycache=tmp_path / "pycache")
        ours = [*apkneed_command(), "resolve", "--index", str(main_index), "--index", str(community),
                "--arch", "x86_64", *NUMPY_REQUEST]
        ours3 = [*ours, "--apk-tools", "3"]
        for command in (ours, ours3):
            process_times(command, env, 2)  # warm-up: bytecode and the parsed copies of both indexes
        print(f"\n$ {' '.join(ours)}")
        answer = _installs(subprocess.run(ours, env=env, capture_output=True, text=True).stdout)
        repositories = tmp_path / "repositories"
        repositories.write_text(f"{V321 / 'main'}\n{V321 / 'community'}\n")
        theirs = []
        for label, apk in apks:
            root = tmp_path / f"root-{label}"
            base = [apk, "--root", str(root), "--arch", "x86_64", "--keys-dir", str(V321.parent / "keys"),
                    "--no-network", "--no-cache", "--no-progress"]
            subprocess.run([*base, "add", "--initdb"], check=True, capture_output=True, env=_apk_env(apk))
            command = [*base, "--repositories-file", str(repositories), "add", "--simulate", *NUMPY_REQUEST]
            version = subprocess.run([apk, "--version"], capture_output=True, text=True, env=_apk_env(apk)).stdout
            same = _installs(subprocess.run(command, capture_output=True, text=True, env=_apk_env(apk)).stdout)
            print(f"$ {' '.join(command)}\n  {version.strip().rstrip('.')}: {len(same)} packages, "
                  f"{'the same installs, in the same order' if same == answer else 'A DIFFERENT ANSWER'}")
            theirs.append((version.split(",")[0].strip() or label, command, _apk_env(apk), []))
        if not theirs:
            print("no apk-tools ($APK, $APK3): the side-by-side comparison is skipped")
        ours_ms, ours3_ms = [], []
        for _ in range(runs):  # interleaved, so that every command sees the same machine load
            ours_ms += process_times(ours, env, 1)
            ours3_ms += process_times(ours3, env, 1)
            for _, command, apk_env, samples in theirs:
                samples += process_times(command, apk_env, 1)
        print(f"\n{'whole process, v3.21 main+community':<48}{'median ms':>10}{'min ms':>10}"
              + "".join(f"{'x ' + label.split()[-1]:>10}" for label, *_ in theirs))
        rows = [("apkneed resolve (apk-tools 2 rules, kept answer)", ours_ms),
                ("apkneed resolve --apk-tools 3 (kept answer)", ours3_ms)]
        rows += [(label, samples) for label, _, _, samples in theirs]
        for label, samples in rows:
            median = statistics.median(samples)
            ratios = "".join(f"{median / statistics.median(t[3]):>9.2f}x" for t in theirs)
            print(f"{label:<48}{median:>10.1f}{min(samples):>10.1f}{ratios}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--index", type=Path, default=DEFAULT_INDEX)
    parser.add_argument("--arch", default="aarch64")
    parser.add_argument("--numpy-v321", action="store_true",
                        help="only the py3-numpy py3-scipy comparison on v3.21 main+community ($APK, $APK3)")
    args = parser.parse_args()
    if args.numpy_v321:
        compare_numpy_v321(args.runs)
        return
    if not args.index.is_file():
        raise SystemExit(f"index not found: {args.index}")
    print(f"index: {args.index} ({args.arch}), {args.runs} runs each, python {sys.version.split()[0]}")
    print(f"\n{'in process':<44}{'median ms':>10}{'min ms':>10}  note")
    for name, median, best, note in in_process(args.index, args.runs):
        print(f"{name:<44}{median:>10.1f}{best:>10.1f}  {note}")
    compare_processes(args.index, args.arch, args.runs)


if __name__ == "__main__":
    main()
