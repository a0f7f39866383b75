"""One stage's instructions, followed in order: what it installs, where, and how.

Pure: no index, no network. The result (:class:`StageFacts`) holds, with
their lines, the apk world after each change, every pip install with the
state it ran in (venv? pip present? PEP 668 overridden?), venvs, clones,
``setup.py`` runs, ``COPY --from`` sources and what was not understood.
A stage built ``FROM`` an earlier one starts from that one's facts.

API::

    walk_stage(stage, parent=None) -> StageFacts
"""

from __future__ import annotations

import dataclasses
import posixpath
from dataclasses import dataclass, field

from apkneed.check.commands import (
    ApkAdd, ApkDel, ApkUpdate, ChangeDirectory, Ensurepip, GitClone, NotUnderstood, PipConfig, PipInstall, RemoveFiles,
    SetupPy, UvSync, VenvActivate, VenvCreate, classify,
)
from apkneed.check.dockerfile import Stage
from apkneed.check.shell import split_commands

_TRUE = ("1", "true", "yes", "on")
#: commands that build something check does not plan (so their build packages may be needed)
OTHER_BUILDERS = frozenset({"make", "cmake", "gcc", "cc", "g++", "cargo", "go", "npm", "yarn", "pnpm", "meson",
                            "ninja", "configure", "gem", "bundle", "mvn", "gradle", "cpanm", "rustup"})


#: directories every Alpine image has, made by alpine-baselayout's package() (aports
#: main/alpine-baselayout/APKBUILD, ``install -d``): ``COPY requirements.txt /tmp`` copies into /tmp
BASE_DIRECTORIES = frozenset({
    "/", "/etc", "/home", "/lib", "/media", "/mnt", "/opt", "/proc", "/root", "/run", "/sbin", "/srv", "/sys",
    "/tmp", "/usr", "/usr/bin", "/usr/local", "/usr/local/bin", "/usr/local/lib", "/usr/local/share", "/usr/sbin",
    "/usr/share", "/var", "/var/cache", "/var/lib", "/var/log", "/var/opt", "/var/tmp",
})


@dataclass(frozen=True)
class PipRun:
    line: int
    command: PipInstall
    venv: str | None  # the venv pip installs into (None: the system Python)
    system_site_packages: bool
    world: tuple[str, ...]  # apk world atoms when it runs (virtual groups expanded)
    pip_bootstrapped: bool  # ensurepip / get-pip.py ran before
    break_system_packages: bool  # flag, PIP_BREAK_SYSTEM_PACKAGES, pip config, or EXTERNALLY-MANAGED removed
    cwd: str
    requirement_files: tuple[str, ...]  # absolute in-image paths of -r files


@dataclass(frozen=True)
class SyncRun:
    """``uv sync`` at ``cwd``: it installs ``cwd/uv.lock`` into ``cwd/.venv``."""

    line: int
    command: UvSync
    cwd: str
    world: tuple[str, ...]


@dataclass(frozen=True)
class Clone:
    line: int
    command: GitClone
    path: str  # absolute in-image directory
    world: tuple[str, ...]


@dataclass(frozen=True)
class SetupRun:
    line: int
    command: SetupPy
    path: str  # absolute in-image path of setup.py
    world: tuple[str, ...]


@dataclass(frozen=True)
class Copy:
    line: int
    source_stage: str | None  # COPY --from
    sources: tuple[str, ...]
    destination: str  # absolute


@dataclass
class StageFacts:
    world: list[str] = field(default_factory=list)  # apk world atoms added (not the base's), in order
    virtuals: dict[str, tuple[str, ...]] = field(default_factory=dict)
    apk_adds: list[tuple[int, ApkAdd]] = field(default_factory=list)
    apk_adds_without_cache_cleanup: list[tuple[int, ApkAdd]] = field(default_factory=list)
    #: lines of an ``apk update`` whose RUN keeps the index it downloads (no cache cleanup there,
    #: and no ``apk add`` without --no-cache there, which is its own finding)
    apk_updates_kept: list[int] = field(default_factory=list)
    apk_dels: list[tuple[int, ApkDel]] = field(default_factory=list)
    pip_runs: list[PipRun] = field(default_factory=list)
    sync_runs: list[SyncRun] = field(default_factory=list)
    venvs: dict[str, bool] = field(default_factory=dict)  # path -> --system-site-packages
    clones: list[Clone] = field(default_factory=list)
    setup_runs: list[SetupRun] = field(default_factory=list)
    copies: list[Copy] = field(default_factory=list)
    not_understood: list[tuple[int, str, str]] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    workdir: str = "/"
    #: directories known to exist: the base image's, and every WORKDIR makes its path (a COPY to one copies into it)
    directories: set[str] = field(default_factory=lambda: set(BASE_DIRECTORIES))
    pip_bootstrapped: bool = False
    externally_managed_removed: bool = False
    pip_config_break: bool = False
    other_builds: bool = False  # make, cargo, npm...: build packages may serve them
    #: a RUN wrote /etc/apk/repositories (edge, testing, a mirror): names may come from there
    repositories_changed_at: int | None = None

    def copy(self) -> "StageFacts":
        return dataclasses.replace(
            self, world=list(self.world), virtuals=dict(self.virtuals), apk_adds=[], apk_adds_without_cache_cleanup=[], apk_updates_kept=[],
            apk_dels=[], pip_runs=[], sync_runs=[], venvs=dict(self.venvs), clones=[], setup_runs=[], copies=[],
            not_understood=[], env=dict(self.env), directories=set(self.directories),
        )


