"""The evidence records keep the JSON form they had as dataclasses.

They are cached by the thousand (plan/evidence, plan/facts), so their JSON
must not change with the classes: each generated record's ``to_json()`` is
compared with what :func:`dataclasses.asdict` gives for a dataclass of the
same fields holding the same values (nested records as such dataclasses
too), and read back with ``from_json`` to an equal record.
"""

from __future__ import annotations

import dataclasses
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from apkneed.plan.evidence_records import ExternalNeed, SdistEvidence, WheelEvidence
from apkneed.python.clue import Clue
from apkneed.records import Frozen


def as_dataclass(value):
    """``value`` with every apkneed record turned into a dataclass of the same fields and values."""
    if isinstance(value, Frozen):
        cls = dataclasses.make_dataclass(type(value).__name__, list(value.__slots__), frozen=True)
        return cls(*(as_dataclass(getattr(value, name)) for name in value.__slots__))
    if isinstance(value, (tuple, list)):
        return type(value)(as_dataclass(item) for item in value)
    if isinstance(value, dict):
        return {key: as_dataclass(item) for key, item in value.items()}
    return value


text = st.text(max_size=8)
texts = st.tuples(text, text).map(tuple) | st.just(())
clues = st.builds(Clue, text, text, text, st.integers(0, 10**6), st.booleans())
blas = st.none() | st.dictionaries(text, st.none() | st.integers() | text | st.lists(text, max_size=2), max_size=3)
wheels = st.builds(
    WheelEvidence, text, st.none() | text, st.booleans(), st.lists(st.tuples(text, text, text), max_size=2).map(tuple),
    st.lists(st.builds(ExternalNeed, text, texts), max_size=2).map(tuple), texts, texts, st.integers(0, 99), blas,
    st.lists(clues, max_size=2).map(tuple), st.integers(0, 10**9),
)
sdists = st.builds(
    SdistEvidence, text, st.none() | text, st.none() | st.dictionaries(text, st.lists(text, max_size=2), max_size=2),
    st.none() | text, texts, st.lists(st.tuples(text, st.integers(0, 99)), max_size=2).map(tuple), texts, texts,
    texts, st.booleans(), texts, st.lists(clues, max_size=2).map(tuple),
)


@settings(max_examples=150, deadline=None)
@given(wheels)
def test_wheel_evidence_json_is_what_asdict_gave(evidence):
    expected = dataclasses.asdict(as_dataclass(evidence))
    expected.pop("bytes_read")
    assert evidence.to_json() == expected
    assert list(evidence.to_json()) == list(expected)  # the same keys in the same order
    again = WheelEvidence.from_json(json.loads(json.dumps(evidence.to_json())))
    assert again == evidence  # bytes_read is not compared (it is not kept)


@settings(max_examples=150, deadline=None)
@given(sdists)
def test_sdist_evidence_json_is_what_asdict_gave(evidence):
    expected = dataclasses.asdict(as_dataclass(evidence))
    assert evidence.to_json() == expected and list(evidence.to_json()) == list(expected)
    assert SdistEvidence.from_json(json.loads(json.dumps(evidence.to_json()))) == evidence
