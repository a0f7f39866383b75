"""A container image as one root filesystem: its layers applied in order, never unpacked.

Two on-disk forms are read, each as a directory or as a tar archive:

* ``docker save``: ``manifest.json`` lists ``Layers`` (paths of layer tars in
  the archive), bottom first;
* an OCI image layout (``oci-layout``, ``index.json``, ``blobs/sha256/...``):
  the index names a manifest (or an image index, whose manifest for this
  machine's arch (``amd64`` for x86_64) is taken, else its first), whose ``layers`` are blobs. Newer
  ``docker save`` writes both; ``manifest.json`` is then preferred (it is
  exactly the saved image).

Layers are tar streams, plain or gzip/bzip2/xz compressed (read through the
standard decompressors, in place); zstd layers are refused with one line.
They are applied bottom to top as the OCI image spec's "Applying changesets"
says: a ``.wh.NAME`` entry deletes ``NAME`` (and everything under it) from
the layers below; a ``.wh..wh..opq`` entry in a directory hides every entry
the layers below put in that directory; an entry replaces what a lower layer
had at its path (a directory over a directory merges). The merged tree is
served through the same door as a root tarball (:class:`~apkneed.scan.rootfs.RootFS`),
so ``apkneed scan`` reads an image exactly as it reads a root: member by
member, seeking inside the archive, nothing written to disk.

API::

    is_image(path) -> bool
    open_image(path) -> ImageRoot
"""

from __future__ import annotations

import bz2
import gzip
import json
import lzma
import posixpath
import tarfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Iterable

from apkneed.errors import InputError
from apkneed.scan.rootfs import DIR, FILE, OTHER, SYMLINK, TAR_FAILURES, CountingStream, Node, ReadCounter, member_path

WHITEOUT = ".wh."
OPAQUE = ".wh..wh..opq"
#: manifests and indexes are small JSON documents; a larger one is not one
MAX_JSON = 4 << 20
_PLATFORM_ARCH = {"x86_64": "amd64", "aarch64": "arm64"}


@dataclass
class _Entry:
    node: Node
    layer: int = -1
    member: tarfile.TarInfo | None = None


