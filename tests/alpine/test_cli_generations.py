"""`apkneed resolve` with several repositories, tagged ones, and --apk-tools 2|3.

Every expected answer is a real apk-tools answer from ``data/apk214-*.json``
/ ``data/apk30-*.json`` (see test_solver_generations.py), read, not copied.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from apkneed.cli import main

DATA = Path(__file__).parent / "data"


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def answer(file: str, request: str) -> dict:
    for case in json.loads((DATA / file).read_text())["results"]:
        if case["request"] == request:
            return case
    raise AssertionError(f"{request} not in {file}")


@pytest.fixture(scope="module")
def v321(shared_dir, tmp_path_factory):
    main_index = shared_dir / "alpine/v3.21/main/x86_64/APKINDEX.tar.gz"
    community = shared_dir / "alpine/v3.21/community/x86_64/APKINDEX.tar.gz"
    return str(main_index), str(community)


def _printed(output: str) -> list[str]:
    # "py3-numpy-2.1.3-r0@community" as apkneed prints it; apk prints "py3-numpy@community (2.1.3-r0)"
    lines = output.strip().splitlines()[:-1]
    out = []
    for line in lines:
        nv, _, tag = line.partition("@")
        name, version = nv.rsplit("-", 2)[0], "-".join(nv.rsplit("-", 2)[1:])
        out.append(f"{name}{'@' + tag if tag else ''}-{version}")
    return out


def test_two_repositories_default_to_apk_tools_2(v321, isolated_cache):
    main_index, community = v321
    result = run("resolve", "postgresql-client", "--index", main_index, "--index", community, "--arch", "x86_64")
    assert result.exit_code == 0, result.output
    assert _printed(result.stdout) == answer("apk214-v321-main-community.json", "postgresql-client")["installs_in_order"]


def test_apk_tools_3_on_the_same_files(v321, isolated_cache):
    main_index, community = v321
    result = run("resolve", "postgresql-client", "--index", main_index, "--index", community, "--arch", "x86_64",
                 "--apk-tools", "3")
    assert result.exit_code == 0, result.output
    expected = answer("apk30-v321-main-community.json", "postgresql-client")["installs_in_order"]
    assert _printed(result.stdout) == expected
    # and it is not 2.14's answer: the option really changes the rules
    assert expected != answer("apk214-v321-main-community.json", "postgresql-client")["installs_in_order"]


def test_tagged_index_pins_community(v321, isolated_cache):
    main_index, community = v321
    result = run("resolve", "py3-numpy@community", "--index", main_index, "--index", f"@community={community}",
                 "--arch", "x86_64")
    assert result.exit_code == 0, result.output
    assert _printed(result.stdout) == answer("apk214-v321-tagged.json", "py3-numpy@community")["installs_in_order"]


def test_untagged_request_cannot_use_a_tagged_repository(v321, isolated_cache):
    main_index, community = v321
    result = run("resolve", "py3-numpy", "--index", main_index, "--index", f"@community={community}",
                 "--arch", "x86_64", "--json")
    case = answer("apk214-v321-tagged.json", "py3-numpy")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["apk_exit_status"] == case["exit"]
    assert json.loads(result.stdout)["apk_output"] == case["error"]


def test_a_tag_that_names_no_repository_is_bad_input(v321, isolated_cache):
    main_index, community = v321
    result = run("resolve", "py3-numpy@edge", "--index", main_index, "--index", f"@community={community}",
                 "--arch", "x86_64")
    assert result.exit_code == 2
    assert result.stderr.strip() == "apkneed: error: py3-numpy@edge: no repository is tagged @edge (tagged: @community)"
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("spec", ["@=x", "@community", "@com/x=y"])
def test_malformed_tagged_index_is_bad_input(spec, isolated_cache):
    result = run("resolve", "python3", "--index", spec, "--arch", "x86_64")
    assert result.exit_code == 2
    assert result.stderr.startswith("apkneed: error: --index ")
    assert len(result.stderr.strip().splitlines()) == 1


def test_apk_tools_option_is_validated(v321, isolated_cache):
    result = run("resolve", "python3", "--index", v321[0], "--arch", "x86_64", "--apk-tools", "4")
    assert result.exit_code == 2


@pytest.mark.parametrize("entry", ["click", "console script"])
def test_v323_index_answers_as_apk_tools_3_by_default(entry, shared_dir, isolated_cache):
    """An --index of v3.23 names its release: apk-tools 3.0's rules answer, on both entries."""
    import subprocess
    import sys

    index = str(shared_dir / "alpine/v3.23/main/x86_64/APKINDEX.tar.gz")
    args = ["resolve", "python3", "!musl", "--index", index, "--arch", "x86_64", "--json"]
    if entry == "click":
        result = run(*args)
        status, stdout = result.exit_code, result.stdout
    else:  # apkneed.__main__: the click-free path for plain resolve commands
        done = subprocess.run([sys.executable, "-m", "apkneed", *args], capture_output=True, text=True)
        status, stdout = done.returncode, done.stdout
    three = answer("apk30-v323-main.json", "python3 !musl")
    two = answer("apk214-v323-main.json", "python3 !musl")
    assert three["error"] != two["error"]  # 3.0 sorts its "satisfies:" list, 2.14 does not
    assert status == 1
    assert json.loads(stdout)["apk_output"] == three["error"]
