"""Route choice end to end: auto, and --route wheel|apk|source, on real releases.

Everything that needs ``community`` runs on the real v3.21 main + community
indexes (../shared). psycopg2 has no wheel at all, so pip can only build it
from source on Alpine: the case where Alpine's own package matters. NumPy
1.22.4 predates NumPy's musllinux wheels.
"""

from __future__ import annotations

import pytest

from apkneed.render.dockerfile import render_dockerfile
from apkneed.render.explain import explain_package
from apkneed.render.json_form import plan_json
from plan_helpers import dockerfile_stages


def _package(run, name):
    return next(p for p in run.plan.packages if p.name == name)


@pytest.fixture(scope="module")
def with_community(shared_dir):
    paths = [shared_dir / "alpine" / "v3.21" / repo / "x86_64" / "APKINDEX.tar.gz" for repo in ("main", "community")]
    return dict(indexes=paths, arch="x86_64")


def test_auto_prefers_alpines_package_to_a_source_build(make_run, with_community):
    run = make_run(("psycopg2",), base="alpine", **with_community)
    psycopg2 = _package(run, "psycopg2")
    assert (psycopg2.route, psycopg2.version, psycopg2.file, psycopg2.runtime_apk, psycopg2.build_apk) == (
        "apk", "2.9.10", "py3-psycopg2-2.9.10-r0", ("py3-psycopg2",), ()
    )
    assert run.plan.build_apk == ()  # no compiler when Alpine built it
    added = {e.name: e for e in run.plan.runtime_layer.added}
    assert {"py3-psycopg2", "libpq", "python3"} <= set(added)
    assert added["libpq"].parent == "py3-psycopg2" and added["libpq"].atom == "so:libpq.so.5"
    assert added["py3-psycopg2-pyc"].atom == "install_if py3-psycopg2 pyc"  # community's -pyc, through main's pyc
    why = explain_package(plan_json(run.plan), "libpq")
    assert why == [
        "libpq ← so:libpq.so.5 ← py3-psycopg2"
        " ← route apk (psycopg2==2.9.10 satisfied by py3-psycopg2-2.9.10-r0)  [runtime, pulled in by apk]"
    ]
    builder, runtime = dockerfile_stages(render_dockerfile(run.plan, "t"))
    venv = next(i.arguments for i in builder if i.keyword == "RUN" and "venv" in i.arguments)
    assert venv == "python3 -m venv --system-site-packages /opt/venv"  # the venv must see py3-psycopg2
    assert not any(i.arguments.startswith("pip install") for i in builder)


def test_on_the_python_image_numpy_is_built_against_openblas(make_run, with_community):
    run = make_run(("numpy==1.22.4",), base="python:3.10-alpine3.21", **with_community)
    numpy = _package(run, "numpy")
    assert numpy.route == "source" and numpy.file == "numpy-1.22.4.zip"
    assert {"build-base", "openblas-dev", "pkgconf"} <= set(numpy.build_apk)
    assert "python3-dev" not in numpy.build_apk and "py3-numpy" not in run.plan.runtime_apk
    assert "openblas" in numpy.runtime_apk
    chain = next(n.chain for n in run.plan.needs if n.apk == "openblas")
    assert chain[0] == "library of openblas-dev" and "alpinelinux/aports community/py3-numpy/APKBUILD" in chain[-1]


def test_forced_wheel_impossible_keeps_the_auto_route_and_says_why(make_run, with_community):
    run = make_run(("numpy==1.22.4",), base="python:3.10-alpine3.21", route="wheel", **with_community)
    numpy = _package(run, "numpy")
    assert numpy.forced_route_failed and numpy.route == "source"
    assert numpy.reasons[0].startswith("--route wheel is impossible for numpy: no wheel for cp310-musllinux_1_2_x86_64")
    assert run.plan.incomplete


def test_forced_apk_moves_the_pins_to_alpines_versions(make_run, v316_index_path):
    run = make_run(("pyyaml", "lxml", "markupsafe"), indexes=[v316_index_path], arch="x86_64", route="apk")
    routes = {p.name: (p.route, p.version, p.file) for p in run.plan.packages}
    assert routes == {
        "pyyaml": ("apk", "6.0", "py3-yaml-6.0-r0"),
        "lxml": ("apk", "4.8.0", "py3-lxml-4.8.0-r0"),
        "markupsafe": ("apk", "2.1.1", "py3-markupsafe-2.1.1-r0"),
    }
    assert run.plan.runtime_apk == ("py3-lxml", "py3-markupsafe", "py3-yaml", "python3")
    added = {e.name: e for e in run.plan.runtime_layer.added}
    assert added["libxml2"].parent in ("py3-lxml", "libxslt")
    assert added["yaml"].parent == "py3-yaml"
    assert not run.plan.incomplete


def test_forced_source_builds_even_where_a_wheel_exists(make_run, v316_index_path):
    run = make_run(("pyyaml==6.0.3", "six==1.17.0"), indexes=[v316_index_path], arch="x86_64",
                   base="python:3.10", route="source")
    pyyaml, six = _package(run, "pyyaml"), _package(run, "six")
    assert pyyaml.route == "source" and pyyaml.file == "pyyaml-6.0.3.tar.gz"
    assert {"build-base", "yaml-dev"} <= set(pyyaml.build_apk) and "yaml" in pyyaml.runtime_apk
    assert (six.route, six.runtime_apk, six.build_apk) == ("source", (), ())
    assert six.reasons[-1].startswith("pure Python: six-1.17.0.tar.gz has no C")
    builder, _ = dockerfile_stages(render_dockerfile(run.plan, "t"))
    pip = next(i.arguments for i in builder if i.arguments.startswith("pip install"))
    assert "--no-binary pyyaml,six" in pip  # without it pip would take the wheels
