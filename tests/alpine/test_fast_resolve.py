"""The console script's click-free path for ``apkneed resolve`` answers exactly as the click CLI does.

Each request runs twice as a whole process, through ``python -m apkneed``
(the console script's entry, which takes the fast path for the plain form)
and through :func:`apkneed.cli.main` (click), and stdout, stderr and the
exit status must be the same, byte for byte.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apkneed.__main__ import fast_resolve_args

CLICK = "import sys; from apkneed.cli import main; sys.exit(main())"


def run_both(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    fast = subprocess.run([sys.executable, "-m", "apkneed", *args], capture_output=True, text=True, env=env, timeout=120)
    slow = subprocess.run([sys.executable, "-c", CLICK, *args], capture_output=True, text=True, env=env, timeout=120)
    assert (fast.returncode, fast.stdout, fast.stderr) == (slow.returncode, slow.stdout, slow.stderr)
    return fast


@pytest.fixture()
def env(tmp_path) -> dict[str, str]:
    return {**os.environ, "APKNEED_CACHE_DIR": str(tmp_path / "cache")}


def test_same_answers_on_v317(v317_index_path, env, tmp_path):
    index = str(v317_index_path)
    ok = run_both(["resolve", "--index", index, "--arch", "aarch64", "build-base", "python3-dev"], env)
    assert ok.returncode == 0 and ok.stdout.splitlines()[-1].startswith("37 packages, ")
    as_json = run_both(["resolve", f"--index={index}", "--json", "--arch=aarch64", "build-base", "python3-dev"], env)
    assert '"install"' in as_json.stdout
    missing = run_both(["resolve", "--index", index, "--arch", "aarch64", "no-such-package-here", "musl"], env)
    assert missing.returncode == 1 and "no such package" in missing.stderr
    missing_json = run_both(["resolve", "--index", index, "--json", "--arch", "aarch64", "no-such-package-here"], env)
    assert missing_json.returncode == 1 and '"apk_exit_status"' in missing_json.stdout
    bad_atom = run_both(["resolve", "--index", index, "--arch", "aarch64", "musl>=>1"], env)
    assert bad_atom.returncode == 2 and bad_atom.stderr.startswith("apkneed: error: ")
    wrong_arch = run_both(["resolve", "--index", index, "--arch", "x86_64", "musl"], env)
    assert wrong_arch.returncode != 0 and wrong_arch.stderr.startswith("apkneed: error: ")
    no_file = run_both(["resolve", "--index", str(tmp_path / "absent.tar.gz"), "--json", "musl"], env)
    assert no_file.returncode == 2 and no_file.stdout.startswith('{"error": ')


def test_same_answers_on_two_repositories(shared_dir, env):
    v321 = shared_dir / "alpine" / "v3.21"
    args = ["resolve", "--index", str(v321 / "main" / "x86_64" / "APKINDEX.tar.gz"),
            "--index", str(v321 / "community" / "x86_64" / "APKINDEX.tar.gz"), "--arch", "x86_64",
            "py3-numpy", "py3-scipy"]
    both = run_both(args, env)
    assert both.returncode == 0 and "py3-scipy-" in both.stdout


#: what a repeat resolve from parsed copies never needs: click and the click commands (the
#: click-free apkneed.cli.run, which answers errors and JSON for both paths, is used), the network,
#: the platform probes (platformdirs and tempfile, platform), the index readers (tarfile: the copy is read)
_NEVER_ON_THE_FAST_PATH = (
    "click", "httpx", "rich", "ssl", "apkneed.cli.group", "apkneed.cli.common", "apkneed.cli.resolve",
    "apkneed.cli.world_options", "apkneed.net.http", "apkneed.alpine.sources.mirror",
    "apkneed.alpine.sources.snapshot", "platformdirs", "tempfile", "platform", "base64", "struct",
)
#: and what a repeat run does not load either (the first run checks the index's signature with
#: cryptography, which imports dataclasses and typing): apkneed's own value classes are apkneed.records',
#: its named tuples collections.namedtuple's, and its annotations need typing only when type-checked;
#: paths are text (apkneed.pathtext), so no pathlib and what it imports (urllib.parse with ipaddress, fnmatch)
_NOT_ON_A_REPEAT_RUN = ("dataclasses", "inspect", "typing", "pathlib", "urllib.parse", "ipaddress", "fnmatch")


@pytest.mark.parametrize("arch", [["--arch", "x86_64"], []], ids=["--arch", "host arch"])
def test_the_fast_path_loads_no_click_and_no_network_code(v316_index_path, env, arch):
    if not arch and os.uname().machine != "x86_64":
        pytest.fail("the host-arch case runs on x86_64 (the v3.16 index is x86_64)")
    script = (
        "import atexit, runpy, sys\n"
        f"atexit.register(lambda: print('LOADED', sorted(m for m in {_NEVER_ON_THE_FAST_PATH + ('tarfile',)!r}"
        " if m in sys.modules), file=sys.stderr))\n"
        f"atexit.register(lambda: print('REPEAT', sorted(m for m in {_NOT_ON_A_REPEAT_RUN!r}"
        " if m in sys.modules), file=sys.stderr))\n"
        "atexit.register(lambda: print('TRIM', sorted(m for m in ('pathlib', 'apkneed.cache_usage', 'dataclasses',"
        " 'inspect', 'cryptography.hazmat.primitives.serialization')"
        " if m in sys.modules), file=sys.stderr))\n"
        "runpy.run_module('apkneed', run_name='__main__')\n"
    )
    env = {k: v for k, v in env.items() if k != "XDG_CACHE_HOME"}
    env["HOME"] = env["APKNEED_CACHE_DIR"]  # the default cache root (no APKNEED_CACHE_DIR) lands in the test's dir
    del env["APKNEED_CACHE_DIR"]
    env.pop("APKNEED_CACHE_LIMIT", None)  # the default limit, as users have it (the suite sets none)
    loaded = []
    for _ in range(2):  # the first run parses the index (tarfile) and keeps its copy; the second reads the copy
        proc = subprocess.run(
            [sys.executable, "-c", script, "resolve", "--index", str(v316_index_path), *arch, "musl-dev"],
            capture_output=True, text=True, env=env, timeout=60,
        )
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.splitlines()[:2] == ["musl-1.2.3-r2", "musl-dev-1.2.3-r2"]
        loaded.append(proc.stderr)
    # the first run reads the tar (tarfile, struct) and writes the copy (atomic_write's tempfile): nothing else
    assert "LOADED ['struct', 'tarfile', 'tempfile']" in loaded[0]
    # and keeps its new cache under the default limit, checked without pathlib or cache_usage (a walk, the
    # stamp); its signature check reads the keys without cryptography's serialization package (and the
    # dataclasses and inspect it imports)
    assert "TRIM []" in loaded[0] and (Path(env["HOME"]) / ".cache" / "apkneed" / ".last-eviction").is_file()
    assert "LOADED []" in loaded[1] and "REPEAT []" in loaded[1]


@pytest.mark.parametrize("args", [
    [], ["plan", "numpy"], ["resolve"], ["resolve", "musl"],  # no --index: the world may need the network
    ["resolve", "--index", "f"],  # nothing to resolve: click's error
    ["resolve", "--index"], ["resolve", "--index=", "musl"], ["resolve", "--help", "--index", "f", "musl"],
    ["resolve", "-q", "--index", "f", "musl"], ["resolve", "--index", "f", "--arch", "amd64", "musl"],
    ["resolve", "--index", "f", "--arch", "x86_64", "--arch", "x86_64", "musl"],
    ["resolve", "--alpine", "v3.21", "musl"],  # no --offline: the mirror first
    ["resolve", "--index", "f", "--alpine", "v3.21", "--alpine", "v3.20", "musl"],
    ["resolve", "--offline", "--mirror", "https://m", "musl"], ["resolve", "--index", "f", "--", "musl"],
    ["resolve", "--index", "f", "--apk-tools", "3", "musl"], ["resolve", "--index", "f", ""],
])
def test_anything_but_the_plain_form_goes_to_click(args):
    assert fast_resolve_args(args) is None


def test_the_plain_form_is_read_as_click_reads_it():
    assert fast_resolve_args(["resolve", "--index", "a", "--index=b", "--arch", "aarch64", "--json", "x", "!y"]) == (
        ["a", "b"], None, "aarch64", False, True, ["x", "!y"])
    assert fast_resolve_args(["resolve", "--offline", "--alpine=v3.21", "py3-numpy"]) == (
        [], "v3.21", None, True, False, ["py3-numpy"])


def test_same_answers_offline_from_the_embedded_snapshot(env):
    both = run_both(["resolve", "--offline", "--alpine", "v3.21", "--arch", "x86_64", "py3-numpy"], env)
    assert both.returncode == 0 and "py3-numpy-" in both.stdout and "apkneed: warning: " in both.stderr
    as_json = run_both(["resolve", "--offline", "--alpine", "v3.16", "--arch", "x86_64", "--json", "musl"], env)
    assert as_json.returncode == 0 and '"warnings"' in as_json.stdout
    unknown = run_both(["resolve", "--offline", "--alpine", "v2.1", "--arch", "x86_64", "musl"], env)
    assert unknown.returncode != 0 and unknown.stderr.startswith("apkneed: error: ")


#: whole options as a user writes them, those only click reads included (each must send the line to click)
RESOLVE_PIECES = st.sampled_from([
    ["musl"], ["so:libc.musl-x86_64.so.1"], ["py3-numpy>=1"], ["!y"], ["--json"], ["--offline"],
    ["--index", "a"], ["--index=b"], ["--alpine", "v3.21"], ["--alpine=edge"], ["--arch", "aarch64"],
    ["--arch=x86_64"], ["--mirror", "https://m"], ["--allow-untrusted"], ["--apk-tools", "3"], ["-q"], ["-v"],
    ["--arch", "amd64"], ["--index", "@t=x"], ["x@t"], ["--nope"],
])
#: single words that change how a command line reads
RESOLVE_WORDS = ["", "-", "--", "-h", "--json=1", "--index", "--index=", "--alpine", "--arch", "--arch=", "resolve",
                 "plan", "@t"]


#: a world and a request (without them no line is the fast path's), placed anywhere among the other pieces
RESOLVE_LINES = st.tuples(
    st.sampled_from([["--index", "a"], ["--index=b"], ["--offline"]]), st.sampled_from([["musl"], ["py3-numpy>=1"]]),
    st.lists(RESOLVE_PIECES | st.sampled_from(RESOLVE_WORDS).map(lambda word: [word]), max_size=5),
).flatmap(lambda drawn: st.permutations([drawn[0], drawn[1], *drawn[2]]))


@settings(max_examples=400, deadline=None)
@given(RESOLVE_LINES)
def test_fuzz_the_fast_reading_against_clicks(pieces):
    """Whatever the words: a form the fast path reads is one click reads too, to the very same options."""
    from pathlib import Path

    from apkneed.alpine.sources.release import DEFAULT_MIRROR
    from apkneed.cli.resolve import resolve_command

    words = [word for piece in pieces for word in piece]
    found = fast_resolve_args(["resolve", *words])
    if found is None:
        return  # click's to read, error or not
    indexes, release, arch, offline, as_json, request = found
    ctx = resolve_command.make_context("resolve", words)  # a usage error here fails the test: click refuses it
    params, state = ctx.params, ctx.meta.get("apkneed", {})
    assert (params["index_paths"], params["release"], params["arch"], params["offline"], params["as_json"],
            params["request"]) == (tuple(Path(p) for p in indexes), release, arch, offline, as_json, tuple(request))
    assert (params["mirror"], params["allow_untrusted"], params["apk_tools"]) == (DEFAULT_MIRROR, False, None)
    assert not state.get("quiet", False) and not state.get("verbose", False)
