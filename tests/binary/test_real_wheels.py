"""Real wheels from PyPI (downloaded once into the test cache, sha256
checked), inspected and checked against readelf on their extracted members."""

from __future__ import annotations

import posixpath
import zipfile
from pathlib import Path

import pytest
from binary_helpers import CountingReader
from binutils_oracle import readelf_facts

from apkneed.alpine.sources.world import load_world
from apkneed.binary.policy import Target
from apkneed.binary.wheel import inspect_wheel
from apkneed.binary.zipread import ZipLimits
from apkneed.cli.inspect import so_providers_from_world

pytestmark = pytest.mark.network

TARGET = Target("x86_64", python=(3, 10), musl_version="1.2.3-r2")


@pytest.fixture(scope="module")
def providers(v316_index_path):
    return so_providers_from_world(load_world(index_paths=[v316_index_path], arch="x86_64"))


def inspect(path: Path, **kwargs):
    with path.open("rb") as stream:
        return inspect_wheel(stream, path.name, target=kwargs.pop("target", TARGET), **kwargs)


def elf_members(path: Path) -> dict[str, bytes]:
    """Every member that starts with the ELF magic: the independent truth."""
    with zipfile.ZipFile(path) as archive:
        out = {}
        for info in archive.infolist():
            with archive.open(info) as member:
                if member.read(4) == b"\x7fELF":
                    out[info.filename] = archive.read(info)
        return out


def assert_objects_match_readelf(report, wheel: Path, tmp_path: Path) -> None:
    members = elf_members(wheel)
    assert sorted(o.path for o in report.objects) == sorted(members)
    for obj in report.objects:
        extracted = tmp_path / posixpath.basename(obj.path)
        extracted.write_bytes(members[obj.path])
        truth = readelf_facts(extracted)
        assert (obj.needed, obj.soname, obj.search_path) == (truth.needed, truth.soname, truth.runpath or truth.rpath)


def test_numpy_musllinux_needs_only_musl(numpy_musl_wheel, providers, tmp_path):
    report = inspect(numpy_musl_wheel, providers=providers)
    assert report.libc == "musl" and report.compatible and report.problems == ()
    assert report.external == ()
    assert_objects_match_readelf(report, numpy_musl_wheel, tmp_path)
    extensions = [o for o in report.objects if ".cpython-310-x86_64-linux-gnu.so" in o.path]
    assert len(extensions) > 10
    # every extension that needs anything needs musl's libc (one test module needs nothing)
    assert all("libc.musl-x86_64.so.1" in o.needed for o in extensions if o.needed)
    assert {o.libc for o in extensions} == {"musl", "none"}
    # everything else any object needs is a file in numpy.libs
    libs = {posixpath.basename(v) for v in report.vendored}
    assert all(posixpath.dirname(v) == "numpy.libs" for v in report.vendored)
    for obj in report.objects:
        assert set(obj.needed) <= libs | {"libc.musl-x86_64.so.1"}, obj.path
    for prefix in ("libscipy_openblas", "libgfortran", "libstdc++", "libgcc_s", "libquadmath"):
        assert any(name.startswith(prefix) for name in libs), prefix
    as_json = report.as_json()
    assert (as_json["libc"], as_json["compatible"], as_json["external"]) == ("musl", True, [])


def test_numpy_streamed_large_members_give_the_same_answer(numpy_musl_wheel):
    # force the cached-head path for every member above 1 MiB (openblas is ~35 MiB)
    in_memory = inspect(numpy_musl_wheel)
    streamed = inspect(numpy_musl_wheel, limits=ZipLimits(in_memory_bytes=1 << 20))
    assert streamed == in_memory


def test_only_object_members_are_read(pillow_musl_wheel):
    with zipfile.ZipFile(pillow_musl_wheel) as archive:
        infos = archive.infolist()
    objects = [i for i in infos if i.filename.endswith(".so") or ".so." in i.filename]
    other = [i for i in infos if i not in objects]
    assert sum(i.compress_size for i in other) > 100_000  # the .py files are worth skipping
    stream = CountingReader(pillow_musl_wheel.read_bytes())
    with stream:
        inspect_wheel(stream, pillow_musl_wheel.name, target=TARGET)
    size = pillow_musl_wheel.stat().st_size
    # object data, plus directory, headers and zipfile's 4 KiB read-ahead per member
    budget = sum(i.compress_size for i in objects) + (size - max(i.header_offset for i in infos)) + 5000 * len(objects)
    assert stream.bytes_read <= budget < size + 5000 * len(objects)
    assert stream.bytes_read < size - sum(i.compress_size for i in other) // 2


def test_pillow_keeps_libz_external(pillow_musl_wheel, providers, tmp_path):
    report = inspect(pillow_musl_wheel, providers=providers)
    assert report.libc == "musl" and report.compatible
    assert [(e.soname, e.provided_by) for e in report.external] == [("libz.so.1", ("zlib",))]
    needed_by = report.external[0].needed_by
    assert "PIL/_imaging.cpython-310-x86_64-linux-gnu.so" in needed_by
    assert any(p.startswith("pillow.libs/libpng16") for p in needed_by)
    # allowed by the musllinux policy: no problem reported for it
    assert report.problems == ()
    assert_objects_match_readelf(report, pillow_musl_wheel, tmp_path)


def test_manylinux_wheel_is_not_installable(markupsafe_manylinux_wheel, tmp_path):
    report = inspect(markupsafe_manylinux_wheel)
    assert report.libc == "glibc" and not report.compatible
    assert [p.code for p in report.problems] == ["manylinux-on-musl"]
    (obj,) = report.objects
    assert "libc.so.6" in obj.needed
    # manylinux_2_17 promises nothing newer than GLIBC_2.17
    assert tuple(map(int, obj.glibc_max.split("."))) <= (2, 17)
    assert_objects_match_readelf(report, markupsafe_manylinux_wheel, tmp_path)


def test_small_musllinux_wheel(markupsafe_musl_wheel):
    report = inspect(markupsafe_musl_wheel)
    assert report.libc == "musl" and report.compatible and report.external == ()
    (obj,) = report.objects
    assert obj.needed == ("libc.musl-x86_64.so.1",) and obj.glibc_max is None
    # the same wheel for the wrong Python and the wrong arch
    assert [p.code for p in inspect(markupsafe_musl_wheel, target=Target("x86_64", python=(3, 12))).problems] == [
        "python-mismatch"
    ]
    assert "arch-mismatch" in {p.code for p in inspect(markupsafe_musl_wheel, target=Target("aarch64")).problems}


def test_pure_python_wheel(six_wheel):
    report = inspect(six_wheel)
    assert (report.libc, report.compatible, report.objects, report.problems) == ("none", True, (), ())
    assert report.tags == ("py2-none-any", "py3-none-any")
