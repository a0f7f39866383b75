"""``apkneed plan`` (and the bare ``apkneed numpy``) and ``apkneed why``.

``plan`` answers, with evidence: which apk packages does this requirement
set need to run, and to build, on the target? ``why PACKAGE`` prints the
evidence chains of one apk package of that answer.

Exit status: 0 a complete plan; 1 a negative answer (conflicting
requirements, a distribution nothing can install, a forced ``--route`` that
could not be honoured for some distribution, ``why`` for a package not in
the plan); 2 bad input; 3 network, integrity or tool failure.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import shlex
import sys
from pathlib import Path
from typing import Any, Callable, Iterator

import click

from apkneed.cli.common import emit_json, json_option, no_gc_pauses, reports_errors, verbose, warn
from apkneed.cli.options import AlpineOptions, alpine_options, world_from_options
from apkneed.errors import InputError

FORMATS = ("text", "json", "apk", "dockerfile", "cyclonedx")

PLAN_EPILOG = """\b
Examples:
  apkneed numpy                                       # same as: apkneed plan numpy
  apkneed plan numpy scipy --base python:3.12 --format dockerfile
  apkneed plan -r requirements.txt --alpine v3.16 --arch aarch64 --json
  apkneed plan -r . --group test                      # a project: [project].dependencies + a PEP 735 group
  apkneed plan -r uv.lock --format cyclonedx          # a lock, as locked; an SBOM of the final stage
  apkneed plan pyyaml --route apk                     # use Alpine's py3-* where it fits
  apkneed plan psycopg2 --explain                     # the evidence behind every apk package

\b
Routes (--route auto): a wheel when pip would install one (musllinux or
pure); else, on an Alpine-python base (--base alpine), Alpine's py3-*
package when its version is the pinned one; else a source build. --route
wheel|apk|source forces a route where possible; where it is impossible the
distribution keeps its auto route, the reason says why, and the exit status
is 1.

