"""A world knows its repositories; --index files must make one coherent world.

All on the real shared indexes (v3.16 main, v3.17 aarch64 main, v3.21 main
and community) and the embedded snapshot.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from apkneed.alpine.package import Package
from apkneed.alpine.sources.parsed import FORMAT
from apkneed.alpine.sources.snapshot import read_manifest
from apkneed.alpine.sources.world import load_world
from apkneed.cli import main
from apkneed.errors import InputError


@pytest.fixture(scope="module")
def v321(shared_dir):
    base = shared_dir / "alpine" / "v3.21"
    return base / "main" / "x86_64" / "APKINDEX.tar.gz", base / "community" / "x86_64" / "APKINDEX.tar.gz"


def rows(index):
    return [tuple(getattr(p, name) for name in Package.__slots__) for p in index.packages]


def run(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


def test_main_and_community_make_one_world_searched_in_order(v321, isolated_cache):
    world = load_world(index_paths=list(v321), arch="x86_64")
    assert world.release == "v3.21"  # v3.21.2 main and v3.21.3 community: one release
    assert (world.held, world.absent) == (("main", "community"), ())
    assert world.scope() == "in v3.21 main+community"
    main_only = load_world(index_paths=[v321[0]], arch="x86_64")
    assert main_only.scope() == "in v3.21 main (community was not given with --index)"


def test_indexes_of_two_releases_are_refused(v316_index_path, v321, isolated_cache):
    with pytest.raises(InputError) as error:
        load_world(index_paths=[v316_index_path, v321[1]], arch="x86_64")
    assert str(error.value) == (
        f"--index files of different releases in one world ({v316_index_path} is Alpine v3.16, "
        f"{v321[1]} is Alpine v3.21); give the indexes of one release"
    )


def test_an_index_of_one_release_with_alpine_of_another_is_refused(v316_index_path, isolated_cache):
    with pytest.raises(InputError, match=(
        rf"^--index {v316_index_path} is Alpine v3.16 \(DESCRIPTION v3.16.3-13-g4d933a1fa3\), "
        r"but --alpine says v3.20; drop --alpine or give an index of v3.20$"
    )):
        load_world(index_paths=[v316_index_path], release="v3.20", arch="x86_64")
    assert load_world(index_paths=[v316_index_path], release="v3.16", arch="x86_64").release == "v3.16"


def test_community_without_its_main_is_refused(v321, isolated_cache):
    with pytest.raises(InputError, match=(
        rf"^--index {v321[1]}: its packages need so:libc.musl-x86_64.so.1, and no --index holds musl: "
        r"a community index needs its release's main index too \(add --index for main\)$"
    )):
        load_world(index_paths=[v321[1]], arch="x86_64")


def test_indexes_of_two_arches_are_refused(v316_index_path, v317_index_path, isolated_cache):
    with pytest.raises(InputError, match=rf"^{v317_index_path}: index is for aarch64, not x86_64"):
        load_world(index_paths=[v316_index_path, v317_index_path], arch="x86_64")


@pytest.mark.parametrize("case", ["releases", "alpine", "community", "arches"])
def test_incoherent_index_options_are_one_line_and_exit_2(case, v316_index_path, v317_index_path, v321,
                                                         isolated_cache):
    args = {
        "releases": ["--index", v316_index_path, "--index", v321[1]],
        "alpine": ["--index", v316_index_path, "--alpine", "v3.20"],
        "community": ["--index", v321[1]],
        "arches": ["--index", v316_index_path, "--index", v317_index_path],
    }[case]
    code, out, err = run("resolve", "python3", "--arch", "x86_64", *args)
    assert (code, out) == (2, "")
    assert err.startswith("apkneed: error: --index ") or err.startswith(f"apkneed: error: {v317_index_path}")
    assert err.count("\n") == 1
    code, out, _ = run("resolve", "python3", "--arch", "x86_64", "--json", *args)
    assert code == 2 and set(json.loads(out)) == {"error"}


def test_a_release_not_embedded_without_the_mirror_is_exit_3_listing_the_snapshot(isolated_cache):
    code, out, err = run("resolve", "python3", "--offline", "--alpine", "v3.20", "--arch", "x86_64")
    assert (code, out) == (3, "")
    assert err.startswith("apkneed: error: offline (--offline), no cached index, and the embedded snapshot has no "
                          "Alpine v3.20 x86_64 (it has: ")
    for entry in read_manifest():
        assert f"Alpine {entry.release} " in err
    assert "v3.21 main+community x86_64" in err and err.count("\n") == 1


def test_the_snapshot_keeps_a_parsed_copy_and_answers_the_same_from_it(isolated_cache):
    first = load_world(release="v3.21", arch="x86_64", offline=True)
    copies = sorted((isolated_cache / "alpine" / "parsed").iterdir())
    assert len(copies) == 2  # main and community
    assert all(copy.read_bytes().startswith(FORMAT.encode()) for copy in copies)
    again = load_world(release="v3.21", arch="x86_64", offline=True)
    for a, b in zip(first.indexes, again.indexes, strict=True):
        assert rows(a) == rows(b)
        for name in ("source", "repository", "description", "signatures", "signed_data"):
            assert getattr(a, name) == getattr(b, name), name
    # a copy that is not of these bytes is never used: the index is parsed again and the copy rewritten
    for copy in copies:
        copy.write_bytes(copy.read_bytes().replace(FORMAT.encode(), b"apkneed-parsed-index 0"))
    third = load_world(release="v3.21", arch="x86_64", offline=True)
    assert sum(1 for _ in third.packages) == 5538 + 19854
    assert all(copy.read_bytes().startswith(FORMAT.encode()) for copy in copies)


def test_resolve_and_provides_say_what_was_searched(isolated_cache, v321):
    code, _, err = run("resolve", "py3-numpy", "--offline", "--alpine", "v3.16", "--arch", "x86_64")
    assert code == 1
    assert err.splitlines()[-1] == (
        "apkneed: py3-numpy: no such package in v3.16 main (community is not in the offline snapshot for v3.16)"
    )
    code, out, _ = run("provides", "so:openblas:libopenblas.so.3", "--offline", "--alpine", "v3.16", "--arch", "x86_64")
    assert code == 1 and out.strip() == (
        "so:openblas:libopenblas.so.3: no package provides it in v3.16 main "
        "(community is not in the offline snapshot for v3.16)"
    )
    # with community, both answer
    args = ["--index", v321[0], "--index", v321[1], "--arch", "x86_64"]
    code, out, _ = run("provides", "so:openblas:libopenblas.so.3", *args)
    assert code == 0 and out.strip() == (
        "so:openblas:libopenblas.so.3: openblas-0.3.28-r0 (as so:openblas:libopenblas.so.3=0)"
    )
    code, out, _ = run("resolve", "py3-numpy", "--json", *args)
    data = json.loads(out)
    assert code == 0 and data["target"]["repositories"] == ["main", "community"]
    assert {"python3", "openblas", "libgfortran", "py3-numpy"} <= {e["name"] for e in data["install"]}
    assert {e["name"]: e["repository"] for e in data["install"]}["py3-numpy"] == "community"


def test_every_world_json_carries_its_repositories(isolated_cache, v316_index_path):
    offline = ["--offline", "--alpine", "v3.16", "--arch", "x86_64"]
    code, out, _ = run("resolve", "py3-numpy", "--json", *offline)
    data = json.loads(out)
    assert code == 1 and data["target"]["repositories"] == ["main"]
    assert data["target"]["absent_repositories"] == [
        {"name": "community", "reason": "is not in the offline snapshot for v3.16"}
    ]
    assert data["not_found"] == [
        "py3-numpy: no such package in v3.16 main (community is not in the offline snapshot for v3.16)"
    ]
    code, out, _ = run("provides", "libz.so.1", "--json", "--index", v316_index_path, "--arch", "x86_64")
    data = json.loads(out)
    assert code == 0 and data["target"] == {
        "alpine": "v3.16", "arch": "x86_64", "repositories": ["main"],
        "absent_repositories": [{"name": "community", "reason": "was not given with --index"}],
        "index": f"--index {v316_index_path}",
    }
    assert data["provides"]["libz.so.1"][0]["name"] == "zlib" and data["not_found"] == []


def test_scan_json_carries_the_world_it_named_packages_from(isolated_cache, v316_index_path, tmp_path):
    code, out, _ = run("scan", tmp_path, "--index", v316_index_path, "--arch", "x86_64", "--json")
    data = json.loads(out)
    assert data["target"]["repositories"] == ["main"] and data["target"]["alpine"] == "v3.16"
    assert data["target"]["absent_repositories"] == [{"name": "community", "reason": "was not given with --index"}]
