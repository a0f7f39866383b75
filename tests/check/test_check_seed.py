"""The seed article's three Dockerfiles on alpine:3.21, checked against the real v3.21 indexes.

Each expected finding is a fact about those indexes and PyPI files:
apk's python3 on v3.21 has no pip (py3-pip is its own package) and is
EXTERNALLY-MANAGED; NumPy's musllinux wheel vendors its OpenBLAS (plan tests
read its ELF files), so openblas-dev serves nothing; NumPy's sdist has had
no setup.py since it moved to meson-python.

One divergence from the issue text, from the index: it lists pkgconf as
missing for example 3, but v3.21's openblas-dev depends on ``pkgconfig``
(pkgconf provides it), so pkgconf IS installed there; only build-base is
missing (g++ and make are in the file, not build-base's fortify-headers,
patch and libc-dev).
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
    assert codes(report) == [
        (4, "error", "git-missing"), (6, "error", "setup-py-missing"), (6, "warning", "build-packages-missing"),
    ]
    setup = next(f for f in report["findings"] if f["code"] == "setup-py-missing")
    assert "mesonpy" in setup["message"]
    missing = next(f for f in report["findings"] if f["code"] == "build-packages-missing")
    assert "needs build-base," in missing["message"]
    assert "pkgconf" not in missing["message"]  # openblas-dev pulls it in on v3.21 (module docstring)


def test_text_output_groups_by_stage_with_lines(check_cache, v321_indexes):
    from plan_helpers import invoke

    result = invoke(check_cache, "check", str(SEED / "1-pip3-numpy.Dockerfile"), *v321_indexes)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].endswith("FROM alpine:3.21  (stage 0: Alpine v3.21 x86_64, Python 3.12 (apk python3))")
    assert any(line.split()[:3] == ["4", "error", "pip-missing:"] for line in lines)
    assert lines[-1].startswith("FAIL: 2 errors")
