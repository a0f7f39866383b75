"""A peak estimate to hold the measured GFLOP/s against.

peak = cores x clock x double-precision FLOPs per cycle per core.

* FLOPs per cycle come from the CPU's vector flags (AVX-512, AVX2+FMA,
  NEON...) through the table in ``data/blas.toml``; each rule carries its
  assumption (how many FMA units) and it is printed with the figure.
* The clock is, in order of preference: measured by the probe (a chain of
  dependent adds, one per cycle: the clock the core really runs at, turbo
  included), cpufreq's ``cpuinfo_max_freq``, or /proc/cpuinfo's ``cpu MHz``
  (often the base clock in a VM). The source is always reported.
* Cores are the usable physical cores: SMT siblings share vector units.
"""

from __future__ import annotations

from dataclasses import dataclass

from apkneed.blas.cpu import CpuFacts
from apkneed.blas.knowledge import VectorUnit


@dataclass(frozen=True)
class Frequency:
    ghz: float
    source: str  # "measured" | "cpufreq max" | "/proc/cpuinfo MHz"
    detail: str


@dataclass(frozen=True)
class Peak:
    vector_unit: VectorUnit
    frequency: Frequency | None
    #: every clock figure available, by source, for the report
    frequencies: tuple[Frequency, ...]
    cores: int

    @property
    def per_core_gflops(self) -> float | None:
        if self.frequency is None:
            return None
        return self.frequency.ghz * self.vector_unit.flops_per_cycle

    def gflops(self, threads: int) -> float | None:
        """Peak for a run on ``threads`` threads (no more than the cores)."""
        per_core = self.per_core_gflops
        return None if per_core is None else per_core * max(1, min(threads, self.cores))

    def assumptions(self) -> list[str]:
        unit = self.vector_unit
        lines = [f"{unit.name}: {unit.flops_per_cycle} double-precision FLOPs per cycle per core ({unit.assumption})"]
        if self.frequency:
            lines.append(f"clock {self.frequency.ghz:.2f} GHz, {self.frequency.source}: {self.frequency.detail}")
        else:
            lines.append("clock unknown: no measurement, no cpufreq, no MHz in /proc/cpuinfo; no peak given")
        lines.append(f"{self.cores} usable physical core(s); SMT siblings share one core's vector units")
        return lines


def vector_unit_for(facts: CpuFacts, units: tuple[VectorUnit, ...]) -> VectorUnit:
    """The first rule for this architecture whose flags (and vendor/family) match."""
    info = facts.info
    arch = "aarch64" if info.arch in ("aarch64", "arm64") else "x86_64" if info.arch in ("x86_64", "AMD64") else info.arch
    for unit in units:
        if unit.arch and unit.arch != arch:
            continue
        if not set(unit.flags) <= info.flags:
            continue
        if unit.vendor and unit.vendor != info.vendor:
            continue
        if unit.family is not None and unit.family != info.family:
            continue
        return unit
    return units[-1]


def frequencies(facts: CpuFacts, measured_ghz: float | None) -> tuple[Frequency, ...]:
    found: list[Frequency] = []
    if measured_ghz:
        found.append(Frequency(measured_ghz, "measured", "a chain of dependent adds, one per cycle, fastest of 61 short runs"))
    if facts.cpufreq_max_mhz:
        found.append(Frequency(max(facts.cpufreq_max_mhz) / 1000, "cpufreq max",
                               "/sys/devices/system/cpu/cpu*/cpufreq/cpuinfo_max_freq"))
    usable = set(facts.affinity)
    mhz = [p.mhz for p in facts.info.processors if p.mhz and p.index in usable]
    if mhz:
        found.append(Frequency(max(mhz) / 1000, "/proc/cpuinfo MHz",
                               "the 'cpu MHz' line: the current or base clock, below turbo"))
    return tuple(found)


def estimate_peak(facts: CpuFacts, units: tuple[VectorUnit, ...], measured_ghz: float | None = None) -> Peak:
    found = frequencies(facts, measured_ghz)
    return Peak(vector_unit_for(facts, units), found[0] if found else None, found, facts.usable_physical_cores)


def check_against(peak: Peak, rows: list[dict]) -> str | None:
    """A warning when a 1-thread dgemm beats the per-core peak: the estimate,
    not the measurement, is wrong (usually a clock read below turbo)."""
    per_core = peak.per_core_gflops
    if per_core is None:
        return None
    single = [r for r in rows if r.get("op") == "dgemm" and r.get("threads") == 1 and r.get("gflops")]
    if not single:
        return None
    best = max(single, key=lambda r: r["gflops"])
    if best["gflops"] <= per_core:
        return None
    source = peak.frequency.source if peak.frequency else "unknown"
    return (f"dgemm reached {best['gflops']:.1f} GFLOP/s on 1 thread (n={best['n']}), above the per-core peak "
            f"estimate of {per_core:.1f}: the clock figure ({source}) is too low, or the vector unit is wider "
            "than assumed; read the percentages of peak as upper bounds")
