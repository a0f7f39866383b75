"""The table of ``apkneed`` subcommands: name -> module and one-line summary.

Its own click-free module so that the click group (:mod:`apkneed.cli.group`)
and the console script's fast path (:mod:`apkneed.__main__`) both read it
without importing each other or click.
"""

from __future__ import annotations

#: command name -> (module under apkneed.cli, one-line summary for --help)
COMMANDS: dict[str, tuple[str, str]] = {
    "plan": ("plan", "Which apk packages a requirement set needs to build and run (the main job)."),
    "why": ("plan", "Explain why a package is in a plan: the chain down to an ELF NEEDED entry."),
    "resolve": ("resolve", "What `apk add --simulate` would install on an empty root."),
    "provides": ("resolve", "Which apk packages provide so:/cmd:/pc: names or sonames."),
    "inspect": ("inspect", "What a wheel really needs from the system, read from its ELF files."),
    "scan": ("scan", "Doctor: missing libraries, wrong-libc binaries, unneeded packages in a root."),
    "mapping": ("mapping", "PEP 804: the central registry's DepURLs mapped to Alpine packages (alpine.mapping.json)."),
    "check": ("check", "Audit a Dockerfile: what each stage installs against what it needs."),
    "cache": ("cache", "What apkneed's cache holds (info), and cleaning it (clean --older-than, --all)."),
    "blas": ("blas", "Which BLAS/LAPACK NumPy runs on, and how fast, on this machine."),
}
