"""Who provides a name: the package database's name table, as apk builds it.

apk keeps, for every name it has seen (``python3``, ``so:libz.so.1``,
``cmd:gcc``, ``pc:zlib``, ``/bin/sh``), the list of packages that *are* that
name or *provide* it, with the version each provides it at. The solver
works from this table, and so do the other commands ("who provides
so:libz.so.1?").

Build it with :func:`build_provider_map` from one or more indexes (main,
then community: the order is apk's repository order, and the first
repository is preferred when everything else ties). A package present in
several indexes (same ``C:`` checksum, compared decoded like apk does) is one
package that lives in several repositories, as in apk. One deliberate
difference: apk also merges every record that has *no* ``C:`` line into the
first such record (they share the empty checksum); real indexes always carry
``C:``, so here such records simply stay distinct packages.

API (everything is read-only; the map is built once and shared):

``build_provider_map(indexes, tags=None, reverse_order="hash", solver_rules=None) -> ProviderMap``
    ``tags``: per index, ``None`` or a repository tag (``"edge"`` for the
    ``@edge`` of ``/etc/apk/repositories``). ``solver_rules``: the apk-tools
    generation whose solver answers in this world (see ``solver_rules.py``).

``ProviderMap.providers(name) -> tuple[Provider, ...]``
    ``Provider(package, version)``: ``version`` is the package's own version
    when ``name`` is its name, the provided version for ``p:name=1.2``, and
    ``None`` for an unversioned provide (``p:name``: a *virtual* provider).
    In apk's order (index order).
``ProviderMap.matching(atom) -> tuple[Provider, ...]``
    Providers that satisfy a dependency atom (``"so:libz.so.1"``,
    ``"python3>=3.10"`` or a parsed :class:`~apkneed.alpine.atom.Dependency`).
``ProviderMap.packages``, ``.names()``, ``name in map``
``ProviderMap.repositories_of(package) -> tuple[str, ...]`` and
``.repository_bits(package) -> int`` (apk's ``pkg->repos``: bit ``i + 1``
for repository ``i``).
``ProviderMap.dependents(name) / .install_if_dependents(name) -> tuple[str, ...]``
    Names one of whose providers depends on (or has an install_if on)
    ``name``, in the order apk itself walks them (see below).

Reverse-dependency order: apk-tools fills a name's reverse dependencies by
walking its name hash table (murmur3 of the name, seed 5381, 20000 buckets,
newest name first in a bucket) when the repositories are loaded while the
database opens, which is how ``apk add -X REPO`` works. That order decides
which "required by" apk prints first, and the order in which install_if
packages are installed, so it is reproduced here (``reverse_order="hash"``).
apk's own test harness loads its test repositories after opening, which
appends in load order instead (``reverse_order="load"``).
"""

from __future__ import annotations

from array import array
from collections import Counter, namedtuple
from collections.abc import Mapping, Sequence
from functools import partial
from itertools import accumulate, chain, repeat
from zlib import crc32

from apkneed.alpine.atom import Dependency, parse_dependency
from apkneed.alpine.checksum import checksum_key
from apkneed.alpine.columns import LazyPackages
from apkneed.alpine.index import ApkIndex
from apkneed.alpine.package import Package
from apkneed.alpine.version import is_valid_apk3, satisfies

#: apk-tools' name table size (``apk_hash_init(&db->available.names, ..., 20000)``)
NAME_HASH_BUCKETS = 20000
NAME_HASH_SEED = 5381

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (milliseconds of every resolve)
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator
    from typing import Literal

    ReverseOrder = Literal["hash", "load"]


class Provider(namedtuple("Provider", ("package", "version"))):
    """A package that is, or provides, a name, and at which version."""

    __slots__ = ()

    package: Package
    #: None for an unversioned (virtual) provide
    version: str | None

    @property
    def is_virtual(self) -> bool:
        return self.version is None


