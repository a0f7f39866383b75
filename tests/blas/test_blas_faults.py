"""Faults a user meets: Ctrl-C in a benchmark, a machine with one CPU, and a
probe that is killed by a signal."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

from blas_helpers import apkneed_subprocess, clean_environ

from apkneed.blas.runner import PROBE, run_probe, threadpoolctl_path


def interrupt_after_first_measurement(*args: str) -> tuple[int, str, str]:
    """Start apkneed, wait for its first measured point, send SIGINT."""
    process = apkneed_subprocess(*args)
    seen = []
    for line in process.stderr:
        seen.append(line)
        if line.startswith("apkneed: bench "):
            break
    assert seen and seen[-1].startswith("apkneed: bench "), f"no measurement before exit: {seen}"
    process.send_signal(signal.SIGINT)
    out, rest = process.communicate(timeout=60)
    return process.returncode, out, "".join(seen) + rest


def test_ctrl_c_prints_what_was_measured_json():
    status, out, err = interrupt_after_first_measurement("--bench", "full", "--json")
    assert status == 130
    assert "Traceback" not in err
    report = json.loads(out)
    assert report["interrupted"] is True and report["exit_status"] == 130
    rows = report["benchmark"]["results"]
    assert rows and report["benchmark"]["complete"] is False
    assert rows[0]["op"] == "dgemm" and rows[0]["gflops"] > 0
    assert report["recommendation"]["text"]


def test_ctrl_c_text_output():
    status, out, err = interrupt_after_first_measurement("--bench", "full")
    assert status == 130
    assert "Traceback" not in err
    assert "Interrupted: the figures above are what was measured before Ctrl-C." in out
    assert "NumPy benchmark (full)" in out and "INCOMPLETE" in out


def test_one_cpu_machine():
    process = apkneed_subprocess("--bench", "quick", "--sizes", "32", "--json",
                                 preexec_fn=lambda: os.sched_setaffinity(0, {0}))
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    report = json.loads(out)
    assert report["cpu"]["usable"] == 1 and report["cpu"]["affinity"] == [0]
    assert {row["threads"] for row in report["benchmark"]["results"]} == {1}
    assert report["libraries"][0]["num_threads"] == 1  # OpenBLAS sees its affinity
    assert not [f for f in report["environment"]["findings"] if f["severity"] == "harmful"]
    assert report["recommendation"]["threads"] == 1
    assert report["cpu"]["peak"]["cores"] == 1


def test_probe_killed_by_a_signal_is_reported_not_raised():
    # SkylakeX kernels use AVX-512: on a CPU without it OpenBLAS dies of
    # SIGILL at the first dgemm. On a CPU with AVX-512 the run completes.
    env = {**clean_environ(), "OPENBLAS_CORETYPE": "SkylakeX"}
    request = {"task": "bench", "threadpoolctl": threadpoolctl_path(),
               "points": [{"op": "dgemm", "n": 256, "threads": 1}], "min_runs": 1, "max_runs": 1, "budget_s": 0}
    run = run_probe(sys.executable, request, env=env)
    has_avx512 = "avx512f" in open("/proc/cpuinfo").read()
    if has_avx512:
        assert run.completed and run.failure() is None
    else:
        assert run.signal_name == "SIGILL"
        assert run.failure() == "crashed with SIGILL"


def test_probe_reports_a_bad_request():
    run = run_probe(sys.executable, {"task": "bench", "threadpoolctl": threadpoolctl_path(), "points": [{"op": "qr", "n": 8}],
                                     "min_runs": 1, "max_runs": 1, "budget_s": 0})
    assert run.error["code"] == "bad-request"
    assert run.failure() == "unknown operation 'qr'"
    assert run.returncode == 3


def test_probe_output_is_one_json_object_per_line():
    completed = subprocess.run([sys.executable, str(PROBE), json.dumps({"task": "clock"})],
                               capture_output=True, text=True, timeout=60)
    lines = [json.loads(line) for line in completed.stdout.splitlines()]
    assert [line["kind"] for line in lines] == ["clock", "fma", "floor", "done"]
