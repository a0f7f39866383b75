"""PEP 725 DepURLs and [external] tables, mapped on the real Alpine indexes."""

from __future__ import annotations

from pathlib import Path

import pytest

from apkneed.alpine.index import read_index_file
from apkneed.alpine.providers import build_provider_map
from apkneed.errors import InputError
from apkneed.plan.pep725 import (
    alpine_marker_environment,
    load_external,
    load_virtual_table,
    map_external,
    map_requirement,
    parse_depurl,
    parse_external_requirement,
    provider_table,
    read_external,
    runtime_packages_for,
)

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def v316(v316_index_path):
    return provider_table(build_provider_map([read_index_file(v316_index_path)]))


@pytest.fixture(scope="module")
def v317(v317_index_path):
    return provider_table(build_provider_map([read_index_file(v317_index_path)]))


@pytest.fixture(scope="module")
def virtuals():
    return load_virtual_table()


def _map(text, role, providers, virtuals):
    return map_requirement(parse_external_requirement(text), role, providers, virtuals)


def _by_text(mappings):
    return {m.requirement.text: m for m in mappings}


def _all(mappings, field):
    return {name for m in mappings for name in getattr(m, field)}


# ------------------------------------------------------------- DepURLs ----


def test_dep_generic():
    url = parse_depurl("dep:generic/openblas")
    assert (url.scheme, url.type, url.namespace, url.name, url.version, url.specifier) == (
        "dep", "generic", None, "openblas", None, None,
    )
    assert not url.is_virtual


def test_the_2023_revision_forms_pkg_and_virtual():
    assert parse_depurl("pkg:generic/openblas").name == "openblas"
    assert parse_depurl("pkg:generic/openblas").scheme == "pkg"
    url = parse_depurl("virtual:compiler/c")
    assert (url.type, url.namespace, url.name, url.virtual_key) == ("virtual", "compiler", "c", "compiler/c")


def test_a_version_range():
    url = parse_depurl("dep:virtual/interface/lapack@>=3.7.1")
    assert url.virtual_key == "interface/lapack" and url.version == ">=3.7.1"
    assert url.specifier.contains("3.7.1") and url.specifier.contains("3.12.0")
    assert not url.specifier.contains("3.7.0")
    both = parse_depurl("dep:generic/openjpeg@>=2.0,<3")
    assert both.specifier.contains("2.5") and not both.specifier.contains("3.0")


def test_a_literal_version_and_percent_encoding():
    literal = parse_depurl("dep:pypi/numpy@2.0")
    assert (literal.version, literal.specifier) == ("2.0", None)
    encoded = parse_depurl("pkg:pypi/numpy@%3E%3D2.0")
    assert encoded.version == ">=2.0" and encoded.specifier.contains("2.1")


def test_namespaces_qualifiers_and_subpath():
    arrow = parse_depurl("dep:github/apache/arrow")
    assert (arrow.type, arrow.namespace, arrow.name) == ("github", "apache", "arrow")
    fzf = parse_depurl("dep:golang/github.com/junegunn/fzf")
    assert (fzf.namespace, fzf.name) == ("github.com/junegunn", "fzf")
    full = parse_depurl("dep:generic/foo@1.2?arch=x86%5F64&os=linux#src/lib")
    assert full.qualifiers == (("arch", "x86_64"), ("os", "linux"))
    assert (full.subpath, full.version) == ("src/lib", "1.2")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("openblas", "must start with dep:, pkg: or virtual:"),
        ("https://example.org/openblas", "must start with dep:, pkg: or virtual:"),
        ("dep:this-is-missing-the-type", "expected type/name"),  # PEP 725's own invalid example
        ("dep:generic/", "empty type, namespace or name"),
        ("dep:generic//zlib", "empty type, namespace or name"),
        ("dep:1abc/zlib", "'1abc' is not a valid type"),
        ("dep:virtual/language/c", "namespace must be compiler or interface"),
        ("dep:virtual/c", "namespace must be compiler or interface"),
        ("dep:generic/zlib@", "empty version"),
        ("dep:generic/zlib@~=1.2", "operator '~=' is not allowed"),
        ("dep:generic/zlib@>=1.0,!=1.1", "operator '!=' is not allowed"),
        ("dep:generic/zlib@>=>1", "is not a version range"),
        ("dep:generic/zlib?arch", "qualifier 'arch' is not key=value"),
    ],
)
def test_malformed_depurls_are_one_line_errors(text, problem):
    with pytest.raises(InputError) as caught:
        parse_depurl(text)
    message = str(caught.value)
    assert problem in message and repr(text) in message and "\n" not in message


