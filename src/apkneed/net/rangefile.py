"""A seekable, read-only file over HTTP range requests.

``zipfile`` reads a wheel's end: the end-of-central-directory record, then
the central directory, then only the members it is asked for. Over a
:class:`RangeFile` that costs a few small requests instead of downloading a
100 MB wheel to read its METADATA or one ``.so`` file's ELF header.

How bytes are fetched:

* The file is cut into aligned blocks (64 KiB by default); a read fetches
  its missing blocks, each run of consecutive missing blocks in ONE request
  (``Range: bytes=a-b``). Fetched blocks are kept, so re-reads are free.
* The first read that touches the file's last block also fetches the blocks
  before it (256 KiB by default): that is where a zip keeps its directory.
* When the size is not given, one suffix request (``bytes=-N``) learns it
  from ``Content-Range``.
* A server that ignores ranges (answers ``200`` with the whole body) costs
  one full download, used as is. A server that answers ``206`` with a wrong
  ``Content-Range`` or a short body is not trusted: the file is downloaded
  whole instead, and :attr:`RangeFile.fallback_reason` says why. A ``206``
  is taken as proof of range support even without ``Accept-Ranges: bytes``.
* :attr:`RangeFile.bytes_downloaded` counts every body byte received,
  discarded ones included: the benchmarks report it.

Integrity: bytes read by range cannot be checked against the file's sha256,
because the hash covers the whole file. When the sha256 is known and every
block has been fetched (or the file came whole), the content is verified:
a mismatch raises :class:`IntegrityError` on that read and on every read
after it, and ``on_verified`` is only ever called with verified bytes. The
PyPI client stores a file in its content store only through that callback,
so partially read bytes never become a cached, "verified" blob.
"""

from __future__ import annotations

import io
import re
from typing import Callable

import httpx

from apkneed.errors import IntegrityError
from apkneed.net.http import DEFAULT_DEADLINE, HTTPStatusFailure, ProgressCallback, check_sha256, request

DEFAULT_BLOCK_SIZE = 64 * 1024
DEFAULT_TAIL_SIZE = 256 * 1024

_CONTENT_RANGE = re.compile(r"^\s*bytes\s+(\d+)-(\d+)/(\d+|\*)\s*$", re.IGNORECASE)


class _UntrustedRange(Exception):
    """A 206 answer that does not describe the bytes asked for."""


