"""inspect_wheel on wheels packed here from objects compiled here: how each
NEEDED entry is resolved, and what the policy says about the result."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from binary_helpers import run

from apkneed.alpine.sources.world import load_world
from apkneed.binary.policy import Target
from apkneed.binary.wheel import inspect_wheel
from apkneed.cli.inspect import so_providers_from_world

MUSL_TAG = "cp310-cp310-musllinux_1_2_x86_64"
X86_64 = Target("x86_64")


def inspect(path: Path, target: Target = X86_64, **kwargs):
    with path.open("rb") as stream:
        return inspect_wheel(stream, path.name, target=target, **kwargs)


def codes(report) -> set[str]:
    return {p.code for p in report.problems}


def via(report, soname: str) -> tuple[str, str | None, str | None]:
    r = next(r for r in report.resolutions if r.soname == soname)
    return r.kind, r.via, r.target


@pytest.fixture(scope="module")
def v316_providers(v316_index_path):
    return so_providers_from_world(load_world(index_paths=[v316_index_path], arch="x86_64"))


@pytest.fixture(scope="module")
def musl_blacklisted_ext(built) -> Path:
    """A musl extension importing uncompress2, which auditwheel's policy forbids."""
    source = built.dir / "uses_uncompress2.c"
    source.write_text(
        "#include <zlib.h>\n"
        "int unpack(Bytef *d, uLongf *n, const Bytef *s, uLong *m) { return uncompress2(d, n, s, m); }\n"
    )
    out = built.dir / "musl" / "_unz.cpython-310-x86_64-linux-musl.so"
    run("musl-gcc", "-shared", "-fPIC", f"-idirafter{built.zlib_include}", "-o", out, source,
        f"-L{built.dir / 'zlib'}", "-lz")
    return out


def with_machine(path: Path, machine: int) -> bytes:
    data = bytearray(path.read_bytes())
    struct.pack_into("<H", data, 18, machine)  # e_machine
    return bytes(data)


def test_vendored_through_rpath_and_external_zlib(built, make_wheel, v316_providers):
    wheel = make_wheel("mypkg", "1.0", MUSL_TAG, {
        "mypkg/__init__.py": b"",
        "mypkg/_rpath.cpython-310-x86_64-linux-musl.so": built.musl_ext_rpath,
        "mypkg/_zext.cpython-310-x86_64-linux-musl.so": built.musl_ext_zlib,
        "mypkg.libs/libmfoo.so.1": built.musl_lib,
    })
    report = inspect(wheel, providers=v316_providers)
    assert report.libc == "musl" and report.compatible
    assert via(report, "libmfoo.so.1") == ("vendored", "rpath", "mypkg.libs/libmfoo.so.1")
    assert via(report, "libc.so")[0] == "libc"
    assert report.vendored == ("mypkg.libs/libmfoo.so.1",)
    assert [(e.soname, e.provided_by) for e in report.external] == [("libz.so.1", ("zlib",))]
    assert report.external[0].needed_by == ("mypkg/_zext.cpython-310-x86_64-linux-musl.so",)
    assert report.problems == ()  # libz.so.1 is allowed by the musllinux policy
    assert sorted(o.path for o in report.objects) == [
        "mypkg.libs/libmfoo.so.1",
        "mypkg/_rpath.cpython-310-x86_64-linux-musl.so",
        "mypkg/_zext.cpython-310-x86_64-linux-musl.so",
    ]
    as_json = report.as_json()
    assert list(as_json) == ["file", "tags", "libc", "compatible", "problems", "objects", "vendored", "external"]
    assert as_json["external"] == [{"soname": "libz.so.1", "provided_by": ["zlib"]}]
    rpath_object = next(o for o in as_json["objects"] if o["path"].endswith("_rpath.cpython-310-x86_64-linux-musl.so"))
    assert rpath_object == {
        "path": "mypkg/_rpath.cpython-310-x86_64-linux-musl.so",
        "needed": ["libmfoo.so.1", "libc.so"],
        "rpath": ["$ORIGIN/../mypkg.libs"],
        "soname": None,
    }


