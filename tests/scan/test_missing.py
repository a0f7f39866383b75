"""Missing libraries: what the scan reports, checked against musl's own loader.

Every scenario is a real root built in the test; where the answer depends on
musl's search rules, the program is also run in a chroot of the root under
the root's own musl loader, and the libraries musl fails to load must be
exactly the ones the scan reports.
"""

from __future__ import annotations

import os
from pathlib import Path

from click.testing import CliRunner
from scanroots import loader_errors, make_root, missing_pairs, put, run_in_root, scan

from apkneed.cli import main


def test_missing_libz_is_named_with_zlib_and_musl_agrees(tmp_path, builds, index_v316):
    root = make_root(tmp_path / "root", builds)
    put(root, builds, "app-z", "/usr/bin/app-z")

    code, report, _ = scan(root, "--index", index_v316)

    assert code == 1 and report["ok"] is False
    assert report["missing"][0]["soname"] == "libz.so.1"
    assert report["missing"][0]["needed_by"] == ["/usr/bin/app-z"]
    assert report["missing"][0]["provided_by"] == ["zlib"]
    assert report["apk_add"] == "apk add zlib"
    run = run_in_root(root, "/usr/bin/app-z")
    assert run.returncode != 0
    assert loader_errors(run.stderr) == missing_pairs(report) == {("libz.so.1", "/usr/bin/app-z")}


def test_library_in_place_loads_and_the_scan_exits_zero(tmp_path, builds, index_v316):
    root = make_root(tmp_path / "root", builds)
    put(root, builds, "app-z", "/usr/bin/app-z")
    put(root, builds, "libz.so.1.2.12", "/lib/libz.so.1.2.12", "/lib/libz.so.1")

    code, report, _ = scan(root, "--index", index_v316)

    assert code == 0 and report["ok"] is True
    assert report["missing"] == [] and report["apk_add"] is None
    run = run_in_root(root, "/usr/bin/app-z")
    assert (run.returncode, run.stdout.strip()) == (0, "1")


def test_missing_libgomp_names_libgomp(tmp_path, builds, index_v316):
    root = make_root(tmp_path / "root", builds)
    put(root, builds, "app-gomp", "/usr/local/bin/trainer")

    code, report, _ = scan(root, "--index", index_v316)

    assert code == 1
    assert [(m["soname"], m["needed_by"], m["provided_by"]) for m in report["missing"]] == [
        ("libgomp.so.1", ["/usr/local/bin/trainer"], ["libgomp"])
    ]
    assert report["apk_add"] == "apk add libgomp"
    assert loader_errors(run_in_root(root, "/usr/local/bin/trainer").stderr) == missing_pairs(report)


def test_venv_extension_needing_a_missing_library(tmp_path, builds, index_v316):
    root = make_root(tmp_path / "root", builds)
    site = "/srv/app/.venv/lib/python3.12/site-packages"
    module = f"{site}/fastthing/_core.cpython-312-x86_64-linux-musl.so"
    put(root, builds, "ext-gomp.so", module)
    (root / "srv/app/.venv/pyvenv.cfg").write_text("home = /usr/local/bin\n")

    # /srv is not a standard place: without --venv the module is not seen.
    code, report, _ = scan(root, "--index", index_v316)
    assert code == 0 and report["missing"] == []

    code, report, _ = scan(root, "--venv", "/srv/app/.venv", "--index", index_v316)
    assert code == 1
    assert [(m["soname"], m["needed_by"], m["provided_by"]) for m in report["missing"]] == [
        ("libgomp.so.1", [module], ["libgomp"])
    ]
    # A host path under ROOT names the same venv.
    code, again, _ = scan(root, "--venv", root / "srv/app/.venv", "--index", index_v316)
    assert again["missing"] == report["missing"]