def walk_stage(stage: Stage, parent: StageFacts | None = None) -> StageFacts:
    facts = parent.copy() if parent is not None else StageFacts()
    for instruction in stage.instructions:
        keyword = instruction.keyword
        if instruction.unread:
            facts.not_understood.append((instruction.line, instruction.original.split("\n", 1)[0][:120], instruction.unread))
            if "/etc/apk/repositories" in instruction.original and facts.repositories_changed_at is None:
                facts.repositories_changed_at = instruction.line  # names may come from there, as for a RUN
            continue
        if keyword == "ENV":
            facts.env.update(dict(instruction.variables))
        elif keyword == "WORKDIR" and instruction.words:
            facts.workdir = _absolute(facts.workdir, instruction.words[0])
            path = facts.workdir
            while path not in facts.directories:  # WORKDIR makes the path and its parents
                facts.directories.add(path)
                path = posixpath.dirname(path)
        elif keyword in ("COPY", "ADD"):
            words = [w for w in instruction.words if not w.startswith("--")]
            if len(words) >= 2:
                facts.copies.append(Copy(
                    instruction.line, (instruction.flag("from") or "").lower() or None, tuple(words[:-1]),
                    _destination(facts, words[-1]),
                ))
        elif keyword == "RUN":
            _run(facts, instruction)
    return facts


def _destination(facts: StageFacts, word: str) -> str:
    """A COPY destination, absolute, ending in ``/`` when it is a directory: written so (``dir/``,
    ``.``, ``..``) or one that exists (``COPY requirements.txt /app`` after ``WORKDIR /app``
    copies into /app, as docker build does)."""
    path = _absolute(facts.workdir, word)
    written_as_directory = word.endswith("/") or posixpath.basename(word) in (".", "..")
    return path + "/" if written_as_directory or path in facts.directories else path


