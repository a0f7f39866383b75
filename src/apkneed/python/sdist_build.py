"""What an sdist's build files say it links, read without running anything.

Pure text reading: the caller hands in the members it read (within its own
caps) and gets back :class:`Clue` records, each with the file and line it came
from, for ``apkneed why``. Nothing here knows Alpine; the plan maps the clues
to apk packages (:mod:`apkneed.plan.sdist_inference`).

Clue kinds (``Clue.kind``):

``pkg-config``      ``pkg-config --cflags foo``, ``pkgconfig.parse('foo')``,
                    meson ``dependency('foo')``, CMake ``pkg_check_modules``
``library``         ``libraries=['ldap', 'lber']``, ``-lfoo``, setup.cfg
                    ``libraries =``/``libs =``, meson ``find_library('foo')``,
                    CMake ``find_library(... NAMES foo)``
``cmake-package``   CMake ``find_package(Foo)``
``config-script``   ``mysql_config``, ``pg_config``, ``xml2-config``, ... named
                    in a build file
``header``          ``#include <foo.h>`` (C/C++ sources, strings in Python build
                    files) or Cython ``cdef extern from "foo.h"`` that the sdist
                    does not ship and that is not a C, POSIX, Linux, compiler or
                    Python header
``runtime-library`` ``ctypes.util.find_library('magic')``, ``CDLL('libfoo.so.1')``,
                    cffi ``ffi.dlopen('foo')``: loaded at run time, not linked
``rust-sys``        a ``*-sys`` crate in a ``Cargo.toml`` without a ``vendored``
                    / ``bundled`` / ``static`` feature
``openmp``          ``-fopenmp``, ``#include <omp.h>``, ``dependency('openmp')``

A clue found inside a call that says it is optional (meson ``required:
false``, CMake ``find_package`` without ``REQUIRED``, ``QUIET``) carries
``optional=True``.

Files from other platforms (paths naming win/osx/darwin/bsd/sunos/aix...),
tests, docs, examples and vendored third-party trees are not read for
headers, nor are the preprocessor branches only another platform compiles
(``#ifdef _WIN32``, ``#if defined(__APPLE__)``, the ``#else`` of
``#ifndef _WIN32``): what they include is not what an Alpine build compiles.

API::

    build_member_cap(name, root) -> int          # 0: not worth reading
    in_build_tree(name, root) -> bool            # not another platform's, a test's or vendored
    read_clues(texts, member_names, root) -> tuple[Clue, ...]
    other_platform_spans(text) -> list[tuple[int, int]]
"""

from __future__ import annotations

import codecs
import posixpath
import re
from typing import Iterable, Mapping

from apkneed.python.clue import Clue  # the record lives apart: cached evidence is read without these patterns

#: build files read whole (up to this size each)
BUILD_FILE_CAP = 1024 * 1024
#: sources (C/C++/Cython, Python modules) are read up to this many bytes each
SOURCE_CAP = 256 * 1024
BUILD_FILES = frozenset({"setup.py", "setup.cfg", "pyproject.toml", "meson.build", "CMakeLists.txt", "Cargo.toml"})
SOURCE_SUFFIXES = frozenset({".c", ".h", ".cc", ".cpp", ".cxx", ".hpp", ".hh", ".pyx", ".pxd", ".pxi", ".py"})
MAX_DEPTH = 5
_SKIP_DIR_RE = re.compile(
    r"(^|[/_.-])(win|win32|win64|windows|nt|msvc|mingw|cygwin|osx|macos|macosx|darwin|mac|ios|bsd|freebsd|openbsd|"
    r"netbsd|dragonfly|sunos|solaris|aix|haiku|vms|android|emscripten|wasm|"
    r"tests?|testing|docs?|examples?|demos?|samples?|benchmarks?|bench|"
    r"vendor|vendored|third[_-]?party|3rdparty|thirdparty|external|extern|deps|contrib|bundled|subprojects)([/_.-]|$)",
    re.IGNORECASE,
)

