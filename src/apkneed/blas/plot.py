"""``--plot FILE.png``: dgemm GFLOP/s against n, one line per library and
thread count, with the peak estimates as dashed lines.

matplotlib is an optional extra (``pip install 'apkneed[plot]'``): it is
imported only here, only when a plot is asked for, with the Agg backend (no
display needed). :func:`require_matplotlib` runs before any measuring, so a
missing extra costs the user nothing.
"""

from __future__ import annotations

from pathlib import Path

from apkneed.errors import EnvironmentFailure, InputError

MISSING = ("--plot needs matplotlib, an optional extra that is not installed: "
           "pip install 'apkneed[plot]' (or pip install matplotlib)")


def require_matplotlib() -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise EnvironmentFailure(MISSING) from None


def check_destination(path: Path) -> None:
    if path.suffix.lower() != ".png":
        raise InputError(f"--plot {path}: the plot is a PNG; give a file name ending in .png")
    if not path.parent.exists() and str(path.parent) != "":
        raise InputError(f"--plot {path}: directory {path.parent} does not exist")


def series(report: dict) -> list[tuple[str, list[int], list[float]]]:
    """(label, sizes, GFLOP/s) per library and thread count; NumPy's own
    benchmark too when it ran. Pure: the report in, the lines out."""
    lines: list[tuple[str, list[int], list[float]]] = []
    bench = report.get("benchmark") or {}
    for threads in sorted({r["threads"] for r in bench.get("results", []) if r["op"] == "dgemm"}):
        rows = sorted((r for r in bench["results"] if r["op"] == "dgemm" and r["threads"] == threads),
                      key=lambda r: r["n"])
        lines.append((f"NumPy matmul, {threads}T", [r["n"] for r in rows], [r["gflops"] for r in rows]))
    for lib in (report.get("compare") or {}).get("libraries", []):
        for threads in sorted({r["threads"] for r in lib["results"]}):
            rows = sorted((r for r in lib["results"] if r["threads"] == threads and r.get("verified")),
                          key=lambda r: r["n"])
            if rows:
                label = f"{lib['vendor_name']} ({lib['source']}), {threads}T"
                lines.append((label, [r["n"] for r in rows], [r["gflops"] for r in rows]))
    return lines


def write_plot(report: dict, path: Path) -> int:
    """Write the PNG; return how many lines it has."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    lines = series(report)
    figure, axes = plt.subplots(figsize=(9, 5.5), dpi=110)
    for label, sizes, rates in lines:
        axes.plot(sizes, rates, marker="o", label=label)
    peak = ((report.get("cpu") or {}).get("peak") or {})
    if peak.get("per_core_gflops"):
        axes.axhline(peak["per_core_gflops"], linestyle="--", color="grey", linewidth=1)
        axes.annotate("peak, 1 core", (0.01, peak["per_core_gflops"]), xycoords=("axes fraction", "data"),
                      fontsize=8, color="grey", va="bottom")
        if peak.get("cores", 1) > 1:
            axes.axhline(peak["all_cores_gflops"], linestyle="--", color="black", linewidth=1)
            axes.annotate(f"peak, {peak['cores']} cores", (0.01, peak["all_cores_gflops"]),
                          xycoords=("axes fraction", "data"), fontsize=8, va="bottom")
    axes.set_xscale("log", base=2)
    sizes = sorted({n for _, ns, _ in lines for n in ns})
    if sizes:
        axes.set_xticks(sizes, [str(n) for n in sizes])
        axes.minorticks_off()
    axes.set_ylim(bottom=0)
    axes.set_xlabel("n (square matrices)")
    axes.set_ylabel("GFLOP/s (dgemm, double precision)")
    cpu = report.get("cpu") or {}
    axes.set_title(f"dgemm on {cpu.get('model_name') or 'this CPU'}, {cpu.get('usable', '?')} usable CPU(s)")
    axes.grid(True, which="both", alpha=0.3)
    if lines:
        axes.legend(fontsize=8, loc="best")
    figure.tight_layout()
    try:
        figure.savefig(path, format="png")
    except OSError as exc:
        raise InputError(f"--plot {path}: cannot write ({exc.strerror or exc})") from None
    finally:
        plt.close(figure)
    return len(lines)
