"""Settings that steer BLAS, and the ones that look harmful.

Two sources of truth, both measured rather than guessed:

* each loaded library's real thread count (threadpoolctl's answer, which
  already folds in OPENBLAS_NUM_THREADS > GOTO_NUM_THREADS > OMP_NUM_THREADS
  and the library's own default of one thread per online CPU), held against
  the CPUs this process may use (affinity and cgroup quota);
* the environment variables listed in ``data/blas.toml``, each with what it
  does and which libraries read it.

A harmful-looking finding carries the change that would fix it; the report
then measures dgemm in two subprocesses, with and without the change, and
:func:`judge` words the verdict from the two figures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Mapping

from apkneed.blas.detect import LoadedLibrary
from apkneed.blas.knowledge import Knowledge

SEVERITY_ORDER = ("harmful", "suspect", "note", "info")


@dataclass(frozen=True)
class Finding:
    severity: str  # "harmful" | "suspect" | "note" | "info"
    subject: str  # a variable name, or the library it is about
    message: str
    #: the change that would fix it: variables to set, variables to remove
    fix_set: Mapping[str, str] = field(default_factory=dict)
    fix_unset: tuple[str, ...] = ()

    @property
    def measurable(self) -> bool:
        return self.severity in ("harmful", "suspect") and bool(self.fix_set or self.fix_unset)

    def fix_text(self) -> str:
        return fix_text(self.fix_set, self.fix_unset)

    def to_json(self) -> dict:
        return {
            "severity": self.severity,
            "subject": self.subject,
            "message": self.message,
            "fix": {"set": dict(self.fix_set), "unset": list(self.fix_unset)} if self.fix_set or self.fix_unset else None,
        }


def fix_text(fix_set: Mapping[str, str], fix_unset: Iterable[str]) -> str:
    """A fix as words: "OPENBLAS_NUM_THREADS=2, unset OPENBLAS_CORETYPE"."""
    parts = [f"{k}={v}" for k, v in fix_set.items()] + [f"unset {k}" for k in fix_unset]
    return ", ".join(parts)


def run_figure(run: dict) -> str:
    """One measured run of a setting (``with_setting``/``with_fix``): its
    dgemm figure, or why there is none."""
    return f"{run['gflops']:.1f} GFLOP/s" if run.get("gflops") else (run.get("failure") or "no figure")


def blas_variables(environ: Mapping[str, str], knowledge: Knowledge) -> dict[str, str]:
    """The variables in the environment that steer a BLAS."""
    names = {rule.name for rule in knowledge.variables}
    return {
        name: value for name, value in sorted(environ.items())
        if name in names or name.startswith(knowledge.variable_prefixes)
    }


def _thread_findings(libraries: list[LoadedLibrary], openmp: list[dict], usable: int,
                     cpus_text: str) -> list[Finding]:
    findings = []
    seen: set[str] = set()
    for library in libraries:
        if library.num_threads is None or library.vendor is None or library.realpath in seen:
            continue
        seen.add(library.realpath)
        variable = library.vendor.thread_variable
        who = f"{library.vendor_name} ({', '.join(library.users)})"
        if library.num_threads > usable:
            findings.append(Finding(
                "harmful", who,
                f"{who} runs {library.num_threads} threads but {cpus_text}: oversubscribed threads "
                f"wait on each other; {variable}={usable} fixes it",
                fix_set={variable: str(usable)} if variable else {},
            ))
        elif library.num_threads == 1 and usable > 1 and library.vendor.threaded:
            findings.append(Finding(
                "note", who,
                f"{who} runs 1 thread while {usable} CPUs are usable; {variable}={usable} lets it use them "
                "(keep 1 if several processes share the CPUs)",
            ))
    for runtime in openmp:
        threads = runtime.get("num_threads")
        if threads and threads > usable:
            findings.append(Finding(
                "harmful", f"OpenMP ({runtime['path']})",
                f"the OpenMP runtime runs {threads} threads but {cpus_text}; OMP_NUM_THREADS={usable} fixes it",
                fix_set={"OMP_NUM_THREADS": str(usable)},
            ))
    return findings


def _variable_findings(variables: Mapping[str, str], libraries: list[LoadedLibrary], usable: int,
                       knowledge: Knowledge) -> list[Finding]:
    loaded = {library.vendor.key for library in libraries if library.vendor}
    rules = {rule.name: rule for rule in knowledge.variables}
    findings = []
    for name, value in variables.items():
        rule = rules.get(name)
        if rule is None:
            findings.append(Finding("info", name, f"{name}={value}: not a setting apkneed knows; left alone"))
            continue
        relevant = not rule.vendors or bool(loaded & set(rule.vendors))
        if not relevant:
            findings.append(Finding("info", name, f"{name}={value}: {rule.why}; no loaded library reads it"))
        elif rule.kind == "forces":
            findings.append(Finding("suspect", name, f"{name}={value}: {rule.why}", fix_unset=(name,)))
        elif rule.kind == "threads":
            try:
                count = int(value)
                note = "" if count > 0 else "; not a positive count: the library ignores it"
                if count > usable:
                    note = (f"; above the {usable} usable CPU{'s' if usable != 1 else ''}: OpenBLAS caps it at the "
                            "CPUs it sees (its affinity), never at a cgroup quota; the thread counts above are "
                            "what the libraries really run")
            except ValueError:
                note = "; not a number: the library ignores it"
            findings.append(Finding("note" if note else "info", name, f"{name}={value}: {rule.why}{note}"))
        else:
            findings.append(Finding("info", name, f"{name}={value}: {rule.why}"))
    return findings


def is_busy(load_average: float | None, usable: int) -> bool:
    """More runnable work over the last minute than CPUs to run it."""
    return load_average is not None and load_average > usable


def busy_finding(load_average: float | None, usable: int) -> list[Finding]:
    """Other work on the CPUs makes multi-threaded figures low and noisy: say so."""
    if not is_busy(load_average, usable):
        return []
    return [Finding(
        "note", "load",
        f"the CPUs are busy: load average {load_average:.2f} over the last minute for {usable} usable CPU"
        f"{'s' if usable != 1 else ''}; multi-threaded figures will be low and noisy",
    )]


def find_problems(
    variables: Mapping[str, str],
    libraries: list[LoadedLibrary],
    openmp: list[dict],
    usable: int,
    cpus_text: str,
    knowledge: Knowledge,
    load_average: float | None = None,
) -> list[Finding]:
    """Every finding, the worst first."""
    findings = (_thread_findings(libraries, openmp, usable, cpus_text)
                + _variable_findings(variables, libraries, usable, knowledge)
                + busy_finding(load_average, usable))
    return sorted(findings, key=lambda f: SEVERITY_ORDER.index(f.severity))


def judge(as_is: float | None, fixed: float | None, tolerance: float, fix: str) -> str:
    """The verdict on a setting from the two measured dgemm figures: as
    configured, and with ``fix`` (e.g. "unset OPENBLAS_CORETYPE") applied."""
    if as_is is None and fixed is None:
        return "not measured: neither run completed"
    if as_is is None:
        return f"harmful: the run as configured failed, the run with {fix} completed"
    if fixed is None:
        return f"the run with {fix} failed; keep the current setting"
    ratio = fixed / as_is
    if ratio > 1 + tolerance:
        return f"harmful: {ratio:.2f}x faster with {fix}"
    if ratio < 1 - tolerance:
        return f"helps here: {1 / ratio:.2f}x faster as configured than with {fix}"
    return f"no measurable effect (within {tolerance:.0%})"
