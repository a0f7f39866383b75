"""check plans what ``uv sync``, ``uv pip sync FILE`` and ``pip install .`` install, from the files
the stage COPYed from the build context: the scientific project's real uv.lock and pyproject
(tests/python/data/scientific, made by real uv), real PyPI files, the real v3.16 index.

psycopg2 2.9.13 (in the scientific set) publishes no Linux wheel: on a stage with no compiler,
planning it gives build-packages-missing, which a stage that planned nothing never gives.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

SCIENTIFIC = Path(__file__).resolve().parent.parent / "python" / "data" / "scientific"
PY = "FROM python:3.10-alpine3.16\nCOPY --from=ghcr.io/astral-sh/uv:0.9 /uv /bin/\nWORKDIR /app\n"


def _context(tmp_path: Path, *names: str) -> None:
    for name in names:
        shutil.copy(SCIENTIFIC / name, tmp_path / name)


def _run(tmp_path, run_check, v316_index_path, text: str):
    (tmp_path / "Dockerfile").write_text(text)
    return run_check(tmp_path / "Dockerfile", "--index", str(v316_index_path), "--arch", "x86_64")


def _by_code(report: dict, code: str) -> list[dict]:
    return [f for f in report["findings"] if f["code"] == code]


@pytest.mark.network
def test_uv_sync_is_planned_from_the_copied_lock(tmp_path, run_check, v316_index_path):
    """``uv sync --frozen --no-dev`` plans the lock's pins (psycopg2 is built: no compiler here)."""
    _context(tmp_path, "pyproject.toml", "uv.lock")
    status, report, result = _run(tmp_path, run_check, v316_index_path,
                                  PY + "COPY pyproject.toml uv.lock ./\nRUN uv sync --frozen --no-dev\n")
    assert status == 1, result.output
    assert not _by_code(report, "not-understood"), report["findings"]
    missing = _by_code(report, "build-packages-missing")
    assert {f["line"] for f in missing} == {5} and any("psycopg2 2.9.13" in f["message"] for f in missing)
    (suggestion,) = _by_code(report, "suggestion")
    assert any("numpy==2.2.6" in e and "psycopg2==2.9.13" in e for e in suggestion["evidence"])


def test_uv_sync_without_the_lock_in_the_image_says_what_is_missing(tmp_path, run_check, v316_index_path):
    status, report, result = _run(tmp_path, run_check, v316_index_path, PY + "COPY pyproject.toml ./\nRUN uv sync --locked\n")
    assert status == 0, result.output
    assert [(f["line"], f["code"]) for f in report["findings"]] == [(5, "not-planned")]
    assert "/app/uv.lock" in report["findings"][0]["message"]


@pytest.mark.parametrize("option", ["--all-extras", "--only-group imaging", "--package scientific"])
def test_uv_sync_options_not_read_are_not_understood(tmp_path, run_check, v316_index_path, option):
    _context(tmp_path, "pyproject.toml", "uv.lock")
    status, report, result = _run(tmp_path, run_check, v316_index_path,
                                  PY + f"COPY pyproject.toml uv.lock ./\nRUN uv sync --frozen {option}\n")
    assert status == 0, result.output
    (found,) = report["findings"]
    assert (found["line"], found["code"]) == (5, "not-understood")
    assert option.split()[0] in " ".join(found["evidence"]) + found["message"]


@pytest.mark.network
def test_uv_pip_sync_a_copied_requirements_file_is_planned(tmp_path, run_check, v316_index_path):
    (tmp_path / "requirements.txt").write_text("psycopg2==2.9.13\n")
    status, report, result = _run(tmp_path, run_check, v316_index_path,
                                  PY + "COPY requirements.txt .\nRUN uv venv /opt/venv && . /opt/venv/bin/activate "
                                       "&& uv pip sync requirements.txt\n")
    assert status == 1, result.output
    (missing,) = _by_code(report, "build-packages-missing")
    assert "psycopg2 2.9.13" in missing["message"]


