"""What each real library file is: vendor, dgemm entry point, integer width,
and where it came from (wheel, or the package that owns it)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from apkneed.alpine.index import read_installed_db
from apkneed.alpine.package import file_owners
from apkneed.binary.elf import ElfError, read_elf_file
from apkneed.blas.compare import discover_paths, location_patterns, make_candidate, multiarch_triplet
from apkneed.blas.knowledge import load
from apkneed.blas.origin import (
    PackageDatabase,
    origin_of,
    read_package_database,
    wheel_distribution,
)
from apkneed.blas.vendor import classify, dgemm_entry, forwards_to, interesting_symbols

KNOWLEDGE = load()
INTERESTING = interesting_symbols(KNOWLEDGE)


def image(path) -> object:
    return read_elf_file(path, symbols=False, defines=INTERESTING)


def test_netlib_reference(debian_blas):
    lib = image(debian_blas["netlib"])
    assert classify(lib, KNOWLEDGE).key == "netlib"
    entry = dgemm_entry(lib, KNOWLEDGE.dgemm_symbols)
    assert (entry.symbol, entry.int_model) == ("dgemm_", "LP64")


def test_system_openblas(debian_blas):
    lib = image(debian_blas["openblas"])
    assert classify(lib, KNOWLEDGE).key == "openblas"
    assert "openblas_get_config" in lib.defined
    assert dgemm_entry(lib, KNOWLEDGE.dgemm_symbols).symbol == "dgemm_"


def test_blis(debian_blas):
    lib = image(debian_blas["blis"])
    assert classify(lib, KNOWLEDGE).key == "blis"
    assert dgemm_entry(lib, KNOWLEDGE.dgemm_symbols).symbol == "dgemm_"


def test_numpy_wheel_is_scipy_openblas_ilp64_with_prefix(numpy_blas_path):
    lib = image(numpy_blas_path)
    assert classify(lib, KNOWLEDGE).key == "scipy-openblas"
    entry = dgemm_entry(lib, KNOWLEDGE.dgemm_symbols)
    assert entry.symbol == "scipy_dgemm_64_" and entry.int_model == "ILP64"
    assert "dgemm_" not in lib.defined  # the prefix keeps it out of the way of a system BLAS


def test_debian_openblas_libblas_wrapper_forwards_to_libopenblas(debian_blas):
    wrapper = debian_blas["openblas"].parent / "libblas.so.3"
    lib = image(wrapper)
    vendor = classify(lib, KNOWLEDGE)
    assert vendor.key == "openblas"
    assert forwards_to(lib, vendor) == "libopenblas.so.0"


def test_lapack_only_library_lacks_dgemm(debian_blas):
    lapack = debian_blas["openblas"].parent / "liblapack.so.3"
    candidate = make_candidate(str(lapack), "system", KNOWLEDGE, image)
    assert candidate.status == "no-dgemm"
    assert "lacks the expected symbols" in candidate.problem and "LAPACK-only" in candidate.problem


def test_a_library_that_is_not_a_blas():
    libz = Path("/lib") / multiarch_triplet() / "libz.so.1"
    candidate = make_candidate(str(libz), "--library", KNOWLEDGE, image)
    assert candidate.vendor is None
    assert candidate.status == "no-dgemm"
    assert "dgemm_" in candidate.problem and "not a BLAS" in candidate.problem


def test_not_an_elf_file(tmp_path):
    fake = tmp_path / "libfake.so"
    fake.write_text("not a library\n")
    with pytest.raises(ElfError, match="not an ELF"):
        image(fake)
    assert make_candidate(str(fake), "--library", KNOWLEDGE, image).status == "not-elf"
    with pytest.raises(ElfError, match="no such file"):
        image(tmp_path / "absent.so")


def test_discovery_finds_the_installed_debian_libraries(debian_blas):
    found = {os.path.realpath(p) for p in discover_paths(location_patterns(KNOWLEDGE, multiarch_triplet()))}
    for path in debian_blas.values():
        assert os.path.realpath(path) in found


def test_wheel_origin_from_the_path(numpy_blas_path):
    assert wheel_distribution(str(numpy_blas_path), KNOWLEDGE) == "numpy"
    assert wheel_distribution("/x/site-packages/scipy_openblas64/lib/libscipy_openblas64_.so", KNOWLEDGE) == \
        "scipy_openblas64"
    assert wheel_distribution("/usr/lib/libopenblas.so.3", KNOWLEDGE) is False
    origin = origin_of(str(numpy_blas_path), KNOWLEDGE, PackageDatabase(None, {}))
    assert (origin.kind, origin.package, origin.manager) == ("wheel", "numpy", "pip")


def test_dpkg_owner_of_a_system_library(debian_blas):
    database = read_package_database(Path("/"), KNOWLEDGE)
    assert database.manager == "dpkg"
    origin = origin_of(str(debian_blas["netlib"]), KNOWLEDGE, database)
    assert (origin.kind, origin.package, origin.manager) == ("system", "libblas3", "dpkg")
    assert origin.describe() == "system, dpkg package libblas3"


def test_apk_owner_from_a_real_installed_database(shared_dir, tmp_path):
    # A real python:3.10-alpine3.16 installed database, placed where apk keeps it.
    source = shared_dir / "alpine" / "installed" / "python-3.10-alpine3.16-x86_64.installed"
    db = tmp_path / "lib" / "apk" / "db" / "installed"
    db.parent.mkdir(parents=True)
    shutil.copy(source, db)
    database = read_package_database(tmp_path, KNOWLEDGE)
    assert database.manager == "apk"
    origin = origin_of("/lib/libz.so.1.2.12", KNOWLEDGE, database)
    assert (origin.kind, origin.package, origin.manager) == ("system", "zlib", "apk")
    assert origin_of("/usr/lib/libopenblas.so.3", KNOWLEDGE, database).package is None


def test_apk_file_owners_index_every_file(shared_dir):
    packages = read_installed_db((shared_dir / "alpine" / "installed" / "python-3.10-alpine3.16-x86_64.installed")
                                 .read_bytes())
    owners = file_owners(packages)
    assert owners["lib/libz.so.1"] == "zlib"
    assert owners["usr/lib/libffi.so.8"] == "libffi"
