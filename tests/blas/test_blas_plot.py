"""``--plot``: a real PNG with matplotlib, a clear message without it."""

from __future__ import annotations

import subprocess
import sys

from blas_helpers import clean_environ

from apkneed.blas.plot import series


def test_plot_writes_a_png(cli, tmp_path):
    target = tmp_path / "dgemm.png"
    status, report, out, _ = cli("--plot", str(target), "--sizes", "32,64", "--json")
    assert status == 0
    data = target.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert report["plot"] == {"path": str(target), "lines": len(series(report))}
    assert report["plot"]["lines"] == len({r["threads"] for r in report["benchmark"]["results"]})


def test_series_cover_each_library_and_thread_count():
    report = {
        "benchmark": {"results": [
            {"op": "dgemm", "n": 64, "threads": 1, "gflops": 10.0},
            {"op": "dgemm", "n": 32, "threads": 1, "gflops": 5.0},
            {"op": "svd", "n": 64, "threads": 1, "gflops": 1.0},
        ]},
        "compare": {"libraries": [
            {"vendor_name": "BLIS", "source": "system", "results": [
                {"n": 32, "threads": 1, "gflops": 4.0, "verified": True},
                {"n": 32, "threads": 2, "gflops": 7.0, "verified": True},
                {"n": 64, "threads": 2, "gflops": 9.0, "verified": False},
            ]},
            {"vendor_name": "unknown", "source": "--library", "results": []},
        ]},
    }
    assert series(report) == [
        ("NumPy matmul, 1T", [32, 64], [5.0, 10.0]),
        ("BLIS (system), 1T", [32], [4.0]),
        ("BLIS (system), 2T", [32], [7.0]),
    ]


def test_missing_matplotlib_is_said_clearly_before_measuring(tmp_path):
    # matplotlib blocked from importing, as in an install without the extra
    blocked = "import sys; sys.modules['matplotlib'] = None; from apkneed.cli import main; main()"
    result = subprocess.run(
        [sys.executable, "-c", blocked, "blas", "--plot", str(tmp_path / "x.png"), "--bench", "quick"],
        capture_output=True, text=True, env=clean_environ(), timeout=60,
    )
    assert result.returncode == 3
    assert "pip install 'apkneed[plot]'" in result.stderr
    assert "apkneed: bench" not in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "x.png").exists()


def test_plot_needs_a_png_name(cli, tmp_path):
    status, _, _, err = cli("--plot", str(tmp_path / "x.jpg"))
    assert status == 2 and ".png" in err


def _report(per_core, cores=2, basis="measured FMA throughput"):
    return {
        "cpu": {"model_name": "Intel(R) Xeon(R) Processor", "arch": "x86_64", "family": 6, "model": 207, "usable": 2,
                "peak": {"per_core_gflops": per_core, "cores": cores, "basis": basis, "ghz": 3.09,
                         "frequency_source": "measured", "flops_per_cycle": 32, "estimate_gflops": 98.9}},
        "benchmark": {"results": [
            {"op": "dgemm", "n": 512, "threads": 1, "gflops": 70.0},
            {"op": "dgemm", "n": 1024, "threads": 1, "gflops": 74.0},
            {"op": "dgemm", "n": 1024, "threads": 2, "gflops": 140.0},
        ]},
    }


def test_one_peak_line_per_thread_count_measured():
    from apkneed.blas.plot import peak_lines, thread_counts

    report = _report(95.0)
    lines = series(report)
    assert thread_counts(lines) == [1, 2]
    assert peak_lines(report, thread_counts(lines)) == [(1, 95.0), (2, 190.0)]
    assert peak_lines(_report(95.0, cores=1), [1, 2]) == [(1, 95.0), (2, 95.0)]  # SMT siblings: one core
    assert peak_lines(_report(None), [1, 2]) == []


def test_the_y_axis_fits_the_data_whatever_the_peak_says():
    from apkneed.blas.plot import peak_lines, y_limit

    # issue 10: a 20 GHz clock made peaks of 644 and 1288 GFLOP/s and squeezed
    # every curve into the bottom 6% of the axis
    wrong = _report(644.0, basis="clock x FLOPs per cycle")
    lines = series(wrong)
    top = y_limit(lines, peak_lines(wrong, [1, 2]))
    assert 140.0 <= top <= 1.1 * 140.0
    right = _report(95.0)
    top = y_limit(series(right), peak_lines(right, [1, 2]))
    assert 190.0 <= top <= 1.1 * 190.0  # both true peaks drawn


def test_the_caption_names_the_peaks_source():
    from apkneed.blas.plot import peak_caption, title_of

    report = _report(95.0)
    assert "Intel(R) Xeon(R) Processor" in title_of(report) and "family 6 model 207" in title_of(report)
    caption = peak_caption(report["cpu"]["peak"])
    assert caption.startswith("peak: measured FMA throughput, 95.0 GFLOP/s per core")
    assert "3.09 GHz (measured) x 32 FLOPs/cycle = 98.9" in caption
    clock = peak_caption({**report["cpu"]["peak"], "basis": "clock x FLOPs per cycle", "per_core_gflops": 98.9})
    assert clock == "peak: 3.09 GHz (measured) x 32 FLOPs/cycle = 98.9 GFLOP/s per core (no FMA kernel measured)"


def test_plot_of_a_recorded_report_is_a_png(tmp_path):
    from apkneed.blas.plot import write_plot

    target = tmp_path / "recorded.png"
    assert write_plot(_report(644.0, basis="clock x FLOPs per cycle"), target) == 2
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