def test_uv_pip_sync_of_a_file_not_copied_is_not_planned(tmp_path, run_check, v316_index_path):
    status, report, result = _run(tmp_path, run_check, v316_index_path,
                                  PY + "RUN uv pip sync --system requirements.txt\n")
    assert status == 0, result.output
    assert [(f["line"], f["code"]) for f in report["findings"]] == [(4, "not-planned")]
    assert "/app/requirements.txt" in report["findings"][0]["message"]


@pytest.mark.network
@pytest.mark.parametrize("install", ["pip install .", "pip install /app", "pip install --no-cache-dir ./"])
def test_pip_install_of_a_copied_project_plans_its_dependencies(tmp_path, run_check, v316_index_path, install):
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "app"\nversion = "1"\ndependencies = ["psycopg2==2.9.13"]\n')
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "_speedups.c").write_text("int f(void) { return 1; }\n")
    status, report, result = _run(tmp_path, run_check, v316_index_path, PY + f"COPY . .\nRUN {install}\n")
    assert status == 1, result.output
    (missing,) = _by_code(report, "build-packages-missing")
    assert missing["line"] == 5 and "psycopg2 2.9.13" in missing["message"]
    (note,) = _by_code(report, "not-planned")
    assert "the project app itself is not planned" in note["message"] and "_speedups.c" in note["message"]


def test_pip_install_of_a_project_not_copied_is_not_planned(tmp_path, run_check, v316_index_path):
    status, report, result = _run(tmp_path, run_check, v316_index_path, PY + "RUN pip install .\n")
    assert status == 0, result.output
    (note,) = _by_code(report, "not-planned")
    assert note["line"] == 4 and "/app/pyproject.toml" in note["message"]


@pytest.mark.network
def test_uv_pip_sync_a_copied_pylock_is_planned_from_its_pins(tmp_path, run_check, v316_index_path):
    _context(tmp_path, "pylock.toml")
    status, report, result = _run(tmp_path, run_check, v316_index_path,
                                  PY + "COPY pylock.toml .\nRUN uv pip sync --system pylock.toml\n")
    assert status == 1, result.output
    assert not _by_code(report, "not-planned") and not _by_code(report, "not-understood"), report["findings"]
    assert any("psycopg2 2.9.13" in f["message"] for f in _by_code(report, "build-packages-missing"))


@pytest.mark.parametrize("option, said", [("--extra nosuch", "--extra nosuch"), ("--group nosuch", "--group nosuch")])
def test_uv_sync_of_an_extra_or_group_the_lock_lacks_is_not_planned(tmp_path, run_check, v316_index_path, option, said):
    _context(tmp_path, "pyproject.toml", "uv.lock")
    status, report, result = _run(tmp_path, run_check, v316_index_path,
                                  PY + f"COPY pyproject.toml uv.lock ./\nRUN uv sync --frozen {option}\n")
    assert status == 0, result.output
    (note,) = report["findings"]
    assert note["code"] == "not-planned" and said in note["message"] and "/app/uv.lock" in note["message"]


def test_uv_sync_with_default_groups_set_in_the_pyproject_is_not_understood(tmp_path, run_check, v316_index_path):
    """tool.uv.default-groups changes what uv sync installs: not read, so not guessed."""
    _context(tmp_path, "uv.lock")
    text = (SCIENTIFIC / "pyproject.toml").read_text() + '\n[tool.uv]\ndefault-groups = ["imaging"]\n'
    (tmp_path / "pyproject.toml").write_text(text)
    status, report, result = _run(tmp_path, run_check, v316_index_path,
                                  PY + "COPY pyproject.toml uv.lock ./\nRUN uv sync --frozen\n")
    assert status == 0, result.output
    (note,) = report["findings"]
    assert note["code"] == "not-understood" and "default-groups" in " ".join(note["evidence"])


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.sampled_from(["uv sync", "uv pip sync", "uv pip install -r"]),
       st.lists(st.text(alphabet=st.sampled_from(list("-=abcdefrozn.txtlockgup ")), max_size=20), max_size=6))
