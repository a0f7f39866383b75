"""apk's version ordering, checked against apk-tools' own test vectors."""

from __future__ import annotations

from pathlib import Path

import pytest

from apkneed.alpine.index import read_index_file
from apkneed.alpine.version import (
    EQUAL,
    GREATER,
    LESS,
    compare,
    compare_mask,
    is_valid,
    op_mask,
    op_string,
    satisfies,
)

VECTORS = Path(__file__).parent / "data" / "apk-version.data"
_RESULT = {"<": -1, "=": 0, ">": 1}


def _vectors() -> list[tuple[str, str, str]]:
    out = []
    for line in VECTORS.read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        a, result, b = line.split()[:3]
        out.append((a, result, b))
    return out


def test_every_apk_tools_vector_matches():
    vectors = _vectors()
    assert len(vectors) == 733
    wrong = [(a, r, b, compare(a, b)) for a, r, b in vectors if compare(a, b) != _RESULT[r]]
    assert wrong == []


def test_vectors_hold_in_reverse():
    wrong = [(a, r, b) for a, r, b in _vectors() if compare(b, a) != -_RESULT[r]]
    assert wrong == []


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("1.0_alpha", "1.0_beta", -1),
        ("1.0_beta", "1.0_pre", -1),
        ("1.0_pre", "1.0_rc", -1),
        ("1.0_rc", "1.0", -1),
        ("1.0", "1.0_cvs", -1),
        ("1.0_cvs", "1.0_svn", -1),
        ("1.0_svn", "1.0_git", -1),
        ("1.0_git", "1.0_hg", -1),
        ("1.0_hg", "1.0_p", -1),
        ("1.0_rc1", "1.0_rc2", -1),
        ("1.0-r1", "1.0-r2", -1),
        ("1.0", "1.0-r0", -1),
        ("1.2a", "1.2b", -1),
        ("1.2", "1.2a", -1),
        ("1.05", "1.5", -1),
        ("1.005", "1.05", -1),
        ("11.2.1_git20220219-r2", "11.2.1-r2", 1),
        ("6.3_p20220521-r0", "6.3-r0", 1),
        ("2.38-r3", "2.38-r3", 0),
    ],
)
def test_suffixes_letters_revisions(a, b, expected):
    assert compare(a, b) == expected
    assert compare(b, a) == -expected


@pytest.mark.parametrize(
    ("version", "valid"),
    [
        ("1.0", True),
        ("1.2.3_rc1-r4", True),
        ("11.2.1_git20220219-r2", True),
        ("1.0a", True),
        ("9d", True),
        ("1.0_alpha1_p2", True),
        ("1.0bc", False),
        ("1.0_foo", False),
        ("1.0-r1.2", False),
        ("1.0-x", False),
        ("a1.0", True),  # apk reads an empty number, then a letter
        ("", True),
        ("1.a", True),
        ("1." + "9" * 18, False),
    ],
)
def test_validity(version, valid):
    assert is_valid(version) is valid


def test_fuzzy_match_compares_only_the_wanted_prefix():
    assert satisfies("1.2.3-r0", "~", "1.2")
    assert satisfies("1.2-r5", "~", "1.2")
    assert not satisfies("1.3.0", "~", "1.2")
    assert not satisfies("1.1.9", "~", "1.2")
    assert satisfies("1.2.3", "=~", "1.2") and satisfies("1.2.3", "~=", "1.2")
    assert satisfies("1.1", "<~", "1.2") and satisfies("1.2.9", "<~", "1.2")
    assert not satisfies("1.3", "<~", "1.2")
    assert satisfies("1.3", ">~", "1.2") and not satisfies("1.1", ">~", "1.2")
    assert compare_mask("1.2.3", "1.2", fuzzy=True) == EQUAL
    assert compare_mask("1.2.3", "1.2") == GREATER


def test_operators():
    assert satisfies("3.10.8-r0", ">=", "3.10")
    assert not satisfies("3.10.8-r0", "<", "3.10")
    assert satisfies("1.0", "=", "1.0") and not satisfies("1.0-r1", "=", "1.0")
    assert satisfies("1.0", None, None)
    # an unversioned provide meets only an unversioned dependency
    assert satisfies(None, None, None) and not satisfies(None, ">=", "1")
    assert satisfies("1.0", "><", "Q1abc=", checksum="Q1abc=")
    assert not satisfies("1.0", "><", "Q1abc=", checksum="Q1xyz=")
    assert compare_mask(None, None) == EQUAL
    assert compare_mask(None, "1") == EQUAL | LESS | GREATER


def test_operator_masks_print_back_like_apk():
    for op in ("<", "<=", "=", ">=", ">", "~", "><"):
        assert op_string(op_mask(op)) == op
    assert op_string(op_mask("=~")) == "~"
    # apk has no spelling for these two and prints "?"
    assert op_string(op_mask("<~")) == "?"


def test_real_index_versions_are_valid_and_totally_ordered(v317_index_path):
    versions = sorted({p.version for p in read_index_file(v317_index_path).packages})
    assert len(versions) > 1000
    assert all(is_valid(v) for v in versions)
    # antisymmetry and transitivity on a sample: sorting by compare is consistent
    import functools

    ordered = sorted(versions, key=functools.cmp_to_key(compare))
    for older, newer in zip(ordered, ordered[1:]):
        assert compare(older, newer) <= 0 and compare(newer, older) >= 0
