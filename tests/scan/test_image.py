"""apkneed scan of container images: docker-save tarballs and OCI layouts, layers applied with whiteouts.

The images are assembled here from real roots: the musl loader, the real
installed database of a python:3.10-alpine3.16 image, ELF files compiled by
the tests, in three layers, the top one deleting files (``.wh.``) and hiding a
directory (``.wh..wh..opq``). The oracle is the same root unpacked on disk
with the same deletions made: the image scan must report exactly what the
scan of that directory reports, and what musl's own loader says when the
programs run in a chroot of it.
"""

from __future__ import annotations

import shutil
import tarfile

import pytest
from imagebuild import Layer, docker_save, oci_layout
from scanroots import loader_errors, make_root, missing_pairs, put, run_in_root, scan


@pytest.fixture()
def layered(tmp_path, builds, shared_dir):
    """(layers, the merged root on disk) for a three-layer image."""
    db = shared_dir / "alpine/installed/python-3.10-alpine3.16-x86_64.installed"
    base = make_root(tmp_path / "l1", builds, installed=db)
    middle = tmp_path / "l2"
    put(middle, builds, "app-gomp", "/usr/local/bin/trainer")
    put(middle, builds, "libgomp.so.1.0.0", "/usr/local/lib/libgomp.so.1.0.0", "/usr/local/lib/libgomp.so.1")
    put(middle, builds, "app-z", "/usr/bin/app-z")
    put(middle, builds, "libz.so.1.2.12", "/lib/libz.so.1.2.12", "/lib/libz.so.1")
    put(middle, builds, "app-py", "/usr/bin/app-py")
    put(middle, builds, "libsqlite3.so.0.8.6", "/usr/lib/libsqlite3.so.0.8.6", "/usr/lib/libsqlite3.so.0")
    put(middle, builds, "libffi.so.8.1.0", "/usr/lib/libffi.so.8.1.0", "/usr/lib/libffi.so.8")
    top = tmp_path / "l3"
    put(top, builds, "libffi.so.8.1.0", "/usr/local/lib/keep/libffi-copy.so")
    layers = [
        Layer(base, compress=True),
        Layer(middle),
        Layer(top, whiteouts=("/lib/libz.so.1", "/lib/libz.so.1.2.12", "/usr/lib/libsqlite3.so.0"),
              opaque=("/usr/local/lib",), compress=True),
    ]
    merged = tmp_path / "merged"
    shutil.copytree(base, merged, symlinks=True)
    shutil.copytree(middle, merged, symlinks=True, dirs_exist_ok=True)
    for path in ("lib/libz.so.1", "lib/libz.so.1.2.12", "usr/lib/libsqlite3.so.0"):
        (merged / path).unlink()
    shutil.rmtree(merged / "usr/local/lib")
    shutil.copytree(top, merged, symlinks=True, dirs_exist_ok=True)
    return layers, merged


def _summary(report):
    return sorted((m["soname"], tuple(m["needed_by"]), tuple(m["installed_by"])) for m in report["missing"])


@pytest.mark.parametrize("form", ["docker-save", "oci-dir", "oci-tar"])
def test_image_scan_equals_the_scan_of_the_merged_root(form, tmp_path, layered, index_v316):
    layers, merged = layered
    if form == "docker-save":
        image = docker_save(tmp_path / "image.tar", layers)
    elif form == "oci-dir":
        image = oci_layout(tmp_path / "oci", layers)
    else:
        image = oci_layout(tmp_path / "oci.tar", layers, as_tar=True)

    code, report, _ = scan(image, "--index", index_v316)
    expected_code, expected, _ = scan(merged, "--index", index_v316)

    assert code == expected_code == 1
    assert _summary(report) == _summary(expected)
    # deleted in the top layer: zlib's file, sqlite-libs' link, and
    # libgomp hidden by the opaque /usr/local/lib
    assert {m[0] for m in _summary(report)} == {"libz.so.1", "libsqlite3.so.0", "libgomp.so.1"}
    # both files belong to packages of the real installed db: apk fix puts them back
    assert report["apk_fix"] == expected["apk_fix"] == "apk fix sqlite-libs zlib"
    assert report["alpine"] == expected["alpine"] == "v3.16"
    for program in ("/usr/bin/app-z", "/usr/bin/app-py", "/usr/local/bin/trainer"):
        assert loader_errors(run_in_root(merged, program).stderr) == {
            pair for pair in missing_pairs(report) if pair[1] == program
        }


def test_a_whiteout_in_a_lower_layer_does_not_hide_a_file_added_above(tmp_path, builds, index_v316):
    base = make_root(tmp_path / "l1", builds)
    again = tmp_path / "l3"
    put(again, builds, "libz.so.1.2.12", "/lib/libz.so.1.2.12", "/lib/libz.so.1")
    app = tmp_path / "l2"
    put(app, builds, "app-z", "/usr/bin/app-z")
    layers = [Layer(base), Layer(app, whiteouts=("/lib/libz.so.1",)), Layer(again)]
    code, report, _ = scan(docker_save(tmp_path / "image.tar", layers), "--index", index_v316)
    assert code == 0 and report["missing"] == []


def test_image_bad_input_is_one_line(tmp_path, builds):
    bad_manifest = tmp_path / "bad.tar"
    with tarfile.open(bad_manifest, "w") as tar:
        data = b"not json"
        info = tarfile.TarInfo("manifest.json")
        info.size = len(data)
        import io

        tar.addfile(info, io.BytesIO(data))
    code, _, _ = _scan_error(bad_manifest)
    assert code == 2
    missing_layer = tmp_path / "missing.tar"
    with tarfile.open(missing_layer, "w") as tar:
        import io
        import json

        data = json.dumps([{"Config": "c.json", "Layers": ["nope/layer.tar"]}]).encode()
        info = tarfile.TarInfo("manifest.json")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    code, _, stderr = _scan_error(missing_layer)
    assert code == 2 and "nope/layer.tar" in stderr


def _scan_error(path):
    from click.testing import CliRunner

    from apkneed.cli import main

    result = CliRunner().invoke(main, ["scan", str(path)])
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith("apkneed: error:")]
    assert len(lines) == 1
    return result.exit_code, result.stdout, result.stderr
