"""What a shared library exports and needs, read from its ELF file.

pyelftools reads the dynamic section and the symbol hash table lazily from
the open file: looking up the few names apkneed asks about goes through the
library's own ``.gnu.hash``/``.hash`` table, so a 40 MB OpenBLAS with
thousands of symbols costs milliseconds. The
answer is whether a library really defines ``dgemm_`` (not merely reaches one
through a dependency, which is all ``dlsym`` could tell), and which vendor
markers it carries.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from elftools.common.exceptions import ELFError
from elftools.elf.dynamic import DynamicSection
from elftools.elf.elffile import ELFFile
from elftools.elf.hash import ELFHashSection, GNUHashSection
from elftools.elf.sections import SymbolTableSection


@dataclass(frozen=True)
class LibraryImage:
    path: str
    soname: str | None
    needed: tuple[str, ...]
    #: names of the functions this file itself defines (not imports)
    defined: frozenset[str]
    machine: str
    elf_class: int


class NotAnElfLibrary(Exception):
    """The file is not a readable ELF shared object (message says why)."""


def read_library(path: str | Path, *, interesting: frozenset[str] | None = None) -> LibraryImage:
    """Read a library's soname, NEEDED list and defined dynamic functions.

    ``interesting`` keeps only those symbol names (the full table of a BLAS
    has thousands of entries the caller never asks about).
    """
    try:
        with open(path, "rb") as stream:
            elf = ELFFile(stream)
            soname = None
            needed: list[str] = []
            hash_table = None
            dynsym = None
            for section in elf.iter_sections():
                if isinstance(section, DynamicSection):
                    for tag in section.iter_tags():
                        if tag.entry.d_tag == "DT_NEEDED":
                            needed.append(tag.needed)
                        elif tag.entry.d_tag == "DT_SONAME":
                            soname = tag.soname
                elif isinstance(section, GNUHashSection) or (
                    isinstance(section, ELFHashSection) and hash_table is None
                ):
                    hash_table = section
                elif isinstance(section, SymbolTableSection) and section.name == ".dynsym":
                    dynsym = section
            if interesting is not None and hash_table is not None:
                found = (hash_table.get_symbol(name) for name in interesting)
                defined = {s.name for s in found if s is not None and _is_defined_function(s)}
            elif dynsym is not None:
                defined = {
                    s.name for s in dynsym.iter_symbols()
                    if _is_defined_function(s) and (interesting is None or s.name in interesting)
                }
            else:
                defined = set()
            return LibraryImage(
                path=str(path),
                soname=soname,
                needed=tuple(needed),
                defined=frozenset(defined),
                machine=elf["e_machine"],
                elf_class=elf.elfclass,
            )
    except FileNotFoundError:
        raise NotAnElfLibrary(f"{path}: no such file") from None
    except IsADirectoryError:
        raise NotAnElfLibrary(f"{path}: is a directory, not a library") from None
    except PermissionError:
        raise NotAnElfLibrary(f"{path}: permission denied") from None
    except (ELFError, ValueError, OSError) as exc:
        raise NotAnElfLibrary(f"{path}: not an ELF shared library ({exc})") from None


def _is_defined_function(symbol) -> bool:
    return symbol["st_shndx"] != "SHN_UNDEF" and symbol["st_info"]["type"] in ("STT_FUNC", "STT_GNU_IFUNC")
