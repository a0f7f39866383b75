"""The Python side of a plan: what a requirement set installs on an Alpine target.

* ``config``        which index and CA bundle to use, following pip's configuration rules
* ``pypi``          the simple-API client: project pages, core metadata, verified downloads
* ``tags``          the wheel tags pip accepts on the target (musl version, arch, Python)
* ``select``        which file of a pinned release pip would install there, and why
* ``resolve``       the pinned distributions, resolved for the target by uv
* ``requirements``  requirements files as pip reads them, refusing what cannot be planned
* ``project``       a project's own requirements, from its ``pyproject.toml``
* ``locks``         ``uv.lock`` and PEP 751 ``pylock.toml``, planned exactly as locked
* ``inputs``        one entry point from a path to requirements or locked pins
* ``sdist_build``   what an sdist's build files say it links, read without running anything
* ``suggest``       "did you mean numpy?" for a project the index does not have

Range reads of remote wheels live in :mod:`apkneed.net.rangefile`.
"""
