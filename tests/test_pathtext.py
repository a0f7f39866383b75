"""apkneed.pathtext spells paths exactly as pathlib does, without importing it.

The click CLI hands the world loader ``Path`` objects, the click-free entry
the text as typed: both must print the same path and key the same parsed
copy. So every function is held to pathlib itself on generated paths made
of the pieces that change pathlib's spelling (slashes in runs, ``.``,
``..``, names with dots and spaces), and on the cases people type.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apkneed.pathtext import absolute_text, path_parts, path_text

TYPED = [
    "", ".", "./", "..", "../", "/", "//", "///", "////x", "//x", "//x/", "/./x/./", "a//b", "a/./b/",
    "a/../b", "./APKINDEX.tar.gz", "../shared/alpine/v3.17/main/aarch64/APKINDEX.tar.gz",
    "main/x86_64//APKINDEX.tar.gz", "@community=../c/", "@community=./x//y", ".hidden/", "a b/ c", "...",
    "x/.../y",
]

pieces = st.sampled_from(["", ".", "..", "a", "b.c", " d", "...", ".e", "@t=f", "é", "x y"])
paths = st.builds(
    lambda lead, names, seps, trail: lead + "".join(n + s for n, s in zip(names, seps)) + trail,
    st.sampled_from(["", "/", "//", "///", "./", "../"]),
    st.lists(pieces, max_size=6),
    st.lists(st.sampled_from(["/", "//", "/./", "///"]), min_size=6, max_size=6),
    st.sampled_from(["", "/", "//", "/."]),
)


def check_like_pathlib(text: str) -> None:
    assert path_text(text) == str(Path(text))
    assert path_parts(text) == Path(text).parts
    assert absolute_text(text) == str(Path(text).absolute())
    # a Path handed over (the click CLI's) gives the same text as the string typed (the fast path's)
    assert path_text(Path(text)) == path_text(text)
    assert absolute_text(Path(text)) == absolute_text(text)


@pytest.mark.parametrize("text", TYPED)
def test_typed_paths_read_as_pathlib_reads_them(text):
    check_like_pathlib(text)


@settings(max_examples=300, deadline=None)
@given(paths)
def test_generated_paths_read_as_pathlib_reads_them(text):
    check_like_pathlib(text)


def test_absolute_from_the_root_directory(tmp_path):
    """From ``/``, a relative path gets one slash (two would be POSIX's other root)."""
    here = os.getcwd()
    try:
        os.chdir("/")
        for text in ("x", ".", "a/../b", "./y/"):
            assert absolute_text(text) == str(Path(text).absolute())
        os.chdir(tmp_path)
        assert absolute_text("sub/../f") == str(Path("sub/../f").absolute())
    finally:
        os.chdir(here)
