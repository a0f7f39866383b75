"""A client for a Python package index: project pages, core metadata, files.

Speaks the simple repository API: JSON (PEP 691, ``application/vnd.pypi.simple.v1+json``)
and, for indexes that only serve it, HTML (PEP 503 with the PEP 592 yanked,
PEP 658/714 metadata and data-requires-python attributes). ``httpx`` does
the HTTP (through :mod:`apkneed.net.http`: CA bundle, retries with backoff,
one-line offline errors) and ``packaging`` reads names, versions and core
metadata, so nothing here re-implements a standard.

Public API (everything takes and returns plain data)::

    client = PyPIClient(index_url=None, cache_root=None, client=None, progress=None, warn=None)
    client.index_url                  # the index in use (see apkneed.python.config)
    client.project(name) -> Project   # Project(name, index_url, files: tuple[DistFile, ...], versions, stale)
    client.versions(name) -> tuple[Version, ...]             # ascending
    client.files(name, version) -> tuple[DistFile, ...]       # one release's files
    client.metadata(file) -> packaging.metadata.Metadata     # without downloading a wheel
    client.open(file) -> seekable binary file                 # range requests unless cached
    client.download(file) -> bytes                            # whole, sha256-verified, cached
    client.bytes_downloaded                                   # every body byte this client received

Where things come from and go (``cache_root`` defaults to
``default_cache_root() / "pypi"``):

* Project pages: ``<cache_root>/pages``, a RevalidatingCache that keeps not
  the page but its facts (:func:`pack_project`: per file the name, URL,
  hashes, requires-python, size, yanked, the PEP 658/714 metadata flag;
  the versions; in columns, deflated: numpy's 1.9 MB page is 0.38 MB), with
  the page's validators. Pages written by earlier versions (whole, deflated
  or not) are still read. A damaged entry is fetched again. A page younger
  than ``max_age`` (600 s, PyPI's own CDN lifetime) is used without asking;
  older ones are revalidated (ETag / Last-Modified when the index gives
  them: a 304 costs no body); an index that gives neither is asked for the
  whole page again, since nothing else says whether it changed (PyPI's
  ``_last-serial`` is inside the page). When the index cannot be reached
  and a cached page exists, it is used and a warning says so; without one
  the error is one line ("cannot reach ..."). A 404 is an
  :class:`InputError`: ``no such project on <index>: <name>``. The same
  pages are what uv resolves against (:mod:`apkneed.python.local_index`).
* Files and hash-checked metadata: ``<cache_root>/files``, a ContentStore by
  sha256. Every download is checked against the index's sha256; a mismatch
  is an :class:`IntegrityError` and nothing is cached.
* Core metadata comes, in order of preference, from a cached whole file; from
  the PEP 658 ``<url>.metadata`` file (its hash checked when the index gives
  one); for a wheel, from ``*.dist-info/METADATA`` read with range requests
  (a few small requests, see :mod:`apkneed.net.rangefile`); for an sdist,
  from ``PKG-INFO`` in the downloaded sdist (whose ``Dynamic`` fields say
  what a build could change). Metadata that could not be hash-checked (a
  range read, or a ``.metadata`` file without a hash) is cached apart, in
  ``<cache_root>/unverified-metadata`` (deflated), keyed by the distribution's sha256,
  and never enters the content store.
* :meth:`PyPIClient.open` returns the cached file when there is one, else a
  :class:`RangeFile`; if a range-read file ends up complete and matches its
  sha256 it is stored, otherwise its bytes are forgotten with it.
* Whole wheels and sdists are stored only when asked (``keep_files=True``:
  ``--keep-wheels``, or ``$APKNEED_KEEP_WHEELS=1``). By default a file
  lives only as long as its client, in memory (:data:`MEMO_LIMIT` bytes at
  most, the oldest dropped first): what a plan needs from it is kept as
  facts by sha256 (:mod:`apkneed.plan.evidence`), tens of KiB where the file
  is tens of MiB. Hash-checked metadata is always stored.

Metadata is parsed with ``packaging.metadata`` without up-front validation
(``validate=False``): real packages carry small violations (an odd license
field) that must not stop a plan; each field is validated when it is read.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import lzma
import os
import threading
import ssl
import tarfile
import time
import zipfile
import zlib
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import BinaryIO, Callable, Mapping
from urllib.parse import unquote, urljoin, urlsplit

import httpx
from packaging.metadata import Metadata
from packaging.utils import (
    InvalidName,
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

from apkneed.binary.zipread import MemberError, ZipError, ZipLimits, open_zip, read_member
from apkneed.cache import ContentStore, atomic_write, default_cache_root, unwritable_cache
from apkneed.errors import EnvironmentFailure, InputError
from apkneed.net.http import (
    DEFAULT_DEADLINE,
    HTTPStatusFailure,
    ProgressCallback,
    RevalidatingCache,
    check_sha256,
    make_client,
    request,
    revalidation_headers,
    tls_verification,
)
from apkneed.net.rangefile import RangeFile
from apkneed.python.config import index_config, redact

SIMPLE_ACCEPT = (
    "application/vnd.pypi.simple.v1+json, "
    "application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01"
)
#: sdist archive endings pip accepts, longest first so ".tar.gz" wins over ".gz"
SDIST_SUFFIXES = (".tar.gz", ".tar.bz2", ".tar.xz", ".tgz", ".tbz", ".txz", ".tar", ".zip")
DEFAULT_MAX_AGE = 600.0
#: a project page larger than this is refused (the largest real ones, nightly
#: builds with thousands of files, are tens of MiB)
MAX_PAGE_BYTES = 256 << 20


@dataclass(frozen=True)
class DistFile:
    """One file of a project as the index lists it."""

    filename: str
    url: str  # absolute, without a #fragment
    project: str  # canonical project name
    hashes: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False)
    requires_python: str | None = None
    size: int | None = None
    yanked: bool = False
    yanked_reason: str | None = None
    upload_time: str | None = None
    core_metadata: bool = False  # PEP 658/714: <url>.metadata exists
    core_metadata_hashes: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False)

    @property
    def sha256(self) -> str | None:
        value = self.hashes.get("sha256")
        return value.lower() if value else None

    @property
    def is_wheel(self) -> bool:
        return self.filename.endswith(".whl")

    @property
    def is_sdist(self) -> bool:
        return not self.is_wheel and self.filename.lower().endswith(SDIST_SUFFIXES)

    @property
    def version(self) -> Version | None:
        """The version the filename carries, or None when it cannot be read."""
        return filename_version(self.filename)


@dataclass(frozen=True)
class Project:
    name: str  # canonical
    index_url: str
    files: tuple[DistFile, ...]
    versions: tuple[str, ...] = ()  # as the index lists them (API 1.1), may be empty
    stale: bool = False  # True when the index was unreachable and a cached page was used


def filename_version(filename: str) -> Version | None:
    """The version in a wheel or sdist filename, or None (not a dist, or unparsable)."""
    try:
        if filename.endswith(".whl"):
            return parse_wheel_filename(filename)[1]
        if filename.endswith((".tar.gz", ".zip")):
            return parse_sdist_filename(filename)[1]
        for suffix in SDIST_SUFFIXES:
            if filename.lower().endswith(suffix):
                return Version(filename[: -len(suffix)].rpartition("-")[2])
    except (InvalidWheelFilename, InvalidSdistFilename, InvalidVersion):
        return None
    return None


# -- parsing index pages (pure) ------------------------------------------


#: the pages cache once kept whole pages deflated (read still: caches written by earlier versions)
_PAGE_MAGIC = b"apkneed-deflated-page 1\n"
#: ... and now keeps only the facts apkneed uses, in columns, deflated (see pack_project)
_FACTS_MAGIC = b"apkneed-page-facts 1\n"


def _unpack_page(stored: bytes) -> bytes:
    """An older cache's page body (deflated, or as it came); zlib.error if damaged."""
    if not stored.startswith(_PAGE_MAGIC):
        return stored
    return zlib.decompress(stored[len(_PAGE_MAGIC):])


