"""apkneed.records.Frozen keeps the @dataclass(frozen=True) semantics the resolve path relies on."""

from __future__ import annotations

import dataclasses

import pytest

from apkneed.alpine.index import IndexSignature
from apkneed.alpine.solver_rules import APK_TOOLS_2, APK_TOOLS_3
from apkneed.records import Frozen, set_field


class Pair(Frozen):
    __slots__ = ("left", "right")
    left: int
    right: str

    def __init__(self, left: int, right: str) -> None:
        set_field(self, "left", left)
        set_field(self, "right", right)


@dataclasses.dataclass(frozen=True)
class PairDataclass:
    left: int
    right: str


@pytest.mark.parametrize("left,right", [(1, "a"), (0, ""), (-7, "é")])
def test_frozen_compares_hashes_and_shows_like_a_frozen_dataclass(left: int, right: str) -> None:
    ours, theirs = Pair(left, right), PairDataclass(left, right)
    assert ours == Pair(left, right) and ours != Pair(left + 1, right)
    assert hash(ours) == hash(theirs)  # both hash the tuple of the fields
    assert repr(ours).removeprefix("Pair") == repr(theirs).removeprefix("PairDataclass")
    assert ours != theirs  # only the very same class compares equal, as dataclasses do
    with pytest.raises(AttributeError):
        ours.left = 3  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del ours.right
    assert ours.replace(right="z") == Pair(left, "z")
    with pytest.raises(TypeError, match="no field 'middle'"):
        ours.replace(middle=1)


def test_a_field_annotated_but_left_out_of_slots_is_refused_at_import() -> None:
    with pytest.raises(TypeError, match="must list the annotated fields"):

        class Forgotten(Frozen):  # noqa: F841 (defining it is the test)
            __slots__ = ("left",)
            left: int
            right: str


def test_real_records_round_trip_through_replace() -> None:
    signature = IndexSignature("key.rsa.pub", "RSA", b"\x00\x01")
    assert signature.replace() == signature and signature.replace(algorithm="RSA256") != signature
    assert APK_TOOLS_2 != APK_TOOLS_3 and APK_TOOLS_2.replace() == APK_TOOLS_2


@pytest.mark.parametrize("record", [Pair(1, "a"), APK_TOOLS_3, IndexSignature("k.rsa.pub", "SHA1", b"\x00sig")])
def test_frozen_pickles_and_copies_like_a_frozen_dataclass(record) -> None:
    import copy
    import pickle

    for again in (pickle.loads(pickle.dumps(record)), copy.copy(record), copy.deepcopy(record)):
        assert type(again) is type(record) and again == record and hash(again) == hash(record)
    theirs = PairDataclass(1, "a")
    assert pickle.loads(pickle.dumps(theirs)) == theirs  # what a dataclass gave, and a Frozen now gives too
