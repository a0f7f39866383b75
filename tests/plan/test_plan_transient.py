"""Facts gathered while the network failed are not kept: the next run reads the file again.

A plan keeps the facts it gathered (by resolution, target and route) for as
long as its resolution. An sdist that could not be read (``--offline``, a
server or network failure) makes its distribution "unknown" for that run;
those facts must not be the answer of the next, online, run. The index is a
local server holding real PyPI files of six 1.17.0 (from the test cache), so
that the test reads the network only when the test cache is cold.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from apkneed.python.pypi import PyPIClient
from plan_helpers import PYPI, invoke

pytestmark = pytest.mark.network

FILES = ("six-1.17.0-py2.py3-none-any.whl", "six-1.17.0.tar.gz")


@pytest.fixture(scope="module")
def six_files(test_cache_dir: Path) -> dict[str, bytes]:
    with PyPIClient(PYPI, cache_root=test_cache_dir / "pypi", max_age=86400, keep_files=True) as client:
        files = {f.filename: f for f in client.project("six").files}
        return {name: client.download(files[name]) for name in FILES}


def serve(httpserver: HTTPServer, files: dict[str, bytes]) -> str:
    page = {
        "meta": {"api-version": "1.1"}, "name": "six", "versions": ["1.17.0"],
        "files": [{"filename": name, "url": f"../../files/{name}", "hashes": {"sha256": hashlib.sha256(data).hexdigest()},
                   "requires-python": ">=2.7, !=3.0.*, !=3.1.*, !=3.2.*", "size": len(data), "yanked": False}
                  for name, data in files.items()],
    }
    httpserver.expect_request("/simple/six/").respond_with_data(
        json.dumps(page), content_type="application/vnd.pypi.simple.v1+json")
    for name, data in files.items():
        httpserver.expect_request(f"/files/{name}").respond_with_data(data, content_type="application/octet-stream")
    return httpserver.url_for("/simple")


def test_an_sdist_the_offline_run_could_not_read_is_read_by_the_next_run(httpserver, six_files, tmp_path, v316_index_path):
    cache = tmp_path / "cache"  # a fresh cache: the sdist is not in it
    args = ["plan", "six==1.17.0", "--index", v316_index_path, "--arch", "x86_64", "--index-url", serve(httpserver, six_files), "--json"]
    assert invoke(cache, *args).exit_code == 0  # resolves online: the resolution is kept
    offline = invoke(cache, *args, "--route", "source", "--offline")
    assert offline.exit_code == 1, offline.output  # the sdist cannot be read offline: unknown
    assert any("could not read six-1.17.0.tar.gz" in w for w in json.loads(offline.stdout)["warnings"])
    online = invoke(cache, *args, "--route", "source")
    assert online.exit_code == 0, online.output
    (six,) = json.loads(online.stdout)["packages"]
    assert (six["route"], six["file"]) == ("source", "six-1.17.0.tar.gz")
    assert not any("could not read" in w for w in json.loads(online.stdout)["warnings"])


def test_a_cache_that_cannot_be_written_is_one_error_line(httpserver, six_files, tmp_path, v316_index_path):
    """APKNEED_CACHE_DIR naming a regular file: exit 3 and one line naming the cache (it was a
    traceback from the local index's thread, then 'cannot reach the index ... offline?')."""
    (tmp_path / "not-a-directory").write_text("")
    for as_json in ([], ["--json"]):
        result = invoke(tmp_path / "not-a-directory", "plan", "six==1.17.0", "--index", v316_index_path,
                        "--arch", "x86_64", "--index-url", serve(httpserver, six_files), *as_json)
        assert result.exit_code == 3, result.output
        assert "Traceback" not in result.output
        (line,) = [line for line in result.stderr.splitlines() if not line.startswith("apkneed: warning:")]
        assert line.startswith(f"apkneed: error: cannot write apkneed's cache at {tmp_path / 'not-a-directory'}")
        assert "APKNEED_CACHE_DIR" in line
