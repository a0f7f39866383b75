"""Options shared by the commands that need an Alpine package world.

``@alpine_options`` adds --index/--alpine/--arch/--mirror/--allow-untrusted/
--offline and hands the command one ``alpine`` parameter, an
:class:`AlpineOptions`; :func:`world_from_options` turns it into the world
(both in :mod:`apkneed.cli.world_options`, which needs no click).
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Callable

import click

from apkneed.alpine.sources.release import DEFAULT_MIRROR
from apkneed.cli.world_options import (
    ARCH_ALIASES, AlpineOptions, arch_name, download_progress, working_on, world_from_options,
)

__all__ = [
    "ARCH_ALIASES", "AlpineOptions", "alpine_options", "download_progress", "working_on", "world_from_options",
]


def _arch_alias(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    return None if value is None else arch_name(value)


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
        typed = {name: kwargs.pop(name) for name in AlpineOptions.__slots__ if name in kwargs}
        ctx = click.get_current_context(silent=True)
        explicit = ctx is not None and ctx.get_parameter_source("mirror") not in (
            None, click.core.ParameterSource.DEFAULT
        )
        alpine = AlpineOptions(**typed, mirror_explicit=explicit)
        return func(*args, alpine=alpine, **kwargs)

    for option in reversed(_OPTIONS):
        with_alpine = option(with_alpine)
    return with_alpine