class ProviderMap:
    """The name table of one set of repositories. Build with :func:`build_provider_map`.

    Immutable, and compared by identity (one map per world).
    """

    #: repository labels ("main", "community", a path), in apk's priority order
    repositories: tuple[str, ...]
    #: per repository: "" (untagged) or the tag without its "@"
    tags: tuple[str, ...]
    #: every distinct package, in load order (built on access from the indexes)
    packages: Sequence[Package]
    reverse_order: ReverseOrder
    #: name -> [(package, version)]: plain pairs, made Provider tuples when handed out
    _providers: _ProviderLists
    #: package -> apk's repository bits
    _repos: _RepositoryBits
    #: the packages with an ``i:`` line (a small minority)
    _install_if_packages: Sequence[Package]
    # Filled on first use, per map: derived data that most commands never need.
    _memo: dict
    #: the apk-tools generation that solves in this world (a SolverRules;
    #: None: 2.14's), chosen once where the world is loaded
    solver_rules: object
    #: the same table as integer arrays (package numbers are positions in ``packages``)
    tables: ProviderTables | None

    def __init__(self, repositories: tuple[str, ...], tags: tuple[str, ...], packages: Sequence[Package],
                 reverse_order: ReverseOrder, _providers: _ProviderLists, _repos: _RepositoryBits,
                 _install_if_packages: Sequence[Package], _memo: dict | None = None, solver_rules: object = None,
                 tables: ProviderTables | None = None) -> None:
        set_field = object.__setattr__
        set_field(self, "repositories", repositories)
        set_field(self, "tags", tags)
        set_field(self, "packages", packages)
        set_field(self, "reverse_order", reverse_order)
        set_field(self, "_providers", _providers)
        set_field(self, "_repos", _repos)
        set_field(self, "_install_if_packages", _install_if_packages)
        set_field(self, "_memo", {} if _memo is None else _memo)
        set_field(self, "solver_rules", solver_rules)
        set_field(self, "tables", tables)

    def __repr__(self) -> str:
        return (f"{type(self).__qualname__}(repositories={self.repositories!r}, tags={self.tags!r}, "
                f"packages={self.packages!r}, reverse_order={self.reverse_order!r}, "
                f"solver_rules={self.solver_rules!r})")

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r}")

    def __contains__(self, name: str) -> bool:
        return name in self._providers

    def names(self) -> Iterable[str]:
        return self._providers.keys()

    def providers(self, name: str) -> tuple[Provider, ...]:
        return tuple(_new(Provider, pair) for pair in self._providers.get(name, ()))

    def matching(self, atom: str | Dependency) -> tuple[Provider, ...]:
        """Providers of the atom's name that meet its version constraint."""
        dep = parse_dependency(atom) if isinstance(atom, str) else atom
        found = tuple(
            p for p in self.providers(dep.name)
            if satisfies(p.version, dep.op, dep.version, checksum=p.package.checksum)
        )
        if dep.conflict:
            return ()
        return found

    def repository_bits(self, package: Package) -> int:
        return self._repos[package]

    def repositories_of(self, package: Package) -> tuple[str, ...]:
        bits = self._repos[package]
        return tuple(label for i, label in enumerate(self.repositories) if bits & (1 << (i + 1)))

    def dependents(self, name: str) -> tuple[str, ...]:
        """Names with a provider that depends on ``name`` (apk's ``rdepends``), in apk's order."""
        return self.order_names(self.reverse_names(name))

    def install_if_dependents(self, name: str) -> tuple[str, ...]:
        """Names with a provider whose install_if mentions ``name`` (apk's ``rinstall_if``)."""
        return self.order_names(self.reverse_install_if_names(name))

    # Callers that need only a few of these (the solver) filter the unordered
    # lists before ordering them: sorting the thousands of dependents of
    # so:libc.musl-*.so.1 costs more than a whole solve.
    def reverse_names(self, name: str) -> tuple[str, ...]:
        """Dependents of ``name`` in load order (apk's order only for ``reverse_order="load"``)."""
        return self._reverse("rdepends", "depends", name)

    def reverse_install_if_names(self, name: str) -> tuple[str, ...]:
        return self._reverse("rinstall_if", "install_if", name)

    def _reverse(self, kind: str, field_name: str, name: str) -> tuple[str, ...]:
        memo = self._memo.get(kind)
        if memo is None:
            packages = self._install_if_packages if field_name == "install_if" else self.packages
            memo = self._memo[kind] = _reverse_index(packages, field_name)
        entry = memo.get(name)
        return tuple(entry) if entry else ()

    def order_names(self, names: Sequence[str]) -> tuple[str, ...]:
        """Put names (from one reverse list) in the order apk walks them."""
        if self.reverse_order == "load" or len(names) < 2:
            return tuple(names)
        buckets = self._memo.setdefault("bucket", {})
        keyed = []
        for name in names:
            bucket = buckets.get(name)
            if bucket is None:
                bucket = buckets[name] = name_hash(name) % NAME_HASH_BUCKETS
            keyed.append((bucket, name))
        keyed.sort(key=lambda item: item[0])
        # Names sharing a bucket come newest first; find their creation order
        # only then (it needs a scan of the indexes).
        out = [name for _, name in keyed]
        i = 0
        while i < len(keyed):
            j = i + 1
            while j < len(keyed) and keyed[j][0] == keyed[i][0]:
                j += 1
            if j - i > 1:
                ranks = self._creation_ranks([name for _, name in keyed[i:j]])
                out[i:j] = sorted(out[i:j], key=lambda n: -ranks[n])
            i = j
        return tuple(out)

    def _creation_ranks(self, names: list[str]) -> dict[str, int]:
        """When apk first met each name while reading the indexes (P, D, p, i lines).

        The indexes are scanned only as far as needed, and never twice: the
        scan resumes where the last one stopped.
        """
        memo = self._memo.setdefault("created", {})
        missing = [n for n in names if n not in memo]
        if missing:
            position = self._memo.get("created_scan", 0)
            packages = self.packages
            while position < len(packages) and any(n not in memo for n in missing):
                package = packages[position]
                position += 1
                # the order apk creates names while reading one record: P:, D:, p:, i:
                for name in (package.name, *(d.name for d in package.depends),
                             *(p.name for p in package.provides), *(d.name for d in package.install_if)):
                    if name not in memo:
                        memo[name] = len(memo)
            self._memo["created_scan"] = position
            for name in missing:  # only in a request: created after every index name
                if name not in memo:
                    memo[name] = len(memo) + len(packages) * 64
        return {n: memo[n] for n in names}

    def apk3_reading(self) -> tuple[frozenset[int], frozenset[int], str] | None:
        """apk-tools 3's reading of this world's versions (see :func:`_apk3_reading`): the
        package numbers it cannot install, those whose ``i:`` it drops, its warning.

        For a world read through parsed copies only: made from the columns when first
        asked for (a 2.x solve never asks) and then kept with the world's table, so
        that later runs read it. None for any other world (the solver reads its packages).
        """
        found = self._memo.get("apk3_reading")
        if found is None:
            kept = self.kept_copies
            if not kept:
                return None
            tables = self.tables
            reading = tables.apk3_reading
            if reading is None:
                reading = _apk3_reading(self.packages.indexes, tables.local_number)
                kept[0].store.keep_tables(kept, tables._replace(apk3_reading=reading))
            broken, dropped, odd_provides = reading
            found = self._memo["apk3_reading"] = (
                frozenset(broken), frozenset(dropped), apk3_warning(broken, dropped, odd_provides)
            )
        return found

    # -- Solver tables -----------------------------------------------------
    # Static per world, part of the world's provider table (built with it, or
    # read from the parsed copy; see build_provider_map). The solver walks these
    # integer tables instead of building an object per name and package.

    @property
    def kept_copies(self) -> tuple | None:
        """The parsed copies (``ApkIndex.kept``) of the world's indexes, in order; None unless every index has one.

        What answers in this world are kept under (:mod:`apkneed.alpine.sources.kept_answers`).
        """
        return self._memo.get("kept_copies")

    def solver_tables(self) -> SolverTables:
        """The integer view of this world the solver walks (see :class:`SolverTables`)."""
        return self._memo["solver_tables"]

    def install_if_dependent_ids(self, name_id: int) -> tuple[int, ...]:
        """Name ids with a provider whose install_if mentions ``name_id``, in apk's order
        (``install_if_dependents`` by id: what apk's discovery walks)."""
        memo = self._memo.setdefault("install_if_dependent_ids", {})
        found = memo.get(name_id)
        if found is None:
            found = self.reverse_install_if_ids(name_id)
            if len(found) > 1 and self.reverse_order == "hash":
                found = tuple(sorted(found, key=self.hash_order_key))
            memo[name_id] = found
        return found

    def reverse_install_if_ids(self, name_id: int, skip: frozenset[int] = frozenset()) -> tuple[int, ...]:
        """``reverse_install_if_names`` by name id (load order), leaving out the
        ``i:`` lines of the package numbers in ``skip`` (lines a solver drops)."""
        memo = self._memo.setdefault(("rinstall_if_ids", skip), {})
        found = memo.get(name_id)
        if found is None:
            tables = self.solver_tables()
            entry: dict[int, None] = {}
            for number in tables.install_if_by.get(name_id, ()):
                if number not in skip:
                    entry[tables.pkg_name[number]] = None
                    entry.update(dict.fromkeys(tables.pkg_provides[number]))
            found = memo[name_id] = tuple(entry)
        return found

    def hash_order_key(self, name_id: int) -> tuple[int, int]:
        """Where apk's name hash table puts a name: bucket, then newest first."""
        keys = self._memo.setdefault("hash_order_key", {})
        key = keys.get(name_id)
        if key is None:
            # pre-computed for every name with the world's table (a parsed copy keeps it)
            key = keys[name_id] = (self.tables.name_bucket[name_id], -name_id)
        return key


