"""The index client: real PyPI data, and a local index for faults and the rules."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import os
import zipfile
import zlib
from pathlib import Path
from typing import Callable

import pytest
from pytest_httpserver import HTTPServer

from apkneed.cache import ContentStore
from apkneed.errors import EnvironmentFailure, InputError, IntegrityError
from apkneed.python.pypi import (
    DistFile,
    PyPIClient,
    pack_project,
    parse_project_page,
    unpack_project,
    wheel_metadata_bytes,
)
from python_helpers import PYPI

pytestmark = pytest.mark.network

SIX_WHEEL = "six-1.17.0-py2.py3-none-any.whl"
JSON_TYPE = "application/vnd.pypi.simple.v1+json"


@pytest.fixture(autouse=True)
def no_pip_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    for var in ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture(scope="module")
def six_wheel(pypi: PyPIClient, real_file) -> bytes:
    return pypi.download(real_file(SIX_WHEEL))


@pytest.fixture(scope="module")
def six_metadata(six_wheel: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(six_wheel)) as wheel:
        return wheel.read("six-1.17.0.dist-info/METADATA")


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def local_client(httpserver: HTTPServer, tmp_path: Path, **kwargs) -> PyPIClient:
    kwargs.setdefault("retries", 1)
    kwargs.setdefault("backoff", 0)
    return PyPIClient(httpserver.url_for("/simple"), cache_root=tmp_path / "pypi", **kwargs)


def serve_six_page(httpserver: HTTPServer, wheel: bytes, *, sha256: str | None = None, core_metadata=False,
                   headers: dict[str, str] | None = None) -> None:
    page = {
        "meta": {"api-version": "1.1"},
        "name": "six",
        "versions": ["1.17.0"],
        "files": [{
            "filename": SIX_WHEEL,
            "url": f"../../files/{SIX_WHEEL}",  # relative: resolved against the page URL
            "hashes": {"sha256": sha256 or sha(wheel)},
            "requires-python": ">=2.7, !=3.0.*",
            "size": len(wheel),
            "yanked": False,
            "core-metadata": core_metadata,
        }],
    }
    httpserver.expect_request("/simple/six/").respond_with_data(
        json.dumps(page), content_type=JSON_TYPE, headers=headers or {},
    )
    httpserver.expect_request(f"/files/{SIX_WHEEL}").respond_with_data(wheel, content_type="application/zip")


# -- real PyPI ----------------------------------------------------------------


def test_real_project_page(pypi: PyPIClient) -> None:
    project = pypi.project("Six")
    assert project.name == "six" and project.index_url == "https://pypi.org/simple"
    wheel = next(f for f in project.files if f.filename == SIX_WHEEL)
    assert wheel.url.startswith("https://files.pythonhosted.org/") and len(wheel.sha256) == 64
    assert wheel.requires_python == "!=3.0.*,!=3.1.*,!=3.2.*,>=2.7" and wheel.size == 11050
    assert wheel.is_wheel and not wheel.is_sdist and str(wheel.version) == "1.17.0"
    versions = [str(v) for v in pypi.versions("six")]
    assert versions.index("1.16.0") < versions.index("1.17.0") and versions.index("1.9.0") < versions.index("1.10.0")
    assert [f.filename for f in pypi.files("six", "1.17.0")] == ["six-1.17.0-py2.py3-none-any.whl", "six-1.17.0.tar.gz"]


def test_wheel_metadata_without_downloading_the_wheel(pypi: PyPIClient, real_file, tmp_path: Path) -> None:
    wheel = real_file("numpy-2.2.6-cp310-cp310-musllinux_1_2_x86_64.whl")
    fresh = PyPIClient("https://pypi.org/simple", cache_root=tmp_path / "pypi")
    metadata = fresh.metadata(wheel)
    assert (metadata.name, str(metadata.version), str(metadata.requires_python)) == ("numpy", "2.2.6", ">=3.10")
    # An 18 MB wheel, read for its METADATA: a few hundred KB at most.
    assert 0 < fresh.bytes_downloaded < 1_000_000 < wheel.size
    # The range-read METADATA is cached apart from verified files, and reused.
    (kept,) = (tmp_path / "pypi" / "unverified-metadata").iterdir()
    assert not (tmp_path / "pypi" / "files").exists()
    before = fresh.bytes_downloaded
    assert fresh.metadata(wheel).name == "numpy" and fresh.bytes_downloaded == before
    # kept deflated: smaller than the METADATA, the same bytes back, without a request
    whole = fresh.metadata_bytes(wheel)
    assert kept.read_bytes().startswith(b"apkneed-deflated-metadata 1\n") and kept.stat().st_size < len(whole) / 2
    again = PyPIClient("https://pypi.org/simple", cache_root=tmp_path / "pypi")
    assert again.metadata_bytes(wheel) == whole and again.bytes_downloaded == 0
    kept.write_bytes(whole)  # as an older version kept it: read as it is
    assert again.metadata_bytes(wheel) == whole and again.bytes_downloaded == 0
    kept.write_bytes(b"apkneed-deflated-metadata 1\n" + zlib.compress(whole)[:-9])  # damaged: read again
    assert again.metadata_bytes(wheel) == whole and again.bytes_downloaded > 0
    assert kept.read_bytes().startswith(b"apkneed-deflated-metadata 1\n")


def test_sdist_metadata_comes_from_pkg_info(pypi: PyPIClient, real_file) -> None:
    sdist = real_file("psycopg2-2.9.10.tar.gz")
    metadata = pypi.metadata(sdist)
    assert (metadata.name, str(metadata.version)) == ("psycopg2", "2.9.10")
    assert str(metadata.requires_python) == ">=3.8"


def test_download_progress_is_reported(pypi: PyPIClient, real_file, tmp_path: Path) -> None:
    seen: list[tuple[str, int, int | None]] = []
    fresh = PyPIClient("https://pypi.org/simple", cache_root=tmp_path / "pypi", progress=lambda *a: seen.append(a))
    file = real_file(SIX_WHEEL)
    data = fresh.download(file)
    assert sha(data) == file.sha256
    assert seen[-1] == (file.url, 11050, 11050)


# -- a local index: the rules ------------------------------------------------


def test_pep658_metadata_is_fetched_alone_and_hash_checked(httpserver: HTTPServer, tmp_path: Path, six_wheel: bytes,
                                                           six_metadata: bytes) -> None:
    serve_six_page(httpserver, six_wheel, core_metadata={"sha256": sha(six_metadata)})
    httpserver.expect_request(f"/files/{SIX_WHEEL}.metadata").respond_with_data(six_metadata)
    client = local_client(httpserver, tmp_path)
    (file,) = client.project("six").files
    assert file.url == httpserver.url_for(f"/files/{SIX_WHEEL}") and file.core_metadata
    metadata = client.metadata(file)
    assert (metadata.name, str(metadata.version)) == ("six", "1.17.0")
    paths = [request.path for request, _ in httpserver.log]
    assert paths == ["/simple/six/", f"/files/{SIX_WHEEL}.metadata"]  # never the wheel
    assert ContentStore(tmp_path / "pypi" / "files").get(sha(six_metadata)) == six_metadata
    client.metadata(file)
    assert len(httpserver.log) == 2  # the second answer came from the content store


def test_pep658_metadata_with_a_wrong_hash_is_refused(httpserver: HTTPServer, tmp_path: Path, six_wheel: bytes,
                                                      six_metadata: bytes) -> None:
    serve_six_page(httpserver, six_wheel, core_metadata={"sha256": "ab" * 32})
    httpserver.expect_request(f"/files/{SIX_WHEEL}.metadata").respond_with_data(six_metadata)
    client = local_client(httpserver, tmp_path)
    (file,) = client.project("six").files
    with pytest.raises(IntegrityError, match=r"\.metadata: sha256 [0-9a-f]{64} does not match the index's abab"):
        client.metadata(file)
    assert ContentStore(tmp_path / "pypi" / "files").get(sha(six_metadata)) is None
    assert not (tmp_path / "pypi" / "unverified-metadata").exists()


def test_download_with_a_wrong_hash_is_refused_and_not_cached(httpserver: HTTPServer, tmp_path: Path,
                                                               six_wheel: bytes) -> None:
    serve_six_page(httpserver, six_wheel, sha256="cd" * 32)
    client = local_client(httpserver, tmp_path)
    (file,) = client.project("six").files
    with pytest.raises(IntegrityError, match=r"sha256 [0-9a-f]{64} does not match the index's cdcd.*; refused$"):
        client.download(file)
    store = ContentStore(tmp_path / "pypi" / "files")
    assert store.get(sha(six_wheel)) is None and store.get("cd" * 32) is None


def test_verified_download_is_cached(httpserver: HTTPServer, tmp_path: Path, six_wheel: bytes) -> None:
    serve_six_page(httpserver, six_wheel)
    client = local_client(httpserver, tmp_path)
    (file,) = client.project("six").files
    assert client.download(file) == six_wheel
    requests_so_far = len(httpserver.log)
    assert client.download(file) == six_wheel and client.open(file).read() == six_wheel
    assert len(httpserver.log) == requests_so_far


def test_unknown_project_is_an_input_error(httpserver: HTTPServer, tmp_path: Path) -> None:
    httpserver.expect_request("/simple/no-such-thing/").respond_with_data("Not Found", status=404)
    client = local_client(httpserver, tmp_path)
    with pytest.raises(InputError, match=rf"^no such project on {httpserver.url_for('/simple')}: no-such-thing$"):
        client.project("No_Such.Thing")
    with pytest.raises(InputError, match=r"not a valid project name: '-bad-'"):
        client.project("-bad-")


def test_503_then_200_is_retried(httpserver: HTTPServer, tmp_path: Path, six_wheel: bytes) -> None:
    httpserver.expect_oneshot_request("/simple/six/").respond_with_data("busy", status=503)
    serve_six_page(httpserver, six_wheel)
    client = local_client(httpserver, tmp_path, retries=2)
    assert [f.filename for f in client.project("six").files] == [SIX_WHEEL]
    assert [response.status_code for _, response in httpserver.log] == [503, 200]


def test_offline_without_and_with_a_cached_page(tmp_path: Path, six_wheel: bytes) -> None:
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    serve_six_page(server, six_wheel)
    index = server.url_for("/simple")
    online = PyPIClient(index, cache_root=tmp_path / "pypi", retries=0, backoff=0)
    files = online.project("six").files
    server.stop()  # the port is closed now: connection refused, as offline

    without_cache = PyPIClient(index, cache_root=tmp_path / "other", retries=1, backoff=0)
    with pytest.raises(EnvironmentFailure, match=r"^cannot reach 127\.0\.0\.1:\d+: .*\(after 2 attempts; offline\?\)$"):
        without_cache.project("six")

    warnings: list[str] = []
    with_cache = PyPIClient(index, cache_root=tmp_path / "pypi", retries=0, backoff=0, max_age=0, warn=warnings.append)
    project = with_cache.project("six")
    assert project.stale and project.files == files
    assert len(warnings) == 1 and "using the page of six cached at" in warnings[0]
    assert warnings[0].startswith("cannot reach 127.0.0.1")


def test_etag_revalidation_and_freshness(httpserver: HTTPServer, tmp_path: Path, six_wheel: bytes) -> None:
    serve_six_page(httpserver, six_wheel, headers={"ETag": '"v1"'})
    local_client(httpserver, tmp_path).project("six")
    # Young enough: no request at all.
    local_client(httpserver, tmp_path).project("six")
    assert len(httpserver.log) == 1
    httpserver.clear()
    httpserver.expect_request("/simple/six/", headers={"If-None-Match": '"v1"'}).respond_with_data("", status=304)
    project = local_client(httpserver, tmp_path, max_age=0).project("six")
    assert [f.filename for f in project.files] == [SIX_WHEEL] and not project.stale
    assert [response.status_code for _, response in httpserver.log] == [304]


def test_html_simple_page(httpserver: HTTPServer, tmp_path: Path) -> None:
    html = f"""<!DOCTYPE html><html><body>
    <a href="/files/demo-1.0.tar.gz#sha256={'a' * 64}" data-requires-python="&gt;=3.8">demo-1.0.tar.gz</a>
    <a href="../../files/demo-1.0-py3-none-any.whl#sha256={'b' * 64}" data-yanked="broken"
       data-dist-info-metadata="sha256={'c' * 64}">demo-1.0-py3-none-any.whl</a>
    <a href="https://elsewhere.example/demo-0.9-py3-none-any.whl" data-core-metadata="true">x</a>
    </body></html>"""
    httpserver.expect_request("/simple/demo/").respond_with_data(html, content_type="text/html")
    files = local_client(httpserver, tmp_path).project("demo").files
    sdist, wheel, old = files
    assert sdist.url == httpserver.url_for("/files/demo-1.0.tar.gz") and sdist.sha256 == "a" * 64
    assert sdist.requires_python == ">=3.8" and sdist.is_sdist and not sdist.yanked
    assert wheel.url == httpserver.url_for("/files/demo-1.0-py3-none-any.whl")
    assert wheel.yanked and wheel.yanked_reason == "broken"
    assert wheel.core_metadata and wheel.core_metadata_hashes == {"sha256": "c" * 64}
    assert old.filename == "demo-0.9-py3-none-any.whl" and old.core_metadata and old.sha256 is None
    # The Accept header asked for JSON first.
    request, _ = httpserver.log[0]
    assert request.headers["Accept"].startswith("application/vnd.pypi.simple.v1+json")


def test_unreadable_page_is_refused_not_cached(httpserver: HTTPServer, tmp_path: Path) -> None:
    httpserver.expect_request("/simple/demo/").respond_with_data('{"meta": {"api-version": "2.0"}, "files": []}')
    with pytest.raises(EnvironmentFailure, match=r"not a readable simple-API page \(unsupported simple API version 2\.0\)"):
        local_client(httpserver, tmp_path).project("demo")
    assert not list(tmp_path.rglob("*.body"))


def test_distfile_is_plain_data() -> None:
    file = DistFile("Demo_Pkg-2.0.post1.tar.gz", "https://x/Demo_Pkg-2.0.post1.tar.gz", "demo-pkg")
    assert file.is_sdist and str(file.version) == "2.0.post1" and file.sha256 is None
    assert DistFile("demo-1.0.exe", "https://x/demo-1.0.exe", "demo").version is None


def test_small_wheel_read_whole_by_range_is_verified_then_stored(httpserver: HTTPServer, tmp_path: Path,
                                                                 six_wheel: bytes) -> None:
    serve_six_page(httpserver, six_wheel)  # no core-metadata: the wheel itself is read
    client = local_client(httpserver, tmp_path)
    (file,) = client.project("six").files
    assert client.metadata(file).name == "six"
    # 11 KB is inside the first tail read: the whole file came, matched its sha256, and was kept.
    assert ContentStore(tmp_path / "pypi" / "files").get(sha(six_wheel)) == six_wheel
    wheel_requests = [r for r, _ in httpserver.log if r.path.endswith(".whl")]
    assert len(wheel_requests) == 1 and wheel_requests[0].headers["Range"].startswith("bytes=")
    assert client.download(file) == six_wheel
    assert len([r for r, _ in httpserver.log if r.path.endswith(".whl")]) == 1


def test_tampered_wheel_read_by_range_is_refused(httpserver: HTTPServer, tmp_path: Path, six_wheel: bytes) -> None:
    serve_six_page(httpserver, six_wheel, sha256="ef" * 32)
    client = local_client(httpserver, tmp_path)
    (file,) = client.project("six").files
    with pytest.raises(IntegrityError, match=r"does not match the index's efef"):
        client.metadata(file)
    assert not (tmp_path / "pypi" / "files").exists()
    assert not (tmp_path / "pypi" / "unverified-metadata").exists()


def _wheel_with_metadata(metadata: bytes, *, compression=zipfile.ZIP_DEFLATED) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as wheel:
        wheel.writestr("demo-1.0.dist-info/METADATA", metadata)
        wheel.writestr("demo-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\n")
    buffer.seek(0)
    return buffer


def test_wheel_metadata_is_read_through_the_bounded_reader() -> None:
    text = b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n"
    assert wheel_metadata_bytes(_wheel_with_metadata(text), "demo-1.0-py3-none-any.whl", "demo") == text


def test_a_metadata_bomb_is_refused_not_inflated() -> None:
    # 64 MiB of one byte deflates ~1000:1: the claimed size alone is refused.
    bomb = _wheel_with_metadata(b"A" * (64 << 20))
    with pytest.raises(EnvironmentFailure, match=r"METADATA claims 67108864 bytes \(limit 16777216\); refused"):
        wheel_metadata_bytes(bomb, "demo-1.0-py3-none-any.whl", "demo")
    # Under the size limit but with an absurd ratio: zipread's zip-bomb rule.
    dense = _wheel_with_metadata(b"A" * (8 << 20))
    with pytest.raises(EnvironmentFailure, match="compression ratio .* is absurd"):
        wheel_metadata_bytes(dense, "demo-1.0-py3-none-any.whl", "demo")


def test_by_default_a_whole_file_lives_only_in_its_client(httpserver: HTTPServer, tmp_path: Path,
                                                         six_wheel: bytes) -> None:
    # Facts, not wheels: without keep_files nothing whole is stored, yet the
    # same client reads the file once only.
    serve_six_page(httpserver, six_wheel)
    client = local_client(httpserver, tmp_path, keep_files=False)
    (file,) = client.project("six").files
    assert client.download(file) == six_wheel
    assert client.download(file) == six_wheel
    assert client.open(file).read() == six_wheel
    assert len([r for r, _ in httpserver.log if r.path.endswith(".whl")]) == 1
    assert ContentStore(tmp_path / "pypi" / "files").get(sha(six_wheel)) is None
    # a new client (a later run) has no copy: it downloads again
    again = local_client(httpserver, tmp_path, keep_files=False)
    (file,) = again.project("six").files
    assert again.download(file) == six_wheel
    assert len([r for r, _ in httpserver.log if r.path.endswith(".whl")]) == 2


def test_keep_wheels_from_the_environment(httpserver: HTTPServer, tmp_path: Path, six_wheel: bytes,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    serve_six_page(httpserver, six_wheel)
    monkeypatch.setenv("APKNEED_KEEP_WHEELS", "0")
    client = local_client(httpserver, tmp_path)
    (file,) = client.project("six").files
    client.download(file)
    assert ContentStore(tmp_path / "pypi" / "files").get(sha(six_wheel)) is None
    monkeypatch.setenv("APKNEED_KEEP_WHEELS", "1")
    kept = local_client(httpserver, tmp_path)
    (file,) = kept.project("six").files
    kept.download(file)
    assert ContentStore(tmp_path / "pypi" / "files").get(sha(six_wheel)) == six_wheel


def test_pages_are_kept_as_facts_and_a_damaged_one_is_fetched_again(httpserver: HTTPServer, tmp_path: Path,
                                                                     six_wheel: bytes) -> None:
    serve_six_page(httpserver, six_wheel)
    client = local_client(httpserver, tmp_path)
    assert [f.filename for f in client.project("six").files] == [SIX_WHEEL]
    (body,) = (tmp_path / "pypi" / "pages").glob("*.body")
    page = [r for r, _ in httpserver.log if r.path.endswith("/six/")]
    assert len(page) == 1
    stored = body.read_bytes()
    assert stored.startswith(b"apkneed-page-facts 1\n") and b'"files"' not in stored
    assert unpack_project(stored) == client.project("six")
    # damaged, with its meta's sha256 made to match: the deflate stream itself is refused, the page fetched again
    meta_path = body.with_suffix(".meta")
    broken = stored[:30] + b"\x00garbage"
    body.write_bytes(broken)
    meta = json.loads(meta_path.read_text())
    meta["sha256"] = sha(broken)
    meta_path.write_text(json.dumps(meta))
    again = local_client(httpserver, tmp_path)
    assert [f.filename for f in again.project("six").files] == [SIX_WHEEL]
    assert len([r for r, _ in httpserver.log if r.path.endswith("/six/")]) == 2


def test_a_page_an_older_version_kept_whole_is_read_then_kept_as_facts(httpserver: HTTPServer, tmp_path: Path,
                                                                       six_wheel: bytes) -> None:
    """Caches written before the facts form (a deflated page) are read, and rewritten as facts on a 304."""
    serve_six_page(httpserver, six_wheel, headers={"ETag": '"v1"'})
    fresh = local_client(httpserver, tmp_path).project("six")
    (body,) = (tmp_path / "pypi" / "pages").glob("*.body")
    page_bytes = httpserver.log[0][1].get_data()
    older = b"apkneed-deflated-page 1\n" + zlib.compress(page_bytes, 1)
    body.write_bytes(older)
    meta_path = body.with_suffix(".meta")
    meta = json.loads(meta_path.read_text())
    meta["sha256"] = sha(older)
    meta_path.write_text(json.dumps(meta))
    assert local_client(httpserver, tmp_path).project("six") == fresh  # young enough: read, not asked
    assert len(httpserver.log) == 1
    httpserver.clear()
    httpserver.expect_request("/simple/six/", headers={"If-None-Match": '"v1"'}).respond_with_data("", status=304)
    assert local_client(httpserver, tmp_path, max_age=0).project("six") == fresh
    assert body.read_bytes().startswith(b"apkneed-page-facts 1\n")


def test_last_modified_revalidation(httpserver: HTTPServer, tmp_path: Path, six_wheel: bytes) -> None:
    """An index that gives only Last-Modified: a stale page is revalidated with If-Modified-Since, 0 bytes."""
    stamp = "Sat, 05 Dec 2026 06:00:00 GMT"
    serve_six_page(httpserver, six_wheel, headers={"Last-Modified": stamp})
    first = local_client(httpserver, tmp_path).project("six")
    httpserver.clear()
    httpserver.expect_request("/simple/six/", headers={"If-Modified-Since": stamp}).respond_with_data("", status=304)
    client = local_client(httpserver, tmp_path, max_age=0)
    assert client.project("six") == first
    assert [response.status_code for _, response in httpserver.log] == [304]
    assert client.bytes_downloaded == 0


def test_a_stale_page_without_validators_is_fetched_whole(httpserver: HTTPServer, tmp_path: Path,
                                                          six_wheel: bytes) -> None:
    """No ETag, no Last-Modified (PyPI as served to this project's machine): nothing to revalidate with."""
    serve_six_page(httpserver, six_wheel)
    local_client(httpserver, tmp_path).project("six")
    size = len(httpserver.log[0][1].get_data())
    client = local_client(httpserver, tmp_path, max_age=0)
    client.project("six")
    request = httpserver.log[1][0]
    assert "If-None-Match" not in request.headers and "If-Modified-Since" not in request.headers
    assert client.bytes_downloaded == size


@pytest.mark.parametrize("name", ["numpy", "scipy", "pillow", "six", "psycopg2"])
def test_facts_equal_the_real_page(real_page: Callable[[str], bytes], name: str) -> None:
    """The compact facts the page store keeps give exactly the Project the whole real page gives."""
    url = f"{PYPI}/{name}/"
    page = parse_project_page(real_page(name), url, name)
    assert all(f.upload_time for f in page.files)
    # upload times are the one fact of PyPI's page apkneed does not use, and does not keep
    whole = dataclasses.replace(page, files=tuple(dataclasses.replace(f, upload_time=None) for f in page.files))
    stored = pack_project(page)
    assert unpack_project(stored) == whole
    for kept, original in zip(unpack_project(stored).files, whole.files):  # fields DistFile equality skips
        assert dict(kept.hashes) == dict(original.hashes)
        assert dict(kept.core_metadata_hashes) == dict(original.core_metadata_hashes)
        assert (kept.url, kept.size, kept.requires_python, kept.yanked_reason) == (
            original.url, original.size, original.requires_python, original.yanked_reason)
    assert len(stored) < len(zlib.compress(real_page(name), 1))  # smaller than the page deflated as before


def test_facts_of_an_html_page_with_every_attribute(tmp_path: Path) -> None:
    html = f"""<a href="https://h.example/a/demo-1.0.tar.gz#md5={'b' * 32}" data-yanked="broken">demo-1.0.tar.gz</a>
    <a href="/files/demo-1.0-py3-none-any.whl#sha256={'a' * 64}" data-requires-python="&gt;=3.8"
       data-core-metadata="sha256={'c' * 64}">demo-1.0-py3-none-any.whl</a>
    <a href="/get?file=demo-2.0.zip">demo-2.0.zip</a>""".encode()
    whole = parse_project_page(html, "https://i.example/simple/demo/", "demo")
    back = unpack_project(pack_project(whole))
    assert back == whole
    assert [dict(f.hashes) for f in back.files] == [dict(f.hashes) for f in whole.files]
    assert [f.url for f in back.files] == [
        "https://h.example/a/demo-1.0.tar.gz", "https://i.example/files/demo-1.0-py3-none-any.whl",
        "https://i.example/get?file=demo-2.0.zip"]
    assert back.files[0].yanked_reason == "broken" and back.files[1].core_metadata_hashes == {"sha256": "c" * 64}


