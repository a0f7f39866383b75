"""Other BLAS libraries on this system, against the one NumPy uses.

Candidates come from the usual install paths of each distribution
(``data/blas.toml``: Alpine's ``/usr/lib/libopenblas.so.*``, Debian's
``/usr/lib/<triplet>/{blas,openblas-pthread,blis-openmp,...}/``, Fedora's
``/usr/lib64``), NumPy's own library, and any ``--library PATH``.

Each is benchmarked in its own probe subprocess (a library starting its
threads inside apkneed could take it down; a subprocess is also what a
user's program gets), with every thread-count variable set to the same
count, through ctypes and the Fortran ABI. Every product is compared with
NumPy's own, so a wrong call can never pass as fast.

Discovery globs are the IO edge; the rest is pure.
"""

from __future__ import annotations

import glob
import os
import platform
import sysconfig
from dataclasses import dataclass, field

from apkneed.binary.elf import ElfError, ElfInfo
from apkneed.blas.knowledge import Knowledge, Plan, Vendor
from apkneed.blas.vendor import DgemmEntry, classify, config_symbol, dgemm_entry

STATUS_TEXT = {
    "ok": "ok",
    "not-elf": "not a library",
    "no-dgemm": "no dgemm symbol",
    "cannot-load": "cannot be loaded",
    "crashed": "crashed",
    "wrong-result": "WRONG RESULT",
    "failed": "failed",
    "interrupted": "interrupted",
}


@dataclass
class Candidate:
    path: str
    source: str  # "numpy" | "system" | "--library"
    image: ElfInfo | None = None
    vendor: Vendor | None = None
    dgemm: DgemmEntry | None = None
    config_symbol: str | None = None
    #: why it cannot be benchmarked, before anything is run
    problem: str | None = None
    status: str = "ok"

    @property
    def realpath(self) -> str:
        return os.path.realpath(self.path)

    @property
    def vendor_name(self) -> str:
        return self.vendor.name if self.vendor else "unknown"


@dataclass
class LibraryResult:
    candidate: Candidate
    status: str = "ok"
    message: str | None = None
    #: per thread count: what the library reported after loading (threadpoolctl)
    runtime: dict[int, dict] = field(default_factory=dict)
    rows: list[dict] = field(default_factory=list)


def multiarch_triplet() -> str:
    """Debian's multiarch directory name for this machine (x86_64-linux-gnu)."""
    triplet = sysconfig.get_config_var("MULTIARCH")
    if triplet:
        return str(triplet)
    return f"{platform.machine()}-linux-gnu"


def location_patterns(knowledge: Knowledge, triplet: str) -> list[str]:
    return [path.replace("{triplet}", triplet) for location in knowledge.locations for path in location.paths]


def discover_paths(patterns: list[str]) -> list[str]:
    """Existing files matching the patterns, in order, one per real file (IO)."""
    found: list[str] = []
    seen: set[str] = set()
    for pattern in patterns:
        for path in sorted(glob.glob(pattern)):
            real = os.path.realpath(path)
            if os.path.isfile(real) and real not in seen:
                seen.add(real)
                found.append(path)
    return found


def make_candidate(path: str, source: str, knowledge: Knowledge, read_image) -> Candidate:
    """Read the library and decide whether and how its dgemm can be called."""
    candidate = Candidate(path, source)
    try:
        image = read_image(path)
    except ElfError as exc:
        candidate.problem = str(exc)
        candidate.status = "not-elf"
        return candidate
    candidate.image = image
    candidate.vendor = classify(image, knowledge)
    candidate.dgemm = dgemm_entry(image, knowledge.dgemm_symbols)
    candidate.config_symbol = config_symbol(image, knowledge)
    if candidate.dgemm is None:
        looked_for = ", ".join(s.name for s in knowledge.dgemm_symbols)
        lapack_only = any(n.startswith(("liblapack", "libopenblas", "libblas")) for n in image.needed)
        what = "a LAPACK-only library (it takes dgemm from a BLAS it needs)" if lapack_only else "not a BLAS"
        candidate.problem = f"{path} lacks the expected symbols ({looked_for}): {what}"
        candidate.status = "no-dgemm"
    return candidate


def dedupe(candidates: list[Candidate]) -> list[Candidate]:
    """One candidate per real file, the first (most specific source) kept."""
    seen: set[str] = set()
    out = []
    for candidate in candidates:
        if candidate.realpath in seen:
            continue
        seen.add(candidate.realpath)
        out.append(candidate)
    return out


