"""Tables that never break or cut a word, for every text report (plan, scan, inspect).

rich, left to itself, folds a cell mid-word (``build-bas``/``e``) or cuts it
with an ellipsis (``ncurses-terminfo-base-6.3_p20…``) when a table is wider
than the terminal: a package name or a path that can no longer be copied.
Here the widths are chosen first: every column is at least as wide as its
longest word, the prose columns fold first; when even that does not fit,
the rows are printed as blocks of ``label: value`` lines instead, folded at
spaces only.

API (plain text in: escape rich markup when adding the cells)::

    column_widths(columns, rows, width, prose=()) -> list[int] | None
    word_safe_table(columns, rows, width, prose=(), justify=(), **table_options) -> rich Table | None
    vertical_blocks(columns, rows, width, heading=1) -> list[str]
"""

from __future__ import annotations

import textwrap
from typing import Any, Sequence

#: what a table without outer edge adds between two columns: padding, separator, padding
SEPARATOR = 3


def _lines(cell: str) -> list[str]:
    return cell.splitlines() or [""]


def column_widths(
    columns: Sequence[str], rows: Sequence[Sequence[str]], width: int, *, prose: Sequence[int] = (),
    edges: int = 0,
) -> list[int] | None:
    """Column widths that fit ``width`` with no word broken, or None when none do.

    Each column starts as wide as its widest cell line; while the table is too
    wide, the widest column that is still wider than its longest word loses one
    character (its text then wraps at spaces), the ``prose`` columns (sentences
    that read well folded) first. ``edges`` is what the table's
    outer border and padding add (0 for ``show_edge=False, pad_edge=False``).
    """
    cells = [[column, *(row[i] for row in rows)] for i, column in enumerate(columns)]
    widths = [max(len(line) for cell in column for line in _lines(cell)) for column in cells]
    floors = [max((len(word) for cell in column for word in cell.split()), default=1) for column in cells]
    available = width - SEPARATOR * (len(columns) - 1) - edges
    if sum(floors) > available:
        return None
    while sum(widths) > available:
        shrinkable = [i for i in range(len(widths)) if widths[i] > floors[i]]
        folding = [i for i in shrinkable if i in prose] or shrinkable
        widest = max(folding, key=lambda i: widths[i])
        widths[widest] -= 1
    return widths


def word_safe_table(
    columns: Sequence[str], rows: Sequence[Sequence[str]], width: int, *, prose: Sequence[int] = (),
    justify: Sequence[str] = (), **options: Any,
):
    """A rich Table of ``rows`` (plain text, escaped here) that fits ``width`` whole-word, or None."""
    from rich.markup import escape
    from rich.table import Table

    edged = options.get("show_edge", True)
    edges = 4 if edged else (0 if not options.get("pad_edge", True) else 2)
    widths = column_widths(columns, rows, width, prose=prose, edges=edges)
    if widths is None:
        return None
    table = Table(**options)
    for index, (column, column_width) in enumerate(zip(columns, widths)):
        side = justify[index] if index < len(justify) else "left"
        table.add_column(column, overflow="fold", width=column_width, justify=side)  # type: ignore[arg-type]
    for row in rows:
        table.add_row(*(escape(cell) for cell in row))
    return table


def vertical_blocks(
    columns: Sequence[str], rows: Sequence[Sequence[str]], width: int, *, heading: int = 1
) -> list[str]:
    """One block per row: its first ``heading`` cells on one line, then ``label: value`` lines."""
    labels = columns[heading:]
    indent = "  " + " " * (max(map(len, labels), default=0) + 2)
    lines: list[str] = []
    for row in rows:
        lines.append(" ".join(cell for cell in row[:heading] if cell))
        for label, value in zip(labels, row[heading:]):
            head = f"  {label}:".ljust(len(indent))
            parts = _lines(value or "-")
            for number, part in enumerate(parts):
                lines += textwrap.wrap(
                    part or "-", width=max(width, len(indent) + 20),
                    initial_indent=head if number == 0 else indent, subsequent_indent=indent,
                    break_long_words=False, break_on_hyphens=False,
                ) or [head.rstrip()]
    return lines