# ------------------------------------------------------------ standard headers ----
_C_HEADERS = frozenset("""
assert complex ctype errno fenv float inttypes iso646 limits locale math setjmp signal stdalign stdarg stdatomic
stdbool stddef stdint stdio stdlib stdnoreturn string tgmath threads time uchar wchar wctype
aio alloca ar byteswap cpio crypt dirent dlfcn elf endian err fcntl features fmtmsg fnmatch ftw getopt glob grp
iconv ifaddrs langinfo lastlog libgen libintl link malloc memory monetary mntent mqueue netdb nl_types paths poll
pthread pty pwd regex resolv sched search semaphore shadow spawn stdio_ext strings stropts syscall sysexits
syslog tar termios ucontext ulimit unistd utime utmp utmpx values wordexp
cpuid immintrin xmmintrin emmintrin pmmintrin tmmintrin smmintrin nmmintrin wmmintrin x86intrin ammintrin
avxintrin avx2intrin arm_neon arm_acle mm_malloc intrin
""".split())
_SYSTEM_DIRS = ("sys/", "netinet/", "netinet6/", "arpa/", "net/", "netpacket/", "bits/", "scsi/sg.h")
_LINUX_DIRS = ("linux/", "asm/", "asm-generic/", "mtd/", "rdma/", "sound/", "video/", "xen/", "drm/", "misc/")
_PYTHON_DIRS = ("numpy/", "pybind11/", "nanobind/", "internal/", "cpython/", "Python/")
_PYTHON_HEADERS = re.compile(r"^([a-z]+object|patchlevel|config|abstract|codecs|pyerrors|errcode|token|graminit|"
                             r"parsetok|asdl|ast|compile|symtable|import|sysmodule|pystate|osdefs|ucnhash|"
                             r"pyport|pymath|pymem|structseq|Python-ast|node|bitset|grammar|Python|structmember|frameobject|pythread|longintrepr|datetime|marshal|"
                             r"pythoncapi_compat|py[A-Za-z_]*|Py[A-Za-z_]*|ceval|code|opcode|node|grammar|"
                             r"traceback|bytesobject|methodobject|descrobject|genobject|unicodeobject)\.h$")
_OTHER_OS = re.compile(r"^(windows|winsock2?|ws2\w*|wincrypt|winbase|winnt|winreg|winerror|windef|shlobj|shellapi|"
                       r"shobjidl|commctrl|objbase|unixlib|arm_sve|"
                       r"tchar|io|process|direct|conio|crtdbg|objbase|versionhelpers|iphlpapi|psapi|tlhelp32|"
                       r"mach/.*|mach-o/.*|CoreFoundation/.*|IOKit/.*|libkern/.*|Carbon/.*|Cocoa/.*|Security/.*|"
                       r"kvm|libproc|sys/sysctl|devstat|libutil|sys/user|procfs|kstat|sys/proc_info|OS|ieeefp|stdafx|dev/.*|"
                       r"emscripten.*|android/.*)(\.h)?$", re.IGNORECASE)