def pack_project(project: Project) -> bytes:
    """The facts of a project page that apkneed uses, compact: what the page store keeps.

    Per file: filename, URL, hashes, requires-python, size, yanked (and why),
    the PEP 658/714 metadata flag and its hashes; the versions the index
    lists. Nothing else of the page (upload times, the index's other
    metadata) is kept. Columns (one list per fact) deflate far better than
    the page's objects: the sha256 and the URL's path hash are most of what
    is left. ``unpack_project(pack_project(p)) == p`` for every field kept.
    """
    files = project.files
    urls = [f.url for f in files]
    prefix = os.path.commonprefix(urls) if urls else ""
    prefix = prefix[: prefix.rfind("/") + 1]  # whole path segments
    dirs, whole = [], []
    for index, file in enumerate(files):
        rest = file.url[len(prefix):]
        if rest.endswith("/" + file.filename) or rest == file.filename:
            dirs.append(rest[: len(rest) - len(file.filename)])
        else:  # a URL that does not end with the filename is kept whole
            dirs.append(rest)
            whole.append(index)
    facts = {
        "name": project.name,
        "index_url": project.index_url,
        "versions": list(project.versions),
        "prefix": prefix,
        "filename": [f.filename for f in files],
        "dir": dirs,
        "whole_url": whole,
        "sha256": [f.hashes.get("sha256") for f in files],
        "other_hashes": {str(i): {k: v for k, v in f.hashes.items() if k != "sha256"}
                         for i, f in enumerate(files) if set(f.hashes) - {"sha256"}},
        "requires_python": [f.requires_python for f in files],
        "size": [f.size for f in files],
        "yanked": [(f.yanked_reason or True) if f.yanked else False for f in files],
        "core_metadata": [(dict(f.core_metadata_hashes) or True) if f.core_metadata else False for f in files],
    }
    # level 1: 4% larger than level 6 at 40% of its time (uv waits for each page the store keeps)
    return _FACTS_MAGIC + zlib.compress(json.dumps(facts, separators=(",", ":")).encode(), 1)