def _reverse_index(packages: Sequence[Package], field_name: str) -> dict[str, dict[str, None]]:
    """name -> names one of whose providers has ``name`` in ``field_name``, in load order."""
    reverse: dict[str, dict[str, None]] = {}
    get = reverse.get
    install_if = field_name == "install_if"
    for package in packages:
        atoms = package.install_if if install_if else package.depends
        if not atoms:
            continue
        own = package.name
        provides = package.provides
        for atom in atoms:
            entry = get(atom.name)
            if entry is None:
                entry = reverse[atom.name] = {}
            entry[own] = None
            for provide in provides:
                entry[provide.name] = None
    return reverse


class NameTable(Sequence[str]):
    """Names by number and numbers by name, from a list or from a parsed copy's blob.

    A copy keeps the names as one UTF-8 blob with their offsets and an
    open-addressing hash table (CRC-32 of the name, linear probing): turning
    60,000 names back into a list and a dict costs ~10 ms, while a command
    looks up a few hundred, each found with one C hash and a comparison.
    """

    __slots__ = ("_list", "_ids", "blob", "offsets", "slots")

    def __init__(self, names: list[str] | None = None, *, blob: bytes = b"", offsets: array | None = None,
                 slots: array | None = None, ids: dict[str, int] | None = None):
        self._list = names
        #: name -> number (``ids``: the whole of it, made by whoever numbered ``names``)
        self._ids: dict[str, int] | None = ids
        self.blob = blob
        self.offsets = offsets
        self.slots = slots

    @classmethod
    def stored(cls, blob: bytes, offsets: array, slots: array) -> NameTable:
        if len(slots) & (len(slots) - 1) or len(slots) < len(offsets) or not offsets or offsets[-1] != len(blob):
            raise ValueError("not a name table")
        return cls(blob=blob, offsets=offsets, slots=slots)

    def packed(self) -> tuple[bytes, array, array]:
        """(blob, offsets, slots): what a copy keeps."""
        if self.offsets is not None:
            return self.blob, self.offsets, self.slots
        try:  # UTF-8 without an error handler: ~3x faster per name (60,000 of them on a first run)
            encoded = list(map(str.encode, self))
        except UnicodeEncodeError:  # a lone surrogate (a name read with surrogateescape)
            encoded = [name.encode("utf-8", "surrogateescape") for name in self]
        offsets = array("I", accumulate(map(len, encoded), initial=0))
        size = 1 << max(4, (2 * len(encoded)).bit_length())
        mask = size - 1
        slots = array("I", bytes(4 * size))
        for number, key in enumerate(encoded, 1):
            at = crc32(key) & mask
            while slots[at]:
                at = (at + 1) & mask
            slots[at] = number
        return b"".join(encoded), offsets, slots

    def __len__(self) -> int:
        return len(self._list) if self._list is not None else len(self.offsets) - 1

    def __getitem__(self, number):
        if self._list is not None or isinstance(number, slice):
            return self.names()[number]
        offsets = self.offsets
        if number < 0:
            number += len(offsets) - 1
        return str(self.blob[offsets[number] : offsets[number + 1]], "utf-8", "surrogateescape")

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def names(self) -> list[str]:
        if self._list is None:
            blob = self.blob
            offsets = self.offsets
            text = str(blob, "utf-8", "surrogateescape")
            if len(text) == len(blob):  # ASCII (every real name): cut the text where the bytes are cut
                self._list = [text[a:b] for a, b in zip(offsets, offsets[1:])]
            else:
                self._list = [str(blob[a:b], "utf-8", "surrogateescape") for a, b in zip(offsets, offsets[1:])]
        return self._list

    def __eq__(self, other) -> bool:
        if isinstance(other, NameTable):
            other = other.names()
        return isinstance(other, (list, tuple)) and self.names() == list(other)

    __hash__ = None  # type: ignore[assignment]

    def id(self, name: str) -> int | None:
        """The number of ``name``; None if the table has no such name."""
        if self._ids is not None:
            found = self._ids.get(name, -1)
            if found != -1 or self.slots is None:
                return None if found == -1 else found
        elif self.slots is None:
            names = self._list
            self._ids = dict(zip(names, range(len(names))))
            return self._ids.get(name)
        else:
            self._ids = {}  # what was looked up (solvers ask for the same names again and again)
        self._ids[name] = found = self._probe(name)
        return found

    def _probe(self, name: str) -> int | None:
        key = name.encode("utf-8", "surrogateescape")
        slots, offsets, blob = self.slots, self.offsets, self.blob
        mask = len(slots) - 1
        at = crc32(key) & mask
        while True:
            number = slots[at]
            if not number:
                return None
            if blob[offsets[number - 1] : offsets[number]] == key:
                return number - 1
            at = (at + 1) & mask


