"""The ``apkneed`` console script (and ``python -m apkneed``): fast paths for ``resolve`` and ``plan``, else the click CLI.

``apkneed resolve`` is benchmarked as a whole process against apk-tools
itself (docs/benchmarks.md), and importing click and the command-line layer
costs ~30 ms before any apkneed code runs, a quarter of a repeat run. So the
plainest form of the command, ``apkneed resolve [--index FILE]...
[--alpine REL] [--arch ARCH] [--offline] [--json] REQUEST...`` with at least
one ``--index`` or ``--offline`` (a world that needs no network, hence no
progress bar), is parsed here by hand and answered without click; anything
else (``--help``, ``-q``, ``--mirror``, an option this parser does not know,
an arch alias, a bad option) goes to the click CLI (:mod:`apkneed.cli`),
which gives its usual answers and errors. tests/alpine/test_fast_resolve.py runs both paths on the same
requests and compares stdout, stderr and exit status byte for byte.

``apkneed plan`` (and ``apkneed NAME``, the README's first command) paid
the same for click: 1.2-1.4x the time of a warm plan answered without it
(docs/benchmarks.md, "Start-up, round 4"). Its common forms,
``[plan] REQ... [-r FILE]... [--index FILE]... [--alpine REL] [--arch ARCH]
[--base IMAGE] [--python X.Y] [--route ROUTE] [--format FORMAT] [--json]
[--offline] [--explain] [--pre] [--allow-untrusted] [--keep-wheels] [-q]``,
are read here and answered by the very function the click command calls
(:func:`apkneed.cli.plan_answer.answer_plan`), with the same error
reporting (:func:`apkneed.cli.run.answer_or_exit`); anything else (an
option given twice, an option's value that starts with ``-``, ``--``,
``--help``, ``-v``, an arch alias, any other option) goes to click.
tests/plan/test_fast_plan.py compares both paths' stdout, stderr and exit
status on a set of invocations, bad input included.
"""

from __future__ import annotations

import sys

#: Alpine's own arch names: an alias (amd64, linux/arm64) goes to the click CLI, which maps it
_ARCHES = frozenset({"x86_64", "x86", "aarch64", "armv7", "armhf", "ppc64le", "s390x", "riscv64", "loongarch64"})


def fast_resolve_args(args: list[str]) -> tuple[list[str], str | None, str | None, bool, bool, list[str]] | None:
    """(index paths, release, arch, --offline, --json, request) when ``args`` is the plain form this path answers."""
    if not args or args[0] != "resolve":
        return None
    indexes: list[str] = []
    arch = None
    release = None
    offline = False
    as_json = False
    request: list[str] = []
    rest = iter(args[1:])
    for token in rest:
        if token == "--json":
            as_json = True
        elif token == "--offline":
            offline = True
        elif token in ("--index", "--arch", "--alpine") or token.startswith(("--index=", "--arch=", "--alpine=")):
            name, equals, value = token.partition("=")
            if not equals:
                value = next(rest, None)
                if value is None:
                    return None
            if name == "--index":
                if not value or value.startswith("@"):  # a tagged repository: the click path checks tags
                    return None
                indexes.append(value)
            elif name == "--alpine":
                if not value or release is not None:
                    return None
                release = value
            elif value not in _ARCHES or arch is not None:
                return None
            else:
                arch = value
        elif token.startswith("-") or not token or "@" in token:  # NAME@TAG: the click path checks tags
            return None
        else:
            request.append(token)
    if not (indexes or offline) or not request:
        return None
    return indexes, release, arch, offline, as_json, request


def _run_fast(indexes: list[str], release: str | None, arch: str | None, offline: bool, as_json: bool,
              request: list[str]) -> int:
    """``apkneed resolve`` as :func:`apkneed.cli.resolve.resolve_command` answers it, without click.

    Warnings, JSON and error answers go through :mod:`apkneed.cli.run`, as the
    click commands' and the plan fast path's do.
    """
    from apkneed.cli.run import answer_or_exit, click_free_run, no_gc_pauses, warn

    def answer() -> int:
        from apkneed.alpine.providers import build_provider_map
        from apkneed.alpine.solver import parse_request
        from apkneed.alpine.solver_rules import rules_for
        from apkneed.alpine.sources.world import load_world
        from apkneed.cli.solve_answer import answer_solve

        request_world = parse_request(request)  # bad atoms fail before any index is read
        world = load_world(index_paths=indexes, release=release, arch=arch, offline=offline)
        for message in world.warnings:
            warn(message)
        # the apk-tools generation the indexes' release ships, as cli.resolve chooses it
        providers = build_provider_map(world.indexes, solver_rules=rules_for(None, world.release))
        return answer_solve(world, providers, request_world, as_json)

    # the collector paused from the first import on: the model's modules and the index are
    # tens of thousands of objects without cycles (see no_gc_pauses)
    with click_free_run(), no_gc_pauses():
        return answer_or_exit(answer, as_json=as_json)


