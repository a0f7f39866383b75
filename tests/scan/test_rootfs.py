"""The door to ROOT: directories and tar archives give the same answers; nothing leaves ROOT."""

from __future__ import annotations

import io
import os
import tarfile
from pathlib import Path

import pytest
from scanroots import make_root, put, scan

from apkneed.scan.paths import FOUND, LOOP, MISSING, NOT_DIR, resolve
from apkneed.scan.rootfs import DirRoot, TarRoot, member_path

#: what must not depend on how ROOT is stored
SAME = ("arch", "libc", "alpine", "missing", "wrong_libc", "wrong_arch", "unneeded", "apk_add", "apk_del", "elf_files")


@pytest.fixture()
def broken_root(tmp_path, builds, shared_dir):
    """A root with a missing libz, a glibc program and a real installed database."""
    db = shared_dir / "alpine/installed/python-3.10-alpine3.16-x86_64.installed"
    root = make_root(tmp_path / "root", builds, installed=db, world="alpine-baselayout busybox .python-rundeps\n")
    put(root, builds, "app-gomp", "/usr/local/bin/trainer")
    put(root, builds, "glibc-app", "/usr/local/bin/tool")
    put(root, builds, "libffi.so.8.1.0", "/usr/lib/libffi.so.8.1.0", "/usr/lib/libffi.so.8")
    return root


@pytest.mark.parametrize("mode", ["w", "w:gz"])
def test_tar_archive_scans_like_the_unpacked_root(tmp_path, broken_root, mode, index_v316):
    archive = tmp_path / ("image.tar" if mode == "w" else "image.tar.gz")
    with tarfile.open(archive, mode) as tar:
        tar.add(broken_root, arcname=".")  # as `docker export | gzip` names members: ./usr/...

    code_dir, from_dir, _ = scan(broken_root, "--index", index_v316)
    code_tar, from_tar, _ = scan(archive, "--index", index_v316)

    assert code_dir == code_tar == 1
    assert {k: from_tar[k] for k in SAME} == {k: from_dir[k] for k in SAME}
    assert from_tar["missing"][0]["soname"] == "libgomp.so.1" and from_tar["wrong_libc"]
    assert from_tar["root"] == str(archive)


def test_plain_tar_reads_only_headers_of_its_elf_files(tmp_path, broken_root, index_v316):
    archive = tmp_path / "image.tar"
    with tarfile.open(archive, "w") as tar:
        tar.add(broken_root, arcname=".")
    _, report, _ = scan(archive, "--index", index_v316)
    assert report["elf_bytes_read"] < report["bytes_total"] / 10


def _tar_with(path: Path, members: list[tuple[str, bytes | None, str | None, bytes]]) -> None:
    """members: (name, data or None, symlink/hardlink target or None, type)."""
    with tarfile.open(path, "w") as tar:
        for name, data, target, kind in members:
            info = tarfile.TarInfo(name)
            if kind == tarfile.REGTYPE:
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
            else:
                info.type = kind
                info.linkname = target
                tar.addfile(info)


def test_tar_members_climbing_out_are_refused_and_links_stay_inside(tmp_path, builds, index_v316):
    loader = builds.musl_libc.read_bytes()
    archive = tmp_path / "evil.tar"
    _tar_with(archive, [
        ("lib/ld-musl-x86_64.so.1", loader, None, tarfile.REGTYPE),
        ("lib/libc.musl-x86_64.so.1", None, "ld-musl-x86_64.so.1", tarfile.SYMTYPE),
        ("usr/bin/app-z", builds["app-z"].read_bytes(), None, tarfile.REGTYPE),
        ("../../outside/usr/lib/libz.so.1", builds["libz.so.1.2.12"].read_bytes(), None, tarfile.REGTYPE),
        # A relative link climbing above ROOT lands at ROOT's /usr/lib/x86_64-linux-gnu: absent.
        ("usr/lib/libz.so.1", None, "../../../../../usr/lib/x86_64-linux-gnu/libz.so.1", tarfile.SYMTYPE),
    ])

    code, report, _ = scan(archive, "--index", index_v316)

    assert code == 1
    assert [(p["kind"], p["path"]) for p in report["problems"]] == [("refused", "../../outside/usr/lib/libz.so.1")]
    assert [(m["soname"], m["needed_by"]) for m in report["missing"]] == [("libz.so.1", ["/usr/bin/app-z"])]
    assert not (tmp_path.parent / "outside").exists()


