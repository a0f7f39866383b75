"""Servers that misbehave (issue 11, items 3-4): every failure is one
EnvironmentFailure (exit 3), and no request outlives its deadline.

Real sockets throughout: pytest-httpserver for answers that are wrong, a raw
socket server for answers that never finish. The deadlines are short here
through the same ``deadline`` parameter the product's default (30 s) goes
through; a server that would hold a request forever stops on its own after
a while, so a regression fails the test instead of hanging the suite.
"""

from __future__ import annotations

import socket
import threading
import time
from contextlib import contextmanager

import pytest

from apkneed.errors import EnvironmentFailure
from apkneed.net.http import DEFAULT_DEADLINE, RevalidatingCache, make_client, request
from apkneed.net.rangefile import RangeFile
from apkneed.python.pypi import PyPIClient

#: how long the raw server keeps a bad answer going before giving up on its own
SERVER_PATIENCE = 20.0


@contextmanager
def raw_server(behaviour):
    """A loopback server calling ``behaviour(conn)`` for every connection; yields its URL."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.2)
    stop = threading.Event()
    connections = []

    def serve():
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except (TimeoutError, OSError):
                continue
            connections.append(conn)
            threading.Thread(target=behaviour, args=(conn, stop), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}", connections
    finally:
        stop.set()
        thread.join()
        listener.close()
        for conn in connections:
            conn.close()


def _read_request(conn: socket.socket) -> None:
    conn.settimeout(5)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            return
        data += chunk


def trickle(conn: socket.socket, stop: threading.Event) -> None:
    """A valid answer of 1 MiB, sent 64 bytes at a time with pauses (the issue's trickling mirror)."""
    try:
        _read_request(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1048576\r\n\r\n")
        started = time.monotonic()
        while not stop.is_set() and time.monotonic() - started < SERVER_PATIENCE:
            conn.sendall(b"x" * 64)
            time.sleep(0.1)
    except OSError:
        pass


def hang(conn: socket.socket, stop: threading.Event) -> None:
    """Accept, read the request, never answer."""
    try:
        _read_request(conn)
        stop.wait(SERVER_PATIENCE)
    except OSError:
        pass


def test_a_trickling_server_is_cut_at_the_deadline():
    # was: a read timeout only, so 64 bytes every 2 s held apkneed forever
    with raw_server(trickle) as (url, _), make_client(timeout=30) as client:
        with pytest.raises(EnvironmentFailure, match=r"within the 1 s deadline .*trickling server"):
            request(client, "GET", url + "/APKINDEX.tar.gz", retries=3, backoff=0.0, deadline=1.0)


def test_a_hung_server_costs_one_deadline_not_four_read_timeouts():
    # was: 4 attempts x 30 s read timeout = 125 s before the fallback
    with raw_server(hang) as (url, connections), make_client(timeout=30) as client:
        with pytest.raises(EnvironmentFailure, match=r"cannot reach 127\.0\.0\.1:\d+: timed out.*1 s"):
            request(client, "GET", url + "/x", retries=3, backoff=0.0, deadline=1.0)
        # the host is not tried again by this client: no second deadline to wait
        with pytest.raises(EnvironmentFailure, match=r"timed out.*earlier in this run; not tried again"):
            request(client, "GET", url + "/y", retries=3, backoff=0.0, deadline=1.0)
    # the read timeout (30 s) was cut to the deadline: one attempt used it all
    assert len(connections) == 1


def test_the_deadline_reaches_the_pypi_client_and_range_reads(tmp_path):
    with raw_server(hang) as (url, _), make_client(timeout=30) as client:
        pypi = PyPIClient(url + "/simple", cache_root=tmp_path, client=client, deadline=0.5, backoff=0.0)
        with pytest.raises(EnvironmentFailure, match="timed out"):
            pypi.project("six")
        with pytest.raises(EnvironmentFailure, match="timed out"):
            RangeFile(client, url + "/six.whl", deadline=0.5, backoff=0.0).read(10)


def test_the_default_deadline_is_tens_of_seconds():
    assert 10 <= DEFAULT_DEADLINE <= 60


def test_a_gzip_header_on_a_body_that_is_not_gzip_is_an_environment_failure(httpserver, tmp_path):
    # was: httpx.DecodingError, exit 70
    httpserver.expect_request("/simple/six/").respond_with_data(
        b"this is not gzip", headers={"Content-Encoding": "gzip"}
    )
    with make_client() as client:
        with pytest.raises(EnvironmentFailure, match="does not decode as its Content-Encoding"):
            request(client, "GET", httpserver.url_for("/simple/six/"), retries=0)
        pypi = PyPIClient(httpserver.url_for("/simple"), cache_root=tmp_path, client=client, retries=0)
        with pytest.raises(EnvironmentFailure) as caught:
            pypi.project("six")
    assert caught.value.exit_code == 3


def test_a_redirect_loop_is_an_environment_failure(httpserver, tmp_path):
    # was: httpx.TooManyRedirects, exit 70
    httpserver.expect_request("/a").respond_with_data("", status=302, headers={"Location": "/b"})
    httpserver.expect_request("/b").respond_with_data("", status=302, headers={"Location": "/a"})
    httpserver.expect_request("/simple/six/").respond_with_data("", status=301, headers={"Location": "/simple/six/"})
    with make_client() as client:
        with pytest.raises(EnvironmentFailure, match="too many redirects"):
            request(client, "GET", httpserver.url_for("/a"))
        cache = RevalidatingCache(tmp_path / "pages")
        with pytest.raises(EnvironmentFailure, match="too many redirects"):
            cache.fetch(client, httpserver.url_for("/a"), offline_ok=False)
        pypi = PyPIClient(httpserver.url_for("/simple"), cache_root=tmp_path, client=client)
        with pytest.raises(EnvironmentFailure, match="too many redirects") as caught:
            pypi.project("six")
    assert caught.value.exit_code == 3


def test_a_redirect_to_another_scheme_is_an_environment_failure(httpserver):
    httpserver.expect_request("/a").respond_with_data("", status=302, headers={"Location": "ftp://example.com/x"})
    with make_client() as client:
        with pytest.raises(EnvironmentFailure):
            request(client, "GET", httpserver.url_for("/a"), retries=0)


@pytest.mark.parametrize("fault", ["redirect loop", "gzip header on plain bytes"])
def test_the_cli_reports_a_bad_server_as_one_line_and_exit_3(httpserver, fault, isolated_cache, v316_index_path):
    from click.testing import CliRunner

    from apkneed.cli import main

    if fault == "redirect loop":
        httpserver.expect_request("/w/demo-1.0-py3-none-any.whl").respond_with_data(
            "", status=302, headers={"Location": "/w/demo-1.0-py3-none-any.whl"}
        )
    else:
        httpserver.expect_request("/w/demo-1.0-py3-none-any.whl").respond_with_data(
            b"not gzip at all", headers={"Content-Encoding": "gzip"}
        )
    # an --index keeps the Alpine mirror out of it (--offline would refuse the URL itself)
    result = CliRunner().invoke(main, ["inspect", httpserver.url_for("/w/demo-1.0-py3-none-any.whl"),
                                       "--index", str(v316_index_path), "--arch", "x86_64"])
    assert result.exit_code == 3, result.output
    errors = [line for line in result.stderr.splitlines() if not line.startswith("apkneed: warning: ")]
    assert len(errors) == 1 and errors[0].startswith("apkneed: error: ")
    assert "too many redirects" in errors[0] or "does not decode" in errors[0]


def test_a_body_larger_than_the_index_says_is_cut_at_that_size(httpserver, tmp_path):
    # memory: a server ignoring the range and sending 32 MiB for a 1000-byte file
    httpserver.expect_request("/f/demo-1.0-py3-none-any.whl").respond_with_data(b"\0" * (32 << 20))
    with make_client() as client:
        stream = RangeFile(client, httpserver.url_for("/f/demo-1.0-py3-none-any.whl"), size=1000, retries=0)
        with pytest.raises(EnvironmentFailure, match="exceeds the 1000-byte limit"):
            stream.read(10)
    assert stream.bytes_downloaded == 0
