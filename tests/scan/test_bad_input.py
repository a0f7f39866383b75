"""Bad input: one clear line and exit 2, or a reported problem; never a traceback, never outside ROOT."""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from scanroots import make_root, put, scan

from apkneed.binary.libc import load_libc_rules
from apkneed.cli import main
from apkneed.scan.facts import load_layout_facts, load_loader_facts
from apkneed.scan.doctor import scan_root
from apkneed.scan.report import report_json
from apkneed.scan.door import open_root

NOBODY = 65534


def _plain(*args) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["scan", *map(str, args)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("make", ["nothing", "text file", "truncated tar.gz"])
def test_unusable_root_argument_is_one_line_and_exit_2(tmp_path, make):
    target = tmp_path / "root"
    if make == "text file":
        target.write_text("not a root\n")
    elif make == "truncated tar.gz":
        source = tmp_path / "src"
        (source / "usr/bin").mkdir(parents=True)
        (source / "usr/bin/x").write_bytes(b"x" * 100_000)
        archive = shutil.make_archive(str(tmp_path / "img"), "gztar", source)
        data = Path(archive).read_bytes()
        target.write_bytes(data[: len(data) // 2])
    code, out, err = _plain(target)
    assert code == 2
    assert err.startswith("apkneed: error: ") and err.count("\n") == 1
    assert "Traceback" not in out + err
    code, out, err = _plain(target, "--json")
    assert code == 2 and out.startswith('{"error": ')


def test_missing_venv_and_missing_index_are_bad_input(tmp_path, builds):
    root = make_root(tmp_path / "root", builds)
    code, _, err = _plain(root, "--venv", "/opt/nowhere")
    assert code == 2 and "--venv /opt/nowhere" in err and err.count("\n") == 1
    code, _, err = _plain(root, "--index", tmp_path / "no-such-index")
    assert code == 2 and "no-such-index" in err and err.count("\n") == 1


def test_index_for_another_arch_is_refused(tmp_path, builds, v317_index_path):
    root = make_root(tmp_path / "root", builds)
    code, _, err = _plain(root, "--index", v317_index_path)
    assert code == 2 and "aarch64" in err and "Traceback" not in err


def test_a_glibc_root_is_refused_with_a_reason(tmp_path):
    root = tmp_path / "debian"
    (root / "lib64").mkdir(parents=True)
    shutil.copy("/bin/true", root / "lib64/ld-linux-x86-64.so.2")
    code, _, err = _plain(root)
    assert code == 2 and "glibc loader and no musl loader" in err


def test_symlink_loops_of_every_kind_are_reported_not_followed(tmp_path, builds, index_v316):
    root = make_root(tmp_path / "root", builds)
    put(root, builds, "app-z", "/usr/bin/app-z")
    os.symlink("b", root / "usr/lib/a")
    os.symlink("a", root / "usr/lib/b")
    os.symlink("/usr/lib/loopdir", root / "usr/lib/loopdir")  # a directory link to itself
    os.symlink("..", root / "usr/lib/up")  # a link back up: the walk must not recurse through it
    os.symlink("../../../../..", root / "lib/libz.so.1")  # climbs above ROOT: clamped, a directory

    code, report, _ = scan(root, "--index", index_v316)

    assert code == 1
    (entry,) = report["missing"]
    assert entry["soname"] == "libz.so.1" and entry["reasons"] == ["/lib/libz.so.1 is a dir, not a library"]
    assert report["elf_files"] == 2  # the loader and the program, nothing found twice through links


def test_unreadable_files_are_reported_problems(builds):
    # Permission checks do not apply to root: the scan then runs with the
    # effective uid of nobody (and back), so that the kernel really refuses.
    # It runs through the library (scan_root): the provider lookup is not
    # what is tested here.
    base = Path(tempfile.mkdtemp(prefix="apkneed-scan-perm-"))
    try:
        os.chmod(base, 0o755)
        root = make_root(base / "root", builds)
        for directory, _, _ in os.walk(root):
            os.chmod(directory, 0o755)
        put(root, builds, "app-z", "/usr/bin/app-z")
        put(root, builds, "libz.so.1.2.12", "/lib/libz.so.1.2.12", "/lib/libz.so.1")
        put(root, builds, "libgomp.so.1.0.0", "/usr/lib/libgomp.so.1.0.0")
        for path in root.rglob("*"):
            if path.is_file() and not path.is_symlink():
                os.chmod(path, 0o644)
        os.chmod(root / "lib/libz.so.1.2.12", 0)
        os.chmod(root / "usr/lib/libgomp.so.1.0.0", 0)

        # The packaged data is read now, as the user who installed it.
        load_libc_rules(), load_loader_facts(), load_layout_facts()
        with _unprivileged():
            report = report_json(scan_root(open_root(root)))

        unreadable = {p["path"] for p in report["problems"] if p["kind"] == "unreadable"}
        assert unreadable == {"/lib/libz.so.1.2.12", "/usr/lib/libgomp.so.1.0.0"}
        assert all("Permission denied" in p["message"] for p in report["problems"] if p["kind"] == "unreadable")
        (entry,) = report["missing"]
        assert entry["soname"] == "libz.so.1" and "cannot be read" in entry["reasons"][0]
        assert report["ok"] is False
    finally:
        shutil.rmtree(base)


@contextlib.contextmanager
def _unprivileged():
    if os.geteuid() != 0:
        yield
        return
    os.setegid(NOBODY)
    os.seteuid(NOBODY)
    try:
        yield
    finally:
        os.seteuid(0)
        os.setegid(0)


def test_scan_never_writes_into_root(tmp_path, builds, index_v316):
    root = make_root(tmp_path / "root", builds)
    put(root, builds, "app-z", "/usr/bin/app-z")
    before = {p: (p.lstat().st_mtime_ns, stat.S_IMODE(p.lstat().st_mode)) for p in root.rglob("*")}
    scan(root, "--index", index_v316)
    after = {p: (p.lstat().st_mtime_ns, stat.S_IMODE(p.lstat().st_mode)) for p in root.rglob("*")}
    assert before == after
