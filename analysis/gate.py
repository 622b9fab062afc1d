"""The ``bench compare --fail-on`` gate: which rows regress, judged over its own family.

One job: a :class:`~analysis.compare.Report` in, a :class:`GateResult` out (the
rows that fail, and one-line warnings). Neighbours: ``analysis.compare`` builds
the report; the CLI prints the result and sets the exit status.

* **What it reads.** By default only time (``sec/op``) and allocations
  (``allocs/op``): GC counters and bytes follow from those and swing with
  settings (a 5 ms sample sees no GC cycle that a 100 ms one does). ``metrics``
  (``bench compare --units``) widens or narrows the set.
* **Its family.** Holm's step-down adjustment (Holm 1979) runs over exactly
  the p-values the gate reads — every comparison in the units it gates, across
  all tables — so the chance of failing a build on noise alone stays at α
  however many tables there are (a per-table correction would allow up to
  tables × α).
* **Settings.** When the compared columns were measured with different
  settings (``escapebench-*`` config lines such as benchtime, count, order;
  GOGC; live heap; or, where no line says so, a very different time per sample
  or sample count) a difference may be the settings, not the code: the gate
  returns one warning line naming them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from analysis import stats
from analysis.benchproc.units import Units, unit_better
from analysis.compare import Column, Report, Row, Table

FailOn = Literal["regression", "change"]
#: What the gate reads unless told otherwise.
DEFAULT_UNITS = ("sec/op", "allocs/op")
#: Columns whose median time per sample differs by more than this factor differ in benchtime.
SAMPLE_TIME_FACTOR = 2.0


@dataclass(frozen=True)
class GateHit:
    """A row that fails the gate: a significant change past the threshold in one column."""

    table: Table
    row: Row
    column: Column
    delta_pct: float | None
    abs_delta: float | None
    p_value: float
    p_adjusted: float
    reason: str

    def __str__(self) -> str:
        """One line for the CLI: ``Row: regression +12.00% in sec/op ... (p=…, adjusted …)``."""
        p, adj = self.p_value, self.p_adjusted
        return f"{self.row.label}: {self.reason} (p={p:.3f}, adjusted {adj:.3f})"


@dataclass(frozen=True)
class GateResult:
    """The failing rows, the size of the family Holm ran over, and warnings to print."""

    hits: tuple[GateHit, ...]
    family: int
    warnings: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.hits)

    def __iter__(self) -> Iterator[GateHit]:
        return iter(self.hits)

    def __len__(self) -> int:
        return len(self.hits)


def gate(
    report: Report,
    fail_on: FailOn = "regression",
    threshold_pct: float = 0.0,
    unit_meta: Units = None,
    *,
    metrics: Sequence[str] | None = None,
) -> GateResult:
    """Rows whose change is significant after Holm over the gate's family and past the threshold.

    ``fail_on="regression"`` keeps changes in the worse direction (up where
    lower is better, the default for unknown units; down where ``better=higher``
    in ``unit_meta`` or on the table); ``"change"`` keeps both. ``metrics`` are
    the units read (``None``: :data:`DEFAULT_UNITS`; ``"*"`` among them: every
    unit; ``bench compare --units``). A change from 0 has no percentage and
    counts as infinite.
    """
    if fail_on not in ("regression", "change"):
        raise ValueError(f"unknown fail_on {fail_on!r}: use 'regression' or 'change'")
    units = DEFAULT_UNITS if metrics is None else tuple(metrics)
    tables = [t for t in report.tables if "*" in units or t.unit in units]
    family = [
        (t, row, i)
        for t in tables
        for row in t.rows
        for i, cell in enumerate(row.cells)
        if cell is not None
        and cell.comparison is not None
        and "all samples are equal" not in cell.comparison.warnings
    ]
    adjusted = stats.holm([_p(t, row, i) for t, row, i in family])
    hits = []
    for (t, row, i), p_adj in zip(family, adjusted, strict=True):
        hit = _hit(t, row, i, p_adj, report.options.alpha, fail_on, threshold_pct, unit_meta)
        if hit is not None:
            hits.append(hit)
    first = (tables or report.tables or [None])[0]
    warning = settings_warning(first.columns, _counts(first)) if first else None
    return GateResult(tuple(hits), len(family), (warning,) if warning else ())


def _p(t: Table, row: Row, i: int) -> float:
    cell = row.cells[i]
    assert cell is not None and cell.comparison is not None
    return 0.0 if t.assumption == "exact" else min(1.0, cell.comparison.p_value)


def _hit(
    t: Table,
    row: Row,
    i: int,
    p_adj: float,
    alpha: float,
    fail_on: FailOn,
    threshold_pct: float,
    unit_meta: Units,
) -> GateHit | None:
    cell = row.cells[i]
    assert cell is not None and cell.comparison is not None
    cmp = cell.comparison
    if p_adj > alpha or cmp.old_center == cmp.new_center:
        return None
    d = cmp.delta_pct
    if (math.inf if d is None else abs(d)) <= threshold_pct:
        return None
    better = unit_better(t.unit, unit_meta) if unit_meta else t.better
    worse = -1 if better == 1 else 1  # +1: an increase is worse
    direction = 1 if cmp.new_center > cmp.old_center else -1
    if fail_on == "regression" and direction != worse:
        return None
    what = "regression" if direction == worse else "improvement"
    shown = "from 0" if d is None else f"{d:+.2f}%"
    return GateHit(
        t,
        row,
        t.columns[i],
        d,
        cell.abs_delta,
        cmp.p_value,
        p_adj,
        f"{what} {shown} in {t.unit} vs {t.columns[0].label} (threshold {threshold_pct:g}%)",
    )


def _counts(t: Table) -> list[int]:
    """Each column's typical sample count (median n over the table's rows)."""
    out = []
    for i in range(len(t.columns)):
        ns = sorted(c.summary.n for r in t.rows if (c := r.cells[i]) is not None)
        out.append(ns[len(ns) // 2] if ns else 0)
    return out


def settings_warning(columns: Iterable[Column], counts: Sequence[int] = ()) -> str | None:
    """One line naming the settings in which the compared columns differ, or None.

    ``counts`` (samples per benchmark in each column) stands in for a missing
    count setting, the median time per sample for a missing benchtime.
    """
    cols = list(columns)
    if len(cols) < 2:
        return None
    differ: list[str] = []
    keys = dict.fromkeys(k for c in cols for k, _ in c.settings)
    for k in keys:
        values = [dict(c.settings).get(k, "") for c in cols]
        if len(set(values)) > 1:
            name = k.removeprefix("escapebench-")
            differ.append(f"{name} ({' vs '.join(v or '?' for v in values)})")
    secs = [c.sample_sec for c in cols if c.sample_sec]
    if (
        "benchtime" not in keys
        and "escapebench-benchtime" not in keys
        and len(secs) > 1
        and max(secs) > SAMPLE_TIME_FACTOR * min(secs)
    ):
        differ.append("time per sample (" + " vs ".join(_dur(s) for s in secs) + ")")
    if not any(k.endswith("count") for k in keys) and len(set(c for c in counts if c)) > 1:
        differ.append("count (" + " vs ".join(f"{c} samples" for c in counts) + ")")
    if not differ:
        return None
    return (
        "the compared runs differ in settings: "
        + ", ".join(differ)
        + "; differences may come from the settings, not the code"
    )


def _dur(sec: float) -> str:
    for unit, f in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if sec >= f:
            return f"~{sec / f:.3g}{unit}"
    return f"~{sec * 1e9:.3g}ns"


__all__ = ["DEFAULT_UNITS", "FailOn", "GateHit", "GateResult", "gate", "settings_warning"]
