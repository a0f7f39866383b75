"""Fuzzing the page store's reader (``unpack_project``): damaged bytes and damaged facts from a real
page (psycopg2's, from PyPI via the test cache). The outcome is a Project or one ValueError, which the
client treats as a missing page (fetched again); never another exception."""

from __future__ import annotations

import json
import zlib

import pytest
from fuzz_helpers import FUZZ, mutate
from hypothesis import given
from hypothesis import strategies as st

from apkneed.python.pypi import Project, pack_project, parse_project_page, unpack_project

MAGIC = b"apkneed-page-facts 1\n"
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=4),
    max_leaves=10,
)


@pytest.fixture(scope="module")
def facts(real_page) -> dict:
    page = parse_project_page(real_page("psycopg2"), "https://pypi.org/simple/psycopg2/", "psycopg2")
    return json.loads(zlib.decompress(pack_project(page)[len(MAGIC):]))


def outcome(stored: bytes) -> Project | None:
    try:
        return unpack_project(stored)
    except ValueError as exc:
        assert "\n" not in str(exc) and str(exc)
        return None


@FUZZ
@given(data=st.data())
def test_fuzz_damaged_bytes(facts: dict, data: st.DataObject) -> None:
    stored = MAGIC + zlib.compress(json.dumps(facts).encode(), 6)
    outcome(mutate(data, stored, [len(MAGIC)]))


@FUZZ
@given(key=st.sampled_from(["name", "index_url", "versions", "prefix", "filename", "dir", "whole_url", "sha256",
                            "other_hashes", "requires_python", "size", "yanked", "core_metadata"]),
       position=st.integers(0, 60), value=JSON_VALUES, drop=st.booleans())
def test_fuzz_damaged_facts(facts: dict, key: str, position: int, value, drop: bool) -> None:
    damaged = json.loads(json.dumps(facts))
    if drop:
        del damaged[key]
    elif isinstance(damaged[key], list) and damaged[key]:
        damaged[key][position % len(damaged[key])] = value
    else:
        damaged[key] = value
    project = outcome(MAGIC + zlib.compress(json.dumps(damaged).encode()))
    if project is not None:  # whatever is accepted has the types every reader of a Project relies on
        for file in project.files:
            assert isinstance(file.filename, str) and isinstance(file.url, str)
            assert file.size is None or (isinstance(file.size, int) and not isinstance(file.size, bool))
            assert all(isinstance(v, str) for v in file.hashes.values())


@FUZZ
@given(data=st.data())
def test_fuzz_kept_metadata(tmp_path_factory, data: st.DataObject) -> None:
    """Kept unverified METADATA, damaged: its bytes, or None (and the file gone), never an exception."""
    from apkneed.python.pypi import MAX_METADATA_BYTES, _pack_metadata, _read_unverified

    seed = _pack_metadata(b"Metadata-Version: 2.1\nName: psycopg2\nVersion: 2.9.10\n\n" + b"long text " * 200)
    path = tmp_path_factory.mktemp("kept") / "x.METADATA"
    path.write_bytes(mutate(data, seed, [28]))
    read = _read_unverified(path)
    assert read is None and not path.exists() or isinstance(read, bytes) and len(read) <= max(MAX_METADATA_BYTES, len(seed))
