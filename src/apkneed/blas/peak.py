"""A peak to hold the measured GFLOP/s against, and the figures behind it.

Two figures, both kept and both reported:

* **measured FMA throughput**: the FLOP/s of a kernel of independent FMAs
  compiled on this machine for this CPU (the probe does it when a C compiler
  is present). It is the peak itself, turbo and unit count included; it is
  used when its vectors are as wide as the CPU's vector unit.
* **clock x FLOPs per cycle**: FLOPs per cycle from the CPU's vector flags
  (``data/blas.toml``, each rule with its assumption and source) times a
  clock, in order of preference: measured by the probe (a chain of dependent
  multiplies of known latency), cpufreq's ``cpuinfo_max_freq``, the model
  name's nominal clock (``@ 2.50GHz``), /proc/cpuinfo's ``cpu MHz``.

Every measured figure is checked against what the kernel says and against
physics (:func:`clock_band`); one outside the band is discarded with a note
and never shown as measured. NumPy's ``a*b+c`` on in-cache arrays is a floor
under all of it. Cores are the usable physical cores: SMT siblings share
vector units. Pure functions: the probe's figures in, the peak out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from apkneed.blas.cpu import CpuFacts, CpuInfo
from apkneed.blas.knowledge import ClockBand, ClockChain, VectorUnit

#: the peak's basis, as the report names it
BASIS_FMA = "measured FMA throughput"
BASIS_CLOCK = "clock x FLOPs per cycle"

_NOMINAL = re.compile(r"@\s*([0-9]+(?:\.[0-9]+)?)\s*([GM])Hz", re.IGNORECASE)


@dataclass(frozen=True)
class Frequency:
    ghz: float
    source: str  # "measured" | "cpufreq max" | "model name" | "/proc/cpuinfo MHz"
    detail: str


@dataclass(frozen=True)
class Discarded:
    """A measured figure outside the plausible band: never used, always reported."""

    what: str
    value: float
    unit: str
    why: str

    def text(self) -> str:
        return f"{self.what} of {self.value:.2f} {self.unit} discarded: {self.why}"


@dataclass(frozen=True)
class Throughput:
    gflops: float
    source: str
    detail: str


@dataclass(frozen=True)
class Measured:
    """What the probe measured; every field may be missing."""

    chain_steps_per_s: float | None = None
    chain: str = "imul r64, r64"
    fma_gflops: float | None = None
    fma_vector_doubles: int | None = None
    fma_detail: str = ""
    floor_gflops: float | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Band:
    low_ghz: float
    high_ghz: float
    why: str

    def holds(self, ghz: float) -> bool:
        return self.low_ghz <= ghz <= self.high_ghz


@dataclass(frozen=True)
class Peak:
    vector_unit: VectorUnit
    #: the clock the estimate uses (None: unknown)
    frequency: Frequency | None
    #: every believable clock figure, by source, for the report
    frequencies: tuple[Frequency, ...]
    cores: int
    fma: Throughput | None = None
    floor: Throughput | None = None
    discarded: tuple[Discarded, ...] = ()
    notes: tuple[str, ...] = field(default=())

    @property
    def estimate_gflops(self) -> float | None:
        """clock x FLOPs per cycle, per core."""
        if self.frequency is None:
            return None
        return self.frequency.ghz * self.vector_unit.flops_per_cycle

    @property
    def basis(self) -> str | None:
        if self.fma is not None:
            return BASIS_FMA
        return BASIS_CLOCK if self.frequency is not None else None

    @property
    def per_core_gflops(self) -> float | None:
        """The figure percentages of peak use: the measured FMA throughput
        when there is one, else the clock estimate."""
        return self.fma.gflops if self.fma is not None else self.estimate_gflops

    def gflops(self, threads: int) -> float | None:
        """Peak for a run on ``threads`` threads (no more than the cores)."""
        per_core = self.per_core_gflops
        return None if per_core is None else per_core * max(1, min(threads, self.cores))

    def source_text(self) -> str:
        """One short phrase naming where the peak comes from (plot legends)."""
        if self.fma is not None:
            return f"{BASIS_FMA} ({self.fma.gflops:.1f} GFLOP/s per core)"
        if self.frequency is not None:
            return (f"{self.frequency.ghz:.2f} GHz ({self.frequency.source}) x "
                    f"{self.vector_unit.flops_per_cycle} FLOPs/cycle")
        return "no peak"

    def assumptions(self) -> list[str]:
        unit = self.vector_unit
        lines = [f"{unit.name}: {unit.flops_per_cycle} double-precision FLOPs per cycle per core ({unit.assumption})"]
        if self.frequency:
            lines.append(f"clock {self.frequency.ghz:.2f} GHz, {self.frequency.source}: {self.frequency.detail}")
        else:
            lines.append("clock unknown: no believable measurement, no cpufreq, no nominal clock, no MHz in "
                         "/proc/cpuinfo")
        estimate = self.estimate_gflops
        if self.fma is not None:
            versus = f" (clock x FLOPs per cycle gives {estimate:.1f})" if estimate else ""
            lines.append(f"measured FMA throughput {self.fma.gflops:.1f} GFLOP/s per core{versus}: "
                         f"{self.fma.detail}; percentages of peak use it")
        elif estimate is not None:
            lines.append(f"percentages of peak use clock x FLOPs per cycle ({estimate:.1f} GFLOP/s per core)")
        if self.floor is not None:
            lines.append(f"floor: {self.floor.detail}: {self.floor.gflops:.1f} GFLOP/s")
        lines += [d.text() for d in self.discarded]
        lines += list(self.notes)
        lines.append(f"{self.cores} usable physical core(s); SMT siblings share one core's vector units")
        return lines


def _arch(info: CpuInfo) -> str:
    if info.arch in ("aarch64", "arm64"):
        return "aarch64"
    return "x86_64" if info.arch in ("x86_64", "AMD64", "amd64") else info.arch


def vector_unit_for(facts: CpuFacts, units: tuple[VectorUnit, ...]) -> VectorUnit:
    """The first rule for this architecture whose flags (and vendor, family,
    model, part, model name) match."""
    info = facts.info
    arch = _arch(info)
    for unit in units:
        if unit.arch and unit.arch != arch:
            continue
        if not set(unit.flags) <= info.flags:
            continue
        if unit.vendor and unit.vendor != info.vendor:
            continue
        if unit.family is not None and unit.family != info.family:
            continue
        if unit.models and info.model not in unit.models:
            continue
        if unit.parts and info.part not in unit.parts:
            continue
        if unit.model_name and not re.search(unit.model_name, info.model_name):
            continue
        return unit
    return units[-1]


def chain_latency(info: CpuInfo, chains: tuple[ClockChain, ...]) -> ClockChain | None:
    """The latency rule for the probe's multiply chain on this CPU."""
    arch = _arch(info)
    for chain in chains:
        if chain.arch and chain.arch != arch:
            continue
        if chain.vendor and chain.vendor != info.vendor:
            continue
        if chain.family is not None and chain.family != info.family:
            continue
        if chain.models and info.model not in chain.models:
            continue
        return chain
    return None


