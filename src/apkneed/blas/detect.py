"""What BLAS/LAPACK NumPy (and SciPy) really run on.

threadpoolctl, run inside the inspected interpreter by the probe, is the
witness: it finds the loaded OpenBLAS (also NumPy's scipy-openblas with its
``scipy_`` prefix), BLIS, MKL and FlexiBLAS, on glibc and on musl, and asks
each for its version, threading layer, thread count and the kernel it chose
(OpenBLAS's corename). It ignores libraries without a thread pool, such as
netlib's reference BLAS, so the probe also lists every BLAS-like file mapped
into the process (/proc/self/maps). Each file's ELF symbols then say what it
is (vendor), which ``dgemm`` it defines and with which integer width; its
path says whether a wheel bundled it or the system did, and which apk (or
dpkg) package owns it.

The functions here are pure: probe output, ELF images and package owners in,
:class:`LoadedLibrary` records out.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Callable

from apkneed.binary.elf import ElfError, ElfInfo
from apkneed.blas.knowledge import Knowledge, Vendor
from apkneed.blas.origin import Origin
from apkneed.blas.vendor import DgemmEntry, classify, config_symbol, dgemm_entry, forwards_to, lapack_symbols


@dataclass(frozen=True)
class LoadedLibrary:
    path: str
    realpath: str
    users: tuple[str, ...]  # "numpy", "scipy"
    vendor: Vendor | None
    origin: Origin
    soname: str | None
    provides: tuple[str, ...]  # "BLAS", "LAPACK"
    dgemm: DgemmEntry | None
    config_symbol: str | None
    int_model: str | None  # "LP64" | "ILP64"
    version: str | None
    threading_layer: str | None
    num_threads: int | None
    corename: str | None
    config: str | None
    forwards_to: str | None

    @property
    def vendor_name(self) -> str:
        return self.vendor.name if self.vendor else "unknown"

    def to_json(self) -> dict:
        return {
            "path": self.path,
            "realpath": self.realpath,
            "used_by": list(self.users),
            "vendor": self.vendor.key if self.vendor else None,
            "vendor_name": self.vendor_name,
            "provides": list(self.provides),
            "origin": self.origin.to_json(),
            "soname": self.soname,
            "dgemm_symbol": self.dgemm.symbol if self.dgemm else None,
            "int_model": self.int_model,
            "version": self.version,
            "threading_layer": self.threading_layer,
            "num_threads": self.num_threads,
            "corename": self.corename,
            "config": self.config,
            "forwards_to": self.forwards_to,
        }


def _threadpool_entry(realpath: str, info: list[dict] | None) -> dict | None:
    for entry in info or ():
        if os.path.realpath(entry.get("filepath", "")) == realpath:
            return entry
    return None


def describe_library(
    path: str,
    users: tuple[str, ...],
    image: ElfInfo | None,
    threadpool: dict | None,
    config: str | None,
    origin: Origin,
    knowledge: Knowledge,
) -> LoadedLibrary:
    realpath = os.path.realpath(path)
    vendor = classify(image, knowledge) if image else None
    dgemm = dgemm_entry(image, knowledge.dgemm_symbols) if image else None
    provides = []
    if dgemm:
        provides.append("BLAS")
    if image and image.defined & lapack_symbols(knowledge):
        provides.append("LAPACK")
    int_model = dgemm.int_model if dgemm else None
    if config and knowledge.openblas_ilp64_marker in config.split():
        int_model = "ILP64"
    return LoadedLibrary(
        path=path,
        realpath=realpath,
        users=users,
        vendor=vendor,
        origin=origin,
        soname=image.soname if image else None,
        provides=tuple(provides),
        dgemm=dgemm,
        config_symbol=config_symbol(image, knowledge) if image else None,
        int_model=int_model,
        version=(threadpool or {}).get("version"),
        threading_layer=(threadpool or {}).get("threading_layer"),
        num_threads=(threadpool or {}).get("num_threads"),
        corename=(threadpool or {}).get("architecture"),
        config=config,
        forwards_to=forwards_to(image, vendor) if image else None,
    )


def loaded_libraries(
    detect: dict,
    knowledge: Knowledge,
    read_image: Callable[[str], ElfInfo],
    origin_for: Callable[[str], Origin],
) -> list[LoadedLibrary]:
    """Every BLAS/LAPACK library in the probe's process, NumPy's first.

    ``detect`` is the probe's ``detect`` line; ``read_image`` and
    ``origin_for`` are the IO (ELF reading, package database) injected.
    """
    info = detect.get("threadpool_info")
    users: dict[str, list[str]] = {}
    for path in detect["numpy"]["libraries"]:
        users.setdefault(path, []).append("numpy")
    for path in (detect.get("scipy") or {}).get("libraries", []):
        users.setdefault(path, []).append("scipy")
    # threadpoolctl may know a BLAS whose file name no prefix matched
    known = {os.path.realpath(p) for p in users}
    for entry in info or ():
        if entry.get("user_api") == "blas" and os.path.realpath(entry["filepath"]) not in known:
            users.setdefault(entry["filepath"], []).append("numpy")
            known.add(os.path.realpath(entry["filepath"]))
    configs = detect.get("configs", {})
    libraries = []
    for path, who in users.items():
        try:
            image = read_image(path)
        except ElfError:
            image = None
        realpath = os.path.realpath(path)
        config = (configs.get(path) or {}).get("config")
        library = describe_library(path, tuple(who), image, _threadpool_entry(realpath, info), config,
                                   origin_for(path), knowledge)
        if library.vendor is not None:
            libraries.append(library)
    return libraries


def openmp_runtimes(detect: dict) -> list[dict]:
    """OpenMP runtimes threadpoolctl found (BLIS-openmp, MKL bring one)."""
    return [
        {"path": e["filepath"], "num_threads": e.get("num_threads"), "version": e.get("version"),
         "internal_api": e.get("internal_api")}
        for e in detect.get("threadpool_info") or ()
        if e.get("user_api") == "openmp"
    ]


def build_summary(config: dict) -> dict:
    """The BLAS/LAPACK lines of ``numpy.show_config(mode="dicts")``."""
    dependencies = config.get("Build Dependencies") or {}
    summary = {}
    for api in ("blas", "lapack"):
        entry = dependencies.get(api) or {}
        if entry:
            summary[api] = {
                "name": entry.get("name"),
                "version": entry.get("version"),
                "found": entry.get("found"),
                "detection_method": entry.get("detection method"),
                "openblas_configuration": entry.get("openblas configuration"),
            }
    return summary
