"""The planner's parts on real data without PyPI: base images, targets, Alpine names, closures, renderers."""

from __future__ import annotations

from pathlib import Path

import pytest

from apkneed.alpine.index import read_index_file, read_installed_db
from apkneed.alpine.providers import build_provider_map
from apkneed.alpine.sources.world import load_world
from apkneed.errors import InputError
from apkneed.plan.apkmatch import apk_to_pep440, apk_upstream, find_alpine_packages, satisfies_pin
from apkneed.plan.base import base_world, image_reference, load_base_images, parse_base
from apkneed.plan.closure import layer
from apkneed.plan.evidence import SdistEvidence, top_level_names
from apkneed.tomlfile import read_toml
from apkneed.plan.pep725 import load_virtual_table, provider_table
from apkneed.plan.planner import marker_environment
from apkneed.plan.source import source_needs
from apkneed.alpine.facts import python_version
from apkneed.plan.published_tags import load_published_tags
from apkneed.plan.target import _toolchain_packages, plan_target, release_for

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def v316_world(v316_index_path):
    return load_world(index_paths=[v316_index_path], arch="x86_64")


@pytest.fixture(scope="module")
def v316(v316_index_path):
    return build_provider_map([read_index_file(v316_index_path)])


@pytest.fixture(scope="module")
def v317(v317_index_path):
    return build_provider_map([read_index_file(v317_index_path)])


@pytest.fixture(scope="module")
def table316(v316):
    return provider_table(v316)


@pytest.fixture(scope="module")
def target316(v316_world):
    return plan_target(v316_world, parse_base("python:3.10"), None, release="v3.16", arch="x86_64", index_origin="test")[0]


# --------------------------------------------------------------- --base ----


@pytest.mark.parametrize("text, kind, python, alpine", [
    ("alpine", "alpine", None, None),
    ("alpine:3.16", "alpine", None, "v3.16"),
    ("alpine:3.16.2", "alpine", None, "v3.16"),
    ("alpine:edge", "alpine", None, "edge"),
    ("python", "python", None, None),
    ("python:alpine", "python", None, None),
    ("python:alpine3.23", "python", None, "v3.23"),
    ("python:3.12", "python", "3.12", None),
    ("python:3.12-alpine", "python", "3.12", None),
    ("python:3.12-alpine3.22", "python", "3.12", "v3.22"),
    ("python:3.12.8-alpine3.22", "python", "3.12", "v3.22"),
])
def test_parse_base(text, kind, python, alpine):
    spec = parse_base(text)
    assert (spec.kind, spec.python, spec.alpine) == (kind, python, alpine)


@pytest.mark.parametrize("text", ["debian", "python:3", "python:3.12-slim", "alpine:three", "python:2.7-alpine"])
def test_parse_base_refuses_other_images(text):
    with pytest.raises(InputError, match="--base"):
        parse_base(text)


def test_image_reference_pins_the_release():
    assert image_reference(parse_base("python:3.12"), "v3.16", "3.12") == "python:3.12-alpine3.16"
    assert image_reference(parse_base("python:3.12.8-alpine3.22"), "v3.22", "3.12") == "python:3.12.8-alpine3.22"
    assert image_reference(parse_base("alpine"), "v3.17", "3.10") == "alpine:3.17"
    assert image_reference(parse_base("alpine"), "edge", "3.12") == "alpine:edge"


# -------------------------------------------------------------- targets ----


def test_target_facts_come_from_the_index(v316_world):
    target, notes = plan_target(v316_world, None, None, release="v3.16", arch="x86_64", index_origin="x")
    assert (target.python, target.musl, target.base, target.image) == ("3.10", (1, 2, 3), "alpine", "alpine:3.16")
    assert target.python_origin == "apk python3-3.10.8-r0"
    assert notes == ()


