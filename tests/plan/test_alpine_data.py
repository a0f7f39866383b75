"""alpine-builds.json: one generated data set (D: records, cited makedepends, cited overrides), checked
against the real shared indexes of every release here (v3.16 to v3.23).

Names read on v3.21 must never be printed as is on another release: each is
the target's own package, found through what it provided, a missing name
from a repository the target was given without (a negative answer), or
reported and left out.
"""

from __future__ import annotations

import importlib.util
import tomllib
from pathlib import Path

import pytest

from apkneed.alpine.index import read_index_file
from apkneed.alpine.providers import build_provider_map
from apkneed.plan.alpinedata import (
    ALPINE_BUILDS_PATH,
    absent_repository,
    build_on_target,
    load_alpine_data,
    match_build,
    match_recorded,
    resolve_name,
)
from apkneed.plan.alpinebuilds import match_alpine_build
from apkneed.plan.evidence import SdistEvidence
from apkneed.plan.pep725 import load_virtual_table, provider_table
from apkneed.plan.source import source_needs

PROJECT = Path(__file__).resolve().parents[2]
DATA = PROJECT / "src" / "apkneed" / "plan" / "data"
#: every x86_64 release of the shared data, with the repositories it has
RELEASES = {
    "v3.16": ("main",), "v3.18": ("main",), "v3.19": ("main",), "v3.20": ("main",),
    "v3.21": ("main", "community"), "v3.23": ("main",),
}


@pytest.fixture(scope="module")
def data():
    return load_alpine_data()


@pytest.fixture(scope="module")
def worlds(shared_dir):
    out = {}
    for release, repos in RELEASES.items():
        paths = [shared_dir / "alpine" / release / repo / "x86_64" / "APKINDEX.tar.gz" for repo in repos]
        out[release] = build_provider_map([read_index_file(p, repository=r) for p, r in zip(paths, repos)])
    return out