# ------------------------------------------------------------------- patterns ----
_STRING = r"""(?:'([^'\\\n]{1,200})'|"([^"\\\n]{1,200})")"""
_PKG_CONFIG_CALL = re.compile(r"pkg-config|pkgconfig\.\w+\(|pkg_config\(|PKG_CONFIG", re.IGNORECASE)
_QUOTED = re.compile(_STRING)
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_+.-]{0,80}$")
_LIBRARIES_LIST = re.compile(
    r"\b\w*(?:libraries|libs)['\"]?\s*(?:=|\+=|:|\.extend\(|\.append\()\s*\[?([^\]\)\n]{0,400})", re.IGNORECASE
)
_LINK_FLAG = re.compile(r"""(?:^|[\s'"\[,(])-l([A-Za-z][A-Za-z0-9_+.-]{0,60})(?=$|[\s'",\])])""")
_CFG_LIBS = re.compile(r"^\s*(?:libraries|libs|link_libraries)\s*=\s*(.+)$", re.IGNORECASE)
_MESON_DEP = re.compile(r"\bdependency\(\s*'([^']+)'([^)]{0,300})\)")
_MESON_LIB = re.compile(r"\bfind_library\(\s*'([^']+)'([^)]{0,300})\)")
_CMAKE_FIND_PACKAGE = re.compile(r"\bfind_package\s*\(\s*([A-Za-z0-9_+.-]+)([^)]{0,300})\)", re.IGNORECASE)
_CMAKE_FIND_LIBRARY = re.compile(r"\bfind_library\s*\(\s*[A-Za-z0-9_]+\s+(?:NAMES\s+)?([A-Za-z0-9_+.-]+)", re.IGNORECASE)
_CMAKE_PKG = re.compile(r"\bpkg_(?:check|search)_modules?\s*\(\s*[A-Za-z0-9_]+([^)]{0,300})\)", re.IGNORECASE)
_CMAKE_LINK = re.compile(r"\btarget_link_libraries\s*\(([^)]{0,600})\)", re.IGNORECASE)
_INCLUDE = re.compile(r"""^\s*#\s*include\s*(?:<([^>\s]{1,120})>|"([^"/\s]{1,120}\.h(?:pp)?)")""", re.MULTILINE)
_INCLUDE_IN_STRING = re.compile(r"""#\s*include\s*[<"]([^>"\s\\]{1,120})[>"]""")
_CYTHON_EXTERN = re.compile(r"""^\s*cdef\s+extern\s+from\s+[<"']([^>"'\s]{1,120})[>"']""", re.MULTILINE)
_FIND_LIBRARY = re.compile(r"\bfind_library\(\s*" + _STRING)
_DLOPEN = re.compile(r"\b(?:CDLL|LoadLibrary|dlopen|cdll\.LoadLibrary)\(\s*" + _STRING)
_CONFIG_WORD = re.compile(r"(?<![\w-])([a-z][a-z0-9+.]*(?:[-_]config))(?![\w-])")
_OPENMP = re.compile(r"-fopenmp|\bdependency\(\s*'openmp'|find_package\s*\(\s*OpenMP", re.IGNORECASE)
#: config scripts named by build systems; a known one the index cannot place makes the answer unknown
KNOWN_CONFIG_SCRIPTS = frozenset({
    "mysql_config", "mariadb_config", "pg_config", "xml2-config", "xslt-config", "curl-config", "gdal-config",
    "krb5-config", "freetype-config", "geos-config", "net-snmp-config", "gpgme-config", "gpg-error-config",
    "libgcrypt-config", "icu-config", "nc-config", "pcre-config", "pcre2-config", "sdl2-config", "sdl-config",
    "wx-config", "xmlsec1-config", "ncursesw6-config", "ncurses6-config", "gsl-config", "cups-config",
    "libpng-config", "mecab-config", "isc-config.sh", "apr-1-config", "apu-1-config", "ldap-config",
})
_NOT_CONFIG = frozenset({"pkg-config", "python-config", "python3-config", "build_config", "setup_config", "_config",
                         "get_config", "site_config", "user_config", "py_config", "ext_config", "base_config",
                         "lib_config", "parse_config", "read_config", "load_config", "write_config", "meson-config",
                         "git-config", "test_config", "sysconfig", "distutils_config"})
#: libraries every C toolchain on musl has (or the compiler itself brings)
LIBC_LIBRARIES = frozenset({"c", "m", "dl", "pthread", "rt", "util", "crypt", "resolv", "xnet", "stdc++", "gcc",
                            "gcc_s", "python", "python3", "supc++", "ld", "gcov", "atomic", "quadmath"})
#: Windows and macOS system libraries named by cross-platform setup.py files
OTHER_OS_LIBRARIES = frozenset({
    "ws2_32", "advapi32", "secur32", "shfolder", "crypt32", "user32", "gdi32", "kernel32", "shell32", "ole32",
    "oleaut32", "winmm", "iphlpapi", "psapi", "dbghelp", "ntdll", "userenv", "version", "comctl32", "comdlg32",
    "setupapi", "rpcrt4", "msvcrt", "ucrt", "vcruntime", "legacy_stdio_definitions", "wsock32", "netapi32",
    "mpr", "pdh", "powrprof", "wtsapi32", "bcrypt", "ncrypt", "winhttp", "wininet", "dwmapi", "uxtheme", "imm32",
    "opengl32", "glu32", "d3d11", "dxgi", "dsound", "winspool", "kvm", "devstat", "procstat", "perfstat",
    "framework", "corefoundation", "iokit", "socket", "nsl", "kstat",
})
_NOT_PC_NAMES = frozenset({"utf-8", "utf8", "ascii", "latin-1", "latin1", "strict", "replace", "ignore", "r", "w", "rb",
                          "wb", "true", "false", "none", "yes", "no", "win32", "darwin", "linux", "nt", "posix"})
