"""apkneed.records.Frozen keeps the @dataclass(frozen=True) semantics the resolve path relies on."""

from __future__ import annotations

import collections
import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apkneed.alpine.index import IndexSignature
from apkneed.alpine.solver_rules import APK_TOOLS_2, APK_TOOLS_3
from apkneed.python.resolve import Pin
from apkneed.records import Frozen, as_plain, set_field
from record_helpers import as_dataclass


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


class Noted(Frozen):
    """A record with a field left out of comparison (as WheelEvidence's bytes_read): asdict keeps it."""

    __slots__ = ("value", "note")
    _compared = ("value",)
    value: object
    note: object

    def __init__(self, value: object, note: object) -> None:
        set_field(self, "value", value)
        set_field(self, "note", note)


Point = collections.namedtuple("Point", "x y")
leaves = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=4) | st.binary(max_size=4)
keys = st.none() | st.integers() | st.text(max_size=4) | st.tuples(st.integers(), st.text(max_size=2))


def _nested(children):
    return (
        st.lists(children, max_size=3)
        | st.lists(children, max_size=3).map(tuple)
        | st.dictionaries(keys, children, max_size=3)
        | st.builds(Point, children, children)
        | st.builds(Pair, children, children)
        | st.builds(Noted, children, children)
    )


records = st.builds(Pair, st.recursive(leaves, _nested, max_leaves=12), st.recursive(leaves, _nested, max_leaves=12))


@settings(max_examples=300, deadline=None)
@given(records)
def test_as_dict_is_what_dataclasses_asdict_gives(record) -> None:
    theirs = dataclasses.asdict(as_dataclass(record))
    ours = record.as_dict()
    # repr tells a tuple from a list, a named tuple from a tuple and keeps the keys' order: the same text is the same shape
    assert repr(ours) == repr(theirs)
    assert ours == theirs


@pytest.mark.parametrize("value", [[Pair(1, "a")], (Noted(1, [2]), {"k": Pair(0, ())}), Point(Pair(1, "b"), None)])
def test_as_plain_of_a_container_of_records_is_what_asdict_gives_of_a_field_holding_it(value) -> None:
    assert repr(as_plain(value)) == repr(dataclasses.asdict(as_dataclass(Pair(value, "")))["left"])


def test_a_pin_as_dict_is_its_stored_form() -> None:
    pin = Pin("numpy", "2.2.6", ("scipy", "pandas"), True, ("dev",))
    assert pin.as_dict() == {
        "name": "numpy", "version": "2.2.6", "requested_by": ("scipy", "pandas"), "direct": True, "extras": ("dev",),
    }
    assert list(pin.as_dict()) == list(Pin.__slots__)
