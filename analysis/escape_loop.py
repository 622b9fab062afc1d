"""Closing the loop: does the priced sum of a pair's escape sites predict its measured cost?

Pure: a joined escapes report (``analysis.escapes.join`` over a run of
``go_cases/cases``, priced) and the cost records of a catalogue run of the
same condition (``analysis.escape_cost.cost_records``). For each pair, the
*predicted* extra ns/op is the sum of the estimates of the sites its escape
variant exercises minus the same sum for its noescape variant; the
*measured* one is ``escape_sec − noescape_sec`` of its cost record. Their
ratio says how much of the escape cost the price list explains: ×1 all of
it, below ×1 the escape costs more than its allocations (copies, lost
inlining, GC of the escaped bytes), above ×1 the grid's allocation is dearer
than this one (amortised, cache-warm). A miss is explained where the records
say why (no allocation difference, growth allocations at no escape site,
extra allocations the escape log does not name).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from analysis.escapes import OFF_GRID

#: A ratio outside [1/MISS, MISS] is a miss that gets an explanation.
MISS = 2.0


@dataclass(frozen=True)
class LoopRow:
    """One pair: predicted and measured extra ns/op, their ratio, and why it misses."""

    pair: str
    predicted_ns: float | None
    predicted_low: float | None
    predicted_high: float | None
    measured_ns: float | None
    ratio: float | None
    extra_allocs_sites: float
    extra_allocs_measured: float | None
    significant: bool | None
    miss: str

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def split_name(benchmark: str) -> tuple[str, str | None]:
    """``BenchmarkX/size=8/variant=escape`` -> (``X/size=8``, ``escape``), as ``Name.pair`` does."""
    parts = benchmark.removeprefix("Benchmark").split("/")
    variant = next((p.split("=", 1)[1] for p in parts if p.startswith("variant=")), None)
    return "/".join(p for p in parts if not p.startswith("variant=")), variant


def _site_sums(report: Mapping[str, Any]) -> dict[str, tuple[float, float, float, float, bool]]:
    """Per benchmark: (est, low, high, site allocs/op, every exercised site priced)."""
    out: dict[str, list[Any]] = {}
    for name in report.get("benchmarks", {}):
        out[name] = [0.0, 0.0, 0.0, 0.0, True]
    for s in report.get("sites", ()):
        by = s.get("est_by_benchmark") or {}
        for name, n in (s.get("allocs_per_op") or {}).items():
            acc = out.setdefault(name, [0.0, 0.0, 0.0, 0.0, True])
            acc[3] += n
            e = by.get(name)
            if e is None:
                acc[4] = acc[4] and n <= 0
                continue
            acc[0] += e["value"]
            acc[1] += e["ci_low"]
            acc[2] += e["ci_high"]
    return {k: (v[0], v[1], v[2], v[3], v[4]) for k, v in out.items()}


def _off_grid(report: Mapping[str, Any], name: str) -> bool:
    """A site the benchmark exercises is priced beyond the measured grid points."""
    return any(name in (s.get("allocs_per_op") or {})
               and any(o in str(s.get("price_source", "")) for o in OFF_GRID)
               for s in report.get("sites", ()))  # fmt: skip


def _growth(total: Mapping[str, Any] | None) -> float:
    """Allocations per op at package lines without an escape diagnostic (growth, conversions)."""
    if not total:
        return 0.0
    return sum(u["allocs_per_op"] for u in total.get("unattributed", ())
               if "growth" in u["kind"] or "concatenation" in u["kind"]
               or "conversion" in u["kind"])  # fmt: skip


def _miss(row: dict[str, Any], growth: float, priced: bool, off_grid: bool = False) -> str:
    """Why the prediction misses, where the records say; '' when it does not."""
    measured, ratio = row["measured_ns"], row["ratio"]
    extra_m, extra_s = row["extra_allocs_measured"], row["extra_allocs_sites"]
    if measured is None:
        return "no measured cost (pair not in the catalogue run)"
    if not priced:
        return "a site has no price for its size"
    if extra_m is not None and abs(extra_m) < 0.5 and abs(extra_s) < 0.5:
        return "no allocation difference: the measured cost is not allocation"
    if ratio is not None and 1 / MISS <= ratio <= MISS:
        return ""
    why = ["priced beyond the measured grid (extrapolated)"] if off_grid else []
    if growth > 0.5:
        why.append(f"{growth:.3g} growth/conversion allocs/op at no escape site (unpriced)")
    if extra_m is not None and extra_m - extra_s > 0.5:
        why.append(f"{extra_m - extra_s:.3g} extra allocs/op not at escape sites")
    if measured <= 0:
        why.append("the escape variant is not measurably slower")
    elif ratio is not None and ratio < 1 / MISS:
        why.append("costs beyond allocation (copies, lost inlining, cache misses)")
    elif ratio is not None and ratio > MISS:
        why.append("the grid's allocation is dearer than this one (amortised, cache-warm)")
    if row["significant"] is False:
        why.append("measured cost not significant")
    return "; ".join(why)


def _norm_go(v: str) -> str:
    return v.removeprefix("go")


def matching(records: Iterable[Any], go: str, gogc: str, gomaxprocs: str = "") -> list[Any]:
    """The cost records of the report's toolchain, GC setting and GOMAXPROCS (when known)."""
    return [r for r in records
            if _norm_go(r.go) == _norm_go(go) and (r.gogc or "100") == (gogc or "100")
            and (not gomaxprocs or not r.gomaxprocs or r.gomaxprocs == gomaxprocs)]  # fmt: skip


