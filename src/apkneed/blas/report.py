"""``apkneed blas`` from start to end: the steps, in order, into one report.

1. what NumPy (and SciPy) loaded, by the probe in the inspected interpreter;
2. the CPUs this process may use (affinity, cgroup quota) and their peak;
3. settings that look harmful, each measured with and without the change;
4. ``--bench``: NumPy's own speed at 1 and all usable threads;
5. ``--compare``: every other BLAS on the system, verified against NumPy;
   a switch away from NumPy's library is confirmed first, by timing the
   two contenders again, alternately;
6. one recommendation.

The report is a plain dict (the ``--json`` output) filled step by step, so a
Ctrl-C at any point leaves everything measured so far in it, with
``"interrupted": true``. Nothing here prints: ``progress`` receives one line
per measurement and the CLI decides where it goes.

Exit statuses (also in ``apkneed blas --help``):

* 0   the report is complete (harmful settings are findings, not failures)
* 1   NumPy is not installed in the inspected environment; or a compared
      library gave a WRONG RESULT; or a library named with ``--library``
      could not be benchmarked (cannot be loaded, lacks the dgemm symbols,
      crashed)
* 2   bad input: ``--python`` is not an executable, a ``--library`` path
      does not exist, bad ``--sizes`` or ``--plot`` name
* 3   the probe itself failed (NumPy crashed on import, not a Python), or
      ``--plot`` without matplotlib
* 130 interrupted (Ctrl-C): the partial report is still printed
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Callable

from apkneed import __version__
from apkneed.binary.elf import ElfInfo, read_elf_file
from apkneed.blas import bench as bench_mod
from apkneed.blas import compare as compare_mod
from apkneed.blas.cpu import CpuFacts, describe_usable, read_cpu_facts
from apkneed.blas.detect import LoadedLibrary, build_summary, loaded_libraries, openmp_runtimes
from apkneed.blas.environment import Finding, blas_variables, find_problems, is_busy, judge, run_figure
from apkneed.blas.knowledge import Knowledge, Plan
from apkneed.blas.origin import Origin, PackageDatabase, origin_of, read_package_database
from apkneed.blas.peak import Measured, Peak, check_against, estimate_peak
from apkneed.blas.recommend import choose, rate_configurations, recommend, trustworthy
from apkneed.blas.runner import ProbeRun, probe_environment, run_probe, threadpoolctl_path
from apkneed.blas.vendor import interesting_symbols, library_name_prefixes
from apkneed.errors import EnvironmentFailure, InputError, UnsatisfiableError

Progress = Callable[[str], None]

#: the independent-FMA kernel the probe compiles when a C compiler is present
FMA_KERNEL_SOURCE = Path(__file__).resolve().parent / "data" / "fma_kernel.c"


@dataclass(frozen=True)
class Options:
    python: str
    bench: str | None = None  # "quick" | "full"
    compare: bool = False
    libraries: tuple[str, ...] = ()
    #: matrix sizes replacing every plan's (--sizes)
    sizes: tuple[int, ...] | None = None
    cgroup_root: Path = Path("/sys/fs/cgroup")
    #: the root whose package database owns system libraries
    root: Path = Path("/")
    environ: dict[str, str] = field(default_factory=lambda: dict(os.environ))


class Interrupted(Exception):
    """Ctrl-C reached the probe before apkneed saw it."""


@dataclass
class Session:
    """What every step needs: options, data, and the IO helpers."""

    options: Options
    knowledge: Knowledge
    progress: Progress

    @cached_property
    def threadpoolctl(self) -> str:
        return threadpoolctl_path()

    @cached_property
    def database(self) -> PackageDatabase:
        return read_package_database(self.options.root, self.knowledge)

    @cached_property
    def _interesting(self) -> frozenset[str]:
        return interesting_symbols(self.knowledge)

    def read_image(self, path: str) -> ElfInfo:
        """SONAME, NEEDED and which of the interesting names the library defines."""
        return read_elf_file(path, symbols=False, defines=self._interesting)

    def origin(self, path: str) -> Origin:
        return origin_of(path, self.knowledge, self.database)

    def plan(self, name: str) -> Plan:
        """A plan from the data, with ``--sizes`` replacing its sizes."""
        plan = self.knowledge.plans[name]
        sizes = self.options.sizes
        if not sizes:
            return plan
        if name == "setting":  # one point: the largest size asked for
            sizes = (max(sizes),)
        return replace(plan, sizes={op: tuple(sizes) for op in plan.sizes}, compare_dgemm=tuple(sizes))

    def probe(self, request: dict, env: dict[str, str] | None = None, on_line=None) -> ProbeRun:
        run = run_probe(self.options.python, request, env=self.options.environ if env is None else env,
                        on_line=on_line)
        if run.of_kind("interrupted"):
            raise Interrupted()
        return run


def check_inputs(options: Options) -> None:
    path = Path(options.python)
    if not path.exists():
        raise InputError(f"--python {options.python}: no such file")
    if path.is_dir() or not os.access(path, os.X_OK):
        raise InputError(f"--python {options.python}: not an executable interpreter")
    for library in options.libraries:
        if not Path(library).exists():
            raise InputError(f"--library {library}: no such file")


# -- 1. what NumPy loaded ----------------------------------------------------

def detect(session: Session) -> dict:
    knowledge = session.knowledge
    run = session.probe({
        "task": "detect",
        "threadpoolctl": session.threadpoolctl,
        "name_prefixes": list(library_name_prefixes(knowledge)),
        "config_symbols": list(knowledge.openblas_config_symbols),
    })
    if (run.error or {}).get("code") == "no-numpy":
        raise UnsatisfiableError(
            f"NumPy is not installed in the environment of {session.options.python}: nothing to inspect "
            "(install it there, or pass --python of an environment that has it)"
        )
    failure = run.failure()
    lines = run.of_kind("detect")
    if failure or not lines:
        raise EnvironmentFailure(f"the probe failed in {session.options.python}: {failure or 'no answer'}")
    return lines[0]


def package_section(found: dict | None) -> dict | None:
    if not found:
        return None
    return {"version": found["version"], "path": found["path"], "build": build_summary(found["config"]),
            "config": found["config"]}


# -- 2. CPUs and peak ----------------------------------------------------------

def measure_peak(session: Session, facts: CpuFacts) -> tuple[Peak, str | None]:
    """The probe's clock chain, FMA kernel and NumPy floor, turned into a peak."""
    run = session.probe({"task": "clock", "kernel_source": str(FMA_KERNEL_SOURCE)})
    clock = (run.of_kind("clock") or [{}])[0]
    fma = (run.of_kind("fma") or [{}])[0]
    floor = (run.of_kind("floor") or [{}])[0]
    note = clock.get("reason") or run.failure()
    notes = []
    if fma.get("reason"):
        notes.append(f"FMA kernel not measured: {fma['reason']}")
    fma_detail = ""
    if fma.get("gflops"):
        fma_detail = (f"{fma['accumulators']} independent chains of {fma['vector_doubles']}-double FMAs compiled "
                      f"here ({fma['compiler']} -O2 -march=native), fastest of 41 runs, one core")
    measured = Measured(
        chain_steps_per_s=clock.get("chain_steps_per_s"), chain=clock.get("chain") or "imul r64, r64",
        fma_gflops=fma.get("gflops"), fma_vector_doubles=fma.get("vector_doubles"), fma_detail=fma_detail,
        floor_gflops=floor.get("gflops"), notes=tuple(notes))
    knowledge = session.knowledge
    return estimate_peak(facts, knowledge.vector_units, measured, knowledge.clock_chains, knowledge.clock_band), note


