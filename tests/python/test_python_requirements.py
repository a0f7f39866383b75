"""Requirements files as pip reads them, and what apkneed refuses to plan."""

from __future__ import annotations

from pathlib import Path

import pytest

from apkneed.errors import InputError
from apkneed.python.requirements import logical_lines, read_requirements_file


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_a_real_requirements_tree(tmp_path: Path) -> None:
    digest = "4721f391ed90541fddacab5acf947aa0d3dc7d27b2e1e8eda2be8970586c3274"
    write(tmp_path / "reqs" / "base.txt", "# shared\nrequests[socks] >= 2.31  # inline comment\n")
    write(tmp_path / "constraints" / "pins.txt", "urllib3<3\n")
    top = write(
        tmp_path / "requirements.txt",
        "\n".join([
            "--index-url https://mirror.example/simple",
            "-r reqs/base.txt",
            "--constraint=constraints/pins.txt",
            "numpy==2.2.6; platform_machine == 'x86_64' \\",
            "    and python_version >= '3.10'",
            "six==1.17.0 \\",
            f"    --hash=sha256:{digest.upper()}",
            "pandas${PANDAS_SPEC}",
            "--pre",
            "--extra-index-url file:///opt/pypi/simple",
            "",
        ]),
    )
    result = read_requirements_file(top, environ={"PANDAS_SPEC": ">=2"})
    texts = [r.text for r in result.requirements]
    assert texts == [
        "requests[socks] >= 2.31",
        "numpy==2.2.6; platform_machine == 'x86_64'     and python_version >= '3.10'",
        "six==1.17.0",
        "pandas>=2",
    ]
    assert result.requirements[0].origin == f"{tmp_path / 'reqs' / 'base.txt'}:2"  # relative to its includer
    assert result.requirements[1].origin.endswith("requirements.txt:4")  # the first line of a continued line
    assert result.requirements[2].sha256 == frozenset({digest})
    assert [c.text for c in result.constraints] == ["urllib3<3"]
    assert result.index_url == "https://mirror.example/simple" and result.prerelease
    assert len(result.notes) == 1 and "ignored --extra-index-url file:///opt/pypi/simple" in result.notes[0]


def test_logical_lines_follow_pips_joining_rules() -> None:
    text = "a \\\nb\n# comment \\\nc\nd # trailing\ne#not-a-comment\n\\\n"
    assert logical_lines(text) == [(1, "a b"), (4, "c"), (5, "d"), (6, "e#not-a-comment")]


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("-e git+https://github.com/pypa/six#egg=six", "editable installs cannot be planned"),
        ("--editable=./src", "editable installs cannot be planned"),
        ("./local/pkg", "local paths and archives cannot be planned"),
        ("dist/six-1.17.0-py2.py3-none-any.whl", "local paths and archives cannot be planned"),
        ("six-1.17.0.tar.gz", "local paths and archives cannot be planned"),
        ("git+https://github.com/pypa/six", "URL and VCS requirements cannot be planned"),
        ("https://example.com/six-1.17.0.tar.gz", "URL and VCS requirements cannot be planned"),
        ("six @ https://example.com/six-1.17.0-py2.py3-none-any.whl", "direct URL requirements cannot be planned"),
        ("six==", "not a valid requirement 'six=='"),
        ("--only-binary :all:", "--only-binary is not supported"),
        ("--frobnicate", "unknown option --frobnicate"),
        ("six==1.17.0 --hash=md5:abc", "only sha256 --hash values can be checked"),
        ("six==1.17.0 --hash=sha256:xyz", "not a sha256 digest"),
        ("-r https://example.com/requirements.txt", "remote requirements files are not read"),
        ("-r missing.txt", "missing.txt: no such file"),
        ("six==1.17.0 --index-url https://x", "option --index-url is not allowed after a requirement"),
    ],
)
def test_refusals_name_the_file_and_line(tmp_path: Path, line: str, problem: str) -> None:
    path = write(tmp_path / "requirements.txt", f"# first line\nsix\n{line}\n")
    with pytest.raises(InputError) as caught:
        read_requirements_file(path)
    message = str(caught.value)
    assert problem in message
    if "no such file" not in problem:
        assert message.startswith(f"{path}:3: ")
    assert "\n" not in message
    # set_aside (apkneed check): a line pip installs and a plan cannot take is kept aside, the rest read
    if problem.endswith("cannot be planned"):
        found = read_requirements_file(path, set_aside=True)
        assert [r.text for r in found.requirements] == ["six"] and found.set_aside == (message,)
    else:
        with pytest.raises(InputError):
            read_requirements_file(path, set_aside=True)


