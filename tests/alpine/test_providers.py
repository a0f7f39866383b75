"""The provider map (apk's name table) on the real indexes."""

from __future__ import annotations

import pytest

from apkneed.alpine.checksum import checksum_key
from apkneed.alpine.index import read_index_bytes, read_index_file
from apkneed.alpine.providers import (
    NAME_HASH_BUCKETS,
    build_provider_map,
    murmur3_32,
    name_hash,
)


@pytest.fixture(scope="module")
def v316(v316_index_path):
    return build_provider_map([read_index_file(v316_index_path)])


def test_names_and_provides(v316):
    (zlib,) = v316.providers("so:libz.so.1")
    assert zlib.package.nv == "zlib-1.2.12-r3" and zlib.version == "1.2.12" and not zlib.is_virtual
    (own,) = v316.providers("zlib")
    assert own.package is zlib.package and own.version == "1.2.12-r3"
    # /bin/sh is an unversioned (virtual) provide of busybox on v3.16
    (sh,) = v316.providers("/bin/sh")
    assert sh.package.name == "busybox" and sh.is_virtual
    assert v316.providers("so:libnothing.so.1") == ()
    assert "python3" in v316 and "py3-pip" not in v316
    assert len(v316.packages) == 4929


def test_matching_applies_versions(v316):
    assert [p.package.name for p in v316.matching("so:libz.so.1>=1.2")] == ["zlib"]
    assert v316.matching("so:libz.so.1>=2") == ()
    assert v316.matching("python3~3.10")[0].package.version == "3.10.8-r0"
    assert v316.matching("!python3") == ()
    # a virtual provide meets only an unversioned atom
    assert v316.matching("/bin/sh>=1") == ()


def test_every_provide_is_indexed(v316):
    for package in v316.packages[::10]:
        assert any(p.package is package for p in v316.providers(package.name))
        for provide in package.provides:
            assert (package, provide.version) in [(p.package, p.version) for p in v316.providers(provide.name)]


def test_dependents_are_the_reverse_of_depends(v316):
    dependents = v316.dependents("so:libz.so.1")
    assert "python3" in dependents and "libxml2" in dependents
    assert len(dependents) == len(set(dependents))
    # apk's order: name-table bucket order
    buckets = [name_hash(n) % NAME_HASH_BUCKETS for n in dependents]
    assert buckets == sorted(buckets)
    assert "ssl_client" in v316.install_if_dependents("busybox")


def test_several_indexes_share_packages(v316_index_path):
    main = read_index_file(v316_index_path)
    copy = read_index_file(v316_index_path, repository="mirror-copy")
    both = build_provider_map([main, copy])
    assert len(both.packages) == len(main.packages)
    (python3,) = both.providers("python3")
    assert both.repositories_of(python3.package) == ("main", "mirror-copy")
    assert both.repository_bits(python3.package) == 0b110


def test_checksums_compare_decoded_like_apk():
    # the last base64 character carries two unused bits: both spellings are one digest
    assert checksum_key("Q1hdUpqRv5mYgJEqW52UmVsvmyysE=") == checksum_key("Q1hdUpqRv5mYgJEqW52UmVsvmyysF=")
    assert checksum_key("Q1hdUpqRv5mYgJEqW52UmVsvmyysE=") != checksum_key("Q1hdUpqRv5mYgJEqW52UmVsvmyysI=")
    made_up = read_index_bytes(
        b"C:Q1hdUpqRv5mYgJEqW52UmVsvmyysE=\nP:a\nV:1\n\nC:Q1hdUpqRv5mYgJEqW52UmVsvmyysF=\nP:b\nV:1\n\n"
        b"P:c\nV:1\n\nP:d\nV:1\n",
        source="made-up", repository="made-up",
    )
    # apk keeps the first of two records with one checksum; records without C: stay apart
    assert [p.name for p in build_provider_map([made_up]).packages] == ["a", "c", "d"]


@pytest.mark.parametrize(
    ("data", "seed", "expected"),
    [  # MurmurHash3_x86_32 reference vectors
        (b"", 0, 0),
        (b"", 1, 0x514E28B7),
        (b"", 0xFFFFFFFF, 0x81F16F39),
        (b"\0\0\0\0", 0, 0x2362F9DE),
        (b"aaaa", 0x9747B28C, 0x5A97808A),
        (b"Hello, world!", 0x9747B28C, 0x24884CBA),
        (b"The quick brown fox jumps over the lazy dog", 0, 0x2E4FF723),
    ],
)
def test_murmur3(data, seed, expected):
    assert murmur3_32(data, seed) == expected


def test_name_hash_is_the_reference_murmur3_on_real_names(v316):
    # name_hash (mmh3, in C) and murmur3_32 (Python, the reference) agree on
    # every name of an index, whatever its length modulo 4
    names = list(v316.names())
    assert len({len(n.encode()) % 4 for n in names}) == 4
    for name in names:
        assert name_hash(name) == murmur3_32(name.encode(), 5381), name
