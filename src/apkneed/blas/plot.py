"""``--plot FILE.png``: dgemm GFLOP/s against n, one line per library and
thread count (a colour per thread count), with the peak as one dashed line
per thread count in the same colour. The y-axis fits the measurements (a
peak far above them is named in the legend, not drawn); the title names the
CPU and where the peak comes from.

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


def thread_counts(lines: list[tuple[str, list[int], list[float]]]) -> list[int]:
    """The thread counts the lines were measured at ("..., 2T" labels)."""
    counts = set()
    for label, _, _ in lines:
        tail = label.rsplit(", ", 1)[-1]
        if tail.endswith("T") and tail[:-1].isdigit():
            counts.add(int(tail[:-1]))
    return sorted(counts)


def peak_lines(report: dict, counts: list[int]) -> list[tuple[int, float]]:
    """(threads, peak GFLOP/s) for each thread count measured: the per-core
    peak times the cores those threads can use. Pure."""
    peak = (report.get("cpu") or {}).get("peak") or {}
    per_core = peak.get("per_core_gflops")
    if not per_core:
        return []
    cores = max(1, int(peak.get("cores") or 1))
    return [(threads, per_core * min(threads, cores)) for threads in counts]


#: a peak line is drawn inside the axis only up to this multiple of the
#: fastest measurement; above it, it is named in the legend but not drawn,
#: so a wrong peak can never squeeze the curves into the bottom of the plot
PEAK_DRAW_LIMIT = 2.0


def y_limit(lines: list[tuple[str, list[int], list[float]]], peaks: list[tuple[int, float]]) -> float:
    """The top of the y-axis: the data, and the peaks that are near it. Pure."""
    top = max((rate for _, _, rates in lines for rate in rates), default=0.0)
    near = [value for _, value in peaks if not top or value <= PEAK_DRAW_LIMIT * top]
    return 1.08 * max([top, *near]) if (top or near) else 1.0


def title_of(report: dict) -> str:
    cpu = report.get("cpu") or {}
    family = (f", family {cpu['family']} model {cpu['model']}" if cpu.get("family") is not None else "")
    return (f"dgemm on {cpu.get('model_name') or 'this CPU'} ({cpu.get('arch', '?')}{family}), "
            f"{cpu.get('usable', '?')} usable CPU(s)")


def peak_caption(peak: dict) -> str:
    """Where the peak comes from, in one line: the figure used, and the other one."""
    if not peak.get("per_core_gflops"):
        return "no peak: clock unknown and no FMA kernel measured"
    clock = (f"{peak['ghz']:.2f} GHz ({peak['frequency_source']}) x {peak['flops_per_cycle']} FLOPs/cycle"
             if peak.get("ghz") else "clock unknown")
    if peak.get("basis") == "measured FMA throughput":
        estimate = f" = {peak['estimate_gflops']:.1f}" if peak.get("estimate_gflops") else ""
        return (f"peak: measured FMA throughput, {peak['per_core_gflops']:.1f} GFLOP/s per core "
                f"(estimate: {clock}{estimate})")
    return f"peak: {clock} = {peak['per_core_gflops']:.1f} GFLOP/s per core (no FMA kernel measured)"


def write_plot(report: dict, path: Path) -> int:
    """Write the PNG; return how many measured lines it has."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    lines = series(report)
    counts = thread_counts(lines)
    peaks = peak_lines(report, counts)
    top = y_limit(lines, peaks)
    figure, axes = plt.subplots(figsize=(12, 6), dpi=110)
    colours = {threads: plt.get_cmap("tab10")(index) for index, threads in enumerate(counts)}
    markers = ["o", "s", "^", "D", "v", "P", "X"]
    libraries = list(dict.fromkeys(label.rsplit(", ", 1)[0] for label, _, _ in lines))
    for label, sizes, rates in lines:
        library, _, tail = label.rpartition(", ")
        threads = int(tail[:-1]) if tail[:-1].isdigit() else None
        axes.plot(sizes, rates, marker=markers[libraries.index(library) % len(markers)],
                  color=colours.get(threads), linestyle="-" if library.startswith("NumPy") else ":",
                  label=label.replace("T", " thread(s)") if label.endswith("T") else label)
    peak = ((report.get("cpu") or {}).get("peak") or {})
    for threads, value in peaks:
        label = f"peak, {threads} thread(s): {value:.1f} GFLOP/s"
        if value <= top:
            axes.axhline(value, linestyle="--", color=colours.get(threads, "grey"), linewidth=1.2, label=label)
        else:  # off the axis: named, not drawn
            axes.plot([], [], linestyle="--", color=colours.get(threads, "grey"), label=label + " (above the axis)")
    axes.set_xscale("log", base=2)
    sizes = sorted({n for _, ns, _ in lines for n in ns})
    if sizes:
        axes.set_xticks(sizes, [str(n) for n in sizes])
        axes.minorticks_off()
    axes.set_ylim(0, top)
    axes.set_xlabel("n (square matrices)")
    axes.set_ylabel("GFLOP/s (dgemm, double precision)")
    axes.set_title(title_of(report) + "\n" + peak_caption(peak), fontsize=10)
    axes.grid(True, which="both", alpha=0.3)
    if lines or peaks:
        axes.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    figure.tight_layout()
    try:
        figure.savefig(path, format="png")
    except OSError as exc:
        raise InputError(f"--plot {path}: cannot write ({exc.strerror or exc})") from None
    finally:
        plt.close(figure)
    return len(lines)