def close_loop(report: Mapping[str, Any], records: Sequence[Any]) -> list[LoopRow]:
    """One row per pair the escapes report measured both variants of.

    ``records``: ``CostRecord`` s of one condition (see :func:`matching`);
    when a pair has several, the one with the most rounds is used.
    """
    by_pair: dict[str, Any] = {}
    for r in records:
        procs = getattr(r, "gomaxprocs", "")
        k = r.pair.removesuffix(f"-{procs}") if procs else r.pair  # cost_records adds -N
        if k not in by_pair or r.n_rounds > by_pair[k].n_rounds:
            by_pair[k] = r
    sums = _site_sums(report)
    totals = report.get("benchmarks", {})
    variants: dict[str, dict[str, str]] = {}
    for name in sums:
        pair, v = split_name(name)
        if v in ("escape", "noescape"):
            variants.setdefault(pair, {})[v] = name
    rows = []
    for pair, vs in sorted(variants.items()):
        if set(vs) != {"escape", "noescape"}:
            continue
        e, n = sums[vs["escape"]], sums[vs["noescape"]]
        priced = bool(report.get("priced")) and e[4] and n[4]
        rec = by_pair.get(pair)
        measured = None if rec is None else (rec.escape_sec - rec.noescape_sec) * 1e9
        pred = (e[0] - n[0], e[1] - n[2], e[2] - n[1]) if priced else (None, None, None)
        extra_m = None
        if rec is not None and rec.allocs_escape is not None and rec.allocs_noescape is not None:
            extra_m = rec.allocs_escape - rec.allocs_noescape
        ratio = None
        if pred[0] is not None and measured is not None and measured > 0:
            ratio = pred[0] / measured
        row = {"pair": pair, "predicted_ns": pred[0], "predicted_low": pred[1],
               "predicted_high": pred[2], "measured_ns": measured, "ratio": ratio,
               "extra_allocs_sites": e[3] - n[3], "extra_allocs_measured": extra_m,
               "significant": None if rec is None else rec.significant}  # fmt: skip
        growth = _growth(totals.get(vs["escape"])) - _growth(totals.get(vs["noescape"]))
        off = _off_grid(report, vs["escape"])
        rows.append(LoopRow(**row, miss=_miss(row, growth, priced, off)))
    return rows


def summary(rows: Sequence[LoopRow]) -> tuple[float | None, LoopRow | None, int]:
    """Median ratio and the worst row (farthest from ×1 on a log scale) over escaping pairs.

    An escaping pair here is one whose escape variant allocates more at its
    sites and has a positive ratio; the count of them is the third value.
    """
    scored = [r for r in rows if r.ratio is not None and r.ratio > 0 and r.extra_allocs_sites > 0]
    if not scored:
        return None, None, 0
    med = statistics.median(r.ratio for r in scored if r.ratio is not None)
    worst = max(scored, key=lambda r: abs(math.log(r.ratio or 1.0)))
    return med, worst, len(scored)