def nominal_ghz(model_name: str) -> float | None:
    """The clock a model name carries (``... CPU @ 2.50GHz``), if any."""
    match = _NOMINAL.search(model_name)
    if not match:
        return None
    value = float(match.group(1))
    return value if match.group(2).upper() == "G" else value / 1000


def reference_frequencies(facts: CpuFacts) -> tuple[Frequency, ...]:
    """What the kernel and the model name say, best first."""
    found: list[Frequency] = []
    if facts.cpufreq_max_mhz:
        found.append(Frequency(max(facts.cpufreq_max_mhz) / 1000, "cpufreq max",
                               "/sys/devices/system/cpu/cpu*/cpufreq/cpuinfo_max_freq"))
    nominal = nominal_ghz(facts.info.model_name)
    if nominal:
        found.append(Frequency(nominal, "model name", f"the nominal (base) clock in '{facts.info.model_name}'"))
    usable = set(facts.affinity)
    mhz = [p.mhz for p in facts.info.processors if p.mhz and p.index in usable]
    if mhz:
        found.append(Frequency(max(mhz) / 1000, "/proc/cpuinfo MHz",
                               "the 'cpu MHz' line: the current or base clock, below turbo"))
    return tuple(found)


def clock_band(facts: CpuFacts, band: ClockBand) -> Band:
    """The clocks a measurement may believably give on this machine."""
    references = [f for f in reference_frequencies(facts) if band.min_ghz <= f.ghz <= band.max_ghz]
    low, high, why = band.min_ghz, band.max_ghz, f"physics: {band.min_ghz:g}-{band.max_ghz:g} GHz"
    if references:
        lowest = min(references, key=lambda f: f.ghz)
        low = max(low, band.low_factor * lowest.ghz)
        cpufreq = [f for f in references if f.source == "cpufreq max"]
        if cpufreq:
            ceiling = band.cpufreq_high_factor * cpufreq[0].ghz
            why = f"{band.low_factor:g} x {lowest.source} to {band.cpufreq_high_factor:g} x cpufreq max"
        else:
            highest = max(references, key=lambda f: f.ghz)
            ceiling = band.high_factor * highest.ghz
            why = f"{band.low_factor:g} x {lowest.source} to {band.high_factor:g} x {highest.source}"
        high = min(high, ceiling)
        why += f", within {band.min_ghz:g}-{band.max_ghz:g} GHz"
    return Band(low, high, why)


