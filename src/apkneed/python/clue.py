"""One thing an sdist's build files or sources say it links or loads, with its file and line.

Its own module (``python.sdist_build`` finds clues; plans keep them in their
cached evidence): reading cached evidence back needs this record, not the
patterns that find clues.
"""

from __future__ import annotations

from apkneed.records import Frozen, set_field


class Clue(Frozen):
    __slots__ = ("kind", "name", "file", "line", "optional")

    kind: str
    name: str
    file: str  # the member path inside the sdist, without the root directory
    line: int
    optional: bool

    def __init__(self, kind: str, name: str, file: str, line: int, optional: bool = False) -> None:
        set_field(self, "kind", kind)
        set_field(self, "name", name)
        set_field(self, "file", file)
        set_field(self, "line", line)
        set_field(self, "optional", optional)

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"
