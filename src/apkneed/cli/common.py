"""What every subcommand shares: --json, warnings, error reporting, exit statuses."""

from __future__ import annotations

import functools
import os
import sys
from typing import Any, Callable, TypeVar

import click

from apkneed.errors import ApkneedError

F = TypeVar("F", bound=Callable[..., Any])

json_option = click.option(
    "--json", "as_json", is_flag=True, help="Print machine-readable JSON instead of text."
)


def emit_json(data: Any) -> None:
    import json  # here, like traceback below: text output (most runs) needs neither

    click.echo(json.dumps(data, indent=2, sort_keys=False))


def warn(message: str) -> None:
    """One warning line on stderr, never on stdout (stdout may be JSON)."""
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


def _report(message: str, as_json: bool) -> None:
    if as_json:
        import json

        click.echo(json.dumps({"error": message}))
    click.echo(f"apkneed: error: {message}", err=True)
