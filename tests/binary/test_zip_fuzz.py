"""Fuzzing the wheel reader (open_zip, the member readers, inspect_wheel): real
and built wheels with every compression method, mutated where zip readers
look (headers, central directory) and truncated. The outcome is a report or
one ZipError; a bad member becomes a problem in the report (issue 11)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from fuzz_helpers import FUZZ, contained, mutate, zip_headers
from hypothesis import given
from hypothesis import strategies as st

from apkneed.binary.policy import Target
from apkneed.binary.wheel import inspect_wheel

TAG = "cp310-cp310-musllinux_1_2_x86_64"
WHEEL = f"fuzz-1.0-{TAG}.whl"


def built_wheel(elf: bytes) -> bytes:
    """A wheel holding one ELF object under each compression zipfile writes, plus a script."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for method, label in ((zipfile.ZIP_STORED, "stored"), (zipfile.ZIP_DEFLATED, "deflated"),
                              (zipfile.ZIP_BZIP2, "bz2"), (zipfile.ZIP_LZMA, "lzma")):
            info = zipfile.ZipInfo(f"fuzz/_{label}.so")
            info.compress_type = method
            archive.writestr(info, elf)
        script = zipfile.ZipInfo("fuzz-1.0.data/scripts/tool")
        script.external_attr = 0o755 << 16
        archive.writestr(script, elf)
        archive.writestr("fuzz-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: fuzz\nVersion: 1.0\n")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def seeds(built, markupsafe_musl_wheel: Path) -> list[bytes]:
    return [built_wheel(built.musl_ext_rpath.read_bytes()), markupsafe_musl_wheel.read_bytes()]


def inspect(data: bytes) -> None:
    report = contained(lambda: inspect_wheel(io.BytesIO(data), WHEEL, target=Target("x86_64")))
    if report is not None:
        assert all(p.message and "\n" not in p.message for p in report.problems)


@FUZZ
@given(data=st.data())
def test_mutated_wheels(seeds, data):
    seed = data.draw(st.sampled_from(seeds))
    inspect(mutate(data, seed, zip_headers(seed)))


@FUZZ
@given(st.binary(max_size=2048))
def test_random_bytes_behind_a_zip_end_record(tail):
    inspect(tail + b"PK\x05\x06" + bytes(18))


def test_the_seeds_themselves_inspect(seeds):
    for seed in seeds:
        report = inspect_wheel(io.BytesIO(seed), WHEEL, target=Target("x86_64"))
        assert report.objects and not [p for p in report.problems if p.code == "unreadable-object"]