_NOT_LIBRARY_WORDS = frozenset({"libraries", "library", "lib", "libs", "none", "true", "false", "self", "os", "sys"})


def in_build_tree(name: str, root: str) -> bool:
    """Is ``name`` outside other platforms', tests', docs' and vendored trees?"""
    parts = name.split("/")
    inner = "/".join(parts[1:-1]) if parts[0] == root else "/".join(parts[:-1])
    return not (inner and _SKIP_DIR_RE.search(inner + "/"))


def build_member_cap(name: str, root: str) -> int:
    """How many bytes of member ``name`` are worth reading (0: none)."""
    parts = name.split("/")
    if parts[0] != root or len(parts) < 2 or len(parts) > MAX_DEPTH + 1:
        return 0
    base = parts[-1]
    inner = "/".join(parts[1:-1])
    if inner and _SKIP_DIR_RE.search(inner + "/"):
        return 0  # another platform's, a test's or a vendored library's: not what an Alpine build runs
    if base in BUILD_FILES:
        return BUILD_FILE_CAP
    suffix = posixpath.splitext(base)[1].lower()
    if suffix in SOURCE_SUFFIXES and not _SKIP_DIR_RE.search(base):
        return SOURCE_CAP
    return 0


def read_clues(texts: Mapping[str, bytes], member_names: Iterable[str], root: str) -> tuple[Clue, ...]:
    """Every clue of the read members (``texts``: member path -> bytes read)."""
    shipped = _shipped_headers(member_names, root)
    clues: list[Clue] = []
    for name in sorted(texts):
        relative = name[len(root) + 1:] if name.startswith(root + "/") else name
        text = texts[name].decode("utf-8", "replace")
        base = posixpath.basename(name)
        suffix = posixpath.splitext(base)[1].lower()
        if base in ("setup.py", "setup.cfg") or (suffix == ".py" and _looks_like_build_code(relative, text)):
            skipped = python_branches_not_built(text) if base != "setup.cfg" else frozenset()
            clues += [c for c in _python_build_clues(relative, text, cfg=base == "setup.cfg")
                      if (c.kind != "header" or not _is_shipped(c.name, shipped)) and c.line not in skipped]
        if suffix == ".py":
            clues += _runtime_clues(relative, text)
        if base == "meson.build":
            clues += _meson_clues(relative, text)
        elif base == "CMakeLists.txt":
            clues += _cmake_clues(relative, text)
        elif base == "Cargo.toml":
            clues += _cargo_clues(relative, text)
        if suffix in (".c", ".h", ".cc", ".cpp", ".cxx", ".hpp", ".hh"):
            clues += _header_clues(relative, text, _INCLUDE, shipped)
        elif suffix in (".pyx", ".pxd", ".pxi"):
            clues += _header_clues(relative, text, _CYTHON_EXTERN, shipped)
    unique: dict[tuple[str, str], Clue] = {}
    for clue in clues:
        key = (clue.kind, clue.name)
        if key not in unique or (unique[key].optional and not clue.optional):
            unique[key] = clue
    return tuple(unique.values())


# ----------------------------------------------------------------- Python files ----

#: a condition or function name that selects another platform (sys.platform == 'win32',
#: os.name == 'nt', platform.system() == 'Darwin', def finalize_darwin)
_OTHER_PLATFORM_WORDS = re.compile(
    r"(win32|win64|windows|cygwin|mingw|msvc|darwin|macos|osx|freebsd|openbsd|netbsd|bsd|sunos|solaris|aix|"
    r"haiku|emscripten|android|os\.name\s*==\s*['\"]nt['\"])",
    re.IGNORECASE,
)
_THIS_PLATFORM_WORDS = re.compile(r"linux|posix|unix", re.IGNORECASE)
#: an option the user passes to switch a library on (--with-sasl2): not the default build
_OPT_IN = re.compile(r"""['"]--(with|enable|use)-[A-Za-z0-9_-]+['"]""")
_BLOCK = re.compile(r"^(\s*)(if|elif|else|def)\b(.*)$")