def cpu_section(facts: CpuFacts, peak: Peak, clock_note: str | None) -> dict:
    info = facts.info
    quota = facts.quota
    return {
        "arch": info.arch,
        "vendor": info.vendor,
        "family": info.family,
        "model": info.model,
        "model_name": info.model_name,
        "vector_flags": sorted(f for f in info.flags if f.startswith(("avx", "fma", "sse", "asimd", "sve", "neon"))),
        "online": facts.online,
        "affinity": list(facts.affinity),
        "cgroup_quota": {"cpus": quota.cpus, "quota_us": quota.quota_us, "period_us": quota.period_us,
                         "source": quota.source} if quota else None,
        "usable": facts.usable,
        "usable_physical_cores": facts.usable_physical_cores,
        "load_average": facts.load_average,
        "text": describe_usable(facts),
        "peak": {
            "vector_unit": peak.vector_unit.name,
            "flops_per_cycle": peak.vector_unit.flops_per_cycle,
            "ghz": peak.frequency.ghz if peak.frequency else None,
            "frequency_source": peak.frequency.source if peak.frequency else None,
            "basis": peak.basis,
            "source_text": peak.source_text(),
            "estimate_gflops": peak.estimate_gflops,
            "fma_gflops": peak.fma.gflops if peak.fma else None,
            "floor_gflops": peak.floor.gflops if peak.floor else None,
            "discarded": [{"what": d.what, "value": d.value, "unit": d.unit, "why": d.why} for d in peak.discarded],
            "notes": list(peak.notes),
            "frequencies": [{"ghz": f.ghz, "source": f.source, "detail": f.detail} for f in peak.frequencies],
            "clock_measurement_note": clock_note,
            "cores": peak.cores,
            "per_core_gflops": peak.per_core_gflops,
            "all_cores_gflops": peak.gflops(peak.cores),
            "assumptions": peak.assumptions(),
        },
    }