def thread_environment(knowledge: Knowledge, threads: int) -> dict[str, str]:
    """Every thread-count variable set to ``threads``: each library reads its own."""
    return {name: str(threads) for name in knowledge.thread_variables}


def library_request(candidate: Candidate, sizes: tuple[int, ...], plan: Plan, threads: int, threadpoolctl: str,
                    knowledge: Knowledge) -> dict:
    assert candidate.dgemm is not None
    return {
        "task": "library",
        "threadpoolctl": threadpoolctl,
        "path": candidate.path,
        "symbol": candidate.dgemm.symbol,
        "int_bits": candidate.dgemm.int_bits,
        "config_symbols": [candidate.config_symbol] if candidate.config_symbol else [],
        "ilp64_marker": knowledge.openblas_ilp64_marker,
        "sizes": list(sizes),
        "threads": threads,
        "min_runs": plan.min_runs,
        "max_runs": plan.max_runs,
        "budget_s": plan.budget_s,
    }


def classify_failure(code: str | None, signal_name: str | None) -> str:
    if code == "load":
        return "cannot-load"
    if code == "symbol":
        return "no-dgemm"
    if signal_name:
        return "crashed"
    return "failed"


def point_row(line: dict, threads: int, knowledge: Knowledge, peak) -> dict:
    """A probe ``point`` line of a library run as a report row."""
    from apkneed.blas.bench import result_row

    row = result_row(line, knowledge, peak)
    row.update(threads=threads, verified=line["verified"], relative_error=line["relative_error"])
    return row


def keep_best_row(rows: list[dict], row: dict) -> None:
    """Add a measured row; a second timing of the same (n, threads) keeps the
    faster figure, and a wrong result always wins (it must be seen)."""
    for index, old in enumerate(rows):
        if (old["n"], old["threads"]) == (row["n"], row["threads"]):
            if not row["verified"] or (old["verified"] and row["gflops"] > old["gflops"]):
                rows[index] = row | {"runs": old["runs"] + row["runs"]}
            else:
                old["runs"] += row["runs"]
            return
    rows.append(row)


def judge_run(result: LibraryResult, run) -> tuple[str, str | None]:
    """Status and message after one probe run (``run`` is a ProbeRun)."""
    path = result.candidate.path
    wrong = [row for row in result.rows if not row["verified"]]
    if wrong:
        worst = max(row["relative_error"] for row in wrong)
        return "wrong-result", f"{path}: dgemm differs from NumPy's product (relative error {worst:.1e})"
    failure = run.failure()
    if failure:
        return classify_failure((run.error or {}).get("code"), run.signal_name), f"{path}: {failure}"
    return "ok", None


def exit_status(results: list[LibraryResult]) -> int:
    """1 when any library computed a wrong product, or one the user named
    with --library could not be benchmarked; else 0."""
    for result in results:
        if result.status == "wrong-result":
            return 1
        if result.candidate.source == "--library" and result.status != "ok":
            return 1
    return 0


def common_sizes(results: list[LibraryResult]) -> list[int]:
    """The sizes every successfully measured library reached, ascending."""
    sizes: set[int] | None = None
    for result in results:
        measured = {row["n"] for row in result.rows if row.get("verified")}
        if not measured:
            continue
        sizes = measured if sizes is None else sizes & measured
    return sorted(sizes or ())


def common_size(results: list[LibraryResult]) -> int | None:
    """The largest n every successfully measured library reached."""
    sizes = common_sizes(results)
    return sizes[-1] if sizes else None


def ratio_table(results: list[LibraryResult], baseline_realpath: str | None) -> list[dict]:
    """GFLOP/s of each library at each (n, threads) over the baseline's and the fastest."""
    table = []
    keys = sorted({(row["n"], row["threads"]) for r in results for row in r.rows if row.get("verified")})
    for n, threads in keys:
        rates = {
            r.candidate.realpath: row["gflops"]
            for r in results for row in r.rows
            if row.get("verified") and row["n"] == n and row["threads"] == threads
        }
        fastest = max(rates.values())
        base = rates.get(baseline_realpath) if baseline_realpath else None
        for r in results:
            rate = rates.get(r.candidate.realpath)
            if rate is None:
                continue
            table.append({
                "path": r.candidate.path,
                "n": n,
                "threads": threads,
                "gflops": rate,
                "vs_numpy": rate / base if base else None,
                "vs_fastest": rate / fastest,
            })
    return table
