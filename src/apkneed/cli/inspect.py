"""``apkneed inspect WHEEL``: what a wheel really needs, read from its ELF files.

Exit status: 0 the wheel works on the target, 1 it does not (not
installable, broken, wrong arch or Python), 2 bad input.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import BinaryIO

import click

from apkneed.alpine.world import AlpineWorld, host_arch, validate_arch
from apkneed.binary.policy import Target
from apkneed.binary.report import WheelReport
from apkneed.binary.wheel import SoProviders, inspect_wheel
from apkneed.cli.common import emit_json, json_option, reports_errors, warn
from apkneed.cli.options import alpine_options, world_from_options
from apkneed.errors import ApkneedError, InputError, IntegrityError


@click.command("inspect")
@click.argument("wheel", metavar="WHEEL")
@alpine_options
@click.option("--python", "python_version", metavar="X.Y", help="Target Python version, e.g. 3.12 (checks the wheel's tags).")
@json_option
@reports_errors
def inspect_command(
    wheel: str,
    index_paths: tuple[Path, ...],
    release: str | None,
    arch: str | None,
    mirror: str,
    allow_untrusted: bool,
    offline: bool,
    python_version: str | None,
    as_json: bool,
) -> None:
    """What WHEEL needs from an Alpine system, read from its ELF files.

    WHEEL is a local .whl file. Every NEEDED entry of every ELF object is
    resolved as vendored (in the wheel), libc, or external; externals are
    mapped to the apk packages that provide them (so: names) when an apk
    index is available (--index, or the mirror).
    """
    python = parse_python_version(python_version) if python_version else None
    if arch:
        validate_arch(arch)  # a bad --arch is bad input, whether or not an index loads
    stream, filename = open_wheel_source(wheel)
    with stream:
        world = target_world(index_paths, release, arch, mirror, allow_untrusted, offline)
        target = Target(
            arch=world.arch if world else validate_arch(arch or host_arch()),
            python=python,
            musl_version=musl_version(world) if world else None,
        )
        report = inspect_wheel(
            stream, filename, target=target, providers=so_providers_from_world(world) if world else None
        )
    if as_json:
        emit_json(report.as_json())
    else:
        print_report(report, world)
    if not report.compatible:
        sys.exit(1)


def open_wheel_source(spec: str) -> tuple[BinaryIO, str]:
    """The one place that turns the WHEEL argument into (file object, filename).

    Only local files for now; URLs and requirements arrive with the PyPI
    client.
    """
    if re.match(r"^[a-z][a-z0-9+.-]*://", spec, re.IGNORECASE):
        raise InputError(f"{spec}: inspecting a URL is not supported yet; download the wheel and pass the file")
    path = Path(spec)
    if not path.exists():
        if spec.endswith(".whl"):
            raise InputError(f"{spec}: no such file")
        raise InputError(
            f"{spec}: inspecting a requirement is not supported yet; pass a local .whl file"
        )
    if path.is_dir():
        raise InputError(f"{spec}: is a directory, not a wheel file")
    try:
        return path.open("rb"), path.name
    except OSError as exc:
        raise InputError(f"{spec}: cannot open ({exc.strerror or exc})") from None


def parse_python_version(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d+)\.(\d+)", text.strip())
    if not match:
        raise InputError(f"--python {text!r}: expected X.Y, e.g. 3.12")
    return int(match[1]), int(match[2])


def target_world(
    index_paths: tuple[Path, ...],
    release: str | None,
    arch: str | None,
    mirror: str,
    allow_untrusted: bool,
    offline: bool,
) -> AlpineWorld | None:
    """The apk world, when one can be had. Inspection itself needs none (it
    only names the packages), so without --index a failure to get one is a
    warning; a tampered index never is."""
    try:
        return world_from_options(
            index_paths=index_paths, release=release, arch=arch, mirror=mirror,
            allow_untrusted=allow_untrusted, offline=offline, warn=warn,
        )
    except IntegrityError:
        raise
    except ApkneedError as exc:
        if index_paths:
            raise
        warn(f"no apk index ({exc}); external libraries are listed without their apk packages")
        return None


def so_providers_from_world(world: AlpineWorld) -> SoProviders:
    """soname -> names of the packages whose provides include ``so:<soname>``.

    A plain scan of the world's provides, until apkneed.alpine.providers
    offers the same lookup.
    """
    table: dict[str, set[str]] = {}
    for package in world.packages:
        for provide in package.provides:
            if provide.name.startswith("so:"):
                table.setdefault(provide.name[3:], set()).add(package.name)
    return lambda soname: sorted(table.get(soname, ()))


def musl_version(world: AlpineWorld) -> str | None:
    """The version of the target's musl package (first index wins, as in apk)."""
    return next((p.version for p in world.packages if p.name == "musl"), None)


def print_report(report: WheelReport, world: AlpineWorld | None) -> None:
    from rich.console import Console  # rich only when printing text
    from rich.markup import escape  # names and messages may hold [brackets]
    from rich.table import Table

    console = Console(highlight=False, soft_wrap=True)
    verdict = "[green]yes[/]" if report.compatible else "[red]no[/]"
    where = " ".join(filter(None, ["Alpine", world.release if world else None, report.target_arch]))
    console.print(f"[bold]{escape(report.file)}[/]")
    console.print(f"  tags: {escape(', '.join(report.tags))}")
    console.print(f"  libc: {report.libc}    target: {where}    works there: {verdict}")
    console.print(
        f"  {len(report.objects)} ELF object(s), {len(report.vendored)} vendored librar"
        f"{'y' if len(report.vendored) == 1 else 'ies'}, {len(report.external)} external"
    )
    if report.external:
        table = Table(title="Needed from the system", title_justify="left", show_edge=False)
        table.add_column("soname")
        table.add_column("apk packages")
        table.add_column("needed by")
        for ext in report.external:
            apk = escape(", ".join(ext.provided_by)) or ("[yellow]none found[/]" if world else "(no index)")
            shown = ", ".join(ext.needed_by[:2]) + (f" +{len(ext.needed_by) - 2}" if len(ext.needed_by) > 2 else "")
            table.add_row(escape(ext.soname), apk, escape(shown))
        console.print(table)
    elif report.objects:
        console.print(f"  needs nothing from the system besides the C library ({report.libc})")
    colours = {"error": "red", "warning": "yellow", "info": "cyan"}
    for problem in report.problems:
        colour = colours.get(problem.severity, "white")
        console.print(f"  [{colour}]{problem.severity}[/]: {escape(problem.message)}")
