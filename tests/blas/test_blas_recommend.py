"""The recommendation rule, on plain measured figures."""

from __future__ import annotations

from apkneed.blas.compare import Candidate, LibraryResult
from apkneed.blas.detect import LoadedLibrary
from apkneed.blas.knowledge import load
from apkneed.blas.origin import Origin
from apkneed.blas.recommend import choose, recommend

KNOWLEDGE = load()
WHEEL = "/venv/site-packages/numpy.libs/libscipy_openblas64_.so"
SYSTEM = "/usr/lib/libopenblas.so.3"
NETLIB = "/usr/lib/libblas.so.3"


def result(path: str, vendor: str, figures: dict[tuple[int, int], float]) -> LibraryResult:
    candidate = Candidate(path, "numpy" if path == WHEEL else "system", vendor=KNOWLEDGE.vendor(vendor))
    rows = [{"n": n, "threads": t, "gflops": g, "verified": True} for (n, t), g in figures.items()]
    return LibraryResult(candidate, rows=rows, runtime={1: {"version": "0.3.x"}, 2: {"version": "0.3.x"}})


def numpy_library(path: str = WHEEL, vendor: str = "scipy-openblas", kind: str = "wheel") -> LoadedLibrary:
    return LoadedLibrary(path, path, ("numpy",), KNOWLEDGE.vendor(vendor), Origin(kind, "numpy", "pip"), None,
                         ("BLAS", "LAPACK"), None, None, "ILP64", "0.3.31", "pthreads", 2, "Haswell", None, None)


ORIGINS = {WHEEL: Origin("wheel", "numpy", "pip"), SYSTEM: Origin("system", "openblas", "apk"),
           NETLIB: Origin("system", "blas", "apk")}


def test_choose_prefers_the_current_library_within_tolerance():
    rates = {(WHEEL, 2): 80.0, (SYSTEM, 2): 83.0, (WHEEL, 1): 42.0}
    assert choose(rates, WHEEL, 0.05) == (WHEEL, 2)
    assert choose(rates, SYSTEM, 0.05) == (SYSTEM, 2)
    assert choose({(WHEEL, 2): 70.0, (SYSTEM, 2): 83.0}, WHEEL, 0.05) == (SYSTEM, 2)


def test_choose_prefers_fewer_threads_at_equal_speed():
    assert choose({(WHEEL, 1): 40.0, (WHEEL, 2): 41.0}, WHEEL, 0.05) == (WHEEL, 1)


def test_keep_the_wheel():
    results = [result(WHEEL, "scipy-openblas", {(1024, 1): 42, (1024, 2): 82}),
               result(NETLIB, "netlib", {(1024, 1): 3, (1024, 2): 3})]
    advice = recommend(numpy_library(), results, ORIGINS, [], 2, 0.05)
    assert advice.library == WHEEL and advice.threads == 2
    assert advice.to_json()["environment"] == {"OPENBLAS_NUM_THREADS": "2"}
    assert "Keep NumPy's BLAS" in advice.text and "No BLAS apk package is needed" in advice.text
    assert advice.measured_gflops >= advice.fastest_gflops * 0.95


def test_switch_to_a_faster_system_openblas():
    results = [result(WHEEL, "scipy-openblas", {(1024, 2): 60}),
               result(SYSTEM, "openblas", {(1024, 2): 80})]
    advice = recommend(numpy_library(), results, ORIGINS, [], 2, 0.05)
    assert advice.library == SYSTEM
    assert "apk package openblas" in advice.text and "1.33x" in advice.text
    assert "apk add openblas" in advice.text


def test_largest_common_size_decides():
    results = [result(WHEEL, "scipy-openblas", {(256, 2): 90, (1024, 2): 80}),
               result(SYSTEM, "openblas", {(256, 2): 50})]
    advice = recommend(numpy_library(), results, ORIGINS, [], 2, 0.05)
    assert advice.n == 256 and advice.library == WHEEL


def test_one_disturbed_figure_does_not_switch_libraries():
    # The wheel's run at n=2048 was slowed by other work; at n=1024 it was not.
    results = [result(WHEEL, "scipy-openblas", {(1024, 2): 85, (2048, 2): 41}),
               result(SYSTEM, "openblas", {(1024, 2): 84, (2048, 2): 86})]
    advice = recommend(numpy_library(), results, ORIGINS, [], 2, 0.05)
    assert advice.library == WHEEL and (advice.n, advice.measured_gflops) == (1024, 85)
    assert advice.fastest_gflops == 86


def test_without_comparison_threads_come_from_the_benchmark():
    rows = [{"op": "dgemm", "n": 512, "threads": 1, "gflops": 40.0},
            {"op": "dgemm", "n": 512, "threads": 2, "gflops": 41.0}]
    advice = recommend(numpy_library(), [], ORIGINS, rows, 2, 0.05)
    assert advice.threads == 1 and "gain nothing" in advice.text
    unmeasured = recommend(numpy_library(), [], ORIGINS, [], 2, 0.05)
    assert unmeasured.threads == 2 and "not measured" in unmeasured.text


def test_netlib_numpy_is_told_to_move():
    advice = recommend(numpy_library(NETLIB, "netlib", "system"), [], ORIGINS, [], 2, 0.05)
    assert "netlib reference" in advice.text and "apk add openblas" in advice.text


def test_threads_follow_the_measured_oversubscription_check():
    check = {"threads": 4, "gflops": 30.0, "fixed_threads": 1, "fixed_gflops": 40.0, "n": 1024}
    advice = recommend(numpy_library(), [], ORIGINS, [], 1, 0.05, thread_check=check)
    assert advice.threads == 1 and "sustained dgemm n=1024" in advice.text
    faster_as_is = check | {"gflops": 80.0}
    advice = recommend(numpy_library(), [], ORIGINS, [], 1, 0.05, thread_check=faster_as_is)
    assert advice.threads == 4 and "does not hold the extra threads back" in advice.text


def test_a_library_wrong_at_any_size_is_never_recommended():
    # Verified at n=1024 and fastest there, but its product was wrong at
    # n=2048: compare marks it "wrong-result", and a library that computes
    # wrong answers must not be advised however fast its right ones were.
    partly_wrong = result(SYSTEM, "openblas", {(1024, 2): 500})
    partly_wrong.rows.append({"n": 2048, "threads": 2, "gflops": 900, "verified": False})
    partly_wrong.status = "wrong-result"
    results = [result(WHEEL, "scipy-openblas", {(1024, 2): 80}), partly_wrong]
    advice = recommend(numpy_library(), results, ORIGINS, [], 2, 0.05)
    assert advice.library == WHEEL
    assert "Keep NumPy's BLAS" in advice.text
