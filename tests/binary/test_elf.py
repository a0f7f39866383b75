"""read_elf on real ELF files: compiled here with gcc, musl-gcc and ld -m
elf_i386, and the machine's own libraries, checked against readelf and nm."""

from __future__ import annotations

import glob
import re
import subprocess
from pathlib import Path

import pytest
from binary_helpers import CountingReader
from binutils_oracle import readelf_facts

from apkneed.binary.elf import ElfError, ElfInfo, expand_origin, is_elf, read_elf

ORACLE_MACHINES = {"Advanced Micro Devices X86-64": "x86_64", "Intel 80386": "x86"}


def read(path: Path, **kwargs) -> ElfInfo:
    with path.open("rb") as stream:
        return read_elf(stream, path=str(path), **kwargs)


def assert_matches_readelf(path: Path) -> ElfInfo:
    info = read(path)
    truth = readelf_facts(path)
    assert info.needed == truth.needed
    assert info.soname == truth.soname
    assert info.rpath == truth.rpath
    assert info.runpath == truth.runpath
    assert info.interp == truth.interp
    assert sorted(info.version_names) == sorted(truth.version_names)
    assert set(info.undefined_symbols) == truth.undefined_strong
    assert info.arch == ORACLE_MACHINES[truth.machine]
    assert f"ELF{info.elf_class}" == truth.elf_class
    return info


def test_every_compiled_object_matches_readelf(built):
    for name in (
        "glibc_lib", "glibc_ext_zlib", "glibc_ext_rpath", "glibc_ext_runpath", "glibc_exe",
        "musl_lib", "musl_ext_zlib", "musl_ext_rpath", "musl_ext_plain", "musl_exe", "musl_static",
        "i386_dep", "i386_user",
    ):
        assert_matches_readelf(getattr(built, name))


def test_glibc_library(built):
    info = read(built.glibc_lib)
    assert info.soname == "libgfoo.so.1"
    assert "libc.so.6" in info.needed
    assert info.libc == "glibc"
    assert info.elf_type == "shared" and info.interp is None
    assert (info.arch, info.elf_class, info.endianness) == ("x86_64", 64, "little")
    # fortified snprintf/printf and gnu_get_libc_version are glibc-only imports
    assert "gnu_get_libc_version" in info.glibc_only_symbols
    assert any(s.endswith("_chk") for s in info.glibc_only_symbols)
    # the highest GLIBC_ version is one readelf lists, and the maximum of them
    truth = readelf_facts(built.glibc_lib)
    glibc = [v[len("GLIBC_"):] for v in truth.version_names if v.startswith("GLIBC_2")]
    assert info.glibc_max == max(glibc, key=lambda v: tuple(map(int, v.split("."))))


def test_glibc_max_is_numeric_not_lexical(built):
    # "2.34" > "2.4" numerically; python3 on Debian 12 needs versions on both sides of 2.9
    info = read(Path("/usr/bin/python3").resolve())
    versions = [v[len("GLIBC_"):] for v in info.version_names if v.startswith("GLIBC_2")]
    assert any(len(v.split(".")[1]) == 1 for v in versions) and any(len(v.split(".")[1]) == 2 for v in versions)
    assert info.glibc_max == max(versions, key=lambda v: tuple(map(int, v.split("."))))


def test_rpath_and_runpath(built):
    rpath = read(built.glibc_ext_rpath)
    assert rpath.rpath == ("$ORIGIN/../mypkg.libs",) and rpath.runpath == ()
    assert rpath.search_path == ("$ORIGIN/../mypkg.libs",)
    runpath = read(built.glibc_ext_runpath)
    assert runpath.runpath == ("${ORIGIN}/../mypkg.libs",) and runpath.rpath == ()
    assert runpath.needed[0] == "libgfoo.so.1"


