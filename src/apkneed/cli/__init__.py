"""The ``apkneed`` command line: the only place that prints and exits.

click is used for subcommands, options and ``--help`` text. Each subcommand
lives in its own module here (``apkneed.cli.resolve`` ...) and is imported
only when run, so ``apkneed --help`` stays fast and one command's heavy
imports (NumPy for ``blas``) never slow another.

``apkneed numpy`` (a first argument that is not a command) runs ``plan``.
"""

from __future__ import annotations

import importlib
import sys

import click

from apkneed import __version__
from apkneed.cli.common import quiet_option, report_usage_error, verbose_option

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


class LazyGroup(click.Group):
    """A group that imports a command's module only when that command runs."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module_name, _ = COMMANDS[name]
        module = importlib.import_module(f"apkneed.cli.{module_name}")
        return getattr(module, name.replace("-", "_") + "_command")

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Summaries come from the table above so --help imports nothing heavy.
        with formatter.section("Commands"):
            formatter.write_dl([(name, summary) for name, (_, summary) in COMMANDS.items()])

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        """click's main, with usage errors in apkneed's voice: ``apkneed: error: ...``, exit 2."""
        args = list(sys.argv[1:] if args is None else args)
        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.ClickException as exc:
            if not standalone_mode:
                raise
            report_usage_error(exc, args)
            sys.exit(exc.exit_code)
        except click.Abort:
            if not standalone_mode:
                raise
            click.echo("apkneed: error: interrupted", err=True)
            sys.exit(130)
        if not standalone_mode:
            return result
        # standalone_mode=False returns an exit status for --help, --version and ctx.exit()
        sys.exit(result if isinstance(result, int) else 0)

    def resolve_command(self, ctx: click.Context, args: list[str]):
        # `apkneed numpy scipy` is `apkneed plan numpy scipy`.
        if args and args[0] not in COMMANDS and not args[0].startswith("-"):
            args = ["plan", *args]
        return super().resolve_command(ctx, args)


@click.group(
    "apkneed",
    cls=LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog=(
        "Examples:\n\n"
        "\b\n"
        "  apkneed numpy                                  # what does NumPy need on Alpine?\n"
        "  apkneed plan numpy scipy --base python:3.12 --format dockerfile\n"
        "  apkneed resolve build-base python3-dev --json\n"
        "  apkneed inspect numpy==2.2.6 --alpine v3.16\n"
        "  apkneed scan /path/to/rootfs\n"
        "  apkneed blas --compare\n\n"
        "Exit status: 0 success, 1 negative answer (unsatisfiable, something missing), "
        "2 bad input, 3 network/integrity/tool failure."
    ),
)
@click.version_option(__version__, prog_name="apkneed")
@quiet_option
@verbose_option
def main() -> None:
    """Which Alpine (apk) packages does a Python package need, and is it fast?

    Every answer comes with its evidence: the apk index it was resolved
    against, the ELF NEEDED entries of the wheels, the route chosen for each
    distribution and why.
    """
