"""One command's run, without click: its -q/-v and warnings, its JSON and error answers, its exit statuses.

Warnings go through :func:`warn`: one ``apkneed: warning: ...`` line on
stderr (none with ``-q``), and every one of them is kept so that
:func:`emit_json` puts it in the JSON answer's ``warnings`` (``-q`` never
hides a warning from JSON). An :class:`apkneed.errors.ApkneedError` becomes
one ``apkneed: error: ...`` line (and ``{"error": ...}`` on stdout with
``--json``) and its exit status (:func:`answer_or_exit`).

Used by the click commands (:mod:`apkneed.cli.common` re-exports it; the
run's state then lives in click's context, one per invocation) and by the
console script's click-free fast paths for ``resolve`` and ``plan``
(:mod:`apkneed.__main__`, which runs each inside :func:`click_free_run`): this module never
imports click itself unless a click command is running.
"""

from __future__ import annotations

import contextlib
import gc
import os
import sys
import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from typing import Any

#: the run of the click-free entry, while its command runs; None under click
_ENTRY_RUN: dict[str, Any] | None = None


def _new_state(quiet: bool = False) -> dict[str, Any]:
    return {"quiet": quiet, "verbose": False, "warnings": [], "keep_wheels": False}


@contextlib.contextmanager
def click_free_run(*, quiet: bool = False, keep_wheels: bool = False) -> Iterator[None]:
    """The click-free entry's run: for the block, its state (-q, --keep-wheels, warnings) lives here."""
    global _ENTRY_RUN
    _ENTRY_RUN = _new_state(quiet)
    _ENTRY_RUN["keep_wheels"] = keep_wheels
    try:
        yield
    finally:
        _ENTRY_RUN = None


def run_state() -> dict[str, Any]:
    """This invocation's -q/-v, --keep-wheels and warnings: the click-free entry's, else kept in
    click's context (shared by group and command)."""
    if _ENTRY_RUN is not None:
        return _ENTRY_RUN
    import click  # a click command is running (or a caller outside any command: a state of its own)

    ctx = click.get_current_context(silent=True)
    meta: dict[str, Any] = ctx.meta if ctx is not None else {}
    return meta.setdefault("apkneed", _new_state())


def quiet() -> bool:
    """Whether -q was given: nothing but the answer and errors (progress lines included)."""
    return bool(run_state()["quiet"])


def verbose() -> bool:
    """Whether -v was given: warnings shown once per configuration are shown again."""
    return bool(run_state()["verbose"])


def echo(text: str, *, err: bool = False, nl: bool = True) -> None:
    """``text`` on stdout (stderr with ``err``), as ``click.echo`` writes a str: then flushed.

    (click.echo also strips ANSI codes off a terminal; apkneed's answers have none:
    render.text draws with ``color_system=None``.)
    """
    stream = sys.stderr if err else sys.stdout
    stream.write(text + "\n" if nl else text)
    stream.flush()


def emit_json(data: Any) -> None:
    """Print ``data`` as JSON; a dict answer gets every warning of this run in ``warnings``."""
    import json  # here, like traceback below: text output (most runs) needs neither

    seen = run_state()["warnings"]
    if isinstance(data, dict) and seen:
        data = dict(data)
        data["warnings"] = list(dict.fromkeys([*data.get("warnings", ()), *seen]))
    echo(json.dumps(data, indent=2, sort_keys=False))


def warn(message: str, *, on_stderr: bool = True) -> None:
    """One warning line on stderr (not with -q), never on stdout (stdout may be JSON).

    Every warning is kept for the JSON answer; ``on_stderr=False`` keeps one
    there without printing it (a warning already shown for this configuration).
    """
    state = run_state()
    state["warnings"].append(message)
    if on_stderr and not state["quiet"]:
        echo(f"apkneed: warning: {message}", err=True)


def report_error(message: str, as_json: bool) -> None:
    """``apkneed: error: MESSAGE`` on stderr, and ``{"error": ...}`` (with this run's warnings) on stdout for JSON."""
    if as_json:
        import json

        answer: dict[str, Any] = {"error": message}
        warnings = run_state()["warnings"]
        if warnings:  # what was warned before the failure stays in the JSON answer too
            answer["warnings"] = list(dict.fromkeys(warnings))
        echo(json.dumps(answer))
    echo(f"apkneed: error: {message}", err=True)


def answer_or_exit(answer: Callable[[], Any], *, as_json: bool, passing: tuple[type[BaseException], ...] = ()) -> Any:
    """``answer()``'s result; an ApkneedError becomes its line (or JSON) and exit status.

    Any other exception is a bug: say so in one line and exit 70, with the
    traceback only when APKNEED_DEBUG is set. ``passing``: exceptions that
    are not apkneed's to report (click's own, under click).
    """
    from apkneed import cache
    from apkneed.errors import ApkneedError

    written_before = cache.bytes_written
    interrupted = False
    try:
        try:
            return answer()
        except KeyboardInterrupt:
            interrupted = True  # the user wants out now: no walk of the cache on the way
            raise
        finally:
            if not interrupted and cache.bytes_written != written_before:  # this command wrote to the cache
                trim_cache()
    except ApkneedError as exc:
        report_error(str(exc), as_json)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        report_error("interrupted", as_json)
        sys.exit(130)
    except passing:
        raise
    except Exception as exc:  # noqa: BLE001 - last line of defence
        if isinstance(exc, OSError) and (unwritable := cache.unwritable_cache(exc)):
            report_error(unwritable, as_json)  # the environment's failure, not apkneed's bug
            sys.exit(3)
        if os.environ.get("APKNEED_DEBUG"):
            import traceback

            traceback.print_exc()
        report_error(
            f"internal error: {type(exc).__name__}: {exc} (this is a bug in apkneed; "
            "set APKNEED_DEBUG=1 for the traceback)",
            as_json,
        )
        sys.exit(70)


def trim_cache() -> None:
    """A command that wrote to the cache keeps it under its size limit: the files used
    longest ago go, at most once an hour (:func:`apkneed.cache_usage.evict_now_and_then`).

    Any command may write (a plan's downloads and facts, a first run's parsed copies and
    provider table, ~12 MB for v3.21 main + community, kept answers), so the rule is
    kept here, where every command's answer ends (:func:`answer_or_exit` calls this when
    the command wrote), not in each writer. A run that wrote nothing pays nothing, one
    within the hour of the last trim one ``stat``.
    """
    from apkneed import cache

    root = cache.default_cache_dir()
    if not cache.eviction_due(root):
        return
    if not os.environ.get("APKNEED_CACHE_LIMIT", "").strip() and cache.cache_bytes(root) <= cache.DEFAULT_LIMIT:
        # nothing to evict (a first run's new cache holds what it just wrote): the stamp alone, without
        # importing pathlib and apkneed.cache_usage (~7 ms of a first run)
        cache.mark_trimmed(root, time.time())
        return
    from pathlib import Path

    from apkneed.cache_usage import evict_now_and_then
    from apkneed.errors import InputError

    try:
        evict_now_and_then(Path(root))
    except InputError as exc:  # a bad $APKNEED_CACHE_LIMIT: the answer stands, the cache is left as it is
        warn(f"$APKNEED_CACHE_LIMIT: {exc}; the cache was not trimmed")
    except OSError as exc:  # a cache that cannot be walked or written: the answer stands
        warn(f"the cache at {root} was not trimmed: {exc.strerror or exc}")


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
