"""``apkneed inspect`` end to end, through the real command group."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from apkneed.cli import main

MUSL_TAG = "cp310-cp310-musllinux_1_2_x86_64"


def invoke(*args: str):
    return CliRunner().invoke(main, ["inspect", *map(str, args)])


@pytest.fixture(scope="module")
def zlib_wheel(built, make_wheel):
    return make_wheel("zpkg", "1.0", MUSL_TAG, {
        "zpkg/_zext.cpython-310-x86_64-linux-musl.so": built.musl_ext_zlib,
        "zpkg/_rpath.cpython-310-x86_64-linux-musl.so": built.musl_ext_rpath,
        "zpkg.libs/libmfoo.so.1": built.musl_lib,
    })


def test_json_with_an_index(zlib_wheel, v316_index_path):
    result = invoke(zlib_wheel, "--index", v316_index_path, "--arch", "x86_64", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["file"] == zlib_wheel.name
    assert (data["libc"], data["compatible"], data["problems"]) == ("musl", True, [])
    assert data["external"] == [{"soname": "libz.so.1", "provided_by": ["zlib"]}]
    assert data["vendored"] == ["zpkg.libs/libmfoo.so.1"]
    assert len(data["objects"]) == 3


def test_text_output(zlib_wheel, v316_index_path):
    result = invoke(zlib_wheel, "--index", v316_index_path, "--alpine", "v3.16", "--arch", "x86_64")
    assert result.exit_code == 0, result.output
    assert "works there: yes" in result.stdout
    assert "Alpine v3.16 x86_64" in result.stdout
    line = next(line for line in result.stdout.splitlines() if "libz.so.1" in line)
    assert "zlib" in line


def test_wrong_arch_index_exits_1(zlib_wheel, v317_index_path):
    result = invoke(zlib_wheel, "--index", v317_index_path, "--arch", "aarch64", "--json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["compatible"] is False
    assert {"arch-mismatch", "object-arch-mismatch"} <= {p["code"] for p in data["problems"]}
    # the aarch64 index still names zlib for libz.so.1
    assert data["external"] == [{"soname": "libz.so.1", "provided_by": ["zlib"]}]


def test_wrong_python_exits_1(zlib_wheel, v316_index_path):
    result = invoke(zlib_wheel, "--index", v316_index_path, "--arch", "x86_64", "--python", "3.12")
    assert result.exit_code == 1
    assert "target Python is 3.12" in result.stdout and "works there: no" in result.stdout


def test_glibc_wheel_tagged_musllinux_exits_1(built, make_wheel, v316_index_path):
    wheel = make_wheel("liar", "1.0", MUSL_TAG, {"liar/_z.so": built.glibc_ext_zlib})
    result = invoke(wheel, "--index", v316_index_path, "--arch", "x86_64", "--json")
    assert result.exit_code == 1
    problems = json.loads(result.stdout)["problems"]
    assert problems[0]["code"] == "musllinux-needs-glibc" and problems[0]["path"] == "liar/_z.so"


@pytest.mark.parametrize(
    ("argument", "message"),
    [
        ("ftp://example.org/numpy-2.2.6-cp310-cp310-musllinux_1_2_x86_64.whl", "only http(s) URLs"),
        ("https://example.org/numpy-2.2.6.tar.gz", "an sdist, not a wheel"),
        ("numpy=2.2.6", "neither a wheel file, a URL nor a requirement"),
        ("missing-1.0-py3-none-any.whl", "no such file"),
        # an sdist, local or remote: what its build needs is a plan's question, said so
        ("psycopg2-2.9.10.tar.gz", "an sdist, not a wheel: pip builds it; `apkneed plan psycopg2==2.9.10` lists"),
        ("https://example.org/p/psycopg2-2.9.10.tar.gz", "an sdist, not a wheel: pip builds it; `apkneed plan psycopg2==2.9.10`"),
    ],
)
def test_bad_or_missing_input_exits_2(argument, message, v316_index_path):
    argument_first = [argument, "--index", v316_index_path, "--arch", "x86_64", "--json"]
    result = invoke(*argument_first)
    assert result.exit_code == 2
    assert message in json.loads(result.stdout)["error"]
    assert result.stderr.count("\n") == 1 and message in result.stderr


def test_bad_files_exit_2_with_one_line(tmp_path, v316_index_path, make_wheel):
    not_zip = tmp_path / "x-1.0-py3-none-any.whl"
    not_zip.write_bytes(b"\x7fELF not a zip at all")
    escaping = make_wheel("esc", "1.0", MUSL_TAG, {"../evil.so": b"x"})
    for path, message in ((not_zip, "not a zip archive"), (escaping, "escapes the archive")):
        result = invoke(path, "--index", v316_index_path, "--arch", "x86_64")
        assert result.exit_code == 2
        assert result.stdout == ""
        assert result.stderr.startswith("apkneed: error: ") and message in result.stderr
        assert result.stderr.count("\n") == 1
    assert invoke(tmp_path, "--index", v316_index_path, "--arch", "x86_64").exit_code == 2  # a directory


def test_bad_python_and_arch_exit_2(zlib_wheel, v316_index_path):
    result = invoke(zlib_wheel, "--index", v316_index_path, "--arch", "x86_64", "--python", "three")
    assert result.exit_code == 2 and "expected X.Y" in result.stderr
    result = invoke(zlib_wheel, "--arch", "sparc")
    assert result.exit_code == 2 and result.stderr.startswith("apkneed: error: unknown Alpine arch")


@pytest.mark.network
def test_real_pillow_wheel(pillow_musl_wheel, v316_index_path):
    result = invoke(pillow_musl_wheel, "--index", v316_index_path, "--arch", "x86_64", "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["external"] == [{"soname": "libz.so.1", "provided_by": ["zlib"]}]
    assert data["libc"] == "musl" and len(data["vendored"]) > 10


def test_musl_version_is_the_one_apk_installs(v316_index_path):
    # Made-up records in the real format: the older musl listed first.
    from apkneed.alpine.index import read_index_bytes
    from apkneed.alpine.sources.world import AlpineWorld
    from apkneed.cli.inspect import musl_version

    made_up = read_index_bytes(
        b"P:musl\nV:1.2.3-r0\nA:x86_64\n\nP:musl\nV:1.2.4-r1\nA:x86_64\n", source="made-up", repository="main"
    )
    assert musl_version(AlpineWorld("v3.16", "x86_64", (made_up,), origin="test")) == "1.2.4-r1"
    assert musl_version(AlpineWorld(None, "x86_64", (), origin="test")) is None


def test_a_soname_no_package_provides_says_what_was_searched(built, make_wheel, v316_index_path):
    wheel = make_wheel("orphan", "1.0", MUSL_TAG, {"orphan/_rpath.cpython-310-x86_64-linux-musl.so": built.musl_ext_rpath})
    result = invoke(wheel, "--index", v316_index_path, "--arch", "x86_64")
    assert "no package provides libmfoo.so.1 in v3.16 main (community was not given with --index)" in result.stdout
    data = json.loads(invoke(wheel, "--index", v316_index_path, "--arch", "x86_64", "--json").stdout)
    assert data["external"] == [{"soname": "libmfoo.so.1", "provided_by": []}]
    assert data["target"]["repositories"] == ["main"]


def test_the_release_python_is_the_default_target(built, make_wheel, v316_index_path):
    """Without --python the target is the release's python3 (3.10 on v3.16), as --help says: a cp312
    wheel does not work there (it was 'works there: yes'), and the note says where 3.10 came from."""
    wheel = make_wheel("zpkg", "1.0", "cp312-cp312-musllinux_1_2_x86_64",
                       {"zpkg/_zext.cpython-312-x86_64-linux-musl.so": built.musl_ext_zlib})
    result = invoke(wheel, "--index", v316_index_path, "--arch", "x86_64")
    assert result.exit_code == 1, result.output
    assert "works there: no" in result.stdout and "the target Python is 3.10" in result.stdout
    assert "python3 of Alpine v3.16 (--python X.Y for another" in result.stdout
    data = json.loads(invoke(wheel, "--index", v316_index_path, "--arch", "x86_64", "--json").stdout)
    assert [p["code"] for p in data["problems"]] == ["python-mismatch"] and data["compatible"] is False
    # the Python named: the wheel's own
    assert invoke(wheel, "--index", v316_index_path, "--arch", "x86_64", "--python", "3.12").exit_code == 0


@pytest.mark.parametrize("argument", ["numpy==2.2.6", "https://files.pythonhosted.org/packages/x/numpy-2.2.6-cp310-cp310-musllinux_1_2_x86_64.whl"])
def test_offline_never_reaches_pypi(argument, v316_index_path, tmp_path, monkeypatch):
    """--offline means no connection at all, and a wheel's ELF members are never cached: a requirement
    or a URL is an exit-3 error naming --offline at once (a requirement was resolved and read from PyPI, exit 0)."""
    monkeypatch.setenv("APKNEED_CACHE_DIR", str(tmp_path / "cache"))
    result = invoke(argument, "--index", v316_index_path, "--arch", "x86_64", "--offline")
    assert result.exit_code == 3, result.output
    assert result.stderr.startswith("apkneed: error: --offline: ") and "a local .whl file" in result.stderr
    assert result.stderr.count("\n") == 1 and not (tmp_path / "cache" / "pypi").exists()
