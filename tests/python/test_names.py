"""apkneed.python.names: PEP 503's canonical name, the same as packaging's on any name."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from packaging.utils import canonicalize_name

from apkneed.python.names import canonical_name
from fuzz_helpers import FUZZ


def test_real_names():
    assert canonical_name("Foo.Bar__baz") == "foo-bar-baz"
    assert canonical_name("scikit_learn") == canonical_name("Scikit-Learn") == "scikit-learn"
    assert canonical_name("zope.interface") == "zope-interface"


@FUZZ
@given(st.text(alphabet=st.sampled_from("aZ09-_.ßİK \u212a"), max_size=12) | st.text(max_size=12))
def test_same_as_packaging(name):
    assert canonical_name(name) == canonicalize_name(name)
