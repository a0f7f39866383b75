"""Fixtures for the binary tests: real ELF files compiled here, real wheels
from PyPI, and a helper that packs files into a real wheel.

Compiled objects (session scope, built once per run):

* with gcc (glibc): a library ``libgfoo.so.1`` that calls fortified printf
  (``__printf_chk``) and ``gnu_get_libc_version``; extensions linked against
  zlib, against libgfoo with a DT_RPATH and with a DT_RUNPATH of
  ``$ORIGIN/../mypkg.libs``; an executable;
* with musl-gcc: ``libmfoo.so.1``; an extension linked against zlib (against
  a private copy of the system's libz.so.1, since musl-gcc searches only
  musl's own library directory); extensions using libmfoo through
  ``$ORIGIN`` RPATH and without any RPATH; a dynamic and a static executable;
* 32-bit i386 objects (gcc -m32 -c, linked with ld -m elf_i386): a library
  with a version script and one that needs it, with SysV hash tables.

Real wheels are downloaded once into the test cache, their sha256 checked
both against PyPI's JSON API and against the value pinned below.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import pytest

from binary_helpers import (
    EXT_FOO, EXT_ZLIB, LIB32_DEP, LIB32_DEP_VERSIONS, LIB32_USER, LIB_FOO, MAIN, require_tool, run, wheel_bytes,
)


@dataclass(frozen=True)
class Built:
    dir: Path
    zlib_include: Path
    glibc_lib: Path  # libgfoo.so.1
    glibc_ext_zlib: Path
    glibc_ext_rpath: Path  # DT_RPATH $ORIGIN/../mypkg.libs, needs libgfoo.so.1
    glibc_ext_runpath: Path  # DT_RUNPATH ${ORIGIN}/../mypkg.libs
    glibc_exe: Path
    musl_lib: Path  # libmfoo.so.1
    musl_ext_zlib: Path
    musl_ext_rpath: Path  # DT_RPATH $ORIGIN/../mypkg.libs, needs libmfoo.so.1
    musl_ext_plain: Path  # needs libmfoo.so.1, no RPATH
    musl_exe: Path
    musl_static: Path
    i386_dep: Path  # lib32dep.so.1 with version DEP_1.0
    i386_user: Path  # needs lib32dep.so.1, RUNPATH $ORIGIN


def _write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text)
    return path


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    gcc, musl_gcc, ld = require_tool("gcc"), require_tool("musl-gcc"), require_tool("ld")
    d = tmp_path_factory.mktemp("elf")
    lib_foo, ext_zlib = _write(d, "foo.c", LIB_FOO), _write(d, "ext_zlib.c", EXT_ZLIB)
    ext_foo, main = _write(d, "ext_foo.c", EXT_FOO), _write(d, "main.c", MAIN)
    common = ["-shared", "-fPIC", "-O2"]

    # glibc
    glibc_lib = d / "glibc" / "libgfoo.so.1"
    glibc_lib.parent.mkdir()
    run(gcc, *common, "-D_FORTIFY_SOURCE=2", "-Wl,-soname,libgfoo.so.1", "-o", glibc_lib, lib_foo)
    (d / "glibc" / "libgfoo.so").symlink_to("libgfoo.so.1")
    glibc_ext_zlib = d / "glibc" / "_zext.cpython-310-x86_64-linux-gnu.so"
    run(gcc, *common, "-o", glibc_ext_zlib, ext_zlib, "-lz")
    glibc_ext_rpath = d / "glibc" / "_rpath.cpython-310-x86_64-linux-gnu.so"
    run(gcc, *common, "-o", glibc_ext_rpath, ext_foo, f"-L{d / 'glibc'}", "-lgfoo",
        "-Wl,--disable-new-dtags,-rpath,$ORIGIN/../mypkg.libs")
    glibc_ext_runpath = d / "glibc" / "_runpath.cpython-310-x86_64-linux-gnu.so"
    run(gcc, *common, "-o", glibc_ext_runpath, ext_foo, f"-L{d / 'glibc'}", "-lgfoo",
        "-Wl,--enable-new-dtags,-rpath,${ORIGIN}/../mypkg.libs")
    glibc_exe = d / "glibc" / "hello"
    run(gcc, "-O2", "-o", glibc_exe, main)

    # musl: link zlib through a private copy, musl-gcc ignores the glibc dirs
    zlib_dir = d / "zlib"
    zlib_dir.mkdir()
    system_libz = Path(run(gcc, "-print-file-name=libz.so").strip()).resolve()
    if not system_libz.is_file():
        pytest.fail("zlib1g-dev is required for the binary tests (scripts/test.sh installs it)")
    shutil.copy(system_libz, zlib_dir / "libz.so")
    zlib_include = Path("/usr/include")
    musl_lib = d / "musl" / "libmfoo.so.1"
    musl_lib.parent.mkdir()
    run(musl_gcc, *common, "-Wl,-soname,libmfoo.so.1", "-o", musl_lib, lib_foo)
    (d / "musl" / "libmfoo.so").symlink_to("libmfoo.so.1")
    musl_ext_zlib = d / "musl" / "_zext.cpython-310-x86_64-linux-musl.so"
    # -idirafter: zlib.h from /usr/include without shadowing musl's own headers
    run(musl_gcc, *common, f"-idirafter{zlib_include}", "-o", musl_ext_zlib, ext_zlib, f"-L{zlib_dir}", "-lz")
    musl_ext_rpath = d / "musl" / "_rpath.cpython-310-x86_64-linux-musl.so"
    run(musl_gcc, *common, "-o", musl_ext_rpath, ext_foo, f"-L{d / 'musl'}", "-lmfoo",
        "-Wl,--disable-new-dtags,-rpath,$ORIGIN/../mypkg.libs")
    musl_ext_plain = d / "musl" / "_plain.cpython-310-x86_64-linux-musl.so"
    run(musl_gcc, *common, "-o", musl_ext_plain, ext_foo, f"-L{d / 'musl'}", "-lmfoo")
    musl_exe = d / "musl" / "hello"
    run(musl_gcc, "-O2", "-o", musl_exe, main)
    musl_static = d / "musl" / "hello-static"
    run(musl_gcc, "-O2", "-static", "-o", musl_static, main)

    # i386, linked by ld directly (no 32-bit C library needed)
    i386 = d / "i386"
    i386.mkdir()
    dep_c, user_c = _write(i386, "dep.c", LIB32_DEP), _write(i386, "user.c", LIB32_USER)
    versions = _write(i386, "dep.map", LIB32_DEP_VERSIONS)
    run(gcc, "-m32", "-fPIC", "-O2", "-c", "-o", i386 / "dep.o", dep_c)
    run(gcc, "-m32", "-fPIC", "-O2", "-c", "-o", i386 / "user.o", user_c)
    i386_dep = i386 / "lib32dep.so.1"
    run(ld, "-m", "elf_i386", "-shared", "--hash-style=sysv", "-soname", "lib32dep.so.1",
        f"--version-script={versions}", "-o", i386_dep, i386 / "dep.o")
    (i386 / "lib32dep.so").symlink_to("lib32dep.so.1")
    i386_user = i386 / "lib32user.so"
    run(ld, "-m", "elf_i386", "-shared", "--hash-style=sysv", "--enable-new-dtags", "-rpath", "$ORIGIN",
        "-o", i386_user, i386 / "user.o", f"-L{i386}", "-l32dep")

    return Built(
        d, zlib_include, glibc_lib, glibc_ext_zlib, glibc_ext_rpath, glibc_ext_runpath, glibc_exe,
        musl_lib, musl_ext_zlib, musl_ext_rpath, musl_ext_plain, musl_exe, musl_static, i386_dep, i386_user,
    )


# ---------------------------------------------------------------- wheels


@pytest.fixture(scope="session")
def make_wheel(tmp_path_factory: pytest.TempPathFactory):
    """make_wheel(dist, version, tag, members, executable=()) -> path of a real .whl"""
    directory = tmp_path_factory.mktemp("wheels")

    def make(dist: str, version: str, tag: str, members: dict[str, bytes | Path], **kwargs) -> Path:
        path = directory / f"{dist}-{version}-{tag}.whl"
        path.write_bytes(wheel_bytes(dist, version, tag, members, **kwargs))
        return path

    return make


# ---------------------------------------------------------------- PyPI


@dataclass(frozen=True)
class PinnedWheel:
    project: str
    version: str
    filename: str
    sha256: str  # from PyPI's JSON API when these tests were written


NUMPY_MUSL = PinnedWheel(
    "numpy", "2.2.6", "numpy-2.2.6-cp310-cp310-musllinux_1_2_x86_64.whl",
    "8fc377d995680230e83241d8a96def29f204b5782f371c532579b4f20607a289",
)
# keeps libz.so.1 external (auditwheel's musllinux policy allows it): found by
# reading the NEEDED entries of candidate wheels that link image codecs
PILLOW_MUSL = PinnedWheel(
    "pillow", "11.2.1", "pillow-11.2.1-cp310-cp310-musllinux_1_2_x86_64.whl",
    "cc1c3bc53befb6096b84165956e886b1729634a799e9d6329a0c512ab651e579",
)
MARKUPSAFE_MANYLINUX = PinnedWheel(
    "markupsafe", "3.0.2", "MarkupSafe-3.0.2-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
    "bbcb445fa71794da8f178f0f6d66789a28d7319071af7a496d4d507ed566270d",
)
MARKUPSAFE_MUSL = PinnedWheel(
    "markupsafe", "3.0.2", "MarkupSafe-3.0.2-cp310-cp310-musllinux_1_2_x86_64.whl",
    "b424c77b206d63d500bcb69fa55ed8d0e6a3774056bdc4839fc9298a7edca171",
)
SIX_PURE = PinnedWheel(
    "six", "1.17.0", "six-1.17.0-py2.py3-none-any.whl",
    "4721f391ed90541fddacab5acf947aa0d3dc7d27b2e1e8eda2be8970586c3274",
)


def fetch_wheel(cache_dir: Path, pinned: PinnedWheel) -> Path:
    """The wheel from the test cache, or from PyPI once (sha256 checked twice)."""
    path = cache_dir / "wheels" / pinned.filename
    if path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() == pinned.sha256:
        return path
    import httpx  # only when a download is needed

    api = f"https://pypi.org/pypi/{pinned.project}/json"
    response = httpx.get(api, timeout=60, follow_redirects=True)
    response.raise_for_status()
    files = response.json()["releases"].get(pinned.version, [])
    entry = next((f for f in files if f["filename"] == pinned.filename), None)
    if entry is None:
        pytest.fail(f"{pinned.filename} is not listed by {api}")
    if entry["digests"]["sha256"] != pinned.sha256:
        pytest.fail(f"PyPI's sha256 for {pinned.filename} is not the pinned one")
    data = httpx.get(urljoin(api, entry["url"]), timeout=300, follow_redirects=True).content
    if hashlib.sha256(data).hexdigest() != pinned.sha256:
        pytest.fail(f"the downloaded {pinned.filename} does not match its sha256")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.part")  # xdist workers may race
    tmp.write_bytes(data)
    tmp.replace(path)
    return path


@pytest.fixture(scope="session")
def numpy_musl_wheel(test_cache_dir: Path) -> Path:
    return fetch_wheel(test_cache_dir, NUMPY_MUSL)


@pytest.fixture(scope="session")
def pillow_musl_wheel(test_cache_dir: Path) -> Path:
    return fetch_wheel(test_cache_dir, PILLOW_MUSL)


@pytest.fixture(scope="session")
def markupsafe_manylinux_wheel(test_cache_dir: Path) -> Path:
    return fetch_wheel(test_cache_dir, MARKUPSAFE_MANYLINUX)


@pytest.fixture(scope="session")
def markupsafe_musl_wheel(test_cache_dir: Path) -> Path:
    return fetch_wheel(test_cache_dir, MARKUPSAFE_MUSL)


@pytest.fixture(scope="session")
def six_wheel(test_cache_dir: Path) -> Path:
    return fetch_wheel(test_cache_dir, SIX_PURE)