def test_fuzz_the_uv_sync_reader(program, words):
    """Whatever the options: an event (UvSync, PipInstall or NotUnderstood), never an exception."""
    from apkneed.check.commands import NotUnderstood, PipInstall, UvSync, classify
    from apkneed.check.shell import SimpleCommand

    command = (*program.split(), *words)
    event = classify(SimpleCommand(command, text=" ".join(command)))
    assert isinstance(event, (UvSync, PipInstall, NotUnderstood))


@pytest.mark.network
def test_a_lock_the_stage_installs_is_planned_as_locked_with_its_hashes(tmp_path, run_check, v316_index_path):
    """pylock.toml keeping only pyyaml's manylinux wheels (as tests/plan/test_plan_locks.py makes it):
    uv installs only the files the lock lists, so pyyaml cannot install here; planned from the pins
    alone, the plan picked pyyaml's musllinux wheel from PyPI and said nothing."""
    import re

    text = (SCIENTIFIC / "pylock.toml").read_text()
    start = text.index('name = "pyyaml"')
    end = text.index("[[packages]]", start)
    kept = "\n".join(line for line in text[start:end].splitlines()
                     if "url = " not in line or ("manylinux" in line and "x86_64" in line))
    kept = re.sub(r"sdist = \{[^\n]*\n", "", kept)
    (tmp_path / "pylock.toml").write_text(text[:start] + kept + "\n\n" + text[end:])
    status, report, result = _run(tmp_path, run_check, v316_index_path,
                                  PY + "COPY pylock.toml .\nRUN uv pip sync --system pylock.toml\n")
    assert status == 1, result.output
    (unknown,) = [f for f in _by_code(report, "plan-unknown") if "pyyaml" in f["message"]]
    assert unknown["message"].startswith("pyyaml 6.0.3: nothing installs it") and "matches the files" in json.dumps(unknown)


@pytest.mark.network
def test_pip_install_of_a_copied_project_with_an_extra_plans_the_extra(tmp_path, run_check, v316_index_path):
    """``pip install .[db]``: the extra's dependencies too (it was planned as a requirement named '.[db]')."""
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "app"\nversion = "1"\ndependencies = []\n'
        '[project.optional-dependencies]\ndb = ["psycopg2==2.9.13"]\n')
    status, report, result = _run(tmp_path, run_check, v316_index_path, PY + "COPY . .\nRUN pip install '.[db]'\n")
    assert status == 1, result.output
    assert not _by_code(report, "plan-unknown"), report["findings"]
    assert any("psycopg2 2.9.13" in f["message"] for f in _by_code(report, "build-packages-missing"))
    status, report, result = _run(tmp_path, run_check, v316_index_path, PY + "COPY . .\nRUN pip install '.[web]'\n")
    assert status == 0, result.output
    (note,) = _by_code(report, "not-planned")
    assert "no such extra" in note["message"] and "/app/pyproject.toml" in note["message"]


@pytest.mark.network
def test_uv_sync_installs_the_dev_group_unless_no_dev(tmp_path, run_check, v316_index_path):
    """uv sync installs the group named dev by default, as uv does; --no-dev leaves it out. The lock is the
    scientific one with lxml only in a dev group (its group 'all' renamed, lxml out of the project's own list)."""
    text = (SCIENTIFIC / "uv.lock").read_text()
    root = text.index('name = "scientific"')
    head, tail = text[:root], text[root:]
    tail = tail.replace('    { name = "lxml" },\n', "", 1).replace("[package.dev-dependencies]\nall = [", "[package.dev-dependencies]\ndev = [", 1)
    (tmp_path / "uv.lock").write_text(head + tail)
    _context(tmp_path, "pyproject.toml")
    pins = {}
    for option in ("", "--no-dev"):
        status, report, result = _run(tmp_path, run_check, v316_index_path,
                                      PY + f"COPY pyproject.toml uv.lock ./\nRUN uv sync --frozen {option}\n")
        assert status == 1, result.output
        (suggestion,) = _by_code(report, "suggestion")
        pins[option] = suggestion["evidence"][-1]
    assert "lxml==6.1.3" in pins[""] and "lxml==" not in pins["--no-dev"]
    assert "numpy==2.2.6" in pins["--no-dev"]
