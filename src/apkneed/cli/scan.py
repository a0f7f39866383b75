"""``apkneed scan ROOT``: what an Alpine root, image or venv is missing, and carries for nothing."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from apkneed.cli.common import emit_json, json_option, reports_errors, warn
from apkneed.cli.options import AlpineOptions, alpine_options, world_from_options
from apkneed.errors import ApkneedError, InputError
from apkneed.render.units import human_size
from apkneed.scan.doctor import ScanReport, add_providers, scan_root, venv_in_root
from apkneed.scan.report import providers_of, report_json
from apkneed.scan.slim import WORLD_UNKNOWN_NOTE
from apkneed.scan.door import open_root

if TYPE_CHECKING:
    from apkneed.alpine.sources.world import AlpineWorld


@click.command("scan")
@click.argument("root", type=click.Path(path_type=Path))
@click.option(
    "--venv", "venvs", multiple=True, metavar="PATH",
    help="A virtual environment to scan too (a path inside ROOT; repeatable).",
)
@click.option(
    "--format", "output_format", default="text", show_default=True, metavar="FORMAT",
    help="text, json, or cyclonedx (a CycloneDX 1.6 SBOM of ROOT's lib/apk/db/installed and its site-packages; the exit status stays the scan's).",
)
@alpine_options
@json_option
@reports_errors
def scan_command(
    root: Path,
    venvs: tuple[str, ...],
    output_format: str,
    alpine: AlpineOptions,
    as_json: bool,
) -> None:
    """Diagnose ROOT the way musl's dynamic loader sees it.

    ROOT is an unpacked root filesystem (a `docker export` unpacked, a chroot,
    `/` inside a container) or an image tarball (.tar, .tar.gz), read in place.
    Reports every shared library that will not load (with who needs it and the
    apk package providing it), files linked against glibc or built for another
    machine, and installed packages that nothing needs.

    Exit status: 0 when everything loads, 1 when something is missing or
    cannot run here, or when part of ROOT could not be read (INCOMPLETE: an
    unreadable directory, no ELF file at all), 2 for bad input, 3 for an
    --index that does not verify.
    """
    if output_format not in ("text", "json", "cyclonedx"):
        raise InputError(f"--format {output_format!r}: expected one of text, json, cyclonedx")
    if as_json and output_format == "cyclonedx":
        raise InputError("--json and --format cyclonedx ask for two different outputs: give one")
    as_json = as_json or output_format == "json"
    rootfs = open_root(root)
    try:
        in_root_venvs = [venv_in_root(rootfs, v) for v in venvs]
        report = scan_root(rootfs, in_root_venvs)
    finally:
        rootfs.close()
    if output_format == "cyclonedx":
        _emit_cyclonedx(report, root)
        if not report.ok:
            sys.exit(1)
        return
    report, world = _with_providers(report, alpine)
    if as_json:
        # the package world the missing libraries were mapped in (None: no index was loaded)
        emit_json({**report_json(report), "target": world.to_json() if world else None})
    else:
        _render(report, world)
    if not report.ok:
        sys.exit(1)


def _emit_cyclonedx(report: ScanReport, root: Path) -> None:
    from apkneed.render.cyclonedx import installed_bom_json

    system = report.system
    if system.installed is None:
        raise InputError(f"{root}: no lib/apk/db/installed: an SBOM of an Alpine root lists its apk packages")
    click.echo(installed_bom_json(
        system.installed, release=system.release, arch=system.arch or "unknown", root=str(root),
        python=report.python, elf_needs=report.elf_needs,
    ))


def _with_providers(report: ScanReport, alpine: AlpineOptions) -> tuple[ScanReport, AlpineWorld | None]:
    """Name the apk packages of the missing libraries, from --index or the root's release."""
    wanted = [m for m in report.missing if not m.installed_by]
    if not alpine.index_paths and not wanted:
        return report, None
    asked = bool(alpine.index_paths or alpine.release or alpine.arch)
    alpine = alpine.replace(release=alpine.release or report.system.release, arch=alpine.arch or report.system.arch)
    try:
        world = world_from_options(alpine, warn=warn)
    except ApkneedError as exc:
        if asked:  # what the user named must work; what the root says may not
            raise
        warn(f"no Alpine index for {alpine.release or 'the latest release'} {alpine.arch or ''}: "
             f"missing libraries are shown without package names ({exc})")
        return report, None
    from apkneed.alpine.providers import build_provider_map  # only when there is something to name

    return add_providers(report, build_provider_map(world.indexes), world.origin), world


#: rows a text table shows before it says how many more there are (--json has them all)
MAX_ROWS = 25
#: files listed per missing library in text
MAX_NEEDERS = 3


def _few(items, limit: int) -> tuple[list, int]:
    items = list(items)
    return items[:limit], max(0, len(items) - limit)