# -- 3. settings, measured -----------------------------------------------------

#: rounds of (as configured, fixed) runs, alternated so that a burst of
#: other work cannot land on one side only; each side keeps its best figure
SETTING_ROUNDS = 2


def measure_findings(session: Session, findings: list[Finding]) -> list[dict]:
    """Each measurable finding: dgemm with the environment as it is, and fixed.

    A thread-count fix runs the threads as configured, timed sustained (the
    mean over repeated calls: a cgroup quota throttles only once a period's
    budget is spent, and a best-of would hide that). A forced code path
    (core type, cache size) runs on 1 thread, best-of: the kernel shows
    there as well, and 1-thread figures stay steady when other work shares
    the CPUs, where multi-thread ones do not.
    """
    plan = session.plan("setting")
    n = plan.sizes["dgemm"][0]
    out = []
    for finding in findings:
        entry = finding.to_json()
        if finding.measurable:
            sustained = bool(set(finding.fix_set) & set(session.knowledge.thread_variables)) and plan.sustained_s
            timing_plan = plan if sustained else replace(plan, sustained_s=0.0)
            points = [bench_mod.Point("dgemm", n, None if sustained else 1)]
            request = bench_mod.bench_request(timing_plan, points, session.threadpoolctl)
            fixed_env = probe_environment(session.options.environ, finding.fix_set, finding.fix_unset)
            as_is = fixed = None
            for _ in range(SETTING_ROUNDS):
                as_is = better_run(as_is, setting_run(session, request, session.options.environ))
                fixed = better_run(fixed, setting_run(session, request, fixed_env))
            verdict = judge(as_is["gflops"], fixed["gflops"], session.knowledge.recommend_tolerance,
                            finding.fix_text())
            how = (f"threads as configured, mean over {plan.sustained_s:g} s of repeated calls" if sustained
                   else "1 thread, best of several calls")
            entry["measured"] = {
                "with_setting": as_is, "with_fix": fixed, "verdict": verdict, "n": n,
                "workload": f"dgemm n={n}, {how}, best of {SETTING_ROUNDS} alternated runs each",
            }
            session.progress(f"setting {finding.subject}: {run_figure(as_is)} as is, {run_figure(fixed)} with "
                             f"{finding.fix_text()}: {verdict}")
        out.append(entry)
    return out


def better_run(kept: dict | None, new: dict) -> dict:
    """The run with the higher figure; a failed run only when both failed."""
    if kept is None or (new["gflops"] or 0) > (kept["gflops"] or 0):
        return new
    return kept


def setting_run(session: Session, request: dict, env: dict[str, str]) -> dict:
    run = session.probe(request, env=env)
    blas = (run.of_kind("blas") or [{}])[0].get("libraries", [])
    points = run.of_kind("point")
    return {
        "architecture": [b.get("architecture") for b in blas],
        "threads": [b.get("num_threads") for b in blas],
        "gflops": bench_mod.gflops(points[0]["op"], points[0]["n"], points[0]["seconds"], session.knowledge)
        if points else None,
        "failure": run.failure(),
    }


# -- 4. NumPy's benchmark ------------------------------------------------------

def run_benchmark(session: Session, usable: int, peak: Peak, section: dict) -> None:
    """Fill ``section`` as points arrive (an interrupt keeps what came)."""
    knowledge = session.knowledge
    plan = session.plan(session.options.bench or "quick")
    points = bench_mod.bench_points(plan, usable)
    section.update({"plan": plan.name, "operations": {k: knowledge.operations[k].call for k in plan.sizes},
                    "results": [], "complete": False})

    def on_line(line: dict) -> None:
        if line.get("kind") == "point":
            row = bench_mod.result_row(line, knowledge, peak)
            section["results"].append(row)
            session.progress(f"bench {row['label']} n={row['n']}, {row['threads']} thread(s): "
                             f"{row['gflops']:.1f} GFLOP/s")

    try:
        run = session.probe(bench_mod.bench_request(plan, points, session.threadpoolctl), on_line=on_line)
    finally:
        section["speedups"] = bench_mod.speedups(section["results"])
    failure = run.failure()
    if failure:
        section["failure"] = failure
    section["complete"] = failure is None


