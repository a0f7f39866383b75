"""``apkneed blas``: which BLAS/LAPACK NumPy runs on, and how fast."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from apkneed.cli.common import emit_json, json_option, quiet, reports_errors


def _progress(message: str) -> None:
    # One line per measurement on stderr: a long benchmark shows its pace,
    # and stdout stays the report (or pure JSON). -q keeps stderr quiet.
    if not quiet():
        click.echo(f"apkneed: {message}", err=True)


def _parse_sizes(text: str) -> tuple[int, ...]:
    from apkneed.errors import InputError

    try:
        sizes = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise InputError(f"--sizes {text!r}: expected matrix sizes separated by commas, e.g. 256,512,1024") from None
    if not sizes or any(n < 1 or n > 16384 for n in sizes):
        raise InputError(f"--sizes {text!r}: each size must be between 1 and 16384")
    return tuple(sorted(set(sizes)))


@click.command(
    "blas",
    epilog=(
        "\b\n"
        "Examples:\n"
        "  apkneed blas                      # what NumPy loaded, settings, peak\n"
        "  apkneed blas --bench quick        # + NumPy's GFLOP/s at 1 and all threads (< 20 s)\n"
        "  apkneed blas --compare --plot dgemm.png\n"
        "  apkneed blas --python /app/.venv/bin/python --json\n"
        "\b\n"
        "Exit status: 0 report complete (harmful settings are findings); 1 NumPy not\n"
        "installed, a compared library gave a wrong result, or a --library could not\n"
        "be benchmarked; 2 bad input; 3 the probe failed (e.g. NumPy crashed on import)\n"
        "or matplotlib is missing for --plot; 130 interrupted (partial report printed)."
    ),
)
@click.option("--python", "python", metavar="PATH", default=None,
              help="Interpreter of the environment to inspect (default: the one running apkneed).")
@click.option("--bench", type=click.Choice(["quick", "full"]), default=None,
              help="Benchmark NumPy: dgemm at several sizes, solve, svd, eigh; 1 and all usable threads.")
@click.option("--compare", is_flag=True,
              help="Benchmark dgemm in every BLAS library found on the system, checked against NumPy.")
@click.option("--library", "libraries", metavar="PATH", multiple=True,
              help="Another BLAS library to compare (repeatable; implies --compare).")
@click.option("--sizes", metavar="N,N,...", default=None,
              help="Matrix sizes for --bench and --compare, replacing the plan's (e.g. 256,512,1024).")
@click.option("--plot", "plot_path", metavar="FILE.png", type=click.Path(path_type=Path), default=None,
              help="Write GFLOP/s against n per library and thread count (needs apkneed[plot]).")
@click.option("--cgroup-root", type=click.Path(path_type=Path), default=Path("/sys/fs/cgroup"), hidden=True,
              help="cgroup mount root to read the CPU quota from (tests).")
@json_option
@reports_errors
def blas_command(python: str | None, bench: str | None, compare: bool, libraries: tuple[str, ...],
                 sizes: str | None, plot_path: Path | None, cgroup_root: Path, as_json: bool) -> None:
    """Which BLAS/LAPACK NumPy really runs on, and how fast.

    Reports each BLAS/LAPACK library NumPy (and SciPy) loaded: vendor,
    version, LP64/ILP64, threading, threads, the kernel chosen, wheel or
    system (and the apk package owning it); the CPUs this process may use
    (affinity, cgroup quota) against the threads BLAS runs; BLAS environment
    variables, measuring the harmful-looking ones; and a peak estimate.
    """
    from apkneed.blas.knowledge import load
    from apkneed.blas.plot import check_destination, require_matplotlib
    from apkneed.blas.report import Options, build_report

    size_list = _parse_sizes(sizes) if sizes is not None else None
    if plot_path is not None:
        check_destination(plot_path)
        require_matplotlib()  # before measuring anything
        if not bench and not compare and not libraries:
            bench = "quick"
    options = Options(
        python=python or sys.executable,
        bench=bench,
        compare=compare or bool(libraries),
        libraries=libraries,
        sizes=size_list,
        cgroup_root=cgroup_root,
    )
    report, status = build_report(options, load(), _progress)
    if plot_path is not None and not report.get("interrupted"):
        from apkneed.blas.plot import write_plot

        lines = write_plot(report, plot_path)
        report["plot"] = {"path": str(plot_path), "lines": lines}
    if as_json:
        emit_json(report)
    else:
        from rich.console import Console

        from apkneed.blas.text import render

        console = Console()
        if not console.is_terminal:  # a pipe: COLUMNS, else 160 (rich would take 80)
            from apkneed.cli.width import table_width

            console = Console(width=table_width(os.environ, False))
        console.print(render(report))
        if report.get("plot"):
            console.print(f"Plot written to {report['plot']['path']} ({report['plot']['lines']} lines).")
    if status:
        sys.exit(status)
