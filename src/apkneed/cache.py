"""Where apkneed keeps what it downloads, and how it writes it.

Nothing apkneed writes is ever left half-written: every file goes to a
temporary file in the same directory and is renamed into place, so a reader
sees the old file or the new one, never a torn one. A process killed between
the write and the rename leaves its temporary file (``.<name>.<random>.part``)
behind: the next run that writes in that directory, or opens a revalidating
cache there, removes the ones older than :data:`STALE_PART_AGE` (a live
writer writes bytes it already holds and renames within seconds, so an hour
old part is never a live writer's).

The cache root comes from ``$APKNEED_CACHE_DIR`` when set (tests, CI), else
from platformdirs, which knows each OS's per-user cache location.

Paths are taken as ``str`` or any ``os.PathLike`` and handled with
:mod:`os.path`: a repeat ``apkneed resolve`` reads its copies through this
module and never imports pathlib (see :mod:`apkneed.pathtext`).
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import sys
import time

from apkneed.pathtext import path_text
from apkneed.records import Frozen, set_field

TYPE_CHECKING = False
if TYPE_CHECKING:
    from os import PathLike
    from pathlib import Path

    StrPath = str | PathLike[str]


def default_cache_root() -> Path:
    """The cache root, as a ``Path``."""
    from pathlib import Path

    return Path(default_cache_dir())


def default_cache_dir() -> str:
    """The cache root, as text (what :func:`default_cache_root` is, without importing pathlib)."""
    env = os.environ.get("APKNEED_CACHE_DIR")
    if env:
        return os.path.expanduser(env)
    if sys.platform.startswith("linux"):
        # platformdirs' rule on Linux (XDG base directories), without its import
        # (platformdirs, tempfile, random, shutil: milliseconds of every run);
        # tests/test_cache_root.py holds it to platformdirs' answer
        xdg = os.environ.get("XDG_CACHE_HOME", "")
        return os.path.join(xdg if xdg.strip() else os.path.expanduser("~/.cache"), "apkneed")
    import platformdirs  # the per-user cache directory, right on every other OS (imported when it is asked)

    return platformdirs.user_cache_dir("apkneed", appauthor=False)


def unwritable_cache(exc: OSError) -> str | None:
    """The one-line message for ``exc`` when it was met writing under the cache root (a root that
    is a regular file, a read-only one); None when the failure is not the cache's."""
    root = os.path.abspath(default_cache_dir())
    for name in (exc.filename, exc.filename2):
        path = os.path.abspath(os.fsdecode(name)) if isinstance(name, (str, bytes, os.PathLike)) else None
        if path is not None and (path == root or path.startswith(root.rstrip(os.sep) + os.sep)):
            return (f"cannot write apkneed's cache at {root}: {exc.strerror or exc} ({path}); "
                    "set APKNEED_CACHE_DIR to a writable directory")
    return None


#: an atomic_write temporary file older than this (seconds) belongs to a dead writer
STALE_PART_AGE = 3600.0
#: the names atomic_write's temporary files have: mkstemp's 8 random characters between
_PART_NAME = re.compile(r"^\..+\.[a-z0-9_]{8}\.part$")
#: directories swept in this process (once is enough: our own parts are renamed)
_SWEPT: set[str] = set()


def sweep_stale_parts(directory: StrPath, *, max_age: float = STALE_PART_AGE) -> list[str]:
    """Remove the temporary files of dead atomic_write calls in ``directory`` (not below it).

    Only names atomic_write makes, only regular files, only those whose last
    write is older than ``max_age``. Returns the names removed.
    """
    removed = []
    cutoff = time.time() - max_age
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return removed
    for entry in entries:
        if not _PART_NAME.match(entry.name):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
            if stat.S_ISREG(info.st_mode) and info.st_mtime < cutoff:
                os.unlink(entry.path)
                removed.append(entry.name)
        except OSError:
            continue  # gone already (another run swept it), or not ours to remove
    return removed


def sweep_once(directory: StrPath) -> None:
    """:func:`sweep_stale_parts` the first time this process touches ``directory``."""
    key = os.path.abspath(directory)
    if key not in _SWEPT:
        _SWEPT.add(key)
        sweep_stale_parts(directory)


#: bytes this process has written through :func:`atomic_write`: a command that wrote
#: to the cache keeps it under its size limit afterwards (apkneed.cli.run.trim_cache)
bytes_written = 0
#: the file whose modification time says when the cache was last trimmed, and how
#: often at most (apkneed.cache_usage.evict_now_and_then)
EVICTION_STAMP = ".last-eviction"
EVICTION_INTERVAL = 3600.0


#: the documented default size limit of the cache (bytes), unless ``$APKNEED_CACHE_LIMIT`` says
#: otherwise (:func:`apkneed.cache_usage.cache_limit`)
DEFAULT_LIMIT = 500 * 1024 * 1024


def walk_files(directory: StrPath):
    """(path as text, ``lstat``) of every regular file and link below ``directory``, links not followed.

    With :mod:`os` alone: a first run checks its cache's size through this
    (:func:`cache_bytes`) without importing pathlib or :mod:`apkneed.cache_usage`.
    """
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return
    for entry in entries:
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if stat.S_ISDIR(info.st_mode):
            yield from walk_files(entry.path)
        else:
            yield entry.path, info


def cache_bytes(root: StrPath) -> int:
    """What the cache at ``root`` holds, in bytes, as eviction counts it: every file and link, the stamp left out."""
    stamp = os.path.join(path_text(root), EVICTION_STAMP)
    return sum(info.st_size for path, info in walk_files(path_text(root)) if path != stamp)


