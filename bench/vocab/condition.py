"""The pooling condition: the settings that must agree before samples of two runs may pool.

Built from a record's raw.txt config lines (``bench.vocab.keys``) and its
name's ``-N`` GOMAXPROCS suffix. Everything that pools samples (the escape
cost, the report, comparisons) keys on this one class; ``""`` means the run
did not record the setting.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from bench.model import Result
from bench.vocab import keys


@dataclass(frozen=True)
class Condition:
    """The settings that must agree before samples may be pooled ("" where unknown).

    ``module`` and ``sources`` say what was measured (module path and a hash
    of its sources), ``calibration`` the loop counts (a hash), ``process``
    whether a pair's variants shared a process: runs that measured other
    code, or the same code with other iteration counts or processes, are
    different conditions.
    """

    machine: str
    go: str
    gogc: str
    live_heap: str
    gomaxprocs: str
    benchtime: str
    count: str
    order: str
    module: str = ""
    sources: str = ""
    calibration: str = ""
    process: str = ""  # pair or cell: how a round's samples shared processes

    def differs(self, other: Condition) -> str | None:
        """The first setting in which ``other`` differs, as ``name (a vs b)``, or None."""
        for f in fields(self):
            a, b = getattr(self, f.name), getattr(other, f.name)
            if a != b:
                return f"{f.name} ({a or 'unknown'} vs {b or 'unknown'})"
        return None

    @property
    def label(self) -> str:
        """``go1.27.3 · xeon-2vcpu · GOGC=100 · live heap 0 · GOMAXPROCS=2 · interleaved``."""
        parts = [
            self.go,
            self.machine,
            self.gogc and f"GOGC={self.gogc}",
            self.live_heap and f"live heap {self.live_heap}",
            self.gomaxprocs and f"GOMAXPROCS={self.gomaxprocs}",
            self.benchtime and f"benchtime {self.benchtime}",
            self.count and f"count {self.count}",
            self.order or "sequential",
            self.process == "pair" and "pair processes",
        ]
        return " · ".join(p for p in parts if p)


def condition_of(r: Result) -> Condition:
    """The condition a record was measured under, from its config lines and name."""
    procs = r.name.procs
    return Condition(
        machine=r.config_value(keys.MACHINE) or r.config_value(keys.CPU) or "",
        go=r.config_value(keys.GO_VERSION) or "",
        gogc=r.config_value(keys.GOGC) or "",
        live_heap=r.config_value(keys.LIVE_HEAP) or "",
        gomaxprocs="" if procs is None else str(procs),
        benchtime=r.config_value(keys.BENCHTIME) or "",
        count=r.config_value(keys.COUNT) or "",
        order=r.config_value(keys.ORDER) or "",
        module=r.config_value(keys.MODULE) or "",
        sources=r.config_value(keys.SOURCES) or "",
        calibration=r.config_value(keys.CALIBRATION_ID) or "",
        process=_process(r),
    )


def _process(r: Result) -> str:
    """``pair`` or ``cell``; an interleaved run from before the key was one process per cell."""
    kind = r.config_value(keys.PROCESS) or ""
    return kind or ("cell" if r.config_value(keys.ORDER) == "interleaved" else "")


def differing_fields(conditions: list[Condition]) -> list[str]:
    """The settings that differ between ``conditions``: why they stay apart."""
    return [f.name for f in fields(Condition) if len({getattr(c, f.name) for c in conditions}) > 1]
