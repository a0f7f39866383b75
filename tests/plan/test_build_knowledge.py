"""The curated build knowledge: schema, sources, and every apk name against real indexes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name

from apkneed.alpine.index import read_index_file
from apkneed.alpine.providers import build_provider_map
from apkneed.errors import InputError
from apkneed.plan.knowledge import (
    KNOWLEDGE_PATH,
    LANGUAGE_VIRTUALS,
    ApkRequirement,
    compiler_virtual,
    knowledge_for,
    load_build_knowledge,
    pick_available,
)
from apkneed.plan.pep725 import load_virtual_table, provider_table

# The projects the planner must know about (see the knowledge file's header).
EXPECTED_PROJECTS = {
    "numpy", "scipy", "pandas", "scikit-learn", "matplotlib", "lxml", "pillow",
    "psycopg2", "psycopg2-binary", "cryptography", "pyyaml", "grpcio", "cffi",
    "pyzmq", "h5py", "shapely", "pyarrow", "kiwisolver", "contourpy", "msgpack",
    "ujson", "orjson", "pydantic-core", "regex", "psutil", "gevent", "greenlet",
    "aiohttp", "markupsafe", "uvloop", "bcrypt",
}


@pytest.fixture(scope="module")
def knowledge():
    return load_build_knowledge()


@pytest.fixture(scope="module")
def v316(v316_index_path):
    return provider_table(build_provider_map([read_index_file(v316_index_path)]))


@pytest.fixture(scope="module")
def v317(v317_index_path):
    return provider_table(build_provider_map([read_index_file(v317_index_path)]))


def _main_and_community(knowledge):
    main, community = set(), set()
    for entry in knowledge.values():
        for requirement in entry.requirements:
            (community if requirement.repository == "community" else main).update(requirement.names)
    return main, community


def test_the_file_covers_the_expected_projects_under_normalised_names(knowledge):
    assert EXPECTED_PROJECTS <= set(knowledge)
    for name, entry in knowledge.items():
        assert name == canonicalize_name(name) == entry.project


def test_every_entry_cites_its_sources(knowledge):
    for name, entry in knowledge.items():
        assert entry.sources, name
        supported = {field for source in entry.sources for field in source.supports}
        for field in ("languages", "libraries", "tools", "optional", "runtime_sonames"):
            if getattr(entry, field):
                assert field in supported, f"{name}.{field} has no source"
        for source in entry.sources:
            if source.kind == "aports":
                assert re.fullmatch(r"(main|community)/[^/]+/APKBUILD", source.path), source
                assert re.fullmatch(r"[0-9a-f]{40}", source.commit) and source.pkgver and source.makedepends
            elif source.kind == "external-deps-build":
                assert source.path.startswith("external_metadata/") and len(source.commit) == 40
            else:
                assert source.url.startswith("https://")


def test_aports_makedepends_back_the_libraries_they_support(knowledge):
    # An aports source that supports `libraries` must list each library (or an alternative).
    for name, entry in knowledge.items():
        for source in entry.sources:
            if source.kind != "aports" or "libraries" not in source.supports:
                continue
            # The note covers a library the aport builds itself (pyarrow's apache-arrow-dev).
            words = set(re.findall(r"[a-z0-9][a-z0-9+._-]*", f"{source.makedepends} {source.note}"))
            for requirement in entry.libraries:
                assert words & set(requirement.names), f"{name}: {requirement.names} not in {source.path}"


def test_every_main_name_is_a_package_or_provided_name_in_the_real_v316_index(knowledge, v316):
    main, community = _main_and_community(knowledge)
    assert main and community  # both kinds are really exercised
    missing = sorted(name for name in main if name not in v316)
    assert missing == []


def test_names_marked_community_are_really_absent_from_main(knowledge, v316, v317):
    _, community = _main_and_community(knowledge)
    assert {"openblas-dev", "hdf5-dev", "geos-dev"} <= community
    assert sorted(name for name in community if name in v316 or name in v317) == []


def test_main_requirements_resolve_on_v317_aarch64_except_the_one_that_moved(knowledge, v317):
    unresolved = {
        (entry.project, requirement.name)
        for entry in knowledge.values()
        for requirement in entry.requirements
        if requirement.repository == "main" and pick_available(requirement, v317.__contains__) is None
    }
    # libimagequant left main after v3.16; the data says so in its note.
    assert unresolved == {("pillow", "libimagequant-dev")}
    note = next(r.note for r in knowledge["pillow"].optional if r.name == "libimagequant-dev")
    assert "not in the v3.17 main index" in note


def test_pick_available_takes_the_first_name_the_index_has(knowledge, v316):
    libpq = knowledge["psycopg2"].libraries[0]
    assert libpq.names == ("libpq-dev", "postgresql-dev")
    assert pick_available(libpq, v316.__contains__) == "libpq-dev"
    # An index without libpq-dev (as before the split) falls back to the old name.
    assert pick_available(libpq, lambda name: name != "libpq-dev" and name in v316) == "postgresql-dev"
    assert pick_available(libpq, lambda name: False) is None


def test_renamed_jpeg_package_prefers_the_current_name(knowledge, v316):
    jpeg = next(r for r in knowledge["pillow"].libraries if "jpeg-dev" in r.names)
    assert jpeg.name == "libjpeg-turbo-dev"
    # On v3.16 jpeg-dev is only a transitional package that pulls libjpeg-turbo-dev.
    (transitional,) = v316["jpeg-dev"]
    assert [str(d) for d in transitional.depends] == ["libjpeg-turbo-dev"]


def test_libpq_dev_provides_pg_config_as_the_psycopg2_note_says(v316, v317):
    assert [p.name for p in v316["cmd:pg_config"]] == ["libpq-dev"]
    assert [p.name for p in v317["cmd:pg_config"]] == ["libpq-dev"]


def test_languages_stand_for_virtuals_of_the_pep725_table(knowledge):
    virtuals = load_virtual_table()
    for entry in knowledge.values():
        for language in entry.languages:
            assert compiler_virtual(language) in virtuals
    assert set(LANGUAGE_VIRTUALS.values()) <= set(virtuals)
    with pytest.raises(InputError, match="unknown language 'cobol'"):
        compiler_virtual("cobol")


def test_runtime_sonames_resolve_in_the_real_index(knowledge, v316):
    sonames = {s for entry in knowledge.values() for s in entry.runtime_sonames}
    assert "libgomp.so.1" in sonames
    for soname in sonames:
        assert v316.get(f"so:{soname}"), soname


def test_optional_libraries_say_whether_the_default_build_uses_them(knowledge):
    pyyaml = knowledge["pyyaml"]
    assert pyyaml.libraries == () and [r.name for r in pyyaml.optional] == ["yaml-dev"]
    assert pyyaml.optional[0].auto is True and "pure-Python" in pyyaml.optional[0].note
    grpc = {r.name: r for r in knowledge["grpcio"].optional}
    assert grpc["openssl-dev"].auto is False and "GRPC_PYTHON_BUILD_SYSTEM_OPENSSL" in grpc["openssl-dev"].note


def test_python_level_build_requirements_are_never_listed(knowledge):
    for entry in knowledge.values():
        for requirement in entry.requirements:
            for name in requirement.names:
                assert not name.startswith("py3-") and name not in {"python3-dev", "cython", "meson"}, name


def test_knowledge_for_normalises_the_project_name(knowledge):
    assert knowledge_for(knowledge, "Scikit_Learn") is knowledge["scikit-learn"]
    assert knowledge_for(knowledge, "PyYAML") is knowledge["pyyaml"]
    assert knowledge_for(knowledge, "no-such-project") is None


def test_citation_of_an_aports_source(knowledge):
    citation = knowledge["lxml"].sources[0].citation
    assert citation.startswith("alpinelinux/aports main/py3-lxml/APKBUILD @17340a52b58b")
    assert "pkgver 4.8.0" in citation and "libxml2-dev libxslt-dev" in citation


# ------------------------------------------------------- bad knowledge files ----

VALID = """\
schema = 1

