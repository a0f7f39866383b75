"""A thing a scan could not check, said in one line (never an exception)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    #: unreadable, bad_elf, unlistable, symlink_loop, refused, undecidable,
    #: path_file, bad_database, bad_world, no_loader
    kind: str
    path: str
    message: str
