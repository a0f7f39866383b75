"""RangeFile against a real local HTTP server serving a real wheel from PyPI."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from typing import Callable

import httpx
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from apkneed.errors import IntegrityError
from apkneed.net.http import HTTPStatusFailure
from apkneed.net.rangefile import RangeFile
from apkneed.python.pypi import PyPIClient

pytestmark = pytest.mark.network  # the wheel comes from PyPI once, then from the test cache

WHEEL = "idna-3.10-py3-none-any.whl"
BLOCK = 4096


@pytest.fixture(scope="module")
def wheel_bytes(pypi: PyPIClient, real_file) -> bytes:
    return pypi.download(real_file(WHEEL))


def range_handler(body: bytes, lie: str | None = None) -> Callable[[Request], Response]:
    """A server that answers single ranges (suffix ranges too), or lies as told."""

    def handle(request: Request) -> Response:
        header = request.headers.get("Range")
        if header is None or lie == "no-ranges":
            return Response(body, status=200, content_type="application/zip")
        match = re.fullmatch(r"bytes=(\d*)-(\d*)", header)
        assert match, header
        if match.group(1) == "":
            first, last = max(0, len(body) - int(match.group(2))), len(body) - 1
        else:
            first, last = int(match.group(1)), min(int(match.group(2) or len(body) - 1), len(body) - 1)
        part = body[first : last + 1]
        content_range = f"bytes {first}-{last}/{len(body)}"
        if lie == "wrong-range":
            content_range = f"bytes {first + 1}-{last + 1}/{len(body)}"
        elif lie == "short-body":
            part = part[: len(part) // 2]
        elif lie == "wrong-total":
            content_range = f"bytes {first}-{last}/{len(body) + 10}"
        return Response(part, status=206, headers={"Content-Range": content_range, "Accept-Ranges": "bytes"})

    return handle


def open_remote(httpserver: HTTPServer, body: bytes, *, lie: str | None = None, sha256: str | None = None,
                size: int | None = -1, **kwargs) -> RangeFile:
    httpserver.expect_request("/wheel.whl").respond_with_handler(range_handler(body, lie))
    return RangeFile(
        httpx.Client(), httpserver.url_for("/wheel.whl"),
        size=len(body) if size == -1 else size, sha256=sha256, block_size=BLOCK, tail_size=2 * BLOCK,
        retries=0, backoff=0, **kwargs,
    )


def range_requests(httpserver: HTTPServer) -> list[str]:
    return [request.headers.get("Range", "<whole>") for request, _ in httpserver.log]


def test_zipfile_reads_the_directory_and_one_member_by_range(httpserver: HTTPServer, wheel_bytes: bytes) -> None:
    remote = open_remote(httpserver, wheel_bytes)
    with zipfile.ZipFile(remote) as wheel, zipfile.ZipFile(io.BytesIO(wheel_bytes)) as local:
        assert wheel.namelist() == local.namelist()
        assert wheel.read("idna-3.10.dist-info/METADATA") == local.read("idna-3.10.dist-info/METADATA")
    assert remote.ranges_supported is True and remote.fallback_reason is None
    assert remote.bytes_downloaded < len(wheel_bytes) // 2
    assert remote.bytes_downloaded == sum(len(response.get_data()) for _, response in httpserver.log)
    assert not remote.complete and not remote.verified
    assert all(r.startswith("bytes=") for r in range_requests(httpserver))


def test_missing_blocks_are_fetched_in_one_request_and_kept(httpserver: HTTPServer, wheel_bytes: bytes) -> None:
    remote = open_remote(httpserver, wheel_bytes)
    remote.seek(BLOCK + 10)
    assert remote.read(3 * BLOCK) == wheel_bytes[BLOCK + 10 : 4 * BLOCK + 10]
    assert range_requests(httpserver) == [f"bytes={BLOCK}-{5 * BLOCK - 1}"]
    remote.seek(2 * BLOCK)
    remote.read(BLOCK)  # already held: no new request
    remote.seek(0)
    remote.read(6 * BLOCK)  # only block 0 and block 5 are missing: two runs, two requests
    assert range_requests(httpserver)[1:] == [f"bytes=0-{BLOCK - 1}", f"bytes={5 * BLOCK}-{6 * BLOCK - 1}"]


def test_whole_file_by_range_is_verified_and_handed_over(httpserver: HTTPServer, wheel_bytes: bytes) -> None:
    handed: list[bytes] = []
    remote = open_remote(httpserver, wheel_bytes, sha256=hashlib.sha256(wheel_bytes).hexdigest(), on_verified=handed.append)
    assert remote.read() == wheel_bytes
    assert remote.complete and remote.verified and handed == [wheel_bytes]


def test_whole_file_with_wrong_hash_is_refused(httpserver: HTTPServer, wheel_bytes: bytes) -> None:
    handed: list[bytes] = []
    remote = open_remote(httpserver, wheel_bytes, sha256="0" * 64, on_verified=handed.append)
    remote.read(BLOCK)  # a partial read cannot be checked, and is not refused
    with pytest.raises(IntegrityError, match=r"does not match the index's 0000"):
        remote.read()
    with pytest.raises(IntegrityError):
        remote.seek(0)
        remote.read(1)  # nothing of a refused file is served afterwards
    assert handed == []


def test_server_without_ranges_costs_one_full_download(httpserver: HTTPServer, wheel_bytes: bytes) -> None:
    remote = open_remote(httpserver, wheel_bytes, lie="no-ranges", sha256=hashlib.sha256(wheel_bytes).hexdigest())
    with zipfile.ZipFile(remote) as wheel:
        assert "idna/core.py" in wheel.namelist()
        wheel.read("idna/core.py")
    assert remote.ranges_supported is False
    assert "ignored the Range header" in remote.fallback_reason
    assert len(httpserver.log) == 1 and remote.bytes_downloaded == len(wheel_bytes)
    assert remote.verified


@pytest.mark.parametrize(
    ("lie", "reason"),
    [
        ("wrong-range", r"asked for bytes=\d+-\d+, got Content-Range 'bytes"),
        ("short-body", r"got a body of \d+ bytes"),
        ("wrong-total", r"disagrees with the size"),
    ],
)
def test_lying_server_is_not_trusted(httpserver: HTTPServer, wheel_bytes: bytes, lie: str, reason: str) -> None:
    remote = open_remote(httpserver, wheel_bytes, lie=lie, sha256=hashlib.sha256(wheel_bytes).hexdigest())
    with zipfile.ZipFile(remote) as wheel:
        assert wheel.read("idna-3.10.dist-info/METADATA").startswith(b"Metadata-Version")
    assert re.search(reason, remote.fallback_reason)
    assert range_requests(httpserver)[-1] == "<whole>"  # one full download replaced the lie
    assert remote.verified


def test_unknown_size_is_learnt_from_a_suffix_request(httpserver: HTTPServer, wheel_bytes: bytes) -> None:
    remote = open_remote(httpserver, wheel_bytes, size=None)
    assert remote.seek(0, io.SEEK_END) == len(wheel_bytes)
    assert range_requests(httpserver) == [f"bytes=-{2 * BLOCK}"]
    remote.seek(-100, io.SEEK_END)
    assert remote.read() == wheel_bytes[-100:]
    assert len(httpserver.log) == 1  # the tail came with the probe


def test_missing_file_is_an_http_failure(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/gone.whl").respond_with_data("no", status=404)
    remote = RangeFile(httpx.Client(), httpserver.url_for("/gone.whl"), size=100, retries=0, backoff=0)
    with pytest.raises(HTTPStatusFailure, match=r"HTTP 404"):
        remote.read(10)
