"""apkneed.render.table: widths that never break a word, and the vertical fallback."""

from __future__ import annotations

import io

from rich.console import Console

from apkneed.render.table import column_widths, vertical_blocks, word_safe_table

ROWS = [("ncurses-terminfo-base-6.3_p20220521-r0", "216.0 KiB", "nothing in the world requires it")]
COLUMNS = ("package", "size", "why")


def rendered(table, width: int) -> str:
    out = io.StringIO()
    Console(file=out, width=width, color_system=None).print(table)
    return out.getvalue()


def test_prose_folds_first_and_no_word_is_cut():
    for width in range(61, 120, 3):  # 38 + 5 + 8 (longest words) + 2 separators + edges = 61
        table = word_safe_table(COLUMNS, ROWS, width, prose=(2,))
        assert table is not None, width
        text = rendered(table, width)
        assert "ncurses-terminfo-base-6.3_p20220521-r0" in text and "…" not in text
        assert all(len(line) <= width for line in text.splitlines()), text


def test_too_narrow_for_any_table_is_none_then_vertical_blocks():
    assert column_widths(COLUMNS, ROWS, 60, edges=4) is None
    lines = vertical_blocks(COLUMNS, ROWS, 40)
    assert lines[0] == "ncurses-terminfo-base-6.3_p20220521-r0"
    assert lines[1] == "  size: 216.0 KiB"
    assert lines[2].startswith("  why:  nothing") and all(len(line) <= 40 for line in lines[2:])


def test_multi_line_cells_keep_their_lines():
    widths = column_widths(("a", "b"), [("x", "/usr/bin/one\n/usr/bin/two")], 80)
    assert widths == [1, len("/usr/bin/one")]
    assert vertical_blocks(("a", "b"), [("x", "/usr/bin/one\n/usr/bin/two")], 80) == [
        "x", "  b: /usr/bin/one", "     /usr/bin/two",
    ]
