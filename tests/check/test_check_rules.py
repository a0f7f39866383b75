"""The rules of apkneed check on small Dockerfiles, against the real v3.16 index and real PyPI files.

psycopg2 2.9.13 publishes no Linux wheel: pip builds it against libpq-dev and
it needs libpq at run time (tests/plan/test_plan_scientific.py reads that from
the sdist and the cited build knowledge). On v3.16 ``postgresql-dev`` is a
name provided by postgresql14-dev, whose dependencies hold libpq-dev and so
libpq: deleting the build group takes libpq with it.
"""

from __future__ import annotations

import pytest
from check_helpers import codes

PY = "FROM python:3.10-alpine3.16\n"


def test_libpq_deleted_with_the_build_group(check_text):
    status, report, _ = check_text(PY + (
        "RUN apk add --no-cache --virtual .build-deps gcc musl-dev postgresql-dev \\\n"
        " && pip install --no-cache-dir psycopg2==2.9.13 \\\n"
        " && apk del .build-deps\n"
    ))
    assert status == 1
    assert codes(report) == [(2, "error", "runtime-library-missing")]
    (finding,) = [f for f in report["findings"] if f["code"] == "runtime-library-missing"]
    assert finding["message"].startswith("libpq is needed at run time (psycopg2)") and "after apk del" in finding["message"]


def test_libpq_kept_is_fine(check_text):
    status, report, _ = check_text(PY + (
        "RUN apk add --no-cache libpq \\\n"
        " && apk add --no-cache --virtual .build-deps gcc musl-dev libpq-dev \\\n"
        " && pip install --no-cache-dir psycopg2==2.9.13 \\\n"
        " && apk del .build-deps\n"
    ))
    assert (status, codes(report)) == (0, [])


def test_multi_stage_venv_copied_without_libpq(check_text):
    builder = (
        "FROM python:3.10-alpine3.16 AS build\n"
        "RUN apk add --no-cache build-base libpq-dev\n"
        "RUN python -m venv /venv\n"
        "ENV PATH=/venv/bin:$PATH\n"
        "RUN pip install --no-cache-dir psycopg2==2.9.13\n"
    )
    status, report, _ = check_text(builder + "FROM python:3.10-alpine3.16\nCOPY --from=build /venv /venv\n")
    assert status == 1
    assert codes(report) == [(7, "error", "runtime-library-missing")]
    status, report, _ = check_text(
        builder + "FROM python:3.10-alpine3.16\nRUN apk add --no-cache libpq gcc\nCOPY --from=build /venv /venv\n"
    )
    assert status == 0
    assert codes(report) == [(7, "warning", "dev-in-final-stage")]


def test_py3_packages_on_a_python_image_and_no_binary(check_text):
    status, report, _ = check_text(PY + (
        "RUN apk add --no-cache py3-yaml\n"
        "RUN pip install --no-cache-dir --no-binary pyyaml pyyaml==6.0.3\n"
    ))
    assert status == 1
    assert codes(report) == [(2, "error", "py3-on-python-image"), (3, "warning", "avoidable-source-build")]


def test_names_the_release_does_not_have_get_their_replacements(tmp_path, run_check, v321_indexes):
    (tmp_path / "Dockerfile").write_text("FROM alpine:3.21\nRUN apk add --no-cache python-dev py-numpy\n")
    status, report, _ = run_check(tmp_path / "Dockerfile", *v321_indexes)
    assert status == 1
    found = sorted(f["message"] for f in report["findings"] if f["code"] == "apk-no-such-package")
    assert len(found) == 2
    assert found[0].startswith("apk add py-numpy:") and found[0].endswith("; use py3-numpy")
    assert found[1].startswith("apk add python-dev:") and found[1].endswith("; use python3-dev")


