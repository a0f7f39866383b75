"""Where Alpine indexes come from: the mirror and its cache, the embedded
snapshot, ``--index`` files, their signatures, and the parsed copies kept of
them. :func:`apkneed.alpine.sources.world.load_world` is the one entry point.

This sub-package sits above the package-world model (``alpine.atom``,
``alpine.index``, ``alpine.solver``, ...): it imports the model, and no model
module imports from it.
"""
