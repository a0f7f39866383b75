"""How wide a text table may be: ``COLUMNS`` first, as most CLIs (and rich, and shutil) read it.

In a pipe (``apkneed plan ... | less``) there is no terminal to ask, so the
width is ``COLUMNS`` when it is a positive whole number, else 160; on a
terminal, ``shutil.get_terminal_size`` (which reads ``COLUMNS`` first too).
``shutil`` is imported only for a terminal: it pulls bz2 and lzma, which a
piped plan does not need.

API::

    table_width(environ, is_terminal, *, default=160) -> int
"""

from __future__ import annotations

from typing import Mapping

PIPE_WIDTH = 160


def table_width(environ: Mapping[str, str], is_terminal: bool, *, default: int = PIPE_WIDTH) -> int:
    text = environ.get("COLUMNS", "").strip()
    if text.isascii() and text.isdigit() and int(text) > 0:  # "²".isdigit() too, and int() refuses it
        return int(text)
    if is_terminal:
        import shutil

        return shutil.get_terminal_size((default, 24)).columns
    return default
