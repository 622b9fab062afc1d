"""Describe the machine a run happens on, and name it.

It also samples the machine's load around every round (:func:`load_sample`,
:func:`load_entry`, stored in meta.json), because on a shared machine the
neighbours are the largest source of error, and says when it changed a lot
during a run (:func:`load_changed`).

For ``bench doctor`` it reads what the kernel says about the CPUs through a
:class:`Reader` rooted at ``/`` (tests fake a /proc and /sys tree): other
processes' CPU use over a window (:func:`snapshot`, :func:`cpu_use`), the
cgroup CPU quota (:func:`cgroup_quota`) and the CPUs available. Judging the
readings is ``bench.doctor``'s job.

The machine id names the top directory of a results tree, so it must be stable
across runs on one host, different across hosts, and safe as a path segment
whatever the hostname holds. We use pyperf's own metadata collection where it
fits (CPU model, count, frequency, kernel, platform) so our ``meta.json``
speaks the same language as pyperf results.
"""

from __future__ import annotations

import math
import os
import platform
import re
import socket
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_segment(text: str, fallback: str = "unknown") -> str:
    """A string made safe as one path segment: no separators, no dot-dot, bounded length."""
    seg = _SAFE.sub("-", text).strip("-.")[:64]
    return seg or fallback


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.lower().startswith(("model name", "hardware", "cpu model")):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_id() -> str:
    """``<hostname>`` unless ``ESCAPEBENCH_MACHINE`` names the machine; always path-safe."""
    name = os.environ.get("ESCAPEBENCH_MACHINE") or socket.gethostname() or "machine"
    return safe_segment(name, "machine")


def collect() -> dict[str, Any]:
    """Machine metadata: pyperf's where available, plus what Go benchmarks depend on."""
    meta: dict[str, Any] = {}
    try:
        # lazy: pyperf's collector is private API (it may move: the except below) and
        # slow to import; only `bench run` collects machine metadata
        from pyperf._collect_metadata import collect_metadata

        meta.update(
            {k: v for k, v in collect_metadata().items() if isinstance(v, str | int | float)}
        )
    except Exception:  # pyperf internals changed: fall back to our own fields
        pass
    meta.update(
        {
            "machine": machine_id(),
            "hostname": socket.gethostname(),
            "cpu_model": cpu_model(),
            "cpu_count": os.cpu_count() or 0,
            "os": platform.system(),
            "kernel": platform.release(),
            "arch": platform.machine(),
            "python": sys.version.split()[0],
            "gomaxprocs_env": os.environ.get("GOMAXPROCS", ""),
            "gogc_env": os.environ.get("GOGC", ""),
        }
    )
    return meta


@dataclass(frozen=True)
class LoadSample:
    """The machine's load at one instant: what :func:`load_entry` differences.

    ``cpu``: the aggregate ``cpu`` line of /proc/stat (jiffies: user nice
    system idle iowait irq softirq steal); ``own``: CPU seconds used by this
    process and its finished children (the benchmarks), so the CPU the
    *neighbours* used can be told apart from ours.
    """

    t: float
    loadavg1: float | None
    cpu: tuple[int, ...] | None
    own: float


def load_sample() -> LoadSample:
    try:
        load1: float | None = os.getloadavg()[0]
    except (OSError, AttributeError):
        load1 = None
    cpu = None
    try:
        with open("/proc/stat", encoding="ascii") as f:
            first = f.readline().split()
        if first and first[0] == "cpu":
            cpu = tuple(int(x) for x in first[1:9])
    except (OSError, ValueError):
        pass
    t = os.times()
    return LoadSample(
        time.time(), load1, cpu, t.user + t.system + t.children_user + t.children_system
    )


def load_entry(
    rnd: int, start: LoadSample, end: LoadSample, last: int | None = None
) -> dict[str, Any]:
    """The load record of rounds ``rnd``..``last`` (one group) for meta.json.

    ``t``: Unix time of the group's start; ``seconds``: its duration;
    ``loadavg1``/``loadavg1_end``: the 1-minute load average at its start and
    end; ``steal_pct``: the share of CPU time the hypervisor gave
    to other guests during the round (/proc/stat ``steal``; None where the
    kernel does not report it); ``others_pct``: the share of all CPUs that
    processes other than escapebench and its benchmarks used during the round.
    """
    steal = others = None
    if start.cpu and end.cpu and len(start.cpu) == len(end.cpu) == 8:
        d = [b - a for a, b in zip(start.cpu, end.cpu, strict=True)]
        total = sum(d)
        if total > 0:
            steal = 100.0 * d[7] / total
            busy = total - d[3] - d[4]  # everything but idle and iowait
            hz = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
            mine = (end.own - start.own) * hz
            others = min(100.0, max(0.0, 100.0 * (busy - d[7] - mine) / total))
    return {
        "round": rnd,
        "last_round": rnd if last is None else last,
        "t": round(start.t, 2),
        "seconds": round(end.t - start.t, 3),
        "loadavg1": _round2(start.loadavg1),
        "loadavg1_end": _round2(end.loadavg1),
        "steal_pct": None if steal is None else round(steal, 2),
        "others_pct": None if others is None else round(others, 1),
    }


