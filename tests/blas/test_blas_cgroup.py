"""The cgroup CPU quota reader, on cgroup trees built in tmp_path.

The trees are test data for a pure parser: the same files the kernel shows
under /sys/fs/cgroup, with the quotas ``docker run --cpus`` writes.
"""

from __future__ import annotations

from pathlib import Path

from apkneed.blas.cgroup import parse_cfs, parse_cpu_max, parse_proc_cgroup, read_cpu_quota
from apkneed.blas.cpu import usable_cpus


def write(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_cpu_max_values():
    assert parse_cpu_max("max 100000\n") is None
    assert parse_cpu_max("150000 100000\n") == (150000, 100000)
    assert parse_cpu_max("50000\n") == (50000, 100000)
    assert parse_cpu_max("garbage") is None
    assert parse_cpu_max("") is None


def test_cfs_values():
    assert parse_cfs("-1\n", "100000\n") is None
    assert parse_cfs("200000\n", "100000\n") == (200000, 100000)
    assert parse_cfs("x", "100000") is None


def test_proc_cgroup_lines_v1_and_v2():
    text = "12:cpu,cpuacct:/docker/abc\n4:memory:/docker/abc\n0::/system.slice/app.service\n"
    paths = parse_proc_cgroup(text)
    assert paths["cpu"] == "/docker/abc"
    assert paths["cpuacct"] == "/docker/abc"
    assert paths[""] == "/system.slice/app.service"


def test_v2_namespaced_container_reads_root_cpu_max(tmp_path):
    # Inside a cgroup namespace the container's cgroup is the mount root.
    write(tmp_path, "cpu.max", "150000 100000\n")
    quota = read_cpu_quota(tmp_path, "0::/\n")
    assert quota is not None
    assert quota.cpus == 1.5
    assert quota.source == str(tmp_path / "cpu.max")
    assert usable_cpus(4, quota) == 1  # 1.5 CPUs: rounded down


def test_v2_unlimited(tmp_path):
    write(tmp_path, "cpu.max", "max 100000\n")
    assert read_cpu_quota(tmp_path, "0::/\n") is None


def test_v2_tightest_ancestor_wins(tmp_path):
    write(tmp_path, "kubepods/cpu.max", "100000 100000\n")  # 1 CPU for the pod
    write(tmp_path, "kubepods/pod1/cpu.max", "300000 100000\n")  # 3 for the container
    quota = read_cpu_quota(tmp_path, "0::/kubepods/pod1\n")
    assert quota.cpus == 1.0
    assert quota.source.endswith("kubepods/cpu.max")


def test_v1_quota_under_cpu_controller(tmp_path):
    write(tmp_path, "cpu,cpuacct/docker/abc/cpu.cfs_quota_us", "200000\n")
    write(tmp_path, "cpu,cpuacct/docker/abc/cpu.cfs_period_us", "100000\n")
    write(tmp_path, "cpu,cpuacct/cpu.cfs_quota_us", "-1\n")
    write(tmp_path, "cpu,cpuacct/cpu.cfs_period_us", "100000\n")
    quota = read_cpu_quota(tmp_path, "3:cpu,cpuacct:/docker/abc\n")
    assert quota.cpus == 2.0
    assert usable_cpus(8, quota) == 2


def test_v1_host_path_missing_in_namespace_falls_back_to_mount_root(tmp_path):
    write(tmp_path, "cpu/cpu.cfs_quota_us", "50000\n")
    write(tmp_path, "cpu/cpu.cfs_period_us", "100000\n")
    quota = read_cpu_quota(tmp_path, "3:cpu:/docker/not-visible-here\n")
    assert quota.cpus == 0.5
    assert usable_cpus(2, quota) == 1  # never below one


def test_hybrid_takes_the_tighter_of_v1_and_unified(tmp_path):
    write(tmp_path, "cpu/cpu.cfs_quota_us", "-1\n")
    write(tmp_path, "cpu/cpu.cfs_period_us", "100000\n")
    write(tmp_path, "unified/cpu.max", "100000 100000\n")
    quota = read_cpu_quota(tmp_path, "1:cpu:/\n0::/\n")
    assert quota.cpus == 1.0


def test_no_cgroup_files_at_all(tmp_path):
    assert read_cpu_quota(tmp_path, "") is None
    assert read_cpu_quota(tmp_path / "absent", "0::/\n") is None


def test_affinity_caps_a_loose_quota():
    from apkneed.blas.cgroup import CpuQuota

    assert usable_cpus(2, CpuQuota(800000, 100000, "x")) == 2
    assert usable_cpus(3, None) == 3
