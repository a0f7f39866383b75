"""The house floors, checked against the real import graph of src/apkneed.

Every module is parsed with ``ast`` and every ``import``/``from ... import``
in it counts, at any depth (function-level and ``TYPE_CHECKING`` imports
included): a lazy import that runs back up a floor is still a cycle in the
design. The floors are those of /work/shared/design/layout.md and the
house rules:

    __main__ -> cli -> render -> plan/scan/blas/check -> alpine/python -> net/binary
        -> cache/errors/tomlfile/inputfile (and the other top-level helpers)

Inside ``alpine/`` the package-world model never imports ``alpine.sources``
(where indexes come from); ``sources`` sits above the model.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "apkneed"

# Floor of each room; a room may import rooms on a strictly lower floor and
# itself. A top-level helper module (src/apkneed/*.py) is a room of its own
# on the bottom floor; helpers there may use one another (cache -> errors).
FLOORS: dict[str, int] = {
    # the console script: its fast path for `resolve` answers without click,
    # so it imports the floors below cli directly, and cli itself otherwise
    "__main__": 6,
    "cli": 5,
    "render": 4,
    "plan": 3, "scan": 3, "blas": 3, "check": 3,
    "alpine": 2, "python": 2,
    "net": 1, "binary": 1,
}
BOTTOM = 0

# Rooms on one floor that may use each other, and which way. The Dockerfile
# audit (check/) "sits beside plan/ and calls it" (layout.md) and reads the
# image filesystem with scan/; no other sideways import exists or is wanted.
SIDEWAYS = {("check", "plan"), ("check", "scan")}

# solver_rules: the apk-tools 2/3 switches of the one solver (layout.md, "Both
# apk-tools generations stay one solver"), part of the model.
ALPINE_MODEL = {
    "atom", "checksum", "package", "version", "index", "providers",
    "solver", "solver_rules", "solver_report", "solver_parts", "facts",
    "columns", "index_columns",
}


def _module_name(path: Path) -> tuple[str, bool]:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    is_package = parts[-1] == "__init__"
    if is_package:
        parts.pop()
    return ".".join(parts), is_package


def import_edges() -> list[tuple[str, str, int]]:
    """(importing module, imported apkneed module, line) for every import in src/apkneed."""
    edges = []
    for path in sorted(SRC.rglob("*.py")):
        module, is_package = _module_name(path)
        package = module if is_package else module.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                # "from apkneed.alpine import sources" imports the submodule itself.
                targets = [target] + [f"{target}.{alias.name}" for alias in node.names]
            else:
                continue
            for target in targets:
                if target == "apkneed" or target.startswith("apkneed."):
                    edges.append((module, target, node.lineno))
    return edges


def room(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "apkneed"


def floor(room_name: str) -> int:
    if room_name in FLOORS:
        return FLOORS[room_name]
    if (SRC / f"{room_name}.py").is_file() or room_name == "apkneed":
        return BOTTOM
    if (SRC / room_name).is_dir():
        pytest.fail(f"package apkneed.{room_name} has no floor: add it to FLOORS in tests/test_layers.py")
    return BOTTOM  # "from apkneed.x import name" where x.name is not a module: the room is x anyway


EDGES = import_edges()


def test_the_graph_is_read():
    # A parser that found nothing would make every other test here pass.
    rooms = {(room(a), room(b)) for a, b, _ in EDGES}
    assert ("cli", "render") in rooms and ("plan", "alpine") in rooms and ("alpine", "errors") in rooms
    lazy = [e for e in EDGES if e[0] == "apkneed.alpine.solver" and e[1].startswith("apkneed.alpine.solver_report")]
    assert lazy, "the function-level import in alpine/solver.py is part of the graph"


def test_every_package_has_a_floor():
    for path in SRC.iterdir():
        if path.is_dir() and (path / "__init__.py").is_file():
            assert path.name in FLOORS, f"apkneed.{path.name} has no floor in tests/test_layers.py"


def test_no_import_runs_up_a_floor_or_sideways():
    wrong = []
    for source, target, line in EDGES:
        from_room, to_room = room(source), room(target)
        if from_room == to_room:
            continue
        from_floor, to_floor = floor(from_room), floor(to_room)
        if from_floor == BOTTOM and to_floor == BOTTOM:
            continue  # the bottom floor's helpers (cache -> errors, tomlfile -> inputfile)
        if to_floor < from_floor or (from_room, to_room) in SIDEWAYS:
            continue
        wrong.append(f"{source}:{line} imports {target} ({from_room} floor {from_floor} -> {to_room} floor {to_floor})")
    assert not wrong, "\n".join(wrong)


def test_the_alpine_model_never_imports_its_sources():
    wrong = []
    for source, target, line in EDGES:
        parts = source.split(".")
        if parts[:2] == ["apkneed", "alpine"] and len(parts) == 3 and parts[2] in ALPINE_MODEL:
            if target.startswith("apkneed.alpine.sources"):
                wrong.append(f"{source}:{line} imports {target}")
    assert not wrong, "\n".join(wrong)


def test_every_alpine_module_is_model_or_source():
    # A new module directly in alpine/ must be placed: model (listed) or moved to sources/.
    loose = {p.stem for p in (SRC / "alpine").glob("*.py")} - ALPINE_MODEL - {"__init__"}
    assert not loose, f"alpine/{sorted(loose)} is neither in the model list nor under alpine/sources/"


MODULES = {_module_name(path)[0] for path in SRC.rglob("*.py")}


def module_graph(edges: list[tuple[str, str, int]]) -> dict[str, dict[str, int]]:
    """importing module -> {imported module: first line}, every import counted (function-level too).

    ``from apkneed.x import name`` is an edge to ``apkneed.x`` unless ``name``
    is itself a module; importing a submodule is not counted as importing
    its package (Python loads the package first, but that is no dependency
    the package chose).
    """
    graph: dict[str, dict[str, int]] = {}
    for source, target, line in edges:
        while target and target not in MODULES:
            target = target.rpartition(".")[0]
        if target and target != source:
            graph.setdefault(source, {}).setdefault(target, line)
    return graph


def import_cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """The modules on one import cycle, each group sorted: the strongly connected
    components of more than one module (Tarjan's algorithm)."""
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles = []

    def visit(module: str) -> None:
        order[module] = low[module] = len(order)
        stack.append(module)
        on_stack.add(module)
        for imported in graph.get(module, {}):
            if imported not in order:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], order[imported])
        if low[module] == order[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    for module in sorted(graph):
        if module not in order:
            visit(module)
    return sorted(cycles)


def describe_cycles(graph: dict[str, dict[str, int]]) -> list[str]:
    """One line per cycle, naming each import on it (module:line -> module) inside the group."""
    lines = []
    for group in import_cycles(graph):
        members = set(group)
        links = [f"{a}:{line} -> {b}" for a in group for b, line in sorted(graph.get(a, {}).items()) if b in members]
        lines.append(f"{' <-> '.join(group)}: " + "; ".join(links))
    return lines


def test_no_two_modules_import_each_other():
    # A loop hidden in a function (a lazy import) is still a loop: data must flow
    # one way. Move the shared piece below both modules instead.
    graph = module_graph(EDGES)
    assert graph["apkneed.alpine.solver"]["apkneed.alpine.solver_report"]  # a function-level import counts
    pairs = sorted({tuple(sorted((a, b))) for a in graph for b in graph[a] if a in graph.get(b, {})})
    assert not pairs, "\n".join(
        f"{a}:{graph[a][b]} imports {b} and {b}:{graph[b][a]} imports {a}" for a, b in pairs
    )


def test_no_import_cycle_of_any_length():
    graph = module_graph(EDGES)
    assert not import_cycles(graph), "\n".join(describe_cycles(graph))


def test_the_cycle_finder_finds_a_cycle_added_to_the_real_graph():
    # The two tests above pass on a finder that finds nothing; one import added back
    # (version -> providers -> version) and a three-module one must both be named.
    added = [("apkneed.alpine.version", "apkneed.alpine.providers.ProviderMap", 1),
             ("apkneed.alpine.atom", "apkneed.scan.rootfs", 2), ("apkneed.scan.rootfs", "apkneed.render", 3),
             ("apkneed.render", "apkneed.alpine.atom", 4)]
    graph = module_graph(EDGES + added)
    cycles = import_cycles(graph)
    assert ["apkneed.alpine.providers", "apkneed.alpine.version"] in cycles
    assert ["apkneed.alpine.atom", "apkneed.render", "apkneed.scan.rootfs"] in cycles
    assert "apkneed.alpine.version:1 -> apkneed.alpine.providers" in "\n".join(describe_cycles(graph))
