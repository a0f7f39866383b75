"""Choosing the file pip would install, on real PyPI data, with pip as the peer."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from apkneed.errors import InputError, UnsatisfiableError
from apkneed.python.pypi import DistFile, PyPIClient
from apkneed.python.select import select_file
from apkneed.python.tags import make_target, musllinux_platforms
from python_helpers import PYPI, run_pip

pytestmark = pytest.mark.network

NO_BINARY = "<no binary distribution>"


def pip_download_choice(name: str, version: str, python: str, musl: tuple[int, int], arch: str) -> str:
    """The filename ``pip download --only-binary=:all:`` fetches for the target, or NO_BINARY."""
    target = make_target(python, musl, arch)
    args = [
        "download", "--no-deps", "--only-binary=:all:", "--index-url", PYPI,
        "--python-version", python, "--implementation", "cp", "--abi", target.interpreter,
    ]
    for platform in musllinux_platforms(target.musl_version, target.arch):
        args += ["--platform", platform]
    with tempfile.TemporaryDirectory() as dest:
        result = run_pip([*args, "-d", dest, f"{name}=={version}"])
        if result.returncode != 0:
            assert "No matching distribution found" in result.stderr, result.stderr
            return NO_BINARY
        (downloaded,) = Path(dest).iterdir()
        return downloaded.name


@pytest.mark.parametrize(
    ("name", "version", "python", "musl", "arch", "kind"),
    [
        ("numpy", "2.2.6", "3.10", (1, 2), "x86_64", "musllinux_1_2 wheel for cp310"),
        ("charset-normalizer", "3.4.1", "3.12", (1, 2), "aarch64", "musllinux_1_2 wheel for cp312"),
        ("cryptography", "44.0.0", "3.10", (1, 2), "x86_64", "musllinux_1_2 abi3 wheel (cp39+)"),
        ("six", "1.17.0", "3.10", (1, 2), "x86_64", "pure-Python wheel"),
        ("psycopg2", "2.9.10", "3.10", (1, 2), "x86_64", "no wheel for cp310-musllinux_1_2_x86_64 among"),
        ("numpy", "2.2.6", "3.10", (1, 1), "x86_64", "no wheel for cp310-musllinux_1_1_x86_64 among"),
    ],
)
def test_same_file_as_pip_download(
    pypi: PyPIClient, peer_cache, name: str, version: str, python: str, musl: tuple[int, int], arch: str, kind: str
) -> None:
    target = make_target(python, musl, arch)
    chosen = select_file(pypi.project(name).files, name, version, target)
    assert kind in chosen.why
    key = f"pip-download {name}=={version} {python} musl{musl[0]}.{musl[1]} {arch}"
    pips = peer_cache(key, lambda: pip_download_choice(name, version, python, musl, arch))
    if chosen.is_sdist:
        # pip, held to wheels, finds none: it would build this sdist.
        assert pips == NO_BINARY
        assert chosen.file.filename.endswith(".tar.gz")
    else:
        assert chosen.file.filename == pips


def test_counts_in_the_reason_are_the_index_counts(pypi: PyPIClient) -> None:
    files = pypi.project("psycopg2").files
    target = make_target("3.10", (1, 2), "x86_64")
    chosen = select_file(files, "psycopg2", "2.9.10", target)
    wheels = [f for f in files if f.is_wheel and f.version is not None and str(f.version) == "2.9.10"]
    assert chosen.wheels_total == len(wheels) and chosen.wheels_compatible == 0
    assert chosen.why == f"no wheel for cp310-musllinux_1_2_x86_64 among {len(wheels)} wheels; sdist"


def test_a_pin_may_install_a_yanked_release(pypi: PyPIClient) -> None:
    # numpy 2.4.0 was yanked whole ("Backward compatibility bug"); a pin still gets it, as in pip.
    chosen = select_file(pypi.project("numpy").files, "numpy", "2.4.0", make_target("3.11", (1, 2), "x86_64"))
    assert chosen.file.filename == "numpy-2.4.0-cp311-cp311-musllinux_1_2_x86_64.whl"
    assert chosen.file.yanked and chosen.why.endswith("; yanked (Backward compatibility bug)")


def test_requires_python_rules_files_out(pypi: PyPIClient) -> None:
    with pytest.raises(UnsatisfiableError, match=r"numpy==2\.3\.0: requires Python >=3\.11, the target has 3\.10"):
        select_file(pypi.project("numpy").files, "numpy", "2.3.0", make_target("3.10", (1, 2), "x86_64"))


def test_unknown_version_is_an_input_error(pypi: PyPIClient) -> None:
    with pytest.raises(InputError, match=r"the index has no files for six==99\.0"):
        select_file(pypi.project("six").files, "six", "99.0", make_target("3.10", (1, 2), "x86_64"))


def test_hashes_restrict_the_choice(pypi: PyPIClient) -> None:
    files = pypi.project("numpy").files
    target = make_target("3.10", (1, 2), "x86_64")
    sdist = next(f for f in files if f.filename == "numpy-2.2.6.tar.gz")
    chosen = select_file(files, "numpy", "2.2.6", target, allowed_sha256=frozenset({sdist.sha256}))
    assert chosen.file == sdist
    macos = next(f for f in files if f.filename == "numpy-2.2.6-cp310-cp310-macosx_10_9_x86_64.whl")
    with pytest.raises(UnsatisfiableError, match="matches the --hash values given"):
        select_file(files, "numpy", "2.2.6", target, allowed_sha256=frozenset({macos.sha256}))


def _wheel(filename: str) -> DistFile:
    return DistFile(filename=filename, url=f"https://files.example/{filename}", project="demo")


def test_tag_rank_beats_build_tag_and_build_tag_breaks_ties() -> None:
    target = make_target("3.12", (1, 2), "x86_64")
    files = [
        _wheel("demo-1.0-py3-none-any.whl"),
        _wheel("demo-1.0-1-cp312-cp312-musllinux_1_1_x86_64.whl"),
        _wheel("demo-1.0-7-cp312-cp312-musllinux_1_1_x86_64.whl"),
        _wheel("demo-1.0-9-cp39-abi3-musllinux_1_2_x86_64.whl"),
        _wheel("demo-1.0-cp312-cp312-musllinux_1_2_aarch64.whl"),
        _wheel("demo-1.0-not-a-wheel-name.whl"),
    ]
    chosen = select_file(files, "demo", "1.0", target)
    # cp312-cp312 on musllinux_1_1 outranks abi3 on 1_2 (pip orders by ABI before platform);
    # between the two, build 7 beats build 1.
    assert chosen.file.filename == "demo-1.0-7-cp312-cp312-musllinux_1_1_x86_64.whl"
    assert chosen.wheels_compatible == 4
