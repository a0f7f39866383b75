"""A large archive member as a seekable file, in bounded memory.

ELF readers read the headers, string and symbol tables near the start of a
file and the dynamic section or section headers further on. A member of a
zip or of a compressed tar can only be inflated forwards, and a 1 GiB member
must not be inflated into memory. :class:`HeadCachedStream` keeps the
member's first bytes (the ``head``) and serves everything else from one
forward stream, reopened only when a read goes backwards past the head.
Memory stays at the head's size whatever the member's size.

``reopen()`` returns a fresh stream of the member positioned at its start;
the stream must support ``seek`` forwards (``zipfile``'s and ``tarfile``'s
member streams do; ``seek`` is how bytes are skipped, so a tar member
over a compressed archive is not rewound to skip them).
"""

from __future__ import annotations

import io
from typing import BinaryIO, Callable


class HeadCachedStream(io.RawIOBase):
    """A read-only, seekable view of a member: ``head`` cached, the rest streamed."""

    def __init__(self, reopen: Callable[[], BinaryIO], size: int, head: bytes) -> None:
        super().__init__()
        self._reopen, self._size, self._head = reopen, size, head
        self._position = 0
        self._stream: BinaryIO | None = None
        self._stream_position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._size}[whence]
        self._position = max(0, base + offset)
        return self._position

    def read(self, size: int | None = -1) -> bytes:
        end = self._size if size is None or size < 0 else min(self._size, self._position + size)
        if self._position >= end:
            return b""
        if end <= len(self._head):
            data = self._head[self._position : end]
        else:
            data = self._read_stream(self._position, end - self._position)
        self._position += len(data)
        return data

    def readinto(self, buffer) -> int:  # type: ignore[override]
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def _read_stream(self, start: int, length: int) -> bytes:
        if self._stream is None or self._stream_position > start:
            if self._stream is not None:
                self._stream.close()
            self._stream = self._reopen()
            self._stream_position = 0
        if self._stream_position < start:
            self._stream.seek(start)  # forwards only: inflates and drops, in bounded chunks
            self._stream_position = start
        data = self._stream.read(length)
        self._stream_position += len(data)
        return data

    def close(self) -> None:
        if self._stream is not None:
            self._stream.close()
            self._stream = None
        super().close()
