#!/usr/bin/env python3
"""Generate the table of python:*-alpine* and alpine:* Docker tags ever published.

    .venv/bin/python scripts/python_alpine_tags.py --repo DIR [--rev REV] [--out FILE]

Inputs:

* ``--repo``: a git clone of https://github.com/docker-library/official-images
  (a bare clone is enough; the script only runs ``git log`` and ``git show``).
* ``--rev`` (default ``HEAD``): the newest commit read. Every commit from the
  repository's root to REV that touched ``library/python`` or ``library/alpine``
  is read; their first and last hashes are written into the output.

The two files are the manifests from which Docker Hub builds the official
``python`` and ``alpine`` images: a tag is published when a commit lists it,
and it keeps pointing at its last listed build after a commit drops it
(Docker Hub does not delete dropped tags). So the history of these two files
is the history of what ``docker pull python:3.12-alpine3.20`` could pull.

Both file formats are read: the line format of 2014-2016 (``TAG: URL@COMMIT
DIR``, one tag a line, lines with the same ``URL@COMMIT DIR`` forming one
image) and the RFC 2822 paragraphs used since (``Tags:``, ``SharedTags:``,
``Architectures:``, ``Directory:``).

Output (``--out``, default ``src/apkneed/plan/data/python-alpine-tags.json``,
read by ``apkneed.plan.published_tags``): for each Python X.Y the Alpine releases R
on which ``python:X.Y-alpineR`` was published (dates of the first commit
listing it and of the commit that dropped it, its X.Y.Z versions, its
architectures at its last listing), and the history of the floating tags
(``python:X.Y-alpine``, ``python:3-alpine``, ``python:alpine``,
``python:X.Y.Z-alpine``, ``alpine:latest``, ...): which release (and Python)
each meant from which date. Pre-releases (``3.15-rc-alpine3.24``,
``3.7.0b1-alpine3.7``) are left out: apkneed plans for released Pythons.
Images listed before 2017-06 carry no Alpine release in their tags
(``python:3.6-alpine`` built from ``3.6/alpine``); their release is
written as null (unknown), never guessed.

The output depends only on the repository's commits (sorted keys, no clock),
so a rerun on the same REV is byte-identical.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from apkneed.cache import atomic_write

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = PROJECT_ROOT / "src" / "apkneed" / "plan" / "data" / "python-alpine-tags.json"
UPSTREAM = "https://github.com/docker-library/official-images"

_ALPINE_SUFFIX_RE = re.compile(r"(?:^|-)alpine(?P<release>\d+\.\d+)?$")
_ALPINE_DIR_RE = re.compile(r"(?:^|/)alpine(?P<release>\d+\.\d+)(?:/|$)")
_PYTHON_FULL_RE = re.compile(r"^(?P<full>(?P<minor>\d+\.\d+)\.\d+)(?:-|$)")
_PRERELEASE_RE = re.compile(r"^\d+\.\d+(?:\.\d+)?(?:a|b|rc)\d*|^\d+\.\d+-rc|^rc(?:-|$)")
_OLD_LINE_RE = re.compile(r"^(?P<tag>[^\s:#][^\s:]*):\s*(?P<source>\S+@\S+(?:\s+\S+)?)\s*$")
_ALPINE_RELEASE_TAG_RE = re.compile(r"^(?P<release>\d+\.\d+)(?:\.\d+)?$")
_ALPINE_FLOATING_TAG_RE = re.compile(r"^(?:\d+|latest)$")


@dataclass(frozen=True)
class Entry:
    """One image of a manifest: the tags that point at it."""

    tags: tuple[str, ...]
    directory: str
    arches: tuple[str, ...]


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout


def commits(repo: Path, rev: str, path: str) -> list[tuple[str, str]]:
    """(hash, committer date YYYY-MM-DD), oldest first."""
    out = git(repo, "log", "--reverse", "--format=%H %cs", rev, "--", path)
    return [tuple(line.split()) for line in out.splitlines() if line.strip()]


def parse_manifest(text: str) -> list[Entry]:
    """Both formats of a library/ manifest, as a list of images."""
    if re.search(r"^Tags:", text, re.M):
        return _parse_rfc2822(text)
    return _parse_lines(text)


def _parse_rfc2822(text: str) -> list[Entry]:
    paragraphs = re.split(r"\n\s*\n", text)
    default_arches: tuple[str, ...] = ("amd64",)
    entries = []
    for paragraph in paragraphs:
        fields: dict[str, str] = {}
        key = None
        for line in paragraph.splitlines():
            if line.startswith("#") or not line.strip():
                continue
            if line[0].isspace() and key:  # continuation line
                fields[key] += " " + line.strip()
                continue
            key, _, value = line.partition(":")
            key = key.strip()
            fields[key] = value.strip()
        if "Tags" not in fields:
            if "Architectures" in fields:
                default_arches = _words(fields["Architectures"])
            continue
        tags = _words(fields["Tags"]) + _words(fields.get("SharedTags", ""))
        arches = _words(fields["Architectures"]) if "Architectures" in fields else default_arches
        entries.append(Entry(tuple(dict.fromkeys(tags)), fields.get("Directory", ""), arches))
    return entries


def _parse_lines(text: str) -> list[Entry]:
    grouped: dict[str, list[str]] = {}
    for line in text.splitlines():
        match = _OLD_LINE_RE.match(line.strip())
        if match:
            grouped.setdefault(match.group("source"), []).append(match.group("tag"))
    entries = []
    for source, tags in grouped.items():
        directory = source.split()[1] if len(source.split()) > 1 else ""
        entries.append(Entry(tuple(tags), directory, ("amd64",)))
    return entries


def _words(value: str) -> tuple[str, ...]:
    return tuple(word.strip() for word in value.split(",") if word.strip())


def _entry_alpine(entry: Entry) -> str | None:
    for tag in entry.tags:
        match = _ALPINE_SUFFIX_RE.search(tag)
        if match and match.group("release"):
            return match.group("release")
    match = _ALPINE_DIR_RE.search(entry.directory)
    return match.group("release") if match else None


def _entry_python(entry: Entry) -> tuple[str, str] | None:
    """(X.Y, X.Y.Z) of a released Python image; None for pre-releases and unversioned."""
    if any(_PRERELEASE_RE.match(tag) for tag in entry.tags):
        return None
    for tag in entry.tags:
        match = _PYTHON_FULL_RE.match(tag)
        if match:
            return match.group("minor"), match.group("full")
    return None


def python_state(text: str) -> tuple[dict[tuple[str, str], tuple[str, tuple[str, ...]]], dict[str, tuple[str, str | None]]]:
    """One commit of library/python.

    Returns ``pinned``: (X.Y, R) -> (X.Y.Z, arches) for every ``X.Y-alpineR``
    listed, and ``floating``: tag -> (X.Y, R or None) for every other alpine tag.
    """
    pinned: dict[tuple[str, str], tuple[str, tuple[str, ...]]] = {}
    floating: dict[str, tuple[str, str | None]] = {}
    for entry in parse_manifest(text):
        if not any(_ALPINE_SUFFIX_RE.search(tag) for tag in entry.tags):
            continue
        python = _entry_python(entry)
        if python is None:
            continue
        minor, full = python
        release = _entry_alpine(entry)
        for tag in entry.tags:
            if not _ALPINE_SUFFIX_RE.search(tag):
                continue
            if release and tag == f"{minor}-alpine{release}":
                pinned[(minor, release)] = (full, entry.arches)
            elif release and tag == f"{full}-alpine{release}":
                continue  # recorded as a version of the pinned tag
            else:
                floating[tag] = (minor, release)
    return pinned, floating


def alpine_state(text: str) -> tuple[dict[str, tuple[str, tuple[str, ...]]], dict[str, str | None]]:
    """One commit of library/alpine: release -> (X.Y.Z, arches), and floating tag -> release."""
    releases: dict[str, tuple[str, tuple[str, ...]]] = {}
    floating: dict[str, str | None] = {}
    for entry in parse_manifest(text):
        release = full = None
        for tag in entry.tags:
            match = _ALPINE_RELEASE_TAG_RE.match(tag)
            if match:
                if tag.count(".") == 2:
                    full = tag
                release = release or match.group("release")
        if release is None:
            continue  # edge and date-named snapshots
        releases[release] = (full or release, entry.arches)
        for tag in entry.tags:
            if _ALPINE_FLOATING_TAG_RE.match(tag):
                floating[tag] = release
    return releases, floating


def alpine_arches(text: str) -> dict[str, str]:
    """Alpine arch -> Docker arch, from the ``<docker arch>-Directory: <alpine arch>/`` lines."""
    found = {}
    for docker_arch, alpine_arch in re.findall(r"^([a-z0-9]+)-Directory:\s*([a-z0-9_]+)/?\s*$", text, re.M):
        found[alpine_arch] = docker_arch
    return dict(sorted(found.items()))


def oci_platform(docker_arch: str) -> str:
    """``linux/arm64`` for ``arm64v8``: bashbrew's rule (architecture/oci-platform.go of
    docker-library/bashbrew: arm32vN is arm variant vN, arm64v8 is arm64 variant v8, i386 is 386),
    written without the variant where Docker's default is that variant (arm64 means arm64/v8)."""
    if docker_arch == "i386":
        return "linux/386"
    if docker_arch == "arm64v8":
        return "linux/arm64"
    match = re.match(r"^arm32(v\d+)$", docker_arch)
    if match:
        return f"linux/arm/{match.group(1)}"
    return f"linux/{docker_arch}"