def _render(report: ScanReport, world: AlpineWorld | None = None) -> None:
    from rich.console import Console

    console = Console(highlight=False, soft_wrap=False)
    system = report.system
    installed = _count(len(system.installed), "installed package") if system.installed is not None else "no apk database"
    console.print(
        f"[bold]{report.root}[/]: Alpine {system.release or 'release unknown'}"
        f"{f' ({system.release_text})' if system.release_text else ''}, {system.arch or 'arch unknown'}, "
        f"libc {system.libc}; {installed}; {_count(report.elf_files, 'ELF file')} in {_count(report.files_seen, 'file')} "
        f"({human_size(report.elf_bytes_read)} read of {human_size(report.bytes_total)})"
    )
    if report.missing:
        _print_capped_table(
            console, f"Missing libraries ({len(report.missing)})", ("soname", "needed by", "provided by", "why"),
            [_missing_row(item, report.provider_origin) for item in report.missing], prose=(3,),
        )
        unprovided = [item.soname for item in report.missing if not providers_of(item)]
        if unprovided and world is not None:  # "?" in the table: say what was searched and what was not
            console.print(f"no package provides {', '.join(unprovided)} {world.scope()}", soft_wrap=True)
    if report.wrong_libc:
        _print_capped_table(
            console, f"Linked against glibc: cannot run on musl ({len(report.wrong_libc)})",
            ("file", "evidence", "what to do"),
            [(item.path, item.evidence, item.advice) for item in report.wrong_libc], prose=(2, 1),
        )
    if report.wrong_arch:
        _print_capped_table(
            console, f"Built for another machine ({len(report.wrong_arch)})", ("file", "arch"), report.wrong_arch
        )
    slim = report.slimming
    if slim and not slim.world_known:
        console.print(f"[yellow]{WORLD_UNKNOWN_NOTE}[/]", soft_wrap=True)
    if slim and slim.unneeded:
        heading = "Installed but nothing needs them" if slim.world_known else "Installed, no ELF file needs them, world unknown"
        _print_table(
            console, f"{heading} ({len(slim.unneeded)}, {human_size(slim.saved_bytes)})",
            ("package", "size", "why"),
            [(f"{item.name}-{item.version}", human_size(item.installed_size), item.reason) for item in slim.unneeded],
            prose=(2,), justify=("left", "right"),
        )
    for label, line in (("add", report.apk_add), ("fix", report.apk_fix), ("slim", slim.command if slim else None)):
        if line:
            console.print(f"{label}: [bold]{line}[/]", soft_wrap=True)
    if report.missing and report.provider_origin:
        console.print(f"package names from {report.provider_origin}", soft_wrap=True)
    problems, more = _few(report.problems, MAX_ROWS)
    for problem in problems:
        console.print(f"[yellow]problem[/]: {problem.message}", soft_wrap=True)
    _more(console, more)
    if report.failed:
        console.print(
            f"[red]FAIL[/]: {len(report.missing)} missing, {len(report.wrong_libc)} glibc-linked, "
            f"{len(report.wrong_arch)} foreign-arch"
        )
    elif report.incomplete:
        console.print(
            f"[yellow]INCOMPLETE[/]: part of the root was not checked, so apkneed cannot say every ELF file "
            f"loads: {report.incomplete[0]}"
            + (f" (+{len(report.incomplete) - 1} more)" if len(report.incomplete) > 1 else ""),
            soft_wrap=True,
        )
    else:
        console.print("[green]OK[/]: every ELF file scanned can load")


def _missing_row(item, provider_origin: str | None) -> tuple[str, str, str, str]:
    # the same packages as JSON's provided_by; an installed owner is marked
    provider = ", ".join(
        f"{name} (installed, file gone)" if name in item.installed_by else name for name in providers_of(item)
    ) or ("?" if provider_origin else "(no index)")
    needers, others = _few(item.needed_by, MAX_NEEDERS)
    who = "\n".join(needers) + (f"\n(+{others} more)" if others else "")
    return item.soname, who, provider, "; ".join(item.reasons)


def _print_capped_table(console, title: str, columns: tuple[str, ...], rows, prose: tuple[int, ...] = ()) -> None:
    """A table of the first MAX_ROWS rows, then how many it left out."""
    shown, more = _few(rows, MAX_ROWS)
    _print_table(console, title, columns, shown, prose=prose)
    _more(console, more)


def _print_table(console, title: str, columns: tuple[str, ...], rows, *, prose=(), justify=()) -> None:
    """A table that breaks no word (a path, a package name) at the console's width, else
    one block of ``label: value`` lines per row (see apkneed.render.table)."""
    from rich.markup import escape

    from apkneed.render.table import vertical_blocks, word_safe_table

    rows = [tuple(str(cell) for cell in row) for row in rows]
    table = word_safe_table(columns, rows, console.width, prose=prose, justify=justify,
                            title=title, title_justify="left")
    if table is not None:
        console.print(table)
        return
    console.print(escape(title))
    for line in vertical_blocks(columns, rows, console.width):
        console.print(escape(line), soft_wrap=True)


def _more(console, count: int) -> None:
    if count:
        console.print(f"... and {count} more (--json lists them all)")


def _count(number: int, noun: str) -> str:
    """``1 file``, ``3 files``."""
    return f"{number} {noun}{'' if number == 1 else 's'}"
