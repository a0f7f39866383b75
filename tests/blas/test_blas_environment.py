"""Settings that steer BLAS: the rules as pure functions, and the measured
verdicts on a real forced core type and a real oversubscribed container."""

from __future__ import annotations

import os

import pytest

from apkneed.blas.detect import LoadedLibrary
from apkneed.blas.environment import blas_variables, busy_finding, find_problems, judge
from apkneed.blas.knowledge import load
from apkneed.blas.origin import Origin

KNOWLEDGE = load()


def library(vendor_key: str, threads: int | None) -> LoadedLibrary:
    return LoadedLibrary(
        path="/usr/lib/libx.so", realpath="/usr/lib/libx.so", users=("numpy",), vendor=KNOWLEDGE.vendor(vendor_key),
        origin=Origin("system", None, None), soname=None, provides=("BLAS",), dgemm=None, config_symbol=None,
        int_model="LP64", version="1", threading_layer="pthreads", num_threads=threads, corename=None, config=None,
        forwards_to=None,
    )


def test_only_blas_variables_are_picked():
    environ = {"OPENBLAS_CORETYPE": "Haswell", "OMP_NUM_THREADS": "4", "HOME": "/root", "MKL_CBWR": "AUTO",
               "BLIS_FOO": "1"}
    assert blas_variables(environ, KNOWLEDGE) == {
        "BLIS_FOO": "1", "MKL_CBWR": "AUTO", "OMP_NUM_THREADS": "4", "OPENBLAS_CORETYPE": "Haswell"}


def test_oversubscribed_library_is_harmful_with_its_fix():
    findings = find_problems({}, [library("openblas", 8)], [], 2, "2 CPUs", KNOWLEDGE)
    assert findings[0].severity == "harmful"
    assert findings[0].fix_set == {"OPENBLAS_NUM_THREADS": "2"}
    assert findings[0].measurable
    blis = find_problems({}, [library("blis", 4)], [], 1, "1 CPU", KNOWLEDGE)[0]
    assert blis.fix_set == {"BLIS_NUM_THREADS": "1"}


def test_single_thread_when_more_are_usable_is_a_note():
    finding = find_problems({}, [library("blis", 1)], [], 2, "2 CPUs", KNOWLEDGE)[0]
    assert finding.severity == "note" and "BLIS_NUM_THREADS=2" in finding.message
    assert not finding.measurable
    assert find_problems({}, [library("netlib", None)], [], 2, "2 CPUs", KNOWLEDGE) == []


def test_forced_core_type_is_suspect_only_when_openblas_is_loaded():
    variables = {"OPENBLAS_CORETYPE": "Haswell"}
    suspect = find_problems(variables, [library("scipy-openblas", 2)], [], 2, "", KNOWLEDGE)
    assert [(f.severity, f.fix_unset) for f in suspect] == [("suspect", ("OPENBLAS_CORETYPE",))]
    irrelevant = find_problems(variables, [library("blis", 2)], [], 2, "", KNOWLEDGE)
    assert irrelevant[0].severity == "info" and "no loaded library reads it" in irrelevant[0].message


def test_thread_variables():
    libs = [library("openblas", 2)]
    above = find_problems({"OPENBLAS_NUM_THREADS": "16"}, libs, [], 2, "", KNOWLEDGE)[0]
    assert above.severity == "note" and "caps it" in above.message
    bad = find_problems({"OMP_NUM_THREADS": "many"}, libs, [], 2, "", KNOWLEDGE)[0]
    assert bad.severity == "note" and "not a number" in bad.message
    fine = find_problems({"OPENBLAS_NUM_THREADS": "2"}, libs, [], 2, "", KNOWLEDGE)[0]
    assert fine.severity == "info"


def test_openmp_runtime_oversubscribed():
    openmp = [{"path": "/usr/lib/libgomp.so.1", "num_threads": 8}]
    finding = find_problems({}, [], openmp, 2, "2 CPUs", KNOWLEDGE)[0]
    assert finding.severity == "harmful" and finding.fix_set == {"OMP_NUM_THREADS": "2"}


def test_busy_machine_note():
    assert busy_finding(1.5, 2) == []
    assert "busy" in busy_finding(5.0, 2)[0].message


@pytest.mark.parametrize("as_is, fixed, verdict", [
    (64.0, 107.0, "harmful: 1.67x faster with unset OPENBLAS_CORETYPE"),
    (100.0, 102.0, "no measurable effect (within 5%)"),
    (100.0, 80.0, "helps here: 1.25x faster as configured than with unset OPENBLAS_CORETYPE"),
    (None, 50.0, "harmful: the run as configured failed, the run with unset OPENBLAS_CORETYPE completed"),
    (50.0, None, "the run with unset OPENBLAS_CORETYPE failed; keep the current setting"),
])
def test_judge(as_is, fixed, verdict):
    assert judge(as_is, fixed, 0.05, "unset OPENBLAS_CORETYPE") == verdict


def test_forced_old_core_type_is_measured_both_ways(cli):
    # Nehalem (SSE only) is a core type every x86-64 CPU can run: the forced
    # run must report it, the run without must report what OpenBLAS detects.
    status, report, _, err = cli("--sizes", "256", "--json", env={"OPENBLAS_CORETYPE": "Nehalem"})
    assert status == 0
    assert report["libraries"][0]["corename"] == "Nehalem"
    finding = [f for f in report["environment"]["findings"] if f["subject"] == "OPENBLAS_CORETYPE"][0]
    assert finding["severity"] == "suspect"
    assert finding["fix"] == {"set": {}, "unset": ["OPENBLAS_CORETYPE"]}
    measured = finding["measured"]
    assert measured["with_setting"]["architecture"] == ["Nehalem"]
    assert measured["with_fix"]["architecture"] and measured["with_fix"]["architecture"] != ["Nehalem"]
    assert measured["with_setting"]["gflops"] > 0 and measured["with_fix"]["gflops"] > 0
    assert measured["verdict"]
    assert "setting OPENBLAS_CORETYPE" in err  # the progress line


def test_cgroup_quota_below_openblas_threads_is_measured(cli, tmp_path):
    # A container limited to 1 CPU by quota (``docker run --cpus 1``) while
    # the affinity still shows every CPU: OpenBLAS starts one thread per CPU.
    assert len(os.sched_getaffinity(0)) >= 2, "this test needs 2 CPUs (the CI machine has 2)"
    (tmp_path / "cpu.max").write_text("100000 100000\n")
    status, report, _, _ = cli("--sizes", "128", "--json", "--cgroup-root", str(tmp_path))
    assert status == 0
    assert report["cpu"]["usable"] == 1
    assert report["cpu"]["cgroup_quota"]["cpus"] == 1.0
    harmful = [f for f in report["environment"]["findings"] if f["severity"] == "harmful"]
    assert len(harmful) == 1
    assert harmful[0]["fix"]["set"] == {"OPENBLAS_NUM_THREADS": "1"}
    measured = harmful[0]["measured"]
    assert measured["with_setting"]["threads"] == [len(os.sched_getaffinity(0))]
    assert measured["with_fix"]["threads"] == [1]
    assert "mean over" in measured["workload"]  # sustained: a best-of would hide throttling
    # The quota file here is test data the kernel does not enforce, so the
    # recommendation must follow what was measured, whichever way it went.
    as_is, fixed = measured["with_setting"]["gflops"], measured["with_fix"]["gflops"]
    expected = "2" if as_is > fixed * 1.05 else "1"
    assert report["recommendation"]["environment"] == {"OPENBLAS_NUM_THREADS": expected}
    assert "sustained dgemm" in report["recommendation"]["basis"]
