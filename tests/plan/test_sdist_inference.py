"""Inference alone (no PEP 725, no knowledge, no Alpine build): real sdists mapped through v3.21 main + community."""

from __future__ import annotations

from pathlib import Path

import pytest

from apkneed.alpine.index import read_index_file
from apkneed.alpine.providers import build_provider_map
from apkneed.plan.evidence import read_sdist
from apkneed.plan.pep725 import load_virtual_table, provider_table
from apkneed.plan.sdist_inference import infer_needs
from apkneed.plan.source import source_needs
from apkneed.python.pypi import PyPIClient
from plan_helpers import PYPI


@pytest.fixture(scope="module")
def table321(shared_dir: Path):
    paths = [shared_dir / "alpine" / "v3.21" / repo / "x86_64" / "APKINDEX.tar.gz" for repo in ("main", "community")]
    return provider_table(build_provider_map([read_index_file(p, repository=r) for p, r in zip(paths, ("main", "community"))]))


@pytest.fixture(scope="module")
def sdist(plan_cache: Path):
    with PyPIClient(PYPI, cache_root=plan_cache / "pypi", max_age=86400.0) as client:
        def read(project: str, version: str):
            file = next(f for f in client.files(project, version) if f.is_sdist)
            return read_sdist(client.download(file), file.filename)

        yield read


@pytest.mark.parametrize(
    "project, version, dev, library",
    [
        ("python-ldap", "3.4.4", "openldap-dev", "libldap"),
        ("pyaudio", "0.2.14", "portaudio-dev", "portaudio"),
        ("pycairo", "1.27.0", "cairo-dev", "cairo"),
        ("psycopg2", "2.9.10", "libpq-dev", "libpq"),
        ("pygit2", "1.16.0", "libgit2-dev", "libgit2"),
    ],
)
def test_inference_finds_the_library(sdist, table321, project, version, dev, library):
    inference = infer_needs(project, sdist(project, version), table=table321, virtuals=load_virtual_table())
    assert not inference.unknown, inference.unknown
    build = {n.apk: n for n in inference.needs if n.kind == "build"}
    assert dev in build and "build-base" in build and inference.compiled
    assert library in {n.apk for n in inference.needs if n.kind == "runtime"}
    # the chain names the clue, its file and line, and the sdist
    chain = build[dev].chain
    assert any(":" in c and c.split(" at ")[-1].split(":")[-1].isdigit() for c in chain if " at " in c)
    assert chain[-1].endswith(".tar.gz")


def test_a_runtime_load_is_a_runtime_need_without_a_build_need(sdist, table321):
    evidence = sdist("python-magic", "0.4.27")
    inference = infer_needs("python-magic", evidence, table=table321, virtuals=load_virtual_table())
    assert not inference.compiled and not inference.unknown
    assert [(n.apk, n.kind) for n in inference.needs] == [("libmagic", "runtime")]
    assert "magic/loader.py" in " ".join(inference.needs[0].chain)


def test_kernel_headers_are_linux_headers(sdist, table321):
    inference = infer_needs("psutil", sdist("psutil", "6.0.0"), table=table321, virtuals=load_virtual_table())
    need = next(n for n in inference.needs if n.apk == "linux-headers")
    assert need.kind == "build" and need.chain[0].startswith("#include <linux/")


def test_source_needs_falls_back_to_inference(sdist, table321):
    evidence = sdist("mysqlclient", "2.2.7")
    # inference alone: the pkg-config candidates mysqlclient/mariadb/libmariadb find a -dev on v3.21
    needs = source_needs("mysqlclient", evidence, virtuals=load_virtual_table(), table=table321,
                         environment={})
    assert needs.basis == "inferred"
    assert {n.apk for n in needs.needs if n.kind == "build"} & {"mariadb-dev", "mariadb-connector-c-dev"}


def test_a_pure_wheel_that_loads_a_library_needs_it_at_run_time(make_run, shared_dir):
    main = shared_dir / "alpine" / "v3.21" / "main" / "x86_64" / "APKINDEX.tar.gz"
    run = make_run(("python-magic==0.4.27",), indexes=[main], arch="x86_64", base="python:3.12-alpine3.21")
    package = next(p for p in run.plan.packages if p.name == "python-magic")
    assert package.route == "wheel" and package.file.endswith("-none-any.whl")
    assert package.runtime_apk == ("libmagic",) and package.build_apk == ()
    need = next(n for n in run.plan.needs if n.apk == "libmagic")
    assert need.chain[0].startswith("so:libmagic.so") and need.chain[1] == "loaded at run time (magic/loader.py:9)"


@pytest.mark.parametrize(
    "build_requires, backend, cargo",
    [
        (("setuptools>=77.0.0",), "setuptools.build_meta", False),  # an optional Rust extension pip cannot build
        (("setuptools", "setuptools-rust>=1.11"), "setuptools.build_meta", True),
        (("maturin>=1,<2",), "maturin", True),
    ],
)
def test_rust_sources_need_cargo_only_with_a_rust_build_tool(table321, build_requires, backend, cargo):
    from apkneed.plan.evidence import SdistEvidence

    evidence = SdistEvidence("r-1.0.tar.gz", None, None, backend, build_requires, (("rust", 3), ("c", 2)),
                             ("setup.py ext_modules", "Cargo.toml"), ())
    inference = infer_needs("r", evidence, table=table321, virtuals=load_virtual_table())
    assert ("cargo" in {n.apk for n in inference.needs}) is cargo
    assert "build-base" in {n.apk for n in inference.needs}


def test_a_config_script_is_its_own_projects(table321):
    # cmd:krb5-config is provided by heimdal-dev (first in the index) and krb5-dev: krb5-config is krb5's
    from apkneed.plan.evidence import SdistEvidence
    from apkneed.python.clue import Clue

    assert [p.name for p in table321["cmd:krb5-config"]][0] == "heimdal-dev"
    evidence = SdistEvidence("k-1.0.tar.gz", None, None, None, (), (("c", 2),), ("setup.py ext_modules",), (),
                             clues=(Clue("config-script", "krb5-config", "setup.py", 72),))
    inference = infer_needs("k", evidence, table=table321, virtuals=load_virtual_table())
    assert "krb5-dev" in {n.apk for n in inference.needs} and "heimdal-dev" not in {n.apk for n in inference.needs}
