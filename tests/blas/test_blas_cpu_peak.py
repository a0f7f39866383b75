"""CPU facts and the peak estimate: this machine's real /proc/cpuinfo, and
cpuinfo texts of other CPUs for the rules this machine cannot exercise."""

from __future__ import annotations

import os
import platform
import shutil
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apkneed.blas.cpu import CpuFacts, parse_cpuinfo, read_cpu_facts
from apkneed.blas.knowledge import load
from apkneed.blas.peak import Measured, chain_latency, check_against, clock_band, estimate_peak, nominal_ghz, vector_unit_for
from apkneed.blas.report import FMA_KERNEL_SOURCE
from apkneed.blas.runner import run_probe

KNOWLEDGE = load()

# One logical CPU in the layout /proc/cpuinfo uses on x86; SMT_PAIR is two
# of them that are SMT siblings of one core (same physical id and core id).
XEON_CPU = """processor\t: {index}
vendor_id\t: GenuineIntel
cpu family\t: 6
model\t\t: 85
model name\t: Intel(R) Xeon(R) Platinum 8259CL CPU @ 2.50GHz
cpu MHz\t\t: 2500.000
physical id\t: 0
core id\t\t: 0
flags\t\t: fpu sse sse2 avx avx2 fma avx512f avx512dq
"""
SMT_PAIR = XEON_CPU.format(index=0) + "\n" + XEON_CPU.format(index=1)

ZEN4 = SMT_PAIR.replace("GenuineIntel", "AuthenticAMD").replace("cpu family\t: 6", "cpu family\t: 25")

ARM = """processor\t: 0
BogoMIPS\t: 243.75
Features\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm lrcpc dcpop asimddp
CPU implementer\t: 0x41
CPU part\t: 0xd0c
"""


def facts(text: str, arch: str, affinity=(0, 1)) -> CpuFacts:
    return CpuFacts(parse_cpuinfo(text, arch), len(affinity), tuple(affinity), None)


def test_this_machine_cpuinfo_matches_the_kernel():
    info = read_cpu_facts().info
    assert len(info.processors) == os.cpu_count()
    flags = Path("/proc/cpuinfo").read_text().split("flags")[1].split("\n")[0]
    assert ("avx2" in info.flags) == (" avx2" in flags)


def test_this_machine_usable_cpus_follow_affinity():
    cpu = read_cpu_facts()
    assert cpu.affinity == tuple(sorted(os.sched_getaffinity(0)))
    assert 1 <= cpu.usable <= len(cpu.affinity)


def test_smt_siblings_count_as_one_core():
    cpu = facts(SMT_PAIR, "x86_64")
    assert cpu.usable == 2
    assert cpu.usable_physical_cores == 1
    peak = estimate_peak(cpu, KNOWLEDGE.vector_units)
    assert peak.cores == 1
    assert peak.gflops(2) == peak.gflops(1)


def test_avx512_intel_two_fma_units():
    unit = vector_unit_for(facts(SMT_PAIR, "x86_64"), KNOWLEDGE.vector_units)
    assert unit.name == "AVX-512" and unit.flops_per_cycle == 32


def test_zen4_avx512_runs_on_256_bit_units():
    unit = vector_unit_for(facts(ZEN4, "x86_64"), KNOWLEDGE.vector_units)
    assert unit.flops_per_cycle == 16
    assert "Zen 4" in unit.assumption


def test_avx2_fma_without_avx512():
    text = SMT_PAIR.replace(" avx512f avx512dq", "")
    unit = vector_unit_for(facts(text, "x86_64"), KNOWLEDGE.vector_units)
    assert unit.name == "AVX2+FMA" and unit.flops_per_cycle == 16


def test_arm_neon():
    cpu = facts(ARM, "aarch64", affinity=(0,))
    unit = vector_unit_for(cpu, KNOWLEDGE.vector_units)
    assert unit.name == "NEON" and unit.flops_per_cycle == 8
    assert cpu.info.vendor == "0x41"


def test_unknown_cpu_falls_back_to_scalar():
    unit = vector_unit_for(facts("processor\t: 0\n", "riscv64", affinity=(0,)), KNOWLEDGE.vector_units)
    assert unit.name == "scalar"


