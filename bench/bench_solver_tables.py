"""What the solver's integer tables cost a fresh solve on v3.21 main + community, and which form pays.

    python bench/bench_solver_tables.py [--runs 5] [--tree SRC]...

The provider table kept beside the parsed copies (``alpine/sources/parsed.py``)
holds most of the solver's tables as one marshal part, unmarshalled on a map's
first solve, and ``depended_by`` as flat arrays read in place. Three parts:

1. each marshalled table unmarshalled alone (rows, values, bytes, ms);
2. how many of each table's rows one fresh solve of ``py3-numpy py3-scipy``
   reads, and how often, with each apk-tools generation's rules (the
   tables are wrapped in counting views: a flat table pays only for the rows
   read, a marshalled one for all of them);
3. what reading one row costs (``pkg_depends``): a tuple of a list, a
   memory-view slice of flat arrays, a tuple made on first access (a dict's
   ``__missing__``), against ``marshal.loads`` per row;
4. with ``--tree SRC`` (another checkout's ``src``, e.g. ``git archive REV src``):
   each tree in its own processes, interleaved, with its own cache directory
   (the table layouts differ), CPU medians of: the world loaded, a fresh map's
   tables, the solve after them, and a whole solve on a fresh map, both rules;
   the answers are checked equal.
"""

from __future__ import annotations

import argparse
import gc
import json
import marshal
import os
import statistics
import subprocess
import sys
import tempfile
import time
from array import array
from itertools import accumulate, chain
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
V321 = ROOT.parent / "shared" / "alpine" / "v3.21"
REQUEST = ["py3-numpy", "py3-scipy"]
PARTS = ("pkg_depends", "pkg_provides", "pkg_install_if", "name_providers", "depended_by", "install_if_by")


def world(cache: Path):
    from apkneed.alpine.providers import build_provider_map
    from apkneed.alpine.sources.parsed import ParsedIndexes

    store = ParsedIndexes(cache / "alpine" / "parsed")
    paths = [V321 / repo / "x86_64" / "APKINDEX.tar.gz" for repo in ("main", "community")]
    build_provider_map([store.read_file(path) for path in paths])  # copies and table made once
    return store, paths


def child() -> None:
    """One tree's figures (the ``--tree`` rows), as JSON."""
    from apkneed.alpine.providers import build_provider_map
    from apkneed.alpine.solver import solve
    from apkneed.alpine.solver_rules import APK_TOOLS_2, APK_TOOLS_3

    store, paths = world(Path(os.environ["APKNEED_CACHE_DIR"]))
    gc.disable()
    out = {}
    start = time.process_time()
    indexes = [store.read_file(path) for path in paths]
    build_provider_map(indexes).providers("python3")
    out["world from copies + map"] = (time.process_time() - start) * 1000
    for rules in (APK_TOOLS_2, APK_TOOLS_3):
        out[f"answer {rules.label}"] = [p.nv for p in solve(build_provider_map(indexes), REQUEST, rules).installs]
        tables, after, whole = [], [], []
        for _ in range(3):
            fresh = build_provider_map(indexes)
            gc.collect()
            start = time.process_time()
            fresh.solver_tables().pkg_depends
            tables.append((time.process_time() - start) * 1000)
            start = time.process_time()
            solve(fresh, REQUEST, rules)
            after.append((time.process_time() - start) * 1000)
            fresh = build_provider_map(indexes)
            gc.collect()
            start = time.process_time()
            solve(fresh, REQUEST, rules)
            whole.append((time.process_time() - start) * 1000)
        out[f"fresh map's tables ({rules.label})"] = min(tables)
        out[f"solve after them ({rules.label})"] = min(after)
        out[f"solve, fresh map ({rules.label})"] = min(whole)
    print(json.dumps(out))


def rows_of(table):
    if isinstance(table, dict):
        return table
    if hasattr(table, "row"):  # a FlatRows: as a dict of its rows
        return dict(table)
    return table


def part_costs(tables) -> None:
    print(f"{'table':<16}{'rows':>8}{'values':>9}{'bytes':>10}{'loads ms':>10}")
    gc.disable()
    for name in PARTS:
        rows = rows_of(getattr(tables, name))
        data = marshal.dumps(rows)
        best = min(_timed(marshal.loads, data) for _ in range(5))
        values = sum(map(len, rows.values() if isinstance(rows, dict) else rows))
        print(f"{name:<16}{len(rows):>8}{values:>9}{len(data):>10}{best:>10.2f}")
    gc.enable()


def _timed(func, *args) -> float:
    start = time.perf_counter()
    func(*args)
    return (time.perf_counter() - start) * 1000


class _CountedList(list):
    def __getitem__(self, k):
        self.read.add(k)
        self.reads += 1
        return list.__getitem__(self, k)


