#!/usr/bin/env python3
"""Generate plan/data/alpine-builds.json: what Alpine's own builds of Python projects show.

    .venv/bin/python scripts/gen_alpine_builds.py [--shared ../shared]

The one data set the planner's source route reads when the sdist has no
PEP 725 table. Inputs (their sha256 are written into the output):

* ``src/apkneed/plan/data/aports-makedepends.toml``: makedepends read in
  alpinelinux/aports, one entry per aport, at the commit the v3.21 index
  names (or, for a few, the older commit read in round 2, said in the note);
* ``src/apkneed/plan/data/build-overrides.toml``: the cited rows where a
  plain pip build differs from Alpine's (options Alpine switches on, tools
  the APKBUILD does not name, PyPI names that differ from the aport);
* the v3.21 main + community x86_64 indexes of ``<shared>/alpine``.

Output sections:

* ``aports``: each makedepends name classified against the v3.21 indexes:
  ``interpreter`` (``python3-dev``: the planner decides it by base image);
  ``python`` (Python build tools pip's build isolation supplies: a ``py3-*``
  name, a package that depends on ``python3`` or provides ``py3.X:`` modules
  such as ``cython``, ``meson``; Alpine's ``maturin`` and ``samurai`` count
  as such, PyPI's maturin and ninja wheels stand in for them): information
  only; ``via_python`` (compilers that arrive only through such a tool:
  ``cargo`` through ``py3-setuptools-rust``): kept; ``system`` (everything
  else, with the ``pc:``/``cmd:`` names it provides and the ``so:`` names of
  the libraries it stands for, so that a release where the name is gone can
  find it by what it provides, and its v3.21 repository, so that a target
  given without ``community`` reports the name as missing from what was
  searched); ``not_in_index`` (reported). ``kind`` says
  whether the aport is a Python project (``python``) or a C/C++ project with a
  Python binding subpackage (``bindings``: its makedepends build the whole
  project, so the planner shows them as information only);
* ``builds``: every compiled ``py3-*`` package of v3.21 (a ``so:`` name in
  ``D:``): version, origin, repository, aports commit, ``U:``, its ``py3.X:``
  modules, and per linked ``so:`` name the library package, its ``-dev``
  package (or compiler virtual) and what they provide; plus the library
  packages it depends on by name (``openblas`` of py3-numpy). The planner
  uses a record when the TARGET index has no such package (v3.16 main, the
  v3.23 main snapshot), re-finding every name there through what it provides;
* ``overrides``: build-overrides.toml's rows, their names classified the same
  way.

The output depends only on the inputs (sorted keys, no timestamps);
tests/plan/test_alpinebuilds.py checks the committed file equals a fresh run.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from pathlib import Path

from apkneed.alpine.index import read_index_file
from apkneed.alpine.providers import build_provider_map
from apkneed.cache import atomic_write
from apkneed.plan.alpinebuilds import alpine_build, modules_of
from apkneed.plan.pep725 import provider_table, runtime_packages_for
from apkneed.tomlfile import read_toml

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA = PROJECT_ROOT / "src" / "apkneed" / "plan" / "data"
MAKEDEPENDS = DATA / "aports-makedepends.toml"
OVERRIDES = DATA / "build-overrides.toml"
OUT = DATA / "alpine-builds.json"
RELEASE = "v3.21"
REPOSITORIES = ("main", "community")
INTERPRETER = ("python3-dev",)
_VERSION_RE = re.compile(r"[<>=~].*$")
_PY_MODULE_RE = re.compile(r"^py3\.[0-9]+:")
_COMMIT_RE = re.compile(r"^[0-9a-f]{40}$")
#: system packages of build tools that pip's build isolation brings from PyPI
#: itself (maturin's wheels, ninja for samurai): information, like py3-* tools
PIP_SUPPLIED = {"maturin": "maturin", "samurai": "ninja"}
#: a tool that arrives through a Python build tool is kept only when PyPI has
#: no counterpart: compilers (cargo through py3-setuptools-rust)
COMPILER_COMMANDS = frozenset({"cmd:cargo", "cmd:rustc", "cmd:gcc", "cmd:gfortran", "cmd:go"})
#: how many names of each kind to keep per package (build-base has dozens of
#: cmd:, abseil-cpp-dev hundreds of pc:): a few suffice to find it again
MAX_CMDS = 6
MAX_NAMES = 8
_OVERRIDE_KEYS = frozenset({"aport", "why", "note", "not_for_pip", "optional", "add", "sources"})
_SOURCE_REQUIRED = {"aports": ("path", "commit", "pkgver"), "upstream": ("url",), "external-deps-build": ("path", "commit")}


class DataError(Exception):
    """An input entry that cannot be used: named with its field."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=PROJECT_ROOT.parent / "shared")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    try:
        data = generate(args.shared)
    except DataError as exc:
        print(f"gen_alpine_builds: error: {exc}", file=sys.stderr)
        return 2
    atomic_write(args.out, render(data))
    missing = sum(bool(a["not_in_index"]) for a in data["aports"].values())
    print(f"{args.out}: {len(data['aports'])} aports ({missing} naming something v3.21 lacks), "
          f"{len(data['builds'])} compiled py3-* builds, {len(data['overrides'])} overrides", file=sys.stderr)
    return 0