def test_rpath_of_the_loading_program_serves_its_libraries_dependencies(tmp_path, builds, index_v316):
    # musl searches the RPATH of the object that needs a name, then of the one
    # that loaded it: libdep.so is found through the program's RPATH although
    # libpriv.so has none. musl treats RUNPATH the same way (glibc would not).
    root = make_root(tmp_path / "root", builds)
    for program in ("app-priv-rpath", "app-priv-runpath"):
        put(root, builds, program, f"/usr/bin/{program}")
    put(root, builds, "libpriv.so", "/usr/private/libpriv.so")
    put(root, builds, "libdep.so", "/usr/private/libdep.so")

    code, report, _ = scan(root)

    assert code == 0 and report["missing"] == []
    for program in ("app-priv-rpath", "app-priv-runpath"):
        run = run_in_root(root, f"/usr/bin/{program}")
        assert (run.returncode, run.stdout.strip()) == (0, "2"), run.stderr

    os.unlink(root / "usr/private/libdep.so")
    code, report, _ = scan(root, "--index", index_v316)
    assert code == 1
    assert missing_pairs(report) == {("libdep.so", "/usr/private/libpriv.so")}
    assert loader_errors(run_in_root(root, "/usr/bin/app-priv-rpath").stderr) == missing_pairs(report)


def test_origin_of_a_library_is_the_directory_it_was_found_in(tmp_path, builds, index_v316):
    # libmid.so (found in /usr/private through the program's RPATH) has
    # RPATH $ORIGIN/../deps: musl expands it to /usr/private/../deps.
    root = make_root(tmp_path / "root", builds)
    put(root, builds, "app-mid", "/usr/bin/app-mid")
    put(root, builds, "libmid.so", "/usr/private/libmid.so")
    put(root, builds, "libdep.so", "/usr/deps/libdep.so")

    code, report, _ = scan(root)
    assert code == 0 and report["missing"] == []
    run = run_in_root(root, "/usr/bin/app-mid")
    assert (run.returncode, run.stdout.strip()) == (0, "2"), run.stderr

    os.rename(root / "usr/deps", root / "usr/elsewhere")
    code, report, _ = scan(root, "--index", index_v316)
    assert missing_pairs(report) == {("libdep.so", "/usr/private/libmid.so")}
    assert loader_errors(run_in_root(root, "/usr/bin/app-mid").stderr) == missing_pairs(report)


def test_path_file_replaces_the_default_search_path(tmp_path, builds, index_v316):
    root = make_root(tmp_path / "root", builds)
    put(root, builds, "app-z", "/usr/bin/app-z")
    put(root, builds, "libz.so.1.2.12", "/usr/lib/libz.so.1.2.12", "/usr/lib/libz.so.1")
    path_file = root / "etc/ld-musl-x86_64.path"

    path_file.write_text("/opt/lib\n")
    code, report, _ = scan(root, "--index", index_v316)
    assert code == 1 and missing_pairs(report) == {("libz.so.1", "/usr/bin/app-z")}
    assert loader_errors(run_in_root(root, "/usr/bin/app-z").stderr) == missing_pairs(report)

    path_file.write_text("/opt/lib:/usr/lib\n")
    code, report, _ = scan(root, "--index", index_v316)
    assert code == 0 and report["missing"] == []
    assert run_in_root(root, "/usr/bin/app-z").returncode == 0

    path_file.write_text("")  # present but empty: musl searches no system directory
    code, report, _ = scan(root, "--index", index_v316)
    assert code == 1 and missing_pairs(report) == {("libz.so.1", "/usr/bin/app-z")}
    assert any(p["kind"] == "path_file" for p in report["problems"])
    assert loader_errors(run_in_root(root, "/usr/bin/app-z").stderr) == missing_pairs(report)


def test_symlink_loop_ends_the_search_as_in_musl(tmp_path, builds, index_v316):
    # /lib comes first: its looping libz.so.1 stops musl's search (ELOOP)
    # although /usr/lib holds a good one.
    root = make_root(tmp_path / "root", builds)
    put(root, builds, "app-z", "/usr/bin/app-z")
    put(root, builds, "libz.so.1.2.12", "/usr/lib/libz.so.1.2.12", "/usr/lib/libz.so.1")
    os.symlink("libz.so.1", root / "lib/libz.so.1")

    code, report, _ = scan(root, "--index", index_v316)

    assert code == 1
    (entry,) = report["missing"]
    assert entry["soname"] == "libz.so.1" and "symlink loop" in entry["reasons"][0]
    assert loader_errors(run_in_root(root, "/usr/bin/app-z").stderr) == missing_pairs(report)


