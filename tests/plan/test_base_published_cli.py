"""``--base`` and ``--python`` must name Docker images that were published; Dockerfiles say their platform.

Through the real command group, on the shared indexes. The published tags are
the shipped data (docker-library/official-images history); see
test_published_tags.py for the data itself.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from apkneed.plan.published_tags import image_identity, load_published_tags
from plan_helpers import dockerfile_stages, invoke

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def v316(v316_index_path):
    return ["--index", v316_index_path, "--arch", "x86_64"]


@pytest.fixture(scope="module")
def v317_aarch64(v317_index_path):
    return ["--index", v317_index_path, "--arch", "aarch64"]


def _one_error_line(result) -> str:
    errors = [line for line in result.stderr.splitlines() if line.startswith("apkneed: error:")]
    assert len(errors) == 1, result.stderr
    assert "Traceback" not in result.output + result.stderr
    return errors[0]


@pytest.mark.parametrize("args, words", [
    # the tag names its release: refused before any index is read
    (["--base", "python:3.12-alpine3.16"], ["python:3.12-alpine3.17", "python:3.11-alpine3.16"]),
    (["--base", "python:3.12.99-alpine3.22"], ["python:3.12-alpine3.22 carried", "3.12.10"]),
    (["--base", "python:3.99"], ["no python:3.99 image was ever published", "3.14"]),
    # the release comes from the index
    (["--base", "python:3.12"], ["python:3.12-alpine3.16 was never published", "python:3.12-alpine3.17"]),
    (["--python", "3.99"], ["--python 3.99", "python:3.99-alpine3.16", "python:3.11-alpine3.16"]),
    (["--python", "3.12"], ["--python 3.12", "python:3.12-alpine3.16 was never published"]),
    (["--base", "python:3.6"], ["python:3.6-alpine3.16 was never published", "python:3.6-alpine3.15"]),
])
def test_an_image_that_was_never_published_is_bad_input(plan_cache, v316, args, words):
    result = invoke(plan_cache, "plan", "numpy", *v316, *args)
    assert result.exit_code == 2, result.stderr
    line = _one_error_line(result)
    for word in words:
        assert word in line
    assert result.stdout == ""


def test_the_refusal_in_json(plan_cache, v316):
    result = invoke(plan_cache, "plan", "numpy", *v316, "--python", "3.99", "--json")
    assert result.exit_code == 2
    error = json.loads(result.stdout)["error"]
    assert "python:3.99" in error and "docker-library/official-images" in error


def test_a_named_release_is_refused_before_the_network(plan_cache):
    # v3.18 is not in the embedded snapshot and --offline forbids the mirror: the image check
    # comes first, so the answer is the image's, not the missing index.
    result = invoke(plan_cache, "plan", "numpy", "--alpine", "v3.18", "--arch", "x86_64",
                    "--base", "python:3.13", "--offline")
    assert result.exit_code == 2
    assert "python:3.13-alpine3.18 was never published" in _one_error_line(result)


def test_the_pythons_published_on_the_release_are_planned(plan_cache, v316):
    tags = load_published_tags()
    for python in ("3.10", "3.11"):
        assert "3.16" in tags.python[python]
        result = invoke(plan_cache, "plan", "numpy", *v316, "--base", f"python:{python}", "--json")
        assert result.exit_code == 0, result.stderr
        target = json.loads(result.stdout)["target"]
        assert (target["image"], target["platform"]) == (f"python:{python}-alpine3.16", None)


def test_dockerfile_for_aarch64_names_its_platform_in_both_stages(plan_cache, v317_aarch64):
    result = invoke(plan_cache, "plan", "numpy", *v317_aarch64, "--base", "python:3.10", "--format", "dockerfile")
    assert result.exit_code == 0, result.stderr
    builder, runtime = dockerfile_stages(result.stdout)
    assert builder[0].arguments == "--platform=linux/arm64 python:3.10-alpine3.17 AS builder"
    assert runtime[0].arguments == "--platform=linux/arm64 python:3.10-alpine3.17"
    on_alpine = invoke(plan_cache, "plan", "numpy", *v317_aarch64, "--format", "dockerfile")
    assert on_alpine.exit_code == 0, on_alpine.stderr
    assert [stage[0].arguments for stage in dockerfile_stages(on_alpine.stdout)] == [
        "--platform=linux/arm64 alpine:3.17 AS builder", "--platform=linux/arm64 alpine:3.17",
    ]
    as_json = invoke(plan_cache, "plan", "numpy", *v317_aarch64, "--base", "python:3.10", "--json")
    assert json.loads(as_json.stdout)["target"]["platform"] == "linux/arm64"


def test_dockerfile_for_x86_64_has_no_platform(plan_cache, v316):
    result = invoke(plan_cache, "plan", "numpy", *v316, "--base", "python:3.10", "--format", "dockerfile")
    assert result.exit_code == 0, result.stderr
    assert [stage[0].arguments for stage in dockerfile_stages(result.stdout)] == [
        "python:3.10-alpine3.16 AS builder", "python:3.10-alpine3.16",
    ]


def test_every_python_alpine_tag_the_docs_name_was_published():
    """README and docs: each python:X.Y-alpineR they write, and each --base python:X.Y with its release."""
    tags = load_published_tags()
    seen = 0
    for path in [PROJECT_ROOT / "README.md", *sorted((PROJECT_ROOT / "docs").glob("*.md"))]:
        text = path.read_text("utf-8")
        for tag in set(re.findall(r"python:\d+\.\d+(?:\.\d+)?-alpine\d+\.\d+", text)):
            assert image_identity(tag, tags).known, f"{path.name}: {tag} was never published"
            seen += 1
        for line in text.splitlines():
            base = re.search(r"--base python:(\d+\.\d+)(?!\S*-alpine)", line)
            release = re.search(r"(?:--alpine v|/alpine/v)(\d+\.\d+)", line)
            if base and release:
                assert release.group(1) in tags.python[base.group(1)], f"{path.name}: {line}"
                seen += 1
    assert seen > 0
