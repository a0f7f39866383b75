"""Which BLAS a library is, and how to call its ``dgemm``: pure functions
over an ELF image and the vendor signatures in ``data/blas.toml``."""

from __future__ import annotations

import os
from dataclasses import dataclass

from apkneed.binary.elf import ElfInfo
from apkneed.blas.knowledge import DgemmSymbol, Knowledge, Vendor


@dataclass(frozen=True)
class DgemmEntry:
    symbol: str
    int_bits: int  # 64 for ILP64

    @property
    def int_model(self) -> str:
        return "ILP64" if self.int_bits == 64 else "LP64"


def lapack_symbols(knowledge: Knowledge) -> frozenset[str]:
    """``dgetrf`` (LU, in every LAPACK) under each naming ``dgemm`` may have."""
    return frozenset(s.name.replace("dgemm", "dgetrf") for s in knowledge.dgemm_symbols)


def interesting_symbols(knowledge: Knowledge) -> frozenset[str]:
    """Every symbol name a vendor rule or a dgemm/LAPACK lookup may ask about."""
    names = {s.name for s in knowledge.dgemm_symbols} | set(knowledge.openblas_config_symbols)
    names |= lapack_symbols(knowledge)
    for vendor in knowledge.vendors:
        names.update(vendor.symbols)
    return frozenset(names)


def library_name_prefixes(knowledge: Knowledge) -> tuple[str, ...]:
    """File-name prefixes of every library a vendor rule knows by name."""
    prefixes: list[str] = []
    for vendor in knowledge.vendors:
        for name in (*vendor.names, *vendor.needs):
            if name not in prefixes:
                prefixes.append(name)
    return tuple(prefixes)


def _matches(vendor: Vendor, image: ElfInfo, names: tuple[str, ...]) -> bool:
    if image.defined & set(vendor.symbols):
        return True
    if any(name.startswith(prefix) for name in names for prefix in vendor.names):
        return True
    return any(needed.startswith(prefix) for needed in image.needed for prefix in vendor.needs)


def classify(image: ElfInfo, knowledge: Knowledge) -> Vendor | None:
    """The first vendor whose signature the library carries, or None."""
    names = tuple({os.path.basename(image.path), os.path.basename(os.path.realpath(image.path))})
    for vendor in knowledge.vendors:
        if _matches(vendor, image, names):
            return vendor
    return None


def dgemm_entry(image: ElfInfo, symbols: tuple[DgemmSymbol, ...]) -> DgemmEntry | None:
    """The Fortran dgemm the library itself defines, in preference order.

    The integer width comes from the symbol suffix (``64_``); an OpenBLAS
    built ILP64 without a suffix is caught later from its config string.
    """
    for symbol in symbols:
        if symbol.name in image.defined:
            return DgemmEntry(symbol.name, symbol.int_bits)
    return None


def config_symbol(image: ElfInfo, knowledge: Knowledge) -> str | None:
    for name in knowledge.openblas_config_symbols:
        if name in image.defined:
            return name
    return None


def forwards_to(image: ElfInfo, vendor: Vendor | None) -> str | None:
    """The library a thin wrapper forwards to (Debian's openblas libblas.so.3)."""
    if vendor is None:
        return None
    for needed in image.needed:
        if any(needed.startswith(prefix) for prefix in vendor.needs):
            return needed
    return None