def test_a_python_the_release_lacks_is_one_line_naming_what_it_has(v316_world):
    with pytest.raises(InputError) as error:
        plan_target(v316_world, parse_base("alpine"), "3.12", release="v3.16", arch="x86_64", index_origin="x")
    message = str(error.value)
    assert "\n" not in message
    assert "has Python 3.10" in message and "python3-3.10.8-r0" in message and "--base python:3.12" in message


def test_without_base_another_python_means_the_python_image(v316_world):
    target, notes = plan_target(v316_world, None, "3.11", release="v3.16", arch="x86_64", index_origin="x")
    assert (target.base, target.python, target.image) == ("python", "3.11", "python:3.11-alpine3.16")
    assert len(notes) == 1 and "ships Python 3.10" in notes[0]
    # ... when that image was published: python:3.12 never was on Alpine 3.16
    with pytest.raises(InputError, match="python:3.12-alpine3.16 was never published"):
        plan_target(v316_world, None, "3.12", release="v3.16", arch="x86_64", index_origin="x")


@pytest.mark.parametrize("base", ["python", "python:alpine", "python:alpine3.23"])
def test_python_base_without_a_version_is_the_python_docker_tags_for_the_release(shared_dir, base):
    # apk's python3 on v3.23 is 3.12, but Docker's python:alpine3.23 is the newest
    # Python published for that Alpine: the image a bare `python` base pulls.
    world = load_world([shared_dir / "alpine/v3.23/main/x86_64/APKINDEX.tar.gz"])
    tags = load_published_tags()
    expected = tags.python_floating["alpine3.23"][-1].python
    target, notes = plan_target(world, parse_base(base), None, release="v3.23", arch="x86_64", index_origin="x")
    assert python_version(_toolchain_packages(world)) != expected  # the release's python3 is another one
    assert (target.python, target.image) == (expected, f"python:{expected}-alpine3.23")
    assert "python:alpine3.23 meant Python " + expected in target.python_origin and tags.source in target.python_origin
    # --python still chooses, and a pinned tag stays pinned
    assert plan_target(world, parse_base(base), "3.12", release="v3.23", arch="x86_64", index_origin="x")[0].python == "3.12"
    pinned = plan_target(world, parse_base("python:3.13-alpine3.23"), None, release="v3.23", arch="x86_64", index_origin="x")[0]
    assert pinned.python == "3.13" and "meant" not in pinned.python_origin


def test_release_named_twice_must_agree(v316_world):
    with pytest.raises(InputError, match="v3.22"):
        release_for("v3.16", parse_base("python:3.12-alpine3.22"))
    assert release_for(None, parse_base("python:3.12-alpine3.22")) == "v3.22"
    with pytest.raises(InputError, match="index is v3.16"):
        plan_target(v316_world, parse_base("python:3.12-alpine3.22"), None, release="v3.16", arch="x86_64", index_origin="x")


def test_python_option_must_agree_with_the_image_tag(v316_world):
    with pytest.raises(InputError, match="disagrees"):
        plan_target(v316_world, parse_base("python:3.12"), "3.11", release="v3.16", arch="x86_64", index_origin="x")


# ----------------------------------------------------------- base images ----


def test_base_images_data_is_cited_and_python_extends_alpine():
    images = load_base_images()
    assert images["alpine"].world == ("alpine-baselayout", "alpine-keys", "apk-tools", "busybox", "libc-utils")
    assert images["python"].world[:5] == images["alpine"].world
    assert {"ca-certificates", "tzdata"} <= set(images["python"].world)
    assert "mkimg.minirootfs.sh" in images["alpine"].source and "docker-library/python" in images["python"].source


