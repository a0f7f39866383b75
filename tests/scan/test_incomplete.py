"""Wrong answers from bad data (issue 11, items 5-7): a tar root read as
tar(1) would extract it, an incomplete scan that is never "OK", a glibc host
that is never "libc musl", and a huge compressed member streamed."""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
import tempfile
import tracemalloc
from pathlib import Path

import pytest
from scanroots import make_root, put, scan
from test_bad_input import _plain, _unprivileged

from apkneed.binary.libc import load_libc_rules
from apkneed.scan.doctor import scan_root
from apkneed.scan.facts import load_layout_facts, load_loader_facts
from apkneed.scan.report import report_json
from apkneed.scan.door import open_root


def _tar(source: Path, archive: Path, extra: list[tarfile.TarInfo] = ()) -> Path:
    mode = "w:gz" if archive.name.endswith(".gz") else "w"
    with tarfile.open(archive, mode) as tar:
        tar.add(source, arcname=".")
        for info in extra:
            tar.addfile(info)
    return archive


@pytest.mark.parametrize("suffix", [".tar", ".tar.gz"])
def test_a_regular_member_named_usr_lib_slash_is_the_directory_tar_extracts(tmp_path, builds, suffix, index_v316):
    # was: the member hid every file under /usr/lib and the scan said OK, exit 0
    root = make_root(tmp_path / "root", builds)
    put(root, builds, "glibc-ext.so", "/usr/lib/python3.10/site-packages/_ext.so")
    late = tarfile.TarInfo("./usr/lib/")
    late.type = tarfile.REGTYPE
    archive = _tar(root, tmp_path / f"image{suffix}", [late])

    # the oracle: what tar(1) extracts
    unpacked = tmp_path / "unpacked"
    unpacked.mkdir()
    subprocess.run(["tar", "-xf", str(archive), "-C", str(unpacked)], check=False, capture_output=True)
    assert (unpacked / "usr/lib").is_dir() and (unpacked / "usr/lib/python3.10/site-packages/_ext.so").is_file()

    code_tar, from_tar, _ = scan(archive, "--index", index_v316)
    code_dir, from_dir, _ = scan(unpacked, "--index", index_v316)
    assert code_tar == code_dir == 1
    assert [w["path"] for w in from_tar["wrong_libc"]] == [w["path"] for w in from_dir["wrong_libc"]] == [
        "/usr/lib/python3.10/site-packages/_ext.so"
    ]


def test_a_file_member_over_a_non_empty_directory_is_ignored_as_tar_fails_on_it(tmp_path, builds, index_v316):
    root = make_root(tmp_path / "root", builds)
    put(root, builds, "glibc-ext.so", "/usr/lib/_ext.so")
    late = tarfile.TarInfo("./usr/lib")
    late.type = tarfile.REGTYPE
    archive = _tar(root, tmp_path / "image.tar", [late])
    unpacked = tmp_path / "unpacked"
    unpacked.mkdir()
    done = subprocess.run(["tar", "-xf", str(archive), "-C", str(unpacked)], capture_output=True, text=True)
    assert done.returncode != 0 and (unpacked / "usr/lib/_ext.so").is_file()  # tar(1) refused that member
    code, report, _ = scan(archive, "--index", index_v316)
    assert code == 1 and [w["path"] for w in report["wrong_libc"]] == ["/usr/lib/_ext.so"]
    assert any(p["kind"] == "refused" and "non-empty directory /usr/lib" in p["message"] for p in report["problems"])


def test_an_unreadable_usr_lib_makes_the_scan_incomplete_not_ok(builds):
    # was: the problem was listed, then "OK: every ELF file scanned can load", exit 0
    base = Path(tempfile.mkdtemp(prefix="apkneed-scan-incomplete-"))
    try:
        os.chmod(base, 0o755)
        root = make_root(base / "root", builds)
        put(root, builds, "app-z", "/usr/bin/app-z")
        put(root, builds, "libz.so.1.2.12", "/lib/libz.so.1.2.12", "/lib/libz.so.1")
        for directory, _, files in os.walk(root):
            os.chmod(directory, 0o755)
            for name in files:
                os.chmod(os.path.join(directory, name), 0o644)
        load_libc_rules(), load_loader_facts(), load_layout_facts()
        # one run as the installing user first: the lazily imported modules
        # (rich, the scan command) load now, before the uid changes
        assert _plain(root)[0] == 0
        os.chmod(root / "usr/lib", 0)
        with _unprivileged():
            report = scan_root(open_root(root))
            code, out, _ = _plain(root)
        assert not report.failed and not report.ok
        assert any("/usr/lib: cannot list directory" in why for why in report.incomplete)
        assert report_json(report)["ok"] is False and report_json(report)["complete"] is False
        assert code == 1 and "INCOMPLETE" in out and "OK:" not in out
    finally:
        os.chmod(base / "root/usr/lib", 0o755)
        shutil.rmtree(base)


