"""Parsed copies of --index files: the same packages (and provider table) as a parse, or not used at all."""

from __future__ import annotations

import gzip
import hashlib
import marshal
import shutil

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apkneed.alpine.columns import LazyPackages
from apkneed.alpine.index import read_index_file
from apkneed.alpine.package import Package
from apkneed.alpine.providers import NameTable, build_provider_map
from apkneed.alpine.sources import parsed
from apkneed.alpine.sources.parsed import ParsedIndexes
from apkneed.alpine.sources.world import load_world
from apkneed.errors import InputError

FIELDS = list(Package.__slots__)


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

    monkeypatch.setattr(parsed, "read_index_columns", refuse)


def copy_file(store):
    (path,) = [p for p in store.root.iterdir() if not p.name.startswith("tables-")]
    return path


def tables_file(store):
    (path,) = [p for p in store.root.iterdir() if p.name.startswith("tables-")]
    return path


def same_map(a, b):
    """Two provider maps with the same names, providers (in order), versions and repositories."""
    assert list(a.names()) == list(b.names())
    for name in a.names():
        pairs = [(p.package.nv, p.package.repository, p.version) for p in a.providers(name)]
        assert pairs == [(p.package.nv, p.package.repository, p.version) for p in b.providers(name)], name
    assert [p.nv for p in a.packages] == [p.nv for p in b.packages]
    assert [a.repository_bits(p) for p in a.packages] == [b.repository_bits(p) for p in b.packages]
    assert [p.nv for p in a._install_if_packages] == [p.nv for p in b._install_if_packages]


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


def _shared_worlds():
    return [
        ("v3.16/main/x86_64",),
        ("v3.17/main/aarch64",),
        ("v3.21/main/x86_64", "v3.21/community/x86_64"),
        ("v3.23/main/x86_64",),
    ]


