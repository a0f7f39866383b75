"""apkneed: which Alpine (apk) packages a Python package needs to build and run.

Data flows one way through the subpackages:

    inputs  ->  facts  ->  plan  ->  render

* ``alpine``  the apk package world: versions, indexes, solver, mirror, snapshot
* ``binary``  the ELF truth of wheels and installed trees
* ``python``  PyPI, wheel tags, resolution for a target
* ``plan``    routes and the reasons behind each apk package
* ``blas``    what BLAS NumPy really runs on, and how fast
* ``scan``    the doctor for an existing root, image or venv
* ``render``  text, JSON, apk lines, Dockerfiles
* ``cli``     the command line, the only place that prints and exits
"""

__version__ = "0.1.0"
