"""``apkneed inspect WHEEL``: what a wheel really needs, read from its ELF files.

Exit status: 0 the wheel works on the target, 1 it does not (not
installable, broken, wrong arch or Python), 2 bad input.
"""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path
from typing import BinaryIO
from urllib.parse import parse_qs, unquote, urlsplit, urlunsplit

import click

from apkneed.alpine.sources.world import AlpineWorld, host_arch, validate_arch
from apkneed.binary.policy import Target
from apkneed.binary.report import WheelReport
from apkneed.binary.wheel import SoProviders, inspect_wheel
from apkneed.cli.common import emit_json, json_option, reports_errors, warn
from apkneed.cli.options import AlpineOptions, alpine_options, working_on, world_from_options
from apkneed.errors import ApkneedError, EnvironmentFailure, InputError, IntegrityError, UnsatisfiableError


@click.command(
    "inspect",
    epilog=(
        "Examples:\n\n"
        "\b\n"
        "  apkneed inspect numpy-2.2.6-cp310-cp310-musllinux_1_2_x86_64.whl\n"
        "  apkneed inspect 'numpy==2.2.6' --alpine v3.16 --arch x86_64 --json\n"
        "  apkneed inspect https://files.pythonhosted.org/.../pillow-11.2.1-...whl\n\n"
        "Exit status: 0 the wheel works on the target, 1 it does not (or pip would build "
        "from source), 2 bad input, 3 network/integrity failure."
    ),
)
@click.argument("wheel", metavar="WHEEL|URL|REQUIREMENT")
@alpine_options
@click.option("--python", "python_version", metavar="X.Y", help="Target Python version, e.g. 3.12 (default: the release's python3).")
@click.option("--index-url", metavar="URL", help="Python package index for a REQUIREMENT (default: pip's configuration, else PyPI).")
@json_option
@reports_errors
def inspect_command(
    wheel: str,
    alpine: AlpineOptions,
    python_version: str | None,
    index_url: str | None,
    as_json: bool,
) -> None:
    """What a wheel needs from an Alpine system, read from its ELF files.

    The argument is a local .whl file, a wheel URL (read through HTTP range
    requests: only the ELF members are fetched; a `#sha256=` fragment is
    verified when the whole file is read), or a requirement such as
    `numpy==2.2.6` (the file pip would pick for the target is inspected).
    Every NEEDED entry of every ELF object is resolved as vendored (in the
    wheel), libc, or external; externals are mapped to the apk packages that
    provide them (so: names) when an apk index is available.
    """
    python = parse_python_version(python_version) if python_version else None
    if alpine.arch:
        validate_arch(alpine.arch)  # a bad --arch is bad input, whether or not an index loads
    kind = source_kind(wheel)
    if kind != "requirement":
        refuse_sdist(wheel)
    if alpine.offline and kind != "file":
        # a wheel's ELF members are read from the server on every inspection (never cached)
        what = "its wheel would be read from the Python index" if kind == "requirement" else "it would be read from its server"
        raise EnvironmentFailure(f"--offline: {wheel}: {what}, and --offline allows no connection; inspect a local "
                                 ".whl file (pip download --no-deps --only-binary=:all: ...), or drop --offline")
    world = target_world(alpine)
    python_note = None
    if python is None and world is not None and kind != "requirement":
        python, python_note = release_python(world)
    target = Target(
        arch=world.arch if world else validate_arch(alpine.arch or host_arch()),
        python=python,
        musl_version=musl_version(world) if world else None,
    )
    providers = so_providers_from_world(world) if world else None
    notes: list[str] = []
    if kind == "requirement":
        report = inspect_requirement(wheel, world, python_version, index_url, target, providers, notes)
    else:
        stream, filename = open_wheel_url(wheel) if kind == "url" else open_wheel_file(wheel)
        with stream:
            report = inspect_wheel(stream, filename, target=target, providers=providers)
        if python_note and any(p.code == "python-mismatch" for p in report.problems):
            notes.append(python_note)
    if as_json:
        data = report.as_json()
        # the package world the external libraries were mapped in (None: no index was loaded)
        data["target"] = world.to_json() if world else None
        if notes:
            data["notes"] = notes
        emit_json(data)
    else:
        for note in notes:
            click.echo(note)
        print_report(report, world)
    if not report.compatible:
        sys.exit(1)


