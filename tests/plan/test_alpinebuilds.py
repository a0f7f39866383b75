"""Knowledge from what Alpine itself builds: py3-* D: so: names -> run-time libraries and -dev packages.

Against the real v3.21 main + community indexes (and v3.16 for renames),
real sdists from PyPI (through the plan test cache), and a made-up index
for the bad cases (a library nobody provides, a library without headers).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from apkneed.alpine.index import read_index_file
from apkneed.alpine.providers import build_provider_map
from apkneed.plan.alpinebuilds import alpine_build, dev_package_of, match_alpine_build, normalised_url
from apkneed.plan.alpinedata import ALPINE_BUILDS_PATH, load_alpine_data, resolve_name

BROKEN = Path(__file__).parent / "data" / "broken-builds" / "x86_64" / "APKINDEX"
PROJECT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def v321_paths(shared_dir: Path) -> list[Path]:
    return [shared_dir / "alpine" / "v3.21" / repo / "x86_64" / "APKINDEX.tar.gz" for repo in ("main", "community")]


@pytest.fixture(scope="module")
def v321(v321_paths):
    return build_provider_map([read_index_file(p, repository=r) for p, r in zip(v321_paths, ("main", "community"))])


@pytest.fixture(scope="module")
def v321_community(v321_paths):
    return dict(indexes=v321_paths, arch="x86_64", base="python:3.12-alpine3.21")


def _compiled_py3(providers):
    return [
        p for p in providers.packages
        if p.name.startswith("py3-") and any(d.name.startswith("so:") or ":so:" in d.name for d in p.depends)
    ]


def test_every_dev_package_is_same_origin_and_depends_on_its_library(v321):
    # The rule, checked on every compiled py3-* of v3.21 main + community.
    checked = 0
    for package in _compiled_py3(v321):
        for library in alpine_build(package, v321).libraries:
            if library.dev is None:
                continue
            lib = next(p.package for p in v321.providers(library.library) if p.package.name == library.library)
            dev = next(p.package for p in v321.providers(library.dev) if p.package.name == library.dev)
            assert dev.origin == lib.origin and dev.name.endswith("-dev"), (package.name, library)
            assert dev_package_of(lib, v321) is dev
            checked += 1
    assert checked > 100


def test_compiled_py3_packages_are_covered(v321):
    # Coverage target: every compiled py3-* of v3.21 main + community gets an
    # answer; the few whose libraries have no -dev are reported, not guessed.
    compiled = _compiled_py3(v321)
    builds = [alpine_build(p, v321) for p in compiled]
    explained = [b for b in builds if not b.unresolved and not b.without_dev]
    assert len(compiled) >= 200
    assert len(explained) / len(compiled) >= 0.98
    for build in builds:
        for library in build.libraries:
            # a compiler library means a compiler, never a -dev package
            if library.library in ("libgcc", "libstdc++", "libgomp", "libgfortran"):
                assert library.virtual and library.dev is None


def test_match_by_module_url_and_name(v321):
    ldap = match_alpine_build("python-ldap", ("ldap", "ldif"), (), v321)
    assert ldap.build.package == "py3-ldap" and "module ldap" in ldap.how
    assert [lib.dev for lib in ldap.build.libraries] == ["openldap-dev", "openldap-dev"]
    # pycairo's sdist names no module here: its PKG-INFO URL must agree, or it is not used
    cairo_url = next(p.url for p in v321.packages if p.name == "py3-cairo")
    assert match_alpine_build("pycairo", (), (cairo_url,), v321).build.package == "py3-cairo"
    unconfirmed = match_alpine_build("pycairo", (), ("https://example.org/other",), v321)
    assert unconfirmed.build is None and unconfirmed.unconfirmed[0].startswith("py3-cairo-")
    # same name, other modules: a different project
    assert match_alpine_build("cairo", ("somethingelse",), (), v321).build is None
    assert normalised_url("https://www.GitHub.com/a/b.git/") == normalised_url("http://github.com/a/b")


@pytest.mark.parametrize(
    "project, dev, library",
    [
        ("mysqlclient", "mariadb-connector-c-dev", "mariadb-connector-c"),
        ("python-ldap", "openldap-dev", "libldap"),
        ("pycairo", "cairo-dev", "cairo"),
        ("pyaudio", "portaudio-dev", "portaudio"),
    ],
)
def test_issue_truth_on_v321_main_and_community(make_run, v321_community, project, dev, library):
    run = make_run((project,), **v321_community)
    package = next(p for p in run.plan.packages if p.name == project)
    assert package.route == "source" and not package.unknown
    assert dev in package.build_apk and "build-base" in package.build_apk
    assert library in package.runtime_apk
    assert any("Alpine's build: py3-" in r and "aports " in r for r in package.reasons)
    assert dev in run.plan.build_apk and library in run.plan.runtime_apk
    need = next(n for n in run.plan.needs if n.apk == dev and n.dist == project)
    assert need.chain[0].startswith("-dev of ") and any(c.startswith("so:") for c in need.chain)


def test_alpines_version_is_shown_when_pip_builds_another(make_run, v321_community):
    run = make_run(("mysqlclient==2.2.7",), **v321_community)
    package = next(p for p in run.plan.packages if p.name == "mysqlclient")
    assert any("Alpine built py3-mysqlclient 2.2.1; pip builds mysqlclient 2.2.7" in r for r in package.reasons)


def test_makedepends_bring_build_tools_the_index_cannot_tell(make_run, v321_community):
    # nh3's D: shows only libgcc_s (a Rust extension); its APKBUILD says cargo.
    # nh3 has a musllinux wheel: the source route is forced.
    run = make_run(("nh3",), route="source", **v321_community)
    package = next(p for p in run.plan.packages if p.name == "nh3")
    assert package.route == "source" and package.build_apk == ("build-base", "cargo")
    assert any("Python build tools in Alpine's makedepends" in r and "py3-maturin" in r for r in package.reasons)
    cargo = next(n for n in run.plan.needs if n.apk == "cargo" and n.dist == "nh3")
    assert cargo.chain[0] == "virtual:compiler/rust"
    assert any(c.startswith("makedepends: cargo") for c in cargo.chain)
    assert any("alpinelinux/aports community/py3-nh3/APKBUILD @145538ddba2e" in c for c in cargo.chain)


def test_makedepends_data_is_what_the_script_generates(shared_dir, tmp_path):
    out = tmp_path / "alpine-builds.json"
    subprocess.run(
        [sys.executable, str(PROJECT / "scripts" / "gen_alpine_builds.py"), "--shared", str(shared_dir), "--out", str(out)],
        check=True, capture_output=True,
    )
    assert out.read_bytes() == ALPINE_BUILDS_PATH.read_bytes()


def test_makedepends_classification(v321):
    data = load_alpine_data().aports
    bcrypt = data["community/py3-bcrypt"]
    assert [(s.name, s.via) for s in bcrypt.system if s.via] == [("cargo", "py3-setuptools-rust")]
    assert "py3-setuptools-rust" in bcrypt.python and "libffi-dev" in [s.name for s in bcrypt.system]
    # every system name of the data is in v3.21 (the generator reports the others)
    for entry in data.values():
        for item in entry.system:
            assert resolve_name(item.name, item.provides, v321) is not None, (entry.aport, item.name)
            assert not item.name.startswith("py3-")


def test_renamed_names_are_found_through_what_they_provide(v316_index_path):
    v316 = build_provider_map([read_index_file(v316_index_path, repository="main")])
    psycopg2 = load_alpine_data().aports["community/py3-psycopg2"]
    libpq = next(item for item in psycopg2.system if item.name == "libpq-dev")
    found = resolve_name(libpq.name, libpq.provides, v316)
    assert found is not None
    provided = {p.name for p in v316.providers(found)[0].package.provides}
    assert provided & set(libpq.provides)
    assert resolve_name("no-such-dev", ("pc:no-such-thing",), v316) is None


def test_a_library_nobody_provides_is_unknown(make_run, shared_dir):
    main = shared_dir / "alpine" / "v3.21" / "main" / "x86_64" / "APKINDEX.tar.gz"
    run = make_run(
        ("mysqlclient==2.2.7", "pyaudio==0.2.14"), indexes=[main, BROKEN], arch="x86_64",
        base="python:3.12-alpine3.21", allow_untrusted=True,
    )
    mysqlclient = next(p for p in run.plan.packages if p.name == "mysqlclient")
    pyaudio = next(p for p in run.plan.packages if p.name == "pyaudio")
    assert mysqlclient.unknown and any("so:libmadeupmariadb.so.9" in r for r in mysqlclient.reasons)
    assert pyaudio.unknown and any("the headers of libheadless" in r for r in pyaudio.reasons)
    assert run.plan.incomplete
    assert any(w.startswith("mysqlclient 2.2.7: unknown") for w in run.plan.warnings)


def test_unknown_build_exits_1_warns_and_still_writes_the_dockerfile(plan_cache, shared_dir):
    from plan_helpers import invoke

    main = shared_dir / "alpine" / "v3.21" / "main" / "x86_64" / "APKINDEX.tar.gz"
    common = ("--index", main, "--index", BROKEN, "--allow-untrusted", "--arch", "x86_64", "--base", "python:3.12-alpine3.21")
    result = invoke(plan_cache, "plan", "mysqlclient==2.2.7", *common, "--format", "dockerfile")
    assert result.exit_code == 1, result.output
    assert "# UNKNOWN: mysqlclient 2.2.7: unknown: Alpine's build of mysqlclient links" in result.stdout
    assert "FROM python:3.12-alpine3.21" in result.stdout
    assert "mysqlclient 2.2.7: unknown" in result.stderr and "Traceback" not in result.stderr
    as_json = invoke(plan_cache, "plan", "mysqlclient==2.2.7", *common, "--json")
    assert as_json.exit_code == 1
    import json

    package = next(p for p in json.loads(as_json.stdout)["packages"] if p["name"] == "mysqlclient")
    assert package["unknown"] is True and package["evidence"]["basis"] == "unknown"


def test_an_unconfirmed_alpine_package_is_reported_not_used(v321):
    from apkneed.plan.evidence import SdistEvidence
    from apkneed.plan.pep725 import load_virtual_table, provider_table
    from apkneed.plan.source import source_needs

    match = match_alpine_build("pycairo", (), ("https://example.org/not-cairo",), v321)
    sdist = SdistEvidence("pycairo-1.0.tar.gz", None, None, None, (), (("c", 2),), ("meson.build",), ())
    needs = source_needs("pycairo", sdist, virtuals=load_virtual_table(), table=provider_table(v321),
                         environment={}, alpine=match, providers=v321, version="1.0")
    assert needs.basis == "inferred"
    assert any(r.startswith("Alpine package not used") and "py3-cairo-" in r for r in needs.reasons)


def test_unknown_build_never_gets_apk_lines_that_claim_to_be_complete(plan_cache, shared_dir):
    """--format apk (and the text answer's last lines) of a plan whose build needs are unknown: each
    line says it is incomplete and for what; 'already has what the plan needs' was printed."""
    from plan_helpers import invoke

    main = shared_dir / "alpine" / "v3.21" / "main" / "x86_64" / "APKINDEX.tar.gz"
    common = ("--index", main, "--index", BROKEN, "--allow-untrusted", "--arch", "x86_64", "--base", "python:3.12-alpine3.21")
    result = invoke(plan_cache, "plan", "mysqlclient==2.2.7", *common, "--format", "apk")
    assert result.exit_code == 1, result.output
    runtime, build = result.stdout.splitlines()
    assert "already has what the plan needs" not in runtime
    for line in (runtime, build):
        assert line.endswith("# INCOMPLETE: what mysqlclient 2.2.7 needs is unknown (see the warning)"), line
    assert build.startswith("apk add --no-cache --virtual .build-deps build-base mariadb-dev ")
