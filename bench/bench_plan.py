"""``apkneed plan`` speed, cold and warm, against what a careful user does by hand.

    .venv/bin/python bench/bench_plan.py [--index APKINDEX] [--arch x86_64] [--python 3.10]
                                         [--repeat 5] [--auditwheel PATH] [--skip-by-hand]

The requirement set is the issue's scientific set (numpy scipy pandas
scikit-learn matplotlib lxml pillow psycopg2 cryptography pyyaml grpcio),
unpinned, planned for ``--base python:X.Y`` on the given Alpine index (the
shared v3.16 main x86_64 index by default: the Alpine mirror is not
reachable from every machine, and a mirror wait is not what is measured).

Measured, in one run:

* **cold**: ``apkneed plan ... --json`` with a fresh, empty APKNEED_CACHE_DIR
  (no PyPI page, no wheel, no uv cache, no resolution): the bytes it
  downloaded are its own count (``stats.bytes_downloaded``: index pages,
  range requests into wheels, sdists, and uv's requests, which it makes
  through apkneed's client: :mod:`apkneed.python.local_index`);
* **warm**: the same command again, ``--repeat`` times (median and min);
* **by hand**, the peer: ``pip download --only-binary=:all: --platform
  musllinux_1_2_<arch> --python-version X.Y`` of the same set into an empty
  directory with pip's cache off, then ``auditwheel show`` on every wheel it
  downloaded. psycopg2 and scikit-learn publish no musllinux wheel, so pip
  cannot download them with ``--only-binary=:all:`` (which ``--platform``
  requires): they are left out of the by-hand set, which therefore answers
  less than apkneed does (apkneed also downloads and reads their sdists).

auditwheel is a bench peer, not a dependency: unless --auditwheel names an
executable, it is pip-installed into a temporary virtual environment.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from peers import auditwheel_executable, bytecode_environ, clean_environ  # bench/peers.py

ROOT = Path(__file__).resolve().parent.parent
SCIENTIFIC = ("numpy", "scipy", "pandas", "scikit-learn", "matplotlib", "lxml", "pillow",
              "psycopg2", "cryptography", "pyyaml", "grpcio")
NO_MUSLLINUX_WHEEL = ("psycopg2", "scikit-learn")
DEFAULT_INDEX = ROOT.parent / "shared" / "alpine" / "v3.16" / "main" / "x86_64" / "APKINDEX.tar.gz"



def timed(command: list[str], environ: dict[str, str]) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=environ, check=False)
    return time.perf_counter() - start, done



def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, default=DEFAULT_INDEX)
    parser.add_argument("--arch", default="x86_64")
    parser.add_argument("--python", default="3.10")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--auditwheel", help="an auditwheel executable (default: pip-install one in a temp venv)")
    parser.add_argument("--skip-by-hand", action="store_true", help="time apkneed only")
    args = parser.parse_args()

    apkneed = shutil.which("apkneed", path=str(Path(sys.executable).parent)) or "apkneed"
    command = [apkneed, "plan", *SCIENTIFIC, "--index", str(args.index), "--arch", args.arch,
               "--base", f"python:{args.python}", "--json"]
    with tempfile.TemporaryDirectory(prefix="bench-plan-") as tmp:
        work = Path(tmp)
        environ = bytecode_environ(clean_environ(), APKNEED_CACHE_DIR=str(work / "apkneed-cache"))
        cold, done = timed(command, environ)
        if done.returncode != 0:
            sys.exit(f"apkneed plan failed ({done.returncode}): {done.stderr.strip()}")
        plan = json.loads(done.stdout)
        cold_bytes = plan["stats"]["bytes_downloaded"]
        # The PyPI project pages it fetched (bodies as stored): pip reads the same pages.
        page_bytes = sum(p.stat().st_size for p in (work / "apkneed-cache" / "pypi" / "pages").glob("*.body"))
        warm = []
        warm_bytes = 0
        for _ in range(args.repeat):
            seconds, again = timed(command, environ)
            if again.returncode != 0 or json.loads(again.stdout)["packages"] != plan["packages"]:
                sys.exit("a warm plan differs from the cold one")
            warm.append(seconds)
            warm_bytes = max(warm_bytes, json.loads(again.stdout)["stats"]["bytes_downloaded"])

        by_hand = None
        if not args.skip_by_hand:
            auditwheel = auditwheel_executable(args.auditwheel, work)
            wheels = work / "wheels"
            wheels.mkdir()
            wanted = [name for name in SCIENTIFIC if name not in NO_MUSLLINUX_WHEEL]
            download = [sys.executable, "-m", "pip", "download", "--disable-pip-version-check", "--no-cache-dir",
                        "--only-binary=:all:", "--platform", f"musllinux_1_2_{args.arch}",
                        "--python-version", args.python, "--dest", str(wheels), *wanted]
            pip_seconds, pip_done = timed(download, clean_environ())
            if pip_done.returncode != 0:
                sys.exit(f"pip download failed: {pip_done.stderr.strip().splitlines()[-1]}")
            shows = 0.0
            files = sorted(wheels.glob("*.whl"))
            for wheel in files:
                seconds, _ = timed([auditwheel, "show", str(wheel)], clean_environ())
                shows += seconds
            version = subprocess.run([auditwheel, "--version"], capture_output=True, text=True).stdout.split()[:2]
            by_hand = (pip_seconds, shows, sum(f.stat().st_size for f in files), len(files), " ".join(version))

    routes: dict[str, int] = {}
    for package in plan["packages"]:
        routes[package["route"]] = routes.get(package["route"], 0) + 1
    print(f"set: {' '.join(SCIENTIFIC)} -> {len(plan['packages'])} distributions "
          f"({', '.join(f'{n} {r}' for r, n in sorted(routes.items()))}); target {plan['target']['image']} {args.arch}")
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, {platform.platform()}, CPython {platform.python_version()}")
    width = 58
    print(f"{'':{width}} {'seconds':>8} {'downloaded':>12}")
    print(f"{'apkneed plan, cold (empty cache)':{width}} {cold:8.2f} {cold_bytes / 1e6:9.1f} MB")
    print(f"{'  of which PyPI project pages':{width}} {'':8} {page_bytes / 1e6:9.1f} MB")
    print(f"{'apkneed plan, warm (median of ' + str(args.repeat) + ', min ' + format(min(warm), '.2f') + ')':{width}}"
          f" {statistics.median(warm):8.2f} {warm_bytes / 1e6:9.1f} MB")
    if by_hand is not None:
        pip_seconds, shows, size, count, version = by_hand
        print(f"{'by hand: pip download, ' + str(count) + ' wheels (pages not counted)':{width}} {pip_seconds:8.2f} {size / 1e6:9.1f} MB")
        print(f"{'by hand: auditwheel show on each wheel (' + version + ')':{width}} {shows:8.2f}")
        total = pip_seconds + shows
        print(f"{'by hand: total':{width}} {total:8.2f}")
        verdict = f"{total / cold:.1f}x faster" if cold < total else f"{cold / total:.1f}x SLOWER"
        print(f"cold plan vs by hand: {verdict}; files: apkneed {(cold_bytes - page_bytes) / 1e6:.1f} MB "
              f"(wheels, partly by range requests, and 2 sdists) vs pip {size / 1e6:.1f} MB (wheels only)")
    goal = statistics.median(warm)
    print(f"goal warm < 0.25 s (issue 15): {'met' if goal < 0.25 else 'MISSED'} ({goal:.2f} s)")


if __name__ == "__main__":
    main()
