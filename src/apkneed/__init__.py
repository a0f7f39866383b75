"""apkneed: which Alpine (apk) packages a Python package needs to build and run.

Data flows one way through the subpackages:

    inputs  ->  facts  ->  plan  ->  render

* ``alpine``  the apk package world: versions, indexes, solver; ``alpine.sources``:
              where indexes come from (mirror, snapshot, ``--index`` files, signatures)
* ``binary``  the ELF truth of wheels and installed trees
* ``python``  PyPI, wheel tags, resolution for a target
* ``plan``    routes and the reasons behind each apk package
* ``blas``    what BLAS NumPy really runs on, and how fast
* ``scan``    the doctor for an existing root, image or venv
* ``check``   the audit of a Dockerfile (and the image it built), using plan and scan
* ``render``  text, JSON, apk lines, Dockerfiles, CycloneDX SBOMs, PEP 804 mappings
* ``cli``     the command line, the only place that prints and exits (with
              ``__main__``, the console script and its click-free fast paths for ``resolve`` and ``plan``)

The floors are enforced by tests/test_layers.py.
"""

__version__ = "0.1.0"
