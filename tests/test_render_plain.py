"""apkneed.render.plain draws what rich draws, byte for byte, or declines (None) and rich draws it."""

from __future__ import annotations

import io

from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from apkneed.render import plain
from fuzz_helpers import FUZZ

#: words as plans have them (names, versions, file names, prose), spaces, and what rich reads specially
WORDS = st.text(alphabet=st.sampled_from("abz09-._,;()*!?/=<>+:'\" [\\]é\t"), min_size=0, max_size=12) | st.sampled_from(
    [":smile:", ":100:", "alpine:3.16:", ":Smile:", ":smile-emoji:", "so:libz.so.1"])
TEXT = st.lists(WORDS, max_size=8).map(" ".join) | st.lists(WORDS, max_size=8).map("  ".join)


def rich_printed(text: str, width: int, soft_wrap: bool) -> str:
    out = io.StringIO()
    Console(file=out, width=width, color_system=None, highlight=False, soft_wrap=False).print(
        escape(text), soft_wrap=soft_wrap)
    return out.getvalue()


def rich_table(columns, widths, rows, width: int) -> str:
    out = io.StringIO()
    table = Table(show_edge=False, pad_edge=False, expand=False)
    for column, column_width in zip(columns, widths):
        table.add_column(column, overflow="fold", width=column_width)
    for row in rows:
        table.add_row(*map(escape, row))
    Console(file=out, width=width, color_system=None, highlight=False, soft_wrap=False).print(table)
    return out.getvalue()


def test_a_real_line_and_a_real_table():
    line = "Run time: adds 14 apk packages on top of alpine:3.16: 16.0 MiB download, 52.5 MiB installed"
    assert plain.printed(line, 40) is not None
    assert "".join(x + "\n" for x in plain.printed(line, 40)) == rich_printed(line, 40, False)
    columns, widths = ("distribution", "route", "why"), [12, 6, 20]
    rows = [("psycopg2", "source", "sdist; needs from build-knowledge.toml"), ("pillow *", "wheel", "")]
    drawn = plain.table(columns, widths, rows)
    assert drawn is not None and "".join(x + "\n" for x in drawn) == rich_table(columns, widths, rows, 80)


def test_what_rich_reads_specially_is_left_to_rich():
    for text in ("[bold]x[/bold]", "back\\slash", ":smile:", "a :100: b", "tab\there", "é"):
        assert plain.printed(text, 80) is None
        assert plain.table(("a",), [20], [(text,)]) is None


@FUZZ
@given(TEXT, st.integers(min_value=1, max_value=40), st.booleans())
def test_printed_is_rich(text, width, soft_wrap):
    drawn = plain.printed(text, width, soft_wrap=soft_wrap)
    if drawn is not None:
        assert "".join(line + "\n" for line in drawn) == rich_printed(text, width, soft_wrap)


@FUZZ
@given(st.lists(TEXT, min_size=1, max_size=4), st.data())
def test_table_is_rich(columns, data):
    count = len(columns)
    rows = data.draw(st.lists(st.lists(TEXT, min_size=count, max_size=count).map(tuple), max_size=4))
    widths = data.draw(st.lists(st.integers(min_value=1, max_value=14), min_size=count, max_size=count))
    # as render/table.column_widths chooses them: every column at least as wide as its longest word
    widths = [max([w, *(len(word) for cell in (c, *(r[i] for r in rows)) for word in cell.split())])
              for i, (c, w) in enumerate(zip(columns, widths))]
    drawn = plain.table(columns, widths, rows)
    if drawn is not None:
        assert "".join(line + "\n" for line in drawn) == rich_table(columns, widths, rows, sum(widths) + 3 * count)
