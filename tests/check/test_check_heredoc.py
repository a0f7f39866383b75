"""Heredocs (Dockerfile syntax 1.4+): a RUN whose script is a heredoc is read like any RUN line.

``RUN <<EOF`` (or ``RUN bash <<EOF``, ``RUN <<-EOF sh -e``...) runs the heredoc as a shell
script: its commands are followed as a RUN line's are. A heredoc fed to another program
(``RUN python3 <<EOF``), one with a ``#!`` line of another interpreter, and ``COPY <<EOF``
are reported as not understood (info), never guessed; the rest of the file is checked.
"""

from __future__ import annotations

import pytest
from check_helpers import codes

from apkneed.check.dockerfile import read_dockerfile

PY = "FROM python:3.10-alpine3.16\n"


@pytest.mark.network
@pytest.mark.parametrize("opening", ["RUN <<EOF", "RUN <<'EOF' sh -e", "RUN bash <<EOF", "RUN --mount=type=cache,target=/root/.cache <<EOF"])
def test_a_heredoc_script_is_followed_like_a_run_line(check_text, opening):
    # the README's libpq case (tests/check/test_check_rules.py), written as a heredoc script
    status, report, result = check_text(PY + opening + "\n" + (
        "set -e\n"
        "# the build group: don't keep it\n"
        "apk add --no-cache --virtual .build-deps gcc musl-dev postgresql-dev\n"
        "pip install --no-cache-dir \\\n"
        "    psycopg2==2.9.13\n"
        "apk del .build-deps\n"
        "EOF\n"
    ))
    assert status == 1, result.output
    assert codes(report) == [(2, "error", "runtime-library-missing")]
    assert not [f for f in report["findings"] if f["code"] == "not-understood"]


def test_a_dash_heredoc_drops_leading_tabs():
    (stage,) = read_dockerfile("FROM alpine:3.21\nRUN <<-EOF\n\tapk add --no-cache python3\n\tEOF\n").stages
    assert stage.instructions[0].words == ("apk add --no-cache python3\n",)


@pytest.mark.parametrize("text, line", [
    ("RUN python3 <<EOF\nimport os\nEOF\n", 2),
    ("RUN <<EOF\n#!/usr/bin/env python3\nprint('x')\nEOF\n", 2),
    ("COPY <<EOF /etc/apk/repositories\nhttps://dl-cdn.alpinelinux.org/alpine/edge/testing\nEOF\n", 2),
])
def test_other_heredocs_are_not_understood_and_the_rest_is_checked(check_text, text, line):
    status, report, result = check_text(PY + text + "RUN apk add --no-cache py3-yaml\n")
    assert result.exit_code == 1, result.output  # the rest is checked: py3-* on a python: image
    found = [(f["line"], f["code"]) for f in report["findings"] if f["severity"] in ("info", "error")]
    assert (line, "not-understood") in found and (line + text.count("\n"), "py3-on-python-image") in found


def test_a_heredoc_writing_the_repositories_file_still_counts_as_changing_it(tmp_path, run_check, v321_indexes):
    """cat <<EOF > /etc/apk/repositories (edge/testing): the heredoc is not followed, but a later apk add
    of a name from there is not called missing from the release (it would have been an error)."""
    (tmp_path / "Dockerfile").write_text(
        "FROM alpine:3.21\nRUN cat <<EOF > /etc/apk/repositories\nhttps://dl-cdn.alpinelinux.org/alpine/edge/testing\nEOF\n"
        "RUN apk add --no-cache py3-exotic-thing\n")
    status, report, result = run_check(tmp_path / "Dockerfile", *v321_indexes)
    assert status == 0, result.output
    assert not [f for f in report["findings"] if f["code"] == "apk-no-such-package"]
    assert (2, "not-understood") in [(f["line"], f["code"]) for f in report["findings"]]


@pytest.mark.parametrize("run", [
    "RUN apk add --no-cache libpq  # the client library\n",
    "RUN <<EOF\nset -e  # stop at the first failure\napk add --no-cache libpq # the client library\nEOF\n",
])
def test_a_comment_after_a_command_is_the_shells_comment(check_text, run):
    # '#' starting a word begins a comment to the end of the line (POSIX shell); '#' inside a word
    # (an URL's #egg=) or quoted stays: the apk names were read as 'libpq', '#', 'the', ...
    status, report, result = check_text(PY + run)
    assert not [f for f in report["findings"] if f["code"] == "not-understood"], report["findings"]
    assert status == 0, result.output


def test_a_hash_inside_a_word_or_quotes_is_no_comment():
    from apkneed.check.shell import split_commands

    commands = split_commands(
        "pip install git+https://example.org/x.git#egg=x 'a #b' \"c #d\" e\\ #f ${#HOME} # gone\n"
        "apk add gcc;# gone too\necho \"$X\" $X # gone\napk add musl-dev", {"X": "#kept"})
    assert [list(c.words) for c in commands] == [
        ["pip", "install", "git+https://example.org/x.git#egg=x", "a #b", "c #d", "e #f", "${#HOME}"],
        ["apk", "add", "gcc"], ["echo", "#kept", "#kept"], ["apk", "add", "musl-dev"],
    ]