def test_frequency_preference_and_assumptions_are_printed():
    cpu = facts(SMT_PAIR, "x86_64")
    unmeasured = estimate_peak(cpu, KNOWLEDGE.vector_units)
    assert unmeasured.frequency.source == "model name"  # "@ 2.50GHz"
    assert [f.source for f in unmeasured.frequencies] == ["model name", "/proc/cpuinfo MHz"]
    assert unmeasured.per_core_gflops == 2.5 * 32
    measured = estimate_peak(cpu, KNOWLEDGE.vector_units, Measured(chain_steps_per_s=3.1e9 / 3),
                             KNOWLEDGE.clock_chains, KNOWLEDGE.clock_band)
    assert measured.frequency.source == "measured"
    assert [f.source for f in measured.frequencies] == ["measured", "model name", "/proc/cpuinfo MHz"]
    text = "\n".join(measured.assumptions())
    assert "3.10 GHz, measured" in text and "32 double-precision FLOPs" in text
    assert "3 cycles each" in text and "percentages of peak use clock x FLOPs per cycle" in text


def test_no_clock_means_no_peak():
    cpu = facts("processor\t: 0\nflags\t: avx2 fma\n", "x86_64", affinity=(0,))
    peak = estimate_peak(cpu, KNOWLEDGE.vector_units)
    assert peak.frequency is None and peak.gflops(1) is None
    assert "clock unknown" in " ".join(peak.assumptions())


def test_the_band_follows_cpufreq_when_the_kernel_has_it():
    cpu = CpuFacts(parse_cpuinfo(SMT_PAIR, "x86_64"), 2, (0, 1), None, (3500.0, 3500.0))
    band = clock_band(cpu, KNOWLEDGE.clock_band)
    assert band.low_ghz == pytest.approx(0.5 * 2.5) and band.high_ghz == pytest.approx(1.1 * 3.5)
    assert "cpufreq max" in band.why
    alone = clock_band(facts("processor\t: 0\nflags\t: avx2 fma\n", "x86_64", affinity=(0,)),
                       KNOWLEDGE.clock_band)
    assert (alone.low_ghz, alone.high_ghz) == (0.2, 6.5)  # physics alone


def test_nominal_clock_of_a_model_name():
    assert nominal_ghz("Intel(R) Xeon(R) Platinum 8259CL CPU @ 2.50GHz") == 2.5
    assert nominal_ghz("Intel(R) Pentium(R) III CPU @ 800MHz") == 0.8
    assert nominal_ghz("AMD EPYC 7763 64-Core Processor") is None


def test_an_fma_figure_no_clock_can_give_is_discarded():
    cpu = facts(SMT_PAIR, "x86_64")  # 2.5 GHz nominal: at most 5 GHz x 32 = 160 GFLOP/s
    peak = estimate_peak(cpu, KNOWLEDGE.vector_units, Measured(fma_gflops=400.0, fma_vector_doubles=8),
                         KNOWLEDGE.clock_chains, KNOWLEDGE.clock_band)
    assert peak.fma is None and peak.basis == "clock x FLOPs per cycle"
    assert "measured FMA throughput of 400.00 GFLOP/s discarded" in "\n".join(peak.assumptions())


def live_peak():
    """The probe run for real on this machine, then the estimator."""
    run = run_probe(sys.executable, {"task": "clock", "kernel_source": str(FMA_KERNEL_SOURCE)})
    clock, fma, floor = (run.of_kind(kind)[0] for kind in ("clock", "fma", "floor"))
    measured = Measured(chain_steps_per_s=clock["chain_steps_per_s"], fma_gflops=fma.get("gflops"),
                        fma_vector_doubles=fma.get("vector_doubles"), floor_gflops=floor.get("gflops"))
    facts = read_cpu_facts()
    return clock, fma, facts, estimate_peak(facts, KNOWLEDGE.vector_units, measured, KNOWLEDGE.clock_chains,
                                            KNOWLEDGE.clock_band)


def test_measured_clock_is_plausible_against_cpuinfo():
    # Issue 10: the old chain of dependent adds read 16-20 GHz on Sapphire and
    # Emerald Rapids. Whatever this CPU is, a clock reported as measured lies
    # in the band the kernel's own figures and physics allow; one outside it
    # is listed as discarded, never used.
    clock, _, facts, peak = live_peak()
    band = clock_band(facts, KNOWLEDGE.clock_band)
    measured = [f for f in peak.frequencies if f.source == "measured"]
    for frequency in measured:
        assert band.low_ghz <= frequency.ghz <= band.high_ghz <= KNOWLEDGE.clock_band.max_ghz
    assert len(measured) + len([d for d in peak.discarded if d.what == "measured clock"]) == \
        (1 if clock["chain_steps_per_s"] else 0)
    if platform.machine() == "x86_64":
        # the multiply chain itself: a wrong encoding or a foldable instruction
        # would read several times too fast, far beyond any core's clock
        latency = chain_latency(facts.info, KNOWLEDGE.clock_chains).latency_cycles
        assert KNOWLEDGE.clock_band.min_ghz < clock["chain_steps_per_s"] * latency / 1e9 < KNOWLEDGE.clock_band.max_ghz


