"""The plan for people: a table per distribution, the sizes, and the two ``apk add`` lines.

Drawn with rich into a string (the CLI prints it); no colour, so a pipe or
a CI log reads the same as a terminal.
"""

from __future__ import annotations

import io

from apkneed.plan.model import Layer, Plan
from apkneed.render.apk import build_line, runtime_line
from apkneed.render.explain import explain_all
from apkneed.render.json_form import plan_json
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
    table = Table(show_edge=False, pad_edge=False, expand=False)
    for column in ("distribution", "version", "route", "file", "runtime apk", "build apk", "why"):
        table.add_column(column, overflow="fold")
    for package in plan.packages:
        name = package.name + ("" if package.direct else " *")
        route = package.route or "NONE"
        if package.forced_route_failed:
            route += " (!)"
        if package.unknown:
            route += " (?)"
        table.add_row(
            escape(name), escape(package.version), route, escape(package.file or "-"),
            escape(" ".join(package.runtime_apk) or "-"), escape(" ".join(package.build_apk) or "-"),
            escape(package.summary or (package.reasons[0] if package.reasons else "")),
        )
    console.print(table)
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


def _layer_line(label: str, layer: Layer, below: str) -> str:
    if layer.error:
        return f"{label}: apk would refuse the request ({layer.error})"
    if not layer.added:
        return f"{label}: adds nothing on top of {below}"
    return (
        f"{label}: adds {len(layer.added)} apk package{'s' if len(layer.added) != 1 else ''} on top of {below}: "
        f"{human_size(layer.download_size)} download, {human_size(layer.installed_size)} installed"
    )
