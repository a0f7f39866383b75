"""Container images assembled by the tests from real roots: docker-save tarballs and OCI layouts.

A layer is a directory of the test turned into a tar stream (plain or gzip),
plus whiteout entries (``.wh.NAME``, ``.wh..wh..opq``) the test names; the
image is written in either on-disk form, as ``docker save`` and
``skopeo copy oci:`` write them (digests are the real sha256 of each blob).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import tarfile
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Layer:
    root: Path | None = None  # a directory whose contents the layer adds
    whiteouts: tuple[str, ...] = ()  # in-root paths to delete from the layers below
    opaque: tuple[str, ...] = ()  # in-root directories whose lower contents are hidden
    compress: bool = False
    extra: list[tuple[tarfile.TarInfo, bytes | None]] = field(default_factory=list)


def layer_bytes(layer: Layer) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        if layer.root is not None:
            for directory, dirs, files in os.walk(layer.root):
                dirs.sort()
                for name in sorted(dirs) + sorted(files):
                    path = Path(directory) / name
                    arcname = str(path.relative_to(layer.root))
                    tar.add(path, arcname=arcname, recursive=False)
        for path in layer.whiteouts:
            parent, _, name = path.strip("/").rpartition("/")
            tar.addfile(_empty(f"{parent}/.wh.{name}" if parent else f".wh.{name}"), io.BytesIO(b""))
        for path in layer.opaque:
            tar.addfile(_empty(f"{path.strip('/')}/.wh..wh..opq"), io.BytesIO(b""))
        for info, data in layer.extra:
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    raw = buffer.getvalue()
    return gzip.compress(raw, mtime=0) if layer.compress else raw


def _empty(name: str) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = 0
    return info


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))


def docker_save(path: Path, layers: list[Layer]) -> Path:
    """A ``docker save`` tarball (legacy layout: <id>/layer.tar and manifest.json)."""
    with tarfile.open(path, "w") as tar:
        names = []
        for layer in layers:
            data = layer_bytes(layer)
            digest = hashlib.sha256(data).hexdigest()
            names.append(f"{digest}/layer.tar")
            _add_bytes(tar, names[-1], data)
        config = json.dumps({"architecture": "amd64", "os": "linux",
                             "rootfs": {"type": "layers", "diff_ids": []}}).encode()
        _add_bytes(tar, "config.json", config)
        manifest = [{"Config": "config.json", "RepoTags": ["apkneed-test:latest"], "Layers": names}]
        _add_bytes(tar, "manifest.json", json.dumps(manifest).encode())
    return path


def oci_layout(path: Path, layers: list[Layer], *, as_tar: bool = False, with_index: bool = True) -> Path:
    """An OCI image layout (a directory, or that directory as a tar), through an image index."""
    blobs: dict[str, bytes] = {}

    def blob(data: bytes, media_type: str, **extra) -> dict:
        digest = hashlib.sha256(data).hexdigest()
        blobs[digest] = data
        return {"mediaType": media_type, "digest": f"sha256:{digest}", "size": len(data), **extra}

    descriptors = []
    for layer in layers:
        data = layer_bytes(layer)
        media = "application/vnd.oci.image.layer.v1.tar" + ("+gzip" if layer.compress else "")
        descriptors.append(blob(data, media))
    config = blob(json.dumps({"architecture": "amd64", "os": "linux"}).encode(), "application/vnd.oci.image.config.v1+json")
    manifest = blob(json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                                "config": config, "layers": descriptors}).encode(),
                    "application/vnd.oci.image.manifest.v1+json", platform={"architecture": "amd64", "os": "linux"})
    top = manifest
    if with_index:
        other = blob(json.dumps({"schemaVersion": 2, "layers": []}).encode(),
                     "application/vnd.oci.image.manifest.v1+json", platform={"architecture": "arm64", "os": "linux"})
        nested = blob(json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                                  "manifests": [other, manifest]}).encode(), "application/vnd.oci.image.index.v1+json")
        top = nested
    files = {
        "oci-layout": json.dumps({"imageLayoutVersion": "1.0.0"}).encode(),
        "index.json": json.dumps({"schemaVersion": 2, "manifests": [top]}).encode(),
        **{f"blobs/sha256/{d}": data for d, data in blobs.items()},
    }
    if as_tar:
        with tarfile.open(path, "w") as tar:
            for name, data in files.items():
                _add_bytes(tar, name, data)
    else:
        for name, data in files.items():
            (path / name).parent.mkdir(parents=True, exist_ok=True)
            (path / name).write_bytes(data)
    return path
