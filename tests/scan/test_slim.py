"""Installed packages nothing needs: build toolchains left in runtime images.

The installed databases are real (python:3.10-alpine3.16 and an nginx image
on 3.21). Where a test needs a toolchain installed on top, its records are
the real v3.16 index records of what ``apk add gcc musl-dev`` pulls in; the
world files and the virtual ``.build-deps`` record (written as
``apk add --virtual`` writes it) are this test's.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from apkneed.cli import main
from scanroots import compose_installed, index_records, install_closure, make_root, put, scan

PYTHON_DB = "alpine/installed/python-3.10-alpine3.16-x86_64.installed"
NGINX_DB = "alpine/installed/nginx-alpine3.21-x86_64.installed"
PYTHON_WORLD = "alpine-baselayout alpine-keys apk-tools busybox ca-certificates libc-utils tzdata .python-rundeps\n"
BUILD_DEPS = "C:Q1fakevirtualbuilddeps0000000000=\nP:.build-deps\nV:20240101.000000\nA:noarch\nS:0\nI:0\nT:virtual meta package\nU:\nL:\nD:gcc musl-dev\n"
#: Alpine 3.16's libgomp installs these (the index has no file lists)
LIBGOMP_FILES = {"libgomp": ["usr/lib/libgomp.so.1", "usr/lib/libgomp.so.1.0.0"]}


@pytest.fixture(scope="module")
def records(v316_index_path):
    return index_records(v316_index_path)


@pytest.fixture(scope="module")
def python_db(shared_dir):
    return (shared_dir / PYTHON_DB).read_text()


def _root_with(tmp_path, builds, db_text: str, world: str):
    db = tmp_path / "installed"
    db.write_text(db_text)
    return make_root(tmp_path / "root", builds, installed=db, world=world)


def _sizes(db_text: str) -> dict[str, int]:
    from apkneed.alpine.index import read_installed_db

    return {p.name: p.installed_size for p in read_installed_db(db_text)}


def test_leftover_build_deps_are_removable_with_their_size(tmp_path, builds, records, python_db, index_v316):
    toolchain = install_closure(records, ["gcc", "musl-dev"], python_db)
    db = compose_installed(python_db, records, toolchain, extra=[BUILD_DEPS])
    root = _root_with(tmp_path, builds, db, PYTHON_WORLD + ".build-deps\n")

    code, report, _ = scan(root, "--index", index_v316)

    assert code == 0  # unneeded packages are advice, not a failure
    unneeded = {u["name"]: u for u in report["unneeded"]}
    assert {"gcc", "musl-dev", "binutils", "gmp", "mpfr4", "mpc1", "libgomp", "libatomic", ".build-deps"} <= set(unneeded)
    assert all(unneeded[name]["via"] == [".build-deps"] for name in toolchain)
    # apk-tools (base layout) needs zlib: a toolchain dependency it shares stays.
    assert "zlib" not in unneeded and "musl" not in unneeded
    sizes = _sizes(db)
    assert report["unneeded_size"] == sum(sizes[name] for name in unneeded) > 100_000_000
    assert report["apk_del"] == "apk del .python-rundeps .build-deps"
    # .python-rundeps holds what Python in /usr/local needs; with no such ELF file
    # in this root, nothing needs it either, and it is reported too.
    assert ".python-rundeps" in unneeded and unneeded["sqlite-libs"]["via"] == [".python-rundeps"]


def test_a_needed_library_pulled_only_by_build_deps_is_kept_first(tmp_path, builds, records, python_db, index_v316):
    toolchain = install_closure(records, ["gcc", "musl-dev"], python_db)
    db = compose_installed(python_db, records, toolchain, files=LIBGOMP_FILES, extra=[BUILD_DEPS])
    root = _root_with(tmp_path, builds, db, PYTHON_WORLD + ".build-deps\n")
    put(root, builds, "app-gomp", "/usr/local/bin/trainer")
    put(root, builds, "libgomp.so.1.0.0", "/usr/lib/libgomp.so.1.0.0", "/usr/lib/libgomp.so.1")

    code, report, _ = scan(root, "--index", index_v316)

    assert code == 0 and report["missing"] == []
    names = {u["name"] for u in report["unneeded"]}
    assert "libgomp" not in names and "gcc" in names
    assert report["apk_del"] == "apk add libgomp && apk del .python-rundeps .build-deps"
    sizes = _sizes(db)
    assert report["unneeded_size"] == sum(sizes[n] for n in names)


def test_python_rundeps_needed_by_python_in_usr_local(tmp_path, builds, python_db, index_v316):
    # The python image's /usr/local/bin/python needs libsqlite3 and libffi
    # (among others) through .python-rundeps: those stay, the rest goes.
    root = _root_with(tmp_path, builds, python_db, PYTHON_WORLD)
    put(root, builds, "app-py", "/usr/local/bin/python3.10")
    put(root, builds, "libsqlite3.so.0.8.6", "/usr/lib/libsqlite3.so.0.8.6", "/usr/lib/libsqlite3.so.0")
    put(root, builds, "libffi.so.8.1.0", "/usr/lib/libffi.so.8.1.0", "/usr/lib/libffi.so.8")

    code, report, _ = scan(root, "--index", index_v316)

    assert code == 0
    names = {u["name"] for u in report["unneeded"]}
    assert not names & {"sqlite-libs", "libffi", "musl", "busybox", "ca-certificates", "tzdata"}
    assert {"gdbm", "readline", "libnsl", "libtirpc", "krb5-libs", ".python-rundeps"} <= names
    assert report["apk_del"] == "apk add libffi sqlite-libs && apk del .python-rundeps"


def test_explicit_build_base_in_world_is_reported(tmp_path, builds, records, python_db, index_v316):
    toolchain = install_closure(records, ["build-base"], python_db)
    db = compose_installed(python_db, records, toolchain)
    root = _root_with(tmp_path, builds, db, PYTHON_WORLD + "build-base\ncurl\n")

    code, report, _ = scan(root, "--index", index_v316)

    unneeded = {u["name"]: u for u in report["unneeded"]}
    assert {"build-base", "gcc", "g++", "make", "patch", "fortify-headers"} <= set(unneeded)
    assert unneeded["build-base"]["via"] == ["build-base"]
    assert "build tool" in unneeded["gcc"]["reason"]
    assert report["apk_del"] == "apk del .python-rundeps build-base"


def test_world_packages_asked_for_are_never_reported(tmp_path, builds, shared_dir):
    # Every package of the real nginx image named in this world is kept, with
    # everything it depends on and the install_if packages that follow
    # (ssl_client); the image's Dockerfile adds the run-time sonames of the
    # envsubst it keeps as so: names, as here.
    db = (shared_dir / NGINX_DB).read_text()
    world = (
        "alpine-baselayout alpine-keys alpine-release apk-tools busybox libc-utils ca-certificates curl tzdata "
        "nginx nginx-module-geoip nginx-module-image-filter nginx-module-njs nginx-module-xslt so:libintl.so.8\n"
    )
    root = _root_with(tmp_path, builds, db, world)

    code, report, _ = scan(root)

    assert code == 0
    assert report["installed_packages"] == 67
    assert report["unneeded"] == [] and report["apk_del"] is None


def test_without_a_world_file_the_world_is_unknown_not_empty(tmp_path, builds, python_db):
    # apk-tools 2.14.10 and 3.0.6 both refuse a root with no etc/apk/world
    # ("Unable to read database state"): what was asked for is unknown, so no
    # package may be said to be one "nothing in the world requires".
    db = tmp_path / "installed"
    db.write_text(python_db)
    root = make_root(tmp_path / "root", builds, installed=db, world=None)

    code, report, _ = scan(root)

    assert report["world"] is None and report["world_known"] is False
    unneeded = {u["name"]: u for u in report["unneeded"]}
    assert "sqlite-libs" in unneeded and unneeded["sqlite-libs"]["via"] is None
    assert all("world unknown" in u["reason"] and "nothing in the world" not in u["reason"] for u in unneeded.values())
    # The base layout and what it depends on stay.
    assert not set(unneeded) & {"busybox", "apk-tools", "musl", "zlib", "libcrypto1.1", "alpine-keys"}
    assert report["apk_del"] is None

    text = CliRunner().invoke(main, ["scan", str(root)], env={"COLUMNS": "200"}).stdout
    assert "world unknown: ROOT has no etc/apk/world" in text and "Unable to read database state" in text
    assert "nothing in the world" not in text and "Installed but nothing needs them" not in text


def test_with_a_world_file_the_world_is_known(tmp_path, builds, python_db):
    root = _root_with(tmp_path, builds, python_db, PYTHON_WORLD)

    code, report, _ = scan(root)

    assert report["world_known"] is True
    assert {u["name"]: u["via"] for u in report["unneeded"]}["sqlite-libs"] == [".python-rundeps"]


def test_root_without_apk_database_still_scans(tmp_path, builds, index_v316):
    root = make_root(tmp_path / "root", builds)
    put(root, builds, "app-gomp", "/usr/bin/app-gomp")

    code, report, _ = scan(root, "--index", index_v316)

    assert report["installed_packages"] is None and report["unneeded"] == []
    assert [m["provided_by"] for m in report["missing"]] == [["libgomp"]]
    assert code == 1