def unpack_project(stored: bytes) -> Project:
    """The Project of :func:`pack_project`'s bytes; ValueError (only) if they are not that."""
    if not stored.startswith(_FACTS_MAGIC):
        raise ValueError("not a page-facts record")
    try:
        facts = json.loads(zlib.decompress(stored[len(_FACTS_MAGIC):]))
        return _project_from_facts(facts)
    except (zlib.error, KeyError, TypeError, AttributeError, UnicodeDecodeError, RecursionError) as exc:
        raise ValueError(f"damaged page-facts record ({type(exc).__name__})") from None


def _typed(value, kinds, what: str):
    if type(value) not in kinds:  # exact types: a bool is not a size
        raise ValueError(f"damaged page-facts record ({what})")
    return value


def _column(facts: dict, key: str, kinds: tuple[type, ...]) -> list:
    """A list whose items are all of ``kinds`` (checked by type, at C speed: pages have thousands of files)."""
    column = _typed(facts[key], (list,), key)
    if not set(map(type, column)) <= set(kinds):
        raise ValueError(f"damaged page-facts record ({key})")
    return column


_NONE = type(None)


def _project_from_facts(facts: dict) -> Project:
    name = _typed(facts["name"], (str,), "name")
    prefix = _typed(facts["prefix"], (str,), "prefix")
    whole = set(_column(facts, "whole_url", (int,)))
    other = _typed(facts["other_hashes"], (dict,), "other_hashes")
    columns = (
        _column(facts, "filename", (str,)), _column(facts, "dir", (str,)),
        _column(facts, "sha256", (str, _NONE)), _column(facts, "requires_python", (str, _NONE)),
        _column(facts, "size", (int, _NONE)), _column(facts, "yanked", (bool, str)),
        _column(facts, "core_metadata", (bool, dict)),
    )
    if len({len(c) for c in columns}) > 1:
        raise ValueError("damaged page-facts record (columns of different lengths)")
    files = []
    for index, (filename, directory, sha256, requires, size, yanked, metadata) in enumerate(zip(*columns)):
        hashes = _hashes(other[str(index)]) if str(index) in other else {}
        if sha256:
            hashes["sha256"] = sha256
        files.append(DistFile(
            filename=filename,
            url=prefix + directory if index in whole else prefix + directory + filename,
            project=name,
            hashes=hashes,
            requires_python=requires,
            size=size,
            yanked=bool(yanked),
            yanked_reason=yanked if type(yanked) is str else None,
            core_metadata=bool(metadata),
            core_metadata_hashes=_hashes(metadata) if type(metadata) is dict else {},
        ))
    versions = tuple(_column(facts, "versions", (str,)))
    return Project(name, _typed(facts["index_url"], (str,), "index_url"), tuple(files), versions)