class RangeFile(io.RawIOBase):
    """Read-only, seekable view of ``url``; see the module docstring."""

    def __init__(
        self,
        client: httpx.Client,
        url: str,
        *,
        size: int | None = None,
        sha256: str | None = None,
        block_size: int = DEFAULT_BLOCK_SIZE,
        tail_size: int = DEFAULT_TAIL_SIZE,
        retries: int = 3,
        backoff: float = 0.5,
        progress: ProgressCallback | None = None,
        on_verified: Callable[[bytes], None] | None = None,
        deadline: float = DEFAULT_DEADLINE,
    ) -> None:
        super().__init__()
        if block_size <= 0:
            raise ValueError("block_size must be positive")
        self.url = url
        self.sha256 = sha256.lower() if sha256 else None
        self.bytes_downloaded = 0
        self.ranges_supported: bool | None = None  # None until the server has answered
        self.fallback_reason: str | None = None
        self.verified = False
        self._client = client
        self._size = size
        self._block_size = block_size
        self._tail_blocks = max(1, tail_size // block_size)
        self._retries = retries
        self._backoff = backoff
        self._deadline = deadline  # per request (see net.http)
        self._progress = progress
        self._on_verified = on_verified
        self._blocks: dict[int, bytes] = {}
        self._whole: bytes | None = None
        self._integrity_problem: str | None = None
        self._pos = 0

    # -- io.RawIOBase -----------------------------------------------------

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_SET:
            pos = offset
        elif whence == io.SEEK_CUR:
            pos = self._pos + offset
        elif whence == io.SEEK_END:
            pos = self.size + offset
        else:
            raise ValueError(f"invalid whence: {whence}")
        if pos < 0:
            raise OSError(f"negative seek position {pos}")
        self._pos = pos
        return pos

    def readinto(self, buffer) -> int:  # type: ignore[override]
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def read(self, size: int | None = -1) -> bytes:
        start = self._pos
        stop = self.size if size is None or size < 0 else min(self.size, start + size)
        if start >= stop:
            return b""
        data = self._read_range(start, stop)
        self._pos = stop
        return data

    def readall(self) -> bytes:
        return self.read(-1)

    # -- public extras ----------------------------------------------------

    @property
    def size(self) -> int:
        if self._size is None:
            self._probe_size()
        assert self._size is not None
        return self._size

    @property
    def complete(self) -> bool:
        """True when every byte of the file is held (and verified, if a sha256 was given)."""
        if self._whole is not None:
            return True
        return self._size is not None and len(self._blocks) == self._block_count()

    # -- fetching ---------------------------------------------------------

    def _read_range(self, start: int, stop: int) -> bytes:
        self._ensure(start, stop)
        if self._whole is not None:
            return self._whole[start:stop]
        bs = self._block_size
        first, last = start // bs, (stop - 1) // bs
        joined = b"".join(self._blocks[i] for i in range(first, last + 1))
        offset = start - first * bs
        return joined[offset : offset + (stop - start)]

    def _ensure(self, start: int, stop: int) -> None:
        self._raise_if_poisoned()
        if self._whole is not None:
            return
        bs = self._block_size
        first, last = start // bs, (stop - 1) // bs
        if not self._blocks and last == self._block_count() - 1:
            # A first look at the end of the file: take the zip directory along.
            first = max(0, min(first, last - self._tail_blocks + 1))
        missing = [i for i in range(first, last + 1) if i not in self._blocks]
        for run_first, run_last in _runs(missing):
            self._fetch_blocks(run_first, run_last)
            if self._whole is not None:
                break
        self._verify_if_complete()

    def _fetch_blocks(self, first: int, last: int) -> None:
        bs = self._block_size
        byte_first, byte_last = first * bs, min((last + 1) * bs, self.size) - 1
        response = self._get({"Range": f"bytes={byte_first}-{byte_last}"})
        if response.status_code == 200:
            self._take_whole(response.content, "the server ignored the Range header (HTTP 200)")
            return
        if response.status_code != 206:
            if response.status_code == 416:
                self._download_whole(f"the server refused bytes={byte_first}-{byte_last} (HTTP 416)")
                return
            raise HTTPStatusFailure(self.url, response.status_code)
        try:
            self._check_partial(response, byte_first, byte_last)
        except _UntrustedRange as exc:
            self._download_whole(str(exc))
            return
        self.ranges_supported = True
        body = response.content
        for index in range(first, last + 1):
            self._blocks[index] = body[(index - first) * bs : (index - first + 1) * bs]

    def _probe_size(self) -> None:
        """Learn the size with one suffix request, keeping the whole blocks it brings."""
        response = self._get({"Range": f"bytes=-{self._tail_blocks * self._block_size}"})
        if response.status_code == 200:
            self._take_whole(response.content, "the server ignored the Range header (HTTP 200)")
            return
        if response.status_code == 416:  # an empty file has no suffix to give
            self._download_whole("the server refused a suffix range (HTTP 416)")
            return
        if response.status_code != 206:
            raise HTTPStatusFailure(self.url, response.status_code)
        match = _CONTENT_RANGE.match(response.headers.get("Content-Range", ""))
        body = response.content
        if not match or match.group(3) == "*" or int(match.group(2)) - int(match.group(1)) + 1 != len(body):
            self._download_whole(
                f"untrusted answer to a suffix range: Content-Range {response.headers.get('Content-Range')!r}"
                f" with {len(body)} bytes"
            )
            return
        start, total = int(match.group(1)), int(match.group(3))
        if int(match.group(2)) != total - 1:
            self._download_whole(f"suffix range did not end at the end of the file: {match.group(0)!r}")
            return
        self.ranges_supported = True
        self._size = total
        bs = self._block_size
        # Keep only whole aligned blocks (and the short last one).
        for index in range(-(-start // bs), self._block_count()):
            lo = index * bs - start
            self._blocks[index] = body[lo : lo + bs]

    def _download_whole(self, reason: str) -> None:
        self.fallback_reason = reason
        response = self._get(None)
        if response.status_code != 200:
            raise HTTPStatusFailure(self.url, response.status_code)
        self._take_whole(response.content, reason)

    def _take_whole(self, body: bytes, reason: str) -> None:
        if self.fallback_reason is None:
            self.fallback_reason = reason
        if self.ranges_supported is None:
            self.ranges_supported = False
        if self._size is not None and len(body) != self._size:
            # The size came from the index: a different body is not the file it named.
            raise IntegrityError(f"{self.url}: expected {self._size} bytes, the server sent {len(body)}; refused")
        self._size = len(body)
        self._whole = body
        self._blocks.clear()

    def _get(self, headers: dict[str, str] | None) -> httpx.Response:
        # Any answer (a range, or the whole file from a server that ignores
        # ranges) is at most the file's size when the index gave it: a server
        # sending more is cut there instead of filling memory.
        response = request(
            self._client, "GET", self.url, headers=headers, retries=self._retries,
            backoff=self._backoff, progress=self._progress, deadline=self._deadline, max_bytes=self._size,
        )
        self.bytes_downloaded += len(response.content)
        return response

    def _check_partial(self, response: httpx.Response, first: int, last: int) -> None:
        header = response.headers.get("Content-Range", "")
        match = _CONTENT_RANGE.match(header)
        body = response.content
        if not match:
            raise _UntrustedRange(f"asked for bytes={first}-{last}, got Content-Range {header!r}")
        got_first, got_last, total = int(match.group(1)), int(match.group(2)), match.group(3)
        if (got_first, got_last) != (first, last):
            raise _UntrustedRange(f"asked for bytes={first}-{last}, got Content-Range {header!r}")
        if total != "*" and int(total) != self.size:
            raise _UntrustedRange(f"Content-Range {header!r} disagrees with the size {self.size}")
        if len(body) != last - first + 1:
            raise _UntrustedRange(f"asked for bytes={first}-{last}, got a body of {len(body)} bytes")

    # -- integrity --------------------------------------------------------

    def _verify_if_complete(self) -> None:
        # Without a sha256 there is nothing to verify: never join the blocks
        # (this runs on every read, and such a file never becomes "verified").
        if self.verified or self.sha256 is None or not self.complete:
            return
        data = self._whole if self._whole is not None else b"".join(
            self._blocks[i] for i in range(self._block_count())
        )
        try:
            check_sha256(data, self.sha256, self.url)
        except IntegrityError as exc:
            # Poisoned: this read and every later one raise the same error.
            self._integrity_problem = str(exc)
            self._whole = None
            self._blocks.clear()
            raise
        self.verified = True
        if self._on_verified is not None:
            self._on_verified(data)

    def _raise_if_poisoned(self) -> None:
        if self._integrity_problem is not None:
            raise IntegrityError(self._integrity_problem)

    def _block_count(self) -> int:
        return -(-self.size // self._block_size)


def _runs(indexes: list[int]) -> list[tuple[int, int]]:
    """Consecutive runs in a sorted list: [1, 2, 3, 7, 8] -> [(1, 3), (7, 8)]."""
    runs: list[tuple[int, int]] = []
    for i in indexes:
        if runs and runs[-1][1] == i - 1:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return runs
