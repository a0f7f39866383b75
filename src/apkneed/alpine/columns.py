"""An index's packages kept as columns, each :class:`Package` built on first access.

A world of 25,000 packages read from its parsed copy
(:mod:`apkneed.alpine.sources.parsed`) must be ready in a few milliseconds,
and building 25,000 ``Package`` objects costs several times that, while a
command touches a few hundred of them. So an index read from a copy holds
its packages as columns (one list per field, each loaded when first asked
for) and :class:`LazyPackages`, the index's ``packages``, builds a
``Package`` only when someone reads it, then keeps it: the same object every
time, as in a tuple.

Column encoding (what :mod:`apkneed.alpine.sources.parsed` stores):

* one list per :class:`Package` field, ``count`` long, in field order, except
  ``repository`` (the index's own label, given when the copy is read);
* ``depends``, ``install_if``, ``replaces``: per package a tuple of numbers
  into ``atoms`` (each atom once: ``(name, op, version, conflict, tag)``);
* ``provides``: per package a flat tuple ``(name, version, name, version...)``.
"""

from __future__ import annotations

from itertools import chain
from typing import Callable, Iterator, Sequence

from apkneed.alpine.atom import Dependency, Provide
from apkneed.alpine.package import Package

#: the stored columns, in Package field order ("repository" is not stored)
COLUMNS = (
    "name", "version", "arch", "checksum", "size", "installed_size", "description", "url", "license",
    "origin", "maintainer", "build_time", "commit", "depends", "provides", "install_if",
    "provider_priority", "replaces", "replaces_priority", "files",
)
ATOM_COLUMNS = frozenset({"depends", "install_if", "replaces"})
_new = tuple.__new__


class ColumnError(ValueError):
    """A stored column is not what :func:`columns_of` writes."""


class IndexColumns:
    """One index's columns; ``load(name)`` gives a column (or ``"atoms"``) and is called once per name.

    ``load`` raises :class:`ColumnError` (or ValueError, TypeError, EOFError)
    for a column that cannot be used; ``fallback()`` then gives every column
    from another source (the index file, parsed again), so a damaged column
    costs a parse, never a wrong or missing package.
    """

    __slots__ = ("count", "_load", "_fallback", "_cache", "_atoms", "generation")

    def __init__(self, count: int, load: Callable[[str], Sequence], fallback: Callable[[], dict] | None = None):
        self.count = count
        self._load = load
        self._fallback = fallback
        self._cache: dict[str, Sequence] = {}
        self._atoms: list[Dependency] | None = None
        #: how many times the columns were replaced by the fallback's (0 or 1)
        self.generation = 0

    def column(self, name: str) -> Sequence:
        found = self._cache.get(name)
        if found is None:
            try:
                found = self._load(name)
                _check(name, found, self.count)
            except _UNUSABLE:
                self._recover()
                found = self._cache[name]
            self._cache[name] = found
        return found

    def atoms(self) -> list[Dependency]:
        """The atom table as Dependency objects (built once: the solver keys atoms by identity)."""
        if self._atoms is None:
            try:
                self._atoms = self._checked_atoms()
            except _UNUSABLE:
                self._recover()
                self._atoms = self._checked_atoms()
        return self._atoms

    def _checked_atoms(self) -> list[Dependency]:
        raw = self.column("atoms")
        limit = len(raw)
        for name in ATOM_COLUMNS:  # numbers out of range would fail later, in some command
            if max(chain.from_iterable(self.column(name)), default=-1) >= limit:
                raise ColumnError(f"{name} refers past the atom table")
        return [_new(Dependency, atom) for atom in raw]

    def _recover(self) -> None:
        """Every column from the fallback (consistent with each other), or the error goes on."""
        if self._fallback is None:
            raise
        self._cache = self._fallback()
        self._fallback = None
        self._atoms = None
        self.generation += 1


_UNUSABLE = (ValueError, TypeError, EOFError, IndexError, KeyError)  # ColumnError is a ValueError


def _check(name: str, column: Sequence, count: int) -> None:
    if name == "atoms":
        if not isinstance(column, (tuple, list)) or not {len(a) for a in column} <= {5}:
            raise ColumnError("atoms are 5-tuples")
        return
    if not isinstance(column, (tuple, list)) or len(column) != count:
        raise ColumnError(f"column {name} is not {count} long")
    if name in ATOM_COLUMNS and min(chain.from_iterable(column), default=0) < 0:
        raise ColumnError(f"negative atom number in {name}")
    if name == "provides" and any(len(flat) % 2 for flat in column):
        raise ColumnError("provides are name/version pairs")


def columns_of(packages: Sequence[Package]) -> dict[str, Sequence]:
    """The columns of ``packages`` (and their atom table), as :class:`IndexColumns` loads them."""
    values = {name: [getattr(p, name) for p in packages] for name in COLUMNS}
    numbers: dict[Dependency, int] = {}
    for name in ATOM_COLUMNS:
        number = numbers.setdefault
        values[name] = [tuple(number(a, len(numbers)) for a in atoms) if atoms else () for atoms in values[name]]
    values["provides"] = [tuple(chain.from_iterable(provides)) for provides in values["provides"]]
    values["atoms"] = [tuple(atom) for atom in numbers]
    return values