def _hashes(value: object) -> dict[str, str]:
    if type(value) is not dict or not all(type(v) is str for v in value.values()):
        raise ValueError("damaged page-facts record (hashes)")
    return dict(value)


def parse_project_page(body: bytes, page_url: str, name: str) -> Project:
    """A Project from a JSON or HTML simple-API page; EnvironmentFailure if unreadable."""
    canonical = canonicalize_name(name)
    index_url = page_url.rstrip("/").rpartition("/")[0]
    if body.lstrip()[:1] == b"{":
        return _parse_json_page(body, page_url, canonical, index_url)
    return _parse_html_page(body, page_url, canonical, index_url)


def _parse_json_page(body: bytes, page_url: str, name: str, index_url: str) -> Project:
    try:
        page = json.loads(body)
        api_version = str(page.get("meta", {}).get("api-version", "1.0"))
        if api_version.split(".")[0] != "1":
            raise ValueError(f"unsupported simple API version {api_version}")
        files = tuple(_json_file(entry, page_url, name) for entry in page["files"])
        versions = tuple(str(v) for v in page.get("versions", ()))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise EnvironmentFailure(f"{redact(page_url)}: not a readable simple-API page ({exc})") from None
    return Project(name, index_url, files, versions)


def _json_file(entry: Mapping, page_url: str, project: str) -> DistFile:
    yanked = entry.get("yanked", False)
    # PEP 714 renamed dist-info-metadata to core-metadata; read either.
    metadata = entry.get("core-metadata", entry.get("dist-info-metadata", False))
    return DistFile(
        filename=entry["filename"],
        url=_absolute(page_url, entry["url"]),
        project=project,
        hashes={k.lower(): v for k, v in (entry.get("hashes") or {}).items()},
        requires_python=entry.get("requires-python") or None,
        size=entry.get("size"),
        yanked=bool(yanked),
        yanked_reason=yanked if isinstance(yanked, str) and yanked else None,
        upload_time=entry.get("upload-time"),
        core_metadata=bool(metadata),
        core_metadata_hashes=dict(metadata) if isinstance(metadata, dict) else {},
    )


class _AnchorCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.base: str | None = None
        self.anchors: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "base" and self.base is None:
            self.base = dict(attrs).get("href")
        elif tag == "a":
            self.anchors.append(dict(attrs))


