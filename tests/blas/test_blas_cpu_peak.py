"""CPU facts and the peak estimate: this machine's real /proc/cpuinfo, and
cpuinfo texts of other CPUs for the rules this machine cannot exercise."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from apkneed.blas.cpu import CpuFacts, parse_cpuinfo, read_cpu_facts
from apkneed.blas.knowledge import load
from apkneed.blas.peak import check_against, estimate_peak, vector_unit_for
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
    from_cpuinfo = estimate_peak(cpu, KNOWLEDGE.vector_units)
    assert from_cpuinfo.frequency.source == "/proc/cpuinfo MHz"
    assert from_cpuinfo.per_core_gflops == 2.5 * 32
    measured = estimate_peak(cpu, KNOWLEDGE.vector_units, measured_ghz=3.1)
    assert measured.frequency.source == "measured"
    assert [f.source for f in measured.frequencies] == ["measured", "/proc/cpuinfo MHz"]
    text = "\n".join(measured.assumptions())
    assert "3.10 GHz, measured" in text and "32 double-precision FLOPs" in text


def test_no_clock_means_no_peak():
    cpu = facts("processor\t: 0\nflags\t: avx2 fma\n", "x86_64", affinity=(0,))
    peak = estimate_peak(cpu, KNOWLEDGE.vector_units)
    assert peak.frequency is None and peak.gflops(1) is None
    assert "clock unknown" in " ".join(peak.assumptions())


def test_measured_clock_is_plausible_against_cpuinfo():
    # The probe's dependent-add loop, run for real: a wrong instruction count
    # or loop encoding would be off by a large factor, not a few percent.
    run = run_probe(sys.executable, {"task": "clock"})
    clock = run.of_kind("clock")[0]
    mhz = [p.mhz for p in read_cpu_facts().info.processors if p.mhz]
    assert clock["ghz"] is not None, clock["reason"]
    assert 0.4 < clock["ghz"] * 1000 / max(mhz) < 3.0


def test_peak_check_flags_figures_above_the_estimate():
    peak = estimate_peak(facts(SMT_PAIR, "x86_64"), KNOWLEDGE.vector_units)  # 80 GFLOP/s per core
    below = [{"op": "dgemm", "threads": 1, "n": 512, "gflops": 70.0}]
    above = [{"op": "dgemm", "threads": 1, "n": 512, "gflops": 95.0}]
    assert check_against(peak, below) is None
    assert "above the per-core peak" in check_against(peak, above)
