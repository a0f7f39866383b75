"""The data file is consistent with the code that reads it."""

from __future__ import annotations

from apkneed.blas.knowledge import load

KNOWLEDGE = load()


def test_every_threaded_vendor_names_its_thread_variable():
    for vendor in KNOWLEDGE.vendors:
        if vendor.threaded:
            assert vendor.thread_variable in KNOWLEDGE.thread_variables, vendor.key
        assert vendor.numpy_route, vendor.key


def test_netlib_rule_comes_last():
    # It matches any plain dgemm_: every vendor with markers must be tried first.
    assert KNOWLEDGE.vendors[-1].key == "netlib"


def test_dgemm_symbols_prefer_prefixed_ilp64():
    names = [s.name for s in KNOWLEDGE.dgemm_symbols]
    assert names == ["scipy_dgemm_64_", "scipy_dgemm_", "dgemm_64_", "dgemm_"]
    assert {s.name: s.int_bits for s in KNOWLEDGE.dgemm_symbols}["dgemm_64_"] == 64


def test_variable_rules():
    kinds = {rule.kind for rule in KNOWLEDGE.variables}
    assert kinds <= {"threads", "forces", "info"}
    vendor_keys = {v.key for v in KNOWLEDGE.vendors}
    for rule in KNOWLEDGE.variables:
        assert set(rule.vendors) <= vendor_keys, rule.name
    for required in ("OPENBLAS_CORETYPE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "GOTO_NUM_THREADS",
                     "OPENBLAS_L2_SIZE", "BLIS_ARCH_TYPE"):
        assert required in {rule.name for rule in KNOWLEDGE.variables}
    assert "MKL_" in KNOWLEDGE.variable_prefixes


def test_plans_use_known_operations():
    for plan in KNOWLEDGE.plans.values():
        assert set(plan.sizes) <= set(KNOWLEDGE.operations)
        assert plan.min_runs >= 1 and plan.max_runs >= plan.min_runs
    assert 1024 in KNOWLEDGE.plans["full"].compare_dgemm and 2048 in KNOWLEDGE.plans["full"].compare_dgemm


def test_locations_cover_alpine_and_debian():
    distros = {loc.distro: loc.paths for loc in KNOWLEDGE.locations}
    assert any("libopenblas.so" in p for p in distros["alpine"])
    assert any("{triplet}/blas/libblas.so.3" in p for p in distros["debian"])