def _generator():
    spec = importlib.util.spec_from_file_location("gen_alpine_builds", PROJECT / "scripts" / "gen_alpine_builds.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _sdist(name: str) -> SdistEvidence:
    return SdistEvidence(f"{name}-1.0.tar.gz", None, None, None, (), (("c", 3),), ("setup.py ext_modules",), ())


def test_every_aport_entry_is_cited_and_every_compiled_py3_has_a_record(data, worlds):
    compiled = {
        p.name for p in worlds["v3.21"].packages
        if p.name.startswith("py3-") and any(d.name.startswith("so:") or ":so:" in d.name for d in p.depends)
    }
    assert set(data.builds) == compiled and len(compiled) >= 240
    origins = {record.origin for record in data.builds.values()}
    read = {key.split("/", 1)[1] for key in data.aports}
    # coverage: the aport behind every compiled py3-* of v3.21 main + community was read
    assert origins <= read, sorted(origins - read)
    for entry in data.aports.values():
        assert len(entry.commit) == 40 and (entry.makedepends or entry.missing)
        assert entry.kind in ("python", "bindings")


def test_every_override_row_says_why_and_cites_a_source(data):
    rows = tomllib.loads((DATA / "build-overrides.toml").read_text())["projects"]
    assert set(rows) == set(data.overrides)
    for project, override in data.overrides.items():
        assert override.why and override.sources, project
        for item in override.not_for_pip + override.add:
            assert item.text, (project, item.name)
        for item in override.optional:
            assert item.text, (project, item.name)


@pytest.mark.parametrize("release", sorted(RELEASES))
def test_names_read_on_v321_are_never_printed_as_is_on_another_release(release, data, worlds):
    """Every compiled py3-* of v3.21, matched by its own modules, planned on every shared release."""
    providers = worlds[release]
    table = provider_table(providers)
    virtuals = load_virtual_table()
    checked = renamed_or_reported = 0
    for record in data.builds.values():
        if not record.modules:
            continue
        dist = record.package.removeprefix("py3-")
        match = match_build(dist, record.modules, (), providers, data)
        assert match.build is not None, record.package
        needs = source_needs(dist, _sdist(dist), virtuals=virtuals, table=table, environment={},
                             alpine=match, data=data, providers=providers)
        for need in needs.needs:
            if need.missing:
                # only a name of a repository this target lacks may be missing, and the planner says so
                assert "(Alpine community)" in " ".join(need.chain), (record.package, need)
                assert absent_repository("community", providers)
                continue
            assert providers.providers(need.apk), (release, record.package, need.apk, need.chain)
            checked += 1
        renamed_or_reported += sum("left out" in p for p in needs.problems)
        renamed_or_reported += sum("(named " in c for n in needs.needs for c in n.chain)
    assert checked > 300
    if release == "v3.21":
        assert renamed_or_reported == 0  # the data's own release: every name is there as read


def test_a_renamed_library_is_found_through_what_it_provided(data, worlds):
    # v3.16's libpq-dev provides postgresql-dev; the v3.21 record of py3-psycopg2 finds libpq there by so:
    v316 = worlds["v3.16"]
    record = data.builds["py3-psycopg2"]
    build = build_on_target(record, v316, "test")
    assert [(lib.library, lib.dev) for lib in build.libraries] == [("libpq", "libpq-dev")]
    # a name gone from the target is found by a pc: name it provided on v3.21
    pc = next(p for p in data.aports["community/py3-psycopg2"].system[0].provides if p.startswith(("pc:", "so:")))
    assert resolve_name("no-longer-called-this-dev", (pc,), v316) == "libpq-dev"
    assert resolve_name("no-longer-called-this-dev", ("pc:nothing-provides-this",), v316) is None


def test_a_binding_subpackage_gets_its_own_libraries_not_its_c_projects_makedepends(data, worlds):
    v321 = worlds["v3.21"]
    gdal = data.aports["community/gdal"]
    assert gdal.kind == "bindings" and "swig" in gdal.makedepends
    match = match_build("gdal", ("osgeo",), (), v321, data)
    assert match.build.package == "py3-gdal" and match.build.origin == "gdal"
    needs = source_needs("gdal", _sdist("gdal"), virtuals=load_virtual_table(), table=provider_table(v321),
                         environment={}, alpine=match, data=data, providers=v321)
    build = {n.apk for n in needs.needs if n.kind == "build"}
    assert "gdal-dev" in build
    assert not build & {"swig", "java-jdk", "cmake", "apache-ant", "mariadb-dev"}  # the C++ project's, not the binding's
    assert any("Python binding subpackage of community/gdal" in r for r in needs.reasons)


@pytest.mark.parametrize(
    "project, module, kept, left_out",
    [
        ("numpy", "numpy", {"openblas-dev", "pkgconf"}, {"gfortran", "libbsd-dev"}),
        ("grpcio", "grpc", {"linux-headers"}, {"openssl-dev", "abseil-cpp-dev", "re2-dev", "zlib-dev", "c-ares-dev"}),
        ("matplotlib", "matplotlib", {"pkgconf"}, {"freetype-dev", "qhull-dev"}),
        ("gevent", "gevent", set(), {"c-ares-dev", "libev-dev", "libuv-dev", "libevent-dev", "file"}),
        ("bcrypt", "bcrypt", {"cargo"}, {"libffi-dev"}),
    ],
)
def test_overrides_say_what_a_plain_pip_build_does_differently(data, worlds, project, module, kept, left_out):
    v321 = worlds["v3.21"]
    match = match_build(project, (module,), (), v321, data)
    needs = source_needs(project, _sdist(project), virtuals=load_virtual_table(), table=provider_table(v321),
                         environment={}, alpine=match, data=data, providers=v321)
    build = {n.apk for n in needs.needs if n.kind == "build"}
    assert kept <= build and not build & left_out
    left = next(r for r in needs.reasons if r.startswith("left out (Alpine's build uses them"))
    assert all(name in left for name in left_out)
    assert any(r.startswith(f"build-overrides.toml: {project}") for r in needs.reasons)


def test_a_name_alone_does_not_match_a_record(data, worlds):
    # PyPI's "icu" is not Alpine's py3-icu (PyICU): no shared module, no URL, no override row
    v316 = worlds["v3.16"]
    assert match_build("icu", ("somethingelse",), (), v316, data).build is None
    assert match_build("pyicu", ("icu",), (), v316, data).build.package == "py3-icu"


def test_the_index_and_the_records_match_a_distribution_to_the_same_build(data, worlds):
    """match_alpine_build (the target's own index) and the v3.21 records (a target without the py3-*)
    rank by one rule: asked on v3.21, where every record is also in the index, both pick the same
    build for every compiled py3-* asked by its own name, modules and U: URL (and without them), and
    for every override row's project. They once differed (a name bonus for names without an affix,
    URLs alone, the PyPI page URL, the override's aport): this fails if they drift apart again."""
    v321 = worlds["v3.21"]
    asked = {(project, (), ()) for project in data.overrides}
    for record in data.builds.values():
        for dist in {record.package.removeprefix("py3-"), "py" + record.package.removeprefix("py3-")}:
            for modules in (record.modules, ()):
                for urls in ((record.url,) if record.url else (), ()):
                    asked.add((dist, modules, urls))
    compared = confirmed = 0
    for dist, modules, urls in sorted(asked):
        override = data.override_for(dist)
        live = match_alpine_build(dist, modules, urls, v321, override.aport if override is not None else "")
        recorded = match_recorded(dist, modules, urls, data)
        live_package = live.build.package if live.build is not None else None
        recorded_package = recorded.best.package if recorded.best is not None else None
        if live_package is None or live_package in data.builds:  # the records hold compiled builds only
            assert recorded_package == live_package, (dist, modules, urls, live.how, recorded.how)
            compared += 1
            confirmed += live_package is not None
    assert compared > 1000 and confirmed > 500


@pytest.mark.parametrize(
    "key, entry, message",
    [
        ("community/py3-x", {"commit": "abc", "pkgver": "1", "makedepends": "a"}, "commit: not a 40-digit"),
        ("community/py3-x", {"commit": "a" * 40, "pkgver": "1"}, "makedepends: missing"),
        ("community/py3-x", {"commit": "a" * 40, "makedepends": "a"}, "pkgver: missing"),
        ("py3-x", {"commit": "a" * 40, "pkgver": "1", "makedepends": "a"}, "not <repo>/<aport>"),
    ],
)
def test_the_generator_refuses_an_entry_it_cannot_cite(key, entry, message):
    generator = _generator()
    with pytest.raises(generator.DataError, match=message):
        generator.validate_entry(key, entry)
    # an APKBUILD that was not found is said, not invented
    assert generator.validate_entry("community/py3-x", {"commit": "a" * 40, "missing": "no APKBUILD"})["makedepends"] == ""


def test_the_data_names_its_generator_and_inputs():
    import json

    header = json.loads(ALPINE_BUILDS_PATH.read_bytes())
    assert header["generated_by"] == "scripts/gen_alpine_builds.py"
    assert set(header["inputs"]) == {
        "src/apkneed/plan/data/aports-makedepends.toml", "src/apkneed/plan/data/build-overrides.toml",
        "v3.21/main/x86_64/APKINDEX.tar.gz", "v3.21/community/x86_64/APKINDEX.tar.gz",
    }


# ------------------------------------------------------------ bad input ----


def _tar(members: dict[str, bytes]) -> bytes:
    import io
    import tarfile

    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as archive:
        for name, body in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(body)
            archive.addfile(info, io.BytesIO(body))
    return out.getvalue()


@pytest.mark.parametrize(
    "build_files, problem",
    [
        # a setup.py no parser reads (unbalanced, NUL bytes): clues or nothing, then a verdict
        ({"q-1/setup.py": b"from setuptools import setup\nsetup(ext_modules=[(((\x00\xff" + b"(" * 5000}, None),
        # an enormous setup.py: not read whole, said in the problems
        ({"q-1/setup.py": b"x = 1\n" * 400_000}, "setup.py: larger than"),
        # meson and CMake macros: a name built at configure time is no clue
        ({"q-1/meson.build": b"project('q', 'c')\ndep = dependency(get_option('backend'))\n",
          "q-1/CMakeLists.txt": b"find_package(${BACKEND} REQUIRED)\npkg_check_modules(X ${MODS})\n"}, None),
    ],
)
def test_bad_build_files_give_an_honest_unknown_never_a_traceback(worlds, build_files, problem):
    from apkneed.plan.evidence import read_sdist

    members = {
        "q-1/PKG-INFO": b"Metadata-Version: 2.1\nName: q\nVersion: 1\n\n",
        "q-1/src/q.c": b"#include <Python.h>\n#include <qlib_nobody_ships.h>\n",
        **build_files,
    }
    evidence = read_sdist(_tar(members), "q-1.tar.gz")
    assert not any(c.name.startswith(("$", "get_option")) for c in evidence.clues)
    if problem:
        assert any(problem in p for p in evidence.problems)
    v321 = worlds["v3.21"]
    needs = source_needs("q", evidence, virtuals=load_virtual_table(), table=provider_table(v321), environment={},
                         alpine=match_build("q", ("q",), (), v321, load_alpine_data()), data=load_alpine_data(),
                         providers=v321)
    assert needs.basis == "unknown" and needs.compiled
    assert "<qlib_nobody_ships.h>" in needs.reasons[0]


def test_a_recorded_build_whose_libraries_the_target_lacks_is_unknown(data, worlds):
    # v3.16 main has no Arrow C++: py3-pyarrow's D: names libraries nothing there provides
    v316 = worlds["v3.16"]
    match = match_build("pyarrow", ("pyarrow",), (), v316, data)
    assert match.build.recorded and match.build.unresolved
    needs = source_needs("pyarrow", _sdist("pyarrow"), virtuals=load_virtual_table(), table=provider_table(v316),
                         environment={}, alpine=match, data=data, providers=v316)
    assert needs.basis == "unknown"
    assert needs.reasons[0].startswith("unknown: Alpine's build of pyarrow links what no package explains: so:libarrow")
    assert "apache-arrow-dev" not in {n.apk for n in needs.needs}  # a v3.21 name is never printed here


def test_makedepends_build_base_brings_are_not_named_again(data, worlds):
    # py3-setproctitle's APKBUILD names musl-dev, which build-base (libc-dev) already installs
    v321 = worlds["v3.21"]
    assert "musl-dev" in data.aports["community/py3-setproctitle"].makedepends.split()
    match = match_build("setproctitle", ("setproctitle",), (), v321, data)
    needs = source_needs("setproctitle", _sdist("setproctitle"), virtuals=load_virtual_table(),
                         table=provider_table(v321), environment={}, alpine=match, data=data, providers=v321)
    assert {n.apk for n in needs.needs if n.kind == "build"} == {"build-base"}
