"""The first run on a new index (an empty apkneed cache), as whole processes against apk-tools, and where its time goes.

    APK=/path/to/apk-2.14 APK3=/path/to/apk-3.0 python bench/bench_first_run.py [--runs 9] [--tree SRC]...

apk-tools reads its indexes from scratch on every run, so every apk run is
a first run; issue 15 asks that apkneed's first run on a new index (parse,
signature check, parsed copy and provider table written, solve) take at
most twice as long.

1. Whole processes, interleaved so that all see the same machine load:
   ``apkneed resolve`` with an empty ``APKNEED_CACHE_DIR`` each time (bytecode
   warm), apk-tools 3.0.x (``APK3``) and 2.14 (``APK``) on an empty root with
   the same signed indexes, for ``py3-numpy py3-scipy`` on v3.21 main +
   community and ``build-base python3-dev`` on v3.17 main aarch64. Each
   ``--tree`` (a checkout's ``src``, e.g. an older worktree) adds a row run
   from that source; the default is this checkout's. Wall time, and CPU
   time (``getrusage`` of the children), which other work moves less.
2. Stage by stage, one first run at a time (``--stage-runs``, medians): wall
   and CPU time of each stage of a first run in each world, measured inside the
   process by wrapping the functions that do each stage (time spent in a
   stage called from another is counted once, in the inner one), plus the
   interpreter's start-up and imports (the whole process less what the
   command's ``main()`` took).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from peers import bytecode_environ, print_wall_and_cpu, timed_run_ms, timed_run_with_cpu_ms  # bench/peers.py

ROOT = Path(__file__).resolve().parent.parent
ALPINE = ROOT.parent / "shared" / "alpine"
WORLDS = {
    "v3.21 main+community x86_64, py3-numpy py3-scipy": (
        "x86_64", [ALPINE / "v3.21" / "main" / "x86_64", ALPINE / "v3.21" / "community" / "x86_64"],
        ["py3-numpy", "py3-scipy"]),
    "v3.17 main aarch64, build-base python3-dev": (
        "aarch64", [ALPINE / "v3.17" / "main" / "aarch64"], ["build-base", "python3-dev"]),
}

#: (module, function, stage): the functions whose time is each stage's
STAGES = [
    ("apkneed.alpine.index", "read_index_data", "read the index files"),
    ("apkneed.alpine.index", "split_gzip_members", "gunzip"),
    ("apkneed.alpine.index", "_tar_members", "untar"),
    ("apkneed.alpine.index", "unpack_index_archive", "decode the index text (unpack's own)"),
    ("apkneed.alpine.index_columns", "canonical_columns", "parse into columns"),
    ("apkneed.alpine.index", "parse_records", "parse record by record"),
    ("apkneed.alpine.sources.signature", "require_trusted", "signature check"),
    ("apkneed.alpine.sources.parsed", "encode", "encode the parsed copies"),
    ("apkneed.alpine.providers", "provider_tables", "build the provider table"),
    ("apkneed.alpine.sources.parsed", "encode_tables", "encode the provider table"),
    ("apkneed.cache", "write_private", "write cache files"),
    ("apkneed.alpine.solver", "solve", "solve"),
    ("apkneed.alpine.sources.kept_answers", "answer_key", "the kept answer's key"),
    ("apkneed.cli.run", "trim_cache", "trim the cache"),
]

#: run in a child process: the command, with each stage's function wrapped; prints the times as JSON
STAGE_SCRIPT = r"""
import importlib, json, sys, time
stages, argv = json.loads(sys.argv[1]), sys.argv[2:]
times, stack = {}, []

def wrap(module_name, name, label):
    try:
        original = getattr(importlib.import_module(module_name), name)
    except (ImportError, AttributeError):
        return
    def timed(*args, **kwargs):
        stack.append([0.0, 0.0])
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            return original(*args, **kwargs)
        finally:
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            inner_wall, inner_cpu = stack.pop()
            total = times.setdefault(label, [0.0, 0.0])
            total[0] += wall - inner_wall
            total[1] += cpu - inner_cpu
            if stack:
                stack[-1][0] += wall
                stack[-1][1] += cpu
    for module in list(sys.modules.values()):  # also where it was imported by name
        if getattr(module, "__name__", "").startswith("apkneed") and getattr(module, name, None) is original:
            setattr(module, name, timed)

import apkneed.__main__
for module_name, name, label in stages:
    wrap(module_name, name, label)
sys.argv = ["apkneed", *argv]
wall, cpu = time.perf_counter(), time.process_time()
try:
    apkneed.__main__.main()
except SystemExit as exc:
    status = exc.code