def index_paths(shared: Path) -> list[Path]:
    return [shared / "alpine" / RELEASE / repo / "x86_64" / "APKINDEX.tar.gz" for repo in REPOSITORIES]


def generate(shared: Path) -> dict:
    paths = index_paths(shared)
    providers = build_provider_map([read_index_file(p, repository=r) for p, r in zip(paths, REPOSITORIES)])
    table = provider_table(providers)
    entries = read_toml(MAKEDEPENDS)["aports"]
    aports = {key: _classify(key, validate_entry(key, entry), providers, table) for key, entry in sorted(entries.items())}
    builds = {p.name: _build(p, providers, table) for p in sorted(_compiled_py3(providers), key=lambda p: p.name)}
    overrides = {
        project: _override(project, row, providers, table)
        for project, row in sorted(read_toml(OVERRIDES)["projects"].items())
    }
    inputs = {
        _relative(MAKEDEPENDS): _sha256(MAKEDEPENDS),
        _relative(OVERRIDES): _sha256(OVERRIDES),
        **{f"{RELEASE}/{repo}/x86_64/APKINDEX.tar.gz": _sha256(p) for repo, p in zip(REPOSITORIES, paths)},
    }
    return {
        "generated_by": "scripts/gen_alpine_builds.py",
        "inputs": inputs,
        "release": RELEASE,
        "aports": aports,
        "builds": builds,
        "overrides": overrides,
    }


def render(data: dict) -> bytes:
    return (json.dumps(data, indent=1, sort_keys=True) + "\n").encode()


def validate_entry(key: str, entry: dict) -> dict:
    """An aports-makedepends.toml entry: a 40-hex commit, and makedepends unless ``missing`` says why not."""
    where = f"aports-makedepends.toml: aports.{key}"
    if not re.match(r"^(main|community|testing)/[A-Za-z0-9._+-]+$", key):
        raise DataError(f"{where}: the key is not <repo>/<aport>")
    if not isinstance(entry.get("commit"), str) or not _COMMIT_RE.match(entry["commit"]):
        raise DataError(f"{where}.commit: not a 40-digit hexadecimal commit")
    if "missing" in entry:
        return {**entry, "makedepends": entry.get("makedepends", "")}
    if not isinstance(entry.get("makedepends"), str):
        raise DataError(f"{where}.makedepends: missing (write missing = \"why\" when the APKBUILD was not found)")
    if not isinstance(entry.get("pkgver"), str) or not entry["pkgver"]:
        raise DataError(f"{where}.pkgver: missing")
    return entry


def _classify(key: str, entry: dict, providers, table) -> dict:
    names = [_VERSION_RE.sub("", word) for word in entry["makedepends"].split()]
    out: dict = {
        "commit": entry["commit"], "pkgver": str(entry.get("pkgver", "")),
        "makedepends": " ".join(entry["makedepends"].split()),
        "note": entry.get("note", ""), "missing": entry.get("missing", ""),
        "kind": _kind(key.split("/", 1)[1], entry.get("note", ""), providers),
        "interpreter": [], "python": [], "system": [], "via_python": [], "not_in_index": [],
    }
    for name in dict.fromkeys(names):
        if name in INTERPRETER:
            out["interpreter"].append(name)
            continue
        package = _package(name, providers)
        if package is None:
            out["not_in_index"].append(name)
            continue
        if _is_python(package):
            out["python"].append(name)
            for dependency in package.depends:
                tool = _package(dependency.name, providers)
                if tool is None or _is_python(tool) or dependency.name.startswith(("so:", "python3")):
                    continue
                if any(p.name in COMPILER_COMMANDS for p in tool.provides):
                    out["via_python"].append({
                        "name": tool.name, "via": name, "provides": _provides(tool, table),
                        "repository": _repository(tool, providers),
                    })
            continue
        out["system"].append({"name": name, "provides": _provides(package, table), "repository": _repository(package, providers)})
    return out


def _kind(aport: str, note: str, providers) -> str:
    """``python`` for a Python project's aport; ``bindings`` for a C/C++ project with a py3-* subpackage.

    The reader's note says it where the APKBUILD was read ("not a Python
    project: ..."); otherwise an aport named ``py3-*``, or one whose every
    package is a Python one, is a Python project.
    """
    if note.startswith("not a Python project"):
        return "bindings"
    if aport.startswith("py3-"):
        return "python"
    subpackages = [p for p in providers.packages if p.origin == aport]
    if subpackages and all(p.name.startswith("py3-") or _is_python(p) for p in subpackages):
        return "python"
    return "bindings"


