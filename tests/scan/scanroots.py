"""Real roots for the scan tests, built here from files compiled by musl-gcc and gcc.

:func:`build_all` (run once a session by the ``builds`` fixture) compiles
every object the tests lay out (a few dozen milliseconds each): small shared libraries carrying the sonames of real
Alpine packages (libz.so.1 of zlib, libgomp.so.1 of libgomp, ...), programs
and Python extension modules that NEED them, and glibc-linked ones from the
host's gcc. :func:`make_root` lays out an Alpine-like root around them: the
musl loader at ``lib/ld-musl-x86_64.so.1`` (the real musl libc from Debian's
musl package) with ``lib/libc.musl-x86_64.so.1`` linking to it, as Alpine
installs it, and optionally a real installed database from ``../shared``.

:func:`run_in_root` runs a program of a root under the real musl loader in a
chroot: the oracle the scan's loader rules are checked against.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner

from apkneed.binary.elf import read_elf
from apkneed.cli import main

ARCH = "x86_64"


@dataclass(frozen=True)
class Builds:
    """Paths of compiled objects, by role."""

    dir: Path
    musl_libc: Path  # the real musl libc.so, Alpine's ld-musl-x86_64.so.1

    def __getitem__(self, name: str) -> Path:
        path = self.dir / name
        if not path.exists():
            raise KeyError(name)
        return path


def _run(args: list[str], cwd: Path) -> None:
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{done.stderr}")


def _library(build: Path, compiler: str, filename: str, soname: str, symbol: str, links=(), extra=()) -> None:
    source = build / f"{symbol}.c"
    calls = "".join(f"int {s}(void);\n" for _, s in links)
    body = " + ".join(f"{s}()" for _, s in links) or "0"
    source.write_text(calls + f"int {symbol}(void) {{ return 1 + {body}; }}\n")
    _run(
        [compiler, "-shared", "-fPIC", "-o", filename, source.name, f"-Wl,-soname,{soname}",
         *[f"-l:{lib}" for lib, _ in links], "-L.", *extra],
        build,
    )


def _program(build: Path, compiler: str, filename: str, links: list[tuple[str, str]], extra=(), shared=False) -> None:
    source = build / f"{filename.replace('.', '_').replace('-', '_')}.c"
    calls = "".join(f"int {s}(void);\n" for _, s in links)
    body = " + ".join(f"{s}()" for _, s in links) or "0"
    entry = "int module_entry(void)" if shared else "int main(void)"
    source.write_text("#include <stdio.h>\n" + calls + f"{entry} {{ printf(\"%d\\n\", {body}); return 0; }}\n")
    flags = ["-shared", "-fPIC"] if shared else []
    _run(
        [compiler, *flags, "-o", filename, source.name, *[f"-l:{lib}" for lib, _ in links], "-L.", "-Wl,-rpath-link,.", *extra],
        build,
    )


def build_all(build: Path) -> Builds:
    """Compile every object the scan tests lay out, into ``build``."""
    for tool in ("musl-gcc", "gcc"):
        if shutil.which(tool) is None:
            raise RuntimeError(f"{tool} is needed to build the scan test roots (scripts/test.sh installs musl-tools)")
    musl = "musl-gcc"
    # Libraries with the sonames (and Alpine's file names) of real packages.
    _library(build, musl, "libz.so.1.2.12", "libz.so.1", "zlib_stub")
    _library(build, musl, "libgomp.so.1.0.0", "libgomp.so.1", "gomp_stub")
    _library(build, musl, "libsqlite3.so.0.8.6", "libsqlite3.so.0", "sqlite_stub")
    _library(build, musl, "libffi.so.8.1.0", "libffi.so.8", "ffi_stub")
    _library(build, musl, "libdep.so", "libdep.so", "dep_stub")
    _library(build, musl, "libpriv.so", "libpriv.so", "priv_stub", links=[("libdep.so", "dep_stub")])
    _program(build, musl, "app-z", [("libz.so.1.2.12", "zlib_stub")])
    _program(build, musl, "app-gomp", [("libgomp.so.1.0.0", "gomp_stub")])
    _program(build, musl, "app-py", [("libsqlite3.so.0.8.6", "sqlite_stub"), ("libffi.so.8.1.0", "ffi_stub")])
    # Absolute RPATHs for programs: a program's $ORIGIN comes from /proc/self/exe,
    # which a bare chroot (the oracle) lacks; libraries use $ORIGIN below.
    _program(build, musl, "app-priv-rpath", [("libpriv.so", "priv_stub")],
             extra=["-Wl,-rpath,/usr/private", "-Wl,--disable-new-dtags"])
    _program(build, musl, "app-priv-runpath", [("libpriv.so", "priv_stub")],
             extra=["-Wl,-rpath,/usr/private", "-Wl,--enable-new-dtags"])
    _library(build, musl, "libmid.so", "libmid.so", "mid_stub", links=[("libdep.so", "dep_stub")],
             extra=["-Wl,-rpath,$ORIGIN/../deps", "-Wl,--disable-new-dtags"])
    _program(build, musl, "app-mid", [("libmid.so", "mid_stub")],
             extra=["-Wl,-rpath,/usr/private", "-Wl,--disable-new-dtags"])
    _program(build, musl, "ext-gomp.so", [("libgomp.so.1.0.0", "gomp_stub")], shared=True)
    # NEEDED names musl answers itself (any "lib<c|m|pthread|dl|rt|util|xnet>.*"),
    # and two it does not: stubs with those sonames, linked without being
    # called (--no-as-needed). The versions are not glibc's (libm.so.6 ...),
    # which would make the program glibc-linked and so not loaded by the scan.
    self_names = ["libm.so.1", "libpthread.so.1", "libdl.so.1", "librt.so.2", "libutil.so.2", "libxnet.so.1"]
    other_names = ["libcrypt.so.1", "libresolv.so.3"]
    for index, soname in enumerate(self_names + other_names):
        _library(build, musl, soname, soname, f"named_stub_{index}")
    (build / "app_names.c").write_text("int main(void) { return 0; }\n")
    _run(
        [musl, "-o", "app-names", "app_names.c", "-Wl,--no-as-needed", *[f"-l:{n}" for n in self_names + other_names], "-L."],
        build,
    )
    _program(build, "gcc", "glibc-app", [])
    _program(build, "gcc", "glibc-ext.so", [], shared=True)
    with open(build / "app-z", "rb") as f:
        interp = read_elf(f, path="app-z", symbols=False).interp
    musl_libc = Path(os.path.realpath(interp))
    if not musl_libc.is_file():
        raise RuntimeError(f"the musl loader {interp} that musl-gcc links against is not installed")
    return Builds(build, musl_libc)


def patch_machine(source: Path, target: Path, machine: int) -> None:
    """Copy an ELF file with another e_machine (183 = aarch64): a foreign-arch file."""
    data = bytearray(source.read_bytes())
    data[18:20] = machine.to_bytes(2, "little")
    target.write_bytes(bytes(data))


def make_root(
    path: Path,
    builds: Builds,
    *,
    installed: Path | None = None,
    world: str | None = None,
    release: str | None = "3.16.3",
) -> Path:
    """An Alpine-like root: the musl loader, and optionally apk's database and world."""
    (path / "lib").mkdir(parents=True)
    for directory in ("usr/lib", "usr/bin", "usr/local/lib", "usr/local/bin", "etc/apk"):
        (path / directory).mkdir(parents=True, exist_ok=True)
    shutil.copy(builds.musl_libc, path / "lib" / f"ld-musl-{ARCH}.so.1")
    os.symlink(f"ld-musl-{ARCH}.so.1", path / "lib" / f"libc.musl-{ARCH}.so.1")
    if installed is not None:
        (path / "lib/apk/db").mkdir(parents=True)
        shutil.copy(installed, path / "lib/apk/db/installed")
    if world is not None:
        (path / "etc/apk/world").write_text(world)
    if release is not None:
        (path / "etc/alpine-release").write_text(release + "\n")
    return path


