"""The pieces apk's solver (:mod:`apkneed.alpine.solver`) and its error report
(:mod:`apkneed.alpine.solver_report`) both use, below both of them.

The solver calls the report when a request fails, and the report builds
:class:`Problem` records and walks the solver's state with the same helpers;
kept here, the imports run one way: solver -> solver_report -> solver_parts.

API::

    Problem(kind, name, subject, sections)   # one entry of apk's error report
    Prov(pkg, version)                       # apk_provider
    run_recursion(generator)                 # generator recursion without Python's stack limit
    display_key(name)                        # apk_name_cmp_display's order
"""

from __future__ import annotations

from apkneed.records import Frozen, set_field

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (milliseconds of every resolve)
if TYPE_CHECKING:
    from collections.abc import Iterator


class Problem(Frozen):
    """One entry of apk's error report.

    ``subject`` is what apk names: ``"gcc-11.2.1_git20220219-r2"`` (a
    package), ``"/bin/sh (virtual)"`` or ``"py3-pip (no such package)"``.
    ``sections`` are apk's labelled lists in apk's order, e.g.
    ``(("provided by", ("busybox",)), ("required by", ("bash-5.1.16-r2[/bin/sh]",)))``.
    """

    __slots__ = ("kind", "name", "subject", "sections")

    kind: str  # "virtual", "missing", "package", "tag"
    name: str  # the name (or package name) concerned
    subject: str
    sections: tuple[tuple[str, tuple[str, ...]], ...]

    def __init__(self, kind: str, name: str, subject: str, sections: tuple[tuple[str, tuple[str, ...]], ...]) -> None:
        set_field(self, "kind", kind)
        set_field(self, "name", name)
        set_field(self, "subject", subject)
        set_field(self, "sections", sections)

    def items(self, label: str) -> tuple[str, ...]:
        for section, items in self.sections:
            if section == label:
                return items
        return ()

    def summary(self) -> str:
        """One line: what is wrong, naming the atom."""
        required = ", ".join(self.items("required by"))
        if self.kind == "virtual":
            return (
                f"{self.subject} required by {required or 'nothing'}: select one of its providers "
                f"explicitly ({', '.join(self.items('provided by'))})"
            )
        if self.kind == "missing":
            return f"{self.subject} required by {required or 'nothing'}"
        parts = [f"{label} {', '.join(items)}" for label, items in self.sections if items]
        return f"{self.subject}: " + "; ".join(parts) if parts else self.subject


class Prov:
    """apk_provider: a package and the version it provides a name at (None: virtual)."""

    __slots__ = ("pkg", "version")

    def __init__(self, pkg: object | None, version: str | None) -> None:  # pkg: the solver's package node
        self.pkg = pkg
        self.version = version


def run_recursion(start: Iterator) -> None:
    """Run generator-based recursion without Python's stack limit.

    A step yields the generator of a nested call; it runs to completion
    before the caller resumes, exactly like the C recursion it replaces.
    """
    stack = [start]
    while stack:
        try:
            child = next(stack[-1])
        except StopIteration:
            stack.pop()
            continue
        stack.append(child)


def display_key(name: str) -> tuple[bytes, bytes]:
    # apk_name_cmp_display: strcasecmp, then strcmp (ASCII, byte-wise)
    raw = name.encode()
    return raw.lower(), raw
