"""Fetching indexes from a mirror (a local one, built from the shared real
indexes): the cache, revalidation, faults, tampering, release names."""

from __future__ import annotations

import hashlib
import json

import pytest
from mirror_server import index_streams, shared_index, shared_releases_mirror, touch_gzip_mtime

from apkneed.alpine.sources.mirror import (
    FetchPolicy,
    TrustSettings,
    alpine_cache,
    cached_release,
    fetch_index,
    fetch_release,
    index_url,
    normalize_mirror,
)
from apkneed.alpine.sources.release import release_from_description, validate_release
from apkneed.alpine.sources.signature import load_keys
from apkneed.errors import EnvironmentFailure, InputError, IntegrityError
from apkneed.net.http import make_client

FAST = FetchPolicy(retries=2, backoff=0.0, timeout=5.0)
V316_PATH = "/alpine/v3.16/main/x86_64/APKINDEX.tar.gz"


@pytest.fixture(scope="module")
def trust():
    return TrustSettings(load_keys())


@pytest.fixture()
def mirror(httpserver, shared_dir):
    return shared_releases_mirror(httpserver, shared_dir)


@pytest.fixture()
def client():
    with make_client(timeout=5.0) as c:
        yield c


def fetch_v316(client, cache, mirror, trust, **kwargs):
    url = index_url(mirror.url, "v3.16", "main", "x86_64")
    return fetch_index(client, cache, url, repository="main", arch="x86_64", trust=trust, policy=FAST, **kwargs)


def cache_files(cache_dir):
    root = cache_dir / "alpine"
    return sorted(p for p in root.iterdir() if not p.name.startswith(".")) if root.exists() else []


def test_first_fetch_is_cached_and_the_second_revalidates_with_304(mirror, client, trust, isolated_cache):
    cache = alpine_cache()
    first = fetch_v316(client, cache, mirror, trust)
    assert not first.from_cache
    assert len(first.index.packages) == 4929 and first.verification.trusted
    assert first.index.source == mirror.url + "/v3.16/main/x86_64/APKINDEX.tar.gz"
    body, meta = cache.load(first.url)
    assert body == mirror.files[V316_PATH]
    assert meta["etag"] and meta["last_modified"]
    assert [p.suffix for p in cache_files(isolated_cache)] == [".body", ".meta"]

    second = fetch_v316(client, cache, mirror, trust)
    assert second.from_cache
    assert [p.nv for p in second.index.packages] == [p.nv for p in first.index.packages]
    first_headers, second_headers = mirror.requests_to(V316_PATH)
    assert "If-None-Match" not in first_headers
    assert second_headers["If-None-Match"] == meta["etag"]
    assert second_headers["If-Modified-Since"] == meta["last_modified"]


def test_a_corrupted_cache_body_is_refetched_not_used(mirror, client, trust, isolated_cache):
    cache = alpine_cache()
    fetch_v316(client, cache, mirror, trust)
    body_file = next(p for p in cache_files(isolated_cache) if p.suffix == ".body")
    data = bytearray(body_file.read_bytes())
    data[1000] ^= 0xFF
    body_file.write_bytes(bytes(data))

    again = fetch_v316(client, cache, mirror, trust)
    assert not again.from_cache
    assert "If-None-Match" not in mirror.requests_to(V316_PATH)[-1]  # the broken copy was not offered
    assert body_file.read_bytes() == mirror.files[V316_PATH]


def test_a_partial_cache_body_is_refetched(mirror, client, trust, isolated_cache):
    cache = alpine_cache()
    fetch_v316(client, cache, mirror, trust)
    body_file = next(p for p in cache_files(isolated_cache) if p.suffix == ".body")
    body_file.write_bytes(body_file.read_bytes()[:5000])
    assert cache.load(mirror.url + "/v3.16/main/x86_64/APKINDEX.tar.gz") is None
    assert not fetch_v316(client, cache, mirror, trust).from_cache


