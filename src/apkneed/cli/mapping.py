"""``apkneed mapping``: the PEP 804 mapping of the central registry's DepURLs to Alpine packages."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from apkneed.cli.common import emit_json, json_option, reports_errors, warn
from apkneed.cli.options import AlpineOptions, alpine_options, world_from_options
from apkneed.errors import InputError

EPILOG = """\b
Examples:
  apkneed mapping --alpine v3.21 --arch x86_64          # writes alpine.mapping.json
  apkneed mapping --alpine v3.21 --versioned -o -       # alpine+3.21.mapping.json's content, on stdout
\b
pyproject-external reads mappings from $XDG_DATA_DIRS/external-packaging-metadata-mappings/:
  mkdir -p ~/.local/share/external-packaging-metadata-mappings
  apkneed mapping -o ~/.local/share/external-packaging-metadata-mappings/alpine.mapping.json

\b
Exit status: 0 written, 2 bad input, 3 no index for the release.
"""


@click.command("mapping", epilog=EPILOG)
@alpine_options
@click.option("--versioned", is_flag=True, help="Name the file alpine+X.Y.mapping.json (one release) instead of alpine.mapping.json.")
@click.option("-o", "--output", "output", metavar="FILE", help="Where to write ('-' for stdout; default: the file name, here).")
@json_option
@reports_errors
def mapping_command(alpine: AlpineOptions, versioned: bool, output: str | None, as_json: bool) -> None:
    """Write the PEP 804 mapping of every DepURL in the central registry to Alpine apk packages.

    Each DepURL is mapped through the apk index (pc:, so:, cmd: provides and
    the -dev -> library relation), by the same function the planner uses for
    PEP 725 [external] tables; DepURLs with no Alpine package get `specs: []`.
    """
    from apkneed.alpine.providers import build_provider_map
    from apkneed.cache import atomic_write
    from apkneed.plan.pep725 import provider_table
    from apkneed.plan.pep804 import load_registry, map_registry
    from apkneed.render.mapping import mapping_document, mapping_file_name

    if output not in (None, "-"):
        check_output(output)  # before the index: a path that cannot be written is known now
    world = world_from_options(alpine, warn=warn)
    mappings = map_registry(load_registry(), provider_table(build_provider_map(world.indexes)))
    document = mapping_document(
        mappings, release=world.release or "edge", arch=world.arch,
        repositories=list(world.repositories) or list(dict.fromkeys(i.repository for i in world.indexes)),
        versioned=versioned, scope=world.scope(),
    )
    text = json.dumps(document, indent=2) + "\n"
    target = output or mapping_file_name(world.release or "edge", versioned)
    mapped = sum(1 for m in mappings if m.build or m.host or m.run or m.specs_from)
    if target == "-":
        sys.stdout.write(text)
    else:
        try:
            atomic_write(Path(target), text.encode())
        except OSError as exc:
            raise InputError(f"-o {target}: cannot write ({exc.strerror or exc})") from None
    summary: dict[str, Any] = {
        "file": None if target == "-" else target, "release": world.release, "arch": world.arch,
        "depurls": len(mappings), "mapped": mapped,
        "unmapped": [m.entry.id for m in mappings if not (m.build or m.host or m.run or m.specs_from)],
        "target": world.to_json(),  # the repositories searched, and those absent (README: every index reader's JSON)
    }
    if as_json and target != "-":
        emit_json(summary)
    elif target != "-":
        # what was not searched is said: an unmapped DepURL may be in a repository not read
        missing = f" {world.scope()}" if world.not_searched() else ""
        click.echo(f"{target}: {mapped} of {len(mappings)} registry DepURLs map to Alpine {world.release} packages{missing}")


def check_output(output: str) -> None:
    """-o names a file that can be written: not a directory, not below a regular file."""
    import os

    if os.path.isdir(output):
        raise InputError(f"-o {output}: cannot write (a directory; name the file, e.g. {output}/alpine.mapping.json)")
    parent = os.path.dirname(os.path.abspath(output))
    while not os.path.exists(parent):  # the folders atomic_write would make
        parent = os.path.dirname(parent)
    if not os.path.isdir(parent):
        raise InputError(f"-o {output}: cannot write ({parent} is not a directory)")