def _parse_html_page(body: bytes, page_url: str, name: str, index_url: str) -> Project:
    collector = _AnchorCollector()
    try:
        collector.feed(body.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise EnvironmentFailure(f"{redact(page_url)}: not a readable simple-API page ({exc})") from None
    base = urljoin(page_url, collector.base) if collector.base else page_url
    files = []
    for attrs in collector.anchors:
        href = attrs.get("href")
        if not href:
            continue
        url, _, fragment = urljoin(base, href).partition("#")
        hashes = dict([fragment.split("=", 1)]) if "=" in fragment else {}
        metadata = attrs.get("data-core-metadata", attrs.get("data-dist-info-metadata"))
        metadata_hashes = dict([metadata.split("=", 1)]) if metadata and "=" in metadata else {}
        files.append(
            DistFile(
                filename=unquote(urlsplit(url).path.rpartition("/")[2]),
                url=url,
                project=name,
                hashes={k.lower(): v for k, v in hashes.items()},
                requires_python=attrs.get("data-requires-python") or None,
                yanked="data-yanked" in attrs,
                yanked_reason=attrs.get("data-yanked") or None,
                core_metadata=metadata is not None and metadata != "false",
                core_metadata_hashes={k.lower(): v for k, v in metadata_hashes.items()},
            )
        )
    return Project(name, index_url, tuple(files))


def _absolute(page_url: str, url: str) -> str:
    # Most indexes give absolute URLs: skip urljoin, the cost of a 4000-file page.
    if not url.startswith(("https://", "http://")):
        url = urljoin(page_url, url)
    return url.partition("#")[0]


# -- reading metadata out of archives (pure) -------------------------------


#: a METADATA larger than this is refused: real ones, long READMEs included, stay under 1 MiB
MAX_METADATA_BYTES = 16 << 20
#: members of an sdist read before its PKG-INFO is found (plan.evidence reads at most as many)
MAX_SDIST_MEMBERS = 200_000


def wheel_metadata_bytes(stream: BinaryIO, filename: str, project: str) -> bytes:
    """The METADATA of the wheel's one ``<name>-<version>.dist-info`` directory.

    The archive is opened through :func:`apkneed.binary.zipread.open_zip`
    (claimed sizes and names checked first) and the member inflated through
    :func:`~apkneed.binary.zipread.read_member`, which never yields more than
    the checked claimed size. Whatever the bytes, the outcome is the METADATA
    or one :class:`EnvironmentFailure` (the index served an unusable file).
    """
    try:
        with open_zip(stream, source=filename) as wheel:
            candidates = {
                info.filename
                for info in wheel.infolist()
                if info.filename.count("/") == 1 and info.filename.endswith(".dist-info/METADATA")
            }
            matching = [n for n in candidates if canonicalize_name(n.split("-")[0]) == canonicalize_name(project)]
            chosen = matching or sorted(candidates)
            if not chosen:
                raise EnvironmentFailure(f"no .dist-info/METADATA in the wheel of {project}")
            return _capped_zip_member(wheel, wheel.getinfo(chosen[0]), filename)
    except (ZipError, MemberError) as exc:
        raise EnvironmentFailure(f"{filename}: not a readable wheel ({exc})") from None


def _capped_zip_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, filename: str) -> bytes:
    if info.file_size > MAX_METADATA_BYTES:
        raise EnvironmentFailure(
            f"{filename}: {info.filename} claims {info.file_size} bytes (limit {MAX_METADATA_BYTES}); refused"
        )
    return read_member(archive, info, ZipLimits())


# What tarfile and its decompressors raise on damaged archives: gzip raises
# BadGzipFile (an OSError) or zlib.error, bz2 OSError, xz LZMAError; a damaged
# header can surface as ValueError or UnicodeDecodeError.
_TAR_FAILURES = (tarfile.TarError, EOFError, OSError, zlib.error, lzma.LZMAError, ValueError)


def sdist_metadata_bytes(data: bytes, filename: str) -> bytes:
    """The top-level PKG-INFO of an sdist archive (capped like a wheel's METADATA).

    Whatever the bytes, the outcome is the PKG-INFO or one
    :class:`EnvironmentFailure`.
    """
    if filename.lower().endswith(".zip"):
        try:
            with open_zip(io.BytesIO(data), source=filename) as archive:
                infos = [i for i in archive.infolist() if i.filename.count("/") == 1 and i.filename.endswith("/PKG-INFO")]
                if infos:
                    return _capped_zip_member(archive, infos[0], filename)
        except (ZipError, MemberError) as exc:
            raise EnvironmentFailure(f"{filename}: unreadable sdist ({exc})") from None
        raise EnvironmentFailure(f"{filename}: no PKG-INFO in the sdist")
    try:
        with tarfile.open(fileobj=io.BytesIO(data)) as archive:
            for count, member in enumerate(archive, start=1):
                if count > MAX_SDIST_MEMBERS:  # tarfile keeps every header it has read
                    raise EnvironmentFailure(f"{filename}: more than {MAX_SDIST_MEMBERS} members before PKG-INFO; refused")
                if member.isfile() and member.name.count("/") == 1 and member.name.endswith("/PKG-INFO"):
                    if member.size > MAX_METADATA_BYTES:
                        raise EnvironmentFailure(
                            f"{filename}: {member.name} claims {member.size} bytes "
                            f"(limit {MAX_METADATA_BYTES}); refused"
                        )
                    extracted = archive.extractfile(member)
                    if extracted is not None:
                        return extracted.read(MAX_METADATA_BYTES)
    except _TAR_FAILURES as exc:
        raise EnvironmentFailure(f"{filename}: unreadable sdist ({exc})") from None
    raise EnvironmentFailure(f"{filename}: no PKG-INFO in the sdist")


