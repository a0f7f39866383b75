"""Fixtures for the plan tests: real plans of real requirement sets, made once per session.

Plans run through the real pipeline (uv resolution, PyPI pages, wheels read
by range requests, sdists downloaded) against the shared Alpine indexes.
Everything they fetch is kept in ``<test cache>/apkneed-plan`` (an apkneed
cache: pages, files, evidence, resolutions), so a rerun within a day touches
the network only for what changed; the resolutions and facts are trusted for
a day there (``max_age``), as the PyPI pages are by the other test areas.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

from apkneed.alpine.sources.world import load_world
from apkneed.plan.base import parse_base
from apkneed.plan.pipeline import PlanRequest, PlanRun, run_plan
from apkneed.plan.target import plan_target
from apkneed.python.pypi import PyPIClient
from plan_helpers import PYPI

DAY = 86400.0


@pytest.fixture(scope="session")
def plan_cache(test_cache_dir: Path) -> Path:
    path = test_cache_dir / "apkneed-plan"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def make_run(plan_cache: Path) -> Callable[..., PlanRun]:
    """plan(requirements, indexes=..., arch=..., base=None, route="auto", python=None) -> PlanRun, memoised."""
    done: dict[tuple, PlanRun] = {}

    def run(requirements, *, indexes, arch, base=None, route="auto", python=None, allow_untrusted=False) -> PlanRun:
        key = (tuple(requirements), tuple(map(str, indexes)), arch, base, route, python, allow_untrusted)
        if key not in done:
            world = load_world(index_paths=[Path(p) for p in indexes], arch=arch, allow_untrusted=allow_untrusted)
            spec = parse_base(base) if base else None
            target, notes = plan_target(
                world, spec, python, release=world.release, arch=world.arch, index_origin=world.origin
            )
            done[key] = run_plan(
                PlanRequest(tuple(requirements), route_policy=route),
                world=world, target=target, index_url=PYPI,
                open_client=lambda: PyPIClient(PYPI, cache_root=plan_cache / "pypi", max_age=DAY),
                cache_root=plan_cache, notes=notes, max_age=DAY,
            )
        return done[key]

    return run
