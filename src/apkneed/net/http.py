"""HTTP for apkneed: one client factory, retries, and a revalidating cache.

httpx is used because it gives timeouts, redirects, HTTP range requests and
custom CA bundles with one small, well-kept API.

Both network users (the Alpine mirror and PyPI) go through here, so retry,
TLS and caching rules are the same everywhere:

* CA bundle: ``PIP_CERT``, then ``SSL_CERT_FILE``, then ``REQUESTS_CA_BUNDLE``,
  else the system default (certifi through httpx).
* Retries: connection errors, timeouts, 429 and 5xx are retried with
  exponential backoff; the final failure is an :class:`EnvironmentFailure`
  naming the host, so "offline" reads as one clear line. Every other failure
  httpx can raise (a body that does not decode as its Content-Encoding says,
  a redirect loop, a malformed redirect) is an EnvironmentFailure at once.
* Deadline: one call of :func:`request`, every attempt and backoff included,
  ends within ``deadline`` seconds (:data:`DEFAULT_DEADLINE`, 30 s): no new
  attempt starts after it, and each attempt's connect and read timeouts are
  cut to what is left of it. A server that answers but trickles (64 bytes
  every 2 s) is cut at the deadline too, unless its body is still arriving
  at :data:`MIN_RATE` or more on average, so a large download over a slow
  but working link finishes. Worst case for a dead or hung server: 30 s.
  A host that could not be reached once is not tried again by the same
  client in this run: its later requests fail at once (so a plan of twenty
  projects against a hung index costs one deadline, not twenty).
* :class:`RevalidatingCache` keeps a body and its validators (ETag,
  Last-Modified, sha256). A cached body whose sha256 no longer matches, or
  that the caller's ``validate`` rejects, is dropped and fetched again.
* Integrity: :func:`check_sha256` refuses a downloaded body whose sha256 is
  not the index's (the PyPI client and :mod:`apkneed.net.rangefile`).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import weakref
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Mapping

from apkneed import __version__
from apkneed.cache import atomic_write, sweep_once
from apkneed.errors import EnvironmentFailure, IntegrityError
from apkneed.net.urls import host_of, redact
from apkneed.records import Frozen, set_field

if TYPE_CHECKING:
    import ssl

    import httpx

USER_AGENT = f"apkneed/{__version__} (+https://pypi.org/project/apkneed/)"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
#: the longest one :func:`request` call may take, retries included, before it fails (seconds)
DEFAULT_DEADLINE = 30.0
#: past the deadline, a body still arriving at least this fast (bytes/s, averaged over the attempt) may finish
MIN_RATE = 16 * 1024
#: how long one read may wait for the next bytes (seconds); a connect gets 10 s
DEFAULT_READ_TIMEOUT = 15.0

#: called as ``progress(url, bytes_done, bytes_total_or_None)`` while a body downloads
ProgressCallback = Callable[[str, int, "int | None"], None]


def ca_bundle_from_env(environ: Mapping[str, str] | None = None) -> str | bool:
    """The CA bundle the user configured for pip / Python TLS, else True (default)."""
    environ = os.environ if environ is None else environ
    for var in ("PIP_CERT", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"):
        value = environ.get(var)
        if value and Path(value).is_file():
            return value
    return True


def tls_verification(verify: str | bool | ssl.SSLContext | None = None) -> ssl.SSLContext | bool:
    """What httpx needs for ``verify``: an SSLContext for a CA file, else the flag.

    httpx 0.28 deprecates passing a CA file path; a context built from the
    file is the supported way.
    """
    if verify is None:
        verify = ca_bundle_from_env()
    if isinstance(verify, str):
        import ssl  # here, not at module level: only a network client needs TLS (~10 ms)

        return ssl.create_default_context(cafile=verify)
    return verify


def make_client(
    *, verify: str | bool | ssl.SSLContext | None = None, timeout: float = DEFAULT_READ_TIMEOUT
) -> httpx.Client:
    # Imported here, not at module level: commands that read local files only
    # (resolve --index, scan) never pay httpx's ~0.1 s import.
    import httpx

    return httpx.Client(
        verify=tls_verification(verify),
        timeout=httpx.Timeout(timeout, connect=10.0),
        follow_redirects=True,
        headers={"User-Agent": USER_AGENT},
    )


def check_sha256(data: bytes, expected: str, url: str) -> None:
    """Refuse ``data`` (IntegrityError) unless it hashes to ``expected``, the index's sha256."""
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected.lower():
        raise IntegrityError(f"{redact(url)}: sha256 {actual} does not match the index's {expected}; refused")


#: per client: the hosts it could not reach in this run, and why
_UNREACHABLE: weakref.WeakKeyDictionary[httpx.Client, dict[str, str]] = weakref.WeakKeyDictionary()


