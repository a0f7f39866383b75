"""The plan for people: a table per distribution, the sizes, and the two ``apk add`` lines.

Drawn as rich draws it, into a string (the CLI prints it); no colour, so a
pipe or a CI log reads the same as a terminal. Plain ASCII answers (nearly
all) are drawn by :mod:`apkneed.render.plain` without importing rich, the
rest by rich itself; tests/test_render_plain.py holds the two to the same
bytes.

No word is ever broken across lines (``build-base`` stays whole, a wheel's
file name stays copyable): the table's columns are at least as wide as their
longest word, and when such a table does not fit the width (80 columns, a
long file name), each distribution is printed as a block of ``label: value``
lines instead, folded at spaces.
"""

from __future__ import annotations

import io
import textwrap

from apkneed.plan.model import Layer, Plan
from apkneed.render.apk import build_line, runtime_line
from apkneed.render.explain import explain_all
from apkneed.render.json_form import plan_json
from apkneed.render.table import column_widths
from apkneed.render.units import human_size

DEFAULT_WIDTH = 160


def render_text(plan: Plan, *, explain: bool = False, width: int = DEFAULT_WIDTH, use_rich: bool = False) -> str:
    """The text answer; drawn without rich when :mod:`apkneed.render.plain` can give rich's
    own output (plain ASCII), else with rich (``use_rich`` forces it: the tests compare the two)."""
    parts = _parts(plan, explain=explain, width=width)
    if not use_rich:
        drawn = _draw_plain(parts, width)
        if drawn is not None:
            return drawn
    return _draw_rich(parts, width)


def _parts(plan: Plan, *, explain: bool, width: int) -> list[tuple]:
    """What the answer prints, in order: ("table", widths, rows), or ("line", text, soft_wrap, markup):
    ``markup`` lines are printed as rich markup, as they always were, the others escaped."""
    parts: list[tuple] = [("line", f"Target: {plan.target.describe()}", False, False),
                          ("line", f"Index:  {plan.target.index_origin}", False, False)]
    rows = [_row(package) for package in plan.packages]
    widths = column_widths(COLUMNS, rows, width, prose=(COLUMNS.index("why"),))
    if not rows:  # a non-empty requirement set whose resolution is empty: only markers do that
        parts.append(("line", "No distribution to install: the environment markers of every requirement are false "
                      f"on this target (Linux {plan.target.arch}, Python {plan.target.python})", True, False))
    elif widths is not None:
        parts.append(("table", widths, rows))
    else:
        parts += [("line", line, True, False) for line in _vertical(rows, width)]
    legend = []
    if any(not p.direct for p in plan.packages):
        legend.append("* pulled in by another distribution")
    if any(p.forced_route_failed for p in plan.packages):
        legend.append("(!) the forced --route could not be used (see why)")
    if any(p.unknown for p in plan.packages):
        legend.append("(?) what the build needs is unknown: its apk packages may be incomplete (see the warning)")
    if legend:
        parts.append(("line", ";  ".join(legend), False, True))
    verdicts = [p for p in plan.packages if p.blas is not None]
    if verdicts:
        parts.append(("line", "", False, True))
        parts.append(("line", "Is it fast? (the BLAS each distribution runs on after its route)", False, True))
        for package in verdicts:
            parts.append(("line", f"  {package.name}: {package.blas['text']}", True, False))
    parts.append(("line", "", False, True))
    parts.append(("line", _layer_line("Run time", plan.runtime_layer, plan.target.image), False, True))
    parts.append(("line", _layer_line("Build", plan.build_layer, "the run-time packages"), False, True))
    if explain:
        parts.append(("line", "", False, True))
        parts.append(("line", "Why each apk package is there:", False, True))
        for line in explain_all(plan_json(plan)):
            parts.append(("line", "  " + line, True, False))
    parts.append(("line", "", False, True))
    parts.append(("line", runtime_line(plan), False, False))
    parts.append(("line", build_line(plan), False, False))
    return parts


def _draw_plain(parts: list[tuple], width: int) -> str | None:
    from apkneed.render import plain

    lines: list[str] = []
    for part in parts:
        if part[0] == "table":
            drawn = plain.table(COLUMNS, part[1], part[2])
        else:
            drawn = plain.printed(part[1], width, soft_wrap=part[2])
        if drawn is None:
            return None
        lines += drawn
    return "".join(line + "\n" for line in lines)


def _draw_rich(parts: list[tuple], width: int) -> str:
    from rich.console import Console  # rich only when text is asked for and render.plain cannot draw it
    from rich.markup import escape
    from rich.table import Table

    out = io.StringIO()
    console = Console(file=out, width=width, color_system=None, highlight=False, soft_wrap=False)
    for part in parts:
        if part[0] == "table":
            table = Table(show_edge=False, pad_edge=False, expand=False)
            for column, column_width in zip(COLUMNS, part[1]):
                table.add_column(column, overflow="fold", width=column_width)
            for row in part[2]:
                table.add_row(*map(escape, row))
            console.print(table)
        elif not part[1]:
            console.print()
        else:
            console.print(part[1] if part[3] else escape(part[1]), soft_wrap=part[2])
    return out.getvalue()


COLUMNS = ("distribution", "version", "route", "file", "runtime apk", "build apk", "why")


def _row(package) -> tuple[str, ...]:
    name = package.name + ("" if package.direct else " *")
    route = package.route or "NONE"
    if package.forced_route_failed:
        route += " (!)"
    return (
        name, package.version, route, package.file or "-", " ".join(package.runtime_apk) or "-",
        " ".join(package.build_apk) or "-", package.summary or (package.reasons[0] if package.reasons else ""),
    )


def _vertical(rows: list[tuple[str, ...]], width: int) -> list[str]:
    """One block per distribution: ``name version (route)`` then its fields, folded at spaces."""
    labels = COLUMNS[3:]
    indent = "  " + " " * (max(map(len, labels)) + 2)
    lines: list[str] = []
    for row in rows:
        name, version, route = row[:3]
        lines.append(f"{name} {version} ({route})")
        for label, value in zip(labels, row[3:]):
            head = f"  {label}:".ljust(len(indent))
            lines += textwrap.wrap(
                value or "-", width=max(width, len(indent) + 20), initial_indent=head, subsequent_indent=indent,
                break_long_words=False, break_on_hyphens=False,
            )
    return lines


def _layer_line(label: str, layer: Layer, below: str) -> str:
    if layer.error:
        return f"{label}: apk would refuse the request ({layer.error})"
    if not layer.added:
        return f"{label}: adds nothing on top of {below}"
    return (
        f"{label}: adds {len(layer.added)} apk package{'s' if len(layer.added) != 1 else ''} on top of {below}: "
        f"{human_size(layer.download_size)} download, {human_size(layer.installed_size)} installed"
    )
