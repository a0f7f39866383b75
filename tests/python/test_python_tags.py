"""Target tags, checked against the order pip itself reports."""

from __future__ import annotations

import pytest

from apkneed.errors import InputError
from apkneed.python.tags import make_target, musllinux_platforms, supported_tags
from python_helpers import run_pip


def pip_debug_tags(python: str, platforms: tuple[str, ...]) -> list[str]:
    """``pip debug --verbose`` lists the compatible tags in pip's priority order."""
    interpreter = "cp" + python.replace(".", "")
    args = ["debug", "--verbose", "--python-version", python, "--implementation", "cp", "--abi", interpreter]
    for platform in platforms:
        args += ["--platform", platform]
    result = run_pip(args)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Compatible tags:"))
    return [line.strip() for line in lines[start + 1 :] if line.startswith("  ")]


@pytest.mark.parametrize(
    ("python", "musl", "arch"),
    [("3.10", (1, 2, 4), "x86_64"), ("3.12", (1, 2, 5), "aarch64"), ("3.8", (1, 1, 24), "x86_64"), ("3.11", (1, 2, 3), "armv7")],
)
def test_same_tags_in_the_same_order_as_pip(python: str, musl: tuple[int, ...], arch: str) -> None:
    target = make_target(python, musl, arch)
    platforms = musllinux_platforms(target.musl_version, target.arch)
    ours = [str(tag) for tag in supported_tags(target)]
    assert ours == pip_debug_tags(python, platforms)


def test_musl_minor_sets_the_musllinux_range() -> None:
    assert musllinux_platforms((1, 2, 4), "x86_64") == (
        "musllinux_1_2_x86_64", "musllinux_1_1_x86_64", "musllinux_1_0_x86_64",
    )
    assert musllinux_platforms((1, 1), "armv7") == ("musllinux_1_1_armv7l", "musllinux_1_0_armv7l")
    target = make_target("3.10", (1, 1, 24), "aarch64")
    tags = [str(t) for t in supported_tags(target)]
    # musl 1.1 cannot load a musllinux_1_2 wheel; abi3 goes down to cp32; pure wheels come last.
    assert not any("musllinux_1_2" in t for t in tags)
    assert tags[0] == "cp310-cp310-musllinux_1_1_aarch64"
    assert "cp32-abi3-musllinux_1_0_aarch64" in tags and "cp31-abi3-musllinux_1_0_aarch64" not in tags
    assert tags[-1] == "py30-none-any"
    assert not any(t.endswith("linux_aarch64") and "musllinux" not in t for t in tags)
    assert target.describe() == "cp310-musllinux_1_1_aarch64"


@pytest.mark.parametrize(
    ("python", "musl", "arch", "problem"),
    [
        ("2.7", (1, 2), "x86_64", "not a Python 3 version"),
        ("three", (1, 2), "x86_64", "not a Python 3 version"),
        ("3.10", (2, 0), "x86_64", "not a musl version"),
        ("3.10", (1, 2), "sparc", "unknown architecture 'sparc'"),
    ],
)
def test_bad_target_inputs_are_one_line_errors(python: str, musl: tuple[int, ...], arch: str, problem: str) -> None:
    with pytest.raises(InputError, match=problem):
        make_target(python, musl, arch)
