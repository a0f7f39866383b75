"""``read_elf(..., defines=names)``: which of the asked names an object
defines, looked up through its hash table.

Two references, neither of them the reader under test: binutils' ``nm -D
--defined-only`` and pyelftools' walk of the whole dynamic symbol table.
The objects are the machine's BLAS libraries (Debian's OpenBLAS, netlib
BLAS, BLIS), its glibc, NumPy's bundled scipy-openblas, and libraries
compiled here with gcc and musl-gcc under every hash-table style.
"""

from __future__ import annotations

import re
import struct
import subprocess
from pathlib import Path

import pytest
from binary_helpers import CountingReader, require_tool, run
from binutils_oracle import nm_dynamic_symbols
from elftools.elf.elffile import ELFFile  # reference implementation, test-only
from elftools.elf.enums import ENUM_ST_INFO_BIND, ENUM_ST_INFO_TYPE
from elftools.elf.hash import ELFHashSection, GNUHashSection

from apkneed.binary.elf import ElfError, read_elf, read_elf_file

LIBDIR = Path("/usr/lib/x86_64-linux-gnu")
SYSTEM_LIBRARIES = {
    "openblas": LIBDIR / "openblas-pthread" / "libopenblas.so.0",
    "netlib": LIBDIR / "blas" / "libblas.so.3",
    "blis": LIBDIR / "blis-openmp" / "libblis.so.4",
    "libc": Path("/lib/x86_64-linux-gnu/libc.so.6"),
}

# What ``apkneed blas`` asks about (data/blas.toml), spelled out here so the
# test does not depend on the data file it serves.
BLAS_NAMES = frozenset({
    "dgemm_", "dgemm_64_", "scipy_dgemm_", "scipy_dgemm_64_", "dgetrf_", "scipy_dgetrf_64_",
    "openblas_get_config", "openblas_get_config64_", "scipy_openblas_get_config64_",
    "bli_info_get_version_str", "flexiblas_get_version", "mkl_get_version", "ATL_buildinfo",
})


def numpy_openblas() -> Path:
    import numpy

    found = sorted((Path(numpy.__file__).parent.parent / "numpy.libs").glob("libscipy_openblas*.so"))
    if not found:
        pytest.fail("NumPy's bundled scipy-openblas is missing from numpy.libs")
    return found[0]


def real_library(key: str) -> Path:
    if key == "numpy":
        return numpy_openblas()
    path = SYSTEM_LIBRARIES[key]
    if not path.is_file():
        pytest.fail(f"{path} is missing (scripts/test.sh installs the BLAS libraries)")
    return path


def defined(path: Path, names: frozenset[str], **kwargs) -> frozenset[str]:
    with path.open("rb") as stream:
        return read_elf(stream, path=str(path), defines=names, **kwargs).defined


_BINDINGS = {ENUM_ST_INFO_BIND[n] for n in ("STB_GLOBAL", "STB_WEAK")} | {10}  # 10: STB_GNU_UNIQUE
_TYPES = {ENUM_ST_INFO_TYPE[n] for n in ("STT_NOTYPE", "STT_OBJECT", "STT_FUNC", "STT_COMMON", "STT_TLS")} | {10}


def pyelftools_defined(path: Path) -> frozenset[str]:
    """Every dynamic symbol pyelftools reads as defined, by the documented
    rule: in a section, global/weak/unique binding, a type the loader binds."""
    with path.open("rb") as stream:
        elf = ELFFile(stream)
        dynsym = elf.get_section_by_name(".dynsym")
        return frozenset(
            s.name for s in dynsym.iter_symbols()
            if s.name and s["st_shndx"] != "SHN_UNDEF"
            and ENUM_ST_INFO_BIND.get(s["st_info"]["bind"], s["st_info"]["bind"]) in _BINDINGS
            and ENUM_ST_INFO_TYPE.get(s["st_info"]["type"], s["st_info"]["type"]) in _TYPES
        )


def questions(nm_defined: frozenset[str], nm_undefined: frozenset[str]) -> frozenset[str]:
    """Every name nm lists, near misses of the defined ones, and made-up names."""
    near = {name + "_" for name in sorted(nm_defined)[::50]} | {name[:-1] for name in sorted(nm_defined)[::50]}
    return nm_defined | nm_undefined | BLAS_NAMES | near | {"no_such_symbol", "dgemm", "DGEMM_"}


