"""The published python/alpine Docker tags: the shipped data, its generator, and the checks built on it.

The data is the git history of docker-library/official-images. The checks are
run against all of it: every (Python X.Y, Alpine R) pair from 2.7 to 3.14 and
from Alpine 3.1 to the newest release is accepted exactly when the manifests
listed ``python:X.Y-alpineR``, and a refusal names only tags that exist.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apkneed.errors import InputError
from apkneed.plan.published_tags import (
    TAGS_PATH,
    check_alpine_image,
    check_python_image,
    docker_platform,
    image_identity,
    load_published_tags,
    parse_published_tags,
)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
MANIFESTS = Path(__file__).parent / "data" / "official-images"
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TAG_IN_MESSAGE_RE = re.compile(r"python:(?P<minor>\d+\.\d+)-alpine(?P<alpine>\d+\.\d+)")


@pytest.fixture(scope="module")
def tags():
    return load_published_tags()


@pytest.fixture(scope="module")
def raw():
    return json.loads(TAGS_PATH.read_text("utf-8"))


@pytest.fixture(scope="module")
def generator():
    spec = importlib.util.spec_from_file_location("python_alpine_tags", PROJECT_ROOT / "scripts" / "python_alpine_tags.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _number_key(number: str) -> tuple[int, ...]:
    return tuple(int(p) for p in number.split("."))


# ---- the data file says where it comes from and covers what it must ---------------------------


def test_the_data_names_its_generator_and_inputs(raw):
    assert (PROJECT_ROOT / raw["generated_by"]).is_file()
    source = raw["source"]
    assert source["repository"] == "https://github.com/docker-library/official-images"
    assert source["files"] == ["library/python", "library/alpine"]
    for key in ("rev",):
        assert re.fullmatch(r"[0-9a-f]{40}", source[key])
    for name in ("library_python", "library_alpine"):
        assert re.fullmatch(r"[0-9a-f]{40}", source[name]["first"]) and re.fullmatch(r"[0-9a-f]{40}", source[name]["last"])
        assert source[name]["commits"] > 100


def test_coverage_every_python_3_6_to_3_14_and_alpine_3_7_to_3_23(tags):
    for minor in range(6, 15):
        assert tags.python.get(f"3.{minor}"), f"no python:3.{minor}-alpine* in the data"
    for release in range(7, 24):
        assert tags.pythons_on(f"3.{release}"), f"no python:*-alpine3.{release} in the data"
        assert f"3.{release}" in tags.alpine, f"no alpine:3.{release} in the data"
    assert _number_key(tags.newest_release()) >= (3, 23)


def test_tags_known_from_elsewhere_are_in_the_data(tags):
    # python:3.10-alpine3.16: the real image whose installed db ../shared carries (3.10.8 there);
    # python:3.12-alpine3.22: docker-library/python's 3.12/alpine3.22/Dockerfile, cited by base-images.toml.
    assert "3.10.8" in tags.python["3.10"]["3.16"].versions
    assert "3.22" in tags.python["3.12"]
    assert "arm64v8" in tags.python["3.10"]["3.17"].arches  # the aarch64 plans of the README's docs


def test_dates_are_ordered_and_versions_belong_to_their_python(tags):
    for minor, releases in tags.python.items():
        for number, image in releases.items():
            assert image.removed is None or image.first <= image.removed <= tags.as_of, (minor, number)
            assert image.versions and all(v.startswith(minor + ".") for v in image.versions)
            # an image cannot be listed before its Alpine release was
            assert tags.alpine[number].first <= image.first, (minor, number)


def test_every_floating_meaning_points_at_a_tag_listed_that_day(tags):
    """python:X.Y-alpine meant python:X.Y-alpineR: that pinned tag must have been listed then."""
    checked = 0
    for tag, history in tags.python_floating.items():
        for meaning in history:
            if meaning.python is None or meaning.alpine is None or meaning.python.startswith("2"):
                continue
            image = tags.python[meaning.python].get(meaning.alpine)
            assert image is not None, (tag, meaning)
            assert image.first <= meaning.since and (image.removed is None or meaning.since < image.removed), (tag, meaning)
            checked += 1
    assert checked > 400


def test_alpine_latest_and_python_alpine_mean_todays_release(tags):
    newest = tags.newest_release()
    latest = image_identity("alpine:latest", tags)
    assert (latest.kind, latest.alpine, latest.python) == ("alpine", f"v{newest}", None)
    assert image_identity("alpine", tags).alpine == latest.alpine
    today = image_identity("python:alpine", tags)
    assert today.alpine == f"v{newest}"
    assert today.python == max(tags.pythons_on(newest), key=_number_key)
    floating = image_identity("docker.io/library/python:3.12-alpine", tags)
    assert (floating.alpine, floating.python) == (f"v{newest}", "3.12")


# ---- the plan's check: accepted exactly when published, refusals name real tags ----------------


def test_every_python_and_release_pair_is_accepted_exactly_when_published(tags):
    refused = accepted = 0
    releases = sorted(tags.alpine, key=_number_key)
    for minor in sorted(tags.python, key=_number_key):
        for number in releases:
            published = number in tags.python[minor]
            try:
                notes = check_python_image(tags, minor, f"v{number}", arch="x86_64")
            except InputError as err:
                refused += 1
                assert not published, f"python:{minor}-alpine{number} is published but was refused: {err}"
                nearby = str(err).split("was never published", 1)[1]  # what follows the asked tag
                named = TAG_IN_MESSAGE_RE.findall(nearby)
                assert named, str(err)
                for named_minor, named_alpine in named:
                    assert named_alpine in tags.python[named_minor], f"{err} names a tag that never existed"
            else:
                accepted += 1
                assert published, f"python:{minor}-alpine{number} was never published but was accepted"
                assert notes == ()
    assert accepted >= 100 and refused > accepted


@pytest.mark.parametrize("python, release, version, nearby", [
    ("3.12", "v3.16", None, ["python:3.12-alpine3.17", "python:3.11-alpine3.16"]),
    ("3.99", "v3.23", None, ["python:3.14-alpine3.23"]),
    ("3.6", "v3.23", None, ["python:3.6-alpine3.15", "python:3.10-alpine3.23"]),
    ("3.6", "v3.5", None, ["alpine3.4", "python:3.6-alpine3.6", "Alpine 3.5 had no python image"]),
    ("3.12", "v3.22", "3.12.99", ["3.12.10"]),
])
def test_never_published_is_refused_with_the_tags_nearby(tags, python, release, version, nearby):
    with pytest.raises(InputError) as refused:
        check_python_image(tags, python, release, version=version)
    message = str(refused.value)
    assert "\n" not in message
    assert "docker-library/official-images" in message
    for words in nearby:
        assert words in message


def test_python_images_are_never_published_for_edge_or_a_missing_arch(tags):
    with pytest.raises(InputError, match="never edge"):
        check_python_image(tags, "3.12", "edge")
    with pytest.raises(InputError, match="loongarch64"):
        check_python_image(tags, "3.12", "v3.22", arch="loongarch64")
    assert check_python_image(tags, "3.12", "v3.22", arch="aarch64") == ()


def test_a_release_newer_than_the_data_is_not_judged(tags):
    newer = "v3.99"
    (note,) = check_python_image(tags, "3.12", newer)
    assert "newer than the tag data" in note and "not checked" in note
    (note,) = check_alpine_image(tags, newer)
    assert "newer than the tag data" in note


def test_alpine_releases(tags):
    assert check_alpine_image(tags, "v3.16", arch="aarch64") == ()
    assert check_alpine_image(tags, "edge") == ()
    with pytest.raises(InputError, match="alpine:3.0 was never published"):
        check_alpine_image(tags, "v3.0")
    (note,) = check_alpine_image(tags, "v3.21", arch="loongarch64")
    assert "not published for loongarch64" in note


@pytest.mark.parametrize("arch, platform", [
    ("aarch64", "linux/arm64"), ("x86_64", "linux/amd64"), ("armv7", "linux/arm/v7"),
    ("armhf", "linux/arm/v6"), ("x86", "linux/386"), ("ppc64le", "linux/ppc64le"), ("s390x", "linux/s390x"),
])
def test_docker_platforms_of_alpine_arches(tags, arch, platform):
    assert docker_platform(tags, arch) == platform


# ---- image_identity, for `check` ---------------------------------------------------------------


@pytest.mark.parametrize("reference, at, alpine, python", [
    ("python:3.10-alpine3.16", None, "v3.16", "3.10"),
    ("python:3.10.8-alpine3.16", None, "v3.16", "3.10"),
    ("index.docker.io/library/python:3.11-alpine3.17@sha256:" + "0" * 64, None, "v3.17", "3.11"),
    ("python:alpine", "2022-06-01", "v3.16", "3.10"),
    ("python:3-alpine", "2019-03-01", "v3.9", "3.7"),
    ("python:3.9-alpine", "2021-07-01", "v3.14", "3.9"),
    ("alpine:latest", "2023-01-01", "v3.17", None),
    ("alpine:3.16.2", None, "v3.16", None),
    ("alpine:edge", None, "edge", None),
    ("python:3.6-alpine", None, "v3.15", "3.6"),  # dropped in 2022: frozen on its last meaning
])
def test_image_identity(tags, reference, at, alpine, python):
    identity = image_identity(reference, tags, at=at)
    assert (identity.alpine, identity.python) == (alpine, python), identity.reason
    assert identity.known


@pytest.mark.parametrize("reference, words", [
    ("python:3.12-alpine3.16", "never published"),
    ("python:3.12-slim", "not an Alpine tag"),
    ("python", "not an Alpine tag"),
    ("ghcr.io/someone/python:3.12-alpine", "not a Docker official"),
    ("python@sha256:" + "0" * 64, "digest"),
    ("alpine:3.0", "never published"),
])
def test_image_identity_unknown(tags, reference, words):
    identity = image_identity(reference, tags)
    assert not identity.known and identity.alpine is None
    assert words in identity.reason


def test_image_identity_before_a_tag_existed(tags):
    identity = image_identity("python:3.12-alpine", tags, at="2020-01-01")
    assert not identity.known and "not published yet" in identity.reason


# ---- the generator, replayed on real manifests --------------------------------------------------


def _replay(tmp_path: Path) -> Path:
    """A git repository whose commits are the real manifests in tests/plan/data/official-images."""
    repo = tmp_path / "official-images"
    (repo / "library").mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    for manifest in sorted(MANIFESTS.glob("*-*-*-*")):
        date, _, file = manifest.name[:10], manifest.name[11:23], manifest.name[24:]
        (repo / "library" / file).write_bytes(manifest.read_bytes())
        env = {"GIT_AUTHOR_DATE": f"{date}T12:00:00+00:00", "GIT_COMMITTER_DATE": f"{date}T12:00:00+00:00",
               "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
               "GIT_COMMITTER_EMAIL": "t@t", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
        subprocess.run(["git", "-C", str(repo), "add", "-A"], check=True, env=env)
        subprocess.run(["git", "-C", str(repo), "commit", "-q", "-m", manifest.name], check=True, env=env)
    return repo


def _listed(manifest: Path) -> set[tuple[str, str]]:
    """(X.Y, R) of every ``X.Y-alpineR`` tag in a manifest, read with a regex (not the script's parser)."""
    return set(re.findall(r"(?:^|[\s,])(\d+\.\d+)-alpine(\d+\.\d+)(?=[,\s]|$)", manifest.read_text(), re.M))


def test_the_generator_on_real_manifests_of_both_formats(generator, tmp_path):
    data = generator.build(_replay(tmp_path), "HEAD")
    assert data["as_of"] == "2022-05-24"
    built = {(minor, number) for minor, releases in data["python"].items() for number in releases}
    (m2016,) = MANIFESTS.glob("2016-*-python")
    (m2018,) = MANIFESTS.glob("2018-*-python")
    (m2022,) = MANIFESTS.glob("2022-*-python")
    assert _listed(m2016) == set()  # 2016: no Alpine release in any tag
    assert built == _listed(m2018) | _listed(m2022)
    for minor, number in _listed(m2018) - _listed(m2022):
        assert data["python"][minor][number]["removed"] == "2022-05-24"
    for minor, number in _listed(m2022):
        assert data["python"][minor][number]["removed"] is None
    # the line format: python:3.5-alpine existed in 2016 on a release its manifest did not name
    assert data["python_floating"]["3.5-alpine"][0] == {"python": "3.5", "alpine": None, "since": "2016-05-11"}
    assert data["python_floating"]["alpine"][-1] == {"python": "3.10", "alpine": "3.16", "since": "2022-05-24"}
    assert data["alpine_floating"]["latest"] == [
        {"alpine": "3.3", "since": "2015-12-23"}, {"alpine": "3.16", "since": "2022-05-23"},
    ]
    assert data["arches"]["aarch64"] == {"docker": "arm64v8", "platform": "linux/arm64"}
    # it reads back, and a rerun is byte-identical
    parse_published_tags(data, source="replay")
    assert generator.render(data) == generator.render(generator.build(_replay(tmp_path / "again"), "HEAD"))


def test_the_shipped_data_agrees_with_the_real_manifests(tags):
    """Whatever the 2022-05-24 manifest lists was published and still listed that day in the shipped data."""
    (m2022,) = MANIFESTS.glob("2022-*-python")
    for minor, number in _listed(m2022):
        image = tags.python[minor][number]
        assert image.first <= "2022-05-24" and (image.removed is None or image.removed > "2022-05-24")


# ---- the reader refuses bad data with its own error ---------------------------------------------


def test_damaged_data_is_an_input_error(raw):
    for damage in (
        lambda d: d.pop("as_of"),
        lambda d: d["python"]["3.12"]["3.22"].update(first="yesterday"),
        lambda d: d["python"]["3.12"]["3.22"].update(versions=["3.13.0"]),
        lambda d: d["python_floating"]["alpine"].reverse(),
        lambda d: d["arches"].update(x86_64="amd64"),
        lambda d: d["source"].pop("rev"),
    ):
        data = copy.deepcopy(raw)
        damage(data)
        with pytest.raises(InputError):
            parse_published_tags(data, source="damaged")


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=30,
)


@FUZZ
@given(_JSON)
def test_fuzz_the_reader_raises_only_its_own_error(value):
    try:
        parse_published_tags(value, source="fuzz")
    except InputError:
        pass


@FUZZ
@given(st.data())
def test_fuzz_the_real_data_with_one_value_replaced(raw, data):
    damaged = copy.deepcopy(raw)
    node = damaged
    path = []
    while isinstance(node, dict) and node:
        key = data.draw(st.sampled_from(sorted(node)))
        path.append(key)
        if not isinstance(node[key], dict) or data.draw(st.booleans()):
            node[key] = data.draw(_JSON)
            break
        node = node[key]
    try:
        parse_published_tags(damaged, source="fuzz")
    except InputError:
        pass


@FUZZ
@given(st.text(max_size=60), st.one_of(st.none(), st.text(max_size=12)))
def test_fuzz_image_identity(tags, reference, at):
    try:
        identity = image_identity(reference, tags, at=at)
    except InputError:
        assert at is not None
    else:
        assert isinstance(identity.reason, str) and identity.reason