def test_python_image_rundeps_match_the_real_image_db(shared_dir, v316):
    """The data's .python-rundeps are the D: line of the real python:3.10-alpine3.16 image."""
    db = read_installed_db((shared_dir / "alpine" / "installed" / "python-3.10-alpine3.16-x86_64.installed").read_bytes())
    depends = [d.name for d in next(p for p in db if p.name == ".python-rundeps").depends]
    world = base_world("python", load_base_images(), v316, "x86_64")
    rundeps = [a for a in world.atoms if a.startswith("so:")]
    # libnsl lives in community: the main-only index cannot provide it, and says so
    assert set(depends) - set(rundeps) == {"so:libnsl.so.3"}
    assert any("libnsl.so.3" in note for note in world.notes)


def test_python_image_rundeps_follow_the_release(v317):
    """v3.17 ships OpenSSL 3: the image built there links libcrypto.so.3, not .so.1.1."""
    world = base_world("python", load_base_images(), v317, "aarch64")
    assert "so:libcrypto.so.3" in world.atoms and "so:libcrypto.so.1.1" not in world.atoms
    assert "so:libc.musl-aarch64.so.1" in world.atoms


def test_the_base_world_solves_where_an_empty_root_would_not(v316):
    """apk refuses /bin/sh on an empty v3.16 root; with the base image's busybox it is fine."""
    world = base_world("alpine", load_base_images(), v316, "x86_64")
    added = layer(v316, world.atoms, ["ca-certificates"])  # ca-certificates needs /bin/sh
    assert added.error is None
    assert [e.name for e in added.added] == ["ca-certificates"]
    refused = layer(v316, (), ["ca-certificates"])
    assert refused.error and "/bin/sh" in refused.error


# --------------------------------------------------------------- closure ----


def test_layer_adds_only_what_the_base_lacks_with_apk_sizes_and_parents(v316):
    base = load_base_images()["alpine"].world
    added = layer(v316, base, ["python3"])
    names = {e.name for e in added.added}
    assert "python3" in names and "libffi" in names
    assert not names & {"busybox", "musl", "apk-tools", "zlib"}  # already in alpine:3.16
    by_name = {e.name: e for e in added.added}
    assert by_name["libffi"].parent == "python3" and by_name["libffi"].atom == "so:libffi.so.8"
    assert by_name["python3"].requested and not by_name["libffi"].requested
    packages = {p.name: p for p in v316.packages}
    assert added.download_size == sum(packages[n].size for n in names)
    assert added.installed_size == sum(packages[n].installed_size for n in names)


# ------------------------------------------------------ Alpine's py3-* ----


@pytest.mark.parametrize("apk, pep440", [
    ("1.22.4-r1", "1.22.4"), ("6.0-r0", "6.0"), ("2.0.0_rc1-r0", "2.0.0rc1"), ("1.0_alpha2", "1.0a2"),
    ("1.0_beta-r3", "1.0b0"), ("3.1_p2-r0", "3.1.post2"), ("1.1.1s-r0", None), ("0.9_git20230101-r0", None),
])
def test_apk_versions_read_as_pep440(apk, pep440):
    found = apk_to_pep440(apk)
    assert (str(found) if found is not None else None) == pep440


def test_the_version_rule_is_equality_after_dropping_the_revision():
    assert apk_upstream("1.22.4-r1") == "1.22.4"
    assert satisfies_pin("1.22.4-r1", "1.22.4")
    assert satisfies_pin("6.0-r0", "6.0.0")  # PEP 440 equality: 6.0 == 6.0.0
    assert not satisfies_pin("6.0-r0", "6.0.3")
    assert not satisfies_pin("1.1.1s-r0", "1.1.1")


def test_pypi_names_map_through_the_index(v316):
    pyyaml = find_alpine_packages("PyYAML", ("_yaml", "yaml"), "3.10", v316)
    assert pyyaml[0].nv == "py3-yaml-6.0-r0" and "yaml" in pyyaml[0].modules
    # through the py3.10: provides alone (no import name known, no py3-pyyaml package)
    assert find_alpine_packages("pyyaml", (), "3.10", v316) == ()
    by_module = find_alpine_packages("some-yaml-fork", ("_yaml",), "3.10", v316)
    assert [c.package for c in by_module] == ["py3-yaml"] and by_module[0].via == "provides py3.10:_yaml"
    assert find_alpine_packages("markupsafe", (), "3.10", v316)[0].package == "py3-markupsafe"
    # Python 3.11 modules are not Python 3.10 ones
    assert find_alpine_packages("some-yaml-fork", ("_yaml",), "3.11", v316) == ()
    assert find_alpine_packages("numpy", ("numpy",), "3.10", v316) == ()  # community, not main


