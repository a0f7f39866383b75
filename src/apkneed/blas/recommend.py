"""The one recommendation line: which BLAS to use, with how many threads.

Rule, from the measurements: each verified configuration (library, threads)
of ``--compare`` is rated by its best dgemm figure over the large sizes
every library reached (from half the largest up: two figures at least, so
one run disturbed by other work cannot sink a library); among the
configurations within the tolerance (5%) of the fastest, prefer the library
NumPy already uses (no change is worth less than the noise), then fewer
threads (the same speed for less CPU). Without ``--compare`` the library
stays and only the thread count is decided, from the benchmark if one ran.
Pure functions.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Mapping

from apkneed.blas.compare import LibraryResult, common_sizes
from apkneed.blas.detect import LoadedLibrary
from apkneed.blas.origin import Origin


@dataclass(frozen=True)
class Recommendation:
    text: str
    library: str | None  # path of the library to use
    vendor: str | None
    threads: int
    variable: str | None  # the variable that sets the thread count
    measured_gflops: float | None = None
    fastest_gflops: float | None = None
    n: int | None = None
    basis: str = "not measured"

    def to_json(self) -> dict:
        return {
            "text": self.text,
            "library": self.library,
            "vendor": self.vendor,
            "threads": self.threads,
            "environment": {self.variable: str(self.threads)} if self.variable else {},
            "measured_gflops": self.measured_gflops,
            "fastest_gflops": self.fastest_gflops,
            "n": self.n,
            "basis": self.basis,
        }


def choose(rates: Mapping[tuple[str, int], float], current: str | None, tolerance: float) -> tuple[str, int]:
    """The (realpath, threads) to recommend among measured GFLOP/s."""
    best = max(rates.values())
    near = [key for key, rate in rates.items() if rate >= best * (1 - tolerance)]
    return min(near, key=lambda key: (key[0] != current, key[1], -rates[key]))


def trustworthy(results: list[LibraryResult]) -> list[LibraryResult]:
    """The libraries whose every measurement matched NumPy's product.

    One wrong product at any size or thread count disqualifies a library
    (compare marks it "wrong-result"): its right answers at other sizes do
    not make it safe to advise.
    """
    return [r for r in results if r.status == "ok" and r.rows]


def rate_configurations(measured: list[LibraryResult]) -> dict[tuple[str, int], tuple[float, int]]:
    """(realpath, threads) -> (best GFLOP/s over the large common sizes, its n)."""
    sizes = common_sizes(measured)
    if not sizes:
        return {}
    large = {n for n in sizes if n * 2 >= sizes[-1]}
    ratings: dict[tuple[str, int], tuple[float, int]] = {}
    for result in measured:
        for row in result.rows:
            if row.get("verified") and row["n"] in large:
                key = (result.candidate.realpath, row["threads"])
                if key not in ratings or row["gflops"] > ratings[key][0]:
                    ratings[key] = (row["gflops"], row["n"])
    return ratings


def _threads_from_bench(rows: list[dict], usable: int, tolerance: float) -> tuple[int, str]:
    dgemm = [r for r in rows if r["op"] == "dgemm"]
    if not dgemm or usable <= 1:
        return usable, "not measured" if not dgemm else "1 usable CPU"
    n = max(r["n"] for r in dgemm)
    by_threads = {r["threads"]: r["gflops"] for r in dgemm if r["n"] == n}
    if 1 in by_threads and usable in by_threads:
        if by_threads[usable] > by_threads[1] * (1 + tolerance):
            return usable, f"dgemm n={n}: {by_threads[usable]:.1f} GFLOP/s on {usable} threads vs {by_threads[1]:.1f} on 1"
        return 1, f"dgemm n={n}: {usable} threads gain nothing over 1 ({by_threads[usable]:.1f} vs {by_threads[1]:.1f} GFLOP/s)"
    return usable, "not measured"


def _threads_from_check(check: dict, tolerance: float) -> tuple[int, str]:
    """Follow the measured oversubscription check: the fix unless the
    threads as configured were clearly faster over a sustained run."""
    as_is, fixed = check.get("gflops"), check.get("fixed_gflops")
    if fixed is None and as_is is None:
        return check["fixed_threads"], "not measured"
    text = (f"sustained dgemm n={check['n']}: {fixed or 0:.1f} GFLOP/s on {check['fixed_threads']} thread(s) vs "
            f"{as_is or 0:.1f} on {check['threads']}")
    if fixed is not None and as_is is not None and as_is > fixed * (1 + tolerance):
        return check["threads"], text + "; the quota does not hold the extra threads back here"
    return check["fixed_threads"], text


def _package_text(vendor_name: str, version: str | None, origin: Origin | None) -> str:
    what = f"{vendor_name} {version}" if version else vendor_name
    if origin is None:
        return what
    if origin.kind == "wheel":
        return f"{what} bundled in the {origin.package or 'NumPy'} wheel"
    if origin.package:
        return f"{what} from the {origin.manager} package {origin.package}"
    return f"{what} (a system library no package owns)"


def recommend(
    numpy_blas: LoadedLibrary | None,
    results: list[LibraryResult],
    origins: Mapping[str, Origin],
    bench_rows: list[dict],
    usable: int,
    tolerance: float,
    busy: bool = False,
    thread_check: dict | None = None,
) -> Recommendation:
    """The recommendation; ``busy`` (other work on the CPUs while measuring)
    adds a caution, since multi-threaded figures were then unreliable.
    ``thread_check`` is the measured oversubscription finding, if any:
    ``{"threads", "gflops", "fixed_threads", "fixed_gflops", "n"}``."""
    advice = _recommend(numpy_blas, results, origins, bench_rows, usable, tolerance, thread_check)
    if busy and advice.basis != "not measured":
        advice = replace(advice, text=advice.text + " (Measured while other work used the CPUs: re-run on an "
                                                  "idle machine before relying on the thread count.)")
    return advice


def _recommend(
    numpy_blas: LoadedLibrary | None,
    results: list[LibraryResult],
    origins: Mapping[str, Origin],
    bench_rows: list[dict],
    usable: int,
    tolerance: float,
    thread_check: dict | None = None,
) -> Recommendation:
    current = numpy_blas.realpath if numpy_blas else None
    measured = trustworthy(results)
    ratings = rate_configurations(measured)
    if ratings:
        rates = {key: rate for key, (rate, _) in ratings.items()}
        path, threads = choose(rates, current, tolerance)
        chosen = next(r for r in measured if r.candidate.realpath == path)
        best = max(rates.values())
        rate, n = ratings[(path, threads)]
        vendor = chosen.candidate.vendor
        variable = vendor.thread_variable if vendor and vendor.threaded else None
        version = (chosen.runtime.get(threads) or {}).get("version")
        where = _package_text(chosen.candidate.vendor_name, version, origins.get(path))
        setting = f"{variable}={threads}" if variable else "no thread setting (it runs one thread)"
        basis = f"dgemm n={n}, {threads} thread{'s' if threads > 1 else ''}"
        if path == current:
            no_apk = " No BLAS apk package is needed at run time." if origins.get(path) and origins[path].kind == "wheel" else ""
            text = (f"Keep NumPy's BLAS, {where}: {rate:.1f} GFLOP/s ({basis}), "
                    f"{rate / best:.0%} of the fastest configuration measured.{no_apk} Set {setting}.")
        else:
            base = rates.get((current, threads)) if current else None
            gain = f", {rate / base:.2f}x NumPy's current BLAS" if base else ""
            route = vendor.numpy_route if vendor else ""
            text = (f"Use {where}: {rate:.1f} GFLOP/s ({basis}){gain}. How: {route}. Set {setting}.")
        return Recommendation(text, chosen.candidate.path, vendor.key if vendor else None, threads, variable,
                              rate, best, n, basis)
    # No comparison: keep the library, decide the threads.
    threads, basis = _threads_from_bench(bench_rows, usable, tolerance)
    if basis == "not measured" and thread_check:
        threads, basis = _threads_from_check(thread_check, tolerance)
    if numpy_blas is None or numpy_blas.vendor is None:
        return Recommendation(
            "NumPy's BLAS could not be identified; run with --compare to measure the libraries on this system.",
            None, None, threads, None, basis=basis)
    vendor = numpy_blas.vendor
    variable = vendor.thread_variable if vendor.threaded else None
    where = _package_text(numpy_blas.vendor_name, numpy_blas.version, numpy_blas.origin)
    if vendor.key == "netlib":
        text = (f"NumPy runs on {where}: unoptimised and single-threaded. Use OpenBLAS instead "
                "(apk add openblas with Alpine's py3-numpy, or pip install numpy: the wheel bundles it); "
                "run with --compare to measure the difference here.")
        return Recommendation(text, numpy_blas.path, vendor.key, 1, None, basis=basis)
    setting = f"{variable}={threads}" if variable else "no thread setting"
    text = f"Keep NumPy's BLAS, {where}; set {setting} ({basis})."
    if numpy_blas.origin.kind == "wheel":
        text += " No BLAS apk package is needed at run time."
    return Recommendation(text, numpy_blas.path, vendor.key, threads, variable, basis=basis)
