"""The sdist build-file reader: clues with file and line, bounded, never a traceback.

Rules are checked on small build files written here (each states the
construct it exercises), on real sdists from PyPI (through the test cache)
and under a fuzz target for the whole sdist reader (zip and tar, odd members).
"""

from __future__ import annotations

import io
import tarfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from apkneed.errors import ApkneedError
from apkneed.plan.evidence import SdistLimits, read_sdist
from apkneed.python.pypi import PyPIClient
from apkneed.python.sdist_build import SOURCE_CAP, build_member_cap, read_clues
from fuzz_helpers import FUZZ, contained, mutate

PYPI = "https://pypi.org/simple"


def _clues(files: dict[str, str]):
    texts = {f"p-1/{name}": text.encode() for name, text in files.items()}
    return {(c.kind, c.name): c for c in read_clues(texts, list(texts), "p-1")}


def test_setup_py_libraries_pkg_config_and_config_scripts():
    clues = _clues({"setup.py": (
        "import subprocess\n"
        "libs = ['ldap', 'lber']\n"
        "cflags = subprocess.check_output(['pkg-config', '--cflags', 'portaudio-2.0'])\n"
        "ext = Extension('x', libraries=['z', 'm', 'ws2_32'], extra_link_args=['-lpq', '-lpthread'])\n"
        "out = subprocess.run(['pg_config', '--includedir'])\n"
        "for pkg in ['mysqlclient', 'mariadb']:\n"
        "    os.system(f'pkg-config --exists {pkg}')\n"
    )})
    assert clues[("library", "ldap")].where == "setup.py:2"
    assert ("library", "lber") in clues and ("library", "z") in clues and ("library", "pq") in clues
    # libc and other systems' libraries are never asked of apk
    assert ("library", "m") not in clues and ("library", "pthread") not in clues and ("library", "ws2_32") not in clues
    assert clues[("pkg-config", "portaudio-2.0")].line == 3 and not clues[("pkg-config", "portaudio-2.0")].optional
    assert clues[("config-script", "pg_config")].line == 5
    # a list just above a pkg-config call: candidates, in order
    assert clues[("pkg-config", "mysqlclient")].optional and clues[("pkg-config", "mariadb")].line == 6


def test_setup_cfg_meson_cmake_and_cargo():
    clues = _clues({
        "setup.cfg": "[build_ext]\nlibraries = xml2, xslt\n",
        "meson.build": "dep = dependency('cairo', version: '>=1.15')\nopt = dependency('x11', required: false)\n"
                       "py = dependency('python3')\nomp = dependency('openmp', required: false)\nm = cc.find_library('gmp')\n",
        "CMakeLists.txt": "find_package(Python COMPONENTS Interpreter)\nfind_package(ZLIB REQUIRED)\n"
                          "find_package(PNG)\npkg_check_modules(FFI REQUIRED libffi>=3)\nfind_library(UV_LIB NAMES uv)\n",
        "rust/Cargo.toml": "[dependencies]\nopenssl-sys = \"0.9\"\nlibz-sys = { version = \"1\", features = [\"static\"] }\n",
    })
    assert clues[("library", "xml2")].where == "setup.cfg:2" and ("library", "xslt") in clues
    assert clues[("pkg-config", "cairo")].where == "meson.build:1" and not clues[("pkg-config", "cairo")].optional
    assert clues[("pkg-config", "x11")].optional and ("pkg-config", "python3") not in clues
    assert clues[("openmp", "openmp")].optional and clues[("library", "gmp")].line == 5
    assert not clues[("cmake-package", "ZLIB")].optional and clues[("cmake-package", "PNG")].optional
    assert ("cmake-package", "Python") not in clues
    assert clues[("pkg-config", "libffi")].where == "CMakeLists.txt:4" and ("library", "uv") in clues
    assert clues[("rust-sys", "openssl-sys")].where == "rust/Cargo.toml:2" and ("rust-sys", "libz-sys") not in clues


