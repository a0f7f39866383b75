"""The solver against apk-tools 2.14.10 on the real v3.17 aarch64 index, in apk's order.

``data/apk-simulate-317-aarch64.json`` was produced the way ../shared/oracle
was: apk-tools 2.14.10 built from source, run with the same invocation (its
``invocation`` key) on the shared v3.17 aarch64 index, one fresh empty root
per request. Unlike the shared oracle it keeps apk's install *order*, which
depends on apk's name-hash walk of install_if packages (openrc and friends).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from apkneed.alpine.index import read_index_file
from apkneed.alpine.providers import build_provider_map
from apkneed.alpine.solver import SolverError, solve

ORACLE = json.loads((Path(__file__).parent / "data" / "apk-simulate-317-aarch64.json").read_text())


@pytest.fixture(scope="module")
def v317_map(v317_index_path):
    return build_provider_map([read_index_file(v317_index_path)])


def test_oracle_file():
    assert ORACLE["apk_version"].startswith("apk-tools 2.14.10")
    assert len(ORACLE["results"]) == 71


@pytest.mark.parametrize("case", ORACLE["results"], ids=[c["request"] for c in ORACLE["results"]])
def test_same_packages_in_the_same_order(v317_map, case):
    request = case["request"].split()
    if case["exit"] == 0:
        assert [p.nv for p in solve(v317_map, request).installs] == case["installs_in_order"]
    else:
        with pytest.raises(SolverError) as info:
            solve(v317_map, request)
        assert info.value.apk_output == case["error"]
        assert info.value.apk_exit_status == case["exit"]
