"""Answers the solver gave before, kept for a request asked again in the same world.

A fresh solve of ``py3-numpy py3-scipy`` in v3.21 main + community takes
~90 ms with apk-tools 2.14's rules and ~190 ms with 3.0's: apk itself spends
~20 ms of C in its solver for it (docs/benchmarks.md, "The solve (issue 15,
round 4)"), so a Python port cannot answer a fresh request in a few
milliseconds. A request asked before in the same world can be: its answer
(package numbers and tags, or apk's error report) is kept under
``<cache root>/alpine/answers/<sha256 of the key>``, beside the parsed copies
and provider tables of :mod:`apkneed.alpine.sources.parsed`, and read back
in well under a millisecond. This is a repeat of an answer, not a solve.

The key is everything the answer depends on:

* the world's index files in apk's repository order (the sha256 of each, as
  the provider tables are keyed), each with its repository tag, and the
  map's reverse-dependency order;
* the solver rules (every field of the :class:`SolverRules`, not only the
  generation's label);
* the request as parsed atoms (name, operator, version, conflict, tag), in
  the order the request gives them (apk sorts its world, but the answer's
  ``request`` keeps the order);
* apkneed's version, the Python cache tag (marshal's format is Python's) and
  a sha256 of the source of the modules the answer comes from (the solver,
  its rules and report and the parts they share, the provider table,
  versions, checksums and atoms, and the package columns that number the
  packages; tests/alpine/test_kept_answers.py checks that every alpine
  module the solver imports is there), so a
  developer who changes ``solver.py`` never reads an answer an older solver
  made.

Only worlds whose every index was read through a parsed copy (``--index``
files and the embedded snapshot; see :mod:`apkneed.alpine.sources.parsed` for
why mirror bodies are not) keep answers; any other world is simply solved.

A kept answer is used only when all of this holds, else the request is
solved and the answer written again:

* it is private to the user (:func:`apkneed.cache.read_private`) and at most
  :data:`MAX_ANSWER` bytes;
* its header names this very key's sha256 (a file of another key, copied or
  renamed into place, is foreign) and the sha256 of its body, which must
  match before the body is unmarshalled (a torn or damaged file never is);
* the body has the shape :func:`encode_answer` writes, and every package
  number it names is a package of this world.

Format: one header line ``apkneed-kept-answer 1 <sha256 of the key> <sha256
of the body>``, then the body (marshal): ``("ok", ((number, tag), ...))`` or
``("error", problems, explanation, error count, header, warnings)`` with each
problem as ``(kind, name, subject, sections)``. Files are written through
:func:`apkneed.cache.write_private` (atomic, 0600 in a 0700 directory; no
fsync, as for parsed copies: a torn file fails its sha256 and is solved again); they
count in ``apkneed cache info`` under ``alpine`` and are evicted with the
rest of the cache by its size limit.

The solver stays pure (:mod:`apkneed.alpine.solver` does no cache I/O): this
module wraps it, on the sources side of the alpine floor.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import sys
from collections import namedtuple

from apkneed import __version__
from apkneed.cache import read_private, write_private
from apkneed.pathtext import path_text
from apkneed.records import Frozen, set_field

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (milliseconds of every resolve)
if TYPE_CHECKING:
    from collections.abc import Sequence

    from apkneed.alpine.atom import Dependency
    from apkneed.alpine.providers import ProviderMap
    from apkneed.alpine.solver import Solution, SolverError
    from apkneed.alpine.solver_rules import SolverRules

    StrPath = str | os.PathLike[str]

FORMAT = "apkneed-kept-answer 1"
#: the largest answer read back: a solve of every package of a 25,000-package
#: world is ~300 KB; anything far larger is not one of ours
MAX_ANSWER = 4 * 1024 * 1024
#: the modules an answer comes from (their source is part of the key): the solver and what it reads, and
#: the modules that number the packages (an answer keeps package numbers: a copy parsed again by a changed
#: index_columns.py or columns.py could number them otherwise under the same index sha256)
SOLVER_SOURCES = ("solver.py", "solver_report.py", "solver_parts.py", "solver_rules.py", "providers.py", "version.py",
                  "atom.py", "checksum.py", "package.py", "columns.py", "index_columns.py")

_solver_digest: list[str | None] = []  # computed once per process


def solver_digest() -> str | None:
    """sha256 of the solver's own source (None if it cannot be read: no answer is kept then)."""
    if not _solver_digest:
        folder = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))  # apkneed/alpine
        digest = hashlib.sha256()
        try:
            for name in SOLVER_SOURCES:
                with open(os.path.join(folder, name), "rb") as file:
                    data = file.read()
                digest.update(f"{name} {len(data)}\n".encode())
                digest.update(data)
            _solver_digest.append(digest.hexdigest())
        except OSError:
            _solver_digest.append(None)
    return _solver_digest[0]


