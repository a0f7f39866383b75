"""``apkneed check``: a Dockerfile's stages against what a correct plan needs.

For every stage: its target (:mod:`apkneed.check.target`), what it does
(:mod:`apkneed.check.walk`), its apk world solved with apk's own solver on the
release's index plus the base image's world (:mod:`apkneed.plan.base`), and
the plan of what pip installs there (:mod:`apkneed.plan.pipeline`, run by the
caller's ``plan`` callable so that this package never builds a network
client). What pip installs includes a project's installs read from the files the
stage COPYed: ``uv sync`` (the uv.lock's pins), ``uv pip sync``/``install -r`` a
pylock.toml (its pins), ``pip install DIR`` (the pyproject's dependencies). A stage
that installs exactly one lock is planned as locked, as ``apkneed plan -r uv.lock``
plans it (its hashes limit the files); a lock beside other requirements, from its
pins as ``==`` requirements. The findings and their rules:

errors (the build or the image fails)
  ``pip-missing``          pip/pip3 on an Alpine-python stage whose apk world has no
                           ``py3-pip`` and no venv (Alpine's ``python3`` ships no pip),
                           or no ``python3`` at all (then no PEP 668 finding)
  ``pep668``               pip into apk's Python where its ``python3`` is marked
                           EXTERNALLY-MANAGED (:mod:`apkneed.plan.pep668`, cited:
                           from v3.19) without a venv, ``--break-system-packages``,
                           ``PIP_BREAK_SYSTEM_PACKAGES``, ``--target/--prefix/--root``
  ``py3-on-python-image``  ``apk add py3-*`` on a ``python:`` image: those modules go
                           to apk's ``python3``, not the image's ``/usr/local`` Python
  ``apk-no-such-package``  a name the release's index does not have (nor provides)
  ``runtime-library-missing`` a run-time apk package the plan of what the final
                           stage runs (its own pip installs and what it copies from
                           other stages) needs, absent after every ``apk del``
  ``setup-py-missing``     ``setup.py install`` in a clone of a project whose sdist
                           (of the cloned tag, else the newest release) has no setup.py
  ``git-missing``          ``git clone`` with no ``git`` in the apk world
  ``pip-hash-mode``        pip in hash-checking mode (``--require-hashes`` on its command line
                           or in a -r file, or a --hash in it) with a requirement not pinned
                           with == and a --hash (a command-line one never has one): pip refuses
  ``build-packages-missing`` a source build lacks the plan's build packages (build-base
                           counts as present with gcc + musl-dev, and g++ for C++ sources;
                           error when there is no C compiler at all, else a warning)
warnings (it works, but costs)
  ``unneeded-package``     build packages (``-dev``, compilers) in a stage whose pip
                           installs are all wheels and that builds nothing else
  ``dev-in-final-stage``   ``-dev`` packages or compilers left in the final stage of a
                           multi-stage file (the builder stage is where they belong)
  ``avoidable-source-build`` ``--no-binary`` for a distribution with a wheel here
  ``apk-no-cache``         ``apk add`` without ``--no-cache`` (and no cache cleanup)
  ``satisfied-by-apk``     (info) a requirement apk's ``py3-*`` already meets where pip sees it
                           (apk's python3, a venv with --system-site-packages): not planned
  ``apk-update-kept``      (info) ``apk update`` in a RUN that keeps the indexes it downloads
  ``py3-unseen-in-venv``   ``apk add py3-X`` then ``pip install X`` in a venv made without
                           ``--system-site-packages``: the venv does not see apk's module,
                           pip installs it again, the apk package is unused there
suggestion
  ``suggestion``           the plan's apk lines for the stage
unknown / info
  ``unknown-base``, ``plan-unknown`` (also a distribution no route installs, as plan's answer),
  ``not-understood``, ``not-planned``

API::

    check_dockerfile(dockerfile, *, context, arch, worlds, plan, base_override=None) -> CheckReport
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Sequence

from apkneed.alpine.providers import ProviderMap, build_provider_map
from apkneed.alpine.sources.kept_answers import solve_kept
from apkneed.check.commands import is_url_or_archive
from apkneed.check.dockerfile import Dockerfile, Stage
from apkneed.check.model import CheckReport, Finding, StageReport, StageTarget
from apkneed.check.target import platform_arch, stage_target
from apkneed.check.walk import PipRun, StageFacts, expand_virtuals, walk_stage
from apkneed.check.worlds import WorldBook, WorldChoice
from apkneed.errors import ApkneedError, InputError

COMPILERS = frozenset({"build-base", "gcc", "g++", "clang", "gfortran", "cargo", "rust", "go"})
BUILD_TOOLS = COMPILERS | frozenset({
    "make", "cmake", "musl-dev", "linux-headers", "pkgconf", "pkgconfig", "meson", "ninja", "samurai",
    "autoconf", "automake", "libtool", "binutils", "bison", "flex",
})

#: (requirements, constraints, world, PlanTarget, route policy, lock=LockedSet|None) -> PlanRun; raises ApkneedError
PlanFn = Callable[[Sequence[str], Sequence[str], object, object, str], object]


def is_build_package(name: str) -> bool:
    return name in BUILD_TOOLS or name.endswith("-dev")


@dataclass
class _Stage:
    stage: Stage
    target: StageTarget
    facts: StageFacts
    choice: WorldChoice | None = None
    providers: ProviderMap | None = None
    base_atoms: tuple[str, ...] = ()
    python: str | None = None
    release: str | None = None
    plan: object | None = None  # PlanRun of what pip installs here
    locks: list = field(default_factory=list)  # the LockedSets (uv.lock, pylock.toml) the stage installs
    plan_problem: str | None = None
    findings: list[Finding] = field(default_factory=list)
    unneeded: set[str] = field(default_factory=set)  # names reported unneeded (not again as dev-in-final)
    #: apk world atoms -> the names installed (one solve per distinct world)
    closures: dict[tuple[str, ...], frozenset[str] | None] = field(default_factory=dict)


def check_dockerfile(
    dockerfile: Dockerfile,
    *,
    context: Path,
    arch: str,
    worlds: WorldBook,
    plan: PlanFn,
    base_override: str | None = None,
) -> CheckReport:
    names: list[str] = []
    stages: dict[str, _Stage] = {}
    ordered: list[_Stage] = []
    for stage in dockerfile.stages:
        target = stage_target(stage.image, arch=platform_arch(stage.platform) or arch,
                              base_override=base_override, stages=tuple(names))
        parent = stages.get(target.parent) if target.parent else None
        if parent is not None:
            target = StageTarget(parent.target.kind, parent.target.image, parent.target.release,
                                 parent.target.python, parent.target.arch, parent.target.floating,
                                 reason=f"FROM {parent.stage.label}")
        facts = walk_stage(stage, parent.facts if parent else None)
        item = _Stage(stage, target, facts)
        if parent is not None:
            item.facts.world = [a for a in facts.world]
            item.base_atoms, item.choice, item.providers = parent.base_atoms, parent.choice, parent.providers
            item.python, item.release = parent.python, parent.release
        ordered.append(item)
        if stage.name:
            stages[stage.name] = item
            names.append(stage.name)
        stages[str(stage.index)] = item
    for item in ordered:
        if item.choice is None and item.target.kind in ("alpine", "python"):
            _load_world(item, worlds)
    for item in ordered:
        _check_stage(item, dockerfile, context, plan)
    final = ordered[-1]
    _check_final(final, ordered, stages, multi_stage=len(ordered) > 1)
    reports = []
    for item in ordered:
        reports.append(StageReport(
            label=item.stage.label, line=item.stage.line, image=item.stage.image,
            target=_describe(item), findings=tuple(sorted(item.findings, key=lambda f: f.line)),
            basis=item.target.reason,
        ))
    return CheckReport(dockerfile.name, tuple(reports))


def _describe(item: _Stage) -> str:
    if item.target.kind == "unknown":
        return "unknown image (pass --base)"
    python = item.python or "unknown"
    origin = "apk python3" if item.target.kind == "alpine" else "/usr/local"
    release = item.release or item.target.release or "release unknown"
    return f"Alpine {release} {item.target.arch}, Python {python} ({origin})"


def _load_world(item: _Stage, worlds: WorldBook) -> None:
    from apkneed.alpine.facts import python_version
    from apkneed.plan.base import base_world, load_base_images

    target = item.target
    item.choice = worlds.get(target.release, target.arch)
    item.release = target.release or item.choice.release
    world = item.choice.world
    if world is None:
        item.python = target.python
        return
    item.providers = build_provider_map(world.indexes)
    item.base_atoms = base_world(target.kind, load_base_images(), item.providers, target.arch).atoms
    if target.kind == "python":
        item.python = target.python or _python_of_floating_base(item)
    else:
        try:
            item.python = python_version(world)
        except ApkneedError:
            item.python = None


def _python_of_floating_base(item: _Stage) -> str | None:
    """``--base python`` (no X.Y) on a stage whose release is known (the tag's, ``--alpine``'s or
    ``--index``'s, not a stand-in nearest release): the Python Docker's python:alpineR tag runs,
    the rule ``plan --base python`` follows, so that both commands agree."""
    from apkneed.plan.published_tags import load_published_tags, python_of_floating_tag

    release = item.target.release or (None if item.choice.fallback_note else item.choice.release)
    if release is None:
        return None
    python, why = python_of_floating_tag(load_published_tags(), release)
    if python is not None:
        item.target = replace(item.target, reason=f"{item.target.reason}: {why}" if item.target.reason else why)
    return python


# ------------------------------------------------------------ per stage ----


def _add(item: _Stage, line: int, severity: str, code: str, message: str, *evidence: str) -> None:
    item.findings.append(Finding(line, severity, code, message, tuple(e for e in evidence if e), item.stage.label))


def _index_evidence(item: _Stage) -> str:
    world = item.choice.world if item.choice else None
    if world is None:
        return ""
    text = f"index: {world.origin}"
    if item.choice.fallback_note:
        text += f" ({item.choice.fallback_note})"
    return text


def _closure(item: _Stage, atoms: Sequence[str]) -> frozenset[str] | None:
    """Names of the packages installed, and the names they provide; None without an index."""
    if item.providers is None:
        return None
    key = tuple(atoms)
    if key not in item.closures:
        item.closures[key] = _solve_closure(item, atoms)
    return item.closures[key]


def _solve_closure(item: _Stage, atoms: Sequence[str]) -> frozenset[str] | None:
    unknown = [a for a in atoms if a not in item.providers]
    if unknown and _absent_repositories(item):
        return None  # the name may live in a repository not searched: decide by name only
    world = [a for a in dict.fromkeys((*item.base_atoms, *atoms)) if a in item.providers]
    try:
        installs = solve_kept(item.providers, world).installs if world else ()
    except ApkneedError:
        return None
    names: set[str] = set()
    for package in installs:
        names.add(package.name)
        for provided in package.provides:
            names.add(provided.name)
    return frozenset(names)


def _absent_repositories(item: _Stage) -> str:
    world = item.choice.world if item.choice else None
    return world.not_searched() if world is not None and hasattr(world, "not_searched") else ""


def _has(item: _Stage, atoms: Sequence[str], name: str) -> bool | None:
    closure = _closure(item, atoms)
    if closure is None:
        return None
    return name in closure


def _check_stage(item: _Stage, dockerfile: Dockerfile, context: Path, plan: PlanFn) -> None:
    target, facts = item.target, item.facts
    for line, text, why in facts.not_understood:
        _add(item, line, "info", "not-understood", f"not understood: {text}", why)
    lines = {instruction.line for instruction in item.stage.instructions}
    for line, note in dockerfile.notes:  # a word left out of an instruction (a variable with no value)
        if line in lines:
            _add(item, line, "info", "not-understood", note, "give the ARG a default, or pass --build-arg NAME=VALUE")
    if target.kind == "unknown":
        if facts.apk_adds or facts.pip_runs:
            _add(item, item.stage.line, "unknown", "unknown-base",
                 f"{item.stage.image}: not an image apkneed knows (alpine:R, python:X.Y-alpineR); "
                 "pass --base alpine:3.X or --base python:X.Y-alpine3.Z to check this stage")
        return
    if target.unpublished:
        _add(item, item.stage.line, "error", "image-tag-unpublished",
             f"FROM {item.stage.image}: this tag was never published, docker pull fails", target.reason)
    if item.choice is not None and item.choice.world is None:
        _add(item, item.stage.line, "info", "index-unknown", "index-dependent findings are unknown for this stage",
             item.choice.problem or "")
    _check_apk_names(item)
    _check_no_cache(item)
    _check_pip_runs(item)
    _check_clones_and_setup(item, plan)
    _plan_stage(item, context, plan)
    _check_plan_findings(item)


def _check_apk_names(item: _Stage) -> None:
    for line, add in item.facts.apk_adds:
        for name in add.names:
            if item.target.kind == "python" and name.name.startswith("py3-"):
                _add(item, line, "error", "py3-on-python-image",
                     f"apk add {name.written}: {item.stage.image} runs its own Python in /usr/local; Alpine's "
                     f"{name.name} installs into /usr/lib/python3.X for apk's python3, which this image's python "
                     "cannot import",
                     f"use pip install {name.name[4:]} (or base the stage on alpine:R with apk's python3)")
            if name.tag:
                _add(item, line, "info", "not-understood", f"apk add {name.written}: the @{name.tag} repository "
                     "is not loaded, its packages are not checked")
                continue
            if item.providers is not None and name.name not in item.providers and name.name not in item.facts.virtuals:
                changed = item.facts.repositories_changed_at
                if add.repositories or (changed is not None and changed <= line):
                    where = ", ".join(add.repositories) if add.repositories else f"the repositories line {changed} writes"
                    _add(item, line, "info", "apk-name-unchecked",
                         f"apk add {name.written}: not in {item.choice.world.searched()}; it may come from {where}, "
                         "which apkneed has not loaded")
                    continue
                absent = _absent_repositories(item)
                if absent:
                    _add(item, line, "info", "apk-name-unchecked",
                         f"apk add {name.written}: not in {item.choice.world.searched()}; not checked further "
                         f"({absent})")
                    continue
                fallback = item.choice.fallback_note if item.choice else None
                replacements = _replacements(name.name, item.providers)
                _add(item, line, "warning" if fallback else "error", "apk-no-such-package",
                     f"apk add {name.written}: no package or provided name {name.name!r} in Alpine "
                     f"{item.release or ''} {item.target.arch}" +
                     (f"; use {' or '.join(replacements)}" if replacements else ""),
                     _index_evidence(item),
                     *(f"{r}: {_what_is(r, item.providers)}" for r in replacements))


def _replacements(name: str, providers: ProviderMap) -> list[str]:
    """Names a renamed package goes by now: the provider of its libraries' pkg-config names,
    a versioned sibling (postgresql-dev -> postgresql17-dev), py- -> py3-."""
    found: list[str] = []
    stem, dash, suffix = name.rpartition("-")
    candidates = []
    if name.startswith("py-"):
        candidates.append("py3-" + name[3:])
    if name.startswith("python-"):
        candidates.append("python3-" + name[len("python-"):])
    if dash:
        import re

        pattern = re.compile(rf"^{re.escape(stem)}\d+(?:\.\d+)?-{re.escape(suffix)}$")
        candidates += sorted((n for n in providers.names() if pattern.match(n)), reverse=True)
        if suffix == "dev":
            # the pkg-config name of the library: pc:libpq for postgresql-dev is provided by libpq-dev
            for pc in (f"pc:{stem}", f"pc:lib{stem}"):
                candidates += [p.package.name for p in providers.providers(pc)]
    for candidate in candidates:
        if candidate in providers and candidate not in found:
            found.append(candidate)
    return found[:3]


def _what_is(name: str, providers: ProviderMap) -> str:
    provided = providers.providers(name)
    if not provided:
        return "?"
    package = provided[0].package
    return f"{package.name}-{package.version}"


def _check_no_cache(item: _Stage) -> None:
    for line, add in item.facts.apk_adds_without_cache_cleanup:
        _add(item, line, "warning", "apk-no-cache",
             "apk add without --no-cache: the index copy stays in /var/cache/apk of this layer",
             "apk add --no-cache (or rm -rf /var/cache/apk/* in the same RUN)")
    for line in item.facts.apk_updates_kept:
        _add(item, line, "info", "apk-update-kept",
             "apk update: the indexes it downloads stay in /var/cache/apk of this layer (a later rm in another "
             "RUN does not shrink it)",
             "apk add --no-cache fetches the indexes without keeping them: no apk update needed "
             "(or rm -rf /var/cache/apk/* in the same RUN)")


def _pip_available(item: _Stage, run: PipRun) -> bool | None:
    if item.target.kind == "python" or run.venv is not None or run.pip_bootstrapped:
        return True
    if run.command.tool == "uv":
        return True  # uv brings its own installer
    atoms = expand_virtuals(run.world, item.facts.virtuals)
    found = _has(item, atoms, "py3-pip")
    if found is None:
        return "py3-pip" in atoms
    return found


def _check_pip_runs(item: _Stage) -> None:
    for run in item.facts.pip_runs:
        command = run.command
        if item.target.kind == "alpine":
            available = _pip_available(item, run)
            world = expand_virtuals(run.world, item.facts.virtuals)
            world_here = f"apk world here: {' '.join(world) or '(base only)'}"
            # plain alpine has no Python at all: say that, not that its python3 lacks pip
            no_python = not available and _has(item, world, "python3") is False
            if no_python:
                _add(item, run.line, "error", "pip-missing",
                     f"{command.program}: no Python in this image: no python3 in the apk world here, so no pip "
                     "(apk add python3, then a venv: python3 -m venv /opt/venv brings its own pip)",
                     world_here, _index_evidence(item))
            elif not available:
                _add(item, run.line, "error", "pip-missing",
                     f"{command.program}: no pip in this image: Alpine's python3 ships without pip (apk add py3-pip, "
                     "or better a venv: python3 -m venv /opt/venv brings its own pip)",
                     world_here, _index_evidence(item))
            from apkneed.plan.pep668 import externally_managed, pep668_citation

            system_install = run.venv is None and not command.elsewhere and (command.tool == "pip" or command.system)
            if system_install and not no_python and externally_managed(item.release) and not run.break_system_packages:
                uv = command.tool == "uv"
                _add(item, run.line, "error", "pep668",
                     f"{'uv pip install --system' if uv else command.program + ' install'} into apk's python3: "
                     f"Alpine {item.release} marks it externally managed (PEP 668), "
                     + ("uv refuses ('The interpreter at /usr is externally managed')" if uv
                        else "pip refuses with 'externally-managed-environment'"),
                     pep668_citation(),
                     "use a venv (python3 -m venv /opt/venv; ENV PATH=/opt/venv/bin:$PATH), or --break-system-packages")
        _check_py3_unseen(item, run, [(f"{command.program} install {text}", text) for text in command.requirements])
        if command.tool == "uv" and run.venv is None and not command.system and not command.elsewhere:
            _add(item, run.line, "error", "uv-no-venv",
                 "uv pip install outside a virtual environment: uv refuses without --system or a venv")
        for thing in command.not_planned:
            if _is_project_directory(thing):  # pip install . : planned (or said why not) with the stage's plan
                continue
            _add(item, run.line, "info", "not-planned", f"{command.program} install {thing}: a path, URL or "
                 "editable install; its needs are not planned")


def _world_names(item: _Stage, run: PipRun) -> set[str]:
    """The apk names in the world at ``run`` (virtuals expanded, version constraints dropped)."""
    return {re.split(r"[<>=~]", atom, maxsplit=1)[0] for atom in expand_virtuals(run.world, item.facts.virtuals)}


def _check_py3_unseen(item: _Stage, run: PipRun, requirements: Sequence[tuple[str, str]]) -> None:
    """``apk add py3-numpy``, then ``pip install numpy`` in a venv made without
    ``--system-site-packages``: the venv's Python does not look in /usr/lib/python3.X,
    where apk put numpy, so pip installs it again and the apk package is dead weight.
    ``requirements``: (how the Dockerfile says it, the requirement), from the command line or a -r file."""
    if run.venv is None or run.system_site_packages:
        return
    from packaging.requirements import InvalidRequirement, Requirement

    from apkneed.python.names import canonical_name

    atoms = _world_names(item, run)
    added = {name.name: line for line, add in item.facts.apk_adds if line <= run.line for name in add.names}
    for said, text in requirements:
        try:
            wanted = canonical_name(Requirement(text).name)
        except InvalidRequirement:
            continue
        apk_name = f"py3-{wanted}"
        if apk_name not in atoms:
            continue
        where = f"apk add {apk_name} at line {added[apk_name]}" if apk_name in added else f"{apk_name} in the apk world"
        _add(item, run.line, "warning", "py3-unseen-in-venv",
             f"{said}: the venv {run.venv} was made without --system-site-packages, "
             f"so its Python does not see apk's {apk_name} (installed for apk's python3 in /usr/lib/python3.X); "
             f"pip installs {wanted} again into the venv and {apk_name} is unused by it",
             where,
             f"drop {apk_name}, or make the venv with --system-site-packages (pip then keeps Alpine's "
             f"{wanted} when its version satisfies {text})")


def _satisfied_by_apk(item: _Stage, run: PipRun, text: str) -> str | None:
    """``py3-numpy-2.2.4-r0`` when pip of ``run`` sees apk's site-packages (apk's python3, or a
    venv made with --system-site-packages) and apk's package of the requirement meets it; None
    otherwise (unknown index, no such package in the world, a version it does not meet)."""
    if item.target.kind != "alpine" or item.providers is None or (run.venv is not None and not run.system_site_packages):
        return None
    from packaging.requirements import InvalidRequirement, Requirement

    from apkneed.plan.apkmatch import apk_to_pep440
    from apkneed.python.names import canonical_name

    try:
        requirement = Requirement(text)
    except InvalidRequirement:
        return None
    if requirement.extras or requirement.marker is not None:
        return None  # extras bring more distributions; markers: decided by the plan
    apk_name = f"py3-{canonical_name(requirement.name)}"
    atoms = _world_names(item, run)
    if apk_name not in atoms:
        return None
    packages = {p.package.version: p.package for p in item.providers.providers(apk_name) if p.package.name == apk_name}
    versions = [apk_to_pep440(version) for version in packages]
    if not packages or any(v is None or not requirement.specifier.contains(v, prereleases=True) for v in versions):
        return None
    return ", ".join(f"{apk_name}-{version}" for version in sorted(packages))


def _check_clones_and_setup(item: _Stage, plan: PlanFn) -> None:
    for clone in item.facts.clones:
        atoms = expand_virtuals(clone.world, item.facts.virtuals)
        found = _has(item, atoms, "git")
        if found is None:
            found = "git" in atoms
        if not found:
            _add(item, clone.line, "error", "git-missing", f"git clone {clone.command.url}: git is not installed "
                 "(apk add git)", f"apk world here: {' '.join(atoms) or '(base only)'}", _index_evidence(item))
    for run in item.facts.setup_runs:
        if run.command.action not in ("install", "build", "develop", "bdist_wheel", "build_ext"):
            continue
        clone = next((c for c in reversed(item.facts.clones)
                      if run.path.startswith(c.path.rstrip("/") + "/")), None)
        if clone is None:
            continue  # a setup.py the build context provides: not checked
        project = posixpath.basename(clone.command.url.rstrip("/")).removesuffix(".git")
        version = _version_of_branch(clone.command.branch)
        requirement = f"{project}=={version}" if version else project
        source = _plan_source(item, plan, requirement)
        if isinstance(source, str):
            _add(item, run.line, "unknown", "plan-unknown", f"{run.command.program} setup.py {run.command.action}: "
                 f"cannot tell what {requirement} needs ({source})")
            continue
        dist = next((d for d in source.facts.dists if d.name.lower() == project.lower()), None)
        package = next((p for p in source.plan.packages if p.name.lower() == project.lower()), None)
        if dist is None or dist.sdist is None:
            continue
        cloned = f"{project} {dist.pin.version}" + ("" if version else " (the newest release: git clone takes the default branch)")
        if not dist.sdist.has_setup_py:
            _add(item, run.line, "error", "setup-py-missing",
                 f"{run.command.program} setup.py {run.command.action}: {cloned} has no setup.py "
                 f"(it builds with {dist.sdist.build_backend or 'pyproject.toml'}); use pip install .",
                 f"{dist.sdist.filename}: build-backend {dist.sdist.build_backend}, no setup.py in it")
        if package is not None:
            _missing_build(item, run.line, run.world, package, f"{project} {dist.pin.version}")


def _version_of_branch(branch: str | None) -> str | None:
    if not branch:
        return None
    text = branch.removeprefix("v")
    return text if text[:1].isdigit() else None


def _plan_source(item: _Stage, plan: PlanFn, requirement: str):
    if item.choice is None or item.choice.world is None:
        return "no index"
    target = _plan_target(item)
    if isinstance(target, str):
        return target
    try:
        return plan((requirement,), (), item.choice.world, target, "source")
    except ApkneedError as exc:
        return str(exc)


def _plan_target(item: _Stage):
    from apkneed.plan.base import parse_base
    from apkneed.plan.target import plan_target

    world = item.choice.world
    if item.target.kind == "python":
        if not item.python:
            return f"{item.stage.image}: which Python this tag runs is not known (name it: python:3.X-alpine)"
        spec = parse_base(f"python:{item.python}")
    else:
        spec = parse_base("alpine")
    try:
        target, _ = plan_target(world, spec, None, release=world.release, arch=world.arch, index_origin=world.origin)
    except ApkneedError as exc:
        if item.release == world.release:
            return str(exc)
        # The stage's image is on another release than the index used for it (the nearest
        # embedded one, or --index): plan the image's Python against that index all the same.
        try:
            target, _ = plan_target(world, spec, None, release=None, arch=world.arch, index_origin=world.origin)
        except ApkneedError:
            return str(exc)
    return target


def _toolchain_covers(name: str, closure: frozenset[str], package) -> bool:
    """build-base stands for a C toolchain (gcc, musl-dev; g++ for C++ sources): a stage that has
    those compiles without the rest of it (make, patch, fortify-headers are not compilers)."""
    if name != "build-base":
        return False
    languages = dict(package.evidence).get("languages") or {}
    needed = {"gcc", "musl-dev"} | ({"g++"} if "c++" in languages else set())
    return needed <= closure


def _missing_build(item: _Stage, line: int, world_atoms, package, what: str) -> None:
    atoms = expand_virtuals(world_atoms, item.facts.virtuals)
    closure = _closure(item, atoms)
    if closure is None or not package.build_apk:
        return
    missing = [name for name in package.build_apk if name not in closure and not _toolchain_covers(name, closure, package)]
    if not missing:
        return
    languages = dict(package.evidence).get("languages") or {}
    compilers = {"C": "gcc"}
    if "c++" in languages:
        compilers["C++"] = "g++"
    if "fortran" in languages:
        compilers["Fortran"] = "gfortran"
    lacking = [language for language, compiler in compilers.items() if compiler not in closure]
    _add(item, line, "error" if lacking else "warning", "build-packages-missing",
         f"building {what} from source needs {' '.join(missing)}, not installed here"
         + (f": no {'/'.join(lacking)} compiler, the build fails" if lacking else ""),
         *(f"{p}: needed by {what} ({'; '.join(package.reasons[:1])})" for p in missing), _index_evidence(item))


# ------------------------------------------------------------ planning -----


def _is_project_directory(thing: str) -> bool:
    """``pip install .`` / ``/app`` / ``./src``: a directory (not -e, a URL, an archive or a wheel)."""
    return not thing.startswith("-e ") and not is_url_or_archive(thing)


def _first_install_line(item: _Stage) -> int:
    return min([run.line for run in item.facts.pip_runs] + [run.line for run in item.facts.sync_runs])


def _project_requirements(item: _Stage, run: PipRun, context: Path) -> list[str]:
    """``pip install DIR``: the dependencies of the pyproject.toml a COPY put in DIR (the project's own
    build is not planned: said when it compiles code, as ``apkneed plan -r DIR`` says it)."""
    from apkneed.python.inputs import read_python_input

    requirements: list[str] = []
    for thing in run.command.not_planned:
        if not _is_project_directory(thing):
            continue
        directory, _, extras = thing.partition("[")  # pip install .[web]: the project's extras
        extras_asked = tuple(e.strip() for e in extras.rstrip("]").split(",") if e.strip())
        in_image = posixpath.join(posixpath.normpath(posixpath.join(run.cwd, directory)), "pyproject.toml")
        what = f"{run.command.program} install {thing}"
        host = _context_file(item, in_image, context)
        if host is None:
            _add(item, run.line, "info", "not-planned",
                 f"{what}: no COPY/ADD brings {in_image} from the context; the project's dependencies are not planned")
            continue
        try:
            found = read_python_input(host, extras=extras_asked)
        except InputError as exc:
            _add(item, run.line, "info", "not-planned",
                 f"{what}: {str(exc).replace(str(host), in_image)}; the project's dependencies are not planned")
            continue
        requirements += [r.text for r in found.requirements]
        for note in found.notes:
            _add(item, run.line, "info", "not-planned", f"{what}: {note.replace(str(host), in_image)}")
    return requirements


def _lock_requirements(item: _Stage, in_image: str, host: Path, *, what: str, line: int,
                       extras=(), groups=()) -> list[str] | None:
    """A lock's pins for this stage's Python and arch as ``name==version``; None (said) when not read."""
    from apkneed.python.locks import read_lock

    if item.python is None:
        _add(item, line, "info", "not-planned", f"{what}: this stage's Python is unknown, its lock {in_image} is "
             "read for a Python: not planned")
        return None
    try:
        locked = read_lock(host, python=item.python, arch=item.target.arch, extras=extras, groups=groups)
    except InputError as exc:
        _add(item, line, "info", "not-planned", f"{what}: {str(exc).replace(str(host), in_image)}; not planned")
        return None
    item.locks.append(locked)
    return [f"{d.name}=={d.version}" for d in locked.dists]


def _sync_requirements(item: _Stage, run, context: Path) -> list[str]:
    """``uv sync``: the pins of the uv.lock a COPY put in its working directory, for the groups uv
    installs (``dev`` by default, as uv does, unless --no-dev; tool.uv.default-groups is not read)."""
    from apkneed.tomlfile import read_toml_and_text

    command = run.command
    what = f"{posixpath.basename(command.program)} sync"
    lock = posixpath.join(run.cwd, "uv.lock")
    host = _context_file(item, lock, context)
    if host is None:
        _add(item, run.line, "info", "not-planned",
             f"{what}: no COPY/ADD brings {lock} from the context; the project's locked dependencies are not planned")
        return []
    pyproject = _context_file(item, posixpath.join(run.cwd, "pyproject.toml"), context)
    if pyproject is not None and "default-groups" in read_toml_and_text(pyproject)[1].get("tool", {}).get("uv", {}):
        _add(item, run.line, "info", "not-understood", f"not understood: {command.text}",
             f"{run.cwd}/pyproject.toml sets tool.uv.default-groups, which apkneed check does not read: not planned")
        return []
    groups = list(command.groups)
    if not command.no_dev and "dev" not in groups:
        _, data = read_toml_and_text(host)
        if any("dev" in p.get("dev-dependencies", {}) for p in data.get("package", []) if isinstance(p, dict)):
            groups.append("dev")
    found = _lock_requirements(item, lock, host, what=what, line=run.line, extras=command.extras, groups=groups)
    if found is None:
        return []
    if command.install_project and pyproject is not None:
        from apkneed.python.project import unplanned_build_note

        note = unplanned_build_note(pyproject, what, dependencies="locked dependencies")
        if note is not None:
            _add(item, run.line, "info", "not-planned", note)
    return found


def _plan_stage(item: _Stage, context: Path, plan: PlanFn) -> None:
    runs = item.facts.pip_runs
    requirements: list[str] = []
    constraints: list[str] = []
    for sync in item.facts.sync_runs:
        requirements += _sync_requirements(item, sync, context)
    for run in runs:
        requirements += _project_requirements(item, run, context)
        hash_mode = "--require-hashes" if run.command.require_hashes else None
        # pip reads no --hash on its command line: in hash-checking mode such a requirement is refused
        unhashed = [f"{run.command.program} install {text}" for text in run.command.requirements]
        requirements += _not_satisfied_by_apk(
            item, run, [(f"{run.command.program} install {text}", text) for text in run.command.requirements])
        for in_image in run.requirement_files + tuple(posixpath.join(run.cwd, c) for c in run.command.constraint_files):
            host = _context_file(item, in_image, context)
            if host is None:
                _add(item, run.line, "info", "not-planned",
                     f"-r {in_image}: no COPY/ADD brings it from the context; its requirements are not planned")
                continue
            from packaging.requirements import Requirement

            from apkneed.python.requirements import is_hash_pinned, read_requirements_file

            from apkneed.python.inputs import is_lock_path

            if run.command.tool == "uv" and is_lock_path(host) and in_image in run.requirement_files:
                # uv pip install -r pylock.toml / uv pip sync pylock.toml: the lock's pins
                requirements += _lock_requirements(item, in_image, host, what=f"-r {in_image}", line=run.line) or []
                continue
            try:  # -e ., a URL...: pip installs it, a plan cannot take it: set aside, the other lines planned
                found = read_requirements_file(host, set_aside=True)
            except InputError as exc:  # --no-binary...: the whole file's choices change, the rest is checked
                _add(item, run.line, "info", "not-planned", f"-r {in_image}: {exc}; its requirements are not planned")
                continue
            for line in found.set_aside:
                _add(item, run.line, "info", "not-planned",
                     f"-r {in_image}: {line}; this line is not planned (what it brings is not checked)")
            if in_image in run.requirement_files:
                from_file = [(f"-r {in_image}: {r.text}", r.text) for r in found.requirements]
                _check_py3_unseen(item, run, from_file)
                requirements += _not_satisfied_by_apk(item, run, from_file)
                if found.require_hashes or any(r.sha256 for r in found.requirements):
                    hash_mode = hash_mode or (f"--require-hashes ({found.require_hashes})" if found.require_hashes
                                              else f"a --hash in -r {in_image}")
                # a line with markers may be one pip skips on this target: not counted (never a false refusal)
                unhashed += [f"-r {in_image}: {r.origin}: {r.text}" for r in found.requirements
                             if (not r.sha256 or not is_hash_pinned(r.text)) and Requirement(r.text).marker is None]
            constraints += [c.text for c in found.constraints]
        if hash_mode and unhashed:
            _add(item, run.line, "error", "pip-hash-mode",
                 f"{unhashed[0]}: not pinned with == and a --hash, and {hash_mode} puts pip in hash-checking mode, "
                 "where every requirement needs both: pip refuses this install"
                 + (f" (and {len(unhashed) - 1} more)" if len(unhashed) > 1 else ""),
                 "pip: 'Hashes are required in --require-hashes mode, but they are missing from these requirements'")
    requirements = list(dict.fromkeys(requirements))
    if not requirements:
        return
    if item.choice is None or item.choice.world is None:
        item.plan_problem = "no Alpine index"
        _add(item, _first_install_line(item), "unknown", "plan-unknown",
             f"what {' '.join(requirements[:5])} need on this stage is unknown (no Alpine index)")
        return
    target = _plan_target(item)
    if isinstance(target, str):
        item.plan_problem = target
        _add(item, _first_install_line(item), "unknown", "plan-unknown", f"not planned: {target}")
        return
    # a stage that installs exactly one lock's pins is planned as locked (its hashes limit the files);
    # a lock beside other requirements is planned from its pins as == requirements, resolved with them
    lock = item.locks[0] if (len(item.locks) == 1 and not constraints and set(requirements) ==
                             {f"{d.name}=={d.version}" for d in item.locks[0].dists}) else None
    try:
        if lock is not None:
            item.plan = plan(tuple(requirements), (), item.choice.world, target, "auto", lock=lock)
        else:
            item.plan = plan(tuple(requirements), tuple(constraints), item.choice.world, target, "auto")
    except ApkneedError as exc:
        item.plan_problem = str(exc)
        _add(item, _first_install_line(item), "unknown", "plan-unknown",
             f"what {' '.join(requirements[:5])} need could not be planned: {exc}")


def _not_satisfied_by_apk(item: _Stage, run: PipRun, requirements: Sequence[tuple[str, str]]) -> list[str]:
    """The requirements left to plan from PyPI: each one apk's py3-X already meets where this pip
    sees it is reported (info satisfied-by-apk) and left out. ``requirements``: (how the
    Dockerfile says it, the requirement), from the command line or a -r file."""
    left = []
    for said, text in requirements:
        satisfied = _satisfied_by_apk(item, run, text)
        if satisfied:
            _add(item, run.line, "info", "satisfied-by-apk",
                 f"{said}: Alpine's {satisfied} satisfies it and this pip sees it "
                 f"({'the venv ' + run.venv + ' was made with --system-site-packages' if run.venv else 'apk python3'}"
                 "): pip installs nothing for it ('Requirement already satisfied'), so it is not planned from PyPI",
                 "pip keeps an installed distribution that meets the requirement; the same name as a dependency "
                 "of another requirement is still planned from PyPI")
        else:
            left.append(text)
    return left


def _context_file(item: _Stage, in_image: str, context: Path) -> Path | None:
    """The context file a COPY put at ``in_image``; InputError when that file is not in the context."""
    for copy in reversed(item.facts.copies):
        if copy.source_stage:
            continue
        destination = copy.destination
        for source in copy.sources:
            if not source:  # a variable with no value (reported with the stage's notes)
                continue
            relative = None
            if destination.endswith("/") or len(copy.sources) > 1 or source in (".", "./") or source.endswith("/"):
                directory = destination.rstrip("/") or "/"
                if source in (".", "./") or source.endswith("/"):
                    if in_image.startswith(directory.rstrip("/") + "/"):
                        relative = posixpath.join(source, in_image[len(directory.rstrip("/")) + 1:])
                elif posixpath.join(directory, posixpath.basename(source)) == in_image:
                    relative = source
            elif destination == in_image:
                relative = source
            if relative is None:
                continue
            host = (context / posixpath.normpath(relative.lstrip("/"))).resolve()
            if not host.is_file():
                raise InputError(f"line {copy.line}: the build context {context} has no {posixpath.normpath(relative)} "
                                 f"(pip install -r {in_image} reads it)")
            return host
    return None


def _check_plan_findings(item: _Stage) -> None:
    run = item.plan
    if run is None:
        return
    plan = run.plan
    first = _first_install_line(item)
    sync_world = item.facts.sync_runs[0].world if item.facts.sync_runs else ()
    # source builds: their build packages at the pip run
    for package in plan.packages:
        if package.route == "source":
            pip_run = _run_installing(item, package.name)
            if pip_run is not None and pip_run.command.local_files:  # a wheel a builder stage made, most likely
                _add(item, pip_run.line, "info", "not-planned",
                     f"{package.name} {package.version}: pip takes it from --find-links/--no-index files apkneed "
                     "does not see (a wheel built in another stage?): whether it is built here is not checked")
                continue
            _missing_build(item, pip_run.line if pip_run else first, pip_run.world if pip_run else sync_world, package,
                           f"{package.name} {package.version}")
    # no route installs it (a lock listing only glibc wheels, no file for the target): the plan's own answer
    for package in plan.packages:
        if package.route is None:
            _add(item, first, "unknown", "plan-unknown",
                 f"{package.name} {package.version}: {package.summary or 'nothing installs it'} here",
                 *package.reasons[:2])
    # --no-binary where a wheel exists
    for pip_run in item.facts.pip_runs:
        for name in pip_run.command.no_binary:
            wheels = [p for p in plan.packages if p.route == "wheel" and (name == ":all:" or _same(p.name, name))]
            if wheels:
                _add(item, pip_run.line, "warning", "avoidable-source-build",
                     f"--no-binary {name}: builds {', '.join(p.name for p in wheels[:5])} from source although "
                     "a wheel works here", *(f"{p.name}: {p.file}" for p in wheels[:5]))
    # build packages nothing needs: every distribution installs without building anything native
    builds = [p for p in plan.packages if p.route == "source"]
    if (_builds_nothing_else(item) and all(p.route is not None for p in plan.packages)
            and not any(p.build_apk for p in plan.packages)):
        needed = set(plan.runtime_apk) | set(plan.build_apk)
        for line, add in item.facts.apk_adds:
            names = [n.name for n in add.names if is_build_package(n.name) and n.name not in needed]
            if not names:
                continue
            item.unneeded.update(names)
            how = "wheels" if not builds else f"wheels and pure-Python sdists ({', '.join(p.name for p in builds)})"
            _add(item, line, "warning", "unneeded-package",
                 f"{' '.join(names)}: nothing needs {'it' if len(names) == 1 else 'them'}: pip installs only {how} "
                 f"here, and the plan needs no build package",
                 *(f"{p.name} {p.version}: {p.route} {p.file or ''}" for p in plan.packages[:4]),
                 *([f"(+{len(plan.packages) - 4} more distributions)"] if len(plan.packages) > 4 else []))
    lines = [f"RUN apk add --no-cache {' '.join(plan.runtime_apk)}" if plan.runtime_apk else
             "no run-time apk package is needed"]
    if plan.build_apk:
        lines.append(f"RUN apk add --no-cache --virtual .build-deps {' '.join(plan.build_apk)}  (builder stage)")
    pins = " ".join(f"{p.name}=={p.version}" for p in plan.pip_packages)
    yours = [n.name for _, add in item.facts.apk_adds for n in add.names]
    wanted = list(dict.fromkeys((*plan.runtime_apk, *plan.build_apk)))
    diff = [f"-{n}" for n in dict.fromkeys(yours) if n not in wanted] + [f"+{n}" for n in wanted if n not in yours]
    _add(item, first, "suggestion", "suggestion",
         "what the plan needs: " + "; ".join(lines) + "; pip into a venv (python3 -m venv /opt/venv)",
         f"apk add names, yours -> the plan's: {' '.join(diff) if diff else 'the same'}",
         f"apkneed plan {pins} {_suggested_target(item, plan)} --format dockerfile  (a two-stage Dockerfile)")


def _suggested_target(item: _Stage, plan) -> str:
    """``--base IMAGE --arch ARCH`` naming the stage's own image (not the nearest release whose
    index answered here) and its arch, always: the command is copied to other machines, and
    the plan's default arch is the machine it runs on."""
    image = plan.target.image
    release = (item.release or "").removeprefix("v")
    if release and item.release != plan.target.alpine:  # planned on another release's index
        image = f"python:{item.python}-alpine{release}" if item.target.kind == "python" and item.python else f"alpine:{release}"
    return f"--base {image} --arch {plan.target.arch}"