def test_headers_runtime_loads_and_what_is_not_read():
    clues = _clues({
        "src/mod.c": "#include <Python.h>\n#include <stdio.h>\n#include <sys/types.h>\n#include \"local.h\"\n"
                     "#include <mysql.h>\n#include <linux/if.h>\n#include <windows.h>\n#include <vector>\n",
        "src/local.h": "/* shipped */\n",
        "src/_ext.pyx": "cdef extern from \"yaml.h\":\n    pass\n",
        "lib/loader.py": "import ctypes.util\nlib = ctypes.util.find_library('magic')\nffi.dlopen('libsodium.so.23')\n",
    })
    headers = {name for kind, name in clues if kind == "header"}
    assert headers == {"mysql.h", "linux/if.h", "yaml.h"}
    assert clues[("header", "mysql.h")].where == "src/mod.c:5" and clues[("header", "yaml.h")].where == "src/_ext.pyx:1"
    assert clues[("runtime-library", "magic")].where == "lib/loader.py:2" and ("runtime-library", "sodium") in clues
    # other platforms, tests and vendored trees are not read for headers
    assert build_member_cap("p-1/src/win32/mod.c", "p-1") == 0
    assert build_member_cap("p-1/tests/helper.c", "p-1") == 0
    assert build_member_cap("p-1/third_party/zlib/inflate.c", "p-1") == 0
    assert build_member_cap("p-1/src/mod.c", "p-1") == SOURCE_CAP
    assert build_member_cap("p-1/setup.py", "p-1") > SOURCE_CAP


def test_macros_and_garbage_never_raise():
    # meson/CMake macros, unbalanced parentheses, binary junk: clues or nothing, no exception
    clues = _clues({
        "meson.build": "dependency(get_option('backend'))\ndependency('\nfoo = dependency(\n",
        "CMakeLists.txt": "find_package(${PKG} REQUIRED)\nmacro(find_thing)\nfind_package(\nendmacro()\n"
                          "pkg_check_modules(X ${MODS})\n",
        "setup.py": "libraries = [" + "'a'," * 5000 + "\n\x00\xff" + "(" * 10000,
    })
    assert all(not name.startswith("$") for _, name in clues)


def _newest_sdist(client: PyPIClient, project: str, version: str):
    return next(f for f in client.files(project, version) if f.is_sdist)


@pytest.fixture(scope="module")
def client(test_cache_dir: Path):
    with PyPIClient(PYPI, cache_root=test_cache_dir / "apkneed-plan" / "pypi", max_age=86400.0) as opened:
        yield opened


@pytest.mark.parametrize(
    "project, version, kind, name",
    [
        ("python-ldap", "3.4.4", "library", "ldap"),
        ("pyaudio", "0.2.14", "library", "portaudio"),
        ("psycopg2", "2.9.10", "config-script", "pg_config"),
        ("pycairo", "1.27.0", "pkg-config", "cairo"),
        ("python-magic", "0.4.27", "runtime-library", "magic"),
        ("mysqlclient", "2.2.7", "pkg-config", "mysqlclient"),
    ],
)
def test_real_sdists(client, project, version, kind, name):
    file = _newest_sdist(client, project, version)
    evidence = read_sdist(client.download(file), file.filename)
    found = [c for c in evidence.clues if (c.kind, c.name) == (kind, name)]
    assert found, [(c.kind, c.name) for c in evidence.clues]
    assert found[0].line > 0 and not found[0].file.startswith(file.filename.split("-")[0] + "-")


