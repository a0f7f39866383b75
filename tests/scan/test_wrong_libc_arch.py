"""Files that cannot run on this root at all: linked against glibc, or built for another machine."""

from __future__ import annotations

import os

from scanroots import make_root, patch_machine, put, run_in_root, scan

EM_AARCH64 = 183


def test_glibc_program_is_flagged_never_resolved_against_the_host(tmp_path, builds, index_v316):
    root = make_root(tmp_path / "root", builds)
    put(root, builds, "glibc-app", "/usr/local/bin/tool")

    code, report, _ = scan(root, "--index", index_v316)

    assert code == 1 and report["ok"] is False
    (entry,) = report["wrong_libc"]
    assert entry["path"] == "/usr/local/bin/tool"
    assert entry["evidence"].startswith("needs glibc 2.")
    assert "Alpine" in entry["advice"] and entry["distribution"] is None
    # Its glibc names (libc.so.6, ld-linux-x86-64.so.2) are not "missing
    # libraries" to apk add: no apk package makes it a musl program.
    assert report["missing"] == [] and report["apk_add"] is None
    # The host has glibc; ROOT does not: the program really cannot start there.
    assert run_in_root(root, "/usr/local/bin/tool").returncode != 0


def test_manylinux_extension_in_site_packages_names_its_distribution(tmp_path, builds, index_v316):
    root = make_root(tmp_path / "root", builds)
    site = "/usr/local/lib/python3.12/site-packages"
    module = "fastjson/_speedups.cpython-312-x86_64-linux-gnu.so"
    put(root, builds, "glibc-ext.so", f"{site}/{module}")
    dist_info = root / site.lstrip("/") / "fastjson-3.1.4.dist-info"
    dist_info.mkdir()
    (dist_info / "WHEEL").write_text(
        "Wheel-Version: 1.0\nGenerator: bdist_wheel\nRoot-Is-Purelib: false\n"
        "Tag: cp312-cp312-manylinux_2_17_x86_64\nTag: cp312-cp312-manylinux2014_x86_64\n"
    )
    (dist_info / "RECORD").write_text(
        f"fastjson/__init__.py,sha256=abc,120\n{module},sha256=def,16000\n"
        "fastjson-3.1.4.dist-info/RECORD,,\n"
    )

    code, report, _ = scan(root, "--index", index_v316)

    assert code == 1
    (entry,) = report["wrong_libc"]
    assert entry["path"] == f"{site}/{module}"
    assert entry["distribution"] == {
        "name": "fastjson",
        "version": "3.1.4",
        "wheel_tags": ["cp312-cp312-manylinux_2_17_x86_64", "cp312-cp312-manylinux2014_x86_64"],
    }
    assert "musllinux" in entry["advice"] and "fastjson==3.1.4" in entry["advice"]
    assert "--no-binary=fastjson" in entry["advice"]


def test_musl_extension_next_to_a_glibc_one_is_judged_on_its_own(tmp_path, builds, index_v316):
    root = make_root(tmp_path / "root", builds)
    site = "/opt/venv/lib/python3.12/site-packages"
    put(root, builds, "glibc-ext.so", f"{site}/pkg/_a.cpython-312-x86_64-linux-gnu.so")
    put(root, builds, "ext-gomp.so", f"{site}/pkg/_b.cpython-312-x86_64-linux-musl.so")
    put(root, builds, "libgomp.so.1.0.0", "/usr/lib/libgomp.so.1.0.0", "/usr/lib/libgomp.so.1")

    code, report, _ = scan(root, "--index", index_v316)

    assert code == 1
    assert [w["path"] for w in report["wrong_libc"]] == [f"{site}/pkg/_a.cpython-312-x86_64-linux-gnu.so"]
    assert report["missing"] == []


def test_foreign_arch_library_found_first_makes_the_need_fail(tmp_path, builds, index_v316):
    # musl does not check e_machine and does not search on after a file that
    # opened: an aarch64 libz.so.1 in /lib hides the good one in /usr/lib.
    root = make_root(tmp_path / "root", builds)
    put(root, builds, "app-z", "/usr/bin/app-z")
    put(root, builds, "libz.so.1.2.12", "/usr/lib/libz.so.1.2.12", "/usr/lib/libz.so.1")
    patch_machine(builds["libz.so.1.2.12"], root / "lib/libz.so.1.2.12", EM_AARCH64)
    os.symlink("libz.so.1.2.12", root / "lib/libz.so.1")

    code, report, _ = scan(root, "--index", index_v316)

    assert code == 1
    assert report["wrong_arch"] == [{"path": "/lib/libz.so.1.2.12", "arch": "aarch64"}]
    (entry,) = report["missing"]
    assert entry["soname"] == "libz.so.1" and entry["needed_by"] == ["/usr/bin/app-z"]
    assert entry["reasons"] == ["/lib/libz.so.1 is built for aarch64, not x86_64"]
    assert entry["provided_by"] == ["zlib"]


def test_foreign_arch_program_is_reported_and_not_loaded(tmp_path, builds, index_v316):
    root = make_root(tmp_path / "root", builds)
    patch_machine(builds["app-gomp"], root / "usr/bin/arm-tool", EM_AARCH64)

    code, report, _ = scan(root, "--index", index_v316)

    assert code == 1
    assert report["wrong_arch"] == [{"path": "/usr/bin/arm-tool", "arch": "aarch64"}]
    assert report["missing"] == []  # its libgomp.so.1 is not what stops it
