"""The cache's write discipline: whole files only, readable like any file."""

from __future__ import annotations

import hashlib
import os
import stat

import pytest

from apkneed.cache import ContentStore, atomic_write, read_private, write_private


def test_atomic_write_leaves_no_temp_file_and_normal_permissions(tmp_path):
    target = tmp_path / "sub" / "file.bin"
    atomic_write(target, b"payload")
    assert target.read_bytes() == b"payload"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert [p.name for p in target.parent.iterdir()] == ["file.bin"]


def test_atomic_write_failure_keeps_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "file.bin"
    atomic_write(target, b"old")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        atomic_write(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["file.bin"]


def test_content_store_refuses_a_corrupted_blob(tmp_path):
    store = ContentStore(tmp_path)
    digest = store.put(b"wheel bytes")
    assert digest == hashlib.sha256(b"wheel bytes").hexdigest()
    assert store.get(digest) == b"wheel bytes"
    store.path_for(digest).write_bytes(b"torn")
    assert store.get(digest) is None
    assert not store.path_for(digest).exists()


def test_private_files_are_read_only_when_no_one_else_could_have_written_them(tmp_path):
    path = tmp_path / "private" / "record"
    assert write_private(path, b"mine")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert read_private(path, limit=100) == b"mine"
    assert read_private(path, limit=3) is None  # larger than a real one can be
    assert read_private(tmp_path / "private" / "missing", limit=100) is None
    path.chmod(0o640)
    assert read_private(path, limit=100) == b"mine"  # others may read, not write
    path.chmod(0o660)
    assert read_private(path, limit=100) is None
    path.chmod(0o600)
    path.parent.chmod(0o770)
    assert read_private(path, limit=100) is None
    path.parent.chmod(0o700)
    link = tmp_path / "private" / "link"
    link.symlink_to(path)
    assert read_private(link, limit=100) is None
    assert read_private(path.parent, limit=100) is None  # not a regular file


def test_a_private_file_that_cannot_be_written_is_reported_not_raised(tmp_path):
    (tmp_path / "file").write_text("where a directory should be")
    assert write_private(tmp_path / "file" / "record", b"x") is False
