"""Files the user hands apkneed (requirements, pip.conf, a saved plan, a
pyproject or lock file, a Dockerfile): read whole, but never unbounded.

``/dev/zero``, a FIFO or a 3 GB file given by mistake must end in one line
naming the file, not in a process that fills memory. Every such reader goes
through :func:`read_input_bytes`, which reads at most ``limit + 1`` bytes.

    read_input_bytes(path, limit=..., what="requirements file") -> bytes
    read_input_text(path, limit=..., what=...) -> str      # UTF-8, or InputError
"""

from __future__ import annotations

import sys
from pathlib import Path

from apkneed.errors import InputError

#: the default cap: far above any real requirements, lock or config file
MAX_INPUT_BYTES = 16 << 20


def _label(path: str | Path, what: str) -> str:
    """How an error names the file: ``requirements file x.txt``, or just ``x.txt``."""
    name = "standard input" if str(path) == "-" else str(path)
    return f"{what} {name}" if what else name


def read_input_bytes(path: str | Path, *, limit: int = MAX_INPUT_BYTES, what: str = "") -> bytes:
    """At most ``limit`` bytes of ``path`` (``-``: standard input); InputError past it."""
    label = _label(path, what)
    try:
        if str(path) == "-":
            data = sys.stdin.buffer.read(limit + 1)
        else:
            with open(path, "rb") as stream:
                data = stream.read(limit + 1)
    except FileNotFoundError:
        raise InputError(f"{label}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{label}: is a directory") from None
    except OSError as exc:
        raise InputError(f"{label}: cannot read ({exc.strerror or exc})") from None
    if len(data) > limit:
        raise InputError(f"{label}: larger than {limit} bytes; refused")
    return data


def read_input_text(path: str | Path, *, limit: int = MAX_INPUT_BYTES, what: str = "") -> str:
    data = read_input_bytes(path, limit=limit, what=what)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{_label(path, what)}: not UTF-8 text (byte {exc.start})") from None
