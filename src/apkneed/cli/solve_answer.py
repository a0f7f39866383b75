"""``apkneed resolve``'s answer for a loaded world, without click.

The click command (:mod:`apkneed.cli.resolve`) and the console script's
click-free fast path (:mod:`apkneed.__main__`) load their world each their
own way (the fast path without pathlib or click, see there) and then answer
through :func:`answer_solve`: the same solve, the same output, the same
report when apk would refuse.
"""

from __future__ import annotations

import sys

from apkneed.cli.run import echo, emit_json


def answer_solve(world, providers, request_world, as_json: bool) -> int:
    """Solve ``request_world`` in ``world`` (through its kept answers) and print the answer; its exit status.

    Installable: the packages in apk's order (or the JSON answer), 0. apk would
    refuse: the one-line error and apk's own report on stderr (the JSON answer
    on stdout with ``as_json``), and apk's exit status.
    """
    from apkneed.alpine.solver import SolverError
    from apkneed.alpine.sources.kept_answers import solve_kept

    try:
        solution = solve_kept(providers, request_world)
    except SolverError as exc:
        from apkneed.render.resolve_answer import unsatisfiable_json, unsatisfiable_text

        if as_json:
            emit_json(unsatisfiable_json(exc, world))
        echo(f"apkneed: error: {exc}", err=True)
        if not as_json:
            sys.stderr.write("".join(line + "\n" for line in unsatisfiable_text(exc, world)))
            sys.stderr.flush()
        return exc.exit_code
    from apkneed.render.resolve_answer import solution_json, solution_text

    if as_json:
        emit_json(solution_json(solution, world, providers))
    else:
        echo(solution_text(solution))
    return 0
