"""``apkneed plan``'s work and answer, without click: checking the inputs, the world, the pipeline, the output.

:mod:`apkneed.cli.plan` (the click commands ``plan`` and ``why``) and the
console script's click-free fast path (:mod:`apkneed.__main__`) both call
:func:`answer_plan` (``why`` calls :func:`compute_plan`), so the two paths
differ only in how the command line is read.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import sys
from pathlib import Path
from typing import Any, Callable, Iterator

from apkneed.cli.run import echo, emit_json, no_gc_pauses, run_state, verbose, warn
from apkneed.cli.world_options import AlpineOptions, world_from_options
from apkneed.errors import InputError, UnsatisfiableError

FORMATS = ("text", "json", "apk", "dockerfile", "cyclonedx")


def answer_plan(requirements: tuple[str, ...], output_format: str, explain: bool, as_json: bool, **options: Any) -> int:
    """``apkneed plan``'s answer, printed; the exit status (1: the plan is incomplete).

    ``options`` are :func:`compute_plan`'s. Errors are raised (the caller
    reports them: :func:`apkneed.cli.run.answer_or_exit`).
    """
    if as_json and output_format not in ("text", "json"):
        raise InputError(f"--json and --format {output_format} ask for two different outputs: give one")
    if as_json:
        output_format = "json"
    if output_format not in FORMATS:
        raise InputError(f"--format {output_format!r}: expected one of {', '.join(FORMATS)}")
    run = compute_plan(requirements, **options)
    plan = run.plan
    if output_format == "json":
        emit_json(_json_with_stats(run))
    elif output_format == "apk":
        from apkneed.render.apk import apk_add_lines

        echo("\n".join(apk_add_lines(plan)))
    elif output_format == "cyclonedx":
        from apkneed.plan.final_stage import final_image
        from apkneed.render.cyclonedx import plan_bom_json

        echo(plan_bom_json(plan, final_image(plan, run.providers)))
    elif output_format == "dockerfile":
        from apkneed.render.dockerfile import render_dockerfile

        echo(render_dockerfile(plan, _command_line()), nl=False)
    else:
        from apkneed.render.text import render_text

        from apkneed.cli.width import table_width

        width = table_width(os.environ, sys.stdout.isatty())  # COLUMNS, else the terminal's, else 160
        echo(render_text(plan, explain=explain, width=width), nl=False)
    if output_format != "json" and output_format != "text" and explain:
        from apkneed.render.explain import explain_all
        from apkneed.render.json_form import plan_json

        for line in explain_all(plan_json(plan)):
            echo(f"# {line}", err=True)
    return 1 if plan.incomplete else 0


def compute_plan(requirements: tuple[str, ...], **options: Any):
    """Check the inputs (before any network), load the world, run the pipeline.

    Without the cyclic garbage collector's pauses until the plan opens a
    network client (:func:`apkneed.cli.common.no_gc_pauses`): a warm plan
    only reads, and the world it loads is tens of thousands of objects.
    """
    with no_gc_pauses() as resume:
        return _compute_plan(requirements, resume=resume, **options)


def _compute_plan(
    requirements: tuple[str, ...],
    *,
    resume: Callable[[], None],
    requirement_files: tuple[Path, ...],
    alpine: AlpineOptions,
    base_text: str | None,
    python_version: str | None,
    route_policy: str,
    index_url: str | None,
    prerelease: bool,
    extras: tuple[str, ...] = (),
    groups: tuple[str, ...] = (),
):
    from apkneed.python.inputs import input_kind

    from apkneed.alpine.sources.world import validate_arch
    from apkneed.plan.base import parse_base
    from apkneed.plan.pipeline import check_route_policy, run_plan
    from apkneed.plan.target import check_base_published, check_python_option, plan_target, release_for

    check_route_policy(route_policy)
    spec = parse_base(base_text) if base_text else None
    check_python_option(python_version)
    if alpine.arch:
        validate_arch(alpine.arch)
    try:  # a base image that never existed is refused before any download (notes come with the plan)
        check_base_published(spec, release_for(alpine.release, spec), alpine.arch)
    except InputError as err:
        raise InputError(f"--base {base_text}: {err}") from None
    requirements, requirement_files = _paths_among(requirements, requirement_files)
    lock_files = [p for p in requirement_files if input_kind(p) in ("uv.lock", "pylock.toml")]
    if lock_files and (len(lock_files) > 1 or requirements or len(requirement_files) > 1):
        raise InputError(f"{lock_files[0]}: a lock is the whole requirement set: give it alone")
    if not lock_files:
        request, file_index_url, unhashed, require_hashes = _read_requirements(
            requirements, requirement_files, route_policy, alpine.offline, prerelease, extras, groups
        )
    world = world_from_options(alpine.replace(release=release_for(alpine.release, spec)), warn=warn)
    target, notes = plan_target(
        world, spec, python_version, release=world.release, arch=world.arch, index_origin=world.origin
    )
    _check_requires_python(requirement_files, target)
    if not lock_files and (request.hashes or require_hashes):
        _check_hash_lines(unhashed, target, require_hashes)
    if lock_files:  # its markers are read for the target, known only now
        request, file_index_url = _read_lock(lock_files[0], target, route_policy, alpine.offline, extras, groups)
    from apkneed.python.config import first_sighting, index_config

    config = index_config(index_url or file_index_url)
    show = verbose() or first_sighting(config.ignored)  # once per configuration, or every time with -v
    for ignored in config.ignored:
        warn(ignored, on_stderr=show)

    def open_client():
        resume()  # network work (threads, HTTP clients, uv) runs with the collector, as it always did
        return pypi_client(config.index_url, alpine.offline)

    with _pin_progress() as progress:
        run = run_plan(
            request, world=world, target=target, index_url=config.index_url,
            open_client=open_client, warn=warn,
            on_pin_done=progress.on_pin_done, on_resolved=progress.on_resolved, notes=notes,
        )
    for line in run.plan.warnings:
        warn(line)
    return run


def _paths_among(requirements: tuple[str, ...], requirement_files: tuple[Path, ...]):
    """A REQ argument that names a project, lock or requirements file (``.``, ``./app``, ``uv.lock``,
    ``requirements.txt``) is read as ``-r`` would (pip itself only hints at -r for a .txt)."""
    from apkneed.python.inputs import is_lock_path

    kept, files = [], list(requirement_files)
    for text in requirements:
        path = Path(text)
        is_project = path.name == "pyproject.toml" or (("/" in text or text in (".", "..")) and path.is_dir())
        is_requirements = path.suffix in (".txt", ".in") and path.is_file()
        if (is_project or is_lock_path(path) or is_requirements) and path.exists():
            files.append(path)
        else:
            kept.append(text)
    return tuple(kept), tuple(files)


def _read_requirements(requirements, requirement_files, route_policy, offline, prerelease, extras=(), groups=()):
    from apkneed.plan.pipeline import PlanRequest

    if (extras or groups) and not any(_takes_extras(p) for p in requirement_files):
        raise InputError("--extra/--group need a pyproject.toml, a project directory or a uv.lock (-r PATH)")
    lines = list(requirements)
    constraints: list[str] = []
    hashes: dict[str, frozenset[str]] = {}
    unhashed = [("the command line", text) for text in requirements]  # what pip's hash-checking mode refuses
    origins: dict[str, str] = {}
    index_url = None
    require_hashes = None  # where --require-hashes was read: hash-checking mode with or without a --hash
    for path in requirement_files:
        from apkneed.python.names import canonical_name

        from apkneed.python.inputs import read_python_input
        from apkneed.python.requirements import is_hash_pinned

        found = read_python_input(
            path,
            extras=extras if _takes_extras(path) else (), groups=groups if _takes_extras(path) else (),
        )
        for note in found.notes:
            warn(note)
        for line in found.requirements:
            lines.append(line.text)
            if not line.sha256 or not is_hash_pinned(line.text):
                unhashed.append((line.origin, line.text))
            if line.sha256:
                name = canonical_name(line.name)
                hashes[name] = hashes.get(name, frozenset()) | line.sha256
                origins[name] = f"the --hash values of {line.origin}"
        constraints += [c.text for c in found.constraints]
        index_url = found.index_url or index_url
        require_hashes = require_hashes or found.require_hashes
        prerelease = prerelease or found.prerelease
    if not lines:
        raise InputError("nothing to plan: give requirements (e.g. `apkneed plan numpy`) or -r requirements.txt")
    return (
        PlanRequest(tuple(lines), tuple(constraints), hashes, prerelease, route_policy, offline, hash_origins=origins),
        index_url,
        unhashed,
        require_hashes,
    )


def _check_hash_lines(unhashed: list[tuple[str, str]], target, require_hashes: str | None = None) -> None:
    """With a --hash in the requirements, or ``--require-hashes`` (read at ``require_hashes``), pip
    is in hash-checking mode: a requirement it installs without ``==`` and a --hash makes it refuse
    the set. One whose markers are false on the target is never installed, and pip never asks it
    for either."""
    from packaging.requirements import Requirement

    from apkneed.plan.planner import marker_environment

    environment = marker_environment(target)
    refused = [
        f"{where}: {text}" for where, text in unhashed
        if (marker := Requirement(text).marker) is None or marker.evaluate(environment)
    ]
    if refused:
        mode = f"--require-hashes ({require_hashes})" if require_hashes else "a --hash in the requirements"
        raise InputError(
            f"{refused[0]}: not pinned with == and a --hash, and {mode} puts pip in "
            f"hash-checking mode, where every requirement needs both: pip refuses this set"
            + (f" (and {len(refused) - 1} more)" if len(refused) > 1 else "")
        )


def _check_requires_python(requirement_files, target) -> None:
    """A project (pyproject.toml) whose requires-python no release of the target's Python fits: pip
    install of it fails, so the plan is a negative answer."""
    from apkneed.python.inputs import input_kind

    for path in requirement_files:
        if input_kind(path) != "pyproject":
            continue
        from apkneed.python.project import python_excluded, read_requires_python

        found = read_requires_python(path)
        if found is not None and python_excluded(found[1], target.python):
            raise UnsatisfiableError(
                f"{found[0]}: requires-python {found[1]}, and the target's Python is {target.python} "
                f"({target.describe()}): pip refuses to install the project there (--python X.Y or --base "
                "python:X.Y for another Python)"
            )


def _takes_extras(path: Path) -> bool:
    from apkneed.python.inputs import input_kind

    return input_kind(path) in ("pyproject", "uv.lock")


def _read_lock(path: Path, target, route_policy, offline, extras, groups):
    """A lock's pins for the target, with its hashes as the only files a plan may pick."""
    from apkneed.python.locks import read_lock

    locked = read_lock(path, python=target.python, arch=target.arch, extras=extras, groups=groups)
    if not locked.dists:
        raise InputError(f"{path}: nothing of the lock installs on Python {target.python} {target.arch}")
    return lock_request(locked, route_policy, offline), locked.index_url


