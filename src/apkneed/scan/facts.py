"""The data a scan works from, read from ``data/loader.json`` and ``data/layout.json``.

Every rule with a source (musl's search order and self names, Alpine's base
layout, what a virtual package looks like) lives in those files with its
source; this module only turns them into immutable records.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True)
class ArchNames:
    alpine: str  # x86_64, armv7, ...
    ldso: str  # musl's LDSO_ARCH: the ld-musl-<ldso>.so.1 name
    elf: str  # the arch apkneed.binary.elf reports for this machine


@dataclass(frozen=True)
class LoaderFacts:
    """How musl's loader finds a library (see data/loader.json for the sources)."""

    self_lib_prefixes: tuple[str, ...]
    default_path: tuple[str, ...]
    path_file: str  # "etc/ld-musl-{ldso_arch}.path", relative to the loader's prefix
    separators: str
    name_max: int
    interpreter: str  # "/lib/ld-musl-{ldso_arch}.so.1"
    libc_file: str  # "/lib/libc.musl-{arch}.so.1"
    glibc_interpreters: tuple[str, ...]
    arches: dict[str, ArchNames]
    max_symlinks: int

    def arch(self, alpine_arch: str) -> ArchNames | None:
        return self.arches.get(alpine_arch)

    def interpreters(self) -> dict[str, str]:
        """Alpine arch -> the musl loader's path, in the data's order (armhf and armv7 share one)."""
        return {arch: self.interpreter.format(ldso_arch=names.ldso) for arch, names in self.arches.items()}

    def interpreter_for(self, alpine_arch: str) -> str | None:
        return self.interpreters().get(alpine_arch)


@dataclass(frozen=True)
class LayoutFacts:
    """Where to look in a root, and which packages are never "unneeded"."""

    walk_dirs: tuple[str, ...]
    site_packages_names: frozenset[str]
    installed_db: str
    world_file: str
    release_file: str
    base_packages: tuple[str, ...]
    virtual_description: str
    virtual_arch: str
    virtual_prefix: str
    build_tools: frozenset[str]
    dev_suffix: str

    def is_build_tool(self, name: str) -> bool:
        return name in self.build_tools or name.endswith(self.dev_suffix)


def _load(name: str) -> dict:
    text = resources.files("apkneed.scan").joinpath(f"data/{name}").read_text("utf-8")
    return json.loads(text)


def loader_facts_from_data(data: dict) -> LoaderFacts:
    search = data["search"]
    arches = {
        name: ArchNames(name, entry["ldso"], entry["elf"])
        for name, entry in data["arches"].items()
        if isinstance(entry, dict)
    }
    return LoaderFacts(
        self_lib_prefixes=tuple(data["self_names"]["lib_prefixes"]),
        default_path=tuple(search["default_path"]),
        path_file=search["path_file"],
        separators=search["separators"],
        name_max=int(search["name_max"]),
        interpreter=data["interpreter"],
        libc_file=data["libc_file"],
        glibc_interpreters=tuple(data["glibc_interpreters"]),
        arches=arches,
        max_symlinks=int(data["max_symlinks"]),
    )


def layout_facts_from_data(data: dict) -> LayoutFacts:
    virtual, tools = data["virtual"], data["build_tools"]
    return LayoutFacts(
        walk_dirs=tuple(data["walk"]["dirs"]),
        site_packages_names=frozenset(data["site_packages_names"]),
        installed_db=data["installed_db"],
        world_file=data["world_file"],
        release_file=data["release_file"],
        base_packages=tuple(data["base"]["packages"]),
        virtual_description=virtual["description"],
        virtual_arch=virtual["arch"],
        virtual_prefix=virtual["name_prefix"],
        build_tools=frozenset(tools["packages"]),
        dev_suffix=tools["dev_suffix"],
    )


@cache
def load_loader_facts() -> LoaderFacts:
    return loader_facts_from_data(_load("loader.json"))


@cache
def load_layout_facts() -> LayoutFacts:
    return layout_facts_from_data(_load("layout.json"))