class ProviderTables(namedtuple("ProviderTables", (
    "names", "first", "provider_package", "provider_slot", "provided", "package_index", "package_local", "repo_bits",
    "install_if", "pkg_name", "local_number", "name_bucket", "depended_first", "depended_package", "apk3_reading",
    "solver",
))):
    """A world's name table as flat arrays: what a parsed copy keeps, so that
    a map over copies is ready without looking at a single package.

    Package numbers count the world's distinct packages in load order; name
    ids count every name in the order apk-tools creates them while reading
    the indexes (each record's ``P:``, then ``D:``, ``p:``, ``i:`` names),
    as :class:`SolverTables` numbers them.
    """

    #: every name (provided or only depended on), by name id
    __slots__ = ()

    names: NameTable
    #: name id ``n``'s providers are entries ``first[n]`` to ``first[n + 1]`` of the next two
    first: array
    provider_package: array
    #: 0: the package's own name (at its version); k: its k-th provide (at the provide's version)
    provider_slot: array
    #: the ids of the names something provides, in the order they were first provided
    provided: array
    #: package number -> position of its index in the world, and its position in that index
    package_index: array
    package_local: array
    #: package number -> apk's ``pkg->repos`` (bit ``i + 1`` for index ``i``)
    repo_bits: array
    #: numbers of the packages with an ``i:`` line
    install_if: array
    #: package number -> name id of its ``P:``
    pkg_name: array
    #: per index in turn, per package of that index: its package number (-1: a copy of an earlier index's)
    local_number: array
    #: name id -> apk's name-table bucket (``name_hash(name) % NAME_HASH_BUCKETS``)
    name_bucket: array
    #: the solver's ``depended_by`` (name id -> package numbers with it in ``D:``), flat: name id ``n``'s
    #: packages are ``depended_package[depended_first[n] : depended_first[n + 1]]``. Read in place: a
    #: solve asks for ~15% of its rows, and unmarshalling them all was 2.6-4.4 ms of every fresh v3.21 solve
    depended_first: array
    depended_package: array
    #: apk-tools 3's reading of the world's versions (the solver's ``_strict_reading``:
    #: broken package numbers, those whose ``i:`` it drops, whether a provide is unreadable),
    #: made from the columns of a world of parsed copies and kept with its table; None: not made
    #: (yet: a world of 2.x rules makes it only when a 3.x solve asks, see ProviderMap.apk3_reading)
    apk3_reading: tuple | None
    #: () -> (pkg_depends, pkg_provides, pkg_install_if, name_providers, install_if_by) as
    #: :class:`SolverTables` has them (unmarshalled from a copy when first asked for: the solver reads
    #: most of their rows, and marshal makes tuples of ints faster than any per-row reading of flat arrays)
    solver: Callable[[], tuple]

    def check(self, counts: Sequence[int]) -> None:
        """ValueError unless the arrays fit together and fit indexes of ``counts`` packages.

        Only checks that cost no Python loop (this runs on every load): the
        copy's digest already says it is what was written.
        """
        packages = len(self.package_index)
        pairs = len(self.provider_package)
        if (
            len(self.first) != len(self.names) + 1 or self.first[0] != 0 or self.first[-1] != pairs
            or len(self.provider_slot) != pairs or len(self.package_local) != packages
            or len(self.repo_bits) != packages or packages > sum(counts) or len(self.pkg_name) != packages
            or max(self.install_if, default=-1) >= packages or max(self.package_index, default=-1) >= len(counts)
            or max(self.provided, default=-1) >= len(self.names)
            or len(self.local_number) != sum(counts) or len(self.name_bucket) != len(self.names)
            or len(self.depended_first) != len(self.names) + 1 or self.depended_first[0] != 0
            or self.depended_first[-1] != len(self.depended_package)
        ):
            raise ValueError("provider tables that do not fit their indexes")


