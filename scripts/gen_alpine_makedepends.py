#!/usr/bin/env python3
"""Generate plan/data/alpine-makedepends.json: Alpine's makedepends, classified.

    .venv/bin/python scripts/gen_alpine_makedepends.py [--shared ../shared]

Inputs (their sha256 are written into the output):

* ``src/apkneed/plan/data/aports-makedepends.toml``: makedepends read in
  alpinelinux/aports at the commit the v3.21 index names;
* the ``kind = "aports"`` sources of ``src/apkneed/plan/data/build-knowledge.toml``
  (the 31 hand-written entries), for aports the first file does not hold;
* the v3.21 main + community x86_64 indexes of ``<shared>/alpine``.

Each makedepends name is classified against the v3.21 indexes:

* ``interpreter``: ``python3-dev`` (the planner decides it by base image);
* ``python``: Python build tools pip's build isolation supplies (a ``py3-*``
  name, or a package that depends on ``python3`` or provides ``py3.X:``
  modules: ``cython``, ``meson``, ``pythran``): kept as information;
  Alpine's ``maturin`` and ``samurai`` count as such (PyPI's maturin and
  ninja wheels stand in for them);
* ``via_python``: compilers that arrive only through such a Python tool
  (``cargo`` through ``py3-setuptools-rust``): kept, they are needed;
* ``system``: everything else, with the ``pc:``/``cmd:`` names it provides
  and the ``so:`` names of the libraries it stands for, so that a target
  release where the name is gone can still find it by what it provides;
* ``not_in_index``: names the v3.21 indexes do not have (reported).

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
from apkneed.plan.pep725 import provider_table, runtime_packages_for
from apkneed.tomlfile import read_toml

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA = PROJECT_ROOT / "src" / "apkneed" / "plan" / "data"
MAKEDEPENDS = DATA / "aports-makedepends.toml"
KNOWLEDGE = DATA / "build-knowledge.toml"
OUT = DATA / "alpine-makedepends.json"
RELEASE = "v3.21"
REPOSITORIES = ("main", "community")
INTERPRETER = ("python3-dev",)
_VERSION_RE = re.compile(r"[<>=~].*$")
_PY_MODULE_RE = re.compile(r"^py3\.[0-9]+:")
#: system packages of build tools that pip's build isolation brings from PyPI
#: itself (maturin's wheels, ninja for samurai): information, like py3-* tools
PIP_SUPPLIED = {"maturin": "maturin", "samurai": "ninja"}
#: a tool that arrives through a Python build tool is kept only when PyPI has
#: no counterpart: compilers (cargo through py3-setuptools-rust)
COMPILER_COMMANDS = frozenset({"cmd:cargo", "cmd:rustc", "cmd:gcc", "cmd:gfortran", "cmd:go"})
#: how many cmd: names to keep per package (build-base-like packages have dozens)
MAX_CMDS = 6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=PROJECT_ROOT.parent / "shared")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    data = generate(args.shared)
    atomic_write(args.out, render(data))
    print(f"{args.out}: {len(data['aports'])} aports", file=sys.stderr)
    return 0


def index_paths(shared: Path) -> list[Path]:
    return [shared / "alpine" / RELEASE / repo / "x86_64" / "APKINDEX.tar.gz" for repo in REPOSITORIES]


def generate(shared: Path) -> dict:
    paths = index_paths(shared)
    providers = build_provider_map([read_index_file(p, repository=r) for p, r in zip(paths, REPOSITORIES)])
    table = provider_table(providers)
    entries = _read_inputs()
    aports = {key: _classify(entry, providers, table) for key, entry in sorted(entries.items())}
    inputs = {
        _relative(MAKEDEPENDS): _sha256(MAKEDEPENDS),
        _relative(KNOWLEDGE): _sha256(KNOWLEDGE),
        **{f"{RELEASE}/{repo}/x86_64/APKINDEX.tar.gz": _sha256(p) for repo, p in zip(REPOSITORIES, paths)},
    }
    return {
        "generated_by": "scripts/gen_alpine_makedepends.py",
        "inputs": inputs,
        "release": RELEASE,
        "aports": aports,
    }


def render(data: dict) -> bytes:
    return (json.dumps(data, indent=1, sort_keys=True) + "\n").encode()


def _read_inputs() -> dict[str, dict]:
    entries: dict[str, dict] = {}
    for key, entry in read_toml(MAKEDEPENDS)["aports"].items():
        entries[key] = {**entry, "source": _relative(MAKEDEPENDS)}
    for project, entry in read_toml(KNOWLEDGE)["packages"].items():
        for source in entry.get("sources", []):
            if source.get("kind") != "aports":
                continue
            key = source["path"].removesuffix("/APKBUILD")
            if key in entries:
                continue  # the newer reading (the v3.21 commit) wins
            entries[key] = {
                "commit": source["commit"], "pkgver": source["pkgver"],
                # knowledge citations add notes in parentheses: only the names are makedepends
                "makedepends": re.sub(r"\([^)]*\)", "", source["makedepends"]).strip(),
                "source": f"{_relative(KNOWLEDGE)} [packages.{project}]",
            }
    return entries


def _classify(entry: dict, providers, table) -> dict:
    names = [_VERSION_RE.sub("", word) for word in entry["makedepends"].split()]
    out: dict = {
        "commit": entry["commit"], "pkgver": entry["pkgver"], "makedepends": " ".join(entry["makedepends"].split()),
        "note": entry.get("note", ""), "source": entry["source"],
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
                    out["via_python"].append({"name": tool.name, "via": name, "provides": _provides(tool, table)})
            continue
        out["system"].append({"name": name, "provides": _provides(package, table)})
    return out


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
    pcs = sorted(p.name for p in package.provides if p.name.startswith("pc:"))
    cmds = sorted(p.name for p in package.provides if p.name.startswith("cmd:"))[:MAX_CMDS]
    sonames = sorted(
        p.name for library in runtime_packages_for(package, table) for p in library.provides if p.name.startswith("so:")
    )
    return pcs + cmds + sonames


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _relative(path: Path) -> str:
    return str(path.relative_to(PROJECT_ROOT))


if __name__ == "__main__":
    sys.exit(main())
