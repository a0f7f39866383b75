"""The CPU quota a container really grants: cgroup v2 ``cpu.max`` and v1
``cpu.cfs_quota_us``/``cpu.cfs_period_us``.

``docker run --cpus 1.5`` sets a quota, not an affinity: ``nproc`` and
``os.cpu_count()`` still see every CPU of the host, and so does OpenBLAS,
which starts one thread per CPU and is throttled into a silent slowdown.
The quota is read from the process's own cgroup (``/proc/self/cgroup``) and
every ancestor up to the mount root, the tightest one winning; inside a
cgroup namespace the process's cgroup is the root itself.

Everything takes the cgroup mount root as a parameter, so a test can hand
in a tree built under tmp_path.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath


@dataclass(frozen=True)
class CpuQuota:
    """A quota of ``quota_us`` per ``period_us``: ``cpus`` CPUs' worth."""

    quota_us: int
    period_us: int
    source: str  # the file it was read from

    @property
    def cpus(self) -> float:
        return self.quota_us / self.period_us


def parse_proc_cgroup(text: str) -> dict[str, str]:
    """``/proc/self/cgroup`` -> {controller: path}; v2's line is under ``""``.

    Lines are ``id:controllers:path``; v1 lists controllers (``cpu,cpuacct``),
    v2 has id 0 and no controllers.
    """
    paths: dict[str, str] = {}
    for line in text.splitlines():
        parts = line.strip().split(":", 2)
        if len(parts) != 3:
            continue
        _, controllers, path = parts
        if not controllers:
            paths[""] = path
        for controller in controllers.split(","):
            if controller:
                paths[controller] = path
    return paths


def parse_cpu_max(text: str) -> tuple[int, int] | None:
    """cgroup v2 ``cpu.max``: ``"max 100000"`` (no limit) or ``"150000 100000"``."""
    fields = text.split()
    if not fields or fields[0] == "max":
        return None
    try:
        quota = int(fields[0])
        period = int(fields[1]) if len(fields) > 1 else 100000
    except ValueError:
        return None
    return (quota, period) if quota > 0 and period > 0 else None


def parse_cfs(quota_text: str, period_text: str) -> tuple[int, int] | None:
    """cgroup v1: ``cpu.cfs_quota_us`` is -1 when unlimited."""
    try:
        quota, period = int(quota_text.strip()), int(period_text.strip())
    except ValueError:
        return None
    return (quota, period) if quota > 0 and period > 0 else None


def _read(path: Path) -> str | None:
    try:
        return path.read_text()
    except OSError:
        return None


def _ancestors(mount: Path, cgroup_path: str) -> list[Path]:
    """The cgroup's directory and its parents up to the mount root, deepest first.

    Directories that do not exist under this mount (a namespaced process sees
    a host path) are skipped; the mount root is always included.
    """
    relative = PurePosixPath(cgroup_path.strip() or "/")
    directories: list[Path] = []
    for depth in range(len(relative.parts), 0, -1):
        parts = relative.parts[1:depth]
        directory = mount.joinpath(*parts) if parts else mount
        if directory.is_dir() and directory not in directories:
            directories.append(directory)
    if mount not in directories:
        directories.append(mount)
    return directories


def _v2_quotas(root: Path, cgroup_path: str) -> list[CpuQuota]:
    quotas = []
    for directory in _ancestors(root, cgroup_path):
        text = _read(directory / "cpu.max")
        parsed = parse_cpu_max(text) if text is not None else None
        if parsed:
            quotas.append(CpuQuota(parsed[0], parsed[1], str(directory / "cpu.max")))
    return quotas


def _v1_quotas(root: Path, cgroup_path: str) -> list[CpuQuota]:
    quotas = []
    for mount_name in ("cpu", "cpu,cpuacct", "cpuacct,cpu"):
        mount = root / mount_name
        if not mount.is_dir():
            continue
        for directory in _ancestors(mount, cgroup_path):
            quota_text = _read(directory / "cpu.cfs_quota_us")
            period_text = _read(directory / "cpu.cfs_period_us")
            if quota_text is None or period_text is None:
                continue
            parsed = parse_cfs(quota_text, period_text)
            if parsed:
                quotas.append(CpuQuota(parsed[0], parsed[1], str(directory / "cpu.cfs_quota_us")))
        break  # the controller is mounted once; its aliases are symlinks
    return quotas


def read_cpu_quota(root: Path, proc_cgroup: str) -> CpuQuota | None:
    """The tightest CPU quota over v2 and v1 hierarchies, or None if unlimited.

    ``root`` is the cgroup mount root (``/sys/fs/cgroup``); ``proc_cgroup``
    the text of ``/proc/self/cgroup``. A hybrid host (v1 controllers plus a
    v2 tree under ``unified``) is read both ways.
    """
    paths = parse_proc_cgroup(proc_cgroup)
    quotas: list[CpuQuota] = []
    v2_path = paths.get("", "/")
    quotas += _v2_quotas(root, v2_path)
    if (root / "unified").is_dir():
        quotas += _v2_quotas(root / "unified", v2_path)
    quotas += _v1_quotas(root, paths.get("cpu", "/"))
    return min(quotas, key=lambda q: q.cpus, default=None)
