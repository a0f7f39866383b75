"""Helpers the plan tests share: real plans through the real pipeline, and a Dockerfile reader."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner

from apkneed.cli import main

PYPI = "https://pypi.org/simple"
#: the issue's scientific set (psycopg2 has no wheel: it is built from source)
SCIENTIFIC = (
    "numpy", "scipy", "pandas", "scikit-learn", "matplotlib", "lxml", "pillow",
    "psycopg2", "cryptography", "pyyaml", "grpcio",
)


def cli_env(cache: Path) -> dict[str, str | None]:
    """The environment for a CLI run: the shared test cache, no pip/uv configuration."""
    env: dict[str, str | None] = {k: None for k in os.environ if k.startswith(("PIP_", "UV_")) and k != "PIP_CERT"}
    env.update(APKNEED_CACHE_DIR=str(cache), PIP_CONFIG_FILE=os.devnull, COLUMNS="200")
    return env


def invoke(cache: Path, *args: object, stdin: str | None = None):
    """Run ``apkneed ARGS...`` in process, through the real command group."""
    return CliRunner(env=cli_env(cache)).invoke(main, [str(a) for a in args], input=stdin)


@dataclass(frozen=True)
class Instruction:
    keyword: str
    arguments: str


def dockerfile_stages(text: str) -> list[list[Instruction]]:
    """Instructions of a Dockerfile (continuations joined, comments dropped), split at FROM.

    Refuses what Docker's parser would: an unknown instruction, a continuation
    at the end of the file, an instruction before the first FROM (ARG aside).
    """
    known = {"FROM", "RUN", "ENV", "COPY", "ARG", "WORKDIR", "CMD", "ENTRYPOINT", "LABEL", "USER", "EXPOSE"}
    logical: list[str] = []
    pending = ""
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#") or not stripped:
            if pending and not stripped:
                raise AssertionError("an empty line inside a continued instruction")
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        logical.append(pending + stripped)
        pending = ""
    if pending:
        raise AssertionError("the file ends inside a continued instruction")
    stages: list[list[Instruction]] = []
    for entry in logical:
        keyword, _, arguments = entry.partition(" ")
        if keyword not in known:
            raise AssertionError(f"unknown instruction {keyword!r}")
        if keyword == "FROM":
            stages.append([])
        elif not stages:
            raise AssertionError(f"{keyword} before the first FROM")
        stages[-1].append(Instruction(keyword, re.sub(r"\s+", " ", arguments).strip()))
    return stages


def apk_added(stage: list[Instruction]) -> list[str]:
    """Package names every ``apk add`` of a stage installs (options dropped)."""
    names: list[str] = []
    for instruction in stage:
        if instruction.keyword != "RUN":
            continue
        for command in instruction.arguments.split("&&"):
            words = command.split()
            if words[:2] != ["apk", "add"]:
                continue
            skip = False
            for word in words[2:]:
                if skip:
                    skip = False
                elif word == "--virtual":
                    skip = True
                elif not word.startswith("-"):
                    names.append(word)
    return names
