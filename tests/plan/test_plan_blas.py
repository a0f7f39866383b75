""""Is it fast?" in the plan: the BLAS each distribution runs on, per route.

Real plans through the real pipeline: the wheel route reads the BLAS from
the musllinux wheel itself (vendored library and ``numpy/__config__.py``,
read in the same pass as the ELF members), checked against the NumPy
installed in this test environment (a manylinux wheel of the same release,
built against the same scipy-openblas); the apk route reads Alpine's
``openblas`` from the shared v3.21 community index, checked against that
index read independently here.
"""

from __future__ import annotations

import re
import tarfile

import numpy
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apkneed.binary.blasconfig import parse_config, wheel_blas
from apkneed.plan.blas_verdict import SLOW, fallback_verdict, speed_data
from apkneed.render.json_form import plan_json
from apkneed.render.text import render_text
from test_plan_scientific import REQUIREMENTS


def _package(run, name):
    return next(p for p in run.plan.packages if p.name == name)


@pytest.fixture(scope="module")
def v321(shared_dir):
    return dict(indexes=[shared_dir / "alpine" / "v3.21" / r / "x86_64" / "APKINDEX.tar.gz" for r in ("main", "community")],
                arch="x86_64", base="alpine")


def _index_record(path, name):
    with tarfile.open(path) as archive:
        text = archive.extractfile("APKINDEX").read().decode()
    for block in text.split("\n\n"):
        fields = dict(line.split(":", 1) for line in block.splitlines() if ":" in line)
        if fields.get("P") == name:
            return fields
    raise AssertionError(f"{name} not in {path}")


def _installed_numpy_blas():
    return numpy.show_config(mode="dicts")["Build Dependencies"]["blas"]


def test_wheel_route_reads_the_bundled_openblas_from_the_wheel(make_run, v321):
    run = make_run((f"numpy=={numpy.__version__}",), **v321)
    package = _package(run, "numpy")
    assert package.route == "wheel"
    blas = package.blas
    installed = _installed_numpy_blas()
    assert (blas["speed"], blas["links"], blas["library"]) == ("fast", "direct", installed["name"])
    assert blas["version"] == installed["version"]
    assert blas["int_model"] == "ILP64" and blas["dynamic_arch"] is True
    assert re.fullmatch(r"numpy\.libs/libscipy_openblas64_-[0-9a-f]+\.so", blas["where"])
    wheel = next(d for d in run.facts.dists if d.name == "numpy").wheel
    assert blas["where"] in wheel.vendored and wheel.blas["config_member"] == "numpy/__config__.py"
    # text and JSON say the same
    assert plan_json(run.plan)["packages"][0]["blas"] == blas
    assert f"numpy: fast: {installed['name']} {installed['version']} bundled in the wheel (ILP64, DYNAMIC_ARCH" \
        in render_text(run.plan)


def test_apk_route_is_alpines_openblas_at_its_index_version(make_run, v321):
    run = make_run(("numpy",), route="apk", **v321)
    package = _package(run, "numpy")
    assert package.route == "apk"
    record = _index_record(v321["indexes"][1], "openblas")
    assert "so:libgfortran.so.5" in record["D"].split()
    blas = package.blas
    assert (blas["speed"], blas["library"], blas["version"]) == ("fast", "OpenBLAS", record["V"])
    assert blas["int_model"] == "LP64" and blas["dynamic_arch"] is True  # x86_64: DYNAMIC_ARCH=1 in the APKBUILD
    assert f"Alpine's OpenBLAS {record['V']} (LP64, DYNAMIC_ARCH, linked against libgfortran)" in blas["text"]
    assert "aports community/openblas/APKBUILD" in blas["source"]


