"""Benchmark: ``apkneed scan`` against ``scanelf -R -n`` (pax-utils) on a root holding a scientific venv.

Builds (once, cached) a root like a python:3.12-alpine image with a venv in
/opt/venv holding the musllinux wheels of numpy, scipy and pandas (and
scikit-learn when PyPI has a musllinux wheel for it: it publishes none),
unpacked as pip would, plus the real installed database of
python:3.10-alpine3.16 and the musl loader. Then, in one run, times:

* ``apkneed scan ROOT --json`` as a command (process start included),
* the scan as a library call (``scan_root``), and
* ``scanelf -R -n ROOT``, which reads the same NEEDED entries in C,

each warm (page cache filled by a first run), best and median of N runs,
and reports the bytes the scan read against the bytes of the files it
looked at.

    .venv/bin/python bench/bench_scan.py [--runs 7] [--work DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
import zipfile
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
SHARED = (PROJECT / ".." / "shared").resolve()
WHEELS = ["numpy", "scipy", "pandas", "scikit-learn"]
PLATFORM = ["--platform", "musllinux_1_2_x86_64", "--python-version", "3.12", "--only-binary=:all:"]


def download(wheels_dir: Path) -> list[Path]:
    wheels_dir.mkdir(parents=True, exist_ok=True)
    for name in WHEELS:
        have = [w for w in wheels_dir.glob("*.whl") if w.name.lower().startswith(name.replace("-", "_") + "-")]
        if have:
            continue
        done = subprocess.run(
            [sys.executable, "-m", "pip", "download", "-q", *PLATFORM, "-d", str(wheels_dir), name],
            capture_output=True, text=True,
        )
        if done.returncode != 0:
            print(f"note: no musllinux_1_2 cp312 wheel of {name} could be downloaded; left out", file=sys.stderr)
    return sorted(wheels_dir.glob("*.whl"))


def build_root(root: Path, wheels: list[Path]) -> None:
    if (root / ".complete").exists():
        return
    if root.exists():
        shutil.rmtree(root)
    site = root / "opt/venv/lib/python3.12/site-packages"
    site.mkdir(parents=True)
    (root / "opt/venv/bin").mkdir(parents=True)
    (root / "opt/venv/pyvenv.cfg").write_text("home = /usr/local/bin\nversion = 3.12.0\n")
    for wheel in wheels:
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(site)
    (root / "lib/apk/db").mkdir(parents=True)
    shutil.copy(SHARED / "alpine/installed/python-3.10-alpine3.16-x86_64.installed", root / "lib/apk/db/installed")
    (root / "etc/apk").mkdir(parents=True)
    (root / "etc/alpine-release").write_text("3.16.3\n")
    (root / "etc/apk/world").write_text("alpine-baselayout alpine-keys apk-tools busybox libc-utils .python-rundeps\n")
    musl = os.path.realpath("/lib/ld-musl-x86_64.so.1")
    shutil.copy(musl, root / "lib/ld-musl-x86_64.so.1")
    os.symlink("ld-musl-x86_64.so.1", root / "lib/libc.musl-x86_64.so.1")
    (root / ".complete").write_text("")


def timed(command: list[str], runs: int) -> tuple[list[float], subprocess.CompletedProcess]:
    last = subprocess.run(command, capture_output=True, text=True)  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        last = subprocess.run(command, capture_output=True, text=True)
        times.append(time.perf_counter() - start)
    return times, last


def timed_library(root: Path, runs: int) -> list[float]:
    from apkneed.scan.doctor import scan_root
    from apkneed.scan.door import open_root

    scan_root(open_root(root))
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        scan_root(open_root(root))
        times.append(time.perf_counter() - start)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--work", type=Path, default=Path(os.environ.get("APKNEED_BENCH_CACHE", Path.home() / ".cache/apkneed-bench")))
    args = parser.parse_args()
    if shutil.which("scanelf") is None:
        print("scanelf (pax-utils) is needed: scripts/test.sh installs it", file=sys.stderr)
        return 3
    wheels = download(args.work / "wheels")
    root = args.work / "root"
    build_root(root, wheels)
    files = sum(len(f) for _, _, f in os.walk(root))
    size = sum(p.stat().st_size for p in root.rglob("*") if p.is_file() and not p.is_symlink())

    apkneed = [str(Path(sys.executable).parent / "apkneed"), "scan", str(root), "--json"]
    scanelf = ["scanelf", "-R", "-n", str(root)]
    cli_times, cli = timed(apkneed, args.runs)
    elf_times, elf = timed(scanelf, args.runs)
    lib_times = timed_library(root, args.runs)
    report = json.loads(cli.stdout)
    scanelf_objects = sum(1 for line in elf.stdout.splitlines() if line.startswith("ET_"))

    def row(label, times):
        return f"| {label} | {min(times):.3f} | {statistics.median(times):.3f} |"

    print(f"root: {root} ({files} files, {size / 2**20:.0f} MiB); wheels: {', '.join(w.name for w in wheels)}")
    print(f"apkneed: {report['elf_files']} ELF files of {report['files_seen']} looked at, "
          f"{report['loads']} loads simulated, missing={len(report['missing'])}, exit {cli.returncode}")
    print(f"scanelf: {scanelf_objects} ELF objects listed")
    print(f"bytes read for ELF facts: {report['elf_bytes_read']:,} of {report['bytes_total']:,} "
          f"({100 * report['elf_bytes_read'] / report['bytes_total']:.2f} %)")
    print("| command | best (s) | median (s) |")
    print("| --- | ---: | ---: |")
    print(row("`apkneed scan ROOT --json` (process)", cli_times))
    print(row("`scan_root()` (library call)", lib_times))
    print(row("`scanelf -R -n ROOT`", elf_times))
    print(f"ratio apkneed/scanelf (best): process {min(cli_times) / min(elf_times):.2f}x, "
          f"library {min(lib_times) / min(elf_times):.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