def build_provider_map(
    indexes: Sequence[ApkIndex],
    tags: Sequence[str | None] | None = None,
    reverse_order: ReverseOrder = "hash",
    solver_rules: object = None,
) -> ProviderMap:
    """The name table of ``indexes`` (in apk repository order).

    When every index was read through a parsed copy (``index.kept``), the
    table comes ready from the copies' store (kept there the first time this
    list of index files was loaded together), and no package is built until
    someone asks for it.
    """
    if tags is None:
        tags = [None] * len(indexes)
    if len(tags) != len(indexes):
        raise ValueError("one tag (or None) per index")
    kept = [index.kept for index in indexes]
    keep = bool(indexes) and all(kept)
    tables = _kept_tables(indexes, kept) if keep else None
    if tables is None:
        # apk-tools 3's reading only when this world's rules are 3.x (made and kept with the table);
        # for any other, only a later 3.x solve makes it (see ProviderMap.apk3_reading)
        tables = provider_tables(indexes, apk3_reading=keep and getattr(solver_rules, "strict_index_versions", False))
        if keep:
            kept[0].store.keep_tables(kept, tables)
    packages = _WorldPackages(indexes, tables)
    memo: dict = {"solver_tables": _TableSolverTables(tables), "kept_copies": tuple(kept) if keep else None}
    if tables.apk3_reading is not None:
        broken, dropped, odd_provides = tables.apk3_reading
        memo["apk3_reading"] = (frozenset(broken), frozenset(dropped), apk3_warning(broken, dropped, odd_provides))
    return ProviderMap(
        repositories=tuple(index.repository for index in indexes),
        tags=tuple((tag or "").lstrip("@") for tag in tags),
        packages=packages,
        reverse_order=reverse_order,
        _providers=_ProviderLists(tables, packages),
        _repos=_RepositoryBits(tables, packages),
        _install_if_packages=_Numbered(packages, tables.install_if),
        _memo=memo,
        solver_rules=solver_rules,
        tables=tables,
    )


def _kept_tables(indexes: Sequence[ApkIndex], kept: list) -> ProviderTables | None:
    """The table kept for these indexes (``kept``: their copies, every one there), if it still checks out."""
    tables = kept[0].store.kept_tables(kept)
    if tables is None:
        return None
    try:
        tables.check([len(index.packages) for index in indexes])
    except (ValueError, TypeError, IndexError):
        return None  # not what provider_tables() makes: make them again
    return tables


def _index_rows(index: ApkIndex):
    """(names, checksums, depends, provide names, install_if, atom names) per package of one index:
    ``depends`` and ``install_if`` as numbers into ``atom names`` (an index read through its
    columns: its own atom numbers, so each atom's name is found once)."""
    packages = index.packages
    if isinstance(packages, LazyPackages):
        column = packages.column
        atom_names = [atom[0] for atom in column("atoms")]
        provides = [flat[::2] for flat in column("provides")]
        return column("name"), column("checksum"), column("depends"), provides, column("install_if"), atom_names
    numbers: dict[str, int] = {}
    number = numbers.setdefault
    return (
        [p.name for p in packages],
        [p.checksum for p in packages],
        [tuple([number(a.name, len(numbers)) for a in p.depends]) for p in packages],
        [tuple([a.name for a in p.provides]) for p in packages],
        [tuple([number(a.name, len(numbers)) for a in p.install_if]) for p in packages],
        list(numbers),
    )


def apk3_warning(broken, dropped, odd_provides: bool) -> str:
    """apk-tools 3's warning about versions it cannot read ("" when there is none)."""
    if not (broken or dropped or odd_provides):
        return ""
    return "The indexes contain broken packages which " + (
        "are not installable." if broken else "might not function properly."
    )


def _apk3_reading(indexes: Sequence[Sequence[Package]], local_number: Sequence[int]) -> tuple:
    """(broken package numbers, numbers whose ``i:`` is dropped, an unreadable provide?) as
    apk-tools 3 reads the versions (the solver's ``_strict_reading``, from the columns:
    each distinct atom's version is checked once)."""
    readable: dict[str, bool] = {}

    def unreadable(version: str) -> bool:
        ok = readable.get(version)
        if ok is None:
            ok = readable[version] = is_valid_apk3(version)
        return not ok

    def bad_atom(atom) -> bool:
        return atom[2] is not None and atom[1] != "><" and unreadable(atom[2])

    broken: list[int] = []
    dropped: list[int] = []
    odd_provides = False
    start = 0
    for packages in indexes:
        count = len(packages)
        numbers = local_number[start : start + count]
        start += count
        if isinstance(packages, LazyPackages):
            atoms = packages.column("atoms")
            bad = {n for n, atom in enumerate(atoms) if bad_atom(atom)}
            depends, iifs = packages.column("depends"), packages.column("install_if")
            versions = [flat[1::2] for flat in packages.column("provides")]
        else:
            every = set(chain.from_iterable(p.depends for p in packages))
            every.update(chain.from_iterable(p.install_if for p in packages))
            bad = {atom for atom in every if bad_atom(atom)}  # each distinct atom once
            depends = [p.depends for p in packages]
            iifs = [p.install_if for p in packages]
            versions = [[provide.version for provide in p.provides] for p in packages]
        for local, number in enumerate(numbers):
            if number < 0:
                continue
            if bad and depends[local] and not bad.isdisjoint(depends[local]):
                broken.append(number)
            if bad and iifs[local] and not bad.isdisjoint(iifs[local]):
                dropped.append(number)
            if not odd_provides and versions[local]:
                odd_provides = any(v is not None and unreadable(v) for v in versions[local])
    return tuple(broken), tuple(dropped), odd_provides


