"""The seed article's three Dockerfiles on alpine:3.21, checked against the real v3.21 indexes.

Each expected finding is a fact about those indexes and PyPI files:
apk's python3 on v3.21 has no pip (py3-pip is its own package) and is
EXTERNALLY-MANAGED; NumPy's musllinux wheel vendors its OpenBLAS (plan tests
read its ELF files), so openblas-dev serves nothing; NumPy's sdist has had
no setup.py since it moved to meson-python.

Divergences from the issue text, each read from the v3.21 index: it lists
build-base and pkgconf as missing for example 3, but the file's ``g++``
depends on ``gcc`` and ``musl-dev`` (a complete C/C++ toolchain: build-base
adds only make, patch, file and fortify-headers, and make is in the file),
and its ``openblas-dev`` depends on ``pkgconfig``, which pkgconf provides. So
the meson build is not short of a compiler or pkg-config; the two errors stand.
"""

from __future__ import annotations

from check_helpers import DATA, codes

SEED = DATA / "seed"


def test_pip3_on_apk_python(run_check, v321_indexes):
    status, report, _ = run_check(SEED / "1-pip3-numpy.Dockerfile", *v321_indexes)
    assert status == 1
    assert codes(report) == [(4, "error", "pep668"), (4, "error", "pip-missing")]
    suggestion = next(f for f in report["findings"] if f["code"] == "suggestion")
    # the correct advice: a venv, and the wheel needs nothing but python3 from apk
    assert "RUN apk add --no-cache python3;" in suggestion["message"]
    assert "venv" in suggestion["message"]


def test_openblas_dev_is_unneeded_for_the_wheel(run_check, v321_indexes):
    status, report, _ = run_check(SEED / "2-openblas-dev.Dockerfile", *v321_indexes)
    assert status == 1
    assert codes(report) == [(3, "warning", "unneeded-package"), (4, "error", "pep668"), (4, "error", "pip-missing")]
    unneeded = next(f for f in report["findings"] if f["code"] == "unneeded-package")
    assert unneeded["message"].startswith("openblas-dev:")
    assert any("musllinux" in e and e.startswith("numpy") for e in unneeded["evidence"])


def test_setup_py_of_a_meson_project(run_check, v321_indexes):
    status, report, _ = run_check(SEED / "3-setup-py.Dockerfile", *v321_indexes)
    assert status == 1
    assert codes(report) == [(4, "error", "git-missing"), (6, "error", "setup-py-missing")]
    setup = next(f for f in report["findings"] if f["code"] == "setup-py-missing")
    assert "mesonpy" in setup["message"] and "no setup.py" in setup["message"]
    assert any(e.startswith("numpy-") and e.split(":")[0].endswith(".tar.gz") for e in setup["evidence"])


def test_a_build_without_a_compiler_is_an_error(tmp_path, run_check, v321_indexes):
    """Example 3 without g++ (git added): gcc still comes with openblas-dev's gfortran, but NumPy's
    C++ sources have no C++ compiler, so the build fails."""
    text = (SEED / "3-setup-py.Dockerfile").read_text().replace(" g++ make", " git")
    (tmp_path / "Dockerfile").write_text(text)
    status, report, _ = run_check(tmp_path / "Dockerfile", *v321_indexes)
    assert status == 1
    assert codes(report) == [(6, "error", "build-packages-missing"), (6, "error", "setup-py-missing")]
    missing = next(f for f in report["findings"] if f["code"] == "build-packages-missing")
    assert "needs build-base," in missing["message"] and "no C++ compiler" in missing["message"]


def test_text_output_groups_by_stage_with_lines(check_cache, v321_indexes):
    from plan_helpers import invoke

    result = invoke(check_cache, "check", str(SEED / "1-pip3-numpy.Dockerfile"), *v321_indexes)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].endswith("FROM alpine:3.21  (stage 0: Alpine v3.21 x86_64, Python 3.12 (apk python3))")
    assert any(line.split()[:3] == ["4", "error", "pip-missing:"] for line in lines)
    assert lines[-1].startswith("FAIL: 2 errors")
