"""Test helpers: APKINDEX.tar.gz archives taken apart and rebuilt, and a
local Alpine mirror served by pytest-httpserver.

The archives are real: streams are cut from the shared indexes, and a
rebuilt archive has the layout apk writes (gzip'd signature tar, then the
gzip'd index tar). Tampering is done on those real bytes.

The mirror serves files under ``/alpine/<release>/<repo>/<arch>/`` with an
ETag and a Last-Modified, answers conditional requests with 304, records
every request, and can be told to misbehave for the next requests to a path
(``"500"``: a server error; ``"truncate"``: a Content-Length larger than
the body; ``"404"``).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import re
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from apkneed.alpine.index import split_gzip_members

LAST_MODIFIED = "Mon, 21 Nov 2022 21:55:24 GMT"


def index_streams(archive: bytes) -> tuple[bytes, bytes]:
    """(signature stream, index stream) of a signed APKINDEX.tar.gz, compressed bytes."""
    members = split_gzip_members(archive, "test archive")
    assert len(members) == 2, "expected a signed index: signature stream + index stream"
    return members[0][0], members[1][0]


def tar_stream(files: dict[str, bytes]) -> bytes:
    """A gzip'd tar holding ``files``, as one stream of an APKINDEX.tar.gz."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name, content in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(content))
    return gzip.compress(raw.getvalue(), mtime=0)


def signature_stream(name: str, signature: bytes) -> bytes:
    """A signature stream holding ``.SIGN.<name>`` (e.g. ``RSA.alpine-devel@...rsa.pub``)."""
    return tar_stream({f".SIGN.{name}": signature})


def signature_of(archive: bytes) -> tuple[str, bytes]:
    """(``.SIGN.`` file name without the prefix, signature bytes) of a signed archive."""
    sig_stream, _ = index_streams(archive)
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(sig_stream))) as tar:
        member = next(m for m in tar if m.name.startswith(".SIGN."))
        return member.name[len(".SIGN."):], tar.extractfile(member).read()


def touch_gzip_mtime(stream: bytes) -> bytes:
    """The same gzip stream with another MTIME in its header: still a valid
    index with the same content, but not the bytes that were signed."""
    return stream[:4] + bytes([stream[4] ^ 0x01]) + stream[5:]


@dataclass
class MirrorServer:
    """A local mirror over pytest-httpserver; ``files`` maps URL path -> body."""

    httpserver: HTTPServer
    files: dict[str, bytes] = field(default_factory=dict)
    faults: dict[str, list[str]] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.httpserver.expect_request(re.compile(r".*")).respond_with_handler(self._handle)

    @property
    def url(self) -> str:
        return self.httpserver.url_for("/alpine")

    def add(self, release: str, repository: str, arch: str, body: bytes) -> str:
        path = f"/alpine/{release}/{repository}/{arch}/APKINDEX.tar.gz"
        self.files[path] = body
        return path

    def fail_next(self, path: str, *faults: str) -> None:
        self.faults.setdefault(path, []).extend(faults)

    def requests_to(self, path: str) -> list[dict[str, str]]:
        return [headers for p, headers in self.requests if p == path]

    def _handle(self, request: Request) -> Response:
        self.requests.append((request.path, dict(request.headers)))
        pending = self.faults.get(request.path)
        fault = pending.pop(0) if pending else None
        body = self.files.get(request.path)
        if fault == "404" or body is None:
            return Response("not found", status=404)
        if fault == "500":
            return Response("server error", status=500)
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        headers = {"ETag": etag, "Last-Modified": LAST_MODIFIED, "Content-Type": "application/gzip"}
        if request.headers.get("If-None-Match") == etag:
            return Response(status=304, headers=headers)
        if fault == "truncate":
            response = Response(body[: len(body) // 2], status=200, headers=headers)
            response.headers["Content-Length"] = str(len(body))
            response.automatically_set_content_length = False
            return response
        return Response(body, status=200, headers=headers)


def shared_index(shared_dir: Path, release: str, arch: str) -> bytes:
    return (shared_dir / "alpine" / release / "main" / arch / "APKINDEX.tar.gz").read_bytes()


def shared_releases_mirror(httpserver: HTTPServer, shared_dir: Path) -> "MirrorServer":
    """A mirror serving both shared indexes, plus latest-stable (a symlink to a
    release directory on real mirrors) pointing at v3.17 aarch64."""
    server = MirrorServer(httpserver)
    server.add("v3.16", "main", "x86_64", shared_index(shared_dir, "v3.16", "x86_64"))
    server.add("v3.17", "main", "aarch64", shared_index(shared_dir, "v3.17", "aarch64"))
    server.add("latest-stable", "main", "aarch64", shared_index(shared_dir, "v3.17", "aarch64"))
    return server