def parse_metadata(data: bytes, origin: str) -> Metadata:
    try:
        metadata = Metadata.from_email(data, validate=False)
        metadata.name, metadata.version  # the two fields every use needs: fail here, clearly
    except Exception as exc:  # packaging raises InvalidMetadata or an ExceptionGroup
        raise EnvironmentFailure(f"{origin}: unreadable core metadata ({exc})") from None
    return metadata


# -- the client (IO) ---------------------------------------------------------


#: whole files a client keeps in memory when it does not store them (bytes)
MEMO_LIMIT = 64 * 1024 * 1024


class PyPIClient:
    """See the module docstring."""

    def __init__(
        self,
        index_url: str | None = None,
        cache_root: Path | None = None,
        client: httpx.Client | None = None,
        progress: ProgressCallback | None = None,
        *,
        warn: Callable[[str], None] | None = None,
        max_age: float = DEFAULT_MAX_AGE,
        retries: int = 3,
        backoff: float = 0.5,
        deadline: float = DEFAULT_DEADLINE,
        keep_files: bool | None = None,
    ) -> None:
        config = index_config(index_url)
        self.index_url = config.index_url
        self.config = config
        if client is None:
            # Built here, not in make_client, so that a bad CA bundle names its source.
            verify = _ssl_context(config.verify, config.verify_source)
            client = make_client(verify=verify)
        self._client = client
        root = cache_root if cache_root is not None else default_cache_root() / "pypi"
        try:  # a cache root that is a file fails here, not on uv's requests (which it retries)
            os.makedirs(root, exist_ok=True)
        except OSError as exc:
            raise EnvironmentFailure(unwritable_cache(exc) or f"cannot make the cache directory {root}: "
                                     f"{exc.strerror or exc}") from None
        self._pages = RevalidatingCache(root / "pages")
        self._store = ContentStore(root / "files")
        if keep_files is None:
            keep_files = os.environ.get("APKNEED_KEEP_WHEELS", "") not in ("", "0")
        self._keep_files = keep_files
        self._memo: dict[str, bytes] = {}  # files of this client's life (not kept on disk)
        self._memo_lock = threading.Lock()  # plans read files on several threads
        self._unverified = root / "unverified-metadata"
        self._progress = progress
        self._warn = warn
        self._max_age = max_age
        self._retries = retries
        self._backoff = backoff
        self._deadline = deadline  # per request, retries included (see net.http)
        self._projects: dict[str, Project] = {}
        # uv's requests (python.local_index) and the plan's threads ask at once: one fetch per page
        self._project_locks: dict[str, threading.Lock] = {}
        self._count_lock = threading.Lock()
        self.warnings: list[str] = []
        self.bytes_downloaded = 0

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> PyPIClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- pages ------------------------------------------------------------

    def project(self, name: str) -> Project:
        try:
            canonical = canonicalize_name(name, validate=True)
        except InvalidName:
            raise InputError(f"not a valid project name: {name!r}") from None
        known = self._projects.get(canonical)
        if known is not None:
            return known
        with self._memo_lock:
            lock = self._project_locks.setdefault(canonical, threading.Lock())
        with lock:
            if canonical not in self._projects:
                self._projects[canonical] = self._fetch_project(canonical)
        return self._projects[canonical]

    def versions(self, name: str) -> tuple[Version, ...]:
        project = self.project(name)
        found: set[Version] = {v for f in project.files if (v := f.version) is not None}
        for text in project.versions:
            try:
                found.add(Version(text))
            except InvalidVersion:
                continue
        return tuple(sorted(found))

    def files(self, name: str, version: str | Version) -> tuple[DistFile, ...]:
        wanted = Version(str(version))
        return tuple(f for f in self.project(name).files if f.version == wanted)

    def _fetch_project(self, name: str) -> Project:
        url = f"{self.index_url}/{name}/"
        cached = self._pages.load(url)
        cached_project = None
        if cached is not None:
            try:
                cached_project = _stored_project(cached[0], url, name)
            except (EnvironmentFailure, ValueError, zlib.error):
                self._pages.drop(url)  # unreadable: as good as absent
                cached = None
        if cached_project is not None and time.time() - cached[1].get("stored_at", 0) < self._max_age:
            return cached_project
        headers = {"Accept": SIMPLE_ACCEPT}
        if cached is not None:
            headers.update(revalidation_headers(cached[1]))
        try:
            response = self._request(url, headers, max_bytes=MAX_PAGE_BYTES)
        except EnvironmentFailure as exc:
            if cached is None:
                raise
            age = time.strftime("%Y-%m-%d %H:%M", time.localtime(cached[1].get("stored_at", 0)))
            self._warning(f"{exc}; using the page of {name} cached at {age}")
            return dataclasses.replace(cached_project, stale=True)
        if response.status_code == 304 and cached is not None:
            # Still current: store again so the freshness window restarts (kept facts as they are,
            # an older cache's page as facts).
            stored = cached[0] if cached[0].startswith(_FACTS_MAGIC) else pack_project(cached_project)
            self._pages.store(url, stored, _validators(cached[1]))
            return cached_project
        if response.status_code == 404:
            raise InputError(f"no such project on {redact(self.index_url)}: {name}")
        if response.status_code != 200:
            raise HTTPStatusFailure(redact(url), response.status_code)
        project = parse_project_page(response.content, url, name)
        self._pages.store(url, pack_project(project), response.headers)
        return project

    # -- files ------------------------------------------------------------

    def download(self, file: DistFile) -> bytes:
        """The whole file, checked against the index's sha256 (cached when it has one)."""
        if file.sha256:
            cached = self._cached_file(file.sha256)
            if cached is not None:
                return cached
        # The index's size (when it gives one) bounds the body: more is not the file.
        response = self._request(file.url, None, max_bytes=file.size)
        if response.status_code != 200:
            raise HTTPStatusFailure(file.url, response.status_code)
        data = response.content
        _check_hashes(data, file.hashes, file.url)
        if file.sha256:
            self._keep_file(data)
        return data

    def _cached_file(self, sha256: str) -> bytes | None:
        memo = self._memo.get(sha256.lower())
        return memo if memo is not None else self._store.get(sha256)

    def _keep_file(self, data: bytes) -> None:
        """A whole, verified file: on disk with keep_files, else in memory for this client's life."""
        if self._keep_files:
            self._store.put(data)
            return
        if len(data) > MEMO_LIMIT:
            return
        digest = hashlib.sha256(data).hexdigest()
        with self._memo_lock:
            self._memo[digest] = data
            while sum(map(len, self._memo.values())) > MEMO_LIMIT:
                del self._memo[next(iter(self._memo))]

    def open(self, file: DistFile) -> io.RawIOBase | io.BytesIO:
        """A seekable binary file: the cached copy, else range requests (see module docstring)."""
        if file.sha256:
            cached = self._cached_file(file.sha256)
            if cached is not None:
                return io.BytesIO(cached)
        return RangeFile(
            self._client, file.url, size=file.size, sha256=file.sha256,
            retries=self._retries, backoff=self._backoff, progress=self._progress,
            on_verified=self._keep_file, deadline=self._deadline,
        )

    def metadata(self, file: DistFile) -> Metadata:
        """The file's core metadata, read without downloading a wheel (module docstring)."""
        return parse_metadata(self.metadata_bytes(file), file.filename)

    def metadata_bytes(self, file: DistFile) -> bytes:
        if file.sha256:
            whole = self._cached_file(file.sha256)
            if whole is not None:
                return self._metadata_from_whole(file, whole)
        verified_sha = file.core_metadata_hashes.get("sha256")
        if file.core_metadata and verified_sha:
            cached = self._store.get(verified_sha)
            if cached is not None:
                return cached
        unverified_path = self._unverified / f"{file.sha256 or hashlib.sha256(file.url.encode()).hexdigest()}.METADATA"
        if not verified_sha:
            kept = _read_unverified(unverified_path)
            if kept is not None:
                return kept

        if file.core_metadata:
            response = self._request(file.url + ".metadata", None, max_bytes=MAX_METADATA_BYTES)
            if response.status_code == 200:
                data = response.content
                if file.core_metadata_hashes:
                    _check_hashes(data, file.core_metadata_hashes, file.url + ".metadata")
                    self._store.put(data)
                else:
                    atomic_write(unverified_path, _pack_metadata(data))
                return data
            self._warning(f"{file.url}.metadata: HTTP {response.status_code}; reading the file instead")
        if file.is_wheel:
            data = self._metadata_by_range(file)
            atomic_write(unverified_path, _pack_metadata(data))
            return data
        return self._metadata_from_whole(file, self.download(file))

    def _metadata_by_range(self, file: DistFile) -> bytes:
        remote = self.open(file)
        try:
            return wheel_metadata_bytes(remote, file.filename, file.project)
        finally:
            if isinstance(remote, RangeFile):
                with self._count_lock:
                    self.bytes_downloaded += remote.bytes_downloaded

    def _metadata_from_whole(self, file: DistFile, data: bytes) -> bytes:
        if file.is_wheel:
            return wheel_metadata_bytes(io.BytesIO(data), file.filename, file.project)
        return sdist_metadata_bytes(data, file.filename)

    # -- plumbing ---------------------------------------------------------

    def _request(self, url: str, headers: Mapping[str, str] | None, *, max_bytes: int | None = None) -> httpx.Response:
        response = request(
            self._client, "GET", url, headers=headers, retries=self._retries,
            backoff=self._backoff, progress=self._progress, deadline=self._deadline, max_bytes=max_bytes,
        )
        with self._count_lock:
            self.bytes_downloaded += len(response.content)
        return response

    def _warning(self, message: str) -> None:
        self.warnings.append(message)
        if self._warn is not None:
            self._warn(message)


