"""Which BLAS a NumPy or SciPy wheel bundles, read from the wheel itself.

Pure functions over two things the wheel inspection already has: the names
of its vendored libraries (``numpy.libs/libscipy_openblas64_-*.so``) and the
text of the package's ``__config__.py`` (a few kilobytes, read in the same
pass as the ELF members). Meson-built NumPy (>= 1.26) and SciPy (>= 1.11)
write their build configuration there as a Python dict literal; its
``"blas"`` entry names the library, its version and, for OpenBLAS, the
configuration string (``OpenBLAS 0.3.31.188.0 USE64BITINT DYNAMIC_ARCH
NO_AFFINITY Haswell MAX_THREADS=64``). The text is never executed: the
fields are found by pattern, and anything not found stays None.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any, Iterable

#: members worth reading: ``<package>/__config__.py`` at the wheel's root
CONFIG_MEMBER = re.compile(r"^(numpy|scipy)/__config__\.py$")
#: a __config__.py larger than this is not NumPy's or SciPy's (they are < 10 KiB)
CONFIG_MAX_BYTES = 256 * 1024
#: vendored libraries that are a BLAS, by file-name prefix
BLAS_LIBRARY_PREFIXES = ("libscipy_openblas", "libopenblas", "libblis", "libflexiblas", "libmkl_rt")

_BLAS_BLOCK = re.compile(r'"blas"\s*:\s*\{(?P<body>[^{}]*)\}', re.DOTALL)
_FIELD = re.compile(r'"(?P<key>name|version|openblas configuration)"\s*:\s*r?"(?P<value>[^"\n]*)"')


@dataclass(frozen=True)
class WheelBlas:
    """The BLAS a wheel bundles (every field may be unknown)."""

    #: the vendored library's member path, e.g. numpy.libs/libscipy_openblas64_-32a4b2a6.so
    library: str | None
    name: str | None  # "scipy-openblas", "openblas", ...
    version: str | None
    int_model: str | None  # "ILP64" | "LP64"
    dynamic_arch: bool | None
    #: the member the facts were read from, e.g. numpy/__config__.py
    config_member: str | None
    configuration: str | None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> WheelBlas:
        return cls(**{key: data.get(key) for key in cls.__dataclass_fields__})


def config_members(names: Iterable[str]) -> list[str]:
    return [name for name in names if CONFIG_MEMBER.match(name)]


def bundled_blas_library(vendored: Iterable[str]) -> str | None:
    for path in vendored:
        if path.rsplit("/", 1)[-1].startswith(BLAS_LIBRARY_PREFIXES):
            return path
    return None


def parse_config(text: str) -> dict[str, str]:
    """The ``"blas"`` entry of a __config__.py: name, version, openblas configuration."""
    match = _BLAS_BLOCK.search(text)
    if not match:
        return {}
    return {m.group("key"): m.group("value").strip() for m in _FIELD.finditer(match.group("body"))}


def wheel_blas(vendored: Iterable[str], configs: dict[str, str]) -> WheelBlas | None:
    """The bundled BLAS from the vendored library names and the __config__.py texts
    (member name -> text); None when the wheel bundles no BLAS and says nothing of one."""
    library = bundled_blas_library(vendored)
    member, fields = None, {}
    for name in sorted(configs):
        fields = parse_config(configs[name])
        if fields:
            member = name
            break
    if library is None and not fields:
        return None
    configuration = fields.get("openblas configuration") or None
    words = set((configuration or "").split())
    base = (library or "").rsplit("/", 1)[-1]
    if "USE64BITINT" in words or base.startswith(("libscipy_openblas64_", "libopenblas64_")):
        int_model = "ILP64"
    elif configuration or base.startswith(("libscipy_openblas", "libopenblas")):
        int_model = "LP64"
    else:
        int_model = None
    dynamic_arch = ("DYNAMIC_ARCH" in words) if configuration else None
    name = fields.get("name") or None
    if name is None and base.startswith("libscipy_openblas"):
        name = "scipy-openblas"
    version = fields.get("version") or None
    if version is None and configuration and configuration.startswith("OpenBLAS "):
        version = configuration.split()[1]
    return WheelBlas(library, name, version, int_model, dynamic_arch, member, configuration)
