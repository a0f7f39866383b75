"""One apk package record, with every field an APKINDEX can carry.

Field letters (apk-tools' ``apk_pkg_add_info`` and ``apk-v2(5)``):

====  =====================  ====  ========================
C     checksum (``Q1``+b64)  t     build time (unix)
P     name                   c     aports commit
V     version                D     depends
A     arch                   p     provides
S     download size          i     install_if
I     installed size         k     provider priority
T     description            r     replaces
U     url                    q     replaces priority
L     license                o     origin (source package)
m     maintainer
====  =====================  ====  ========================

The installed database (``lib/apk/db/installed``) adds file lines, which are
kept as ``files`` (paths relative to the root).
"""

from __future__ import annotations

from apkneed.alpine.atom import Dependency, Provide

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (milliseconds of every resolve)
if TYPE_CHECKING:
    from collections.abc import Iterable


class Package:
    """One package record. Compared by identity (packages are dict keys); ``__slots__`` names the fields in order."""

    __slots__ = (
        "name", "version", "arch", "checksum", "size", "installed_size", "description", "url", "license", "origin",
        "maintainer", "build_time", "commit", "depends", "provides", "install_if", "provider_priority", "replaces",
        "replaces_priority", "repository", "files",
    )

    name: str
    version: str
    arch: str
    checksum: str
    size: int
    installed_size: int
    description: str
    url: str
    license: str
    origin: str
    maintainer: str
    build_time: int | None
    commit: str
    depends: tuple[Dependency, ...]
    provides: tuple[Provide, ...]
    install_if: tuple[Dependency, ...]
    provider_priority: int | None
    replaces: tuple[Dependency, ...]
    replaces_priority: int | None
    #: which repository this record came from ("main", "community", "installed", a path)
    repository: str
    #: installed database only: every file and directory the package owns
    files: tuple[str, ...]

    def __init__(
        self, name: str, version: str, arch: str = "", checksum: str = "", size: int = 0, installed_size: int = 0,
        description: str = "", url: str = "", license: str = "", origin: str = "", maintainer: str = "",
        build_time: int | None = None, commit: str = "", depends: tuple[Dependency, ...] = (),
        provides: tuple[Provide, ...] = (), install_if: tuple[Dependency, ...] = (),
        provider_priority: int | None = None, replaces: tuple[Dependency, ...] = (),
        replaces_priority: int | None = None, repository: str = "", files: tuple[str, ...] = (),
    ) -> None:
        self.name = name
        self.version = version
        self.arch = arch
        self.checksum = checksum
        self.size = size
        self.installed_size = installed_size
        self.description = description
        self.url = url
        self.license = license
        self.origin = origin
        self.maintainer = maintainer
        self.build_time = build_time
        self.commit = commit
        self.depends = depends
        self.provides = provides
        self.install_if = install_if
        self.provider_priority = provider_priority
        self.replaces = replaces
        self.replaces_priority = replaces_priority
        self.repository = repository
        self.files = files

    @property
    def nv(self) -> str:
        """``name-version``, the way apk prints a package."""
        return f"{self.name}-{self.version}"

    def __repr__(self) -> str:
        return f"<Package {self.nv} [{self.repository}]>"


def file_owners(installed: Iterable[Package]) -> dict[str, str]:
    """Path relative to the root (as the installed database writes it, no
    leading ``/``) -> name of the package that installed it.

    A file has one owner in apk's database; directories are listed by every
    package with files in them, and the first package keeps them.
    """
    owners: dict[str, str] = {}
    for package in installed:
        for path in package.files:
            owners.setdefault(path.lstrip("/"), package.name)
    return owners
