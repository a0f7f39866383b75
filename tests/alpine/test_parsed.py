"""Parsed copies of --index files: the same packages as a parse, or not used at all."""

from __future__ import annotations

import dataclasses
import shutil

import pytest

from apkneed.alpine.sources import parsed
from apkneed.alpine.index import read_index_file
from apkneed.alpine.package import Package
from apkneed.alpine.sources.parsed import ParsedIndexes
from apkneed.alpine.sources.world import load_world
from apkneed.errors import InputError

FIELDS = [f.name for f in dataclasses.fields(Package)]


def rows(index):
    return [tuple(getattr(p, name) for name in FIELDS) for p in index.packages]


def same_index(a, b):
    assert rows(a) == rows(b)
    for name in ("source", "repository", "description", "signatures", "signed_data"):
        assert getattr(a, name) == getattr(b, name), name


@pytest.fixture()
def store(tmp_path):
    return ParsedIndexes(tmp_path / "parsed")


class Parsed(AssertionError):
    pass


def forbid_parsing(monkeypatch):
    """From now on what is read must come from the copy."""

    def refuse(*args, **kwargs):
        raise Parsed("parsed the file instead of using its copy")

    monkeypatch.setattr(parsed, "read_index_bytes", refuse)


def copy_file(store):
    (path,) = store.root.iterdir()
    return path


@pytest.mark.parametrize("fixture", ["v316_index_path", "v317_index_path"])
def test_a_copy_reads_exactly_like_the_file(request, store, fixture, monkeypatch):
    path = request.getfixturevalue(fixture)
    fresh = read_index_file(path)
    same_index(store.read_file(path), fresh)  # parsed, copy written
    assert (copy_file(store).stat().st_mode & 0o777) == 0o600
    forbid_parsing(monkeypatch)
    again = store.read_file(path)
    same_index(again, fresh)
    assert again.signed_data is not None and again.signatures  # the signature is checked on the file's bytes
    assert store.read_file(path, repository="other").packages[0].repository == "other"


def test_a_plain_text_index_with_every_field(tmp_path, store, monkeypatch):
    text = (
        # apk-tools' own layout (read by the fast path)...
        "C:Q1abc=\nP:a\nV:1.0-r0\nA:x86_64\nS:10\nI:20\nT:first\nU:https://a\nL:MIT\no:a\nm:Me <me@x>\n"
        "t:1700000000\nc:deadbeef\nk:10\nD:b>=2 !c so:libz.so.1 /bin/sh\np:cmd:a=1.0 so:liba.so.1=1 virtual\n"
        "i:x y\n\n"
        # ...and not (the careful reader): replaces, and their priority
        "P:b\nV:2\nr:old\nq:5\n\n"
    )
    path = tmp_path / "APKINDEX"
    path.write_text(text)
    fresh = read_index_file(path)
    assert fresh.packages[1].replaces_priority == 5 and fresh.packages[0].provider_priority == 10
    same_index(store.read_file(path), fresh)
    forbid_parsing(monkeypatch)
    same_index(store.read_file(path), fresh)


def test_a_changed_file_replaces_its_copy(tmp_path, store):
    path = tmp_path / "APKINDEX"
    path.write_text("P:a\nV:1\n\n")
    assert [p.nv for p in store.read_file(path).packages] == ["a-1"]
    path.write_text("P:a\nV:2\n\nP:b\nV:1\n\n")
    assert [p.nv for p in store.read_file(path).packages] == ["a-2", "b-1"]
    assert len(list(store.root.iterdir())) == 1
    assert [p.nv for p in store.read_file(path).packages] == ["a-2", "b-1"]


@pytest.mark.parametrize(
    "damage",
    [
        lambda copy: copy[:-1] + bytes([copy[-1] ^ 1]),  # a payload byte flipped
        lambda copy: copy[: len(copy) // 2],  # torn
        lambda copy: copy.replace(b"apkneed-parsed-index 1 ", b"apkneed-parsed-index 2 ", 1),
        lambda copy: copy.replace(parsed.__version__.encode(), b"0.0.0", 1),  # another apkneed
        lambda copy: b"",
        lambda copy: b"\x00" * 100,
    ],
)
def test_a_damaged_or_foreign_copy_is_not_used(v316_index_path, store, damage):
    fresh = read_index_file(v316_index_path)
    store.read_file(v316_index_path)
    path = copy_file(store)
    good = path.read_bytes()
    path.write_bytes(damage(good))
    same_index(store.read_file(v316_index_path), fresh)
    assert path.read_bytes() == good  # parsed again and rewritten


def test_a_copy_with_a_valid_digest_but_the_wrong_shape_is_not_used(v316_index_path, store):
    import marshal

    fresh = read_index_file(v316_index_path)
    store.read_file(v316_index_path)
    path = copy_file(store)
    data = v316_index_path.read_bytes()
    for payload in [(1, 2, 3), ("d", (), None, (("a",),), ((),) * len(FIELDS)), "not a tuple"]:
        body = marshal.dumps(payload)
        path.write_bytes(parsed._header(data, body) + body)
        same_index(store.read_file(v316_index_path), fresh)


def test_a_copy_others_could_have_written_is_not_used(v316_index_path, store, monkeypatch):
    store.read_file(v316_index_path)
    copy_file(store).chmod(0o666)
    forbid_parsing(monkeypatch)
    with pytest.raises(Parsed):
        store.read_file(v316_index_path)


def test_errors_are_the_files_own(tmp_path, store):
    with pytest.raises(InputError, match=r"missing/APKINDEX.tar.gz: cannot read index"):
        store.read_file(tmp_path / "missing" / "APKINDEX.tar.gz")
    bad = tmp_path / "APKINDEX"
    bad.write_text("P:a\nV:1\nX:what\n")
    for _ in range(2):  # nothing is cached for a file that does not parse
        with pytest.raises(InputError, match="unknown field 'X'"):
            store.read_file(bad)


def test_load_world_reads_index_files_through_their_copies(tmp_path, v317_index_path, isolated_cache):
    path = tmp_path / "v3.17" / "main" / "aarch64" / "APKINDEX.tar.gz"
    path.parent.mkdir(parents=True)
    shutil.copyfile(v317_index_path, path)
    first = load_world(index_paths=[tmp_path], arch="aarch64")
    assert list((isolated_cache / "alpine" / "parsed").iterdir())
    second = load_world(index_paths=[tmp_path], arch="aarch64")
    assert second == dataclasses.replace(first, indexes=second.indexes)
    assert [rows(i) for i in second.indexes] == [rows(i) for i in first.indexes]
    assert second.release == "v3.17" and second.indexes[0].repository == "main"


def test_a_cache_that_cannot_keep_copies_costs_no_encoding(tmp_path, v316_index_path, monkeypatch):
    (tmp_path / "file").write_text("where the cache directory would be")
    store = ParsedIndexes(tmp_path / "file" / "parsed")

    def encode(*args):
        raise AssertionError("encoded a copy that cannot be written")

    monkeypatch.setattr(parsed, "encode", encode)
    same_index(store.read_file(v316_index_path), read_index_file(v316_index_path))
