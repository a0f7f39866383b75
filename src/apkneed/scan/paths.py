"""Path resolution inside ROOT, as the kernel does it in a chroot of ROOT.

Pure functions over a ``lookup(path) -> Node | None`` (one directory entry,
not followed): nothing here touches the host. The rules are the kernel's
path walk with ROOT as ``/``:

* components are looked up left to right; a symlink met before the last
  component, or as the last one when following, is replaced by its target;
* an absolute target restarts from ROOT (so ``/usr/lib/x86_64-linux-gnu/...``
  means ROOT's, never the host's);
* ``..`` at ROOT stays at ROOT (nothing climbs out);
* more than ``max_links`` expansions is a loop (ELOOP);
* a component under a non-directory fails (ENOTDIR).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Callable

from apkneed.scan.rootfs import DIR, SYMLINK, Node

FOUND, MISSING, NOT_DIR, LOOP, DENIED = "found", "missing", "notdir", "loop", "denied"

Lookup = Callable[[str], "Node | None"]


@dataclass(frozen=True)
class Resolved:
    status: str  # FOUND, MISSING, NOT_DIR, LOOP or DENIED
    #: FOUND: the real in-root path; otherwise where the walk stopped
    path: str
    node: Node | None = None
    #: (link path, its target) for every symlink followed, in order
    links: tuple[tuple[str, str], ...] = ()


def join(directory: str, name: str) -> str:
    """``directory + "/" + name`` as musl builds a candidate (no normalising)."""
    return directory.rstrip("/") + "/" + name if directory != "/" else "/" + name


def resolve(path: str, lookup: Lookup, *, follow_last: bool = True, max_links: int = 40) -> Resolved:
    """Resolve an absolute in-root ``path`` through ``lookup``."""
    pending = deque(path.split("/"))
    real: list[str] = []
    links: list[tuple[str, str]] = []
    node: Node | None = Node(DIR)
    while pending:
        name = pending.popleft()
        if name in ("", "."):
            continue
        if name == "..":
            if real:
                real.pop()
            node = Node(DIR)
            continue
        here = "/" + "/".join([*real, name])
        try:
            node = lookup(here)
        except PermissionError:
            return Resolved(DENIED, here, None, tuple(links))
        if node is None:
            return Resolved(MISSING, here, None, tuple(links))
        last = not any(p not in ("", ".") for p in pending)
        if node.kind == SYMLINK and (follow_last or not last):
            if len(links) >= max_links:
                return Resolved(LOOP, here, node, tuple(links))
            target = node.target or ""
            links.append((here, target))
            if target.startswith("/"):
                real = []  # absolute targets restart at ROOT
            pending.extendleft(reversed(target.split("/")))
            continue
        if not last and node.kind != DIR:
            return Resolved(NOT_DIR, here, node, tuple(links))
        real.append(name)
    return Resolved(FOUND, "/" + "/".join(real), node, tuple(links))


class CachedLookup:
    """``lookup`` with its answers remembered (one scan asks for /lib many times).

    A permission error is remembered too, and raised again.
    """

    def __init__(self, lookup: Lookup) -> None:
        self._lookup = lookup
        self._seen: dict[str, Node | None | PermissionError] = {}

    def __call__(self, path: str) -> Node | None:
        try:
            answer = self._seen[path]
        except KeyError:
            try:
                answer = self._lookup(path)
            except PermissionError as exc:
                answer = exc
            self._seen[path] = answer
        if isinstance(answer, PermissionError):
            raise answer
        return answer