def request(
    client: httpx.Client,
    method: str,
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    retries: int = 3,
    backoff: float = 0.5,
    progress: ProgressCallback | None = None,
    max_bytes: int | None = None,
    deadline: float = DEFAULT_DEADLINE,
) -> httpx.Response:
    """Send a request with retries; the body is read fully (``max_bytes`` caps it).

    Returns responses of any non-retryable status: the caller decides what a
    404 means. Raises EnvironmentFailure once retries are spent, or the
    deadline passed (see the module docstring), or the answer is unusable.
    """
    import httpx  # already loaded by whoever made ``client``; see make_client
    host = host_of(url)
    unreachable = _UNREACHABLE.setdefault(client, {})
    if host in unreachable:
        raise EnvironmentFailure(f"cannot reach {host}: {unreachable[host]} (earlier in this run; not tried again)")
    ends_at = time.monotonic() + deadline
    last_problem = ""
    attempt = 0
    for attempt in range(retries + 1):
        if attempt:
            pause = backoff * (2 ** (attempt - 1))
            if time.monotonic() + pause >= ends_at:
                attempt -= 1  # this attempt never started
                last_problem += f"; no time left for another attempt within the {deadline:g} s deadline"
                break
            time.sleep(pause)
        try:
            with client.stream(method, url, headers=headers, timeout=_attempt_timeout(client, ends_at)) as response:
                if response.status_code in RETRY_STATUSES and attempt < retries:
                    last_problem = f"HTTP {response.status_code}"
                    continue
                body = _read_body(response, url, progress, max_bytes, ends_at, deadline)
                # Rebuild a complete response so callers can use .content freely.
                return httpx.Response(
                    response.status_code,
                    headers=response.headers,
                    content=body,
                    request=response.request,
                )
        except httpx.TimeoutException:
            last_problem = "timed out"
        except _DeadlinePassed as exc:
            last_problem = str(exc)
            break
        except TruncatedBody as exc:
            last_problem = str(exc)
        except httpx.TooManyRedirects:
            raise EnvironmentFailure(f"{redact(url)}: too many redirects (a redirect loop?)") from None
        except httpx.DecodingError as exc:
            raise EnvironmentFailure(f"{redact(url)}: the body does not decode as its Content-Encoding says ({exc})") from None
        except httpx.TransportError as exc:
            last_problem = _describe_transport_error(exc)
            if _is_name_resolution_failure(exc):
                # No DNS answer: retrying in a second will not produce one, and
                # an offline user should fall back to cache/snapshot at once.
                break
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            # Anything else httpx refuses (a malformed redirect target...): not retried.
            raise EnvironmentFailure(f"{redact(url)}: unusable answer ({_describe_transport_error(exc)})") from None
        if time.monotonic() >= ends_at:
            last_problem += f" (deadline of {deadline:g} s reached)"
            break
    if last_problem.startswith("transfer cut short"):
        raise EnvironmentFailure(f"{redact(url)}: {last_problem} (after {attempt + 1} attempts)")
    attempts = attempt + 1
    plural = "attempt" if attempts == 1 else "attempts"
    if not last_problem.startswith("HTTP "):
        unreachable[host] = last_problem
    raise EnvironmentFailure(f"cannot reach {host}: {last_problem} (after {attempts} {plural}; offline?)")


def _attempt_timeout(client: httpx.Client, ends_at: float) -> httpx.Timeout:
    """The client's timeouts, none longer than what is left of the deadline."""
    import httpx

    left = max(0.001, ends_at - time.monotonic())
    configured = client.timeout

    def cut(value: float | None) -> float:
        return left if value is None else min(value, left)

    return httpx.Timeout(
        connect=cut(configured.connect), read=cut(configured.read), write=cut(configured.write), pool=cut(configured.pool)
    )


class _DeadlinePassed(Exception):
    """The body was still arriving, too slowly, when the deadline passed."""


def _read_body(
    response: httpx.Response,
    url: str,
    progress: ProgressCallback | None,
    max_bytes: int | None,
    ends_at: float,
    deadline: float,
) -> bytes:
    total = response.headers.get("Content-Length")
    total_int = int(total) if total and total.isdigit() else None
    if max_bytes is not None and total_int is not None and total_int > max_bytes:
        raise EnvironmentFailure(f"{redact(url)}: response of {total_int} bytes exceeds the {max_bytes}-byte limit")
    chunks: list[bytes] = []
    done = 0
    started = time.monotonic()
    for chunk in response.iter_bytes():
        chunks.append(chunk)
        done += len(chunk)
        if max_bytes is not None and done > max_bytes:
            raise EnvironmentFailure(f"{redact(url)}: response exceeds the {max_bytes}-byte limit")
        if progress is not None:
            progress(url, done, total_int)
        now = time.monotonic()
        if now >= ends_at and done < MIN_RATE * (now - started):
            raise _DeadlinePassed(
                f"no complete answer within the {deadline:g} s deadline "
                f"({done} bytes in {now - started:.0f} s: a stalled or trickling server)"
            )
    body = b"".join(chunks)
    # A body shorter than announced is a truncated transfer: never use it.
    if total_int is not None and "Content-Encoding" not in response.headers and done < total_int:
        raise TruncatedBody(f"transfer cut short: {done} of {total_int} bytes")
    return body


