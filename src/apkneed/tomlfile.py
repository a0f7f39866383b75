"""TOML input: the one place that picks the parser (``tomllib``, or its
backport ``tomli`` on Python 3.10) and words a file that cannot be read.

    read_toml(path) -> dict        # InputError: one line naming the file
    loads(text) -> dict            # for TOML that is not a file (an sdist's pyproject.toml)
    TOMLDecodeError
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from apkneed.errors import InputError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10 only
    import tomli as tomllib

loads = tomllib.loads
TOMLDecodeError = tomllib.TOMLDecodeError


def read_toml(path: Path) -> dict[str, Any]:
    """Read a TOML file; any failure is one InputError line naming the file."""
    try:
        with path.open("rb") as stream:
            return tomllib.load(stream)
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: not valid TOML ({exc})") from None
