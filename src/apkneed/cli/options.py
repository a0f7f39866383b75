"""Options shared by the commands that need an Alpine package world.

``@alpine_options`` adds --index/--alpine/--arch/--mirror/--allow-untrusted/
--offline and hands the command one ``alpine`` parameter, an
:class:`AlpineOptions`; :func:`world_from_options` turns it into the world.

rich draws the download progress bars (only when stderr is a terminal, so
pipes, CI logs and ``--json`` output stay clean).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator

import click

# alpine.sources.world imports only what a local --index needs; the network and
# terminal UI libraries are imported where they are used.
from apkneed.alpine.sources.release import DEFAULT_MIRROR
from apkneed.errors import EnvironmentFailure, IntegrityError

if TYPE_CHECKING:
    from apkneed.alpine.sources.world import AlpineWorld
    from apkneed.net.http import ProgressCallback


@dataclass(frozen=True)
class AlpineOptions:
    """Which Alpine package world the command line asked for."""

    index_paths: tuple[Path, ...] = ()
    release: str | None = None
    arch: str | None = None
    mirror: str = DEFAULT_MIRROR
    allow_untrusted: bool = False
    offline: bool = False
    #: "2" or "3": whose solver answers; None: the release's own apk-tools
    apk_tools: str | None = None
    #: --mirror was typed: it must answer (or --offline be given); the default mirror falls back
    mirror_explicit: bool = False


#: Docker's and Go's platform names for Alpine's arches (``docker --platform linux/arm64``,
#: ``uname -m`` on macOS): --arch accepts them and means the Alpine arch.
ARCH_ALIASES = {"amd64": "x86_64", "arm64": "aarch64", "386": "x86", "i386": "x86", "i686": "x86",
                "arm/v7": "armv7", "arm/v6": "armhf"}


def _arch_alias(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    name = value.strip().lower().removeprefix("linux/")
    return ARCH_ALIASES.get(name, value)


_OPTIONS = [
    click.option(
        "--index", "index_paths", multiple=True, type=click.Path(path_type=Path),
        help="APKINDEX file or mirror-like directory to use instead of the network (repeatable, in apk's "
        "repository order; always wins). @TAG=PATH tags it like '@community URL' in /etc/apk/repositories: "
        "its packages are then used only for NAME@TAG requests.",
    ),
    click.option(
        "--alpine", "release", metavar="REL",
        help="Alpine release: v3.22, edge, latest-stable (default: latest-stable, or the snapshot's).",
    ),
    click.option("--arch", metavar="ARCH", callback=_arch_alias,
                 help="Alpine arch: x86_64, aarch64, ... (amd64, arm64 accepted; default: this machine's)."),
    click.option("--mirror", default=DEFAULT_MIRROR, show_default=True,
                 help="Alpine mirror base URL. The default falls back to the cache, then the embedded "
                 "snapshot, when unreachable; a --mirror you give must answer (or add --offline)."),
    click.option(
        "--allow-untrusted", is_flag=True,
        help="Use indexes (from the mirror or --index, plain APKINDEX files included) that are "
        "unsigned or whose signature does not verify against Alpine's keys; warns (unsafe).",
    ),
    click.option("--offline", is_flag=True, help="Do not touch the network: cache, then the embedded snapshot."),
    click.option(
        "--apk-tools", "apk_tools", type=click.Choice(["2", "3"]),
        help="Solve as apk-tools 2.14 or 3.0 (default: the release's own: 2 up to v3.22, 3 from v3.23).",
    ),
]


def alpine_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Add --index/--alpine/--arch/--mirror/--allow-untrusted/--offline;
    ``func`` receives them as one ``alpine: AlpineOptions`` keyword."""

    @functools.wraps(func)
    def with_alpine(*args: Any, **kwargs: Any) -> Any:
        # the options' destinations are the field names
        typed = {f.name: kwargs.pop(f.name) for f in fields(AlpineOptions) if f.name in kwargs}
        ctx = click.get_current_context(silent=True)
        explicit = ctx is not None and ctx.get_parameter_source("mirror") not in (
            None, click.core.ParameterSource.DEFAULT
        )
        alpine = AlpineOptions(**typed, mirror_explicit=explicit)
        return func(*args, alpine=alpine, **kwargs)

    for option in reversed(_OPTIONS):
        with_alpine = option(with_alpine)
    return with_alpine


def world_from_options(
    options: AlpineOptions,
    *,
    warn: Callable[[str], None],
    progress: ProgressCallback | None = None,
) -> AlpineWorld:
    """The world the options name; warnings go to ``warn``.

    Without an explicit ``progress``, downloads draw a progress bar on a
    terminal stderr.
    """
    from apkneed.alpine.sources.world import load_world  # a command that never needs a world never loads it

    with contextlib.ExitStack() as stack:
        if progress is None and not options.index_paths and not options.offline:
            # --index files are never downloaded, nor is anything --offline: no bar, and no
            # terminal UI library to import
            progress = stack.enter_context(download_progress())
        try:
            world = load_world(
                index_paths=options.index_paths, release=options.release, arch=options.arch,
                mirror=options.mirror, allow_untrusted=options.allow_untrusted, offline=options.offline,
                progress=progress, fallback=not options.mirror_explicit,
            )
        except IntegrityError:
            raise
        except EnvironmentFailure as exc:
            if not options.mirror_explicit or options.offline or options.index_paths:
                raise
            raise EnvironmentFailure(
                f"--mirror {options.mirror}: {exc}; the mirror you named must answer "
                "(add --offline to use the cache or the embedded snapshot instead)"
            ) from None
    for message in world.warnings:
        warn(message)
    if options.apk_tools is not None:
        world = world.replace(apk_tools=options.apk_tools)
    return world


@contextlib.contextmanager
def download_progress(console: Any = None) -> Iterator[ProgressCallback | None]:
    """A progress callback drawing one rich bar per download, or None off a terminal.

    ``console`` defaults to a rich Console on stderr; the bars are removed
    when the block ends so only the answer stays on screen.
    """
    from rich.console import Console  # imported here: only commands that download pay for rich
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

    console = console or Console(stderr=True)
    if not console.is_terminal:
        yield None
        return
    bars = Progress(
        TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
        console=console, transient=True,
    )
    tasks: dict[str, Any] = {}

    def report(url: str, done: int, total: int | None) -> None:
        if url not in tasks:
            # ".../v3.22/main/x86_64/APKINDEX.tar.gz" reads best as "v3.22/main/x86_64"
            label = "/".join(url.rstrip("/").split("/")[-4:-1]) or url
            tasks[url] = bars.add_task(label, total=total)
        bars.update(tasks[url], completed=done, total=total)

    with bars:
        yield report


@contextlib.contextmanager
def working_on(what: str) -> Iterator[None]:
    """A spinner saying ``what`` is under way (uv resolving ...), on a terminal stderr only."""
    import sys

    if not sys.stderr.isatty():  # pipes and CI logs get nothing, and rich is not imported
        yield
        return
    from rich.console import Console

    with Console(stderr=True).status(what):
        yield