def test_tar_hard_link_is_the_file_it_names(tmp_path, builds):
    archive = tmp_path / "links.tar"
    _tar_with(archive, [
        ("lib/ld-musl-x86_64.so.1", builds.musl_libc.read_bytes(), None, tarfile.REGTYPE),
        ("lib/libc.musl-x86_64.so.1", None, "ld-musl-x86_64.so.1", tarfile.SYMTYPE),
        ("lib/libz.so.1.2.12", builds["libz.so.1.2.12"].read_bytes(), None, tarfile.REGTYPE),
        ("lib/libz.so.1", None, "lib/libz.so.1.2.12", tarfile.LNKTYPE),
        ("usr/bin/app-z", builds["app-z"].read_bytes(), None, tarfile.REGTYPE),
    ])
    code, report, _ = scan(archive)
    assert code == 0 and report["missing"] == []
    assert report["elf_files"] == 4  # the hard link is a second name of one file, scanned under both


def test_member_paths():
    assert member_path("./usr/lib/x") == "/usr/lib/x"
    assert member_path("/usr/lib/x") == "/usr/lib/x"
    assert member_path("usr//lib/./x") == "/usr/lib/x"
    assert member_path("usr/../lib/x") == "/lib/x"
    assert member_path("../x") is None
    assert member_path("usr/../../x") is None


def test_resolve_inside_a_real_directory(tmp_path):
    root = tmp_path / "root"
    (root / "usr/lib").mkdir(parents=True)
    (root / "usr/lib/real.so").write_bytes(b"x")
    os.symlink("/usr/lib/real.so", root / "usr/lib/abs.so")  # absolute: re-rooted
    os.symlink("../../../../usr/lib/real.so", root / "usr/lib/climb.so")  # .. stops at ROOT
    os.symlink("/etc/passwd", root / "usr/lib/host.so")  # the host has it; ROOT does not
    os.symlink("b", root / "usr/lib/a")
    os.symlink("a", root / "usr/lib/b")
    os.symlink("real.so", root / "usr/lib/dir")
    lookup = DirRoot(root).lstat

    for name in ("abs.so", "climb.so", "real.so"):
        found = resolve(f"/usr/lib/{name}", lookup)
        assert (found.status, found.path) == (FOUND, "/usr/lib/real.so")
    assert resolve("/usr/lib/host.so", lookup).status == MISSING
    assert resolve("/usr/lib/a", lookup).status == LOOP
    assert resolve("/usr/lib/dir/x.so", lookup).status == NOT_DIR
    assert resolve("/../../usr/../usr/lib/real.so", lookup).path == "/usr/lib/real.so"
    assert resolve("/usr/lib/abs.so", lookup, follow_last=False).path == "/usr/lib/abs.so"
    assert resolve("/usr/lib/abs.so", lookup).links == (("/usr/lib/abs.so", "/usr/lib/real.so"),)


def test_tar_root_and_dir_root_see_the_same_entries(tmp_path, broken_root):
    archive = tmp_path / "image.tar"
    with tarfile.open(archive, "w") as tar:
        tar.add(broken_root, arcname=".")
    from_dir, from_tar = DirRoot(broken_root), TarRoot(archive)
    try:
        for path in ("/lib", "/usr/lib", "/usr/local/bin"):
            assert sorted((n, e.kind, e.target) for n, e in from_dir.listdir(path)) == sorted(
                (n, e.kind, e.target) for n, e in from_tar.listdir(path)
            )
        assert from_tar.lstat("/lib/libc.musl-x86_64.so.1").target == "ld-musl-x86_64.so.1"
        assert from_tar.lstat("/nowhere") is None
    finally:
        from_tar.close()