def test_markers():
    requirement = parse_external_requirement("dep:generic/XCB; platform_system=='Linux'")
    assert requirement.depurl.name == "XCB" and requirement.marker is not None
    assert requirement.applies(alpine_marker_environment())
    assert not requirement.applies({**alpine_marker_environment(), "platform_system": "Windows"})
    with pytest.raises(InputError, match="malformed marker in"):
        parse_external_requirement("dep:generic/zlib; platform_system=")


# ------------------------------------------------------ [external] table ----


def test_reading_a_real_table():
    external = load_external(DATA / "scipy-external.toml")
    assert [r.text for r in external.build_requires] == [
        "dep:virtual/compiler/c", "dep:virtual/compiler/cxx", "dep:virtual/compiler/fortran",
        "dep:generic/cmake", "dep:generic/ninja", "dep:generic/pkg-config",
    ]
    assert [r.depurl.virtual_key for r in external.host_requires] == ["interface/blas", "interface/lapack"]
    assert external.dependencies == () and external.optional_host_requires == ()


def test_no_external_table_is_none():
    assert read_external({"project": {"name": "x"}}) is None


def test_unknown_keys_are_refused():
    # The spelling of rgommers/external-deps-build external_metadata/cffi.toml at
    # commit 7fddfedbadaedd2f254e756e959e3c4e42987e3b, which no PEP 725 revision defines.
    data = {"external": {"build-requires": ["dep:virtual/compiler/c"], "build-host-requires": ["dep:generic/libffi"]}}
    with pytest.raises(InputError, match=r"cffi\.toml: \[external\] has unknown key\(s\) build-host-requires"):
        read_external(data, source="cffi.toml")


def test_a_bad_entry_names_its_key_and_index():
    with pytest.raises(InputError, match=r"^p: \[external\]\.host-requires\[1\]: malformed DepURL 'zlib'"):
        read_external({"external": {"host-requires": ["dep:generic/libffi", "zlib"]}}, source="p")
    with pytest.raises(InputError, match=r"\[external\]\.dependencies: expected an array"):
        read_external({"external": {"dependencies": "dep:generic/git"}})


def test_optional_extras_are_normalised_and_chosen_on_request():
    external = read_external({"external": {"optional-dependencies": {"Nat_Tools": ["dep:cran/nat"]}}})
    assert external.selected() == ()
    ((role, requirement),) = external.selected(extras=["nat-tools"])
    assert role == "run" and requirement.depurl.type == "cran"
    with pytest.raises(InputError, match="unknown external extra.*nope.*known: nat-tools"):
        external.selected(extras=["nope"])


def test_dependency_groups_resolve_includes_and_refuse_cycles():
    external = read_external(
        {"external": {"dependency-groups": {"dev": ["dep:generic/catch2", {"include-group": "Test"}], "test": ["dep:generic/valgrind"]}}}
    )
    groups = dict(external.dependency_groups)
    assert [r.depurl.name for r in groups["dev"]] == ["catch2", "valgrind"]
    with pytest.raises(InputError, match="group 'a' includes itself"):
        read_external({"external": {"dependency-groups": {"a": [{"include-group": "b"}], "b": [{"include-group": "a"}]}}})


# -------------------------------------------------------- virtual table ----


def test_virtual_table_names_exist_where_it_says(virtuals, v316):
    entries = {entry.key: entry for entry in virtuals.values()}
    assert {"compiler/c", "compiler/cxx", "compiler/fortran", "compiler/rust", "interface/blas", "interface/lapack"} <= set(entries)
    assert virtuals["compiler/cpp"] is virtuals["compiler/cxx"]  # PEP 725's SciPy example spells it cpp
    for entry in entries.values():
        assert entry.source
        for item in entry.packages:
            if item.repository == "main":
                assert item.name in v316, item
            else:
                assert item.name not in v316, item
        for soname in entry.runtime_sonames:
            assert v316.get(f"so:{soname}"), soname


