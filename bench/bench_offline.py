"""Offline ``apkneed numpy`` on the embedded snapshot (its newest release for the arch), cold and warm.

    .venv/bin/python bench/bench_offline.py [--repeat 5] [--arch x86_64]

What a user without the Alpine mirror runs first: ``apkneed numpy
--offline``. The answer comes from the embedded snapshot (v3.23 main on
x86_64) and from what an earlier online run cached of PyPI (the resolution,
the wheel's facts), so the bench first primes a fresh APKNEED_CACHE_DIR
with one online ``apkneed plan numpy --index <the shared copy of v3.23
main>`` (PyPI only: the mirror is never asked).

Measured, whole processes, in one run:

* **cold**: ``apkneed numpy --offline`` right after the snapshot's cached
  state is removed (``<cache>/alpine``: its verified-signature records and
  parsed copies), so it verifies the signature and parses the index;
* **warm**: the same command again, ``--repeat`` times (median, min);
* the same pair for ``apkneed resolve py3-numpy --offline --alpine v3.21``,
  the snapshot's largest world (v3.21 main + community, 25,392 records),
  where the parsed copy matters most;
* for scale, ``apkneed --help`` (interpreter and CLI start-up).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from peers import bytecode_environ  # bench/peers.py

APKNEED = str(Path(sys.executable).with_name("apkneed"))


def timed(command: list[str], environ: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=environ, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}): {done.stderr.strip()}")
    return elapsed


def cold_and_warm(command: list[str], environ: dict[str, str], cache: Path, repeat: int) -> tuple[list[float], list[float]]:
    colds, warms = [], []
    for _ in range(repeat):
        shutil.rmtree(cache / "alpine", ignore_errors=True)
        colds.append(timed(command, environ))
        warms.append(timed(command, environ))
    for _ in range(repeat):
        warms.append(timed(command, environ))
    return colds, warms


def world_load_ratio(cache: Path, arch: str, repeat: int) -> tuple[float, float]:
    """Best time to load the snapshot's v3.21 world from its parsed copies, and by parsing, alternately,
    each with its provider map and a first lookup (what a command has before it answers)."""
    from apkneed.alpine.providers import build_provider_map
    from apkneed.alpine.sources import snapshot
    from apkneed.alpine.sources.parsed import ParsedIndexes
    from apkneed.alpine.sources.signature import read_key_ring
    from apkneed.alpine.sources.verified import VerifiedRecords

    entries = snapshot.select_entries(snapshot.read_manifest(), "v3.21", arch, ("main", "community"))
    keys, records = read_key_ring(), VerifiedRecords(cache / "alpine" / "verified")
    parsed = ParsedIndexes(cache / "alpine" / "parsed")
    copy, parse = [], []
    for _ in range(repeat * 2):
        for store, times in ((parsed, copy), (None, parse)):
            start = time.perf_counter()
            indexes = [snapshot.load_entry(entry, keys, records=records, parsed=store) for entry in entries]
            build_provider_map(indexes).providers("py3-numpy")
            times.append(time.perf_counter() - start)
    return min(copy), min(parse)


def show(label: str, colds: list[float], warms: list[float]) -> None:
    cold, warm = statistics.median(colds), statistics.median(warms)
    print(f"| {label} | {cold:.2f} s (min {min(colds):.2f}) | {warm:.2f} s (min {min(warms):.2f}) | {cold / warm:.2f}x |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--arch", default="x86_64")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="apkneed-bench-offline-") as temp:
        cache = Path(temp)
        environ = bytecode_environ(
            {k: v for k, v in os.environ.items() if not k.startswith(("PIP_FIND", "PIP_EXTRA", "UV_"))},
            APKNEED_CACHE_DIR=str(cache), PIP_CONFIG_FILE=os.devnull,
        )
        numpy = [APKNEED, "numpy", "--offline", "--arch", args.arch, "-q"]
        # Prime PyPI's part of the cache for the same target: the shared copy of the very index the
        # snapshot embeds (v3.23 main), online for PyPI only.
        shared = Path(__file__).resolve().parents[2] / "shared" / "alpine" / "v3.23" / "main" / args.arch
        online = subprocess.run([APKNEED, "plan", "numpy", "--arch", args.arch, "-q", "--index",
                                 str(shared / "APKINDEX.tar.gz")], capture_output=True, text=True, env=environ)
        if online.returncode not in (0, 1):
            raise SystemExit(f"priming failed: {online.stderr.strip()}")
        print(f"{sys.platform}, Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, repeat {args.repeat}")
        print("| command | cold (median) | warm (median) | cold / warm |")
        print("| --- | ---: | ---: | ---: |")
        colds, warms = cold_and_warm(numpy, environ, cache, args.repeat)
        show("`apkneed numpy --offline` (v3.23 main)", colds, warms)
        goal = statistics.median(warms)
        resolve = [APKNEED, "resolve", "py3-numpy", "--offline", "--alpine", "v3.21", "--arch", args.arch, "-q"]
        show("`apkneed resolve py3-numpy --offline --alpine v3.21` (main+community)",
             *cold_and_warm(resolve, environ, cache, args.repeat))
        copy, parse = world_load_ratio(cache, args.arch, args.repeat)
        print(f"| loading the v3.21 main+community world in process: parsed copy / parsing the index | "
              f"{parse * 1000:.0f} ms (parsing) | {copy * 1000:.0f} ms (copy) | {parse / copy:.2f}x |")
        helps = [timed([APKNEED, "--help"], environ) for _ in range(args.repeat)]
        print(f"| `apkneed --help` (start-up) | | {statistics.median(helps):.2f} s (min {min(helps):.2f}) | |")
        print(f"goal warm `apkneed numpy --offline` < 0.3 s (issue 15): {'met' if goal < 0.3 else 'MISSED'} ({goal:.2f} s)")


if __name__ == "__main__":
    main()
