"""table_width reads COLUMNS from the environment: any value gives a usable width, never an error."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from apkneed.cli.width import PIPE_WIDTH, table_width


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=12))
def test_any_columns_value_gives_a_positive_width(columns):
    width = table_width({"COLUMNS": columns}, False)
    assert width > 0
    text = columns.strip()
    whole = text.isascii() and text.isdigit() and int(text) > 0
    assert width == (int(text) if whole else PIPE_WIDTH)


def test_a_digit_int_refuses_is_not_a_width():
    assert table_width({"COLUMNS": "²"}, False) == PIPE_WIDTH


def test_no_columns_in_a_pipe_is_160():
    assert table_width({}, False) == PIPE_WIDTH == 160