def provider_tables(indexes: Sequence[ApkIndex], *, apk3_reading: bool = False) -> ProviderTables:
    """The name table of ``indexes`` from their columns (no package is built for an index read from a copy).

    A package present in several indexes (same decoded ``C:`` checksum) is
    one package, numbered where it first appears, with one repository bit
    per index that has it.

    Built in whole-column passes (``zip``, ``map``, ``chain``, ``dict.fromkeys``
    do the per-package work in C): a first run on v3.21 main + community
    builds its table here, 25,000 packages and 60,000 names.
    """
    package_index = array("I")
    package_local = array("I")
    local_number = array("i")
    repo_bits: list[int] = []
    by_checksum: dict[bytes | str, int] = {}
    # per index: the rows of its distinct packages (P name, D and i atom numbers, p names) and its atom names
    parts = []
    for position, index in enumerate(indexes):
        bit = 1 << (position + 1)  # bit 0 is apk's cache pseudo-repository
        names, checksums, depends, provides, iifs, atom_names = _index_rows(index)
        start = len(repo_bits)
        keys = list(map(_checksum_key_or_none, checksums))
        if not by_checksum.keys() & keys and None not in keys and len(set(keys)) == len(keys):
            # no package of an earlier index, none twice (every real index): numbered in order
            by_checksum.update(zip(keys, range(start, start + len(keys))))
            local_number.extend(range(start, start + len(keys)))
            repo_bits += [bit] * len(keys)
            distinct = range(len(keys))
        else:
            distinct = _distinct_packages(keys, bit, by_checksum, repo_bits, local_number)
        package_index.extend([position] * len(distinct))
        package_local.extend(distinct)
        if len(distinct) != len(checksums):
            names, depends, provides, iifs = ([rows[local] for local in distinct]
                                              for rows in (names, depends, provides, iifs))
        parts.append((names, depends, provides, iifs, atom_names))
    # name ids in apk's creation order: each record's P:, then D:, p:, i: (atom names read by number, in C)
    created = chain.from_iterable(
        chain.from_iterable(chain.from_iterable(
            zip(zip(names), map(partial(map, atom_names.__getitem__), depends), provides,
                map(partial(map, atom_names.__getitem__), iifs))
        ))
        for names, depends, provides, iifs, atom_names in parts
    )
    every_name = list(dict.fromkeys(created))
    ids = dict(zip(every_name, range(len(every_name))))
    id_of = ids.__getitem__
    pkg_name = array("I")
    pkg_depends: list[tuple[int, ...]] = []
    pkg_provides: list[tuple[int, ...]] = []
    pkg_install_if: list[tuple[int, ...]] = []
    for names, depends, provides, iifs, atom_names in parts:
        atom_id = list(map(ids.get, atom_names)).__getitem__  # None: an atom only a duplicate record has
        pkg_name.extend(map(id_of, names))
        pkg_depends += [tuple(map(atom_id, row)) for row in depends]
        pkg_provides += [tuple(map(id_of, row)) for row in provides]
        pkg_install_if += [tuple(map(atom_id, row)) for row in iifs]
    install_if = array("I", [number for number, row in enumerate(pkg_install_if) if row])
    # (name, package, slot) pairs: each package's own name (slot 0), then its provides
    widths = [len(row) + 1 for row in pkg_provides]
    pair_name = list(chain.from_iterable(chain.from_iterable(zip(zip(pkg_name), pkg_provides))))
    pair_package = array("I", chain.from_iterable(map(repeat, range(len(widths)), widths)))
    pair_slot = array("I", chain.from_iterable(map(range, widths)))
    provided = dict.fromkeys(pair_name)
    order = sorted(range(len(pair_name)), key=pair_name.__getitem__)  # stable: load order within a name
    counts = [0] * (len(every_name) + 1)
    for name_id, count in Counter(pair_name).items():
        counts[name_id + 1] = count
    first = array("I", accumulate(counts))
    provider_package = array("I", map(pair_package.__getitem__, order))
    name_providers = [tuple(provider_package[a:b]) for a, b in zip(first, first[1:])]
    depended_first, depended_package = _flat_rows(_packages_by_name(pkg_depends), len(every_name))
    solver = (
        pkg_depends, pkg_provides, pkg_install_if, name_providers,
        _packages_by_name([pkg_install_if[n] for n in install_if], install_if),
    )
    hash_name = _mmh3()
    return ProviderTables(
        # the numbering's own dict handed over: built again on a solve's first look-up, it was
        # ~1.5 ms of v3.17's first solve on a fresh map
        names=NameTable(every_name, ids=ids),
        first=first,
        provider_package=provider_package,
        provider_slot=array("I", map(pair_slot.__getitem__, order)),
        provided=array("I", provided),
        package_index=package_index,
        package_local=package_local,
        repo_bits=array("Q", repo_bits) if len(indexes) < 63 else repo_bits,  # apk has at most 32
        install_if=install_if,
        pkg_name=pkg_name,
        local_number=local_number,
        # apk's name hash (murmur3, mmh3 in C) of every name, paid once per world here instead of in every solve
        name_bucket=array("H", [h % NAME_HASH_BUCKETS for h in map(hash_name, every_name, repeat(NAME_HASH_SEED),
                                                                    repeat(False))]),
        depended_first=depended_first,
        depended_package=depended_package,
        apk3_reading=_apk3_reading([index.packages for index in indexes], local_number) if apk3_reading else None,
        solver=lambda: solver,
    )


def _checksum_key_or_none(checksum: str) -> bytes | str | None:
    """:func:`checksum_key`, None for a record without ``C:`` (never merged)."""
    return checksum_key(checksum) if checksum else None


def _distinct_packages(keys: list, bit: int, by_checksum: dict, repo_bits: list[int], local_number: array) -> list[int]:
    """Number the packages of one index (keys: their checksum keys) not seen before; a package
    seen before (same key) gets this index's repository bit instead. Their positions, in order."""
    distinct = []
    for local, key in enumerate(keys):
        number = len(repo_bits)
        if key is not None:
            known = by_checksum.get(key)
            if known is not None:
                repo_bits[known] |= bit
                local_number.append(-1)
                continue
            by_checksum[key] = number
        local_number.append(number)
        repo_bits.append(bit)
        distinct.append(local)
    return distinct


