"""Every example of README.md, run as a user would run it: a README that drifts fails here.

Each ```console block is a sequence of ``$ command`` lines, each followed by
its expected output (stderr and stdout as a terminal shows them, in order).
The commands run in README order in one working directory, through bash and
the installed ``apkneed`` entry point, so ``> plan.json`` and ``&&`` work and
a later example may use what an earlier one wrote (as a reader following
the README would). The directory is laid out so the README's paths hold:
``../shared`` is the shared test data, ``./rootfs`` the root the scan
example describes (built here from musl-gcc and gcc outputs) and
``./Dockerfile`` the README's ```dockerfile block (the check example).

The Alpine mirror is made unreachable (the README says its outputs come from
a machine that cannot reach it, so the embedded snapshot answers): the
``apkneed`` on PATH is the real CLI with its default mirror pointed at a
``.invalid`` host, which fails at once on any network. A fresh apkneed cache
is used, except that downloaded PyPI pages and files and uv's cache are kept
in the test cache so that CI reruns are offline-fast; resolutions, evidence
and Alpine indexes start empty, as on a fresh install.

What the comparison forgives, and why:

* trailing spaces (rich pads table rows; Markdown editors strip them);
* the reason inside ``mirror unreachable (...)``: it is the host's network
  error (DNS failure here, connection refused elsewhere);
* ``...``: a line that is only ``...`` stands for any number of lines, and
  ``...`` inside a line for any text, as in doctest's ELLIPSIS. The README
  uses it where it abridges (resolve's 36 packages) and where the output is
  the machine's own (``apkneed blas``: CPU, threads, measured speed).

Nothing else is normalised: versions are pinned in the README's commands
where PyPI would otherwise move them.

The README's first command (a fresh venv, ``pip install .``, ``apkneed
numpy``) runs in its own test on a copy of the project.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHARED = (PROJECT_ROOT / ".." / "shared").resolve()  # as tests/conftest.py finds it
README = PROJECT_ROOT / "README.md"
#: the default mirror the README's commands run with: unreachable on every network
UNREACHABLE_MIRROR = "https://alpine-mirror.invalid/alpine"


@dataclass
class Example:
    command: str
    expected: list[str] = field(default_factory=list)
    line: int = 0  # where the command is in README.md, for messages


def fenced_blocks(text: str, language: str) -> list[tuple[int, list[str]]]:
    """The ```language blocks of a Markdown text: (line number of the first line, lines)."""
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] | None = None
    start = 0
    for number, line in enumerate(text.splitlines(), 1):
        if current is None:
            if line.strip() == f"```{language}":
                current, start = [], number + 1
        elif line.strip() == "```":
            blocks.append((start, current))
            current = None
        else:
            current.append(line)
    if current is not None:
        raise AssertionError(f"README.md: the ```{language} block at line {start - 1} is never closed")
    return blocks


def console_examples(text: str) -> list[Example]:
    examples: list[Example] = []
    for start, lines in fenced_blocks(text, "console"):
        if not lines or not lines[0].startswith("$ "):
            raise AssertionError(f"README.md line {start}: a console block must start with a `$ ` command")
        for offset, line in enumerate(lines):
            if line.startswith("$ "):
                examples.append(Example(line[2:], [], start + offset))
            else:
                examples[-1].expected.append(line)
    return examples


def normalise(lines: list[str]) -> list[str]:
    out = []
    for line in lines:
        line = line.rstrip()
        line = re.sub(r"mirror unreachable \(.*\); using", "mirror unreachable (<host's network error>); using", line)
        out.append(line)
    return out


def matches(expected: list[str], actual: list[str]) -> bool:
    """Whether ``actual`` fits ``expected``, where ``...`` is an ellipsis (see the module docstring)."""
    patterns = [
        None if line == "..." else re.compile(".*".join(re.escape(part) for part in line.split("...")))
        for line in expected
    ]

    @lru_cache(maxsize=None)
    def fit(i: int, j: int) -> bool:
        if i == len(patterns):
            return j == len(actual)
        if patterns[i] is None:
            return any(fit(i + 1, k) for k in range(j, len(actual) + 1))
        return j < len(actual) and patterns[i].fullmatch(actual[j]) is not None and fit(i + 1, j + 1)

    return fit(0, 0)


# --- the place the README's commands run in ---------------------------------------------------


def build_rootfs(root: Path, build_dir: Path) -> None:
    """The root of the scan example: Alpine 3.16's python:3.10-alpine installed database, a
    program needing libgomp (not installed) and a program linked against glibc."""
    sys.path.insert(0, str(PROJECT_ROOT / "tests" / "scan"))
    try:
        from scanroots import build_all, make_root, put
    finally:
        sys.path.pop(0)
    build_dir.mkdir()
    try:
        builds = build_all(build_dir)
    except RuntimeError as exc:  # musl-gcc missing: scripts/test.sh installs it
        pytest.fail(str(exc))
    make_root(root, builds, installed=SHARED / "alpine" / "installed" / "python-3.10-alpine3.16-x86_64.installed")
    put(root, builds, "app-gomp", "/usr/bin/omp-tool")
    put(root, builds, "glibc-app", "/usr/bin/glibc-tool")


