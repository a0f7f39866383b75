"""TOML input: the one place that picks the parser (``tomllib``, or its
backport ``tomli`` on Python 3.10) and words a file that cannot be read.

    read_toml(path) -> dict        # InputError: one line naming the file
    read_toml_and_text(path) -> (text, dict)  # for readers that point at lines of the file
    loads(text) -> dict            # for TOML that is not a file (an sdist's pyproject.toml)
    TOMLDecodeError

``read_toml`` reads through :mod:`apkneed.inputfile` (bounded), and a document
nested too deeply for the parser's recursion is refused like a syntax error.
``read_toml_and_text`` (pyproject.toml, uv.lock, pylock.toml) keeps the wording
those readers always had; it refuses a too-deep document too, but is not
bounded yet.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from apkneed.errors import InputError
from apkneed.inputfile import read_input_text

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10 only
    import tomli as tomllib

loads = tomllib.loads
TOMLDecodeError = tomllib.TOMLDecodeError


def read_toml(path: Path) -> dict[str, Any]:
    """Read a TOML file; any failure is one InputError line naming the file."""
    return read_toml_and_text(path)[1]


def read_toml_and_text(path: Path) -> tuple[str, dict[str, Any]]:
    """The text of a TOML file and its document, for readers that cite its lines
    (pyproject.toml, uv.lock, pylock.toml); any failure is one InputError line
    naming the file."""
    text = read_input_text(path)
    try:
        return text, tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: not valid TOML ({exc})") from None
    except RecursionError:  # a = [[[[... nested past the parser's stack: bad input, not a crash
        raise InputError(f"{path}: not valid TOML (nested too deeply)") from None