def answer_key(providers: ProviderMap, world: Sequence[Dependency], rules: SolverRules) -> str | None:
    """The key text of this request in this world under ``rules``; None when the world keeps no answers."""
    kept = providers.kept_copies
    source = solver_digest()
    if not kept or source is None:
        return None
    lines = [
        FORMAT,
        f"apkneed {__version__} python {sys.implementation.cache_tag} solver {source}",
        f"rules {rules!r}",
        f"reverse order {providers.reverse_order}",
    ]
    lines += [f"index {copy.digest} tag {tag!r}" for copy, tag in zip(kept, providers.tags)]
    lines += [f"atom {tuple(atom)!r}" for atom in world]
    return "\n".join(lines)


def encode_answer(key_digest: str, answer: Solution | SolverError, providers: ProviderMap) -> bytes | None:
    """The kept form of a solution (or of apk's refusal); None for what cannot be kept."""
    from apkneed.alpine.solver import SolverError

    if isinstance(answer, SolverError):
        problems = tuple((p.kind, p.name, p.subject, p.sections) for p in answer.problems)
        body = ("error", problems, answer.explanation, answer.error_count, answer.header, answer.warnings)
    else:
        try:
            numbers = [providers.packages.number_of(step.package) for step in answer.steps]
        except KeyError:
            return None  # not a package of this world's table: nothing to keep
        body = ("ok", tuple(zip(numbers, (step.tag for step in answer.steps))))
    data = marshal.dumps(body)
    return f"{FORMAT} {key_digest} {_sha256(data)}\n".encode() + data


def decode_answer(data: bytes, key_digest: str, providers: ProviderMap, world: tuple[Dependency, ...]):
    """The Solution or SolverError a kept answer holds; None if it is not a usable answer of this key."""
    from apkneed.alpine.solver import InstallStep, Solution, SolverError
    from apkneed.alpine.solver_parts import Problem

    end = data.find(b"\n", 0, 256)
    if end < 0:
        return None
    header = data[:end].split(b" ")
    prefix = FORMAT.split(" ")
    if len(header) != len(prefix) + 2 or header[: len(prefix)] != [part.encode() for part in prefix]:
        return None
    body = memoryview(data)[end + 1 :]
    if header[-2] != key_digest.encode() or header[-1] != _sha256(body).encode():
        return None
    try:
        kept = marshal.loads(body)
    except (ValueError, EOFError, TypeError):
        return None
    if type(kept) is not tuple or not kept:
        return None
    if kept[0] == "ok" and len(kept) == 2 and type(kept[1]) is tuple:
        packages = providers.packages
        count = len(packages)
        steps = []
        for step in kept[1]:
            if not (type(step) is tuple and len(step) == 2):
                return None
            number, tag = step
            if not (type(number) is int and 0 <= number < count and type(tag) is str):
                return None
            steps.append(InstallStep(packages[number], tag))
        return Solution(request=world, steps=tuple(steps))
    if kept[0] == "error" and len(kept) == 6:
        _, problems, explanation, error_count, header_text, warnings = kept
        if not (type(problems) is tuple and type(explanation) is str and type(error_count) is int
                and type(header_text) is str and _strings(warnings)):
            return None
        made = []
        for problem in problems:
            if not (type(problem) is tuple and len(problem) == 4 and _strings(problem[:3])):
                return None
            sections = problem[3]
            if not (type(sections) is tuple and all(
                type(section) is tuple and len(section) == 2 and type(section[0]) is str and _strings(section[1])
                for section in sections
            )):
                return None
            made.append(Problem(*problem))
        return SolverError(made, explanation, error_count, header_text, warnings)
    return None


