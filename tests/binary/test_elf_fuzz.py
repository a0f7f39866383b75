"""Fuzzing read_elf: random bytes, and real compiled objects mutated and
truncated. Whatever the input, the result is an ElfInfo or an ElfError."""

from __future__ import annotations

import io
import struct

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apkneed.binary.elf import ElfError, ElfInfo, read_elf

FUZZ = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


# names the seeds define or need, and one nobody has: the hash lookups run too
NAMES = frozenset({"foo_value", "ext_foo", "ext_zlib_version", "user_value", "dep_value", "printf", "absent"})


def outcome(data: bytes) -> str:
    try:
        info = read_elf(io.BytesIO(data), path="fuzz.so", defines=NAMES)
    except ElfError as exc:
        assert "\n" not in str(exc)
        return "error"
    assert isinstance(info, ElfInfo)
    assert info.defined <= NAMES
    # the derived views must not fail either
    assert info.libc in ("musl", "glibc", "none")
    assert info.glibc_max is None or info.glibc_max[0].isdigit()
    assert isinstance(info.glibc_only_symbols, tuple) and isinstance(info.search_path, tuple)
    return "ok"


@pytest.fixture(scope="module")
def seeds(built) -> list[bytes]:
    return [
        built.glibc_ext_zlib.read_bytes(),
        built.musl_ext_rpath.read_bytes(),
        built.musl_static.read_bytes(),
        built.i386_user.read_bytes(),
        built.glibc_lib.read_bytes(),
    ]


@FUZZ
@given(st.binary(max_size=4096))
def test_random_bytes(data):
    outcome(data)


@FUZZ
@given(st.binary(min_size=0, max_size=2048))
def test_random_bytes_behind_an_elf_identification(tail):
    # past the magic, so the header, program header and dynamic paths are hit
    for ident in (b"\x7fELF\x02\x01\x01", b"\x7fELF\x01\x01\x01", b"\x7fELF\x02\x02\x01", b"\x7fELF\x01\x02\x01"):
        outcome(ident + bytes(9) + tail)


@FUZZ
@given(data=st.data())
def test_mutated_real_objects(seeds, data):
    seed = data.draw(st.sampled_from(seeds))
    mutated = bytearray(seed)
    # the interesting structures are the headers and dynamic tables in the
    # first pages: bias positions there, but allow anywhere
    for _ in range(data.draw(st.integers(1, 12))):
        limit = data.draw(st.sampled_from([64, 1024, 8192, len(mutated)]))
        position = data.draw(st.integers(0, min(limit, len(mutated)) - 1))
        kind = data.draw(st.sampled_from(["byte", "word", "big"]))
        if kind == "byte":
            mutated[position] = data.draw(st.integers(0, 255))
        elif position + 8 <= len(mutated):
            value = data.draw(st.integers(0, 2**64 - 1)) if kind == "big" else data.draw(st.integers(0, 4096))
            struct.pack_into("<Q", mutated, position, value)
    outcome(bytes(mutated))


@FUZZ
@given(data=st.data())
def test_truncated_real_objects(seeds, data):
    seed = data.draw(st.sampled_from(seeds))
    cut = data.draw(st.integers(0, len(seed)))
    result = outcome(seed[:cut])
    if cut < 64:
        assert result == "error"


def test_every_truncation_of_the_first_page(seeds):
    # exhaustive where it matters most: all cuts inside the headers
    for seed in seeds:
        for cut in range(0, 1024, 3):
            outcome(seed[:cut])
