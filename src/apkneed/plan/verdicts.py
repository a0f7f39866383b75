"""Plain verdicts when uv finds nothing to install: one line per distribution, then the options.

uv explains an unsatisfiable set in a paragraph of a thousand characters
("Because torch<=2.1.2 has no wheels with a matching Python ABI tag ...").
The user's question is simpler: *can pip install this on Alpine, and if not,
what can I do?* For every requirement named in the set, this module reads
the project's files on the index (the page uv already fetched; cached) and
says, per distribution that is the problem:

* ``torch 2.9.1: no wheel for musllinux_1_2_x86_64/cp312 and no sdist: pip cannot install it on Alpine``
* ``sklearn 0.0.post12: its sdist does not build: The 'sklearn' PyPI package is deprecated, ...``

followed by the options that exist, each checked: a glibc base image
(when the release has manylinux wheels), Alpine's own ``py3-*`` package (when
the target index has one; with ``--base alpine``), an older version that has
a wheel for the target or an sdist.

API::

    explain_unsatisfiable(requirements, uv_message, *, files_of, target, python, providers, image) -> str | None
"""

from __future__ import annotations

import re
from typing import Callable, Iterable, Sequence

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from apkneed.alpine.providers import ProviderMap
from apkneed.errors import ApkneedError
from apkneed.plan.apkmatch import apk_upstream
from apkneed.python.select import select_file
from apkneed.python.tags import Target

_FAILED_BUILD = re.compile(r"Failed to build `([^`=]+)==([^`]+)`")
_STDERR = re.compile(r"\[stderr\]\s*(.+)", re.DOTALL)
#: how many older releases to look through for one that installs
MAX_OLDER = 60


def explain_unsatisfiable(
    requirements: Sequence[str],
    uv_message: str,
    *,
    files_of: Callable[[str], Iterable],
    target: Target,
    python: str,
    providers: ProviderMap,
    image: str,
) -> str | None:
    """The plain verdict (module docstring), or None when no requirement is the problem."""
    lines: list[str] = []
    failed = _FAILED_BUILD.search(uv_message)
    if failed:
        name, version = failed.group(1), failed.group(2)
        cause = _STDERR.search(uv_message)
        first = _first_sentence(cause.group(1)) if cause else "the build backend failed"
        lines.append(f"{name} {version}: its sdist does not build, so pip cannot install it anywhere ({first})")
    for text in requirements:
        try:
            requirement = Requirement(text)
        except InvalidRequirement:
            continue
        if failed and canonicalize_name(requirement.name) == canonicalize_name(failed.group(1)):
            continue
        try:
            files = list(files_of(requirement.name))
        except ApkneedError:
            continue
        line = _verdict(requirement, files, target, python, providers, image)
        if line:
            lines.append(line)
    return " | ".join(lines) if lines else None


def _verdict(requirement: Requirement, files: list, target: Target, python: str, providers: ProviderMap, image: str) -> str | None:
    versions = sorted({f.version for f in files if f.version is not None and not f.yanked}, reverse=True)
    allowed = [v for v in versions if requirement.specifier.contains(v, prereleases=True)]
    stable = [v for v in allowed if not v.is_prerelease] or allowed
    if not stable:
        return None
    newest = stable[0]
    if _installs(files, requirement.name, newest, target):
        return None  # this one installs: it is not what makes the set unsatisfiable
    platform = f"{target.best_platform}/{target.interpreter}"
    release = [f for f in files if f.version == newest]
    has_sdist = any(f.is_sdist for f in release)
    what = "no sdist" if not has_sdist else "an sdist pip cannot use here"
    line = f"{requirement.name} {newest}: no wheel for {platform} and {what}: pip cannot install it on Alpine"
    options = []
    if any("manylinux" in f.filename for f in release):
        options.append(f"a glibc base image (e.g. python:{python}-slim) where its manylinux wheels install")
    alpine = _alpine_package(requirement.name, providers)
    if alpine:
        options.append(alpine)
    older = next((v for v in stable[1:MAX_OLDER + 1] if _installs(files, requirement.name, v, target)), None)
    if older is not None:
        options.append(f"an older release that installs on {image}: {requirement.name}=={older}")
    if options:
        line += "; options: " + "; ".join(options)
    else:
        line += "; no older release installs here and Alpine has no package of it"
    return line


def _installs(files: list, name: str, version: Version, target: Target) -> bool:
    try:
        select_file(files, name, version, target)
    except ApkneedError:
        return False
    return True


def _alpine_package(name: str, providers: ProviderMap) -> str | None:
    canonical = canonicalize_name(name)
    for candidate in (f"py3-{canonical}", *(f"py3-{n}" for n in _short_names(canonical))):
        found = [p.package for p in providers.providers(candidate) if p.package.name == candidate]
        if found:
            package = found[0]
            repo = ", ".join(providers.repositories_of(package)) or package.repository
            return f"Alpine's {package.name} {apk_upstream(package.version)} ({repo}) with --base alpine --route apk"
    return None


def _short_names(canonical: str) -> list[str]:
    return [canonical[len(prefix):] for prefix in ("python-", "py") if canonical.startswith(prefix)]


def _first_sentence(text: str) -> str:
    text = " ".join(text.split())
    end = re.search(r"(?<=[.!?])\s", text)
    sentence = text[: end.start()] if end else text
    return sentence[:200]