def python_branches_not_built(text: str) -> frozenset[int]:
    """Line numbers of a Python build file that a default build on Linux does not run.

    The body of an ``if``/``elif`` whose condition names another platform
    (``sys.platform == 'win32'``, ``'sunos' in sys.platform``,
    ``platform.uname().system == 'FreeBSD'``) or an opt-in option
    (``arg == '--with-sasl2'``), and of a function named for another platform
    (``def finalize_darwin``). Nested blocks inherit; a condition that also
    names Linux, POSIX or Unix, or negates (``!=``, ``not``), is not such a branch.
    """
    lines: set[int] = set()
    stack: list[tuple[int, bool]] = []  # (indent of the block's header, its body is not built)
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        indent = len(line) - len(line.lstrip())
        while stack and indent <= stack[-1][0]:
            stack.pop()
        inherited = bool(stack) and stack[-1][1]
        if inherited:
            lines.add(number)
        header = _BLOCK.match(line)
        if header is None or not stripped.endswith(":") and header.group(2) != "def":
            continue
        keyword, rest = header.group(2), header.group(3)
        if keyword == "else":
            selected = False  # the else of a platform test is this platform's
        elif keyword == "def":
            name = rest.strip().split("(", 1)[0]
            selected = bool(_OTHER_PLATFORM_WORDS.search(name))
        else:
            negated = "!=" in rest or re.search(r"\bnot\b", rest) is not None
            selected = not negated and (
                bool(_OTHER_PLATFORM_WORDS.search(rest)) and not _THIS_PLATFORM_WORDS.search(rest)
                or bool(_OPT_IN.search(rest))
            )
        stack.append((indent, inherited or selected))
    return frozenset(lines)



def _looks_like_build_code(relative: str, text: str) -> bool:
    # build helpers next to setup.py (setupinfo.py, setup_build.py, _build.py, build_ffi.py...)
    # and any module that declares an extension (cffi's set_source, setuptools' Extension)
    if "Extension(" in text or "set_source(" in text:
        return True
    base = posixpath.basename(relative)
    return ("build" in base or "setup" in base or "ffi" in base or "config" in base) and (
        "pkg-config" in text or "libraries" in text or "pkgconfig" in text
    )


def _python_build_clues(file: str, text: str, *, cfg: bool) -> list[Clue]:
    clues: list[Clue] = []
    lines = text.splitlines()
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if stripped.startswith("#") and not stripped.startswith("#include"):
            continue
        if cfg:
            match = _CFG_LIBS.match(line)
            if match:
                for word in re.split(r"[\s,]+", match.group(1)):
                    if _library_name(word):
                        clues.append(Clue("library", word, file, number))
            continue
        if _PKG_CONFIG_CALL.search(line):
            for name in _quoted(line):
                if _pc_name(name):
                    clues.append(Clue("pkg-config", _strip_version(name), file, number))
            # names kept in a list just above the call ("for pkg in ['mysqlclient', 'mariadb']"):
            # candidates, the first the index has is taken
            for above in range(max(0, number - 9), number - 1):
                if "[" in lines[above] or "(" in lines[above]:
                    for name in _quoted(lines[above]):
                        if _pc_name(name) and " " not in name:
                            clues.append(Clue("pkg-config", _strip_version(name), file, above + 1, optional=True))
        match = _LIBRARIES_LIST.search(line)
        if match:
            for name in _quoted(match.group(1)):
                if _library_name(name):
                    clues.append(Clue("library", name, file, number))
        for match in _LINK_FLAG.finditer(line):
            if _library_name(match.group(1)):
                clues.append(Clue("library", match.group(1), file, number))
        for match in _INCLUDE_IN_STRING.finditer(line):
            if not _is_system_header(match.group(1)):
                clues.append(Clue("header", match.group(1), file, number))
        clues += _config_clues(file, number, line)
        if _OPENMP.search(line):
            clues.append(Clue("openmp", "openmp", file, number))
    return clues


