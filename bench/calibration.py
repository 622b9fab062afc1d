"""One calibration per series: the loop counts a pilot chose, named, stored and reused.

Every repeat of a series, and every later run that names a stored run
(``bench run --calibration RUN_DIR``), measures each cell with the same
iteration count: per-op time depends a little on the loop count (a sample's
fixed costs are spread over its loops), so runs that differ in it must not
pool. A pilot's loop counts (all toolchains and settings of one run group)
are named by a short hash (:func:`calibration_id`), written into raw.txt
(``keys.CALIBRATION_ID``) and meta.json, and part of the pooling condition; a
run that reuses part of a calibration (fewer cases, one toolchain) keeps its
id, since its cells have the same counts.

A stored calibration fits a request only when benchtime, order, toolchains and
GC settings agree and every asked cell was calibrated; anything else is
refused in one line naming what differs. Nothing here runs a process.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bench import store
from bench.errors import BenchError, InputError
from bench.plan import Cell, Plan, Setting


def calibration_id(loops: Mapping[str, int]) -> str:
    """A short stable hash of a pilot's loop counts (cell key -> loops; "" without any)."""
    items = sorted(f"{k}={n}" for k, n in loops.items())
    if not items:
        return ""
    return hashlib.sha256("\n".join(items).encode()).hexdigest()[:12]


@dataclass(frozen=True)
class Calibration:
    """The cells one pilot calibrated, their loop counts, and where they were piloted."""

    benchtime: str
    order: str
    cells: tuple[Cell, ...]
    loops: dict[str, int]  # cell key -> iterations
    per_op: dict[str, float] = field(default_factory=dict)  # cell key -> pilot sec/op
    id: str = ""  # calibration_id of the pilot's loop counts
    source: str = ""  # the run directory it was read from; "" when piloted in this series

    @classmethod
    def of(cls, plan: Plan, source: str = "") -> Calibration:
        """The calibration a plan measured with (ids computed for plans stored without them)."""
        return cls(
            benchtime=plan.benchtime,
            order=plan.order,
            cells=tuple(c for c in plan.cells if c.key in plan.calibration),
            loops=dict(plan.calibration),
            per_op=dict(plan.per_op),
            id=plan.calibration_id or calibration_id(plan.calibration),
            source=source or plan.calibration_from,
        )

    @property
    def empty(self) -> bool:
        return not self.loops


def load(run_dir: Path) -> Calibration:
    """The calibration stored in a run directory's meta.json (its plan)."""
    meta_path = Path(run_dir) / store.META
    if not meta_path.is_file():
        raise InputError(
            f"{run_dir}: no meta.json here: pass --calibration a run directory of `bench run`"
        )
    meta = store.read_json(meta_path, kind="meta")
    if "plan" not in meta:
        raise InputError(f"{meta_path}: no plan in it: pass a run directory of `bench run`")
    cal = Calibration.of(Plan.from_json(meta["plan"]), store.portable_path(run_dir))
    if cal.empty:
        raise InputError(
            f"{run_dir}: its run was not calibrated (order {cal.order}, benchtime "
            f"{cal.benchtime}): pass a run directory of an interleaved run with a benchtime "
            "like 40ms"
        )
    return cal


def _where(go: str, s: Setting) -> str:
    return f"{go} gogc={s.gogc} live-heap={s.live_heap}"


def apply(
    cal: Calibration,
    plan: Plan,
    gos: list[str],
    wanted: re.Pattern[str],
    broken: Mapping[str, set[str]],
) -> None:
    """Fill ``plan`` with the calibration's cells and loops for toolchains ``gos``.

    ``wanted`` selects cases by the top-level name (``--cases``), ``broken``
    the benchmarks per toolchain that did not compile. Refuses in one line
    when the calibration does not fit (benchtime, order, toolchain, GC
    setting, cells).
    """
    what = f"calibration of {cal.source}" if cal.source else "the series' calibration"
    if plan.benchtime != cal.benchtime or plan.order != cal.order:
        raise BenchError(
            f"{what} is for {cal.order} {cal.benchtime} samples, this run asks for "
            f"{plan.order} {plan.benchtime}: pass the same --benchtime/--order or leave "
            "--calibration out"
        )
    for go in gos:
        for setting in plan.settings:
            cells = [
                c
                for c in cal.cells
                if c.go == go
                and c.setting == setting
                and wanted.search(c.bench.split("/")[0])
                and f"Benchmark{c.bench.split('/')[0]}" not in broken.get(go, set())
                and (not c.cpu or not plan.cpus or c.cpu in plan.cpus)
            ]
            if not cells:
                stored = sorted({_where(c.go, c.setting) for c in cal.cells})
                raise BenchError(
                    f"{what} has no cells for {_where(go, setting)} (it has "
                    f"{', '.join(stored[:4])}{' …' if len(stored) > 4 else ''}): pass the "
                    "same --go/--gogc/--live-heap/--cases or leave --calibration out"
                )
            for c in cells:
                plan.cells.append(c)
                plan.calibration[c.key] = cal.loops[c.key]
                if c.key in cal.per_op:
                    plan.per_op[c.key] = cal.per_op[c.key]
    plan.calibration_id = cal.id
    plan.calibration_from = cal.source


def config_value(plan: Plan, go: str) -> str:
    """Calibrated loops per cell as one config value (one key: benchstat keeps one table)."""
    items = []
    for c in plan.cells:
        if c.go == go and c.key in plan.calibration:
            where = (
                ""
                if c.setting == Setting()
                else f"[gogc={c.setting.gogc},live-heap={c.setting.live_heap}]"
            )
            cpu = f"[cpu={c.cpu}]" if c.cpu else ""
            items.append(f"{c.bench}{where}{cpu}={plan.calibration[c.key]}x")
    return " ".join(items) if items else plan.benchtime
