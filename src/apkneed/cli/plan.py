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

import json
import sys
from pathlib import Path
from typing import Any, Callable

import click

from apkneed.cli.common import emit_json, json_option, reports_errors
from apkneed.cli.options import alpine_options
from apkneed.cli.plan_answer import FORMATS, answer_plan, compute_plan
from apkneed.cli.run import run_state
from apkneed.errors import InputError

__all__ = ["FORMATS", "compute_plan", "plan_command", "why_command"]

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
--base python:X.Y[-alpine3.Z] (the Docker image's own Python in /usr/local;
--base python or python:alpine[3.Z]: the Python that Docker tag is, from the
published-tag data, e.g. 3.14 on Alpine 3.23 where apk's python3 is 3.12).
Without --base: alpine, unless --python names another version than the
release's python3 (then the python:X.Y image).

\b
Exit status: 0 complete plan, 1 negative answer (conflict, nothing installs
a distribution, forced route impossible, a build whose needs are unknown, a
library no package provides), 2 bad input, 3 network/integrity.
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
--json: "in_plan", "chains", "lines", "target", and "in_base_image": true or
false (whether the base image's own world installs PACKAGE, in the plan or
not), null when not known (--plan FILE: a saved plan has no base closure).

\b
Exit status: 0 explained, 1 the package is not in the plan, 2 bad input,
3 network/integrity (planning REQ...).
"""


def _keep_wheels(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value:
        run_state()["keep_wheels"] = True


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
    status = answer_plan(requirements, output_format, explain, as_json, **options)
    if status:
        sys.exit(status)


@click.command("why", epilog=WHY_EPILOG)
@click.argument("package", metavar="PACKAGE")
@click.argument("requirements", nargs=-1, metavar="[REQ...]")
@click.option("--plan", "plan_file", metavar="FILE", help="A saved `apkneed plan --json` ('-' for stdin) instead of REQ...")
@plan_options
@reports_errors
def why_command(package: str, requirements: tuple[str, ...], plan_file: str | None, as_json: bool, **options: Any) -> None:
    """Why the apk PACKAGE is in the plan of REQ...: its chains down to the evidence."""
    from apkneed.render.explain import chain_line, explain_chains

    run = None
    if plan_file is not None:
        if requirements or options.get("requirement_files"):
            raise InputError("why: give either --plan FILE or requirements, not both")
        data = _read_plan_json(plan_file)
    else:
        from apkneed.render.json_form import plan_json

        run = compute_plan(requirements, **options)
        data = plan_json(run.plan)
    chains = explain_chains(data, package)
    lines = [chain_line(chain) for chain in chains]
    if as_json:
        # chains as in plan JSON's "needs": the links are an array; "lines" is the text
        emit_json({
            "package": package, "in_plan": bool(chains), "chains": chains, "lines": lines,
            # true/false when the plan was made here (in the plan or not); null: not known
            # (a saved plan holds the base image's world, not what apk installs for it)
            "in_base_image": None if run is None else _in_base_image(run, package),
            "target": data.get("target"),  # the plan's target block: release, repositories searched and absent
        })
    elif lines:
        click.echo("\n".join(lines))
    elif run is not None and _in_base_image(run, package):
        click.echo(f"{package} is not added by the plan: the base image {run.plan.target.image} has it already "
                   "(its world pulls it in)", err=True)
    else:
        runtime = " ".join(data.get("runtime_apk", ())) or "nothing"
        build = " ".join(data.get("build_apk", ())) or "nothing"
        click.echo(f"{package} is not in the plan (run time: {runtime}; build: {build})", err=True)
    if not lines:
        sys.exit(1)


def _in_base_image(run, package: str) -> bool:
    """Whether apk installs ``package`` for the base image's own world (musl, busybox...)."""
    from apkneed.plan.closure import layer

    return any(entry.name == package for entry in layer(run.providers, (), run.plan.base_world).added)


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