times["main()"] = [time.perf_counter() - wall, time.process_time() - cpu]
sys.stdout.flush()
print(json.dumps(times), file=sys.stderr)
"""


def apk_rows(tmp: Path, arch: str, repos: list[Path], request: list[str]) -> list[tuple[str, list[str], dict]]:
    rows = []
    repositories = tmp / f"repositories-{arch}"
    repositories.write_text("".join(f"{repo.parent}\n" for repo in repos))
    for variable in ("APK3", "APK"):
        apk = os.environ.get(variable)
        if not apk:
            continue
        env = os.environ.copy()
        if any(Path(apk).parent.glob("libapk.so*")):
            env["LD_LIBRARY_PATH"] = str(Path(apk).parent)
        root = tmp / f"root-{variable}-{arch}"
        base = [apk, "--root", str(root), "--arch", arch, "--keys-dir", str(ALPINE / "keys"),
                "--no-network", "--no-cache", "--no-progress"]
        subprocess.run([*base, "add", "--initdb"], check=True, capture_output=True, env=env)
        version = subprocess.run([apk, "--version"], capture_output=True, text=True, env=env).stdout
        rows.append((version.split(",")[0].strip(), [*base, "--repositories-file", str(repositories), "add",
                                                     "--simulate", *request], env))
    return rows


def whole_processes(runs: int, trees: list[str], tmp: Path, env: dict[str, str]) -> None:
    for title, (arch, repos, request) in WORLDS.items():
        args = ["resolve", *[a for repo in repos for a in ("--index", str(repo / "APKINDEX.tar.gz"))],
                "--arch", arch, *request]
        ours = []
        for tree in trees:
            tree_env = {**env, "PYTHONPATH": tree} if tree else env
            label = "apkneed resolve, first run" + (f" ({tree})" if tree else "")
            ours.append((label, [sys.executable, "-m", "apkneed", *args], tree_env))
            timed_run_ms(ours[-1][1], {**tree_env, "APKNEED_CACHE_DIR": str(tmp / "warm-up")})  # bytecode
        peers = apk_rows(tmp, arch, repos, request)
        samples: dict[str, list[float]] = {label: [] for label, _, _ in [*ours, *peers]}
        cpu: dict[str, list[float]] = {label: [] for label in samples}
        for run in range(runs):
            for number, (label, command, command_env) in enumerate([*ours, *peers]):
                if number < len(ours):
                    command_env = {**command_env, "APKNEED_CACHE_DIR": str(tmp / f"empty-{arch}-{run}-{number}")}
                wall, used = timed_run_with_cpu_ms(command, command_env)
                samples[label].append(wall)
                cpu[label].append(used)
        for _, command, _ in [*ours[:1], *peers]:
            print("$ " + " ".join(command))
        # CPU time beside wall time: what other work on a shared machine moves less
        print_wall_and_cpu(title, samples, cpu, [p[0] for p in peers])
        print()


def stages(runs: int, tmp: Path, env: dict[str, str], title: str) -> None:
    arch, repos, request = WORLDS[title]
    args = ["resolve", *[a for repo in repos for a in ("--index", str(repo / "APKINDEX.tar.gz"))],
            "--arch", arch, *request]
    results = []
    for run in range(runs):
        command = [sys.executable, "-c", STAGE_SCRIPT, json.dumps(STAGES), *args]
        start = time.perf_counter()
        proc = subprocess.run(command, env={**env, "APKNEED_CACHE_DIR": str(tmp / f"stages-{arch}-{run}")},
                              capture_output=True, text=True)
        whole = time.perf_counter() - start
        if proc.returncode != 0:
            raise SystemExit(f"stage run failed: {proc.stderr.strip()[-300:]}")
        times = json.loads(proc.stderr.strip().splitlines()[-1])
        times["interpreter start-up and imports"] = [whole - times["main()"][0], None]
        results.append(times)
    labels = ["interpreter start-up and imports", *dict.fromkeys(label for _, _, label in STAGES)]
    print(f"\n{'one first run, ' + title.split(',')[0] + ', by stage':<52}{'wall ms':>9}{'CPU ms':>9}")
    total_wall = total_cpu = 0.0
    for label in labels:
        walls = [r[label][0] * 1000 for r in results if label in r]
        if not walls:
            continue
        cpus = [r[label][1] * 1000 for r in results if label in r and r[label][1] is not None]
        wall = statistics.median(walls)
        cpu = statistics.median(cpus) if cpus else None
        total_wall += wall
        total_cpu += cpu or 0.0
        print(f"{label:<52}{wall:>9.1f}" + (f"{cpu:>9.1f}" if cpu is not None else f"{'':>9}"))
    main_wall = statistics.median(r["main()"][0] * 1000 for r in results)
    main_cpu = statistics.median(r["main()"][1] * 1000 for r in results)
    staged_wall = total_wall - statistics.median(r["interpreter start-up and imports"][0] * 1000 for r in results)
    print(f"{'the rest of main() (world checks, output, ...)':<52}{main_wall - staged_wall:>9.1f}"
          f"{main_cpu - (total_cpu):>9.1f}")
    whole = statistics.median(r["main()"][0] * 1000 + r["interpreter start-up and imports"][0] * 1000 for r in results)
    print(f"{'whole process':<52}{whole:>9.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=9, help="interleaved whole-process runs per row")
    parser.add_argument("--stage-runs", type=int, default=5, help="first runs timed stage by stage (0: none)")
    parser.add_argument("--tree", action="append", default=[], help="also run apkneed from this src directory")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        env = bytecode_environ(pycache=tmp / "pycache")
        if args.runs:
            whole_processes(args.runs, ["", *args.tree], tmp, env)
        for title in WORLDS if args.stage_runs else ():
            stages(args.stage_runs, tmp, env, title)
        print(f"\nload average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
