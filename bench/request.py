"""What the user asked ``bench run`` for, as a library value, and its one set of checks.

``RunRequest`` mirrors the settings of a run. :meth:`RunRequest.parse` turns one
setting's text into its value or refuses it in one line (``count 0: must be at
least 1``): the command line's argparse types call it, so a flag is checked by
the same rule as a request made in code, which :meth:`RunRequest.check` runs
through the same function before anything is built or measured. Errors name
the setting (``SettingError``), never a flag: ``bench.cli`` says which flag.
Neighbours: ``bench.cli`` fills a request, ``bench.matrix`` runs it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.plan import (
    DEFAULT_BENCHTIME,
    DEFAULT_COUNT,
    DEFAULT_PROCESS,
    PROCESSES,
    QUICK_BENCHTIME,
    QUICK_COUNT,
    TARGET_COUNT,
    Setting,
    SettingError,
    parse_benchtime,
    parse_duration,
    parse_size,
)


def _integer(setting: str, low: int, what: str) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            n = int(str(text).strip())
        except ValueError:
            raise SettingError(setting, text, "not an integer") from None
        if n < low:
            raise SettingError(setting, text, f"must be at least {low} ({what})")
        return n

    return parse


def _items(setting: str, text: str, example: str) -> list[str]:
    items = [t.strip() for t in str(text).split(",")]
    if not str(text).strip() or not all(items):
        raise SettingError(setting, text, f"an empty list or item: pass e.g. {example}")
    return items


def _gogc(text: str) -> str:
    for g in _items("gogc", text, "100 or 50,100,off"):
        if g != "off" and not g.isdigit():
            raise SettingError("gogc", g, "not a percentage or 'off': pass e.g. 50,100,off")
    return str(text)


def _live_heap(text: str) -> str:
    for h in _items("live_heap", text, "0 or 0,64MiB"):
        parse_size(h)
    return str(text)


def _cpu(text: str) -> str:
    for c in _items("cpu", text, "1,2,4"):
        if not c.isdigit() or int(c) < 1:
            raise SettingError("cpu", text, f"GOMAXPROCS {c!r} is not an integer >= 1")
    return str(text)


def _benchtime(text: str) -> str:
    parse_benchtime(str(text))
    return str(text)


def _timeout(text: str) -> float:
    try:
        x = float(text)
    except ValueError:
        raise SettingError("timeout", text, "not a number") from None
    if not x > 0:
        raise SettingError("timeout", f"{x:g}", "must be more than 0 seconds per test binary")
    return x


def _target(text: str) -> float:
    """``5%`` or ``0.05``: the relative half-width a pair's interval must reach."""
    t = str(text).strip()
    try:
        x = float(t[:-1]) / 100 if t.endswith("%") else float(t)
    except ValueError:
        raise SettingError("target", text, "not a fraction or percentage: pass e.g. 5%") from None
    if not 0 < x < 1:
        raise SettingError("target", text, "must be between 0 and 100 %: pass e.g. 5%")
    return x


def _budget(text: str) -> float:
    """``3m``, ``90s`` or plain seconds: the wall time a run (or series) may take."""
    t = str(text).strip()
    try:
        x = float(t)
    except ValueError:
        seconds = parse_duration(t)
        if seconds is None:
            raise SettingError("budget", text, "not a duration: pass e.g. 3m or 90s") from None
        x = seconds
    if not x > 0:
        raise SettingError("budget", text, "must be more than 0 seconds")
    return x


def _order(text: str) -> str:
    if text not in ("interleaved", "sequential"):
        raise SettingError("order", text, "must be interleaved or sequential")
    return str(text)


def _process(text: str) -> str:
    if text not in PROCESSES:
        raise SettingError("process", text, f"must be {' or '.join(PROCESSES)}")
    return str(text)


#: setting -> its parser: the one rule for each setting's values
_PARSERS: dict[str, Callable[[str], Any]] = {
    "count": _integer("count", 1, "rounds per benchmark"),
    "repeat": _integer("repeat", 1, "complete runs"),
    "samples_per_round": _integer("samples_per_round", 1, "samples per process"),
    "seed": _integer("seed", 0, "a shuffle seed"),
    "benchtime": _benchtime,
    "gogc": _gogc,
    "live_heap": _live_heap,
    "cpu": _cpu,
    "timeout": _timeout,
    "order": _order,
    "process": _process,
    "target": _target,
    "budget": _budget,
}


@dataclass
class RunRequest:
    """What the user asked ``bench run`` for (its settings, as a library value)."""

    go: str | None = None
    count: int | None = None
    benchtime: str | None = None
    cases: str | None = None
    results: Path = Path("results")
    quick: bool = False
    order: str = "interleaved"
    process: str = DEFAULT_PROCESS  # pair: a pair's variants share one process (bench.plan)
    seed: int | None = None
    gogc: str = "100"
    live_heap: str = "0"
    cpu: str | None = None
    timeout: float | None = None
    module: Path | None = None
    argv: Sequence[str] = ()
    samples_per_round: int = 1
    repeat: int = 1  # complete runs, each its own run directory and seed
    calibration: Path | None = None  # a run directory whose loop counts to reuse
    recalibrate: bool = False  # pilot anew even when a stored calibration fits
    target: float | None = None  # stop a pair when its interval is this narrow (0.05: ±5 %)
    budget: float | None = None  # seconds the whole series may take; whole rounds only

    @staticmethod
    def parse(setting: str, text: str) -> Any:
        """One setting's value from its text, or a ``SettingError`` naming the setting."""
        return _PARSERS[setting](text)

    def check(self) -> list[Setting]:
        """Every setting through :meth:`parse`; returns the GC settings the request names."""
        for name in _PARSERS:
            value = getattr(self, name)
            if value is not None:
                self.parse(name, str(value))
        if self.calibration is not None and self.recalibrate:
            raise SettingError(
                "recalibrate",
                "true",
                "a new pilot and a stored run's calibration exclude each other: leave one out",
            )
        self.parse("count", str(self.resolved_count()))
        self.parse("benchtime", self.resolved_benchtime())
        return self.settings()

    def settings(self) -> list[Setting]:
        """The GC settings: every GOGC value with every live heap size."""
        gogcs = [g.strip() for g in self.gogc.split(",")]
        heaps = [h.strip() for h in self.live_heap.split(",")]
        return [Setting(g, h) for g in gogcs for h in heaps]

    def cpus(self) -> list[int]:
        """The GOMAXPROCS list for parallel benchmarks ([] when not asked)."""
        return [int(c) for c in self.cpu.split(",")] if self.cpu else []

    def resolved_count(self) -> int:
        if self.count is not None:  # 0 is a value to refuse, not "the default"
            return self.count
        if self.target is not None:  # the target decides, up to TARGET_COUNT rounds
            return TARGET_COUNT
        return QUICK_COUNT if self.quick else DEFAULT_COUNT

    def resolved_benchtime(self) -> str:
        if self.benchtime is not None:
            return self.benchtime
        return QUICK_BENCHTIME if self.quick else DEFAULT_BENCHTIME