def test_an_empty_root_is_not_ok(tmp_path):
    # was: "ROOT has no musl loader" then "OK: every ELF file scanned can load", exit 0
    (tmp_path / "empty").mkdir()
    code, out, _ = _plain(tmp_path / "empty")
    assert code == 1 and "INCOMPLETE" in out and "no ELF file found" in out and "OK:" not in out
    code, report, _ = scan(tmp_path / "empty")
    assert code == 1 and report["ok"] is False and report["incomplete"]


def test_a_complete_clean_root_is_still_ok(tmp_path, builds):
    root = make_root(tmp_path / "root", builds)
    put(root, builds, "app-z", "/usr/bin/app-z")
    put(root, builds, "libz.so.1.2.12", "/lib/libz.so.1.2.12", "/lib/libz.so.1")
    code, out, _ = _plain(root)
    assert code == 0 and "OK: every ELF file scanned can load" in out


def test_a_glibc_system_with_musl_installed_is_not_libc_musl(tmp_path, builds):
    # was: scanning / on a Debian host with the musl package said "libc musl"
    root = make_root(tmp_path / "debian", builds, release=None)  # musl's loader in /lib, as Debian's musl package puts it
    (root / "lib64").mkdir()
    shutil.copy(builds["glibc-app"], root / "lib64/ld-linux-x86-64.so.2")
    (root / "etc/debian_version").write_text("12.8\n")
    code, _, err = _plain(root)
    assert code == 2 and "glibc loader and is not Alpine" in err and "ld-musl-x86_64.so.1 is there" in err
    # the same with Alpine's marks (gcompat adds a glibc loader name to Alpine): musl
    (root / "etc/alpine-release").write_text("3.16.3\n")
    code, report, _ = scan(root)
    assert report["libc"] == "musl"


def test_a_huge_sparse_member_of_a_tar_gz_root_is_streamed(tmp_path, builds):
    # was: the member was inflated whole (1 GiB of RAM for a 223-byte archive)
    root = make_root(tmp_path / "root", builds)
    put(root, builds, "app-z", "/usr/bin/app-z")
    put(root, builds, "libz.so.1.2.12", "/lib/libz.so.1.2.12", "/lib/libz.so.1")
    huge = put(root, builds, "glibc-ext.so", "/usr/lib/huge.so")  # a real ELF object, then 256 MiB of hole
    with open(huge, "r+b") as f:
        f.truncate(256 << 20)
    archive = tmp_path / "image.tar.gz"
    subprocess.run(["tar", "--sparse", "-czf", str(archive), "-C", str(root), "."], check=True)
    assert archive.stat().st_size < 1 << 20
    load_libc_rules(), load_loader_facts(), load_layout_facts()
    tracemalloc.start()
    try:
        rootfs = open_root(archive)
        report = scan_root(rootfs)
        rootfs.close()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [w.path for w in report.wrong_libc] == ["/usr/lib/huge.so"]  # read, through the stream
    assert report.elf_files >= 3  # the loader, app-z, libz: read through the same streams
    assert peak < 64 << 20


def test_a_root_archive_with_too_many_members_is_refused(tmp_path, monkeypatch):
    # tarfile keeps every header: a small .tar.gz of millions of empty members filled memory
    import apkneed.scan.rootfs as rootfs_module

    monkeypatch.setattr(rootfs_module, "MAX_TAR_MEMBERS", 100)
    archive = tmp_path / "many.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for index in range(101):
            tar.addfile(tarfile.TarInfo(f"usr/share/{index}"))
    code, _, err = _plain(archive)
    assert code == 2 and "more than 100 members; refused" in err


def test_the_header_counts_one_file_as_one_file(tmp_path, builds):
    """'1 ELF file in 1 file', not '1 ELF files in 1 files'."""
    root = tmp_path / "root"
    put(root, builds, "app-z", "/usr/bin/app-z")  # one regular file, no loader, no database
    _, out, _ = _plain(root)
    assert "; 1 ELF file in 1 file (" in " ".join(out.split())