def lock_request(locked, route_policy: str, offline: bool):
    """The plan request of a lock's pins (check plans a COPYed lock with it too): planned as locked,
    its hashes the only files a plan may pick."""
    from apkneed.plan.pipeline import PlanRequest
    from apkneed.python.resolve import Pin

    pins = tuple(Pin(d.name, d.version, d.requested_by, d.direct) for d in locked.dists)
    hashes = {d.name: d.sha256 for d in locked.dists if d.sha256}
    origins = {d.name: f"the files {d.origin} lists" for d in locked.dists}
    return PlanRequest(
        tuple(f"{d.name}=={d.version}" for d in locked.dists), (), hashes, False, route_policy, offline,
        locked=pins, hash_origins=origins,
    )


@contextlib.contextmanager
def pypi_client(index_url: str, offline: bool):
    """The PyPI client of a plan (``--offline``: one that never connects), trimming the cache after downloads."""
    from apkneed.python.pypi import PyPIClient

    keep_files = True if run_state()["keep_wheels"] else None  # --keep-wheels; None: $APKNEED_KEEP_WHEELS
    if not offline:
        client = PyPIClient(index_url, warn=warn, keep_files=keep_files)
    else:
        import httpx

        # Offline means no connection at all: cached pages whatever their age,
        # cached files and evidence; anything else fails with one line.
        class NoNetwork(httpx.BaseTransport):
            def handle_request(self, request: httpx.Request) -> httpx.Response:
                raise httpx.ConnectError("--offline: apkneed does not touch the network", request=request)

        client = PyPIClient(
            index_url, client=httpx.Client(transport=NoNetwork()), warn=warn,
            max_age=float("inf"), retries=0,
        )
    with client:
        yield client