def _release_key(release: str | None) -> tuple[int, ...]:
    return tuple(int(p) for p in release.split(".")) if release else ()


def build(repo: Path, rev: str) -> dict:
    python_commits = commits(repo, rev, "library/python")
    alpine_commits = commits(repo, rev, "library/alpine")
    if not python_commits or not alpine_commits:
        raise SystemExit(f"{repo}: no commits touch library/python and library/alpine up to {rev}")

    combos: dict[tuple[str, str], dict] = {}
    floating: dict[str, list[dict]] = {}
    listed_before: set = set()
    for commit, date in python_commits:
        text = git(repo, "show", f"{commit}:library/python") if _exists(repo, commit, "library/python") else ""
        pinned, moving = python_state(text)
        for key, (full, arches) in pinned.items():
            combo = combos.setdefault(key, {"first": date, "removed": None, "versions": [], "arches": []})
            combo["removed"] = None
            if full not in combo["versions"]:
                combo["versions"].append(full)
            combo["arches"] = sorted(arches)
        for key in listed_before - set(pinned):
            if combos[key]["removed"] is None:
                combos[key]["removed"] = date
        listed_before = set(pinned)
        for tag, (minor, release) in moving.items():
            history = floating.setdefault(tag, [])
            meaning = {"python": minor, "alpine": release}
            if not history or {k: history[-1][k] for k in meaning} != meaning:
                history.append({**meaning, "since": date})
        for tag, history in floating.items():
            if tag not in moving and history[-1].get("python") is not None:
                history.append({"python": None, "alpine": None, "since": date})

    alpine_releases: dict[str, dict] = {}
    alpine_floating: dict[str, list[dict]] = {}
    listed_before = set()
    for commit, date in alpine_commits:
        text = git(repo, "show", f"{commit}:library/alpine") if _exists(repo, commit, "library/alpine") else ""
        releases, moving = alpine_state(text)
        for release, (full, arches) in releases.items():
            entry = alpine_releases.setdefault(release, {"first": date, "removed": None, "versions": [], "arches": []})
            entry["removed"] = None
            if full not in entry["versions"]:
                entry["versions"].append(full)
            entry["arches"] = sorted(arches)
        for release in listed_before - set(releases):
            if alpine_releases[release]["removed"] is None:
                alpine_releases[release]["removed"] = date
        listed_before = set(releases)
        for tag, release in moving.items():
            history = alpine_floating.setdefault(tag, [])
            if not history or history[-1]["alpine"] != release:
                history.append({"alpine": release, "since": date})

    arches = alpine_arches(git(repo, "show", f"{alpine_commits[-1][0]}:library/alpine"))
    python: dict[str, dict] = {}
    for (minor, release), combo in sorted(combos.items(), key=lambda kv: (_release_key(kv[0][0]), _release_key(kv[0][1]))):
        python.setdefault(minor, {})[release] = combo
    return {
        "about": (
            "Docker official-image tags ever published: python:X.Y-alpineR per Python X.Y and Alpine R, "
            "the history of the floating python and alpine tags, and the alpine:R releases. "
            "Generated; do not edit. Read by apkneed.plan.published_tags."
        ),
        "generated_by": "scripts/python_alpine_tags.py",
        "source": {
            "repository": UPSTREAM,
            "files": ["library/python", "library/alpine"],
            "rev": git(repo, "rev-parse", rev).strip(),
            "library_python": {
                "commits": len(python_commits),
                "first": python_commits[0][0],
                "last": python_commits[-1][0],
            },
            "library_alpine": {
                "commits": len(alpine_commits),
                "first": alpine_commits[0][0],
                "last": alpine_commits[-1][0],
            },
        },
        "as_of": max(python_commits[-1][1], alpine_commits[-1][1]),
        "fields": {
            "first": "committer date (YYYY-MM-DD, in the committer's time zone) of the first commit listing the tag",
            "removed": "date of the commit that stopped listing it (the tag stays pullable, frozen); null: still listed",
            "versions": "the X.Y.Z builds the tag pointed at, oldest first (python:X.Y.Z-alpineR were published too)",
            "arches": "Docker architectures of its last listing (amd64, arm64v8, arm32v7, ...)",
            "arches (top level)": "Alpine arch -> Docker arch (the `<docker>-Directory: <alpine>/` lines of "
            "library/alpine) and its OCI platform (docker-library/bashbrew architecture/oci-platform.go)",
            "floating": "tag -> its meanings, oldest first: from `since`, the tag meant python X.Y on alpine R; "
            "alpine null: the manifest did not name the release; python null: no longer listed",
        },
        "arches": {
            alpine_arch: {"docker": docker_arch, "platform": oci_platform(docker_arch)}
            for alpine_arch, docker_arch in arches.items()
        },
        "python": python,
        "python_floating": dict(sorted(floating.items())),
        "alpine": dict(sorted(alpine_releases.items(), key=lambda kv: _release_key(kv[0]))),
        "alpine_floating": dict(sorted(alpine_floating.items())),
    }


def _exists(repo: Path, commit: str, path: str) -> bool:
    return subprocess.run(
        ["git", "-C", str(repo), "cat-file", "-e", f"{commit}:{path}"], capture_output=True
    ).returncode == 0


def render(data: dict) -> str:
    """JSON with one line per tag (leaf tables on a line): readable diffs, no clock."""
    def emit(value, depth: int) -> str:
        if not isinstance(value, dict) or depth >= 3 or not value:
            return json.dumps(value, ensure_ascii=False)
        pad = " " * depth
        items = [f"{pad} {json.dumps(k)}: {emit(v, depth + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"

    return emit(data, 0) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repo", type=Path, required=True, help="a clone of docker-library/official-images")
    parser.add_argument("--rev", default="HEAD", help="the newest commit to read (default HEAD)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    data = build(args.repo, args.rev)
    text = render(data)
    atomic_write(args.out, text.encode("utf-8"))
    print(f"{args.out}: {len(data['python'])} Python versions, "
          f"{sum(len(v) for v in data['python'].values())} python:X.Y-alpineR tags, as of {data['as_of']}",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