def mark_trimmed(root: StrPath, now: float) -> None:
    """Set the stamp :func:`eviction_due` reads to ``now`` (nothing on a cache that cannot be written)."""
    stamp = os.path.join(path_text(root), EVICTION_STAMP)
    try:
        os.makedirs(path_text(root), exist_ok=True)
        with open(stamp, "ab"):
            pass
        os.utime(stamp, (now, now))
    except OSError:
        pass  # a read-only cache: nothing was written to it either


def eviction_due(root: StrPath, now: float | None = None) -> bool:
    """Whether the cache at ``root`` was last trimmed :data:`EVICTION_INTERVAL` ago or more (or never).

    One ``stat``: every command that writes asks, and only one an hour pays for
    walking the cache (and for importing :mod:`apkneed.cache_usage`)."""
    try:
        stamp = os.stat(os.path.join(os.fspath(root), EVICTION_STAMP)).st_mtime
    except FileNotFoundError:
        return True
    except OSError:
        return False  # a cache we cannot even stat is not one to trim
    return (time.time() if now is None else now) - stamp >= EVICTION_INTERVAL


def atomic_write(path: StrPath, data: bytes, *, mode: int = 0o644, sync: bool = True) -> None:
    """Write ``data`` to ``path`` through a temp file and a rename.

    mkstemp creates its file 0600; ``mode`` restores the permissions an
    ordinary write would give (the build script writes package data with it).
    ``sync=False`` skips the fsync before the rename, for a file that carries
    its own sha256 and is checked against it on every read (a parsed copy):
    a crash can then leave it torn on disk, which its reader notices and
    makes again, and a first run does not wait for ~12 MB to reach the disk.
    Stale temporary files of dead writers in the directory are removed first
    (see the module docstring).
    """
    directory = _directory_of(path)
    os.makedirs(directory, exist_ok=True)
    sweep_once(directory)
    import tempfile  # imported by the first write: a warm run that only reads never pays for it

    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(path)}.", suffix=".part")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            if sync:
                os.fsync(f.fileno())
        os.replace(tmp, path)
        global bytes_written
        bytes_written += len(data)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _directory_of(path: StrPath) -> str:
    """``Path(path).parent``, as text: ``"."`` for a bare file name, ``..`` kept as pathlib keeps it."""
    return os.path.dirname(path_text(path)) or "."


def _private(info: os.stat_result, kind: int) -> bool:
    """Of the expected kind, owned by this user, writable by no one else."""
    if stat.S_IFMT(info.st_mode) != kind or info.st_mode & 0o022:
        return False
    geteuid = getattr(os, "geteuid", None)  # POSIX only
    return geteuid is None or info.st_uid == geteuid()


def read_private(path: StrPath, *, limit: int) -> bytes | None:
    """``path``'s bytes, only if it and its directory are this user's alone; else None.

    For cache files that stand in for a check (a verified signature, a
    parsed index): one that another user could have written, a symbolic
    link, one larger than ``limit`` or one that cannot be read is not used.
    """
    try:
        if not _private(os.lstat(_directory_of(path)), stat.S_IFDIR):
            return None
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "rb") as file:
            info = os.fstat(file.fileno())
            if not _private(info, stat.S_IFREG) or info.st_size > limit:
                return None
            return file.read(limit + 1)
    except OSError:
        return None


def map_private(path: StrPath, *, limit: int):
    """Like :func:`read_private`, but the file mapped read-only (an ``mmap``; ``b""`` when empty).

    For large cache files of which a run reads a few parts (a parsed
    index's copy): nothing is read until a part is touched. The file is
    replaced only by renames (:func:`atomic_write`), so a mapping keeps
    seeing the file it opened.
    """
    import mmap

    try:
        if not _private(os.lstat(_directory_of(path)), stat.S_IFDIR):
            return None
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        try:
            info = os.fstat(fd)
            if not _private(info, stat.S_IFREG) or info.st_size > limit:
                return None
            if not info.st_size:
                return b""
            return mmap.mmap(fd, info.st_size, access=mmap.ACCESS_READ)
        finally:
            os.close(fd)
    except (OSError, ValueError):
        return None


def private_dir(path: StrPath) -> bool:
    """Make ``path`` a directory for :func:`write_private` (0700 when new); False if it cannot be."""
    try:
        os.makedirs(path, mode=0o700, exist_ok=True)  # parents get the default mode, as Path.mkdir gives them
    except OSError:
        return False
    return os.path.isdir(path)


def write_private(path: StrPath, data: bytes, *, sync: bool = True) -> bool:
    """Write a file :func:`read_private` accepts (0600 in a 0700 directory); False if it cannot.

    ``sync``: as for :func:`atomic_write`."""
    if not private_dir(_directory_of(path)):
        return False
    try:
        atomic_write(path, data, mode=0o600, sync=sync)
    except OSError:
        return False
    return True


class ContentStore(Frozen):
    """Blobs stored by their sha256, so a cached file is its own checksum.

    A blob whose content no longer hashes to its name (a torn or corrupted
    file) is removed and reported missing, never returned.
    """

    __slots__ = ("root",)

    root: Path

    def __init__(self, root: Path) -> None:
        set_field(self, "root", root)

    def path_for(self, sha256: str) -> Path:
        sha256 = sha256.lower()
        return self.root / sha256[:2] / sha256

    def get(self, sha256: str) -> bytes | None:
        path = self.path_for(sha256)
        try:
            data = path.read_bytes()
        except (FileNotFoundError, IsADirectoryError):
            return None
        if hashlib.sha256(data).hexdigest() != sha256.lower():
            path.unlink(missing_ok=True)
            return None
        return data

    def put(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        path = self.path_for(digest)
        if not path.exists():
            atomic_write(path, data)
        return digest