# -------------------------------------------------------------- evidence ----


def test_top_level_names_of_a_wheel_listing():
    names = [
        "yaml/__init__.py", "yaml/_yaml.cpython-310-x86_64-linux-gnu.so", "_yaml/__init__.py",
        "PyYAML-6.0.3.dist-info/METADATA", "numpy.libs/libscipy_openblas64_-ff651d7f.so", "six.py",
        "_cffi_backend.cpython-310-x86_64-linux-gnu.so", "pkg-1.0.data/scripts/tool", "__pycache__/six.cpython-310.pyc",
    ]
    assert top_level_names(names) == ("_cffi_backend", "_yaml", "six", "yaml")


# ---------------------------------------------------------- source needs ----


def _sdist(**fields) -> SdistEvidence:
    defaults = dict(filename="x-1.0.tar.gz", sha256=None, external=None, build_backend=None, build_requires=(),
                    languages=(), markers=(), top_level=())
    return SdistEvidence(**{**defaults, **fields})


def test_pep725_table_is_mapped_with_its_chain(table316, target316):
    """SciPy's real [external] table (rgommers/external-deps-build) on the v3.16 main index."""
    external = read_toml(DATA / "scipy-external.toml")["external"]
    needs = source_needs(
        "scipy", _sdist(filename="scipy-1.15.3.tar.gz", external=external, languages=(("c", 10),)),
        virtuals=load_virtual_table(), table=table316, environment=marker_environment(target316),
    )
    assert needs.basis == "pep725" and needs.compiled
    build = {n.apk: n for n in needs.needs if n.kind == "build"}
    assert {"build-base", "gfortran", "cmake", "pkgconf"} <= set(build)
    assert build["openblas-dev"].missing  # community: not in a main index, still the answer
    assert build["gfortran"].chain[-1] == "PEP 725 [external] in scipy-1.15.3.tar.gz pyproject.toml"
    assert "dep:virtual/compiler/fortran (build)" in build["gfortran"].chain
    runtime = {n.apk for n in needs.needs if n.kind == "runtime"}
    assert {"libgfortran", "libstdc++"} <= runtime


def test_without_any_clue_a_compiled_sdist_needs_its_compilers(table316, target316):
    needs = source_needs(
        "somepkg", _sdist(languages=(("c", 3), ("cython", 1)), markers=("setup.py ext_modules",)),
        virtuals=load_virtual_table(), table=table316, environment=marker_environment(target316),
    )
    assert needs.basis == "inferred" and needs.compiled
    assert {n.apk for n in needs.needs if n.kind == "build"} == {"build-base"}
    chain = next(n.chain for n in needs.needs if n.apk == "build-base")
    assert any("3 c files" in c and "setup.py ext_modules" in c for c in chain)


def test_headers_nothing_explains_make_the_answer_honestly_unknown(table316, target316):
    from apkneed.python.sdist_build import Clue

    clues = (Clue("header", "mysql.h", "src/_mysql.c", 29), Clue("header", "errmsg.h", "src/_mysql.c", 64))
    needs = source_needs(
        "somepkg", _sdist(languages=(("c", 1),), markers=("setup.py ext_modules",), clues=clues),
        virtuals=load_virtual_table(), table=table316, environment=marker_environment(target316),
    )
    assert needs.basis == "unknown" and needs.compiled
    assert needs.reasons[0].startswith("unknown:") and "<mysql.h>, <errmsg.h> (src/_mysql.c:29)" in needs.reasons[0]
    assert {n.apk for n in needs.needs if n.kind == "build"} == {"build-base"}  # what was found is kept


