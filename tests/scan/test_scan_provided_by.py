"""scan's text and JSON name the same providers (issue 11, item 12): without an index the
JSON said ``provided_by: []`` where the text said ``zlib (installed, file gone)``."""

from __future__ import annotations

import json

from click.testing import CliRunner
from scanroots import make_root, put

from apkneed.cli import main


def test_a_deleted_file_of_an_installed_package_is_provided_by_it_in_text_and_json(
    tmp_path, builds, shared_dir, isolated_cache
):
    db = shared_dir / "alpine/installed/python-3.10-alpine3.16-x86_64.installed"
    root = make_root(tmp_path / "root", builds, installed=db)
    put(root, builds, "app-z", "/usr/local/bin/app-z")

    as_json = CliRunner().invoke(main, ["scan", str(root), "--json"])
    text = CliRunner(env={"COLUMNS": "200"}).invoke(main, ["scan", str(root)])

    assert as_json.exit_code == text.exit_code == 1
    (entry,) = json.loads(as_json.stdout)["missing"]
    assert entry["installed_by"] == ["zlib"] and entry["provided_by"] == ["zlib"]
    row = next(line for line in text.stdout.splitlines() if "libz.so.1" in line)
    assert "zlib (installed, file gone)" in row