@pytest.mark.parametrize("world", _shared_worlds(), ids=lambda w: "+".join(w))
def test_copies_and_their_provider_table_equal_a_fresh_parse(shared_dir, store, world, monkeypatch):
    """Every field of every package, and the whole provider table, on the real shared indexes."""
    paths = [shared_dir / "alpine" / part / "APKINDEX.tar.gz" for part in world]
    fresh = [read_index_file(path) for path in paths]
    fresh_map = build_provider_map(fresh)
    first = [store.read_file(path) for path in paths]  # parsed, copies written
    same_map(build_provider_map(first), fresh_map)  # the table is made from the fresh parse, and kept
    assert tables_file(store).stat().st_mode & 0o777 == 0o600
    forbid_parsing(monkeypatch)
    again = [store.read_file(path) for path in paths]
    assert all(isinstance(index.packages, LazyPackages) for index in again)
    kept_map = build_provider_map(again)
    assert not any(index.packages.built() for index in again)  # the kept table built no package
    assert type(kept_map.tables.first) is memoryview  # read in place from the kept table
    same_map(kept_map, fresh_map)
    for copy, parse in zip(again, fresh):
        same_index(copy, parse)
        assert copy.arches == parse.arches and list(copy.package_names()) == [p.name for p in parse.packages]
    # one package is one object, whether reached through the index or the map
    for index in again:
        for package in index.packages[:: max(1, len(index.packages) // 50)]:
            assert kept_map.packages[kept_map.packages.number_of(package)] is package
            assert index.repository in kept_map.repositories_of(package)


def test_packages_are_built_one_by_one_and_stay_the_same_objects(v316_index_path, store, monkeypatch):
    store.read_file(v316_index_path)
    forbid_parsing(monkeypatch)
    index = store.read_file(v316_index_path)
    fresh = read_index_file(v316_index_path)
    some = index.packages[10]
    assert index.packages[10] is some and index.packages[-1].nv == fresh.packages[-1].nv
    assert index.packages.built() == 2  # only what was asked for was built
    assert some.depends == fresh.packages[10].depends and some.description == fresh.packages[10].description
    assert list(index.packages)[10] is some  # building the rest keeps what was handed out
    assert index.packages.built() == len(fresh.packages)
    assert [p.nv for p in index.packages[3:6]] == [p.nv for p in fresh.packages[3:6]]


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


def test_a_copy_keeps_the_signed_bytes_wherever_they_are(tmp_path, v316_index_path, store, monkeypatch):
    # the signed stream is the file's last in every real index; a copy of one followed by more
    # bytes (a gzip member after it, which no reader looks at) must point at the same signed bytes
    path = tmp_path / "APKINDEX.tar.gz"
    data = v316_index_path.read_bytes()
    path.write_bytes(data + gzip.compress(b"trailing"))
    fresh = read_index_file(path)
    assert fresh.signed_data is not None and data.endswith(fresh.signed_data)
    same_index(store.read_file(path), fresh)
    forbid_parsing(monkeypatch)
    same_index(store.read_file(path), fresh)


#: a name's characters: any UTF-8 can carry, and the lone surrogates a surrogateescape reading makes of bad bytes
_NAME_CHARACTERS = st.one_of(st.characters(codec="utf-8"), st.sampled_from(["\udc80", "\udcff"]))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(_NAME_CHARACTERS), unique=True, max_size=40), st.text(_NAME_CHARACTERS))
def test_fuzz_a_packed_name_table_finds_every_name_and_no_other(names, other):
    # what a provider table keeps of its names (blob, offsets, hash slots)
    blob, offsets, slots = NameTable(names).packed()
    stored = NameTable.stored(blob, offsets, slots)
    assert stored.names() == names
    assert [stored.id(name) for name in names] == list(range(len(names)))
    assert NameTable.stored(blob, offsets, slots).id(other) == (names.index(other) if other in names else None)


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
        lambda copy: copy[:-1] + bytes([copy[-1] ^ 1]),  # a byte of the last section flipped
        lambda copy: copy[:300] + bytes([copy[300] ^ 1]) + copy[301:],  # a byte of the table of contents
        lambda copy: copy[: len(copy) // 2],  # torn
        lambda copy: copy.replace(b"apkneed-parsed-index 2 ", b"apkneed-parsed-index 1 ", 1),  # an older layout
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


def _sections(copy: bytes):
    """(header, table of contents, sections) of a layout-2 copy."""
    header, _, rest = copy.partition(b"\n")
    toc_length = int(header.split()[-2])
    meta, names, places = marshal.loads(rest[:toc_length])
    sections, offset = [], toc_length
    for length, _digest in places:
        sections.append(rest[offset : offset + length])
        offset += length
    return header, meta, names, sections


def _assemble(data: bytes, meta, names, sections) -> bytes:
    """A copy with valid digests around whatever sections it is given."""
    toc = marshal.dumps((meta, names, tuple((len(s), hashlib.sha256(s).hexdigest()) for s in sections)))
    digest = hashlib.sha256(data).hexdigest()
    return f"{parsed._prefix(digest)} {len(toc)} {hashlib.sha256(toc).hexdigest()}\n".encode() + toc + b"".join(sections)


def test_a_column_with_a_valid_digest_but_the_wrong_shape_makes_a_parse(v316_index_path, store):
    fresh = read_index_file(v316_index_path)
    store.read_file(v316_index_path)
    path = copy_file(store)
    data = v316_index_path.read_bytes()
    good = path.read_bytes()
    _, meta, names, sections = _sections(good)
    depends = names.index("depends")
    for payload in [(1, 2, 3), "not a column", ((10**6,),) * meta[3], ((-1,),) * meta[3]]:
        damaged = list(sections)
        damaged[depends] = marshal.dumps(payload)
        path.write_bytes(_assemble(data, meta, names, damaged))
        same_index(store.read_file(v316_index_path), fresh)  # the column fails when used: the file is parsed
        assert path.read_bytes() == good  # and the copy rewritten
    for meta_payload in [(None, (), None, -1), (None, (("k", "RSA", "not bytes"),), None, 1), "meta"]:
        path.write_bytes(_assemble(data, meta_payload, names, sections))
        same_index(store.read_file(v316_index_path), fresh)


def test_a_damaged_or_foreign_provider_table_is_made_again(shared_dir, store):
    paths = [shared_dir / "alpine" / "v3.21" / repo / "x86_64" / "APKINDEX.tar.gz" for repo in ("main", "community")]
    fresh_map = build_provider_map([read_index_file(path) for path in paths])
    for _ in range(2):
        build_provider_map([store.read_file(path) for path in paths])
    path = tables_file(store)
    good = path.read_bytes()
    header, _, body = good.partition(b"\n")
    for damaged in [
        good[:-1] + bytes([good[-1] ^ 1]),
        good[: len(good) // 2],
        header.replace(b"tables 3", b"tables 2") + b"\n" + body,
        b"",
        # digests that hold over a directory that does not fit its parts
        _retable(header, marshal.dumps((("B", 3),)) + body),
    ]:
        path.write_bytes(damaged)
        again = build_provider_map([store.read_file(path) for path in paths])
        same_map(again, fresh_map)
        assert path.read_bytes() == good


def _retable(header: bytes, body: bytes) -> bytes:
    words = header.split(b" ")
    words[-2] = str(len(marshal.dumps((("B", 3),)))).encode()
    words[-1] = hashlib.sha256(body).hexdigest().encode()
    return b" ".join(words) + b"\n" + body


FUZZ = settings(max_examples=80, deadline=4000, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@FUZZ
@given(position=st.integers(min_value=0), value=st.integers(min_value=0, max_value=255), cut=st.booleans())
def test_fuzz_the_copy_decoder(v316_small, position, value, cut):
    """Any change to a copy: it is refused (None), or it reads as the file does."""
    data, copy, fresh_rows = v316_small
    position %= len(copy)
    damaged = copy[:position] if cut else copy[:position] + bytes([value]) + copy[position + 1 :]
    index = parsed.decode(damaged, data, source="f", repository="main")
    if index is not None:
        assert rows(index) == fresh_rows


@FUZZ
@given(column=st.sampled_from(parsed.SECTIONS), payload=st.recursive(
    st.none() | st.integers(-3, 10**6) | st.text(max_size=5) | st.binary(max_size=5),
    lambda inner: st.lists(inner, max_size=4).map(tuple), max_leaves=12))
def test_fuzz_the_column_decoder(v316_small, column, payload):
    """A column of any shape, with valid digests: the packages still read as the file's (parsed again)."""
    data, copy, fresh_rows = v316_small
    _, meta, names, sections = _sections(copy)
    sections = list(sections)
    sections[names.index(column)] = marshal.dumps(payload)
    index = parsed.decode(_assemble(data, meta, names, sections), data, source="f", repository="main")
    assert rows(index) == fresh_rows


@pytest.fixture(scope="module")
def v316_small(v316_index_path):
    """The first 40 records of v3.16 main as a plain APKINDEX, its copy, and the packages a parse gives."""
    import gzip
    import io
    import tarfile

    members = gzip.decompress(v316_index_path.read_bytes())
    text = None
    with tarfile.open(fileobj=io.BytesIO(members)) as tar:  # the signature's tar, then the index's
        for member in tar:
            if member.name == "APKINDEX":
                text = tar.extractfile(member).read().decode()
    if text is None:  # the index's tar follows the signature's stream
        from apkneed.alpine.index import split_gzip_members

        for _, raw in split_gzip_members(v316_index_path.read_bytes(), "v3.16"):
            with tarfile.open(fileobj=io.BytesIO(raw)) as tar:
                for member in tar:
                    if member.name == "APKINDEX":
                        text = tar.extractfile(member).read().decode()
    data = ("\n\n".join(text.split("\n\n")[:40]) + "\n\n").encode()
    from apkneed.alpine.index import read_index_bytes

    fresh = read_index_bytes(data, source="f", repository="main")
    assert len(fresh.packages) == 40
    return data, parsed.encode(fresh, data), rows(fresh)


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
    assert second == first.replace(indexes=second.indexes)
    assert [rows(i) for i in second.indexes] == [rows(i) for i in first.indexes]
    assert second.release == "v3.17" and second.indexes[0].repository == "main"


def test_a_cache_that_cannot_keep_copies_costs_no_encoding(tmp_path, v316_index_path, monkeypatch):
    (tmp_path / "file").write_text("where the cache directory would be")
    store = ParsedIndexes(tmp_path / "file" / "parsed")

    def encode(*args):
        raise AssertionError("encoded a copy that cannot be written")

    monkeypatch.setattr(parsed, "encode", encode)
    same_index(store.read_file(v316_index_path), read_index_file(v316_index_path))


@pytest.mark.parametrize("world", _shared_worlds(), ids=lambda w: "+".join(w))
def test_the_kept_apk3_reading_is_the_solvers_own(shared_dir, store, world):
    """apk-tools 3's reading of the versions, kept with the table, equals what the solver reads from the packages."""
    from apkneed.alpine.solver import _strict_reading

    paths = [shared_dir / "alpine" / part / "APKINDEX.tar.gz" for part in world]
    plain = build_provider_map([read_index_file(path) for path in paths])
    assert plain.apk3_reading() is None  # a map of plain indexes leaves it to the solver
    expected = _strict_reading(plain)
    first = build_provider_map([store.read_file(path) for path in paths])
    assert first.tables.apk3_reading is None  # a first run with 2.x rules never makes it
    assert first.apk3_reading() == expected == _strict_reading(first)  # made when first asked for, and kept
    again = build_provider_map([store.read_file(path) for path in paths])
    assert again.tables.apk3_reading is not None  # read back with the table
    assert again.apk3_reading() == expected
    # a world whose rules are apk-tools 3's makes it with the table (kept once, not twice)
    from apkneed.alpine.solver_rules import APK_TOOLS_3

    other = ParsedIndexes(store.root.parent / "other")
    three = build_provider_map([other.read_file(path) for path in paths], solver_rules=APK_TOOLS_3)
    assert three.tables.apk3_reading is not None and three.apk3_reading() == expected


def test_the_apk3_reading_finds_unreadable_versions(tmp_path, store):
    from apkneed.alpine.solver import _strict_reading

    path = tmp_path / "APKINDEX"
    path.write_text(
        "P:a\nV:1.0-r0\nD:b>=6.8.0p2-r4\n\n"  # a version apk-tools 3 cannot read: a is broken
        "P:b\nV:1\ni:a>=v2.4 c\np:x=v1\n\n"  # its install_if is dropped; an unreadable provide
        "P:c\nV:2\nD:b><Q1abc=\n\n"  # a checksum is not a version
    )
    plain = build_provider_map([read_index_file(path)])
    expected = _strict_reading(plain)
    assert expected[0] == frozenset({0}) and expected[1] == frozenset({1}) and expected[2]
    for _ in range(2):  # made from the columns, then read back from the table
        assert build_provider_map([store.read_file(path)]).apk3_reading() == expected


def test_copies_are_written_without_waiting_for_the_disk_and_a_torn_one_is_made_again(tmp_path, v316_index_path,
                                                                                       store, monkeypatch):
    """A copy carries its own sha256, so it is renamed into place without an fsync (a first run
    does not wait for ~12 MB to reach the disk); what a crash could leave, a torn copy, is parsed again."""
    import os

    synced = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: synced.append(fd) or real_fsync(fd))
    paths = [v316_index_path]
    build_provider_map([store.read_file(path) for path in paths])  # a copy and a table written
    assert len(list(store.root.iterdir())) == 2 and synced == []
    from apkneed.cache import write_private

    write_private(tmp_path / "other" / "file", b"x")  # other private files still reach the disk first
    assert len(synced) == 1
    copy = copy_file(store)
    copy.write_bytes(copy.read_bytes()[: copy.stat().st_size // 2])  # what a crash before writeback can leave
    same_index(store.read_file(v316_index_path), read_index_file(v316_index_path))
    assert store.read_file(v316_index_path).kept is not None and copy.stat().st_size > 0
    forbid_parsing(monkeypatch)
    same_index(store.read_file(v316_index_path), read_index_file(v316_index_path))  # rewritten whole


@pytest.fixture(scope="module")
def v316_small_table(v316_small, tmp_path_factory):
    """The provider table kept for the 40-record index, its bytes, and what the solver reads from a fresh build."""
    data = v316_small[0]
    store = ParsedIndexes(tmp_path_factory.mktemp("parsed"))
    index = store.read_bytes(data, key="/k/APKINDEX", source="f", repository="main")
    fresh = build_provider_map([index]).solver_tables()
    return index.kept, tables_file(store).read_bytes(), _solver_view(fresh)


def _solver_view(tables):
    return ([tables.pkg_depends[k] for k in range(len(tables.pkg_name))], dict(tables.depended_by),
            [tuple(tables.depended_by.row(i)) for i in range(len(tables.names))], tables.install_if_by)


@FUZZ
@given(position=st.integers(min_value=0), value=st.integers(min_value=0, max_value=255), cut=st.booleans())
def test_fuzz_the_provider_table_decoder(v316_small_table, position, value, cut):
    """Any change to a kept provider table: it is refused (None), or the solver reads what a fresh build gives."""
    from apkneed.alpine.providers import _TableSolverTables

    kept, table, fresh = v316_small_table
    position %= len(table)
    damaged = table[:position] if cut else table[:position] + bytes([value]) + table[position + 1 :]
    tables = parsed.decode_tables(damaged, [kept])
    if tables is not None:
        tables.check([40])
        assert type(tables.depended_first) is memoryview  # read in place
        assert _solver_view(_TableSolverTables(tables)) == fresh


@FUZZ
@given(rows=st.dictionaries(st.integers(0, 30), st.lists(st.integers(0, 2**32 - 1), min_size=1, max_size=5).map(tuple)))
def test_flat_rows_read_back_the_rows_they_were_made_from(rows):
    """The flat form of the solver's depended_by (built, written with tobytes(), read as memory views)."""
    from apkneed.alpine.providers import FlatRows, _flat_rows

    first, values = _flat_rows(rows, 31)
    for flat in (FlatRows(first, values), FlatRows(memoryview(first.tobytes()).cast("I"),
                                                   memoryview(values.tobytes()).cast("I"))):
        assert dict(flat) == rows and len(flat) == len(rows) and list(flat) == sorted(rows)
        assert [tuple(flat.row(i)) for i in range(31)] == [rows.get(i, ()) for i in range(31)]
        assert all(flat.get(i) == rows.get(i) for i in range(-2, 33)) and 31 not in flat
