"""What every subcommand shares: --json, -q/-v, warnings, error reporting, exit statuses.

The run itself (its warnings, its JSON and error answers, exit statuses,
:func:`no_gc_pauses`) is :mod:`apkneed.cli.run`, which needs no click (the
console script's fast paths for ``resolve`` and ``plan`` use it); this module adds click's
side: the options that set it, the decorator that reports a command's
errors, and usage errors (an unknown option, a missing or extra argument,
a bad value), reported by :func:`report_usage_error` in the same one-line
voice as apkneed's own errors, exit 2.
"""

from __future__ import annotations

import functools
from typing import Any, Callable, TypeVar

import click

from apkneed.cli.run import answer_or_exit, emit_json, no_gc_pauses, quiet, report_error, run_state, verbose, warn

__all__ = [
    "emit_json", "json_option", "no_gc_pauses", "quiet", "quiet_option", "report_usage_error", "reports_errors",
    "usage_error_message", "verbose", "verbose_option", "warn",
]

F = TypeVar("F", bound=Callable[..., Any])


def _set_quiet(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value:
        run_state()["quiet"] = True


def _set_verbose(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value:
        run_state()["verbose"] = True


quiet_option = click.option(
    "-q", "--quiet", is_flag=True, expose_value=False, is_eager=True, callback=_set_quiet,
    help="Print no warnings on stderr (JSON keeps them in \"warnings\"); errors still print.",
)
verbose_option = click.option(
    "-v", "--verbose", is_flag=True, expose_value=False, is_eager=True, callback=_set_verbose,
    help="Repeat the warnings apkneed prints only once per configuration (pip settings it ignores).",
)
_json_flag = click.option(
    "--json", "as_json", is_flag=True, help="Print machine-readable JSON instead of text."
)


def json_option(func: F) -> F:
    """--json, with -q/--quiet and -v/--verbose: the output options every command has."""
    return _json_flag(quiet_option(verbose_option(func)))  # type: ignore[return-value]


def reports_errors(func: F) -> F:
    """Turn ApkneedError into one line (or JSON) and its exit status (:func:`apkneed.cli.run.answer_or_exit`)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return answer_or_exit(
            lambda: func(*args, **kwargs), as_json=bool(kwargs.get("as_json")),
            passing=(click.exceptions.Exit, click.ClickException),
        )

    return wrapper  # type: ignore[return-value]


def usage_error_message(exc: click.ClickException) -> str:
    """click's message for a usage error, as one apkneed line naming the option and the help to read.

    ``No such option '--nope'. Did you mean '--index'?`` becomes
    ``no such option '--nope'. Did you mean '--index'? (see: apkneed resolve --help)``.
    """
    message = " ".join(exc.format_message().split())
    if message[:1].isupper() and not message[1:2].isupper():
        message = message[0].lower() + message[1:]
    message = message.removeprefix("got ").removesuffix(".")  # "got unexpected extra argument (x)"
    ctx = getattr(exc, "ctx", None)
    if isinstance(exc, click.UsageError):
        message += f" (see: {ctx.command_path if ctx is not None else 'apkneed'} --help)"
    return message


def report_usage_error(exc: click.ClickException, args: list[str]) -> None:
    """One line on stderr (and ``{"error"}`` on stdout when --json was asked for).

    A bare ``apkneed`` (or a group without its command) shows the help, as click does.
    """
    if isinstance(exc, click.exceptions.NoArgsIsHelpError):
        exc.show()
        return
    report_error(usage_error_message(exc), as_json="--json" in args[: args.index("--") if "--" in args else None])
