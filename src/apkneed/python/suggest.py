""""Did you mean numpy?" for a project the index does not have.

The index itself answers, cheaply: the names one typing slip away from the
unknown one (a doubled letter dropped, two neighbours swapped, a stray
letter dropped: ``numpyy`` -> ``numpy``, ``nupmy`` -> ``numpy``) are asked for with one HEAD request each
on the simple index (``<index>/<name>/``: 200 when the project exists, 404
when not), a few at a time. No list of all projects is downloaded (PyPI's
holds 600,000 names). A name that is too long gives no candidates (their
number grows with its length); a network error only means fewer suggestions:
this runs on the way to an error message, which it must never replace.

API::

    typo_candidates(name) -> list[str]                   # canonical names, most likely slip first
    did_you_mean(name, index_url, *, verify=True, exists=None) -> list[str]   # existing ones, at most 3
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Iterable

from packaging.utils import canonicalize_name

from apkneed.errors import ApkneedError

#: names longer than this get no suggestion: 2 x length requests would be too many
MAX_NAME_LENGTH = 24
#: HEAD requests in flight at once, and how long each may take (seconds)
PARALLEL = 8
TIMEOUT = 5.0


def typo_candidates(name: str) -> list[str]:
    """Canonical names one slip away: a doubled letter dropped, two neighbours swapped, any letter dropped."""
    name = canonicalize_name(name)
    if len(name) > MAX_NAME_LENGTH:
        return []
    found: list[str] = []
    # a doubled letter ("numpyy") is the likeliest slip: dropping one comes first (sorted is stable)
    doubled = [i for i in range(len(name)) if i and name[i] == name[i - 1]]
    deletions = [name[:i] + name[i + 1:] for i in sorted(range(len(name)), key=lambda i: i not in doubled)]
    swaps = [name[:i] + name[i + 1] + name[i] + name[i + 2:] for i in range(len(name) - 1)]
    first = [d for i, d in zip(sorted(range(len(name)), key=lambda i: i not in doubled), deletions) if i in doubled]
    # then two neighbours swapped ("nupmy"), then any letter dropped
    for candidate in (*first, *swaps, *deletions):
        candidate = canonicalize_name(candidate.strip("-._"))
        if candidate and candidate != name and candidate not in found:
            found.append(candidate)
    return found


def did_you_mean(
    name: str,
    index_url: str,
    *,
    verify: str | bool = True,
    exists: Callable[[Iterable[str]], set[str]] | None = None,
    limit: int = 3,
) -> list[str]:
    """The candidates the index has, in :func:`typo_candidates` order (at most ``limit``)."""
    candidates = typo_candidates(name)
    if not candidates:
        return []
    found = (exists or _index_has(index_url, verify))(candidates)
    return [c for c in candidates if c in found][:limit]


def _index_has(index_url: str, verify: str | bool) -> Callable[[Iterable[str]], set[str]]:
    def ask(names: Iterable[str]) -> set[str]:
        import httpx

        from apkneed.net.http import make_client

        names = list(names)
        try:
            with make_client(verify=verify, timeout=TIMEOUT) as client:

                def head(candidate: str) -> bool:
                    try:
                        return client.head(f"{index_url.rstrip('/')}/{candidate}/").status_code == 200
                    except (httpx.HTTPError, OSError):  # a suggestion must never become the error
                        return False

                with ThreadPoolExecutor(PARALLEL) as pool:
                    answers = list(pool.map(head, names))
        except (ApkneedError, httpx.HTTPError, OSError):  # e.g. an unreadable CA bundle: no suggestion
            return set()
        return {candidate for candidate, there in zip(names, answers) if there}

    return ask
