"""Options shared by the commands that need an Alpine package world."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Callable

import click

from apkneed.alpine.world import DEFAULT_MIRROR, AlpineWorld, load_world


def alpine_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Add --index/--alpine/--arch/--mirror/--allow-untrusted/--offline."""
    options = [
        click.option(
            "--index", "index_paths", multiple=True, type=click.Path(path_type=Path),
            help="APKINDEX file or mirror-like directory to use instead of the network (repeatable; always wins).",
        ),
        click.option(
            "--alpine", "release", metavar="REL",
            help="Alpine release: v3.22, edge, latest-stable (default: latest-stable, or the snapshot's).",
        ),
        click.option("--arch", metavar="ARCH", help="Alpine arch: x86_64, aarch64, ... (default: this machine's)."),
        click.option("--mirror", default=DEFAULT_MIRROR, show_default=True, help="Alpine mirror base URL."),
        click.option(
            "--allow-untrusted", is_flag=True,
            help="Use indexes whose signature does not verify against Alpine's keys (unsafe).",
        ),
        click.option("--offline", is_flag=True, help="Do not touch the network: cache, then the embedded snapshot."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def world_from_options(
    *,
    index_paths: tuple[Path, ...],
    release: str | None,
    arch: str | None,
    mirror: str,
    allow_untrusted: bool,
    offline: bool,
    warn: Callable[[str], None],
    progress=None,
) -> AlpineWorld:
    world = load_world(
        index_paths=index_paths, release=release, arch=arch, mirror=mirror,
        allow_untrusted=allow_untrusted, offline=offline, progress=progress,
    )
    for message in world.warnings:
        warn(message)
    return world
