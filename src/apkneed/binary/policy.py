"""Judging a wheel's binaries against an Alpine target.

The policy values are data in ``data/policy.json`` (auditwheel's musllinux
policy with its source, arch maps, legacy manylinux aliases); this module
holds only the rules:

* a wheel tagged only manylinux (glibc) is not installable on Alpine (musl);
* a wheel tagged musllinux (or linux_*, or pure) whose binaries need glibc
  (GLIBC_ versions, libc.so.6, ld-linux) or import glibc-only symbols is
  broken on musl;
* the arch of the platform tag, of every ELF object and of the target must
  agree;
* a musllinux_X_Y wheel needs musl >= X.Y on the target, when the target's
  musl version is known;
* with a target Python, one of the wheel's interpreter/ABI tags must fit it;
* externals beyond the musllinux policy's allowed list are reported (info):
  the system must provide them through apk packages; imports of symbols the
  policy blacklists are warnings.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import NamedTuple

from packaging.tags import Tag, compatible_tags, cpython_tags

from apkneed.binary.elf import ElfInfo
from apkneed.binary.libc import GLIBC, load_libc_rules, soname_libc
from apkneed.binary.report import ERROR, INFO, WARNING, External, Problem


@dataclass(frozen=True)
class Target:
    """Where the wheel is meant to run."""

    arch: str  # Alpine arch: x86_64, aarch64, armv7, ...
    python: tuple[int, int] | None = None
    musl_version: str | None = None  # apk version of the target's musl, e.g. "1.2.3-r0"


@dataclass(frozen=True)
class Policy:
    musllinux_allowed: frozenset[str]
    musllinux_blacklist: Mapping[str, frozenset[str]]
    wheel_arches: Mapping[str, tuple[str, ...]]
    elf_arches: Mapping[str, tuple[str, ...]]
    manylinux_aliases: Mapping[str, tuple[int, int]]


def policy_from_data(data: dict) -> Policy:
    musl = data["musllinux"]
    return Policy(
        musllinux_allowed=frozenset(musl["lib_whitelist"]),
        musllinux_blacklist={k: frozenset(v) for k, v in musl["blacklist"].items()},
        wheel_arches={k: tuple(v) for k, v in data["wheel_arches"]["map"].items()},
        elf_arches={k: tuple(v) for k, v in data["elf_arches"]["map"].items()},
        manylinux_aliases={k: (v[0], v[1]) for k, v in data["manylinux_legacy_aliases"]["map"].items()},
    )


@cache
def load_policy() -> Policy:
    """The packaged policy (read once; immutable data)."""
    text = resources.files("apkneed.binary").joinpath("data/policy.json").read_text("utf-8")
    return policy_from_data(json.loads(text))


class Platform(NamedTuple):
    family: str  # "musllinux" | "manylinux" | "linux" | "any" | "other"
    libc_version: tuple[int, int] | None  # musl or glibc version the tag requires
    arch: str | None  # uname -m style: x86_64, i686, armv7l, ...


_VERSIONED_RE = re.compile(r"^(musllinux|manylinux)_(\d+)_(\d+)_(.+)$")
_LEGACY_RE = re.compile(r"^(manylinux\w+?)_(.+)$")


def parse_platform(platform: str, policy: Policy | None = None) -> Platform:
    policy = policy or load_policy()
    if platform == "any":
        return Platform("any", None, None)
    if match := _VERSIONED_RE.match(platform):
        return Platform(match[1], (int(match[2]), int(match[3])), match[4])
    if (match := _LEGACY_RE.match(platform)) and match[1] in policy.manylinux_aliases:
        return Platform("manylinux", policy.manylinux_aliases[match[1]], match[2])
    if platform.startswith("linux_"):
        return Platform("linux", None, platform[len("linux_"):])
    return Platform("other", None, None)


def check_wheel(
    tags: Iterable[Tag],
    objects: Sequence[ElfInfo],
    external: Sequence[External],
    target: Target,
    policy: Policy | None = None,
) -> list[Problem]:
    """Every problem of the wheel on ``target``, most important first."""
    policy = policy or load_policy()
    tags = list(tags)
    platforms = [parse_platform(t.platform, policy) for t in tags]
    problems = platform_problems(platforms, target, policy)
    problems += python_problems(tags, target)
    problems += binary_problems(objects, platforms, target, policy)
    problems += external_problems(external, objects, platforms, policy)
    return problems


def platform_problems(platforms: Sequence[Platform], target: Target, policy: Policy) -> list[Problem]:
    families = {p.family for p in platforms}
    linux = [p for p in platforms if p.family in ("musllinux", "linux")]
    if linux:
        problems = _arch_problems(linux, target, policy)
        musl = [p for p in linux if p.family == "musllinux"]
        if musl and target.musl_version and not problems:
            have = _major_minor(target.musl_version)
            if have is not None and all(p.libc_version > have for p in musl):
                need = min(p.libc_version for p in musl)
                problems.append(Problem(
                    ERROR, "musl-too-old",
                    f"the wheel needs musl >= {need[0]}.{need[1]}; the target has musl {target.musl_version}",
                ))
        return problems
    if "manylinux" in families:
        return [Problem(
            ERROR, "manylinux-on-musl",
            "manylinux wheel: built for glibc; pip on Alpine (musl) will not install it "
            "(look for a musllinux wheel or build from the sdist)",
        )]
    if "any" in families:
        return []
    return [Problem(ERROR, "not-linux", "no Linux platform tag: pip on Alpine will not install this wheel")]


def _arch_problems(platforms: Sequence[Platform], target: Target, policy: Policy) -> list[Problem]:
    if any(target.arch in policy.wheel_arches.get(p.arch or "", ()) for p in platforms):
        return []
    arches = ", ".join(sorted({p.arch or "?" for p in platforms}))
    return [Problem(ERROR, "arch-mismatch", f"the wheel is for {arches}; the target is {target.arch}")]


def _major_minor(version: str) -> tuple[int, int] | None:
    match = re.match(r"^(\d+)\.(\d+)", version)
    return (int(match[1]), int(match[2])) if match else None


def python_problems(tags: Sequence[Tag], target: Target) -> list[Problem]:
    if target.python is None or not tags:
        return []
    major, minor = target.python
    interpreter = f"cp{major}{minor}"
    fits = {
        (t.interpreter, t.abi)
        for t in [
            *cpython_tags(target.python, platforms=["any"]),
            *compatible_tags(target.python, interpreter, platforms=["any"]),
        ]
    }
    if any((t.interpreter, t.abi) in fits for t in tags):
        return []
    built = ", ".join(sorted({f"{t.interpreter}-{t.abi}" for t in tags}))
    return [Problem(ERROR, "python-mismatch", f"built for {built}; the target Python is {major}.{minor}")]


def binary_problems(
    objects: Sequence[ElfInfo], platforms: Sequence[Platform], target: Target, policy: Policy
) -> list[Problem]:
    families = {p.family for p in platforms}
    glibc_wheel = "manylinux" in families and not families & {"musllinux", "linux"}
    tag_arches = {a for p in platforms if p.arch for a in policy.wheel_arches.get(p.arch, ())}
    problems: list[Problem] = []
    for obj in objects:
        if not glibc_wheel:
            problems += _glibc_problems(obj, "musllinux" in families)
        problems += _object_arch_problems(obj, tag_arches, target, policy)
    return problems


def _glibc_problems(obj: ElfInfo, tagged_musl: bool) -> list[Problem]:
    """An object that cannot load on musl because it was built for glibc."""
    evidence = []
    if obj.libc == GLIBC:
        rules = load_libc_rules()
        evidence += [n for n in obj.needed if soname_libc(n, rules) == GLIBC]
        if obj.glibc_max:
            evidence.append(f"GLIBC_{obj.glibc_max}")
        if obj.interp and not evidence:
            evidence.append(obj.interp)
    only = obj.glibc_only_symbols
    if only:
        shown = ", ".join(only[:3]) + (f" and {len(only) - 3} more" if len(only) > 3 else "")
        evidence.append(f"glibc-only symbols {shown}")
    if not evidence:
        return []
    what = "tagged musllinux but needs glibc" if tagged_musl else "needs glibc"
    code = "musllinux-needs-glibc" if tagged_musl else "needs-glibc"
    return [Problem(ERROR, code, f"{obj.path}: {what} ({'; '.join(evidence)})", obj.path)]


def _object_arch_problems(obj: ElfInfo, tag_arches: set[str], target: Target, policy: Policy) -> list[Problem]:
    if obj.arch is None:
        return [Problem(WARNING, "unknown-machine", f"{obj.path}: unknown ELF machine {obj.machine}", obj.path)]
    runs_on = set(policy.elf_arches.get(obj.arch, ()))
    problems = []
    if target.arch not in runs_on:
        problems.append(Problem(
            ERROR, "object-arch-mismatch", f"{obj.path}: {obj.arch} code; the target is {target.arch}", obj.path
        ))
    if tag_arches and not runs_on & tag_arches:
        problems.append(Problem(
            ERROR, "tag-arch-mismatch",
            f"{obj.path}: {obj.arch} code in a wheel tagged for {', '.join(sorted(tag_arches))}", obj.path,
        ))
    return problems


def external_problems(
    external: Sequence[External], objects: Sequence[ElfInfo], platforms: Sequence[Platform], policy: Policy
) -> list[Problem]:
    problems: list[Problem] = []
    if {p.family for p in platforms} & {"musllinux", "linux", "any"}:
        for ext in external:
            if ext.soname in policy.musllinux_allowed:
                continue
            packages = f" (apk: {', '.join(ext.provided_by)})" if ext.provided_by else ""
            problems.append(Problem(
                INFO, "external-library",
                f"{ext.soname} is not vendored and not in the musllinux policy: "
                f"the system must provide it{packages}",
            ))
    for obj in objects:
        for soname, forbidden in policy.musllinux_blacklist.items():
            if soname in obj.needed and (used := sorted(forbidden.intersection(obj.undefined_symbols))):
                problems.append(Problem(
                    WARNING, "blacklisted-symbol",
                    f"{obj.path}: imports {', '.join(used)} from {soname}, which the musllinux policy forbids",
                    obj.path,
                ))
    return problems
