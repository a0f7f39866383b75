"""Build and run-time needs inferred from an sdist's own files, mapped through the index.

The clues come from :mod:`apkneed.python.sdist_build` (file and line each);
this module maps them to apk packages of the target index, never by a
table of package names:

* ``pkg-config`` foo      -> ``pc:foo`` (its ``-dev``; the libraries it stands for at run time),
                             else ``so:libfoo.so*`` (the library's same-origin ``-dev``)
* ``library`` foo         -> ``pc:foo``, else ``so:libfoo.so*``, else ``cmd:foo`` (the PEP 725 host rules)
* ``cmake-package`` Foo   -> the pkg-config module CMake's Find module looks for
                             (``CMAKE_MODULES``), else ``foo`` as a library
* ``config-script`` x     -> ``cmd:x`` (``pg_config`` -> ``libpq-dev``); a ``-dev`` package
                             found so brings its libraries at run time
* ``header`` linux/...    -> ``linux-headers`` (Alpine's kernel headers)
* ``runtime-library`` foo -> ``so:libfoo.so*``: a run-time need only (python-magic -> libmagic)
* ``rust-sys`` foo-sys    -> ``foo`` as a library (``openssl-sys`` -> ``openssl-dev``)
* ``openmp``              -> the ``interface/openmp`` virtual
* languages               -> the compiler virtuals (C, Cython: build-base; Fortran:
                             gfortran; Rust: cargo, only when [build-system].requires
                             names a Rust build tool, setuptools-rust or maturin:
                             pip's isolated build compiles no crate without one)

**Unknown** (the plan warns and exits 1) when a required clue maps to
nothing, or when the sources include headers the sdist does not ship and
that no mapped clue can explain (``#include <mysql.h>`` with no library
named anywhere), or when the only library names it gives are in no package.
Unmapped library names next to mapped ones are reported, not fatal
(``libraries=`` lists often hold other platforms' names). Optional clues (meson ``required: false``, CMake without
``REQUIRED``, names listed near a pkg-config call) count only when the index
has them; of names listed together, the first the index has is taken, as the
build's own loop would.

API::

    infer_needs(dist, sdist, *, table, virtuals) -> Inference
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Mapping

from apkneed.errors import InputError
from apkneed.plan.evidence_records import SdistEvidence
from apkneed.plan.model import BUILD, RUNTIME, Need
from apkneed.plan.pep725 import (
    AlpineMapping,
    ProviderTable,
    VirtualEntry,
    map_requirement,
    parse_external_requirement,
    runtime_packages_for,
)
from apkneed.python.names import canonical_name
from apkneed.python.sdist_build import KNOWN_CONFIG_SCRIPTS, Clue, linux_header

#: observed language -> the compiler virtual it needs (Cython generates C)
LANGUAGE_VIRTUALS = {"c": "compiler/c", "cython": "compiler/c", "c++": "compiler/cxx",
                     "fortran": "compiler/fortran", "rust": "compiler/rust"}
#: CMake Find-module names -> the pkg-config module (or library) they look for
#: (cmake.org/cmake/help/latest/module/Find<Name>.html)
CMAKE_MODULES = {
    "zlib": "zlib", "png": "libpng", "jpeg": "libjpeg", "openssl": "openssl", "curl": "libcurl",
    "libxml2": "libxml-2.0", "libxslt": "libxslt", "bzip2": "bzip2", "freetype": "freetype2", "tiff": "libtiff-4",
    "sqlite3": "sqlite3", "expat": "expat", "libarchive": "libarchive", "liblzma": "liblzma", "gdal": "gdal",
    "geos": "geos", "hdf5": "hdf5", "eigen3": "eigen3", "protobuf": "protobuf", "gsl": "gsl", "fftw3": "fftw3",
    "boost": "boost", "blas": "openblas", "lapack": "openblas", "lz4": "liblz4", "zstd": "libzstd",
    "gmp": "gmp", "mpfr": "mpfr", "icu": "icu-uc", "libffi": "libffi", "ffi": "libffi", "pcre2": "libpcre2-8",
    "x11": "x11", "opengl": "gl", "glew": "glew", "sdl2": "sdl2", "gtest": "gtest",
}
#: meson/pkg-config names of a BLAS or LAPACK: the interface/blas virtual (Alpine builds against OpenBLAS)
BLAS_NAMES = frozenset({"blas", "lapack", "cblas", "lapacke", "openblas", "scipy-openblas", "scipy-openblas64",
                        "flexiblas", "mkl", "mkl-sdl", "accelerate", "blis"})
#: rust-sys crates whose C library has another name
RUST_SYS = {"openssl-sys": "openssl", "libgit2-sys": "libgit2", "libz-sys": "zlib", "libsqlite3-sys": "sqlite3",
            "bzip2-sys": "bzip2", "zstd-sys": "libzstd", "lzma-sys": "liblzma", "libssh2-sys": "libssh2",
            "curl-sys": "libcurl", "pq-sys": "libpq", "mysqlclient-sys": "libmariadb", "freetype-sys": "freetype2"}
#: crates that are not C libraries to install (Python's own, or always bundled)
_RUST_INTERNAL = frozenset({"python3-sys", "pyo3-ffi", "windows-sys", "linux-raw-sys", "libc-sys", "cc-sys",
                            "ring-sys", "winapi-sys", "core-foundation-sys", "security-framework-sys",
                            "js-sys", "web-sys", "objc-sys", "libmimalloc-sys", "tikv-jemalloc-sys",
                            "jemalloc-sys", "blake3-sys", "pyo3-build-config", "mimalloc-sys"})
_RUST_BUILD_REQUIRES = ("setuptools-rust", "setuptools_rust", "maturin", "puccinialin")


@dataclass(frozen=True)
class Inference:
    needs: tuple[Need, ...]
    compiled: bool
    reasons: tuple[str, ...]
    unknown: tuple[str, ...] = ()  # what makes the answer unknown (empty: it is known)
    problems: tuple[str, ...] = ()


def infer_needs(
    dist: str, sdist: SdistEvidence, *, table: ProviderTable, virtuals: Mapping[str, VirtualEntry]
) -> Inference:
    origin = sdist.filename
    needs: list[Need] = []
    unknown: list[str] = []
    explained = False  # some library-like clue mapped
    taken_groups: set[str] = set()
    runtime_tried: list[Clue] = []
    runtime_found = False
    soft: list[str] = []  # unmapped library names: unknown only if no library-like clue maps
    rust_built = rust_tool_declared(sdist)
    for clue in sdist.clues:
        chain_root = (f"{clue.kind} {clue.name} at {clue.where}", origin)
        if clue.kind == "rust-sys" and not rust_built:
            continue  # no Rust build tool in [build-system].requires: pip's build compiles no crate
        if clue.kind == "header":
            if linux_header(clue.name) and "linux-headers" in table:
                needs.append(Need("linux-headers", BUILD, dist, (f"#include <{clue.name}> at {clue.where}", origin)))
            continue
        if clue.kind == "openmp":
            needs += _virtual(dist, "interface/openmp", chain_root, table, virtuals)
            continue
        if clue.kind == "runtime-library":
            runtime_tried.append(clue)
            mapping = _map(clue.name, "run", table, virtuals)
            if mapping is not None and mapping.runtime:
                runtime_found = True
                needs += [Need(name, RUNTIME, dist, (mapping.rule, *chain_root)) for name in mapping.runtime]
            continue
        group = f"{clue.where}" if clue.optional and clue.kind == "pkg-config" else None
        if group is not None and group in taken_groups:
            continue
        mapping = _map_clue(clue, table, virtuals)
        if mapping is None or not (mapping.build or mapping.runtime):
            if clue.optional or clue.kind == "config-script" and clue.name not in KNOWN_CONFIG_SCRIPTS:
                continue
            text = f"{clue.kind} {clue.name} ({clue.where}) is in no package of the index"
            # a libraries= list often names other platforms' or optional libraries
            (soft if clue.kind in ("library", "cmake-package") else unknown).append(text)
            continue
        if group is not None:
            taken_groups.add(group)
        explained = True
        if any(_is_python_package(name, table) for name in mapping.build):
            continue  # pc:numpy is py3-numpy-dev: pip's build isolation supplies Python-level dependencies
        needs += _mapping_needs(dist, mapping, chain_root)
    if runtime_tried and not runtime_found:
        names = ", ".join(sorted({c.name for c in runtime_tried}))
        unknown.append(f"it loads {names} at run time ({runtime_tried[0].where}) and no package provides so:lib{runtime_tried[0].name}.so*")
    problems = []
    if soft and not explained:
        unknown += soft
    elif soft:
        problems.append(f"{dist}: " + "; ".join(soft) + " (other libraries of the build are found: left out)")
    supplied = {canonical_name(re.split(r"[<>=!~;\[ ]", r, maxsplit=1)[0]) for r in sdist.build_requires}
    headers = [
        c for c in sdist.clues
        if c.kind == "header" and not linux_header(c.name) and canonical_name(c.name.split("/")[0]) not in supplied
    ]  # <cppy/cppy.h> comes with the cppy build requirement
    if headers and not explained:
        shown = ", ".join(f"<{c.name}>" for c in headers[:4]) + (f" (+{len(headers) - 4} more)" if len(headers) > 4 else "")
        unknown.append(f"its sources include {shown} ({headers[0].where}), which it does not ship and no build file explains")
    languages = _languages(sdist, rust_built)
    for key in dict.fromkeys(LANGUAGE_VIRTUALS[language] for language in languages):
        needs += _virtual(dist, key, (key, f"{origin}: {_language_evidence(sdist)}"), table, virtuals)
    compiled = bool(languages)
    reasons = []
    found = sorted({n.apk for n in needs if n.kind == BUILD})
    if compiled or needs:
        reasons.append(
            f"inferred from {origin}: {len(sdist.clues)} clue(s) in its build files and sources"
            + (f"; needs {', '.join(found)}" if found else "")
        )
    return Inference(tuple(needs), compiled, tuple(reasons), tuple(unknown), tuple(problems))


def _is_python_package(name: str, table: ProviderTable) -> bool:
    package = next((p for p in table.get(name, ()) if p.name == name), None)
    if package is None:
        return False
    return name.startswith("py3-") or any(d.name == "python3" for d in package.depends) and not name.endswith("-dev")


def rust_tool_declared(sdist: SdistEvidence) -> bool:
    """Can pip's isolated build compile Rust? Only with a Rust build tool among [build-system].requires.

    setuptools alone cannot: an optional Rust extension (dulwich's, zstandard's)
    is skipped when ``setuptools_rust`` cannot be imported.
    """
    backend = (sdist.build_backend or "").lower()
    return backend.startswith(("maturin", "puccinialin")) or any(
        r.lower().startswith(_RUST_BUILD_REQUIRES) for r in sdist.build_requires
    )


def _languages(sdist: SdistEvidence, rust_built: bool) -> list[str]:
    # Rust is compiled exactly when a Rust build tool is declared (``rust_built``), whatever files are seen
    languages = [language for language, _ in sdist.languages if rust_built or language != "rust"]
    if rust_built and "rust" not in languages:
        languages.append("rust")
    if not languages and sdist.markers:
        languages = ["c"]  # a compiled build with no recognisable sources still runs a C compiler
    return languages


def _language_evidence(sdist: SdistEvidence) -> str:
    seen = ", ".join(f"{count} {language} file{'s' if count > 1 else ''}" for language, count in sdist.languages)
    return "; ".join(filter(None, [seen, ", ".join(sdist.markers), "build requires " + ", ".join(sdist.build_requires)]))


def _map_clue(clue: Clue, table: ProviderTable, virtuals) -> AlpineMapping | None:
    if clue.kind == "pkg-config":
        if clue.name.lower() in BLAS_NAMES:
            return _map_virtual_key("interface/blas", table, virtuals)
        return _map(clue.name, "host", table, virtuals)
    if clue.kind == "library":
        return _map(clue.name[3:] if clue.name.startswith("lib") and len(clue.name) > 3 else clue.name, "host", table, virtuals)
    if clue.kind == "cmake-package":
        lowered = clue.name.lower()
        return _map(CMAKE_MODULES.get(lowered, lowered), "host", table, virtuals)
    if clue.kind == "config-script":
        mapping = _map(clue.name, "build", table, virtuals, only_cmd=True)
        if mapping is None:
            return None
        tool = mapping.build[0]
        if tool.endswith("-dev"):  # a library's config script: link against it, run with it
            package = next(p for p in table[f"cmd:{clue.name}"] if p.name == tool)
            runtime = tuple(p.name for p in runtime_packages_for(package, table))
            return AlpineMapping(mapping.requirement, "host", build=(tool,), runtime=runtime, rule=mapping.rule)
        return mapping
    if clue.kind == "rust-sys":
        if clue.name in _RUST_INTERNAL:
            return AlpineMapping(parse_external_requirement("dep:generic/rust"), "build", rule="bundled crate")
        name = RUST_SYS.get(clue.name, clue.name.removesuffix("-sys"))
        return _map(name, "host", table, virtuals)
    return None


def _map_virtual_key(key: str, table: ProviderTable, virtuals) -> AlpineMapping | None:
    mapping = map_requirement(parse_external_requirement(f"dep:virtual/{key}"), "host", table, virtuals)
    return mapping if mapping.mapped else None


def _map(name: str, role: str, table: ProviderTable, virtuals, *, only_cmd: bool = False) -> AlpineMapping | None:
    if only_cmd:
        found = table.get(f"cmd:{name}", ())
        if not found:
            return None
        requirement = parse_external_requirement("dep:generic/tool")
        return AlpineMapping(requirement, role, build=(_own_provider(name, found).name,), rule=f"cmd:{name}")
    try:
        requirement = parse_external_requirement(f"dep:generic/{name}")
    except InputError:
        return None  # a name no DepURL can hold: not a package name
    mapping = map_requirement(requirement, role, table, virtuals)
    return mapping if mapping.mapped else None


def _own_provider(command: str, found):
    """``krb5-config`` is krb5's own script: among several providers (heimdal-dev, krb5-dev) the
    one whose origin the script is named after, else the index's first."""
    stem = re.sub(r"[-_]config$", "", command)
    return next((p for p in found if p.origin == stem), found[0])


def _mapping_needs(dist: str, mapping: AlpineMapping, chain_root: tuple[str, ...]) -> list[Need]:
    needs = [Need(name, BUILD, dist, (mapping.rule, *chain_root)) for name in mapping.build]
    devs = [name for name in mapping.build if name.endswith("-dev")]
    for name in mapping.runtime:
        via = (f"library of {devs[0]}",) if devs else ()
        needs.append(Need(name, RUNTIME, dist, (*via, mapping.rule, *chain_root)))
    return needs


def _virtual(dist: str, key: str, chain: tuple[str, ...], table: ProviderTable, virtuals) -> list[Need]:
    mapping = map_requirement(parse_external_requirement(f"dep:virtual/{key}"), "build", table, virtuals)
    if not mapping.mapped:
        return []
    return _mapping_needs(dist, mapping, chain)


def unique_needs(needs: Iterable[Need]) -> list[Need]:
    seen: dict[tuple[str, str], Need] = {}
    for need in needs:
        seen.setdefault((need.apk, need.kind), need)
    return list(seen.values())