def _runtime_clues(file: str, text: str) -> list[Clue]:
    clues: list[Clue] = []
    if "find_library" not in text and "CDLL" not in text and "dlopen" not in text and "LoadLibrary" not in text:
        return clues
    for number, line in enumerate(text.splitlines(), start=1):
        for pattern in (_FIND_LIBRARY, _DLOPEN):
            for match in pattern.finditer(line):
                name = _library_stem(match.group(1) or match.group(2))
                if name and _library_name(name):
                    clues.append(Clue("runtime-library", name, file, number))
    return clues


def _config_clues(file: str, number: int, line: str) -> list[Clue]:
    out = []
    for match in _CONFIG_WORD.finditer(line):
        word = match.group(1)
        if word in _NOT_CONFIG or word.endswith("_config") and word not in KNOWN_CONFIG_SCRIPTS and "-" not in word:
            continue  # python identifiers like build_config; known scripts with _ are kept
        out.append(Clue("config-script", word, file, number))
    return out


# ------------------------------------------------------------ meson, CMake, Cargo ----


def _meson_clues(file: str, text: str) -> list[Clue]:
    clues: list[Clue] = []
    for match in _MESON_DEP.finditer(text):
        name, rest = match.group(1), match.group(2)
        number = text.count("\n", 0, match.start()) + 1
        optional = bool(re.search(r"required\s*:\s*(false|get_option)", rest))
        lowered = name.lower()
        if lowered == "openmp":
            clues.append(Clue("openmp", "openmp", file, number, optional))
        elif lowered in _MESON_SPECIAL or lowered in LIBC_LIBRARIES:
            continue
        else:
            clues.append(Clue("pkg-config", name, file, number, optional))
    for match in _MESON_LIB.finditer(text):
        name, rest = match.group(1), match.group(2)
        if _library_name(name):
            number = text.count("\n", 0, match.start()) + 1
            optional = bool(re.search(r"required\s*:\s*(false|get_option)", rest))
            clues.append(Clue("library", name, file, number, optional))
    for line_number, line in enumerate(text.splitlines(), start=1):
        clues += _config_clues(file, line_number, line)
    return clues


#: meson dependency() names that are not pkg-config modules on Linux (meson's special dependencies,
#: Python's own, or musl's: iconv and intl are in libc)
_MESON_SPECIAL = frozenset({"python", "python3", "threads", "numpy", "pybind11", "nanobind", "dl", "cython", "py3",
                            "dep_py", "", "appleframeworks", "blocks", "intl", "iconv", "cuda", "valgrind"})
_CMAKE_BUILTIN_PACKAGES = frozenset({
    "python", "python3", "pythoninterp", "pythonlibs", "pythonextensions", "threads", "pybind11", "nanobind",
    "pkgconfig", "cython", "numpy", "git", "doxygen", "gtest", "googletest", "catch2", "sphinx", "skbuild",
    "python_extensions", "f2py", "cmakeparseArguments".lower(), "checkcsourcecompiles",
})


def _cmake_clues(file: str, text: str) -> list[Clue]:
    clues: list[Clue] = []
    for match in _CMAKE_FIND_PACKAGE.finditer(text):
        name, rest = match.group(1), match.group(2)
        number = text.count("\n", 0, match.start()) + 1
        lowered = name.lower()
        optional = "REQUIRED" not in rest.upper() or "QUIET" in rest.upper()
        if lowered == "openmp":
            clues.append(Clue("openmp", "openmp", file, number, optional))
        elif lowered not in _CMAKE_BUILTIN_PACKAGES and not name.startswith("$"):
            clues.append(Clue("cmake-package", name, file, number, optional))
    for match in _CMAKE_FIND_LIBRARY.finditer(text):
        if _library_name(match.group(1)) and not match.group(1).startswith("$"):
            clues.append(Clue("library", match.group(1), file, text.count("\n", 0, match.start()) + 1))
    for match in _CMAKE_PKG.finditer(text):
        number = text.count("\n", 0, match.start()) + 1
        rest = match.group(1)
        optional = "REQUIRED" not in rest.upper()
        for word in rest.split():
            if word.upper() in ("REQUIRED", "QUIET", "IMPORTED_TARGET", "GLOBAL", "NO_CMAKE_PATH", "NO_CMAKE_ENVIRONMENT_PATH"):
                continue
            if word.startswith("$"):
                continue
            name = _strip_version(word.strip("\"'"))
            if _NAME_RE.match(name):
                clues.append(Clue("pkg-config", name, file, number, optional))
    for match in _CMAKE_LINK.finditer(text):
        for flag in _LINK_FLAG.finditer(" " + match.group(1) + " "):
            if _library_name(flag.group(1)):
                clues.append(Clue("library", flag.group(1), file, text.count("\n", 0, match.start()) + 1))
    for line_number, line in enumerate(text.splitlines(), start=1):
        clues += _config_clues(file, line_number, line)
    return clues