\b
Bases: --base alpine (Python from apk: python3, python3-dev for builds),
--base python:X.Y[-alpine3.Z] (the Docker image's own Python in /usr/local).
Without --base: alpine, unless --python names another version than the
release's python3 (then the python:X.Y image).

\b
Exit status: 0 complete plan, 1 negative answer (conflict, nothing installs
a distribution, forced route impossible), 2 bad input, 3 network/integrity.
"""

WHY_EPILOG = """\b
Examples:
  apkneed why zlib pillow                        # plan pillow, explain zlib
  apkneed plan -r requirements.txt --json > plan.json && apkneed why libpq --plan plan.json
  apkneed plan lxml --json | apkneed why libxml2 --plan -

\b
Routes (--route, as for plan): auto picks a wheel when pip would install one,
else Alpine's py3-* package when its version is the pinned one (--base alpine),
else a source build; wheel, apk or source force a route where possible.

\b
Exit status: 0 explained, 1 the package is not in the plan, 2 bad input.
"""


def _keep_wheels(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value:
        ctx.meta["apkneed_keep_wheels"] = True


def plan_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """The options ``plan`` and ``why`` share: requirements, target, index."""
    options = [
        click.option("-r", "--requirement", "requirement_files", multiple=True, metavar="FILE",
                     type=click.Path(path_type=Path),
                     help="Read requirements from FILE: pip's format (--hash honoured), a pyproject.toml or project "
                          "directory, or a lock (uv.lock, pylock.toml: planned as locked). Repeatable."),
        click.option("--extra", "extras", multiple=True, metavar="NAME",
                     help="With a pyproject.toml or uv.lock: also the project's extra NAME (repeatable)."),
        click.option("--group", "groups", multiple=True, metavar="NAME",
                     help="With a pyproject.toml or uv.lock: also the PEP 735 dependency group NAME (repeatable)."),
        alpine_options,
        click.option("--base", "base_text", metavar="IMAGE",
                     help="alpine (Python from apk) or python:X.Y[-alpine3.Z] (the image's Python)."),
        click.option("--python", "python_version", metavar="X.Y",
                     help="Target Python (must be the release's python3 on an Alpine-python base)."),
        click.option("--route", "route_policy", default="auto", show_default=True, metavar="ROUTE",
                     help="auto, wheel, apk or source (see below)."),
        click.option("--index-url", metavar="URL",
                     help="Python package index (default: pip's configuration, else https://pypi.org/simple)."),
        click.option("--pre", "prerelease", is_flag=True, help="Allow pre-releases, as pip's --pre."),
        click.option("--keep-wheels", is_flag=True, expose_value=False, callback=_keep_wheels,
                     help="Keep whole wheels and sdists in the cache (default: only the facts read from them)."),
        json_option,
    ]
    for option in reversed(options):
        func = option(func)
    return func


@click.command("plan", epilog=PLAN_EPILOG)
@click.argument("requirements", nargs=-1, metavar="REQ...")
@plan_options
@click.option("--format", "output_format", default="text", show_default=True, metavar="FORMAT",
              help="text, json, apk (the two apk add lines), dockerfile, or cyclonedx (a CycloneDX 1.6 SBOM of the final stage).")
@click.option("--explain", is_flag=True, help="Also print why each apk package is in the plan.")
@reports_errors
def plan_command(requirements: tuple[str, ...], output_format: str, explain: bool, as_json: bool, **options: Any) -> None:
    """Which apk packages REQ... need to run, and to build, on Alpine.

    REQ is a PEP 508 requirement (numpy, 'scipy>=1.11', 'pandas[performance]').
    Every distribution of the resolved set gets one route (wheel, apk or
    source) and the apk packages that route needs, each with its evidence.
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

        click.echo("\n".join(apk_add_lines(plan)))
    elif output_format == "cyclonedx":
        from apkneed.plan.final_stage import final_image
        from apkneed.render.cyclonedx import plan_bom_json

        click.echo(plan_bom_json(plan, final_image(plan, run.providers)))
    elif output_format == "dockerfile":
        from apkneed.render.dockerfile import render_dockerfile

        click.echo(render_dockerfile(plan, _command_line()), nl=False)
    else:
        from apkneed.render.text import render_text

        import shutil

        width = shutil.get_terminal_size((160, 24)).columns if sys.stdout.isatty() else 160
        click.echo(render_text(plan, explain=explain, width=width), nl=False)
    if output_format != "json" and output_format != "text" and explain:
        from apkneed.render.explain import explain_all
        from apkneed.render.json_form import plan_json

        for line in explain_all(plan_json(plan)):
            click.echo(f"# {line}", err=True)
    if plan.incomplete:
        sys.exit(1)


@click.command("why", epilog=WHY_EPILOG)
@click.argument("package", metavar="PACKAGE")
@click.argument("requirements", nargs=-1, metavar="[REQ...]")
@click.option("--plan", "plan_file", metavar="FILE", help="A saved `apkneed plan --json` ('-' for stdin) instead of REQ...")
@plan_options
@reports_errors
def why_command(package: str, requirements: tuple[str, ...], plan_file: str | None, as_json: bool, **options: Any) -> None:
    """Why the apk PACKAGE is in the plan of REQ...: its chains down to the evidence."""
    from apkneed.render.explain import chain_line, explain_chains

    if plan_file is not None:
        if requirements or options.get("requirement_files"):
            raise InputError("why: give either --plan FILE or requirements, not both")
        data = _read_plan_json(plan_file)
    else:
        from apkneed.render.json_form import plan_json

        data = plan_json(compute_plan(requirements, **options).plan)
    chains = explain_chains(data, package)
    lines = [chain_line(chain) for chain in chains]
    if as_json:
        # chains as in plan JSON's "needs": the links are an array; "lines" is the text
        emit_json({
            "package": package, "in_plan": bool(chains), "chains": chains, "lines": lines,
            "target": data.get("target"),  # the plan's target block: release, repositories searched and absent
        })
    elif lines:
        click.echo("\n".join(lines))
    else:
        runtime = " ".join(data.get("runtime_apk", ())) or "nothing"
        build = " ".join(data.get("build_apk", ())) or "nothing"
        click.echo(f"{package} is not in the plan (run time: {runtime}; build: {build})", err=True)
    if not lines:
        sys.exit(1)


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
        request, file_index_url = _read_requirements(
            requirements, requirement_files, route_policy, alpine.offline, prerelease, extras, groups
        )
    world = world_from_options(dataclasses.replace(alpine, release=release_for(alpine.release, spec)), warn=warn)
    target, notes = plan_target(
        world, spec, python_version, release=world.release, arch=world.arch, index_origin=world.origin
    )
    if lock_files:  # its markers are read for the target, known only now
        request, file_index_url = _read_lock(lock_files[0], target, route_policy, alpine.offline, extras, groups)
    from apkneed.python.config import first_sighting, index_config

    config = index_config(index_url or file_index_url)
    show = verbose() or first_sighting(config.ignored)  # once per configuration, or every time with -v
    for ignored in config.ignored:
        warn(ignored, on_stderr=show)

    def open_client():
        resume()  # network work (threads, HTTP clients, uv) runs with the collector, as it always did
        return _pypi_client(config.index_url, alpine.offline)

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
    """A REQ argument that names a project or lock (``.``, ``./app``, ``uv.lock``) is read as ``-r`` would."""
    from apkneed.python.inputs import is_lock_path

    kept, files = [], list(requirement_files)
    for text in requirements:
        path = Path(text)
        is_project = path.name == "pyproject.toml" or (("/" in text or text in (".", "..")) and path.is_dir())
        if (is_project or is_lock_path(path)) and path.exists():
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
    origins: dict[str, str] = {}
    index_url = None
    for path in requirement_files:
        from apkneed.python.names import canonical_name

        from apkneed.python.inputs import read_python_input

        found = read_python_input(
            path,
            extras=extras if _takes_extras(path) else (), groups=groups if _takes_extras(path) else (),
        )
        for note in found.notes:
            warn(note)
        for line in found.requirements:
            lines.append(line.text)
            if line.sha256:
                name = canonical_name(line.name)
                hashes[name] = hashes.get(name, frozenset()) | line.sha256
                origins[name] = f"the --hash values of {line.origin}"
        constraints += [c.text for c in found.constraints]
        index_url = found.index_url or index_url
        prerelease = prerelease or found.prerelease
    if not lines:
        raise InputError("nothing to plan: give requirements (e.g. `apkneed plan numpy`) or -r requirements.txt")
    return (
        PlanRequest(tuple(lines), tuple(constraints), hashes, prerelease, route_policy, offline, hash_origins=origins),
        index_url,
    )


def _takes_extras(path: Path) -> bool:
    from apkneed.python.inputs import input_kind

    return input_kind(path) in ("pyproject", "uv.lock")


def _read_lock(path: Path, target, route_policy, offline, extras, groups):
    """A lock's pins for the target, with its hashes as the only files a plan may pick."""
    from apkneed.plan.pipeline import PlanRequest
    from apkneed.python.locks import read_lock
    from apkneed.python.resolve import Pin

    locked = read_lock(path, python=target.python, arch=target.arch, extras=extras, groups=groups)
    if not locked.dists:
        raise InputError(f"{path}: nothing of the lock installs on Python {target.python} {target.arch}")
    pins = tuple(Pin(d.name, d.version, d.requested_by, d.direct) for d in locked.dists)
    hashes = {d.name: d.sha256 for d in locked.dists if d.sha256}
    origins = {d.name: f"the files {d.origin} lists" for d in locked.dists}
    request = PlanRequest(
        tuple(f"{d.name}=={d.version}" for d in locked.dists), (), hashes, False, route_policy, offline,
        locked=pins, hash_origins=origins,
    )
    return request, locked.index_url


@contextlib.contextmanager
def _pypi_client(index_url: str, offline: bool):
    from apkneed.python.pypi import PyPIClient

    ctx = click.get_current_context(silent=True)
    keep_files = True if ctx is not None and ctx.meta.get("apkneed_keep_wheels") else None  # None: $APKNEED_KEEP_WHEELS
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
    if not offline:  # a run that downloads keeps the cache under its limit (apkneed.cache_usage)
        from apkneed.cache import default_cache_root
        from apkneed.cache_usage import evict_now_and_then
        from apkneed.errors import InputError

        try:
            evict_now_and_then(default_cache_root())
        except InputError as exc:  # a bad $APKNEED_CACHE_LIMIT: the answer stands, the cache is left as it is
            warn(f"$APKNEED_CACHE_LIMIT: {exc}; the cache was not trimmed")


@dataclasses.dataclass
class PlanProgress:
    """The plan's progress callbacks: how many distributions uv resolved, then each one inspected."""

    on_resolved: Callable[[int], None] | None = None
    on_pin_done: Callable[[str], None] | None = None


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


def _read_plan_json(spec: str) -> dict[str, Any]:
    from apkneed.inputfile import read_input_text

    text = read_input_text(spec, what="--plan")
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise InputError(f"--plan {spec}: not JSON ({exc})") from None
    if not isinstance(data, dict) or "needs" not in data or "packages" not in data:
        raise InputError(f"--plan {spec}: not an `apkneed plan --json` answer (no needs/packages)")
    return data


def _command_line() -> str:
    return "apkneed " + " ".join(shlex.quote(arg) for arg in sys.argv[1:])