def test_arg_env_and_stage_names_are_followed(check_text):
    status, report, _ = check_text(
        "ARG PY=3.10\nARG ALPINE=3.16\nFROM python:${PY}-alpine${ALPINE} AS base\n"
        "ENV BUILD=\"gcc musl-dev\"\n"
        "FROM base\nRUN apk add --no-cache $BUILD && pip install --no-cache-dir pyyaml==6.0.3\n"
    )
    assert [s["image"] for s in report["stages"]] == ["python:3.10-alpine3.16", "base"]
    assert codes(report) == [(6, "warning", "unneeded-package")]
    assert status == 0


def test_not_understood_is_reported_never_guessed(check_text):
    status, report, _ = check_text(PY + "RUN for p in numpy pandas; do pip install $p; done\n")
    assert status == 0
    (finding,) = [f for f in report["findings"] if f["code"] == "not-understood"]
    assert finding["line"] == 2 and finding["severity"] == "info" and "$p" in finding["message"]


def test_names_from_a_repository_apkneed_has_not_loaded_are_not_called_missing(tmp_path, run_check, v321_indexes):
    (tmp_path / "Dockerfile").write_text(
        "FROM alpine:3.21\n"
        "RUN apk add --no-cache -X https://dl-cdn.alpinelinux.org/alpine/edge/testing py3-notinrelease\n"
        "RUN echo https://dl-cdn.alpinelinux.org/alpine/edge/testing >> /etc/apk/repositories\n"
        "RUN apk add --no-cache another-testing-only\n"
    )
    status, report, _ = run_check(tmp_path / "Dockerfile", *v321_indexes)
    assert status == 0
    assert sorted((f["line"], f["code"]) for f in report["findings"]) == [
        (2, "apk-name-unchecked"), (4, "apk-name-unchecked"),
    ]


@pytest.mark.network
@pytest.mark.parametrize(("workdir", "copy", "requirements"), [
    ("WORKDIR /app", "COPY requirements.txt .", "requirements.txt"),
    ("WORKDIR /app", "COPY requirements.txt /app", "requirements.txt"),
    ("WORKDIR /app", "COPY requirements.txt ./", "requirements.txt"),
    # directories of every Alpine image (alpine-baselayout makes them)
    ("ENV A=1", "COPY requirements.txt /tmp", "/tmp/requirements.txt"),
    ("ENV A=1", "COPY requirements.txt /opt", "/opt/requirements.txt"),
])
def test_requirements_copied_into_a_directory_are_planned(tmp_path, run_check, v316_index_path, workdir, copy,
                                                          requirements):
    """``WORKDIR /app`` then ``COPY requirements.txt .`` (or ``/app``, the directory WORKDIR made),
    or ``COPY requirements.txt /tmp`` (a directory of the base image) puts the file in that
    directory, as docker build does: its pins are planned, and psycopg2 built without libpq in the
    final stage is found (it was 'not planned', exit 0)."""
    (tmp_path / "requirements.txt").write_text("psycopg2==2.9.13\n")
    (tmp_path / "Dockerfile").write_text(
        "FROM python:3.10-alpine3.16 AS build\n"
        f"{workdir}\n"
        f"{copy}\n"
        "RUN apk add --no-cache build-base libpq-dev\n"
        f"RUN pip install --prefix=/install -r {requirements}\n"
        "FROM python:3.10-alpine3.16\n"
        "COPY --from=build /install /usr/local\n"
    )
    status, report, _ = run_check(tmp_path / "Dockerfile", "--index", str(v316_index_path), "--arch", "x86_64")
    assert not [f for f in report["findings"] if f["code"] == "not-planned"]
    assert codes(report) == [(7, "error", "runtime-library-missing")]
    assert status == 1