def _tar(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return out.getvalue()


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


SEED = {
    "p-1/PKG-INFO": b"Metadata-Version: 2.1\nName: p\nHome-page: https://example.org/p\n\n",
    "p-1/setup.py": b"from setuptools import Extension\next = Extension('p', ['p.c'], libraries=['ldap'])\n",
    "p-1/p.c": b"#include <Python.h>\n#include <ldap.h>\n",
    "p-1/meson.build": b"dependency('cairo')\n",
}


def test_enormous_setup_py_and_source_budget():
    members = dict(SEED)
    members["p-1/setup.py"] = b"x = 1\n" * 400_000  # 2.4 MB: not parsed whole, not a crash
    evidence = read_sdist(_tar(members), "p-1.tar.gz")
    assert any("setup.py: larger than" in p for p in evidence.problems)
    small = read_sdist(_tar(SEED), "p-1.tar.gz", SdistLimits(clue_bytes=40))
    assert any("not read for clues" in p for p in small.problems)


def test_zip_sdist_with_odd_members():
    # a "../" name is refused whole, in one line
    climbing = _zip({**SEED, "p-1/../escape.c": b"#include <evil.h>\n"})
    with pytest.raises(ApkneedError, match="escapes the archive"):
        read_sdist(climbing, "p-1.zip")
    # a directory entry and a bzip2 member whose data is damaged: the rest still counts
    members = dict(SEED)
    members["p-1/dir/"] = b""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        archive.writestr("p-1/odd.c", b"#include <odd.h>\n" * 50, compress_type=zipfile.ZIP_BZIP2)
    data = bytearray(out.getvalue())
    start = data.index(b"BZh") + 10
    data[start:start + 8] = b"\xff" * 8
    evidence = read_sdist(bytes(data), "p-1.zip")
    assert ("library", "ldap") in {(c.kind, c.name) for c in evidence.clues}
    assert any("p-1/odd.c" in p for p in evidence.problems)


@FUZZ
@given(data=st.data(), as_zip=st.booleans())
def test_fuzz_sdist_reader(data, as_zip):
    seed = _zip(SEED) if as_zip else _tar(SEED)
    mutated = mutate(data, seed)
    contained(lambda: read_sdist(mutated, "p-1.zip" if as_zip else "p-1.tar.gz"))


@FUZZ
@given(text=st.text(max_size=2000), name=st.sampled_from(["setup.py", "setup.cfg", "meson.build", "CMakeLists.txt",
                                                          "Cargo.toml", "src/m.c", "src/m.pyx", "pkg/loader.py"]))
def test_fuzz_clue_reader(text, name):
    clues = read_clues({f"p-1/{name}": text.encode("utf-8", "surrogatepass")}, [f"p-1/{name}"], "p-1")
    assert all(c.line >= 1 and c.file == name for c in clues)


def test_branches_only_another_platform_compiles_give_no_clue():
    # C: #ifdef _WIN32 / defined(__APPLE__) branches and the #else of #ifndef _WIN32 are not Alpine's
    c_source = (
        b"#include <Python.h>\n#ifdef _WIN32\n#include <vcruntime.h>\n#else\n#include <zlib.h>\n#endif\n"
        b"#ifndef __APPLE__\n#include <bzlib.h>\n#else\n#include <TargetConditionals.h>\n#endif\n"
        b"#if defined(_WIN32) || defined(__linux__)\n#include <lzma.h>\n#endif\n"
    )
    # Python build files: another platform's if/elif bodies, functions named for it, opt-in options
    setup = (
        b"import sys\nlibraries = ['ldap']\nif sys.platform == 'win32':\n    libraries += ['ws2_32', 'iconv']\n"
        b"elif 'sunos' in sys.platform:\n    libraries = ['sendfile']\nelse:\n    libraries.append('lber')\n"
        b"def finalize_darwin(self):\n    self.libraries.append('ssl')\n"
        b"for arg in sys.argv:\n    if arg == '--with-sasl2':\n        libraries.append('sasl2')\n"
        b"if sys.platform != 'win32':\n    libraries.append('m')\n"
        b"from setuptools import Extension\nExtension('p', ['p.c'], libraries=libraries)\n"
    )
    evidence = read_sdist(_tar({**SEED, "p-1/p.c": c_source, "p-1/setup.py": setup}), "p-1.tar.gz")
    found = {(c.kind, c.name) for c in evidence.clues}
    assert {("header", "zlib.h"), ("header", "bzlib.h"), ("header", "lzma.h")} <= found
    assert not {("header", "vcruntime.h"), ("header", "TargetConditionals.h")} & found
    assert {("library", "ldap"), ("library", "lber")} <= found
    assert not {("library", n) for n in ("ws2_32", "iconv", "sendfile", "ssl", "sasl2")} & found
