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
from collections.abc import Sequence

from apkneed.alpine.atom import Dependency, Provide
from apkneed.alpine.package import Package

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (milliseconds of every resolve)
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

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

    def atoms(self) -> list[Dependency | None]:
        """The atom table: a Dependency per number, built when first used (the solver keys atoms by identity)."""
        if self._atoms is None:
            self._atoms = [None] * len(self.column("atoms"))
        return self._atoms

    def atom(self, number: int) -> Dependency:
        found = self.atoms()[number]
        if found is None:
            raw = self.column("atoms")[number]
            if not isinstance(raw, tuple) or len(raw) != 5:
                try:
                    raise ColumnError("atoms are 5-tuples")
                except ColumnError:
                    self._recover()
                    return self.atom(number)
            found = self._atoms[number] = _new(Dependency, raw)
        return found

    def atoms_of(self, name: str, position: int) -> tuple[Dependency, ...]:
        """Column ``name`` (depends, install_if, replaces) of one package, as atoms."""
        numbers = self.column(name)[position]
        if not numbers:
            return ()
        try:
            if min(numbers) < 0 or max(numbers) >= len(self.atoms()):
                raise ColumnError(f"{name} refers past the atom table")
        except _UNUSABLE:
            self._recover()
            return self.atoms_of(name, position)
        atoms = self._atoms
        return tuple([atoms[n] or self.atom(n) for n in numbers])

    def all_atoms(self) -> list[Dependency]:
        """Every atom, checked against every atom column (for building every package at once)."""
        generation = self.generation
        try:
            raw = self.column("atoms")
            limit = len(raw)
            if any(not isinstance(atom, tuple) or len(atom) != 5 for atom in raw):
                raise ColumnError("atoms are 5-tuples")
            for name in ATOM_COLUMNS:
                numbers = list(chain.from_iterable(self.column(name)))
                if numbers and (min(numbers) < 0 or max(numbers) >= limit):
                    raise ColumnError(f"{name} refers past the atom table")
        except _UNUSABLE:
            self._recover()
            return self.all_atoms()
        if self.generation != generation:
            # an atom column was damaged: the columns are all the fallback's now, and so
            # must the atoms be (its numbering need not be the copy's)
            return self.all_atoms()
        atoms = self.atoms()
        for number, atom in enumerate(atoms):
            if atom is None:
                atoms[number] = _new(Dependency, raw[number])
        return atoms

    def provides_of(self, position: int) -> tuple[Provide, ...]:
        flat = self.column("provides")[position]
        if not flat:
            return ()
        if not isinstance(flat, tuple) or len(flat) % 2:
            try:
                raise ColumnError("provides are name/version pairs")
            except ColumnError:
                self._recover()
                return self.provides_of(position)
        return tuple([_new(Provide, flat[j : j + 2]) for j in range(0, len(flat), 2)])

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
    """What can be checked without a loop over the column (the rest is checked where a value is used)."""
    if not isinstance(column, (tuple, list)):
        raise ColumnError(f"column {name} is not a list")
    if name == "atoms":
        if column and len(column[0]) != 5:
            raise ColumnError("atoms are 5-tuples")
        return
    if len(column) != count:
        raise ColumnError(f"column {name} is not {count} long")


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

    __slots__ = ("columns", "repository", "_built", "_positions", "_all", "_eager")

    def __init__(self, columns: IndexColumns, repository: str):
        self.columns = columns
        self.repository = repository
        self._eager: tuple[int, list[Sequence]] | None = None
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
        eager = self._eager
        if eager is None or eager[0] != self.columns.generation:
            column = self.columns.column
            columns = [column(name) for name in EAGER]
            eager = self._eager = (self.columns.generation, columns)
        package = _new_package(ColumnPackage)
        for setter, values in zip(_SETTERS, eager[1]):
            setter(package, values[i])
        package.repository = self.repository
        package._packages = self
        package._position = i
        return package

    def field(self, name: str, i: int):
        """Field ``name`` of package ``i``, as a Package holds it."""
        if name in ATOM_COLUMNS:
            return self.columns.atoms_of(name, i)
        if name == "provides":
            return self.columns.provides_of(i)
        return self.columns.column(name)[i]

    def _build_all(self) -> None:
        """Every package at once, every field (map() over the columns: cheaper per package than one by one)."""
        count = self.columns.count
        columns_ = self.columns
        while True:  # again if a damaged column replaced them all halfway
            generation = columns_.generation
            atom = columns_.all_atoms().__getitem__
            columns: list = [columns_.column(name) for name in COLUMNS]
            odd = next((i for i, f in enumerate(columns[_PROVIDES]) if f and (not isinstance(f, tuple) or len(f) % 2)), None)
            if odd is not None:
                columns_.provides_of(odd)  # parses the file again (or raises)
                continue
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


#: the fields a package built one by one gets at once (cheap columns every command reads); not the
#: checksum, which a solve reads only for a checksum dependency (its column: 0.8 MB of v3.21's copies,
#: ~1.5-2 ms of every resolve process, bench/bench_column_rows.py)
EAGER = ("name", "version", "arch", "size", "installed_size", "provider_priority")
LAZY = frozenset(COLUMNS) - frozenset(EAGER)
_new_package = object.__new__
_SETTERS = tuple(getattr(Package, name).__set__ for name in EAGER)
_FIELDS = (*COLUMNS[:19], "repository", COLUMNS[19])
_ATOM_POSITIONS = tuple(COLUMNS.index(name) for name in ("depends", "install_if", "replaces"))
_PROVIDES = COLUMNS.index("provides")
_REPOSITORY = _FIELDS.index("repository")