def _round2(x: float | None) -> float | None:
    return None if x is None else round(x, 2)


class LoadLog:
    """Groups consecutive rounds into load records of at least ``window`` seconds.

    /proc/stat counts in jiffies (10 ms): over one 25 ms round the CPU shares
    are mostly rounding, so short rounds are pooled until the group lasts two
    seconds (400 jiffies on two CPUs: shares to a quarter of a percent).
    """

    def __init__(self, sink: list[dict[str, Any]], window: float = 2.0) -> None:
        self.sink = sink
        self.window = window
        self._start: LoadSample | None = None
        self._first = 0

    def start(self, rnd: int) -> None:
        if self._start is None:
            self._start, self._first = load_sample(), rnd

    def end(self, rnd: int, *, force: bool = False) -> None:
        if self._start is None:
            return
        now = load_sample()
        if force or now.t - self._start.t >= self.window:
            self.sink.append(load_entry(self._first, self._start, now, rnd))
            self._start = None


#: Thresholds of :func:`load_changed` (see its docstring for why).
LOAD_RATIO = 2.0
LOAD_FLOOR = 1.0
STEAL_PCT = 5.0
OTHERS_SPREAD_PCT = 25.0


def load_changed(entries: Iterable[Mapping[str, Any]]) -> str | None:
    """Why the load changed a lot during a run (one phrase), or None when it did not.

    Pure: give it ``meta["load"]``. The rule, any of:

    * the 1-minute load average's maximum is at least 2× its minimum, the
      minimum floored at 1.0 — our own benchmark keeps one CPU busy, so an
      idle machine's load average climbs from ~0 to ~1 during any run, and
      that is not a neighbour;
    * CPU steal above 5 % in some round (another guest on the host took the
      CPU: on such machines this is the usual cause of slow rounds);
    * the share of the CPUs used by other processes differs by 25 percentage
      points or more between rounds.

    The thresholds are conventions, not tests: the flag tells a reader to
    prefer across-runs intervals (``bench run --repeat``) for this run.
    """
    rows = list(entries)
    loads = [
        v
        for r in rows
        for v in (r.get("loadavg1"), r.get("loadavg1_end"))
        if isinstance(v, int | float)
    ]
    steal = [r["steal_pct"] for r in rows if isinstance(r.get("steal_pct"), int | float)]
    others = [r["others_pct"] for r in rows if isinstance(r.get("others_pct"), int | float)]
    why = []
    if loads and max(loads) >= LOAD_RATIO * max(min(loads), LOAD_FLOOR):
        why.append(f"load average {min(loads):.2f} to {max(loads):.2f}")
    if steal and max(steal) > STEAL_PCT:
        why.append(f"CPU steal up to {max(steal):.0f} %")
    if others and max(others) - min(others) >= OTHERS_SPREAD_PCT:
        why.append(f"other processes used {min(others):.0f}–{max(others):.0f} % of the CPUs")
    return "; ".join(why) or None


# --- readings for ``bench doctor`` (bench.doctor judges them) -----------------------------

#: A single process using this much of one CPU (percent) is named by :func:`cpu_use`.
CULPRIT_PCT = 5.0


