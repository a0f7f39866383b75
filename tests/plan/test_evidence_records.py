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
from record_helpers import as_dataclass


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


def test_the_evidence_of_real_files_is_written_byte_for_byte_as_asdict_wrote_it(make_run, v316_index_path):
    """The scientific set's real wheels and sdists, as a plan gathers them: each record's JSON (and
    each pin's) is the very text asdict's gave, keys in the same order, so editing the code that
    writes it changed no cached byte (only the inspector fingerprint)."""
    from test_plan_scientific import REQUIREMENTS

    run = make_run(REQUIREMENTS, indexes=[v316_index_path], arch="x86_64", base="python:3.10")
    wheels = [dist.wheel for dist in run.facts.dists if dist.wheel is not None]
    sdists = [dist.sdist for dist in run.facts.dists if dist.sdist is not None]
    # nested records, dicts and lists are all exercised: pillow's external libz, numpy's BLAS, the sdists' clues
    assert any(w.external for w in wheels) and any(w.blas for w in wheels) and any(s.clues for s in sdists)
    for wheel in wheels:
        expected = dataclasses.asdict(as_dataclass(wheel))
        expected.pop("bytes_read")
        assert json.dumps(wheel.to_json()) == json.dumps(expected)
    for sdist in sdists:
        assert json.dumps(sdist.to_json()) == json.dumps(dataclasses.asdict(as_dataclass(sdist)))
    for dist in run.facts.dists:
        assert json.dumps(dist.pin.as_dict()) == json.dumps(dataclasses.asdict(as_dataclass(dist.pin)))


def test_the_inspector_fingerprint_changes_with_each_module_that_writes_evidence(monkeypatch):
    """Cached evidence is reused only by the same inspector: editing any module that makes or writes
    the evidence JSON (records.Frozen.as_dict included) must change the fingerprint."""
    from pathlib import Path

    import apkneed.plan.evidence as evidence
    import apkneed.python.clue as clue
    import apkneed.python.sdist_build as sdist_build
    import apkneed.records as records
    from apkneed.binary import elf
    from apkneed.plan import evidence_records

    fingerprint = evidence_records.inspector_fingerprint.__wrapped__  # uncached
    unchanged = fingerprint()
    real_read = Path.read_bytes
    for module in (records, evidence_records, evidence, clue, sdist_build, elf):
        edited = Path(module.__file__).resolve()
        monkeypatch.setattr(Path, "read_bytes", lambda self: real_read(self) + (b"#" if self == edited else b""))
        assert fingerprint() != unchanged, module.__name__
    monkeypatch.setattr(Path, "read_bytes", real_read)
    assert fingerprint() == unchanged
