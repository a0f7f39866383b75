"""The embedded snapshot and the script that builds it from ../shared."""

from __future__ import annotations

import hashlib
import importlib.util
import shutil
from pathlib import Path

import pytest
from mirror_server import index_streams, touch_gzip_mtime

from apkneed.alpine.sources.signature import load_keys
from apkneed.alpine.sources.snapshot import (
    bundled_snapshot_dir,
    default_release,
    load_entry,
    read_manifest,
    select_entries,
)
from apkneed.errors import InputError, IntegrityError

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PACKAGE_DATA = PROJECT_ROOT / "src" / "apkneed" / "data"


@pytest.fixture(scope="module")
def build_data():
    spec = importlib.util.spec_from_file_location("build_data", PROJECT_ROOT / "scripts" / "build_data.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def keys():
    return load_keys()


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_committed_data_is_exactly_what_the_script_builds(build_data, shared_dir, tmp_path):
    build_data.build(shared_dir, tmp_path)
    for name in build_data.OWNED:
        built, committed = tree(tmp_path / name), tree(PACKAGE_DATA / name)
        assert sorted(built) == sorted(committed), f"{name}/ differs: run scripts/build_data.py"
        assert built == committed, f"{name}/ differs: run scripts/build_data.py"
    assert not list(tmp_path.glob(".build-*"))  # the staging directory is gone


def test_the_build_is_deterministic_and_replaces_only_its_own_directories(build_data, shared_dir, tmp_path):
    (tmp_path / "snapshot").mkdir()
    (tmp_path / "snapshot" / "stale.json").write_text("{}")
    (tmp_path / "other.txt").write_text("not ours")
    build_data.build(shared_dir, tmp_path)
    first = tree(tmp_path)
    build_data.build(shared_dir, tmp_path)
    assert tree(tmp_path) == first
    assert "snapshot/stale.json" not in first
    assert first["other.txt"] == b"not ours"


def test_the_build_refuses_an_untrusted_index(build_data, shared_dir, tmp_path):
    fake_shared = tmp_path / "shared"
    shutil.copytree(shared_dir / "alpine" / "keys", fake_shared / "alpine" / "keys")
    source = shared_dir / "alpine" / "v3.16" / "main" / "x86_64" / "APKINDEX.tar.gz"
    sig, idx = index_streams(source.read_bytes())
    target = fake_shared / "alpine" / "v3.16" / "main" / "x86_64" / "APKINDEX.tar.gz"
    target.parent.mkdir(parents=True)
    target.write_bytes(sig + touch_gzip_mtime(idx))
    out = tmp_path / "out"
    with pytest.raises(build_data.BuildError, match="BAD signature.*an untrusted index is never shipped"):
        build_data.build(fake_shared, out, shipped=[("v3.16", "main", "x86_64")])
    assert not (out / "snapshot").exists()


def test_the_build_refuses_an_index_in_the_wrong_release_directory(build_data, shared_dir, tmp_path):
    fake_shared = tmp_path / "shared"
    shutil.copytree(shared_dir / "alpine" / "keys", fake_shared / "alpine" / "keys")
    shutil.copytree(shared_dir / "alpine" / "v3.16", fake_shared / "alpine" / "v3.18")
    with pytest.raises(build_data.BuildError, match=r"DESCRIPTION 'v3.16.3-13-g4d933a1fa3' is not release v3.18"):
        build_data.build(fake_shared, tmp_path / "out", shipped=[("v3.18", "main", "x86_64")])


def test_the_build_refuses_a_missing_index_and_an_oversized_snapshot(build_data, shared_dir, tmp_path):
    with pytest.raises(build_data.BuildError, match=r"missing from the shared data: .*v3\.99/main/x86_64"):
        build_data.build(shared_dir, tmp_path / "out", shipped=[("v3.99", "main", "x86_64")])
    every = [tuple(p.relative_to(shared_dir / "alpine").parts[:3])
             for p in sorted((shared_dir / "alpine").glob("v*/*/*/APKINDEX.tar.gz"))] * 2
    with pytest.raises(build_data.BuildError, match="over its 6291456-byte budget"):
        build_data.build(shared_dir, tmp_path / "out", shipped=every)
    assert not (tmp_path / "out" / "snapshot").exists()


def test_the_manifest_describes_the_real_indexes(shared_dir):
    entries = {(e.release, e.repository, e.arch): e for e in read_manifest()}
    assert sorted(entries) == [
        ("v3.16", "main", "x86_64"), ("v3.17", "main", "aarch64"),
        ("v3.21", "community", "x86_64"), ("v3.21", "main", "x86_64"), ("v3.23", "main", "x86_64"),
    ]
    v316, v317 = entries["v3.16", "main", "x86_64"], entries["v3.17", "main", "aarch64"]
    community = entries["v3.21", "community", "x86_64"]
    assert (community.description, community.packages) == ("v3.21.3-4-g3889c734f6a", 19854)
    assert entries["v3.23", "main", "x86_64"].packages == 5868
    assert sum(e.size for e in entries.values()) <= 6 * 1024 * 1024
    assert (v316.repository, v316.description, v316.date, v316.packages) == (
        "main", "v3.16.3-13-g4d933a1fa3", "2022-11-21", 4929)
    assert (v317.repository, v317.description, v317.date, v317.packages) == (
        "main", "v3.17.3-216-g54a39ace82a", "2023-05-27", 5004)
    assert v316.signed_by == "alpine-devel@lists.alpinelinux.org-6165ee59.rsa.pub"
    assert v317.signed_by == "alpine-devel@lists.alpinelinux.org-616ae350.rsa.pub"
    source = shared_dir / "alpine" / "v3.16" / "main" / "x86_64" / "APKINDEX.tar.gz"
    assert v316.sha256 == hashlib.sha256(source.read_bytes()).hexdigest()
    assert v316.label == "Alpine v3.16 main x86_64 of 2022-11-21"


def test_an_entry_loads_verified(keys):
    (entry,) = select_entries(read_manifest(), "v3.16", "x86_64", ("main", "community"))
    index = load_entry(entry, keys)
    assert len(index.packages) == 4929 and index.description == entry.description
    assert index.source == "embedded snapshot v3.16/main/x86_64/APKINDEX.tar.gz"


def test_a_corrupted_embedded_index_is_refused(keys, tmp_path):
    copy = tmp_path / "snapshot"
    shutil.copytree(Path(str(bundled_snapshot_dir())), copy)
    (entry,) = select_entries(read_manifest(copy), "v3.17", "aarch64", ("main",))
    target = copy / entry.file
    data = bytearray(target.read_bytes())
    data[-100] ^= 0x01
    target.write_bytes(bytes(data))
    with pytest.raises(IntegrityError, match="sha256 does not match the manifest; reinstall apkneed"):
        load_entry(entry, keys, copy)


def test_an_unreadable_manifest_is_an_integrity_error(tmp_path):
    (tmp_path / "manifest.json").write_text('{"format": 99, "indexes": []}')
    with pytest.raises(IntegrityError, match="manifest is unreadable"):
        read_manifest(tmp_path)


def test_selection(keys):
    entries = read_manifest()
    assert default_release(entries, "aarch64") == "v3.17"
    assert default_release(entries, "riscv64") is None
    assert default_release(entries, "x86_64") == "v3.23"
    assert [e.release for e in select_entries(entries, "latest-stable", "x86_64", ("main",))] == ["v3.23"]
    # community is searched after main, whatever order the manifest keeps
    assert [(e.release, e.repository) for e in select_entries(entries, "v3.21", "x86_64", ("main", "community"))] == [
        ("v3.21", "main"), ("v3.21", "community")]
    with pytest.raises(InputError, match=r"^the embedded snapshot has no Alpine edge x86_64 \(it has: .*v3.16 main x86_64"):
        select_entries(entries, "edge", "x86_64", ("main",))
    with pytest.raises(InputError, match="has no community repository for Alpine v3.16 x86_64"):
        select_entries(entries, "v3.16", "x86_64", ("community",))