# -- 5. other libraries ----------------------------------------------------------

def compare_candidates(session: Session, numpy_blas: LoadedLibrary | None) -> list[compare_mod.Candidate]:
    knowledge = session.knowledge
    sources: list[tuple[str, str]] = []
    if numpy_blas is not None:
        sources.append((numpy_blas.path, "numpy"))
    patterns = compare_mod.location_patterns(knowledge, compare_mod.multiarch_triplet())
    sources += [(path, "system") for path in compare_mod.discover_paths(patterns)]
    sources += [(path, "--library") for path in session.options.libraries]
    return compare_mod.dedupe([compare_mod.make_candidate(path, source, knowledge, session.read_image)
                               for path, source in sources])


def run_comparison(session: Session, usable: int, peak: Peak, candidates: list[compare_mod.Candidate],
                   results: list[compare_mod.LibraryResult]) -> None:
    """Benchmark each candidate at each thread count; ``results`` grows as it goes."""
    for candidate in candidates:
        result = compare_mod.LibraryResult(candidate, status=candidate.status, message=candidate.problem)
        results.append(result)
        if candidate.problem:
            session.progress(f"compare {candidate.path}: {candidate.problem}")
            continue
        for threads in bench_mod.thread_counts(usable):
            result.status = "interrupted"  # until the run says otherwise
            run = compare_one(session, result, threads, peak)
            result.status, result.message = compare_mod.judge_run(result, run)
            if result.status != "ok":
                session.progress(f"compare {candidate.path}: {result.message}")
                break


def compare_one(session: Session, result: compare_mod.LibraryResult, threads: int, peak: Peak,
                sizes: tuple[int, ...] | None = None, label: str = "compare") -> ProbeRun:
    knowledge = session.knowledge
    candidate = result.candidate
    plan = session.plan(session.options.bench or "quick")
    env = probe_environment(session.options.environ, compare_mod.thread_environment(knowledge, threads))
    request = compare_mod.library_request(candidate, sizes or plan.compare_dgemm, plan, threads,
                                          session.threadpoolctl, knowledge)

    def on_line(line: dict) -> None:
        if line.get("kind") == "library":
            result.runtime[threads] = (line.get("threadpool") or {}) | {
                "int_bits": line.get("int_bits"), "config": line.get("config")}
        elif line.get("kind") == "point":
            row = compare_mod.point_row(line, threads, knowledge, peak)
            compare_mod.keep_best_row(result.rows, row)
            check = "verified" if row["verified"] else f"WRONG RESULT (relative error {row['relative_error']:.1e})"
            session.progress(f"{label} {candidate.vendor_name} {candidate.path}, {threads} thread(s), dgemm "
                             f"n={row['n']}: {row['gflops']:.1f} GFLOP/s, {check}")

    return session.probe(request, env=env, on_line=on_line)


def confirm_switch(session: Session, results: list[compare_mod.LibraryResult], current: str | None,
                   peak: Peak, rounds: int = 2) -> None:
    """Before advising a switch away from NumPy's library, time the two
    contenders again, alternately, at the deciding size and thread count:
    a burst of other work during one sweep must not decide it."""
    measured = trustworthy(results)
    ratings = rate_configurations(measured)
    rates = {key: rate for key, (rate, _) in ratings.items()}
    if not rates or current is None:
        return
    path, threads = choose(rates, current, session.knowledge.recommend_tolerance)
    if path == current:
        return
    n = ratings[(path, threads)][1]
    by_path = {r.candidate.realpath: r for r in measured}
    if current not in by_path:
        return
    for _ in range(rounds):
        for result in (by_path[current], by_path[path]):
            compare_one(session, result, threads, peak, sizes=(n,), label="confirm")


