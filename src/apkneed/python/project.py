"""A project's own requirements, read from its ``pyproject.toml``.

What is read:

* PEP 621 ``[project].dependencies``, and ``[project.optional-dependencies]``
  for each ``--extra NAME``;
* PEP 735 ``[dependency-groups]`` for each ``--group NAME``, with
  ``{include-group = "other"}`` entries followed (a cycle is refused, as PEP
  735 requires of tools).

Why these libraries: the TOML is read with ``tomllib`` (``tomli`` before
3.11, the same parser) through :mod:`apkneed.tomlfile`, because it is the
standard library's TOML 1.0 parser; every requirement string is checked with
``packaging.requirements`` (pypa's PEP 508 reference implementation), and
group and extra names are compared after ``packaging.utils.canonicalize_name``
(PEP 735 and PEP 685 both normalise names that way).

Errors name the file and the line of the offending key or string: the line
is found in the file's text (TOML parsers do not report positions), the
first line that holds it.

API::

    read_pyproject(path, *, extras=(), groups=()) -> tuple[RequirementLine, ...]
    read_requires_python(path) -> (path:line, specifier) | None
    native_source(path) -> "src/x.c" | None   # the project compiles code when pip builds it
    project_name(path) -> str
    python_excluded(requires_python, "3.10") -> bool   # no 3.10.z fits: pip refuses the project
    find_pyproject(path) -> Path     # a directory's pyproject.toml, or the file itself
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from apkneed.errors import InputError
from apkneed.python.requirements import RequirementLine
from apkneed.tomlfile import read_toml_and_text


def find_pyproject(path: Path) -> Path:
    """``path`` itself, or ``path/pyproject.toml`` for a project directory."""
    if path.is_dir():
        candidate = path / "pyproject.toml"
        if not candidate.is_file():
            raise InputError(f"{path}: a directory without pyproject.toml (give a project, a lock or requirements file)")
        return candidate
    return path


#: files that mean a project compiles code when pip builds it (C/C++/Cython/Rust/Fortran, CMake, meson)
NATIVE_SUFFIXES = (".c", ".cc", ".cpp", ".cxx", ".pyx", ".rs", ".f90", ".f")
NATIVE_NAMES = ("Cargo.toml", "CMakeLists.txt", "meson.build")
#: directories a project's own sources are never in
_NOT_SOURCES = frozenset({".git", ".venv", "venv", "node_modules", "build", "dist", ".tox", ".nox", "__pycache__"})


def native_source(path: str | Path, *, limit: int = 5000) -> str | None:
    """The first native source file of the project at ``path`` (relative), or None; a bounded walk."""
    import os

    root = find_pyproject(Path(path)).parent
    seen = 0
    for directory, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in _NOT_SOURCES and not d.startswith("."))
        for name in sorted(files):
            seen += 1
            if name.endswith(NATIVE_SUFFIXES) or name in NATIVE_NAMES:
                return os.path.relpath(os.path.join(directory, name), root)
        if seen > limit:
            return None
    return None


def project_name(path: str | Path) -> str:
    """``[project].name``, or the directory's name."""
    path = find_pyproject(Path(path))
    _, data = read_toml_and_text(path)
    project = data.get("project")
    name = project.get("name") if isinstance(project, dict) else None
    return name if isinstance(name, str) and name else path.parent.name


def unplanned_build_note(path: str | Path, where: str, *, dependencies: str = "dependencies") -> str | None:
    """The note that the project at ``path`` compiles code whose build is not planned (only its
    ``dependencies`` are), with ``where`` it was read from; None for a project with no native source."""
    found = native_source(path)
    if found is None:
        return None
    return (f"{where}: the project {project_name(path)} itself is not planned, only its {dependencies}: "
            f"it compiles code ({found}), and what its own build needs is not in the apk lines")


def read_requires_python(path: str | Path) -> tuple[str, str] | None:
    """(``path:line``, the specifier) of ``[project].requires-python``; None when the project has none."""
    path = find_pyproject(Path(path))
    text, data = read_toml_and_text(path)
    value = data.get("project", {}).get("requires-python") if isinstance(data.get("project"), dict) else None
    if value is None:
        return None
    where = _Locator(path, text).line("requires-python")
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        SpecifierSet(value)
    except (InvalidSpecifier, TypeError):
        raise InputError(f"{where}: requires-python {value!r} is not a version specifier") from None
    return where, value


