"""load_world: --index paths, the mirror, the cache and the snapshot, in that order."""

from __future__ import annotations

import io
import shutil
import socket

import click
import pytest
from click.testing import CliRunner
from mirror_server import index_streams, shared_releases_mirror, touch_gzip_mtime
from rich.console import Console

from apkneed.alpine.sources.mirror import FetchPolicy
from apkneed.alpine.sources.world import load_world
from apkneed.cli.common import json_option, reports_errors, warn
from apkneed.cli.options import alpine_options, download_progress, world_from_options
from apkneed.errors import EnvironmentFailure, InputError, IntegrityError

FAST = FetchPolicy(retries=1, backoff=0.0, timeout=5.0)
V316_SNAPSHOT_LINE = (
    "using the embedded snapshot: Alpine v3.16 main x86_64 of 2022-11-21 "
    "(community is not in the offline snapshot for v3.16)"
)


@pytest.fixture()
def mirror(httpserver, shared_dir):
    return shared_releases_mirror(httpserver, shared_dir)


@pytest.fixture()
def dead_mirror():
    """A mirror URL on a local port nothing listens on: connection refused, at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/alpine"


def test_the_mirror_gives_a_verified_world(mirror, isolated_cache):
    world = load_world(release="v3.16", arch="x86_64", mirror=mirror.url, policy=FAST)
    assert (world.release, world.arch) == ("v3.16", "x86_64")
    assert sum(1 for _ in world.packages) == 4929
    assert world.origin == f"mirror {mirror.url} (v3.16 main x86_64)"
    # community is not on this mirror: said once, and the world goes on with main
    assert world.warnings == (f"Alpine v3.16 has no community repository for x86_64 on {mirror.url}; going on without it",)
    # ... and the world itself knows it, for every negative answer to say
    assert world.held == ("main",)
    assert world.scope() == f"in v3.16 main (community is not on {mirror.url} for v3.16 x86_64)"


def test_the_default_release_is_latest_stable_resolved(mirror, isolated_cache):
    world = load_world(arch="aarch64", mirror=mirror.url, repositories=("main",), policy=FAST)
    assert world.release == "v3.17"
    assert mirror.requests[0][0] == "/alpine/latest-stable/main/aarch64/APKINDEX.tar.gz"


def test_an_unreachable_mirror_falls_back_to_the_snapshot_with_one_warning(dead_mirror, isolated_cache):
    world = load_world(release="v3.16", arch="x86_64", mirror=dead_mirror, policy=FAST)
    assert world.release == "v3.16"
    assert world.origin == "embedded snapshot (Alpine v3.16 main x86_64 of 2022-11-21)"
    assert sum(1 for _ in world.packages) == 4929
    (line,) = world.warnings
    host = dead_mirror.split("/")[2]
    assert line.startswith(f"mirror unreachable (cannot reach {host}: ")
    assert line.endswith(f"; {V316_SNAPSHOT_LINE}")


def test_an_unreachable_mirror_uses_a_valid_cached_copy_first(mirror, isolated_cache):
    load_world(release="v3.16", arch="x86_64", mirror=mirror.url, repositories=("main",), policy=FAST)
    mirror.fail_next("/alpine/v3.16/main/x86_64/APKINDEX.tar.gz", "500", "500")
    world = load_world(release="v3.16", arch="x86_64", mirror=mirror.url, repositories=("main",), policy=FAST)
    assert world.origin == f"cache of mirror {mirror.url} (v3.16 main x86_64)"
    assert (world.held, world.absent) == (("main",), ())  # only main was asked for
    assert world.warnings == (
        f"mirror unreachable ({mirror.url}/v3.16/main/x86_64/APKINDEX.tar.gz: HTTP 500); "
        "using the cached indexes: Alpine v3.16 main x86_64 of 2022-11-21",
    )


def test_offline_never_touches_the_network(mirror, isolated_cache):
    world = load_world(release="v3.16", arch="x86_64", mirror=mirror.url, offline=True)
    assert mirror.requests == []
    assert world.warnings == (f"offline (--offline); {V316_SNAPSHOT_LINE}",)


def test_offline_uses_the_cache_without_the_network(mirror, isolated_cache):
    load_world(arch="aarch64", mirror=mirror.url, repositories=("main",), policy=FAST)
    asked = len(mirror.requests)
    world = load_world(arch="aarch64", mirror=mirror.url, repositories=("main",), offline=True)
    assert len(mirror.requests) == asked
    assert world.release == "v3.17"
    assert world.origin == f"cache of mirror {mirror.url} (v3.17 main aarch64)"
    assert world.warnings == ()


def test_offline_default_release_is_the_snapshots_for_the_arch(isolated_cache):
    assert load_world(arch="aarch64", offline=True).release == "v3.17"
    newest = load_world(arch="x86_64", offline=True)
    assert newest.release == "v3.23"
    assert newest.origin == "embedded snapshot (Alpine v3.23 main x86_64 of 2026-04-18)"
    assert newest.warnings == (
        "offline (--offline); using the embedded snapshot: Alpine v3.23 main x86_64 of 2026-04-18 "
        "(community is not in the offline snapshot for v3.23)",
    )
    assert newest.scope() == "in v3.23 main (community is not in the offline snapshot for v3.23)"
    both = load_world(release="v3.21", arch="x86_64", offline=True)
    assert [(i.repository, len(i.packages)) for i in both.indexes] == [("main", 5538), ("community", 19854)]
    # the release, its repositories and the date of its newest package (community's, a day after main's)
    assert both.warnings == (
        "offline (--offline); using the embedded snapshot: Alpine v3.21 main+community x86_64 of 2025-02-14",
    )
    assert (both.held, both.absent, both.scope()) == (("main", "community"), (), "in v3.21 main+community")
    assert both.to_json() == {
        "alpine": "v3.21", "arch": "x86_64", "repositories": ["main", "community"], "absent_repositories": [],
        "index": "embedded snapshot (Alpine v3.21 main+community x86_64 of 2025-02-14)",
    }


def test_offline_without_that_release_lists_what_the_snapshot_has(isolated_cache):
    # The mirror that would have it is out of reach: the environment's failure (exit 3), not bad input.
    with pytest.raises(EnvironmentFailure) as error:
        load_world(release="v3.22", arch="x86_64", offline=True)
    assert error.value.exit_code == 3 and not isinstance(error.value, IntegrityError)
    assert str(error.value) == (
        "offline (--offline), no cached index, and the embedded snapshot has no Alpine v3.22 x86_64 "
        "(it has: Alpine v3.17 main aarch64 of 2023-05-27, Alpine v3.16 main x86_64 of 2022-11-21, "
        "Alpine v3.21 main+community x86_64 of 2025-02-14, Alpine v3.23 main x86_64 of 2026-04-18)"
    )
    with pytest.raises(EnvironmentFailure, match=r"the embedded snapshot has nothing for s390x \(it has: Alpine v3.17"):
        load_world(arch="s390x", offline=True)


def test_an_unreachable_mirror_and_a_release_not_embedded_is_exit_3(dead_mirror, isolated_cache):
    with pytest.raises(EnvironmentFailure) as error:
        load_world(release="v3.20", arch="x86_64", mirror=dead_mirror, policy=FAST)
    message = str(error.value)
    assert message.startswith("mirror unreachable (cannot reach ")
    assert message.endswith(
        "no cached index, and the embedded snapshot has no Alpine v3.20 x86_64 (it has: Alpine v3.17 main aarch64 "
        "of 2023-05-27, Alpine v3.16 main x86_64 of 2022-11-21, Alpine v3.21 main+community x86_64 of 2025-02-14, "
        "Alpine v3.23 main x86_64 of 2026-04-18)"
    )


def test_an_unknown_release_is_one_line(mirror, isolated_cache):
    with pytest.raises(InputError, match=rf"^Alpine release v9\.99 not found on {mirror.url} "):
        load_world(release="v9.99", arch="x86_64", mirror=mirror.url, policy=FAST)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"release": "3.16"}, "invalid Alpine release '3.16'"),
        ({"arch": "mips"}, "unknown Alpine arch 'mips'"),
        ({"repositories": ("../main",)}, "invalid Alpine repository name"),
    ],
)
def test_bad_input_is_refused_before_any_network(mirror, isolated_cache, kwargs, message):
    kwargs = {"arch": "x86_64", **kwargs}
    with pytest.raises(InputError, match=message):
        load_world(mirror=mirror.url, policy=FAST, **kwargs)
    assert mirror.requests == []


def test_a_tampered_mirror_index_is_refused_not_replaced_by_the_snapshot(mirror, isolated_cache):
    path = "/alpine/v3.16/main/x86_64/APKINDEX.tar.gz"
    sig, idx = index_streams(mirror.files[path])
    mirror.files[path] = sig + touch_gzip_mtime(idx)
    with pytest.raises(IntegrityError, match="BAD signature"):
        load_world(release="v3.16", arch="x86_64", mirror=mirror.url, policy=FAST)
    world = load_world(release="v3.16", arch="x86_64", mirror=mirror.url, repositories=("main",),
                       allow_untrusted=True, policy=FAST)
    assert len(world.warnings) == 1 and world.warnings[0].endswith("used anyway because of --allow-untrusted")


def test_index_directory_laid_out_like_a_mirror(tmp_path, shared_dir, isolated_cache):
    shutil.copytree(shared_dir / "alpine" / "v3.16", tmp_path / "v3.16")
    shutil.copytree(shared_dir / "alpine" / "v3.17", tmp_path / "v3.17")
    x86 = load_world(index_paths=[tmp_path], arch="x86_64")
    assert x86.release == "v3.16"  # read from the index's DESCRIPTION
    assert [i.repository for i in x86.indexes] == ["main"]
    assert x86.warnings == ()
    assert x86.scope() == "in v3.16 main (community was not given with --index)"
    arm = load_world(index_paths=[tmp_path], arch="aarch64")
    assert (arm.release, sum(1 for _ in arm.packages)) == ("v3.17", 5004)


def test_index_directory_with_two_releases_for_one_arch_needs_alpine(tmp_path, shared_dir):
    for release in ("v3.16", "v3.15"):
        target = tmp_path / release / "main" / "x86_64"
        target.mkdir(parents=True)
        shutil.copy(shared_dir / "alpine" / "v3.16" / "main" / "x86_64" / "APKINDEX.tar.gz", target)
    with pytest.raises(InputError, match=r"holds several releases for x86_64 \(v3.15, v3.16\); pass --alpine"):
        load_world(index_paths=[tmp_path], arch="x86_64")
    assert load_world(index_paths=[tmp_path], release="v3.16", arch="x86_64").release == "v3.16"


def test_index_files_are_verified_too(tmp_path, v316_index_path):
    sig, idx = index_streams(v316_index_path.read_bytes())
    tampered = tmp_path / "main" / "x86_64" / "APKINDEX.tar.gz"
    tampered.parent.mkdir(parents=True)
    tampered.write_bytes(sig + touch_gzip_mtime(idx))
    with pytest.raises(IntegrityError, match=rf"^{tampered}: BAD signature"):
        load_world(index_paths=[tampered], arch="x86_64")
    world = load_world(index_paths=[tampered], arch="x86_64", allow_untrusted=True)
    assert world.warnings == (
        f"{tampered}: BAD signature by alpine-devel@lists.alpinelinux.org-6165ee59.rsa.pub "
        "(the index was modified or corrupted); used anyway because of --allow-untrusted",
    )


def test_a_plain_apkindex_needs_allow_untrusted(tmp_path):
    plain = tmp_path / "APKINDEX"
    plain.write_text("P:hello\nV:1.0-r0\nA:x86_64\nD:so:libc.musl-x86_64.so.1\n\n")
    with pytest.raises(IntegrityError, match="index is not signed; refused"):
        load_world(index_paths=[plain], arch="x86_64")
    world = load_world(index_paths=[plain], arch="x86_64", allow_untrusted=True)
    assert [p.nv for p in world.packages] == ["hello-1.0-r0"]
    assert world.release is None


# --- through the command-line options -------------------------------------------------------


@click.command()
@alpine_options
@json_option
@reports_errors
def show_world(alpine, as_json):
    world = world_from_options(alpine, warn=warn)
    click.echo(f"{world.release} {world.arch} {sum(1 for _ in world.packages)}")


def test_cli_offline_prints_the_answer_and_one_warning(mirror, isolated_cache):
    result = CliRunner().invoke(show_world, ["--offline", "--arch", "x86_64", "--alpine", "v3.16", "--mirror", mirror.url])
    assert result.exit_code == 0
    assert result.stdout == "v3.16 x86_64 4929\n"
    assert result.stderr == f"apkneed: warning: offline (--offline); {V316_SNAPSHOT_LINE}\n"
    assert mirror.requests == []


def test_cli_errors_are_one_line_with_their_exit_status(mirror, isolated_cache, tmp_path, v316_index_path):
    result = CliRunner().invoke(show_world, ["--alpine", "v9.99", "--arch", "x86_64", "--mirror", mirror.url])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.startswith(f"apkneed: error: Alpine release v9.99 not found on {mirror.url}")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr

    sig, idx = index_streams(v316_index_path.read_bytes())
    (tmp_path / "APKINDEX.tar.gz").write_bytes(sig + touch_gzip_mtime(idx))
    result = CliRunner().invoke(show_world, ["--index", str(tmp_path), "--arch", "x86_64"])
    assert result.exit_code == 3
    assert "BAD signature" in result.stderr and result.stderr.count("\n") == 1


def test_progress_bars_only_on_a_terminal():
    with download_progress(Console(file=io.StringIO(), force_terminal=False)) as progress:
        assert progress is None
    screen = io.StringIO()
    with download_progress(Console(file=screen, force_terminal=True, width=100)) as progress:
        progress("https://m/alpine/v3.22/main/x86_64/APKINDEX.tar.gz", 512, 1024)
        progress("https://m/alpine/v3.22/main/x86_64/APKINDEX.tar.gz", 1024, 1024)
    assert "v3.22/main/x86_64" in screen.getvalue()
