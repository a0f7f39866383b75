"""The apk answer tests' route through kept answers: each request answered twice, the second time from its kept copy.

The first answer is the solver's own (:func:`apkneed.alpine.solver.solve`,
called by :func:`apkneed.alpine.sources.kept_answers.answer` when nothing is
kept yet, its outcome handed back unchanged); the second must be read back
from the kept answer. A test holds both to apk-tools' answer.
"""

from __future__ import annotations

from apkneed.alpine.providers import build_provider_map
from apkneed.alpine.sources.kept_answers import answer
from apkneed.alpine.sources.parsed import ParsedIndexes


def kept_world_map(store: ParsedIndexes, paths, tags=None, **options):
    """The provider map of index files read through ``store``'s parsed copies, so that its answers are kept."""
    indexes = [store.read_file(path) for path in paths]
    providers = build_provider_map(indexes, tags, **options)
    assert providers.kept_copies is not None, "every index must have its parsed copy, or no answer is kept"
    return providers


def answered_twice(providers, request, rules=None) -> list:
    """[the first outcome, the outcome read back]: each a Solution or a SolverError."""
    first = answer(providers, request, rules)
    again = answer(providers, request, rules)
    assert again.recalled, "the second answer must come from the kept copy"
    return [first.outcome, again.outcome]
