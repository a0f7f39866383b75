"""What a requirement set installs on an Alpine target, resolved by uv.

Resolution is uv's job, never ours: ``uv pip compile`` is a real resolver
that can target another platform, so markers and extras are evaluated for
the TARGET (musl, its architecture, its Python), not for the machine apkneed
runs on. The ``uv`` PyPI package ships the binary (``uv.find_uv_bin()``).

The call, in a temporary directory::

    uv pip compile requested.txt [-c constraints.txt]
        --python-platform {x86_64,aarch64}-unknown-linux-musl --python-version X.Y[.Z]
        --index-url http://127.0.0.1:<port>/<token>/simple --no-cache
        --no-strip-extras --annotation-style split
        --no-header --no-config --no-python-downloads --python <this interpreter>

* The index uv reads is :mod:`apkneed.python.local_index`: apkneed's own
  :class:`~apkneed.python.pypi.PyPIClient` (the one the plan reads files
  with, when the caller passes it as ``client``) serves the pages, files and
  core metadata of the index apkneed's config chose
  (:mod:`apkneed.python.config`), so uv keeps no cache (``--no-cache``: no
  second copy of the project pages on disk), every page is fetched once per
  run for the resolution and the plan together, and every byte is counted
  in the client's ``bytes_downloaded``. The client revalidates its pages,
  and when the index cannot be reached it serves the pages it has cached,
  with a warning ("using the page of X cached at ..."); with nothing cached
  its own one-line error is raised.
* uv's ``*-unknown-linux-musl`` platforms mean musllinux_1_2 (Alpine >= 3.13);
  uv offers no musl target for other architectures, so only x86_64 and
  aarch64 can be resolved (an InputError says so).
* ``--no-config`` and a scrubbed environment (no ``UV_*`` variables) keep the
  user's uv settings out. ``network_retries`` sets the retry count of the
  client resolve_requirements opens when none is given (and uv's own,
  ``UV_HTTP_RETRIES``, for its requests to the local server).
* An sdist without static metadata is built by uv on THIS machine with this
  interpreter to learn its dependencies; uv warns that the target version is
  not installed. Dependencies computed by a build can differ on the target.
* ``requested_by`` comes from uv's ``# via`` annotations: the names of the
  distributions that depend on the pin; ``direct`` marks the user's own.

Failures are one line keeping uv's key sentence: an unknown project or a
version that does not exist among the user's requirements is an InputError;
conflicts and an unsupported Python are an UnsatisfiableError; network,
build and tool trouble an EnvironmentFailure.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Mapping, Sequence

from apkneed.cache import default_cache_root
from apkneed.errors import ApkneedError, EnvironmentFailure, InputError, UnsatisfiableError
from apkneed.python.names import canonical_name
from apkneed.python.tags import parse_python_version, wheel_arch
from apkneed.records import Frozen, set_field

if TYPE_CHECKING:
    # A warm plan reads its resolution from the cache and only needs Pin: uv's
    # subprocess, packaging's requirement parser and pip's configuration load with a resolution.
    import subprocess

    from packaging.requirements import Requirement

    from apkneed.python.pypi import PyPIClient

#: wheel architecture -> uv's --python-platform triple (uv has no other musl targets)
UV_MUSL_PLATFORMS = {
    "x86_64": "x86_64-unknown-linux-musl",
    "aarch64": "aarch64-unknown-linux-musl",
}
REQUESTED_FILE = "requested.txt"
CONSTRAINTS_FILE = "constraints.txt"

_NETWORK_SIGNS = (
    "Failed to fetch", "error sending request", "Request failed after", "dns error",
    "tcp connect error", "client error (Connect)", "Could not connect", "operation timed out",
    "Network is unreachable", "connection closed",
)
_BUILD_SIGNS = ("Failed to build", "Failed to download and build", "Failed to prepare distributions")


class Pin(Frozen):
    """One distribution the requirement set installs on the target."""

    __slots__ = ("name", "version", "requested_by", "direct", "extras")

    name: str  # canonical
    version: str
    requested_by: tuple[str, ...]  # canonical names of the pins that depend on it
    direct: bool  # the user asked for it (it may also be a dependency)
    extras: tuple[str, ...]

    def __init__(
        self,
        name: str,
        version: str,
        requested_by: tuple[str, ...],
        direct: bool,
        extras: tuple[str, ...] = (),
    ) -> None:
        set_field(self, "name", name)
        set_field(self, "version", version)
        set_field(self, "requested_by", requested_by)
        set_field(self, "direct", direct)
        set_field(self, "extras", extras)


#: the whole `uv pip compile` run: a cold resolution of a large tree takes
#: tens of seconds; a trickling index must not hold a plan for longer
UV_DEADLINE = 300.0
#: seconds uv may wait on one silent read of the local server: as long as the
#: whole run, since the server's answer waits on apkneed's client, which has
#: its own deadlines (see uv_environment)
UV_READ_TIMEOUT = int(UV_DEADLINE)


def resolve_requirements(
    requirements: Sequence[str],
    *,
    python_version: str,
    arch: str,
    index_url: str | None = None,
    constraints: Sequence[str] = (),
    prerelease: bool = False,
    cache_root: Path | None = None,
    warn: Callable[[str], None] | None = None,
    uv_bin: str | None = None,
    timeout: float = UV_DEADLINE,
    network_retries: int | None = None,
    client: PyPIClient | None = None,
) -> list[Pin]:
    """Every pinned distribution ``requirements`` install on the target, sorted by name."""
    import tempfile

    from apkneed.python.config import index_config, redact

    version = ".".join(map(str, parse_python_version(python_version)))
    machine = wheel_arch(arch)
    if machine not in UV_MUSL_PLATFORMS:
        raise InputError(
            f"cannot resolve for {arch}: uv resolves for musl only on {' and '.join(UV_MUSL_PLATFORMS)}"
        )
    if not requirements:
        raise InputError("nothing to resolve: no requirements given")
    requested = {_checked(text).name: None for text in requirements}
    for text in constraints:
        _checked(text)
    requested_names = {canonical_name(n) for n in requested}
    config = index_config(index_url)
    uv = uv_bin or _find_uv()
    target = f"Python {version} on {UV_MUSL_PLATFORMS[machine]}"
    with contextlib.ExitStack() as stack:
        if client is None:
            from apkneed.python.pypi import PyPIClient

            root = cache_root if cache_root is not None else default_cache_root()
            retries = {} if network_retries is None else {"retries": network_retries}
            client = stack.enter_context(
                PyPIClient(config.index_url, cache_root=root / "pypi", warn=warn, **retries))
        from apkneed.python.local_index import LocalIndex  # http.server: only when uv runs

        index = stack.enter_context(LocalIndex(client))
        workdir = stack.enter_context(tempfile.TemporaryDirectory(prefix="apkneed-resolve-"))
        Path(workdir, REQUESTED_FILE).write_text("\n".join(requirements) + "\n")
        command = [
            uv, "pip", "compile", REQUESTED_FILE,
            "--python-platform", UV_MUSL_PLATFORMS[machine],
            "--python-version", version,
            "--index-url", index.url,
            "--python", sys.executable,
            "--no-cache",
            "--no-strip-extras", "--annotation-style", "split",
            "--no-header", "--no-config", "--no-python-downloads", "--no-progress",
            "--color", "never",
        ]
        if constraints:
            Path(workdir, CONSTRAINTS_FILE).write_text("\n".join(constraints) + "\n")
            command += ["-c", CONSTRAINTS_FILE]
        if prerelease:
            command += ["--prerelease", "allow"]
        environ = uv_environment(os.environ, config.verify)
        if network_retries is not None:
            environ["UV_HTTP_RETRIES"] = str(network_retries)
        result = _run(command, workdir, environ, timeout)
        if result.returncode != 0:
            if index.failure is not None:  # the index itself failed: apkneed's own words, not uv's
                raise index.failure
            # uv names the URLs it read: the index the user chose, not the local server
            stderr = result.stderr.replace(index.url, redact(config.index_url)).replace(
                index.local_urls, redact(config.index_url))
            failure = uv_failure(stderr, requested_names, config.index_url, target)
            raise _with_suggestion(failure, stderr, config.index_url, config.verify)
    return parse_compiled(result.stdout)


def uv_environment(environ: Mapping[str, str], verify: str | bool) -> dict[str, str]:
    """The environment for uv: the caller's, without uv settings, with the CA bundle.

    uv reaches the index only through the local server, whose answers wait
    on apkneed's client (net.http's deadlines: 30 s a request, longer for a
    body still arriving fast enough). uv's own silent-read limit must not cut
    that wait short and report a working index as unreachable, so it is
    ``UV_READ_TIMEOUT``, as long as the whole run (``UV_DEADLINE``). The CA
    bundle stays for a build backend uv runs. A proxy the caller sets
    (``HTTP_PROXY``, ``ALL_PROXY``) cannot reach this machine's loopback, so
    127.0.0.1 is added to ``NO_PROXY`` (and ``no_proxy``).
    """
    clean = {k: v for k, v in environ.items() if not k.startswith("UV_") and k != "VIRTUAL_ENV"}
    clean["UV_HTTP_TIMEOUT"] = str(UV_READ_TIMEOUT)
    for key in ("NO_PROXY", "no_proxy"):
        clean[key] = ",".join(part for part in (clean.get(key, ""), "127.0.0.1") if part)
    if isinstance(verify, str):
        clean["SSL_CERT_FILE"] = verify
    return clean


def parse_compiled(text: str) -> list[Pin]:
    """Pins from ``uv pip compile`` output in the split annotation style."""
    from packaging.requirements import Requirement

    entries: list[tuple[str, str, tuple[str, ...], list[str]]] = []
    in_via = False
    for line in text.splitlines():
        if not line.strip():
            continue
        if not line[0].isspace() and not line.startswith("#"):
            requirement = Requirement(line.split(";")[0].strip())
            specifier = str(requirement.specifier)
            if not specifier.startswith("=="):
                raise EnvironmentFailure(f"uv printed an unpinned line: {line!r}")
            entries.append((requirement.name, specifier[2:], tuple(sorted(requirement.extras)), []))
            in_via = False
            continue
        comment = line.strip().lstrip("#").strip()
        if comment.startswith("via"):
            in_via = True
            rest = comment[3:].strip()
            if rest and entries:
                entries[-1][3].append(rest)
        elif in_via and entries and comment:
            entries[-1][3].append(comment)
    pins = []
    for name, version, extras, sources in entries:
        direct = any(s.startswith(("-r ", "-c ")) for s in sources)
        parents = tuple(sorted({canonical_name(s) for s in sources if not s.startswith("-")}))
        pins.append(Pin(canonical_name(name), version, parents, direct, extras))
    return sorted(pins, key=lambda p: p.name)


def uv_failure(stderr: str, requested: set[str], index_url: str, target: str) -> ApkneedError:
    """The one-line error for a failed ``uv pip compile`` (see the module docstring)."""
    from apkneed.python.config import redact

    message = _uv_message(stderr)
    # uv wraps its sentences to the terminal width: match on one flat line.
    stderr = re.sub(r"\s+", " ", stderr)
    if _is_network(stderr):
        return EnvironmentFailure(f"cannot reach the index {redact(index_url)} (uv: {message}; offline?)")
    missing = re.search(r"Because (\S+) was not found in the package registry", stderr)
    if missing and canonical_name(missing.group(1)) in requested:
        return InputError(f"no such project on {redact(index_url)}: {missing.group(1)} (uv: {message})")
    no_version = re.search(r"there is no version of (\S+?)(==|===)", stderr)
    if no_version and canonical_name(no_version.group(1)) in requested:
        return InputError(f"no such version for {target}: {message}")
    if "does not satisfy Python" in stderr:
        return UnsatisfiableError(f"not installable on {target}: {message}")
    if "No solution found" in stderr:
        return UnsatisfiableError(f"no solution for {target}: {message}")
    if any(sign in stderr for sign in _BUILD_SIGNS):
        return EnvironmentFailure(f"uv could not build an sdist to read its dependencies: {message}")
    return EnvironmentFailure(f"uv pip compile failed for {target}: {message}")


def _with_suggestion(failure: ApkneedError, stderr: str, index_url: str, verify: str | bool) -> ApkneedError:
    """An unknown project's error, with the names one typing slip away that the index has."""
    missing = re.search(r"Because (\S+) was not found in the package registry", re.sub(r"\s+", " ", stderr))
    if not isinstance(failure, InputError) or missing is None or not str(failure).startswith("no such project"):
        return failure
    from apkneed.python.suggest import did_you_mean

    names = did_you_mean(missing.group(1), index_url, verify=verify)
    if not names:
        return failure
    return InputError(f"{failure}; did you mean {' or '.join(names)}?")