def test_scikit_learn_runs_on_scipys_blas_and_a_source_build_names_the_system_openblas(make_run, v316_index_path):
    run = make_run(REQUIREMENTS, indexes=[v316_index_path], arch="x86_64", base="python:3.10")
    scipy, sklearn = _package(run, "scipy"), _package(run, "scikit-learn")
    assert scipy.route == "wheel" and scipy.blas["int_model"] == "LP64"
    assert scipy.blas["where"].startswith("scipy.libs/libscipy_openblas-")
    assert sklearn.blas["links"] == "through scipy" and sklearn.blas["version"] == scipy.blas["version"]
    assert sklearn.blas["text"].startswith("as scipy: fast: scipy-openblas")
    assert all(p.blas is None for p in run.plan.packages if p.name not in ("numpy", "scipy", "scikit-learn"))


def test_numpy_built_against_openblas_dev_runs_on_the_index_openblas(make_run, v321):
    run = make_run(("numpy==1.22.4",), indexes=v321["indexes"], arch="x86_64", base="python:3.10-alpine3.21")
    package = _package(run, "numpy")
    assert package.route == "source" and "openblas-dev" in package.build_apk
    assert package.blas["version"] == _index_record(v321["indexes"][1], "openblas")["V"] and package.blas["text"].startswith("fast: built against openblas-dev")


def test_numpy_without_a_blas_gets_the_fallback_and_its_factor():
    verdict = fallback_verdict("numpy")
    data = speed_data()
    assert verdict["speed"] == SLOW
    assert verdict["factor"]["slower_than_openblas_one_thread"] == data["reference_blas"]["one_thread"] == [9.2, 11.9]
    assert verdict["factor"]["measured"] is False and "bench/bench_blas.py" in verdict["source"]
    assert "Add openblas-dev" in verdict["text"]


def test_config_of_the_installed_numpy_parses_like_the_wheels():
    import importlib.util
    from pathlib import Path

    config = Path(importlib.util.find_spec("numpy.__config__").origin).read_text()
    fields = parse_config(config)
    installed = _installed_numpy_blas()
    assert fields["name"] == installed["name"] and fields["version"] == installed["version"]
    found = wheel_blas(["numpy.libs/libscipy_openblas64_-32a4b2a6.so"], {"numpy/__config__.py": config})
    assert found.int_model == "ILP64" and found.dynamic_arch is True


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=400), vendored=st.lists(st.text(max_size=40), max_size=4))
def test_fuzz_config_reader_never_raises(text, vendored):
    found = wheel_blas(vendored, {"numpy/__config__.py": '"blas": {' + text + "}", "scipy/__config__.py": text})
    assert found is None or found.int_model in (None, "ILP64", "LP64")


def test_on_aarch64_alpines_openblas_is_one_generic_target(shared_dir):
    from apkneed.alpine.providers import build_provider_map
    from apkneed.alpine.sources.world import load_world
    from apkneed.plan.blas_verdict import system_openblas_verdict

    v321 = shared_dir / "alpine" / "v3.21"
    world = load_world(index_paths=[v321 / r / "x86_64" / "APKINDEX.tar.gz" for r in ("main", "community")],
                       arch="x86_64")
    providers = build_provider_map(world.indexes)
    x86 = system_openblas_verdict(providers, "x86_64", "test")
    arm = system_openblas_verdict(providers, "aarch64", "test")
    assert x86["dynamic_arch"] is True and "generic target" not in x86["text"]
    assert arm["dynamic_arch"] is False and "one generic target (TARGET=ARMV8)" in arm["text"]
    assert "not measured here" in arm["text"]


def test_a_fast_verdict_carries_the_measured_factor_over_the_reference_blas():
    from apkneed.plan.blas_verdict import wheel_verdict

    verdict = wheel_verdict({"name": "scipy-openblas", "version": "0.3.31", "int_model": "ILP64",
                             "dynamic_arch": True, "library": "numpy.libs/libscipy_openblas64_-x.so",
                             "config_member": "numpy/__config__.py"}, "numpy-2-cp312-musllinux_1_2_x86_64.whl")
    assert verdict["factor"]["faster_than_reference_one_thread"] == speed_data()["reference_blas"]["one_thread"]
    assert verdict["factor"]["measured"] is True
    assert "factor" not in wheel_verdict({"name": "BLIS", "library": "x.libs/libblis.so"}, "x.whl")
