"""Noise advice for comparison tables: rows with too few samples, noisy rows, what to rerun.

``analysis.compare`` attaches it (per row as data, per table as one note each);
``analysis.table`` prints it. Thresholds come from the comparison's options.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from analysis import stats

if TYPE_CHECKING:
    from analysis.compare import Cell, CompareOptions, Row


def _at_least(bound: tuple[str, int]) -> int:
    op, n = bound
    return n if op == ">=" else n + 1


def need_count(cells: Sequence[Cell | None], opts: CompareOptions) -> int:
    """The --count that would give every cell an interval and the U test a chance (0: enough)."""
    present = [c for c in cells if c is not None]
    no_ci = any(math.isinf(c.summary.lo) or math.isinf(c.summary.hi) for c in present)
    no_test = any(
        c.comparison and any(w.startswith("need ") for w in c.comparison.warnings) for c in present
    )
    return max(
        _at_least(stats.min_samples_for_ci(opts.confidence)) if no_ci else 0,
        _at_least(stats.min_samples_for_utest(opts.alpha)) if no_test else 0,
    )


def max_cv(cells: Sequence[Cell | None]) -> float | None:
    cvs = [c.summary.cv for c in cells if c is not None and c.summary.cv is not None]
    return max(cvs) if cvs else None


def advice(cells: Sequence[Cell | None], opts: CompareOptions) -> tuple[str, ...]:
    """Noise diagnostics for one row (data for JSON; text shows them as one note per table)."""
    out: list[str] = []
    need = need_count(cells, opts)
    if need:
        smallest = min((c.summary.n for c in cells if c is not None), default=0)
        out.append(f"n={smallest} is too few: rerun with --count {need} or more")
    cv = max_cv(cells)
    if cv is not None and 100 * cv > opts.cv_threshold_pct:
        out.append(f"noisy: CV {100 * cv:.1f}% > {opts.cv_threshold_pct:g}%")
    return tuple(out)


def table_notes(rows: Sequence[Row], opts: CompareOptions) -> tuple[str, ...]:
    """One note listing the noisy rows and one listing rows with too few samples."""
    notes = []
    noisy = [
        (cv, r.label)
        for r in rows
        if (cv := max_cv(r.cells)) is not None and 100 * cv > opts.cv_threshold_pct
    ]
    if noisy:
        listed = ", ".join(f"{label} ({100 * cv:.0f}%)" for cv, label in noisy)
        notes.append(
            f"noisy (CV > {opts.cv_threshold_pct:g}%): {listed}; quiet the machine "
            "(pin CPU frequency, stop background load) or raise --count"
        )
    few = [(n, r.label) for r in rows if (n := need_count(r.cells, opts))]
    if few:
        need = max(n for n, _ in few)
        notes.append(
            f"too few samples for an interval or a test: "
            f"{', '.join(label for _, label in few)}; rerun with --count {need} or more"
        )
    return tuple(notes)
