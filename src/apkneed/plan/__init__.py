"""Planning: which route each distribution takes, and the apk packages behind it.

Data flows one way (IO only at the edges):

* :mod:`~apkneed.plan.pipeline`   the IO edge: resolve, gather, plan (``run_plan``)
* :mod:`~apkneed.plan.resolution` uv's resolution, remembered for the index pages' lifetime
* :mod:`~apkneed.plan.gather`     per pin: the file pip installs, and its evidence (threads)
* :mod:`~apkneed.plan.evidence`   what a wheel needs (ELF, range reads), what an sdist builds
* :mod:`~apkneed.plan.factcache`  gathered facts, kept as long as their resolution
* :mod:`~apkneed.plan.facts`      the gathered facts as plain data
* :mod:`~apkneed.plan.target`     Alpine release, arch, Python, musl and base image of a plan
* :mod:`~apkneed.plan.base`       ``--base`` and what base images carry (``data/base-images.toml``)
* :mod:`~apkneed.plan.planner`    the pure planning step: facts -> :class:`~apkneed.plan.model.Plan`
* :mod:`~apkneed.plan.routes`     the route rules (wheel, apk, source; forced routes)
* :mod:`~apkneed.plan.apkmatch`   PyPI names -> Alpine ``py3-*`` packages; the version rule
* :mod:`~apkneed.plan.source`     what a source build needs: PEP 725, Alpine's own build, inference
* :mod:`~apkneed.plan.closure`    what apk packages add on top of a base, with sizes and parents
* :mod:`~apkneed.plan.model`      the plan as plain data
* :mod:`~apkneed.plan.final_stage`      the final stage of a planned image as apk solves it (for an SBOM)
* :mod:`~apkneed.plan.published_tags`     the python and alpine Docker tags ever published (``data/python-alpine-tags.json``)
* :mod:`~apkneed.plan.pep668`     whether apk's python3 on a release is externally managed
* :mod:`~apkneed.plan.blas_verdict`  the BLAS each distribution will run on, route by route
* :mod:`~apkneed.plan.verdicts`   plain verdicts when uv finds nothing to install
* :mod:`~apkneed.plan.pep804`     every DepURL of the PEP 804 registry mapped through the index

Knowledge the planner reads (pure data, loaded by small modules):

* :mod:`apkneed.plan.knowledge`  where the plan's data tables live, and their shared apk item form
* :mod:`apkneed.plan.pep725`     a project's own ``[external]`` table, mapped
  to Alpine packages through the index
* :mod:`apkneed.plan.sdist_inference`  needs inferred from an sdist's own files, mapped through the index
* :mod:`apkneed.plan.alpinebuilds`  what Alpine's own build of a project shows, read from the index
* :mod:`apkneed.plan.alpinedata`    Alpine's builds (D: records, makedepends, overrides), as cited generated data
"""
