"""The binary truth: what ELF files need from the system.

* ``elf``      read one ELF file's dynamic-linking facts through seeks
* ``libc``     musl, glibc or none, from rules in ``data/libc.json``
* ``zipread``  wheel archives read in memory, with limits against hostile zips
* ``wheel``    a wheel's ELF members, their NEEDED entries resolved
* ``policy``   musllinux policy, tags, arch and libc checks (``data/*.json``)
* ``report``   the plain-data result of inspecting a wheel
* ``blasconfig``  which BLAS a NumPy or SciPy wheel bundles, from the wheel itself
* ``headcache``   a large archive member as a seekable file, in bounded memory
"""
