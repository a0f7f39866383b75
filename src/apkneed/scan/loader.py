"""musl's dynamic loader, as pure functions over what files exist in ROOT.

The rules come from musl's ``ldso/dynlink.c`` and are kept, with their
source, in ``data/loader.json``; in short (see that file for the details):

1. A NEEDED name musl answers itself (``libc.*``, ``libm.*``, ``libpthread.*``,
   ``libdl.*``, ``librt.*``, ``libutil.*``, ``libxnet.*``, or the loader's own
   path) needs no file, as long as ROOT has the musl loader.
2. A name already loaded under that name in the same process is reused.
3. A name with a ``/`` is opened as it is; otherwise it is searched in the
   RPATH/RUNPATH of the object that needs it, then of the object that loaded
   that one, up to the program; then in the system path
   (``/etc/ld-musl-<arch>.path``, else ``/lib:/usr/local/lib:/usr/lib``).
4. The first candidate that exists ends the search (a symlink loop ends it
   with a failure); if it is not a loadable ELF object for this machine, the
   load fails: musl does not go on to the next directory.
5. A file found under two names (two symlinks, a hard link) is loaded once.

:func:`simulate_load` runs rules 1-5 breadth first from one object, the way
``load_deps`` walks the dependency list, and reports what loaded and what did
not. Nothing here reads the host: files are looked up through a ``lookup``
function and ELF facts come from an ``elf_of`` function.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from typing import Callable

from apkneed.binary.elf import ElfInfo
from apkneed.binary.libc import GLIBC
from apkneed.scan.facts import LoaderFacts
from apkneed.scan.paths import DENIED, FOUND, LOOP, MISSING, Lookup, Resolved, join, resolve
from apkneed.scan.rootfs import FILE

#: what ``elf_of(real_path)`` answers: the facts, or why the file cannot be loaded
ElfLookup = Callable[[str], "ElfInfo | str"]

LOADABLE_TYPES = ("shared", "executable")


@dataclass(frozen=True)
class LoaderView:
    """What musl's loader sees of one root."""

    facts: LoaderFacts
    #: the in-root path of the musl loader (PT_INTERP of Alpine's programs), None when ROOT has none
    interpreter: str | None
    #: the system search path (from the .path file, or the default)
    system_path: tuple[str, ...]
    #: the arch name apkneed.binary.elf gives to this root's machine, None when unknown
    elf_arch: str | None
    lookup: Lookup


def is_self_name(name: str, view: LoaderView) -> bool:
    """Does musl's loader answer ``name`` itself (no file needed)?"""
    if view.interpreter is None:
        return False
    if name == view.interpreter:
        return True
    if not name.startswith("lib"):
        return False
    rest = name[3:]
    return any(rest.startswith(prefix + ".") for prefix in view.facts.self_lib_prefixes)


def split_path_list(text: str, separators: str) -> tuple[str, ...]:
    """Entries of a musl path list (``.path`` file or RPATH): empty ones skipped."""
    for sep in separators[1:]:
        text = text.replace(sep, separators[0])
    return tuple(entry for entry in text.split(separators[0]) if entry)


def path_file_location(interpreter: str, facts: LoaderFacts, ldso_arch: str) -> str:
    """Where the loader at ``interpreter`` reads its path file.

    musl takes its own path less the last two components as a prefix:
    ``/lib/ld-musl-x86_64.so.1`` reads ``/etc/ld-musl-x86_64.path``, and a
    loader at ``/opt/musl/lib/ld-musl-x86_64.so.1`` reads ``/opt/musl/etc/...``.
    """
    prefix = posixpath.dirname(posixpath.dirname(interpreter))
    return posixpath.join(prefix or "/", facts.path_file.format(ldso_arch=ldso_arch))


