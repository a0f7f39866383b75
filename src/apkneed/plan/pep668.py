"""Whether apk's python3 on a release is externally managed (PEP 668).

The answer is data with its source (``data/pep668.toml``: the python3
APKBUILDs of v3.18 and v3.19 at the commits their indexes name), never a
guess: from ``first_release`` on, ``pip install`` outside a virtual
environment refuses, which is why apkneed's Dockerfiles always make one.
``edge`` is newer than every numbered release; a release apkneed cannot
read (None, a custom index) is unknown.

API::

    externally_managed(release) -> bool | None
    pep668_citation() -> str
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from apkneed.alpine.sources.release import release_sort_key
from apkneed.errors import InputError
from apkneed.plan.knowledge import DATA_DIR
from apkneed.tomlfile import read_toml

PEP668_PATH = DATA_DIR / "pep668.toml"


@lru_cache(maxsize=1)
def _data() -> dict[str, Any]:
    data = read_toml(PEP668_PATH)
    first = data.get("first_release")
    sources = data.get("sources")
    if data.get("schema") != 1 or not isinstance(first, str) or release_sort_key(first) == (-1,) or not sources:
        raise InputError(f"{PEP668_PATH}: expected schema = 1, first_release = \"vX.Y\" and [[sources]]")
    return data


def externally_managed(release: str | None) -> bool | None:
    """True from ``first_release`` on (and on edge), False before, None when the release is unknown."""
    if release == "edge":
        return True
    if release is None or release_sort_key(release) == (-1,):
        return None
    return release_sort_key(release) >= release_sort_key(_data()["first_release"])


def pep668_citation() -> str:
    """One line: the rule and the APKBUILDs it was read from."""
    data = _data()
    sources = "; ".join(
        f"{s['release']} python3 {s['python3']}: {'installs' if s['externally_managed'] else 'no'} EXTERNALLY-MANAGED ({s['url']})"
        for s in data["sources"]
    )
    return f"apk's python3 is externally managed from Alpine {data['first_release']} (plan/data/pep668.toml: {sources})"
