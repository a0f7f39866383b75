"""The seed's question, route by route, on a real two-repository world: Alpine v3.21 main + community.

Everything comes from the shared signed indexes (v3.21.2 main, v3.21.3
community) and real PyPI files kept in the test cache; nothing is made up.
"""

from __future__ import annotations

import json

import pytest

from apkneed.render.dockerfile import render_dockerfile
from apkneed.render.explain import explain_package
from apkneed.render.json_form import plan_json
from plan_helpers import apk_added, dockerfile_stages, invoke


@pytest.fixture(scope="module")
def v321(shared_dir):
    paths = [shared_dir / "alpine" / "v3.21" / repo / "x86_64" / "APKINDEX.tar.gz" for repo in ("main", "community")]
    return dict(indexes=paths, arch="x86_64", base="alpine")


def _numpy(run):
    return next(p for p in run.plan.packages if p.name == "numpy")


def test_route_apk_is_py3_numpy_and_its_closure_seen_by_the_venv(make_run, v321):
    run = make_run(("numpy",), route="apk", **v321)
    numpy = _numpy(run)
    assert (numpy.route, numpy.file, numpy.runtime_apk) == ("apk", "py3-numpy-2.1.3-r0", ("py3-numpy",))
    assert numpy.version == "2.1.3"  # the pin moved to Alpine's version
    assert run.plan.runtime_apk == ("py3-numpy", "python3") and run.plan.build_apk == ()
    assert not run.plan.incomplete and run.plan.missing == ()
    added = {e.name: e for e in run.plan.runtime_layer.added}
    assert {"py3-numpy", "python3", "openblas", "libgfortran", "libquadmath", "py3-numpy-pyc"} <= set(added)
    assert added["openblas"].parent == "py3-numpy"
    assert added["py3-numpy-pyc"].atom.startswith("install_if")  # apk adds it: pyc is installed
    assert explain_package(plan_json(run.plan), "libgfortran") == [
        "libgfortran ← so:libgfortran.so.5 ← openblas ← py3-numpy"
        " ← route apk (numpy==2.1.3 satisfied by py3-numpy-2.1.3-r0)  [runtime, pulled in by apk]"
    ]
    builder, runtime = dockerfile_stages(render_dockerfile(run.plan, "t"))
    venv = next(i.arguments for i in builder if i.keyword == "RUN" and "venv" in i.arguments)
    assert venv == "python3 -m venv --system-site-packages /opt/venv"  # the venv must see py3-numpy
    assert "py3-numpy" in apk_added(runtime) and not any(i.arguments.startswith("pip install") for i in builder)


def test_route_source_builds_against_openblas_and_keeps_openblas_at_run_time(make_run, v321):
    run = make_run(("numpy",), route="source", **v321)
    numpy = _numpy(run)
    assert numpy.route == "source"
    assert set(numpy.build_apk) == {"build-base", "openblas-dev", "pkgconf", "python3-dev"}
    # the library openblas-dev stands for, found through the index: openblas-dev depends on openblas,
    # which provides so:openblas:libopenblas.so.3 (not liblapack, liblapacke or openblas-ilp64)
    assert "openblas" in numpy.runtime_apk
    assert not {"liblapack", "liblapacke", "openblas-ilp64"} & set(run.plan.runtime_apk)
    chain = next(n.chain for n in run.plan.needs if n.apk == "openblas" and n.kind == "runtime")
    assert chain[0] == "library of openblas-dev"
    assert "gfortran" in {e.name for e in run.plan.build_layer.added}  # openblas-dev pulls it in
    assert not run.plan.incomplete and run.plan.missing == ()
    builder, runtime = dockerfile_stages(render_dockerfile(run.plan, "t"))
    assert "openblas" in apk_added(runtime) and "openblas-dev" not in apk_added(runtime)
    assert {"openblas-dev", "build-base"} <= set(apk_added(builder))


def test_route_wheel_needs_nothing_beyond_python3(make_run, v321):
    run = make_run(("numpy",), route="wheel", **v321)
    numpy = _numpy(run)
    assert numpy.route == "wheel" and numpy.runtime_apk == () and numpy.build_apk == ()
    assert run.plan.runtime_apk == ("python3",) and run.plan.build_apk == ()
    assert not run.plan.incomplete


def test_the_target_block_names_both_repositories(make_run, v321):
    data = plan_json(make_run(("numpy",), route="wheel", **v321).plan)
    assert data["target"]["repositories"] == ["main", "community"]
    assert data["target"]["absent_repositories"] == []


