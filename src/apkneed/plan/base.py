"""Base images: reading ``--base``, and the apk world each image already carries.

``--base`` names where Python comes from:

* ``alpine`` (or ``alpine:3.16``): Python is Alpine's ``python3`` package;
  headers are ``python3-dev``; Alpine's ``py3-*`` packages are importable.
* ``python:3.12`` (or ``python:3.12-alpine``, ``python:3.12-alpine3.22``,
  ``python:3.12.8-alpine3.22``): the Docker official image, whose CPython is
  built from source into ``/usr/local``. apk's ``python3``/``python3-dev``
  are a different interpreter there and never part of a plan. A tag suffix
  ``-alpine3.22`` names the Alpine release; without it the release comes
  from ``--alpine`` (or the index).
* ``python`` alone: the image of the release's own Python version.

The image contents are data (``data/base-images.toml``, which cites where
they come from). :func:`base_world` turns them into apk atoms for the
TARGET index, so the solver answers what they pull in.

API::

    parse_base(text) -> BaseSpec
    load_base_images(path=BASE_IMAGES_PATH) -> dict[str, BaseImage]
    base_world(kind, images, providers, arch) -> BaseWorld
    image_reference(spec, release, python) -> str      # "python:3.12-alpine3.22"
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Mapping

from apkneed.alpine.providers import ProviderMap
from apkneed.errors import InputError
from apkneed.plan.knowledge import DATA_DIR
from apkneed.records import Frozen, set_field
from apkneed.tomlfile import read_toml

BASE_IMAGES_PATH = DATA_DIR / "base-images.toml"
KINDS = ("alpine", "python")

_ALPINE_RE = re.compile(r"^alpine(?::(?P<tag>\d+\.\d+(?:\.\d+)?|edge|latest))?$")
_PYTHON_RE = re.compile(
    r"^python(?::(?:(?P<version>3\.\d+(?:\.\d+)?)(?:-alpine(?P<alpine>\d+\.\d+)?)?|alpine(?P<floating>\d+\.\d+)?))?$"
)
_SONAME_VERSION_RE = re.compile(r"^so:(?P<stem>.+?\.so)(?P<version>(?:\.\d+)*)$")


class BaseSpec(Frozen):
    """What ``--base`` said."""

    __slots__ = ("kind", "text", "python_tag", "alpine")

    kind: str  # "alpine" | "python"
    text: str  # as given
    python_tag: str | None  # "3.12" or "3.12.8" (python images only)
    alpine: str | None  # "v3.22" when the tag names the release

    def __init__(self, kind: str, text: str, python_tag: str | None = None, alpine: str | None = None) -> None:
        set_field(self, "kind", kind)
        set_field(self, "text", text)
        set_field(self, "python_tag", python_tag)
        set_field(self, "alpine", alpine)

    @property
    def python(self) -> str | None:
        """The major.minor of the image's Python: ``3.12``."""
        if self.python_tag is None:
            return None
        return ".".join(self.python_tag.split(".")[:2])


class BaseImage(Frozen):
    __slots__ = ("kind", "world", "rundeps", "python", "source")

    kind: str
    world: tuple[str, ...]
    rundeps: tuple[str, ...]
    python: str
    source: str

    def __init__(self, kind: str, world: tuple[str, ...], rundeps: tuple[str, ...], python: str, source: str) -> None:
        set_field(self, "kind", kind)
        set_field(self, "world", world)
        set_field(self, "rundeps", rundeps)
        set_field(self, "python", python)
        set_field(self, "source", source)


class BaseWorld(Frozen):
    """A base image's world as atoms of the target index."""

    __slots__ = ("kind", "atoms", "notes", "sources")

    kind: str
    atoms: tuple[str, ...]
    #: why an atom differs from the data, or was left out (one line each)
    notes: tuple[str, ...]
    sources: tuple[str, ...]

    def __init__(
        self,
        kind: str,
        atoms: tuple[str, ...],
        notes: tuple[str, ...] = (),
        sources: tuple[str, ...] = (),
    ) -> None:
        set_field(self, "kind", kind)
        set_field(self, "atoms", atoms)
        set_field(self, "notes", notes)
        set_field(self, "sources", sources)