@pytest.mark.network
def test_pip_on_an_alpine_stage_without_python3(tmp_path, run_check, v321_indexes):
    """Plain alpine has no Python at all: the error says that (not "python3 ships without pip"),
    and no PEP 668 error is made about an interpreter that is not there."""
    (tmp_path / "Dockerfile").write_text("FROM alpine:3.21\nRUN pip install requests==2.32.3\n")
    status, report, _ = run_check(tmp_path / "Dockerfile", *v321_indexes)
    assert status == 1
    assert codes(report) == [(2, "error", "pip-missing"), (2, "error", "runtime-library-missing")]
    (finding,) = [f for f in report["findings"] if f["code"] == "pip-missing"]
    assert finding["message"].startswith("pip: no Python in this image: no python3 in the apk world here")
    (tmp_path / "Dockerfile").write_text("FROM alpine:3.21\nRUN apk add --no-cache python3\nRUN pip install requests==2.32.3\n")
    _, report, _ = run_check(tmp_path / "Dockerfile", *v321_indexes)
    assert codes(report) == [(3, "error", "pep668"), (3, "error", "pip-missing")]


def test_a_copy_source_from_an_arg_without_value_is_named(check_text):
    """COPY $REQS with no value for REQS: the variable is named (info), the -r file is not planned;
    it was bad input saying 'the build context has no .'."""
    status, report, result = check_text(PY + "ARG REQS\nCOPY $REQS /app/requirements.txt\nRUN pip install -r /app/requirements.txt\n")
    assert status == 0, result.output
    found = [(f["line"], f["code"], f["message"]) for f in report["findings"] if f["severity"] == "info"]
    assert (3, "not-understood", "COPY: $REQS has no value here") in found
    assert [line for line, code, _ in found if code == "not-planned"] == [4]


@pytest.mark.network
def test_uv_system_install_on_an_externally_managed_python_is_worded_for_uv(tmp_path, run_check, v321_indexes):
    (tmp_path / "Dockerfile").write_text(
        "FROM alpine:3.21\nRUN apk add --no-cache python3\nCOPY --from=ghcr.io/astral-sh/uv:0.9 /uv /bin/uv\n"
        "RUN uv pip install --system six==1.17.0\n")
    status, report, _ = run_check(tmp_path / "Dockerfile", *v321_indexes)
    assert status == 1 and codes(report) == [(4, "error", "pep668")]
    (finding,) = [f for f in report["findings"] if f["code"] == "pep668"]
    assert finding["message"].startswith("uv pip install --system into apk's python3: Alpine v3.21 marks it")
    assert "uv refuses" in finding["message"] and "pip refuses" not in finding["message"]


def test_ok_says_what_was_not_checked(tmp_path, check_cache, v316_index_path):
    """A verdict of OK must not read as 'all checked' when a pip install was not planned or a line
    not understood: the last line says what was left out (the exit status stays 0)."""
    from plan_helpers import invoke

    (tmp_path / "Dockerfile").write_text(PY + "RUN pip install -r /nowhere/requirements.txt\nRUN for p in a b; do apk add $p; done\n")
    result = invoke(check_cache, "check", str(tmp_path / "Dockerfile"), "--index", str(v316_index_path), "--arch", "x86_64")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == "OK: 2 info; not checked: 1 line not understood, 1 pip install not planned"


@pytest.mark.network
def test_the_suggested_plan_command_names_the_stage_own_image_and_arch(tmp_path, run_check, v317_index_path):
    """An arm64 stage on python:3.12-alpine3.21 checked with the v3.17 aarch64 index: the suggested
    `apkneed plan` says --base python:3.12-alpine3.21 --arch aarch64 (it said alpine3.17 and no
    --arch, which plans another image for the machine it runs on). The arch is named whatever
    machine runs the check, so this holds on an aarch64 runner too."""
    (tmp_path / "Dockerfile").write_text(
        "FROM --platform=linux/arm64 python:3.12-alpine3.21\nRUN pip install numpy==2.2.6\n")
    status, report, result = run_check(tmp_path / "Dockerfile", "--index", str(v317_index_path), "--arch", "aarch64")
    assert status == 0, result.output
    (suggestion,) = [f for f in report["findings"] if f["code"] == "suggestion"]
    command = next(e for e in suggestion["evidence"] if e.startswith("apkneed plan "))
    assert " --base python:3.12-alpine3.21 --arch aarch64 --format dockerfile" in command


