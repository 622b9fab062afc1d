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

**Across runs.** Several runs of one condition give a run-aware record
(``scope`` ``across runs``): each run's estimate and standard error
(``analysis.per_run``) combined by random effects with the between-run
variance borrowed across the condition's pairs (``analysis.run_aware``),
a t-test p inverted from the same statistic, and ``next_run``, a prediction
interval for another run's estimate; the plain t-interval over the per-run
estimates stays beside it (``across_runs``). One run is ``this run``.
Different conditions are never pooled. ``benchmarks/simulate_cost.py``
(fitted to the committed runs) chose this; docs/method.md has the table.

**Holm.** Over every record returned (the family: ``correction_family``,
``correction_m``); ``significant`` also needs the interval to exclude ×1;
``p_floor`` is the smallest p the test can give, and when no record can pass
the correction ``resolvable`` is False (``too_few_note`` says it once).

**Per extra allocation** (``analysis.per_alloc``): the same estimator on
per-round time differences divided by the extra allocations (exact
``allocs-exact/op`` when recorded), per KiB or MiB of extra bytes when an
extra allocation is that large, with its own interval.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from analysis import per_alloc as per_alloc_
from analysis import per_run, run_aware, stats
from analysis.per_alloc import PerAlloc
from analysis.rank_interval import t_interval
from analysis.witness import bare_go
from bench.errors import BenchError
from bench.model import Result
from bench.vocab import escaped as esc
from bench.vocab import keys, units
from bench.vocab.condition import Condition, condition_of, differing_fields

#: Fewest rounds whose signed-rank test can reach p < 0.05 two-sided (2 / 2**6 = 0.031).
MIN_ROUNDS = 6
PAIRED_METHOD = "paired rounds: Hodges–Lehmann + Wilcoxon signed-rank"
UNPAIRED_METHOD = "unpaired: two-sample Hodges–Lehmann + Mann–Whitney"
ACROSS_METHOD = "t-interval over per-run log estimates"
#: ``scope`` of a record: one run's rounds, or the runs of a condition with their variance.
THIS_RUN, ACROSS_RUNS = "this run", "across runs"
#: The one line every single-run output carries beside its ``this run`` intervals.
THIS_RUN_NOTE = (
    "intervals are for this run: they do not see how much runs differ; "
    "bench run --repeat K measures that"
)


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
    allocs_exact_escape: float | None = None
    allocs_exact_noescape: float | None = None


@dataclass(frozen=True)
class AcrossRuns:
    """Ratio and t-interval over per-run log estimates (df = ``n_runs`` − 1)."""

    ratio: float
    ci_low: float
    ci_high: float
    n_runs: int
    method: str = ACROSS_METHOD


@dataclass(frozen=True)
class CostRecord:
    """One pair under one condition: the escape cost with everything needed to trust it."""

    pair: str
    case: str
    section: str
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
    #: Both witnesses agree (``bench.vocab.escaped``): more allocations *and* the compiler's heap.
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
    #: ``this run`` (one run's rounds) or ``across runs`` (random effects over ≥ 2 runs).
    scope: str = THIS_RUN
    #: Where the next run's estimate should fall (``across runs`` only), as ratios.
    next_low: float | None = None
    next_high: float | None = None
    #: The smallest p-value the test can give (2 / 2ⁿ for n rounds); None: no floor (t-test).
    p_floor: float | None = None
    #: Holm's family: what the records of this call are, and how many.
    correction_family: str = ""
    correction_m: int = 1
    #: False when no record of the family can reach α after Holm (too few rounds for all).
    resolvable: bool = True
    #: The compiler's witness (``analysis.witness``); None: no escape.json names the pair.
    compiler_heap: bool | None = None

    # The settings live once, in ``condition``; these read them for the table and JSON.
    @property
    def machine(self) -> str:
        return self.condition.machine

    @property
    def go(self) -> str:
        return self.condition.go

    @property
    def gogc(self) -> str:
        return self.condition.gogc

    @property
    def live_heap(self) -> str:
        return self.condition.live_heap

    @property
    def gomaxprocs(self) -> str:
        return self.condition.gomaxprocs

    @property
    def verdict(self) -> str:
        """``slower`` / ``faster`` when significant after Holm *and* the interval excludes ×1."""
        if not self.significant or (self.paired and self.n_rounds < MIN_ROUNDS):
            return "inconclusive"
        if self.ci_low <= 1 <= self.ci_high:
            return "inconclusive"
        return "slower" if self.ratio > 1 else "faster"

    @property
    def at_floor(self) -> bool:
        """The raw p-value is the smallest the test can give: it says "≤ floor", not more."""
        return self.p_floor is not None and self.p_value <= self.p_floor * (1 + 1e-9)


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
                allocs_exact_escape=_median_of(e, units.ALLOCS_EXACT),
                allocs_exact_noescape=_median_of(n, units.ALLOCS_EXACT),
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
                "select runs of one condition to pool them (else each condition is its own record)"
            )


