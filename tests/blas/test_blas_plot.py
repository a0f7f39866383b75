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
