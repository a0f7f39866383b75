"""Bad input to apkneed check: one line `apkneed: error: ...` (or {"error"}), exit 2, never a traceback."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from apkneed.check.dockerfile import MAX_BYTES, read_dockerfile
from apkneed.errors import InputError
from plan_helpers import invoke

CASES = {
    "not-a-dockerfile": (b"hello world\nthis is prose\n", "not a Dockerfile"),
    "empty": (b"", "empty file"),
    "blank": (b"\n \n\t\n", "empty file"),
    "heredoc-never-closed": (b"FROM alpine:3.21\nRUN <<EOF\napk add python3\n", "heredoc"),
    "digest": (b"FROM alpine@sha256:" + b"a" * 64 + b"\n", "digest"),
    "tag-and-digest": (b"FROM python:3.12-alpine@sha256:" + b"b" * 64 + b"\n", "digest"),
    "variable-without-default": (b"ARG BASE\nFROM ${BASE}\nRUN true\n", "has no value"),
    "huge": (b"FROM alpine:3.21\n" + b"RUN true\n" * (10 * 1024 * 1024 // 9), "larger than"),
    "binary": (bytes(range(256)) * 4, "binary"),
    "latin1": (b"FROM alpine:3.21\nLABEL x=\xe9\n", "not UTF-8"),
    "run-before-from": (b"RUN apk add python3\nFROM alpine\n", "before the first FROM"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_dockerfile_is_one_clean_line(case, tmp_path, check_cache):
    data, expected = CASES[case]
    path = tmp_path / "Dockerfile"
    path.write_bytes(data)
    result = invoke(check_cache, "check", str(path), "--offline")
    assert result.exit_code == 2, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("apkneed: error:")]
    assert len(errors) == 1 and expected in errors[0], result.stderr
    assert "Traceback" not in result.output
    as_json = invoke(check_cache, "check", str(path), "--offline", "--json")
    assert as_json.exit_code == 2 and expected in json.loads(as_json.stdout)["error"]


def test_context_without_the_requirements_file(tmp_path, check_cache):
    (tmp_path / "Dockerfile").write_text(
        "FROM python:3.12-alpine3.21\nCOPY requirements.txt /app/\nRUN pip install -r /app/requirements.txt\n"
    )
    result = invoke(check_cache, "check", str(tmp_path / "Dockerfile"), "--offline")
    assert result.exit_code == 2
    assert "has no requirements.txt" in result.stderr and "line 2" in result.stderr


def test_missing_dockerfile_and_bad_options(tmp_path, check_cache):
    assert invoke(check_cache, "check", str(tmp_path / "nope")).exit_code == 2
    (tmp_path / "Dockerfile").write_text("FROM alpine:3.21\n")
    bad_base = invoke(check_cache, "check", str(tmp_path / "Dockerfile"), "--base", "debian:12")
    assert bad_base.exit_code == 2 and "--base" in bad_base.stderr
    bad_arg = invoke(check_cache, "check", str(tmp_path / "Dockerfile"), "--build-arg", "=VALUE")
    assert bad_arg.exit_code == 2 and "--build-arg" in bad_arg.stderr


def test_a_build_arg_without_value_comes_from_the_environment(tmp_path, check_cache, v316_index_path, monkeypatch):
    """As docker build's: --build-arg NAME takes $NAME (it was bad input); unset, the ARG keeps its default."""
    (tmp_path / "Dockerfile").write_text("ARG TAG=3.21\nFROM alpine:${TAG}\nRUN apk add --no-cache python3\n")
    args = ("check", str(tmp_path / "Dockerfile"), "--index", str(v316_index_path), "--arch", "x86_64", "--json")
    monkeypatch.setenv("TAG", "3.16")
    result = invoke(check_cache, *args, "--build-arg", "TAG")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["stages"][0]["image"] == "alpine:3.16"
    monkeypatch.delenv("TAG")
    result = invoke(check_cache, *args, "--build-arg", "TAG")
    assert json.loads(result.stdout)["stages"][0]["image"] == "alpine:3.21"


def test_the_size_cap_is_checked_before_parsing():
    with pytest.raises(InputError, match="larger than"):
        read_dockerfile(b"#" * (MAX_BYTES + 1))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(st.one_of(
    st.binary(max_size=400),
    st.text(alphabet=st.sampled_from(list("FROMRUNARGENVCOPY apkdelpipinstall=${}:-\\\n\"'#@&|;<>\t.-/3")), max_size=300),
    st.builds(lambda a, b: f"FROM alpine:3.21\nRUN {a}\n{b}", st.text(max_size=120), st.text(max_size=80)),
))
@example("\\")
@example("FROM alpine\n\\")
def test_fuzz_the_dockerfile_reader(data):
    """Whatever the bytes: a Dockerfile read, or InputError; the RUN reader never raises either."""
    from apkneed.check.walk import walk_stage

    try:
        parsed = read_dockerfile(data)
    except InputError:
        return
    for stage in parsed.stages:
        walk_stage(stage)