def test_without_community_the_source_route_is_a_negative_answer_that_says_what_was_searched(plan_cache, shared_dir):
    v323 = shared_dir / "alpine" / "v3.23" / "main" / "x86_64" / "APKINDEX.tar.gz"
    result = invoke(plan_cache, "plan", "numpy", "--route", "source", "--index", v323, "--arch", "x86_64", "--json")
    data = json.loads(result.stdout)
    assert result.exit_code == 1 and data["missing"] == ["openblas-dev"]
    assert (
        "openblas-dev: no such package in v3.23 main (community was not given with --index) (needed by numpy)"
    ) in data["warnings"]
    # The offline default is the same release (v3.23 main), from the snapshot, which has no community for it;
    # the run above left the resolution for this target in the cache.
    result = invoke(plan_cache, "plan", "numpy", "--route", "source", "--offline", "--arch", "x86_64", "--json")
    data = json.loads(result.stdout)
    assert result.exit_code == 1
    assert data["missing"] == ["openblas-dev"]
    assert data["target"]["repositories"] == ["main"]
    assert data["target"]["absent_repositories"] == [
        {"name": "community", "reason": "is not in the offline snapshot for v3.23"}
    ]
    assert (
        "openblas-dev: no such package in v3.23 main (community is not in the offline snapshot for v3.23) "
        "(needed by numpy)"
    ) in data["warnings"]


def test_route_apk_without_community_says_what_was_searched(make_run, v316_index_path):
    run = make_run(("numpy",), route="apk", indexes=[v316_index_path], arch="x86_64", base="alpine")
    numpy = _numpy(run)
    assert numpy.forced_route_failed and run.plan.incomplete
    assert numpy.reasons[0] == (
        "--route apk is impossible for numpy: no Alpine package is named py3-numpy or provides its modules "
        "in v3.16 main (community was not given with --index)"
    )


def test_why_names_openblas_through_openblas_dev_and_carries_the_target(plan_cache, v321):
    indexes = [arg for path in v321["indexes"] for arg in ("--index", path)]
    result = invoke(plan_cache, "why", "openblas", "numpy", "--route", "source", *indexes, "--arch", "x86_64", "--json")
    data = json.loads(result.stdout)
    assert result.exit_code == 0 and data["in_plan"]
    assert data["lines"][0].startswith(
        "openblas ← library of openblas-dev ← makedepends: openblas-dev (picked up when installed) "
        "← makedepends of alpinelinux/aports community/py3-numpy/APKBUILD"
    )
    assert data["target"]["repositories"] == ["main", "community"]


def test_a_wheel_needing_a_library_nothing_provides_is_a_negative_answer(v316_index_path, isolated_cache):
    # The planner fed one wheel's evidence (an external soname no v3.16 main package provides), on the real index.
    from apkneed.alpine.providers import build_provider_map
    from apkneed.alpine.sources.world import load_world
    from apkneed.plan.base import BaseWorld
    from apkneed.plan.evidence import ExternalNeed, WheelEvidence
    from apkneed.plan.facts import DistFacts, PlanFacts
    from apkneed.plan.pep725 import load_virtual_table
    from apkneed.plan.planner import make_plan
    from apkneed.plan.target import plan_target
    from apkneed.python.resolve import Pin

    world = load_world(index_paths=[v316_index_path], arch="x86_64")
    target, _ = plan_target(world, None, None, release=world.release, arch=world.arch, index_origin=world.origin)
    wheel = WheelEvidence(
        filename="blaslike-1.0-cp310-cp310-musllinux_1_2_x86_64.whl", sha256=None, compatible=True, problems=(),
        external=(ExternalNeed("libopenblas.so.3", ("blaslike/_core.so",)), ExternalNeed("libz.so.1", ("blaslike/_z.so",))),
        vendored=(), import_names=("blaslike",), elf_objects=2,
    )
    dist = DistFacts(Pin("blaslike", "1.0", (), True), wheel.filename, False, "musllinux_1_2 wheel", wheel=wheel)
    plan = make_plan(PlanFacts(target, "auto", (dist,), BaseWorld("alpine", ("alpine-base",))),
                     providers=build_provider_map(world.indexes),
                     virtuals=load_virtual_table())
    (package,) = plan.packages
    assert package.unprovided == ("libopenblas.so.3",) and package.runtime_apk == ("zlib",)
    assert plan.incomplete  # the wheel cannot load here: exit 1, never 0
    assert (
        "blaslike: no package provides so:libopenblas.so.3 in v3.16 main (community was not given with --index) "
        "(needed by blaslike/_core.so)"
    ) in plan.warnings
    assert plan_json(plan)["packages"][0]["unprovided"] == ["libopenblas.so.3"]