_CARGO_SYS = re.compile(r"^\s*([A-Za-z0-9_-]+-sys)\s*=\s*(.*)$", re.MULTILINE)


def _cargo_clues(file: str, text: str) -> list[Clue]:
    clues = []
    for match in _CARGO_SYS.finditer(text):
        name, rest = match.group(1), match.group(2)
        if re.search(r"vendored|bundled|static|bindgen-only", rest):
            continue
        clues.append(Clue("rust-sys", name, file, text.count("\n", 0, match.start()) + 1, "optional = true" in rest))
    return clues


# ------------------------------------------------------------------- headers ----


def _shipped_headers(member_names: Iterable[str], root: str) -> frozenset[str]:
    """Every path suffix of the sdist's own headers (``foo.h``, ``bar/foo.h``)."""
    shipped: set[str] = set()
    for name in member_names:
        parts = name.split("/")[1:] if name.startswith(root + "/") else name.split("/")
        if parts and parts[-1].endswith(".in"):
            parts[-1] = parts[-1][:-3]  # h3api.h.in: a header the build generates
        for start in range(len(parts)):
            shipped.add("/".join(parts[start:]))
    return frozenset(shipped)


#: macros only another platform's compiler defines: a branch they select is not compiled on Alpine
_OTHER_PLATFORM_MACROS = re.compile(
    r"\b(_WIN32|_WIN64|WIN32|_WINDOWS|_MSC_VER|__MINGW32__|__MINGW64__|__CYGWIN__|MS_WINDOWS|__APPLE__|__MACH__|"
    r"__FreeBSD__|__NetBSD__|__OpenBSD__|__DragonFly__|__sun|__sun__|_AIX|__hpux|__HAIKU__|__ANDROID__|"
    r"__EMSCRIPTEN__|__wasi__|__OS2__|__VMS)\b"
)
#: a condition naming one of these also selects Linux: not another platform's branch
_THIS_PLATFORM_MACROS = re.compile(r"\b(__linux__|__linux|linux|__unix__|__unix|__GLIBC__|__gnu_linux__|__MUSL__)\b")
_DIRECTIVE = re.compile(r"^\s*#\s*(if|ifdef|ifndef|elif|else|endif)\b(.*)$", re.MULTILINE)