# ---------------------------------------------------------------- real libraries


@pytest.mark.parametrize("key", ["openblas", "netlib", "blis", "libc", "numpy"])
def test_real_library_agrees_with_nm_and_pyelftools(key):
    path = real_library(key)
    nm_defined, nm_undefined = nm_dynamic_symbols(path)
    assert len(nm_defined) > 100  # a real library, not an empty answer
    asked = questions(nm_defined, nm_undefined)
    found = defined(path, asked, symbols=False)
    assert found == asked & nm_defined
    assert found == asked & pyelftools_defined(path)
    # with the whole string table loaded (symbols=True) the answer is the same
    assert defined(path, asked) == found


def test_what_the_blas_libraries_define():
    assert defined(real_library("openblas"), BLAS_NAMES) == {"dgemm_", "dgetrf_", "openblas_get_config"}
    assert defined(real_library("netlib"), BLAS_NAMES) == {"dgemm_"}  # LAPACK lives in liblapack
    assert defined(real_library("blis"), BLAS_NAMES) == {"dgemm_", "bli_info_get_version_str"}
    assert defined(real_library("numpy"), BLAS_NAMES) == {
        "scipy_dgemm_64_", "scipy_dgetrf_64_", "scipy_openblas_get_config64_",
    }
    assert defined(real_library("libc"), BLAS_NAMES) == frozenset()


def test_glibc_ifuncs_tls_and_version_symbols_count_as_defined():
    libc = real_library("libc")
    out = subprocess.run(["readelf", "--dyn-syms", "-W", str(libc)], capture_output=True, text=True,
                         check=True).stdout
    # readelf: Num: Value Size Type Bind Vis Ndx Name
    kinds = {row[7].split("@")[0]: (row[3], row[6]) for row in (line.split() for line in out.splitlines())
             if len(row) >= 8 and row[0].endswith(":")}
    assert kinds["memcpy"][0] == "IFUNC" and kinds["errno"][0] == "TLS" and kinds["GLIBC_2.2.5"][1] == "ABS"
    assert "__tls_get_addr" in nm_dynamic_symbols(libc)[1]  # ld.so's: libc only needs it
    assert defined(libc, frozenset({"memcpy", "errno", "GLIBC_2.2.5", "__tls_get_addr"})) == {
        "memcpy", "errno", "GLIBC_2.2.5",
    }


def test_a_large_library_is_asked_without_reading_its_symbol_table():
    path = real_library("openblas").resolve()
    data = path.read_bytes()
    sections = subprocess.run(["readelf", "-SW", str(path)], capture_output=True, text=True, check=True).stdout
    tables = sum(
        int(m[1], 16) for m in re.finditer(r"\.(?:dynsym|dynstr)\s+\S+\s+\S+\s+\S+\s+([0-9a-f]+)", sections)
    )
    assert tables > 500_000
    plain = CountingReader(data)
    read_elf(plain, path=str(path), symbols=False)
    asking = CountingReader(data)
    info = read_elf(asking, path=str(path), symbols=False, defines=BLAS_NAMES)
    assert info.defined == {"dgemm_", "dgetrf_", "openblas_get_config"}
    # the hash buckets (to count the symbols) and a few words, entries and
    # names per asked name: a small fraction of the tables a walk would read
    assert asking.bytes_read - plain.bytes_read < 64 * 1024 < tables // 8


# ---------------------------------------------------------------- compiled here

SOURCE = r"""
int defined_function(int x) { return x + 1; }
__attribute__((weak)) int weak_function(int x) { return x * 2; }
int defined_object = 42;
__thread int tls_object = 1;
int hashEz(void) { return 7; }   /* "hashFY" and "hashFj" share its hashes, see below */
int undefined_function(int x);
__attribute__((weak)) int weak_undefined(int x);
__attribute__((visibility("hidden"))) int hidden_function(int x) { return x - 1; }
static int local_function(int x) { return x * 3; }
int calls(int x) {
    return undefined_function(x) + hidden_function(x) + local_function(x) + (weak_undefined ? weak_undefined(x) : 0);
}
"""
DEFINED = frozenset({"defined_function", "weak_function", "defined_object", "tls_object", "hashEz", "calls"})
NOT_DEFINED = frozenset({
    "undefined_function", "weak_undefined", "hidden_function", "local_function", "hashFY", "hashFj", "absent",
})


