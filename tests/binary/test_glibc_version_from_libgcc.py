"""A ``GLIBC_2.0`` version needed from a non-libc library is not a glibc need.

Real case: musllinux aarch64 wheels (numpy, scipy, pandas ...) vendor a
``libgcc_s.so.1`` whose compatibility symbols (``__register_frame_info``)
carry the version name ``GLIBC_2.0``; objects linking it record that version
as needed *from libgcc_s*. Here the same ELF shape is built with musl-gcc and
a version script, then read.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from apkneed.binary.elf import read_elf


def _build(tmp_path: Path) -> Path:
    (tmp_path / "gcc_s.c").write_text("void __register_frame_info(void *a, void *b) { (void)a; (void)b; }\n")
    (tmp_path / "gcc_s.map").write_text("GLIBC_2.0 { global: __register_frame_info; local: *; };\n")
    subprocess.run(
        ["musl-gcc", "-shared", "-fPIC", "-o", "libgcc_s.so.1", "-Wl,-soname,libgcc_s.so.1",
         "-Wl,--version-script=gcc_s.map", "gcc_s.c"],
        cwd=tmp_path, check=True,
    )
    (tmp_path / "ext.c").write_text(
        "void __register_frame_info(void *, void *);\nvoid init(void) { __register_frame_info(0, 0); }\n"
    )
    subprocess.run(
        ["musl-gcc", "-shared", "-fPIC", "-o", "ext.so", "ext.c", "-L.", "-l:libgcc_s.so.1"],
        cwd=tmp_path, check=True,
    )
    return tmp_path / "ext.so"


def test_version_from_libgcc_is_not_glibc(tmp_path):
    path = _build(tmp_path)
    with path.open("rb") as stream:
        info = read_elf(stream, path=str(path))
    # The raw fact is kept: the object does need GLIBC_2.0, from libgcc_s.
    assert "GLIBC_2.0" in info.version_names
    assert [n.file for n in info.version_needs if "GLIBC_2.0" in n.versions] == ["libgcc_s.so.1"]
    # ...but it says nothing about the C library.
    assert info.libc_version_names == ()
    assert info.glibc_max is None
    assert info.libc == "musl"


def test_glibc_objects_still_need_glibc(tmp_path):
    (tmp_path / "g.c").write_text("#include <stdio.h>\nvoid hello(void) { puts(\"hi\"); }\n")
    subprocess.run(["gcc", "-shared", "-fPIC", "-o", "g.so", "g.c"], cwd=tmp_path, check=True)
    with (tmp_path / "g.so").open("rb") as stream:
        info = read_elf(stream, path="g.so")
    assert info.libc == "glibc"
    assert info.glibc_max is not None and info.glibc_max.startswith("2.")
    assert all(v.startswith("GLIBC_") for v in info.libc_version_names)
