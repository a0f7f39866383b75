"""Fuzzing the core-metadata readers: a wheel's METADATA, an sdist's PKG-INFO
from a zip, a tar and a compressed tar. Seeds carry the real PKG-INFO of
psycopg2 2.9.10 (from PyPI, kept in the test cache). The outcome is the bytes
or one EnvironmentFailure, never another exception (issue 11)."""

from __future__ import annotations

import io
import tarfile
import zipfile

import pytest
from fuzz_helpers import FUZZ, contained, mutate, zip_headers
from hypothesis import given
from hypothesis import strategies as st

from apkneed.python.pypi import MAX_METADATA_BYTES, sdist_metadata_bytes, wheel_metadata_bytes


@pytest.fixture(scope="module")
def pkg_info(pypi, real_file) -> bytes:
    return sdist_metadata_bytes(pypi.download(real_file("psycopg2-2.9.10.tar.gz")), "psycopg2-2.9.10.tar.gz")


METHODS = st.sampled_from([zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA, zipfile.ZIP_STORED])


def zip_seed(name: str, text: bytes, method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name.rpartition("/")[0] + "/RECORD", b"")
        info = zipfile.ZipInfo(name)
        info.compress_type = method
        archive.writestr(info, text)
    return buffer.getvalue()


def tar_seed(text: bytes, mode: str) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=mode) as archive:
        for name in ("psycopg2-2.9.10/setup.py", "psycopg2-2.9.10/PKG-INFO"):
            info = tarfile.TarInfo(name)
            info.size = len(text)
            archive.addfile(info, io.BytesIO(text))
    return buffer.getvalue()


def read_ok(result, pkg_info: bytes) -> None:
    assert result is None or (isinstance(result, bytes) and len(result) <= MAX_METADATA_BYTES)


@FUZZ
@given(data=st.data(), method=METHODS)
def test_mutated_wheel_metadata(pkg_info, data, method):
    seed = zip_seed("psycopg2-2.9.10.dist-info/METADATA", pkg_info, method)
    wheel = mutate(data, seed, zip_headers(seed))
    read_ok(contained(lambda: wheel_metadata_bytes(io.BytesIO(wheel), "psycopg2-2.9.10-py3-none-any.whl", "psycopg2")), pkg_info)


@FUZZ
@given(data=st.data(), method=METHODS)
def test_mutated_zip_sdists(pkg_info, data, method):
    seed = zip_seed("psycopg2-2.9.10/PKG-INFO", pkg_info, method)
    sdist = mutate(data, seed, zip_headers(seed))
    read_ok(contained(lambda: sdist_metadata_bytes(sdist, "psycopg2-2.9.10.zip")), pkg_info)


@FUZZ
@given(data=st.data(), mode=st.sampled_from(["w", "w:gz", "w:bz2", "w:xz"]))
def test_mutated_tar_sdists(pkg_info, data, mode):
    seed = tar_seed(pkg_info, mode)
    # tar headers sit on 512-byte blocks: the hot spots of an uncompressed tar
    sdist = mutate(data, seed, list(range(0, len(seed), 512)) if mode == "w" else [0])
    read_ok(contained(lambda: sdist_metadata_bytes(sdist, f"psycopg2-2.9.10.tar{mode[2:] and '.' + mode[2:]}")), pkg_info)


@FUZZ
@given(st.binary(max_size=2048), st.sampled_from(["x.zip", "x.tar.gz", "x.tar"]))
def test_random_bytes(data, filename):
    contained(lambda: sdist_metadata_bytes(data, filename))
    contained(lambda: wheel_metadata_bytes(io.BytesIO(data), "x-1.0-py3-none-any.whl", "x"))


def test_the_seeds_themselves_read(pkg_info):
    assert b"Name: psycopg2" in pkg_info
    assert wheel_metadata_bytes(io.BytesIO(zip_seed("psycopg2-2.9.10.dist-info/METADATA", pkg_info)),
                                "psycopg2-2.9.10-py3-none-any.whl", "psycopg2") == pkg_info
    for mode, suffix in (("w", ".tar"), ("w:gz", ".tar.gz"), ("w:bz2", ".tar.bz2"), ("w:xz", ".tar.xz")):
        assert sdist_metadata_bytes(tar_seed(pkg_info, mode), "psycopg2-2.9.10" + suffix) == pkg_info