class Reader:
    """Reads /proc and /sys under ``root``; ``None`` for a file that is missing or unreadable.

    ``pid`` is the process whose own CPU use (and its children's) does not
    count as a neighbour's; ``affinity`` (the CPUs we may run on) defaults to
    ``os.sched_getaffinity``; ``env`` to ``os.environ``.
    """

    def __init__(
        self,
        root: str | Path = "/",
        *,
        pid: int | None = None,
        affinity: Iterable[int] | None = None,
        env: Mapping[str, str] | None = None,
        clock_ticks: int | None = None,
    ) -> None:
        self.root = Path(root)
        self.pid = os.getpid() if pid is None else pid
        self._affinity = None if affinity is None else frozenset(affinity)
        self.env = os.environ if env is None else env
        self.clock_ticks = clock_ticks or _clock_ticks()

    def text(self, rel: str) -> str | None:
        try:
            return (self.root / rel.lstrip("/")).read_text(encoding="utf-8", errors="replace")
        except (OSError, ValueError):
            return None

    def first_line(self, rel: str) -> str | None:
        t = self.text(rel)
        return None if t is None else (t.splitlines() or [""])[0].strip()

    def listdir(self, rel: str) -> list[str]:
        try:
            return sorted(os.listdir(self.root / rel.lstrip("/")))
        except OSError:
            return []

    def affinity(self) -> frozenset[int] | None:
        if self._affinity is not None:
            return self._affinity
        try:
            return frozenset(os.sched_getaffinity(0))
        except (AttributeError, OSError):
            return None


def _clock_ticks() -> int:
    try:
        return int(os.sysconf("SC_CLK_TCK"))
    except (AttributeError, ValueError, OSError):
        return 100


