"""``apkneed check [Dockerfile]``: audit a Dockerfile against what its stages really need."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from apkneed.cli.common import emit_json, json_option, reports_errors, verbose, warn
from apkneed.cli.options import AlpineOptions, alpine_options, world_from_options
from apkneed.errors import InputError

CHECK_EPILOG = """\b
Examples:
  apkneed check                                   # ./Dockerfile, context = its folder
  apkneed check app/                              # app/Dockerfile, context app/ (as docker build app/)
  apkneed check docker/Dockerfile --context . --json
  apkneed check Dockerfile --base python:3.12-alpine3.20   # a stage FROM an image apkneed does not know
  apkneed check Dockerfile --image image.tar      # and the scan of the image it built (docker save)

\b
Findings: error (the build or the image fails: pip missing, PEP 668, py3-* on a
python: image, an apk name the release lacks, a run-time library gone after
apk del, setup.py that does not exist, git missing), unknown (what could not be
decided: pass --base), warning (works but costs: unneeded build packages, -dev
in the final stage, avoidable source builds, apk add without --no-cache),
suggestion (the plan's apk lines), info (lines not understood).

\b
Exit status: 0 no error, 1 an error or unknown finding, 2 bad input, 3 network.
"""


@click.command("check", epilog=CHECK_EPILOG)
@click.argument("dockerfile", required=False, default="Dockerfile", type=click.Path(path_type=Path))
@click.option("--context", "context", type=click.Path(path_type=Path), metavar="DIR",
              help="The build context (-r files are read from it). Default: the Dockerfile's folder.")
@click.option("--base", "base_text", metavar="IMAGE",
              help="What an unknown FROM image is: alpine:3.X or python:X.Y-alpine3.Z.")
@click.option("--build-arg", "build_args", multiple=True, metavar="K=V", help="A build argument, as docker build's (K alone: the value of $K).")
@click.option("--image", "image", type=click.Path(path_type=Path), metavar="IMAGE.tar",
              help="The built image (docker save tarball or OCI layout): its scan next to the findings.")
@click.option("--index-url", metavar="URL", help="Python package index (default: pip's configuration, else PyPI).")
@alpine_options
@json_option
@reports_errors
def check_command(dockerfile: Path, context: Path | None, base_text: str | None, build_args: tuple[str, ...],
                  image: Path | None, index_url: str | None, alpine: AlpineOptions, as_json: bool) -> None:
    """Audit DOCKERFILE: what each stage installs against what it needs.

    Every stage's base image gives the Alpine release and Python; its apk
    world is solved with apk's rules on that release's index; what pip
    installs is planned as `apkneed plan` would. Findings carry the
    Dockerfile's line numbers and their evidence.
    """
    from apkneed.alpine.sources.world import host_arch, validate_arch
    from apkneed.check.audit import check_dockerfile
    from apkneed.check.dockerfile import read_dockerfile_file
    from apkneed.check.worlds import WorldBook
    from apkneed.plan.base import parse_base

    if base_text:
        parse_base(base_text)
    arch = validate_arch(alpine.arch) if alpine.arch else host_arch()
    args = {}
    for item in build_args:
        key, sep, value = item.partition("=")
        if not key:
            raise InputError(f"--build-arg {item!r}: expected KEY=VALUE or KEY")
        if not sep:  # as docker build: KEY alone takes $KEY, and is no build argument when that is unset
            if key not in os.environ:
                continue
            value = os.environ[key]
        args[key] = value
    if dockerfile.is_dir():  # as `docker build DIR`: DIR/Dockerfile, DIR the build context
        if not (dockerfile / "Dockerfile").is_file():
            raise InputError(f"{dockerfile}: a directory, and no Dockerfile in it (name the file to check)")
        dockerfile = dockerfile / "Dockerfile"
    context = context if context is not None else dockerfile.parent
    if not context.is_dir():
        raise InputError(f"--context {context}: not a directory")
    parsed = read_dockerfile_file(dockerfile, args)
    if image is not None and not image.exists():
        raise InputError(f"--image {image}: no such file or directory")
    report = check_dockerfile(
        parsed, context=context, arch=arch, worlds=WorldBook(_world_loader(alpine), warn=warn),
        plan=_planner(alpine, index_url), base_override=base_text,
    )
    if image is not None:
        from apkneed.check.image import compare_with_image

        report = compare_with_image(report, image, add_providers=lambda scan: _scan_providers(scan, alpine))
    for line in report.warnings:
        warn(line)
    if as_json:
        emit_json(report.to_json())
    else:
        from apkneed.check.text import render_check

        click.echo(render_check(report), nl=False)
    if report.failed:
        sys.exit(1)


def _world_loader(alpine: AlpineOptions):
    told: set[tuple[str | None, str | None]] = set()

    def load(release: str | None, arch: str):
        if alpine.index_paths:
            world = world_from_options(alpine.replace(release=None, arch=arch), warn=warn)
            if release and world.release and world.release != release and (release, world.release) not in told:
                told.add((release, world.release))
                warn(f"a stage runs Alpine {release}, --index is {world.release}: its findings use --index")
            return world
        return world_from_options(alpine.replace(release=release or alpine.release, arch=arch), warn=warn)

    return load


def _planner(alpine: AlpineOptions, index_url: str | None):
    from apkneed.cli.plan_answer import pypi_client
    from apkneed.plan.pipeline import PlanRequest, run_plan
    from apkneed.python.config import first_sighting, index_config

    config = index_config(index_url)
    show = verbose() or first_sighting(config.ignored)  # once per configuration, or every time with -v
    for ignored in config.ignored:
        warn(ignored, on_stderr=show)

    def plan(requirements, constraints, world, target, route: str, lock=None) -> Any:
        if lock is not None:  # the stage installs exactly a lock's pins: planned as locked, with its hashes
            from apkneed.cli.plan_answer import lock_request

            request = lock_request(lock, route, alpine.offline)
        else:
            request = PlanRequest(tuple(requirements), tuple(constraints), route_policy=route, offline=alpine.offline)
        return run_plan(
            request, world=world, target=target, index_url=config.index_url,
            open_client=lambda: pypi_client(config.index_url, alpine.offline), warn=warn,
        )

    return plan


def _scan_providers(scan, alpine: AlpineOptions):
    """Name the apk packages of the image's missing libraries, as `apkneed scan` does."""
    from apkneed.cli.scan import _with_providers

    named, _world = _with_providers(scan, alpine)
    return named
