"""A distribution's canonical name (PEP 503), without importing ``packaging.utils``.

``packaging.utils.canonicalize_name`` is this same one-line rule, but its
module imports ``packaging.tags`` (and with it ``subprocess``, ``logging``,
``sysconfig``), ~10 ms of a warm ``apkneed plan`` whose every knowledge
lookup and ``py3-*`` match needs only the rule. tests/python/test_names.py
checks it against ``packaging.utils.canonicalize_name`` on generated names.

API::

    canonical_name(name) -> str    # "Foo.Bar_baz" -> "foo-bar-baz"
"""

from __future__ import annotations

import re

# PEP 503: "the name should be lowercased with all runs of the characters ., -, or _
# replaced with a single - character"
_SEPARATORS = re.compile(r"[-_.]+")


def canonical_name(name: str) -> str:
    return _SEPARATORS.sub("-", name).lower()
