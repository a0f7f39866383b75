"""The solver against apk-tools' own solver test suite (made-up repositories).

``data/apk-tools-solver/`` is a verbatim copy of the cases of apk-tools'
``test/`` directory that start from an empty root (see SOURCE.md there): the
arguments apk's test binary ran with and the exact output it must print.
They cover provider priorities, conflicts, versioned and virtual provides,
install_if, repository tags and the error report. Every line must match.
"""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from apkneed.alpine.index import read_index_bytes
from apkneed.alpine.providers import build_provider_map
from apkneed.alpine.solver import SolverError, solve
from apkneed.alpine.sources.kept_answers import answer
from apkneed.alpine.sources.parsed import ParsedIndexes
from apkneed.errors import InputError

from kept_route import answered_twice

DATA = Path(__file__).parent / "data" / "apk-tools-solver"
CASES = sorted(DATA.glob("*.test"))


def _blocks(path: Path) -> tuple[list[str], str]:
    text = path.read_text()
    args = text.split("@ARGS\n", 1)[1].split("@EXPECT\n", 1)[0]
    return shlex.split(args), text.split("@EXPECT\n", 1)[1]


def _case(args: list[str]) -> tuple[list[str], list[str | None], list[str]]:
    """(repository files, their tags, the world) of one case's arguments."""
    files, tags, world = [], [], []
    i = 0
    while i < len(args):
        if args[i] == "--test-repo":
            tag, _, name = args[i + 1].rpartition(":")
            files.append(name)
            tags.append(tag or None)
            i += 2
        elif args[i] == "--test-world":
            world += args[i + 1].split()
            i += 2
        elif args[i] == "add":
            world += args[i + 1 :]
            break
        else:
            raise AssertionError(f"unexpected argument {args[i]!r}")
    return files, tags, world


def _run(args: list[str]) -> str:
    """Run one case the way apk's test binary does, printing what apk prints."""
    files, tags, world = _case(args)
    indexes = [read_index_bytes((DATA / f).read_bytes(), source=f, repository=f) for f in files]
    # apk's test binary loads repositories after opening: reverse deps in load order
    providers = build_provider_map(indexes, tags, reverse_order="load")
    try:
        return _printed(solve(providers, world))
    except SolverError as exc:
        return _printed(exc)
    except InputError as exc:
        return f"ERROR: {exc}\n"


def _run_kept(args: list[str], store: ParsedIndexes) -> list[str]:
    """The same case answered twice through kept answers: what apk prints, each time."""
    files, tags, world = _case(args)
    indexes = [store.read_bytes((DATA / f).read_bytes(), key=str(DATA / f), source=f, repository=f) for f in files]
    providers = build_provider_map(indexes, tags, reverse_order="load")
    try:
        if not files:  # no repository, no parsed copy: nothing is kept, each answer is a solve
            answers = [answer(providers, world), answer(providers, world)]
            assert providers.kept_copies is None and not any(a.recalled for a in answers)
            return [_printed(a.outcome) for a in answers]
        assert providers.kept_copies is not None
        return [_printed(outcome) for outcome in answered_twice(providers, world)]
    except InputError as exc:
        return [f"ERROR: {exc}\n"] * 2


def _printed(outcome) -> str:
    if isinstance(outcome, SolverError):
        return outcome.apk_output + "\n"
    total = len(outcome.steps)
    out = "".join(f"({n}/{total}) Installing {step}\n" for n, step in enumerate(outcome.steps, 1))
    return out + f"OK: {outcome.installed_size // (1024 * 1024)} MiB in {total} packages\n"


def test_all_cases_are_here():
    assert len(CASES) == 46
    assert (DATA / "SOURCE.md").read_text().count("9c5d9efb05e4b1775da2270223011345a9b5dae8") == 1


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_case_prints_what_apk_prints(case):
    args, expected = _blocks(case)
    assert _run(args) == expected


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_case_through_kept_answers(case, tmp_path):
    """Answered twice, the second time from the kept answer: both print what apk prints."""
    args, expected = _blocks(case)
    assert _run_kept(args, ParsedIndexes(tmp_path / "parsed")) == [expected, expected]