def source_kind(spec: str) -> str:
    """"url", "file" or "requirement": what the WHEEL argument names."""
    if re.match(r"^[a-z][a-z0-9+.-]*://", spec, re.IGNORECASE):
        return "url"
    if spec.endswith((".whl", ".tar.gz", ".zip")) or Path(spec).exists() or "/" in spec:
        return "file"
    return "requirement"


def refuse_sdist(spec: str) -> None:
    """An sdist (file or URL) is not inspected: pip builds it, and a plan says what the build needs."""
    from packaging.utils import InvalidSdistFilename, parse_sdist_filename

    filename = unquote(urlsplit(spec).path.rsplit("/", 1)[-1]) if "://" in spec else Path(spec).name
    try:
        name, version = parse_sdist_filename(filename)
    except InvalidSdistFilename:
        return
    raise InputError(f"{spec}: an sdist, not a wheel: pip builds it; `apkneed plan {name}=={version}` lists what "
                     "the build needs and what it needs at run time")


def open_wheel_file(spec: str) -> tuple[BinaryIO, str]:
    path = Path(spec)
    if not path.exists():
        raise InputError(f"{spec}: no such file")
    if path.is_dir():
        raise InputError(f"{spec}: is a directory, not a wheel file")
    try:
        return path.open("rb"), path.name
    except OSError as exc:
        raise InputError(f"{spec}: cannot open ({exc.strerror or exc})") from None


def open_wheel_url(url: str) -> tuple[BinaryIO, str]:
    """A range-request file over ``url``; the fragment may carry ``sha256=``."""
    from apkneed.net.http import make_client
    from apkneed.net.rangefile import RangeFile
    from apkneed.python.config import index_config

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise InputError(f"{url}: only http(s) URLs can be inspected")
    filename = unquote(parts.path.rsplit("/", 1)[-1])
    if not filename.endswith(".whl"):
        raise InputError(f"{url}: not a wheel URL (the file name must end in .whl)")
    sha256 = parse_qs(parts.fragment).get("sha256", [None])[0]
    # The CA bundle pip is configured with, as for a requirement (PyPIClient).
    client = make_client(verify=index_config().verify)
    stream = RangeFile(client, urlunsplit(parts._replace(fragment="")), sha256=sha256)
    return _ClosingBoth(stream, client), filename


class _ClosingBoth(io.BufferedReader):
    """The range file, closing its HTTP client with it."""

    def __init__(self, raw, client) -> None:
        super().__init__(raw, buffer_size=1)  # RangeFile caches blocks itself
        self._client = client

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._client.close()


def inspect_requirement(
    spec: str,
    world: AlpineWorld | None,
    python_option: str | None,
    index_url: str | None,
    target: Target,
    providers: SoProviders | None,
    notes: list[str],
) -> WheelReport:
    """Inspect the file pip would install for ``spec`` on the target."""
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.utils import canonicalize_name

    from apkneed.alpine.facts import musl_version as musl_numbers
    from apkneed.alpine.facts import python_version as apk_python
    from apkneed.cli.options import download_progress
    from apkneed.plan.evidence import inspect_remote_wheel
    from apkneed.python.pypi import PyPIClient
    from apkneed.python.resolve import resolve_requirements
    from apkneed.python.select import select_file
    from apkneed.python.tags import make_target

    try:
        wanted = canonicalize_name(Requirement(spec).name)
    except InvalidRequirement as exc:
        raise InputError(f"{spec!r} is neither a wheel file, a URL nor a requirement ({exc})") from None
    if world is None:
        raise InputError(
            f"inspecting the requirement {spec!r} needs the target's Python and musl versions, "
            "which come from an apk index: pass --index or --alpine"
        )
    python = python_option or apk_python(world)
    with download_progress() as progress, PyPIClient(index_url, progress=progress, warn=warn) as client:
        with working_on(f"resolving {spec} with uv"):
            pins = resolve_requirements([spec], python_version=python, arch=world.arch, index_url=index_url,
                                        warn=warn, client=client)
        pin = next(p for p in pins if canonicalize_name(p.name) == wanted)
        tags_target = make_target(python, musl_numbers(world), world.arch)
        selection = select_file(client.files(pin.name, pin.version), pin.name, pin.version, tags_target)
        if selection.is_sdist:
            raise UnsatisfiableError(
                f"{pin.name}=={pin.version}: pip would build {selection.file.filename} from source on "
                f"{tags_target.describe()} ({selection.why}); there is no wheel to inspect "
                f"(`apkneed plan {spec}` lists what the build needs)"
            )
        notes.append(f"{pin.name}=={pin.version}: {selection.file.filename} ({selection.why})")
        checked = Target(arch=target.arch, python=target.python or _major_minor(python), musl_version=target.musl_version)
        return inspect_remote_wheel(client, selection.file, target=checked, providers=providers).report


