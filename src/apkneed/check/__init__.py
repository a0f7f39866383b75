"""``apkneed check``: audit a Dockerfile against what its stages really need.

Modules: :mod:`.dockerfile` (BuildKit's parser, stages, ARG/ENV), :mod:`.shell`
(the simple commands of a RUN line), :mod:`.commands` (apk/pip/venv/setup.py/git
recognisers), :mod:`.walk` (a stage followed in order), :mod:`.target` (FROM ->
release, Python), :mod:`.worlds` (indexes per release, nearest-release
fallback), :mod:`.audit` (the rules), :mod:`.image` (comparison with a built
image's scan), :mod:`.model`, :mod:`.text`.

Uses ``plan/`` and ``scan/``; never imports ``cli/``.
"""
