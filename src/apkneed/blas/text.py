"""The report as rich renderables (tables and lines) for the terminal.

rich draws the tables; this module only decides what goes in them, from the
report dict the JSON output prints, so text and JSON never disagree.
"""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from apkneed.blas.compare import STATUS_TEXT
from apkneed.blas.environment import fix_text, run_figure


def _gflops(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def header(report: dict) -> list[RenderableType]:
    python = report.get("python")
    lines: list[RenderableType] = []
    if isinstance(python, dict):
        libc = " ".join(x for x in python.get("libc", []) if x) or "unknown libc"
        numpy = report.get("numpy") or {}
        lines.append(Text.assemble(("apkneed blas", "bold"), f": {python['executable']} "
                                   f"({python['implementation']} {python['version']}, {libc}), "
                                   f"NumPy {numpy.get('version', '?')}"))
        for name in ("numpy", "scipy"):
            package = report.get(name) or {}
            for api, build in (package.get("build") or {}).items():
                lines.append(Text(f"{name} was built against {api.upper()}: {build.get('name')} "
                                  f"{build.get('version') or ''} (found by {build.get('detection_method')})"))
    else:
        lines.append(Text.assemble(("apkneed blas", "bold"), f": {python}"))
    return lines


def libraries_table(report: dict) -> RenderableType:
    table = Table(title="BLAS/LAPACK libraries loaded", title_justify="left", show_lines=False)
    for column in ("used by", "vendor", "version", "provides", "ints", "threading", "threads", "core",
                   "origin", "path"):
        table.add_column(column, overflow="fold")
    for lib in report.get("libraries", []):
        provides = "+".join(lib["provides"]) or "-"
        if lib.get("forwards_to"):
            provides += f" (via {lib['forwards_to']})"
        table.add_row(", ".join(lib["used_by"]), lib["vendor_name"], lib["version"] or "-", provides,
                      lib["int_model"] or "-", lib["threading_layer"] or "-",
                      str(lib["num_threads"]) if lib["num_threads"] is not None else "-",
                      lib["corename"] or "-", lib["origin"]["description"], lib["path"])
    return table


def cpu_lines(report: dict) -> list[RenderableType]:
    cpu = report.get("cpu")
    if not cpu:
        return []
    peak = cpu["peak"]
    family = f" family {cpu['family']} model {cpu['model']}" if cpu.get("family") is not None else ""
    lines: list[RenderableType] = [
        Text(f"CPU: {cpu['model_name'] or '?'} ({cpu['vendor']}{family}, {cpu['arch']}); {cpu['text']}"),
    ]
    if cpu.get("load_average") is not None:
        lines.append(Text(f"Load average (1 min): {cpu['load_average']:.2f}"))
    if peak["per_core_gflops"]:
        lines.append(Text(f"Peak estimate: {peak['per_core_gflops']:.1f} GFLOP/s per core, "
                          f"{peak['all_cores_gflops']:.1f} GFLOP/s on {peak['cores']} core(s), from the "
                          f"{peak.get('basis') or 'estimate'}"))
    for assumption in peak["assumptions"]:
        lines.append(Text(f"  - {assumption}"))
    if peak.get("clock_measurement_note"):
        lines.append(Text(f"  - clock not measured: {peak['clock_measurement_note']}"))
    return lines


def environment_table(report: dict) -> list[RenderableType]:
    environment = report.get("environment")
    if environment is None:
        return []
    findings = environment["findings"]
    if not findings:
        return [Text("BLAS environment: no BLAS variable set, no oversubscribed library.")]
    table = Table(title="BLAS environment", title_justify="left")
    for column in ("severity", "about", "finding", "measured (dgemm)"):
        table.add_column(column, overflow="fold")
    for finding in findings:
        measured = finding.get("measured")
        if measured:
            with_, fixed = measured["with_setting"], measured["with_fix"]
            fix = fix_text(finding["fix"]["set"], finding["fix"]["unset"])
            cell = (f"as is: {_run_text(with_)}; with {fix}: {_run_text(fixed)} -> {measured['verdict']}")
        else:
            cell = "-"
        style = {"harmful": "bold red", "suspect": "yellow"}.get(finding["severity"], "")
        table.add_row(Text(finding["severity"], style=style), finding["subject"], finding["message"], cell)
    return [table]


def _run_text(run: dict) -> str:
    core = ", ".join(a for a in run.get("architecture", []) if a)
    figure = run_figure(run)
    return f"{figure} (core {core})" if core else figure


def benchmark_table(report: dict) -> list[RenderableType]:
    section = report.get("benchmark")
    if not section:
        return []
    title = f"NumPy benchmark ({section.get('plan')}): best of several runs after a warm-up"
    basis = (((report.get("cpu") or {}).get("peak") or {}).get("basis"))
    if basis:
        title += f"; % of peak against the {basis}"
    if not section.get("complete"):
        title += " - INCOMPLETE" + (f": {section['failure']}" if section.get("failure") else "")
    table = Table(title=title, title_justify="left")
    for column, justify in (("operation", "left"), ("n", "right"), ("threads", "right"), ("GFLOP/s", "right"),
                            ("% of peak", "right"), ("seconds", "right"), ("runs", "right")):
        table.add_column(column, justify=justify)
    for row in section.get("results", []):
        table.add_row(row["label"], str(row["n"]), str(row["threads"]), _gflops(row["gflops"]),
                      _pct(row["fraction_of_peak"]), f"{row['seconds']:.4f}", str(row["runs"]))
    return [table]


def compare_table(report: dict) -> list[RenderableType]:
    section = report.get("compare")
    if not section or not section.get("libraries"):
        return []
    keys = sorted({(row["n"], row["threads"]) for lib in section["libraries"] for row in lib["results"]
                   if row.get("verified")})
    ratios = {(r["path"], r["n"], r["threads"]): r for r in section["ratios"]}
    table = Table(title="dgemm through each library (GFLOP/s, x NumPy's own; every result checked against NumPy)",
                  title_justify="left")
    table.add_column("library", overflow="fold")
    table.add_column("status", overflow="fold")
    for n, threads in keys:
        table.add_column(f"n={n}\n{threads}T", justify="right")
    for lib in section["libraries"]:
        runtime = next(iter(lib["runtime"].values()), {}) if lib["runtime"] else {}
        detail = ", ".join(x for x in (runtime.get("version"), runtime.get("threading_layer"),
                                      runtime.get("architecture")) if x)
        origin = (lib.get("origin") or {}).get("description", "")
        name = f"{lib['vendor_name']}{' ' + detail if detail else ''}\n{origin}\n{lib['path']}"
        status = STATUS_TEXT.get(lib["status"], lib["status"])
        if lib["message"]:
            status += f": {lib['message']}"
        cells = []
        for n, threads in keys:
            ratio = ratios.get((lib["path"], n, threads))
            if ratio is None:
                cells.append("-")
            else:
                vs = f" ({ratio['vs_numpy']:.2f}x)" if ratio["vs_numpy"] is not None else ""
                cells.append(f"{ratio['gflops']:.1f}{vs}")
        table.add_row(name, status, *cells)
    return [table]


def recommendation_line(report: dict) -> list[RenderableType]:
    recommendation = report.get("recommendation")
    if not recommendation:
        return []
    return [Text.assemble(("Recommendation: ", "bold"), recommendation["text"])]


def render(report: dict) -> Group:
    parts: list[RenderableType] = []
    parts += header(report)
    if report.get("libraries") is not None:
        parts.append(libraries_table(report))
    parts += cpu_lines(report)
    parts += environment_table(report)
    parts += benchmark_table(report)
    parts += compare_table(report)
    if report.get("peak_check"):
        parts.append(Text(f"Peak check: {report['peak_check']}", style="yellow"))
    if report.get("interrupted"):
        parts.append(Text("Interrupted: the figures above are what was measured before Ctrl-C.", style="bold"))
    parts += recommendation_line(report)
    return Group(*parts)
