"""Each release's Python toolchain and PEP 668 status, from its own real index (v3.16-v3.23)."""

from __future__ import annotations

import tarfile

import pytest

from apkneed.alpine.sources.world import load_world
from apkneed.plan.pep668 import PEP668_PATH, externally_managed
from apkneed.plan.target import plan_target
from apkneed.tomlfile import read_toml

RELEASES = {  # release -> arch of its shared main index
    "v3.16": "x86_64", "v3.17": "aarch64", "v3.18": "x86_64", "v3.19": "x86_64",
    "v3.20": "x86_64", "v3.21": "x86_64", "v3.23": "x86_64",
}


def _records(path):
    """name -> (version, commit) of every package, read with tarfile, not apkneed's reader."""
    with tarfile.open(path) as archive:
        text = archive.extractfile("APKINDEX").read().decode()
    found = {}
    for block in text.split("\n\n"):
        fields = dict(line.split(":", 1) for line in block.splitlines() if ":" in line)
        if "P" in fields:
            found.setdefault(fields["P"], []).append((fields["V"], fields.get("c")))
    return found


def _index(shared_dir, release, repo="main"):
    return shared_dir / "alpine" / release / repo / RELEASES[release] / "APKINDEX.tar.gz"


@pytest.mark.parametrize("release", sorted(RELEASES))
def test_toolchain_versions_come_from_the_releases_own_index(release, shared_dir, isolated_cache):
    world = load_world(index_paths=[_index(shared_dir, release)], arch=RELEASES[release])
    target, _ = plan_target(world, None, None, release=world.release, arch=world.arch, index_origin=world.origin)
    records = _records(_index(shared_dir, release))
    toolchain = dict(target.toolchain)
    for name in ("python3", "gcc", "musl"):
        assert [toolchain[name]] == [v for v, _ in records[name]], name  # one version each in these indexes
    assert toolchain["py3-pip"] == (records["py3-pip"][0][0] if "py3-pip" in records else None)
    assert target.python == ".".join(toolchain["python3"].split(".")[:2])
    assert target.externally_managed is (release >= "v3.19")  # string order holds for v3.16..v3.23


def test_py3_pip_is_in_community_on_v321(shared_dir, isolated_cache):
    world = load_world(index_paths=[_index(shared_dir, "v3.21"), _index(shared_dir, "v3.21", "community")],
                       arch="x86_64")
    target, _ = plan_target(world, None, None, release=world.release, arch=world.arch, index_origin=world.origin)
    assert dict(target.toolchain)["py3-pip"] == _records(_index(shared_dir, "v3.21", "community"))["py3-pip"][0][0]


def test_the_pep668_data_cites_the_python3_each_release_ships(shared_dir):
    data = read_toml(PEP668_PATH)
    for source in data["sources"]:
        ((version, commit),) = _records(_index(shared_dir, source["release"]))["python3"]
        assert source["python3"] == version
        assert f"/blob/{commit}/main/python3/APKBUILD" in source["url"]
        assert externally_managed(source["release"]) is source["externally_managed"]
    assert externally_managed("edge") is True and externally_managed(None) is None
