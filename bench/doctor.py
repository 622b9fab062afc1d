"""Check the machine before measuring: what would make benchmarks on it unreliable.

Like pyperf's ``system show``, but read-only and about what moves Go
benchmark timings on a shared machine: other processes taking the CPU, the
load average, the CPU frequency governor and turbo boost, a cgroup CPU quota,
GOMAXPROCS against the CPUs this process may use, and a VM's steal time. Each
check is a :class:`Check` record (value, verdict, what it means, what to do);
nothing here prints. ``bench doctor`` renders them (:func:`render_text`,
:func:`to_json`); ``bench run`` asks :func:`busy_warning` for one line at its
start and stores :func:`doctor_record` in meta.json.

Every reading goes through a ``bench.machine.Reader`` rooted at ``/``, so tests
fake a ``/proc`` and ``/sys`` tree in a temporary directory. Linux only in substance:
elsewhere the files are missing and the checks say ``unknown``.

Neighbours: ``bench.machine`` (the readings, what the machine is, its load during a run).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bench.machine import (
    CpuUse,
    Reader,
    available_cpus,
    cgroup_quota,
    cpu_use,
    online_cpus,
    snapshot,
)

OK, WARN, UNKNOWN = "ok", "warn", "unknown"

#: Other processes' share of all CPUs (percent) from which the machine counts as busy.
OTHERS_PCT = 10.0
#: CPU steal (percent of CPU time) from which a VM's neighbours matter.
STEAL_PCT = 5.0
#: Load average per available CPU from which the machine counts as loaded.
LOAD_PER_CPU = 0.5
#: Sampling windows (seconds): ``bench doctor``'s and the quick one at the start of ``bench run``.
WINDOW = 1.0
QUICK_WINDOW = 0.25


@dataclass(frozen=True)
class Check:
    """One finding: ``name`` is stable (JSON, meta.json), the rest is for people.

    ``verdict`` is ``ok``, ``warn`` (this will add noise or bias: act on
    ``advice``) or ``unknown`` (the kernel does not expose it here);
    ``data`` holds the numbers behind ``value``, JSON-safe.
    """

    name: str
    title: str
    value: str
    verdict: str
    meaning: str
    advice: str = ""
    data: Mapping[str, Any] = field(default_factory=dict)


# --- the checks ------------------------------------------------------------------------------


def check_others(use: CpuUse) -> Check:
    meaning = (
        "CPU time other processes take while a benchmark runs is time the benchmark waits: "
        "the largest source of error on a shared machine."
    )
    if use.others_pct is None:
        return Check("others_cpu", "other processes", "no /proc/stat", UNKNOWN, meaning)
    names = ", ".join(f"{c} (pid {p}) {pct:.0f} %" for c, p, pct in use.top)
    value = f"{use.others_pct:.1f} % of {use.cpus} CPUs over {use.seconds:.2f} s"
    if names:
        value += f"; busiest: {names}"
    busy = use.others_pct >= OTHERS_PCT
    return Check(
        "others_cpu",
        "other processes",
        value,
        WARN if busy else OK,
        meaning,
        "stop them, or wait until they finish; else prefer `bench run --repeat` and "
        "across-runs intervals"
        if busy
        else "",
        {
            "others_pct": round(use.others_pct, 1),
            "window_s": round(use.seconds, 3),
            "top": [{"command": c, "pid": p, "cpu_pct": pct} for c, p, pct in use.top],
        },
    )


def check_steal(use: CpuUse, reader: Reader) -> Check:
    cpuinfo = reader.text("proc/cpuinfo") or ""
    vm = any(ln.startswith("flags") and " hypervisor" in ln for ln in cpuinfo.splitlines())
    meaning = (
        "steal is CPU time the hypervisor gave to other guests while this VM wanted it: "
        "a benchmark's clock runs on while it does not."
    )
    if use.steal_pct is None:
        return Check("steal", "CPU steal (VM)", "not reported", UNKNOWN, meaning, data={"vm": vm})
    high = use.steal_pct > STEAL_PCT
    where = "a VM" if vm else "no hypervisor flag"
    return Check(
        "steal",
        "CPU steal (VM)",
        f"{use.steal_pct:.1f} % over {use.seconds:.2f} s ({where})",
        WARN if high else OK,
        meaning,
        "the host is oversubscribed: use a dedicated host or instance type, or repeat runs "
        "at other times and compare across runs"
        if high
        else "",
        {"steal_pct": round(use.steal_pct, 2), "vm": vm},
    )


def check_loadavg(reader: Reader, cpus: int) -> Check:
    meaning = (
        "the 1-minute average of runnable (and disk-waiting) tasks; it lags by a minute, so "
        "it also shows what just finished (a build) — `other processes` is the present."
    )
    line = reader.first_line("proc/loadavg")
    try:
        load1, load5, load15 = (float(x) for x in (line or "").split()[:3])
    except ValueError:
        return Check("loadavg", "load average", "no /proc/loadavg", UNKNOWN, meaning)
    high = load1 > LOAD_PER_CPU * cpus
    return Check(
        "loadavg",
        "load average",
        f"{load1:.2f} {load5:.2f} {load15:.2f} (1, 5, 15 min) on {cpus} CPUs",
        WARN if high else OK,
        meaning,
        f"above {LOAD_PER_CPU:g} per CPU: wait for it to fall, or find the busy processes (`top`)"
        if high
        else "",
        {"loadavg1": load1, "loadavg5": load5, "loadavg15": load15, "cpus": cpus},
    )


def _cpu_dirs(reader: Reader) -> list[str]:
    return [
        d
        for d in reader.listdir("sys/devices/system/cpu")
        if d.startswith("cpu") and d[3:].isdigit()
    ]


def check_governor(reader: Reader) -> Check:
    meaning = (
        "a governor other than `performance` changes the CPU clock with the load, so the "
        "first milliseconds of every short benchmark process run slower than the rest."
    )
    govs: dict[str, list[str]] = {}
    for d in _cpu_dirs(reader):
        g = reader.first_line(f"sys/devices/system/cpu/{d}/cpufreq/scaling_governor")
        if g:
            govs.setdefault(g, []).append(d)
    if not govs:
        return Check(
            "governor",
            "CPU frequency governor",
            "not exposed (no cpufreq: usual in a VM or container, where the host decides)",
            UNKNOWN,
            meaning,
        )
    value = ", ".join(f"{g} ({len(ds)} CPUs)" for g, ds in sorted(govs.items()))
    bad = sorted(g for g in govs if g != "performance")
    return Check(
        "governor",
        "CPU frequency governor",
        value,
        WARN if bad else OK,
        meaning,
        "set it: `sudo cpupower frequency-set -g performance` (pyperf: `pyperf system tune`)"
        if bad
        else "",
        {"governors": {g: len(ds) for g, ds in govs.items()}},
    )


def check_turbo(reader: Reader) -> Check:
    meaning = (
        "turbo boost raises the clock while the chip is cool and few cores are busy, so the "
        "same code runs at different speeds depending on heat and on the neighbours."
    )
    no_turbo = reader.first_line("sys/devices/system/cpu/intel_pstate/no_turbo")
    boost = reader.first_line("sys/devices/system/cpu/cpufreq/boost")
    if no_turbo in ("0", "1"):
        on, source = no_turbo == "0", "intel_pstate/no_turbo"
    elif boost in ("0", "1"):
        on, source = boost == "1", "cpufreq/boost"
    else:
        return Check(
            "turbo",
            "turbo boost",
            "not exposed (usual in a VM or container)",
            UNKNOWN,
            meaning,
        )
    return Check(
        "turbo",
        "turbo boost",
        f"{'enabled' if on else 'disabled'} ({source})",
        WARN if on else OK,
        meaning,
        f"disable it for the run: write {'1' if source.startswith('intel') else '0'} to "
        f"/sys/devices/system/cpu/{source} (pyperf: `pyperf system tune`)"
        if on
        else "",
        {"enabled": on, "source": source},
    )


def check_quota(reader: Reader, cpus: int) -> Check:
    meaning = (
        "a cgroup CPU quota lets the container use only so much CPU time per period (100 ms "
        "by default); a process that uses it up early is stopped until the period ends, "
        "which shows as rare samples many milliseconds too slow."
    )
    quota, src, throttled = cgroup_quota(reader)
    data: dict[str, Any] = {"quota_cpus": quota, "file": src, "nr_throttled": throttled}
    if src is None:
        return Check("cgroup_quota", "cgroup CPU quota", "no cgroup cpu files", UNKNOWN, meaning)
    note = "" if throttled is None else f"; throttled {throttled} times so far"
    if quota is None:
        return Check(
            "cgroup_quota", "cgroup CPU quota", f"none ({src}){note}", OK, meaning, data=data
        )
    tight = quota < cpus
    return Check(
        "cgroup_quota",
        "cgroup CPU quota",
        f"{quota:g} CPUs ({src}) for {cpus} available CPUs{note}",
        WARN if tight else OK,
        meaning,
        f"raise the quota to {cpus} CPUs or more, or run with "
        f"GOMAXPROCS={max(1, math.floor(quota))} (and `taskset` to as many CPUs) so the "
        "benchmark cannot outrun it"
        if tight
        else "",
        data,
    )


def check_gomaxprocs(reader: Reader) -> Check:
    meaning = (
        "GOMAXPROCS is how many threads run Go code at once; more than the CPUs this process "
        "may use (affinity, quota) makes the runtime's workers (the GC's among them) wait for "
        "each other, fewer measures a smaller machine."
    )
    cpus = available_cpus(reader)
    online = online_cpus(reader)
    quota, _, _ = cgroup_quota(reader)
    limit = cpus if quota is None else min(cpus, max(1, math.ceil(quota)))
    raw = reader.env.get("GOMAXPROCS", "")
    data: dict[str, Any] = {
        "gomaxprocs_env": raw,
        "available_cpus": cpus,
        "online_cpus": online,
        "quota_cpus": quota,
    }
    where = f"{cpus} CPUs available" + (f" of {online} online" if online else "")
    if not raw:
        if limit < cpus:
            return Check(
                "gomaxprocs",
                "GOMAXPROCS",
                f"unset; {where}, quota {quota:g} CPUs",
                WARN,
                meaning,
                f"Go 1.25 and later use {limit} (the quota); older Go uses {cpus} and is "
                f"throttled: set GOMAXPROCS={limit} to measure every version alike",
                data,
            )
        return Check(
            "gomaxprocs", "GOMAXPROCS", f"unset: Go uses {cpus} ({where})", OK, meaning, data=data
        )
    try:
        n = int(raw)
        if n < 1:
            raise ValueError(raw)
    except ValueError:
        return Check(
            "gomaxprocs",
            "GOMAXPROCS",
            f"{raw!r} is not a positive integer; Go ignores it",
            WARN,
            meaning,
            "unset GOMAXPROCS or give it a number of CPUs",
            data,
        )
    over = n > limit
    return Check(
        "gomaxprocs",
        "GOMAXPROCS",
        f"{n} ({where}" + (f", quota {quota:g} CPUs)" if quota is not None else ")"),
        WARN if over else OK,
        meaning,
        f"set GOMAXPROCS to {limit} or fewer, or give the process more CPUs" if over else "",
        data,
    )


# --- all together ------------------------------------------------------------------------------


def diagnose(
    reader: Reader | None = None,
    window: float = WINDOW,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> list[Check]:
    """Every check, in the order ``bench doctor`` shows them; takes about ``window`` seconds.

    ``sleep`` and ``clock`` are the window's (tests change the fake tree in ``sleep``).
    """
    reader = reader or Reader()
    a = snapshot(reader, clock)
    sleep(window)
    b = snapshot(reader, clock)
    use = cpu_use(a, b, reader.pid, reader.clock_ticks)
    cpus = available_cpus(reader)
    return [
        check_others(use),
        check_loadavg(reader, cpus),
        check_steal(use, reader),
        check_quota(reader, cpus),
        check_gomaxprocs(reader),
        check_governor(reader),
        check_turbo(reader),
    ]


#: The checks that make the machine *busy* now (the others are its configuration).
BUSY = ("others_cpu", "steal")


def busy_warning(checks: Sequence[Check] | None = None) -> str | None:
    """One line for the start of ``bench run`` when the machine is busy now, else None.

    Without ``checks`` it samples for :data:`QUICK_WINDOW` seconds; give it the
    checks of :func:`diagnose` to share one window with :func:`doctor_record`.
    """
    if checks is None:
        checks = diagnose(window=QUICK_WINDOW)
    busy = [c for c in checks if c.name in BUSY and c.verdict == WARN]
    if not busy:
        return None
    what = []
    for c in busy:
        if c.name == "others_cpu":
            top = ", ".join(f"{t['command']} {t['cpu_pct']:.0f} %" for t in c.data["top"][:3])
            what.append(
                f"other processes use {c.data['others_pct']:.0f} % of the CPUs"
                + (f" ({top})" if top else "")
            )
        else:
            what.append(f"CPU steal {c.data['steal_pct']:.0f} %")
    return (
        f"warning: the machine is busy: {'; '.join(what)}: expect noisier numbers "
        "(`bench doctor` says more)"
    )


def doctor_record(checks: Sequence[Check] | None = None) -> dict[str, Any]:
    """The checks as one JSON-safe dict for meta.json: verdict, value and numbers per check.

    Without ``checks`` it samples for :data:`QUICK_WINDOW` seconds.
    """
    if checks is None:
        checks = diagnose(window=QUICK_WINDOW)
    return {
        "warnings": [c.name for c in checks if c.verdict == WARN],
        "checks": {
            c.name: {"verdict": c.verdict, "value": c.value, **_json_safe(c.data)} for c in checks
        },
    }


def _json_safe(data: Mapping[str, Any]) -> dict[str, Any]:
    return {
        k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in data.items()
    }


def to_json(checks: Sequence[Check]) -> dict[str, Any]:
    """``bench doctor --format json``: every field of every check."""
    return {
        "warnings": sum(c.verdict == WARN for c in checks),
        "checks": [
            {
                "name": c.name,
                "title": c.title,
                "value": c.value,
                "verdict": c.verdict,
                "meaning": c.meaning,
                "advice": c.advice,
                "data": _json_safe(c.data),
            }
            for c in checks
        ],
    }


def render_text(checks: Sequence[Check]) -> str:
    """``bench doctor``'s text: one block per check, a summary line last."""
    width = max(len(c.title) for c in checks) if checks else 0
    lines = []
    for c in checks:
        lines.append(f"{c.verdict:<7} {c.title:<{width}}  {c.value}")
        if c.verdict != OK:
            lines.append(f"        {'':<{width}}  why: {c.meaning}")
        if c.advice:
            lines.append(f"        {'':<{width}}  do:  {c.advice}")
    warns = [c.title for c in checks if c.verdict == WARN]
    unknown = sum(c.verdict == UNKNOWN for c in checks)
    summary = (
        f"{len(warns)} warning{'s' if len(warns) != 1 else ''}"
        + (f" ({', '.join(warns)})" if warns else ": this machine looks fit for benchmarking")
        + (f"; {unknown} not exposed here" if unknown else "")
    )
    lines.append("")
    lines.append(summary)
    return "\n".join(lines) + "\n"
