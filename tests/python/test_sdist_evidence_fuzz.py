"""Fuzzing the sdist evidence reader (plan.evidence.read_sdist): the real
psycopg2 2.9.10 sdist (from PyPI, kept in the test cache) truncated, and
built sdists holding its PKG-INFO with a pyproject.toml, mutated where
archive readers look. The outcome is evidence or one EnvironmentFailure
(issue 11: any other exception is a crash)."""

from __future__ import annotations

import io
import tarfile
import zipfile

import pytest
from fuzz_helpers import FUZZ, contained, mutate, zip_headers
from hypothesis import given, settings
from hypothesis import strategies as st

from apkneed.errors import EnvironmentFailure
from apkneed.plan.evidence import read_sdist
from apkneed.python.pypi import sdist_metadata_bytes

PYPROJECT = b"""[build-system]
requires = ["setuptools>=61", "wheel"]
build-backend = "setuptools.build_meta"

[external]
host-requires = ["virtual:compiler/c", "pkg:generic/libpq"]
"""


@pytest.fixture(scope="module")
def real_sdist(pypi, real_file) -> bytes:
    return pypi.download(real_file("psycopg2-2.9.10.tar.gz"))


@pytest.fixture(scope="module")
def members(real_sdist) -> dict[str, bytes]:
    return {
        "demo-1.0/PKG-INFO": sdist_metadata_bytes(real_sdist, "psycopg2-2.9.10.tar.gz"),
        "demo-1.0/pyproject.toml": PYPROJECT,
        "demo-1.0/setup.py": b"from setuptools import Extension, setup\nsetup(ext_modules=[Extension('x', ['x.c'])])\n",
        "demo-1.0/psy/__init__.py": b"",
        "demo-1.0/src/x.c": b"int x;\n",
    }


def zip_sdist(members: dict[str, bytes], method: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def tar_sdist(members: dict[str, bytes], mode: str) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=mode) as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def read(data: bytes, filename: str) -> None:
    evidence = contained(lambda: read_sdist(data, filename))
    if evidence is not None:
        assert all("\n" not in p for p in evidence.problems)


@FUZZ
@given(data=st.data(), method=st.sampled_from([zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA, zipfile.ZIP_STORED]))
def test_mutated_zip_sdists(members, data, method):
    seed = zip_sdist(members, method)
    read(mutate(data, seed, zip_headers(seed)), "demo-1.0.zip")


@FUZZ
@given(data=st.data(), mode=st.sampled_from(["w", "w:gz", "w:bz2", "w:xz"]))
def test_mutated_tar_sdists(members, data, mode):
    seed = tar_sdist(members, mode)
    hot = list(range(0, len(seed), 512)) if mode == "w" else [0]
    read(mutate(data, seed, hot), "demo-1.0.tar" + (mode[1:].replace(":", ".") if mode != "w" else ""))


@settings(FUZZ, max_examples=max(1, FUZZ.max_examples // 4))  # each example inflates 390 KB
@given(st.floats(0.0, 1.0))
def test_truncated_real_sdist(real_sdist, fraction):
    read(real_sdist[: int(len(real_sdist) * fraction)], "psycopg2-2.9.10.tar.gz")


@pytest.mark.parametrize("text", [b"a = " + b"[" * 100_000, b"a = " + b"{x = " * 50_000, b"\xff\xfe"])
def test_a_hostile_pyproject_is_a_problem_not_a_crash(members, text):
    evidence = read_sdist(tar_sdist({**members, "demo-1.0/pyproject.toml": text}, "w"), "demo-1.0.tar")
    assert any("pyproject.toml is not valid TOML" in p for p in evidence.problems)


def test_an_empty_member_name_in_a_zip_sdist_is_an_environment_failure(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        archive.writestr(zipfile.ZipInfo("x"), b"")
    data = buffer.getvalue().replace(b"\x01\x00x", b"\x01\x00\x00")  # unused; see below
    # the central entry of "x" with a zero-length name: rewrite its name length
    at = data.rindex(b"PK\x01\x02")
    patched = bytearray(data)
    patched[at + 28] = 0
    with pytest.raises(EnvironmentFailure):
        read_sdist(bytes(patched), "demo-1.0.zip")


def test_the_seeds_read(real_sdist, members):
    assert read_sdist(real_sdist, "psycopg2-2.9.10.tar.gz").has_setup_py
    for data, name in ((zip_sdist(members, zipfile.ZIP_DEFLATED), "demo-1.0.zip"), (tar_sdist(members, "w:gz"), "demo-1.0.tar.gz")):
        evidence = read_sdist(data, name)
        assert evidence.build_backend == "setuptools.build_meta" and evidence.external and evidence.top_level == ("psy",)
