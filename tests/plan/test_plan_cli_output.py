"""The plan CLI's output contract (issue 11, item 12): JSON carries every warning stderr
shows, -q silences stderr only, pip-configuration notices are printed once per
configuration (or with -v), ``why --json`` gives chains as arrays, ``why --help`` has
the routes it points to, and a terminal sees progress while uv resolves and a total."""

from __future__ import annotations

import json
import os

import pytest

from plan_helpers import cli_env, invoke
from terminal_helpers import on_a_terminal

REQS = ("pillow==12.3.0", "psycopg2==2.9.13")
TARGET = ("--alpine", "v3.16", "--arch", "x86_64")
SNAPSHOT_WARNING = "offline (--offline); using the embedded snapshot: Alpine v3.16 main x86_64 of 2022-11-21"


@pytest.fixture(scope="module")
def resolved_once(make_run, v316_index_path):
    """The requirement set planned once online, so that --offline runs below can answer."""
    return make_run(REQS, indexes=[v316_index_path], arch="x86_64")


def offline_plan(plan_cache, *extra, env_extra=None):
    args = ["plan", *REQS, *TARGET, "--offline", *extra]
    if env_extra is None:
        return invoke(plan_cache, *args)
    from click.testing import CliRunner

    from apkneed.cli import main

    return CliRunner(env={**cli_env(plan_cache), **env_extra}).invoke(main, args)


@pytest.mark.network
def test_json_warnings_carry_the_snapshot_fallback_printed_on_stderr(plan_cache, resolved_once):
    result = offline_plan(plan_cache, "--json")
    assert result.exit_code == 0, result.stderr
    assert f"apkneed: warning: {SNAPSHOT_WARNING}" in result.stderr
    warnings = json.loads(result.stdout)["warnings"]
    printed = [line.removeprefix("apkneed: warning: ") for line in result.stderr.splitlines()]
    assert any(w.startswith(SNAPSHOT_WARNING) for w in warnings)
    assert printed and set(printed) <= set(warnings)


@pytest.mark.network
def test_quiet_silences_stderr_warnings_but_not_json(plan_cache, resolved_once):
    loud = offline_plan(plan_cache)
    assert SNAPSHOT_WARNING in loud.stderr
    quiet = offline_plan(plan_cache, "-q")
    assert quiet.exit_code == 0 and quiet.stderr == ""
    assert quiet.stdout == loud.stdout
    quiet_json = offline_plan(plan_cache, "--quiet", "--json")
    assert quiet_json.stderr == ""
    assert any(w.startswith(SNAPSHOT_WARNING) for w in json.loads(quiet_json.stdout)["warnings"])
    group_level = invoke(plan_cache, "-q", "plan", *REQS, *TARGET, "--offline")
    assert group_level.exit_code == 0 and group_level.stderr == ""


@pytest.mark.network
def test_pip_configuration_notices_are_printed_once_per_configuration(plan_cache, resolved_once, tmp_path):
    conf = tmp_path / "pip.conf"
    # a path unique to this test run: a configuration apkneed has never seen
    conf.write_text(f"[global]\nextra-index-url = https://example.invalid/{tmp_path.name}/simple\n")
    env = {"PIP_CONFIG_FILE": str(conf)}
    notice = f"extra-index-url https://example.invalid/{tmp_path.name}/simple (from {conf} [global])"
    first = offline_plan(plan_cache, env_extra=env)
    assert first.exit_code == 0 and notice in first.stderr
    second = offline_plan(plan_cache, env_extra=env)
    assert second.exit_code == 0 and notice not in second.stderr
    assert second.stdout == first.stdout
    verbose = offline_plan(plan_cache, "-v", env_extra=env)
    assert notice in verbose.stderr
    as_json = offline_plan(plan_cache, "--json", env_extra=env)
    assert notice not in as_json.stderr
    assert any(notice in w for w in json.loads(as_json.stdout)["warnings"])
    conf.write_text(conf.read_text() + "find-links = /nowhere\n")  # a changed configuration is new again
    changed = offline_plan(plan_cache, env_extra=env)
    assert notice in changed.stderr and "find-links /nowhere" in changed.stderr


@pytest.mark.network
def test_why_json_chains_are_arrays_as_in_plan_json(plan_cache, resolved_once, tmp_path):
    plan = offline_plan(plan_cache, "--json", "-q")
    saved = tmp_path / "plan.json"
    saved.write_text(plan.stdout)
    result = invoke(plan_cache, "why", "libpq", "--plan", saved, "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    needs = [n for n in json.loads(plan.stdout)["needs"] if n["apk"] == "libpq"]
    assert data["in_plan"] and [c["chain"] for c in data["chains"]] == [n["chain"] for n in needs]
    assert all(isinstance(c["chain"], list) and c["chain"] for c in data["chains"])
    text = invoke(plan_cache, "why", "libpq", "--plan", saved)
    assert data["lines"] == text.stdout.splitlines()
    assert text.stdout.startswith("libpq ← " + " ← ".join(data["chains"][0]["chain"]))


def test_why_help_has_the_routes_its_route_option_points_to(tmp_path):
    text = invoke(tmp_path, "why", "--help").stdout
    assert "(see below)" in text
    below = text[text.index("(see below)"):]
    assert "Routes" in below and "source" in below


@pytest.mark.network
def test_a_terminal_sees_uv_resolving_then_a_total(plan_cache, resolved_once, tmp_path, v316_index_path):
    """On a terminal (a pty), the progress names uv's resolution, then counts n/total."""
    cache = tmp_path / "cache"
    cache.mkdir()
    for name in ("pypi", "uv"):  # the downloads are cached; the resolution and facts are not
        (cache / name).symlink_to(plan_cache / name)
    env = {k: v for k, v in cli_env(cache).items() if v is not None}
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "UV_"))}, **env}
    env["COLUMNS"] = "120"
    status, shown = on_a_terminal(
        ["plan", *REQS, "--index", str(v316_index_path), "--arch", "x86_64", "-q"], env
    )
    assert status == 0, shown
    assert "resolving the requirements with uv" in shown
    assert "2/2" in shown


@pytest.mark.network
def test_a_requirement_set_no_distribution_of_which_is_for_the_target(plan_cache, v316_index_path):
    """pywin32 ; sys_platform == "win32" on Alpine: nothing to install. The answer says so and why,
    instead of an empty table."""
    args = ("plan", 'pywin32==306 ; sys_platform == "win32"', "--index", v316_index_path, "--arch", "x86_64")
    result = invoke(plan_cache, *args)
    assert result.exit_code == 0, result.output
    assert "distribution ┃" not in result.stdout  # no empty table
    assert ("No distribution to install: the environment markers of every requirement are false on this "
            "target (Linux x86_64, Python 3.10)") in result.stdout
    assert "apk add --no-cache python3" in result.stdout
