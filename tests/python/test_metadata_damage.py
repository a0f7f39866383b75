"""The metadata readers on damaged archives (issue 11, items 2 and 7): every
outcome is the metadata or one EnvironmentFailure, and PKG-INFO is capped."""

from __future__ import annotations

import io
import struct
import tarfile
import zipfile

import pytest

from apkneed.errors import EnvironmentFailure
from apkneed.python.pypi import MAX_METADATA_BYTES, sdist_metadata_bytes, wheel_metadata_bytes

METADATA = b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n" + b"Description: x\n" * 200
WHEEL = "demo-1.0-py3-none-any.whl"


def zip_of(name: str, data: bytes, compression: int = zipfile.ZIP_DEFLATED) -> bytearray:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        archive.writestr(name, data)
    return bytearray(buffer.getvalue())


def set_method(data: bytearray, method: int) -> bytearray:
    struct.pack_into("<H", data, data.rindex(b"PK\x01\x02") + 10, method)
    struct.pack_into("<H", data, data.index(b"PK\x03\x04") + 8, method)
    return data


def set_flags(data: bytearray, flags: int) -> bytearray:
    struct.pack_into("<H", data, data.rindex(b"PK\x01\x02") + 8, flags)
    struct.pack_into("<H", data, data.index(b"PK\x03\x04") + 6, flags)
    return data


def corrupt_data(data: bytearray, name: str) -> bytearray:
    start = data.index(b"PK\x03\x04") + 30 + len(name)
    for offset in range(start + 8, start + 40):
        data[offset] ^= 0xA5
    return data


def damaged(name: str) -> dict[str, bytes]:
    """One archive per failure the readers once let through (the exception in the key)."""
    return {
        "NotImplementedError": bytes(set_method(zip_of(name, METADATA), 99)),
        "RuntimeError (encrypted)": bytes(set_flags(zip_of(name, METADATA), 0x1)),
        "UnicodeDecodeError (a ValueError)": bytes(set_flags(zip_of(name + "\u00e9", METADATA), 0x800)).replace(
            (name + "\u00e9").encode(), (name + "\u00e9").encode()[:-1] + b"\xff"
        ),
        "zlib.error": bytes(corrupt_data(zip_of(name, METADATA), name)),
        "LZMAError": bytes(corrupt_data(zip_of(name, METADATA, zipfile.ZIP_LZMA), name)),
        "OSError (bz2)": bytes(corrupt_data(zip_of(name, METADATA, zipfile.ZIP_BZIP2), name)),
    }


@pytest.mark.parametrize("kind", list(damaged("demo-1.0.dist-info/METADATA")))
def test_wheel_metadata_of_a_damaged_wheel_is_one_environment_failure(kind):
    data = damaged("demo-1.0.dist-info/METADATA")[kind]
    with pytest.raises(EnvironmentFailure, match=WHEEL.replace(".", r"\.")):
        wheel_metadata_bytes(io.BytesIO(data), WHEEL, "demo")


@pytest.mark.parametrize("kind", list(damaged("demo-1.0/PKG-INFO")))
def test_pkg_info_of_a_damaged_zip_sdist_is_one_environment_failure(kind):
    data = damaged("demo-1.0/PKG-INFO")[kind]
    with pytest.raises(EnvironmentFailure, match=r"demo-1\.0\.zip"):
        sdist_metadata_bytes(data, "demo-1.0.zip")


def test_the_undamaged_archives_read():
    assert wheel_metadata_bytes(io.BytesIO(bytes(zip_of("demo-1.0.dist-info/METADATA", METADATA))), WHEEL, "demo") == METADATA
    assert sdist_metadata_bytes(bytes(zip_of("demo-1.0/PKG-INFO", METADATA)), "demo-1.0.zip") == METADATA


def sparse_pkg_info_tar(size: int, *, compression: str = "gz") -> bytes:
    """A tar whose PKG-INFO claims ``size`` bytes: a GNU sparse member holding
    almost nothing, the way the issue's 1 GiB PKG-INFO was made small."""
    info = tarfile.TarInfo("demo-1.0/PKG-INFO")
    info.size = size
    buffer = io.BytesIO()

    class Zeros(io.RawIOBase):
        left = size

        def readable(self):
            return True

        def readinto(self, b):
            n = min(len(b), self.left)
            b[:n] = bytes(n)
            self.left -= n
            return n

    with tarfile.open(fileobj=buffer, mode=f"w:{compression}", compresslevel=9) as tar:
        tar.addfile(info, io.BufferedReader(Zeros()))
    return buffer.getvalue()


def test_a_huge_pkg_info_is_refused_by_its_claimed_size():
    # was: read whole (1 GiB in memory); 64 MiB of zeros gzip to ~64 KiB
    data = sparse_pkg_info_tar(64 << 20)
    assert len(data) < 1 << 20
    with pytest.raises(EnvironmentFailure, match=rf"PKG-INFO claims {64 << 20} bytes \(limit {MAX_METADATA_BYTES}\)"):
        sdist_metadata_bytes(data, "demo-1.0.tar.gz")
    zipped = bytes(zip_of("demo-1.0/PKG-INFO", b"A" * (MAX_METADATA_BYTES + 1), zipfile.ZIP_STORED))
    with pytest.raises(EnvironmentFailure, match=r"PKG-INFO claims 16777217 bytes"):
        sdist_metadata_bytes(zipped, "demo-1.0.zip")


@pytest.mark.parametrize("fraction", [0.02, 0.2, 0.5, 0.9])
def test_a_truncated_tar_sdist_is_one_environment_failure(fraction):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:xz") as tar:
        info = tarfile.TarInfo("demo-1.0/PKG-INFO")
        info.size = len(METADATA)
        tar.addfile(info, io.BytesIO(METADATA))
    data = buffer.getvalue()
    try:
        # a cut after the member's last block may still give the whole of it
        assert sdist_metadata_bytes(data[: int(len(data) * fraction)], "demo-1.0.tar.xz") == METADATA
    except EnvironmentFailure as exc:
        assert str(exc).startswith("demo-1.0.tar.xz: ")