def _compiled_py3(providers):
    return [
        p for p in providers.packages
        if p.name.startswith("py3-") and any(d.name.startswith("so:") or ":so:" in d.name for d in p.depends)
    ]


def _build(package, providers, table) -> dict:
    build = alpine_build(package, providers)
    libraries = []
    for library in build.libraries:
        provides: list[str] = []
        if library.dev is not None:
            provides = _provides(_package(library.dev, providers), table)
        libraries.append({
            "soname": library.soname, "library": library.library, "dev": library.dev, "virtual": library.virtual,
            "provides": provides,
        })
    named = sorted({
        d.name for d in package.depends
        if not d.conflict and not d.name.startswith(("so:", "py3", "python3")) and ":" not in d.name
        and (found := _package(d.name, providers)) is not None and not _is_python(found)
    })
    return {
        "version": build.version, "origin": build.origin, "repository": build.repository, "commit": build.commit,
        "url": build.url, "modules": sorted(modules_of(package)), "libraries": libraries,
        "links_platform": build.links_platform, "depends_by_name": named,
    }


def _override(project: str, row: dict, providers, table) -> dict:
    where = f"build-overrides.toml: projects.{project}"
    unknown = sorted(set(row) - _OVERRIDE_KEYS)
    if unknown:
        raise DataError(f"{where}: unknown key(s) {', '.join(unknown)}")
    for key in ("aport", "why"):
        if not isinstance(row.get(key), str) or not row[key].strip():
            raise DataError(f"{where}.{key}: every row needs one")
    sources = row.get("sources")
    if not isinstance(sources, list) or not sources:
        raise DataError(f"{where}.sources: every row cites at least one source")
    citations = [_citation(source, f"{where}.sources[{index}]") for index, source in enumerate(sources)]
    out: dict = {"aport": row["aport"], "why": row["why"], "note": row.get("note", ""), "sources": citations}
    for field, need in (("not_for_pip", "why"), ("optional", "note"), ("add", "why")):
        items = []
        for index, item in enumerate(row.get(field, [])):
            if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not isinstance(item.get(need), str):
                raise DataError(f"{where}.{field}[{index}]: needs a name and a {need}")
            entry = {"name": item["name"], need: item[need]}
            if field == "optional":
                if not isinstance(item.get("auto"), bool):
                    raise DataError(f"{where}.{field}[{index}].auto: true or false")
                entry["auto"] = item["auto"]
            if field != "not_for_pip":
                package = _package(item["name"], providers)
                if package is None:
                    raise DataError(f"{where}.{field}[{index}]: {item['name']} is not in the v3.21 indexes")
                entry["provides"] = _provides(package, table)
                entry["repository"] = _repository(package, providers)
            items.append(entry)
        out[field] = items
    return out


def _citation(source: dict, where: str) -> str:
    kind = source.get("kind")
    if kind not in _SOURCE_REQUIRED:
        raise DataError(f"{where}.kind: one of {', '.join(_SOURCE_REQUIRED)}")
    for key in _SOURCE_REQUIRED[kind]:
        if not isinstance(source.get(key), str) or not source[key]:
            raise DataError(f"{where}.{key}: a {kind} source needs it")
    if "commit" in source and not _COMMIT_RE.match(source["commit"]):
        raise DataError(f"{where}.commit: not a 40-digit hexadecimal commit")
    if kind == "aports":
        return f"alpinelinux/aports {source['path']} @{source['commit'][:12]} (pkgver {source['pkgver']}): makedepends={source.get('makedepends', '')}"
    if kind == "external-deps-build":
        return f"rgommers/external-deps-build {source['path']} @{source['commit'][:12]}"
    return source["url"]


def _package(name: str, providers):
    found = providers.providers(name)
    exact = [p.package for p in found if p.package.name == name]
    return exact[0] if exact else (found[0].package if found else None)


def _is_python(package) -> bool:
    if package.name.startswith("py3-") or package.name in PIP_SUPPLIED:
        return True
    if package.name.endswith("-dev"):
        return False  # a library's headers, even when it ships a Python script (libevent-dev)
    if any(_PY_MODULE_RE.match(p.name) for p in package.provides):
        return True
    return any(d.name == "python3" or d.name.startswith("so:libpython3") for d in package.depends)


def _provides(package, table) -> list[str]:
    pcs = sorted(p.name for p in package.provides if p.name.startswith("pc:"))[:MAX_NAMES]
    cmds = sorted(p.name for p in package.provides if p.name.startswith("cmd:"))[:MAX_CMDS]
    sonames = sorted(
        p.name for library in runtime_packages_for(package, table) for p in library.provides if p.name.startswith("so:")
    )[:MAX_NAMES]
    return pcs + cmds + sonames


def _repository(package, providers) -> str:
    """The v3.21 repository of a package: a target without it may lack the name for that reason alone."""
    return next(iter(providers.repositories_of(package)), package.repository)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _relative(path: Path) -> str:
    return str(path.relative_to(PROJECT_ROOT))


if __name__ == "__main__":
    sys.exit(main())
