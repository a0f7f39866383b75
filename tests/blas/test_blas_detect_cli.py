"""``apkneed blas`` on this interpreter: what NumPy runs on, checked against
NumPy's own build configuration and threadpoolctl asked directly."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy
import pytest
from blas_helpers import clean_environ


def numpy_blas_truth() -> dict:
    """threadpoolctl asked directly, in a process with no BLAS variable set
    (as the cli fixture runs apkneed)."""
    code = ("import json, numpy; from threadpoolctl import threadpool_info; "
            "print(json.dumps([i for i in threadpool_info() if i['user_api'] == 'blas'][0]))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=clean_environ(),
                          check=True)
    return json.loads(done.stdout)


def test_detects_numpy_wheel_as_scipy_openblas(cli):
    status, report, _, _ = cli("--json")
    assert status == 0
    truth = numpy_blas_truth()
    config = numpy.show_config(mode="dicts")["Build Dependencies"]["blas"]
    libraries = report["libraries"]
    assert len(libraries) == 1
    lib = libraries[0]
    assert os.path.realpath(lib["path"]) == os.path.realpath(truth["filepath"])
    assert lib["vendor"] == "scipy-openblas" and lib["vendor_name"] == "scipy-openblas"
    assert lib["version"] == truth["version"] == config["version"]
    assert lib["threading_layer"] == truth["threading_layer"]
    assert lib["num_threads"] == truth["num_threads"]
    assert lib["corename"] == truth["architecture"]
    assert lib["int_model"] == ("ILP64" if "USE64BITINT" in config["openblas configuration"] else "LP64")
    assert lib["provides"] == ["BLAS", "LAPACK"]
    assert lib["origin"] == {"kind": "wheel", "package": "numpy", "manager": "pip",
                             "description": "bundled in the numpy wheel"}
    assert lib["used_by"] == ["numpy"]
    assert report["numpy"]["version"] == numpy.__version__
    assert report["numpy"]["build"]["blas"]["name"] == config["name"]
    assert report["cpu"]["usable"] == len(os.sched_getaffinity(0))
    assert "No BLAS apk package is needed" in report["recommendation"]["text"]


def test_text_output_shows_the_same_library(cli):
    status, _, out, _ = cli()
    assert status == 0
    truth = numpy_blas_truth()
    assert "scipy-openblas" in out and truth["version"] in out
    assert "bundled in the numpy wheel" in out
    assert "Recommendation:" in out
    assert "Peak estimate:" in out


@pytest.fixture(scope="module")
def bare_python(tmp_path_factory) -> Path:
    """The interpreter of a fresh venv without NumPy (made once for the module)."""
    venv = tmp_path_factory.mktemp("bare")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    return venv / "bin" / "python"


def test_python_without_numpy_is_a_clear_error(bare_python):
    python = bare_python
    result = subprocess.run(
        [sys.executable, "-c", "from apkneed.cli import main; main()", "blas", "--python", str(python)],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 1
    assert "NumPy is not installed" in result.stderr and str(python) in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_python_without_numpy_json(bare_python, cli):
    status, report, _, _ = cli("--python", str(bare_python), "--json")
    assert status == 1
    assert "NumPy is not installed" in report["error"]


def test_python_that_does_not_exist(cli, tmp_path):
    status, _, _, err = cli("--python", str(tmp_path / "nope"))
    assert status == 2
    assert "no such file" in err


def test_python_that_is_not_an_interpreter(cli, tmp_path):
    not_python = tmp_path / "script"
    not_python.write_text("#!/bin/sh\nexit 7\n")
    not_python.chmod(0o755)
    status, _, _, err = cli("--python", str(not_python))
    assert status == 3
    assert "the probe failed" in err and "status 7" in err


def test_bad_sizes(cli):
    status, _, _, err = cli("--bench", "quick", "--sizes", "12,abc")
    assert status == 2 and "--sizes" in err
