"""Where a loaded library came from: a wheel, or a system package.

A library under ``site-packages`` was put there by pip; auditwheel names its
directory ``<distribution>.libs``, so the wheel is known from the path alone.
Anything else is a system library, and the package that owns it is looked up
in the installed-package database of the root: apk's
``lib/apk/db/installed`` (read by :func:`apkneed.alpine.index.read_installed_db`),
else dpkg's ``var/lib/dpkg/info/*.list``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Mapping

from apkneed.alpine.index import read_installed_db
from apkneed.alpine.package import file_owners
from apkneed.blas.knowledge import Knowledge


@dataclass(frozen=True)
class Origin:
    kind: str  # "wheel" | "system"
    #: the wheel's distribution, or the system package owning the file
    package: str | None
    #: "pip" for a wheel, "apk" / "dpkg" for an owned system file, None if unowned
    manager: str | None

    def describe(self) -> str:
        if self.kind == "wheel":
            return f"bundled in the {self.package} wheel" if self.package else "bundled in a wheel"
        if self.package:
            return f"system, {self.manager} package {self.package}"
        return "system, no package owns it"

    def to_json(self) -> dict:
        return {"kind": self.kind, "package": self.package, "manager": self.manager,
                "description": self.describe()}


def wheel_distribution(path: str, knowledge: Knowledge) -> str | None | bool:
    """The distribution whose wheel installed ``path``; False if not a wheel.

    ``.../site-packages/numpy.libs/libscipy_openblas64_-ab12.so`` -> "numpy";
    ``.../site-packages/scipy_openblas64/lib/libscipy_openblas64_.so`` ->
    "scipy_openblas64".
    """
    parts = PurePosixPath(path).parts
    for index, part in enumerate(parts[:-1]):
        if part in knowledge.wheel_dirs and index + 1 < len(parts) - 1:
            top = parts[index + 1]
            for suffix in knowledge.wheel_lib_suffixes:
                if top.endswith(suffix):
                    return top[: -len(suffix)]
            return top
        if part in knowledge.wheel_dirs:
            return None
    return False


def dpkg_owners(lists: Mapping[str, str]) -> dict[str, str]:
    """dpkg ``*.list`` contents by package name -> {path: package}.

    ``libblas3:amd64`` is reported as ``libblas3``: the architecture
    qualifier is dpkg's file naming, not the package's name.
    """
    owners: dict[str, str] = {}
    for qualified, text in lists.items():
        package = qualified.split(":", 1)[0]
        for line in text.splitlines():
            line = line.strip()
            if line and line != "/.":
                owners[line.lstrip("/")] = package
    return owners


def owner(path: str, realpath: str, owners: Mapping[str, str]) -> str | None:
    """The package owning the path as loaded, or the file it resolves to."""
    for candidate in (path, realpath):
        found = owners.get(candidate.lstrip("/"))
        if found:
            return found
    return None


@dataclass(frozen=True)
class PackageDatabase:
    manager: str | None  # "apk" | "dpkg" | None when the root has neither
    owners: Mapping[str, str]


def read_package_database(root: Path, knowledge: Knowledge) -> PackageDatabase:
    """The root's installed-package database: apk first, then dpkg."""
    apk_db = root / knowledge.apk_installed_db
    if apk_db.is_file():
        try:
            data = apk_db.read_bytes()
        except OSError:
            data = b""
        return PackageDatabase("apk", file_owners(read_installed_db(data, source=str(apk_db))))
    dpkg_dir = root / knowledge.dpkg_info_dir
    if dpkg_dir.is_dir():
        lists: dict[str, str] = {}
        for entry in sorted(dpkg_dir.glob("*.list")):
            try:
                lists[entry.name[: -len(".list")]] = entry.read_text("utf-8", "replace")
            except OSError:
                continue
        return PackageDatabase("dpkg", dpkg_owners(lists))
    return PackageDatabase(None, {})


def origin_of(path: str, knowledge: Knowledge, database: PackageDatabase) -> Origin:
    realpath = os.path.realpath(path)
    distribution = wheel_distribution(realpath, knowledge)
    if distribution is False:
        distribution = wheel_distribution(path, knowledge)
    if distribution is not False:
        return Origin("wheel", distribution or None, "pip")
    package = owner(path, realpath, database.owners)
    return Origin("system", package, database.manager if package else None)
