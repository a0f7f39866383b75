"""``apkneed scan ROOT``: what an Alpine root, image or venv is missing, and carries for nothing."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from apkneed.cli.common import emit_json, json_option, reports_errors, warn
from apkneed.cli.options import alpine_options, world_from_options
from apkneed.errors import ApkneedError
from apkneed.scan.doctor import ScanReport, add_providers, scan_root, venv_in_root
from apkneed.scan.report import report_json
from apkneed.scan.rootfs import open_root


@click.command("scan")
@click.argument("root", type=click.Path(path_type=Path))
@click.option(
    "--venv", "venvs", multiple=True, metavar="PATH",
    help="A virtual environment to scan too (a path inside ROOT; repeatable).",
)
@alpine_options
@json_option
@reports_errors
def scan_command(
    root: Path,
    venvs: tuple[str, ...],
    index_paths: tuple[Path, ...],
    release: str | None,
    arch: str | None,
    mirror: str,
    allow_untrusted: bool,
    offline: bool,
    as_json: bool,
) -> None:
    """Diagnose ROOT the way musl's dynamic loader sees it.

    ROOT is an unpacked root filesystem (a `docker export` unpacked, a chroot,
    `/` inside a container) or an image tarball (.tar, .tar.gz), read in place.
    Reports every shared library that will not load (with who needs it and the
    apk package providing it), files linked against glibc or built for another
    machine, and installed packages that nothing needs.

    Exit status: 0 when everything loads, 1 when something is missing or
    cannot run here, 2 for bad input.
    """
    rootfs = open_root(root)
    try:
        in_root_venvs = [venv_in_root(rootfs, v) for v in venvs]
        report = scan_root(rootfs, in_root_venvs)
    finally:
        rootfs.close()
    report = _with_providers(report, index_paths, release, arch, mirror, allow_untrusted, offline)
    if as_json:
        emit_json(report_json(report))
    else:
        _render(report)
    if report.failed:
        sys.exit(1)


def _with_providers(report: ScanReport, index_paths, release, arch, mirror, allow_untrusted, offline) -> ScanReport:
    """Name the apk packages of the missing libraries, from --index or the root's release."""
    wanted = [m for m in report.missing if not m.installed_by]
    if not index_paths and not wanted:
        return report
    asked = bool(index_paths or release or arch)
    release = release or report.system.release
    arch = arch or report.system.arch
    try:
        world = world_from_options(
            index_paths=index_paths, release=release, arch=arch, mirror=mirror,
            allow_untrusted=allow_untrusted, offline=offline, warn=warn,
        )
    except ApkneedError as exc:
        if asked:  # what the user named must work; what the root says may not
            raise
        warn(f"no Alpine index for {release or 'the latest release'} {arch or ''}: "
             f"missing libraries are shown without package names ({exc})")
        return report
    from apkneed.alpine.providers import build_provider_map  # only when there is something to name

    return add_providers(report, build_provider_map(world.indexes), world.origin)


def _size(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"  # pragma: no cover


#: rows a text table shows before it says how many more there are (--json has them all)
MAX_ROWS = 25
#: files listed per missing library in text
MAX_NEEDERS = 3


def _few(items, limit: int) -> tuple[list, int]:
    items = list(items)
    return items[:limit], max(0, len(items) - limit)


def _render(report: ScanReport) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False, soft_wrap=False)
    system = report.system
    installed = f"{len(system.installed)} installed packages" if system.installed is not None else "no apk database"
    console.print(
        f"[bold]{report.root}[/]: Alpine {system.release or 'release unknown'}"
        f"{f' ({system.release_text})' if system.release_text else ''}, {system.arch or 'arch unknown'}, "
        f"libc {system.libc}; {installed}; {report.elf_files} ELF files in {report.files_seen} files "
        f"({_size(report.elf_bytes_read)} read of {_size(report.bytes_total)})"
    )
    if report.missing:
        table = Table(title=f"Missing libraries ({len(report.missing)})", title_justify="left")
        table.add_column("soname")
        table.add_column("needed by")
        table.add_column("provided by")
        table.add_column("why")
        rows, more = _few(report.missing, MAX_ROWS)
        for item in rows:
            provider = ", ".join(item.provided_by) or ("?" if report.provider_origin else "(no index)")
            if item.installed_by:
                provider = f"{', '.join(item.installed_by)} (installed, file gone)"
            needers, others = _few(item.needed_by, MAX_NEEDERS)
            who = "\n".join(needers) + (f"\n(+{others} more)" if others else "")
            table.add_row(item.soname, who, provider, "; ".join(item.reasons))
        console.print(table)
        _more(console, more)
    if report.wrong_libc:
        table = Table(title=f"Linked against glibc: cannot run on musl ({len(report.wrong_libc)})", title_justify="left")
        table.add_column("file")
        table.add_column("evidence")
        table.add_column("what to do")
        rows, more = _few(report.wrong_libc, MAX_ROWS)
        for item in rows:
            table.add_row(item.path, item.evidence, item.advice)
        console.print(table)
        _more(console, more)
    if report.wrong_arch:
        table = Table(title=f"Built for another machine ({len(report.wrong_arch)})", title_justify="left")
        table.add_column("file")
        table.add_column("arch")
        rows, more = _few(report.wrong_arch, MAX_ROWS)
        for path, arch in rows:
            table.add_row(path, arch)
        console.print(table)
        _more(console, more)
    slim = report.slimming
    if slim and slim.unneeded:
        table = Table(
            title=f"Installed but nothing needs them ({len(slim.unneeded)}, {_size(slim.saved_bytes)})",
            title_justify="left",
        )
        table.add_column("package")
        table.add_column("size", justify="right")
        table.add_column("why")
        for item in slim.unneeded:
            table.add_row(f"{item.name}-{item.version}", _size(item.installed_size), item.reason)
        console.print(table)
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
    else:
        console.print("[green]OK[/]: every ELF file scanned can load")


def _more(console, count: int) -> None:
    if count:
        console.print(f"... and {count} more (--json lists them all)")