def _same(a: str, b: str) -> bool:
    from packaging.utils import canonicalize_name

    return canonicalize_name(a) == canonicalize_name(b)


def _run_installing(item: _Stage, name: str) -> PipRun | None:
    for run in item.facts.pip_runs:
        if any(_same(_req_name(r), name) for r in run.command.requirements):
            return run
    return item.facts.pip_runs[-1] if item.facts.pip_runs else None


def _req_name(text: str) -> str:
    import re

    match = re.match(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)", text)
    return match.group(1) if match else text


def _builds_nothing_else(item: _Stage) -> bool:
    facts = item.facts
    if facts.setup_runs or facts.clones:
        return False
    if any(run.command.not_planned for run in facts.pip_runs):
        return False
    if any(run.command.install_project for run in facts.sync_runs):  # uv sync builds the project too
        return False
    if any(line for line, text, _ in facts.not_understood):
        return False
    return not facts.other_builds


# ------------------------------------------------------------ final stage --


def _check_final(final: _Stage, ordered: list[_Stage], stages: dict[str, _Stage], *, multi_stage: bool) -> None:
    if final.target.kind == "unknown":
        return
    atoms = expand_virtuals(final.facts.world, final.facts.virtuals)
    # what pip installed that runs here: the final stage's own plan, and the stages it copies from
    sources: list[tuple[int, _Stage]] = []
    if final.plan is not None:
        sources.append((_first_install_line(final), final))
    for copy in final.facts.copies:
        if copy.source_stage and copy.source_stage in stages:
            source = stages[copy.source_stage]
            if source.plan is not None and source is not final:
                sources.append((copy.line, source))
    closure = _closure(final, atoms)
    if closure is not None:
        seen: set[str] = set()
        for line, source in sources:
            plan = source.plan.plan
            for need in plan.needs:
                if need.kind != "runtime" or need.apk in seen or need.apk in closure:
                    continue
                if final.target.kind == "python" and need.apk == "python3":
                    continue
                seen.add(need.apk)
                _add(final, line, "error", "runtime-library-missing",
                     f"{need.apk} is needed at run time ({need.dist or 'the plan'}) but is not installed in the "
                     f"final stage" + (" after apk del" if final.facts.apk_dels else ""),
                     f"{need.apk} ← " + " ← ".join(need.chain), _index_evidence(final))
    if multi_stage:
        left = [name for name in atoms if is_build_package(name) and name not in final.unneeded]
        if left:
            line = next((line for line, add in final.facts.apk_adds
                         if any(n.name in left for n in add.names)), final.stage.line)
            _add(final, line, "warning", "dev-in-final-stage",
                 f"build packages in the final stage: {' '.join(left)} (move them to the builder stage, "
                 "or apk add --virtual .build-deps ... && apk del .build-deps)")
