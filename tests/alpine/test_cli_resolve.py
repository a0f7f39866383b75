"""``apkneed resolve`` and ``apkneed provides`` on the real shared indexes."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from apkneed.cli import main


def run(*args):
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def v316(v316_index_path):
    return ["--index", str(v316_index_path), "--arch", "x86_64"]


@pytest.fixture(scope="module")
def oracle(shared_dir):
    data = json.loads((shared_dir / "oracle" / "apk-simulate-316-x86_64.json").read_text())
    return {case["request"]: case for case in data["results"] + data["results_with_busybox"]}


def test_resolve_prints_apk_install_order_and_totals(v316, oracle):
    code, out, err = run("resolve", *v316, "build-base", "python3-dev")
    assert code == 0, err
    lines = out.strip().split("\n")
    assert sorted(lines[:-1]) == oracle["build-base python3-dev"]["installs"]
    assert lines[0] == "musl-1.2.3-r2"  # everything depends on it: first
    assert lines[-1].startswith("36 packages, ") and "MiB to download" in lines[-1] and "installed" in lines[-1]


def test_resolve_json_shape(v316, v316_index_path):
    code, out, _ = run("resolve", *v316, "gcc", "--json")
    assert code == 0
    data = json.loads(out)
    assert set(data) == {"target", "install", "download_size", "installed_size"}
    assert data["target"]["repositories"] == ["main"]
    assert all(set(entry) == {"name", "version", "repository"} for entry in data["install"])
    assert {e["repository"] for e in data["install"]} == {"main"}
    from apkneed.alpine.index import read_index_file

    by_nv = {p.nv: p for p in read_index_file(v316_index_path).packages}
    chosen = [by_nv[f"{e['name']}-{e['version']}"] for e in data["install"]]
    assert data["download_size"] == sum(p.size for p in chosen)
    assert data["installed_size"] == sum(p.installed_size for p in chosen)


def test_resolve_on_v317_aarch64(v317_index_path):
    code, out, _ = run("resolve", "--index", str(v317_index_path), "--arch", "aarch64", "python3", "--json")
    assert code == 0
    names = [e["name"] for e in json.loads(out)["install"]]
    assert names[-1] == "python3" and "musl" in names


def test_unsatisfiable_is_one_line_then_apks_explanation(v316, oracle):
    code, out, err = run("resolve", *v316, "postgresql-dev")
    assert code == 1 and out == ""
    first, rest = err.split("\n", 1)
    assert first.startswith("apkneed: error: ") and "/bin/sh" in first and "busybox" in first
    assert rest.strip() == oracle["postgresql-dev"]["error"]
    assert "Traceback" not in err


def test_unsatisfiable_json_has_problems_and_apk_status(v316):
    code, out, _ = run("resolve", *v316, "postgresql-dev", "--json")
    assert code == 1
    data = json.loads(out)
    assert data["apk_exit_status"] == 6
    assert data["problems"][0]["name"] == "/bin/sh"
    assert data["problems"][0]["sections"]["provided by"] == ["busybox"]
    assert "/bin/sh" in data["error"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "nothing to resolve"),
        (("foo=",), "not a valid world dependency"),
        (("python3>=1.0_foo",), "not a valid world dependency"),  # apk rejects the suffix
    ],
)
def test_bad_requests_are_usage_errors(v316, args, message):
    code, out, err = run("resolve", *v316, *args)
    assert code == 2
    assert err.count("\n") == 1 and message in err and err.startswith("apkneed: error: ")


def test_missing_index_is_one_line(tmp_path):
    code, _, err = run("resolve", "--index", str(tmp_path / "nope"), "--arch", "x86_64", "python3")
    assert code == 2 and err.count("\n") == 1 and "nope" in err


def test_provides_names_and_sonames(v316):
    code, out, _ = run("provides", *v316, "libz.so.1", "cmd:gcc", "pc:zlib")
    assert code == 0
    assert out.splitlines() == [
        "so:libz.so.1: zlib-1.2.12-r3 (as so:libz.so.1=1.2.12)",
        "cmd:gcc: gcc-11.2.1_git20220219-r2 (as cmd:gcc=11.2.1_git20220219-r2)",
        "pc:zlib: zlib-dev-1.2.12-r3 (as pc:zlib=1.2.12)",
    ]


def test_provides_json_and_unknown_atoms(v316):
    code, out, _ = run("provides", *v316, "libz.so.1", "so:libnothing.so.9", "/bin/sh", "--json")
    assert code == 1  # one atom has no provider
    data = json.loads(out)
    assert data["provides"] == {
        "libz.so.1": [{"name": "zlib", "version": "1.2.12-r3", "repository": "main"}],
        "so:libnothing.so.9": [],
        "/bin/sh": [{"name": "busybox", "version": "1.35.0-r17", "repository": "main"}],
    }
    assert data["not_found"] == ["so:libnothing.so.9: no package provides it in v3.16 main (community was not given with --index)"]
    code, out, _ = run("provides", *v316, "so:libnothing.so.9")
    assert code == 1 and out.strip() == (
        "so:libnothing.so.9: no package provides it in v3.16 main (community was not given with --index)"
    )


def test_provides_honours_version_constraints(v316):
    assert run("provides", *v316, "so:libz.so.1>=1.2")[0] == 0
    code, out, _ = run("provides", *v316, "so:libz.so.1>=2", "--json")
    assert code == 1 and json.loads(out)["provides"] == {"so:libz.so.1>=2": []}


def test_help_teaches_with_examples():
    for command in ("resolve", "provides"):
        code, out, _ = run(command, "--help")
        assert code == 0 and "Examples:" in out and "Exit status" in out


def test_whole_process_and_no_network_libraries_in_the_resolver(v316_index_path, tmp_path):
    # a cache that does not exist yet (the run may create it: records, parsed copies)
    env = {**os.environ, "APKNEED_CACHE_DIR": str(tmp_path / "no-cache-yet")}
    # report, at exit, which heavy libraries the whole command imported
    script = (
        "import atexit, sys\n"
        "atexit.register(lambda: print('LOADED', sorted(m for m in ('httpx', 'rich', 'ssl', 'apkneed.net.http',"
        " 'apkneed.alpine.sources.mirror', 'apkneed.alpine.sources.snapshot') if m in sys.modules), file=sys.stderr))\n"
        "from apkneed.cli import main\n"
        "main()\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script, "resolve", "--index", str(v316_index_path), "--arch", "x86_64", "musl-dev"],
        capture_output=True, text=True, env=env, timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[:2] == ["musl-1.2.3-r2", "musl-dev-1.2.3-r2"]
    # a local index needs no HTTP client, TLS, mirror or snapshot code, and no progress bars
    assert "LOADED []" in proc.stderr
    # the resolver's own modules pull in no HTTP, terminal UI or crypto library
    probe = subprocess.run(
        [sys.executable, "-c",
         "import sys, apkneed.alpine.solver, apkneed.alpine.solver_report, apkneed.alpine.providers;"
         "print(sorted(m for m in ('httpx', 'rich', 'cryptography') if m in sys.modules))"],
        capture_output=True, text=True, timeout=60,
    )
    assert probe.stdout.strip() == "[]"


def test_a_version_no_provider_has_names_the_versions_there_are(v316):
    """so:libz.so.1>=2: zlib provides so:libz.so.1, at 1.2.12: the answer says so instead of
    'no package provides it' (which reads as if the name were unknown)."""
    code, out, _ = run("provides", *v316, "so:libz.so.1>=2")
    assert code == 1
    assert out.strip() == ("so:libz.so.1>=2: no package provides it at that version in v3.16 main (community was "
                           "not given with --index); so:libz.so.1 is zlib-1.2.12-r3 (as so:libz.so.1=1.2.12)")
    code, out, _ = run("provides", *v316, "so:libz.so.1>=2", "--json")
    assert json.loads(out)["not_found"] == [
        "so:libz.so.1>=2: no package provides it at that version in v3.16 main (community was not given with "
        "--index); so:libz.so.1 is zlib-1.2.12-r3 (as so:libz.so.1=1.2.12)"]
