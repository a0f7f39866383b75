"""check --image: the recipe's findings next to the scan of an image assembled from real roots."""

from __future__ import annotations

from imagebuild import Layer, docker_save, oci_layout
from scanroots import make_root, put

DOCKERFILE = """\
FROM python:3.10-alpine3.16
COPY app-z /usr/local/bin/app-z
RUN rm -f /lib/libz.so.1
"""


def _image(tmp_path, builds, shared_dir, *, delete: bool, oci: bool = False):
    db = shared_dir / "alpine/installed/python-3.10-alpine3.16-x86_64.installed"
    base = make_root(tmp_path / "l1", builds, installed=db)
    put(base, builds, "libz.so.1.2.12", "/lib/libz.so.1.2.12", "/lib/libz.so.1")
    app = tmp_path / "l2"
    put(app, builds, "app-z", "/usr/local/bin/app-z")
    layers = [Layer(base, compress=True), Layer(app, whiteouts=("/lib/libz.so.1",) if delete else ())]
    if oci:
        return oci_layout(tmp_path / "oci", layers)
    return docker_save(tmp_path / "image.tar", layers)


def test_image_missing_library_is_an_error_with_its_evidence(tmp_path, builds, shared_dir, run_check, v316_index_path):
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(DOCKERFILE)
    image = _image(tmp_path, builds, shared_dir, delete=True)
    status, report, _ = run_check(dockerfile, "--image", str(image), "--index", str(v316_index_path), "--arch", "x86_64")
    assert status == 1
    (missing,) = [f for f in report["findings"] if f["code"] == "image-missing-library"]
    assert missing["line"] == 1 and missing["severity"] == "error"
    assert "libz.so.1" in missing["message"] and "/usr/local/bin/app-z" in missing["message"]
    assert "installed by zlib but its file is gone" in missing["evidence"]
    assert report["image"]["missing"] == ["libz.so.1"] and report["image"]["alpine"] == "v3.16"


def test_a_sound_image_adds_no_error(tmp_path, builds, shared_dir, run_check, v316_index_path):
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(DOCKERFILE.replace("RUN rm -f /lib/libz.so.1\n", ""))
    image = _image(tmp_path, builds, shared_dir, delete=False, oci=True)
    status, report, _ = run_check(dockerfile, "--image", str(image), "--index", str(v316_index_path), "--arch", "x86_64")
    assert status == 0, report
    assert not [f for f in report["findings"] if f["severity"] == "error"]
    assert report["image"]["missing"] == [] and report["image"]["elf_files"] >= 2