#: the plan options this path reads: flags, and options with one value or (multiple) several
_PLAN_FLAGS = {"--json": "as_json", "--offline": "offline", "-q": "quiet", "--quiet": "quiet", "--explain": "explain",
               "--pre": "prerelease", "--allow-untrusted": "allow_untrusted", "--keep-wheels": "keep_wheels"}
_PLAN_VALUES = {"--alpine": "release", "--arch": "arch", "--base": "base_text", "--python": "python_version",
                "--route": "route_policy", "--format": "output_format"}
_PLAN_MULTIPLE = {"--index": "index_paths", "-r": "requirement_files", "--requirement": "requirement_files"}


def fast_plan_args(args: list[str]) -> dict | None:
    """The options of ``apkneed [plan] ...`` when ``args`` is a form this path answers as click would, else None."""
    from apkneed.cli.commands import COMMANDS  # click-free: the group is apkneed.cli.group

    # a first argument that is neither an option nor a command is a requirement: `apkneed numpy` is `apkneed plan numpy`
    if not args or args[0].startswith("-") or (args[0] in COMMANDS and args[0] != "plan"):
        return None
    found: dict = {"requirements": []}
    rest = iter(args[1:] if args[0] == "plan" else args)
    for token in rest:
        name, equals, value = token.partition("=") if token.startswith("--") else (token, "", "")
        if name in _PLAN_FLAGS and not equals:
            if found.get(_PLAN_FLAGS[name]):
                return None
            found[_PLAN_FLAGS[name]] = True
        elif name in _PLAN_VALUES or name in _PLAN_MULTIPLE:
            if not equals:
                value = next(rest, None)
            if not value or value.startswith("-"):  # click would take it as the value: its path says what it makes of it
                return None
            if name in _PLAN_MULTIPLE:
                if name == "--index" and value.startswith("@"):  # a tagged repository: the click path checks tags
                    return None
                found.setdefault(_PLAN_MULTIPLE[name], []).append(value)
            elif _PLAN_VALUES[name] in found or (name == "--arch" and value not in _ARCHES):  # twice; an alias
                return None
            else:
                found[_PLAN_VALUES[name]] = value
        elif token.startswith("-") or not token:
            return None
        else:
            found["requirements"].append(token)
    if not found["requirements"] and not found.get("requirement_files"):
        return None
    return found


def _run_fast_plan(found: dict) -> int:
    """``apkneed plan`` as :func:`apkneed.cli.plan.plan_command` answers it, without click."""
    from apkneed.cli.run import answer_or_exit, click_free_run

    def answer() -> int:
        from pathlib import Path

        from apkneed.alpine.sources.release import DEFAULT_MIRROR
        from apkneed.cli.plan_answer import answer_plan
        from apkneed.cli.world_options import AlpineOptions

        alpine = AlpineOptions(
            index_paths=tuple(Path(p) for p in found.get("index_paths", ())), release=found.get("release"),
            arch=found.get("arch"), mirror=DEFAULT_MIRROR, allow_untrusted=found.get("allow_untrusted", False),
            offline=found.get("offline", False), apk_tools=None, mirror_explicit=False,
        )
        return answer_plan(
            tuple(found["requirements"]), found.get("output_format", "text"), found.get("explain", False),
            found.get("as_json", False),
            requirement_files=tuple(Path(p) for p in found.get("requirement_files", ())), extras=(), groups=(),
            alpine=alpine, base_text=found.get("base_text"), python_version=found.get("python_version"),
            route_policy=found.get("route_policy", "auto"), index_url=None, prerelease=found.get("prerelease", False),
        )

    with click_free_run(quiet=found.get("quiet", False), keep_wheels=found.get("keep_wheels", False)):
        return answer_or_exit(answer, as_json=found.get("as_json", False))


def main() -> None:
    plain = fast_resolve_args(sys.argv[1:])
    if plain is not None:
        status = _run_fast(*plain)
        sys.stdout.flush()
        sys.exit(status)
    plan = fast_plan_args(sys.argv[1:])
    if plan is not None:
        status = _run_fast_plan(plan)
        sys.stdout.flush()
        sys.exit(status)
    from apkneed.cli import main as cli_main

    cli_main()


if __name__ == "__main__":
    main()