def _strings(values) -> bool:
    """A tuple of str, nothing else."""
    return type(values) is tuple and all(type(value) is str for value in values)


def _sha256(data) -> str:
    return hashlib.sha256(data).hexdigest()


class Answer(namedtuple("Answer", ("outcome", "recalled"))):
    """What a request got: a Solution or a SolverError, and whether it was read from a kept answer."""

    __slots__ = ()

    outcome: Solution | SolverError
    #: True: read back from the kept answer (a repeat, not a solve)
    recalled: bool


class KeptAnswers(Frozen):
    """Answers under ``root`` (``<cache root>/alpine/answers``); one that cannot be read or written is not used."""

    __slots__ = ("root",)

    root: StrPath

    def __init__(self, root: StrPath) -> None:
        set_field(self, "root", root)

    def path(self, key_digest: str) -> str:
        return os.path.join(self.root, key_digest)

    def read(self, key_digest: str, providers: ProviderMap, world: tuple[Dependency, ...]):
        """The answer kept under this key, or None (absent, foreign, damaged, not private)."""
        data = read_private(self.path(key_digest), limit=MAX_ANSWER)
        return None if data is None else decode_answer(data, key_digest, providers, world)

    def keep(self, key_digest: str, outcome: Solution | SolverError, providers: ProviderMap) -> bool:
        data = encode_answer(key_digest, outcome, providers)
        # no fsync (3.8 ms a new request, more in a plan that solves several worlds): as a parsed
        # copy, an answer carries its body's sha256, checked before use; a torn one is solved again
        return data is not None and write_private(self.path(key_digest), data, sync=False)


def answers_of(providers: ProviderMap) -> KeptAnswers | None:
    """Where this world's answers are kept: beside its parsed copies; None if it keeps none."""
    kept = providers.kept_copies
    return KeptAnswers(os.path.join(os.path.dirname(path_text(kept[0].store.root)), "answers")) if kept else None


def answer(providers: ProviderMap, request: Sequence[str | Dependency], rules: SolverRules | None = None) -> Answer:
    """apkneed.alpine.solver.solve's answer to ``request``, from the kept answer when there is one.

    Bad atoms raise InputError before anything is read, as solve does.
    """
    from apkneed.alpine.solver import SolverError, parse_request, solve
    from apkneed.alpine.solver_rules import APK_TOOLS_2

    world = parse_request(request)
    rules = rules or providers.solver_rules or APK_TOOLS_2
    store = answers_of(providers)
    key = answer_key(providers, world, rules) if store is not None else None
    key_digest = _sha256(key.encode("utf-8", "surrogateescape")) if key is not None else None
    if key_digest is not None:
        found = store.read(key_digest, providers, world)
        if found is not None:
            return Answer(found, True)
    try:
        outcome = solve(providers, world, rules)
    except SolverError as exc:
        outcome = exc
    if key_digest is not None:
        store.keep(key_digest, outcome, providers)
    return Answer(outcome, False)


def solve_kept(providers: ProviderMap, request: Sequence[str | Dependency],
               rules: SolverRules | None = None) -> Solution:
    """Like :func:`apkneed.alpine.solver.solve` (a Solution, or SolverError raised), through the kept answers."""
    outcome = answer(providers, request, rules).outcome
    if isinstance(outcome, BaseException):
        raise outcome
    return outcome
