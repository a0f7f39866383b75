"""Bad ELF input: every case is an ElfError with one line naming the file,
never a traceback of another kind and never a large allocation.

The bad files are real compiled objects with a few bytes patched; offsets
are found with struct here, independently of the reader under test.
"""

from __future__ import annotations

import io
import struct
import tracemalloc

import pytest

from apkneed.binary.elf import ElfError, read_elf

PT_DYNAMIC, PT_INTERP = 2, 3
DT_NEEDED, DT_STRTAB, DT_STRSZ, DT_GNU_HASH = 1, 5, 10, 0x6FFFFEF5


def program_headers(data: bytes) -> list[tuple[int, int, dict[str, int]]]:
    """(index, header offset, fields) of a 64-bit little-endian ELF."""
    phoff, = struct.unpack_from("<Q", data, 32)
    phentsize, phnum = struct.unpack_from("<HH", data, 54)
    out = []
    for i in range(phnum):
        at = phoff + i * phentsize
        p_type, _, p_offset, p_vaddr, _, p_filesz = struct.unpack_from("<IIQQQQ", data, at)
        out.append((i, at, {"type": p_type, "offset": p_offset, "vaddr": p_vaddr, "filesz": p_filesz}))
    return out


def dynamic_entries(data: bytes) -> list[tuple[int, int, int]]:
    """(file offset of the entry, tag, value) for each dynamic entry."""
    dyn = next(f for _, _, f in program_headers(data) if f["type"] == PT_DYNAMIC)
    out = []
    for at in range(dyn["offset"], dyn["offset"] + dyn["filesz"], 16):
        tag, value = struct.unpack_from("<qQ", data, at)
        out.append((at, tag, value))
        if tag == 0:
            break
    return out


def patch_dynamic(data: bytes, tag: int, value: int) -> bytes:
    at = next(at for at, t, _ in dynamic_entries(data) if t == tag)
    patched = bytearray(data)
    struct.pack_into("<Q", patched, at + 8, value)
    return bytes(patched)


def patch_segment(data: bytes, p_type: int, field_offset: int, value: int) -> bytes:
    at = next(at for _, at, f in program_headers(data) if f["type"] == p_type)
    patched = bytearray(data)
    struct.pack_into("<Q", patched, at + field_offset, value)
    return bytes(patched)


def elf_error(data: bytes, path: str = "pkg/_bad.so", **kwargs) -> str:
    with pytest.raises(ElfError) as caught:
        read_elf(io.BytesIO(data), path=path, **kwargs)
    message = str(caught.value)
    assert message.startswith(path + ": ") and "\n" not in message
    return message


@pytest.fixture(scope="module")
def glibc_so(built) -> bytes:
    return built.glibc_ext_zlib.read_bytes()


@pytest.fixture(scope="module")
def glibc_exe(built) -> bytes:
    return built.glibc_exe.read_bytes()


def test_not_an_elf_file():
    assert "not an ELF file" in elf_error(b"this is a text file pretending to be a .so\n")
    assert "not an ELF file" in elf_error(b"")
    assert "not an ELF file" in elf_error(b"PK\x03\x04" + bytes(100))


def test_truncated_elf(glibc_so):
    assert "truncated ELF" in elf_error(glibc_so[:10])  # inside the identification
    assert "truncated ELF" in elf_error(glibc_so[:40])  # inside the header
    dyn = next(f for _, _, f in program_headers(glibc_so) if f["type"] == PT_DYNAMIC)
    assert "truncated ELF" in elf_error(glibc_so[: dyn["offset"] + 8])  # inside the dynamic section


def test_needed_offset_past_the_string_table(glibc_so):
    strsz = next(v for _, t, v in dynamic_entries(glibc_so) if t == DT_STRSZ)
    message = elf_error(patch_dynamic(glibc_so, DT_NEEDED, strsz + 100))
    assert f"NEEDED string offset {strsz + 100} is past the end of the string table ({strsz} bytes)" in message
    # the same with the whole table read (symbols=True) and without
    assert "past the end of the string table" in elf_error(patch_dynamic(glibc_so, DT_NEEDED, strsz), symbols=False)


def test_unknown_class_and_encoding(glibc_so):
    assert "unknown ELF class 7" in elf_error(glibc_so[:4] + b"\x07" + glibc_so[5:])
    assert "unknown ELF data encoding 9" in elf_error(glibc_so[:5] + b"\x09" + glibc_so[6:])


def test_absurd_program_header_count(glibc_so):
    patched = bytearray(glibc_so)
    struct.pack_into("<H", patched, 56, 0xFFFF)
    assert "absurd program header count 65535" in elf_error(bytes(patched))


def test_program_headers_outside_the_file(glibc_so):
    patched = bytearray(glibc_so)
    struct.pack_into("<Q", patched, 32, 1 << 60)
    assert "truncated ELF: program headers" in elf_error(bytes(patched))


def test_absurd_string_table_size_allocates_nothing(glibc_so):
    data = patch_dynamic(glibc_so, DT_STRSZ, 1 << 40)
    tracemalloc.start()
    try:
        message = elf_error(data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "absurd string table size 1099511627776" in message
    assert peak < 1 << 20


def test_string_table_running_past_the_end(glibc_so):
    data = patch_dynamic(glibc_so, DT_STRSZ, len(glibc_so))
    assert "string table" in elf_error(data) and "outside the file" in elf_error(data)


def test_string_table_address_outside_every_segment(glibc_so):
    message = elf_error(patch_dynamic(glibc_so, DT_STRTAB, 1 << 50))
    assert "string table address 0x4000000000000 is not inside any loaded segment" in message


def test_absurd_dynamic_section_size(glibc_so):
    # p_filesz is at offset 32 of a 64-bit program header
    assert "absurd dynamic section size" in elf_error(patch_segment(glibc_so, PT_DYNAMIC, 32, 1 << 40))


def test_absurd_interpreter_length(glibc_exe):
    assert "absurd interpreter path length" in elf_error(patch_segment(glibc_exe, PT_INTERP, 32, 1 << 33))


def test_gnu_hash_with_absurd_bucket_count(glibc_so):
    gnu_hash = next(v for _, t, v in dynamic_entries(glibc_so) if t == DT_GNU_HASH)
    load = next(
        f for _, _, f in program_headers(glibc_so)
        if f["type"] == 1 and f["vaddr"] <= gnu_hash < f["vaddr"] + f["filesz"]
    )
    patched = bytearray(glibc_so)
    struct.pack_into("<I", patched, load["offset"] + gnu_hash - load["vaddr"], 0xFFFFFFFF)
    assert "absurd GNU hash table" in elf_error(bytes(patched))
    # without symbols the hash table is never read, so the same file is fine
    assert read_elf(io.BytesIO(bytes(patched)), path="x", symbols=False).needed[0] == "libz.so.1"