@dataclass
class _Tree:
    entries: dict[str, _Entry] = field(default_factory=dict)
    children: dict[str, dict[str, None]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.entries["/"] = _Entry(Node(DIR))

    def remove(self, path: str) -> None:
        if path not in self.entries or path == "/":
            return
        for child in list(self.children.get(path, ())):
            self.remove(posixpath.join(path, child))
        self.children.pop(path, None)
        del self.entries[path]
        parent, name = posixpath.split(path)
        self.children.get(parent, {}).pop(name, None)

    def clear_directory(self, path: str) -> None:
        for child in list(self.children.get(path, ())):
            self.remove(posixpath.join(path, child))

    def put(self, path: str, entry: _Entry) -> None:
        old = self.entries.get(path)
        if old is not None and not (old.node.kind == DIR and entry.node.kind == DIR):
            self.remove(path)
        self._parents(path)
        self.entries[path] = entry
        parent, name = posixpath.split(path)
        self.children.setdefault(parent, {})[name] = None

    def _parents(self, path: str) -> None:
        parent = posixpath.dirname(path)
        if parent == path:
            return
        existing = self.entries.get(parent)
        if existing is None or existing.node.kind != DIR:
            if existing is not None:
                self.remove(parent)
            self._parents(parent)
            self.entries[parent] = _Entry(Node(DIR))
            grand, name = posixpath.split(parent)
            self.children.setdefault(grand, {})[name] = None


def is_image(path: Path) -> bool:
    """A docker-save or OCI layout, as a directory or a tar archive."""
    if path.is_dir():
        return (path / "manifest.json").is_file() or (path / "oci-layout").is_file()
    if not path.is_file():
        return False
    try:
        with tarfile.open(path, "r:*") as tar:
            for member in tar:
                if member.name.lstrip("./") in ("manifest.json", "oci-layout"):
                    return True
    except (*TAR_FAILURES, OSError):
        return False
    return False


class _Source:
    """The image's files: a directory, or members of a tar archive."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.tar: tarfile.TarFile | None = None
        self.members: dict[str, tarfile.TarInfo] = {}
        if path.is_file():
            try:
                self.tar = tarfile.open(path, "r:*")
                for member in self.tar.getmembers():
                    name = member_path(member.name)
                    if name is not None and (member.isreg() or member.issym()):
                        self.members[name.lstrip("/")] = member
            except (*TAR_FAILURES, OSError) as exc:
                raise InputError(f"{path}: not a readable image archive ({exc})") from None

    def exists(self, name: str) -> bool:
        if self.tar is None:
            return (self.path / name).is_file()
        return name in self.members

    def open(self, name: str) -> BinaryIO:
        name = posixpath.normpath(name).lstrip("/")
        if name.startswith(".."):
            raise InputError(f"{self.path}: {name} points outside the image")
        if self.tar is None:
            try:
                return open(self.path / name, "rb")
            except OSError as exc:
                raise InputError(f"{self.path}: {name}: {exc.strerror or exc}") from None
        member = self.members.get(name)
        # docker save may store a layer as a symlink to another layer's tar
        seen = 0
        while member is not None and member.issym() and seen < 8:
            member = self.members.get(posixpath.normpath(posixpath.join(posixpath.dirname(name), member.linkname)))
            seen += 1
        if member is None or not member.isreg():
            raise InputError(f"{self.path}: the image names {name}, which is not in the archive")
        stream = self.tar.extractfile(member)
        assert stream is not None
        return stream

    def json(self, name: str):
        with self.open(name) as stream:
            data = stream.read(MAX_JSON + 1)
        if len(data) > MAX_JSON:
            raise InputError(f"{self.path}: {name} is too large for an image manifest")
        try:
            return json.loads(data)
        except ValueError as exc:
            raise InputError(f"{self.path}: {name} is not JSON ({exc})") from None

    def close(self) -> None:
        if self.tar is not None:
            self.tar.close()


def layer_names(source: _Source, arch: str | None = None) -> list[str]:
    """The layer files of the image, bottom first."""
    if source.exists("manifest.json"):
        manifest = source.json("manifest.json")
        if not isinstance(manifest, list) or not manifest or not isinstance(manifest[0], dict):
            raise InputError(f"{source.path}: manifest.json is not a docker-save manifest")
        if len(manifest) > 1:
            tags = ", ".join(str(m.get("RepoTags") if isinstance(m, dict) else m) for m in manifest)
            raise InputError(f"{source.path}: holds {len(manifest)} images ({tags}); save one image per archive")
        layers = manifest[0].get("Layers")
        if not isinstance(layers, list) or not all(isinstance(x, str) for x in layers):
            raise InputError(f"{source.path}: manifest.json has no Layers list")
        return layers
    if source.exists("index.json"):
        document = source.json("index.json")
        for _ in range(4):  # index -> (image index ->) manifest
            manifests = document.get("manifests") if isinstance(document, dict) else None
            if manifests is None:
                break
            if not isinstance(manifests, list) or not manifests:
                raise InputError(f"{source.path}: an OCI index without manifests")
            if arch is None:
                from apkneed.alpine.sources.world import host_arch

                arch = host_arch()
            wanted = _PLATFORM_ARCH.get(arch, arch)
            chosen = next((m for m in manifests if isinstance(m, dict) and isinstance(m.get("platform"), dict)
                           and m["platform"].get("architecture") == wanted), manifests[0])
            document = source.json(_blob(chosen, source))
        layers = document.get("layers") if isinstance(document, dict) else None
        if not isinstance(layers, list):
            raise InputError(f"{source.path}: the OCI manifest has no layers")
        return [_blob(layer, source) for layer in layers]
    raise InputError(f"{source.path}: neither manifest.json (docker save) nor index.json (OCI layout)")


def _blob(descriptor, source: _Source) -> str:
    digest = descriptor.get("digest") if isinstance(descriptor, dict) else None
    if not isinstance(digest, str) or ":" not in digest:
        raise InputError(f"{source.path}: a descriptor without a digest")
    algorithm, _, hexdigest = digest.partition(":")
    if not hexdigest.isalnum() or not algorithm.isalnum():
        raise InputError(f"{source.path}: bad digest {digest!r}")
    return f"blobs/{algorithm}/{hexdigest}"


def _layer_stream(raw: BinaryIO, label: str) -> BinaryIO:
    head = raw.read(6)
    raw.seek(0)
    if head[:2] == b"\x1f\x8b":
        return gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]
    if head[:3] == b"BZh":
        return bz2.BZ2File(raw)  # type: ignore[return-value]
    if head[:6] == b"\xfd7zXZ\x00":
        return lzma.LZMAFile(raw)  # type: ignore[return-value]
    if head[:4] == b"\x28\xb5\x2f\xfd":
        raise InputError(f"{label}: a zstd-compressed layer; apkneed reads plain, gzip, bzip2 and xz layers")
    return raw


class ImageRoot:
    """The merged root of an image's layers (see the module docstring)."""

    def __init__(self, path: Path, arch: str | None = None) -> None:
        self.label = str(path)
        self.counter = ReadCounter()
        self.refused: list[tuple[str, str]] = []
        self._source = _Source(path)
        self._layers: list[tarfile.TarFile] = []
        self._tree = _Tree()
        try:
            for index, name in enumerate(layer_names(self._source, arch)):
                label = f"{path}: layer {index + 1} ({name})"
                try:
                    layer = tarfile.open(fileobj=_layer_stream(self._source.open(name), label), mode="r:")
                    members = layer.getmembers()
                except TAR_FAILURES as exc:
                    raise InputError(f"{label}: not a readable layer ({exc})") from None
                self._layers.append(layer)
                self._apply(index, members)
        except BaseException:
            self.close()
            raise
        self.layer_count = len(self._layers)

    def _apply(self, layer: int, members: list[tarfile.TarInfo]) -> None:
        tree = self._tree
        additions: list[tuple[str, tarfile.TarInfo]] = []
        for member in members:
            path = member_path(member.name)
            if path is None:
                self.refused.append((member.name, f"layer {layer + 1}: member climbs out of the root with '..'; ignored"))
                continue
            if path == "/":
                continue
            parent, name = posixpath.split(path)
            if name == OPAQUE:
                tree.clear_directory(parent)
            elif name.startswith(WHITEOUT):
                tree.remove(posixpath.join(parent, name[len(WHITEOUT):]))
            else:
                additions.append((path, member))
        links = []
        for path, member in additions:
            if member.isreg():
                tree.put(path, _Entry(Node(FILE, member.size, None, (layer, path)), layer, member))
            elif member.isdir():
                tree.put(path, _Entry(Node(DIR), layer))
            elif member.issym():
                tree.put(path, _Entry(Node(SYMLINK, len(member.linkname), member.linkname, (layer, path)), layer))
            elif member.islnk():
                links.append((path, member))
            else:
                tree.put(path, _Entry(Node(OTHER), layer))
        for path, member in links:
            target = member_path(member.linkname)
            entry = tree.entries.get(target) if target else None
            if entry is None or entry.member is None:
                self.refused.append((member.name, f"layer {layer + 1}: hard link to {member.linkname!r}, "
                                                  "which is not a file in the image"))
                continue
            tree.put(path, _Entry(entry.node, entry.layer, entry.member))

    # ---- the RootFS door ----

    def lstat(self, path: str) -> Node | None:
        entry = self._tree.entries.get(path)
        return entry.node if entry else None

    def listdir(self, path: str) -> list[tuple[str, Node]]:
        entries = self._tree.entries
        return [(name, entries[posixpath.join(path, name)].node) for name in self._tree.children.get(path, {})]

    def _entry(self, path: str) -> _Entry:
        entry = self._tree.entries.get(path)
        if entry is None or entry.member is None:
            raise FileNotFoundError(2, "No such file in the image", path)
        return entry

    def open(self, path: str) -> BinaryIO:
        entry = self._entry(path)
        try:
            stream = self._layers[entry.layer].extractfile(entry.member)
        except TAR_FAILURES as exc:
            raise OSError(5, f"cannot read from the image ({exc})", path) from None
        if stream is None:
            raise FileNotFoundError(2, "No such file in the image", path)
        return CountingStream(stream, self.counter)  # type: ignore[return-value]

    def peek(self, path: str, length: int) -> tuple[bytes, int]:
        entry = self._entry(path)
        with self.open(path) as stream:
            try:
                return stream.read(length), entry.member.size
            except TAR_FAILURES as exc:
                raise OSError(5, f"cannot read from the image ({exc})", path) from None

    def read_order(self, paths: Iterable[str]) -> list[str]:
        entries = self._tree.entries

        def key(path: str):
            entry = entries.get(path)
            if entry is None or entry.member is None:
                return (-1, -1)
            return (entry.layer, entry.member.offset_data)

        return sorted(paths, key=key)

    def close(self) -> None:
        for layer in self._layers:
            layer.close()
        self._source.close()


def open_image(path: Path, arch: str | None = None) -> ImageRoot:
    return ImageRoot(path, arch)
