"""Does the price list predict the catalogue? Predicted vs measured extra time per op.

One job: for every escaping pair of the catalogue (``go_cases/``: every pair
that is not a price-grid pair), predict its extra time per op from its
allocations per op, bytes per op and shape with the price list
(:class:`analysis.prices.PriceTable`) of the same condition, and set it
beside the measured extra time (median escape − median noescape, from
:func:`analysis.escape_cost.cost_records`). Pure: records in, records out;
``bench prices --check`` renders them.

**Prediction.** ``extra allocs × price(bytes per extra alloc, shape)``: the
extra allocations are ``allocs-exact/op`` escape − noescape when the run
recorded it (``allocs/op`` is rounded to an integer by the testing
package), else ``allocs/op``; the bytes are ``B/op`` escape − noescape,
divided evenly over the extra allocations (a pair allocating one 16 B and one
1 KiB object is priced as two 520 B objects: a known simplification). B/op
already holds the charged bytes, malloc header included, so the header is
taken off again before the table charges the size its class.

**Shape.** A catalogue pair's shape is unknown in general, so it is priced
pointerful (``scan``) unless the caller names it pointer-free: the scan
price is the larger one, so an unknown shape errs towards overpricing.

**Condition.** Same machine, Go version, GOGC, live heap and GOMAXPROCS;
benchtime, count and module differ between price and catalogue runs by
design, so they are not part of the match.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from analysis.escape_cost import CostRecord, cost_records, pair_samples
from analysis.prices import (
    PriceTable,
    fit_models,
    is_price_result,
    price_records,
    price_tables,
)
from bench.model import Result
from bench.vocab import sizeclass
from bench.vocab.condition import Condition
from bench.vocab.sizeclass import price_pair

MatchKey = tuple[str, str, str, str, str]
METHOD = (
    "predicted = extra allocs/op × price(B/op ÷ extra allocs, shape) from the price list of the "
    "same machine, Go, GOGC, live heap, GOMAXPROCS; measured = median escape − median noescape"
)


@dataclass(frozen=True)
class CheckRecord:
    """One catalogue pair under one condition: predicted and measured extra ns per op."""

    pair: str
    case: str
    condition: Condition
    shape: str
    extra_allocs: float
    extra_bytes: float
    bytes_per_alloc: float
    exact_allocs: bool
    predicted_ns: float | None  # None: no price list for this condition
    predicted_low: float | None
    predicted_high: float | None
    measured_ns: float
    source: str

    @property
    def ratio(self) -> float | None:
        """Measured ÷ predicted (> 1: the pair costs more than its allocations)."""
        if self.predicted_ns is None or self.predicted_ns <= 0:
            return None
        return self.measured_ns / self.predicted_ns

    def to_json(self) -> dict[str, Any]:
        c = self.condition
        return {
            "kind": "check",
            "pair": self.pair,
            "case": self.case,
            "machine": c.machine,
            "go": c.go,
            "gogc": c.gogc,
            "live_heap": c.live_heap,
            "gomaxprocs": c.gomaxprocs,
            "shape": self.shape,
            "extra_allocs": self.extra_allocs,
            "extra_bytes": self.extra_bytes,
            "bytes_per_alloc": self.bytes_per_alloc,
            "allocs_unit": "allocs-exact/op" if self.exact_allocs else "allocs/op",
            "predicted_ns": _num(self.predicted_ns),
            "predicted_low": _num(self.predicted_low),
            "predicted_high": _num(self.predicted_high),
            "measured_ns": _num(self.measured_ns),
            "ratio": _num(self.ratio),
            "source": self.source,
        }


@dataclass(frozen=True)
class CheckSummary:
    """Median and worst ratio (worst: farthest from 1 on a log scale), over priced pairs."""

    n_priced: int
    n_unpriced: int
    median_ratio: float | None
    worst_ratio: float | None
    worst_pair: str | None
    method: str = METHOD

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": "check_summary",
            "n_priced": self.n_priced,
            "n_unpriced": self.n_unpriced,
            "median_ratio": _num(self.median_ratio),
            "worst_ratio": _num(self.worst_ratio),
            "worst_pair": self.worst_pair,
            "method": self.method,
        }


def _num(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)


def match_key(c: Condition) -> MatchKey:
    """The settings a price list and a catalogue run must share."""
    return (c.machine, c.go, c.gogc, c.live_heap, c.gomaxprocs)


def _exact_allocs(results: Sequence[Result]) -> dict[tuple[str, Condition], float]:
    """Per pair and condition: median ``allocs-exact/op`` escape − noescape, when recorded."""
    got: dict[tuple[str, Condition], list[float]] = {}
    for s in pair_samples(results):
        if s.allocs_exact_escape is not None and s.allocs_exact_noescape is not None:
            d = s.allocs_exact_escape - s.allocs_exact_noescape
            got.setdefault((s.pair, s.condition), []).append(d)
    return {k: float(np.median(v)) for k, v in got.items()}


def check_records(
    results: Sequence[Result],
    tables: Mapping[MatchKey, PriceTable] | None = None,
    *,
    pointer_free: Collection[str] = (),
) -> list[CheckRecord]:
    """One record per escaping catalogue pair and condition of ``results``.

    ``tables`` defaults to the price lists computed from the grid records in
    ``results`` itself; ``pointer_free`` names cases priced as ``noscan``.
    """
    if tables is None:
        tables = tables_by_key(results)
    catalogue = [r for r in results if not is_price_result(r)]
    exact = _exact_allocs(catalogue)
    out = []
    for c in cost_records(catalogue):
        if price_pair(c.pair) is not None:
            continue
        rec = _check(c, exact.get((c.pair, c.condition)), tables, c.case in pointer_free)
        if rec is not None:
            out.append(rec)
    return sorted(out, key=lambda r: (match_key(r.condition), r.pair))


def tables_by_key(results: Sequence[Result]) -> dict[MatchKey, PriceTable]:
    """The price list of every condition whose grid runs are in ``results``."""
    recs = price_records(results)
    return {match_key(c): t for c, t in price_tables(recs, fit_models(recs)).items()}


def _check(
    c: CostRecord,
    exact: float | None,
    tables: Mapping[MatchKey, PriceTable],
    noscan: bool,
) -> CheckRecord | None:
    if exact is not None:
        extra_allocs = exact
    else:
        extra_allocs = (c.allocs_escape or 0.0) - (c.allocs_noescape or 0.0)
    if not c.escaped or extra_allocs <= 0:
        return None
    extra_bytes = max(0.0, (c.bytes_escape or 0.0) - (c.bytes_noescape or 0.0))
    per_alloc = extra_bytes / extra_allocs
    shape = "noscan" if noscan else "scan"
    measured = (c.escape_sec - c.noescape_sec) * 1e9
    table = tables.get(match_key(c.condition))
    pred = low = high = None
    source = "no price list for this condition"
    if table is not None:
        size = _requested(per_alloc, not noscan, c.go)
        price = table.price(size, not noscan)
        if price is not None:
            pred = extra_allocs * price.value
            low, high = extra_allocs * price.ci_low, extra_allocs * price.ci_high
            source = price.source
    return CheckRecord(
        pair=c.pair,
        case=c.case,
        condition=c.condition,
        shape=shape,
        extra_allocs=extra_allocs,
        extra_bytes=extra_bytes,
        bytes_per_alloc=per_alloc,
        exact_allocs=exact is not None,
        predicted_ns=pred,
        predicted_low=low,
        predicted_high=high,
        measured_ns=measured,
        source=source,
    )


def _requested(charged: float, pointers: bool, go: str) -> int:
    """A requested size the table charges ``charged`` bytes: B/op already holds the header."""
    size = max(1, round(charged))
    header = size - sizeclass.MALLOC_HEADER
    if pointers and header > 0 and sizeclass.has_header(header, pointers, go):
        return header
    return size


def summarize(records: Sequence[CheckRecord]) -> CheckSummary:
    """Median ratio and the ratio farthest from 1 (either way; ≤ 0 counts as the farthest)."""
    priced = [(r.pair, r.ratio) for r in records if r.ratio is not None]
    if not priced:
        return CheckSummary(0, len(records), None, None, None)
    ratios = [x for _, x in priced]
    worst_pair, worst = max(priced, key=lambda pr: abs(math.log(pr[1])) if pr[1] > 0 else math.inf)
    return CheckSummary(
        len(priced), len(records) - len(priced), float(np.median(ratios)), worst, worst_pair
    )


def summarize_by_condition(records: Sequence[CheckRecord]) -> list[tuple[Condition, CheckSummary]]:
    """:func:`summarize` per condition, in the records' order: the overall median mixes
    Go versions and GC settings whose prices differ, so each condition gets its own."""
    by: dict[Condition, list[CheckRecord]] = {}
    for r in records:
        by.setdefault(r.condition, []).append(r)
    return [(c, summarize(rs)) for c, rs in by.items()]


def condition_json(condition: Condition, summary: CheckSummary) -> dict[str, Any]:
    """One condition's summary as a JSON record (``kind: check_condition``)."""
    c = condition
    return {
        **summary.to_json(),
        "kind": "check_condition",
        "machine": c.machine,
        "go": c.go,
        "gogc": c.gogc,
        "live_heap": c.live_heap,
        "gomaxprocs": c.gomaxprocs,
    }
