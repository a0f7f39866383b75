"""Lock files read for a target: the real uv.lock and pylock.toml of the scientific set (made by uv)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fuzz_helpers import FUZZ, contained, mutate
from hypothesis import given
from hypothesis import strategies as st

from apkneed.errors import InputError
from apkneed.python.inputs import read_python_input
from apkneed.python.locks import read_lock
from apkneed.python.requirements import read_requirements_file

SCIENTIFIC = Path(__file__).parent / "data" / "scientific"
UV_LOCK = SCIENTIFIC / "uv.lock"
PYLOCK = SCIENTIFIC / "pylock.toml"


def pins(locked) -> dict[str, str]:
    return {d.name: d.version for d in locked.dists}


def test_uv_lock_and_pylock_agree_with_the_exported_requirements() -> None:
    """Three files uv wrote from one resolution: the same pins for Python 3.10 on x86_64."""
    from packaging.requirements import Requirement

    from apkneed.python.locks import marker_environment

    env = marker_environment("3.10", "x86_64")
    exported = {}
    for line in read_requirements_file(SCIENTIFIC / "requirements.txt").requirements:
        requirement = Requirement(line.text)
        if requirement.marker is None or requirement.marker.evaluate(env):
            exported[requirement.name] = str(next(iter(requirement.specifier)).version)
    from_uv = read_lock(UV_LOCK, python="3.10", arch="x86_64")
    from_pylock = read_lock(PYLOCK, python="3.10", arch="x86_64")
    assert pins(from_uv) == pins(from_pylock) == exported
    assert len(exported) == 27 and exported["contourpy"] == "1.3.2"
    assert from_uv.index_url == from_pylock.index_url == "https://pypi.org/simple"


def test_uv_lock_forks_are_chosen_by_the_target_python() -> None:
    """uv.lock has three contourpy versions, one per Python range: the edge markers pick one."""
    for python, contourpy in (("3.10", "1.3.2"), ("3.11", "1.3.3"), ("3.12", "1.4.0")):
        locked = read_lock(UV_LOCK, python=python, arch="x86_64")
        assert pins(locked)["contourpy"] == contourpy
        assert pins(read_lock(PYLOCK, python=python, arch="x86_64")) == pins(locked)


def test_uv_lock_knows_direct_requirements_parents_and_hashes() -> None:
    locked = {d.name: d for d in read_lock(UV_LOCK, python="3.10", arch="x86_64").dists}
    assert locked["numpy"].direct and not locked["cffi"].direct
    assert locked["cffi"].requested_by == ("cryptography",)
    assert "pandas" in locked["numpy"].requested_by
    # every file the lock lists: psycopg2 has an sdist and Windows wheels only
    assert len(locked["psycopg2"].sha256) == 7
    assert locked["numpy"].origin.startswith(f"{UV_LOCK}:") and int(locked["numpy"].origin.rsplit(":", 1)[1]) > 1


def test_groups_of_a_uv_lock(tmp_path: Path) -> None:
    # the project's own group lists pillow and lxml, both already direct
    with_group = read_lock(UV_LOCK, python="3.10", arch="x86_64", groups=["all"])
    assert pins(with_group) == pins(read_lock(UV_LOCK, python="3.10", arch="x86_64"))
    with pytest.raises(InputError, match="--group docs: no such dependency group"):
        read_lock(UV_LOCK, python="3.10", arch="x86_64", groups=["docs"])


def edited(tmp_path: Path, source: Path, old: str, new: str) -> Path:
    text = source.read_text()
    assert old in text
    path = tmp_path / source.name
    path.write_text(text.replace(old, new, 1))
    return path


@pytest.mark.parametrize(
    "source, old, new, python, message",
    [
        (UV_LOCK, "version = 1\n", "version = 7\n", "3.10", r"uv.lock:1: uv.lock version 7 is not one apkneed reads"),
        (PYLOCK, 'lock-version = "1.0"', 'lock-version = "2.0"', "3.10", r"pylock.toml:3: .*2\.0"),
        (UV_LOCK, 'requires-python = ">=3.10"', 'requires-python = ">=3.12"', "3.10",
         r"uv.lock:3: the lock is for Python >=3.12, the target is Python 3.10"),
        (PYLOCK, 'requires-python = ">=3.10"', 'requires-python = "<3.10"', "3.12",
         r"pylock.toml:5: the lock is for Python <3.10, the target is Python 3.12"),
        (UV_LOCK, 'source = { registry = "https://pypi.org/simple" }\ndependencies = [\n    { name = "pycparser"',
         'source = { git = "https://x.invalid/cffi" }\ndependencies = [\n    { name = "pycparser"', "3.10",
         r"uv.lock:11: cffi comes from .* not an index"),
    ],
)
def test_bad_locks_are_one_line_naming_file_and_line(tmp_path, source, old, new, python, message) -> None:
    path = edited(tmp_path, source, old, new)
    with pytest.raises(InputError, match=message) as caught:
        read_lock(path, python=python, arch="x86_64")
    assert "\n" not in str(caught.value)


def test_a_lock_needs_a_target() -> None:
    with pytest.raises(InputError, match="a lock is read for a target"):
        read_python_input(UV_LOCK)
    found = read_python_input(PYLOCK, python="3.10", arch="aarch64")
    assert found.kind == "pylock.toml" and len(found.locked.dists) == 27


SEEDS = {"uv.lock": UV_LOCK.read_bytes()[:6000], "pylock.toml": PYLOCK.read_bytes()[:6000]}


@FUZZ
@given(data=st.data())
def test_fuzz_lock_readers(tmp_path_factory, data) -> None:
    """Mutated heads of the real locks: an answer or one InputError line, never a crash."""
    name = data.draw(st.sampled_from(sorted(SEEDS)))
    seed = SEEDS[name]
    cut = seed[: seed.rfind(b"\n[[")]  # whole tables only, then mutated
    folder = tmp_path_factory.mktemp("fuzz")
    hot = [at for at in (cut.find(b"version"), cut.find(b"[["), cut.find(b"marker")) if at >= 0]
    (folder / name).write_bytes(mutate(data, cut, hot))
    contained(lambda: read_lock(folder / name, python=data.draw(st.sampled_from(["3.10", "3.13"])), arch="x86_64"))


def test_the_pylock_fallback_reads_what_packaging_pylock_reads() -> None:
    """With an older packaging (no packaging.pylock), the hand checks give the same packages."""
    from apkneed.python.locks import _Lines, _pylock_fallback, _pylock_packages
    from apkneed.tomlfile import loads

    text = PYLOCK.read_text()
    data, where = loads(text), _Lines(PYLOCK, text)
    by_library = _pylock_packages(PYLOCK, data, where)
    by_hand = _pylock_fallback(PYLOCK, data, where)
    assert [(p["name"], p["version"], p["sha256"], str(p["marker"])) for p in by_library] == [
        (p["name"], p["version"], p["sha256"], str(p["marker"])) for p in by_hand
    ]
    with pytest.raises(InputError, match="not a valid PEP 751 lock"):
        _pylock_fallback(PYLOCK, {"lock-version": "1.0"}, where)
