"""scan's text keeps every package name and path whole at any width (issue 11, item 12, the same
class as the plan's table): at 80 columns rich cut ``ncurses-terminfo-base-6.3_p20…``."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from scanroots import make_root, put

from apkneed.cli import main


@pytest.fixture()
def root(tmp_path, builds, shared_dir):
    db = shared_dir / "alpine/installed/python-3.10-alpine3.16-x86_64.installed"
    made = make_root(tmp_path / "root", builds, installed=db)
    put(made, builds, "app-gomp", "/usr/bin/omp-tool")
    put(made, builds, "glibc-app", "/usr/bin/glibc-tool")
    return made


@pytest.mark.parametrize("columns", [40, 60, 80, 120, 200])
def test_every_name_is_whole_at_any_width(root, columns, v316_index_path, isolated_cache):
    as_json = CliRunner().invoke(main, ["scan", str(root), "--index", str(v316_index_path), "--json"])
    report = json.loads(as_json.stdout)
    text = CliRunner(env={"COLUMNS": str(columns)}).invoke(
        main, ["scan", str(root), "--index", str(v316_index_path)]
    ).stdout
    assert "…" not in text
    words = set(text.replace("│", " ").replace("┃", " ").split())
    names = {f"{u['name']}-{u['version']}" for u in report["unneeded"]}
    assert "ncurses-terminfo-base-6.3_p20220521-r0" in names
    assert names <= words, names - words
    assert {"/usr/bin/omp-tool", "/usr/bin/glibc-tool", "libgomp.so.1"} <= words
    if columns <= 60:  # no table fits: one block per row, labelled
        assert "  needed by:" in text or "  size:" in text