def test_absolute_symlink_to_a_host_library_does_not_count(tmp_path, builds, index_v316):
    host_lib = Path("/usr/lib/x86_64-linux-gnu/libz.so.1")
    assert host_lib.exists(), "the host's zlib makes this test meaningful (zlib1g)"
    root = make_root(tmp_path / "root", builds)
    put(root, builds, "app-z", "/usr/bin/app-z")
    os.symlink(host_lib, root / "usr/lib/libz.so.1")

    code, report, _ = scan(root, "--index", index_v316)

    assert code == 1
    assert missing_pairs(report) == {("libz.so.1", "/usr/bin/app-z")}
    assert report["missing"][0]["provided_by"] == ["zlib"]
    assert loader_errors(run_in_root(root, "/usr/bin/app-z").stderr) == missing_pairs(report)

    # The same link target made real inside ROOT is followed there.
    put(root, builds, "libz.so.1.2.12", str(host_lib))
    code, report, _ = scan(root)
    assert code == 0 and report["missing"] == []
    assert run_in_root(root, "/usr/bin/app-z").returncode == 0


def test_file_of_an_installed_package_deleted_asks_for_apk_fix(tmp_path, builds, shared_dir, index_v316):
    db = shared_dir / "alpine/installed/python-3.10-alpine3.16-x86_64.installed"
    root = make_root(tmp_path / "root", builds, installed=db)
    put(root, builds, "app-z", "/usr/local/bin/app-z")

    code, report, _ = scan(root, "--index", index_v316)

    assert code == 1
    (entry,) = report["missing"]
    assert entry["installed_by"] == ["zlib"] and entry["provided_by"] == ["zlib"]
    assert report["apk_fix"] == "apk fix zlib" and report["apk_add"] is None


def test_root_without_a_musl_loader_reports_it(tmp_path, builds, index_v316):
    root = make_root(tmp_path / "root", builds)
    put(root, builds, "app-z", "/usr/bin/app-z")
    put(root, builds, "libz.so.1.2.12", "/lib/libz.so.1.2.12", "/lib/libz.so.1")
    os.unlink(root / "lib/libc.musl-x86_64.so.1")
    os.unlink(root / "lib/ld-musl-x86_64.so.1")

    code, report, _ = scan(root, "--index", index_v316, "--arch", "x86_64")

    assert code == 1 and report["libc"] == "none"
    by_name = {m["soname"]: m for m in report["missing"]}
    assert by_name["/lib/ld-musl-x86_64.so.1"]["interpreter"] is True
    assert by_name["/lib/ld-musl-x86_64.so.1"]["provided_by"] == ["musl"]
    # Without the loader, musl cannot answer libc.so itself either.
    assert "/usr/bin/app-z" in by_name["libc.so"]["needed_by"]
    assert any(p["kind"] == "no_loader" for p in report["problems"])


def test_text_report_names_the_fix(tmp_path, builds, index_v316):
    root = make_root(tmp_path / "root", builds)
    put(root, builds, "app-gomp", "/usr/bin/app-gomp")
    result = CliRunner().invoke(main, ["scan", str(root), "--index", index_v316])
    assert result.exit_code == 1
    assert "libgomp.so.1" in result.stdout and "/usr/bin/app-gomp" in result.stdout
    assert "apk add libgomp" in result.stdout and "FAIL" in result.stdout


def test_release_without_any_index_still_scans_with_one_warning(tmp_path, builds, isolated_cache):
    # Alpine v3.99 is in no cache and no snapshot; offline, the mirror is not asked.
    root = make_root(tmp_path / "root", builds, release="3.99.1")
    put(root, builds, "app-z", "/usr/bin/app-z")

    code, report, err = scan(root, "--offline")

    assert code == 1 and report["alpine"] == "v3.99"
    assert [(m["soname"], m["provided_by"]) for m in report["missing"]] == [("libz.so.1", [])]
    warnings = [line for line in err.splitlines() if line.startswith("apkneed: warning:")]
    assert len(warnings) == 1 and "v3.99" in warnings[0] and "without package names" in warnings[0]


def test_a_library_no_package_provides_says_what_was_searched(tmp_path, builds, index_v316):
    root = make_root(tmp_path / "root", builds)
    put(root, builds, "app-priv-rpath", "/usr/bin/app-priv")

    result = CliRunner().invoke(main, ["scan", str(root), "--index", index_v316, "--arch", "x86_64"])

    assert result.exit_code == 1
    assert "no package provides libpriv.so in v3.16 main (community was not given with --index)" in result.stdout
