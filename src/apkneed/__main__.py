"""The ``apkneed`` console script (and ``python -m apkneed``): a fast path for ``resolve``, else the click CLI.

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
    """``apkneed resolve`` as :func:`apkneed.cli.resolve.resolve_command` answers it, without click."""
    import gc
    import os

    from apkneed.errors import ApkneedError

    warnings: list[str] = []
    out = sys.stdout.write

    def report(message: str) -> None:
        if as_json:
            import json

            answer: dict = {"error": message}
            if warnings:
                answer["warnings"] = list(dict.fromkeys(warnings))
            out(json.dumps(answer) + "\n")
        sys.stderr.write(f"apkneed: error: {message}\n")

    def emit_json(data: dict) -> None:
        import json

        if warnings:
            data = dict(data)
            data["warnings"] = list(dict.fromkeys([*data.get("warnings", ()), *warnings]))
        out(json.dumps(data, indent=2, sort_keys=False) + "\n")

    was_enabled = gc.isenabled()
    gc.disable()  # as cli.common.no_gc_pauses: see there
    try:
        from apkneed.alpine.providers import build_provider_map
        from apkneed.alpine.solver import SolverError, parse_request
        from apkneed.alpine.sources.kept_answers import solve_kept
        from apkneed.alpine.sources.world import load_world

        request_world = parse_request(request)
        world = load_world(index_paths=indexes, release=release, arch=arch, offline=offline)
        for message in world.warnings:
            warnings.append(message)
            sys.stderr.write(f"apkneed: warning: {message}\n")
        from apkneed.alpine.solver_rules import rules_for

        # the apk-tools generation the indexes' release ships, as cli.resolve chooses it
        providers = build_provider_map(world.indexes, solver_rules=rules_for(None, world.release))
        try:
            solution = solve_kept(providers, request_world)
        except SolverError as exc:
            from apkneed.render.resolve_answer import unsatisfiable_json, unsatisfiable_text

            if as_json:
                emit_json(unsatisfiable_json(exc, world))
            sys.stderr.write(f"apkneed: error: {exc}\n")
            if not as_json:
                sys.stderr.write("".join(line + "\n" for line in unsatisfiable_text(exc, world)))
            return exc.exit_code
        from apkneed.render.resolve_answer import solution_json, solution_text

        if as_json:
            emit_json(solution_json(solution, world, providers))
            return 0
        out(solution_text(solution) + "\n")
        return 0
    except ApkneedError as exc:
        report(str(exc))
        return exc.exit_code
    except KeyboardInterrupt:
        report("interrupted")
        return 130
    except Exception as exc:  # noqa: BLE001 - last line of defence, as cli.common.reports_errors
        if os.environ.get("APKNEED_DEBUG"):
            import traceback

            traceback.print_exc()
        report(f"internal error: {type(exc).__name__}: {exc} (this is a bug in apkneed; "
               "set APKNEED_DEBUG=1 for the traceback)")
        return 70
    finally:
        if was_enabled:
            gc.freeze()
            gc.enable()


def main() -> None:
    plain = fast_resolve_args(sys.argv[1:])
    if plain is not None:
        status = _run_fast(*plain)
        sys.stdout.flush()
        sys.exit(status)
    from apkneed.cli import main as cli_main

    cli_main()


if __name__ == "__main__":
    main()