def other_platform_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of preprocessor branches that only another platform compiles.

    ``#ifdef _WIN32`` / ``#if defined(__APPLE__)`` branches, and the ``#else``
    of ``#ifndef _WIN32``: what they include is not what an Alpine build
    compiles (greenlet's <TargetConditionals.h>, fastText's <vcruntime.h>).
    A condition that also names Linux or Unix, or negates, is not such a branch.
    """
    spans: list[tuple[int, int]] = []
    #: per open #if: (this branch is another platform's, its #else would be, start of the branch)
    stack: list[tuple[bool, bool, int]] = []
    for match in _DIRECTIVE.finditer(text):
        directive, condition = match.group(1), match.group(2).split("//", 1)[0].split("/*", 1)[0]
        other_named = bool(_OTHER_PLATFORM_MACROS.search(condition)) and not _THIS_PLATFORM_MACROS.search(condition)
        negated = directive == "ifndef" or "!" in condition
        if directive in ("if", "ifdef", "ifndef"):
            stack.append((other_named and not negated, other_named and negated and "&&" not in condition, match.end()))
            continue
        if not stack:
            continue  # an unbalanced #else/#endif: nothing to close
        branch_other, else_other, start = stack.pop()
        if branch_other:
            spans.append((start, match.start()))
        if directive == "elif":
            stack.append((other_named and not negated, False, match.end()))
        elif directive == "else":
            stack.append((else_other, False, match.end()))
    return spans


def _header_clues(file: str, text: str, pattern: re.Pattern[str], shipped: frozenset[str]) -> list[Clue]:
    clues = []
    spans = other_platform_spans(text) if "#" in text else []
    for match in pattern.finditer(text):
        header = match.group(1) or match.group(match.lastindex or 1)
        if _is_shipped(header, shipped):
            continue
        if any(start <= match.start() < end for start, end in spans):
            continue  # another platform's branch (#ifdef _WIN32, __APPLE__)
        if header == "omp.h":
            if "Generated by Cython" in text[:300]:
                continue  # Cython guards it with #ifdef _OPENMP: used only when the build asks for OpenMP
            clues.append(Clue("openmp", "openmp", file, text.count("\n", 0, match.start()) + 1))
            continue
        if _is_system_header(header) or header.startswith((".", "/")):
            continue
        clues.append(Clue("header", header, file, text.count("\n", 0, match.start()) + 1))
    return clues


def _is_shipped(header: str, shipped: frozenset[str]) -> bool:
    return header in shipped or ("/" not in header and posixpath.basename(header) in shipped)


def _is_system_header(header: str) -> bool:
    if "." not in header:
        return True  # C++ standard headers: <vector>, <cstdio>
    stem = header[:-2] if header.endswith(".h") else header
    if stem in _C_HEADERS or header.startswith(_SYSTEM_DIRS) or header.startswith(_PYTHON_DIRS):
        return True
    # linux/ and asm/ headers are NOT system here: they are a real need (Alpine's linux-headers)
    return bool(_PYTHON_HEADERS.match(header) or _OTHER_OS.match(header))


def linux_header(header: str) -> bool:
    """A kernel header (``linux/``, ``asm/``...): Alpine's ``linux-headers`` package."""
    return header.startswith(_LINUX_DIRS)


# -------------------------------------------------------------------- helpers ----


def _quoted(text: str) -> list[str]:
    return [a or b for a, b in _QUOTED.findall(text)]


def _pc_name(name: str) -> bool:
    if name.isupper() or re.fullmatch(r"[A-Z0-9_]+", name):
        return False  # an environment variable (PKG_CONFIG, FOO_CFLAGS), not a module
    if _is_encoding(name) or name.lower() in LIBC_LIBRARIES or name[:1].isdigit():
        return False  # a codec, libc, or a version number ("2.8.0") next to the call
    return not name.startswith("-") and bool(_NAME_RE.match(_strip_version(name))) \
        and name.lower() not in ("pkg-config", "pkgconfig") and name.lower() not in _NOT_PC_NAMES


def _is_encoding(name: str) -> bool:
    """``iso8859-1``, ``utf-8``, ``cp1252``: a codec name next to a pkg-config call is not a module."""
    try:
        codecs.lookup(name)
    except (LookupError, ValueError):
        return False
    return True


def _strip_version(name: str) -> str:
    return re.split(r"\s*[<>=!~]", name, maxsplit=1)[0].strip()


def _library_name(name: str) -> bool:
    lowered = name.lower()
    if re.fullmatch(r"[A-Z0-9_]+", name) and "_" in name:
        return False  # an environment variable or constant (UJSON_BUILD_DC_LIBS), not a library
    return bool(_NAME_RE.match(name)) and lowered not in LIBC_LIBRARIES and lowered not in _NOT_LIBRARY_WORDS \
        and lowered not in OTHER_OS_LIBRARIES \
        and not name.endswith((".py", ".c", ".h", ".txt", ".cfg")) and not name.startswith("-")


def _library_stem(name: str) -> str:
    """``libmagic.so.1`` -> ``magic``; ``magic`` -> ``magic``; ``/usr/lib/libfoo.so`` -> ``foo``."""
    base = posixpath.basename(name)
    base = re.sub(r"\.(so(\.[0-9]+)*|dylib|dll)$", "", base)
    base = re.sub(r"-[0-9]+$", "", base)
    if base.startswith("lib") and len(base) > 3:
        base = base[3:]
    return base