def test_an_editable_line_of_a_requirements_file_is_set_aside_the_rest_is_checked(tmp_path, run_check, v316_index_path):
    """requirements.txt with '-e .' (common: the app itself): that line is reported as not planned (info)
    and the rest of the Dockerfile is checked; the whole check was bad input (exit 2)."""
    (tmp_path / "requirements.txt").write_text("six==1.17.0\n-e .\n")
    (tmp_path / "Dockerfile").write_text(
        PY + "WORKDIR /app\nCOPY . .\nRUN apk add --no-cache py3-yaml\nRUN pip install -r requirements.txt\n")
    status, report, result = run_check(tmp_path / "Dockerfile", "--index", str(v316_index_path), "--arch", "x86_64")
    assert status == 1, result.output  # py3-* on a python: image is still found
    assert codes(report) == [(4, "error", "py3-on-python-image")]
    (info,) = [f for f in report["findings"] if f["code"] == "not-planned"]
    assert info["line"] == 5 and "editable installs cannot be planned" in info["message"]


@pytest.mark.network
def test_wheels_built_in_a_builder_and_installed_from_find_links_are_not_built_again(tmp_path, run_check, v316_index_path):
    """`pip wheel -w /wheels` in a builder, then `pip install --no-index --find-links=/wheels` in the
    final stage: pip installs the built wheel, no compiler is needed there (it said 'no C compiler, the
    build fails'); libpq is still missing at run time."""
    (tmp_path / "requirements.txt").write_text("psycopg2==2.9.13\n")
    (tmp_path / "Dockerfile").write_text(
        "FROM python:3.10-alpine3.16 AS builder\nRUN apk add --no-cache build-base postgresql-dev\n"
        "COPY requirements.txt .\nRUN pip wheel --no-cache-dir --wheel-dir /wheels -r requirements.txt\n"
        "FROM python:3.10-alpine3.16\nCOPY --from=builder /wheels /wheels\nCOPY requirements.txt .\n"
        "RUN pip install --no-cache-dir --no-index --find-links=/wheels -r requirements.txt\n")
    status, report, result = run_check(tmp_path / "Dockerfile", "--index", str(v316_index_path), "--arch", "x86_64")
    assert status == 1, result.output
    assert codes(report) == [(8, "error", "runtime-library-missing")]
    (info,) = [f for f in report["findings"] if f["code"] == "not-planned"]
    assert "--find-links" in info["message"] and "psycopg2" in info["message"]


@pytest.mark.parametrize("installer", ["poetry install --no-root", "pipenv install --deploy --system",
                                       "pdm install --prod"])
def test_project_installers_are_reported_not_planned(check_text, installer):
    """uv sync, poetry/pipenv/pdm install install a project's locked dependencies: not planned, and said
    so (they were passed over in silence and the verdict read 'OK: no findings')."""
    status, report, _ = check_text(PY + f"RUN {installer}\n")
    assert status == 0
    found = [(f["line"], f["code"]) for f in report["findings"]]
    assert found == [(2, "not-understood")], found


def test_pip_wheel_is_reported_not_planned(check_text):
    """pip wheel builds (a builder stage's usual step) without installing: what the build needs is not
    planned, and said so (it was passed over: 'nothing to report')."""
    status, report, _ = check_text(PY + "RUN pip wheel --wheel-dir /wheels psycopg2==2.9.13\n")
    assert status == 0
    assert [(f["line"], f["code"]) for f in report["findings"]] == [(2, "not-understood")]