def test_include_loops_and_missing_files(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", "-r b.txt\n")
    write(tmp_path / "b.txt", "-r a.txt\n")
    with pytest.raises(InputError, match=r"a\.txt: included from itself"):
        read_requirements_file(tmp_path / "a.txt")
    with pytest.raises(InputError, match=r"^requirements file .*nothere\.txt: no such file$"):
        read_requirements_file(tmp_path / "nothere.txt")


def test_an_endless_requirements_file_is_refused_not_read_whole(tmp_path: Path) -> None:
    # /dev/zero never ends: read whole, it filled memory (issue 11's class of item 7)
    with pytest.raises(InputError, match=r"requirements file /dev/zero: larger than 16777216 bytes; refused"):
        read_requirements_file(Path("/dev/zero"))
    included = write(tmp_path / "requirements.txt", "six\n-r /dev/zero\n")
    with pytest.raises(InputError, match="larger than"):
        read_requirements_file(included)


def test_options_that_change_what_pip_installs_are_not_called_harmless(tmp_path: Path) -> None:
    """--prefer-binary makes pip pick an older release with a wheel: the note says so (it said 'it does
    not change what is installed'); --no-deps is no requirements-file option pip accepts: refused."""
    notes = read_requirements_file(write(tmp_path / "a.txt", "--prefer-binary\nsix==1.17.0\n")).notes
    assert len(notes) == 1 and "does not change what is installed" not in notes[0]
    assert "an older release that has a wheel" in notes[0]
    with pytest.raises(InputError, match=r"b\.txt:1: pip does not accept --no-deps in a requirements file"):
        read_requirements_file(write(tmp_path / "b.txt", "--no-deps\nsix==1.17.0\n"))


def test_a_missing_include_names_the_line_that_includes_it(tmp_path: Path) -> None:
    """-r missing.txt: the error names the including file and line (it said only 'requirements file
    missing.txt: no such file', which does not say where missing.txt was asked for)."""
    top = write(tmp_path / "requirements.txt", "six==1.17.0\n-r sub/missing.txt\n")
    with pytest.raises(InputError, match=rf"^{tmp_path / 'requirements.txt'}:2: -r sub/missing.txt: no such file \({tmp_path / 'sub' / 'missing.txt'}\)$"):
        read_requirements_file(top)
    with pytest.raises(InputError, match=r"requirements.txt:1: -c nope.txt: no such file"):
        read_requirements_file(write(tmp_path / "requirements.txt", "-c nope.txt\n"))


def test_require_hashes_is_kept_with_where_it_was_read(tmp_path: Path) -> None:
    # pip's hash-checking mode: the caller enforces it, so the reader says where it was asked for
    write(tmp_path / "inner.txt", "six==1.17.0\n--require-hashes\n")
    outer = write(tmp_path / "outer.txt", "idna==3.10\n-r inner.txt\n--require-hashes\n")
    found = read_requirements_file(outer)
    assert found.require_hashes == f"{tmp_path / 'inner.txt'}:2"
    assert not any("require-hashes" in note for note in found.notes)
    assert read_requirements_file(tmp_path / "inner.txt").require_hashes == f"{tmp_path / 'inner.txt'}:2"
    assert read_requirements_file(write(tmp_path / "plain.txt", "six\n")).require_hashes is None