def test_live_peak_is_above_the_numpy_floor_and_within_physics():
    _, fma, facts, peak = live_peak()
    assert peak.floor is not None and peak.floor.gflops > 0
    if peak.per_core_gflops is not None:
        assert peak.per_core_gflops >= peak.floor.gflops
        assert peak.per_core_gflops <= KNOWLEDGE.clock_band.max_ghz * peak.vector_unit.flops_per_cycle
    if shutil.which("cc") and fma.get("gflops"):
        # the kernel was compiled and ran: it is used unless too narrow or implausible
        assert peak.fma is not None or peak.discarded or "FMA kernel not used" in "\n".join(peak.notes)


def test_peak_check_flags_figures_above_the_estimate():
    peak = estimate_peak(facts(SMT_PAIR, "x86_64"), KNOWLEDGE.vector_units)  # 80 GFLOP/s per core
    below = [{"op": "dgemm", "threads": 1, "n": 512, "gflops": 70.0}]
    above = [{"op": "dgemm", "threads": 1, "n": 512, "gflops": 95.0}]
    assert check_against(peak, below) is None
    assert "above the per-core peak" in check_against(peak, above)


CPUINFO_KEYS = ["processor", "vendor_id", "cpu family", "model", "model name", "cpu MHz", "flags", "Features",
                "CPU part", "physical id", "core id"]


@settings(max_examples=300, deadline=None)
@given(
    lines=st.lists(st.tuples(st.sampled_from(CPUINFO_KEYS) | st.text(max_size=12), st.text(max_size=40)), max_size=30),
    chain=st.none() | st.floats(min_value=0, max_value=1e12, allow_nan=False),
    fma=st.none() | st.floats(min_value=0, max_value=1e5, allow_nan=False),
    width=st.none() | st.integers(min_value=0, max_value=16),
)
def test_fuzz_cpuinfo_and_estimate_never_raise_nor_believe_an_impossible_clock(lines, chain, fma, width):
    text = "\n".join(f"{key}\t: {value}" for key, value in lines)
    info = parse_cpuinfo(text, "x86_64")
    cpu = CpuFacts(info, 2, (0, 1), None)
    peak = estimate_peak(cpu, KNOWLEDGE.vector_units, Measured(chain_steps_per_s=chain, fma_gflops=fma,
                                                               fma_vector_doubles=width),
                         KNOWLEDGE.clock_chains, KNOWLEDGE.clock_band)
    band = KNOWLEDGE.clock_band
    for frequency in peak.frequencies:  # measured or read from the kernel: never outside physics
        assert band.min_ghz <= frequency.ghz <= band.max_ghz
    if peak.fma is not None:
        assert peak.fma.gflops <= band.max_ghz * peak.vector_unit.flops_per_cycle
    assert peak.assumptions()


def test_a_kernel_figure_outside_physics_is_discarded_too():
    text = SMT_PAIR.replace("cpu MHz\t\t: 2500.000", "cpu MHz\t\t: 25000000.000")
    peak = estimate_peak(facts(text, "x86_64"), KNOWLEDGE.vector_units, None, KNOWLEDGE.clock_chains,
                         KNOWLEDGE.clock_band)
    assert [f.source for f in peak.frequencies] == ["model name"]
    assert "/proc/cpuinfo MHz of 25000.00 GHz discarded: outside physics" in "\n".join(peak.assumptions())


def test_peak_check_names_the_cause_by_the_peaks_basis():
    cpu = facts(SMT_PAIR, "x86_64")
    above = [{"op": "dgemm", "threads": 1, "n": 1024, "gflops": 90.0}]
    fma = estimate_peak(cpu, KNOWLEDGE.vector_units, Measured(fma_gflops=60.0, fma_vector_doubles=8),
                        KNOWLEDGE.clock_chains, KNOWLEDGE.clock_band)
    assert "(measured FMA throughput): the FMA kernel's runs were all slowed" in check_against(fma, above)
    clock = estimate_peak(cpu, KNOWLEDGE.vector_units)  # 80 GFLOP/s from the model name
    assert "(clock x FLOPs per cycle): the clock figure is too low" in check_against(clock, above)
