"""Fuzz targets for the readers added with apk-tools 3 and tagged repositories:
the 3.0 version grammar and the ``--index @TAG=PATH`` spelling (fixed budget)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from apkneed.alpine.sources.world import split_tagged_index
from apkneed.alpine.version import is_valid, is_valid_apk3
from apkneed.errors import InputError

FUZZ = settings(max_examples=300, deadline=2000)
VERSION_CHARS = st.text(alphabet="0123456789.abcprgz_-~r", max_size=20)


@FUZZ
@given(VERSION_CHARS | st.text(max_size=20))
def test_apk3_version_grammar_never_raises(version):
    valid = is_valid_apk3(version)
    assert isinstance(valid, bool)
    if valid:
        # what 3.0 reads starts with a number and has at most one revision
        assert "0" <= version[0] <= "9" and version.count("-r") <= 1
        # ...and 2.14 reads it too, unless it carries 3.0's new commit hash
        assert is_valid(version) or "~" in version


@FUZZ
@given(st.text(max_size=40))
def test_tagged_index_spelling_is_read_or_refused_in_one_line(text):
    try:
        tag, path = split_tagged_index(text)
    except InputError as exc:
        assert text.startswith("@") and str(exc).startswith(f"--index {text}: a tagged index is written @TAG=PATH")
        return
    if tag is None:
        assert path == text
    else:
        assert text == f"@{tag}={path}" and tag and path
