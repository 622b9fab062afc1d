"""Hodges–Lehmann location estimates with rank-test intervals and the tests inverted from them.

One job: given numbers (per-round log-ratios, or two samples), return the
Hodges–Lehmann estimate (Lehmann 1963), its exact distribution-free interval
from order statistics of the Walsh averages (one sample, Wilcoxon signed-rank;
Bauer 1972) or of the pairwise differences (two samples, Mann–Whitney), and
the p-value of the same test *inverted from those order statistics*, so that
``p ≤ α`` exactly when the ``1 − α`` interval excludes 0 (Hollander, Wolfe &
Chicken, *Nonparametric Statistical Methods*, 3rd ed., 2014, §3.2–3.3 and
§4.2–4.3). Also the t-interval used across runs. Neighbours:
``analysis.escape_cost`` (the only caller: what the numbers mean) and
``analysis.stats`` (benchstat's own statistics, kept bit-compatible there).

Null distributions are exact up to :data:`EXACT_MAX_ROUNDS` values (signed
rank) and ``m·n ≤`` :data:`EXACT_MAX_MN` (Mann–Whitney), normal with
continuity correction beyond; the p-value and the interval always use the
same law. Without ties or zeros the p-value equals
``scipy.stats.wilcoxon(method="exact")`` / ``mannwhitneyu(method="exact")``
(tested).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy import stats as sps

#: Up to this many values (signed rank) / m·n (Mann–Whitney) the null distribution is exact.
EXACT_MAX_ROUNDS = 200
EXACT_MAX_MN = 10_000


@dataclass(frozen=True)
class Location:
    """A location estimate with its interval and the test inverted from the same order statistics.

    ``low``/``high`` are ±inf when ``n`` is too small for the confidence asked.
    """

    estimate: float
    low: float
    high: float
    p_value: float
    n: int


@lru_cache(maxsize=256)
def _signed_rank_cdf(n: int) -> np.ndarray:
    """``P(T+ ≤ t)``, t = 0..n(n+1)/2, of Wilcoxon's signed-rank statistic under H0 (exact).

    Counts subsets of {1..n} by their sum (each rank's sign is a fair coin),
    halving at every step so nothing overflows; additions only, so no
    cancellation error.
    """
    m = n * (n + 1) // 2
    p = np.zeros(m + 1)
    p[0] = 1.0
    for k in range(1, n + 1):
        shifted = np.zeros(m + 1)
        shifted[k:] = p[: m + 1 - k]
        p = (p + shifted) / 2
    return np.minimum(np.cumsum(p), 1.0)


@lru_cache(maxsize=256)
def _mann_whitney_cdf(m: int, n: int) -> np.ndarray:
    """``P(U ≤ u)``, u = 0..m·n, of the Mann–Whitney U under H0 (exact).

    The counts are the coefficients of the Gaussian binomial ``[m+n choose m]_q``
    (Andrews, *The Theory of Partitions*, 1976, §3.3), built with exact integers.
    """
    mn = m * n
    c = np.zeros(mn + 1, dtype=object)
    c[0] = 1
    for i in range(1, min(m, n) + 1):  # c *= (1 - q^(max+i)) / (1 - q^i)
        k = max(m, n) + i
        c[k:] = c[k:] - c[: mn + 1 - k].copy()
        for r in range(i):
            c[r::i] = np.cumsum(c[r::i])
    total = math.comb(m + n, m)
    return np.array([float(x) for x in np.cumsum(c)]) / total


def _null_cdf_at(kind: str, n: int, m: int, t: float) -> float:
    """The null CDF of the signed-rank (``kind="sr"``) or U statistic at ``t``; normal past the
    exact limits (continuity-corrected), so p-value and interval always use the same law."""
    if kind == "sr":
        top = n * (n + 1) / 2
        if n <= EXACT_MAX_ROUNDS:
            return float(_signed_rank_cdf(n)[int(t)]) if t >= 0 else 0.0
        sd = math.sqrt(n * (n + 1) * (2 * n + 1) / 24)
    else:
        top = n * m
        if n * m <= EXACT_MAX_MN:
            return float(_mann_whitney_cdf(n, m)[int(t)]) if t >= 0 else 0.0
        sd = math.sqrt(n * m * (n + m + 1) / 12)
    return float(sps.norm.cdf((t + 0.5 - top / 2) / sd))


def _critical(kind: str, n: int, m: int, alpha: float) -> int:
    """Largest ``c`` with ``P(stat ≤ c) ≤ α/2`` (−1 when even ``P(stat ≤ 0)`` is larger)."""
    top = n * (n + 1) // 2 if kind == "sr" else n * m
    lo, hi = -1, top  # invariant: cdf(lo) ≤ α/2 (cdf(-1) = 0), cdf(hi) > α/2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _null_cdf_at(kind, n, m, mid) <= alpha / 2:
            lo = mid
        else:
            hi = mid
    return lo


def _invert(kind: str, diffs: np.ndarray, n: int, m: int, confidence: float) -> Location:
    """Hodges–Lehmann estimate, order-statistic interval and the p-value inverted from it.

    ``diffs`` are the Walsh averages (signed rank) or pairwise differences
    (Mann–Whitney). The ``1 − α`` interval ``[D(c+1), D(N−c)]`` excludes 0
    exactly when ``min(#{D ≤ 0}, #{D ≥ 0}) ≤ c``, i.e. when
    ``p = 2 · P(stat ≤ min(#{D ≤ 0}, #{D ≥ 0})) ≤ α``: test and interval agree
    by construction, ties and zeros included.
    """
    d = np.sort(diffs)
    total = d.size
    c = _critical(kind, n, m, 1 - confidence)
    low = float(d[c]) if c >= 0 else -math.inf
    high = float(d[total - 1 - c]) if c >= 0 else math.inf
    below = int(np.searchsorted(d, 0.0, side="right"))  # #{D ≤ 0}
    above = total - int(np.searchsorted(d, 0.0, side="left"))  # #{D ≥ 0}
    p = min(1.0, 2 * _null_cdf_at(kind, n, m, min(below, above)))
    return Location(float(np.median(d)), low, high, p, n)


def signed_rank(d: Sequence[float], confidence: float = 0.95) -> Location:
    """Hodges–Lehmann location of ``d`` with the Wilcoxon signed-rank interval and p-value.

    Lehmann (1963) for the estimator, Bauer (1972) for the Walsh-average
    interval; assumes the ``d`` independent and symmetric about their centre.
    """
    x = np.asarray(d, dtype=float)
    if x.size == 0:
        raise ValueError("signed_rank needs at least one value")
    i, j = np.triu_indices(x.size)
    return _invert("sr", (x[i] + x[j]) / 2, x.size, 0, confidence)


def two_sample(x: Sequence[float], y: Sequence[float], confidence: float = 0.95) -> Location:
    """Two-sample Hodges–Lehmann shift ``x − y`` with the Mann–Whitney interval and p-value."""
    a, b = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if a.size == 0 or b.size == 0:
        raise ValueError("two_sample needs at least one value in each sample")
    return _invert("mw", np.subtract.outer(a, b).ravel(), a.size, b.size, confidence)


def t_interval(logs: Sequence[float], confidence: float = 0.95) -> tuple[float, float, float]:
    """Mean and t-interval (df = n − 1) of per-run log estimates: ``(mean, low, high)``."""
    x = np.asarray(logs, dtype=float)
    mean = float(x.mean())
    if x.size < 2:
        return mean, -math.inf, math.inf
    half = (
        float(sps.t.ppf((1 + confidence) / 2, x.size - 1))
        * float(x.std(ddof=1))
        / math.sqrt(x.size)
    )
    return mean, mean - half, mean + half


__all__ = [
    "EXACT_MAX_MN",
    "EXACT_MAX_ROUNDS",
    "Location",
    "signed_rank",
    "t_interval",
    "two_sample",
]