def _packages_by_name(rows: Sequence[tuple[int, ...]], numbers: Sequence[int] | None = None) -> dict[int, tuple[int, ...]]:
    """name id -> the package numbers whose row (``numbers[i]``'s is ``rows[i]``) has it, each once, in order."""
    found: dict[int, list[int]] = {}
    get = found.get
    for number, row in zip(range(len(rows)) if numbers is None else numbers, rows):
        for name_id in row:
            entry = get(name_id)
            if entry is None:
                found[name_id] = [number]
            elif entry[-1] != number:  # a name twice in one line: once
                entry.append(number)
    return {name_id: tuple(entry) for name_id, entry in found.items()}


def _flat_rows(rows: dict[int, tuple[int, ...]], count: int) -> tuple[array, array]:
    """(first, values) of ``rows`` (ids below ``count`` -> numbers): row ``i`` is ``values[first[i] : first[i + 1]]``."""
    lengths = [0] * (count + 1)
    for i, row in rows.items():
        lengths[i + 1] = len(row)
    return array("I", accumulate(lengths)), array("I", chain.from_iterable(map(rows.__getitem__, sorted(rows))))


class FlatRows(Mapping):
    """id -> tuple of numbers, for the ids whose row is not empty, over two flat arrays
    (``first``, ``values``: row ``i`` is ``values[first[i] : first[i + 1]]``), read in place.

    :meth:`row` is the solver's reading: the row as a slice of ``values`` (a
    memory view of the mapped table: no tuple made), empty when the id has none.
    """

    __slots__ = ("first", "values")

    def __init__(self, first: Sequence[int], values: Sequence[int]):
        self.first = first
        self.values = values

    def row(self, i: int):
        first = self.first
        return self.values[first[i] : first[i + 1]]

    def __getitem__(self, i: int) -> tuple[int, ...]:
        if isinstance(i, int) and 0 <= i < len(self.first) - 1:
            found = tuple(self.row(i))
            if found:
                return found
        raise KeyError(i)

    def __iter__(self) -> Iterator[int]:
        first = self.first
        return (i for i in range(len(first) - 1) if first[i + 1] != first[i])

    def __len__(self) -> int:
        return sum(1 for _ in self)


class _WorldPackages(Sequence[Package]):
    """The world's distinct packages by number: the indexes' own objects, built when first asked for."""

    __slots__ = ("indexes", "tables", "_positions")

    def __init__(self, indexes: Sequence[ApkIndex], tables: ProviderTables):
        self.indexes = [index.packages for index in indexes]
        self.tables = tables
        self._positions: dict[int, dict[Package, int]] = {}  # for indexes held as plain tuples

    def __len__(self) -> int:
        return len(self.tables.package_index)

    def __getitem__(self, number):
        if isinstance(number, slice):
            return tuple(self[i] for i in range(*number.indices(len(self))))
        return self.indexes[self.tables.package_index[number]][self.tables.package_local[number]]

    def __iter__(self) -> Iterator[Package]:
        # index by index (numbers follow the indexes' order): iterating an index read from
        # its copy builds all its packages at once, several times cheaper than one by one
        start = 0
        local_number = self.tables.local_number
        for packages in self.indexes:
            count = len(packages)
            for package, number in zip(packages, local_number[start : start + count]):
                if number >= 0:  # else the same package as an earlier index's
                    yield package
            start += count

    def number_of(self, package: Package) -> int:
        """The package's number (KeyError: not one of the world's distinct packages)."""
        start = 0
        for position, packages in enumerate(self.indexes):
            if isinstance(packages, LazyPackages):
                local = packages.position_of(package)
            else:
                positions = self._positions.get(position)
                if positions is None:
                    positions = self._positions[position] = {p: i for i, p in enumerate(packages)}
                local = positions.get(package)
            if local is not None and packages[local] is package:
                number = self.tables.local_number[start + local]
                if number >= 0:
                    return number
            start += len(packages)
        raise KeyError(package)


class _Numbered(Sequence[Package]):
    """Some of the world's packages, by number."""

    __slots__ = ("packages", "numbers")

    def __init__(self, packages: _WorldPackages, numbers: Sequence[int]):
        self.packages = packages
        self.numbers = numbers

    def __len__(self) -> int:
        return len(self.numbers)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return tuple(self.packages[n] for n in self.numbers[i])
        return self.packages[self.numbers[i]]


class _ProviderLists:
    """name -> [(package, version)], built per name on first lookup from the tables."""

    __slots__ = ("tables", "packages", "_lists")

    def __init__(self, tables: ProviderTables, packages: _WorldPackages):
        self.tables = tables
        self.packages = packages
        self._lists: dict[str, list[tuple[Package, str | None]]] = {}

    def name_id(self, name: str) -> int | None:
        return self.tables.names.id(name)

    def get(self, name: str, default=None):
        found = self._lists.get(name)
        if found is not None:
            return found
        name_id = self.name_id(name)
        if name_id is None:
            return default
        tables = self.tables
        start, end = tables.first[name_id], tables.first[name_id + 1]
        if start == end:  # a name only depended on: not in the table, as in apk's providers list
            return default
        package = self.packages.__getitem__
        found = []
        for number, slot in zip(tables.provider_package[start:end], tables.provider_slot[start:end]):
            owner = package(number)
            found.append((owner, owner.provides[slot - 1].version if slot else owner.version))
        self._lists[name] = found
        return found

    def __contains__(self, name: str) -> bool:
        name_id = self.name_id(name)
        return name_id is not None and self.tables.first[name_id] != self.tables.first[name_id + 1]

    def keys(self) -> list[str]:
        """The provided names, in the order they were first provided."""
        names = self.tables.names
        return [names[i] for i in self.tables.provided]

    def __len__(self) -> int:
        return len(self.tables.provided)


