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
paying ~20 ms for click.
"""

from __future__ import annotations

#: command name -> (module under apkneed.cli, one-line summary for --help)
COMMANDS: dict[str, tuple[str, str]] = {
    "plan": ("plan", "Which apk packages a requirement set needs to build and run (the main job)."),
    "why": ("plan", "Explain why a package is in a plan: the chain down to an ELF NEEDED entry."),
    "resolve": ("resolve", "What `apk add --simulate` would install on an empty root."),
    "provides": ("resolve", "Which apk packages provide so:/cmd:/pc: names or sonames."),
    "inspect": ("inspect", "What a wheel really needs from the system, read from its ELF files."),
    "scan": ("scan", "Doctor: missing libraries, wrong-libc binaries, unneeded packages in a root."),
    "mapping": ("mapping", "PEP 804: the central registry's DepURLs mapped to Alpine packages (alpine.mapping.json)."),
    "check": ("check", "Audit a Dockerfile: what each stage installs against what it needs."),
    "cache": ("cache", "What apkneed's cache holds (info), and cleaning it (clean --older-than, --all)."),
    "blas": ("blas", "Which BLAS/LAPACK NumPy runs on, and how fast, on this machine."),
}


def __getattr__(name: str):
    """``apkneed.cli.main``, the click group, imported when first asked for."""
    if name == "main":
        from apkneed.cli.group import main

        return main
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
