"""The ``apkneed`` click group: subcommands imported when run, usage errors in apkneed's voice.

:mod:`apkneed.cli` hands it out as ``apkneed.cli.main``; see there.
"""

from __future__ import annotations

import importlib
import sys

import click

from apkneed import __version__
from apkneed.cli.commands import COMMANDS
from apkneed.cli.common import quiet_option, report_usage_error, verbose_option


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