def system_path(path_file: Resolved, read_text: Callable[[str], str], facts: LoaderFacts) -> tuple[tuple[str, ...], str | None]:
    """The system search path and, when the path file spoils it, why.

    A missing file gives the default; a present file gives its content, even
    empty; a present file that cannot be read gives an empty path.
    """
    if path_file.status in (MISSING,):
        return facts.default_path, None
    if path_file.status != FOUND or path_file.node is None or path_file.node.kind != FILE:
        return (), f"{path_file.path}: cannot be read as a file ({path_file.status}), so musl searches no system directory"
    try:
        text = read_text(path_file.path)
    except OSError as exc:
        return (), f"{path_file.path}: cannot be read ({exc.strerror or exc}), so musl searches no system directory"
    entries = split_path_list(text, facts.separators)
    if not entries:
        return (), f"{path_file.path} is empty, so musl searches no system directory"
    return entries, None


def rpath_dirs(info: ElfInfo, origin: str, facts: LoaderFacts) -> tuple[str, ...]:
    """The directories an object's RUNPATH (else RPATH) adds, as musl expands them.

    ``$ORIGIN``/``${ORIGIN}`` become ``origin`` by plain string substitution
    (no normalising: the kernel walks the ``..``); any other ``$`` makes musl
    ignore the whole entry list. Relative directories depend on the working
    directory of a process, so a scan cannot follow them and leaves them out.
    """
    raw = ":".join(info.search_path)
    if not raw:
        return ()
    if "$" in raw:
        position = raw.find("$")
        while position >= 0:
            if not (raw.startswith("$ORIGIN", position) or raw.startswith("${ORIGIN}", position)):
                return ()
            position = raw.find("$", position + 1)
        raw = raw.replace("${ORIGIN}", origin).replace("$ORIGIN", origin)
    return tuple(d for d in split_path_list(raw, facts.separators) if d.startswith("/"))


@dataclass(frozen=True)
class Search:
    """Where a name was looked for and what ended the search."""

    status: str  # FOUND, MISSING (nothing anywhere) or LOOP (a loop ended it)
    candidate: str | None = None  # the path that opened (FOUND) or looped (LOOP)
    resolved: Resolved | None = None
    denied: tuple[str, ...] = ()  # candidates skipped because they could not be looked at


def search(name: str, dirs: tuple[str, ...], view: LoaderView) -> Search:
    """musl's path_open over ``dirs``: the first candidate that exists wins."""
    denied = []
    for directory in dirs:
        candidate = join(directory, name)
        found = resolve(candidate, view.lookup, max_links=view.facts.max_symlinks)
        if found.status == FOUND:
            return Search(FOUND, candidate, found, tuple(denied))
        if found.status == LOOP:
            return Search(LOOP, candidate, found, tuple(denied))
        if found.status == DENIED:
            denied.append(candidate)
        # MISSING and NOT_DIR: on to the next directory, as musl does.
    return Search(MISSING, None, None, tuple(denied))


def arch_label(info: ElfInfo) -> str:
    """The machine an object is built for, as a report names it."""
    return info.arch or f"machine {info.machine}"


def unusable_reason(info: ElfInfo, view: LoaderView) -> str | None:
    """Why musl cannot use this object, or None."""
    if info.elf_type not in LOADABLE_TYPES:
        return f"is an ELF {info.elf_type} file, not a loadable object"
    if view.elf_arch and info.arch != view.elf_arch:
        return f"is built for {arch_label(info)}, not {view.elf_arch}"
    return None


@dataclass(frozen=True)
class Loaded:
    """One object of a simulated process."""

    path: str  # the path it was opened by ($ORIGIN is its directory)
    real: str  # its real in-root path
    info: ElfInfo
    parent: int | None  # index in ``LoadResult.objects`` of the object that needed it first


@dataclass(frozen=True)
class Failure:
    """A NEEDED entry the loader cannot satisfy."""

    name: str
    needed_by: str  # real path of the object with the NEEDED entry
    reason: str


@dataclass(frozen=True)
class Edge:
    """A NEEDED entry satisfied by a file: evidence that the file is used."""

    needer: str  # real path
    name: str
    opened: str  # the candidate path that opened
    real: str  # the real path of the file
    links: tuple[str, ...]  # symlinks passed on the way


@dataclass
class LoadResult:
    objects: list[Loaded] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    #: objects reached that are linked against glibc: they cannot run here
    glibc: list[Loaded] = field(default_factory=list)
    #: NEEDED entries a scan cannot judge (relative paths): (needer, name)
    undecidable: list[tuple[str, str]] = field(default_factory=list)


