"""Verified-index records: a byte-identical index skips cryptography, anything else is verified."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
from mirror_server import index_streams, touch_gzip_mtime

from apkneed.alpine.index import read_index_bytes, read_index_file
from apkneed.alpine.sources.signature import KeyRing, read_key_ring, require_trusted
from apkneed.alpine.sources.verified import VerifiedRecords, signed_digest
from apkneed.errors import IntegrityError

# Report, at exit, whether the whole command imported cryptography.
PROBE = (
    "import atexit, sys\n"
    "atexit.register(lambda: print('CRYPTOGRAPHY', 'cryptography' in sys.modules, file=sys.stderr))\n"
    "from apkneed.cli import main\n"
    "main()\n"
)


def resolve(index, cache):
    return run(cache, "--index", str(index))


def run(cache, *where):
    return subprocess.run(
        [sys.executable, "-c", PROBE, "resolve", *where, "--arch", "x86_64", "musl-dev"],
        capture_output=True, text=True, timeout=60, env={**os.environ, "APKNEED_CACHE_DIR": str(cache)},
    )


@pytest.fixture()
def index_copy(tmp_path, v316_index_path):
    path = tmp_path / "repo" / "APKINDEX.tar.gz"
    path.parent.mkdir()
    shutil.copyfile(v316_index_path, path)
    return path


@pytest.fixture(scope="module")
def keys():
    return read_key_ring()


def record_path(cache, index_path):
    return cache / "alpine" / "verified" / signed_digest(read_index_file(index_path))


def test_first_run_verifies_and_records_second_run_skips_cryptography(tmp_path, index_copy):
    cache = tmp_path / "cache"
    first = resolve(index_copy, cache)
    assert first.returncode == 0, first.stderr
    assert "CRYPTOGRAPHY True" in first.stderr
    record = record_path(cache, index_copy)
    assert record.is_file() and (record.stat().st_mode & 0o777) == 0o600
    second = resolve(index_copy, cache)
    assert second.returncode == 0, second.stderr
    assert "CRYPTOGRAPHY False" in second.stderr
    assert second.stdout == first.stdout and second.stdout.splitlines()[:2] == ["musl-1.2.3-r2", "musl-dev-1.2.3-r2"]


def test_the_embedded_snapshot_is_recorded_too(tmp_path):
    cache = tmp_path / "cache"
    first, second = (run(cache, "--offline", "--alpine", "v3.16") for _ in range(2))
    assert first.returncode == second.returncode == 0, first.stderr
    assert "CRYPTOGRAPHY True" in first.stderr and "CRYPTOGRAPHY False" in second.stderr
    assert second.stdout == first.stdout and "using the embedded snapshot" in second.stderr


def test_a_tampered_index_under_the_same_name_is_verified_again_and_refused(tmp_path, index_copy):
    cache = tmp_path / "cache"
    assert resolve(index_copy, cache).returncode == 0  # verified and recorded
    signature, stream = index_streams(index_copy.read_bytes())
    index_copy.write_bytes(signature + touch_gzip_mtime(stream))  # same packages, other bytes
    tampered = resolve(index_copy, cache)
    assert tampered.returncode == 3
    assert "BAD signature by alpine-devel@lists.alpinelinux.org-6165ee59.rsa.pub" in tampered.stderr
    assert "CRYPTOGRAPHY True" in tampered.stderr
    assert not record_path(cache, index_copy).exists()  # a refusal is never recorded


def test_a_corrupted_record_is_ignored_and_rewritten(tmp_path, index_copy):
    cache = tmp_path / "cache"
    assert resolve(index_copy, cache).returncode == 0
    record = record_path(cache, index_copy)
    good = record.read_bytes()
    record.write_bytes(good.replace(b"algorithm RSA", b"algorithm RSA512"))
    again = resolve(index_copy, cache)
    assert again.returncode == 0 and "CRYPTOGRAPHY True" in again.stderr
    assert record.read_bytes() == good
    record.write_bytes(b"\xff\x00 not a record")
    assert "CRYPTOGRAPHY True" in resolve(index_copy, cache).stderr
    assert record.read_bytes() == good


def test_an_unwritable_cache_only_costs_a_verification(tmp_path, index_copy):
    blocked = tmp_path / "file-not-dir"
    blocked.write_text("a file where the cache directory would be")
    for _ in range(2):
        result = resolve(index_copy, blocked)
        assert result.returncode == 0, result.stderr
        assert "CRYPTOGRAPHY True" in result.stderr


def test_a_record_applies_only_to_the_same_bytes_and_keys(tmp_path, v316_index_path, v317_index_path, keys):
    records = VerifiedRecords(tmp_path / "verified")
    index = read_index_file(v316_index_path)
    verification = require_trusted(index, keys, records=records)
    assert verification.key_name == "alpine-devel@lists.alpinelinux.org-6165ee59.rsa.pub"
    assert records.lookup(index, keys) == require_trusted(index, keys)
    # another index: no record
    assert records.lookup(read_index_file(v317_index_path), keys) is None
    # the same signed bytes under other signatures (one relabelled to another algorithm)
    relabelled = index.replace(
        signatures=tuple(s.replace(algorithm="RSA256") for s in index.signatures)
    )
    assert records.lookup(relabelled, keys) is None
    # a key set that changed (a key removed, or a key file's bytes changed)
    assert records.lookup(index, KeyRing(keys.files[1:])) is None
    changed = tuple((name, data + b"\n") for name, data in keys.files)
    assert records.lookup(index, KeyRing(changed)) is None


def test_a_record_others_could_have_written_is_not_used(tmp_path, v316_index_path, keys):
    records = VerifiedRecords(tmp_path / "verified")
    index = read_index_file(v316_index_path)
    require_trusted(index, keys, records=records)
    record = records.root / signed_digest(index)
    assert records.lookup(index, keys) is not None
    record.chmod(0o620)
    assert records.lookup(index, keys) is None
    record.chmod(0o600)
    records.root.chmod(0o770)
    assert records.lookup(index, keys) is None
    records.root.chmod(0o700)
    # a symbolic link is not followed, even to a good record
    moved = tmp_path / "elsewhere"
    record.rename(moved)
    record.symlink_to(moved)
    assert records.lookup(index, keys) is None


def test_only_successes_are_recorded(tmp_path, v316_index_path, keys):
    records = VerifiedRecords(tmp_path / "verified")
    _, stream = index_streams(v316_index_path.read_bytes())
    unsigned = read_index_bytes(stream, source="unsigned", repository="main")
    assert not require_trusted(unsigned, keys, allow_untrusted=True, records=records).trusted
    signature, _ = index_streams(v316_index_path.read_bytes())
    tampered = read_index_bytes(signature + touch_gzip_mtime(stream), source="tampered", repository="main")
    with pytest.raises(IntegrityError, match="BAD signature"):
        require_trusted(tampered, keys, records=records)
    assert not records.root.exists() or list(records.root.iterdir()) == []


def test_the_key_ring_parses_like_load_keys_and_only_when_used(tmp_path, keys):
    fresh = read_key_ring()
    assert "parsed" not in fresh.__dict__
    assert len(fresh) == 17 and fresh.fingerprint == keys.fingerprint
    assert "parsed" not in fresh.__dict__  # fingerprints and counts need no parsing
    assert sorted(fresh) == sorted(name for name, _ in fresh.files)
    (tmp_path / "broken.rsa.pub").write_text("-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----\n")
    broken = read_key_ring(tmp_path)
    with pytest.raises(IntegrityError, match="trusted key broken.rsa.pub cannot be read"):
        broken.get("broken.rsa.pub")


def test_a_broken_key_file_is_loud_even_for_an_unsigned_index(tmp_path, v316_index_path):
    (tmp_path / "broken.rsa.pub").write_text("-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----\n")
    _, stream = index_streams(v316_index_path.read_bytes())
    unsigned = read_index_bytes(stream, source="unsigned", repository="main")
    with pytest.raises(IntegrityError, match="trusted key broken.rsa.pub cannot be read"):
        require_trusted(unsigned, read_key_ring(tmp_path), allow_untrusted=True)


def test_the_keys_are_read_from_where_importlib_resources_says():
    from importlib import resources

    from apkneed.alpine.sources.signature import bundled_keys_dir

    # as text on disk (a repeat resolve never imports pathlib): the same directory importlib.resources names
    assert bundled_keys_dir() == str(resources.files("apkneed") / "data" / "keys")
