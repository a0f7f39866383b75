"""pyproject.toml as a requirement source: PEP 621 dependencies, extras, PEP 735 groups."""

from __future__ import annotations

from pathlib import Path

import pytest
from fuzz_helpers import FUZZ, contained
from hypothesis import given
from hypothesis import strategies as st

from apkneed.errors import InputError
from apkneed.python.inputs import input_kind, read_python_input
from apkneed.python.project import read_pyproject

SCIENTIFIC = Path(__file__).parent / "data" / "scientific"

PROJECT = """\
[project]
name = "demo"
version = "1"
dependencies = ["numpy==2.2.6", "pyyaml>=6; python_version >= '3.9'"]

[project.optional-dependencies]
Fast_IO = ["lxml==6.1.3"]

[dependency-groups]
test = ["pytest>=8", {include-group = "lint"}]
lint = ["ruff==0.8.0"]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "pyproject.toml"
    path.write_text(text)
    return path


def texts(lines) -> list[str]:
    return [line.text for line in lines]


def test_dependencies_extras_and_groups_with_includes(tmp_path: Path) -> None:
    path = write(tmp_path, PROJECT)
    assert texts(read_pyproject(tmp_path)) == ["numpy==2.2.6", "pyyaml>=6; python_version >= '3.9'"]
    # extras and group names compare after normalisation (PEP 685, PEP 735)
    got = read_pyproject(path, extras=["fast-io"], groups=["TEST"])
    assert texts(got) == ["numpy==2.2.6", "pyyaml>=6; python_version >= '3.9'", "lxml==6.1.3", "pytest>=8", "ruff==0.8.0"]
    assert got[0].origin == f"{path}:4"
    assert got[-1].origin == f"{path}:11"


def test_the_committed_scientific_project(tmp_path: Path) -> None:
    found = read_python_input(SCIENTIFIC)
    assert found.kind == "pyproject" and len(found.requirements) == 11
    assert "scikit-learn==1.7.2" in texts(found.requirements)
    assert input_kind(SCIENTIFIC / "uv.lock") == "uv.lock"
    assert input_kind(SCIENTIFIC / "pylock.toml") == "pylock.toml"
    assert input_kind(SCIENTIFIC / "requirements.txt") == "requirements"


@pytest.mark.parametrize(
    "text, extras, groups, message",
    [
        ("[tool.x]\na = 1\n", (), (), r"pyproject.toml:1: no \[project\] table"),
        (PROJECT.replace('{include-group = "lint"}', '{include-group = "test"}'), (), ("test",),
         r"pyproject.toml:10: dependency group 'test' includes itself \(test -> test\)"),
        (PROJECT.replace('lint = ["ruff==0.8.0"]', 'lint = [{include-group = "test"}]'), (), ("test",),
         r"pyproject.toml:11: dependency group 'test' includes itself \(test -> lint -> test\)"),
        (PROJECT, ("gpu",), (), r"--extra gpu: the project has no such extra \(extras: Fast_IO\)"),
        (PROJECT, (), ("docs",), r"--group docs: no such dependency group \(groups: lint, test\)"),
        (PROJECT.replace('"numpy==2.2.6"', '"numpy @ https://x.invalid/n.whl"'), (), (),
         r"pyproject.toml:4: \[project\].dependencies: .* is a direct URL"),
        (PROJECT.replace('"numpy==2.2.6"', '"numpy=>2"'), (), (), r"pyproject.toml:4: .*not a PEP 508 requirement"),
        ("[project\n", (), (), r"pyproject.toml: not valid TOML"),
    ],
)
def test_bad_projects_are_one_line_naming_file_and_line(tmp_path, text, extras, groups, message) -> None:
    write(tmp_path, text)
    with pytest.raises(InputError, match=message) as caught:
        read_pyproject(tmp_path / "pyproject.toml", extras=extras, groups=groups)
    assert "\n" not in str(caught.value)


def test_a_directory_without_a_project(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="a directory without pyproject.toml"):
        read_pyproject(tmp_path)


def test_extras_need_a_project_or_uv_lock(tmp_path: Path) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("numpy\n")
    with pytest.raises(InputError, match="--extra/--group need a pyproject.toml or uv.lock"):
        read_python_input(requirements, extras=["x"])


@FUZZ
@given(data=st.data())
def test_fuzz_pyproject_reader(tmp_path_factory, data) -> None:
    """Mutated project files: the reader answers or raises one InputError line, never crashes."""
    seed = PROJECT.encode()
    text = bytearray(seed)
    for _ in range(data.draw(st.integers(1, 6))):
        at = data.draw(st.integers(0, len(text) - 1))
        text[at] = data.draw(st.sampled_from(list(b'[]{}="#\n,a-_.')))
    folder = tmp_path_factory.mktemp("fuzz")
    (folder / "pyproject.toml").write_bytes(bytes(text))
    contained(lambda: read_pyproject(folder, extras=data.draw(st.lists(st.sampled_from(["fast-io", "x"]), max_size=1)),
                                     groups=data.draw(st.lists(st.sampled_from(["test", "lint", "x"]), max_size=2))))


def test_a_project_that_compiles_code_is_said_not_to_be_planned_itself(tmp_path: Path) -> None:
    """pip install . builds the project too; a plan covers its dependencies only. When the project has
    native sources, a note says its own build is not in the apk lines (nothing said so before)."""
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "fastthing"\nversion = "1"\ndependencies = ["six"]\n')
    assert read_python_input(tmp_path).notes == ()
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "_speedups.c").write_text("int x;\n")
    (note,) = read_python_input(tmp_path).notes
    assert "fastthing itself is not planned" in note and "src/_speedups.c" in note
