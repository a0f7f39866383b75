"""Fuzzing the index reader: it returns packages or one clear InputError, nothing else.

Inputs: random bytes, random records of random fields, mutations of real
v3.16 records, and truncations/corruptions of the real APKINDEX.tar.gz.
Every example must finish quickly (hypothesis' deadline catches a hang).
"""

from __future__ import annotations

import gzip
import io
import tarfile

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apkneed.alpine.index import read_index_bytes, read_index_file, read_installed_db
from apkneed.errors import InputError

FUZZ = settings(max_examples=150, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
#: each example re-reads a 700 KB archive
FUZZ_ARCHIVE = settings(FUZZ, max_examples=50)
LETTERS = "CPVASITULomtcDpikrqXZF1 :"


def _read(data: bytes):
    try:
        index = read_index_bytes(data, source="fuzz", repository="fuzz")
    except InputError as exc:
        assert "\n" not in str(exc) and str(exc).startswith("fuzz")
        return None
    for package in index.packages:
        assert package.name and package.version
    return index


@FUZZ
@given(st.binary(max_size=4096))
def test_random_bytes(data):
    _read(data)


@FUZZ
@given(st.binary(max_size=2048))
def test_random_bytes_behind_a_gzip_magic(data):
    _read(b"\x1f\x8b" + data)


_values = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=40)
_lines = st.tuples(st.sampled_from(LETTERS), _values).map(lambda lv: f"{lv[0]}:{lv[1]}")
_records = st.lists(st.lists(_lines, min_size=1, max_size=12).map("\n".join), max_size=6)


@FUZZ
@given(_records)
def test_random_records(records):
    _read("\n\n".join(records).encode("utf-8", "surrogatepass"))


@FUZZ
@given(st.lists(st.tuples(st.sampled_from("CPVASITULomtckDpi"), _values), max_size=25))
def test_random_installed_databases(lines):
    text = "\n".join(f"{letter}:{value}" for letter, value in lines)
    try:
        read_installed_db(text.encode())
    except InputError as exc:
        assert "\n" not in str(exc)


_REAL: list[str] = []


def _real_records(path) -> list[str]:
    if not _REAL:
        archive = read_index_file(path)
        raw = gzip.decompress(archive.signed_data)
        with tarfile.open(fileobj=io.BytesIO(raw)) as tar:
            text = tar.extractfile("APKINDEX").read().decode()
        _REAL.extend(r for r in text.split("\n\n")[:400] if r)
    return _REAL


_mutation = st.tuples(
    st.integers(min_value=0, max_value=399),
    st.lists(
        st.tuples(st.integers(min_value=0, max_value=2000), st.sampled_from(["del", "ins", "sub"]),
                  st.sampled_from(list("\n:=<>~!@ -_.0123456789aZ\x00\xe9"))),
        min_size=1, max_size=8,
    ),
)


@FUZZ
@given(_mutation)
def test_mutated_real_records(v316_index_path, mutation):
    records = _real_records(v316_index_path)
    which, edits = mutation
    text = records[which]
    for position, kind, char in edits:
        position %= len(text) + 1
        if kind == "del":
            text = text[:position] + text[position + 1 :]
        elif kind == "ins":
            text = text[:position] + char + text[position:]
        else:
            text = text[:position] + char + text[position + 1 :]
    neighbours = records[(which + 1) % len(records)]
    _read(f"{text}\n\n{neighbours}\n".encode())


@FUZZ_ARCHIVE
@given(st.floats(min_value=0.0, max_value=1.0), st.binary(min_size=0, max_size=8))
def test_truncated_and_corrupted_archive(v316_index_path, fraction, junk):
    data = v316_index_path.read_bytes()
    cut = int(len(data) * fraction)
    _read(data[:cut])
    _read(data[:cut] + junk + data[cut + len(junk) :])


def test_the_real_archive_still_reads(v316_index_path):
    assert len(_read(v316_index_path.read_bytes()).packages) == 4929
