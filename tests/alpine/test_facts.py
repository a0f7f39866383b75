"""Facts read from the real indexes: Python and musl versions, build dates."""

from __future__ import annotations

import pytest

from apkneed.alpine.facts import (
    musl_version,
    newest_build_date,
    package_versions,
    python_version,
    release_numbers,
)
from apkneed.alpine.index import read_index_bytes, read_index_file
from apkneed.alpine.sources.world import AlpineWorld
from apkneed.errors import InputError


@pytest.fixture(scope="module")
def v316(v316_index_path):
    return AlpineWorld("v3.16", "x86_64", (read_index_file(v316_index_path),), origin="test")


@pytest.fixture(scope="module")
def v317(v317_index_path):
    return AlpineWorld("v3.17", "aarch64", (read_index_file(v317_index_path),), origin="test")


def test_v316_facts(v316):
    assert python_version(v316) == "3.10"
    assert musl_version(v316) == (1, 2, 3)
    assert package_versions(v316, "python3") == ("3.10.8-r0",)
    assert package_versions(v316, "musl") == ("1.2.3-r2",)
    assert newest_build_date(v316) == "2022-11-21"


def test_v317_facts(v317):
    assert python_version(v317) == "3.10"
    assert musl_version(v317) == (1, 2, 3)
    assert package_versions(v317, "python3") == ("3.10.11-r0",)
    assert package_versions(v317, "musl") == ("1.2.3-r5",)
    assert newest_build_date(v317) == "2023-05-27"


def test_facts_accept_plain_package_lists(v316):
    assert python_version(list(v316.packages)) == "3.10"


def test_the_newest_version_wins_when_there_are_several():
    text = (
        "P:python3\nV:3.9.16-r0\nA:x86_64\n\n"
        "P:python3\nV:3.11.4-r0\nA:x86_64\n\n"
        "P:python3\nV:3.11.4-r0\nA:x86_64\n\n"
    )
    index = read_index_bytes(text.encode(), source="made-up", repository="main")
    assert package_versions(index.packages, "python3") == ("3.9.16-r0", "3.11.4-r0")
    assert python_version(index.packages) == "3.11"  # 11 > 9 as numbers, not text


def test_a_world_without_the_package_says_so(v316):
    with pytest.raises(InputError, match="the Alpine index has no 'python3' package"):
        python_version([p for p in v316.packages if p.name != "python3"])
    assert package_versions(v316, "no-such-package") == ()
    assert newest_build_date([]) is None


@pytest.mark.parametrize(
    ("version", "numbers"),
    [("3.10.8-r0", (3, 10, 8)), ("1.2.3_git20230424-r0", (1, 2, 3)), ("2022.11a-r1", (2022, 11)), ("9", (9,))],
)
def test_release_numbers(version, numbers):
    assert release_numbers(version) == numbers


def test_release_numbers_refuse_non_versions():
    with pytest.raises(InputError, match="does not start with a number"):
        release_numbers("r0")


def test_newest_version_follows_apk_ordering_not_index_order():
    # Made-up records in the real format: the index lists the newer python3
    # first, and a revision bump (-r1) must win over -r0 as apk's solver does.
    from apkneed.alpine.facts import newest_version

    index = read_index_bytes(
        b"P:python3\nV:3.11.2-r1\nA:x86_64\n\nP:python3\nV:3.11.2-r0\nA:x86_64\n\n"
        b"P:python3\nV:3.10.9-r0\nA:x86_64\n",
        source="made-up",
        repository="main",
    )
    assert package_versions(index.packages, "python3") == ("3.11.2-r1", "3.11.2-r0", "3.10.9-r0")
    assert newest_version(index.packages, "python3") == "3.11.2-r1"
    assert python_version(index.packages) == "3.11"
    with pytest.raises(InputError, match="no 'musl' package"):
        newest_version(index.packages, "musl")