def test_a_never_published_tag_is_an_error_and_the_rest_is_still_checked(tmp_path, check_cache, shared_dir):
    """python:3.12-alpine3.16 was never published (docker-library history): docker pull fails.
    What the tag says (Python 3.12 image, Alpine 3.16) still drives the index-free checks."""
    (tmp_path / "Dockerfile").write_text("FROM python:3.12-alpine3.16\nRUN apk add --no-cache py3-numpy\n")
    index = shared_dir / "alpine/v3.16/main/x86_64/APKINDEX.tar.gz"
    result = invoke(check_cache, "check", str(tmp_path / "Dockerfile"), "--index", str(index), "--arch", "x86_64", "--json")
    report = json.loads(result.stdout)
    found = {(f["line"], f["code"]) for f in report["findings"] if f["severity"] == "error"}
    assert found == {(1, "image-tag-unpublished"), (2, "py3-on-python-image")}
    assert result.exit_code == 1


def test_an_image_apkneed_does_not_know_asks_for_base(tmp_path, check_cache, shared_dir):
    (tmp_path / "Dockerfile").write_text("FROM node:20-alpine\nRUN apk add --no-cache python3 py3-pip\n")
    index = shared_dir / "alpine/v3.21/main/x86_64/APKINDEX.tar.gz"
    result = invoke(check_cache, "check", str(tmp_path / "Dockerfile"), "--index", str(index), "--arch", "x86_64", "--json")
    report = json.loads(result.stdout)
    assert [(f["code"], f["severity"]) for f in report["findings"]] == [("unknown-base", "unknown")]
    assert result.exit_code == 1
    told = invoke(check_cache, "check", str(tmp_path / "Dockerfile"), "--index", str(index), "--arch", "x86_64",
                  "--json", "--base", "alpine:3.21")
    assert told.exit_code == 0, told.stdout
    assert json.loads(told.stdout)["stages"][0]["target"].startswith("Alpine v3.21 x86_64, Python 3.12")
    # --base python:alpine3.21 is Docker's tag: the Python it is (published-tag data), not apk's python3
    floating = invoke(check_cache, "check", str(tmp_path / "Dockerfile"), "--index", str(index), "--arch", "x86_64",
                      "--json", "--base", "python:alpine3.21")
    from apkneed.plan.published_tags import load_published_tags

    meaning = [m.python for m in load_published_tags().python_floating["alpine3.21"] if m.python][-1]
    assert meaning != "3.12"
    assert json.loads(floating.stdout)["stages"][0]["target"].startswith(f"Alpine v3.21 x86_64, Python {meaning}")


def test_base_python_without_a_release_is_the_python_plan_names(tmp_path, check_cache, shared_dir):
    """--base python (no X.Y) where the release is known (here from --index) is the Python Docker's
    python:alpineR runs, as `plan --base python` says; check said 'which Python this tag runs is
    not known' and planned nothing."""
    (tmp_path / "Dockerfile").write_text("FROM mycorp/pybase:1\nRUN pip install six==1.17.0\n")
    index = shared_dir / "alpine/v3.21/main/x86_64/APKINDEX.tar.gz"
    where = ("--index", str(index), "--arch", "x86_64", "--json")
    checked = invoke(check_cache, "check", str(tmp_path / "Dockerfile"), *where, "--base", "python")
    planned = invoke(check_cache, "plan", "six==1.17.0", *where, "--base", "python")
    python = json.loads(planned.stdout)["target"]["python"]
    assert python != "3.12"  # apk's python3 on v3.21: not what python:alpine3.21 runs
    report = json.loads(checked.stdout)
    assert report["stages"][0]["target"].startswith(f"Alpine v3.21 x86_64, Python {python} (/usr/local)")
    assert [f["code"] for f in report["findings"] if f["code"] == "plan-unknown"] == []
    assert checked.exit_code == 0, checked.stdout


def test_a_directory_is_read_as_docker_build_reads_it(tmp_path, check_cache, v316_index_path):
    """`apkneed check .` (as `docker build .`): DIR/Dockerfile, with DIR the build context; it was
    'is a directory' (exit 2). A directory without a Dockerfile stays bad input, naming what is missing."""
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "Dockerfile").write_text("FROM python:3.10-alpine3.16\nRUN apk add --no-cache py3-yaml\n")
    args = ("--index", str(v316_index_path), "--arch", "x86_64", "--json")
    result = invoke(check_cache, "check", str(tmp_path / "app"), *args)
    assert result.exit_code == 1, result.output  # py3-* on a python: image: the file was read
    assert json.loads(result.stdout)["dockerfile"] == str(tmp_path / "app" / "Dockerfile")
    empty = invoke(check_cache, "check", str(tmp_path), *args)
    assert empty.exit_code == 2 and "no Dockerfile in" in empty.stderr
