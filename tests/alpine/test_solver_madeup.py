"""The solver on small made-up indexes, one apk rule at a time.

MADE-UP DATA: the records below are invented (Alpine's shared test indexes
hold only ``main``, so community, tags and rare rules need examples). They
are written in the real APKINDEX format by :func:`record`; each expected
answer is what apk-tools 2.14.10 (``apk add --simulate`` with the same
repositories) prints for them.
"""

from __future__ import annotations

import base64
import hashlib

import pytest

from apkneed.alpine.index import read_index_bytes
from apkneed.alpine.providers import build_provider_map
from apkneed.alpine.solver import SolverError, solve


def record(name, version, depends="", provides="", install_if="", priority=None, size=1000, seed=""):
    """One APKINDEX record; the checksum is made up from name, version and ``seed``."""
    digest = hashlib.sha1(f"{name}-{version}{seed}".encode()).digest()
    lines = [
        f"C:Q1{base64.b64encode(digest).decode()}",
        f"P:{name}",
        f"V:{version}",
        "A:x86_64",
        f"S:{size}",
        f"I:{size * 3}",
        f"T:made-up {name}",
        "U:https://example.invalid/",
        "L:MIT",
    ]
    if priority is not None:
        lines.append(f"k:{priority}")
    for letter, value in (("D", depends), ("p", provides), ("i", install_if)):
        if value:
            lines.append(f"{letter}:{value}")
    return "\n".join(lines) + "\n"


def index(label, *records):
    return read_index_bytes("\n".join(records).encode(), source=label, repository=label)


MAIN = index(
    "main",
    record("musl", "1.2.4-r0", provides="so:libc.musl-x86_64.so.1=1"),
    record("python3", "3.11.6-r0", depends="so:libc.musl-x86_64.so.1", provides="cmd:python3=3.11.6-r0"),
    record("python3", "3.10.13-r0", depends="so:libc.musl-x86_64.so.1", provides="cmd:python3=3.10.13-r0"),
    record("zlib", "1.3-r0", depends="so:libc.musl-x86_64.so.1", provides="so:libz.so.1=1.3"),
    record("foo", "1.0-r0", depends="zlib"),
    record("shared", "2.0-r0", seed="main"),
    record("dash", "0.5-r0", provides="/bin/sh cmd:sh"),
    record("mksh", "59-r0", provides="/bin/sh"),
    record("script", "1-r0", depends="/bin/sh"),
    record("app", "1-r0", depends="lib"),
    record("lib", "1-r0", depends="app"),
    record("docs", "1-r0"),
    record("foo-doc", "1.0-r0", install_if="foo=1.0-r0 docs"),
    record("safe", "1-r0", depends="!foo"),
)
COMMUNITY = index(
    "community",
    record("openblas", "0.3.24-r0", depends="so:libc.musl-x86_64.so.1",
           provides="so:libopenblas.so.0=0 blas=3 so:libblas.so.3=3.11", priority=100),
    record("blis", "0.9-r0", depends="so:libc.musl-x86_64.so.1", provides="blas=3 so:libblas.so.3=3.11", priority=10),
    record("py3-numpy", "1.25.2-r0", depends="python3~3.11 so:libblas.so.3"),
    record("shared", "2.0-r0", seed="community"),
    record("zlib", "1.3-r0"),  # same checksum as main's: one package in two repositories
)
EDGE = index(
    "edge",
    record("foo", "2.0-r0", depends="zlib"),
    record("zlib", "1.3.1-r0", depends="so:libc.musl-x86_64.so.1", provides="so:libz.so.1=1.3.1"),
)


def nvs(solution):
    return [(p.name + tag, p.version) for p, tag in ((s.package, s.tag) for s in solution.steps)]


@pytest.fixture(scope="module")
def main_and_community():
    return build_provider_map([MAIN, COMMUNITY])


def test_main_and_community_together(main_and_community):
    solution = solve(main_and_community, ["py3-numpy"])
    assert nvs(solution) == [
        ("musl", "1.2.4-r0"),
        ("python3", "3.11.6-r0"),  # python3~3.11 keeps 3.11
        ("openblas", "0.3.24-r0"),  # provider priority 100 beats blis' 10
        ("py3-numpy", "1.25.2-r0"),
    ]
    repositories = {p.name: main_and_community.repositories_of(p) for p in solution.installs}
    assert repositories["py3-numpy"] == ("community",)
    assert repositories["musl"] == ("main",)


def test_the_same_package_in_two_repositories_is_one(main_and_community):
    zlibs = main_and_community.providers("zlib")
    assert len(zlibs) == 1
    assert main_and_community.repositories_of(zlibs[0].package) == ("main", "community")
    # a different build (checksum) of the same version: the first repository wins
    assert len(main_and_community.providers("shared")) == 2
    assert solve(main_and_community, ["shared"]).installs[0].repository == "main"


