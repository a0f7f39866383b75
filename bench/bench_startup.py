"""Start-up of repeat runs: whole ``apkneed resolve`` and warm ``apkneed plan`` processes, tree against tree and against apk.

    APK=/work/ext/apk-tools-v2.14.10/src/apk .venv/bin/python bench/bench_startup.py \\
        [--runs 21] [--tree LABEL=SRC_DIR ...]

Interleaved run by run, so that load moves every row alike:

* a repeat ``apkneed resolve build-base python3-dev`` on v3.17 main aarch64
  (bench/bench_alpine.py's request) under each ``--tree``, and apk-tools
  (``$APK``; its ``libapk.so`` beside it is found) answering the same index
  as bench_alpine.py runs it: ``-X REPO add --simulate`` on an empty root;
* ``apkneed numpy --offline -q`` (the embedded snapshot) and ``apkneed plan
  pillow==12.3.0 --index <v3.16 main> --base python:3.10 --json``, warm.

Each tree's rows come in variants that measure one lever at a time on the
same code: ``console`` (the console script: the fast paths), ``+pathlib``
(the same, with ``import pathlib`` first: what the resolve fast path paid
before it took paths as text) and ``click`` (``apkneed.cli.main``, click's
path, which every ``plan`` took before its click-free entry).

Every ``--tree`` is a source directory (``src`` of a checkout or worktree)
put first on ``PYTHONPATH``; by default only this checkout's. apkneed runs
through the script pip writes for the console entry (it imports ``re``, as
an installed ``apkneed`` does), with its bytecode cached
(``PYTHONDONTWRITEBYTECODE`` dropped, a private ``PYTHONPYCACHEPREFIX``),
each tree with a private cache, primed online once (PyPI) and by two
warm-up runs of every command.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from peers import bytecode_environ, clean_environ, timed_run_ms as timed  # bench/peers.py

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "alpine"
V317 = SHARED / "v3.17" / "main" / "aarch64" / "APKINDEX.tar.gz"
V316 = SHARED / "v3.16" / "main" / "x86_64" / "APKINDEX.tar.gz"
V323 = SHARED / "v3.23" / "main" / "x86_64" / "APKINDEX.tar.gz"
REQUEST = ["build-base", "python3-dev"]
#: the click group, as tests/alpine/test_fast_resolve.py calls it
THROUGH_CLICK = "import sys; from apkneed.cli import main; sys.exit(main())"
#: pip's console script for ``apkneed = "apkneed.__main__:main"``, as installed
CONSOLE_SCRIPT = (
    "import re\nimport sys\nfrom apkneed.__main__ import main\nif __name__ == '__main__':\n"
    "    sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])\n    sys.exit(main())\n"
)
RESOLVE = "repeat `apkneed resolve build-base python3-dev`, v3.17 main aarch64"
COMMANDS = {
    RESOLVE: ["resolve", "--index", str(V317), "--arch", "aarch64", *REQUEST],
    "warm `apkneed numpy --offline -q`": ["numpy", "--arch", "x86_64", "--offline", "-q"],
    "warm `apkneed plan pillow==12.3.0 --index v3.16 --base python:3.10 --json`":
        ["plan", "pillow==12.3.0", "--index", str(V316), "--arch", "x86_64", "--base", "python:3.10", "--json"],
}
#: variant -> the ``python -c`` program that runs apkneed
VARIANTS = {"console": CONSOLE_SCRIPT, "+pathlib": "import pathlib\n" + CONSOLE_SCRIPT, "click": THROUGH_CLICK}


def apk_command(apk: str, temp: Path) -> tuple[list[str], dict[str, str]]:
    """apk-tools answering REQUEST from the v3.17 index, as bench_alpine.py runs it."""
    environ = clean_environ()
    if any(Path(apk).parent.glob("libapk.so*")):  # a 2.14 build links its own libapk.so
        environ["LD_LIBRARY_PATH"] = str(Path(apk).parent)
    repo = temp / "repo"
    (repo / "aarch64").mkdir(parents=True)
    shutil.copyfile(V317, repo / "aarch64" / "APKINDEX.tar.gz")
    base = [apk, "--root", str(temp / "root"), "--arch", "aarch64", "--allow-untrusted", "--no-network",
            "--no-cache", "--no-progress"]
    subprocess.run([*base, "add", "--initdb"], check=True, capture_output=True, env=environ)
    return [*base, "-X", str(repo), "add", "--simulate", *REQUEST], environ


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--tree", action="append", default=[], metavar="LABEL=SRC_DIR")
    args = parser.parse_args()
    trees = dict(t.split("=", 1) for t in args.tree) or {"this": str(ROOT / "src")}
    apk = os.environ.get("APK") or shutil.which("apk")
    with tempfile.TemporaryDirectory(prefix="apkneed-bench-startup-") as temp_name:
        temp = Path(temp_name)
        rows: dict[tuple[str, str, str], tuple[list[str], dict[str, str]]] = {}
        for tree, src in trees.items():
            environ = bytecode_environ(clean_environ(), pycache=temp / tree / "pycache", PYTHONPATH=src,
                                       APKNEED_CACHE_DIR=str(temp / tree / "cache"))
            entry = [sys.executable, "-c", CONSOLE_SCRIPT]
            timed([*entry, "plan", "numpy", "--index", str(V323), "--arch", "x86_64", "-q"], environ)  # online
            for label, command in COMMANDS.items():
                for variant, program in VARIANTS.items():
                    if variant != "+pathlib" or label == RESOLVE:
                        rows[(label, tree, variant)] = ([sys.executable, "-c", program, *command], environ)
        if apk:
            rows[(RESOLVE, "apk-tools", "")] = apk_command(apk, temp)
        else:
            print("apk not found ($APK or PATH): the resolve rows have no peer")
        for command, environ in rows.values():  # warm-up: bytecode, parsed copies, resolutions, facts
            for _ in range(2):
                timed(command, environ)
        samples: dict[tuple[str, str, str], list[float]] = {key: [] for key in rows}
        load_before = os.getloadavg()
        for _ in range(args.runs):
            for key, (command, environ) in rows.items():
                samples[key].append(timed(command, environ))
        print(f"{sys.platform}, Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, {args.runs} interleaved runs, "
              f"load average {load_before[0]:.1f} before, {os.getloadavg()[0]:.1f} after")
        print("| whole process | tree | variant | median | min | × first tree's console | × apk-tools |")
        print("| --- | --- | --- | ---: | ---: | ---: | ---: |")
        for label in COMMANDS:
            first = statistics.median(samples[(label, next(iter(trees)), "console")])
            peer = samples.get((label, "apk-tools", ""))
            for (row_label, tree, variant), values in samples.items():
                if row_label != label:
                    continue
                median = statistics.median(values)
                versus_apk = f"{median / statistics.median(peer):.2f}×" if peer else ""
                versus_first = f"{median / first:.2f}×" if tree != "apk-tools" else ""
                print(f"| {label} | {tree} | {variant} | {median:.1f} ms | {min(values):.1f} ms | {versus_first} | "
                      f"{versus_apk} |")


if __name__ == "__main__":
    main()
