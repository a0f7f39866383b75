"""What apkneed knows about BLAS libraries, loaded from ``data/blas.toml``.

Vendor signatures, library locations per distribution, the environment
variables that steer BLAS, vector units and benchmark plans are data: they
live in the TOML file, and this module only turns them into frozen
dataclasses. Nothing else names a library path or a vendor symbol.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from apkneed.tomlfile import read_toml

DATA_PATH = Path(__file__).resolve().parent / "data" / "blas.toml"


@dataclass(frozen=True)
class Vendor:
    key: str
    name: str
    description: str
    symbols: tuple[str, ...]
    names: tuple[str, ...]
    needs: tuple[str, ...]
    thread_variable: str
    alpine: str
    threaded: bool
    numpy_route: str


@dataclass(frozen=True)
class DgemmSymbol:
    name: str
    int_bits: int


@dataclass(frozen=True)
class Location:
    distro: str
    paths: tuple[str, ...]


@dataclass(frozen=True)
class VariableRule:
    name: str
    kind: str  # "threads" | "forces" | "info"
    vendors: tuple[str, ...]
    why: str


@dataclass(frozen=True)
class VectorUnit:
    arch: str
    name: str
    flags: tuple[str, ...]
    flops_per_cycle: int
    assumption: str
    vendor: str = ""
    family: int | None = None
    #: widest vector in doubles: an FMA kernel narrower than this does not measure the unit
    vector_doubles: int = 1
    #: x86 model numbers, Arm "CPU part" values, a regex on the model name: all must match when given
    models: tuple[int, ...] = ()
    parts: tuple[str, ...] = ()
    model_name: str = ""


@dataclass(frozen=True)
class ClockChain:
    """Latency in cycles of the probe's dependent multiply, for the CPUs a rule matches."""

    latency_cycles: int
    cores: str
    arch: str = ""
    vendor: str = ""
    family: int | None = None
    models: tuple[int, ...] = ()


@dataclass(frozen=True)
class ClockBand:
    """What makes a clock figure believable (see [clock] in blas.toml)."""

    min_ghz: float
    max_ghz: float
    low_factor: float
    cpufreq_high_factor: float
    high_factor: float


@dataclass(frozen=True)
class Operation:
    key: str
    label: str
    call: str
    flops_n3: float


@dataclass(frozen=True)
class Plan:
    name: str
    sizes: dict[str, tuple[int, ...]]  # operation key -> sizes
    compare_dgemm: tuple[int, ...]
    min_runs: int
    max_runs: int
    budget_s: float
    #: > 0: time calls repeated for this long and report the mean, not the best
    sustained_s: float = 0.0


@dataclass(frozen=True)
class Knowledge:
    vendors: tuple[Vendor, ...]
    dgemm_symbols: tuple[DgemmSymbol, ...]
    openblas_ilp64_marker: str
    openblas_config_symbols: tuple[str, ...]
    locations: tuple[Location, ...]
    wheel_dirs: tuple[str, ...]
    wheel_lib_suffixes: tuple[str, ...]
    apk_installed_db: str
    dpkg_info_dir: str
    variables: tuple[VariableRule, ...]
    variable_prefixes: tuple[str, ...]
    thread_variables: tuple[str, ...]
    vector_units: tuple[VectorUnit, ...]
    clock_chains: tuple[ClockChain, ...]
    clock_band: ClockBand
    operations: dict[str, Operation]
    plans: dict[str, Plan]
    recommend_tolerance: float

    def vendor(self, key: str) -> Vendor:
        for vendor in self.vendors:
            if vendor.key == key:
                return vendor
        raise KeyError(key)


@lru_cache(maxsize=1)
def load() -> Knowledge:
    """Read the packaged data file (once: it never changes while running)."""
    return parse(read_toml(DATA_PATH))


def parse(data: dict) -> Knowledge:
    operations = {op["key"]: Operation(op["key"], op["label"], op["call"], float(op["flops_n3"]))
                  for op in data["operation"]}
    plans = {}
    for name, plan in data["plan"].items():
        sizes = {key: tuple(plan[key]) for key in operations if key in plan}
        plans[name] = Plan(
            name, sizes, tuple(plan.get("compare_dgemm", ())),
            int(plan["min_runs"]), int(plan["max_runs"]), float(plan["budget_s"]),
            float(plan.get("sustained_s", 0.0)),
        )
    return Knowledge(
        vendors=tuple(
            Vendor(v["key"], v["name"], v["description"], tuple(v.get("symbols", ())),
                   tuple(v.get("names", ())), tuple(v.get("needs", ())), v.get("thread_variable", ""),
                   v.get("alpine", ""), bool(v.get("threaded", True)), v.get("numpy_route", ""))
            for v in data["vendor"]
        ),
        dgemm_symbols=tuple(DgemmSymbol(s["name"], int(s["int_bits"])) for s in data["dgemm_symbol"]),
        openblas_ilp64_marker=data["openblas"]["ilp64_marker"],
        openblas_config_symbols=tuple(data["openblas"]["config_symbols"]),
        locations=tuple(Location(loc["distro"], tuple(loc["paths"])) for loc in data["location"]),
        wheel_dirs=tuple(data["origin"]["wheel_dirs"]),
        wheel_lib_suffixes=tuple(data["origin"]["wheel_lib_suffixes"]),
        apk_installed_db=data["origin"]["apk_installed_db"],
        dpkg_info_dir=data["origin"]["dpkg_info_dir"],
        variables=tuple(VariableRule(v["name"], v["kind"], tuple(v["vendors"]), v["why"]) for v in data["variable"]),
        variable_prefixes=tuple(data["variables"]["prefixes"]),
        thread_variables=tuple(data["variables"]["thread_variables"]),
        vector_units=tuple(
            VectorUnit(u["arch"], u["name"], tuple(u["flags"]), int(u["flops_per_cycle"]), u["assumption"],
                       u.get("vendor", ""), u.get("family"), int(u.get("vector_doubles", 1)),
                       tuple(u.get("models", ())), tuple(u.get("parts", ())), u.get("model_name", ""))
            for u in data["vector_unit"]
        ),
        clock_chains=tuple(
            ClockChain(int(c["latency_cycles"]), c["cores"], c.get("arch", ""), c.get("vendor", ""), c.get("family"),
                       tuple(c.get("models", ())))
            for c in data["clock_chain"]
        ),
        clock_band=ClockBand(**{k: float(v) for k, v in data["clock"].items()}),
        operations=operations,
        plans=plans,
        recommend_tolerance=float(data["recommend"]["tolerance"]),
    )
