"""``apkneed cache info`` and ``apkneed cache clean``: what apkneed keeps, how big, where; and taking it back."""

from __future__ import annotations

import time

import click

from apkneed.cli.common import emit_json, json_option, reports_errors
from apkneed.render.units import human_size

EPILOG = """\b
Examples:
  apkneed cache info                     # where the cache is, and how big each part
  apkneed cache clean --older-than 30d   # files not used for 30 days
  apkneed cache clean --all              # everything (a uv/ left by earlier versions too)

\b
The cache is $APKNEED_CACHE_DIR, else the per-user cache directory
(~/.cache/apkneed on Linux). It is kept under a size limit, 500 MiB unless
$APKNEED_CACHE_LIMIT says otherwise (e.g. 2G; 0: no limit): a command that
wrote to it (downloads, an index's parsed copy, a kept answer) then removes
the files used longest ago, at most once an hour.
Whole wheels and sdists are kept only with `apkneed plan --keep-wheels`;
what a plan needs from them (NEEDED entries, sonames, tags, metadata) is
kept as small facts, by the file's sha256.
"""


@click.group("cache", epilog=EPILOG)
def cache_command() -> None:
    """What apkneed's cache holds, and cleaning it."""


def _when(timestamp: float | None) -> str | None:
    return None if timestamp is None else time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(timestamp))


@cache_command.command("info", epilog=EPILOG)
@json_option
@reports_errors
def info_command(as_json: bool) -> None:
    """Where the cache is, and the files and bytes in each of its parts."""
    from apkneed.cache import default_cache_root
    from apkneed.cache_usage import cache_limit, usage

    root = default_cache_root()
    areas = usage(root)
    total = sum(a.bytes for a in areas)
    limit = cache_limit()
    if as_json:
        emit_json({
            "root": str(root), "bytes": total, "files": sum(a.files for a in areas), "limit": limit,
            "areas": [{"name": a.name, "files": a.files, "bytes": a.bytes,
                       "oldest_use": _when(a.oldest), "newest_use": _when(a.newest)} for a in areas],
        })
        return
    lines = [f"{root}: {human_size(total)} in {sum(a.files for a in areas)} files "
             f"(limit {human_size(limit) if limit > 0 else 'none'})"]
    for a in areas:
        lines.append(f"  {a.name:<10}{human_size(a.bytes):>12}{a.files:>8} files   last used {_when(a.newest)}")
    click.echo("\n".join(lines))


@cache_command.command("clean", epilog=EPILOG)
@click.option("--older-than", "older_than", metavar="AGE", help="Remove files not used for AGE (30d, 12h, 2w, 90m).")
@click.option("--all", "everything", is_flag=True, help="Remove the whole cache, uv's included.")
@json_option
@reports_errors
def clean_command(older_than: str | None, everything: bool, as_json: bool) -> None:
    """Remove cached files: those not used for --older-than AGE, or --all.

    Everything in the cache can be fetched or rebuilt again; a later run
    that needs a removed file reads or downloads it again.
    """
    from apkneed.cache import default_cache_root
    from apkneed.cache_usage import clean, parse_age

    root = default_cache_root()
    age = parse_age(older_than) if older_than is not None else None
    removed = clean(root, older_than=age, everything=everything)
    if as_json:
        emit_json({"root": str(root), "removed_files": removed.files, "removed_bytes": removed.bytes})
        return
    click.echo(f"{root}: removed {removed.files} files, {human_size(removed.bytes)}")
