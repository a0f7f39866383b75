"""The Alpine package world, modelled the way apk-tools models it.

Kept apart like apk-tools keeps them apart:

* ``atom``       dependency and provide atoms (``so:libz.so.1>=1.2``, ``!foo``)
* ``package``    one package record with every APKINDEX field
* ``columns``    an index's packages as columns, each built on first access
* ``index``      reading APKINDEX.tar.gz, plain APKINDEX and lib/apk/db/installed
* ``version``    apk's version ordering
* ``checksum``   apk's comparison of ``C:`` checksums
* ``providers``  who provides a name, as apk's name table has it
* ``solver``     what ``apk add --simulate`` would install
* ``solver_rules``   the rules where apk-tools 2 and 3 solve differently
* ``solver_report``  apk's explanation of a request it cannot satisfy
* ``solver_parts``   what the solver and its report both use (Problem, Prov, ...)
* ``facts``      facts read from a package world (Python, musl versions)

Where indexes come from (the mirror and its cache, signatures, the embedded
snapshot, ``--index`` files) is :mod:`apkneed.alpine.sources`, a floor above:
no module listed here imports it.
"""