def _uv_message(stderr: str) -> str:
    """uv's error, causes and hint on one line, without its warnings."""
    kept: list[str] = []
    keeping = False
    for line in stderr.splitlines():
        stripped = line.strip()
        if line.startswith("warning:"):
            keeping = False
            continue
        if line.startswith("hint:"):
            # uv's hints name uv's own flags (`--python-version`), not ours.
            keeping = "`--" not in line
        elif line.startswith("error:"):
            keeping = True
        if keeping and stripped:
            kept.append(stripped.removeprefix("cause:").strip())
    text = " ".join(kept) or stderr.strip() or "no message"
    text = text.removeprefix("error:").strip()
    # "No solution found when resolving dependencies" adds nothing to our own words.
    text = text.removeprefix("No solution found when resolving dependencies").strip(" :")
    return re.sub(r"\s+", " ", text)


def _is_network(stderr: str) -> bool:
    flat = re.sub(r"\s+", " ", stderr)
    return any(sign in flat for sign in _NETWORK_SIGNS)


def _checked(text: str) -> Requirement:
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        requirement = Requirement(text)
    except InvalidRequirement as exc:
        raise InputError(f"not a valid requirement {text!r}: {str(exc).splitlines()[0]}") from None
    if requirement.url:
        raise InputError(f"direct URL requirements cannot be planned: {text}")
    return requirement


def _find_uv() -> str:
    try:
        import uv  # the PyPI package that ships the uv binary

        return uv.find_uv_bin()
    except (ImportError, FileNotFoundError):
        raise EnvironmentFailure("the uv binary is missing: reinstall apkneed (it depends on uv)") from None


def _run(command: list[str], cwd: str, environ: dict[str, str], timeout: float) -> subprocess.CompletedProcess[str]:
    import subprocess

    try:
        return subprocess.run(
            command, cwd=cwd, env=environ, capture_output=True, text=True, timeout=timeout, check=False,
        )
    except subprocess.TimeoutExpired:
        raise EnvironmentFailure(f"uv did not finish resolving within {timeout:.0f} s") from None
    except OSError as exc:
        raise EnvironmentFailure(f"cannot run uv ({command[0]}): {exc}") from None
