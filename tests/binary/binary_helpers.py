"""Helpers for the binary tests: compiling with real compilers and packing
real wheels, and a file that counts what is read from it. (Module name kept
unique: test helpers share one import path.)"""

from __future__ import annotations

import hashlib
import io
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

# ---------------------------------------------------------------- reading


class CountingReader(io.RawIOBase):
    """A file that records how many bytes were read from it."""

    def __init__(self, data: bytes) -> None:
        self.stream = io.BytesIO(data)
        self.bytes_read = 0

    def seekable(self) -> bool:
        return True

    def readable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        return self.stream.seek(offset, whence)

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self.bytes_read += len(data)
        return data


# ---------------------------------------------------------------- compiling


def run(*command: str | Path, cwd: Path | None = None) -> str:
    result = subprocess.run([str(c) for c in command], capture_output=True, text=True, cwd=cwd)
    if result.returncode != 0:
        pytest.fail(f"{' '.join(map(str, command))} failed:\n{result.stderr}")
    return result.stdout


def require_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        # Not a skip: the tests cannot see their truth without the compilers.
        pytest.fail(f"{name} is required for the binary tests (scripts/test.sh installs it)")
    return path


LIB_FOO = r"""
#include <stdio.h>
#ifdef __GLIBC__
#include <gnu/libc-version.h>
#endif
int foo_value(int x) {
    char buf[32];
    snprintf(buf, sizeof buf, "%d", x);
    printf("%s\n", buf);
#ifdef __GLIBC__
    printf("%s\n", gnu_get_libc_version());
#endif
    return x + 1;
}
"""

EXT_ZLIB = r"""
#include <stdlib.h>
#include <zlib.h>
const char *ext_zlib_version(void) { return getenv("X") ? "x" : zlibVersion(); }
"""

EXT_FOO = r"""
#include <stdlib.h>
int foo_value(int x);
int ext_foo(int x) { return foo_value(x) * 2 + (getenv("X") != NULL); }
"""

MAIN = r"""
#include <stdio.h>
int main(void) { puts("hello"); return 0; }
"""

LIB32_DEP = "int dep_value(int x) { return x + 32; }\n"
LIB32_DEP_VERSIONS = "DEP_1.0 { global: dep_value; local: *; };\n"
LIB32_USER = "int dep_value(int x);\nint user_value(int x) { return dep_value(x); }\n"


# ---------------------------------------------------------------- wheels


def wheel_bytes(
    dist: str,
    version: str,
    tag: str,
    members: dict[str, bytes | Path],
    *,
    executable: tuple[str, ...] = (),
) -> bytes:
    """A real wheel: the members, then dist-info WHEEL, METADATA and RECORD."""
    buffer = io.BytesIO()
    dist_info = f"{dist}-{version}.dist-info"
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        record = []
        for name, content in members.items():
            data = content.read_bytes() if isinstance(content, Path) else content
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (0o755 if name in executable else 0o644) << 16
            archive.writestr(info, data)
            record.append(f"{name},sha256={hashlib.sha256(data).hexdigest()},{len(data)}")
        wheel = f"Wheel-Version: 1.0\nGenerator: apkneed-tests\nRoot-Is-Purelib: false\nTag: {tag}\n"
        archive.writestr(f"{dist_info}/WHEEL", wheel)
        archive.writestr(f"{dist_info}/METADATA", f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n")
        record.append(f"{dist_info}/RECORD,,")
        archive.writestr(f"{dist_info}/RECORD", "\n".join(record) + "\n")
    return buffer.getvalue()
