"""The cost of escaping: escape/noescape time ratio with a bootstrap interval, and per allocation.

One job: for each pair (``BenchmarkX/variant=escape`` vs ``variant=noescape``,
same toolchain, GC setting and GOMAXPROCS) say how much slower the escaping
variant is, how sure we are, and what each extra heap allocation costs.
Grouping is by the record's name and configuration; statistics of single
samples come from ``analysis.stats``.

**The ratio** is ``median(escape) / median(noescape)`` of time per op, with a
95 % **percentile bootstrap** interval (Efron & Tibshirani, *An Introduction
to the Bootstrap*, 1993, ch. 13): resample each variant with replacement,
recompute the ratio of medians, take the 2.5 % and 97.5 % quantiles of the
replicates. The median and a ratio make no normality assumption and the
interval needs none either; a fixed ``seed`` for numpy's ``Generator`` makes
the interval reproducible.

**Rounds.** ``bench run`` measures in interleaved rounds: in round *k* both
variants of a pair run back to back, so slow drift of the machine (thermal
throttling, a noisy neighbour, frequency scaling) moves both of them
together. Resampling values independently treats that drift as noise in each
variant and widens the interval for no reason; resampling **whole rounds**
(a block, or cluster, bootstrap: Davison & Hinkley, *Bootstrap Methods and
their Application*, 1997, §2.4 and §8.2) keeps each round's pair together, so
the common drift cancels in the ratio and the interval reflects only the noise
that does not. It is used whenever round labels are given (records of a pair
are taken to share a round when they share an occurrence index, which is how
``bench run --order interleaved`` writes them).

**Per allocation.** When the escape variant allocates more,
``(median_escape − median_noescape) / (allocs_escape − allocs_noescape)`` is
the extra time per escaped allocation (and the same for GC CPU time per op,
unit ``gc-cpu-sec/op``), with the time's bootstrap interval carried along.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from analysis import rounds, stats

TIME_UNIT = "sec/op"
ALLOCS_UNIT = "allocs/op"
BYTES_UNIT = "B/op"
GC_CPU_UNIT = "gc-cpu-sec/op"

DEFAULT_RESAMPLES = 10_000
DEFAULT_SEED = 20240601


@dataclass(frozen=True)
class RatioCI:
    """``ratio = median(a) / median(b)`` with a bootstrap interval ``[lo, hi]``.

    ``method`` is ``"percentile"`` (values resampled independently) or
    ``"rounds"`` (whole rounds resampled); ``rounds`` is how many there were.
    """

    ratio: float
    lo: float
    hi: float
    confidence: float
    method: Literal["percentile", "rounds"]
    resamples: int
    seed: int
    n_a: int
    n_b: int
    rounds: int | None = None

    @property
    def pct(self) -> float:
        """The ratio as a percent change (``+30.0`` for 1.3)."""
        return (self.ratio - 1) * 100

    def contains(self, x: float) -> bool:
        return self.lo <= x <= self.hi


@dataclass(frozen=True)
class EscapeCost:
    """What escaping costs one pair, under one configuration.

    Times are in seconds per op (the tidied unit); ``*_per_alloc`` are seconds
    per extra allocation, None unless the escape variant allocates more.
    """

    pair: str
    config: tuple[tuple[str, str], ...]
    label: str
    time: RatioCI
    escape_sec: float
    noescape_sec: float
    allocs_escape: float | None = None
    allocs_noescape: float | None = None
    bytes_escape: float | None = None
    bytes_noescape: float | None = None
    extra_sec_per_alloc: float | None = None
    extra_sec_per_alloc_ci: tuple[float, float] | None = None
    gc_cpu_escape: float | None = None
    gc_cpu_noescape: float | None = None
    extra_gc_cpu_sec_per_alloc: float | None = None
    warnings: tuple[str, ...] = ()

    @property
    def extra_allocs(self) -> float | None:
        if self.allocs_escape is None or self.allocs_noescape is None:
            return None
        return self.allocs_escape - self.allocs_noescape

    @property
    def extra_ns_per_alloc(self) -> float | None:
        return None if self.extra_sec_per_alloc is None else self.extra_sec_per_alloc * 1e9


def ratio_ci(a: Sequence[float], b: Sequence[float], *,
             rounds_a: Sequence[Hashable] | None = None,
             rounds_b: Sequence[Hashable] | None = None,
             confidence: float = stats.DEFAULT_CONFIDENCE, resamples: int = DEFAULT_RESAMPLES,
             seed: int = DEFAULT_SEED) -> RatioCI:
    """Ratio of medians ``median(a)/median(b)`` with a percentile bootstrap interval.

    Without round labels each sample is resampled on its own (Efron &
    Tibshirani 1993, ch. 13). With ``rounds_a``/``rounds_b`` (equal label =
    measured in the same round) whole rounds are resampled, keeping both
    samples of a round together (a cluster bootstrap; Davison & Hinkley 1997,
    §2.4), so drift shared by a round cancels in the ratio. Deterministic for
    a given ``seed``.
    """
    xa = np.asarray(a, dtype=float)
    xb = np.asarray(b, dtype=float)
    if xa.size == 0 or xb.size == 0:
        raise ValueError("ratio_ci needs at least one value in each sample")
    if not 0 < confidence < 1:
        raise ValueError("confidence must be in (0, 1)")
    point = _ratio(float(np.median(xa)), float(np.median(xb)))
    rng = np.random.default_rng(seed)
    if rounds_a is None and rounds_b is None:
        ma = _boot_medians(xa, rng, resamples)
        mb = _boot_medians(xb, rng, resamples)
        method: Literal["percentile", "rounds"] = "percentile"
        n_rounds = None
    else:
        if rounds_a is None or rounds_b is None or len(rounds_a) != xa.size \
                or len(rounds_b) != xb.size:
            raise ValueError("round labels must be given for every value of both samples")
        ma, mb, n_rounds = _block_medians(xa, list(rounds_a), xb, list(rounds_b), rng, resamples)
        method = "rounds"
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = ma / mb
    ratios = ratios[np.isfinite(ratios)]
    alpha = 1 - confidence
    if ratios.size == 0:
        lo = hi = math.nan
    else:
        lo, hi = (float(q) for q in np.quantile(ratios, [alpha / 2, 1 - alpha / 2]))
    return RatioCI(point, lo, hi, confidence, method, resamples, seed, int(xa.size),
                   int(xb.size), n_rounds)


def _ratio(a: float, b: float) -> float:
    if b == 0:
        return math.nan if a == 0 else math.inf
    return a / b


def _boot_medians(x: np.ndarray, rng: np.random.Generator, b: int) -> np.ndarray:
    idx = rng.integers(0, x.size, size=(b, x.size))
    return np.asarray(np.median(x[idx], axis=1))


def _block_medians(xa: np.ndarray, ra: list[Hashable], xb: np.ndarray, rb: list[Hashable],
                   rng: np.random.Generator, b: int) -> tuple[np.ndarray, np.ndarray, int]:
    labels: list[Hashable] = []
    seen: set[Hashable] = set()
    for lab in ra + rb:
        if lab not in seen:
            seen.add(lab)
            labels.append(lab)
    ga = [xa[[i for i, lab in enumerate(ra) if lab == r]] for r in labels]
    gb = [xb[[i for i, lab in enumerate(rb) if lab == r]] for r in labels]
    n = len(labels)
    pick = rng.integers(0, n, size=(b, n))
    ka, kb = {g.size for g in ga}, {g.size for g in gb}
    if len(ka) == 1 and len(kb) == 1 and 0 not in ka | kb:
        # Every round holds the same number of values of each: gather in one go.
        aa, bb = np.stack(ga), np.stack(gb)
        return (np.median(aa[pick].reshape(b, -1), axis=1),
                np.median(bb[pick].reshape(b, -1), axis=1), n)
    ma = np.empty(b)
    mb = np.empty(b)
    for i in range(b):
        va = np.concatenate([ga[j] for j in pick[i]])
        vb = np.concatenate([gb[j] for j in pick[i]])
        ma[i] = np.median(va) if va.size else math.nan
        mb[i] = np.median(vb) if vb.size else math.nan
    return ma, mb, n


# --- from records ------------------------------------------------------------------


def _values(records: Sequence[Any], unit: str) -> list[float]:
    out = []
    for r in records:
        v = r.get(unit)
        if v is not None:
            out.append(float(v))
    return out


def _med(xs: Sequence[float]) -> float | None:
    return stats.median(xs) if xs else None


def escape_cost(escape: Sequence[Any], noescape: Sequence[Any], *, pair: str = "",
                config: tuple[tuple[str, str], ...] = (), label: str = "",
                paired_rounds: bool = True, confidence: float = stats.DEFAULT_CONFIDENCE,
                resamples: int = DEFAULT_RESAMPLES, seed: int = DEFAULT_SEED) -> EscapeCost:
    """The cost of one pair from its records (``bench.model.Result``), in input order.

    With ``paired_rounds`` the i-th escape and i-th noescape records are taken
    to be from round i (how interleaved runs are written) and whole rounds are
    resampled; otherwise values are resampled independently.
    """
    te, tn = _values(escape, TIME_UNIT), _values(noescape, TIME_UNIT)
    if not te or not tn:
        raise ValueError(f"{pair or 'pair'}: both variants need {TIME_UNIT} values")
    warnings: list[str] = []
    if paired_rounds and rounds.is_interleaved([*escape, *noescape]):
        # interleaved rounds: a block bootstrap over whole rounds (analysis.rounds)
        rr = rounds.from_records(escape, noescape, confidence=confidence, resamples=resamples,
                                 seed=seed)
        ci = RatioCI(rr.ratio, rr.lo, rr.hi, confidence, "rounds", resamples, seed, len(te),
                     len(tn), rr.rounds)
        warnings.extend(rr.warnings)
    else:
        # sequential or plain `go test` output: no rounds, values resampled independently
        ci = ratio_ci(te, tn, confidence=confidence, resamples=resamples, seed=seed)
    me, mn = stats.median(te), stats.median(tn)
    ae, an = _med(_values(escape, ALLOCS_UNIT)), _med(_values(noescape, ALLOCS_UNIT))
    be, bn = _med(_values(escape, BYTES_UNIT)), _med(_values(noescape, BYTES_UNIT))
    ge, gn = _med(_values(escape, GC_CPU_UNIT)), _med(_values(noescape, GC_CPU_UNIT))
    per_alloc = per_alloc_ci = gc_per_alloc = None
    if ae is not None and an is not None:
        extra = ae - an
        if extra > 0:
            per_alloc = (me - mn) / extra
            # The interval of the time difference, in the noescape median's units.
            per_alloc_ci = ((ci.lo - 1) * mn / extra, (ci.hi - 1) * mn / extra)
            if ge is not None and gn is not None:
                gc_per_alloc = (ge - gn) / extra
        elif extra < 0:
            warnings.append("the noescape variant allocates more than the escape variant")
        else:
            warnings.append("both variants allocate the same: no per-allocation cost")
    return EscapeCost(pair, config, label, ci, me, mn, ae, an, be, bn, per_alloc, per_alloc_ci,
                      ge, gn, gc_per_alloc, tuple(warnings))


def escape_costs(results: Iterable[Any], *, variant_key: str = "variant",
                 escape: str = "escape", noescape: str = "noescape",
                 paired_rounds: bool = True, confidence: float = stats.DEFAULT_CONFIDENCE,
                 resamples: int = DEFAULT_RESAMPLES, seed: int = DEFAULT_SEED) -> list[EscapeCost]:
    """Every pair found in ``results``, in order of first appearance.

    Records pair up when they share the input label, the file configuration,
    GOMAXPROCS and the name without its ``/variant=`` part; pairs missing a
    variant are skipped.
    """
    groups: dict[tuple[Any, ...], dict[str, list[Any]]] = {}
    for r in results:
        v = r.name.key(variant_key)
        if v not in (escape, noescape):
            continue
        key = (getattr(r, "file", ""), tuple(r.config), r.name.pair, r.name.procs)
        groups.setdefault(key, {escape: [], noescape: []})[v].append(r)
    out = []
    for (label, config, pair, procs), g in groups.items():
        if not g[escape] or not g[noescape]:
            continue
        name = pair if procs is None else f"{pair}-{procs}"
        out.append(escape_cost(g[escape], g[noescape], pair=name, config=config, label=label,
                               paired_rounds=paired_rounds, confidence=confidence,
                               resamples=resamples, seed=seed))
    return out


__all__ = ["ALLOCS_UNIT", "DEFAULT_RESAMPLES", "DEFAULT_SEED", "GC_CPU_UNIT", "TIME_UNIT",
           "EscapeCost", "RatioCI", "escape_cost", "escape_costs", "ratio_ci"]