def test_a_cached_copy_rewritten_consistently_still_fails_its_signature(mirror, client, trust, isolated_cache):
    # Someone replaced body and meta together, so the sha256 matches: the signature check catches it.
    cache = alpine_cache()
    fetch_v316(client, cache, mirror, trust)
    sig, idx = index_streams(mirror.files[V316_PATH])
    forged = sig + touch_gzip_mtime(idx)
    body_file = next(p for p in cache_files(isolated_cache) if p.suffix == ".body")
    meta_file = body_file.with_suffix(".meta")
    meta = json.loads(meta_file.read_text())
    meta["sha256"] = hashlib.sha256(forged).hexdigest()
    body_file.write_bytes(forged)
    meta_file.write_text(json.dumps(meta))

    again = fetch_v316(client, cache, mirror, trust)
    assert not again.from_cache and again.verification.trusted
    assert body_file.read_bytes() == mirror.files[V316_PATH]


def test_a_truncated_response_is_retried_and_never_cached(mirror, client, trust, isolated_cache):
    mirror.fail_next(V316_PATH, "truncate", "truncate", "truncate")
    with pytest.raises(EnvironmentFailure, match=r"^cannot reach localhost:\d+: peer closed connection without sending complete message body .*\(after 3 attempts"):
        fetch_v316(client, alpine_cache(), mirror, trust)
    assert len(mirror.requests_to(V316_PATH)) == 3
    assert cache_files(isolated_cache) == []


def test_one_truncated_response_then_a_good_one(mirror, client, trust, isolated_cache):
    mirror.fail_next(V316_PATH, "truncate")
    fetched = fetch_v316(client, alpine_cache(), mirror, trust)
    assert len(fetched.index.packages) == 4929
    assert len(mirror.requests_to(V316_PATH)) == 2


def test_a_server_error_then_success_is_retried(mirror, client, trust, isolated_cache):
    mirror.fail_next(V316_PATH, "500")
    fetched = fetch_v316(client, alpine_cache(), mirror, trust)
    assert fetched.verification.trusted
    assert len(mirror.requests_to(V316_PATH)) == 2


def test_a_tampered_index_is_refused_and_not_cached(mirror, client, trust, isolated_cache):
    sig, idx = index_streams(mirror.files[V316_PATH])
    mirror.files[V316_PATH] = sig + touch_gzip_mtime(idx)
    with pytest.raises(IntegrityError, match=r"/v3.16/main/x86_64/APKINDEX.tar.gz: BAD signature by .*6165ee59"):
        fetch_v316(client, alpine_cache(), mirror, trust)
    assert cache_files(isolated_cache) == []


def test_a_tampered_index_is_used_with_allow_untrusted_and_a_warning(mirror, client, isolated_cache):
    sig, idx = index_streams(mirror.files[V316_PATH])
    mirror.files[V316_PATH] = sig + touch_gzip_mtime(idx)
    lenient = TrustSettings(load_keys(), allow_untrusted=True)
    cache = alpine_cache()
    got = fetch_release(client, cache, mirror.url, "v3.16", "x86_64", ("main",), trust=lenient, policy=FAST)
    assert len(got.indexes[0].index.packages) == 4929
    assert got.warnings == (
        f"{mirror.url}/v3.16/main/x86_64/APKINDEX.tar.gz: BAD signature by "
        "alpine-devel@lists.alpinelinux.org-6165ee59.rsa.pub (the index was modified or corrupted); "
        "used anyway because of --allow-untrusted",
    )
    # What was let in under --allow-untrusted is not trusted later without it.
    strict = TrustSettings(load_keys())
    assert cached_release(cache, mirror.url, "v3.16", "x86_64", ("main",), trust=strict) is None


def test_something_that_is_not_an_index_is_an_integrity_error(mirror, client, trust, isolated_cache):
    mirror.files[V316_PATH] = b"<html>captive portal</html>"
    with pytest.raises(IntegrityError, match="not gzip data"):
        fetch_v316(client, alpine_cache(), mirror, trust)


def test_an_index_for_another_arch_is_refused(mirror, client, trust, isolated_cache):
    mirror.add("v3.16", "main", "aarch64", mirror.files[V316_PATH])
    with pytest.raises(IntegrityError, match="index is for x86_64, not aarch64"):
        fetch_release(client, alpine_cache(), mirror.url, "v3.16", "aarch64", ("main",), trust=trust, policy=FAST)