# --- pair samples to cost records -------------------------------------------------


def _across(s: Sequence[PairSamples], confidence: float) -> AcrossRuns | None:
    runs = per_run.by_run(s)
    if len(runs) < 2:
        return None
    logs = [per_run.location(ps, confidence, log=True).estimate for ps in runs]
    mean, lo, hi = t_interval(logs, confidence)
    return AcrossRuns(math.exp(mean), math.exp(lo), math.exp(hi), len(logs))


def _median_all(values: Iterable[float | None]) -> float | None:
    xs = [v for v in values if v is not None]
    return stats.median(xs) if xs else None


def _floor(s: Sequence[PairSamples]) -> float:
    """The smallest p one run's rank test can give: 2 / 2ⁿ (signed rank), 2 / C(m+n, m)."""
    if s[0].paired:
        return 2 / 2 ** sum(len(p.escape) for p in s)
    m, n = sum(len(p.escape) for p in s), sum(len(p.noescape) for p in s)
    return min(1.0, 2 / math.comb(m + n, m))


_ALLOC_FIELDS = ("allocs_escape", "allocs_noescape", "bytes_escape", "bytes_noescape")


def _sample_warnings(s: Sequence[PairSamples], n_rounds: int) -> list[str]:
    """The record's caveats about its samples: too few rounds, samples left out."""
    out = []
    if s[0].paired and n_rounds < MIN_ROUNDS:
        out.append(
            f"only {n_rounds} rounds: the signed-rank test needs {MIN_ROUNDS} "
            "to reach p < 0.05; inconclusive whatever the interval"
        )
    dropped = sum(p.dropped for p in s)
    if dropped:
        out.append(f"{dropped} samples left out (no partner in their round, or no time)")
    return out


def cost_record(
    s: Sequence[PairSamples],
    *,
    section: str = "",
    confidence: float = 0.95,
    combined: run_aware.Combined | None = None,
    compiler_heap: bool | None = None,
) -> CostRecord:
    """The record of one pair under one condition; p not yet adjusted.

    ``compiler_heap`` (``analysis.witness``) and the allocations decide
    ``escaped`` (``bench.vocab.escaped``).
    One run (or ``combined`` None): this run's rank estimate, ``scope`` this
    run. Several runs with ``combined`` (``run_aware.combine`` over the
    condition's pairs): the run-aware estimate, interval and t-test p.
    """
    c = s[0].condition
    loc = per_run.location(s, confidence, log=True)
    n_rounds = sum(len(p.escape) for p in s) if s[0].paired else 0
    warnings = _sample_warnings(s, n_rounds)
    ae, an, be, bn = (_median_all(getattr(p, f) for p in s) for f in _ALLOC_FIELDS)
    per_alloc = per_alloc_.for_pair(s, (ae, an, be, bn), confidence, combined, warnings)
    runs = tuple(dict.fromkeys(p.run for p in s))
    method = PAIRED_METHOD if s[0].paired else UNPAIRED_METHOD
    est, low, high, p_value, p_floor = loc.estimate, loc.low, loc.high, loc.p_value, _floor(s)
    scope, nxt = THIS_RUN, (None, None)
    if combined is not None and len(runs) >= 2:
        est, low, high, p_value, p_floor = (combined.estimate, combined.low, combined.high,
                                            combined.p_value, None)  # fmt: skip
        method = f"{combined.method}; per run: {method}"
        scope, nxt = ACROSS_RUNS, (math.exp(combined.next_low), math.exp(combined.next_high))
    return CostRecord(
        pair=s[0].pair,
        case=s[0].case,
        section=section,
        ratio=math.exp(est),
        ci_low=math.exp(low),
        ci_high=math.exp(high),
        confidence=confidence,
        method=method,
        n_rounds=n_rounds,
        n_runs=len(runs),
        p_value=p_value,
        p_adjusted=p_value,
        significant=False,
        across_runs=_across(s, confidence),
        per_alloc=per_alloc,
        allocs_escape=ae,
        allocs_noescape=an,
        bytes_escape=be,
        bytes_noescape=bn,
        escaped=bool(esc.escaped(compiler_heap, ae, an)),
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
        scope=scope,
        next_low=nxt[0],
        next_high=nxt[1],
        p_floor=p_floor,
        compiler_heap=compiler_heap,
    )


def family(records: Sequence[CostRecord]) -> str:
    """Holm's family in words: ``76 records: 38 pairs × 2 conditions``."""
    n_pairs = len({r.pair for r in records})
    n_cond = len({r.condition for r in records})
    return (
        f"{len(records)} records: {n_pairs} pair{'s' if n_pairs != 1 else ''} × "
        f"{n_cond} condition{'s' if n_cond != 1 else ''}"
    )


