"""``apkneed inspect`` on a URL and on a requirement: real wheels, real PyPI.

The URL case serves a real PyPI wheel from a local server with range
support, so the test sees exactly which bytes were asked for. The
requirement case goes to PyPI itself (cached in the test cache).
"""

from __future__ import annotations

import hashlib
import json
import re

import pytest
from click.testing import CliRunner
from werkzeug import Request, Response

from apkneed.cli import main


@pytest.fixture(scope="session")
def inspect_cache(test_cache_dir):
    path = test_cache_dir / "apkneed-inspect"
    path.mkdir(parents=True, exist_ok=True)
    return path


def invoke(cache, *args: str):
    return CliRunner().invoke(main, ["inspect", *map(str, args)], env={"APKNEED_CACHE_DIR": str(cache)})


def _ranged(data: bytes, requested: list[str]):
    def handler(request: Request) -> Response:
        header = request.headers.get("Range")
        requested.append(header or "whole")
        if not header:
            return Response(data, headers={"Accept-Ranges": "bytes"})
        start_text, end_text = re.fullmatch(r"bytes=(\d*)-(\d*)", header).groups()
        if start_text == "":
            start, end = len(data) - int(end_text), len(data) - 1
        else:
            start, end = int(start_text), min(int(end_text or len(data) - 1), len(data) - 1)
        return Response(
            data[start : end + 1], status=206,
            headers={"Content-Range": f"bytes {start}-{end}/{len(data)}", "Accept-Ranges": "bytes"},
        )
    return handler


def test_url_is_read_through_ranges_and_maps_externals(httpserver, pillow_musl_wheel, v316_index_path, tmp_path):
    data = pillow_musl_wheel.read_bytes()
    requested: list[str] = []
    httpserver.expect_request(f"/w/{pillow_musl_wheel.name}").respond_with_handler(_ranged(data, requested))
    digest = hashlib.sha256(data).hexdigest()
    url = httpserver.url_for(f"/w/{pillow_musl_wheel.name}") + f"#sha256={digest}"
    result = invoke(tmp_path, url, "--index", v316_index_path, "--arch", "x86_64", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["file"] == pillow_musl_wheel.name
    assert {"soname": "libz.so.1", "provided_by": ["zlib"]} in report["external"]
    assert requested and all(r.startswith("bytes=") for r in requested)  # never one whole GET


def test_requirement_inspects_the_wheel_pip_would_pick(inspect_cache, v316_index_path):
    result = invoke(inspect_cache, "numpy==2.2.6", "--index", v316_index_path, "--arch", "x86_64", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["file"] == "numpy-2.2.6-cp310-cp310-musllinux_1_2_x86_64.whl"  # v3.16's python3 is 3.10
    assert report["libc"] == "musl" and report["external"] == []
    assert any(v.startswith("numpy.libs/libscipy_openblas") for v in report["vendored"])
    assert report["notes"][0].startswith("numpy==2.2.6: numpy-2.2.6-cp310-cp310-musllinux_1_2_x86_64.whl")


def test_sdist_only_requirement_exits_1_and_points_to_plan(inspect_cache, v316_index_path):
    result = invoke(inspect_cache, "psycopg2==2.9.10", "--index", v316_index_path, "--arch", "x86_64", "--json")
    assert result.exit_code == 1
    error = json.loads(result.stdout)["error"]
    assert "pip would build psycopg2-2.9.10.tar.gz from source" in error and "apkneed plan" in error


def test_url_honours_the_configured_ca_bundle(tmp_path, v316_index_path):
    # The URL path builds its client from pip's TLS setting, as a requirement
    # does: a CA bundle that is not there is refused before any connection.
    result = CliRunner().invoke(
        main,
        ["inspect", "https://127.0.0.1:9/x-1.0-py3-none-any.whl", "--index", str(v316_index_path), "--arch", "x86_64"],
        env={"APKNEED_CACHE_DIR": str(tmp_path), "PIP_CERT": str(tmp_path / "missing-ca.pem"), "PIP_CONFIG_FILE": "/dev/null"},
    )
    assert result.exit_code == 2
    assert "CA bundle from environment PIP_CERT does not exist" in result.stderr
