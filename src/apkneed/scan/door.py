"""Which door serves a root path: a directory, a root tarball, or a container image.

The doors themselves live below this module: :mod:`apkneed.scan.rootfs`
(:class:`~apkneed.scan.rootfs.DirRoot`, :class:`~apkneed.scan.rootfs.TarRoot`)
and :mod:`apkneed.scan.image`, which builds on the tar door's pieces. Choosing
between them here keeps the imports one way: door -> image -> rootfs.

API::

    open_root(path) -> RootFS
"""

from __future__ import annotations

import tarfile
from pathlib import Path

from apkneed.errors import InputError
from apkneed.scan.image import is_image, open_image
from apkneed.scan.rootfs import TAR_FAILURES, DirRoot, TarRoot


def open_root(path: Path):
    """The door for ``path``: a directory, a tar archive of a root, or an image
    (``docker save`` / OCI layout, see :mod:`apkneed.scan.image`); anything else is bad input."""
    if is_image(path):
        return open_image(path)
    if path.is_dir():
        return DirRoot(path)
    if path.is_file():
        try:
            is_tar = tarfile.is_tarfile(path)
        except (*TAR_FAILURES, OSError) as exc:  # a damaged compressed stream fails the probe itself
            raise InputError(f"{path}: not a readable tar archive ({exc})") from None
        if not is_tar:
            raise InputError(f"{path}: neither a directory nor a tar archive of a root filesystem")
        return TarRoot(path)
    if not path.exists():
        raise InputError(f"{path}: no such file or directory")
    raise InputError(f"{path}: neither a directory nor a tar archive of a root filesystem")
