"""Describe the machine a run happens on, and name it.

It also samples the machine's load around every round (:func:`load_sample`,
:func:`load_entry`, stored in meta.json), because on a shared machine the
neighbours are the largest source of error, and says when it changed a lot
during a run (:func:`load_changed`).

The machine id names the top directory of a results tree, so it must be stable
across runs on one host, different across hosts, and safe as a path segment
whatever the hostname holds. We use pyperf's own metadata collection where it
fits (CPU model, count, frequency, kernel, platform) so our ``meta.json``
speaks the same language as pyperf results.
"""

from __future__ import annotations

import os
import platform
import re
import socket
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
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