def test_build_base_really_brings_the_c_and_cxx_toolchain(v316):
    (build_base,) = v316["build-base"]
    assert {"gcc", "g++", "make", "libc-dev"} <= {d.name for d in build_base.depends}
    (gfortran,) = v316["gfortran"]
    assert "libc-dev" not in {d.name for d in gfortran.depends}  # why fortran also needs build-base


# ------------------------------------------------------ index mapping ----


@pytest.mark.parametrize(
    ("text", "role", "build", "runtime", "rule"),
    [
        ("dep:generic/zlib", "host", ("zlib-dev",), ("zlib",), "pc:zlib"),
        ("dep:generic/libffi", "host", ("libffi-dev",), ("libffi",), "pc:libffi"),
        ("dep:generic/openssl", "host", ("openssl-dev",), ("libcrypto1.1", "libssl1.1"), "pc:openssl"),
        ("dep:generic/libxml2", "host", ("libxml2-dev",), ("libxml2",), "so:libxml2.so.2"),
        ("dep:generic/libxslt", "host", ("libxslt-dev",), ("libxslt",), "pc:libxslt"),
        ("dep:generic/libpq", "host", ("libpq-dev",), ("libpq",), "pc:libpq"),
        ("dep:generic/libyaml", "host", ("yaml-dev",), ("yaml",), "so:libyaml-0.so.2"),
        ("dep:generic/cmake", "build", ("cmake",), (), "cmd:cmake"),
        ("dep:generic/pkg-config", "build", ("pkgconf",), (), "cmd:pkg-config"),
        ("dep:generic/ninja", "build", ("samurai",), (), "cmd:ninja"),
        ("dep:generic/openjpeg", "host", ("openjpeg-dev",), ("openjpeg",), "name:openjpeg-dev"),
        ("dep:generic/git", "run", (), ("git",), "cmd:git"),
        ("dep:generic/zlib", "run", (), ("zlib",), "pc:zlib"),
        ("dep:generic/libxml2", "build", ("libxml2-dev",), ("libxml2",), "so:libxml2.so.2"),
    ],
)
def test_generic_depurls_map_through_the_real_v316_index(v316, virtuals, text, role, build, runtime, rule):
    mapping = _map(text, role, v316, virtuals)
    assert mapping.mapped, mapping.problem
    assert (mapping.build, mapping.runtime, mapping.rule) == (build, runtime, rule)


def test_the_same_depurl_maps_to_each_release_own_packages(v317, virtuals):
    mapping = _map("dep:generic/openssl", "host", v317, virtuals)
    assert (mapping.build, mapping.runtime) == (("openssl-dev",), ("libcrypto3", "libssl3"))


def test_a_version_range_is_checked_against_the_index(v316, virtuals):
    assert _map("dep:generic/zlib@>=1.2", "host", v316, virtuals).version_ok is True  # pc:zlib=1.2.12
    assert _map("dep:generic/zlib@>=2", "host", v316, virtuals).version_ok is False
    assert _map("dep:generic/zlib", "host", v316, virtuals).version_ok is None


def test_runtime_packages_of_dev_packages(v316, v317):
    def runtime(providers, name):
        (dev,) = providers[name]
        return sorted(p.name for p in runtime_packages_for(dev, providers))

    assert runtime(v316, "zlib-dev") == ["zlib"]
    assert runtime(v316, "libxml2-dev") == ["libxml2"]  # not zlib or xz: other origins
    assert runtime(v316, "openssl-dev") == ["libcrypto1.1", "libssl1.1"]
    assert runtime(v317, "openssl-dev") == ["libcrypto3", "libssl3"]
    assert runtime(v316, "linux-headers") == []  # headers only