def _run(facts: StageFacts, instruction) -> None:
    environment = dict(instruction.variables)
    if instruction.exec_form:
        from apkneed.check.shell import SimpleCommand

        words = tuple(instruction.words)
        if words[:2] in (("/bin/sh", "-c"), ("sh", "-c"), ("/bin/bash", "-c"), ("bash", "-c")) and len(words) == 3:
            script = words[2]
        else:
            script = None
            commands = [SimpleCommand(words, text=" ".join(words))]
    else:
        script = " ".join(instruction.words)
    if script is not None:
        try:
            commands = split_commands(script, environment)
        except ValueError as exc:
            facts.not_understood.append((instruction.line, script[:120], f"shell quoting: {exc}"))
            return
    if "/etc/apk/repositories" in " ".join(instruction.words) and facts.repositories_changed_at is None:
        facts.repositories_changed_at = instruction.line
    cwd = facts.workdir
    active_venv: str | None = None
    adds_here: list[tuple[int, ApkAdd]] = []
    updated_here = False
    cache_cleaned = False
    for command in commands:
        event = classify(command)
        if event is None:
            if posixpath.basename(command.program) in OTHER_BUILDERS:
                facts.other_builds = True
            continue
        line = instruction.line
        env = {**facts.env, **dict(command.assignments)}
        if isinstance(event, NotUnderstood):
            facts.not_understood.append((line, event.text, event.why))
        elif isinstance(event, ApkAdd):
            atoms = [n.name for n in event.names]
            if event.virtual:
                facts.virtuals[event.virtual] = tuple(atoms)
                if event.virtual not in facts.world:
                    facts.world.append(event.virtual)
            else:
                facts.world += [a for a in atoms if a not in facts.world]
            facts.apk_adds.append((line, event))
            adds_here.append((line, event))
        elif isinstance(event, ApkUpdate):
            updated_here = updated_here or not event.no_cache
        elif isinstance(event, ApkDel):
            for name in event.names:
                if name in facts.world:
                    facts.world.remove(name)
                facts.virtuals.pop(name, None)
            facts.apk_dels.append((line, event))
        elif isinstance(event, RemoveFiles):
            for path in event.paths:
                if path.startswith("/var/cache/apk") or path.startswith("/etc/apk/cache"):
                    cache_cleaned = True
                if path.endswith("EXTERNALLY-MANAGED"):
                    facts.externally_managed_removed = True
        elif isinstance(event, ChangeDirectory):
            cwd = _absolute(cwd, event.path)
        elif isinstance(event, VenvCreate):
            path = _absolute(cwd, event.path)
            facts.venvs[path] = event.system_site_packages
        elif isinstance(event, VenvActivate):
            active_venv = _absolute(cwd, event.path)
        elif isinstance(event, Ensurepip):
            facts.pip_bootstrapped = True
        elif isinstance(event, PipConfig):
            if event.key.endswith("break-system-packages") and event.value.lower() in _TRUE:
                facts.pip_config_break = True
        elif isinstance(event, PipInstall):
            venv = _venv_of(event.program, cwd, facts, active_venv, env)
            breaks = (
                event.break_system_packages or env.get("PIP_BREAK_SYSTEM_PACKAGES", "").lower() in _TRUE
                or facts.pip_config_break or facts.externally_managed_removed
                or (event.tool == "uv" and env.get("UV_BREAK_SYSTEM_PACKAGES", "").lower() in _TRUE)
            )
            facts.pip_runs.append(PipRun(
                line, event, venv, facts.venvs.get(venv, False) if venv else False, _world_now(facts),
                facts.pip_bootstrapped, breaks, cwd, tuple(_absolute(cwd, f) for f in event.files),
            ))
        elif isinstance(event, UvSync):
            facts.sync_runs.append(SyncRun(line, event, cwd, _world_now(facts)))
        elif isinstance(event, GitClone):
            name = event.directory or posixpath.basename(event.url.rstrip("/")).removesuffix(".git")
            facts.clones.append(Clone(line, event, _absolute(cwd, name), _world_now(facts)))
        elif isinstance(event, SetupPy):
            facts.setup_runs.append(SetupRun(line, event, _absolute(cwd, event.script), _world_now(facts)))
    if not cache_cleaned:
        facts.apk_adds_without_cache_cleanup += [(line, add) for line, add in adds_here if not add.no_cache]
        if updated_here and all(add.no_cache for _, add in adds_here):
            facts.apk_updates_kept.append(instruction.line)


def _world_now(facts: StageFacts) -> tuple[str, ...]:
    """The apk world atoms at this point, each ``--virtual`` group as its members (a later
    ``apk del`` of the group must not change what was installed when this command ran)."""
    return expand_virtuals(facts.world, facts.virtuals)


def expand_virtuals(world, virtuals) -> tuple[str, ...]:
    """World atoms with each ``--virtual`` group replaced by its members (apk's virtual package depends on them)."""
    out: list[str] = []
    for atom in world:
        out += list(virtuals.get(atom, (atom,)))
    return tuple(dict.fromkeys(out))


def _venv_of(program: str, cwd: str, facts: StageFacts, active: str | None, env: dict[str, str]) -> str | None:
    """The venv a pip/python program runs in: its own path, an activated one, or one first on PATH."""
    if "/" in program:
        path = _absolute(cwd, program)
        directory = posixpath.dirname(posixpath.dirname(path))
        if posixpath.basename(posixpath.dirname(path)) == "bin" and directory in facts.venvs:
            return directory
        if path.startswith(("/usr/", "/bin/")):
            return None
    if active:
        return active
    if env.get("VIRTUAL_ENV") and env["VIRTUAL_ENV"] in facts.venvs:
        return env["VIRTUAL_ENV"]
    for entry in env.get("PATH", "").split(":"):
        if entry.endswith("/bin") and entry[: -len("/bin")] in facts.venvs:
            return entry[: -len("/bin")]
        if entry.endswith("/bin") and entry[: -len("/bin")].rstrip("/") in facts.venvs:
            return entry[: -len("/bin")].rstrip("/")
    return None


def _absolute(cwd: str, path: str) -> str:
    if path.startswith("~"):
        path = "/root" + path[1:]
    return posixpath.normpath(posixpath.join(cwd or "/", path))
