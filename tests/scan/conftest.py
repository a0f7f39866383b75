"""Fixtures of the scan tests: the compiled objects (built once a session), the v3.16 index."""

from __future__ import annotations

import pytest
from scanroots import Builds, build_all


@pytest.fixture(scope="session")
def builds(tmp_path_factory) -> Builds:
    try:
        return build_all(tmp_path_factory.mktemp("scan-builds"))
    except RuntimeError as exc:
        pytest.fail(str(exc))


@pytest.fixture()
def index_v316(v316_index_path) -> str:
    return str(v316_index_path)
