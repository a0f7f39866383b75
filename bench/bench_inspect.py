"""Wheel inspection speed: apkneed against ``auditwheel show``, side by side.

    .venv/bin/python bench/bench_inspect.py [--wheel PATH] [--repeat N] [--auditwheel PATH]

Measures, on NumPy 2.2.6's cp310 musllinux_1_2_x86_64 wheel (18.6 MB, 25 ELF
objects) read from a local file:

* ``inspect_wheel`` in process, warm (imports done, file in the page cache):
  the goal is < 0.5 s;
* ``apkneed inspect WHEEL --offline --json`` as a command (process start and
  loading the embedded apk index snapshot included; --offline so that no
  network wait is timed);
* ``auditwheel show WHEEL`` as a command, the peer: it answers the same
  question (which libraries a wheel needs from the system) for the same file.

auditwheel is a bench peer, not a dependency: unless --auditwheel names an
executable, it is pip-installed into a temporary virtual environment.
The wheel comes from the test cache (where the tests put it) or from PyPI,
its sha256 checked either way.

And the cold case, side by side in the same run (``--cold-repeat`` times,
each with an empty cache):

* ``apkneed inspect numpy==2.2.6 --index <v3.16 index> --arch x86_64 --json``
  with a fresh ``APKNEED_CACHE_DIR``: uv resolves the pin, the PyPI client
  picks the file pip would pick and reads it (range requests, or one whole
  download when ELF members are most of the wheel, as for NumPy);
* the by-hand pair: ``pip download --no-deps --only-binary=:all: --platform
  musllinux_1_2_x86_64 --python-version 3.10 numpy==2.2.6`` into an empty
  directory with a fresh pip cache, then ``auditwheel show`` on the file.

Bytes downloaded by apkneed are counted as the size of its cache directory
afterwards (pages, metadata, uv's cache and the wheel): an upper bound.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from peers import auditwheel_executable, clean_environ  # bench/peers.py
from urllib.parse import urljoin

ROOT = Path(__file__).resolve().parent.parent
PROJECT, VERSION = "numpy", "2.2.6"
FILENAME = "numpy-2.2.6-cp310-cp310-musllinux_1_2_x86_64.whl"
SHA256 = "8fc377d995680230e83241d8a96def29f204b5782f371c532579b4f20607a289"


def find_wheel(explicit: Path | None) -> Path:
    if explicit:
        return explicit
    cache = Path(os.environ.get("APKNEED_TEST_CACHE", Path.home() / ".cache" / "apkneed-tests"))
    path = cache / "wheels" / FILENAME
    if path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() == SHA256:
        return path
    import httpx

    api = f"https://pypi.org/pypi/{PROJECT}/json"
    entry = next(f for f in httpx.get(api, timeout=60).json()["releases"][VERSION] if f["filename"] == FILENAME)
    data = httpx.get(urljoin(api, entry["url"]), timeout=300, follow_redirects=True).content
    if hashlib.sha256(data).hexdigest() != SHA256:
        sys.exit(f"{FILENAME}: sha256 mismatch, refusing to benchmark it")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path



def time_calls(function, repeat: int) -> list[float]:
    function()  # warm-up: imports, page cache
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return times


def run_quietly(command: list[str]) -> None:
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)


SHARED_V316 = ROOT.parent / "shared" / "alpine" / "v3.16" / "main" / "x86_64" / "APKINDEX.tar.gz"


def directory_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def cold_apkneed(apkneed: str, workdir: Path, index: Path) -> tuple[float, int]:
    cache = Path(tempfile.mkdtemp(dir=workdir, prefix="apkneed-cold-"))
    env = clean_environ(APKNEED_CACHE_DIR=str(cache))
    start = time.perf_counter()
    done = subprocess.run(
        [apkneed, "inspect", f"{PROJECT}=={VERSION}", "--index", str(index), "--arch", "x86_64", "--json"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"apkneed inspect (cold) failed: {done.stderr.strip()}")
    return elapsed, directory_bytes(cache)


def cold_by_hand(auditwheel: str, workdir: Path) -> tuple[float, float, int]:
    target = Path(tempfile.mkdtemp(dir=workdir, prefix="pip-cold-"))
    env = clean_environ(PIP_CACHE_DIR=str(target / "cache"))
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:",
         "--platform", "musllinux_1_2_x86_64", "--python-version", "3.10", "--index-url", "https://pypi.org/simple",
         "-d", str(target / "dl"), f"{PROJECT}=={VERSION}"],
        env=env, check=True, stdout=subprocess.DEVNULL,
    )
    downloaded = time.perf_counter() - start
    wheel = next((target / "dl").glob("*.whl"))
    start = time.perf_counter()
    run_quietly([auditwheel, "show", str(wheel)])
    return downloaded, time.perf_counter() - start, wheel.stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wheel", type=Path)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--auditwheel", help="an auditwheel executable (default: pip-install one in a temp venv)")
    parser.add_argument("--cold-repeat", type=int, default=3, help="cold runs of each side (default 3)")
    parser.add_argument("--index", type=Path, default=SHARED_V316, help="the apk index for the cold run")
    args = parser.parse_args()

    from apkneed.binary.policy import Target
    from apkneed.binary.wheel import inspect_wheel

    wheel = find_wheel(args.wheel)

    def in_process() -> None:
        with wheel.open("rb") as stream:
            report = inspect_wheel(stream, wheel.name, target=Target("x86_64"))
        assert report.compatible and not report.external

    apkneed = shutil.which("apkneed", path=str(Path(sys.executable).parent)) or "apkneed"
    with tempfile.TemporaryDirectory() as tmp:
        auditwheel = auditwheel_executable(args.auditwheel, Path(tmp))
        rows = [
            ("apkneed inspect_wheel (in process, warm)", time_calls(in_process, args.repeat)),
            ("apkneed inspect --offline --json (command)",
             time_calls(lambda: run_quietly([apkneed, "inspect", str(wheel), "--arch", "x86_64", "--offline", "--json"]),
                        args.repeat)),
            ("auditwheel show (command)", time_calls(lambda: run_quietly([auditwheel, "show", str(wheel)]), args.repeat)),
        ]
        version = subprocess.run([auditwheel, "--version"], capture_output=True, text=True).stdout.split()[:2]
        cold = [cold_apkneed(apkneed, Path(tmp), args.index) for _ in range(args.cold_repeat)]
        by_hand = [cold_by_hand(auditwheel, Path(tmp)) for _ in range(args.cold_repeat)]

    print(f"wheel: {wheel.name} ({wheel.stat().st_size / 1e6:.1f} MB), {args.repeat} runs after one warm-up")
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, {platform.platform()}, CPython {platform.python_version()}")
    print(f"peer: {' '.join(version)}")
    peer = statistics.median(rows[2][1])
    print(f"{'':44} {'median':>8} {'min':>8} {'vs auditwheel':>14}")
    for label, times in rows:
        median = statistics.median(times)
        print(f"{label:44} {median:8.3f} {min(times):8.3f} {peer / median:13.1f}x")
    cold_times = [t for t, _ in cold]
    pair_times = [d + a for d, a, _ in by_hand]
    print(f"cold, {args.cold_repeat} runs each, empty caches (median / min):")
    print(f"  apkneed inspect {PROJECT}=={VERSION} (resolve + pick + read)   "
          f"{statistics.median(cold_times):6.2f} / {min(cold_times):6.2f} s, "
          f"cache afterwards {statistics.median(b for _, b in cold) / 1e6:.1f} MB")
    print(f"  pip download + auditwheel show                  "
          f"{statistics.median(pair_times):6.2f} / {min(pair_times):6.2f} s "
          f"(download {statistics.median(d for d, _, _ in by_hand):.2f} s, "
          f"auditwheel {statistics.median(a for _, a, _ in by_hand):.2f} s; wheel {by_hand[0][2] / 1e6:.1f} MB)")
    ratio = statistics.median(pair_times) / statistics.median(cold_times)
    print(f"goal cold inspect faster than the pair: {'met' if ratio > 1 else 'MISSED'} ({ratio:.2f}x)")
    goal = statistics.median(rows[0][1])
    print(f"goal < 0.5 s warm in process: {'met' if goal < 0.5 else 'MISSED'} ({goal:.3f} s)")


if __name__ == "__main__":
    main()