class _CountedRows:
    """A FlatRows or dict, counting the rows read (``row``, ``get``) and the membership tests."""

    def __init__(self, table):
        self.table, self.read, self.reads, self.tests = table, set(), 0, 0
        self.rows = rows_of(table)

    def row(self, i):
        self.read.add(i)
        self.reads += 1
        return self.rows.get(i, ())

    def get(self, i, default=None):
        self.read.add(i)
        self.reads += 1
        return self.rows.get(i, default)

    def __contains__(self, i):
        self.tests += 1
        return i in self.rows

    def __len__(self):
        return len(self.rows)


def rows_read(store, paths) -> None:
    from apkneed.alpine.providers import build_provider_map
    from apkneed.alpine.solver import solve
    from apkneed.alpine.solver_rules import APK_TOOLS_2, APK_TOOLS_3

    indexes = [store.read_file(path) for path in paths]
    print(f"\nrows one fresh solve of {' '.join(REQUEST)} reads (rows read / rows; reads; membership tests)")
    for rules in (APK_TOOLS_2, APK_TOOLS_3):
        fresh = build_provider_map(indexes)
        tables = fresh.solver_tables()
        counted = {}
        for name in PARTS:
            table = getattr(tables, name)
            view = _CountedList(table) if isinstance(table, (list, tuple)) else _CountedRows(table)
            if isinstance(view, _CountedList):
                view.read, view.reads = set(), 0
            counted[name] = view
            setattr(tables, name, view)
        solve(fresh, REQUEST, rules)
        print(f"  {rules.label}:")
        for name, view in counted.items():
            tests = f"; {view.tests} tests" if isinstance(view, _CountedRows) else ""
            print(f"    {name:<16}{len(view.read):>7} / {len(view):<7}{view.reads:>8} reads{tests}")


def row_costs(store, paths) -> None:
    from apkneed.alpine.providers import build_provider_map

    rows = build_provider_map([store.read_file(path) for path in paths]).solver_tables().pkg_depends
    count = len(rows)
    values = memoryview(array("I", chain.from_iterable(rows)).tobytes()).cast("I")
    offsets = memoryview(array("I", accumulate(map(len, rows), initial=0)).tobytes()).cast("I")

    def tuple_rows():
        for k in range(count):
            for _ in rows[k]:
                pass

    def view_rows():
        for k in range(count):
            for _ in values[offsets[k] : offsets[k + 1]]:
                pass

    class MadeOnFirstRead(dict):
        def __missing__(self, k):
            found = self[k] = tuple(values[offsets[k] : offsets[k + 1]])
            return found

    def lazy_rows():
        made = MadeOnFirstRead()
        for k in range(count):
            for _ in made[k]:
                pass

    data = marshal.dumps(rows)
    gc.disable()
    per_row = {label: min(_timed(func) for _ in range(9)) * 1e6 / count for label, func in (
        ("tuple row of a list", tuple_rows), ("memory-view slice of flat arrays", view_rows),
        ("tuple made on first read", lazy_rows), ("marshal.loads, per row", lambda: marshal.loads(data)))}
    gc.enable()
    print(f"\none row of pkg_depends ({len(values) / count:.1f} values on average), iterated, ns per row:")
    for label, ns in per_row.items():
        print(f"  {label:<36}{ns:>6.0f}")


def compare(trees: list[str], runs: int) -> None:
    samples: dict[str, list[dict]] = {tree: [] for tree in trees}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(runs):
            for position, tree in enumerate(trees):
                env = dict(os.environ, PYTHONPATH=tree, APKNEED_CACHE_DIR=f"{tmp}/cache-{position}")
                proc = subprocess.run([sys.executable, __file__, "--child"], env=env, capture_output=True, text=True,
                                      check=True)
                samples[tree].append(json.loads(proc.stdout))
    first = samples[trees[0]]
    for tree, got in samples.items():
        for a, b in zip(first, got):
            if any(a[key] != b[key] for key in a if key.startswith("answer")):
                raise SystemExit(f"{tree} answers differently")
    keys = [key for key in first[0] if not key.startswith("answer")]
    print(f"\ninterleaved processes, {runs} runs, CPU ms (median; min of 3 per process), ratio to the first tree")
    for key in keys:
        base = statistics.median(run[key] for run in first)
        cells = "  ".join(f"{statistics.median(run[key] for run in got):7.1f} ({statistics.median(run[key] for run in got) / base:.2f}x)"
                          for got in samples.values())
        print(f"  {key:<36}{cells}")
    for position, tree in enumerate(trees):
        print(f"  tree {position + 1}: {tree}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="interleaved runs per tree (with --tree)")
    parser.add_argument("--tree", action="append", default=[], help="compare this src with the working tree's")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child()
    with tempfile.TemporaryDirectory() as tmp:
        store, paths = world(Path(tmp))
        from apkneed.alpine.providers import build_provider_map

        part_costs(build_provider_map([store.read_file(path) for path in paths]).solver_tables())
        rows_read(store, paths)
        row_costs(store, paths)
    if args.tree:
        compare([*args.tree, str(ROOT / "src")], args.runs)


if __name__ == "__main__":
    sys.exit(main())