def put(root: Path, builds: Builds, name: str, where: str, *links: str) -> Path:
    """Copy a built object into ``root`` at ``where``; add symlinks ``links`` (in-root paths) to it."""
    target = root / where.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(builds[name], target)
    for link in links:
        link_path = root / link.lstrip("/")
        link_path.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(os.path.relpath(target, link_path.parent), link_path)
    return target


def scan(*args: str) -> tuple[int, dict, str]:
    """Run ``apkneed scan ... --json`` in-process: (exit code, JSON, stderr)."""
    result = CliRunner().invoke(main, ["scan", *map(str, args), "--json"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    try:
        data = json.loads(result.stdout)
    except json.JSONDecodeError:
        raise AssertionError(f"not JSON (exit {result.exit_code}): {result.stdout!r} {result.stderr!r}") from None
    return result.exit_code, data, result.stderr


def run_in_root(root: Path, program: str) -> subprocess.CompletedProcess:
    """Run ``program`` (an in-root path) under ROOT's own musl loader, chrooted in ROOT."""
    if os.geteuid() == 0:
        command = ["chroot", str(root), program]
    else:
        command = ["unshare", "--map-root-user", "--root", str(root), program]
    return subprocess.run(command, capture_output=True, text=True, timeout=30)


def loader_errors(stderr: str) -> set[tuple[str, str]]:
    """(soname, needed by) from musl's "Error loading shared library X: ... (needed by Y)" lines."""
    out = set()
    for line in stderr.splitlines():
        if line.startswith("Error loading shared library ") and "(needed by " in line:
            name = line[len("Error loading shared library "):].split(":", 1)[0]
            needer = line.rsplit("(needed by ", 1)[1].rstrip(")")
            out.add((name, needer))
    return out


def missing_pairs(report: dict) -> set[tuple[str, str]]:
    return {(m["soname"], who) for m in report["missing"] for who in m["needed_by"]}


def index_records(index_path: Path) -> dict[str, str]:
    """The raw text record of every package of a real APKINDEX.tar.gz, by name."""
    import io
    import tarfile

    from apkneed.alpine.index import split_gzip_members

    records: dict[str, str] = {}
    for _, raw in split_gzip_members(index_path.read_bytes(), str(index_path)):
        with tarfile.open(fileobj=io.BytesIO(raw)) as tar:
            for member in tar:
                if member.name == "APKINDEX":
                    text = tar.extractfile(member).read().decode()
                    for block in text.split("\n\n"):
                        for line in block.splitlines():
                            if line.startswith("P:"):
                                records.setdefault(line[2:], block.strip("\n"))
    return records


def install_closure(records: dict[str, str], names: list[str], installed_db: str) -> list[str]:
    """Names apk would add to a root holding ``installed_db`` for ``apk add names``:
    the dependency closure in the index, less what is installed (input data for
    the slimming tests, built from real records)."""
    from apkneed.alpine.index import read_index_bytes, read_installed_db

    packages = {p.name: p for p in read_index_bytes("\n\n".join(records.values()).encode(), source="i", repository="r").packages}
    providers: dict[str, str] = {}
    for package in packages.values():
        providers.setdefault(package.name, package.name)
        for provide in package.provides:
            providers.setdefault(provide.name, package.name)
    have = set()
    for package in read_installed_db(installed_db):
        have.add(package.name)
        have.update(p.name for p in package.provides)
    out: list[str] = []
    stack = list(names)
    while stack:
        name = stack.pop()
        if name in have:
            continue
        provider = providers[name]
        have.add(name)
        if provider in out:
            continue
        out.append(provider)
        have.add(provider)
        have.update(p.name for p in packages[provider].provides)
        stack.extend(d.name for d in packages[provider].depends if not d.conflict)
    return out


def compose_installed(
    base_db: str, records: dict[str, str], names: list[str], files: dict[str, list[str]] = {}, extra: list[str] = ()
) -> str:
    """``base_db`` plus the index records of ``names`` (with file lines for ``files``) and raw ``extra`` records."""
    blocks = [base_db.strip("\n")]
    for name in names:
        block = records[name]
        for path in files.get(name, ()):
            directory, _, filename = path.rpartition("/")
            block += f"\nF:{directory}\nR:{filename}"
        blocks.append(block)
    blocks.extend(e.strip("\n") for e in extra)
    return "\n\n".join(blocks) + "\n\n"
