"""``apkneed resolve`` and ``apkneed provides``: apk's own answers, without apk.

``resolve`` prints what ``apk add --simulate REQUEST...`` would install on an
empty root (``FROM alpine``), in apk's install order; ``provides`` says which
packages provide a name (``so:libz.so.1``, ``cmd:gcc``, ``pc:zlib``).

Both are benchmarked as whole processes against apk-tools itself, so this
module imports only what they use: click, the index reader and the solver
(no HTTP, terminal UI or crypto libraries unless the package world needs
the network).
"""

from __future__ import annotations

import sys

import click

from apkneed.cli.common import emit_json, json_option, no_gc_pauses, reports_errors, warn
from apkneed.cli.options import AlpineOptions, alpine_options, world_from_options
from apkneed.errors import InputError

RESOLVE_EPILOG = """\b
Examples:
  apkneed resolve build-base python3-dev --index ./APKINDEX.tar.gz --arch x86_64
  apkneed resolve 'python3>=3.10' so:libz.so.1 --alpine v3.16 --json
  apkneed resolve py3-numpy --index main/ --index community/   # several repositories
  apkneed resolve py3-numpy@community --index main/ --index @community=community/
  apkneed resolve postgresql-client --alpine v3.21 --apk-tools 3   # as apk-tools 3.0 would

\b
A REQUEST is an apk atom: NAME, so:SONAME, cmd:COMMAND, pc:MODULE, NAME>=VER,
NAME<VER, NAME~VER (same version prefix), NAME=VER, !NAME (must not be
installed), NAME@TAG (a repository given as --index @TAG=PATH). The answer
is apk-tools' own, rule for rule, of the generation the release ships
(2.14 up to v3.22, 3.0 from v3.23; --apk-tools 2|3 to choose): the same
packages, the same order, and when apk would refuse, the same explanation
and apk's exit status (in --json: "apk_exit_status").

\b
Exit status: 0 installable, 1 apk would refuse (unsatisfiable), 2 bad input,
3 no index to be had (network) or one that does not verify.
"""

PROVIDES_EPILOG = """\b
Examples:
  apkneed provides libz.so.1                  # a bare soname means so:libz.so.1
  apkneed provides cmd:gcc pc:zlib --json
  apkneed provides 'so:libcrypto.so.3' --index ./APKINDEX.tar.gz --arch aarch64

\b
Exit status: 0 every atom has a provider, 1 some atom has none (it is listed
with the repositories searched and those missing; in --json as an empty list
under "provides", and a line in "not_found"), 2 bad input, 3 no index to be
had (network) or one that does not verify.
"""


@click.command("resolve", epilog=RESOLVE_EPILOG)
@alpine_options
@json_option
@click.argument("request", nargs=-1, metavar="REQUEST...")
@reports_errors
def resolve_command(alpine: AlpineOptions, as_json: bool, request: tuple[str, ...]) -> None:
    """Print what `apk add --simulate REQUEST...` installs on an empty root.

    One name-version per line, in apk's install order (dependencies first),
    then the totals. When apk would refuse, print the problem in one line
    and apk's own explanation below it.
    """
    from apkneed.alpine.solver import parse_request
    from apkneed.cli.solve_answer import answer_solve

    if not request:
        raise InputError("nothing to resolve: give at least one package or atom, e.g. `apkneed resolve python3`")
    request_world = parse_request(request)  # bad atoms fail before any index is read
    with no_gc_pauses():
        world, providers = _provider_map(alpine)
        _require_tags(request_world, providers)
        status = answer_solve(world, providers, request_world, as_json)
    if status:
        sys.exit(status)


def _not_found(dep, providers, scope: str) -> str:
    """The line for an atom nothing provides; with a version, what the name is provided at."""
    unversioned = providers.matching(dep._replace(op=None, version=None)) if dep.op is not None else ()
    if not unversioned:
        return f"{dep}: no package provides it {scope}"
    there = ", ".join(_provider_text(p, dep.name) for p in unversioned)
    return f"{dep}: no package provides it at that version {scope}; {dep.name} is {there}"


def _provider_text(found, name: str) -> str:
    """A package that provides ``name``: ``nv``, with ``(as NAME=VERSION)`` when that is not its own name."""
    if found.package.name == name:
        return found.package.nv
    return f"{found.package.nv} (as {name}{'=' + found.version if found.version else ''})"


@click.command("provides", epilog=PROVIDES_EPILOG)
@alpine_options
@json_option
@click.argument("atoms", nargs=-1, metavar="ATOM...")
@reports_errors
def provides_command(alpine: AlpineOptions, as_json: bool, atoms: tuple[str, ...]) -> None:
    """Which apk packages provide so:/cmd:/pc: names or sonames, with versions.

    An ATOM may carry a version constraint (so:libz.so.1>=1.2.12). A bare
    soname (libz.so.1) is looked up as so:libz.so.1.
    """
    from apkneed.alpine.atom import parse_dependency

    if not atoms:
        raise InputError("nothing to look up: give at least one name, e.g. `apkneed provides libz.so.1`")
    wanted = {atom: parse_dependency(provides_query(atom)) for atom in atoms}
    with no_gc_pauses():
        world, providers = _provider_map(alpine)
        found = {atom: providers.matching(dep) for atom, dep in wanted.items()}
        missing = {atom: _not_found(wanted[atom], providers, world.scope()) for atom, matches in found.items() if not matches}
    if as_json:
        emit_json({
            "target": world.to_json(),
            "provides": {
                atom: [
                    {"name": p.package.name, "version": p.package.version,
                     "repository": providers.repositories_of(p.package)[0]}
                    for p in matches
                ]
                for atom, matches in found.items()
            },
            "not_found": list(missing.values()),
        })
    else:
        lines = []
        for atom, matches in found.items():
            query = str(wanted[atom])
            if not matches:
                lines.append(missing[atom])
                continue
            lines += [f"{query}: {_provider_text(p, query)}" for p in matches]
        click.echo("\n".join(lines))
    if not all(found.values()):
        sys.exit(1)


def _provider_map(alpine: AlpineOptions):
    """The world the options name, and who provides what in it."""
    from apkneed.alpine.providers import build_provider_map

    world = world_from_options(alpine, warn=warn)
    return world, build_provider_map(world.indexes, world.index_tags, solver_rules=solver_rules(world))


def solver_rules(world):
    """The apk-tools generation that answers for ``world``: --apk-tools, else its release's."""
    from apkneed.alpine.solver_rules import rules_for

    return rules_for(world.apk_tools, world.release)


def _require_tags(request_world, providers) -> None:
    """A NAME@TAG for a tag no --index carries is bad input (apk itself refuses to start)."""
    known = {tag for tag in providers.tags if tag}
    for atom in request_world:
        if atom.tag and atom.tag not in known:
            have = ", ".join(f"@{t}" for t in sorted(known)) or "none (tag one with --index @TAG=PATH)"
            raise InputError(f"{atom}: no repository is tagged @{atom.tag} (tagged: {have})")


def provides_query(atom: str) -> str:
    """``libz.so.1`` means ``so:libz.so.1``; anything else is taken as written."""
    name_end = len(atom)
    for i, char in enumerate(atom):
        if char in "<>=~":
            name_end = i
            break
    name = atom[:name_end]
    if ":" not in name and not name.startswith("/") and ".so" in name:
        return "so:" + atom
    return atom
