"""rich's own output for plain ASCII text, drawn without importing rich.

The plan's text answer (:mod:`apkneed.render.text`) is drawn with rich:
lines folded at words to the width, and a table without outer edges whose
column widths are already chosen (:func:`apkneed.render.table.column_widths`).
Importing rich costs ~30 ms, a tenth of ``apkneed numpy``. For text that
rich would print as it is (printable ASCII, no markup bracket or backslash,
no ``:name:`` rich knows as an emoji) the same output is drawn here,
following rich 15's rules (``rich._wrap.divide_line``, ``Text.wrap``, the
``HEAVY_HEAD`` box of a ``Table(show_edge=False, pad_edge=False)``);
anything else returns None and rich draws it. tests/test_render_plain.py
holds every function here to rich itself, on real plans and generated text.

API::

    plain(*texts) -> bool                          # may these be drawn here?
    printed(text, width, soft_wrap=False) -> list[str] | None    # Console.print(escape(text))
    table(columns, widths, rows) -> list[str] | None             # the table's lines
"""

from __future__ import annotations

import re
from typing import Sequence

#: printable ASCII without rich's markup ``[``, escape ``\\`` (and nothing else)
_PLAIN = re.compile(r"[ -Z\]-~]*")
#: what rich reads as an emoji code (``:smile:``, ``:100:``), as rich._emoji_replace matches it
_EMOJI_CODE = re.compile(r"(:(\S*?)(?:(?:\-)(emoji|text))?:)")
#: rich's "word": leading space, the word, the space after it
_WORD = re.compile(r"\s*\S+\s*")


def plain(*texts: str) -> bool:
    return all(_PLAIN.fullmatch(text) and not _has_emoji(text) for text in texts)


def _has_emoji(text: str) -> bool:
    """Would rich put an emoji in ``text``? (``alpine:3.16:`` is no emoji code; ``:100:`` is.)"""
    codes = [match.group(2) for match in _EMOJI_CODE.finditer(text)]
    if not codes:
        return False
    from rich._emoji_codes import EMOJI  # rich's table of names alone (~2 ms), not its console

    return any(code.lower() in EMOJI for code in codes)


def _folded(text: str, width: int, *, pad: bool) -> list[str] | None:
    """``Text(text).wrap(width)`` (justify left when ``pad``, else default): its lines, or None
    when a word is wider than ``width`` (rich would fold it mid-word; not drawn here)."""
    breaks = []
    offset = 0
    for match in _WORD.finditer(text):
        start, word = match.start(), match.group(0)
        length = len(word.rstrip())
        if width - offset >= length:
            offset += len(word)
        elif length > width:
            return None
        elif offset and start:
            breaks.append(start)
            offset = len(word)
    lines = []
    for begin, end in zip([0, *breaks], [*breaks, len(text)]):
        line = text[begin:end]
        if len(line) > width:  # Text.rstrip_end: trailing space beyond the width goes
            excess = len(line) - width
            spaces = len(line) - len(line.rstrip())
            line = line[: len(line) - min(spaces, excess)]
        line = line[:width]
        lines.append(line.ljust(width) if pad else line)
    return lines


def printed(text: str, width: int, *, soft_wrap: bool = False) -> list[str] | None:
    """The lines ``Console(width=width).print(escape(text), soft_wrap=soft_wrap)`` writes, or None."""
    if not plain(text):
        return None
    if soft_wrap:
        return [text]
    return _folded(text, width, pad=False)


def table(columns: Sequence[str], widths: Sequence[int], rows: Sequence[Sequence[str]]) -> list[str] | None:
    """The lines of ``Table(show_edge=False, pad_edge=False, expand=False)`` with one
    ``add_column(name, overflow="fold", width=w)`` per column and the rows escaped, or None."""
    if not plain(*columns, *(cell for row in rows for cell in row)):
        return None
    lines = _row_lines(columns, widths, "┃", header=True)
    if lines is None:
        return None
    last = len(widths) - 1
    lines.append("╇".join("━" * (w + (1 if i in (0, last) else 2) - (1 if last == 0 else 0))
                          for i, w in enumerate(widths)))
    for row in rows:
        drawn = _row_lines(row, widths, "│")
        if drawn is None:
            return None
        lines += drawn
    return lines


def _row_lines(cells: Sequence[str], widths: Sequence[int], bar: str, *, header: bool = False) -> list[str] | None:
    """One row's lines: each cell folded to its column, the shorter ones filled with blank
    lines below (a header's above: rich aligns a header row at its bottom)."""
    folded = []
    for cell, width in zip(cells, widths):
        lines = _folded(cell, width, pad=True)
        if lines is None:
            return None
        folded.append(lines)
    height = max(len(lines) for lines in folded)
    folded = [
        [" " * width] * (height - len(lines)) + lines if header else lines + [" " * width] * (height - len(lines))
        for lines, width in zip(folded, widths)
    ]
    return [f" {bar} ".join(lines[number] for lines in folded) for number in range(height)]