def test_missing_vendored_library_becomes_external(built, make_wheel, v316_providers):
    wheel = make_wheel("mypkg", "1.0", MUSL_TAG, {"mypkg/_rpath.cpython-310-x86_64-linux-musl.so": built.musl_ext_rpath})
    report = inspect(wheel, providers=v316_providers)
    assert via(report, "libmfoo.so.1") == ("external", None, None)
    assert [(e.soname, e.provided_by) for e in report.external] == [("libmfoo.so.1", ())]
    assert {"external-library", "no-provider"} <= codes(report)
    assert report.compatible  # informational: the system would have to provide it
    # without a provider lookup there is no "no-provider" warning
    assert "no-provider" not in codes(inspect(wheel))


def test_vendored_as_sibling_libs_dir_and_soname(built, make_wheel):
    sibling = inspect(make_wheel("sib", "1.0", MUSL_TAG, {
        "sib/_plain.so": built.musl_ext_plain,
        "sib/libmfoo.so.1": built.musl_lib,
    }))
    assert via(sibling, "libmfoo.so.1") == ("vendored", "sibling", "sib/libmfoo.so.1")
    libs_dir = inspect(make_wheel("ld", "1.0", MUSL_TAG, {
        "ld/_plain.so": built.musl_ext_plain,
        "ld.libs/libmfoo.so.1": built.musl_lib,
    }))
    assert via(libs_dir, "libmfoo.so.1") == ("vendored", "libs-dir", "ld.libs/libmfoo.so.1")
    by_soname = inspect(make_wheel("sn", "1.0", MUSL_TAG, {
        "sn/sub/_plain.so": built.musl_ext_plain,
        "sn/vendor/libmfoo-1a2b3c.so": built.musl_lib,  # renamed; its SONAME still says libmfoo.so.1
    }))
    assert via(by_soname, "libmfoo.so.1") == ("vendored", "soname", "sn/vendor/libmfoo-1a2b3c.so")
    for report in (sibling, libs_dir, by_soname):
        assert report.external == () and report.compatible


def test_runpath_with_braces(built, make_wheel):
    report = inspect(make_wheel("rp", "1.0", "cp310-cp310-manylinux_2_17_x86_64", {
        "rp/_runpath.so": built.glibc_ext_runpath,
        "mypkg.libs/libgfoo.so.1": built.glibc_lib,
    }))
    assert via(report, "libgfoo.so.1") == ("vendored", "runpath", "mypkg.libs/libgfoo.so.1")
    # a manylinux wheel: one clear problem, not one per glibc object
    assert codes(report) == {"manylinux-on-musl"} and report.libc == "glibc" and not report.compatible


def test_musllinux_wheel_with_glibc_binaries_is_broken(built, make_wheel):
    report = inspect(make_wheel("liar", "1.0", MUSL_TAG, {
        "liar/_rpath.so": built.glibc_ext_rpath,
        "liar.libs/libgfoo.so.1": built.glibc_lib,
    }))
    assert report.libc == "glibc" and not report.compatible
    broken = {p.path: p.message for p in report.problems if p.code == "musllinux-needs-glibc"}
    assert set(broken) == {"liar/_rpath.so", "liar.libs/libgfoo.so.1"}
    assert "libc.so.6" in broken["liar/_rpath.so"] and "GLIBC_2." in broken["liar/_rpath.so"]
    assert "glibc-only symbols" in broken["liar.libs/libgfoo.so.1"]
    assert "gnu_get_libc_version" in broken["liar.libs/libgfoo.so.1"]
    # libc.so.6 is the C library, not an external to install
    assert report.external == ()


def test_glibc_executable_in_scripts_and_shell_scripts(built, make_wheel):
    wheel = make_wheel("exe", "1.0", MUSL_TAG, {
        "exe-1.0.data/scripts/hello": built.musl_exe,
        "exe-1.0.data/scripts/hello-glibc": built.glibc_exe,
        "exe-1.0.data/scripts/run.sh": b"#!/bin/sh\nexec hello\n",
        "exe/tool": built.musl_static,
    }, executable=("exe/tool", "exe-1.0.data/scripts/run.sh"))
    report = inspect(wheel)
    assert sorted(o.path for o in report.objects) == [
        "exe-1.0.data/scripts/hello", "exe-1.0.data/scripts/hello-glibc", "exe/tool",
    ]
    problem = next(p for p in report.problems if p.code == "musllinux-needs-glibc")
    assert problem.path == "exe-1.0.data/scripts/hello-glibc"
    static = next(o for o in report.objects if o.path == "exe/tool")
    assert static.libc == "none"


