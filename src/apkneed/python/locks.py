"""Lock files, planned exactly as locked: ``uv.lock`` and PEP 751 ``pylock.toml``.

A lock names every distribution and version that installs, and the files
(with their sha256) each may be installed from. apkneed does not resolve
again: the locked pins ARE the pins, and the lock's hashes limit the files a
plan may pick (:func:`apkneed.python.select.select_file`), so that a lock made
on glibc whose files for some version are all manylinux wheels is reported
for that distribution ("the lock lists no file that installs on the target"),
never quietly re-resolved to another version.

Which distributions install on the target is decided by PEP 508 markers
evaluated for it (Linux, CPython X.Y, the target's machine):

* ``uv.lock``: from the project's own packages (``source = { virtual | editable
  | directory }``), their ``dependencies`` (plus ``optional-dependencies`` for
  ``--extra`` and ``dev-dependencies`` for ``--group``), following each edge
  whose ``marker`` holds; an edge names ``version`` where the lock forked.
* ``pylock.toml``: every ``[[packages]]`` entry whose ``marker`` holds.

Why these libraries: TOML through ``tomllib`` (the standard library's TOML
1.0 parser; ``tomli`` before 3.11); PEP 751 through ``packaging.pylock``
(pypa's own validator of the format, in ``packaging`` 25.1 and later), and,
with an older ``packaging``, through the minimal checks of
:func:`_pylock_fallback`; markers through ``packaging.markers``.

Refused with file and line: a lock version apkneed does not know, a lock whose
``requires-python`` excludes the target Python, a locked distribution with no
version (a directory or VCS checkout cannot be planned from an index).

API::

    read_lock(path, *, python, arch, extras=(), groups=()) -> LockedSet
    marker_environment(python, arch) -> dict[str, str]
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from packaging.markers import InvalidMarker, Marker, default_environment
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

from apkneed.errors import InputError
from apkneed.python.tags import parse_python_version, wheel_arch
from apkneed.tomlfile import read_toml_and_text

#: ``version`` values of uv.lock apkneed reads (uv writes 1 since uv 0.3)
UV_LOCK_VERSIONS = (1,)
#: PEP 751 ``lock-version`` majors apkneed reads (the PEP: refuse an unknown major)
PYLOCK_MAJOR = 1


@dataclass(frozen=True)
class LockedDist:
    """One distribution of a lock that installs on the target."""

    name: str  # canonical
    version: str
    sha256: frozenset[str]  # of every file the lock lists for it (empty: the lock lists none)
    origin: str  # "path/uv.lock:1062"
    requested_by: tuple[str, ...] = ()  # canonical names of the locked dists that depend on it
    direct: bool = True  # the project asks for it itself (pylock.toml does not say: True)


@dataclass(frozen=True)
class LockedSet:
    path: Path
    kind: str  # "uv.lock" or "pylock.toml"
    dists: tuple[LockedDist, ...]  # sorted by name
    index_url: str | None  # the one index the lock's files come from, when there is one


def marker_environment(python: str, arch: str) -> dict[str, str]:
    """PEP 508 marker values of CPython ``python`` on musl Linux ``arch`` (the lock's markers are read for it)."""
    version = parse_python_version(python)
    env = dict(default_environment())
    env.update(
        implementation_name="cpython", platform_python_implementation="CPython", os_name="posix",
        sys_platform="linux", platform_system="Linux", platform_machine=wheel_arch(arch),
        python_version=f"{version[0]}.{version[1]}",
        python_full_version=".".join(map(str, version)) if len(version) == 3 else f"{version[0]}.{version[1]}.0",
        implementation_version=".".join(map(str, version)) if len(version) == 3 else f"{version[0]}.{version[1]}.0",
        extra="",
    )
    return env


def read_lock(
    path: str | Path, *, python: str, arch: str, extras: Iterable[str] = (), groups: Iterable[str] = ()
) -> LockedSet:
    path = Path(path)
    text, data = read_toml_and_text(path)
    where = _Lines(path, text)
    env = marker_environment(python, arch)
    if path.name == "uv.lock":
        return _read_uv_lock(path, data, where, env, python, tuple(extras), tuple(groups))
    if extras or groups:
        # PEP 751 extras/groups select packages through markers (extras/dependency_groups); not read here
        raise InputError(f"{path}: --extra/--group with a pylock.toml: the lock was exported for its groups already")
    return _read_pylock(path, data, where, env, python)


# ------------------------------------------------------------- uv.lock ----


def _read_uv_lock(path, data, where, env, python, extras, groups) -> LockedSet:
    version = data.get("version")
    if version not in UV_LOCK_VERSIONS:
        raise InputError(
            f"{where.line('version')}: uv.lock version {version!r} is not one apkneed reads "
            f"(known: {', '.join(map(str, UV_LOCK_VERSIONS))})"
        )
    _check_requires_python(data.get("requires-python"), python, where, "requires-python")
    packages = data.get("package", [])
    if not isinstance(packages, list) or not all(isinstance(p, dict) and "name" in p for p in packages):
        raise InputError(f"{path}: [[package]] entries must be tables with a name")
    by_name: dict[str, list[dict]] = {}
    for package in packages:
        by_name.setdefault(canonicalize_name(package["name"]), []).append(package)
    roots = [p for p in packages if _is_project(p)]
    if not roots:
        raise InputError(f"{path}: no project package in the lock (source = {{ virtual/editable = ... }})")
    root_names = {canonicalize_name(p["name"]) for p in roots}

    found: dict[tuple[str, str], dict] = {}
    parents: dict[tuple[str, str], set[str]] = {}
    direct: set[tuple[str, str]] = set()
    queue: deque[tuple[dict, str | None, bool, tuple[str, ...]]] = deque()
    for root in roots:
        edges = list(root.get("dependencies", []))
        for extra in extras:
            optional = root.get("optional-dependencies", {})
            if extra not in optional and canonicalize_name(extra) not in {canonicalize_name(k) for k in optional}:
                raise InputError(f"{path}: --extra {extra}: {root['name']} has no such extra in the lock")
            edges += next(v for k, v in optional.items() if canonicalize_name(k) == canonicalize_name(extra))
        for group in groups:
            dev = root.get("dev-dependencies", {})
            match = [v for k, v in dev.items() if canonicalize_name(k) == canonicalize_name(group)]
            if not match:
                raise InputError(f"{path}: --group {group}: no such dependency group in the lock")
            edges += match[0]
        for edge in edges:
            queue.append((edge, None, True, ()))
    while queue:
        edge, parent, is_direct, _ = queue.popleft()
        if not _marker_holds(edge.get("marker"), env, where):
            continue
        name = canonicalize_name(edge["name"])
        if name in root_names:
            continue
        package = _pick(by_name.get(name, []), edge, path)
        key = (name, str(package.get("version")))
        if is_direct:
            direct.add(key)
        if parent is not None:
            parents.setdefault(key, set()).add(parent)
        wanted_extras = tuple(edge.get("extra", ()))
        seen_key = (key, wanted_extras)
        if seen_key in found:
            continue
        first = not any(k == key for k, _ in found)
        found[seen_key] = package
        more = list(package.get("dependencies", [])) if first else []
        for extra in wanted_extras:
            more += package.get("optional-dependencies", {}).get(extra, [])
        for child in more:
            queue.append((child, name, False, ()))

    dists: dict[tuple[str, str], LockedDist] = {}
    for (key, _), package in found.items():
        if key in dists:
            continue
        name, version = key
        if package.get("version") is None:
            raise InputError(f"{where.package(package['name'])}: {package['name']} is locked without a version (a local or VCS source): apkneed plans releases on an index")
        if "registry" not in package.get("source", {}):
            raise InputError(f"{where.package(package['name'])}: {package['name']} comes from {package.get('source')}, not an index: apkneed plans releases on an index")
        files = [package.get("sdist")] if package.get("sdist") else []
        files += package.get("wheels", [])
        hashes = frozenset(_sha256(f.get("hash", "")) for f in files if isinstance(f, dict) and f.get("hash", "").startswith("sha256:"))
        dists[key] = LockedDist(
            name, version, hashes, where.package(package["name"], version),
            tuple(sorted(parents.get(key, ()))), key in direct,
        )
    return LockedSet(path, "uv.lock", tuple(sorted(dists.values(), key=lambda d: (d.name, d.version))), _one_index(found.values()))


def _is_project(package: dict) -> bool:
    source = package.get("source", {})
    return isinstance(source, dict) and any(k in source for k in ("virtual", "editable")) or (
        isinstance(source, dict) and source.get("directory") == "."
    )


def _pick(candidates: list[dict], edge: dict, path: Path) -> dict:
    if not candidates:
        raise InputError(f"{path}: {edge['name']} is a dependency but not a [[package]] of the lock")
    if len(candidates) == 1 or "version" not in edge:
        return candidates[0]
    for package in candidates:
        if str(package.get("version")) == str(edge["version"]):
            return package
    raise InputError(f"{path}: {edge['name']}=={edge['version']} is a dependency but not a [[package]] of the lock")


def _one_index(packages: Iterable[dict]) -> str | None:
    indexes = {p.get("source", {}).get("registry") for p in packages}
    indexes.discard(None)
    return indexes.pop() if len(indexes) == 1 else None


def _sha256(value: str) -> str:
    return value.split(":", 1)[1].lower()


# --------------------------------------------------------- pylock.toml ----


def _read_pylock(path, data, where, env, python) -> LockedSet:
    version = data.get("lock-version")
    try:
        major = Version(str(version)).major
    except Exception:
        major = None
    if major != PYLOCK_MAJOR:
        raise InputError(f"{where.line('lock-version')}: lock-version {version!r} is not one apkneed reads (PEP 751: {PYLOCK_MAJOR}.x)")
    _check_requires_python(data.get("requires-python"), python, where, "requires-python")
    packages = _pylock_packages(path, data, where)
    dists = []
    indexes = set()
    for package in packages:
        if package["marker"] is not None and not package["marker"].evaluate(env):
            continue
        origin = where.package(package["name"], package["version"])
        if package["version"] is None or package["from_index"] is False:
            raise InputError(f"{origin}: {package['name']} is locked from a directory, archive or VCS: apkneed plans releases on an index")
        if package["index"]:
            indexes.add(package["index"])
        dists.append(LockedDist(canonicalize_name(package["name"]), package["version"], package["sha256"], origin))
    return LockedSet(path, "pylock.toml", tuple(sorted(dists, key=lambda d: (d.name, d.version))), indexes.pop() if len(indexes) == 1 else None)


def _pylock_packages(path: Path, data: dict, where: "_Lines") -> list[dict[str, Any]]:
    """Every package as {name, version, marker, index, from_index, sha256}, validated."""
    try:
        from packaging.pylock import Pylock, PylockUnsupportedVersionError, PylockValidationError
    except ImportError:  # packaging < 25.1
        return _pylock_fallback(path, data, where)
    try:
        lock = Pylock.from_dict(data)
    except PylockUnsupportedVersionError as exc:
        raise InputError(f"{where.line('lock-version')}: {exc}") from None
    except PylockValidationError as exc:
        raise InputError(f"{path}: not a valid PEP 751 lock ({exc})") from None
    result = []
    for package in lock.packages:
        files = ([package.sdist] if package.sdist else []) + list(package.wheels or ())
        if package.archive:
            files.append(package.archive)
        result.append({
            "name": str(package.name),
            "version": str(package.version) if package.version is not None else None,
            "marker": package.marker,
            "index": package.index,
            "from_index": not (package.vcs or package.directory or package.archive),
            "sha256": frozenset(f.hashes["sha256"].lower() for f in files if "sha256" in f.hashes),
        })
    return result


def _pylock_fallback(path: Path, data: dict, where: "_Lines") -> list[dict[str, Any]]:
    """PEP 751's rules apkneed relies on, checked by hand where ``packaging.pylock`` is missing."""
    packages = data.get("packages")
    if not isinstance(packages, list):
        raise InputError(f"{path}: not a valid PEP 751 lock (no [[packages]] array)")
    result = []
    for package in packages:
        if not isinstance(package, dict) or not isinstance(package.get("name"), str):
            raise InputError(f"{path}: not a valid PEP 751 lock (a [[packages]] entry without a name)")
        try:
            marker = Marker(package["marker"]) if "marker" in package else None
        except InvalidMarker as exc:
            raise InputError(f"{where.package(package['name'])}: invalid marker ({exc})") from None
        files = ([package["sdist"]] if isinstance(package.get("sdist"), dict) else []) + [
            w for w in package.get("wheels", []) if isinstance(w, dict)
        ]
        result.append({
            "name": package["name"],
            "version": str(package["version"]) if "version" in package else None,
            "marker": marker,
            "index": package.get("index"),
            "from_index": not any(k in package for k in ("vcs", "directory", "archive")),
            "sha256": frozenset(
                f["hashes"]["sha256"].lower() for f in files
                if isinstance(f.get("hashes"), dict) and isinstance(f["hashes"].get("sha256"), str)
            ),
        })
    return result


# ------------------------------------------------------------- shared ----


def _check_requires_python(spec: Any, python: str, where: "_Lines", key: str) -> None:
    if spec is None:
        return
    try:
        specifier = SpecifierSet(str(spec))
    except InvalidSpecifier:
        raise InputError(f"{where.line(key)}: requires-python {spec!r} is not a version specifier") from None
    version = parse_python_version(python)
    full = Version(".".join(map(str, version)) if len(version) == 3 else f"{version[0]}.{version[1]}.0")
    if not specifier.contains(full, prereleases=True):
        raise InputError(
            f"{where.line(key)}: the lock is for Python {spec}, the target is Python {python} "
            "(lock it again for that Python, or choose the target with --python/--base)"
        )


def _marker_holds(marker: str | None, env: dict[str, str], where: "_Lines") -> bool:
    if not marker:
        return True
    try:
        return Marker(marker).evaluate(env)
    except InvalidMarker as exc:
        raise InputError(f"{where.line(marker)}: invalid marker ({exc})") from None


class _Lines:
    """``path:line`` of a key or of a package's table (TOML parsers report no positions)."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines = text.splitlines()

    def line(self, needle: str) -> str:
        for number, line in enumerate(self.lines, start=1):
            if line.lstrip().startswith(needle) or needle in line:
                return f"{self.path}:{number}"
        return str(self.path)

    def package(self, name: str, version: str | None = None) -> str:
        """The line of ``name = "..."`` in the [[package]] whose next lines give ``version``."""
        for number, line in enumerate(self.lines, start=1):
            if line.strip() in (f'name = "{name}"', f"name = '{name}'"):
                if version is None or any(f'"{version}"' in later for later in self.lines[number:number + 2]):
                    return f"{self.path}:{number}"
        return str(self.path)
