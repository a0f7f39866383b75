"""One entry point from a path to what a plan starts from: requirements, or locked pins.

The kinds of file, told apart by name (as pip, uv and PEP 751 name them):

* a directory, or a file named ``pyproject.toml``: the project's
  requirements (:mod:`apkneed.python.project`), to be resolved;
* ``uv.lock``, ``pylock.toml``, ``pylock.NAME.toml``: locked pins
  (:mod:`apkneed.python.locks`), planned as locked, never resolved again;
* anything else: a pip requirements file (:mod:`apkneed.python.requirements`),
  with ``--hash`` values kept per requirement.

``--extra``/``--group`` apply to a pyproject.toml or a uv.lock; given with a
requirements file they are an InputError (pip's format has neither).

API::

    read_python_input(path, *, python=None, arch=None, extras=(), groups=()) -> PythonInput
        # python ("3.12") and arch ("x86_64") are needed for a lock: its markers are read for them
    input_kind(path) -> "pyproject" | "uv.lock" | "pylock.toml" | "requirements"
    is_lock_path(path) -> bool       # by its name
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from apkneed.errors import InputError
from apkneed.records import Frozen, set_field

if TYPE_CHECKING:
    # The readers (and packaging, tomllib) load when a file of their kind is read:
    # `apkneed plan numpy` asks input_kind/is_lock_path of its arguments and reads no file.
    from apkneed.python.locks import LockedSet
    from apkneed.python.requirements import RequirementLine

#: PEP 751's lock file names: pylock.toml, pylock.NAME.toml
_PYLOCK_NAME = re.compile(r"^pylock\.([^.]+\.)?toml$")


class PythonInput(Frozen):
    __slots__ = ("path", "kind", "requirements", "constraints", "locked", "index_url", "prerelease", "notes", "require_hashes")

    path: Path
    kind: str
    requirements: tuple[RequirementLine, ...]  # to resolve (pyproject, requirements file)
    constraints: tuple[RequirementLine, ...]
    locked: LockedSet | None  # the pins, as locked (uv.lock, pylock.toml)
    index_url: str | None
    prerelease: bool
    notes: tuple[str, ...]
    require_hashes: str | None  # where --require-hashes was read (requirements files only)

    def __init__(
        self,
        path: Path,
        kind: str,
        requirements: tuple[RequirementLine, ...] = (),
        constraints: tuple[RequirementLine, ...] = (),
        locked: LockedSet | None = None,
        index_url: str | None = None,
        prerelease: bool = False,
        notes: tuple[str, ...] = (),
        require_hashes: str | None = None,
    ) -> None:
        set_field(self, "path", path)
        set_field(self, "kind", kind)
        set_field(self, "requirements", requirements)
        set_field(self, "constraints", constraints)
        set_field(self, "locked", locked)
        set_field(self, "index_url", index_url)
        set_field(self, "prerelease", prerelease)
        set_field(self, "notes", notes)
        set_field(self, "require_hashes", require_hashes)


def is_lock_path(path: Path) -> bool:
    """Whether ``path`` is named as a lock is (uv.lock, PEP 751's pylock.toml and pylock.NAME.toml)."""
    return path.name == "uv.lock" or bool(_PYLOCK_NAME.match(path.name))


def input_kind(path: Path) -> str:
    if path.is_dir() or path.name == "pyproject.toml":
        return "pyproject"
    if is_lock_path(path):
        return "uv.lock" if path.name == "uv.lock" else "pylock.toml"
    return "requirements"


def read_python_input(
    path: str | Path, *, python: str | None = None, arch: str | None = None, extras: Iterable[str] = (), groups: Iterable[str] = ()
) -> PythonInput:
    path = Path(path)
    extras, groups = tuple(extras), tuple(groups)
    kind = input_kind(path)
    if kind == "pyproject":
        from apkneed.python.project import read_pyproject, unplanned_build_note

        requirements = read_pyproject(path, extras=extras, groups=groups)
        note = unplanned_build_note(path, str(path))
        return PythonInput(path, kind, requirements=requirements, notes=() if note is None else (note,))
    if kind in ("uv.lock", "pylock.toml"):
        if python is None or arch is None:
            raise InputError(f"{path}: a lock is read for a target: give its Python and arch")
        from apkneed.python.locks import read_lock

        locked = read_lock(path, python=python, arch=arch, extras=extras, groups=groups)
        return PythonInput(path, kind, locked=locked, index_url=locked.index_url)
    if extras or groups:
        raise InputError(f"{path}: --extra/--group need a pyproject.toml or uv.lock; a requirements file has neither")
    from apkneed.python.requirements import read_requirements_file

    found = read_requirements_file(path)
    return PythonInput(
        path, kind, requirements=found.requirements, constraints=found.constraints,
        index_url=found.index_url, prerelease=found.prerelease, notes=found.notes,
        require_hashes=found.require_hashes,
    )
