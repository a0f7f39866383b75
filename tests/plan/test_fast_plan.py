"""The console script's click-free path for ``apkneed plan`` (and ``apkneed NAME``) answers exactly as click does.

Each invocation runs twice as a whole process, through ``python -m apkneed``
(the console script's entry, which takes the fast path for the forms it
reads) and through :func:`apkneed.cli.main` (click), after a warm-up run
through click that leaves the resolution and the facts in the test cache
(a first run's JSON says what it downloaded; the two compared runs are
both warm). stdout, stderr and the exit status must be the same, byte for
byte: answers in every output format, ``-r`` files, and bad input.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from plan_helpers import cli_env

from apkneed.__main__ import fast_plan_args

CLICK = "import sys; from apkneed.cli import main; sys.exit(main())"
PILLOW = ("pillow==12.3.0", "--base", "python:3.10")


@pytest.fixture()
def env(plan_cache) -> dict[str, str]:
    return {k: v for k, v in {**os.environ, **cli_env(plan_cache)}.items() if v is not None}


def run_both(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    assert fast_plan_args(args) is not None, "this invocation should take the fast path"
    for entry in (["-c", CLICK], ["-m", "apkneed"], ["-c", CLICK]):  # warm-up, then the two compared
        run = subprocess.run([sys.executable, *entry, *args], capture_output=True, text=True, env=env, timeout=300)
        if entry[0] == "-m":
            fast = run
    slow = run
    assert (fast.returncode, fast.stdout, fast.stderr) == (slow.returncode, slow.stdout, slow.stderr)
    assert "Traceback" not in fast.stderr
    return fast


@pytest.fixture()
def v316(v316_index_path) -> list[str]:
    return ["--index", str(v316_index_path), "--arch", "x86_64"]


def test_same_plans_in_every_format(env, v316, tmp_path):
    text = run_both(["plan", *PILLOW, *v316], env)
    assert text.returncode == 0 and text.stdout.startswith("Target: Alpine v3.16 x86_64")
    as_json = run_both([PILLOW[0], *v316, "--base=python:3.10", "--json"], env)  # `apkneed NAME`, an --opt=value
    assert '"packages"' in as_json.stdout
    apk = run_both(["plan", *PILLOW, *v316, "--format", "apk", "--explain", "-q"], env)
    assert "apk add --no-cache" in apk.stdout and apk.stderr.startswith("# ")
    dockerfile = run_both(["plan", *PILLOW, "--format=dockerfile", *v316], env)
    assert "FROM python:3.10-alpine3.16" in dockerfile.stdout
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("pillow==12.3.0\n")
    from_file = run_both(["plan", "-r", str(requirements), *v316, "--base", "python:3.10", "--offline"], env)
    assert from_file.returncode == 0 and "pillow" in from_file.stdout


def test_same_errors_on_bad_input(env, v316, tmp_path):
    for args in (
        ["plan", *PILLOW, *v316, "--format", "nope"],
        ["plan", *PILLOW, *v316, "--json", "--format", "apk"],
        ["plan", *PILLOW, *v316, "--route", "apk"],  # the apk route needs --base alpine
        ["plan", PILLOW[0], *v316, "--python", "3.99"],
        ["plan", PILLOW[0], *v316, "--base", "python:9.9", "--json"],
        ["plan", "-r", str(tmp_path / "absent.txt"), *v316],
        ["plan", PILLOW[0], "--index", str(tmp_path / "absent"), "--arch", "x86_64", "--json"],
        ["no-such-distribution-here", *v316, "--offline", "--json"],  # never resolved: nothing to answer offline
    ):
        both = run_both(args, env)
        assert both.returncode in (2, 3) and both.stderr.startswith("apkneed: error: ")
        assert both.stdout.startswith('{"error": ') == ("--json" in args)


@pytest.mark.parametrize("args", [
    [], ["plan"], ["plan", "--help"], ["numpy", "-h"], ["--version"], ["-q", "numpy"],  # group options: click's
    ["numpy", "-v"], ["numpy", "--json", "--json"], ["numpy", "-q", "--quiet"],
    ["numpy", "--alpine", "v3.16", "--alpine", "v3.17"], ["numpy", "--arch", "amd64"],  # an alias: click maps it
    ["numpy", "--index", "@community=x"], ["numpy", "--", "scipy"], ["numpy", "--mirror", "https://m"],
    ["numpy", "--extra", "a"], ["numpy", "--group", "g"], ["numpy", "--index-url", "https://i"],
    ["numpy", "--apk-tools", "3"], ["numpy", "-rfile"], ["numpy", "-r=file"], ["numpy", "--format"],
    ["numpy", "--base", "-q"], ["numpy", "--json=1"], ["numpy", ""], ["numpy", "-"], ["numpy", "--nope"],
    ["why", "zlib", "numpy"], ["resolve", "musl"], ["scan", "root"], ["cache", "info"],
])
def test_anything_but_the_forms_it_reads_goes_to_click(args):
    assert fast_plan_args(args) is None


def test_the_forms_are_read_as_click_reads_them():
    assert fast_plan_args(["numpy", "--arch=x86_64", "-r", "a.txt", "--requirement=b.txt", "scipy", "--index", "i",
                           "--json", "-q", "--format", "json", "--route=wheel"]) == {
        "requirements": ["numpy", "scipy"], "arch": "x86_64", "requirement_files": ["a.txt", "b.txt"],
        "index_paths": ["i"], "as_json": True, "quiet": True, "output_format": "json", "route_policy": "wheel",
    }
    assert fast_plan_args(["plan", "-r", "requirements.txt"]) == {"requirements": [], "requirement_files": [
        "requirements.txt"]}
    assert fast_plan_args(["plan", "scan", "--offline", "--explain", "--pre", "--allow-untrusted", "--keep-wheels",
                           "--alpine", "v3.21", "--python", "3.12", "--base", "alpine"]) == {
        "requirements": ["scan"], "offline": True, "explain": True, "prerelease": True, "allow_untrusted": True,
        "keep_wheels": True, "release": "v3.21", "python_version": "3.12", "base_text": "alpine",
    }


def test_the_click_free_run_ends_with_its_block(capsys):
    from apkneed.cli import run

    with run.click_free_run(quiet=True, keep_wheels=True):
        run.warn("kept for JSON, not printed")
        assert run.quiet() and run.run_state()["keep_wheels"]
        assert run.run_state()["warnings"] == ["kept for JSON, not printed"]
    assert capsys.readouterr().err == ""
    # after the block, a command run in the same process (click's, in tests) starts from its own state
    assert not run.quiet() and run.run_state()["warnings"] == [] and not run.run_state()["keep_wheels"]


#: the words that change how a plan command line reads: every option the fast path knows, with and
#: without a value, options it leaves to click, values that look like options, empty words
PLAN_WORDS = [
    "plan", "numpy", "scipy>=1", "x@y", "@t=x", "", "-", "--", "-h", "-q", "--quiet", "-v", "--json", "--json=1",
    "--offline", "--explain", "--pre", "--allow-untrusted", "--keep-wheels", "--alpine", "--alpine=v3.16", "v3.16",
    "--arch", "--arch=x86_64", "--arch=", "x86_64", "amd64", "--base", "--base=python:3.12", "python:3.12",
    "--python", "3.12", "--route", "--route=wheel", "--format", "--format=json", "json", "-r", "-rreq.txt",
    "--requirement", "--requirement=req.txt", "req.txt", "--index", "--index=i", "--mirror", "--extra", "--nope",
    "-x", "why", "resolve",
]


#: whole options as a user writes them
PLAN_PIECES = st.sampled_from([
    ["numpy"], ["scipy>=1"], ["-q"], ["--json"], ["--offline"], ["--explain"], ["--pre"], ["--keep-wheels"],
    ["--allow-untrusted"], ["--alpine", "v3.16"], ["--arch", "aarch64"], ["--base", "alpine"], ["--python=3.12"],
    ["--route", "source"], ["--format", "dockerfile"], ["-r", "a.txt"], ["--requirement", "b.txt"],
    ["--index", "i"], ["--index=j"],
    # what only click reads: each must send the command line to click
    ["--mirror", "https://m"], ["--extra", "e"], ["--group", "g"], ["--index-url", "https://i"], ["--apk-tools", "3"],
    ["-v"], ["--nope"], ["--arch", "amd64"], ["--index", "@t=x"],
])


@settings(max_examples=500, deadline=None)
@given(st.sampled_from(["plan", "plan", "numpy", "scipy>=1"]) | st.sampled_from(PLAN_WORDS),
       st.lists(PLAN_PIECES | st.sampled_from(PLAN_WORDS).map(lambda word: [word]), max_size=6))
def test_fuzz_the_fast_reading_against_clicks(first, pieces):
    args = [first] + [word for piece in pieces for word in piece]
    """Whatever the words: a form the fast path reads is one click reads too, to the very same options."""
    from pathlib import Path

    from apkneed.alpine.sources.release import DEFAULT_MIRROR
    from apkneed.cli.commands import COMMANDS
    from apkneed.cli.plan import plan_command

    found = fast_plan_args(args)
    if found is None:
        return  # click's to read, error or not
    words = args[1:] if args[0] == "plan" else args
    assert args[0] == "plan" or (args[0] not in COMMANDS and not args[0].startswith("-"))  # the group's routing
    ctx = plan_command.make_context("plan", list(words))  # a usage error here fails the test: click refuses it
    params, state = ctx.params, ctx.meta.get("apkneed", {})
    assert params["requirements"] == tuple(found["requirements"])
    assert params["requirement_files"] == tuple(Path(p) for p in found.get("requirement_files", ()))
    assert params["index_paths"] == tuple(Path(p) for p in found.get("index_paths", ()))
    for name in ("release", "arch", "base_text", "python_version"):
        assert params[name] == found.get(name), name
    assert (params["route_policy"], params["output_format"]) == (
        found.get("route_policy", "auto"), found.get("output_format", "text"))
    for name in ("as_json", "offline", "explain", "prerelease", "allow_untrusted"):
        assert params[name] == found.get(name, False), name
    assert (state.get("quiet", False), state.get("keep_wheels", False)) == (
        found.get("quiet", False), found.get("keep_wheels", False))
    # what the fast path leaves at its default
    assert (params["extras"], params["groups"], params["index_url"], params["apk_tools"], params["mirror"]) == (
        (), (), None, None, DEFAULT_MIRROR)
    assert not params["verbose"] if "verbose" in params else not state.get("verbose", False)
