"""One thing an sdist's build files or sources say it links or loads, with its file and line.

Its own module (``python.sdist_build`` finds clues; plans keep them in their
cached evidence): reading cached evidence back needs this record, not the
patterns that find clues.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Clue:
    kind: str
    name: str
    file: str  # the member path inside the sdist, without the root directory
    line: int
    optional: bool = False

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"