def python_excluded(requires_python: str, python: str) -> bool:
    """Whether every X.Y.z release of ``python`` ("3.10") is outside ``requires_python``: only then is
    the project sure to be refused (the target's patch release may be unknown)."""
    from packaging.specifiers import SpecifierSet

    specifier = SpecifierSet(requires_python)
    return not any(specifier.contains(f"{python}.{patch}", prereleases=True) for patch in range(0, 100))


def read_pyproject(path: str | Path, *, extras: Iterable[str] = (), groups: Iterable[str] = ()) -> tuple[RequirementLine, ...]:
    """The requirements of the project at ``path`` with the extras and groups asked for."""
    path = find_pyproject(Path(path))
    text, data = read_toml_and_text(path)
    where = _Locator(path, text)
    project = data.get("project")
    if not isinstance(project, dict):
        raise InputError(f"{where.line('[project]', default=1)}: no [project] table: not a PEP 621 project (apkneed reads [project].dependencies)")
    lines: list[RequirementLine] = []
    lines += _requirements(project.get("dependencies", []), "[project].dependencies", where)
    optional = project.get("optional-dependencies", {})
    if not isinstance(optional, dict):
        raise InputError(f"{where.line('optional-dependencies')}: [project.optional-dependencies] must be a table")
    by_extra = {canonicalize_name(k): (k, v) for k, v in optional.items()}
    for extra in extras:
        key = canonicalize_name(extra)
        if key not in by_extra:
            known = ", ".join(sorted(optional)) or "none"
            raise InputError(f"{path}: --extra {extra}: the project has no such extra (extras: {known})")
        name, values = by_extra[key]
        lines += _requirements(values, f"[project.optional-dependencies].{name}", where)
    if groups:
        table = data.get("dependency-groups", {})
        if not isinstance(table, dict):
            raise InputError(f"{where.line('[dependency-groups]')}: [dependency-groups] must be a table")
        by_group = {canonicalize_name(k): k for k in table}
        for group in groups:
            lines += _group(group, table, by_group, where, chain=())
    return tuple(dict.fromkeys(lines))


def _group(name: str, table: dict, by_group: dict, where: "_Locator", chain: tuple[str, ...]) -> list[RequirementLine]:
    key = canonicalize_name(name)
    if key not in by_group:
        known = ", ".join(sorted(table)) or "none"
        hint = f" (included by {chain[-1]})" if chain else ""
        raise InputError(f"{where.path}: --group {name}{hint}: no such dependency group (groups: {known})")
    real = by_group[key]
    if key in chain:
        cycle = " -> ".join([*chain, key])
        at = where.line("include-group", f'"{name}"', default=0)
        if at.endswith(":0"):
            at = where.line("include-group", f"'{name}'")
        raise InputError(f"{at}: dependency group {real!r} includes itself ({cycle})")
    entries = table[real]
    if not isinstance(entries, list):
        raise InputError(f"{where.line(real)}: [dependency-groups].{real} must be a list")
    lines: list[RequirementLine] = []
    for entry in entries:
        if isinstance(entry, dict):
            included = entry.get("include-group")
            if set(entry) != {"include-group"} or not isinstance(included, str):
                raise InputError(f"{where.line(real)}: [dependency-groups].{real}: a table entry must be {{include-group = \"NAME\"}}")
            lines += _group(included, table, by_group, where, chain + (key,))
        else:
            lines += _requirements([entry], f"[dependency-groups].{real}", where)
    return lines


def _requirements(values: Any, key: str, where: "_Locator") -> list[RequirementLine]:
    if not isinstance(values, list):
        raise InputError(f"{where.line(key.rsplit('.', 1)[-1])}: {key} must be a list of PEP 508 strings")
    lines = []
    for value in values:
        if not isinstance(value, str):
            raise InputError(f"{where.line(key.rsplit('.', 1)[-1])}: {key}: {value!r} is not a PEP 508 string")
        origin = where.line(value)
        try:
            requirement = Requirement(value)
        except InvalidRequirement as exc:
            raise InputError(f"{origin}: {key}: not a PEP 508 requirement ({exc})") from None
        if requirement.url:
            raise InputError(f"{origin}: {key}: {value!r} is a direct URL; apkneed plans releases on an index")
        lines.append(RequirementLine(value, origin))
    return lines


class _Locator:
    """``path:line`` of the first line that holds a string (TOML parsers report no positions)."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines = text.splitlines()

    def line(self, *needles: str, default: int | None = None) -> str:
        """The first line holding every needle (``include-group`` and the group's name, say)."""
        for number, line in enumerate(self.lines, start=1):
            if all(needle in line for needle in needles):
                return f"{self.path}:{number}"
        return f"{self.path}:{default}" if default is not None else str(self.path)