class LazyPackages(Sequence[Package]):
    """An index's packages, each built from the columns on first access and kept.

    A package built one by one is a :class:`ColumnPackage`: its name,
    version and sizes are filled when it is built, every other field (atoms,
    texts) the first time it is read, so a command pays only for the columns
    it reads. Iterating builds every package at once, with every field.
    """

    __slots__ = ("columns", "repository", "_built", "_positions", "_all")

    def __init__(self, columns: IndexColumns, repository: str):
        self.columns = columns
        self.repository = repository
        self._built: list[Package | None] = [None] * columns.count
        #: package -> its position, for packages built all at once (a ColumnPackage knows its own)
        self._positions: dict[Package, int] = {}
        self._all = False

    def __len__(self) -> int:
        return self.columns.count

    def __getitem__(self, position):
        if isinstance(position, slice):
            return tuple(self[i] for i in range(*position.indices(self.columns.count)))
        package = self._built[position]
        if package is None:
            if position < 0:
                position += self.columns.count
            package = self._built[position] = self._make(position)
        return package

    def __iter__(self) -> Iterator[Package]:
        if not self._all:
            self._build_all()
        return iter(self._built)

    def __repr__(self) -> str:
        return f"<LazyPackages {self.repository}: {self.columns.count} packages>"

    def built(self) -> int:
        """How many packages were built so far."""
        return self.columns.count - self._built.count(None)

    def position_of(self, package: Package) -> int | None:
        """Where a package built here sits (None: not one of these)."""
        if type(package) is ColumnPackage and package._packages is self:
            return package._position
        return self._positions.get(package)

    def names(self) -> Sequence[str]:
        """Every package's name, without building a package."""
        return self.column("name")

    def column(self, name: str) -> Sequence:
        return self.columns.column(name)

    def _make(self, i: int) -> Package:
        column = self.columns.column
        package = _new_package(ColumnPackage)
        for name in EAGER:
            _set[name](package, column(name)[i])
        package.repository = self.repository
        package._packages = self
        package._position = i
        return package

    def field(self, name: str, i: int):
        """Field ``name`` of package ``i``, as a Package holds it."""
        value = self.columns.column(name)[i]
        if name in ATOM_COLUMNS:
            if not value:
                return ()
            atoms = self.columns.atoms()
            return tuple([atoms[n] for n in value])
        if name == "provides":
            return tuple([_new(Provide, value[j : j + 2]) for j in range(0, len(value), 2)]) if value else ()
        return value

    def _build_all(self) -> None:
        """Every package at once, every field (map() over the columns: cheaper per package than one by one)."""
        count = self.columns.count
        columns_ = self.columns
        while True:  # again if a damaged column replaced them all halfway
            generation = columns_.generation
            atom = columns_.atoms().__getitem__
            columns: list = [columns_.column(name) for name in COLUMNS]
            if columns_.generation == generation:
                break
        for position in _ATOM_POSITIONS:
            columns[position] = [tuple(map(atom, numbers)) if numbers else () for numbers in columns[position]]
        columns[_PROVIDES] = [
            tuple([_new(Provide, flat[j : j + 2]) for j in range(0, len(flat), 2)]) if flat else ()
            for flat in columns[_PROVIDES]
        ]
        columns.insert(_REPOSITORY, [self.repository] * count)
        fresh = list(map(Package, *columns))
        for position, package in enumerate(self._built):  # keep the objects handed out: a package is one object
            if package is not None:
                fresh[position] = package
        self._built = fresh
        self._positions = {package: position for position, package in enumerate(fresh)}
        self._all = True


class ColumnPackage(Package):
    """A :class:`Package` built from an index's columns; a field not filled yet is read when first asked for."""

    __slots__ = ("_packages", "_position")

    def __getattr__(self, name: str):
        # only reached for a slot not filled yet (or a name that is no field)
        if name not in LAZY:
            raise AttributeError(name)
        value = self._packages.field(name, self._position)
        setattr(self, name, value)
        return value


#: the fields a package built one by one gets at once (cheap columns every command reads)
EAGER = ("name", "version", "arch", "checksum", "size", "installed_size", "provider_priority")
LAZY = frozenset(COLUMNS) - frozenset(EAGER)
_new_package = object.__new__
_set = {name: getattr(Package, name).__set__ for name in EAGER}
_FIELDS = (*COLUMNS[:19], "repository", COLUMNS[19])
_ATOM_POSITIONS = tuple(COLUMNS.index(name) for name in ("depends", "install_if", "replaces"))
_PROVIDES = COLUMNS.index("provides")
_REPOSITORY = _FIELDS.index("repository")
