"""Fuzzing the tar root reader (door.open_root, build_tar_tree, the member streams)
and the scan behind it: a real root laid out by the scan tests, archived,
mutated where tar headers live and truncated. The outcome is a report or one
InputError (issue 11's rule: anything else is a crash)."""

from __future__ import annotations

import io
import tarfile

import pytest
from fuzz_helpers import FUZZ, contained, mutate
from hypothesis import given, settings
from hypothesis import strategies as st
from scanroots import make_root, put

from apkneed.scan.doctor import scan_root
from apkneed.scan.door import open_root


@pytest.fixture(scope="module")
def seeds(tmp_path_factory, builds) -> dict[str, bytes]:
    root = make_root(tmp_path_factory.mktemp("fuzz-root") / "root", builds)
    put(root, builds, "app-z", "/usr/bin/app-z")
    put(root, builds, "libz.so.1.2.12", "/lib/libz.so.1.2.12", "/lib/libz.so.1")
    out = {}
    for mode in ("w", "w:gz"):
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode=mode) as tar:
            tar.add(root, arcname=".")
        out[mode] = buffer.getvalue()
    return out


def scan(tmp_path, data: bytes, suffix: str) -> None:
    path = tmp_path / f"root{suffix}"
    path.write_bytes(data)

    def run():
        rootfs = open_root(path)
        try:
            return scan_root(rootfs)
        finally:
            rootfs.close()

    report = contained(run)
    if report is not None:
        assert all("\n" not in p.message for p in report.problems)


@settings(FUZZ, max_examples=max(1, FUZZ.max_examples // 2))
@given(data=st.data(), mode=st.sampled_from(["w", "w:gz"]))
def test_mutated_tar_roots(tmp_path, seeds, data, mode):
    seed = seeds[mode]
    hot = list(range(0, len(seed), 512)) if mode == "w" else [0]
    scan(tmp_path, mutate(data, seed, hot), ".tar" if mode == "w" else ".tar.gz")


def test_the_seed_scans(tmp_path, seeds):
    path = tmp_path / "root.tar"
    path.write_bytes(seeds["w"])
    rootfs = open_root(path)
    report = scan_root(rootfs)
    rootfs.close()
    assert report.ok and report.elf_files >= 3