def _ssl_context(verify: str | bool, source: str) -> ssl.SSLContext | bool:
    """net.http's TLS setting for ``verify``; a CA bundle that does not load names its source."""
    try:
        return tls_verification(verify)
    except (ssl.SSLError, OSError) as exc:
        raise InputError(f"CA bundle {verify} (from {source}) is not usable: {exc}") from None


def _check_hashes(data: bytes, hashes: Mapping[str, str], url: str) -> None:
    """Refuse ``data`` unless it matches the index's sha256 (the hash pip trusts too)."""
    expected = hashes.get("sha256")
    if expected:
        check_sha256(data, expected, url)


#: unverified METADATA is kept deflated (a third of its size: long descriptions compress well)
_METADATA_MAGIC = b"apkneed-deflated-metadata 1\n"


def _pack_metadata(data: bytes) -> bytes:
    return _METADATA_MAGIC + zlib.compress(data, 6)


def _read_unverified(path: Path) -> bytes | None:
    """Kept unverified METADATA (deflated, or as an older version kept it); None if absent or damaged."""
    try:
        stored = path.read_bytes()
    except OSError:
        return None
    if not stored.startswith(_METADATA_MAGIC):
        return stored
    inflater = zlib.decompressobj()
    try:
        data = inflater.decompress(stored[len(_METADATA_MAGIC):], MAX_METADATA_BYTES + 1)
    except zlib.error:
        data = None
    if data is None or len(data) > MAX_METADATA_BYTES or not inflater.eof:
        path.unlink(missing_ok=True)  # damaged (or not ours): read again from the index
        return None
    return data


def _stored_project(stored: bytes, url: str, name: str) -> Project:
    """A page store entry: facts (this version), else a page an older version kept whole."""
    if stored.startswith(_FACTS_MAGIC):
        return unpack_project(stored)
    return parse_project_page(_unpack_page(stored), url, name)


def _validators(meta: Mapping[str, object]) -> dict[str, str]:
    pairs = {"ETag": meta.get("etag"), "Last-Modified": meta.get("last_modified")}
    return {k: str(v) for k, v in pairs.items() if v}


