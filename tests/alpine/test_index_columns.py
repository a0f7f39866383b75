"""Reading an index straight into columns gives the packages (and errors) of the record reader.

The column reader (apkneed.alpine.index_columns) is what a first run on an
index uses; apkneed.alpine.index.parse_records is the reference it is held
to, field by field, on every shared index and on fuzzed text.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apkneed.alpine.columns import LazyPackages
from apkneed.alpine.index import MAX_LINE, read_index_bytes, read_index_file
from apkneed.alpine.index_columns import canonical_columns, parse_columns, read_index_columns
from apkneed.alpine.package import Package
from apkneed.errors import InputError

FIELDS = list(Package.__slots__)


def rows(packages):
    return [tuple(getattr(p, name) for name in FIELDS) for p in packages]


def _shared_indexes():
    return ["v3.16/main/x86_64", "v3.17/main/aarch64", "v3.21/main/x86_64", "v3.21/community/x86_64", "v3.23/main/x86_64"]


@pytest.mark.parametrize("where", _shared_indexes())
def test_every_field_of_every_package_equals_the_record_readers(shared_dir, where):
    path = shared_dir / "alpine" / where / "APKINDEX.tar.gz"
    data = path.read_bytes()
    fresh = read_index_file(path)
    index, columns = read_index_columns(data, source=str(path), repository=fresh.repository)
    assert isinstance(index.packages, LazyPackages) and index.packages.built() == 0
    assert len(columns["atoms"]) < sum(len(p.depends) + len(p.install_if) for p in fresh.packages) / 3  # atoms shared
    assert rows(index.packages) == rows(fresh.packages)
    for name in ("source", "repository", "description", "signatures", "signed_data"):
        assert getattr(index, name) == getattr(fresh, name), name


def test_each_distinct_atom_is_numbered_once(v316_index_path):
    index, columns = read_index_columns(v316_index_path.read_bytes(), source="v3.16", repository="main")
    atoms = columns["atoms"]
    assert len(set(atoms)) == len(atoms)
    musl = atoms.index(("so:libc.musl-x86_64.so.1", None, None, False, None))
    users = [position for position, numbers in enumerate(columns["depends"]) if musl in numbers]
    assert len(users) > 1000  # one number for thousands of D: lines
    first, second = (index.packages[position] for position in users[:2])
    musl_of = [next(d for d in p.depends if d.name == "so:libc.musl-x86_64.so.1") for p in (first, second)]
    assert musl_of[0] is musl_of[1]  # and one object, once built


RECORD = ("C:Q1ZX+on7zBgcokTctj4tLSmx7q5O4=\nP:{name}\nV:1.0-r0\nA:x86_64\nS:10\nI:20\nT:t\nU:u\nL:MIT\n"
          "o:{name}\nm:M <m@x>\nt:1647977252\nc:abc\nk:5\nD:{depends}\np:{provides}\ni:{install_if}")


@pytest.mark.parametrize("text", [
    "P:plain\nV:1\n\n" + RECORD.format(name="a", depends="b", provides="c=1", install_if="d"),  # another layout first
    RECORD.format(name="a", depends="b", provides="c=1", install_if="d") + "\n\nP:plain\nV:1\nr:old\n",
    RECORD.format(name="a", depends="so:x b>=2 !c", provides="c", install_if="d e=1"),
    "\n\n\n" + RECORD.format(name="a", depends="b", provides="x=1 y", install_if="d") + "\n\n\n",
    "",
    "\n\n",
])
def test_other_layouts_and_edges_read_like_the_record_reader(text):
    fresh = read_index_bytes(text.encode(), source="t", repository="main")
    columns = parse_columns(text, source="t", repository="main")
    index, _ = read_index_columns(text.encode(), source="t", repository="main")
    assert rows(index.packages) == rows(fresh.packages)
    assert len(columns["name"]) == len(fresh.packages)


def test_a_record_in_another_layout_is_left_to_the_record_reader():
    canonical = RECORD.format(name="a", depends="b", provides="c=1", install_if="d")
    assert canonical_columns(canonical + "\n\n") is not None
    assert canonical_columns(canonical + "\n\nP:plain\nV:1\n") is None


@pytest.mark.parametrize("text", [
    RECORD.format(name="a", depends="b>>>2", provides="c", install_if="d"),  # an unknown operator
    RECORD.format(name="a", depends="b", provides="<c", install_if="d"),  # a malformed provide
    RECORD.format(name="a", depends="b", provides="c", install_if="d@"),
    RECORD.format(name="a", depends="b " + "x" * MAX_LINE, provides="c", install_if="d"),  # a line too long
    RECORD.format(name="a", depends="b", provides="c", install_if="d") + "\n\nP:x\n",  # no version
])
def test_errors_are_the_record_readers_at_the_same_line(text):
    with pytest.raises(InputError) as expected:
        read_index_bytes(text.encode(), source="t", repository="main")
    with pytest.raises(InputError) as found:
        read_index_columns(text.encode(), source="t", repository="main")
    assert str(found.value) == str(expected.value)


FUZZ = settings(max_examples=150, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
_words = st.sampled_from(["b", "so:libc.musl-x86_64.so.1", "c>=1.2", "!d", "e@edge", "f=1", "g<2", "h~3", "i><Q1x=",
                          "=", "<", "j>=", "k==1", "@", "l=", ""])
_line = st.lists(_words, max_size=5).map(" ".join)
_value = st.text(alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\n"), max_size=12)
_record = st.fixed_dictionaries({
    "name": st.sampled_from(["a", "b", "py3-x", "so:lib.so.1", ""]) | _value,
    "depends": _line, "provides": _line, "install_if": _line,
}).map(lambda fields: RECORD.format(**fields))


@FUZZ
@given(st.lists(_record | _value.map(lambda v: f"P:{v}\nV:1"), max_size=5),
       st.sampled_from(["\n\n", "\n\n\n", "\n"]), st.sampled_from(["", "\n", "\n\n"]))
def test_fuzz_the_column_reader_against_the_record_reader(records, separator, end):
    """Canonical records with random atoms, other layouts, odd separators: the same packages, or the same error."""
    text = separator.join(records) + end
    try:
        fresh = read_index_bytes(text.encode(), source="fuzz", repository="main")
    except InputError as exc:
        with pytest.raises(InputError) as found:
            read_index_columns(text.encode(), source="fuzz", repository="main")
        assert str(found.value) == str(exc)
        return
    index, columns = read_index_columns(text.encode(), source="fuzz", repository="main")
    assert rows(index.packages) == rows(fresh.packages)
    assert len(columns["atoms"]) == len(set(columns["atoms"]))
