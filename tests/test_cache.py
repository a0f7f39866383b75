"""The cache's write discipline: whole files only, readable like any file."""

from __future__ import annotations

import hashlib
import os
import stat

import pytest

from apkneed.cache import ContentStore, atomic_write


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
