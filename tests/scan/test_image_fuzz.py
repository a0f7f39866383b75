"""Fuzz target for the image reader: made-up layers and manifests, within a fixed budget.

Whatever the layer members (whiteouts, opaque markers, '..', hard links to
nothing, a file replacing a directory and back) and whatever manifest.json
says, opening the image is a root whose every directory lists and every file
reads, or one InputError; never another exception.
"""

from __future__ import annotations

import io
import json
import tarfile

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apkneed.errors import InputError
from apkneed.scan.image import open_image
from apkneed.scan.rootfs import DIR, FILE

NAMES = st.sampled_from(["a", "b", "lib", "usr", ".wh.a", ".wh.lib", ".wh..wh..opq", "..", ".", "x.so"])
PATHS = st.lists(NAMES, min_size=1, max_size=4).map("/".join)
MEMBER = st.tuples(st.sampled_from(["file", "dir", "symlink", "hardlink", "fifo"]), PATHS, PATHS)


def _layer(members) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for kind, name, target in members:
            info = tarfile.TarInfo(name)
            data = b""
            if kind == "file":
                data = name.encode()
                info.size = len(data)
            elif kind == "dir":
                info.type = tarfile.DIRTYPE
            elif kind == "symlink":
                info.type, info.linkname = tarfile.SYMTYPE, target
            elif kind == "hardlink":
                info.type, info.linkname = tarfile.LNKTYPE, target
            else:
                info.type = tarfile.FIFOTYPE
            tar.addfile(info, io.BytesIO(data) if data else None)
    return buffer.getvalue()


def _image(path, layers, manifest=None, manifest_name="manifest.json") -> None:
    with tarfile.open(path, "w") as tar:
        names = []
        for index, members in enumerate(layers):
            data = _layer(members)
            names.append(f"{index}/layer.tar")
            info = tarfile.TarInfo(names[-1])
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        body = manifest if manifest is not None else json.dumps([{"Config": "c.json", "Layers": names}]).encode()
        info = tarfile.TarInfo(manifest_name)
        info.size = len(body)
        tar.addfile(info, io.BytesIO(body))
        if manifest_name == "index.json":  # an OCI layout: the index may name this blob
            blob = json.dumps({"layers": [{"digest": "sha256:" + "0" * 64}]}).encode()
            info = tarfile.TarInfo("blobs/sha256/" + "0" * 64)
            info.size = len(blob)
            tar.addfile(info, io.BytesIO(blob))


def _walk(root) -> int:
    seen, stack = 0, ["/"]
    while stack:
        directory = stack.pop()
        for name, node in root.listdir(directory):
            path = directory.rstrip("/") + "/" + name
            seen += 1
            if node.kind == DIR:
                stack.append(path)
            elif node.kind == FILE:
                with root.open(path) as stream:
                    stream.read()
    return seen


def _open_and_walk(path) -> None:
    """Open the image and read every member: a refusal must be apkneed's InputError, nothing else."""
    try:
        root = open_image(path)
    except InputError:
        return
    try:
        _walk(root)
    finally:
        root.close()


@settings(max_examples=150, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(MEMBER, max_size=8), min_size=1, max_size=3))
def test_fuzz_layers(tmp_path, layers):
    path = tmp_path / "image.tar"
    _image(path, layers)
    _open_and_walk(path)


@settings(max_examples=100, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.one_of(st.binary(max_size=200), st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20)),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(
        st.sampled_from(["Layers", "Config", "manifests", "layers", "digest", "platform", "architecture"]),
        st.one_of(inner, st.just("sha256:" + "0" * 64)), max_size=3)),
    max_leaves=8,
).map(lambda value: json.dumps(value).encode())), st.sampled_from(["manifest.json", "index.json"]))
def test_fuzz_manifest(tmp_path, manifest, name):
    path = tmp_path / "image.tar"
    _image(path, [[("file", "a", "")]], manifest=manifest, manifest_name=name)
    _open_and_walk(path)
