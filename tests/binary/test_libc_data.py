"""The libc and policy data files, checked against real libraries and indexes:
Debian's libc6 package, Debian's musl libc.so, and Alpine's own indexes."""

from __future__ import annotations

import json
import re
import subprocess
from importlib import resources
from pathlib import Path

from apkneed.alpine.index import read_index_file
from apkneed.alpine.sources.world import KNOWN_ARCHES
from apkneed.binary.elf import _MACHINES
from apkneed.binary.libc import GLIBC, MUSL, glibc_only_symbols, interpreter_libc, load_libc_rules, soname_libc
from apkneed.binary.policy import load_policy, parse_platform

MUSL_LIBC = Path("/usr/lib/x86_64-linux-musl/libc.so")


def data(name: str) -> dict:
    return json.loads(resources.files("apkneed.binary").joinpath(f"data/{name}").read_text("utf-8"))


def libc6_files() -> list[Path]:
    out = subprocess.run(["dpkg", "-L", "libc6"], capture_output=True, text=True, check=True).stdout
    return [Path(line) for line in out.splitlines() if line.strip()]


def defined_symbols(*paths: Path) -> set[str]:
    names = set()
    for path in paths:
        out = subprocess.run(["nm", "-D", "--defined-only", str(path)], capture_output=True, text=True, check=True)
        names |= {line.split()[-1].split("@")[0] for line in out.stdout.splitlines() if line.strip()}
    return names


def test_glibc_sonames_are_exactly_the_versioned_libraries_of_libc6():
    shipped = {p.name for p in libc6_files() if re.fullmatch(r"lib[\w+-]+\.so\.\d+", p.name)}
    assert set(data("libc.json")["glibc"]["sonames"]) == shipped


def test_glibc_loader_is_recognised():
    loaders = {p.name for p in libc6_files() if p.name.startswith("ld-")}
    assert loaders and all(soname_libc(name) == GLIBC for name in loaders)
    assert interpreter_libc("/lib64/ld-linux-x86-64.so.2") == GLIBC
    assert interpreter_libc("/lib/ld64.so.1") == GLIBC  # s390x
    assert interpreter_libc("/lib/ld-musl-aarch64.so.1") == MUSL


def test_glibc_only_names_are_defined_by_glibc_and_not_by_musl():
    glibc_libs = [p for p in libc6_files() if p.name in ("libc.so.6", "libm.so.6", "libdl.so.2") and p.is_file()]
    glibc = defined_symbols(*glibc_libs)
    musl = defined_symbols(MUSL_LIBC)
    assert len(musl) > 1000 and "__stack_chk_fail" in musl  # the real musl, which has *_chk_fail
    only = data("libc.json")["glibc_only_symbols"]
    for name in only["names"]:
        assert name in glibc, name
        assert name not in musl, name
    # no musl symbol matches a glibc-only pattern; each pattern matches glibc
    assert glibc_only_symbols(sorted(musl)) == ()
    rules = load_libc_rules()
    for pattern in only["patterns"]:
        regex = re.compile(re.escape(pattern).replace(r"\*", ".*") + "$")
        assert any(regex.match(s) for s in glibc), pattern
    assert rules.glibc_only_re.match("__memcpy_chk") and not rules.glibc_only_re.match("__stack_chk_fail")


def test_musl_sonames_match_alpine_indexes(shared_dir):
    for index_path, arch in (
        (shared_dir / "alpine/v3.16/main/x86_64/APKINDEX.tar.gz", "x86_64"),
        (shared_dir / "alpine/v3.17/main/aarch64/APKINDEX.tar.gz", "aarch64"),
    ):
        musl = next(p for p in read_index_file(index_path).packages if p.name == "musl")
        sonames = [p.name[3:] for p in musl.provides if p.name.startswith("so:")]
        assert sonames == [f"libc.musl-{arch}.so.1"]
        assert soname_libc(sonames[0]) == MUSL


def test_musl_gcc_links_an_unversioned_libc_so():
    out = subprocess.run(["readelf", "-d", str(MUSL_LIBC)], capture_output=True, text=True, check=True).stdout
    assert "SONAME" not in out  # hence NEEDED libc.so, which auditwheel's policy allows
    assert soname_libc("libc.so") == MUSL


def test_policy_is_auditwheels_musllinux_policy():
    policy = data("policy.json")["musllinux"]
    assert policy["lib_whitelist"] == ["libc.so", "libz.so.1"]
    assert "3332e9414d8419de3d5cf3b55f7279df87899681" in policy["url"]
    assert load_policy().musllinux_allowed == {"libc.so", "libz.so.1"}


def test_arch_maps_name_known_arches():
    policy = load_policy()
    for arches in [*policy.wheel_arches.values(), *policy.elf_arches.values()]:
        assert set(arches) <= set(KNOWN_ARCHES)
    elf_names = {n for v in _MACHINES.values() for n in (v if isinstance(v, tuple) else (v,))}
    assert set(policy.elf_arches) <= elf_names
    # every Alpine arch is reachable from some ELF machine and some wheel tag
    assert {a for v in policy.elf_arches.values() for a in v} == set(KNOWN_ARCHES)


def test_platform_tags():
    assert parse_platform("musllinux_1_2_x86_64") == ("musllinux", (1, 2), "x86_64")
    assert parse_platform("manylinux_2_28_aarch64") == ("manylinux", (2, 28), "aarch64")
    assert parse_platform("manylinux2014_x86_64") == ("manylinux", (2, 17), "x86_64")
    assert parse_platform("manylinux1_i686") == ("manylinux", (2, 5), "i686")
    assert parse_platform("linux_armv7l") == ("linux", None, "armv7l")
    assert parse_platform("any").family == "any"
    assert parse_platform("macosx_11_0_arm64").family == "other"