def test_the_plannable_lines_of_a_requirements_file_with_an_editable_line_are_planned(tmp_path, run_check,
                                                                                      v316_index_path):
    """requirements.txt ending in '-e .' (the app itself): pip installs every line, so the other lines
    are planned and checked (psycopg2 built without libpq in the final stage is found); only the
    editable line is reported as not planned. The whole file was 'not planned' (exit 0)."""
    (tmp_path / "requirements.txt").write_text("psycopg2==2.9.13\n-e .\n")
    (tmp_path / "Dockerfile").write_text(
        "FROM python:3.10-alpine3.16 AS build\n"
        "WORKDIR /app\n"
        "COPY . .\n"
        "RUN apk add --no-cache build-base libpq-dev\n"
        "RUN pip install --prefix=/install -r requirements.txt\n"
        "FROM python:3.10-alpine3.16\n"
        "COPY --from=build /install /usr/local\n"
    )
    status, report, result = run_check(tmp_path / "Dockerfile", "--index", str(v316_index_path), "--arch", "x86_64")
    assert codes(report) == [(7, "error", "runtime-library-missing")]
    (info,) = [f for f in report["findings"] if f["code"] == "not-planned"]
    assert info["line"] == 5 and "requirements.txt:2" in info["message"] and "-e ." in info["message"]
    assert status == 1, result.output


@pytest.mark.parametrize("venv_flags, unseen", [("", True), (" --system-site-packages", False)])
def test_py3_package_a_venv_does_not_see(tmp_path, run_check, v321_indexes, venv_flags, unseen):
    """apk add py3-numpy, then pip install numpy in a venv made without --system-site-packages: the
    venv's Python does not look where apk put numpy, pip installs it again, py3-numpy is unused."""
    (tmp_path / "Dockerfile").write_text(
        "FROM alpine:3.21\n"
        "RUN apk add --no-cache python3 py3-numpy\n"
        f"RUN python3 -m venv{venv_flags} /opt/venv\n"
        "RUN /opt/venv/bin/pip install numpy==2.2.6\n"
    )
    status, report, result = run_check(tmp_path / "Dockerfile", *v321_indexes)
    assert status in (0, 1), result.output
    found = [f for f in report["findings"] if f["code"] == "py3-unseen-in-venv"]
    if unseen:
        (finding,) = found
        assert (finding["line"], finding["severity"]) == (4, "warning")
        assert "without --system-site-packages" in finding["message"] and "py3-numpy" in finding["message"]
        assert "apk add py3-numpy at line 2" in finding["evidence"]
    else:
        assert found == []


@pytest.mark.parametrize("venv_flags, requirement, satisfied", [
    (" --system-site-packages", "numpy", True),  # pip sees apk's numpy: 'Requirement already satisfied'
    (" --system-site-packages", "numpy==2.2.6", False),  # v3.21's py3-numpy is another version: pip installs it
    ("", "numpy", False),  # the venv does not see apk's numpy at all
])
def test_a_requirement_apk_already_meets_where_pip_sees_it(tmp_path, run_check, v321_indexes, venv_flags,
                                                             requirement, satisfied):
    (tmp_path / "Dockerfile").write_text(
        "FROM alpine:3.21\n"
        "RUN apk add --no-cache python3 py3-numpy\n"
        f"RUN python3 -m venv{venv_flags} /opt/venv\n"
        f"RUN /opt/venv/bin/pip install {requirement}\n"
    )
    status, report, result = run_check(tmp_path / "Dockerfile", *v321_indexes)
    assert status == 0, result.output
    found = [f for f in report["findings"] if f["code"] == "satisfied-by-apk"]
    planned = [f for f in report["findings"] if f["code"] == "suggestion"]
    if satisfied:
        (finding,) = found
        assert finding["line"] == 4 and "Alpine's py3-numpy-" in finding["message"]
        assert planned == []  # nothing left for pip to install, nothing planned
    else:
        assert found == [] and planned