class PlanProgress:
    """The plan's progress callbacks: how many distributions uv resolved, then each one inspected."""

    __slots__ = ("on_resolved", "on_pin_done")

    def __init__(self, on_resolved: Callable[[int], None] | None = None,
                 on_pin_done: Callable[[str], None] | None = None) -> None:
        self.on_resolved = on_resolved
        self.on_pin_done = on_pin_done


@contextlib.contextmanager
def _pin_progress() -> Iterator[PlanProgress]:
    """A spinner while uv resolves, then a bar over the distributions (done/total), on a terminal stderr only."""
    if not sys.stderr.isatty():  # checked first: rich is not even imported for pipes and CI logs
        yield PlanProgress()
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn

    bar = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                   console=Console(stderr=True), transient=True)
    task = bar.add_task("resolving the requirements with uv", total=None)

    def resolved(count: int) -> None:
        bar.update(task, total=count, description="inspecting the wheels and sdists")

    def done(name: str) -> None:
        bar.update(task, advance=1, description=f"inspected {name}")

    with bar:
        yield PlanProgress(resolved, done)


def _json_with_stats(run) -> dict[str, Any]:
    from apkneed.render.json_form import plan_json

    data = plan_json(run.plan)
    data["stats"] = {
        "bytes_downloaded": run.bytes_downloaded,
        "resolution_from_cache": run.resolution_from_cache,
    }
    return data


def _command_line() -> str:
    return "apkneed " + " ".join(shlex.quote(arg) for arg in sys.argv[1:])
