"""NumPy's benchmark: the plan, the FLOP counts, the probe's timing and the
rows the report shows; speed figures themselves are never asserted."""

from __future__ import annotations

import os

import numpy
import pytest

from apkneed.blas import probe
from apkneed.blas.bench import bench_points, flop_count, gflops, result_row, speedups, thread_counts
from apkneed.blas.knowledge import load

KNOWLEDGE = load()


def test_thread_counts():
    assert thread_counts(1) == (1,)
    assert thread_counts(4) == (1, 4)


def test_quick_plan_points_one_thread_first():
    plan = KNOWLEDGE.plans["quick"]
    points = bench_points(plan, 2)
    assert {p.op for p in points} == {"dgemm", "solve", "svd", "eigh"}
    assert points[0].threads == 1 and points[-1].threads == 2
    assert len(points) == 2 * sum(len(sizes) for sizes in plan.sizes.values())
    assert all(p.threads == 1 for p in bench_points(plan, 1))


def test_flop_counts_are_the_textbook_ones():
    assert flop_count("dgemm", 1000, KNOWLEDGE) == 2e9
    assert flop_count("solve", 300, KNOWLEDGE) == pytest.approx(2 / 3 * 300**3)
    assert flop_count("svd", 300, KNOWLEDGE) == pytest.approx(8 / 3 * 300**3)
    assert flop_count("eigh", 300, KNOWLEDGE) == pytest.approx(4 / 3 * 300**3)
    assert gflops("dgemm", 1000, 0.5, KNOWLEDGE) == pytest.approx(4.0)


def test_result_row_and_speedups():
    from apkneed.blas.cpu import CpuFacts, parse_cpuinfo
    from apkneed.blas.peak import estimate_peak

    cpu = CpuFacts(parse_cpuinfo("processor\t: 0\ncpu MHz\t: 2000\nflags\t: avx2 fma\n\nprocessor\t: 1\n"
                                 "cpu MHz\t: 2000\nflags\t: avx2 fma\n", "x86_64"), 2, (0, 1), None)
    peak = estimate_peak(cpu, KNOWLEDGE.vector_units)  # 32 GFLOP/s per core
    one = result_row({"op": "dgemm", "n": 1000, "threads": 1, "seconds": 0.1, "runs": 3}, KNOWLEDGE, peak)
    two = result_row({"op": "dgemm", "n": 1000, "threads": 2, "seconds": 0.05, "runs": 3}, KNOWLEDGE, peak)
    assert one["gflops"] == pytest.approx(20.0) and one["fraction_of_peak"] == pytest.approx(20 / 32)
    assert two["peak_gflops"] == pytest.approx(64.0)
    assert speedups([one, two]) == [{"op": "dgemm", "n": 1000, "threads": 2, "speedup": pytest.approx(2.0)}]


def test_best_time_keeps_the_fastest_run_after_a_warm_up():
    calls = []
    # warm-up, then three timed calls; the gaps are wide so that a loaded
    # machine's late wake-ups (tens of ms) cannot reorder them
    durations = iter([0.0, 0.4, 0.01, 0.4])

    def work():
        import time

        calls.append(1)
        time.sleep(next(durations))

    seconds, runs = probe.best_time(work, 3, 3, 0.0)
    assert len(calls) == 4 and runs == 3
    # at least the fastest timed sleep (so the 0 s warm-up was not counted),
    # and less than the slow ones (so the fastest run was kept)
    assert 0.01 <= seconds < 0.4


def test_wrong_products_are_caught():
    rng = numpy.random.default_rng(1)
    a, b = rng.random((64, 64)), rng.random((64, 64))
    right = a @ b
    assert probe.relative_error(right.copy(), right) == 0.0
    perturbed = right.copy()
    perturbed[3, 5] *= 1 + 1e-6
    assert probe.relative_error(perturbed, right) > probe.WRONG_RESULT_THRESHOLD
    assert probe.relative_error(numpy.zeros_like(right), right) > probe.WRONG_RESULT_THRESHOLD
    nan = right.copy()
    nan[0, 0] = numpy.nan
    assert probe.relative_error(nan, right) == float("inf")
    assert probe.relative_error(a @ b.T, right) > probe.WRONG_RESULT_THRESHOLD


def test_benchmark_cli_rows(cli):
    status, report, _, err = cli("--bench", "quick", "--sizes", "32,64", "--json")
    assert status == 0
    section = report["benchmark"]
    assert section["plan"] == "quick" and section["complete"] is True
    usable = len(os.sched_getaffinity(0))
    keys = {(r["op"], r["n"], r["threads"]) for r in section["results"]}
    assert keys == {(op, n, t) for op in ("dgemm", "solve", "svd", "eigh") for n in (32, 64) for t in {1, usable}}
    for row in section["results"]:
        assert row["gflops"] > 0 and row["runs"] >= 2
        assert row["threads_used"] == [row["threads"]]
        assert row["fraction_of_peak"] == pytest.approx(row["gflops"] / row["peak_gflops"])
    assert err.count("apkneed: bench ") == len(section["results"])


def test_the_report_keeps_both_peak_figures_and_names_the_one_percentages_use(cli):
    status, report, _, _ = cli("--bench", "quick", "--sizes", "32", "--json")
    assert status == 0
    peak = report["cpu"]["peak"]
    assert peak["basis"] in ("measured FMA throughput", "clock x FLOPs per cycle")
    used = peak["fma_gflops"] if peak["basis"] == "measured FMA throughput" else peak["estimate_gflops"]
    assert peak["per_core_gflops"] == used
    row = next(r for r in report["benchmark"]["results"] if r["threads"] == 1)
    assert row["peak_gflops"] == pytest.approx(used)
    assert any("percentages of peak use" in line for line in peak["assumptions"])
    if peak["floor_gflops"] is not None:  # NumPy's a*b+c: a floor the peak is never under
        assert peak["per_core_gflops"] >= peak["floor_gflops"]
    status, _, text, _ = cli("--bench", "quick", "--sizes", "32")
    assert f"% of peak against the {peak['basis']}" in " ".join(text.split())