def test_unmappable_depurls_are_reported_not_dropped(v316, virtuals):
    external = read_external(
        {"external": {
            "build-requires": ["dep:virtual/compiler/cuda"],
            "host-requires": ["dep:generic/no-such-library-xyz", "dep:github/apache/arrow", "dep:pypi/numpy@>=2"],
        }}
    )
    mappings = map_external(external, v316, virtuals)
    assert len(mappings) == 4 and not any(m.mapped for m in mappings)
    problems = [m.problem for m in mappings]
    assert "no Alpine mapping is known for the virtual compiler/cuda" in problems[0]
    assert "no Alpine package provides pc:no-such-library-xyz, so:libno-such-library-xyz.so.*" in problems[1]
    assert "no rule maps github DepURLs" in problems[2]
    assert "PyPI package" in problems[3]
    assert all(m.build == () and m.runtime == () for m in mappings)


def test_markers_leave_out_what_does_not_apply_to_alpine(v316, virtuals):
    external = read_external(
        {"external": {"host-requires": ["dep:generic/zlib; sys_platform == 'win32'", "dep:generic/libffi; sys_platform == 'linux'"]}}
    )
    assert [m.build for m in map_external(external, v316, virtuals)] == [("libffi-dev",)]


# ------------------------------------------------ real tables, real index ----


def test_scipy_table_on_v316(v316, virtuals):
    mappings = map_external(load_external(DATA / "scipy-external.toml"), v316, virtuals)
    assert all(m.mapped for m in mappings)
    assert _all(mappings, "build") == {"build-base", "gfortran", "cmake", "samurai", "pkgconf", "openblas-dev"}
    # OpenBLAS lives in community; a main-only index says so instead of guessing its libraries.
    assert _all(mappings, "missing") == {"openblas-dev"}
    assert {"libstdc++", "libgcc", "libgfortran"} <= _all(mappings, "runtime")


def test_cryptography_table_on_v316(v316, virtuals):
    mappings = _by_text(map_external(load_external(DATA / "cryptography-external.toml"), v316, virtuals))
    assert mappings["dep:virtual/compiler/rust"].build == ("cargo",)
    assert mappings["dep:virtual/compiler/rust"].missing == ("cargo",)
    assert mappings["dep:generic/openssl"].runtime == ("libcrypto1.1", "libssl1.1")
    assert mappings["dep:generic/libffi"].build == ("libffi-dev",)
    assert mappings["dep:generic/pkg-config"].build == ("pkgconf",)


def test_pillow_table_with_and_without_its_extra(v316, virtuals):
    external = load_external(DATA / "pillow-external.toml")
    required = map_external(external, v316, virtuals)
    assert _all(required, "build") == {"build-base", "libjpeg-turbo-dev", "zlib-dev"}
    assert _all(required, "runtime") == {"libjpeg-turbo", "zlib"}
    full = _by_text(map_external(external, v316, virtuals, extras=["extra"]))
    assert full["dep:generic/libtiff"].build == ("tiff-dev",)
    assert full["dep:generic/openjpeg@>=2.0"].version_ok is True  # openjpeg-dev 2.5.0 on v3.16
    assert full["dep:generic/libraqm"].problem.startswith("no Alpine package provides pc:libraqm")


def test_a_2023_revision_table_on_v316(v316, virtuals):
    mappings = map_external(load_external(DATA / "passagemath-groups-external.toml"), v316, virtuals)
    assert all(m.mapped for m in mappings)
    assert _all(mappings, "build") == {"build-base", "pkgconf", "gmp-dev", "mpc1-dev", "mpfr-dev"}
    assert {"gmp", "mpc1", "mpfr4", "libstdc++"} <= _all(mappings, "runtime")


def test_blas_maps_to_openblas_when_a_community_index_is_given(shared_dir, virtuals):
    # the real v3.21 main + community: openblas-dev depends on openblas, liblapack, liblapacke and
    # openblas-ilp64 (one origin); the library it stands for is openblas (so:openblas:libopenblas.so.3)
    v321 = shared_dir / "alpine" / "v3.21"
    indexes = [read_index_file(v321 / repo / "x86_64" / "APKINDEX.tar.gz", repository=repo) for repo in ("main", "community")]
    providers = provider_table(build_provider_map(indexes))
    blas = _map("dep:virtual/interface/blas", "host", providers, virtuals)
    assert (blas.build, blas.runtime, blas.missing) == (("openblas-dev",), ("openblas",), ())
    generic = _map("dep:generic/openblas", "host", providers, virtuals)
    assert (generic.build, generic.runtime, generic.rule) == (("openblas-dev",), ("openblas",), "pc:openblas")
