"""The plan's text never breaks a word (issue 11, item 12): at 80 columns the table used to
print ``distributi/on`` and ``build-bas/e``; now its columns are at least as wide as their
longest word, or each distribution becomes a block of ``label: value`` lines."""

from __future__ import annotations

import re

import pytest

from apkneed.render.text import COLUMNS, _row, column_widths, render_text

WIDTHS = (60, 80, 100, 120, 132, 160, 200)


@pytest.fixture(scope="module")
def pillow_psycopg2(make_run, v316_index_path):
    return make_run(("pillow==12.3.0", "psycopg2==2.9.13"), indexes=[v316_index_path], arch="x86_64").plan


def tokens(text: str) -> set[str]:
    found = set(re.split(r"[\s│┃━╇─]+", text))
    return found | {token.strip("()") for token in found}  # "psycopg2 2.9.13 (source)"


@pytest.mark.network
@pytest.mark.parametrize("width", WIDTHS)
def test_no_word_of_the_plan_is_broken_at_any_width(pillow_psycopg2, width):
    text = render_text(pillow_psycopg2, width=width)
    seen = tokens(text)
    words = {word for row in map(_row, pillow_psycopg2.packages) for cell in row for word in cell.split()}
    if "┃" in text:  # a table: its header is there too, whole
        words |= {word for column in COLUMNS for word in column.split()}
    # vertical blocks name the fields "file:", "build apk:" ...: those labels end in ':'
    broken = {word for word in words if word not in seen and f"{word}:" not in seen}
    assert not broken, text
    assert {"build-base", "libpq-dev", "pillow-12.3.0-cp310-cp310-musllinux_1_2_x86_64.whl"} <= seen
    # a line is only longer than the width when a single word (the wheel's name) is
    longest_word = max(map(len, words))
    assert all(len(line) <= max(width, longest_word + 16) for line in text.splitlines()), text


@pytest.mark.network
def test_80_columns_is_vertical_and_160_is_a_table(pillow_psycopg2):
    narrow = render_text(pillow_psycopg2, width=80)
    assert "┃" not in narrow
    assert "psycopg2 2.9.13 (source)\n" in narrow
    assert "  build apk:   build-base libpq-dev python3-dev\n" in narrow
    wide = render_text(pillow_psycopg2, width=160)
    assert wide.splitlines()[2].split(" ┃ ")[0].strip() == "distribution"
    assert "│ pillow-12.3.0-cp310-cp310-musllinux_1_2_x86_64.whl │" in wide


def test_column_widths_keep_every_word_whole():
    rows = [("a", "build-base libpq-dev python3-dev", "x y z w")]
    assert column_widths(("n", "build apk", "why"), rows, 200) == [1, 32, 7]
    squeezed = column_widths(("n", "build apk", "why"), rows, 22)
    assert squeezed is not None and sum(squeezed) + 6 <= 22 and squeezed[1] >= len("python3-dev")
    assert column_widths(("n", "build apk", "why"), rows, 20) is None  # 1 + 11 + 3 ("why") + 6 > 20
    # the prose column folds first, down to its longest word; then the widest
    assert column_widths(("n", "build apk", "why"), [("a", "b c", "some words here")], 20, prose=(2,)) == [1, 8, 5]


@pytest.mark.network
def test_a_piped_plan_is_as_wide_as_columns_says(plan_cache, v316_index_path):
    """README: the table is as wide as the terminal, 160 columns in a pipe; `COLUMNS=100 apkneed
    plan ... | cat` was still 160 wide. COLUMNS is honoured in a pipe too; without it, 160."""
    import os
    import subprocess
    import sys

    from plan_helpers import cli_env, invoke

    args = ["plan", "pillow==12.3.0", "--index", str(v316_index_path), "--arch", "x86_64"]
    assert invoke(plan_cache, *args).exit_code == 0  # the cache primed in process: the runs below are offline
    base = {k: v for k, v in {**os.environ, **cli_env(plan_cache)}.items() if v is not None and k != "COLUMNS"}

    def widest(columns: str | None) -> int:
        env = {**base, **({"COLUMNS": columns} if columns else {})}
        run = subprocess.run([sys.executable, "-m", "apkneed", *args, "--offline"], capture_output=True, text=True,
                             env=env, timeout=120)  # stdout is a pipe, as in `| cat`
        assert run.returncode == 0 and "┃" in run.stdout, run.stderr
        return max(len(line) for line in run.stdout.splitlines() if "┃" in line or "│" in line)

    assert widest(None) == 160
    assert widest("120") == 120  # the why column folds to fit
    assert widest("not-a-number") == 160  # not a width: ignored, as shutil ignores it
