"""Plans of the scientific set, end to end: real wheels from PyPI, real Alpine indexes.

The direct requirements are pinned to the releases these findings were
read from, so the assertions state facts about those files:

* on x86_64 every musllinux wheel of the set vendors its libraries
  (auditwheel's ``*.libs``) except pillow's, whose ELF files need the
  system's ``libz.so.1`` -> apk ``zlib``;
* scikit-learn publishes no musllinux wheel at all: it is built from source,
  needs a compiler and, at run time, ``libgomp`` (OpenMP);
* psycopg2 publishes no Linux wheel: built from source against ``libpq-dev``,
  it needs ``libpq`` at run time;
* on aarch64 matplotlib 3.10.9 has no cp310 musllinux wheel: source too.
"""

from __future__ import annotations

import re

import pytest

from apkneed.alpine.providers import build_provider_map
from apkneed.alpine.sources.world import load_world
from apkneed.render.apk import apk_add_lines
from apkneed.render.dockerfile import render_dockerfile
from apkneed.render.explain import explain_all, explain_package
from apkneed.render.json_form import plan_json
from apkneed.render.text import render_text
from plan_helpers import SCIENTIFIC, apk_added, dockerfile_stages

PINNED = {
    "numpy": "2.2.6", "scipy": "1.15.3", "pandas": "2.3.3", "scikit-learn": "1.7.2", "matplotlib": "3.10.9",
    "lxml": "6.1.3", "pillow": "12.3.0", "psycopg2": "2.9.13", "cryptography": "50.0.2", "pyyaml": "6.0.3",
    "grpcio": "1.85.1",
}
REQUIREMENTS = tuple(f"{name}=={PINNED[name]}" for name in SCIENTIFIC)
#: wheels of the set whose ELF files need nothing from the system but musl (x86_64)
SELF_CONTAINED = ("numpy", "scipy", "pandas", "matplotlib", "lxml", "cryptography", "pyyaml", "grpcio")


@pytest.fixture(scope="module")
def on_python_image(make_run, v316_index_path):
    return make_run(REQUIREMENTS, indexes=[v316_index_path], arch="x86_64", base="python:3.10")


@pytest.fixture(scope="module")
def on_alpine(make_run, v316_index_path):
    return make_run(REQUIREMENTS, indexes=[v316_index_path], arch="x86_64", base="alpine")


@pytest.fixture(scope="module")
def on_aarch64(make_run, v317_index_path):
    return make_run(REQUIREMENTS, indexes=[v317_index_path], arch="aarch64", base="python:3.10")


@pytest.fixture(scope="module")
def numpy_alone(make_run, v316_index_path):
    return make_run(("numpy",), indexes=[v316_index_path], arch="x86_64", base="python:3.10")


def _package(run, name):
    return next(p for p in run.plan.packages if p.name == name)


def _facts(run, name):
    return next(d for d in run.facts.dists if d.name == name)


# ------------------------------------------------------- the seed truth ----


def test_numpy_on_the_python_image_needs_nothing_from_apk(numpy_alone):
    """What a real python:3.10-alpine3.16 root does: pip installs the musllinux wheel, nothing else."""
    plan = numpy_alone.plan
    numpy = _package(numpy_alone, "numpy")
    assert (numpy.route, numpy.version) == ("wheel", "2.2.6")
    assert numpy.file == "numpy-2.2.6-cp310-cp310-musllinux_1_2_x86_64.whl"
    assert (plan.runtime_apk, plan.build_apk, plan.runtime_layer.added) == ((), (), ())
    wheel = _facts(numpy_alone, "numpy").wheel
    assert wheel.external == ()
    assert any("openblas" in path for path in wheel.vendored)  # the bundled scipy-openblas
    assert apk_add_lines(plan)[0].startswith("# nothing to apk add")


# -------------------------------------------------------- ELF evidence ----


@pytest.mark.parametrize("fixture", ["on_python_image", "on_alpine"])
def test_wheel_runtime_packages_are_exactly_the_providers_of_external_sonames(fixture, request, v316_index_path):
    run = request.getfixturevalue(fixture)
    providers = build_provider_map(load_world(index_paths=[v316_index_path], arch="x86_64").indexes)
    for package in run.plan.packages:
        if package.route != "wheel":
            continue
        wheel = _facts(run, package.name).wheel
        expected = {providers.providers(f"so:{e.soname}")[0].package.name for e in wheel.external}
        assert set(package.runtime_apk) == expected, package.name
        assert package.build_apk == ()


