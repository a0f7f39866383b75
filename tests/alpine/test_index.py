"""Reading real APKINDEX files and installed databases."""

from __future__ import annotations

import gzip
import io
import tarfile

import pytest

from apkneed.alpine.atom import Dependency, Provide, parse_dependency, parse_provide
from apkneed.alpine.index import check_arch, read_index_bytes, read_index_file, read_installed_db
from apkneed.errors import InputError


def test_v316_index_has_all_packages_and_signature(v316_index_path):
    index = read_index_file(v316_index_path)
    assert len(index.packages) == 4929
    assert index.repository == "main"
    assert index.description == "v3.16.3-13-g4d933a1fa3"
    assert [s.key_name for s in index.signatures] == ["alpine-devel@lists.alpinelinux.org-6165ee59.rsa.pub"]
    assert index.signed_data is not None and index.signed_data[:2] == b"\x1f\x8b"
    assert index.arches == {"x86_64"}


def test_every_field_is_kept(v316_index_path):
    index = read_index_file(v316_index_path)
    by_name = {p.name: p for p in index.packages}
    python3 = by_name["python3"]
    assert python3.version == "3.10.8-r0"
    assert python3.arch == "x86_64"
    assert python3.checksum.startswith("Q1")
    assert python3.size > 0 and python3.installed_size > python3.size
    assert python3.origin == "python3"
    assert python3.license and python3.url and python3.description and python3.maintainer
    assert python3.build_time and python3.commit
    assert Dependency("so:libz.so.1") in python3.depends
    assert any(p.name == "cmd:python3" for p in python3.provides)
    # k: provider priority and i: install_if appear in the real index
    assert any(p.provider_priority is not None for p in index.packages)
    assert any(p.install_if for p in index.packages)


def test_plain_text_index_reads_like_the_archive(v316_index_path):
    archive = read_index_file(v316_index_path)
    raw = gzip.decompress(archive.signed_data)
    with tarfile.open(fileobj=io.BytesIO(raw)) as tar:
        text = tar.extractfile("APKINDEX").read()
    plain = read_index_bytes(text, source="APKINDEX", repository="main")
    assert [p.nv for p in plain.packages] == [p.nv for p in archive.packages]
    assert plain.signatures == ()


def test_installed_databases_read_with_files(shared_dir):
    path = shared_dir / "alpine" / "installed" / "python-3.10-alpine3.16-x86_64.installed"
    packages = read_installed_db(path.read_bytes(), source=str(path))
    assert len(packages) == 36
    musl = next(p for p in packages if p.name == "musl")
    assert "lib/libc.musl-x86_64.so.1" in musl.files
    nginx = shared_dir / "alpine" / "installed" / "nginx-alpine3.21-x86_64.installed"
    assert len(read_installed_db(nginx.read_bytes())) == 67


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name", Dependency("name")),
        ("name>=1.2", Dependency("name", ">=", "1.2")),
        ("name<2", Dependency("name", "<", "2")),
        ("name~1.2", Dependency("name", "~", "1.2")),
        ("name=1.2-r0", Dependency("name", "=", "1.2-r0")),
        ("!conflict", Dependency("conflict", conflict=True)),
        ("so:libz.so.1", Dependency("so:libz.so.1")),
        ("cmd:gcc", Dependency("cmd:gcc")),
        ("pc:zlib>=1.2", Dependency("pc:zlib", ">=", "1.2")),
        ("py3.12:numpy", Dependency("py3.12:numpy")),
        ("/bin/sh", Dependency("/bin/sh")),
        ("g++", Dependency("g++")),
        ("foo@edge", Dependency("foo", tag="edge")),
    ],
)
def test_dependency_atoms(text, expected):
    assert parse_dependency(text) == expected
    assert str(parse_dependency(text)) == text


def test_provide_with_version():
    assert parse_provide("so:libz.so.1=1.3.1") == Provide("so:libz.so.1", "1.3.1")
    assert parse_provide("cmd:gcc") == Provide("cmd:gcc", None)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x1f\x8b\x08\x00garbage", "gzip"),
        (b"P:foo\nV:1.0\nX:what\n", "unknown field 'X'"),
        (b"V:1.0\nA:x86_64\n", "without P:"),
        (b"P:foo\nV:1.0\nS:big\n", "not an integer"),
        (b"P:foo\nV:1.0\nD:bad<<<\n", "malformed dependency"),
        (b"P:foo\nV:1.0\nP:bar\n", "repeated"),
        (b"P:foo\nV:1.0\nthis is not a field\n", "expected 'X:value'"),
        (b"P:foo\nV:1.0\nT:" + b"x" * 300_000 + b"\n", "exceeds"),
    ],
)
def test_bad_input_is_one_clear_error(data, message):
    with pytest.raises(InputError, match=message) as info:
        read_index_bytes(data, source="bad", repository="test")
    assert "\n" not in str(info.value)


def test_truncated_archive_is_refused(v316_index_path):
    data = v316_index_path.read_bytes()
    with pytest.raises(InputError, match="truncated"):
        read_index_bytes(data[: len(data) // 2], source="cut", repository="main")


def test_error_names_the_line(v316_index_path):
    data = b"P:ok\nV:1\n\nP:foo\nV:1.0\nZ:bad\n"
    with pytest.raises(InputError, match=r"bad:6: unknown field 'Z'"):
        read_index_bytes(data, source="bad", repository="t")


def test_foreign_arch_is_refused(v317_index_path):
    index = read_index_file(v317_index_path)
    check_arch(index, "aarch64")
    with pytest.raises(InputError, match="aarch64, not x86_64"):
        check_arch(index, "x86_64")