def test_a_pure_sdist_needs_nothing(table316, target316):
    needs = source_needs(
        "pure", _sdist(), virtuals=load_virtual_table(),
        table=table316, environment=marker_environment(target316),
    )
    assert (needs.basis, needs.needs, needs.compiled) == ("pure", (), False)


def test_alpines_v321_build_answers_on_v316_main_where_the_index_lacks_it(v316, table316, target316):
    """v3.16 main has no py3-psycopg2 (community): the v3.21 record of it, re-found in v3.16, answers."""
    from apkneed.plan.alpinedata import load_alpine_data, match_build

    assert not v316.providers("py3-psycopg2")
    data = load_alpine_data()
    match = match_build("psycopg2", ("psycopg2",), (), v316, data)
    assert match.build.package == "py3-psycopg2" and "the target index has no py3-psycopg2" in match.build.recorded
    needs = source_needs(
        "psycopg2", _sdist(languages=(("c", 20),)), virtuals=load_virtual_table(), table=table316,
        environment=marker_environment(target316), alpine=match, data=data, providers=v316,
    )
    assert needs.basis == "alpine"
    by_kind = {(n.apk, n.kind): n for n in needs.needs}
    assert ("libpq-dev", "build") in by_kind and ("build-base", "build") in by_kind
    assert by_kind[("libpq", "runtime")].chain[0] == "so:libpq.so.5"
    assert "py3-psycopg2-2.9.10-r0" in by_kind[("libpq", "runtime")].chain[-1]
    # every name is one of v3.16's packages, never a v3.21 name printed as is
    assert all(v316.providers(name) for name, _ in by_kind)
    assert "The build runs pg_config, which libpq-dev provides (cmd:pg_config)." in needs.reasons


# ------------------------------------------------- evidence over the network ----


def test_wheel_evidence_by_range_reads_or_whole_download(tmp_path):
    """A wheel that is mostly ELF is downloaded whole (verified, cached); otherwise only its ELF members are read."""
    import zipfile

    from apkneed.binary.policy import Target
    from apkneed.plan.evidence import EvidenceCache, wheel_evidence, whole_download_pays
    from apkneed.python.pypi import PyPIClient
    from plan_helpers import PYPI

    target = Target(arch="x86_64", python=(3, 10), musl_version="1.2.3")
    with PyPIClient(PYPI, cache_root=tmp_path / "pypi") as client:
        def wheel(name, version):
            return next(f for f in client.files(name, version) if f.filename.endswith("cp310-musllinux_1_2_x86_64.whl"))

        pyyaml, matplotlib = wheel("pyyaml", "6.0.3"), wheel("matplotlib", "3.10.9")
        # the decision, on the real zip directories (a range request for the tail only)
        with zipfile.ZipFile(client.open(matplotlib)) as archive:
            assert not whole_download_pays(archive.infolist(), matplotlib.size)  # 3.5 of 9.7 MB are ELF
        with zipfile.ZipFile(client.open(pyyaml)) as archive:
            assert whole_download_pays(archive.infolist(), pyyaml.size)  # _yaml is 94 % of it
        before = client.bytes_downloaded
        cache = EvidenceCache(tmp_path / "evidence")
        evidence = wheel_evidence(client, pyyaml, target, cache=cache)
        assert client.bytes_downloaded - before == pyyaml.size  # one whole download, by the client
        assert not hasattr(client.open(pyyaml), "bytes_downloaded")  # now served from the verified store
        assert (evidence.import_names, evidence.elf_objects, evidence.external) == (("_yaml", "yaml"), 1, ())
        assert evidence.compatible
        # the evidence cache answers the second time, with the same evidence and no reads
        again = wheel_evidence(client, pyyaml, target, cache=cache)
        assert again == evidence and again.bytes_read == 0