class TruncatedBody(Exception):
    """A body shorter than its Content-Length: retried, never used."""


def _is_name_resolution_failure(exc: BaseException) -> bool:
    """True when the host name did not resolve (socket.gaierror in the chain)."""
    import socket  # loaded already by any failed connection; lazy like ssl

    seen: BaseException | None = exc
    for _ in range(8):  # httpx -> httpcore -> socket: a short chain
        if seen is None:
            return False
        if isinstance(seen, socket.gaierror):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _describe_transport_error(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    return text.splitlines()[0]


class HTTPStatusFailure(EnvironmentFailure):
    """The server answered with a status that is not a usable body.

    Callers translate meaningful statuses (404: no such project) into their
    own errors; the rest stay environment failures.
    """

    def __init__(self, url: str, status: int) -> None:
        super().__init__(f"{redact(url)}: HTTP {status}")
        self.url = url
        self.status = status


class Fetched(Frozen):
    """A body with where it came from."""

    __slots__ = ("url", "content", "from_cache", "stale")

    url: str
    content: bytes
    from_cache: bool  # True when the network was not used or answered 304
    stale: bool  # True when the network failed and an old copy was used

    def __init__(self, url: str, content: bytes, from_cache: bool, stale: bool = False) -> None:
        set_field(self, "url", url)
        set_field(self, "content", content)
        set_field(self, "from_cache", from_cache)
        set_field(self, "stale", stale)


def revalidation_headers(meta: Mapping[str, str]) -> dict[str, str]:
    """The conditional request headers for a cached copy, from its RevalidatingCache meta."""
    headers: dict[str, str] = {}
    if meta.get("etag"):
        headers["If-None-Match"] = meta["etag"]
    if meta.get("last_modified"):
        headers["If-Modified-Since"] = meta["last_modified"]
    return headers


class RevalidatingCache:
    """A directory of (body, validators) pairs keyed by URL.

    Layout: ``<root>/<sha256(url)[:32]>.body`` and ``.meta`` (JSON with url,
    etag, last_modified, sha256). Both are written atomically, body first, so
    a meta file always describes a complete body.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        sweep_once(root)  # a run that only reads still clears a dead writer's parts

    def _paths(self, url: str) -> tuple[Path, Path]:
        key = hashlib.sha256(url.encode()).hexdigest()[:32]
        return self.root / f"{key}.body", self.root / f"{key}.meta"

    def load(self, url: str, validate: Callable[[bytes], None] | None = None) -> tuple[bytes, dict] | None:
        """The cached body and meta for ``url``, or None if absent or corrupt."""
        body_path, meta_path = self._paths(url)
        try:
            meta = json.loads(meta_path.read_text())
            body = body_path.read_bytes()
        except (OSError, ValueError):
            return None
        if meta.get("url") != url or hashlib.sha256(body).hexdigest() != meta.get("sha256"):
            self.drop(url)
            return None
        if validate is not None:
            try:
                validate(body)
            except Exception:
                self.drop(url)
                return None
        return body, meta

    def store(self, url: str, body: bytes, headers: Mapping[str, str]) -> None:
        body_path, meta_path = self._paths(url)
        meta = {
            "url": url,
            "etag": headers.get("ETag"),
            "last_modified": headers.get("Last-Modified"),
            "sha256": hashlib.sha256(body).hexdigest(),
            "stored_at": time.time(),
        }
        atomic_write(body_path, body)
        atomic_write(meta_path, json.dumps(meta).encode())

    def drop(self, url: str) -> None:
        for path in self._paths(url):
            path.unlink(missing_ok=True)

    def fetch(
        self,
        client: httpx.Client,
        url: str,
        *,
        validate: Callable[[bytes], None] | None = None,
        progress: ProgressCallback | None = None,
        offline_ok: bool = True,
        retries: int = 3,
        backoff: float = 0.5,
        max_bytes: int | None = None,
        deadline: float = DEFAULT_DEADLINE,
    ) -> Fetched:
        """Get ``url``, revalidating a cached copy with ETag / If-Modified-Since.

        ``validate`` raises on a body that must not be used (bad signature,
        unparsable index): such a body is neither cached nor returned.
        With ``offline_ok`` a network failure falls back to a valid cached copy.
        """
        cached = self.load(url, validate)
        headers = revalidation_headers(cached[1]) if cached is not None else {}
        try:
            response = request(
                client, "GET", url, headers=headers, retries=retries, backoff=backoff,
                progress=progress, max_bytes=max_bytes, deadline=deadline,
            )
        except EnvironmentFailure:
            if cached is not None and offline_ok:
                return Fetched(url, cached[0], from_cache=True, stale=True)
            raise
        if response.status_code == 304 and cached is not None:
            return Fetched(url, cached[0], from_cache=True)
        if response.status_code != 200:
            raise HTTPStatusFailure(url, response.status_code)
        body = response.content
        if validate is not None:
            validate(body)  # raises: the caller's error names the problem
        self.store(url, body, response.headers)
        return Fetched(url, body, from_cache=False)
