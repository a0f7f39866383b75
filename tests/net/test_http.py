"""net/http.py against real sockets: a local HTTP server and an unresolvable host."""

from __future__ import annotations

import socket
import time

import pytest

from apkneed.errors import EnvironmentFailure
from apkneed.net.http import RevalidatingCache, make_client, request


def test_unresolvable_host_fails_at_once_without_retries():
    # ".invalid" never resolves (RFC 2606): the name lookup itself fails.
    with make_client(timeout=5) as client:
        started = time.monotonic()
        with pytest.raises(EnvironmentFailure, match=r"cannot reach no-such-host\.invalid: .*\(after 1 attempt; offline\?\)"):
            request(client, "GET", "http://no-such-host.invalid/x", retries=3, backoff=1.0)
        # three retries with backoff 1.0 would sleep 7 s; the margin is for a loaded machine's lookups
        assert time.monotonic() - started < 4.0


def _closed_port() -> int:
    """A loopback port nothing listens on: bound, then released."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_refused_connection_is_retried():
    port = _closed_port()
    with make_client(timeout=5) as client:
        started = time.monotonic()
        with pytest.raises(EnvironmentFailure, match=f"cannot reach 127.0.0.1:{port}: .*refused.*after 3 attempts"):
            request(client, "GET", f"http://127.0.0.1:{port}/", retries=2, backoff=0.2)
        assert time.monotonic() - started >= 0.2 + 0.4


def test_server_error_then_success_is_retried(httpserver):
    httpserver.expect_ordered_request("/page").respond_with_data("busy", status=503)
    httpserver.expect_ordered_request("/page").respond_with_data("ok")
    with make_client() as client:
        response = request(client, "GET", httpserver.url_for("/page"), retries=2, backoff=0.0)
    assert response.status_code == 200 and response.content == b"ok"


def test_etag_revalidation_and_corrupt_cache(httpserver, tmp_path):
    url = httpserver.url_for("/doc")
    httpserver.expect_ordered_request("/doc").respond_with_data("v1", headers={"ETag": '"a"'})
    httpserver.expect_ordered_request("/doc", headers={"If-None-Match": '"a"'}).respond_with_data("", status=304)
    httpserver.expect_ordered_request("/doc").respond_with_data("v1-again", headers={"ETag": '"b"'})
    cache = RevalidatingCache(tmp_path)
    with make_client() as client:
        first = cache.fetch(client, url, retries=0)
        second = cache.fetch(client, url, retries=0)
        body_path = next(tmp_path.glob("*.body"))
        body_path.write_bytes(b"torn")  # sha256 no longer matches: never used
        third = cache.fetch(client, url, retries=0)
    assert (first.content, first.from_cache) == (b"v1", False)
    assert (second.content, second.from_cache) == (b"v1", True)
    assert (third.content, third.from_cache) == (b"v1-again", False)
