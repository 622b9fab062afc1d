"""bench.machine's readings for ``bench doctor``, on faked /proc and /sys trees."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import machine
from bench.machine import Reader

ME = 4242


def write(root: Path, rel: str, text: str) -> None:
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text, encoding="utf-8")


def pid_stat(pid: int, comm: str, ppid: int, utime: int, stime: int = 0, cutime: int = 0) -> str:
    return f"{pid} ({comm}) S {ppid} 1 1 0 -1 0 0 0 0 0 {utime} {stime} {cutime} 0 20 0 1 0 5\n"


def test_reader_returns_none_for_missing_files_and_reads_under_its_root(tmp_path: Path) -> None:
    write(tmp_path, "proc/loadavg", "0.10 0.20 0.30 1/90 77\n")
    r = Reader(tmp_path, pid=ME, affinity=[0, 1])
    assert r.first_line("/proc/loadavg") == "0.10 0.20 0.30 1/90 77"
    assert r.text("proc/stat") is None
    assert r.listdir("proc/nothing") == []
    assert r.affinity() == frozenset({0, 1})


def test_proc_stat_survives_a_command_with_spaces_and_parentheses() -> None:
    text = pid_stat(7, "tricky) (name", 1, 30, 5, 2)
    assert machine._proc_stat(text) == ("tricky) (name", 1, [30, 5, 2, 0])
    assert machine._proc_stat("garbage") is None


@pytest.mark.parametrize(("text", "want"), [("0-3,6", 5), ("0", 1), ("0-1", 2), ("x", None)])
def test_online_cpus_counts_ranges(tmp_path: Path, text: str, want: int | None) -> None:
    write(tmp_path, "sys/devices/system/cpu/online", text + "\n")
    assert machine.online_cpus(Reader(tmp_path, pid=ME)) == want


def test_available_cpus_prefers_the_affinity(tmp_path: Path) -> None:
    write(tmp_path, "sys/devices/system/cpu/online", "0-7\n")
    assert machine.available_cpus(Reader(tmp_path, pid=ME, affinity=[2, 3])) == 2


def _tree(root: Path, cpu: str, procs: list[tuple[int, str, int, int]], own: int) -> None:
    write(root, "proc/stat", f"cpu  {cpu}\ncpu0 0 0 0 0\n")
    write(root, f"proc/{ME}/stat", pid_stat(ME, "python", 1, own))
    for pid, comm, ppid, ticks in procs:
        write(root, f"proc/{pid}/stat", pid_stat(pid, comm, ppid, ticks))


def test_cpu_use_leaves_out_our_process_tree_and_names_the_neighbour(tmp_path: Path) -> None:
    r = Reader(tmp_path, pid=ME, clock_ticks=100)
    # 2 CPUs over 1 s = 200 ticks: we use 60 (+ a child 40), a neighbour 50, idle the rest
    _tree(tmp_path, "1000 0 0 1000 0 0 0 0", [(10, "hog", 1, 0), (11, "go", ME, 0)], 0)
    a = machine.snapshot(r, clock=lambda: 0.0)
    _tree(tmp_path, "1150 0 0 1050 0 0 0 0", [(10, "hog", 1, 50), (11, "go", ME, 40)], 60)
    b = machine.snapshot(r, clock=lambda: 1.0)
    use = machine.cpu_use(a, b, ME, 100)
    assert use.cpus == 2
    assert use.others_pct == pytest.approx(25.0)  # 50 of 200 ticks
    assert use.top == (("hog", 10, 50.0),)
    assert use.steal_pct == 0.0


def test_cpu_use_unknown_without_proc_stat(tmp_path: Path) -> None:
    r = Reader(tmp_path, pid=ME)
    a = machine.snapshot(r, clock=lambda: 0.0)
    b = machine.snapshot(r, clock=lambda: 1.0)
    use = machine.cpu_use(a, b, ME, 100)
    assert use.others_pct is None and use.steal_pct is None


def test_cgroup_quota_v2_takes_the_tightest_on_the_way_up(tmp_path: Path) -> None:
    write(tmp_path, f"proc/{ME}/cgroup", "0::/a/b\n")
    write(tmp_path, "sys/fs/cgroup/a/b/cpu.max", "max 100000\n")
    write(tmp_path, "sys/fs/cgroup/a/cpu.max", "150000 100000\n")
    write(tmp_path, "sys/fs/cgroup/a/cpu.stat", "usage_usec 5\nnr_throttled 12\n")
    quota, src, throttled = machine.cgroup_quota(Reader(tmp_path, pid=ME))
    assert quota == 1.5
    assert src == "/sys/fs/cgroup/a/cpu.max"
    assert throttled == 12


def test_cgroup_quota_v1_none_and_missing(tmp_path: Path) -> None:
    r = Reader(tmp_path, pid=ME)
    assert machine.cgroup_quota(r) == (None, None, None)
    write(tmp_path, f"proc/{ME}/cgroup", "4:memory:/x\n1:cpu,cpuacct:/\n")
    write(tmp_path, "sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us", "-1\n")
    write(tmp_path, "sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us", "100000\n")
    assert machine.cgroup_quota(r)[:2] == (None, "/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us")
    write(tmp_path, "sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us", "50000\n")
    assert machine.cgroup_quota(r)[0] == 0.5


def test_cgroup_quota_v1_in_a_namespace_falls_back_to_the_mount_root(tmp_path: Path) -> None:
    # the path /proc shows need not exist inside a container's cgroup mount
    write(tmp_path, f"proc/{ME}/cgroup", "1:cpu:/docker/abc\n")
    write(tmp_path, "sys/fs/cgroup/cpu/cpu.cfs_quota_us", "200000\n")
    write(tmp_path, "sys/fs/cgroup/cpu/cpu.cfs_period_us", "100000\n")
    assert machine.cgroup_quota(Reader(tmp_path, pid=ME))[0] == 2.0
