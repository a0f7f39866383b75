"""Files the user names are read bounded: /dev/zero and huge files end in one line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from apkneed.cli import main
from apkneed.errors import InputError
from apkneed.inputfile import read_input_bytes, read_input_text
from apkneed.python.config import index_config
from apkneed.tomlfile import read_toml, read_toml_and_text


def test_dev_zero_is_refused_at_the_cap():
    with pytest.raises(InputError, match=r"^pip configuration /dev/zero: larger than 1024 bytes; refused$"):
        read_input_bytes("/dev/zero", limit=1024, what="pip configuration")


def test_missing_directory_and_undecodable_files_are_one_line(tmp_path: Path):
    with pytest.raises(InputError, match=r"^TOML file .*nope\.toml: no such file$"):
        read_input_text(tmp_path / "nope.toml", what="TOML file")
    with pytest.raises(InputError, match=r": is a directory$"):
        read_input_bytes(tmp_path)
    (tmp_path / "latin1.txt").write_bytes(b"caf\xe9\n")
    with pytest.raises(InputError, match=r"latin1\.txt: not UTF-8 text \(byte 3\)$"):
        read_input_text(tmp_path / "latin1.txt")
    (tmp_path / "ok.txt").write_bytes(b"x" * 1024)
    assert read_input_bytes(tmp_path / "ok.txt", limit=1024) == b"x" * 1024


def test_a_toml_file_nested_past_the_parser_stack_is_bad_input(tmp_path: Path):
    deep = tmp_path / "pyproject.toml"
    deep.write_text("x = " + "[" * 100_000 + "]" * 100_000 + "\n")
    with pytest.raises(InputError, match=r"pyproject\.toml: not valid TOML \(nested too deeply\)$"):
        read_toml(deep)


@pytest.mark.parametrize("name", ["pyproject.toml", "uv.lock", "pylock.toml"])
def test_a_project_or_lock_file_nested_past_the_parser_stack_is_bad_input(tmp_path: Path, name: str):
    path = tmp_path / name
    path.write_text("a = " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(InputError, match=re.escape(f"{name}: not valid TOML (nested too deeply)") + "$"):
        read_toml_and_text(path)
    if name == "pyproject.toml":  # once through the command: one line, exit 2 (it was an internal error)
        result = CliRunner().invoke(main, ["plan", str(path)])
        assert result.exit_code == 2, result.output
        assert result.stderr.strip().splitlines() == [f"apkneed: error: {path}: not valid TOML (nested too deeply)"]


def test_a_huge_pip_conf_is_refused_without_reading_it_whole(tmp_path: Path):
    huge = tmp_path / "pip.conf"
    with huge.open("wb") as stream:  # sparse: 3 GiB on paper, nothing on disk
        stream.truncate(3 << 30)
    environ = {"HOME": str(tmp_path), "PIP_CONFIG_FILE": str(huge)}
    with pytest.raises(InputError, match=r"^pip configuration .*pip\.conf: larger than \d+ bytes; refused$"):
        index_config(environ=environ)


def test_plan_from_dev_zero_is_one_line_exit_2():
    result = CliRunner().invoke(main, ["why", "zlib", "--plan", "/dev/zero"])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"apkneed: error: --plan /dev/zero: larger than {16 << 20} bytes; refused"
    ]
