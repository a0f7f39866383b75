"""A mapping built on first use: what a plan may need, paid for only when it does.

A plan without source builds never parses the TOML knowledge tables, and
one without PEP 725 markers never asks packaging for the marker
environment; both are passed to the pure planner as mappings all the same.

API::

    LazyMapping(load) -> Mapping    # load() runs once, on the first read
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Callable


class LazyMapping(Mapping):
    def __init__(self, load: Callable[[], Mapping]) -> None:
        self._load = load
        self._data: Mapping | None = None

    def _mapping(self) -> Mapping:
        if self._data is None:
            self._data = self._load()
        return self._data

    def __getitem__(self, key):
        return self._mapping()[key]

    def __iter__(self):
        return iter(self._mapping())

    def __len__(self) -> int:
        return len(self._mapping())
