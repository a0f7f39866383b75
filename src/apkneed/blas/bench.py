"""NumPy's own speed: which points to time, and what the timings mean.

Each point is one operation at one size on 1 thread or on every usable
thread (threadpoolctl's ``threadpool_limits`` in the probe). The probe times
best-of after a warm-up; here seconds become GFLOP/s through the textbook
FLOP count of each operation (``data/blas.toml``) and a fraction of the peak
estimate. Pure functions only.
"""

from __future__ import annotations

from dataclasses import dataclass

from apkneed.blas.knowledge import Knowledge, Plan
from apkneed.blas.peak import Peak


@dataclass(frozen=True)
class Point:
    op: str
    n: int
    threads: int | None  # None: as the environment configures the library


def thread_counts(usable: int) -> tuple[int, ...]:
    """1 thread, and every usable CPU (the same run when only one is usable)."""
    return (1,) if usable <= 1 else (1, usable)


def bench_points(plan: Plan, usable: int) -> list[Point]:
    """Cheap points first, so an interrupted run has measured something."""
    points = []
    for threads in thread_counts(usable):
        for op, sizes in plan.sizes.items():
            for n in sizes:
                points.append(Point(op, n, threads))
    return points


def bench_request(plan: Plan, points: list[Point], threadpoolctl: str) -> dict:
    return {
        "task": "bench",
        "threadpoolctl": threadpoolctl,
        "points": [{"op": p.op, "n": p.n, "threads": p.threads} for p in points],
        "min_runs": plan.min_runs,
        "max_runs": plan.max_runs,
        "budget_s": plan.budget_s,
        "sustained_s": plan.sustained_s,
    }


def flop_count(op: str, n: int, knowledge: Knowledge) -> float:
    return knowledge.operations[op].flops_n3 * float(n) ** 3


def gflops(op: str, n: int, seconds: float, knowledge: Knowledge) -> float:
    return flop_count(op, n, knowledge) / seconds / 1e9


def result_row(line: dict, knowledge: Knowledge, peak: Peak | None) -> dict:
    """A probe ``point`` line as a report row."""
    rate = gflops(line["op"], line["n"], line["seconds"], knowledge)
    threads = line.get("threads")
    peak_gflops = peak.gflops(threads or 1) if peak else None
    row = {
        "op": line["op"],
        "label": knowledge.operations[line["op"]].label,
        "n": line["n"],
        "threads": threads,
        "seconds": line["seconds"],
        "runs": line["runs"],
        "gflops": rate,
        "peak_gflops": peak_gflops,
        "fraction_of_peak": rate / peak_gflops if peak_gflops else None,
    }
    if "threads_used" in line:
        row["threads_used"] = line["threads_used"]
    return row


def speedups(rows: list[dict]) -> list[dict]:
    """All-threads over 1-thread GFLOP/s for each (op, n) measured both ways."""
    single = {(r["op"], r["n"]): r["gflops"] for r in rows if r["threads"] == 1}
    out = []
    for row in rows:
        base = single.get((row["op"], row["n"]))
        if row["threads"] and row["threads"] > 1 and base:
            out.append({"op": row["op"], "n": row["n"], "threads": row["threads"], "speedup": row["gflops"] / base})
    return out
