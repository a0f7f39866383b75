"""What every subcommand shares: --json, -q/-v, warnings, error reporting, exit statuses.

Warnings go through :func:`warn`: one ``apkneed: warning: ...`` line on
stderr (none with ``-q``), and every one of them is kept so that
:func:`emit_json` puts it in the JSON answer's ``warnings`` (``-q`` never
hides a warning from JSON). Usage errors (an unknown option, a missing or
extra argument, a bad value) are reported by :func:`report_usage_error` in
the same one-line voice as apkneed's own errors, exit 2.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import os
import sys
from typing import Any, Callable, Iterator, TypeVar

import click

from apkneed.errors import ApkneedError

F = TypeVar("F", bound=Callable[..., Any])


def _run_state() -> dict[str, Any]:
    """This invocation's -q/-v and warnings, kept in click's context (shared by group and command)."""
    ctx = click.get_current_context(silent=True)
    meta: dict[str, Any] = ctx.meta if ctx is not None else {}
    return meta.setdefault("apkneed", {"quiet": False, "verbose": False, "warnings": []})


def _set_quiet(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value:
        _run_state()["quiet"] = True


def _set_verbose(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value:
        _run_state()["verbose"] = True


def quiet() -> bool:
    """Whether -q was given: nothing but the answer and errors (progress lines included)."""
    return bool(_run_state()["quiet"])


def verbose() -> bool:
    """Whether -v was given: warnings shown once per configuration are shown again."""
    return bool(_run_state()["verbose"])


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


def emit_json(data: Any) -> None:
    """Print ``data`` as JSON; a dict answer gets every warning of this run in ``warnings``."""
    import json  # here, like traceback below: text output (most runs) needs neither

    seen = _run_state()["warnings"]
    if isinstance(data, dict) and seen:
        data = dict(data)
        data["warnings"] = list(dict.fromkeys([*data.get("warnings", ()), *seen]))
    click.echo(json.dumps(data, indent=2, sort_keys=False))


def warn(message: str, *, on_stderr: bool = True) -> None:
    """One warning line on stderr (not with -q), never on stdout (stdout may be JSON).

    Every warning is kept for the JSON answer; ``on_stderr=False`` keeps one
    there without printing it (a warning already shown for this configuration).
    """
    state = _run_state()
    state["warnings"].append(message)
    if on_stderr and not state["quiet"]:
        click.echo(f"apkneed: warning: {message}", err=True)


def reports_errors(func: F) -> F:
    """Turn ApkneedError into one line (or JSON) and its exit status.

    Any other exception is a bug: say so in one line and exit 70, with the
    traceback only when APKNEED_DEBUG is set.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        as_json = bool(kwargs.get("as_json"))
        try:
            return func(*args, **kwargs)
        except ApkneedError as exc:
            _report(str(exc), as_json)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            _report("interrupted", as_json)
            sys.exit(130)
        except click.exceptions.Exit:
            raise
        except click.ClickException:
            raise
        except Exception as exc:  # noqa: BLE001 - last line of defence
            if os.environ.get("APKNEED_DEBUG"):
                import traceback

                traceback.print_exc()
            _report(
                f"internal error: {type(exc).__name__}: {exc} (this is a bug in apkneed; "
                "set APKNEED_DEBUG=1 for the traceback)",
                as_json,
            )
            sys.exit(70)

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
    _report(usage_error_message(exc), as_json="--json" in args[: args.index("--") if "--" in args else None])


def _report(message: str, as_json: bool) -> None:
    if as_json:
        import json

        answer: dict[str, Any] = {"error": message}
        warnings = _run_state()["warnings"]
        if warnings:  # what was warned before the failure stays in the JSON answer too
            answer["warnings"] = list(dict.fromkeys(warnings))
        click.echo(json.dumps(answer))
    click.echo(f"apkneed: error: {message}", err=True)


@contextlib.contextmanager
def no_gc_pauses() -> Iterator[Callable[[], None]]:
    """Reading an index allocates tens of thousands of objects and frees none
    (no cycles): the cyclic garbage collector would only walk them, again and
    again (~10% of a ``resolve``, ~8% of a warm ``plan``). It is switched back
    on afterwards, with everything alive then frozen (:func:`gc.freeze`): the
    command ends soon, and otherwise the first collection would walk the whole
    index again (allocated while paused, it was never promoted) and the
    interpreter's collections at exit the whole program: ~12 ms together.
    Frozen objects are still freed by reference counting (the index has no
    cycles); an in-process caller's (a test's) cycles alive at that moment
    are left to the end of its process.

    Yields ``resume()``, which switches the collector back on early: network
    work (a plan's downloads, its threads and clients) runs with it as usual.
    """
    was_enabled = gc.isenabled()
    gc.disable()

    def resume() -> None:
        if was_enabled:
            gc.enable()

    try:
        yield resume
    finally:
        if was_enabled:
            gc.freeze()
            gc.enable()
