"""TOML input: the one place that picks the parser (``tomllib``, or its
backport ``tomli`` on Python 3.10) and words a file that cannot be read.

    read_toml(path) -> dict        # InputError: one line naming the file
    loads(text) -> dict            # for TOML that is not a file (an sdist's pyproject.toml)
    TOMLDecodeError

Files are read through :mod:`apkneed.inputfile` (bounded), and a document
nested too deeply for the parser's recursion is refused like a syntax error.
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
    text = read_input_text(path, what="TOML file")
    try:
        return tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError) as exc:  # RecursionError: [[[[... nested past the stack
        problem = exc if isinstance(exc, tomllib.TOMLDecodeError) else "nested too deeply"
        raise InputError(f"{path}: not valid TOML ({problem})") from None
