"""The wheel tags pip would accept on an Alpine target, best first.

Built with ``packaging.tags`` (pypa's reference implementation, the code pip
itself calls) from plain facts about the target instead of the running host:

* the Python version of Alpine's ``python3`` (e.g. ``(3, 12)``),
* the musl version from the Alpine index (``alpine.facts.musl_version``),
  e.g. ``(1, 2)`` on Alpine >= 3.13, ``(1, 1)`` before,
* the machine architecture (Alpine's ``armv7`` is the wheel's ``armv7l``).

Platforms are ``musllinux_1_<minor>_<arch>`` for every minor from the musl
minor down to 0, as ``packaging`` computes them on a real musl host. The
unrestricted ``linux_<arch>`` tag a native pip also accepts is left out on
purpose: such wheels (PyPI refuses them) say nothing about the libc they were
built against, so planning with them would be guessing.

Only standard CPython builds are modelled (``cpXY`` ABI, ``abi3`` down to
cp32, ``none``); free-threaded ``cpXYt`` builds are not Alpine's ``python3``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING


from apkneed.errors import InputError
from apkneed.records import Frozen, set_field

if TYPE_CHECKING:
    # packaging.tags (with subprocess, logging, sysconfig) loads when tags are listed, for a
    # wheel's selection: parse_python_version and wheel_arch, on every plan, need none of it
    from packaging.tags import Tag

#: Alpine's architecture names -> the machine part of a wheel platform tag.
ALPINE_TO_WHEEL_ARCH: dict[str, str] = {
    "x86_64": "x86_64",
    "aarch64": "aarch64",
    "armv7": "armv7l",
    "armhf": "armv6l",
    "x86": "i686",
    "ppc64le": "ppc64le",
    "s390x": "s390x",
    "riscv64": "riscv64",
    "loongarch64": "loongarch64",
}


class Target(Frozen):
    """The Python platform of an Alpine release on one architecture."""

    __slots__ = ("python_version", "musl_version", "arch")

    python_version: tuple[int, ...]  # (3, 12) or (3, 12, 8); markers use all of it
    musl_version: tuple[int, int]
    arch: str  # wheel spelling: x86_64, aarch64, armv7l, ...

    def __init__(self, python_version: tuple[int, ...], musl_version: tuple[int, int], arch: str) -> None:
        set_field(self, "python_version", python_version)
        set_field(self, "musl_version", musl_version)
        set_field(self, "arch", arch)

    @property
    def interpreter(self) -> str:
        return f"cp{self.python_version[0]}{self.python_version[1]}"

    @property
    def best_platform(self) -> str:
        return musllinux_platforms(self.musl_version, self.arch)[0]

    def describe(self) -> str:
        """``cp312-musllinux_1_2_x86_64``: the most specific thing a wheel can match."""
        return f"{self.interpreter}-{self.best_platform}"


def make_target(python_version: str | tuple[int, ...], musl_version: tuple[int, ...], arch: str) -> Target:
    """A Target from loose inputs (``"3.12"``, ``(1, 2, 4)``, ``"armv7"``), or InputError."""
    return Target(parse_python_version(python_version), _musl_major_minor(musl_version), wheel_arch(arch))


def parse_python_version(version: str | tuple[int, ...]) -> tuple[int, ...]:
    if isinstance(version, str):
        try:
            parts = tuple(int(p) for p in version.strip().split("."))
        except ValueError:
            parts = ()
    else:
        parts = tuple(version)
    if not 2 <= len(parts) <= 3 or parts[0] != 3:
        raise InputError(f"not a Python 3 version (want X.Y or X.Y.Z): {version!r}")
    return parts


def wheel_arch(arch: str) -> str:
    """The wheel-tag machine name for an Alpine or wheel architecture name."""
    if arch in ALPINE_TO_WHEEL_ARCH:
        return ALPINE_TO_WHEEL_ARCH[arch]
    if arch in ALPINE_TO_WHEEL_ARCH.values():
        return arch
    known = ", ".join(sorted(ALPINE_TO_WHEEL_ARCH))
    raise InputError(f"unknown architecture {arch!r} (known: {known})")


def musllinux_platforms(musl_version: tuple[int, ...], arch: str) -> tuple[str, ...]:
    """``musllinux_1_2_x86_64``, ``musllinux_1_1_x86_64``, ``musllinux_1_0_x86_64`` for musl 1.2."""
    major, minor = _musl_major_minor(musl_version)
    machine = wheel_arch(arch)
    return tuple(f"musllinux_{major}_{m}_{machine}" for m in range(minor, -1, -1))


def supported_tags(target: Target) -> tuple[Tag, ...]:
    """Every tag pip on the target accepts, in pip's priority order (best first)."""
    from packaging.tags import compatible_tags, cpython_tags

    major_minor = target.python_version[:2]
    platforms = list(musllinux_platforms(target.musl_version, target.arch))
    # The same two generators pip's get_supported() chains for CPython.
    tags = list(cpython_tags(major_minor, abis=[target.interpreter], platforms=platforms))
    tags += compatible_tags(major_minor, interpreter=target.interpreter, platforms=platforms)
    return tuple(dict.fromkeys(tags))  # keep first occurrence, as pip does


def _musl_major_minor(version: tuple[int, ...]) -> tuple[int, int]:
    if len(version) < 2 or version[0] != 1 or any(not isinstance(p, int) or p < 0 for p in version):
        raise InputError(f"not a musl version (want 1.X): {'.'.join(map(str, version))}")
    return (version[0], version[1])
