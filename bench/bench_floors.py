"""Floors of a pure-Python first run and solve: what they would cost if the work apk does in C took no time.

    APK=/path/to/apk-2.14 APK3=/path/to/apk-3.0 python bench/bench_floors.py [--runs 9] [--solve-runs 5]

Issue 15 asks for a first run on a new index of at most 2x apk-tools and a
solve under 5 ms on v3.21 main + community. Two floors say how far pure
Python can get, whatever is done to the parse, the provider table, the
keeping of copies and the solve:

1. **A first run with parse, table, keeping and solve taking no time**, as
   whole processes interleaved with apk-tools (``bench/bench_first_run.py``'s
   worlds and requests): the interpreter's start-up; the imports a first run
   makes (the console entry, the modules ``apkneed resolve`` imports, those a
   first run imports on its way: ``tarfile``, ``cryptography``, ``tempfile``);
   reading each index file, gunzip, untar and decoding the text (the real
   :func:`apkneed.alpine.index.unpack_index_archive`); the signature check
   (the real :func:`~apkneed.alpine.sources.signature.require_trusted` with
   Alpine's keys and an empty cache, which writes its verified-index
   record); the file's sha256 (the key of its parsed copy); and printing the
   answer (the real first run's stdout, captured once beforehand). Nothing
   is parsed, no table is built, no copy is written, nothing is solved.
   Wall time, and CPU time (``getrusage`` of the children: less moved by
   other work on a shared machine).
2. **A Python loop that touches each discovered name, package and
   dependency edge once** (v3.21 main + community, ``py3-numpy py3-scipy``,
   each apk-tools generation's rules): the names and packages apk's
   ``discover_name`` walk meets (the solver's own walk, recorded), and for
   each such package its ``D:``, ``p:`` and ``i:`` rows of the world table.
   Any Python solve that does apk's walk pays at least this; beside it, the
   real solve on a map built from a fresh parse (as in a first run: its
   packages built during the solve) and on a second fresh map of the same
   indexes.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench_first_run import WORLDS, apk_rows  # bench/bench_first_run.py
from peers import bytecode_environ, call_ms as _ms, print_wall_and_cpu, timed_run_ms, timed_run_with_cpu_ms  # bench/peers.py

#: run in a child process: a first run without the parse, the table, the copies and the solve
FLOOR_SCRIPT = r"""
import os, sys
import apkneed.__main__  # the console entry, as `apkneed resolve` starts
from apkneed.cli.run import answer_or_exit, click_free_run, no_gc_pauses  # what its fast path imports
from apkneed.alpine.providers import build_provider_map
from apkneed.alpine.solver import parse_request
from apkneed.alpine.solver_rules import rules_for
from apkneed.alpine.sources.world import load_world
from apkneed.cli.solve_answer import answer_solve
import apkneed.alpine.sources.kept_answers, apkneed.render.resolve_answer, mmh3, tempfile  # imported on the way
from apkneed.alpine.index import ApkIndex, read_index_data, repository_label, unpack_index_archive
from apkneed.alpine.sources.signature import read_key_ring, require_trusted
from apkneed.alpine.sources.verified import VerifiedRecords
from apkneed.alpine.sources.parsed import _sha256

answer_file, *paths = sys.argv[1:]
keys = read_key_ring()
records = VerifiedRecords(os.path.join(os.environ["APKNEED_CACHE_DIR"], "alpine", "verified"))
with no_gc_pauses():
    for path in paths:
        data = read_index_data(path)
        _sha256(data)  # the parsed copy's key
        text, description, signatures, signed = unpack_index_archive(data, source=path)  # gunzip, untar, decode
        index = ApkIndex(packages=(), source=path, repository=repository_label(path), description=description,
                         signatures=signatures, signed_data=signed)
        require_trusted(index, keys, records=records)
    with open(answer_file, encoding="utf-8") as answer:
        sys.stdout.write(answer.read())
