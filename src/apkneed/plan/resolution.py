"""The resolved set of a requirement set, remembered for as long as the index pages are.

``uv pip compile`` answers in 60 ms from its cache when it may skip the
network, and in 2-3 s when it revalidates every project page. A plan
resolves the same inputs again and again (``apkneed numpy``, then
``--format dockerfile``, then ``why``), so the answer is kept:

* keyed by everything the answer depends on: the requirement and constraint
  lines, the prerelease flag, the target Python and platform, the index URL
  and the uv binary (path, size, mtime);
* fresh for ``max_age`` seconds (600 by default: the lifetime PyPI's CDN gives
  its simple pages, ``Cache-Control: max-age=600``, and the same window the
  PyPI client trusts its cached pages for). Within it, a new resolution could
  only differ if a release was uploaded in those minutes, which pip itself,
  honouring that header, would not see either;
* with ``offline``, any stored answer is used whatever its age (a warning
  says how old it is); without one, offline planning is an EnvironmentFailure (exit 3)
  rather than a call that could touch the network.

Entries are JSON under ``<cache root>/plan/resolutions``, written whole
through a rename.

API::

    resolve_cached(requirements, *, python_version, arch, index_url, constraints=(),
                   prerelease=False, cache_root=None, max_age=600, offline=False,
                   warn=None, now=time.time, client=None) -> ResolvedSet
    # client: returns the PyPIClient uv's pages are served from (the plan's own)
    pin_from_json(data) -> Pin    # a pin back from its stored form, pin.as_dict()
"""

from __future__ import annotations

import hashlib
import json
import time
import os
from pathlib import Path
from typing import Callable, Sequence

from apkneed.cache import atomic_write, default_cache_root
from apkneed.errors import EnvironmentFailure
from apkneed.python.resolve import Pin, resolve_requirements
from apkneed.records import Frozen, set_field

DEFAULT_MAX_AGE = 600.0
SCHEMA = 1


class ResolvedSet(Frozen):
    __slots__ = ("pins", "from_cache", "age", "key", "fresh_until")

    pins: tuple[Pin, ...]
    from_cache: bool
    age: float  # seconds since uv answered
    key: str  # the cache key of this resolution
    fresh_until: float  # when it stops being reused (offline: reused anyway)

    def __init__(
        self,
        pins: tuple[Pin, ...],
        from_cache: bool,
        age: float,
        key: str = "",
        fresh_until: float = 0.0,
    ) -> None:
        set_field(self, "pins", pins)
        set_field(self, "from_cache", from_cache)
        set_field(self, "age", age)
        set_field(self, "key", key)
        set_field(self, "fresh_until", fresh_until)


def resolution_key(
    requirements: Sequence[str], constraints: Sequence[str], *, python_version: str, arch: str,
    index_url: str, prerelease: bool, uv_version: str,
) -> str:
    material = json.dumps(
        {
            "schema": SCHEMA, "requirements": list(requirements), "constraints": list(constraints),
            "python": python_version, "arch": arch, "index": index_url, "pre": prerelease, "uv": uv_version,
        },
        sort_keys=True,
    )
    return hashlib.sha256(material.encode()).hexdigest()


def resolve_cached(
    requirements: Sequence[str],
    *,
    python_version: str,
    arch: str,
    index_url: str,
    constraints: Sequence[str] = (),
    prerelease: bool = False,
    cache_root: Path | None = None,
    max_age: float = DEFAULT_MAX_AGE,
    offline: bool = False,
    warn: Callable[[str], None] | None = None,
    now: Callable[[], float] = time.time,
    client: Callable[[], object] | None = None,
) -> ResolvedSet:
    root = (cache_root if cache_root is not None else default_cache_root()) / "plan" / "resolutions"
    key = resolution_key(
        requirements, constraints, python_version=python_version, arch=arch,
        index_url=index_url, prerelease=prerelease, uv_version=_uv_version(),
    )
    path = root / key[:2] / f"{key}.json"
    stored = _load(path)
    if stored is not None:
        pins, stored_at = stored
        age = max(0.0, now() - stored_at)
        if age < max_age:
            return ResolvedSet(pins, True, age, key, stored_at + max_age)
        if offline:
            if warn is not None:
                warn(f"offline: using the resolution computed {age / 60:.0f} min ago; the index may have newer releases")
            return ResolvedSet(pins, True, age, key, stored_at + max_age)
    if offline:
        # what is missing is the network the resolution needs, not anything the user typed (exit 3)
        raise EnvironmentFailure(
            "--offline: this requirement set was never resolved for this target; run the plan once online"
        )
    pins = tuple(
        resolve_requirements(
            list(requirements), python_version=python_version, arch=arch, index_url=index_url,
            constraints=list(constraints), prerelease=prerelease, cache_root=cache_root, warn=warn,
            client=client() if client is not None else None,
        )
    )
    stored_at = now()
    payload = {"schema": SCHEMA, "stored_at": stored_at, "pins": [p.as_dict() for p in pins]}
    atomic_write(path, json.dumps(payload, sort_keys=True).encode())
    return ResolvedSet(pins, False, 0.0, key, stored_at + max_age)


def _load(path: Path) -> tuple[tuple[Pin, ...], float] | None:
    try:
        data = json.loads(path.read_bytes())
        if data.get("schema") != SCHEMA:
            return None
        pins = tuple(pin_from_json(p) for p in data["pins"])
        return pins, float(data["stored_at"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def pin_from_json(data: dict) -> Pin:
    return Pin(data["name"], data["version"], tuple(data["requested_by"]), bool(data["direct"]), tuple(data["extras"]))


def _uv_version() -> str:
    """The uv binary's identity: path, size and mtime (a stat, not a metadata scan)."""
    try:
        import uv  # the PyPI package that ships the binary

        path = uv.find_uv_bin()
        stat = os.stat(path)
        return f"{path}:{stat.st_size}:{stat.st_mtime_ns}"
    except (ImportError, FileNotFoundError, OSError):
        return "unknown"
