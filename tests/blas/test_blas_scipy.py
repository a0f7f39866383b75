"""SciPy's own BLAS, detected next to NumPy's, in a real environment that has
both (built once from PyPI into the test cache, then reused)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.network  # numpy and scipy come from PyPI once, then from the test cache


@pytest.fixture(scope="module")
def scipy_python(test_cache_dir: Path) -> Path:
    venv = test_cache_dir / "blas-scipy-venv"
    python = venv / "bin" / "python"
    ready = venv / ".apkneed-ready"
    if not ready.exists():
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", "--only-binary",
                        ":all:", "numpy", "scipy"], check=True, timeout=600)
        ready.write_text("numpy and scipy installed\n")
    return python


def test_scipy_wheel_brings_its_own_lp64_openblas(scipy_python):
    truth = json.loads(subprocess.run(
        [str(scipy_python), "-c",
         "import json, scipy; "
         "c = scipy.show_config(mode='dicts')['Build Dependencies']['blas']; "
         "print(json.dumps({'version': c['version'], 'config': c.get('openblas configuration', '')}))"],
        capture_output=True, text=True, check=True).stdout)
    done = subprocess.run(
        [sys.executable, "-c", "from apkneed.cli import main; main()", "blas", "--python", str(scipy_python),
         "--json"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["scipy"]["build"]["blas"]["version"] == truth["version"]
    by_user = {tuple(lib["used_by"]): lib for lib in report["libraries"]}
    scipy_lib = by_user[("scipy",)]
    assert scipy_lib["vendor"] == "scipy-openblas"
    assert scipy_lib["version"] == truth["version"]
    assert scipy_lib["int_model"] == ("ILP64" if "USE64BITINT" in truth["config"] else "LP64")
    assert scipy_lib["origin"]["kind"] == "wheel" and scipy_lib["origin"]["package"] == "scipy"
    assert by_user[("numpy",)]["origin"]["package"] == "numpy"