def estimate_peak(facts: CpuFacts, units: tuple[VectorUnit, ...], measured: Measured | None = None,
                  chains: tuple[ClockChain, ...] = (), band: ClockBand | None = None) -> Peak:
    """The peak from the CPU facts and whatever the probe measured.

    Without ``band`` (tests of the table alone), measured figures are taken
    as they are; :func:`apkneed.blas.report` always passes the data's band.
    """
    measured = measured or Measured()
    unit = vector_unit_for(facts, units)
    limits = clock_band(facts, band) if band else Band(0.0, float("inf"), "unchecked")
    discarded: list[Discarded] = []
    notes: list[str] = list(measured.notes)
    found: list[Frequency] = []

    if measured.chain_steps_per_s:
        rule = chain_latency(facts.info, chains) if chains else None
        latency = rule.latency_cycles if rule else 1
        ghz = measured.chain_steps_per_s * latency / 1e9
        detail = (f"a chain of dependent multiplies ({measured.chain}), {latency} cycles each"
                  f"{' on ' + rule.cores if rule else ''}, fastest of 61 short runs")
        if limits.holds(ghz):
            found.append(Frequency(ghz, "measured", detail))
        else:
            discarded.append(Discarded("measured clock", ghz, "GHz",
                                       f"outside {limits.low_ghz:.2f}-{limits.high_ghz:.2f} GHz ({limits.why})"))
    for reference in reference_frequencies(facts):
        if band is None or band.min_ghz <= reference.ghz <= band.max_ghz:
            found.append(reference)
        else:
            discarded.append(Discarded(reference.source, reference.ghz, "GHz",
                                       f"outside physics ({band.min_ghz:g}-{band.max_ghz:g} GHz)"))
    frequency = found[0] if found else None

    fma = None
    if measured.fma_gflops:
        implied = measured.fma_gflops / unit.flops_per_cycle
        width = measured.fma_vector_doubles or 0
        if width < unit.vector_doubles:
            notes.append(f"FMA kernel not used: compiled for {width}-double vectors, the {unit.name} unit takes "
                         f"{unit.vector_doubles} ({measured.fma_gflops:.1f} GFLOP/s measured)")
        elif implied > limits.high_ghz:
            discarded.append(Discarded("measured FMA throughput", measured.fma_gflops, "GFLOP/s",
                                       f"{implied:.2f} GHz x {unit.flops_per_cycle} FLOPs/cycle would be needed, "
                                       f"above {limits.high_ghz:.2f} GHz ({limits.why})"))
        else:
            fma = Throughput(measured.fma_gflops, BASIS_FMA, measured.fma_detail or "independent FMAs, one core")
    floor = None
    if measured.floor_gflops:
        floor = Throughput(measured.floor_gflops, "NumPy floor", "NumPy a*b+c on in-cache arrays, one core")
    estimate = frequency.ghz * unit.flops_per_cycle if frequency else None
    per_core = fma.gflops if fma is not None else estimate
    if fma is not None and estimate and fma.gflops < 0.6 * estimate:
        notes.append(f"the measured FMA throughput is {fma.gflops / estimate:.0%} of clock x FLOPs per "
                     f"cycle: fewer FMA units than {unit.name} assumes, or a throttled core")
    if floor is not None and per_core is not None and floor.gflops > per_core:
        notes.append(f"the NumPy floor ({floor.gflops:.1f} GFLOP/s) is above the peak ({per_core:.1f}): "
                     "the peak is too low")
    return Peak(unit, frequency, tuple(found), facts.usable_physical_cores, fma, floor, tuple(discarded),
                tuple(notes))


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
    why = ("the FMA kernel's runs were all slowed (preempted or throttled)" if peak.basis == BASIS_FMA
           else "the clock figure is too low, or the vector unit is wider than assumed")
    return (f"dgemm reached {best['gflops']:.1f} GFLOP/s on 1 thread (n={best['n']}), above the per-core peak "
            f"of {per_core:.1f} ({peak.basis}): {why}; read the percentages of peak as upper bounds")
