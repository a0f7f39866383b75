"""The local index uv resolves against (apkneed.python.local_index), on real PyPI data from the test cache."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os

import httpx
import pytest
from fuzz_helpers import FUZZ
from hypothesis import given
from hypothesis import strategies as st
from pytest_httpserver import HTTPServer

from apkneed.python.local_index import LocalIndex, page_json
from apkneed.python.pypi import PyPIClient, parse_project_page

SIX_WHEEL = "six-1.17.0-py2.py3-none-any.whl"


@pytest.fixture(autouse=True)
def no_pip_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    for var in ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS"):
        monkeypatch.delenv(var, raising=False)


def comparable(file, *, url: str):
    """A DistFile's facts with its URL replaced (the served page points at the local server)."""
    return dataclasses.replace(file, url=url), dict(file.hashes), dict(file.core_metadata_hashes)


def test_served_page_keeps_every_fact_of_the_real_page(pypi: PyPIClient) -> None:
    """numpy's real page (thousands of files, yanked ones, requires-python) read back from what uv is served."""
    project = pypi.project("numpy")
    served = parse_project_page(page_json(project, lambda n, f: f"http://local/{f.filename}"), "http://local/simple/numpy/", "numpy")
    assert len(served.files) == len(project.files) > 1000
    assert any(f.yanked for f in project.files)
    for original, back in zip(project.files, served.files):
        assert back.url == f"http://local/{original.filename}"
        expected = dataclasses.replace(
            original, url=back.url,
            # every wheel announces its metadata: the local server reads it from the wheel when the index has no file
            core_metadata=original.core_metadata or original.is_wheel,
        )
        assert comparable(back, url=back.url) == comparable(expected, url=back.url)
    assert served.versions == project.versions


def test_pages_files_and_metadata_under_the_token_only(pypi: PyPIClient) -> None:
    with LocalIndex(pypi) as index, httpx.Client() as http:
        assert index.url.startswith("http://127.0.0.1:") and index.url.endswith("/simple")
        port = index.url.split(":")[2].split("/")[0]
        # without the random token nothing is served
        assert http.get(f"http://127.0.0.1:{port}/simple/six/").status_code == 404
        page = http.get(f"{index.url}/six/")
        assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
        assert page.headers["content-type"] == "application/vnd.pypi.simple.v1+json"
        files = {f["filename"]: f for f in page.json()["files"]}
        wheel = files[SIX_WHEEL]
        assert wheel["url"].startswith(index.local_urls + "/files/") and wheel["core-metadata"]
        # HEAD costs no download; GET is the file, checked against the index's sha256
        assert http.head(wheel["url"]).status_code == 405
        body = http.get(wheel["url"]).content
        assert hashlib.sha256(body).hexdigest() == wheel["hashes"]["sha256"]
        metadata = http.get(wheel["url"] + ".metadata").content
        assert b"Name: six\n" in metadata and b"Version: 1.17.0\n" in metadata
        assert http.get(f"{index.local_urls}/files/six/999999/{SIX_WHEEL}").status_code == 404
        # a file URL must name the file it stands for
        number = wheel["url"].split("/")[-2]
        assert http.get(f"{index.local_urls}/files/six/{number}/other.whl").status_code == 404
        assert index.failure is None


def test_an_unknown_project_is_a_404_and_a_failing_index_a_502_remembered(httpserver: HTTPServer, tmp_path) -> None:
    httpserver.expect_request("/simple/nope/").respond_with_data("no", status=404)
    httpserver.expect_request("/simple/broken/").respond_with_data("down", status=503)
    client = PyPIClient(httpserver.url_for("/simple"), cache_root=tmp_path, retries=0)
    with client, LocalIndex(client) as index, httpx.Client() as http:
        assert http.get(f"{index.url}/nope/").status_code == 404
        assert index.failure is None  # "no such project" is uv's to say
        answer = http.get(f"{index.url}/broken/")
        assert answer.status_code == 502 and "503" in answer.text
        assert index.failure is not None and "503" in str(index.failure)


@FUZZ
@given(path=st.text(max_size=80))
def test_fuzz_request_paths(tmp_path_factory, path: str) -> None:
    """Any request path: a status, never an exception (no network: the client's transport refuses)."""

    class NoNetwork(httpx.BaseTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            raise httpx.ConnectError("no network in this test", request=request)

    root = tmp_path_factory.mktemp("local-index")
    with PyPIClient("https://pypi.invalid/simple", cache_root=root, client=httpx.Client(transport=NoNetwork()),
                    retries=0) as client:
        index = LocalIndex(client)
        for candidate in (path, f"/{index._token}/{path}", f"/{index._token}/simple/{path}/",
                          f"/{index._token}/files/{path}"):
            status, content_type, body = index.answer(candidate)
            assert status in (200, 404, 405, 502) and isinstance(body, bytes) and content_type
            if status == 200:
                json.loads(body)


def test_a_client_gone_mid_answer_leaves_no_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    """uv drops its connections when it gives up: the server's thread says nothing on stderr (it once printed a traceback)."""
    import socket
    import struct
    import threading
    from urllib.parse import urlsplit

    from apkneed.errors import InputError

    asked, reset, handler = threading.Event(), threading.Event(), []

    class NoProjects:
        def project(self, name: str):
            handler.append(threading.current_thread())
            asked.set()
            reset.wait(30)  # the client is gone before the answer is written
            raise InputError(f"no such project: {name}")

    with LocalIndex(NoProjects()) as index:  # type: ignore[arg-type]
        url = urlsplit(index.url)
        client = socket.create_connection((url.hostname, url.port))
        client.sendall(f"GET {url.path}/nothing/ HTTP/1.1\r\nHost: {url.netloc}\r\n\r\n".encode())
        assert asked.wait(30)
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close with a reset
        client.close()
        reset.set()
        handler[0].join(30)
        assert not handler[0].is_alive()
    assert capsys.readouterr().err == ""


def test_a_server_bug_is_still_reported(capsys: pytest.CaptureFixture[str]) -> None:
    """Only a client gone away is quiet: any other error of a request's thread keeps socketserver's report."""
    with LocalIndex(None) as index:  # type: ignore[arg-type]
        try:
            raise ValueError("a bug in the handler")
        except ValueError:
            index._server.handle_error(None, ("127.0.0.1", 1))
    assert "ValueError: a bug in the handler" in capsys.readouterr().err
