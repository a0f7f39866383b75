"""Which Alpine package world the command line asked for, and loading it: no click here.

:class:`AlpineOptions` is what ``--index/--alpine/--arch/--mirror/
--allow-untrusted/--offline/--apk-tools`` say (:mod:`apkneed.cli.options`
adds them to a click command); :func:`world_from_options` turns it into the
world. The console script's click-free fast path for ``plan``
(:mod:`apkneed.__main__`) builds the same options by hand.

rich draws the download progress bars (only when stderr is a terminal, so
pipes, CI logs and ``--json`` output stay clean).
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator

# alpine.sources.world imports only what a local --index needs; the network and
# terminal UI libraries are imported where they are used.
from apkneed.alpine.sources.release import DEFAULT_MIRROR
from apkneed.errors import EnvironmentFailure, IntegrityError
from apkneed.records import Frozen, set_field

if TYPE_CHECKING:
    from apkneed.alpine.sources.world import AlpineWorld
    from apkneed.net.http import ProgressCallback


class AlpineOptions(Frozen):
    """Which Alpine package world the command line asked for."""

    __slots__ = (
        "index_paths",
        "release",
        "arch",
        "mirror",
        "allow_untrusted",
        "offline",
        "apk_tools",
        "mirror_explicit",
    )

    index_paths: tuple[Path, ...]
    release: str | None
    arch: str | None
    mirror: str
    allow_untrusted: bool
    offline: bool
    #: "2" or "3": whose solver answers; None: the release's own apk-tools
    apk_tools: str | None
    #: --mirror was typed: it must answer (or --offline be given); the default mirror falls back
    mirror_explicit: bool

    def __init__(
        self,
        index_paths: tuple[Path, ...] = (),
        release: str | None = None,
        arch: str | None = None,
        mirror: str = DEFAULT_MIRROR,
        allow_untrusted: bool = False,
        offline: bool = False,
        apk_tools: str | None = None,
        mirror_explicit: bool = False,
    ) -> None:
        set_field(self, "index_paths", index_paths)
        set_field(self, "release", release)
        set_field(self, "arch", arch)
        set_field(self, "mirror", mirror)
        set_field(self, "allow_untrusted", allow_untrusted)
        set_field(self, "offline", offline)
        set_field(self, "apk_tools", apk_tools)
        set_field(self, "mirror_explicit", mirror_explicit)


#: Docker's and Go's platform names for Alpine's arches (``docker --platform linux/arm64``,
#: ``uname -m`` on macOS): --arch accepts them and means the Alpine arch.
ARCH_ALIASES = {"amd64": "x86_64", "arm64": "aarch64", "386": "x86", "i386": "x86", "i686": "x86",
                "arm/v7": "armv7", "arm/v6": "armhf"}


def arch_name(value: str) -> str:
    """The Alpine arch an --arch value means: an alias (amd64, linux/arm64) mapped, anything else as given."""
    name = value.strip().lower().removeprefix("linux/")
    return ARCH_ALIASES.get(name, value)


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