def _major_minor(version: str) -> tuple[int, int]:
    major, minor = version.split(".")[:2]
    return int(major), int(minor)


def release_python(world: AlpineWorld) -> tuple[tuple[int, int] | None, str | None]:
    """The target Python when --python is not given: the release's python3 (None without one),
    with the note that says so."""
    from apkneed.alpine.facts import python_version as apk_python

    try:
        version = apk_python(world)
    except InputError:  # an index without python3: no Python to check the tags against
        return None, None
    where = f"Alpine {world.release}" if world.release else "the index"
    return _major_minor(version), (
        f"the target Python {version} is the python3 of {where} (--python X.Y for another, e.g. a python:X.Y image's)"
    )


def parse_python_version(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d+)\.(\d+)", text.strip())
    if not match:
        raise InputError(f"--python {text!r}: expected X.Y, e.g. 3.12")
    return int(match[1]), int(match[2])


def target_world(alpine: AlpineOptions) -> AlpineWorld | None:
    """The apk world, when one can be had. Inspection itself needs none (it
    only names the packages), so without --index a failure to get one is a
    warning; a tampered index never is."""
    try:
        return world_from_options(alpine, warn=warn)
    except IntegrityError:
        raise
    except ApkneedError as exc:
        if alpine.index_paths:
            raise
        warn(f"no apk index ({exc}); external libraries are listed without their apk packages")
        return None


def so_providers_from_world(world: AlpineWorld) -> SoProviders:
    """soname -> names of the packages whose provides include ``so:<soname>``.

    A scan of the ``so:`` provides alone, on purpose: ProviderMap.providers
    gives the same answer, but building the whole name table
    (build_provider_map) for the few sonames of one wheel costs about six
    times as much (13 against 2 ms on v3.16 main).
    """
    table: dict[str, set[str]] = {}
    for package in world.packages:
        for provide in package.provides:
            if provide.name.startswith("so:"):
                table.setdefault(provide.name[3:], set()).add(package.name)
    return lambda soname: sorted(table.get(soname, ()))


def musl_version(world: AlpineWorld) -> str | None:
    """The version of the target's musl package: the one apk installs."""
    from apkneed.alpine.facts import newest_version

    try:
        return newest_version(world, "musl")
    except InputError:  # an index without musl (a made-up one): no version to check against
        return None


def print_report(report: WheelReport, world: AlpineWorld | None) -> None:
    from rich.console import Console  # rich only when printing text
    from rich.markup import escape  # names and messages may hold [brackets]

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
        from apkneed.render.table import vertical_blocks, word_safe_table

        rows = []
        for ext in report.external:
            apk = ", ".join(ext.provided_by) or ("none found" if world else "(no index)")
            shown = ", ".join(ext.needed_by[:2]) + (f" +{len(ext.needed_by) - 2}" if len(ext.needed_by) > 2 else "")
            rows.append((ext.soname, apk, shown))
        columns = ("soname", "apk packages", "needed by")
        # no path or package name is ever cut or folded mid-word (see apkneed.render.table)
        table = word_safe_table(columns, rows, console.width, prose=(2,), title="Needed from the system",
                                title_justify="left", show_edge=False)
        if table is not None:
            console.print(table)
        else:
            console.print("Needed from the system")
            for line in vertical_blocks(columns, rows, console.width):
                console.print(escape(line))
        unprovided = [ext.soname for ext in report.external if not ext.provided_by]
        if unprovided and world is not None:  # "none found" where? say what was searched and what was not
            console.print(f"  no package provides {', '.join(unprovided)} {escape(world.scope())}")
    elif report.objects:
        console.print(f"  needs nothing from the system besides the C library ({report.libc})")
    colours = {"error": "red", "warning": "yellow", "info": "cyan"}
    for problem in report.problems:
        colour = colours.get(problem.severity, "white")
        console.print(f"  [{colour}]{problem.severity}[/]: {escape(problem.message)}")