[packages.foo]
languages = ["c"]
libraries = ["zlib-dev", { name = "libpq-dev", alternatives = ["postgresql-dev"] }]
optional = [{ name = "openblas-dev", repository = "community", auto = true, note = "faster" }]

[[packages.foo.sources]]
kind = "aports"
path = "main/py3-foo/APKBUILD"
commit = "0123456789abcdef0123456789abcdef01234567"
pkgver = "1.0"
makedepends = "zlib-dev libpq-dev openblas-dev"
supports = ["languages", "libraries", "optional"]
"""


def _load_text(tmp_path: Path, text: str):
    path = tmp_path / "knowledge.toml"
    path.write_text(text)
    return load_build_knowledge(path)


def test_a_minimal_valid_file_loads_exactly(tmp_path):
    (entry,) = _load_text(tmp_path, VALID).values()
    assert entry.project == "foo" and entry.languages == ("c",)
    assert entry.libraries == (ApkRequirement(("zlib-dev",)), ApkRequirement(("libpq-dev", "postgresql-dev")))
    assert entry.optional == (ApkRequirement(("openblas-dev",), "community", True, "faster"),)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('languages = ["c"]', 'languages = ["cobol"]', "packages.foo.languages: unknown language 'cobol'"),
        ('["zlib-dev",', '["Zlib Dev",', "packages.foo.libraries[0]: 'Zlib Dev' is not an apk package name"),
        ("[packages.foo]", "[packages.Foo_Bar]", "packages.Foo_Bar: name is not PEP 503 normalised (write 'foo-bar')"),
        ('"libraries", "optional"]', '"optional"]', "packages.foo.libraries: no source of the entry supports this field"),
        ('commit = "0123456789abcdef0123456789abcdef01234567"\n', "", "packages.foo.sources[0].commit: a aports source needs"),
        ('commit = "0123456789abcdef0123456789abcdef01234567"', 'commit = "main"', "packages.foo.sources[0].commit: expected a 40-character"),
        ('kind = "aports"', 'kind = "blog"', "packages.foo.sources[0].kind: 'blog' is not one of"),
        ('"zlib-dev", {', '{ name = "zlib-dev", auto = true }, {', "packages.foo.libraries[0].auto: only optional libraries"),
        ('repository = "community"', 'repository = "testing"', "packages.foo.optional[0].repository: 'testing' is not one of main, community"),
        ('optional = [{ name = "openblas-dev"', 'tools = ["zlib-dev"]\noptional = [{ name = "openblas-dev"', "packages.foo.tools: 'zlib-dev' is already listed in libraries"),
        ('languages = ["c"]', 'languages = ["c"]\nhomepage = "x"', "packages.foo: unknown field(s) homepage"),
        ("schema = 1", "schema = 2", "schema must be 1, got 2"),
    ],
)
def test_a_bad_file_gives_one_line_naming_the_entry_and_field(tmp_path, old, new, expected):
    assert old in VALID
    with pytest.raises(InputError) as caught:
        _load_text(tmp_path, VALID.replace(old, new, 1))
    message = str(caught.value)
    assert "\n" not in message and caught.value.exit_code == 2
    assert expected in message
    assert message.startswith(str(tmp_path / "knowledge.toml"))


def test_an_entry_without_sources_is_refused(tmp_path):
    text = VALID.split("[[packages.foo.sources]]")[0].replace('libraries = ["zlib-dev", { name = "libpq-dev", alternatives = ["postgresql-dev"] }]\n', "")
    with pytest.raises(InputError, match=r"packages\.foo\.sources: every entry needs at least one source"):
        _load_text(tmp_path, text)


def test_invalid_toml_names_the_file(tmp_path):
    with pytest.raises(InputError, match=r"knowledge\.toml: not valid TOML") as caught:
        _load_text(tmp_path, VALID + "\n[packages.foo\n")
    assert "\n" not in str(caught.value)


def test_the_shipped_file_is_the_default_path():
    assert KNOWLEDGE_PATH.name == "build-knowledge.toml" and KNOWLEDGE_PATH.is_file()
