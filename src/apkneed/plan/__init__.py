"""Planning: which route each distribution takes, and the apk packages behind it.

Knowledge sources the planner reads (pure data, loaded by small modules):

* :mod:`apkneed.plan.knowledge`  what a source build of a popular project needs
* :mod:`apkneed.plan.pep725`     a project's own ``[external]`` table, mapped
  to Alpine packages through the index
"""