def test_highest_version_and_fuzzy_match(main_and_community):
    assert nvs(solve(main_and_community, ["python3"]))[-1] == ("python3", "3.11.6-r0")
    assert nvs(solve(main_and_community, ["python3~3.10"]))[-1] == ("python3", "3.10.13-r0")
    assert nvs(solve(main_and_community, ["python3<3.11"]))[-1] == ("python3", "3.10.13-r0")


def test_versioned_provide_picks_the_priority_provider(main_and_community):
    assert nvs(solve(main_and_community, ["so:libblas.so.3"])) == [("musl", "1.2.4-r0"), ("openblas", "0.3.24-r0")]
    assert nvs(solve(main_and_community, ["blis", "py3-numpy"]))[1] == ("blis", "0.9-r0")


def test_virtual_without_priority_must_be_chosen(main_and_community):
    with pytest.raises(SolverError) as info:
        solve(main_and_community, ["script"])
    assert info.value.apk_output == (
        "ERROR: unable to select packages:\n"
        "  /bin/sh (virtual):\n"
        "    note: please select one of the 'provided by'\n"
        "          packages explicitly\n"
        "    provided by: dash mksh\n"
        "    required by: script-1-r0[/bin/sh]"
    )
    assert info.value.apk_exit_status == 2
    assert "/bin/sh" in str(info.value)
    assert nvs(solve(main_and_community, ["script", "mksh"])) == [("mksh", "59-r0"), ("script", "1-r0")]


def test_conflicts(main_and_community):
    with pytest.raises(SolverError) as info:
        solve(main_and_community, ["safe", "foo"])
    assert info.value.apk_output == (
        "ERROR: unable to select packages:\n"
        "  foo-1.0-r0:\n"
        "    breaks: safe-1-r0[!foo]\n"
        "    satisfies: world[foo]"
    )
    assert info.value.apk_exit_status == 2  # foo is broken, and safe through it
    assert "foo-1.0-r0" in str(info.value)
    with pytest.raises(SolverError, match=r"no such package"):
        solve(main_and_community, ["nothing-here"])


def test_cycles_are_installed(main_and_community):
    assert nvs(solve(main_and_community, ["app"])) == [("lib", "1-r0"), ("app", "1-r0")]


def test_install_if(main_and_community):
    assert [n for n, _ in nvs(solve(main_and_community, ["foo"]))] == ["musl", "zlib", "foo"]
    assert [n for n, _ in nvs(solve(main_and_community, ["foo", "docs"]))] == [
        "docs", "musl", "zlib", "foo", "foo-doc"
    ]


def test_repository_tags():
    providers = build_provider_map([MAIN, EDGE], [None, "edge"])
    # a tagged repository is used only when asked for
    assert nvs(solve(providers, ["foo"])) == [("musl", "1.2.4-r0"), ("zlib", "1.3-r0"), ("foo", "1.0-r0")]
    # only what was asked for comes from edge: foo's zlib stays main's
    assert nvs(solve(providers, ["foo@edge"])) == [
        ("musl", "1.2.4-r0"), ("zlib", "1.3-r0"), ("foo@edge", "2.0-r0")
    ]
    assert nvs(solve(providers, ["foo@edge", "zlib@edge"]))[1] == ("zlib@edge", "1.3.1-r0")
    with pytest.raises(SolverError) as info:
        solve(providers, ["foo@testing"])
    assert info.value.apk_exit_status == 99
    assert info.value.apk_output == (
        "WARNING: The repository tag for world dependency 'foo@testing' does not exist\n"
        "ERROR: Not committing changes due to missing repository tags. Use --force-broken-world to override."
    )
    # untagged, edge's newer builds simply win
    untagged = build_provider_map([MAIN, EDGE])
    assert nvs(solve(untagged, ["foo"]))[-1] == ("foo", "2.0-r0")


@pytest.mark.parametrize("tool40_first", [True, False])
def test_names_sharing_a_hash_bucket_come_newest_first(tool40_first):
    # tool40 and tool83 fall in the same bucket of apk's 20000-bucket name table;
    # apk walks a bucket newest name first, so the record read last is listed first.
    tools = [record("tool40", "1-r0", depends="/bin/sh"), record("tool83", "1-r0", depends="/bin/sh")]
    if not tool40_first:
        tools.reverse()
    shells = [record("dash", "0.5-r0", provides="/bin/sh"), record("mksh", "59-r0", provides="/bin/sh")]
    providers = build_provider_map([index("main", *shells, *tools)])
    with pytest.raises(SolverError) as info:
        solve(providers, ["tool40", "tool83"])
    newest, oldest = ("tool83", "tool40") if tool40_first else ("tool40", "tool83")
    assert info.value.apk_output.endswith(
        f"    required by: {newest}-1-r0[/bin/sh]\n"
        f"                 {oldest}-1-r0[/bin/sh]"
    )
    assert info.value.apk_exit_status == 3
