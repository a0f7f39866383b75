"""The solver against apk-tools 2.14.10 itself: ../shared/oracle, every case.

Each oracle case is what the real ``apk add --simulate`` installed on an
empty root with the real Alpine v3.16 x86_64 index, or the error it printed
and its exit status. The solver must give the same packages, the same
refusal with the same text (problem names, "provided by", "required by",
"breaks"), and apk's exit status.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from apkneed.alpine.index import read_index_file
from apkneed.alpine.providers import build_provider_map
from apkneed.alpine.solver import SolverError, solve


# Read at collection time, to name each case by its request. A missing
# shared directory fails the collection: a test must not pass without its truth.
ORACLE_PATH = Path(__file__).resolve().parents[2].parent / "shared" / "oracle" / "apk-simulate-316-x86_64.json"
ORACLE = json.loads(ORACLE_PATH.read_text())
CASES = [("results", i, c["request"]) for i, c in enumerate(ORACLE["results"])] + [
    ("results_with_busybox", i, c["request"]) for i, c in enumerate(ORACLE["results_with_busybox"])
]


@pytest.fixture(scope="module")
def oracle():
    return ORACLE


@pytest.fixture(scope="module")
def v316_map(v316_index_path):
    return build_provider_map([read_index_file(v316_index_path)])


def test_oracle_has_every_case(oracle):
    assert len(oracle["results"]) == 43
    assert len(oracle["results_with_busybox"]) == 10


@pytest.mark.parametrize("oracle_case", CASES, ids=[f"{kind}:{request}" for kind, _, request in CASES])
def test_matches_apk(oracle, v316_map, oracle_case):
    kind, position, request = oracle_case
    case = oracle[kind][position]
    assert case["request"] == request
    if case["exit"] == 0:
        solution = solve(v316_map, request.split())
        assert sorted(p.nv for p in solution.installs) == case["installs"]
        assert len(solution.installs) == case["package_count"]
        # apk prints the installed total in whole MiB
        assert f"{solution.installed_size // (1024 * 1024)} MiB" == case["total_installed_size"]
        _assert_dependencies_first(solution)
    else:
        with pytest.raises(SolverError) as info:
            solve(v316_map, request.split())
        error = info.value
        assert error.apk_exit_status == case["exit"]
        assert error.apk_output == case["error"]
        # the structured problems say the same as the text
        for problem in error.problems:
            assert f"  {problem.subject}:" in case["error"]
            for label, items in problem.sections:
                for item in items:
                    assert item.split()[0] in case["error"], (label, item)
        assert "\n" not in str(error)
        assert error.problems[0].name in str(error)


def _assert_dependencies_first(solution):
    position = {p.name: i for i, p in enumerate(solution.installs)}
    for i, package in enumerate(solution.installs):
        for dep in package.depends:
            if dep.name in position:
                assert position[dep.name] < i or _in_cycle(solution, dep.name, package.name), (package.nv, dep)


def _in_cycle(solution, a, b):
    by_name = {p.name: p for p in solution.installs}

    def reaches(start, goal):
        stack, seen = [start], set()
        while stack:
            name = stack.pop()
            if name == goal:
                return True
            if name in seen or name not in by_name:
                continue
            seen.add(name)
            stack.extend(d.name for d in by_name[name].depends)
        return False

    return reaches(a, b)


def test_postgresql_dev_fails_like_apk_with_six_errors(v316_map):
    with pytest.raises(SolverError) as info:
        solve(v316_map, ["postgresql-dev"])
    problem = info.value.problems[0]
    assert problem.kind == "virtual" and problem.name == "/bin/sh"
    assert problem.items("provided by") == ("busybox",)
    assert problem.items("required by") == ("icu-data-en-71.1-r2[/bin/sh]",)
    assert info.value.error_count == 6
    assert "/bin/sh" in str(info.value) and "busybox" in str(info.value)


def test_install_if_pulls_ssl_client_after_its_triggers(v316_map):
    steps = [p.name for p in solve(v316_map, ["busybox", "postgresql-dev"]).installs]
    assert "ssl_client" in steps
    # ssl_client (i:busybox libssl1.1) comes after both of its triggers
    assert steps.index("ssl_client") > max(steps.index("busybox"), steps.index("libssl1.1"))
