"""Which Python distribution a file in a site-packages directory belongs to.

pip records every file it installs in ``<name>-<version>.dist-info/RECORD``
(paths relative to site-packages) and the wheel's tags in ``WHEEL``
(``Tag: cp312-cp312-manylinux_2_17_x86_64``): that names the distribution of
a broken extension module and tells a manylinux wheel forced onto musl from
a musllinux one. Read lazily: only for the files a scan reports.
"""

from __future__ import annotations

import csv
import io
import posixpath
from dataclasses import dataclass
from typing import Callable, Iterable

DIST_INFO = ".dist-info"


@dataclass(frozen=True)
class Distribution:
    name: str
    version: str
    wheel_tags: tuple[str, ...]


def site_packages_of(path: str, names: Iterable[str]) -> str | None:
    """The site-packages directory ``path`` lies in, or None."""
    parts = path.split("/")
    wanted = set(names)
    for i in range(len(parts) - 1, 0, -1):
        if parts[i] in wanted:
            return "/".join(parts[: i + 1])
    return None


def site_packages_dirs(paths: Iterable[str], names: Iterable[str]) -> list[str]:
    """The site-packages directories that hold a ``*.dist-info`` among ``paths``, sorted."""
    names = tuple(names)
    found = {site for path in paths if DIST_INFO + "/" in path and (site := site_packages_of(path, names))}
    return sorted(found)


def parse_dist_info_name(directory: str) -> tuple[str, str] | None:
    """``numpy-2.2.6.dist-info`` -> ("numpy", "2.2.6")."""
    if not directory.endswith(DIST_INFO):
        return None
    stem = directory[: -len(DIST_INFO)]
    name, sep, version = stem.rpartition("-")
    if not sep or not name:
        return None
    return name.replace("_", "-"), version


def record_paths(text: str) -> list[str]:
    """The file paths of a RECORD (CSV: path, hash, size)."""
    return [row[0] for row in csv.reader(io.StringIO(text)) if row and row[0]]


def wheel_tags(text: str) -> tuple[str, ...]:
    return tuple(line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("Tag:"))


class SitePackages:
    """The distributions of one site-packages directory, read on first use."""

    def __init__(self, directory: str, listdir: Callable[[str], list[str]], read_text: Callable[[str], str | None]):
        self.directory = directory
        self._listdir = listdir
        self._read_text = read_text
        self._owners: dict[str, Distribution] | None = None
        self._top_level: dict[str, Distribution] = {}
        self._all: list[Distribution] = []

    def _load(self) -> dict[str, Distribution]:
        owners: dict[str, Distribution] = {}
        for entry in sorted(self._listdir(self.directory)):
            parsed = parse_dist_info_name(entry)
            if parsed is None:
                continue
            dist_info = f"{self.directory}/{entry}"
            wheel = self._read_text(f"{dist_info}/WHEEL") or ""
            dist = Distribution(parsed[0], parsed[1], wheel_tags(wheel))
            self._all.append(dist)
            record = self._read_text(f"{dist_info}/RECORD") or ""
            for relative in record_paths(record):
                normal = posixpath.normpath(relative)
                owners.setdefault(normal, dist)
                top = normal.split("/", 1)[0]
                if not top.endswith(DIST_INFO):
                    self._top_level.setdefault(top, dist)
        return owners

    def distributions(self) -> tuple[Distribution, ...]:
        """Every distribution installed here (one ``*.dist-info`` each), by name."""
        if self._owners is None:
            self._owners = self._load()
        return tuple(sorted(self._all, key=lambda d: (d.name.lower(), d.version)))

    def owner(self, path: str) -> Distribution | None:
        """The distribution whose RECORD lists ``path`` (or its top-level directory)."""
        if self._owners is None:
            self._owners = self._load()
        relative = path[len(self.directory) + 1 :]
        found = self._owners.get(relative)
        if found is None:
            found = self._top_level.get(relative.split("/", 1)[0])
        return found