@pytest.mark.parametrize("venv_flags, requirement, code", [
    ("", "numpy==2.2.6", "py3-unseen-in-venv"),  # the venv does not see apk's numpy: installed again
    (" --system-site-packages", "numpy", "satisfied-by-apk"),  # pip sees it: 'Requirement already satisfied'
    (" --system-site-packages", "numpy==2.2.6", None),  # another version than v3.21's: pip installs it
])
def test_py3_findings_read_the_requirements_file_pip_installs(tmp_path, run_check, v321_indexes, venv_flags,
                                                              requirement, code):
    """py3-unseen-in-venv and satisfied-by-apk looked only at the pip command line: the same numpy
    in a -r file the stage plans was neither warned about nor left out of the plan."""
    (tmp_path / "requirements.txt").write_text(f"{requirement}\n")
    (tmp_path / "Dockerfile").write_text(
        "FROM alpine:3.21\n"
        "RUN apk add --no-cache python3 py3-numpy\n"
        f"RUN python3 -m venv{venv_flags} /opt/venv\n"
        "COPY requirements.txt /app/requirements.txt\n"
        "RUN /opt/venv/bin/pip install -r /app/requirements.txt\n"
    )
    status, report, result = run_check(tmp_path / "Dockerfile", *v321_indexes)
    assert status == 0, result.output
    found = [f for f in report["findings"] if f["code"] in ("py3-unseen-in-venv", "satisfied-by-apk")]
    planned = [f for f in report["findings"] if f["code"] == "suggestion"]
    assert [(f["line"], f["code"]) for f in found] == ([(5, code)] if code else [])
    if code:
        assert f"-r /app/requirements.txt: {requirement}" in found[0]["message"]
    assert bool(planned) == (code != "satisfied-by-apk")  # apk's numpy meets it: nothing left to plan


@pytest.mark.parametrize("runs, kept", [
    ("RUN apk update\nRUN apk add --no-cache libpq\n", [2]),  # its own RUN: the indexes stay in that layer
    ("RUN apk update && apk add --no-cache libpq\n", [2]),  # --no-cache does not remove what update wrote
    ("RUN apk update && apk add --no-cache libpq && rm -rf /var/cache/apk/*\n", []),
    ("RUN apk add --no-cache libpq\n", []),
])
def test_apk_update_that_keeps_the_index_is_info(check_text, runs, kept):
    status, report, _ = check_text(PY + runs)
    assert [f["line"] for f in report["findings"] if f["code"] == "apk-update-kept"] == kept
    assert all(f["severity"] == "info" for f in report["findings"] if f["code"] == "apk-update-kept")
    assert status == 0


@pytest.mark.parametrize("pip_args, file_text, refused", [
    ("--require-hashes -r /app/requirements.txt", "six==1.17.0\n", "requirements.txt:1: six==1.17.0"),
    ("-r /app/requirements.txt", "--require-hashes\nsix==1.17.0\n", "requirements.txt:2: six==1.17.0"),
    ("--require-hashes six==1.17.0", "", "pip install six==1.17.0"),  # no --hash on a command line
    ("-r /app/requirements.txt", "six==1.17.0\n", None),  # no hash-checking mode: installed as asked
    ("--require-hashes -r /app/requirements.txt", "six==1.17.0 --hash=sha256:{six}\n", None),
])
def test_pip_hash_checking_mode_without_hashes_is_refused(check_text, check_cache, tmp_path, pip_args, file_text,
                                                          refused):
    """pip install --require-hashes (or a -r file with it) refuses a requirement without == and a --hash."""
    from apkneed.python.pypi import PyPIClient
    from plan_helpers import PYPI

    if "{six}" in file_text:
        client = PyPIClient(PYPI, cache_root=check_cache / "pypi", max_age=86400)
        six = next(f for f in client.files("six", "1.17.0") if f.filename.endswith(".whl"))
        file_text = file_text.format(six=six.sha256)
    (tmp_path / "requirements.txt").write_text(file_text)
    status, report, _ = check_text(PY + f"COPY requirements.txt /app/requirements.txt\nRUN pip install {pip_args}\n")
    found = [f for f in report["findings"] if f["code"] == "pip-hash-mode"]
    if refused is None:
        assert found == [] and status == 0
    else:
        (finding,) = found
        assert (finding["line"], finding["severity"], status) == (3, "error", 1)
        assert refused in finding["message"] and "hash-checking mode" in finding["message"]
