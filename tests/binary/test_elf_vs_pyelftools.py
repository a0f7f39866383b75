"""Our bounded ELF reader against pyelftools, the library made for the job.

apkneed reads ELF with its own struct-based reader (binary/elf.py explains
why: pyelftools costs ~2 ms per file, 20x more than the scan budget allows).
pyelftools stays the reference implementation: on the machine's own
libraries, both must agree on every dynamic-linking fact apkneed uses.
"""

from __future__ import annotations

import glob
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile  # reference implementation, test-only

from apkneed.binary.elf import read_elf


def _system_libraries(limit: int = 80) -> list[Path]:
    found = []
    for name in sorted(glob.glob("/usr/lib/x86_64-linux-gnu/*.so*") + glob.glob("/lib/x86_64-linux-gnu/*.so*")):
        path = Path(name)
        if path.is_file() and not path.is_symlink() and path.read_bytes()[:4] == b"\x7fELF":
            found.append(path)
        if len(found) >= limit:
            break
    return found


def _pyelftools_facts(path: Path) -> dict:
    with path.open("rb") as stream:
        elf = ELFFile(stream)
        facts = {"needed": [], "soname": None, "rpath": [], "runpath": [], "interp": None}
        for segment in elf.iter_segments():
            if segment["p_type"] == "PT_INTERP":
                facts["interp"] = segment.get_interp_name()
            elif segment["p_type"] == "PT_DYNAMIC":
                for tag in segment.iter_tags():
                    kind = tag.entry.d_tag
                    if kind == "DT_NEEDED":
                        facts["needed"].append(tag.needed)
                    elif kind == "DT_SONAME":
                        facts["soname"] = tag.soname
                    elif kind == "DT_RPATH":
                        facts["rpath"].extend(tag.rpath.split(":"))
                    elif kind == "DT_RUNPATH":
                        facts["runpath"].extend(tag.runpath.split(":"))
        facts["class"] = elf.elfclass
        facts["little"] = elf.little_endian
        versions = set()
        section = elf.get_section_by_name(".gnu.version_r")
        if section is not None:
            for _, auxiliaries in section.iter_versions():
                versions.update(aux.name for aux in auxiliaries)
        facts["versions"] = versions
        return facts


LIBRARIES = _system_libraries()


def test_there_are_libraries_to_compare():
    assert len(LIBRARIES) >= 20


@pytest.mark.parametrize("path", LIBRARIES, ids=lambda p: p.name)
def test_agrees_with_pyelftools(path: Path):
    expected = _pyelftools_facts(path)
    with path.open("rb") as stream:
        info = read_elf(stream, path=str(path), symbols=False)
    assert list(info.needed) == expected["needed"]
    assert info.soname == expected["soname"]
    assert list(info.rpath) == expected["rpath"]
    assert list(info.runpath) == expected["runpath"]
    assert info.interp == expected["interp"]
    assert info.elf_class == expected["class"]
    assert (info.endianness == "little") == expected["little"]
    assert set(info.version_names) == expected["versions"]
