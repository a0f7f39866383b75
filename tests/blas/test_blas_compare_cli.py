"""``apkneed blas --compare``: the real libraries of this machine, loaded
through the same code path users get, each dgemm checked against NumPy."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from apkneed.binary.elf import read_elf_file

from blas_helpers import DEBIAN_PACKAGES, clean_environ, dpkg_version, invoke

SIZES = "48,96"


@pytest.fixture(scope="module")
def compared():
    """One comparison shared by the tests that read it (it is the slow part)."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(clean_environ())
    try:
        status, report, _, _ = invoke("--compare", "--sizes", SIZES, "--json")
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return status, report


def by_realpath(report: dict) -> dict[str, dict]:
    return {os.path.realpath(lib["path"]): lib for lib in report["compare"]["libraries"]}


def test_every_library_is_found_and_verified(compared, debian_blas, numpy_blas_path):
    status, report = compared
    assert status == 0
    libraries = by_realpath(report)
    expected = {os.path.realpath(p) for p in [*debian_blas.values(), numpy_blas_path]}
    assert expected <= set(libraries)
    for path in expected:
        lib = libraries[path]
        assert lib["status"] == "ok", lib["message"]
        threads = {row["threads"] for row in lib["results"]}
        assert threads == ({1, len(os.sched_getaffinity(0))})
        assert {row["n"] for row in lib["results"]} == {48, 96}
        for row in lib["results"]:
            assert row["verified"] is True
            assert row["relative_error"] < 1e-12
            assert row["gflops"] > 0


def test_vendors_versions_and_threading(compared, debian_blas, numpy_blas_path):
    _, report = compared
    libraries = by_realpath(report)
    netlib = libraries[os.path.realpath(debian_blas["netlib"])]
    openblas = libraries[os.path.realpath(debian_blas["openblas"])]
    blis = libraries[os.path.realpath(debian_blas["blis"])]
    wheel = libraries[os.path.realpath(numpy_blas_path)]
    assert netlib["vendor"] == "netlib" and netlib["runtime"]["1"].get("version") is None
    assert openblas["vendor"] == "openblas"
    assert dpkg_version(DEBIAN_PACKAGES["openblas"]).startswith(openblas["runtime"]["1"]["version"])
    assert openblas["runtime"]["1"]["threading_layer"] == "pthreads"
    assert blis["vendor"] == "blis"
    assert dpkg_version(DEBIAN_PACKAGES["blis"]).startswith(blis["runtime"]["1"]["version"])
    assert blis["runtime"]["1"]["threading_layer"] == "openmp"
    assert wheel["vendor"] == "scipy-openblas" and wheel["source"] == "numpy"
    assert (wheel["dgemm_symbol"], wheel["int_model"]) == ("scipy_dgemm_64_", "ILP64")
    # the thread count asked for is the one each threaded library runs
    usable = len(os.sched_getaffinity(0))
    for lib in (openblas, blis, wheel):
        assert lib["runtime"]["1"]["num_threads"] == 1
        assert lib["runtime"][str(usable)]["num_threads"] == usable


def test_origins_name_the_owning_packages(compared, debian_blas, numpy_blas_path):
    _, report = compared
    libraries = by_realpath(report)
    for key, path in debian_blas.items():
        origin = libraries[os.path.realpath(path)]["origin"]
        assert (origin["kind"], origin["manager"], origin["package"]) == ("system", "dpkg", DEBIAN_PACKAGES[key])
    assert libraries[os.path.realpath(numpy_blas_path)]["origin"]["kind"] == "wheel"


def test_ratios_and_recommendation(compared, numpy_blas_path):
    _, report = compared
    ratios = report["compare"]["ratios"]
    baseline = [r for r in ratios if os.path.realpath(r["path"]) == os.path.realpath(numpy_blas_path)]
    assert baseline and all(r["vs_numpy"] == 1.0 for r in baseline)
    for key in {(r["n"], r["threads"]) for r in ratios}:
        rows = [r for r in ratios if (r["n"], r["threads"]) == key]
        assert max(r["vs_fastest"] for r in rows) == 1.0
    recommendation = report["recommendation"]
    assert report["compare"]["common_n"] == 96
    assert recommendation["n"] in (48, 96)  # rated over the large common sizes
    # within the tolerance of the fastest configuration measured, by its own figures
    assert recommendation["measured_gflops"] >= recommendation["fastest_gflops"] * 0.95
    assert recommendation["environment"] or recommendation["vendor"] == "netlib"


def test_library_without_dgemm_is_reported(cli):
    libz = "/lib/x86_64-linux-gnu/libz.so.1" if os.path.exists("/lib/x86_64-linux-gnu/libz.so.1") else None
    assert libz, "zlib is part of every Debian system"
    status, report, _, _ = cli("--library", libz, "--sizes", "32", "--json")
    assert status == 1
    entry = [lib for lib in report["compare"]["libraries"] if lib["source"] == "--library"][0]
    assert entry["status"] == "no-dgemm"
    assert "lacks the expected symbols" in entry["message"]
    assert entry["results"] == []


