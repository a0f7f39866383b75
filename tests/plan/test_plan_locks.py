"""Plans from a project, a uv.lock and a pylock.toml: the same pins give the same plan.

The inputs are the real files uv wrote for the scientific set
(tests/python/data/scientific, see its README). A lock is planned as locked:
its pins are the plan's pins and only the files it lists may be chosen.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from plan_helpers import invoke

SCIENTIFIC = Path(__file__).parents[1] / "python" / "data" / "scientific"
TARGET = ("--arch", "x86_64", "--base", "python:3.10")


@pytest.fixture(scope="module")
def v316(v316_index_path):
    return ("--index", str(v316_index_path), *TARGET)


def _plan(plan_cache, v316, *args) -> dict:
    result = invoke(plan_cache, "plan", *args, *v316, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    data.pop("stats")
    return data


def _without_provenance(data: dict) -> dict:
    """The plan less who asked for each pin: a pylock.toml does not say, a uv.lock does."""
    return {**data, "packages": [{k: v for k, v in p.items() if k not in ("direct", "requested_by")} for p in data["packages"]]}


def test_requirements_project_uv_lock_and_pylock_give_one_plan(plan_cache, v316) -> None:
    plans = {
        "requirements.txt": _plan(plan_cache, v316, "-r", SCIENTIFIC / "requirements.txt"),
        "project": _plan(plan_cache, v316, SCIENTIFIC),
        "uv.lock": _plan(plan_cache, v316, "-r", SCIENTIFIC / "uv.lock"),
        "pylock.toml": _plan(plan_cache, v316, SCIENTIFIC / "pylock.toml"),
    }
    reference = _without_provenance(plans["requirements.txt"])
    assert len(reference["packages"]) == 27
    assert {p["name"]: p["route"] for p in reference["packages"]}["psycopg2"] == "source"
    for name, data in plans.items():
        assert _without_provenance(data) == reference, name
    # the uv.lock knows what the project asked for; its pins are exactly the lock's
    uv = {p["name"]: p for p in plans["uv.lock"]["packages"]}
    assert uv["numpy"]["direct"] and not uv["cffi"]["direct"] and uv["cffi"]["requested_by"] == ["cryptography"]
    assert uv["contourpy"]["version"] == "1.3.2"


def test_a_lock_made_for_glibc_is_reported_per_distribution(plan_cache, v316, tmp_path) -> None:
    """Keep only pyyaml's manylinux wheels in the lock: pyyaml cannot be installed as locked."""
    text = (SCIENTIFIC / "pylock.toml").read_text()
    start = text.index('name = "pyyaml"')
    end = text.index("[[packages]]", start)
    block = text[start:end]
    kept = "\n".join(
        line for line in block.splitlines()
        if "url = " not in line or ("manylinux" in line and "x86_64" in line)
    )
    kept = re.sub(r"sdist = \{[^\n]*\n", "", kept)
    lock = tmp_path / "pylock.toml"
    lock.write_text(text[:start] + kept + "\n\n" + text[end:])
    result = invoke(plan_cache, "plan", "-r", lock, *v316, "--json")
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    pyyaml = next(p for p in data["packages"] if p["name"] == "pyyaml")
    assert pyyaml["version"] == "6.0.3"  # never re-resolved
    assert pyyaml["route"] is None and pyyaml["summary"] == "nothing installs it"
    assert re.search(
        rf"pyyaml==6.0.3: no file that installs on cp310-musllinux_1_2_x86_64 matches the files {re.escape(str(lock))}:\d+ lists "
        r"\(\d+ of its files are listed; installable here: pyyaml-6.0.3-cp310-cp310-musllinux_1_2_x86_64.whl, pyyaml-6.0.3.tar.gz\)",
        " ".join(pyyaml["reasons"]),
    )
    assert all(p["route"] is not None for p in data["packages"] if p["name"] != "pyyaml")


def test_a_hash_that_matches_no_file_is_bad_input_naming_the_line(plan_cache, v316, tmp_path) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("six==1.17.0 \\\n    --hash=sha256:" + "0" * 64 + "\n")
    result = invoke(plan_cache, "plan", "-r", requirements, *v316)
    assert result.exit_code == 2
    assert re.fullmatch(
        rf"apkneed: error: the --hash values of {re.escape(str(requirements))}:1: no file of six==1.17.0 on the index "
        r"has any of these sha256 values \(000000000000\.\.\.\)\n",
        result.stderr,
    )


def test_a_lock_is_the_whole_set(plan_cache, v316) -> None:
    result = invoke(plan_cache, "plan", "numpy", "-r", SCIENTIFIC / "uv.lock", *v316)
    assert result.exit_code == 2 and "a lock is the whole requirement set: give it alone" in result.stderr


def test_bad_project_and_lock_files_are_one_line_on_the_command_line(plan_cache, v316, tmp_path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.black]\nline-length = 100\n")
    lock = tmp_path / "uv.lock"
    lock.write_text((SCIENTIFIC / "uv.lock").read_text().replace("version = 1\n", "version = 9\n", 1))
    cases = [
        ((tmp_path,), rf"apkneed: error: {re.escape(str(tmp_path / 'pyproject.toml'))}:1: no \[project\] table"),
        (("-r", lock), rf"apkneed: error: {re.escape(str(lock))}:1: uv.lock version 9 is not one apkneed reads"),
        (("-r", SCIENTIFIC / "uv.lock", "--python", "3.9"),
         r"apkneed: error: .*uv.lock:3: the lock is for Python >=3.10, the target is Python 3.9 \("),
    ]
    for args, pattern in cases:
        target = v316 if "--python" not in args else v316[:4]  # --python 3.9 names its own base
        result = invoke(plan_cache, "plan", *args, *target)
        assert result.exit_code == 2, (args, result.output)
        assert len(result.stderr.strip().splitlines()) == 1 and re.match(pattern, result.stderr.strip()), result.stderr


def test_why_reads_a_lock_too(plan_cache, v316) -> None:
    result = invoke(plan_cache, "why", "zlib", "-r", SCIENTIFIC / "uv.lock", *v316)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("zlib ← so:libz.so.1 ← PIL/")
