"""What ``apkneed resolve`` prints: the installs with their sizes, or, when apk
would refuse, apk's own report plus what was searched.

One place for both entry points (``cli.resolve`` through click, and the
click-free fast path in ``apkneed.__main__``), which must print the same
bytes; kept free of heavy imports for the fast path.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (milliseconds of every resolve)
if TYPE_CHECKING:
    from typing import Any


def not_found_lines(exc, world) -> list[str]:
    """apk says "no such package" of the repositories it has; the world also
    knows which it was asked for and lacks (community, offline): say both."""
    return [f"{p.name}: no such package {world.scope()}" for p in exc.problems if p.kind == "missing"]


def unsatisfiable_json(exc, world) -> dict[str, Any]:
    return {
        "target": world.to_json(),
        "error": str(exc),
        "not_found": not_found_lines(exc, world),
        "problems": [
            {"kind": p.kind, "name": p.name, "subject": p.subject, "sections": dict(p.sections)}
            for p in exc.problems
        ],
        "apk_exit_status": exc.apk_exit_status,
        "apk_output": exc.apk_output,
    }


def unsatisfiable_text(exc, world) -> list[str]:
    """The stderr lines after ``apkneed: error: ...`` in text mode."""
    return [exc.apk_output, *(f"apkneed: {line}" for line in not_found_lines(exc, world))]


def solution_json(solution, world, providers) -> dict[str, Any]:
    return {
        "target": world.to_json(),
        "install": [
            {"name": p.name, "version": p.version, "repository": providers.repositories_of(p)[0]}
            for p in solution.installs
        ],
        "download_size": solution.download_size,
        "installed_size": solution.installed_size,
    }


def solution_text(solution) -> str:
    """apk's install order (with repository tags), then one line of totals; no final newline."""
    from apkneed.render.units import human_size

    lines = [step.package.nv + step.tag for step in solution.steps]
    count = len(lines)
    lines.append(
        f"{count} package{'s' if count != 1 else ''}, {human_size(solution.download_size)} to download, "
        f"{human_size(solution.installed_size)} installed"
    )
    return "\n".join(lines)
