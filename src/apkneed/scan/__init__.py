"""The doctor: what an Alpine root filesystem, image or venv is missing, and carries for nothing.

Modules, from the edge inwards:

* ``rootfs``    the one door to ROOT: a directory or a tar archive read in place
* ``image``     a ``docker save`` / OCI image as one root, its layers merged in place (on rootfs's tar pieces)
* ``door``      which of those serves a path (``open_root``)
* ``paths``     symlink resolution inside ROOT (absolute links re-rooted, ``..``
                clamped, loops detected): pure functions over directory entries
* ``facts``     the data: musl's search rules, Alpine's base layout, build tools
* ``system``    what ROOT says about itself: arch, release, libc, apk database, world
* ``walk``      the ELF files of ROOT and their dynamic-linking facts
* ``loader``    musl's dynamic loader as pure functions (search, self names, load order)
* ``diagnose``  missing libraries, glibc-linked and foreign-arch files
* ``slim``      installed packages nothing needs, and the apk command to drop them
* ``python``    which distribution (and wheel) a site-packages file came from
* ``lookup``    which apk packages provide a soname
* ``doctor``    the whole scan as one function (``scan_root``) returning plain data
* ``report``    that data as JSON
"""