def simulate_load(
    path: str,
    info: ElfInfo,
    view: LoaderView,
    elf_of: ElfLookup,
    search_memo: dict | None = None,
) -> LoadResult:
    """Load the object at ``path`` (a real in-root path) as musl would.

    ``search_memo`` (a plain dict the caller owns) remembers searches across
    calls: within one root, the same name over the same directories always
    ends the same way.
    """
    memo = search_memo if search_memo is not None else {}
    result = LoadResult(objects=[Loaded(path, path, info, None)])
    by_short: dict[str, int] = {}
    # One file under two names (symlinks, hard links) is one object: keyed by identity.
    by_real: dict[object, int] = {_identity(path, view): 0}
    position = 0
    while position < len(result.objects):
        current = result.objects[position]
        index = position
        position += 1
        if current.info.libc == GLIBC:
            if index:  # the object asked for is the caller's to report
                result.glibc.append(current)
            continue
        for name in current.info.needed:
            _load_one(name, index, result, view, elf_of, memo, by_short, by_real)
    return result


def _node_key(real: str, node) -> object:
    return node.identity if node is not None and node.identity is not None else real


def _identity(path: str, view: LoaderView) -> object:
    try:
        return _node_key(path, view.lookup(path))
    except PermissionError:
        return path


def _chain_dirs(index: int, result: LoadResult, view: LoaderView) -> tuple[str, ...]:
    dirs: list[str] = []
    at: int | None = index
    while at is not None:
        loaded = result.objects[at]
        dirs.extend(rpath_dirs(loaded.info, posixpath.dirname(loaded.path) or "/", view.facts))
        at = loaded.parent
    return tuple(dirs)


def _load_one(
    name: str,
    index: int,
    result: LoadResult,
    view: LoaderView,
    elf_of: ElfLookup,
    memo: dict,
    by_short: dict[str, int],
    by_real: dict[object, int],
) -> None:
    needer = result.objects[index].real
    if not name:
        result.failures.append(Failure(name, needer, "empty NEEDED entry"))
        return
    if is_self_name(name, view):
        return
    if "/" in name:
        if not name.startswith("/"):
            result.undecidable.append((needer, name))
            return
        found = resolve(name, view.lookup, max_links=view.facts.max_symlinks)
        outcome = Search(found.status if found.status in (FOUND, LOOP) else MISSING, name, found)
    else:
        if name in by_short:
            return
        if len(name) > view.facts.name_max:
            result.failures.append(Failure(name, needer, f"name longer than {view.facts.name_max} bytes"))
            return
        dirs = _chain_dirs(index, result, view) + view.system_path
        key = (name, dirs)
        outcome = memo.get(key)
        if outcome is None:
            outcome = memo[key] = search(name, dirs, view)
    if outcome.status == LOOP:
        result.failures.append(Failure(name, needer, f"symlink loop at {outcome.resolved.path}"))
        return
    if outcome.status != FOUND:
        reason = "not found"
        if outcome.denied:
            reason += f" (could not look at {', '.join(outcome.denied)})"
        result.failures.append(Failure(name, needer, reason))
        return
    resolved = outcome.resolved
    real = resolved.path
    result.edges.append(Edge(needer, name, outcome.candidate, real, tuple(link for link, _ in resolved.links)))
    key = _node_key(real, resolved.node)
    if key in by_real:
        if "/" not in name:
            by_short[name] = by_real[key]
        return
    if resolved.node is None or resolved.node.kind != FILE:
        kind = resolved.node.kind if resolved.node else "nothing"
        result.failures.append(Failure(name, needer, f"{outcome.candidate} is a {kind}, not a library"))
        return
    facts = elf_of(real)
    if isinstance(facts, str):
        result.failures.append(Failure(name, needer, f"{outcome.candidate} {facts}"))
        return
    reason = unusable_reason(facts, view)
    if reason:
        result.failures.append(Failure(name, needer, f"{outcome.candidate} {reason}"))
        return
    result.objects.append(Loaded(outcome.candidate, real, facts, index))
    new_index = len(result.objects) - 1
    by_real[key] = new_index
    if "/" not in name:
        by_short[name] = new_index