def test_the_colliding_names_really_collide():
    # pyelftools' hash functions, not ours: the lookup must compare names
    assert GNUHashSection.gnu_hash("hashEz") == GNUHashSection.gnu_hash("hashFY")
    assert ELFHashSection.elf_hash("hashEz") == ELFHashSection.elf_hash("hashFj")


@pytest.fixture(scope="module")
def compiled(tmp_path_factory) -> dict[tuple[str, str], Path]:
    """libdefs.so from gcc (glibc) and musl-gcc, with each hash-table style."""
    directory = tmp_path_factory.mktemp("defined")
    source = directory / "defs.c"
    source.write_text(SOURCE)
    out = {}
    for compiler in ("gcc", "musl-gcc"):
        tool = require_tool(compiler)
        for style in ("gnu", "sysv", "both"):
            path = directory / f"libdefs-{compiler}-{style}.so"
            run(tool, "-shared", "-fPIC", "-O2", f"-Wl,--hash-style={style}", "-o", path, source)
            out[compiler, style] = path
    return out


@pytest.mark.parametrize("style", ["gnu", "sysv", "both"])
@pytest.mark.parametrize("compiler", ["gcc", "musl-gcc"])
def test_compiled_library(compiled, compiler, style):
    path = compiled[compiler, style]
    sections = subprocess.run(["readelf", "-SW", str(path)], capture_output=True, text=True, check=True).stdout
    assert (".gnu.hash" in sections) == (style != "sysv") and (" .hash " in sections) == (style != "gnu")
    asked = DEFINED | NOT_DEFINED
    nm_defined, nm_undefined = nm_dynamic_symbols(path)
    assert {"undefined_function", "weak_undefined"} <= nm_undefined
    assert defined(path, asked) == DEFINED == asked & nm_defined == asked & pyelftools_defined(path)
    assert defined(path, asked, symbols=False) == DEFINED


def test_32_bit_objects_with_sysv_hash(built):
    # ld -m elf_i386 --hash-style=sysv; the version script keeps only dep_value
    assert defined(built.i386_dep, frozenset({"dep_value", "user_value"})) == {"dep_value"}
    assert defined(built.i386_user, frozenset({"dep_value", "user_value"})) == {"user_value"}


def test_nothing_asked_nothing_found(compiled):
    assert defined(compiled["gcc", "gnu"], frozenset()) == frozenset()


def test_a_static_executable_defines_nothing_dynamically(built):
    # no dynamic section: its main and _start are not for any loader to bind
    assert defined(built.musl_static, frozenset({"main", "_start"})) == frozenset()


# ---------------------------------------------------------------- bad input


def test_a_looping_sysv_hash_chain_is_refused(compiled):
    path = compiled["gcc", "sysv"]
    sections = subprocess.run(["readelf", "-SW", str(path)], capture_output=True, text=True, check=True).stdout
    offset = int(re.search(r"\]\s+\.hash\s+HASH\s+\S+\s+([0-9a-f]+)", sections)[1], 16)
    data = bytearray(path.read_bytes())
    nbucket, nchain = struct.unpack_from("<II", data, offset)
    for index in range(1, nchain):  # every chain entry points to itself
        struct.pack_into("<I", data, offset + 8 + 4 * nbucket + 4 * index, index)
    names = frozenset(f"absent_{i}" for i in range(64))  # some fall in a used bucket
    with pytest.raises(ElfError, match="hash chain loops"):
        read_elf(CountingReader(bytes(data)), path=str(path), defines=names)


def test_read_elf_file_errors_are_elf_errors(tmp_path, compiled):
    with pytest.raises(ElfError, match="no such file"):
        read_elf_file(tmp_path / "absent.so")
    with pytest.raises(ElfError, match="is a directory"):
        read_elf_file(tmp_path)
    text = tmp_path / "libtext.so"
    text.write_text("not a library\n")
    with pytest.raises(ElfError, match="not an ELF file"):
        read_elf_file(text)
    info = read_elf_file(compiled["musl-gcc", "gnu"], symbols=False, defines=frozenset({"calls", "absent"}))
    assert info.defined == {"calls"} and info.path == str(compiled["musl-gcc", "gnu"])