def test_library_that_cannot_be_loaded(cli, debian_blas, tmp_path):
    # A real netlib BLAS whose NEEDED libc.so.6 is renamed to a library that
    # does not exist: still a valid ELF with dgemm_, but dlopen refuses it.
    broken = tmp_path / "libblas-broken.so.3"
    data = debian_blas["netlib"].read_bytes()
    assert b"libc.so.6\x00" in data
    broken.write_bytes(data.replace(b"libc.so.6\x00", b"libq.so.6\x00"))
    assert "libq.so.6" in read_elf_file(broken, symbols=False).needed
    status, report, out, _ = cli("--library", str(broken), "--sizes", "32", "--json")
    assert status == 1
    entry = [lib for lib in report["compare"]["libraries"] if lib["source"] == "--library"][0]
    assert entry["status"] == "cannot-load"
    assert "libq.so.6" in entry["message"]


def test_library_that_is_not_elf(cli, tmp_path):
    fake = tmp_path / "libfake.so"
    fake.write_text("hello\n")
    status, _, out, _ = cli("--library", str(fake), "--sizes", "32")
    assert status == 1
    assert "not a library" in out and "not an ELF" in out


def test_library_path_that_does_not_exist(cli, tmp_path):
    status, _, _, err = cli("--library", str(tmp_path / "nope.so"))
    assert status == 2 and "no such file" in err


def test_text_table_shows_each_library(cli, debian_blas):
    status, _, out, _ = cli("--compare", "--sizes", "32")
    assert status == 0
    for name in ("netlib reference", "OpenBLAS", "BLIS", "scipy-openblas"):
        assert name in out
    assert "n=32" in out and "Recommendation:" in out


BUGGY_DGEMM = r"""
/* A BLAS with a bug: the last column of C is never written. */
void dgemm_(const char *ta, const char *tb, const int *m, const int *n, const int *k,
            const double *alpha, const double *a, const int *lda, const double *b, const int *ldb,
            const double *beta, double *c, const int *ldc) {
    for (int j = 0; j < *n - 1; j++)
        for (int i = 0; i < *m; i++) {
            double sum = 0.0;
            for (int l = 0; l < *k; l++) sum += a[i + l * *lda] * b[l + j * *ldb];
            c[i + j * *ldc] = *alpha * sum + *beta * c[i + j * *ldc];
        }
}
"""


def test_a_wrong_product_is_never_reported_as_fast(cli, tmp_path):
    source = tmp_path / "buggy.c"
    source.write_text(BUGGY_DGEMM)
    library = tmp_path / "libbuggyblas.so"
    subprocess.run(["cc", "-O2", "-shared", "-fPIC", "-o", str(library), str(source)], check=True)
    status, report, _, err = cli("--library", str(library), "--sizes", "32", "--json")
    assert status == 1
    entry = [lib for lib in report["compare"]["libraries"] if lib["source"] == "--library"][0]
    assert entry["status"] == "wrong-result"
    assert "differs from NumPy's product" in entry["message"]
    assert all(row["verified"] is False for row in entry["results"])
    assert not [r for r in report["compare"]["ratios"] if r["path"] == str(library)]
    assert report["recommendation"]["library"] != str(library)
    assert "WRONG RESULT" in err


def test_keep_best_row():
    from apkneed.blas.compare import keep_best_row

    rows = [{"n": 64, "threads": 1, "gflops": 10.0, "verified": True, "runs": 2}]
    keep_best_row(rows, {"n": 64, "threads": 1, "gflops": 12.0, "verified": True, "runs": 3})
    assert rows == [{"n": 64, "threads": 1, "gflops": 12.0, "verified": True, "runs": 5}]
    keep_best_row(rows, {"n": 64, "threads": 1, "gflops": 9.0, "verified": True, "runs": 2})
    assert rows[0]["gflops"] == 12.0 and rows[0]["runs"] == 7
    keep_best_row(rows, {"n": 64, "threads": 1, "gflops": 99.0, "verified": False, "runs": 1})
    assert rows[0]["verified"] is False
    keep_best_row(rows, {"n": 128, "threads": 1, "gflops": 5.0, "verified": True, "runs": 1})
    assert len(rows) == 2


def test_a_switch_is_confirmed_by_measuring_again(debian_blas, numpy_blas_path):
    # NumPy's library enters with a figure a burst of other work could have
    # produced (1 GFLOP/s); before advising netlib, both are timed again.
    from apkneed.blas.compare import LibraryResult, make_candidate
    from apkneed.blas.cpu import read_cpu_facts
    from apkneed.blas.knowledge import load
    from apkneed.blas.peak import estimate_peak
    from apkneed.blas.report import Options, Session, confirm_switch

    knowledge = load()
    lines = []
    session = Session(Options(python=sys.executable, environ=clean_environ()), knowledge, lines.append)
    peak = estimate_peak(read_cpu_facts(), knowledge.vector_units)

    def measured(path, source, gflops):
        candidate = make_candidate(str(path), source, knowledge, session.read_image)
        row = {"op": "dgemm", "n": 64, "threads": 1, "gflops": gflops, "verified": True, "runs": 1,
               "relative_error": 0.0}
        return LibraryResult(candidate, rows=[row])

    wheel = measured(numpy_blas_path, "numpy", 1.0)
    netlib = measured(debian_blas["netlib"], "system", 2.0)
    confirm_switch(session, [wheel, netlib], os.path.realpath(numpy_blas_path), peak)
    assert wheel.rows[0]["gflops"] > 1.0 and wheel.rows[0]["runs"] > 1
    assert netlib.rows[0]["runs"] > 1
    assert sum(line.startswith("confirm ") for line in lines) == 4  # two rounds, two libraries
