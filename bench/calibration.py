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

**Stored calibrations** (:func:`save`, :func:`lookup`): the pilot paid once
per machine × toolchain × condition. Every pilot's loop counts are kept as
one file per toolchain × GC setting, keyed by benchtime, order, the measured
module and the hash of its sources, the ``--cases`` filter and ``--cpu``
list; a later run on the same machine asking for the same condition reuses
them (``bench run --recalibrate`` pilots anew and replaces them). They live
in the results tree, ``<results>/<machine>/calibrations/<go>/<key>.json``,
not in the cache: the calibration id is part of the pooling condition of
every run that used it, so the loop counts must live and travel with those
runs (a wiped cache would otherwise silently start a new condition, and runs
made after it would no longer pool with the ones before); the tree is
already per machine, ``--results`` keeps separate trees apart, and
``store.find_runs`` never takes the directory for a run (no raw.txt in it).
One calibration per series still holds: a run reuses stored slices only when
every toolchain × setting it asks for is there *from one pilot* (one id, kept
as is, like ``--calibration RUN_DIR`` with fewer cases); otherwise it pilots
all of them and stores the new pilot. A damaged file (unreadable JSON, no or
a future schema, other keys than its name says, loop counts that do not
match their own hash) is named in one warning value and re-made by the new
pilot, never used.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench import machine as _machine
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
    together: dict[str, str] = field(default_factory=dict)  # pairs sharing a process

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
            together={k: v for k, v in plan.together.items() if k in plan.calibration},
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
    if cal.together and plan.process != "pair":
        raise BenchError(
            f"{what} gives pairs one process and one loop count, this run asks for "
            f"--process {plan.process}: pass --process pair or leave --calibration out"
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
    plan.together.update(
        {a: b for a, b in cal.together.items() if a in plan.calibration and b in plan.calibration}
    )
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


# --- stored calibrations: the pilot paid once per machine × toolchain × condition ------

#: The directory under ``<results>/<machine>/`` that holds stored calibrations.
STORE_DIR = "calibrations"
_KIND = "escapebench calibration"


@dataclass(frozen=True)
class Where:
    """What a stored calibration is for, besides toolchain and GC setting (the file's key)."""

    machine: str
    benchtime: str
    order: str
    module: str  # import path (or portable path) of the measured package
    sources: str  # hash of its sources (``bench.cases.measured_sources``)
    cases: str = ""  # the --cases filter ("" = all)
    cpus: tuple[int, ...] = ()
    process: str = "cell"  # --process: pair calibrations give a pair one loop count

    def key(self, go: str, setting: Setting) -> dict[str, object]:
        return {
            "machine": self.machine,
            "go": go,
            "gogc": setting.gogc,
            "live_heap": setting.live_heap,
            "benchtime": self.benchtime,
            "order": self.order,
            "module": self.module,
            "sources": self.sources,
            "cases": self.cases,
            "cpus": list(self.cpus),
            "process": self.process,
        }

    def path(self, root: Path, go: str, setting: Setting) -> Path:
        digest = hashlib.sha256(json.dumps(self.key(go, setting), sort_keys=True).encode())
        return (
            Path(root)
            / _machine.safe_segment(self.machine, "machine")
            / STORE_DIR
            / _machine.safe_segment(go, "go")
            / f"{digest.hexdigest()[:16]}.json"
        )


def save(cal: Calibration, root: Path, where: Where) -> list[Path]:
    """Store a pilot's loop counts, one file per toolchain × GC setting (replacing older ones)."""
    slices: dict[tuple[str, Setting], list[Cell]] = {}
    for c in cal.cells:
        slices.setdefault((c.go, c.setting), []).append(c)
    paths = []
    for (go, setting), cells in slices.items():
        loops = {c.key: cal.loops[c.key] for c in cells}
        path = where.path(root, go, setting)
        path.parent.mkdir(parents=True, exist_ok=True)
        store.write_json(
            path,
            {
                "kind": _KIND,
                "key": where.key(go, setting),
                "id": cal.id,
                "source": cal.source,
                "cells": [{"bench": c.bench, "cpu": c.cpu} for c in cells],
                "loops": loops,
                "per_op": {k: cal.per_op[k] for k in loops if k in cal.per_op},
                "together": {k: v for k, v in cal.together.items() if k in loops},
                "hash": calibration_id(loops),
            },
        )
        paths.append(path)
    return paths


def _read_slice(path: Path, key: dict[str, object], go: str, setting: Setting) -> dict:
    """One stored slice, checked; a ``BenchError`` with the reason when it is damaged."""
    data = store.read_json(path, kind="calibration")
    if data.get("kind") != _KIND or data.get("key") != key:
        raise InputError(f"{path}: not the calibration its name says")
    cells = [Cell(go, str(c["bench"]), setting, c.get("cpu")) for c in data["cells"]]
    loops = data["loops"]
    if (
        not cells
        or sorted(loops) != sorted(c.key for c in cells)
        or not all(isinstance(n, int) and n > 0 for n in loops.values())
        or data.get("hash") != calibration_id(loops)
        or not isinstance(data.get("id"), str)
        or not data["id"]
    ):
        raise InputError(f"{path}: its loop counts do not match their hash")
    return {**data, "cells": cells}


def lookup(
    root: Path, where: Where, gos: Sequence[str], settings: Sequence[Setting]
) -> tuple[Calibration | None, list[str]]:
    """The stored calibration for every toolchain × setting asked, from one pilot, or None.

    Returns the warnings too: one line per damaged file (named, and re-made by
    the pilot that follows). None without a warning when a slice is missing
    or the slices come from different pilots: the caller pilots anew and
    :func:`save` s the result.
    """
    found, warnings = [], []
    for go in gos:
        for setting in settings:
            path = where.path(root, go, setting)
            if not path.is_file():
                return None, warnings
            try:
                found.append(_read_slice(path, where.key(go, setting), go, setting))
            except (BenchError, KeyError, TypeError, ValueError, AttributeError) as e:
                why = str(e) if isinstance(e, BenchError) else f"{path}: malformed ({e!r})"
                warnings.append(f"bench: damaged stored calibration, piloting anew: {why}")
    if warnings or not found or len({d["id"] for d in found}) != 1:
        return None, warnings
    cal = Calibration(
        benchtime=where.benchtime,
        order=where.order,
        cells=tuple(c for d in found for c in d["cells"]),
        loops={k: int(n) for d in found for k, n in d["loops"].items()},
        per_op={k: float(x) for d in found for k, x in d.get("per_op", {}).items()},
        id=found[0]["id"],
        source=str(found[0].get("source", "")),
        together={str(k): str(v) for d in found for k, v in d.get("together", {}).items()},
    )
    return cal, warnings


def reuse(
    root: Path,
    where: Where,
    plan: Plan,
    gos: list[str],
    wanted: re.Pattern[str],
    broken: Mapping[str, set[str]],
) -> tuple[bool, list[str]]:
    """Fill ``plan`` from the stored calibration of this condition, if one fits whole.

    False (pilot anew) when none is stored, when a slice is missing or from
    another pilot, or when it no longer fits the cells asked for (a case that
    stopped compiling); the warnings name damaged files, as values.
    """
    cal, warnings = lookup(root, where, gos, plan.settings)
    if cal is None:
        return False, warnings
    try:
        apply(cal, plan, gos, wanted, broken)
    except BenchError:
        plan.cells.clear()
        plan.calibration.clear()
        plan.per_op.clear()
        plan.calibration_id = plan.calibration_from = ""
        return False, warnings
    return True, warnings


def remember(plan: Plan, root: Path, where: Where) -> None:
    """Store a new pilot's loop counts for later runs of this condition (none: nothing)."""
    cal = Calibration.of(plan)
    if not cal.empty:
        save(cal, root, where)