def test_the_set_on_x86_64_self_contained_wheels_and_pillow_needing_zlib(on_python_image):
    for name in SELF_CONTAINED:
        package = _package(on_python_image, name)
        assert package.route == "wheel" and package.file.endswith("musllinux_1_2_x86_64.whl"), name
        assert _facts(on_python_image, name).wheel.external == (), name
        assert package.runtime_apk == (), name
    pillow = _package(on_python_image, "pillow")
    assert pillow.route == "wheel" and pillow.runtime_apk == ("zlib",)
    wheel = _facts(on_python_image, "pillow").wheel
    assert [e.soname for e in wheel.external] == ["libz.so.1"]
    assert any(path.startswith("PIL/") for path in wheel.external[0].needed_by)
    # python:3.10-alpine3.16 already has zlib (apk-tools needs it): nothing to add for it
    assert "zlib" in on_python_image.plan.runtime_apk
    assert "zlib" not in {e.name for e in on_python_image.plan.runtime_layer.added}


def test_scikit_learn_has_no_musllinux_wheel_and_needs_openmp(on_python_image, on_alpine):
    facts = _facts(on_python_image, "scikit-learn")
    wheels = int(re.search(r"among (\d+) wheels", facts.selection_why).group(1))
    assert facts.file_is_sdist and wheels > 10  # plenty of wheels, none for musl
    for run in (on_python_image, on_alpine):
        sklearn = _package(run, "scikit-learn")
        assert sklearn.route == "source" and sklearn.file == "scikit_learn-1.7.2.tar.gz"
        assert "libgomp" in sklearn.runtime_apk and "build-base" in sklearn.build_apk
        chain = next(n.chain for n in run.plan.needs if n.apk == "libgomp" and n.dist == "scikit-learn")
        # the OpenMP runtime comes with the compiler: Alpine's py3-scikit-learn links so:libgomp.so.1
        assert chain[0] == "virtual:interface/openmp" and chain[2].startswith("so:libgomp.so.1 (from the compiler) in D: of")
    assert "python3-dev" not in _package(on_python_image, "scikit-learn").build_apk  # headers in /usr/local
    assert "python3-dev" in _package(on_alpine, "scikit-learn").build_apk


def test_psycopg2_is_built_against_libpq(on_python_image):
    psycopg2 = _package(on_python_image, "psycopg2")
    assert psycopg2.route == "source" and psycopg2.file == "psycopg2-2.9.13.tar.gz"
    assert {"build-base", "libpq-dev"} <= set(psycopg2.build_apk)
    assert psycopg2.runtime_apk == ("libpq",)
    sdist = _facts(on_python_image, "psycopg2").sdist
    assert dict(sdist.languages).get("c", 0) > 0
    assert "setup.py ext_modules" in sdist.markers and sdist.top_level == ("psycopg2",)


def test_pyyaml_is_a_wheel_even_where_alpine_has_py3_yaml(on_alpine):
    pyyaml = _package(on_alpine, "pyyaml")
    assert pyyaml.route == "wheel" and pyyaml.runtime_apk == ()
    # Alpine 3.16's py3-yaml is 6.0: it does not satisfy the pin, and the plan says so
    assert any("py3-yaml-6.0-r0" in reason and "6.0.3" in reason for reason in pyyaml.reasons)


# ------------------------------------------------------------ the bases ----


def test_python_image_plan_never_installs_apks_python(on_python_image):
    plan = on_python_image.plan
    names = set(plan.runtime_apk) | set(plan.build_apk) | {e.name for e in plan.runtime_layer.added}
    assert not names & {"python3", "python3-dev"}
    assert plan.target.image == "python:3.10-alpine3.16"
    assert {"ca-certificates", "tzdata", "so:libz.so.1"} <= set(plan.base_world)


def test_alpine_base_adds_python_and_its_headers(on_alpine):
    plan = on_alpine.plan
    assert "python3" in plan.runtime_apk and "python3-dev" in plan.build_apk
    added = {e.name: e for e in plan.runtime_layer.added}
    assert "python3" in added and "busybox" not in added and "musl" not in added
    assert plan.runtime_layer.download_size == sum(e.size for e in added.values()) > 10_000_000
    build_added = {e.name for e in plan.build_layer.added}
    assert {"gcc", "musl-dev", "python3-dev", "libpq-dev"} <= build_added
    assert not build_added & set(added)  # the build layer sits on top of the runtime one
    assert not set(plan.runtime_apk) & set(plan.build_apk)


def test_aarch64_index_facts(on_aarch64):
    plan = on_aarch64.plan
    assert (plan.target.arch, plan.target.alpine, plan.target.python) == ("aarch64", "v3.17", "3.10")
    numpy = _package(on_aarch64, "numpy")
    assert numpy.route == "wheel" and numpy.file.endswith("musllinux_1_2_aarch64.whl")
    matplotlib = _package(on_aarch64, "matplotlib")
    assert matplotlib.route == "source"  # no cp310 musllinux aarch64 wheel for 3.10.9
    assert {"build-base", "pkgconf"} <= set(matplotlib.build_apk)
    assert _package(on_aarch64, "pillow").runtime_apk == ("zlib",)
    assert _package(on_aarch64, "psycopg2").runtime_apk == ("libpq",)


