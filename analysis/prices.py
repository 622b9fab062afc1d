"""The price list: what one heap allocation costs, by size class and shape, per condition.

One job: from the records of the price grid (``go_cases/prices``, pairs
``Price<Shape><Size>``) compute, per condition × size × shape, the extra time
and GC CPU one escaping allocation costs, with intervals, and fit a small
cost model per condition. Pure: records in, records out. Neighbours:
:mod:`analysis.escape_cost` (the one estimator: allocations, rounds, runs,
method and, across runs, the run-aware per-allocation figure);
:mod:`bench.vocab.sizeclass` (bytes charged per object); ``bench.prices``
measures the grid and ``bench.cli.prices`` prints what this module returns.

**Per allocation.** One run: the Hodges–Lehmann estimate of the per-round
differences ``escape_r − noescape_r`` (Wilcoxon signed-rank interval)
divided by the extra allocations per op. Several runs of a condition:
``escape_cost``'s per-allocation figure, random effects over the runs, in ns
per allocation. GC CPU per allocation is the signed-rank estimator on the
per-sample differences of ``gc-cpu-sec/op`` (runs pooled), which the
runtime updates only at cycle boundaries: lumpy at short benchtimes.

**Model.** Per condition, shape and range (small ≤ 32 KiB, large above),
``ns ≈ fixed + per_kib × KiB charged``, least squares weighted for relative
error (``1/y²``), t-intervals (df = n − 2); residuals as measured ÷ fitted,
a point off by more than :data:`POOR_RATIO` either way named as poor.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.stats as sps

from analysis.escape_cost import ACROSS_RUNS, CostRecord, cost_records, pair_samples
from analysis.rank_interval import signed_rank
from bench.model import Result
from bench.vocab import sizeclass, units
from bench.vocab.condition import Condition, condition_of
from bench.vocab.sizeclass import price_pair

if TYPE_CHECKING:
    from analysis.gc_model import GcModel

SHAPES = ("noscan", "scan")
#: A measured price more than this factor off its fitted value marks the model poor there.
POOR_RATIO = 1.5
MIB = 1 << 20
METHOD = "per-round differences ÷ extra allocations: Hodges–Lehmann + Wilcoxon signed-rank"
RUN_AWARE_METHOD = (
    "per extra allocation across runs (analysis.per_alloc): random effects over the runs' "
    "Hodges–Lehmann estimates, between-run variance as for the pair ratio (t)"
)
MODEL_METHOD = "least squares, weights 1/y² (relative error); t-intervals, df = n − 2"


@dataclass(frozen=True)
class Interval:
    """A value with its interval (``ci_low``/``ci_high`` may be infinite when unknown)."""

    value: float
    ci_low: float
    ci_high: float

    def to_json(self) -> dict[str, float | None]:
        return {k: json_number(getattr(self, k)) for k in ("value", "ci_low", "ci_high")}


@dataclass(frozen=True)
class PriceRecord:
    """One grid pair under one condition: what one escaping allocation of this size costs."""

    condition: Condition
    pair: str
    size: int
    shape: str
    size_class: int
    charged_bytes: float | None
    ns_per_alloc: Interval
    gc_cpu_ns_per_alloc: Interval | None
    gc_cpu_ns_per_kib: Interval | None
    gc_cycles_per_mib: float | None
    allocs_escape: float | None
    allocs_noescape: float | None
    escaped: bool
    noescape_kind: str
    n_rounds: int
    n_runs: int
    scope: str
    method: str
    warnings: tuple[str, ...] = ()
    #: the share of the escape variant's GC CPU done by idle mark workers (median over its
    #: samples; None before the runs reported it): what a program keeping every CPU busy
    #: would pay instead of the idle CPUs
    gc_idle_share: float | None = None

    def to_json(self) -> dict[str, Any]:
        fields = {k: getattr(self, k) for k in _PRICE_FIELDS}
        fields = {k: v.to_json() if isinstance(v, Interval) else v for k, v in fields.items()}
        fields["gc_cycles_per_mib"] = json_number(self.gc_cycles_per_mib)
        fields["gc_idle_share"] = json_number(self.gc_idle_share)
        return {"kind": "price", **_cond_json(self.condition), **fields,
                "warnings": list(self.warnings)}  # fmt: skip


#: The JSON fields of a price record after its condition, in issue 19's order.
_PRICE_FIELDS = (
    "pair", "size", "size_class", "shape", "charged_bytes", "ns_per_alloc",
    "gc_cpu_ns_per_alloc", "gc_cpu_ns_per_kib", "gc_cycles_per_mib", "allocs_escape",
    "allocs_noescape", "escaped", "noescape_kind", "n_rounds", "n_runs", "scope", "method",
)  # fmt: skip


@dataclass(frozen=True)
class Segment:
    """``ns ≈ fixed + per_kib × KiB`` for one shape over one range (small or large)."""

    shape: str
    range: str
    fixed_ns: Interval
    per_kib_ns: Interval
    n_points: int
    residuals: tuple[tuple[int, float], ...]  # (size, measured ÷ fitted)
    poor: tuple[str, ...]

    def predict(self, charged: float) -> float:
        return self.fixed_ns.value + self.per_kib_ns.value * charged / 1024

    def to_json(self) -> dict[str, Any]:
        return {
            "shape": self.shape,
            "range": self.range,
            "fixed_ns": self.fixed_ns.to_json(),
            "per_kib_ns": self.per_kib_ns.to_json(),
            "n_points": self.n_points,
            "residuals": [{"size": s, "ratio": json_number(r)} for s, r in self.residuals],
            "poor": list(self.poor),
        }


@dataclass(frozen=True)
class CostModel:
    """The fitted model of one condition: segments, and the GC CPU per KiB across sizes."""

    condition: Condition
    segments: tuple[Segment, ...]
    gc_cpu_ns_per_kib: dict[str, float | None] = field(default_factory=dict)  # shape -> median
    notes: tuple[str, ...] = ()
    method: str = MODEL_METHOD

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": "model",
            **_cond_json(self.condition),
            "method": self.method,
            "segments": [s.to_json() for s in self.segments],
            "gc_cpu_ns_per_kib": {k: json_number(v) for k, v in self.gc_cpu_ns_per_kib.items()},
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class Price:
    """What ``PriceTable.price`` answers: ns per allocation with its interval, and from where."""

    value: float
    ci_low: float
    ci_high: float
    source: str


def _cond_json(c: Condition) -> dict[str, str]:
    return {"machine": c.machine, "go": c.go, "gogc": c.gogc, "live_heap": c.live_heap,
            "gomaxprocs": c.gomaxprocs}  # fmt: skip


def json_number(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)


def is_price_result(r: Result) -> bool:
    """Whether a record belongs to the price grid."""
    return price_pair(r.name.base) is not None


# --- price records -----------------------------------------------------------------


def _pair_key(r: Result, cond: Condition) -> str:
    """The pair name as ``escape_cost`` keys it (with ``-N`` when GOMAXPROCS is recorded)."""
    return r.name.pair if not cond.gomaxprocs else f"{r.name.pair}-{cond.gomaxprocs}"


def _diffs(results: Iterable[Result], unit: str) -> dict[tuple[str, Condition], list[float]]:
    """Per pair and condition: ``unit`` escape − noescape, sample by sample within each run."""
    seqs: dict[tuple[str, Condition, str, str], list[float]] = {}
    for r in results:
        v, g = r.name.variant, r.get(unit)
        if v in ("escape", "noescape") and g is not None:
            cond = condition_of(r)
            seqs.setdefault((_pair_key(r, cond), cond, r.file, v), []).append(float(g))
    out: dict[tuple[str, Condition], list[float]] = {}
    for (pair, cond, run, v), e in seqs.items():
        if v == "escape":
            n = seqs.get((pair, cond, run, "noescape"), [])
            out.setdefault((pair, cond), []).extend(a - b for a, b in zip(e, n, strict=False))
    return out


def _cycled(results: Iterable[Result]) -> set[tuple[str, Condition]]:
    """The pairs and conditions whose median escape sample completed a GC cycle.

    A sample's cycles are its ``gc-cycles/op`` × its loop count. Each sample is
    a fresh process that starts with the heap goal its live heap sets, so a
    sample that allocates less than that headroom completes no cycle: its GC
    cost is deferred, not zero. With most samples at no cycle the GC interval
    would sit at 0, a made-up number, so such a price says so instead.
    """
    per: dict[tuple[str, Condition], list[float]] = {}
    for r in results:
        g = r.get(units.GC_CYCLES)
        if r.name.variant == "escape" and g is not None:
            cond = condition_of(r)
            per.setdefault((_pair_key(r, cond), cond), []).append(float(g) * r.iters)
    return {k for k, v in per.items() if float(np.median(v)) >= 0.5}


def _idle_shares(results: Iterable[Result]) -> dict[tuple[str, Condition], float]:
    """Median over escape samples with GC CPU of idle-worker GC CPU ÷ GC CPU."""
    per: dict[tuple[str, Condition], list[float]] = {}
    for r in results:
        cpu, idle = r.get(units.GC_CPU), r.get(units.GC_IDLE_CPU)
        if r.name.variant == "escape" and cpu and idle is not None and cpu > 0:
            cond = condition_of(r)
            per.setdefault((_pair_key(r, cond), cond), []).append(float(idle) / float(cpu))
    return {k: float(np.median(v)) for k, v in per.items()}


NO_CYCLE = (
    "the median escape sample completed no GC cycle (it allocated less than the heap goal's "
    "headroom): GC cost not measured here"
)


def _scaled(loc_values: tuple[float, float, float], divisor: float) -> Interval:
    v, lo, hi = (x / divisor for x in loc_values)
    return Interval(v, lo, hi)


def price_records(
    results: Sequence[Result],
    *,
    kinds: Mapping[str, str] | None = None,
    confidence: float = 0.95,
) -> list[PriceRecord]:
    """One record per grid pair and condition (other pairs in ``results`` are ignored).

    ``kinds`` maps a pair id to its ``noescape_kind`` (``go_cases/prices/grid.toml``);
    without it the kind follows :func:`bench.vocab.sizeclass.noescape_kind`.
    """
    grid = [r for r in results if is_price_result(r)]
    costs: dict[tuple[str, Condition], CostRecord] = {
        (c.pair, c.condition): c for c in cost_records(grid, confidence=confidence)
    }
    rounds: dict[tuple[str, Condition], list[float]] = {}
    for s in pair_samples(grid):
        d = rounds.setdefault((s.pair, s.condition), [])
        d.extend((e - n) * 1e9 for e, n in zip(s.escape, s.noescape, strict=True))
    gc = _diffs(grid, units.GC_CPU)
    cycles = {k: float(np.median(v)) for k, v in _diffs(grid, units.GC_CYCLES).items() if v}
    cycled = _cycled(grid)
    idle = _idle_shares(grid)
    out = []
    for (pair, cond), c in costs.items():
        parsed = price_pair(pair)
        if parsed is None or (pair, cond) not in rounds:
            continue
        shape, size = parsed
        out.append(
            _record(c, shape, size, rounds[(pair, cond)], gc.get((pair, cond)),
                    cycles.get((pair, cond)), kinds, confidence, (pair, cond) in cycled,
                    idle.get((pair, cond)))
        )  # fmt: skip
    return sorted(out, key=lambda p: (_cond_key(p.condition), SHAPES.index(p.shape), p.size))


def _record(
    c: CostRecord,
    shape: str,
    size: int,
    diffs: list[float],
    gc: list[float] | None,
    cycles: float | None,
    kinds: Mapping[str, str] | None,
    confidence: float,
    cycled: bool = True,
    idle_share: float | None = None,
) -> PriceRecord:
    warnings = list(c.warnings)
    if not cycled:
        gc, cycles = None, None
        warnings.append(NO_CYCLE)
    extra = (c.allocs_escape or 0.0) - (c.allocs_noescape or 0.0)
    if not c.escaped or extra <= 0:
        warnings.append("the escape variant does not allocate more: no price (shown per op)")
        extra = 1.0
    elif abs(extra - 1) > 0.05:
        warnings.append(f"{extra:g} extra allocations per op, not 1")
    charged = None
    if c.bytes_escape is not None and c.bytes_noescape is not None:
        charged = (c.bytes_escape - c.bytes_noescape) / extra
    run_aware = _run_aware_ns(c, extra)
    if run_aware is not None:
        ns = run_aware
    else:
        loc = signed_rank(diffs, confidence)
        ns = _scaled((loc.estimate, loc.low, loc.high), extra)
    gc_alloc = gc_kib = None
    if gc:
        g = signed_rank([x * 1e9 for x in gc], confidence)
        gc_alloc = _scaled((g.estimate, g.low, g.high), extra)
        if charged:
            gc_kib = _scaled((gc_alloc.value, gc_alloc.ci_low, gc_alloc.ci_high), charged / 1024)
    cycles_mib = None
    if cycles is not None and c.bytes_escape and c.bytes_noescape is not None:
        extra_bytes = c.bytes_escape - c.bytes_noescape
        cycles_mib = cycles / (extra_bytes / MIB) if extra_bytes > 0 else None
    n_runs = c.n_runs
    if run_aware is not None:
        scope, method = f"across runs ({n_runs} runs pooled by random effects)", RUN_AWARE_METHOD
    else:
        scope = "this run" if n_runs == 1 else f"{n_runs} runs pooled (rounds paired within each)"
        method = METHOD if c.paired else f"{METHOD} (unpaired samples)"
    return PriceRecord(
        condition=c.condition,
        pair=c.pair,
        size=size,
        shape=shape,
        size_class=sizeclass.size_class(size, shape == "scan", c.go),
        charged_bytes=charged,
        ns_per_alloc=ns,
        gc_cpu_ns_per_alloc=gc_alloc,
        gc_cpu_ns_per_kib=gc_kib,
        gc_cycles_per_mib=cycles_mib,
        allocs_escape=c.allocs_escape,
        allocs_noescape=c.allocs_noescape,
        escaped=c.escaped,
        noescape_kind=(kinds or {}).get(c.case, sizeclass.noescape_kind(size)),
        n_rounds=c.n_rounds,
        n_runs=n_runs,
        scope=scope,
        method=method,
        warnings=tuple(warnings),
        gc_idle_share=idle_share if cycled else None,
    )


def _run_aware_ns(c: CostRecord, extra: float) -> Interval | None:
    """Over ≥ 2 runs: ``escape_cost``'s run-aware per-allocation figure, per KiB or MiB
    for large objects, back in ns per allocation (an interval that sees between-run
    variation, as ``--repeat`` asks). None for one run."""
    pa = c.per_alloc
    if c.n_runs < 2 or c.scope != ACROSS_RUNS or pa is None or extra <= 0:
        return None
    per_unit = 1.0  # per allocation already (the exact count)
    if pa.per != "alloc":
        extra_bytes = (c.bytes_escape or 0.0) - (c.bytes_noescape or 0.0)
        per_unit = extra_bytes / (1024.0 if pa.per == "KiB" else 1024.0 * 1024.0) / extra
    k = pa.ns_per_unit * per_unit
    return Interval(pa.value * k, pa.ci_low * k, pa.ci_high * k)


def _cond_key(c: Condition) -> tuple[str, ...]:
    return (c.machine, c.go, c.gogc.zfill(8), c.live_heap, c.gomaxprocs, c.benchtime, c.order)


# --- the model ---------------------------------------------------------------------


def fit_line(
    xs: Sequence[float], ys: Sequence[float], confidence: float
) -> tuple[Interval, Interval]:
    """Weighted least squares ``y ≈ a + b·x``, weights ``1/y²``; t-intervals (df = n − 2)."""
    x, y = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
    w = 1 / np.maximum(np.abs(y), 1e-9) ** 2
    a_mat = np.column_stack([np.ones_like(x), x]) * np.sqrt(w)[:, None]
    coef, *_ = np.linalg.lstsq(a_mat, y * np.sqrt(w), rcond=None)
    df = x.size - 2
    if df <= 0:
        inf = math.inf
        return Interval(float(coef[0]), -inf, inf), Interval(float(coef[1]), -inf, inf)
    resid = y * np.sqrt(w) - a_mat @ coef
    s2 = float(resid @ resid) / df
    cov = s2 * np.linalg.pinv(a_mat.T @ a_mat)
    t = float(sps.t.ppf((1 + confidence) / 2, df))
    out = []
    for i in range(2):
        half = t * math.sqrt(max(cov[i, i], 0.0))
        out.append(Interval(float(coef[i]), float(coef[i]) - half, float(coef[i]) + half))
    return out[0], out[1]


def _segment(points: Sequence[PriceRecord], shape: str, rng: str, confidence: float) -> Segment:
    xs = [float(p.charged_bytes or p.size_class) / 1024 for p in points]
    ys = [p.ns_per_alloc.value for p in points]
    fixed, per_kib = fit_line(xs, ys, confidence)
    residuals, poor = [], []
    for p, x, y in zip(points, xs, ys, strict=True):
        fitted = fixed.value + per_kib.value * x
        ratio = y / fitted if fitted > 0 else math.inf
        residuals.append((p.size, ratio))
        if not (1 / POOR_RATIO <= ratio <= POOR_RATIO):
            poor.append(f"{p.size} B: measured {y:.3g} ns, model {fitted:.3g} ns (×{ratio:.2f})")
    return Segment(shape, rng, fixed, per_kib, len(points), tuple(residuals), tuple(poor))


def fit_models(records: Sequence[PriceRecord], confidence: float = 0.95) -> list[CostModel]:
    """One model per condition: small and large segments per shape, and median GC CPU per KiB."""
    by_cond: dict[Condition, list[PriceRecord]] = {}
    for r in records:
        if r.escaped:
            by_cond.setdefault(r.condition, []).append(r)
    out = []
    for cond, recs in sorted(by_cond.items(), key=lambda kv: _cond_key(kv[0])):
        segments, notes, gc = [], [], {}
        for shape in SHAPES:
            mine = [r for r in recs if r.shape == shape]
            for rng in ("small", "large"):
                pts = [r for r in mine if (r.size_class <= sizeclass.MAX_SMALL) == (rng == "small")]
                if len(pts) >= 2:
                    segments.append(_segment(pts, shape, rng, confidence))
                elif pts:
                    notes.append(f"{shape} {rng}: one size only, no fit")
            kib = [r.gc_cpu_ns_per_kib.value for r in mine if r.gc_cpu_ns_per_kib is not None]
            gc[shape] = float(np.median(kib)) if kib else None
        notes.extend(f"{s.shape} {s.range}: poor at {p}" for s in segments for p in s.poor)
        notes.extend(
            f"{s.shape} {s.range}: only {s.n_points} sizes, no interval on the coefficients"
            for s in segments
            if s.n_points < 3
        )
        out.append(CostModel(cond, tuple(segments), gc, tuple(notes)))
    return out


# --- lookup ------------------------------------------------------------------------


@dataclass(frozen=True)
class PriceTable:
    """The price records of one condition, looked up by object size and shape."""

    condition: Condition
    records: tuple[PriceRecord, ...]
    model: CostModel | None = None

    def price(self, size: int, pointers: bool) -> Price | None:
        """ns per allocation of one ``size``-byte object (``pointers``: scan shape), or None.

        The size is first charged its size class for this Go version; a grid
        point of that class answers directly, else the two grid points around
        it are interpolated on log–log scales (value and both interval ends);
        above the grid the large-object model extrapolates (no interval).
        """
        shape = "scan" if pointers else "noscan"
        pts = sorted(
            (r for r in self.records if r.shape == shape and r.escaped),
            key=lambda r: (r.size_class, r.size),
        )
        if not pts or size <= 0:
            return None
        charged = sizeclass.size_class(size, pointers, self.condition.go)
        label = f"{self.condition.go} {shape} {charged} B"
        exact = [r for r in pts if r.size_class == charged]
        if exact:
            r = min(exact, key=lambda r: abs(r.size - size))
            v = r.ns_per_alloc
            return Price(v.value, v.ci_low, v.ci_high, f"measured: {r.pair} ({label})")
        if charged < pts[0].size_class:
            v = pts[0].ns_per_alloc
            return Price(
                v.value, v.ci_low, v.ci_high, f"smallest grid point {pts[0].pair} ({label})"
            )
        if charged > pts[-1].size_class:
            return self._extrapolate(charged, shape, pts[-1], label)
        hi = next(i for i, r in enumerate(pts) if r.size_class > charged)
        a, b = pts[hi - 1], pts[hi]
        f = (math.log(charged) - math.log(a.size_class)) / (
            math.log(b.size_class) - math.log(a.size_class)
        )
        vals = [
            _loglerp(x, y, f)
            for x, y in (
                (a.ns_per_alloc.value, b.ns_per_alloc.value),
                (a.ns_per_alloc.ci_low, b.ns_per_alloc.ci_low),
                (a.ns_per_alloc.ci_high, b.ns_per_alloc.ci_high),
            )
        ]
        return Price(*vals, f"interpolated between {a.pair} and {b.pair} ({label})")

    def _extrapolate(self, charged: int, shape: str, last: PriceRecord, label: str) -> Price:
        seg = None
        if self.model is not None:
            seg = next(
                (s for s in self.model.segments if s.shape == shape and s.range == "large"), None
            )
        if seg is not None and seg.predict(charged) > 0:
            v = seg.predict(charged)
            return Price(
                v, -math.inf, math.inf, f"extrapolated by the large-object model ({label})"
            )
        scale = charged / last.size_class  # per byte beyond the grid
        v = last.ns_per_alloc
        return Price(
            v.value * scale, v.ci_low * scale, v.ci_high * scale,
            f"scaled per byte from {last.pair} ({label})",
        )  # fmt: skip


def _loglerp(a: float, b: float, f: float) -> float:
    """Interpolate on a log scale when both ends are positive, else linearly."""
    if a > 0 and b > 0 and math.isfinite(a) and math.isfinite(b):
        return math.exp(math.log(a) + f * (math.log(b) - math.log(a)))
    return a + f * (b - a)


def price_tables(
    records: Sequence[PriceRecord], models: Sequence[CostModel] = ()
) -> dict[Condition, PriceTable]:
    """One table per condition of ``records``."""
    by: dict[Condition, list[PriceRecord]] = {}
    for r in records:
        by.setdefault(r.condition, []).append(r)
    m = {x.condition: x for x in models}
    return {c: PriceTable(c, tuple(rs), m.get(c)) for c, rs in by.items()}


def to_json(
    records: Sequence[PriceRecord],
    models: Sequence[CostModel],
    gc_models: Sequence[GcModel] = (),
) -> list[dict[str, Any]]:
    """The JSON list of ``bench prices``: price records, a model per condition, GC models."""
    return (
        [r.to_json() for r in records]
        + [m.to_json() for m in models]
        + [g.to_json() for g in gc_models]
    )