def compare_section(results: list[compare_mod.LibraryResult], origins: dict[str, Origin],
                    baseline: str | None) -> dict:
    libraries = []
    for result in results:
        candidate = result.candidate
        origin = origins.get(candidate.realpath)
        libraries.append({
            "path": candidate.path,
            "realpath": candidate.realpath,
            "source": candidate.source,
            "vendor": candidate.vendor.key if candidate.vendor else None,
            "vendor_name": candidate.vendor_name,
            "origin": origin.to_json() if origin else None,
            "dgemm_symbol": candidate.dgemm.symbol if candidate.dgemm else None,
            "int_model": candidate.dgemm.int_model if candidate.dgemm else None,
            "status": result.status,
            "message": result.message,
            "runtime": {str(k): v for k, v in result.runtime.items()},
            "results": result.rows,
        })
    return {
        "baseline": baseline,
        "libraries": libraries,
        "common_n": compare_mod.common_size(results),
        "ratios": compare_mod.ratio_table(results, baseline),
    }


def thread_check(report: dict, knowledge: Knowledge) -> dict | None:
    """The measured oversubscription finding, as the recommendation reads it."""
    for finding in (report.get("environment") or {}).get("findings", []):
        fix = (finding.get("fix") or {}).get("set", {})
        measured = finding.get("measured")
        thread_fix = [v for k, v in fix.items() if k in knowledge.thread_variables]
        if finding["severity"] == "harmful" and measured and thread_fix:
            as_is = measured["with_setting"]
            return {"threads": max(as_is["threads"] or [0]), "gflops": as_is["gflops"],
                    "fixed_threads": int(thread_fix[0]), "fixed_gflops": measured["with_fix"]["gflops"],
                    "n": measured["n"]}
    return None


# -- the whole run -----------------------------------------------------------------

def build_report(options: Options, knowledge: Knowledge, progress: Progress) -> tuple[dict, int]:
    """The whole report and its exit status (see the module docstring)."""
    check_inputs(options)
    session = Session(options, knowledge, progress)
    report: dict = {"apkneed_version": __version__, "python": options.python, "interrupted": False}
    results: list[compare_mod.LibraryResult] = []
    origins: dict[str, Origin] = {}
    numpy_blas: LoadedLibrary | None = None
    peak: Peak | None = None
    status = 0
    try:
        found = detect(session)
        libraries = loaded_libraries(found, knowledge, session.read_image, session.origin)
        numpy_blas = next((lib for lib in libraries if "numpy" in lib.users and "BLAS" in lib.provides), None)
        origins.update((lib.realpath, lib.origin) for lib in libraries)
        report.update({
            "python": found["python"],
            "numpy": package_section(found["numpy"]),
            "scipy": package_section(found.get("scipy")),
            "libraries": [lib.to_json() for lib in libraries],
            "openmp": openmp_runtimes(found),
            "package_database": session.database.manager,
        })

        facts = read_cpu_facts(options.cgroup_root)
        peak, clock_note = measure_peak(session, facts)
        report["cpu"] = cpu_section(facts, peak, clock_note)

        variables = blas_variables(options.environ, knowledge)
        findings = find_problems(variables, libraries, report["openmp"], facts.usable, describe_usable(facts),
                                 knowledge, facts.load_average)
        report["environment"] = {"variables": variables, "findings": [f.to_json() for f in findings]}
        report["environment"]["findings"] = measure_findings(session, findings)

        if options.bench:
            report["benchmark"] = {}
            run_benchmark(session, facts.usable, peak, report["benchmark"])

        if options.compare:
            candidates = compare_candidates(session, numpy_blas)
            for candidate in candidates:
                origins.setdefault(candidate.realpath, session.origin(candidate.path))
            run_comparison(session, facts.usable, peak, candidates, results)
            confirm_switch(session, results, numpy_blas.realpath if numpy_blas else None, peak)
    except (KeyboardInterrupt, Interrupted):
        report["interrupted"] = True
        status = 130
    if results:
        report["compare"] = compare_section(results, origins, numpy_blas.realpath if numpy_blas else None)
    if peak is not None:
        measured = list((report.get("benchmark") or {}).get("results", []))
        measured += [row for result in results for row in result.rows if row.get("verified")]
        report["peak_check"] = check_against(peak, measured)
    cpu = report.get("cpu") or {}
    busy = is_busy(cpu.get("load_average"), cpu.get("usable", 1))
    report["recommendation"] = recommend(
        numpy_blas, results, origins, (report.get("benchmark") or {}).get("results", []),
        cpu.get("usable", 1), knowledge.recommend_tolerance, busy,
        thread_check(report, knowledge)).to_json()
    status = status or compare_mod.exit_status(results)
    report["exit_status"] = status
    return report, status
