"""Every failure in apkneed's voice (issue 11, items 9 and 10): one line ``apkneed: error: ...``
naming the option, the documented exit status, and nothing of click's usage block."""

from __future__ import annotations

import json
import os

import pytest
from click.testing import CliRunner

from apkneed.cli import main


def run(*args: str, env: dict | None = None):
    return CliRunner(env={"PIP_CONFIG_FILE": os.devnull, **(env or {})}).invoke(main, list(args))


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["plan", "numpy", "--bogus"], "'--bogus'"),
        (["resolve", "python3", "--nope"], "'--nope'. Did you mean '--index'?"),
        (["scan"], "missing argument 'ROOT'"),
        (["scan", "a", "b"], "unexpected extra argument (b)"),
        (["blas", "--bench", "fastest"], "invalid value for '--bench': 'fastest' is not one of 'quick', 'full'"),
        (["--bogus"], "'--bogus'"),
        (["provides", "--index"], "option '--index' requires an argument"),
    ],
)
def test_usage_errors_are_one_apkneed_line_exit_2(args, named):
    result = run(*args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("apkneed: error: ") and result.stderr.count("\n") == 1, result.stderr
    assert named in result.stderr
    assert "Usage:" not in result.stderr and "Error:" not in result.stderr
    assert f"(see: apkneed {args[0]} --help)" in result.stderr or args[0].startswith("-") or args[1] == "--index"


def test_a_usage_error_with_json_is_json_on_stdout():
    result = run("resolve", "python3", "--json", "--nope")
    assert result.exit_code == 2
    assert "'--nope'" in json.loads(result.stdout)["error"]
    assert result.stderr.startswith("apkneed: error: no such option '--nope'")


def test_help_and_version_still_exit_0():
    assert run("plan", "--help").exit_code == 0
    assert run("--version").exit_code == 0


def test_json_and_another_format_is_an_error_not_silent_json():
    result = run("plan", "numpy", "--json", "--format", "apk", "--offline")
    assert result.exit_code == 2
    assert json.loads(result.stdout) == {"error": "--json and --format apk ask for two different outputs: give one"}


def test_blas_python_that_is_not_python_does_not_leak_the_probe_request():
    result = run("blas", "--python", "/bin/ls")
    assert result.exit_code == 3
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("apkneed: error: ")
    assert '"task"' not in result.stderr and "threadpoolctl" not in result.stderr and "{" not in result.stderr
    assert "is it a Python interpreter?" in result.stderr


@pytest.mark.parametrize(("alias", "arch", "index"), [("arm64", "aarch64", "v317"), ("amd64", "x86_64", "v316")])
def test_docker_arch_names_are_aliases(alias, arch, index, v316_index_path, v317_index_path, isolated_cache):
    path = {"v316": v316_index_path, "v317": v317_index_path}[index]
    by_alias = run("resolve", "python3", "--index", str(path), "--arch", alias, "--json")
    by_name = run("resolve", "python3", "--index", str(path), "--arch", arch, "--json")
    assert by_alias.exit_code == 0, by_alias.stderr
    assert json.loads(by_alias.stdout) == json.loads(by_name.stdout)
    assert {"musl", "python3"} <= {p["name"] for p in json.loads(by_alias.stdout)["install"]}


def test_unknown_arch_is_still_refused(v316_index_path):
    result = run("resolve", "python3", "--index", str(v316_index_path), "--arch", "sparc")
    assert result.exit_code == 2 and "unknown Alpine arch 'sparc'" in result.stderr


def test_an_explicit_mirror_that_fails_is_an_error_not_the_snapshot(isolated_cache):
    result = run("resolve", "python3", "--alpine", "v3.16", "--arch", "x86_64", "--mirror", "https://typo.invalid/alpine")
    assert result.exit_code == 3
    assert result.stdout == ""
    assert result.stderr.startswith("apkneed: error: --mirror https://typo.invalid/alpine: ")
    assert "add --offline" in result.stderr and result.stderr.count("\n") == 1
    assert "snapshot:" not in result.stderr  # no fallback happened


def test_an_explicit_mirror_with_offline_falls_back_as_asked(isolated_cache):
    result = run("resolve", "python3", "--alpine", "v3.16", "--arch", "x86_64", "--offline",
                 "--mirror", "https://typo.invalid/alpine")
    assert result.exit_code == 0, result.stderr
    assert "using the embedded snapshot: Alpine v3.16 main x86_64" in result.stderr
    assert "python3-3.10" in result.stdout


def test_a_json_error_keeps_the_warnings_printed_before_it(isolated_cache):
    result = run("plan", "never-resolved-here==1.0", "--alpine", "v3.16", "--arch", "x86_64", "--offline", "--json")
    assert result.exit_code != 0
    answer = json.loads(result.stdout)
    assert "never resolved" in answer["error"]
    printed = [line.removeprefix("apkneed: warning: ") for line in result.stderr.splitlines() if "warning:" in line]
    assert printed and answer["warnings"] == printed
    assert printed[0].startswith("offline (--offline); using the embedded snapshot: Alpine v3.16 main x86_64")


def test_quiet_keeps_blas_progress_lines_off_stderr():
    loud = run("blas", "--bench", "quick", "--sizes", "16", "--json")
    quiet = run("blas", "--bench", "quick", "--sizes", "16", "--json", "-q")
    assert loud.exit_code == quiet.exit_code == 0, loud.stderr
    assert loud.stderr.startswith("apkneed: ")  # one line per measurement
    assert quiet.stderr == ""
    assert json.loads(quiet.stdout).keys() == json.loads(loud.stdout).keys()


@pytest.mark.parametrize("args", [
    ["resolve", "zlib"], ["provides", "libz.so.1"], ["scan", "{root}"], ["why", "zlib", "--plan", "{plan}"],
])
def test_the_help_lists_the_exit_status_an_unsigned_index_gets(args, tmp_path, v316_index_path, isolated_cache):
    """An index that is not signed is refused with exit 3 by every command that reads one; each
    command's --help lists 3 among its exit statuses (resolve, provides, why and scan did not)."""
    import tarfile

    with tarfile.open(v316_index_path) as archive:  # the real index, without its signature
        (tmp_path / "APKINDEX").write_bytes(archive.extractfile("APKINDEX").read())
    (tmp_path / "root").mkdir()
    (tmp_path / "plan.json").write_text("{}")
    command = [a.format(root=tmp_path / "root", plan=tmp_path / "plan.json") for a in args]
    status = run(*command, "--index", str(tmp_path / "APKINDEX"), "--arch", "x86_64").exit_code
    help_text = " ".join(run(command[0], "--help").stdout.split())
    exit_line = help_text[help_text.index("Exit status"):]
    exit_line = exit_line[:exit_line.index(".", exit_line.index("2 ")) + 1]  # the sentence, to the status after 2
    if command[0] != "why":  # why --plan reads no index: its 3 comes from a plan's network or index
        assert status == 3
    assert " 3 " in exit_line, exit_line
