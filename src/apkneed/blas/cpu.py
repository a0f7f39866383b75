"""The CPUs this process may really use, and what they can do.

Usable CPUs are the affinity mask (``taskset``, cpusets) capped by the cgroup
quota (``--cpus``). A fractional quota is rounded down, at least 1: BLAS
threads synchronise at every block, so a thread that gets throttled holds
all the others back.

Parsing is pure (text in, facts out); :func:`read_cpu_facts` is the IO edge.
"""

from __future__ import annotations

import math
import os
import platform
from dataclasses import dataclass, field
from pathlib import Path

from apkneed.blas.cgroup import CpuQuota, read_cpu_quota


@dataclass(frozen=True)
class Processor:
    """One logical CPU as /proc/cpuinfo describes it."""

    index: int
    mhz: float | None = None
    physical_id: str | None = None
    core_id: str | None = None


@dataclass(frozen=True)
class CpuInfo:
    arch: str
    vendor: str
    family: int | None
    model: int | None
    model_name: str
    flags: frozenset[str]
    processors: tuple[Processor, ...]
    #: Arm's "CPU part" (0xd0c is Neoverse N1); "" on x86
    part: str = ""


@dataclass(frozen=True)
class CpuFacts:
    info: CpuInfo
    online: int
    affinity: tuple[int, ...]
    quota: CpuQuota | None
    #: cpufreq's cpuinfo_max_freq per usable CPU, in MHz (empty when absent)
    cpufreq_max_mhz: tuple[float, ...] = field(default=())
    #: /proc/loadavg's 1-minute figure: other work competing for the CPUs
    load_average: float | None = None

    @property
    def usable(self) -> int:
        return usable_cpus(len(self.affinity), self.quota)

    @property
    def usable_physical_cores(self) -> int:
        """Distinct (package, core) pairs among the usable CPUs, capped by the
        quota: SMT siblings share one core's vector units."""
        by_index = {p.index: p for p in self.info.processors}
        cores = set()
        for cpu in self.affinity:
            processor = by_index.get(cpu)
            if processor is None or processor.core_id is None:
                cores.add(("cpu", cpu))
            else:
                cores.add((processor.physical_id, processor.core_id))
        return max(1, min(len(cores), self.usable))


def usable_cpus(affinity_count: int, quota: CpuQuota | None) -> int:
    if quota is None:
        return max(1, affinity_count)
    return max(1, min(affinity_count, math.floor(quota.cpus)))


def _int(value: str) -> int | None:
    try:
        return int(value, 0)
    except ValueError:
        return None


def parse_cpuinfo(text: str, arch: str) -> CpuInfo:
    """Read /proc/cpuinfo (x86 ``flags`` or Arm ``Features``)."""
    processors: list[Processor] = []
    current: dict[str, str] = {}
    first: dict[str, str] = {}

    def finish() -> None:
        if "processor" in current and _int(current["processor"]) is not None:
            mhz = current.get("cpu MHz")
            try:
                mhz_value = float(mhz) if mhz else None
            except ValueError:
                mhz_value = None
            processors.append(
                Processor(_int(current["processor"]) or 0, mhz_value, current.get("physical id"), current.get("core id"))
            )

    for line in text.splitlines():
        if not line.strip():
            finish()
            current = {}
            continue
        key, _, value = line.partition(":")
        key, value = key.strip(), value.strip()
        current[key] = value
        first.setdefault(key, value)
    finish()
    flags = first.get("flags") or first.get("Features") or ""
    vendor = first.get("vendor_id") or first.get("CPU implementer", "")
    family = _int(first.get("cpu family", "")) if "cpu family" in first else None
    model = _int(first.get("model", "")) if "model" in first else None
    model_name = first.get("model name") or first.get("Model") or first.get("Hardware") or ""
    return CpuInfo(arch, vendor, family, model, model_name, frozenset(flags.split()), tuple(processors),
                   first.get("CPU part", "").lower())


def read_cpu_facts(cgroup_root: Path = Path("/sys/fs/cgroup"), proc: Path = Path("/proc"),
                   sys_cpu: Path = Path("/sys/devices/system/cpu")) -> CpuFacts:
    """The IO edge: /proc/cpuinfo, affinity, cgroup quota, cpufreq, load."""
    try:
        cpuinfo = (proc / "cpuinfo").read_text()
    except OSError:
        cpuinfo = ""
    info = parse_cpuinfo(cpuinfo, platform.machine())
    try:
        affinity = tuple(sorted(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        affinity = tuple(range(os.cpu_count() or 1))
    try:
        proc_cgroup = (proc / "self" / "cgroup").read_text()
    except OSError:
        proc_cgroup = ""
    quota = read_cpu_quota(cgroup_root, proc_cgroup)
    max_mhz = []
    for cpu in affinity:
        try:
            max_mhz.append(int((sys_cpu / f"cpu{cpu}" / "cpufreq" / "cpuinfo_max_freq").read_text()) / 1000)
        except (OSError, ValueError):
            continue
    try:
        load_average = float((proc / "loadavg").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        load_average = None
    return CpuFacts(info, os.cpu_count() or len(affinity), affinity, quota, tuple(max_mhz), load_average)


def cpu_ranges(cpus: tuple[int, ...]) -> str:
    """(0, 1, 2, 5) -> "0-2,5", the way taskset and cpusets write them."""
    parts: list[str] = []
    start = previous = None
    for cpu in (*cpus, None):
        if start is not None and cpu is not None and cpu == previous + 1:
            previous = cpu
            continue
        if start is not None:
            parts.append(f"{start}-{previous}" if start != previous else str(start))
        start = previous = cpu
    return ",".join(parts) or "none"


def describe_usable(facts: CpuFacts) -> str:
    if facts.quota:
        cpus = facts.quota.cpus
        quota = f"cgroup CPU quota {cpus:g} CPU{'s' if cpus != 1 else ''} ({facts.quota.source})"
    else:
        quota = "no cgroup CPU quota"
    plural = "s" if facts.usable != 1 else ""
    return f"this process may use {facts.usable} CPU{plural} (affinity {cpu_ranges(facts.affinity)}, {quota})"