def too_few_note(records: Sequence[CostRecord]) -> str | None:
    """The one line an output says when no record can reach a verdict after Holm, else None."""
    if not records or any(r.resolvable for r in records):
        return None
    rounds = sorted({r.n_rounds for r in records if r.paired})
    size = f"{'/'.join(map(str, rounds))} rounds" if rounds else "too few samples"
    return f"{size}: too few for verdicts across {len(records)} records; intervals only"


def cost_records(
    results: Iterable[Result],
    *,
    sections: Mapping[str, str] | None = None,
    confidence: float = 0.95,
    alpha: float = 0.05,
    pool: bool = False,
    compiler: Mapping[tuple[str, str], bool] | None = None,
) -> list[CostRecord]:
    """One record per pair and condition, Holm-adjusted over every p-value returned.

    ``compiler`` (``analysis.witness.compiler_witness`` of the runs' escape.json)
    gives each record the compiler's witness, so ``escaped`` is
    ``bench.vocab.escaped``'s two-witness answer wherever the records go.

    Several runs of one condition give a run-aware record (``scope`` across
    runs, ``analysis.run_aware``) with the plain across-runs t-interval
    beside it; different conditions are never pooled: they become separate
    records, or, with ``pool=True`` (the caller insists the inputs are one
    condition), a :class:`BenchError` naming the differing setting.
    ``significant`` needs Holm's ``p_adjusted < α`` *and* an interval that
    excludes ×1, so no record is called slower or faster inside its interval.
    """
    samples = pair_samples(results)
    if pool:
        check_poolable(samples)
    groups: dict[tuple[str, Condition], list[PairSamples]] = {}
    for s in samples:
        groups.setdefault((s.pair, s.condition), []).append(s)
    sections = sections or {}
    combined = per_run.combined(groups, confidence)
    recs = [
        cost_record(
            g,
            section=sections.get(g[0].case, ""),
            confidence=confidence,
            combined=combined.get(key),
            compiler_heap=(compiler or {}).get((bare_go(key[1].go), g[0].case)),
        )
        for key, g in groups.items()
    ]
    adjusted = stats.holm([r.p_value for r in recs]) if recs else []
    m = len(recs)
    fam = family(recs)
    # Holm's first step multiplies the smallest p by m: below α/m nothing can pass
    resolvable = any(r.p_floor is None or r.p_floor < alpha / m for r in recs)
    out = []
    for r, p_adj in zip(recs, adjusted, strict=True):
        excludes = r.ci_low > 1 or r.ci_high < 1
        sig = p_adj < alpha and excludes
        warnings = r.warnings
        if not sig and excludes and resolvable:
            floor = f" ({r.n_rounds} rounds: p ≥ {r.p_floor:.2g})" if r.p_floor else ""
            warnings += (
                f"interval excludes ×1 but not significant after Holm over {m} "
                f"tests{floor}: inconclusive",
            )
        out.append(replace(r, p_adjusted=p_adj, significant=sig, warnings=warnings,
                           correction_family=fam, correction_m=m,
                           resolvable=resolvable))  # fmt: skip
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
                "process": r.condition.process,
                "ratio": _num(r.ratio),
                "ci_low": _num(r.ci_low),
                "ci_high": _num(r.ci_high),
                "confidence": r.confidence,
                "method": r.method,
                "n_rounds": r.n_rounds,
                "n_runs": r.n_runs,
                "n_escape": r.n_escape,
                "n_noescape": r.n_noescape,
                "scope": r.scope,
                "next_run": None
                if r.next_low is None or r.next_high is None
                else {"low": _num(r.next_low), "high": _num(r.next_high)},
                "p_value": _num(r.p_value),
                "p_floor": _num(r.p_floor),
                "p_at_floor": r.at_floor,
                "p_adjusted": _num(r.p_adjusted),
                "correction": {
                    "method": "holm",
                    "family": r.correction_family,
                    "m": r.correction_m,
                },
                "significant": r.significant,
                "resolvable": r.resolvable,
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
                    divisor=pa.divisor_unit,
                ),
                "allocs_escape": r.allocs_escape,
                "allocs_noescape": r.allocs_noescape,
                "bytes_escape": r.bytes_escape,
                "bytes_noescape": r.bytes_noescape,
                "escaped": r.escaped,
                "compiler_heap": r.compiler_heap,
                "escaped_word": esc.word(r.compiler_heap, r.allocs_escape, r.allocs_noescape),
                "escape_sec": r.escape_sec,
                "noescape_sec": r.noescape_sec,
                "gc_cpu_escape": r.gc_cpu_escape,
                "gc_cpu_noescape": r.gc_cpu_noescape,
                "runs": list(r.runs),
                "warnings": list(r.warnings),
            }
        )
    return out
