"""What BLAS/LAPACK NumPy really runs on, and how fast (``apkneed blas``).

Modules, from facts to report:

* ``knowledge``  the data (``data/blas.toml``): vendor signatures, library
  locations per distribution, environment-variable rules, vector units, plans
* ``probe``      the script run inside the inspected interpreter
* ``runner``     runs the probe, streams its JSON lines (IO edge)
* ``vendor``/``origin``  what a library file is (read with ``apkneed.binary.elf``), and where it came from
* ``detect``     what NumPy (and SciPy) loaded
* ``cgroup``/``cpu``/``peak``    usable CPUs and the peak estimate
* ``environment``  settings that steer BLAS, the harmful-looking ones
* ``bench``/``compare``/``recommend``  speed, other libraries, the advice
* ``report``     the steps in order, into one dict; ``text``/``plot`` show it
"""
