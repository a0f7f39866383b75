"""The reference :class:`apkneed.records.Frozen` records are held to: the same values as real dataclasses."""

from __future__ import annotations

import dataclasses

from apkneed.records import Frozen


def as_dataclass(value):
    """``value`` with every apkneed record turned into a frozen dataclass of the same fields and values.

    Named tuples, tuples, lists and dicts are rebuilt around their converted items, so that
    :func:`dataclasses.asdict` of the result is what a dataclass version of the records gave.
    """
    if isinstance(value, Frozen):
        cls = dataclasses.make_dataclass(type(value).__name__, list(value.__slots__), frozen=True)
        return cls(*(as_dataclass(getattr(value, name)) for name in value.__slots__))
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return type(value)(*(as_dataclass(item) for item in value))
    if isinstance(value, (tuple, list)):
        return type(value)(as_dataclass(item) for item in value)
    if isinstance(value, dict):
        return type(value)((as_dataclass(key), as_dataclass(item)) for key, item in value.items())
    return value
