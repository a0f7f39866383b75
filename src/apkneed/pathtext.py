"""Paths as text, spelled as :mod:`pathlib` spells them, without importing pathlib.

A repeat ``apkneed resolve`` is benchmarked as a whole process against
apk-tools (docs/benchmarks.md), and importing pathlib costs ~4 ms of it
(``fnmatch``, ``ntpath``, ``urllib.parse`` with ``ipaddress``, ``warnings``):
a tenth of the run. So the code on that path (reading ``--index`` files and
their kept copies, the verified records, the bundled keys, the cache) takes
a path as ``str`` or any ``os.PathLike`` and works with :mod:`os.path`.

Where such a path is printed, or names a cache entry, it must read the same
whichever way it came: the click CLI hands over ``Path`` objects
(``./main//x86_64/`` arrives as ``main/x86_64``), the click-free entry
(:mod:`apkneed.__main__`) the text as typed. These functions give what
``str(Path(text))``, ``Path(text).parts`` and ``str(Path(text).absolute())``
give on POSIX (tests/test_pathtext.py holds them to pathlib on generated
paths); elsewhere they ask pathlib itself.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from os import PathLike


def _root_and_parts(text: str) -> tuple[str, list[str]]:
    # POSIX: exactly two leading slashes are a root of their own ("//host"), any other number one "/";
    # empty parts and "." parts are dropped, ".." is kept (pathlib never resolves it)
    root = ""
    if text.startswith("/"):
        root = "//" if text.startswith("//") and not text.startswith("///") else "/"
    return root, [part for part in text.split("/") if part and part != "."]


def path_text(path: str | PathLike[str]) -> str:
    """``str(Path(path))``: the path with repeated slashes, ``.`` parts and a trailing slash dropped."""
    text = os.fspath(path)
    if os.name != "posix":
        from pathlib import Path

        return str(Path(text))
    root, parts = _root_and_parts(text)
    return root + "/".join(parts) or "."


def path_parts(path: str | PathLike[str]) -> tuple[str, ...]:
    """``Path(path).parts``: the root (when there is one), then each name."""
    text = os.fspath(path)
    if os.name != "posix":
        from pathlib import Path

        return Path(text).parts
    root, parts = _root_and_parts(text)
    return (root, *parts) if root else tuple(parts)


def absolute_text(path: str | PathLike[str]) -> str:
    """``str(Path(path).absolute())``: joined to the working directory when relative, ``..`` kept."""
    text = os.fspath(path)
    if os.name != "posix":
        from pathlib import Path

        return str(Path(text).absolute())
    if text.startswith("/"):
        return path_text(text)
    return path_text(os.path.join(os.getcwd(), text))
