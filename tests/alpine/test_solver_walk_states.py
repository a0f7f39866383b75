"""Discovery resumed from a kept walk state is the discovery made from scratch.

The solver keeps, per provider map and rules, the state of its discovery
walk after the first root and after the whole request (names and packages
seen, numbers given); a later request whose first roots are the same goes
on from the longest such prefix. Here every
discovery on a map that kept states is compared, name by name, with the
same discovery on a fresh map, for requests that share first roots with
earlier ones (as a plan's worlds share the base image's), with both
apk-tools generations' rules, on the real v3.21 main + community.
"""

from __future__ import annotations

import random

import pytest

from apkneed.alpine import solver
from apkneed.alpine.index import read_index_file
from apkneed.alpine.providers import build_provider_map
from apkneed.alpine.solver_rules import APK_TOOLS_2, APK_TOOLS_3


@pytest.fixture(scope="module")
def v321_indexes(shared_dir):
    return [read_index_file(shared_dir / "alpine" / "v3.21" / repo / "x86_64" / "APKINDEX.tar.gz")
            for repo in ("main", "community")]


def _dropped(providers, rules):
    return solver._strict_reading(providers)[1] if rules.strict_index_versions else frozenset()


def _walk(providers, roots, rules):
    tables = providers.solver_tables()
    seen, seen_pkgs, order = solver._discover(providers, tables, roots, len(tables.names), _dropped(providers, rules), rules)
    return bytes(seen), bytes(seen_pkgs), list(order)


@pytest.mark.parametrize("rules", [APK_TOOLS_2, APK_TOOLS_3], ids=lambda r: r.label)
def test_a_resumed_walk_is_the_walk_from_scratch(v321_indexes, rules):
    kept = build_provider_map(v321_indexes)
    tables = kept.solver_tables()
    named = sorted(set(tables.pkg_name))
    ids = tables.ids
    base = [ids.get(name) for name in ("alpine-baselayout", "busybox", "musl", "python3")]
    chooser = random.Random(15)
    resumed = 0
    # one map walked from scratch each time: its kept states are dropped before each walk (building a
    # map for each walk made the same comparison in 10 s instead of 2.6 s, both rules)
    scratch = build_provider_map(v321_indexes)
    scratch.solver_tables()
    for _ in range(12):
        roots = base[: chooser.randint(1, len(base))] + chooser.sample(named, chooser.randint(0, 2))
        _, start = solver._walked_states(kept, roots, len(tables.names), len(tables.names), _dropped(kept, rules), rules)
        resumed += start > 0
        for key in [key for key in scratch._memo if key[0] == "walked states"]:
            del scratch._memo[key]
        walked = _walk(kept, roots, rules)
        assert solver._walked_states(scratch, roots, len(tables.names), len(tables.names), _dropped(scratch, rules),
                                     rules)[1] == 0  # nothing kept: the walk starts from the first root
        assert walked == _walk(scratch, roots, rules), roots
    assert resumed >= 6  # most requests went on from a kept state
    kept_states = [value for key, value in kept._memo.items() if key[0] == "walked states"]
    assert kept_states and all(len(states) <= solver.MAX_WALKED_STATES for states in kept_states)


def test_a_request_only_name_keeps_no_state(v321_indexes):
    providers = build_provider_map(v321_indexes)
    tables = providers.solver_tables()
    total = len(tables.names) + 1  # a name no index has, only the request
    assert solver._walked_states(providers, [0, total - 1], total, len(tables.names), frozenset(), APK_TOOLS_2) == (None, 0)


def test_a_state_is_kept_only_under_the_roots_it_walked(v321_indexes):
    # A walk resumed from a kept prefix of two or more roots, whose first-root state was
    # evicted meanwhile, must not keep the state it reaches later under the first root alone:
    # a request sharing only that first root would go on from names it never asked for.
    rules = APK_TOOLS_2
    kept = build_provider_map(v321_indexes)
    tables = kept.solver_tables()
    ids = tables.ids
    a, b, c, d, e, x = (ids.get(name) for name in ("musl", "busybox", "python3", "py3-numpy", "gcc", "zlib"))
    _walk(kept, [a, b, c], rules)  # keeps (a,) and (a, b, c)
    states = next(value for key, value in kept._memo.items() if key[0] == "walked states" and key[1] == rules)
    del states[(a,)]  # as the least recently used of MAX_WALKED_STATES would be
    _walk(kept, [a, b, c, d, e], rules)  # goes on from (a, b, c)
    scratch = build_provider_map(v321_indexes)
    assert _walk(kept, [a, x], rules) == _walk(scratch, [a, x], rules)
