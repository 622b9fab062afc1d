"""``bench doctor``: its checks on faked /proc and /sys trees (busy, quiet, missing), its CLI."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from bench import doctor
from bench.cli import main
from bench.doctor import OK, UNKNOWN, WARN, Check
from bench.machine import Reader
from tests.test_machine import ME, pid_stat, write

NAMES = ["others_cpu", "loadavg", "steal", "cgroup_quota", "gomaxprocs", "governor", "turbo"]


class Machine:
    """A fake 2-CPU machine: /proc/stat and processes before and after the window."""

    def __init__(self, root: Path, *, env: dict[str, str] | None = None) -> None:
        self.root = root
        self.reader = Reader(root, pid=ME, affinity=[0, 1], env=env or {}, clock_ticks=100)
        self.before: tuple[str, list[tuple[int, str, int, int]]] = ("", [])
        self.after: tuple[str, list[tuple[int, str, int, int]]] = ("", [])
        self._t = 0.0

    def window(self, before_cpu: str, after_cpu: str, procs_before=(), procs_after=()) -> None:
        self.before = (before_cpu, list(procs_before))
        self.after = (after_cpu, list(procs_after))
        self._write(self.before)

    def _write(self, state: tuple[str, list[tuple[int, str, int, int]]]) -> None:
        cpu, procs = state
        if cpu:
            write(self.root, "proc/stat", f"cpu  {cpu}\n")
        write(self.root, f"proc/{ME}/stat", pid_stat(ME, "python", 1, 0))
        for pid, comm, ppid, ticks in procs:
            write(self.root, f"proc/{pid}/stat", pid_stat(pid, comm, ppid, ticks))

    def sleep(self, seconds: float) -> None:
        self._write(self.after)
        self._t += seconds

    def clock(self) -> float:
        return self._t

    def checks(self) -> dict[str, Check]:
        got = doctor.diagnose(self.reader, window=1.0, sleep=self.sleep, clock=self.clock)
        assert [c.name for c in got] == NAMES
        return {c.name: c for c in got}


QUIET = ("100 0 100 1000 0 0 0 0", "102 0 100 1198 0 0 0 0")  # 2 of 200 ticks busy
BUSY = ("100 0 100 1000 0 0 0 0", "200 0 100 1100 0 0 0 0")  # 100 of 200 ticks busy


@pytest.fixture
def quiet(tmp_path: Path) -> Machine:
    m = Machine(tmp_path)
    m.window(*QUIET)
    write(tmp_path, "proc/loadavg", "0.05 0.10 0.20 1/80 99\n")
    write(tmp_path, "sys/devices/system/cpu/online", "0-1\n")
    return m


def test_a_quiet_machine_warns_of_nothing(quiet: Machine) -> None:
    c = quiet.checks()
    assert c["others_cpu"].verdict == OK
    assert c["others_cpu"].data["others_pct"] == 1.0
    assert c["loadavg"].verdict == OK
    assert c["steal"].verdict == OK
    assert c["gomaxprocs"].verdict == OK
    assert "Go uses 2" in c["gomaxprocs"].value
    assert doctor.busy_warning(list(c.values())) is None


def test_a_busy_neighbour_is_a_warning_naming_it(tmp_path: Path) -> None:
    m = Machine(tmp_path)
    # a hog outside our tree used 90 ticks; our own child (a benchmark) used 10: not counted
    m.window(
        *BUSY,
        [(10, "hog", 1, 0), (11, "bench.test", ME, 0)],
        [(10, "hog", 1, 90), (11, "bench.test", ME, 10)],
    )
    c = m.checks()["others_cpu"]
    assert c.verdict == WARN
    assert c.data["others_pct"] == 45.0
    assert [t["command"] for t in c.data["top"]] == ["hog"]
    assert "hog (pid 10) 90 %" in c.value
    assert c.advice


def test_missing_files_make_every_check_unknown_or_a_safe_default(tmp_path: Path) -> None:
    m = Machine(tmp_path)
    c = m.checks()
    for name in ("others_cpu", "loadavg", "steal", "cgroup_quota", "governor", "turbo"):
        assert c[name].verdict == UNKNOWN, name
        assert c[name].meaning
    assert c["gomaxprocs"].verdict == OK  # the affinity is known even without /sys


def test_steal_warns_above_five_percent_and_notes_a_vm(tmp_path: Path) -> None:
    m = Machine(tmp_path)
    m.window("100 0 100 1000 0 0 0 0", "110 0 100 1170 0 0 0 20")  # 20 of 200 ticks stolen
    write(tmp_path, "proc/cpuinfo", "processor : 0\nflags : fpu sse2 hypervisor avx\n")
    c = m.checks()["steal"]
    assert c.verdict == WARN
    assert c.data == {"steal_pct": 10.0, "vm": True}
    assert "a VM" in c.value


def test_steal_unknown_when_the_kernel_has_no_steal_column(tmp_path: Path) -> None:
    m = Machine(tmp_path)
    m.window("100 0 100 1000", "110 0 100 1190")
    c = m.checks()
    assert c["steal"].verdict == UNKNOWN
    assert c["others_cpu"].verdict == OK


@pytest.mark.parametrize(("load1", "verdict"), [("0.90", OK), ("1.50", WARN)])
def test_loadavg_warns_above_half_a_task_per_cpu(quiet: Machine, load1: str, verdict: str) -> None:
    write(quiet.root, "proc/loadavg", f"{load1} 0.50 0.20 1/80 99\n")
    c = quiet.checks()["loadavg"]
    assert c.verdict == verdict
    assert c.data["cpus"] == 2


@pytest.mark.parametrize(
    ("governors", "verdict"),
    [(["performance", "performance"], OK), (["performance", "powersave"], WARN)],
)
def test_governor(quiet: Machine, governors: list[str], verdict: str) -> None:
    for i, g in enumerate(governors):
        write(quiet.root, f"sys/devices/system/cpu/cpu{i}/cpufreq/scaling_governor", g + "\n")
    c = quiet.checks()["governor"]
    assert c.verdict == verdict
    assert bool(c.advice) == (verdict == WARN)
    assert sum(c.data["governors"].values()) == 2


@pytest.mark.parametrize(
    ("rel", "text", "verdict", "enabled"),
    [
        ("intel_pstate/no_turbo", "0", WARN, True),
        ("intel_pstate/no_turbo", "1", OK, False),
        ("cpufreq/boost", "1", WARN, True),
        ("cpufreq/boost", "0", OK, False),
        ("cpufreq/boost", "garbage", UNKNOWN, None),
    ],
)
def test_turbo(quiet: Machine, rel: str, text: str, verdict: str, enabled: bool | None) -> None:
    write(quiet.root, f"sys/devices/system/cpu/{rel}", text + "\n")
    c = quiet.checks()["turbo"]
    assert c.verdict == verdict
    assert c.data.get("enabled") == enabled


def test_a_quota_below_the_cpus_warns_and_gomaxprocs_follows(quiet: Machine) -> None:
    write(quiet.root, f"proc/{ME}/cgroup", "0::/job\n")
    write(quiet.root, "sys/fs/cgroup/job/cpu.max", "100000 100000\n")
    write(quiet.root, "sys/fs/cgroup/job/cpu.stat", "nr_throttled 3\n")
    c = quiet.checks()
    assert c["cgroup_quota"].verdict == WARN
    assert c["cgroup_quota"].data["quota_cpus"] == 1.0
    assert "throttled 3 times" in c["cgroup_quota"].value
    assert c["gomaxprocs"].verdict == WARN
    assert "GOMAXPROCS=1" in c["gomaxprocs"].advice


def test_no_quota_is_ok(quiet: Machine) -> None:
    write(quiet.root, f"proc/{ME}/cgroup", "0::/\n")
    write(quiet.root, "sys/fs/cgroup/cpu.max", "max 100000\n")
    c = quiet.checks()["cgroup_quota"]
    assert c.verdict == OK
    assert c.data["quota_cpus"] is None


@pytest.mark.parametrize(("env", "verdict"), [("2", OK), ("1", OK), ("8", WARN), ("lots", WARN)])
def test_gomaxprocs_against_the_available_cpus(tmp_path: Path, env: str, verdict: str) -> None:
    m = Machine(tmp_path, env={"GOMAXPROCS": env})
    m.window(*QUIET)
    c = m.checks()["gomaxprocs"]
    assert c.verdict == verdict
    assert c.data["gomaxprocs_env"] == env
    assert c.data["available_cpus"] == 2


def test_busy_warning_is_one_line_naming_what_is_busy(tmp_path: Path) -> None:
    m = Machine(tmp_path)
    m.window(*BUSY, [(10, "hog", 1, 0)], [(10, "hog", 1, 100)])
    line = doctor.busy_warning(list(m.checks().values()))
    assert line is not None
    assert "\n" not in line
    assert line == (
        "warning: the machine is busy: other processes use 50 % of the CPUs (hog 100 %): "
        "expect noisier numbers (`bench doctor` says more)"
    )


def test_busy_warning_names_steal(tmp_path: Path) -> None:
    m = Machine(tmp_path)
    m.window("100 0 100 1000 0 0 0 0", "110 0 100 1170 0 0 0 20")
    line = doctor.busy_warning(list(m.checks().values()))
    assert line is not None and "CPU steal 10 %" in line and "other processes" not in line


def test_a_high_load_average_alone_is_not_busy(quiet: Machine) -> None:
    # it lags a minute: a build that just finished must not make `bench run` warn
    write(quiet.root, "proc/loadavg", "1.90 0.50 0.20 1/80 99\n")
    checks = list(quiet.checks().values())
    assert {c.name for c in checks if c.verdict == WARN} == {"loadavg"}
    assert doctor.busy_warning(checks) is None


def test_doctor_record_is_json_for_meta(quiet: Machine) -> None:
    write(quiet.root, "proc/loadavg", "1.90 0.50 0.20 1/80 99\n")
    rec = doctor.doctor_record(list(quiet.checks().values()))
    again = json.loads(json.dumps(rec, allow_nan=False))
    assert again["warnings"] == ["loadavg"]
    assert set(again["checks"]) == set(NAMES)
    assert again["checks"]["loadavg"]["loadavg1"] == 1.9
    assert again["checks"]["turbo"]["verdict"] == UNKNOWN


def test_text_and_json_renderings(quiet: Machine) -> None:
    write(quiet.root, "proc/loadavg", "1.90 0.50 0.20 1/80 99\n")
    checks = list(quiet.checks().values())
    text = doctor.render_text(checks)
    assert text.splitlines()[-1].startswith("1 warning (load average)")
    assert any(ln.startswith("warn    load average") for ln in text.splitlines())
    assert "do:" in text and "why:" in text
    js = doctor.to_json(checks)
    assert js["warnings"] == 1
    assert [c["name"] for c in js["checks"]] == NAMES
    assert all(c["verdict"] in (OK, WARN, UNKNOWN) for c in js["checks"])


def _run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return main(argv, out, err), out.getvalue(), err.getvalue()


def test_cli_on_this_machine_text_and_json() -> None:
    code, out, _ = _run(["doctor", "--window", "0.05"])
    assert code == 0
    for title in ("other processes", "load average", "GOMAXPROCS", "turbo boost"):
        assert title in out
    code, out, _ = _run(["doctor", "--window", "0.05", "--format", "json"])
    assert code == 0
    assert [c["name"] for c in json.loads(out)["checks"]] == NAMES


def test_cli_strict_exits_1_on_a_warning_only(monkeypatch: pytest.MonkeyPatch) -> None:
    warn = Check("loadavg", "load average", "9.00", WARN, "m", "a")
    unknown = Check("turbo", "turbo boost", "n/a", UNKNOWN, "m")
    monkeypatch.setattr(doctor, "diagnose", lambda window: [warn, unknown])
    assert _run(["doctor"])[0] == 0
    assert _run(["doctor", "--strict"])[0] == 1
    monkeypatch.setattr(doctor, "diagnose", lambda window: [unknown])
    assert _run(["doctor", "--strict"])[0] == 0


def test_cli_refuses_a_silly_window() -> None:
    code, _, err = _run(["doctor", "--window", "0"])
    assert code == 2
    assert "--window" in err