# --- CPU use over a window ---------------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    """CPU counters at one instant: /proc/stat's ``cpu`` line and every process's times (ticks).

    ``procs`` maps pid to (command, parent pid, utime + stime); ``own``:
    the reader's process's utime + stime + cutime + cstime.
    """

    t: float
    cpu: tuple[int, ...] | None
    procs: Mapping[int, tuple[str, int, int]]
    own: int | None


def _proc_stat(text: str) -> tuple[str, int, list[int]] | None:
    """(comm, ppid, numeric fields from utime on) of one /proc/<pid>/stat, or None."""
    try:
        lpar, rpar = text.index("("), text.rindex(")")
        rest = text[rpar + 2 :].split()
        return text[lpar + 1 : rpar], int(rest[1]), [int(x) for x in rest[11:15]]
    except (ValueError, IndexError):
        return None


def snapshot(reader: Reader, clock: Callable[[], float] = time.monotonic) -> Snapshot:
    cpu = None
    stat = reader.first_line("proc/stat")
    if stat:
        parts = stat.split()
        if parts[0] == "cpu" and len(parts) >= 5:
            try:
                cpu = tuple(int(x) for x in parts[1:9])
            except ValueError:
                cpu = None
    procs: dict[int, tuple[str, int, int]] = {}
    own = None
    for name in reader.listdir("proc"):
        if not name.isdigit():
            continue
        text = reader.text(f"proc/{name}/stat")
        got = _proc_stat(text) if text else None
        if got is None:
            continue  # exited meanwhile
        comm, ppid, times = got
        procs[int(name)] = (comm, ppid, times[0] + times[1])
        if int(name) == reader.pid:
            own = sum(times)
    return Snapshot(clock(), cpu, procs, own)


def _ours(procs: Mapping[int, tuple[str, int, int]], pid: int) -> set[int]:
    """``pid`` and its descendants."""
    children: dict[int, list[int]] = {}
    for p, (_, ppid, _) in procs.items():
        children.setdefault(ppid, []).append(p)
    mine, todo = set(), [pid]
    while todo:
        p = todo.pop()
        if p not in mine:
            mine.add(p)
            todo.extend(children.get(p, []))
    return mine


@dataclass(frozen=True)
class CpuUse:
    """What :func:`cpu_use` found: shares in percent, ``top`` as (command, pid, % of one CPU)."""

    seconds: float
    cpus: int
    others_pct: float | None
    steal_pct: float | None
    top: tuple[tuple[str, int, float], ...]


def cpu_use(a: Snapshot, b: Snapshot, pid: int, clock_ticks: int) -> CpuUse:
    """Other processes' share of all CPUs between two snapshots, and the biggest users.

    The share comes from /proc/stat (so processes that came and went inside
    the window count) minus our own process tree's ticks; the names come from
    /proc/<pid>/stat of the processes alive at the end.
    """
    seconds = max(b.t - a.t, 1e-9)
    mine = _ours(b.procs, pid) | _ours(a.procs, pid)
    top = []
    for p, (comm, _, ticks) in b.procs.items():
        if p in mine:
            continue
        before = a.procs.get(p)
        used = ticks - (before[2] if before else 0)  # a kworker renames itself: pid only
        pct = 100.0 * used / clock_ticks / seconds
        if pct >= CULPRIT_PCT:
            top.append((comm, p, round(pct, 1)))
    top.sort(key=lambda x: -x[2])
    others = steal = None
    cpus = 0
    if a.cpu and b.cpu and len(a.cpu) == len(b.cpu) >= 4:
        d = [y - x for x, y in zip(a.cpu, b.cpu, strict=True)]
        total = sum(d)
        cpus = max(1, round(total / clock_ticks / seconds))
        if total > 0:
            steal_ticks = d[7] if len(d) > 7 else 0
            steal = 100.0 * steal_ticks / total if len(d) > 7 else None
            own = 0
            if a.own is not None and b.own is not None:
                own = b.own - a.own
            mine_alive = sum(
                b.procs[p][2] - a.procs.get(p, ("", 0, 0))[2] for p in mine - {pid} if p in b.procs
            )
            busy = total - d[3] - (d[4] if len(d) > 4 else 0) - steal_ticks
            others = min(100.0, max(0.0, 100.0 * (busy - own - mine_alive) / total))
    return CpuUse(seconds, cpus, others, steal, tuple(top[:5]))


def cgroup_quota(reader: Reader) -> tuple[float | None, str | None, int | None]:
    """(quota in CPUs or None for none, the file it came from, nr_throttled) of our cgroup.

    The tightest quota on the way from our cgroup up to the root counts
    (a parent's quota limits its children). (None, None, None) when no
    cgroup file could be read at all.
    """
    lines = (reader.text(f"proc/{reader.pid}/cgroup") or "").splitlines()
    found: list[tuple[float | None, str, int | None]] = []
    for ln in lines:
        parts = ln.split(":", 2)
        if len(parts) != 3:
            continue
        _, controllers, path = parts
        if controllers == "":
            bases = ["sys/fs/cgroup"]
            files = ("cpu.max",)
        elif "cpu" in controllers.split(","):
            bases = [
                f"sys/fs/cgroup/{controllers}",
                "sys/fs/cgroup/cpu",
                "sys/fs/cgroup/cpu,cpuacct",
            ]
            files = ("cpu.cfs_quota_us", "cpu.cfs_period_us")
        else:
            continue
        for base in dict.fromkeys(bases):
            got = _quota_up(reader, base, path, files)
            if got is not None:
                found.append(got)
                break
    if not found:
        return None, None, None
    limited = [f for f in found if f[0] is not None]
    quota, src, throttled = min(limited, key=lambda f: f[0] or 0) if limited else found[0]
    return quota, src, throttled


def _quota_up(
    reader: Reader, base: str, path: str, files: Sequence[str]
) -> tuple[float | None, str, int | None] | None:
    """The tightest quota from ``base/path`` up to ``base`` (a namespaced path may not exist)."""
    segs = [s for s in path.strip("/").split("/") if s]
    best: tuple[float | None, str, int | None] | None = None
    for i in range(len(segs), -1, -1):
        d = "/".join([base, *segs[:i]])
        q = _quota_at(reader, d, files)
        if q is None:
            continue
        stat = reader.text(f"{d}/cpu.stat") or ""
        throttled = next(
            (int(x.split()[1]) for x in stat.splitlines() if x.startswith("nr_throttled ")),
            None,
        )
        here = (q if q != math.inf else None, f"/{d}/{files[0]}", throttled)
        if best is None or (here[0] is not None and (best[0] is None or here[0] < best[0])):
            best = here
    return best


def _quota_at(reader: Reader, d: str, files: Sequence[str]) -> float | None:
    """CPUs allowed by the quota file(s) in ``d``; inf for no quota, None when unreadable."""
    try:
        if len(files) == 1:
            text = reader.first_line(f"{d}/{files[0]}")
            if not text:
                return None
            q, period = [*text.split(), "100000"][:2]
            return math.inf if q == "max" else int(q) / int(period)
        q_text = reader.first_line(f"{d}/{files[0]}")
        p_text = reader.first_line(f"{d}/{files[1]}")
        if not q_text or not p_text:
            return None
        q_us = int(q_text)
        return math.inf if q_us < 0 else q_us / int(p_text)
    except (ValueError, ZeroDivisionError):
        return None


def online_cpus(reader: Reader) -> int | None:
    """How many CPUs are online (``/sys/devices/system/cpu/online``, e.g. ``0-3,6``)."""
    text = reader.first_line("sys/devices/system/cpu/online")
    if not text:
        return None
    n = 0
    try:
        for part in text.split(","):
            lo, _, hi = part.partition("-")
            n += int(hi or lo) - int(lo) + 1
    except ValueError:
        return None
    return n


def available_cpus(reader: Reader) -> int:
    aff = reader.affinity()
    return len(aff) if aff else (online_cpus(reader) or os.cpu_count() or 1)