def test_latest_stable_is_resolved_to_the_release_it_is(mirror, client, trust, isolated_cache, shared_dir):
    # Stand-in community index: the real signed v3.17 main bytes, served where community lives.
    mirror.add("v3.17", "community", "aarch64", shared_index(shared_dir, "v3.17", "aarch64"))
    got = fetch_release(
        client, alpine_cache(), mirror.url, "latest-stable", "aarch64", ("main", "community"), trust=trust, policy=FAST
    )
    assert got.release == "v3.17"
    assert [i.repository for i in got.indexes] == ["main", "community"]
    # community was asked for under the resolved release, never under the moving alias
    paths = [p for p, _ in mirror.requests]
    assert paths == ["/alpine/latest-stable/main/aarch64/APKINDEX.tar.gz", "/alpine/v3.17/community/aarch64/APKINDEX.tar.gz"]
    assert got.warnings == ()


def test_a_missing_community_repository_is_a_warning(mirror, client, trust, isolated_cache):
    got = fetch_release(client, alpine_cache(), mirror.url, "v3.16", "x86_64", ("main", "community"), trust=trust, policy=FAST)
    assert [i.repository for i in got.indexes] == ["main"]
    assert got.warnings == (f"Alpine v3.16 has no community repository for x86_64 on {mirror.url}; going on without it",)


def test_an_unknown_release_is_one_input_error(mirror, client, trust, isolated_cache):
    with pytest.raises(InputError) as error:
        fetch_release(client, alpine_cache(), mirror.url, "v9.99", "x86_64", ("main", "community"), trust=trust, policy=FAST)
    assert str(error.value).startswith(f"Alpine release v9.99 not found on {mirror.url} (no main index for x86_64")
    assert "\n" not in str(error.value)
    assert len(mirror.requests) == 1  # a 404 is an answer, not retried


def test_progress_is_reported_up_to_the_full_size(mirror, client, trust, isolated_cache):
    seen = []
    fetch_v316(client, alpine_cache(), mirror, trust, progress=lambda url, done, total: seen.append((url, done, total)))
    size = len(mirror.files[V316_PATH])
    assert seen and seen[-1] == (mirror.url + "/v3.16/main/x86_64/APKINDEX.tar.gz", size, size)
    assert [done for _, done, _ in seen] == sorted(done for _, done, _ in seen)


def test_the_cache_alone_gives_the_same_release(mirror, client, trust, isolated_cache):
    cache = alpine_cache()
    assert cached_release(cache, mirror.url, "latest-stable", "aarch64", ("main",), trust=trust) is None
    fetch_release(client, cache, mirror.url, "latest-stable", "aarch64", ("main",), trust=trust, policy=FAST)
    requests_before = len(mirror.requests)
    cached = cached_release(cache, mirror.url, "latest-stable", "aarch64", ("main", "community"), trust=trust)
    assert cached.release == "v3.17" and cached.indexes[0].from_cache
    assert cached.warnings == ("no cached community index for Alpine v3.17 aarch64; going on without it",)
    assert len(mirror.requests) == requests_before


@pytest.mark.parametrize(
    ("description", "release"),
    [("v3.22.2-12-g0123abcd", "v3.22"), ("v3.16.3-13-g4d933a1fa3", "v3.16"), ("v3.9.0", "v3.9"),
     ("v20250108-1234-gabcdef", None), ("", None), (None, None), ("custom repo", None)],
)
def test_release_from_description(description, release):
    assert release_from_description(description) == release


@pytest.mark.parametrize("bad", ["3.16", "v3", "v3.16.1", "stable", "latest", "v3.16/../x", ""])
def test_release_syntax_is_checked(bad):
    with pytest.raises(InputError, match="invalid Alpine release"):
        validate_release(bad)


@pytest.mark.parametrize("bad", ["dl-cdn.alpinelinux.org/alpine", "ftp://mirror/alpine", "https://", "file:///srv/alpine"])
def test_mirror_must_be_an_http_url(bad):
    with pytest.raises(InputError, match="invalid --mirror"):
        normalize_mirror(bad)


def test_mirror_trailing_slash_is_dropped():
    assert normalize_mirror("https://mirror.example/alpine/") == "https://mirror.example/alpine"
