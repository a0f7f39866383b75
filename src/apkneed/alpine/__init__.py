"""The Alpine package world, modelled the way apk-tools models it.

Kept apart like apk-tools keeps them apart:

* ``atom``       dependency and provide atoms (``so:libz.so.1>=1.2``, ``!foo``)
* ``package``    one package record with every APKINDEX field
* ``index``      reading APKINDEX.tar.gz, plain APKINDEX and lib/apk/db/installed
* ``version``    apk's version ordering
* ``solver``     what ``apk add --simulate`` would install
* ``signature``  RSA verification of index signatures against Alpine's keys
* ``mirror``     fetching indexes from a mirror, with a revalidating cache
* ``snapshot``   the embedded offline snapshot
"""
