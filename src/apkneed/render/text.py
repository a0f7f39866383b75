"""The plan for people: a table per distribution, the sizes, and the two ``apk add`` lines.

Drawn with rich into a string (the CLI prints it); no colour, so a pipe or
a CI log reads the same as a terminal.

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


def render_text(plan: Plan, *, explain: bool = False, width: int = DEFAULT_WIDTH) -> str:
    from rich.console import Console  # rich only when text is asked for
    from rich.markup import escape
    from rich.table import Table

    out = io.StringIO()
    console = Console(file=out, width=width, color_system=None, highlight=False, soft_wrap=False)
    console.print(f"Target: {escape(plan.target.describe())}")
    console.print(f"Index:  {escape(plan.target.index_origin)}")
    rows = [_row(package) for package in plan.packages]
    widths = column_widths(COLUMNS, rows, width, prose=(COLUMNS.index("why"),))
    if widths is not None:
        table = Table(show_edge=False, pad_edge=False, expand=False)
        for column, column_width in zip(COLUMNS, widths):
            table.add_column(column, overflow="fold", width=column_width)
        for row in rows:
            table.add_row(*map(escape, row))
        console.print(table)
    else:
        for line in _vertical(rows, width):
            console.print(escape(line), soft_wrap=True)
    legend = []
    if any(not p.direct for p in plan.packages):
        legend.append("* pulled in by another distribution")
    if any(p.forced_route_failed for p in plan.packages):
        legend.append("(!) the forced --route could not be used (see why)")
    if any(p.unknown for p in plan.packages):
        legend.append("(?) what the build needs is unknown: its apk packages may be incomplete (see the warning)")
    if legend:
        console.print(";  ".join(legend))
    verdicts = [p for p in plan.packages if p.blas is not None]
    if verdicts:
        console.print()
        console.print("Is it fast? (the BLAS each distribution runs on after its route)")
        for package in verdicts:
            console.print(escape(f"  {package.name}: {package.blas['text']}"), soft_wrap=True)
    console.print()
    console.print(_layer_line("Run time", plan.runtime_layer, plan.target.image))
    console.print(_layer_line("Build", plan.build_layer, "the run-time packages"))
    if explain:
        console.print()
        console.print("Why each apk package is there:")
        for line in explain_all(plan_json(plan)):
            console.print("  " + escape(line), soft_wrap=True)
    console.print()
    console.print(escape(runtime_line(plan)))
    console.print(escape(build_line(plan)))
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
