"""The index uv resolves against: apkneed's own project pages, served on 127.0.0.1.

uv keeps its own cache of every project page it reads (uv's ``simple-v*``
bucket: 11.5 MiB for the scientific set, uncompressed), a second copy of the
pages apkneed's :class:`~apkneed.python.pypi.PyPIClient` already keeps, and
it fetches them a second time. Instead, uv is pointed at a small HTTP server
in apkneed's own process that answers from that client:

* ``GET /<token>/simple/<name>/``: the client's :meth:`project` as a PEP 691
  JSON page (API 1.1), with ``Cache-Control: no-store``. The page is
  fetched, revalidated, cached or (index unreachable, page cached) used
  stale exactly as for the rest of the plan, and fetched once per run for
  both the resolution and the plan's own reading. A project the index does
  not have is a 404 (uv says "not found in the package registry").
* every file of a served page gets a local URL, ``/<token>/files/<project>/<n>/<filename>``;
  ``GET`` of it is the client's :meth:`download` (checked against the index's
  sha256), and ``GET <that>.metadata`` (PEP 658, announced for every wheel) is
  the client's :meth:`metadata_bytes`: the index's hash-checked ``.metadata``
  file when it has one, else the wheel's ``METADATA`` read by range
  requests, kept in apkneed's cache either way. uv therefore needs no cache
  of its own (it runs with ``--no-cache``) and every byte of the
  resolution is counted in the client's ``bytes_downloaded``.
* a failure of the client (index unreachable with nothing cached, a hash
  mismatch) is a 502 to uv and is remembered: :attr:`failure` is the
  client's own error, which the resolver raises instead of uv's words.

The server listens on 127.0.0.1 only, on a port the kernel picks, and
answers only under a random path token (``secrets.token_urlsafe``), so the
pages of a private index are not served to other local users who guess the
port. It lives as long as the ``with`` block.

API::

    with LocalIndex(client) as index:      # client: a PyPIClient (or anything with its four methods)
        index.url                          # http://127.0.0.1:<port>/<token>/simple
        index.local_urls                   # the URL prefix to replace in uv's messages
        index.failure                      # the first ApkneedError the client raised, or None
"""

from __future__ import annotations

import json
import secrets
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Callable, Protocol
from urllib.parse import quote, unquote

from apkneed.cache import unwritable_cache
from apkneed.errors import ApkneedError, EnvironmentFailure, InputError

if TYPE_CHECKING:
    from apkneed.python.pypi import DistFile, Project

JSON_PAGE = "application/vnd.pypi.simple.v1+json"


class PageSource(Protocol):
    def project(self, name: str) -> Project: ...
    def download(self, file: DistFile) -> bytes: ...
    def metadata_bytes(self, file: DistFile) -> bytes: ...


def page_json(project: Project, local_url: Callable[[int, DistFile], str]) -> bytes:
    """A PEP 691 (API 1.1) page of ``project`` whose file URLs are ``local_url(file)``.

    Every wheel announces its core metadata (PEP 658/714): the server reads it
    for uv from the index's ``.metadata`` file or from the wheel itself.
    """
    files = []
    for number, file in enumerate(project.files):
        entry: dict[str, object] = {
            "filename": file.filename,
            "url": local_url(number, file),
            "hashes": dict(file.hashes),
        }
        if file.requires_python:
            entry["requires-python"] = file.requires_python
        if file.size is not None:
            entry["size"] = file.size
        if file.yanked:
            entry["yanked"] = file.yanked_reason or True
        if file.upload_time:
            entry["upload-time"] = file.upload_time
        if file.core_metadata or file.is_wheel:
            entry["core-metadata"] = dict(file.core_metadata_hashes) or True
        files.append(entry)
    page = {"meta": {"api-version": "1.1"}, "name": project.name, "files": files}
    if project.versions:
        page["versions"] = list(project.versions)
    return json.dumps(page).encode()


class LocalIndex:
    """See the module docstring."""

    def __init__(self, source: PageSource) -> None:
        self._source = source
        self._token = secrets.token_urlsafe(16)
        self._served: dict[str, Project] = {}  # the pages served, by canonical name: their files' URLs point here
        self._lock = threading.Lock()
        self.failure: ApkneedError | None = None
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- life -------------------------------------------------------------

    def __enter__(self) -> LocalIndex:
        handler = _handler_for(self)
        self._server = _Server(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="apkneed-local-index", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    @property
    def local_urls(self) -> str:
        assert self._server is not None, "use LocalIndex in a with block"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/{self._token}"

    @property
    def url(self) -> str:
        return f"{self.local_urls}/simple"

    # -- answers (called on the server's threads) ----------------------------

    def _remember(self, exc: ApkneedError) -> None:
        with self._lock:
            if self.failure is None:
                self.failure = exc

    def _file(self, key: str) -> DistFile | None:
        """The file of ``<project>/<number>/<filename>``, a URL of a page served before."""
        name, _, rest = key.partition("/")
        number, _, filename = rest.partition("/")
        with self._lock:
            project = self._served.get(name)
        if project is None or not number.isdigit() or int(number) >= len(project.files):
            return None
        file = project.files[int(number)]
        return file if file.filename == unquote(filename) else None

    def answer(self, path: str, method: str = "GET") -> tuple[int, str, bytes]:
        """(status, content type, body) for a request path."""
        prefix = f"/{self._token}/"
        if not path.startswith(prefix):
            return 404, "text/plain", b"not found\n"
        rest = path[len(prefix):].partition("?")[0]
        try:
            if rest.startswith("simple/"):
                name = unquote(rest[len("simple/"):].strip("/"))
                if not name or "/" in name:
                    return 404, "text/plain", b"not found\n"
                try:
                    project = self._source.project(name)
                except InputError:  # no such project (or not a valid name): uv says "not found"
                    return 404, "text/plain", b"no such project\n"
                with self._lock:
                    self._served[project.name] = project
                base = f"{self.local_urls}/files/{quote(project.name)}/"
                return 200, JSON_PAGE, page_json(project, lambda n, f: f"{base}{n}/{quote(f.filename)}")
            if rest.startswith("files/"):
                key = rest[len("files/"):]
                wants_metadata = key.endswith(".metadata")
                file = self._file(key.removesuffix(".metadata") if wants_metadata else key)
                if file is None:
                    return 404, "text/plain", b"not found\n"
                if method != "GET":  # a HEAD must not cost a download: uv then GETs the file
                    return 405, "text/plain", b"GET only\n"
                if wants_metadata:
                    return 200, "application/octet-stream", self._source.metadata_bytes(file)
                return 200, "application/octet-stream", self._source.download(file)
        except ApkneedError as exc:
            self._remember(exc)
            return 502, "text/plain", f"{exc}\n".encode()
        except OSError as exc:  # a cache that cannot be written: the run's answer, not a traceback here
            unwritable = unwritable_cache(exc)
            if unwritable is None:
                raise
            self._remember(EnvironmentFailure(unwritable))
            return 502, "text/plain", f"{unwritable}\n".encode()
        return 404, "text/plain", b"not found\n"


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        # uv stops at its first failure (a project that does not exist) with other requests in
        # flight and drops their connections: nothing is left to answer, and socketserver's
        # report would put a traceback on the user's stderr. Anything else is a bug: reported.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


def _handler_for(index: LocalIndex) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            self._respond(send_body=True)

        def do_HEAD(self) -> None:  # noqa: N802
            self._respond(send_body=False)

        def _respond(self, *, send_body: bool) -> None:
            status, content_type, body = index.answer(self.path, self.command)
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            if send_body:
                self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # uv's requests are not apkneed's output
            pass

    return Handler