# ------------------------------------------------------------- renderers ----


def test_every_apk_package_is_explained(on_alpine):
    data = plan_json(on_alpine.plan)
    for name in (*data["runtime_apk"], *data["build_apk"]):
        assert explain_package(data, name), name
    zlib = explain_package(data, "zlib")
    assert len(zlib) == 1 and "so:libz.so.1" in zlib[0] and "NEEDED" in zlib[0] and "pillow-12.3.0" in zlib[0]
    # a package the solver pulled in is explained through what pulled it
    libffi = explain_package(data, "libffi")
    assert libffi and "python3" in libffi[0] and "pulled in by apk" in libffi[0]
    assert len(explain_all(data)) >= len(data["runtime_apk"]) + len(data["build_apk"])


def test_json_shape(on_python_image):
    data = plan_json(on_python_image.plan)
    assert set(data["target"]) >= {"alpine", "arch", "python", "base"}
    assert data["target"] == {**data["target"], "alpine": "v3.16", "arch": "x86_64", "python": "3.10", "base": "python"}
    assert {p["name"] for p in data["packages"]} >= set(SCIENTIFIC)
    for package in data["packages"]:
        assert set(package) >= {"name", "version", "route", "file", "runtime_apk", "build_apk", "reasons"}
        assert package["route"] in ("wheel", "apk", "source") and package["reasons"]
    assert data["runtime_apk"] == sorted({n for p in data["packages"] for n in p["runtime_apk"]})
    by_name = {p["name"]: p for p in data["packages"]}
    numpy = by_name["numpy"]["evidence"]
    assert numpy["external"] == [] and any("scipy_openblas" in v for v in numpy["vendored"]) and numpy["elf_objects"] > 10
    assert by_name["pillow"]["evidence"]["external"][0]["soname"] == "libz.so.1"
    psycopg2 = by_name["psycopg2"]["evidence"]
    assert (psycopg2["basis"], psycopg2["sdist"], psycopg2["pep725_external"]) == ("alpine", "psycopg2-2.9.13.tar.gz", False)
    assert data["sizes"]["runtime"]["download"] == sum(e["size"] for e in data["closure"]["runtime"])


def test_text_ends_with_the_two_apk_lines(on_alpine):
    text = render_text(on_alpine.plan, explain=True)
    lines = text.rstrip("\n").splitlines()
    assert lines[-2] == "apk add --no-cache " + " ".join(on_alpine.plan.runtime_apk)
    assert lines[-1] == "apk add --no-cache --virtual .build-deps " + " ".join(on_alpine.plan.build_apk)
    for name in SCIENTIFIC:
        assert any(line.startswith(name + " ") for line in lines), name
    assert "Why each apk package is there:" in text


def test_dockerfile_is_two_stages_with_no_build_package_at_run_time(on_alpine):
    plan = on_alpine.plan
    text = render_dockerfile(plan, "apkneed plan ...")
    builder, runtime = dockerfile_stages(text)
    assert builder[0].arguments == "alpine:3.16 AS builder" and runtime[0].arguments == "alpine:3.16"
    assert set(apk_added(builder)) == set(plan.runtime_apk) | set(plan.build_apk)
    final = apk_added(runtime)
    assert final == list(plan.runtime_apk)
    assert not set(final) & set(plan.build_apk) and not any(n.endswith("-dev") for n in final)
    assert "build-base" not in final and "gcc" not in final
    # every run-time package traces to evidence: an ELF NEEDED, the apk route, a linked library, the interpreter
    data = plan_json(plan)
    for name in final:
        assert explain_package(data, name), name
    pip = next(i.arguments for i in builder if i.keyword == "RUN" and i.arguments.startswith("pip install"))
    for package in plan.pip_packages:
        assert f"{package.name}=={package.version}" in pip.split()
    assert "--no-cache-dir" in pip
    assert any(i.keyword == "COPY" and i.arguments == "--from=builder /opt/venv /opt/venv" for i in runtime)
    assert next(i.arguments for i in builder if "venv" in i.arguments and i.keyword == "RUN") == "python3 -m venv /opt/venv"


def test_dockerfile_on_the_python_image_has_no_apk_at_run_time(numpy_alone):
    builder, runtime = dockerfile_stages(render_dockerfile(numpy_alone.plan, "apkneed plan numpy"))
    assert runtime[0].arguments == "python:3.10-alpine3.16"
    assert apk_added(runtime) == [] and apk_added(builder) == []
    assert [i.keyword for i in runtime] == ["FROM", "COPY", "ENV"]