"""


def first_run_floors(runs: int, tmp: Path, env: dict[str, str]) -> None:
    for title, (arch, repos, request) in WORLDS.items():
        paths = [str(repo / "APKINDEX.tar.gz") for repo in repos]
        ours = [sys.executable, "-m", "apkneed", "resolve", *[a for p in paths for a in ("--index", p)],
                "--arch", arch, *request]
        answer = tmp / f"answer-{arch}.txt"
        first = subprocess.run(ours, env={**env, "APKNEED_CACHE_DIR": str(tmp / f"answer-cache-{arch}")},
                               capture_output=True, text=True, check=True)
        answer.write_text(first.stdout, encoding="utf-8")
        floor = [sys.executable, "-c", FLOOR_SCRIPT, str(answer), *paths]
        rows = [("apkneed resolve, first run", ours, env),
                ("floor: no parse, table, copies or solve", floor, env), *apk_rows(tmp, arch, repos, request)]
        samples: dict[str, list[float]] = {label: [] for label, _, _ in rows}
        cpu: dict[str, list[float]] = {label: [] for label, _, _ in rows}
        for label, command, command_env in rows[:2]:  # bytecode warm
            timed_run_ms(command, {**command_env, "APKNEED_CACHE_DIR": str(tmp / f"warm-{arch}")})
        for run in range(runs):
            for number, (label, command, command_env) in enumerate(rows):
                cache = tmp / f"empty-{arch}-{run}-{number}"  # apkneed's rows: an empty cache each run
                wall, used = timed_run_with_cpu_ms(command, {**command_env, "APKNEED_CACHE_DIR": str(cache)})
                samples[label].append(wall)
                cpu[label].append(used)
        peers = rows[2:]
        print_wall_and_cpu(title, samples, cpu, [p[0] for p in peers], width=52)  # CPU: less moved by other work



def solve_floors(runs: int) -> None:
    import apkneed.alpine.solver as solver_module
    from apkneed.alpine.index import read_index_data
    from apkneed.alpine.index_columns import read_index_columns
    from apkneed.alpine.providers import build_provider_map
    from apkneed.alpine.solver_rules import APK_TOOLS_2, APK_TOOLS_3

    arch, repos, request = WORLDS["v3.21 main+community x86_64, py3-numpy py3-scipy"]
    datas = [read_index_data(str(repo / "APKINDEX.tar.gz")) for repo in repos]

    def fresh_indexes():
        return [read_index_columns(data, source=str(repo), repository=repo.parent.name)[0]
                for data, repo in zip(datas, repos)]

    walked = []
    discover = solver_module._discover

    def recording(*args, **kwargs):
        found = discover(*args, **kwargs)
        walked.append(found)
        return found

    print(f"\n{'in process, v3.21 main+community, ' + ' '.join(request):<52}{'median ms':>10}{'min ms':>9}")
    for rules in (APK_TOOLS_2, APK_TOOLS_3):
        first, again, touch = [], [], []
        for _ in range(runs):
            indexes = fresh_indexes()  # as a first run has them: packages not built yet
            pmap = build_provider_map(indexes, solver_rules=rules)
            first.append(_ms(lambda: solver_module.solve(pmap, request, rules)))
            again_map = build_provider_map(indexes, solver_rules=rules)
            solver_module._discover = recording
            try:
                again.append(_ms(lambda: solver_module.solve(again_map, request, rules)))
            finally:
                solver_module._discover = discover
            seen, seen_packages, _order = walked.pop()
            tables = again_map.solver_tables()
            names = [i for i, flag in enumerate(seen) if flag and i < len(tables.names)]
            packages = [k for k, flag in enumerate(seen_packages) if flag]
            touch.append(_ms(lambda: _touch(tables, names, packages)))
        edges = sum(len(tables.pkg_depends[k]) + len(tables.pkg_provides[k]) + len(tables.pkg_install_if[k])
                    for k in packages)
        for label, values in (
            (f"solve, map of a fresh parse ({rules.label})", first),
            (f"solve, second fresh map ({rules.label})", again),
            (f"touch {len(names)} names, {len(packages)} packages, {edges} edges", touch),
        ):
            print(f"{label:<52}{statistics.median(values):>10.1f}{min(values):>9.1f}")


def _touch(tables, names: list[int], packages: list[int]) -> int:
    """Read each discovered name's providers and each discovered package's rows once: the least a walk does."""
    name_providers, pkg_depends, pkg_provides, pkg_install_if = (
        tables.name_providers, tables.pkg_depends, tables.pkg_provides, tables.pkg_install_if)
    touched = 0
    for i in names:
        for _k in name_providers[i]:
            touched += 1
    for k in packages:
        for _d in pkg_depends[k]:
            touched += 1
        for _p in pkg_provides[k]:
            touched += 1
        for _q in pkg_install_if[k]:
            touched += 1
    return touched


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=9, help="interleaved whole-process runs per row")
    parser.add_argument("--solve-runs", type=int, default=5, help="in-process solves per row (0: none)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        env = bytecode_environ(pycache=tmp / "pycache")
        if args.runs:
            first_run_floors(args.runs, tmp, env)
        if args.solve_runs:
            solve_floors(args.solve_runs)
        print(f"\nload average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