def test_bad_members_are_problems_and_the_rest_is_inspected(built, make_wheel):
    good = built.musl_ext_zlib.read_bytes()
    wheel = make_wheel("bad", "1.0", MUSL_TAG, {
        "bad/_good.so": good,
        "bad/_text.so": b"INPUT(-lfoo)\n",
        "bad/_cut.so": good[:200],
    })
    report = inspect(wheel)
    assert [o.path for o in report.objects] == ["bad/_good.so"]
    problems = {p.path: p.message for p in report.problems if p.code == "unreadable-object"}
    assert "not an ELF file" in problems["bad/_text.so"]
    assert "truncated ELF" in problems["bad/_cut.so"]
    assert not report.compatible


def test_arch_mismatches(built, make_wheel):
    aarch64_code = with_machine(built.musl_ext_zlib, 183)  # EM_AARCH64
    mixed = inspect(make_wheel("arch", "1.0", MUSL_TAG, {"arch/_a.so": aarch64_code}))
    assert {"tag-arch-mismatch", "object-arch-mismatch"} <= codes(mixed)
    assert "aarch64 code in a wheel tagged for x86_64" in " ".join(p.message for p in mixed.problems)
    other_arch = make_wheel("arch", "2.0", "cp310-cp310-musllinux_1_2_aarch64", {"arch/_a.so": aarch64_code})
    assert codes(inspect(other_arch)) == {"arch-mismatch", "object-arch-mismatch"}
    assert codes(inspect(other_arch, Target("aarch64"))) == set()
    arm = with_machine(built.musl_ext_zlib, 40)  # EM_ARM: runs on armhf and armv7
    armv7 = inspect(make_wheel("arch", "3.0", "cp310-cp310-musllinux_1_2_armv7l", {"arch/_a.so": arm}), Target("armv7"))
    assert codes(armv7) == set()


def test_python_and_musl_versions(built, make_wheel):
    wheel = make_wheel("py", "1.0", MUSL_TAG, {"py/_z.so": built.musl_ext_zlib})
    assert "python-mismatch" in codes(inspect(wheel, Target("x86_64", python=(3, 12))))
    assert codes(inspect(wheel, Target("x86_64", python=(3, 10)))) == set()
    abi3 = make_wheel("py", "2.0", "cp38-abi3-musllinux_1_1_x86_64", {"py/_z.so": built.musl_ext_zlib})
    assert codes(inspect(abi3, Target("x86_64", python=(3, 12)))) == set()
    assert "python-mismatch" in codes(inspect(abi3, Target("x86_64", python=(3, 7))))
    # Alpine 3.12 shipped musl 1.1.24: too old for musllinux_1_2, fine for 1_1
    assert "musl-too-old" in codes(inspect(wheel, Target("x86_64", musl_version="1.1.24-r10")))
    assert codes(inspect(abi3, Target("x86_64", musl_version="1.1.24-r10"))) == set()
    assert codes(inspect(wheel, Target("x86_64", musl_version="1.2.3-r2"))) == set()


def test_blacklisted_zlib_symbol_is_a_warning(musl_blacklisted_ext, make_wheel):
    report = inspect(make_wheel("bl", "1.0", MUSL_TAG, {"bl/_unz.so": musl_blacklisted_ext}))
    warning = next(p for p in report.problems if p.code == "blacklisted-symbol")
    assert "uncompress2" in warning.message and warning.severity == "warning"
    assert report.compatible


def test_pure_wheel_built_here(make_wheel):
    report = inspect(make_wheel("pure", "1.0", "py3-none-any", {"pure/__init__.py": b"x = 1\n"}))
    assert (report.libc, report.compatible, report.objects, report.problems) == ("none", True, (), ())


def test_not_a_wheel_name(tmp_path):
    from apkneed.errors import InputError

    path = tmp_path / "thing.zip"
    path.write_bytes(b"PK")
    with pytest.raises(InputError, match="not a wheel file name"):
        inspect(path)


def test_executable_data_file_is_peeked_not_judged(built, make_wheel):
    # mode 755 and a 10000:1 ratio, but not ELF: only its first bytes are read
    wheel = make_wheel("data", "1.0", MUSL_TAG, {
        "data/blob.bin": b"\0" * (10 << 20),
        "data/_z.so": built.musl_ext_zlib,
    }, executable=("data/blob.bin",))
    report = inspect(wheel)
    assert [o.path for o in report.objects] == ["data/_z.so"]
    assert report.problems == ()
