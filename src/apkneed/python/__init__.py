"""The Python side of a plan: what a requirement set installs on an Alpine target.

* ``config``        which index and CA bundle to use, following pip's configuration rules
* ``pypi``          the simple-API client: project pages, core metadata, verified downloads
* ``tags``          the wheel tags pip accepts on the target (musl version, arch, Python)
* ``select``        which file of a pinned release pip would install there, and why
* ``resolve``       the pinned distributions, resolved for the target by uv
* ``requirements``  requirements files as pip reads them, refusing what cannot be planned

Range reads of remote wheels live in :mod:`apkneed.net.rangefile`.
"""
