"""The peak estimator on recorded inputs from many CPUs (tests/blas/data/
recorded_cpus.toml): Zen 3/4/5, Skylake-SP, Ice Lake, Sapphire and Emerald
Rapids, Neoverse N1/V1/V2, including issue 10's 20 GHz reading.

Each CPU's /proc/cpuinfo fields are turned back into cpuinfo text and parsed
by the real parser; the estimate is held against the vendor's published
clocks and FMA units. Nothing here depends on the CPU running the tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from apkneed.blas.cpu import CpuFacts, parse_cpuinfo
from apkneed.blas.knowledge import ClockChain, load
from apkneed.blas.peak import BASIS_CLOCK, BASIS_FMA, Measured, estimate_peak
from apkneed.tomlfile import read_toml

KNOWLEDGE = load()
RECORDED = read_toml(Path(__file__).parent / "data" / "recorded_cpus.toml")
CPUS = sorted(RECORDED)

#: what the old probe assumed: one dependent add per cycle
OLD_ADD_CHAIN = (ClockChain(1, "one add per cycle, as the old probe assumed"),)


def cpuinfo_text(cpu: dict, count: int = 2) -> str:
    """Two logical CPUs (distinct cores) in the kernel's own layout."""
    blocks = []
    for index in range(count):
        if cpu.get("arch") == "aarch64":
            lines = [f"processor\t: {index}", f"Features\t: {cpu['flags']}", f"CPU implementer\t: {cpu['vendor_id']}",
                     f"CPU part\t: {cpu['part']}"]
        else:
            lines = [f"processor\t: {index}", f"vendor_id\t: {cpu['vendor_id']}", f"cpu family\t: {cpu['family']}",
                     f"model\t\t: {cpu['model']}", f"model name\t: {cpu['model_name']}",
                     "physical id\t: 0", f"core id\t\t: {index}", f"flags\t\t: fpu {cpu['flags']}"]
            if "mhz" in cpu:
                lines.insert(5, f"cpu MHz\t\t: {cpu['mhz']:.3f}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def facts_of(name: str) -> CpuFacts:
    cpu = RECORDED[name]
    info = parse_cpuinfo(cpuinfo_text(cpu), cpu.get("arch", "x86_64"))
    cpufreq = (cpu["cpufreq_max_mhz"],) * 2 if "cpufreq_max_mhz" in cpu else ()
    return CpuFacts(info, 2, (0, 1), None, cpufreq)


def peak_of(name: str, measured: Measured | None = None, chains=KNOWLEDGE.clock_chains):
    return estimate_peak(facts_of(name), KNOWLEDGE.vector_units, measured, chains, KNOWLEDGE.clock_band)


def spec_range(name: str) -> tuple[float, float]:
    """Per-core GFLOP/s from base x 0.75 to turbo x 1.25: 'within 25%' of the
    vendor's clock x FLOPs per cycle, wherever in base..turbo the core runs."""
    cpu = RECORDED[name]
    flops = cpu["spec_flops_per_cycle"]
    return 0.75 * cpu["spec_base_ghz"] * flops, 1.25 * cpu["spec_turbo_ghz"] * flops


def test_the_recorded_set_covers_the_cpus_issue_10_names():
    models = {(c.get("vendor_id"), c.get("family"), c.get("part")) for c in RECORDED.values()}
    assert ("AuthenticAMD", 25, None) in models and ("AuthenticAMD", 26, None) in models  # Zen 3/4, Zen 5
    assert {c["model"] for c in RECORDED.values() if c.get("vendor_id") == "GenuineIntel"} >= {85, 106, 143}
    assert {c.get("part") for c in RECORDED.values()} >= {"0xd0c", "0xd40", "0xd4f"}  # Neoverse N1, V1, V2
    for cpu in RECORDED.values():
        assert cpu["source"] and cpu["spec_source"]


@pytest.mark.parametrize("name", CPUS)
def test_flops_per_cycle_match_the_vendor(name):
    assert peak_of(name).vector_unit.flops_per_cycle == RECORDED[name]["spec_flops_per_cycle"]


@pytest.mark.parametrize("name", CPUS)
def test_without_measurement_the_peak_is_the_kernels_clock_or_none(name):
    peak = peak_of(name)
    cpu = RECORDED[name]
    if "mhz" not in cpu and "cpufreq_max_mhz" not in cpu and "@" not in cpu["model_name"]:
        assert peak.per_core_gflops is None and peak.basis is None
        return
    low, high = spec_range(name)
    assert low <= peak.per_core_gflops <= high
    assert peak.basis == BASIS_CLOCK and peak.frequency.source != "measured"


@pytest.mark.parametrize("name", [n for n in CPUS if RECORDED[n].get("arch") != "aarch64"])
def test_a_multiply_chain_at_the_turbo_clock_is_believed(name):
    cpu = RECORDED[name]
    latency = 3  # IMUL r64, r64 on every recorded x86 core (blas.toml [[clock_chain]])
    peak = peak_of(name, Measured(chain_steps_per_s=cpu["spec_turbo_ghz"] * 1e9 / latency))
    assert peak.frequency.source == "measured"
    assert peak.frequency.ghz == pytest.approx(cpu["spec_turbo_ghz"])
    low, high = spec_range(name)
    assert low <= peak.per_core_gflops <= high


@pytest.mark.parametrize("name", CPUS)
def test_a_20_ghz_clock_is_discarded_never_shown_as_measured(name):
    # issue 10's figure, fed the way the old probe produced it
    peak = peak_of(name, Measured(chain_steps_per_s=20.12e9), chains=OLD_ADD_CHAIN)
    assert all(f.source != "measured" for f in peak.frequencies)
    assert [d.what for d in peak.discarded] == ["measured clock"]
    assert "20.12 GHz discarded" in "\n".join(peak.assumptions())
    if peak.per_core_gflops is not None:
        low, high = spec_range(name)
        assert low <= peak.per_core_gflops <= high


@pytest.mark.parametrize("name", CPUS)
def test_a_believable_fma_kernel_figure_is_the_peak_and_the_estimate_is_kept(name):
    cpu = RECORDED[name]
    unit = peak_of(name).vector_unit
    fma = 0.97 * cpu["spec_turbo_ghz"] * cpu["spec_flops_per_cycle"]
    peak = peak_of(name, Measured(fma_gflops=fma, fma_vector_doubles=unit.vector_doubles))
    assert peak.basis == BASIS_FMA and peak.per_core_gflops == pytest.approx(fma)
    assert peak.estimate_gflops == (None if peak.frequency is None else
                                    pytest.approx(peak.frequency.ghz * cpu["spec_flops_per_cycle"]))
    narrow = peak_of(name, Measured(fma_gflops=fma / 2, fma_vector_doubles=max(1, unit.vector_doubles // 2)))
    if unit.vector_doubles > 1:
        assert narrow.basis != BASIS_FMA and "FMA kernel not used" in "\n".join(narrow.assumptions())


@pytest.mark.parametrize("name", [n for n in CPUS if "recorded" in RECORDED[n]])
def test_recorded_measurements(name):
    cpu, recorded = RECORDED[name], RECORDED[name]["recorded"]
    measured = Measured(chain_steps_per_s=recorded.get("imul_steps_per_s"), fma_gflops=recorded.get("fma_gflops"),
                        fma_vector_doubles=recorded.get("fma_vector_doubles"),
                        floor_gflops=recorded.get("floor_gflops"))
    peak = peak_of(name, measured)
    nominal = cpu["spec_base_ghz"] * cpu["spec_flops_per_cycle"]
    # the old add chain's reading is discarded on every recorded machine
    old = peak_of(name, Measured(chain_steps_per_s=recorded["add_chain_ghz"] * 1e9), chains=OLD_ADD_CHAIN)
    assert old.discarded and old.frequency.source != "measured"
    low, high = spec_range(name)
    assert low <= peak.per_core_gflops <= high
    # OpenBLAS's dgemm n=1024 on one thread, as recorded there: 50-100% of the peak
    assert 0.5 <= recorded["dgemm_1024_1t"] / peak.per_core_gflops <= 1.0
    assert 0.5 <= recorded["dgemm_1024_1t"] / nominal <= 1.05
