"""The ``apkneed`` command line: the only place that prints and exits.

click is used for subcommands, options and ``--help`` text. Each subcommand
lives in its own module here (``apkneed.cli.resolve`` ...) and is imported
only when run, so ``apkneed --help`` stays fast and one command's heavy
imports (NumPy for ``blas``) never slow another.

``apkneed numpy`` (a first argument that is not a command) runs ``plan``.

This package itself imports no click: the group (:data:`main`) lives in
:mod:`apkneed.cli.group` and is imported on first use, so that the
console script's click-free fast paths (:mod:`apkneed.__main__`) can use
the click-free modules here (:mod:`apkneed.cli.run`,
:mod:`apkneed.cli.world_options`, :mod:`apkneed.cli.plan_answer`) without
paying ~20 ms for click. The table of commands, which both the group and
that fast path read, is :data:`apkneed.cli.commands.COMMANDS`.
"""

from __future__ import annotations


def __getattr__(name: str):
    """``apkneed.cli.main``, the click group, imported when first asked for."""
    if name == "main":
        from apkneed.cli.group import main

        return main
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
