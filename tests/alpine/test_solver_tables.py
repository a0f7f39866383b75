"""The solver's integer tables (``ProviderMap.solver_tables`` & co) against the
straightforward computation from the packages, on the real shared indexes.

Each table is checked in full against a plain re-derivation from the
Package records (and, for the ordered reverse lists, against the string API
the error report still uses), on v3.16 main and on v3.21 main + community
(25,392 packages, two repositories sharing packages).
"""

from __future__ import annotations

import pytest

from apkneed.alpine.index import read_index_file
from apkneed.alpine.providers import NAME_HASH_BUCKETS, build_provider_map, name_hash


@pytest.fixture(scope="module", params=["v3.16 main", "v3.21 main+community", "v3.21 main+community, parsed copies"])
def world(request, shared_dir, tmp_path_factory):
    if request.param == "v3.16 main":
        paths = [shared_dir / "alpine/v3.16/main/x86_64/APKINDEX.tar.gz"]
    else:
        paths = [shared_dir / f"alpine/v3.21/{repo}/x86_64/APKINDEX.tar.gz" for repo in ("main", "community")]
    if request.param.endswith("parsed copies"):
        # the tables a parsed copy keeps (alpine.sources.parsed), read back as a later run reads them
        from apkneed.alpine.sources.parsed import ParsedIndexes

        store = ParsedIndexes(tmp_path_factory.mktemp("parsed"))
        build_provider_map([store.read_file(p) for p in paths])
        kept = build_provider_map([store.read_file(p) for p in paths])
        assert type(kept.tables.first) is memoryview  # from the copy, not made again
        return kept
    return build_provider_map([read_index_file(p) for p in paths])


def _creation_order(packages) -> list[str]:
    # apk creates names while it reads each record: P:, then D:, p:, i: names
    seen: dict[str, None] = {}
    for package in packages:
        seen.setdefault(package.name)
        for atoms in (package.depends, package.provides, package.install_if):
            for atom in atoms:
                seen.setdefault(atom.name)
    return list(seen)


def test_names_are_numbered_in_apk_creation_order(world):
    tables = world.solver_tables()
    assert tables.names == _creation_order(world.packages)
    assert all(tables.ids[name] == i for i, name in enumerate(tables.names))
    assert len(tables.ids) == len(tables.names)
    assert set(world.names()) <= set(tables.ids)


def test_package_rows_are_the_records_as_name_ids(world):
    tables = world.solver_tables()
    ids = tables.ids
    assert len(tables.pkg_name) == len(world.packages)
    for number, package in enumerate(world.packages):
        assert tables.pkg_name[number] == ids[package.name]
        assert tables.pkg_depends[number] == tuple(ids[a.name] for a in package.depends)
        assert tables.pkg_provides[number] == tuple(ids[a.name] for a in package.provides)
        assert tables.pkg_install_if[number] == tuple(ids[a.name] for a in package.install_if)


def test_name_providers_follow_the_provider_map(world):
    tables = world.solver_tables()
    number = {id(p): k for k, p in enumerate(world.packages)}
    for i, name in enumerate(tables.names):
        assert tables.name_providers[i] == tuple(number[id(p.package)] for p in world.providers(name)), name


def test_reverse_tables_list_every_package_once_in_load_order(world):
    tables = world.solver_tables()
    ids = tables.ids
    depended_by: dict[int, list[int]] = {}
    install_if_by: dict[int, list[int]] = {}
    for number, package in enumerate(world.packages):
        for target, atoms in ((depended_by, package.depends), (install_if_by, package.install_if)):
            for name_id in dict.fromkeys(ids[a.name] for a in atoms):
                target.setdefault(name_id, []).append(number)
    assert tables.depended_by == {i: tuple(v) for i, v in depended_by.items()}
    assert tables.install_if_by == {i: tuple(v) for i, v in install_if_by.items()}
    # the busiest reverse list of all is the C library's
    libc = max(tables.depended_by, key=lambda i: len(tables.depended_by[i]))
    assert tables.names[libc].startswith("so:libc.musl-")


def test_install_if_dependents_by_id_match_the_string_api(world):
    tables = world.solver_tables()
    ids = tables.ids
    checked = 0
    for i in tables.install_if_by:
        name = tables.names[i]
        assert world.reverse_install_if_ids(i) == tuple(ids[n] for n in world.reverse_install_if_names(name))
        assert world.install_if_dependent_ids(i) == tuple(ids[n] for n in world.install_if_dependents(name))
        checked += 1
    assert checked > 100


def test_dropping_install_if_lines_leaves_their_names_out(world):
    tables = world.solver_tables()
    i = max(tables.install_if_by, key=lambda n: len(tables.install_if_by[n]))
    dropped = frozenset(tables.install_if_by[i][:3])
    kept = [k for k in tables.install_if_by[i] if k not in dropped]
    expected: dict[int, None] = {}
    for k in kept:
        expected[tables.pkg_name[k]] = None
        expected.update(dict.fromkeys(tables.pkg_provides[k]))
    assert world.reverse_install_if_ids(i, dropped) == tuple(expected)
    assert len(world.reverse_install_if_ids(i, dropped)) < len(world.reverse_install_if_ids(i))


def test_hash_order_key_sorts_like_apk_name_table(world):
    tables = world.solver_tables()
    ids = tables.ids
    # the dependents of zlib's soname, ordered by key, are the string API's order
    name = "so:libz.so.1"
    unordered = [ids[n] for n in world.reverse_names(name)]
    assert len(unordered) > 50
    by_key = sorted(unordered, key=world.hash_order_key)
    assert [tables.names[i] for i in by_key] == list(world.dependents(name))
    for i in by_key[:20]:
        assert world.hash_order_key(i) == (name_hash(tables.names[i]) % NAME_HASH_BUCKETS, -i)
