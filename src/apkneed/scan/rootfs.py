"""The one door to a root filesystem: a directory, or a tar archive read in place.

A scan never asks the host to follow a symlink. It asks a :class:`RootFS`
for one entry at a time (``lstat``), and :mod:`apkneed.scan.paths` does the
following, inside the root. The door has four operations:

``lstat(path) -> Node | None``
    The entry at an absolute in-root path (``/usr/lib/libz.so.1``) whose
    parent directories are real directories (the resolver guarantees it).
    ``None`` when nothing is there; ``PermissionError`` when the entry cannot
    be looked at.
``listdir(path) -> list[(name, Node)]``
    The entries of a real directory.
``peek(path, length) -> (bytes, size)``
    The first ``length`` bytes of a regular file and its size: enough to tell
    an ELF file, without a stream object (the walk calls it thousands of times).
``open(path) -> BinaryIO``
    A seekable stream of a regular file. Every byte read through ``peek`` and
    ``open`` is counted in ``counter``.
``read_order(paths) -> list``
    The order in which to read many files cheaply (a compressed tar can only
    be read forwards).

:class:`DirRoot` serves an unpacked root (a ``docker export`` unpacked, a
chroot, ``/`` in a container); :class:`TarRoot` serves a ``.tar`` (seeking in
place) or a compressed tar (``.tar.gz``/``.tgz``, ``.tar.xz``, ``.tar.bz2``:
one pass to list it, then files read in archive order). Neither writes
anything to disk.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import posixpath
import stat
import tarfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Iterable, Protocol

from apkneed.binary.headcache import HeadCachedStream
from apkneed.errors import InputError

FILE, DIR, SYMLINK, OTHER = "file", "dir", "symlink", "other"

#: a root archive with more members than this is refused (a large image holds ~200,000)
MAX_TAR_MEMBERS = 2_000_000
#: how much of a compressed tar's member is kept in memory: its head, where an ELF
#: file's headers and dynamic section are; the rest is streamed (HeadCachedStream)
MEMBER_HEAD_BYTES = 4 << 20
#: errors tarfile and the decompressors raise on a damaged or truncated archive
#: (the image reader, :mod:`apkneed.scan.image`, reads layers with them too)
TAR_FAILURES = (tarfile.TarError, EOFError, zlib.error, lzma.LZMAError)
_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
# A FIFO swapped in for a file must not block the scan.
_O_NONBLOCK = getattr(os, "O_NONBLOCK", 0)


@dataclass(frozen=True)
class Node:
    """One directory entry, not followed."""

    kind: str  # FILE, DIR, SYMLINK or OTHER
    size: int | None = 0  # None: not asked for (a directory listing does not stat)
    target: str | None = None  # what a symlink says, verbatim
    #: the same value for hard links to one file ((st_dev, st_ino), or a tar member name)
    identity: object = None


@dataclass
class ReadCounter:
    """Bytes read through ``open()`` streams (the scan reports them)."""

    bytes_read: int = 0


class RootFS(Protocol):
    label: str
    counter: ReadCounter
    #: entries the door refused to serve (a tar member climbing out with ``..``)
    refused: list[tuple[str, str]]

    def lstat(self, path: str) -> Node | None: ...

    def listdir(self, path: str) -> list[tuple[str, Node]]: ...

    def peek(self, path: str, length: int) -> tuple[bytes, int]: ...

    def open(self, path: str) -> BinaryIO: ...

    def read_order(self, paths: Iterable[str]) -> list[str]: ...

    def close(self) -> None: ...


class CountingStream(io.RawIOBase):
    """A seekable read-only stream that adds what it reads to a counter."""

    def __init__(self, raw: BinaryIO, counter: ReadCounter) -> None:
        self._raw = raw
        self._counter = counter

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size)
        self._counter.bytes_read += len(data)
        return data

    def readinto(self, buffer) -> int:  # pragma: no cover - read() is what callers use
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._raw.seek(offset, whence)

    def tell(self) -> int:
        return self._raw.tell()

    def close(self) -> None:
        try:
            self._raw.close()
        finally:
            super().close()


def _node_from_stat(st: os.stat_result, target: str | None = None) -> Node:
    mode = st.st_mode
    if stat.S_ISREG(mode):
        kind = FILE
    elif stat.S_ISDIR(mode):
        kind = DIR
    elif stat.S_ISLNK(mode):
        kind = SYMLINK
    else:
        kind = OTHER
    return Node(kind, st.st_size, target, (st.st_dev, st.st_ino))


class DirRoot:
    """An unpacked root filesystem on the host, never left."""

    def __init__(self, path: Path) -> None:
        self.host = os.path.abspath(path)
        self.label = str(path)
        self.counter = ReadCounter()
        self.refused: list[tuple[str, str]] = []

    def _host(self, path: str) -> str:
        # In-root paths are absolute; the host path is ROOT + path. The
        # resolver only passes paths whose parents it verified as directories.
        return self.host if path == "/" else self.host.rstrip("/") + path

    def lstat(self, path: str) -> Node | None:
        host = self._host(path)
        try:
            st = os.lstat(host)
        except (FileNotFoundError, NotADirectoryError):
            return None
        target = os.readlink(host) if stat.S_ISLNK(st.st_mode) else None
        return _node_from_stat(st, target)

    def listdir(self, path: str) -> list[tuple[str, Node]]:
        # The entry types come with the listing (d_type): no stat per entry.
        out = []
        with os.scandir(self._host(path)) as entries:
            for entry in entries:
                try:
                    if entry.is_symlink():
                        node = Node(SYMLINK, None, os.readlink(entry.path))
                    elif entry.is_dir(follow_symlinks=False):
                        node = Node(DIR, None)
                    elif entry.is_file(follow_symlinks=False):
                        node = Node(FILE, None)
                    else:
                        node = Node(OTHER, None)
                except FileNotFoundError:  # removed while we looked
                    continue
                out.append((entry.name, node))
        return out

    def _open_fd(self, path: str) -> int:
        # O_NOFOLLOW: the last component was checked to be a regular file;
        # never let a swap for a symlink send the read outside ROOT.
        return os.open(self._host(path), os.O_RDONLY | os.O_NOFOLLOW | _O_CLOEXEC | _O_NONBLOCK)

    def peek(self, path: str, length: int) -> tuple[bytes, int]:
        fd = self._open_fd(path)
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                raise OSError(21, "not a regular file", path)
            data = os.read(fd, length)
        finally:
            os.close(fd)
        self.counter.bytes_read += len(data)
        return data, st.st_size

    def open(self, path: str) -> BinaryIO:
        return CountingStream(io.FileIO(self._open_fd(path), "rb", closefd=True), self.counter)  # type: ignore[return-value]

    def read_order(self, paths: Iterable[str]) -> list[str]:
        return list(paths)

    def close(self) -> None:
        pass


@dataclass
class _TarTree:
    nodes: dict[str, Node] = field(default_factory=dict)
    children: dict[str, dict[str, Node]] = field(default_factory=dict)
    members: dict[str, tarfile.TarInfo] = field(default_factory=dict)
    refused: list[tuple[str, str]] = field(default_factory=list)


def member_path(name: str) -> str | None:
    """The in-root path of a tar member name, or None when it climbs out of the root.

    ``./usr/lib/x``, ``usr/lib/x`` and ``/usr/lib/x`` are all ``/usr/lib/x``
    (tar strips a leading ``/`` on extraction); ``../x`` or ``a/../../x`` are
    refused, as a careful extractor refuses them.
    """
    parts: list[str] = []
    for part in name.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not parts:
                return None
            parts.pop()
            continue
        parts.append(part)
    return "/" + "/".join(parts)


def _add(tree: _TarTree, path: str, node: Node) -> None:
    tree.nodes[path] = node
    if path == "/":
        return
    parent, name = posixpath.split(path)
    tree.children.setdefault(parent, {})[name] = node
    # Parents exist even when the archive has no member for them.
    while parent not in tree.nodes:
        tree.nodes[parent] = Node(DIR)
        if parent == "/":
            break
        grand, pname = posixpath.split(parent)
        tree.children.setdefault(grand, {})[pname] = tree.nodes[parent]
        parent = grand


def _blocking_ancestor(tree: _TarTree, path: str) -> str | None:
    """The nearest existing ancestor of ``path`` when it is not a directory
    (tar(1) cannot create ``path`` under a file, and follows a symlink there,
    which this reader does not model); None when every one is a directory."""
    parent = posixpath.dirname(path)
    while parent not in tree.nodes:
        parent = posixpath.dirname(parent)
    return None if tree.nodes[parent].kind == DIR else parent


def build_tar_tree(members: Iterable[tarfile.TarInfo]) -> _TarTree:
    """The tree tar(1) would extract, member after member.

    As GNU tar does: a member whose name ends in ``/`` is a directory whatever
    its type; a later member replaces an earlier one at the same path, except
    that a non-empty directory is never replaced by a non-directory (tar fails
    on it and goes on); nothing is created under a path that is not a
    directory. What tar(1) would not extract is listed in ``refused``.
    """
    tree = _TarTree()
    tree.nodes["/"] = Node(DIR)
    links: list[tuple[str, tarfile.TarInfo]] = []
    for member in members:
        path = member_path(member.name)
        if path is None:
            tree.refused.append((member.name, "tar member climbs out of the root with '..'; ignored"))
            continue
        if path == "/":
            continue
        is_dir = member.isdir() or member.name.endswith("/")
        blocker = _blocking_ancestor(tree, path)
        if blocker is not None:
            tree.refused.append((member.name, f"{blocker} is not a directory in the archive; ignored, as tar(1) would fail on it"))
            continue
        existing = tree.nodes.get(path)
        if existing is not None and existing.kind == DIR:
            if is_dir:
                continue
            if tree.children.get(path):
                tree.refused.append((member.name, f"would replace the non-empty directory {path}; ignored, as tar(1) would fail on it"))
                continue
        tree.members.pop(path, None)
        if is_dir:
            _add(tree, path, Node(DIR))
        elif member.isreg():
            tree.members[path] = member
            _add(tree, path, Node(FILE, member.size, None, path))
        elif member.issym():
            _add(tree, path, Node(SYMLINK, len(member.linkname), member.linkname, path))
        elif member.islnk():
            links.append((path, member))
            _add(tree, path, Node(OTHER))  # until the link is resolved below
        else:
            _add(tree, path, Node(OTHER))
    # A hard link is the file it names (which comes earlier in the archive).
    for path, member in links:
        target = member_path(member.linkname)
        source = tree.members.get(target) if target else None
        if source is None:
            tree.refused.append((member.name, f"hard link to {member.linkname!r}, which is not a file in the archive"))
            continue
        tree.members[path] = source
        _add(tree, path, tree.nodes[target])
    return tree


def _members(tar: tarfile.TarFile, path: Path) -> list[tarfile.TarInfo]:
    """The archive's members, refused past MAX_TAR_MEMBERS (tarfile keeps every
    header in memory; a few MiB of gzip can hold millions of empty ones)."""
    members = []
    for member in tar:
        if len(members) >= MAX_TAR_MEMBERS:
            raise InputError(f"{path}: more than {MAX_TAR_MEMBERS} members; refused")
        members.append(member)
    return members


class _TarMemberStream(HeadCachedStream):
    """A member of a compressed tar: the head in memory (counted when it was
    read), the rest streamed and counted; archive errors become OSError,
    which the scan reports as a problem."""

    def __init__(self, reopen, size: int, head: bytes, counter: ReadCounter) -> None:
        super().__init__(reopen, size, head)
        self._counter = counter

    def _read_stream(self, start: int, length: int) -> bytes:
        try:
            data = super()._read_stream(start, length)
        except TAR_FAILURES as exc:
            raise OSError(5, f"cannot read from the archive ({exc})") from None
        self._counter.bytes_read += len(data)
        return data


class TarRoot:
    """A root filesystem inside a tar archive, read without unpacking it."""

    def __init__(self, path: Path) -> None:
        self.label = str(path)
        self.counter = ReadCounter()
        try:
            self._tar = tarfile.open(path, "r:*")
            tree = build_tar_tree(_members(self._tar, path))
        except (*TAR_FAILURES, OSError) as exc:
            raise InputError(f"{path}: not a readable tar archive ({exc})") from None
        self._tree = tree
        self.refused = tree.refused
        self._sequential = isinstance(self._tar.fileobj, (gzip.GzipFile, bz2.BZ2File, lzma.LZMAFile))
        self._last: tuple[str, bytes, int] | None = None

    def lstat(self, path: str) -> Node | None:
        return self._tree.nodes.get(path)

    def listdir(self, path: str) -> list[tuple[str, Node]]:
        return list(self._tree.children.get(path, {}).items())

    def _member(self, path: str) -> tarfile.TarInfo:
        member = self._tree.members.get(path)
        if member is None:
            raise FileNotFoundError(2, "No such file in the archive", path)
        return member

    def _head(self, path: str) -> tuple[bytes, int]:
        """The first MEMBER_HEAD_BYTES of a member of a compressed archive, and its size.

        Seeking back in a compressed stream restarts it from the top, so the
        head is read once, forwards, and kept until another member is asked
        for (peek then open of one file inflates it once). The rest of the
        member is never held: :meth:`open` streams it.
        """
        if self._last is not None and self._last[0] == path:
            return self._last[1], self._last[2]
        member = self._member(path)
        try:
            stream = self._tar.extractfile(member)
            head = stream.read(MEMBER_HEAD_BYTES) if stream is not None else b""
        except TAR_FAILURES as exc:
            raise OSError(5, f"cannot read from the archive ({exc})", path) from None
        self.counter.bytes_read += len(head)
        self._last = (path, head, member.size)
        return head, member.size

    def peek(self, path: str, length: int) -> tuple[bytes, int]:
        if self._sequential:
            head, size = self._head(path)
            return head[:length], size
        with self.open(path) as stream:
            return stream.read(length), self._member(path).size

    def open(self, path: str) -> BinaryIO:
        if self._sequential:
            head, size = self._head(path)
            member = self._member(path)
            return _TarMemberStream(lambda: self._extract(member, path), size, head, self.counter)
        return CountingStream(self._extract(self._member(path), path), self.counter)  # type: ignore[return-value]

    def _extract(self, member: tarfile.TarInfo, path: str) -> BinaryIO:
        try:
            stream = self._tar.extractfile(member)
        except TAR_FAILURES as exc:
            raise OSError(5, f"cannot read from the archive ({exc})", path) from None
        if stream is None:
            raise FileNotFoundError(2, "No such file in the archive", path)
        return stream

    def read_order(self, paths: Iterable[str]) -> list[str]:
        members = self._tree.members
        return sorted(paths, key=lambda p: members[p].offset_data if p in members else -1)

    def close(self) -> None:
        self._tar.close()

