"""The escape cost of a pair: one paired estimator, its interval, its test, within and across runs.

One job: from parsed records (``bench.model.Result``) say how much slower each
pair's escaping variant is than its noescape variant, with an interval and a
test that agree, for every condition (machine, toolchain, GC setting,
GOMAXPROCS, benchtime, count, order) separately. Every escape-cost number in
the code base (``bench run``'s pair table, ``bench cost``, the report, the
claims ledger, ``benchmarks/harness.py``) comes from :func:`cost_records`.
Neighbours: ``bench.run`` writes the rounds this module reads back (the
*i*-th sample of a cell is in round ``i // k``); ``analysis.stats`` holds
benchstat's single-sample statistics and Holm's correction;
``analysis.pairs`` renders the records as the pair table;
``analysis.rank_interval`` holds the rank statistics (estimate, interval, test).

**Interleaved runs (paired).** Round *r* measured both variants back to back,
so the machine's state then is shared and divides out of the per-round
log-ratio ``d_r = log(escape_r / noescape_r)``. The estimate is the
Hodges–Lehmann estimator of the ``d_r`` (the median of the Walsh averages
``(d_i + d_j) / 2``, ``i ≤ j``; Lehmann 1963), the ratio ``exp`` of it; the
interval is the exact Wilcoxon signed-rank interval (order statistics of the
Walsh averages; Bauer 1972; Hollander, Wolfe & Chicken, *Nonparametric
Statistical Methods*, 3rd ed., 2014, §3.2–3.3) and the p-value is the
signed-rank test *inverted from the same order statistics*, so ``p < α``
exactly when the ``1 − α`` interval excludes ×1 (with no ties or zeros this
is ``scipy.stats.wilcoxon(method="exact")``'s p; tested). Why this and not
the sign-test interval or the round bootstrap: ``benchmarks/simulate_cost.py``
(docs/method.md has its table) — at 20 rounds it covers 95 % under drift and
under spikes, and is ≥ 20 % narrower than the block bootstrap it replaced.
Fewer than :data:`MIN_ROUNDS` rounds cannot reach p < 0.05 two-sided (the
smallest p with *n* rounds is ``2 / 2**n``).

**Sequential runs and plain ``go test`` output (unpaired).** No rounds: the
two-sample Hodges–Lehmann shift of the log times with the Mann–Whitney
interval and the Mann–Whitney p inverted from it (Hollander et al. §4.2–4.3),
labelled ``unpaired``.

**Across runs.** Several runs of one condition are pooled for the main answer
(rounds stay paired within their run) and, beside it, a t-interval over the
per-run log estimates (df = runs − 1): the only interval that sees the
machine change between runs. Different conditions are never pooled.

**Per extra allocation.** When the escape variant allocates more, the same
estimator on per-round time differences ``(escape_r − noescape_r)`` divided by
the extra allocations (per KiB or MiB of extra bytes when an extra allocation
is that large), so it has its own interval.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from analysis import stats
from analysis.rank_interval import Location, signed_rank, t_interval, two_sample
from bench.errors import BenchError
from bench.model import Result
from bench.vocab import keys, units
from bench.vocab.condition import Condition, condition_of, differing_fields

#: Fewest rounds whose signed-rank test can reach p < 0.05 two-sided (2 / 2**6 = 0.031).
MIN_ROUNDS = 6
PAIRED_METHOD = "paired rounds: Hodges–Lehmann + Wilcoxon signed-rank"
UNPAIRED_METHOD = "unpaired: two-sample Hodges–Lehmann + Mann–Whitney"
ACROSS_METHOD = "t-interval over per-run log estimates"


@dataclass(frozen=True)
class PairSamples:
    """One pair, one condition, one run: round membership built once, here.

    ``escape[i]``/``noescape[i]`` are sec/op of round *i* (the median of its
    ``k`` samples) when ``paired``, else every sample in file order.
    ``dropped`` counts samples left out because their round lacked the other
    variant (a failed cell, an interrupted run) or their time was not positive.
    """

    pair: str
    case: str
    condition: Condition
    run: str
    escape: tuple[float, ...]
    noescape: tuple[float, ...]
    paired: bool
    allocs_escape: float | None
    allocs_noescape: float | None
    bytes_escape: float | None
    bytes_noescape: float | None
    gc_cpu_escape: float | None
    gc_cpu_noescape: float | None
    dropped: int = 0


@dataclass(frozen=True)
class AcrossRuns:
    """Ratio and t-interval over per-run log estimates (df = ``n_runs`` − 1)."""

    ratio: float
    ci_low: float
    ci_high: float
    n_runs: int
    method: str = ACROSS_METHOD


@dataclass(frozen=True)
class PerAlloc:
    """Extra time per extra allocation (or per KiB/MiB of extra bytes), in ``unit``.

    ``ns_per_unit`` converts ``value`` to nanoseconds (1 for ns, 1000 for µs);
    ``per`` is what the time is divided by: ``alloc``, ``KiB`` or ``MiB``.
    """

    value: float
    ci_low: float
    ci_high: float
    unit: str
    per: str = "alloc"
    ns_per_unit: float = 1.0

    @property
    def inconclusive(self) -> bool:
        return not (self.ci_low > 0 or self.ci_high < 0)


@dataclass(frozen=True)
class CostRecord:
    """One pair under one condition: the escape cost with everything needed to trust it."""

    pair: str
    case: str
    section: str
    machine: str
    go: str
    gogc: str
    live_heap: str
    gomaxprocs: str
    ratio: float
    ci_low: float
    ci_high: float
    confidence: float
    method: str
    n_rounds: int
    n_runs: int
    p_value: float
    p_adjusted: float
    significant: bool
    across_runs: AcrossRuns | None
    per_alloc: PerAlloc | None
    allocs_escape: float | None
    allocs_noescape: float | None
    bytes_escape: float | None
    bytes_noescape: float | None
    escaped: bool
    escape_sec: float
    noescape_sec: float
    gc_cpu_escape: float | None
    gc_cpu_noescape: float | None
    runs: tuple[str, ...]
    warnings: tuple[str, ...]
    condition: Condition
    paired: bool = True
    n_escape: int = 0
    n_noescape: int = 0

    @property
    def verdict(self) -> str:
        """``slower`` / ``faster`` when significant after Holm, else ``inconclusive``."""
        if not self.significant or (self.paired and self.n_rounds < MIN_ROUNDS):
            return "inconclusive"
        return "slower" if self.ratio > 1 else "faster"


# --- from records to pair samples ----------------------------------------------------


def _samples_per_round(r: Result) -> int:
    try:
        return max(1, int(r.config_value(keys.SAMPLES_PER_ROUND) or 1))
    except ValueError:
        return 1


def _median_of(records: Sequence[Result], unit: str) -> float | None:
    xs = [v for r in records if (v := r.get(unit)) is not None]
    return stats.median(xs) if xs else None


def _rounds(values: list[float], k: int) -> list[float]:
    """Median of each whole round of ``k`` consecutive samples (a trailing partial one dropped)."""
    return [stats.median(values[i * k : (i + 1) * k]) for i in range(len(values) // k)]


def pair_samples(results: Iterable[Result]) -> list[PairSamples]:
    """Every pair × condition × run in ``results``, in order of first appearance.

    Records pair up when they share the run label (``Result.file``), the
    condition and the name without ``/variant=``; a pair missing a variant is
    left out. Interleaved runs (``escapebench-order: interleaved``) are
    paired by round: the *i*-th sample of a cell is in round ``i // k``
    (``k`` from ``escapebench-samples-per-round``, 1 when absent), which is
    how ``bench run`` writes them.
    """
    groups: dict[tuple[str, Condition, str], tuple[list[Result], list[Result]]] = {}
    for r in results:
        v = r.name.variant
        if v not in ("escape", "noescape") or r.get(units.TIME) is None:
            continue
        cond = condition_of(r)
        pair = r.name.pair if not cond.gomaxprocs else f"{r.name.pair}-{cond.gomaxprocs}"
        e, n = groups.setdefault((r.file, cond, pair), ([], []))
        (e if v == "escape" else n).append(r)
    out = []
    for (run, cond, pair), (e, n) in groups.items():
        if not e or not n:
            continue
        te = [float(x) for r in e if (x := r.get(units.TIME)) is not None]
        tn = [float(x) for r in n if (x := r.get(units.TIME)) is not None]
        paired = cond.order == "interleaved"
        if paired:
            k = _samples_per_round(e[0])
            rounds = list(zip(_rounds(te, k), _rounds(tn, k), strict=False))
            ok = [(a, b) for a, b in rounds if a > 0 and b > 0]  # a log-ratio needs both
            dropped = len(te) + len(tn) - 2 * len(ok) * k
            te, tn = [a for a, _ in ok], [b for _, b in ok]
        else:
            dropped = sum(x <= 0 for x in te + tn)
            te, tn = [x for x in te if x > 0], [x for x in tn if x > 0]
        if not te or not tn:
            continue
        out.append(
            PairSamples(
                pair=pair,
                case=e[0].name.base.removeprefix("Benchmark"),
                condition=cond,
                run=run,
                escape=tuple(te),
                noescape=tuple(tn),
                paired=paired,
                allocs_escape=_median_of(e, units.ALLOCS),
                allocs_noescape=_median_of(n, units.ALLOCS),
                bytes_escape=_median_of(e, units.BYTES),
                bytes_noescape=_median_of(n, units.BYTES),
                gc_cpu_escape=_median_of(e, units.GC_CPU),
                gc_cpu_noescape=_median_of(n, units.GC_CPU),
                dropped=dropped,
            )
        )
    return out


def differing_settings(records: Sequence[CostRecord]) -> list[str]:
    """The settings (``Condition`` fields) that differ between ``records``: why they stay apart."""
    return differing_fields([r.condition for r in records])


def check_poolable(samples: Sequence[PairSamples]) -> None:
    """Refuse, in one line naming the differing setting, to pool runs of different conditions."""
    first: dict[str, PairSamples] = {}
    for s in samples:
        f = first.setdefault(s.pair, s)
        why = f.condition.differs(s.condition)
        if why:
            raise BenchError(
                f"cannot pool runs {f.run or '?'} and {s.run or '?'} of {s.pair}: {why} differs: "
                "compare them as separate conditions (leave out --pool) or select runs of one"
            )


# --- pair samples to cost records -------------------------------------------------


def _location(s: Sequence[PairSamples], confidence: float, log: bool) -> Location:
    """This run's (or the pooled runs') estimate: paired on rounds, else unpaired."""

    def f(x: float) -> float:
        return math.log(x) if log else x

    if s[0].paired:
        d = [f(e) - f(n) for p in s for e, n in zip(p.escape, p.noescape, strict=True)]
        return signed_rank(d, confidence)
    return two_sample(
        [f(e) for p in s for e in p.escape], [f(n) for p in s for n in p.noescape], confidence
    )


def _per_alloc(
    s: Sequence[PairSamples], extra: float, extra_bytes: float | None, confidence: float
) -> PerAlloc:
    """Time difference per extra allocation (or per KiB/MiB when allocations are that large)."""
    per_alloc_bytes = (extra_bytes or 0.0) / extra
    if per_alloc_bytes >= 1 << 20:
        per, divisor, unit, ns = "MiB", extra_bytes / (1 << 20), "µs/MiB", 1000.0
    elif per_alloc_bytes >= 1 << 10:
        per, divisor, unit, ns = "KiB", extra_bytes / (1 << 10), "ns/KiB", 1.0
    else:
        per, divisor, unit, ns = "alloc", extra, "ns/alloc", 1.0
    loc = _location(s, confidence, log=False)
    scale = 1e9 / ns / float(divisor or 1.0)
    return PerAlloc(loc.estimate * scale, loc.low * scale, loc.high * scale, unit, per, ns)


def _across(s: Sequence[PairSamples], confidence: float) -> AcrossRuns | None:
    by_run: dict[str, list[PairSamples]] = {}
    for p in s:
        by_run.setdefault(p.run, []).append(p)
    if len(by_run) < 2:
        return None
    logs = [_location(ps, confidence, log=True).estimate for ps in by_run.values()]
    mean, lo, hi = t_interval(logs, confidence)
    return AcrossRuns(math.exp(mean), math.exp(lo), math.exp(hi), len(logs))


def _median_all(values: Iterable[float | None]) -> float | None:
    xs = [v for v in values if v is not None]
    return stats.median(xs) if xs else None


def cost_record(
    s: Sequence[PairSamples], *, section: str = "", confidence: float = 0.95
) -> CostRecord:
    """The record of one pair under one condition (one or several runs); p not yet adjusted."""
    c = s[0].condition
    loc = _location(s, confidence, log=True)
    n_rounds = sum(len(p.escape) for p in s) if s[0].paired else 0
    warnings = []
    if s[0].paired and n_rounds < MIN_ROUNDS:
        warnings.append(
            f"only {n_rounds} rounds: the signed-rank test needs {MIN_ROUNDS} "
            "to reach p < 0.05; inconclusive whatever the interval"
        )
    dropped = sum(p.dropped for p in s)
    if dropped:
        warnings.append(f"{dropped} samples left out (no partner in their round, or no time)")
    ae = _median_all(p.allocs_escape for p in s)
    an = _median_all(p.allocs_noescape for p in s)
    be = _median_all(p.bytes_escape for p in s)
    bn = _median_all(p.bytes_noescape for p in s)
    escaped = ae is not None and an is not None and ae > an
    per_alloc = None
    if escaped:
        assert ae is not None and an is not None
        extra_bytes = None if be is None or bn is None else be - bn
        per_alloc = _per_alloc(s, ae - an, extra_bytes, confidence)
    elif ae is not None and an is not None and an > ae:
        warnings.append("the noescape variant allocates more than the escape variant")
    runs = tuple(dict.fromkeys(p.run for p in s))
    return CostRecord(
        pair=s[0].pair,
        case=s[0].case,
        section=section,
        machine=c.machine,
        go=c.go,
        gogc=c.gogc,
        live_heap=c.live_heap,
        gomaxprocs=c.gomaxprocs,
        ratio=math.exp(loc.estimate),
        ci_low=math.exp(loc.low),
        ci_high=math.exp(loc.high),
        confidence=confidence,
        method=PAIRED_METHOD if s[0].paired else UNPAIRED_METHOD,
        n_rounds=n_rounds,
        n_runs=len(runs),
        p_value=loc.p_value,
        p_adjusted=loc.p_value,
        significant=False,
        across_runs=_across(s, confidence),
        per_alloc=per_alloc,
        allocs_escape=ae,
        allocs_noescape=an,
        bytes_escape=be,
        bytes_noescape=bn,
        escaped=escaped,
        escape_sec=stats.median([x for p in s for x in p.escape]),
        noescape_sec=stats.median([x for p in s for x in p.noescape]),
        gc_cpu_escape=_median_all(p.gc_cpu_escape for p in s),
        gc_cpu_noescape=_median_all(p.gc_cpu_noescape for p in s),
        runs=runs,
        warnings=tuple(warnings),
        condition=c,
        paired=s[0].paired,
        n_escape=sum(len(p.escape) for p in s),
        n_noescape=sum(len(p.noescape) for p in s),
    )


def cost_records(
    results: Iterable[Result],
    *,
    sections: Mapping[str, str] | None = None,
    confidence: float = 0.95,
    alpha: float = 0.05,
    pool: bool = False,
) -> list[CostRecord]:
    """One record per pair and condition, Holm-adjusted over every p-value returned.

    Several runs of one condition are pooled and get an across-runs interval;
    different conditions are never pooled: they become separate records, or,
    with ``pool=True`` (the caller insists the inputs are one condition), a
    :class:`BenchError` naming the differing setting.
    """
    samples = pair_samples(results)
    if pool:
        check_poolable(samples)
    groups: dict[tuple[str, Condition], list[PairSamples]] = {}
    for s in samples:
        groups.setdefault((s.pair, s.condition), []).append(s)
    sections = sections or {}
    recs = [
        cost_record(g, section=sections.get(g[0].case, ""), confidence=confidence)
        for g in groups.values()
    ]
    adjusted = stats.holm([r.p_value for r in recs]) if recs else []
    out = []
    for r, p_adj in zip(recs, adjusted, strict=True):
        sig = p_adj < alpha
        warnings = r.warnings
        if not sig and (r.ci_low > 1 or r.ci_high < 1):
            floor = f" ({r.n_rounds} rounds: p ≥ {2 / 2**r.n_rounds:.2g})" if r.paired else ""
            warnings += (
                f"interval excludes ×1 but not significant after Holm over {len(recs)} "
                f"tests{floor}: inconclusive",
            )
        out.append(replace(r, p_adjusted=p_adj, significant=sig, warnings=warnings))
    return out


# --- output --------------------------------------------------------------------------


def _num(x: float | None) -> float | None:
    """JSON has no inf/NaN: an unbounded or undefined end is null."""
    return None if x is None or not math.isfinite(x) else float(x)


def _interval(key: str, estimate: Iterable[float], **extra: Any) -> dict[str, Any]:
    """``{key: estimate, "ci_low": …, "ci_high": …, **extra}`` with JSON-safe numbers."""
    value, low, high = estimate
    return {key: _num(value), "ci_low": _num(low), "ci_high": _num(high), **extra}


def to_dicts(records: Sequence[CostRecord]) -> list[dict[str, object]]:
    """JSON-ready dicts with issue 11's field names (``per_alloc`` in ns per ``unit``)."""
    out: list[dict[str, object]] = []
    for r in records:
        a, pa = r.across_runs, r.per_alloc
        out.append(
            {
                "pair": r.pair,
                "case": r.case,
                "section": r.section,
                "machine": r.machine,
                "go": r.go,
                "gogc": r.gogc,
                "live_heap": r.live_heap,
                "gomaxprocs": r.gomaxprocs,
                "benchtime": r.condition.benchtime,
                "count": r.condition.count,
                "order": r.condition.order,
                "ratio": _num(r.ratio),
                "ci_low": _num(r.ci_low),
                "ci_high": _num(r.ci_high),
                "confidence": r.confidence,
                "method": r.method,
                "n_rounds": r.n_rounds,
                "n_runs": r.n_runs,
                "n_escape": r.n_escape,
                "n_noescape": r.n_noescape,
                "p_value": _num(r.p_value),
                "p_adjusted": _num(r.p_adjusted),
                "significant": r.significant,
                "verdict": r.verdict,
                "across_runs": None
                if a is None
                else _interval(
                    "ratio", (a.ratio, a.ci_low, a.ci_high), n_runs=a.n_runs, method=a.method
                ),
                "per_alloc": None
                if pa is None
                else _interval(
                    "ns",
                    (v * pa.ns_per_unit for v in (pa.value, pa.ci_low, pa.ci_high)),
                    unit=f"ns/{pa.per}",
                ),
                "allocs_escape": r.allocs_escape,
                "allocs_noescape": r.allocs_noescape,
                "bytes_escape": r.bytes_escape,
                "bytes_noescape": r.bytes_noescape,
                "escaped": r.escaped,
                "escape_sec": r.escape_sec,
                "noescape_sec": r.noescape_sec,
                "gc_cpu_escape": r.gc_cpu_escape,
                "gc_cpu_noescape": r.gc_cpu_noescape,
                "runs": list(r.runs),
                "warnings": list(r.warnings),
            }
        )
    return out


__all__ = [
    "MIN_ROUNDS",
    "PAIRED_METHOD",
    "UNPAIRED_METHOD",
    "AcrossRuns",
    "CostRecord",
    "Location",
    "PairSamples",
    "PerAlloc",
    "check_poolable",
    "cost_record",
    "cost_records",
    "differing_settings",
    "pair_samples",
    "signed_rank",
    "t_interval",
    "to_dicts",
    "two_sample",
]