def test_musl_objects(built):
    lib = read(built.musl_lib)
    assert lib.libc == "musl"
    assert lib.needed == ("libc.so",)  # musl-gcc links musl's libc.so, which has no SONAME
    assert lib.version_needs == () and lib.glibc_max is None
    assert lib.glibc_only_symbols == ()  # musl headers never emit __*_chk
    zext = read(built.musl_ext_zlib)
    assert zext.needed == ("libz.so.1", "libc.so")
    assert zext.libc == "musl"
    exe = read(built.musl_exe)
    assert exe.interp == "/lib/ld-musl-x86_64.so.1" and exe.libc == "musl"


def test_static_musl_executable_has_no_libc(built):
    info = read(built.musl_static)
    assert info.needed == () and info.interp is None
    assert info.libc == "none"
    assert info.elf_type == "executable"


def test_glibc_executable(built):
    info = read(built.glibc_exe)
    assert info.interp == "/lib64/ld-linux-x86-64.so.2"
    assert info.libc == "glibc"
    assert info.elf_type == "shared"  # PIE: ET_DYN with an interpreter


def test_32_bit_objects_with_sysv_hash_and_versions(built):
    dep = read(built.i386_dep)
    assert (dep.arch, dep.elf_class, dep.soname) == ("x86", 32, "lib32dep.so.1")
    user = read(built.i386_user)
    assert user.needed == ("lib32dep.so.1",)
    assert user.runpath == ("$ORIGIN",) and user.rpath == ()
    assert user.version_needs[0].file == "lib32dep.so.1"
    assert user.version_needs[0].versions == ("DEP_1.0",)
    assert user.undefined_symbols == ("dep_value",)
    assert user.libc == "none"


def test_symbols_false_skips_the_symbol_table(built):
    info = read(built.glibc_lib, symbols=False)
    assert info.symbols_read is False and info.undefined_symbols == ()
    assert info.needed == read(built.glibc_lib).needed


def test_reads_only_a_small_part_of_a_large_library():
    path = Path("/usr/lib/x86_64-linux-gnu/libstdc++.so.6").resolve()
    data = path.read_bytes()
    stream = CountingReader(data)
    info = read_elf(stream, path=str(path), symbols=False)
    assert info.soname == "libstdc++.so.6"
    assert stream.bytes_read < 16 * 1024 < len(data) // 100
    # with symbols it reads the symbol and string tables (sizes from
    # readelf's section headers) and a little more, never the code
    sections = subprocess.run(["readelf", "-SW", str(path)], capture_output=True, text=True, check=True).stdout
    tables = sum(
        int(m[1], 16) for m in re.finditer(r"\.(?:dynsym|dynstr)\s+\S+\s+\S+\s+\S+\s+([0-9a-f]+)", sections)
    )
    assert tables > 100_000
    stream = CountingReader(data)
    read_elf(stream, path=str(path))
    assert tables <= stream.bytes_read < tables + 16 * 1024


def test_system_libraries_match_readelf():
    paths = sorted(glob.glob("/usr/lib/x86_64-linux-gnu/*.so.*"))[::7][:60]
    checked = 0
    for name in paths:
        path = Path(name)
        if path.is_symlink() or not is_elf(path.read_bytes()[:4]):
            continue
        assert_matches_readelf(path)
        checked += 1
    assert checked >= 20


def test_expand_origin():
    assert expand_origin(["$ORIGIN/../../numpy.libs"], "numpy/_core") == ("numpy.libs",)
    assert expand_origin(["${ORIGIN}/lib", "/usr/lib"], "pkg") == ("pkg/lib", "/usr/lib")
    assert expand_origin(["$ORIGIN"], "") == (".",)
    assert expand_origin(["$LIB/x"], "pkg") == ("$LIB/x",)


def test_is_elf():
    assert is_elf(b"\x7fELF\x02\x01")
    assert not is_elf(b"PK\x03\x04") and not is_elf(b"")


def test_elf_error_is_an_input_error(tmp_path):
    from apkneed.errors import InputError

    path = tmp_path / "x.so"
    path.write_bytes(b"#!/bin/sh\necho\n")
    with pytest.raises(InputError):
        read(path)
    assert issubclass(ElfError, InputError)