def command_environment(base: Path, test_cache_dir: Path) -> dict[str, str]:
    """PATH with the README's ``apkneed`` first; a fresh apkneed cache; no pip/uv configuration."""
    bin_dir = base / "bin"
    bin_dir.mkdir()
    wrapper = bin_dir / "apkneed"
    wrapper.write_text(
        f"#!{sys.executable}\n"
        "# the real CLI, its default mirror unreachable (see tests/test_readme.py)\n"
        "import apkneed.alpine.sources.release as release\n"
        f"release.DEFAULT_MIRROR = {UNREACHABLE_MIRROR!r}\n"
        "from apkneed.cli import main\n"
        "main()\n"
    )
    wrapper.chmod(0o755)
    cache = base / "cache"
    cache.mkdir()
    kept = test_cache_dir / "apkneed-readme"
    for name in ("pypi", "uv"):  # downloads only: resolutions and evidence start empty
        (kept / name).mkdir(parents=True, exist_ok=True)
        (cache / name).symlink_to(kept / name)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "UV_", "APKNEED_", "COLUMNS"))}
    env.update(
        PATH=f"{bin_dir}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        APKNEED_CACHE_DIR=str(cache), PIP_CONFIG_FILE=os.devnull, PYTHONUNBUFFERED="1",
        APKNEED_KEEP_WHEELS="1",  # the kept pypi/ above keeps real files between runs (offline-fast reruns)
    )
    if "PIP_CERT" in os.environ:
        env["PIP_CERT"] = os.environ["PIP_CERT"]
    return env


def run_shell(command: str, cwd: Path, env: dict[str, str], timeout: float = 600) -> tuple[int, list[str]]:
    done = subprocess.run(
        ["bash", "-c", command], cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL, text=True, timeout=timeout,
    )
    return done.returncode, done.stdout.splitlines()


# --- the tests --------------------------------------------------------------------------------


def test_the_readme_parser_finds_every_example():
    text = README.read_text(encoding="utf-8")
    examples = console_examples(text)
    commands = [e.command.split()[1] if e.command.startswith("apkneed ") else e.command for e in examples]
    # every command of the tour has an example; a block the parser missed would go untested
    assert {"plan", "why", "resolve", "provides", "inspect", "scan", "blas", "check"} <= set(commands)
    assert text.count("```console") == len(fenced_blocks(text, "console"))
    assert all(e.command.startswith("apkneed ") for e in examples), [e.command for e in examples]
    assert matches(["a", "...", "d ... f"], ["a", "b", "c", "d e f"])
    assert not matches(["a", "...", "d"], ["a", "b", "c"])
    assert not matches(["a"], ["a", "b"])


@pytest.mark.network
def test_every_console_example_of_the_readme(tmp_path, test_cache_dir):
    examples = console_examples(README.read_text(encoding="utf-8"))
    work = tmp_path / "work"
    work.mkdir()
    (tmp_path / "shared").symlink_to(SHARED)  # the README's ../shared
    build_rootfs(work / "rootfs", tmp_path / "scan-builds")
    # ./Dockerfile of the `apkneed check` example: the README's ```dockerfile block
    (work / "Dockerfile").write_text("\n".join(fenced_blocks(README.read_text(encoding="utf-8"), "dockerfile")[0][1]) + "\n")
    env = command_environment(tmp_path, test_cache_dir)
    failures = []
    for example in examples:
        status, output = run_shell(example.command, work, env)
        actual = normalise(output)
        crashed = status == 70 or any("Traceback" in line for line in output)
        if crashed or not matches(normalise(example.expected), actual):
            failures.append(
                f"README.md line {example.line}: $ {example.command}\n(exit status {status})\n"
                "--- README says\n" + "\n".join(example.expected) + "\n--- apkneed says\n" + "\n".join(output)
            )
    assert not failures, "\n\n".join(failures)


@pytest.mark.network
def test_the_readme_first_command_installs_and_answers(tmp_path, test_cache_dir):
    """``python3 -m venv .venv && .venv/bin/pip install . && .venv/bin/apkneed numpy`` in a copy of the project."""
    blocks = fenced_blocks(README.read_text(encoding="utf-8"), "bash")
    first = blocks[0][1][0]
    assert first == "python3 -m venv .venv && .venv/bin/pip install . && .venv/bin/apkneed numpy"
    project = tmp_path / "apkneed"
    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    ).stdout.split("\0")
    for name in filter(None, tracked):
        source = PROJECT_ROOT / name
        if source.is_file():
            (project / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, project / name)
    env = command_environment(tmp_path, test_cache_dir)
    # the user's PATH (python3 is theirs), not the test venv nor the README wrapper;
    # pip configured as the user's pip is
    test_bin = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join(p for p in os.environ.get("PATH", "").split(os.pathsep) if p != test_bin)
    env.pop("PIP_CONFIG_FILE")
    env.update({k: v for k, v in os.environ.items() if k.startswith("PIP_")})
    status, output = run_shell(first, project, env)
    text = "\n".join(output)
    assert status == 0, text
    assert re.search(r"^numpy +│ [0-9.]+ +│ wheel ", text, re.M), text
    assert re.search(r"^apk add --no-cache .*python3", text, re.M), text