class _RepositoryBits:
    """package -> its repository bits."""

    __slots__ = ("tables", "packages")

    def __init__(self, tables: ProviderTables, packages: _WorldPackages):
        self.tables = tables
        self.packages = packages

    def __getitem__(self, package: Package) -> int:
        return self.tables.repo_bits[self.packages.number_of(package)]


_M32 = 0xFFFFFFFF
_new = tuple.__new__


def name_hash(name: str) -> int:
    """apk's name-table hash (``apk_blob_hash``): murmur3 with seed 5381.

    Computed by mmh3 (C); :func:`murmur3_32` is the same function in Python,
    kept as the reference the tests hold mmh3 to.
    """
    global _mmh3_hash
    if _mmh3_hash is None:
        from mmh3 import hash as _mmh3_hash  # loaded when an order is first asked
    return _mmh3_hash(name.encode(), NAME_HASH_SEED, signed=False)


_mmh3_hash = None


def _mmh3():
    """mmh3's 32-bit hash (imported on first use): ``(name, seed, signed)``."""
    global _mmh3_hash
    if _mmh3_hash is None:
        from mmh3 import hash as _mmh3_hash
    return _mmh3_hash


def murmur3_32(data: bytes, seed: int) -> int:
    """MurmurHash3, x86 32-bit variant, blocks read little-endian (as on x86_64/aarch64)."""
    import struct  # the reference implementation (mmh3 computes it in C)

    length = len(data)
    h = seed & _M32
    nblocks = length // 4
    for k in struct.unpack_from(f"<{nblocks}I", data) if nblocks else ():
        k = (k * 0xCC9E2D51) & _M32
        k = ((k << 15) | (k >> 17)) & _M32
        k = (k * 0x1B873593) & _M32
        h ^= k
        h = ((h << 13) | (h >> 19)) & _M32
        h = (h * 5 + 0xE6546B64) & _M32
    tail = data[nblocks * 4 :]
    if tail:
        k = 0
        for shift, byte in enumerate(tail):
            k ^= byte << (8 * shift)
        k = (k * 0xCC9E2D51) & _M32
        k = ((k << 15) | (k >> 17)) & _M32
        k = (k * 0x1B873593) & _M32
        h ^= k
    h ^= length
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & _M32
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & _M32
    h ^= h >> 16
    return h


# ---------------------------------------------------------------------------
# Solver tables: the world as integers, built once per map.


class SolverTables:
    """The integer view of a world the solver walks.

    A *package number* is a package's position in ``ProviderMap.packages``.
    A *name id* numbers every name in the order apk-tools creates it while
    reading the indexes (each record's ``P:``, then ``D:``, ``p:``, ``i:``
    names; the first index first), so a larger id is a newer name: the order
    inside one of apk's hash buckets.
    """

    __slots__ = (
        "names", "ids", "pkg_name", "pkg_depends", "pkg_provides", "pkg_install_if",
        "name_providers", "depended_by", "install_if_by",
    )

    #: name id -> name
    names: list[str]
    #: name -> name id
    ids: dict[str, int]
    #: package number -> the name id of its ``P:``
    pkg_name: list[int]
    #: package number -> name ids of its ``D:`` atoms (conflicts too), in order
    pkg_depends: list[tuple[int, ...]]
    #: package number -> name ids of its ``p:`` atoms, in order
    pkg_provides: list[tuple[int, ...]]
    #: package number -> name ids of its ``i:`` atoms, in order
    pkg_install_if: list[tuple[int, ...]]
    #: name id -> package numbers that are or provide it (``ProviderMap.providers`` order)
    name_providers: list[tuple[int, ...]]
    #: name id -> package numbers with it in ``D:``, in load order (names that have some; read in place:
    #: ``depended_by.row(i)``, empty for a name without)
    depended_by: FlatRows
    #: name id -> package numbers with it in ``i:``, in load order (names that have some)
    install_if_by: dict[int, tuple[int, ...]]


class _NameIds(Mapping):
    """name -> name id, as :attr:`SolverTables.ids`, answered by a :class:`NameTable`."""

    __slots__ = ("table",)

    def __init__(self, table: NameTable):
        self.table = table

    def get(self, name, default=None):
        found = self.table.id(name)
        return default if found is None else found

    def __getitem__(self, name: str) -> int:
        found = self.table.id(name)
        if found is None:
            raise KeyError(name)
        return found

    def __contains__(self, name) -> bool:
        return self.table.id(name) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(self.table)

    def __len__(self) -> int:
        return len(self.table)


class _TableSolverTables(SolverTables):
    """:class:`SolverTables` handed over from the world's :class:`ProviderTables` (which a
    parsed copy keeps): names, ids and ``pkg_name`` are the table's own; the
    rest is read on first use."""

    __slots__ = ("_source",)

    def __init__(self, source: ProviderTables):
        self._source = source
        self.names = source.names
        self.ids = _NameIds(source.names)
        self.pkg_name = source.pkg_name
        self.depended_by = FlatRows(source.depended_first, source.depended_package)

    def __getattr__(self, name: str):
        if name in _SOLVER_PARTS:
            for part, value in zip(_SOLVER_PARTS, self._source.solver()):
                setattr(self, part, value)
            return getattr(self, name)
        raise AttributeError(name)


_SOLVER_PARTS = ("pkg_depends", "pkg_provides", "pkg_install_if", "name_providers", "install_if_by")