def parse_base(text: str) -> BaseSpec:
    """``alpine``, ``alpine:3.16``, ``python``, ``python:alpine[3.22]``, ``python:3.12``, ``python:3.12-alpine3.22``."""
    value = text.strip()
    alpine = _ALPINE_RE.match(value)
    if alpine:
        tag = alpine.group("tag")
        release = None
        if tag and tag[0].isdigit():
            release = "v" + ".".join(tag.split(".")[:2])
        elif tag == "edge":
            release = "edge"
        return BaseSpec("alpine", value, alpine=release)
    python = _PYTHON_RE.match(value)
    if python:
        suffix = python.group("alpine") or python.group("floating")  # python:alpine3.23: Docker's own tag
        return BaseSpec(
            "python", value, python_tag=python.group("version"), alpine=f"v{suffix}" if suffix else None
        )
    raise InputError(
        f"--base {text!r}: expected alpine, alpine:3.X, python, python:alpine, python:alpine3.Z, python:X.Y, "
        "python:X.Y-alpine or python:X.Y-alpine3.Z"
    )


def image_reference(spec: BaseSpec, release: str | None, python: str) -> str:
    """The FROM line's image for a plan: the tag pinned to the plan's release."""
    if release and re.match(r"^v\d+\.\d+$", release):
        number = release[1:]
    else:
        number = None  # edge or unknown: the image's moving tag
    if spec.kind == "alpine":
        if release == "edge":
            return "alpine:edge"
        return f"alpine:{number}" if number else "alpine:latest"
    tag = spec.python_tag or python
    return f"python:{tag}-alpine{number}" if number else f"python:{tag}-alpine"


def load_base_images(path: Path = BASE_IMAGES_PATH) -> dict[str, BaseImage]:
    """The base image table, validated; InputError names the entry and field."""
    return parse_base_images(read_toml(path), source=str(path))


def parse_base_images(data: Mapping[str, Any], *, source: str) -> dict[str, BaseImage]:
    if data.get("schema") != 1:
        raise InputError(f"{source}: schema must be 1, got {data.get('schema')!r}")
    table = data.get("images")
    if not isinstance(table, Mapping) or set(table) != set(KINDS):
        raise InputError(f"{source}: [images] must hold exactly {', '.join(KINDS)}")
    raw = {kind: _checked_entry(kind, table[kind], f"{source}: images.{kind}") for kind in KINDS}
    images = {}
    for kind, entry in raw.items():
        world = tuple(entry.get("world", ()))
        parent = entry.get("extends")
        if parent is not None:
            if parent not in raw or raw[parent].get("extends"):
                raise InputError(f"{source}: images.{kind}.extends: {parent!r} is not a base kind without a parent")
            world = tuple(raw[parent].get("world", ())) + world
        images[kind] = BaseImage(
            kind=kind, world=world, rundeps=tuple(entry.get("rundeps", ())),
            python=entry["python"], source=entry["source"],
        )
    return images


def _checked_entry(kind: str, entry: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(entry, Mapping):
        raise InputError(f"{where}: expected a table")
    unknown = sorted(set(entry) - {"world", "extends", "rundeps", "python", "source"})
    if unknown:
        raise InputError(f"{where}: unknown key(s) {', '.join(unknown)}")
    for key in ("world", "rundeps"):
        value = entry.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise InputError(f"{where}.{key}: expected a list of names")
    for key in ("python", "source"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise InputError(f"{where}.{key}: expected a non-empty string")
    return entry


def base_world(kind: str, images: Mapping[str, BaseImage], providers: ProviderMap, arch: str) -> BaseWorld:
    """The atoms of the ``kind`` image for the target index (see the data file's rules)."""
    image = images[kind]
    atoms = list(image.world)
    notes: list[str] = []
    for written in image.rundeps:
        name = written.replace("{arch}", arch)
        if name in providers:
            atoms.append(name)
            continue
        substitute = _same_library(name, providers)
        if substitute is None:
            notes.append(f"{kind} image: no package in the index provides {name} (left out of the base world)")
        else:
            atoms.append(substitute)
            notes.append(f"{kind} image: {name} is not in the index; using {substitute} instead")
    return BaseWorld(kind, tuple(dict.fromkeys(atoms)), tuple(notes), (image.source,))


def _same_library(name: str, providers: ProviderMap) -> str | None:
    """``so:libcrypto.so.3`` for ``so:libcrypto.so.1.1`` when only the former exists."""
    match = _SONAME_VERSION_RE.match(name)
    if not match:
        return None
    stem = match.group("stem")
    found = []
    for candidate in providers.names():
        if candidate.startswith(f"so:{stem}."):
            other = _SONAME_VERSION_RE.match(candidate)
            if other and other.group("stem") == stem:
                found.append(candidate)
    if not found:
        return None
    # The highest soname version: "so:libcrypto.so.3" over "so:libcrypto.so.1.1".
    return max(found, key=lambda n: _version_key(n[len(stem) + 4:]))


def _version_key(dotted: str) -> tuple[int, ...]:
    return tuple(int(part) for part in dotted.split(".") if part.isdigit())

