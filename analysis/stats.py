"""Statistics of benchmark samples: summaries, comparisons, multiplicity.

One job: turn a sample of repeated measurements into a summary (centre and
confidence interval) and two samples into a comparison (p-value and change).
Grouping records into samples is ``analysis.compare``'s job; rendering is
``analysis.table``'s. As in golang.org/x/perf/benchmath the method follows a
stated assumption, never the caller:

* ``assume="nothing"`` (default, non-parametric): the centre is the **median**
  with a distribution-free interval from order statistics (the count of values
  below the population median is Binomial(n, 1/2); Hahn & Meeker, *Statistical
  Intervals*, 1991, §5.2); two samples are compared with the two-sided
  **Mann–Whitney U test** (Mann & Whitney 1947).
* ``assume="exact"`` (``Unit <unit> assume=exact``): no noise; the centre is the
  mode, a warning is raised when values vary, every change is reported (p = 0).

Two paths, chosen by ``benchstat=``:

==========================  ===============================  ==================================
quantity                    default (numpy/scipy)             ``benchstat=True`` (``_gomath``)
==========================  ===============================  ==================================
median                      ``numpy.median``                  Hyndman–Fan type 8, Go floats
median interval             exact equal-tailed binomial       go-moremath's greedy interval
                            (``scipy.stats.binom``), any n    (n <= 30), normal approx. above
U test, no ties, n <= 50    ``scipy.stats.mannwhitneyu``      Mann–Whitney recurrence
                            exact                             (go-moremath)
U test, ties, n <= 25       exact tied distribution (Cheung   same algorithm with Go's float
                            & Klotz 1997), integer counts,    ``exp(lchoose)`` counts; one tail
                            both tails                        doubled (may exceed 1)
U test, larger samples      ``mannwhitneyu`` asymptotic       normal approx. with Go's ``Erfc``
                            (tie and continuity corrections)
geometric mean              ``numpy`` log/exp                 Go's ``Log``/``Exp`` (FMA path)
==========================  ===============================  ==================================

Why two paths: benchstat prints medians and geometric means in full in its csv
and decides ``~`` from p-values, so reproducing it byte for byte needs Go's
floating point, which scipy (C's libm) does not reproduce in the last bit, and
go-moremath's interval and tie handling, which differ from the textbook
methods. ``analysis._gomath`` holds those ports behind a wall; the default path
uses the textbook methods through numpy/scipy. Evidence: ``tests/test_stats.py``
(against scipy, brute-force enumeration and values printed by Go) and the
benchstat oracle (``tests/data/benchstat``, byte for byte in compat mode).

Beyond benchstat: :func:`holm` adjusts a family of p-values (Holm 1979) and
:class:`Summary` carries the coefficient of variation used for noise advice.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import scipy.stats

from analysis import _gomath
from analysis.benchstat_format import go_repr

Assumption = Literal["nothing", "exact"]

#: benchstat's defaults (``-confidence``, ``-alpha``).
DEFAULT_CONFIDENCE = 0.95
DEFAULT_ALPHA = 0.05

#: Sample sizes up to which the exact U distribution is used (go-moremath's limits).
MANN_WHITNEY_EXACT_LIMIT = 50
MANN_WHITNEY_TIES_EXACT_LIMIT = 25
QUANTILE_CI_APPROX_THRESHOLD = _gomath.QUANTILE_CI_APPROX_THRESHOLD


class StatsError(ValueError):
    """A test that cannot be computed; ``compare`` reports it as a warning."""


class SampleSizeError(StatsError):
    def __init__(self) -> None:
        super().__init__("sample is too small")


class SamplesEqualError(StatsError):
    def __init__(self) -> None:
        super().__init__("all samples are equal")


# --- records ------------------------------------------------------------------
# --- records ------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    """Repeated measurements of one benchmark in one unit, in ascending order."""

    values: tuple[float, ...]
    unit: str = ""

    @classmethod
    def of(cls, values: Iterable[float], unit: str = "") -> Sample:
        return cls(tuple(sorted(float(v) for v in values)), unit)

    def __len__(self) -> int:
        return len(self.values)


@dataclass(frozen=True)
class Summary:
    """Centre of a sample with its confidence interval.

    ``lo``/``hi`` may be infinite when the sample is too small for the
    requested ``confidence``; ``confidence`` is the interval's actual coverage
    (>= the requested level). ``cv`` is the coefficient of variation
    (sample standard deviation / |mean|), None when undefined.
    """

    center: float
    lo: float
    hi: float
    confidence: float
    n: int
    cv: float | None = None
    warnings: tuple[str, ...] = ()

    def pct_range(self) -> str:
        """The interval as ``±`` percent of the centre, formatted like benchstat."""
        if math.isinf(self.lo) or math.isinf(self.hi):
            return "∞"
        csign = _sign(self.center)
        if csign != _sign(self.lo) or csign != _sign(self.hi):
            return "?"
        if self.center == 0:
            return "0%"
        v = max(self.hi / self.center - 1, 1 - self.lo / self.center)
        return f"{100 * v:.0f}%"

    @property
    def ci_pct(self) -> float | None:
        """The interval's half-width as a percentage (None if unbounded or undefined)."""
        if math.isinf(self.lo) or math.isinf(self.hi) or self.center == 0:
            return None
        return 100 * max(self.hi / self.center - 1, 1 - self.lo / self.center)


@dataclass(frozen=True)
class Comparison:
    """Result of testing whether two samples come from the same distribution.

    ``significant`` follows benchstat: a change is shown unless p > alpha.
    ``delta_pct`` is ``(new/old - 1)·100`` of the centres (0 when equal, None
    when old is 0 and new is not). Under ``assume="exact"`` p and alpha are 0.
    """

    p_value: float
    alpha: float
    n1: int
    n2: int
    delta_pct: float | None
    significant: bool
    warnings: tuple[str, ...] = ()
    old_center: float = 0.0
    new_center: float = 0.0

    def format_delta(self) -> str:
        """``~`` when not significant, else the change in percent (benchstat's FormatDelta)."""
        if self.p_value > self.alpha:
            return "~"
        if self.old_center == self.new_center:
            return "0.00%"
        if self.old_center == 0:
            return "?"
        return f"{((self.new_center / self.old_center) - 1.0) * 100.0:+.2f}%"

    def format_test(self) -> str:
        """``p=0.PPP n=N`` or ``n=N1+N2`` (p omitted when exactly 0)."""
        s = f"p={self.p_value:.3f} " if self.p_value != 0 else ""
        if self.n1 == self.n2:
            return s + f"n={self.n1}"
        return s + f"n={self.n1}+{self.n2}"


@dataclass(frozen=True)
class QuantileCI:
    """Order statistics bounding a quantile's confidence interval (1-based ranks).

    Ranks outside 1..n mean the bound is infinite.
    """

    n: int
    quantile: float
    confidence: float
    lo_order: int
    hi_order: int
    ambiguous: bool = False

    def bounds(self, sorted_values: Sequence[float]) -> tuple[float, float]:
        lo = -math.inf if self.lo_order < 1 else sorted_values[self.lo_order - 1]
        hi = (
            math.inf
            if self.hi_order - 1 >= len(sorted_values)
            else sorted_values[self.hi_order - 1]
        )
        return lo, hi


@dataclass(frozen=True)
class MannWhitney:
    """Mann–Whitney U statistic (ties count 1/2) and two-sided p-value."""

    u: float
    p: float
    n1: int
    n2: int
    exact: bool


# --- summaries ------------------------------------------------------------------


def median(values: Sequence[float], *, benchstat: bool = False) -> float:
    """Sample median: ``numpy.median``, or go-moremath's type-8 interpolation for benchstat."""
    if benchstat:
        return _gomath.quantile(sorted(values), 0.5)
    return float(np.median(values)) if len(values) else math.nan


def quantile(sorted_values: Sequence[float], q: float, *, benchstat: bool = False) -> float:
    """Quantile by Hyndman & Fan (1996) definition 8 (numpy's ``median_unbiased``)."""
    if benchstat:
        return _gomath.quantile(sorted_values, q)
    if not len(sorted_values):
        return math.nan
    return float(np.quantile(sorted_values, q, method="median_unbiased"))


def coefficient_of_variation(values: Sequence[float]) -> float | None:
    """Sample standard deviation over |mean| (None for n < 2 or mean 0)."""
    if len(values) < 2:
        return None
    xs = np.asarray(values, dtype=float)
    mean = float(xs.mean())
    if mean == 0:
        return None
    return float(xs.std(ddof=1)) / abs(mean)


@functools.cache
def quantile_ci(n: int, q: float, confidence: float, *, benchstat: bool = False) -> QuantileCI:
    """Order statistics bounding the q-quantile of n observations at ``confidence``.

    Default: the exact equal-tailed interval. The count B of observations below
    the population quantile is Binomial(n, q); the lower order ``l`` is the
    largest with P(B < l) <= (1-c)/2 and the upper ``u`` the smallest with
    P(B >= u) <= (1-c)/2, so [x_(l), x_(u)] covers with probability
    P(l <= B < u) >= c (Hahn & Meeker 1991, §5.2). benchstat: go-moremath's
    interval (greedy from the mode up to n = 30, normal approximation above).
    """
    if benchstat:
        o = _gomath.quantile_ci_orders(n, q, confidence)
        return QuantileCI(n, q, o.confidence, o.lo, o.hi, o.ambiguous)
    if confidence >= 1:
        return QuantileCI(n, q, 1.0, 0, n + 1)
    tail = (1 - confidence) / 2
    k = np.arange(0, n + 1)
    cdf = scipy.stats.binom.cdf(k - 1, n, q)  # P(B < k) = P(B <= k-1)
    lo = int(k[cdf <= tail].max())
    sf = scipy.stats.binom.sf(k - 1, n, q)  # P(B >= k)
    ok = k[(sf <= tail) & (k > 0)]
    hi = int(ok.min()) if ok.size else n + 1
    cover = float(scipy.stats.binom.cdf(hi - 1, n, q) - scipy.stats.binom.cdf(lo - 1, n, q))
    return QuantileCI(n, q, cover, lo, hi)


def min_samples_for_ci(confidence: float, *, benchstat: bool = False) -> tuple[str, int]:
    """Smallest n with a finite median CI at ``confidence``: (">=", n) or (">", 50)."""
    limit = 50
    for n in range(2, limit + 1):
        ci = quantile_ci(n, 0.5, confidence, benchstat=benchstat)
        if ci.lo_order > 0 and ci.hi_order <= n:
            return ">=", n
    return ">", limit


#: Minimum possible two-sided U-test p-value for two samples of size n (n=1..9).
_U_TEST_MIN_P = tuple(2 / math.comb(2 * n, n) if n else 0.0 for n in range(10))


def min_samples_for_utest(alpha: float) -> tuple[str, int]:
    """Smallest equal sample size whose U test could reach ``alpha``: (">=", n) or (">", 10)."""
    for n in range(1, len(_U_TEST_MIN_P)):
        if min(1.0, _U_TEST_MIN_P[n]) <= alpha:
            return ">=", n
    return ">", len(_U_TEST_MIN_P)


def _sorted(sample: Sample | Sequence[float]) -> tuple[float, ...]:
    if isinstance(sample, Sample):
        return sample.values
    return tuple(sorted(float(v) for v in sample))


def _mode(xs: Sequence[float]) -> tuple[float, int]:
    """The most frequent value of sorted ``xs`` (the first on ties) and its count."""
    val, count = xs[0], 1
    mode_val, mode_count = val, count
    for v in xs[1:]:
        if v == val:
            count += 1
            if count > mode_count:
                mode_val, mode_count = val, count
        else:
            val, count = v, 1
    return mode_val, mode_count


def summarize(
    sample: Sample | Sequence[float],
    confidence: float = DEFAULT_CONFIDENCE,
    assume: Assumption = "nothing",
    *,
    benchstat: bool = False,
) -> Summary:
    """Summary of a sample under an assumption (benchmath ``Assumption.Summary``).

    ``nothing``: median with its order-statistic CI, warning ``need >= N
    samples for confidence interval at level C`` when a bound is infinite.
    ``exact``: the mode, with lo/hi the extremes and a warning when the values
    are not all equal.
    """
    xs = _sorted(sample)
    if not xs:
        raise SampleSizeError()
    n = len(xs)
    cv = coefficient_of_variation(xs)
    if assume == "exact":
        mode_val, mode_count = _mode(xs)
        warnings: tuple[str, ...] = ()
        if mode_count != n:
            warnings = (
                f"exact distribution expected, but values range from "
                f"{go_repr(xs[0])} to {go_repr(xs[-1])}",
            )
        return Summary(mode_val, xs[0], xs[-1], 1.0, n, cv, warnings)
    ci = quantile_ci(n, 0.5, confidence, benchstat=benchstat)
    center = median(xs, benchstat=benchstat)
    lo, hi = ci.bounds(xs)
    warnings = ()
    if math.isinf(lo) or math.isinf(hi):
        op, need = min_samples_for_ci(confidence, benchstat=benchstat)
        warnings = (
            f"need {op} {need} samples for confidence interval at level {go_repr(confidence)}",
        )
    return Summary(center, lo, hi, ci.confidence, n, cv, warnings)


# --- comparisons ------------------------------------------------------------------


def compare(
    old: Sample | Sequence[float],
    new: Sample | Sequence[float],
    alpha: float = DEFAULT_ALPHA,
    assume: Assumption = "nothing",
    confidence: float = DEFAULT_CONFIDENCE,
    *,
    benchstat: bool = False,
) -> Comparison:
    """Compare two samples (benchmath ``Assumption.Compare``).

    ``nothing``: two-sided Mann–Whitney U test; if it cannot be computed
    (identical samples) p is 1 with the reason as a warning; if p > alpha and
    both samples are smaller than the least size that could ever reach alpha,
    a ``need >= N samples to detect a difference`` warning is added.
    ``exact``: p = 0 and alpha = 0, so every change is shown.
    """
    xs, ys = _sorted(old), _sorted(new)
    c_old = summarize(xs, confidence, assume, benchstat=benchstat).center
    c_new = summarize(ys, confidence, assume, benchstat=benchstat).center
    if assume == "exact":
        return _comparison(0.0, 0.0, len(xs), len(ys), (), c_old, c_new)
    warnings: list[str] = []
    try:
        p = mann_whitney(xs, ys, benchstat=benchstat).p
    except StatsError as e:
        return _comparison(1.0, alpha, len(xs), len(ys), (str(e),), c_old, c_new)
    if p > alpha:
        op, need = min_samples_for_utest(alpha)
        if len(xs) < need and len(ys) < need:
            warnings.append(
                f"need {op} {need} samples to detect a difference at alpha level {go_repr(alpha)}"
            )
    return _comparison(p, alpha, len(xs), len(ys), tuple(warnings), c_old, c_new)


def delta_pct(old: float, new: float) -> float | None:
    """Relative change of centres in percent (0 when equal, None when old is 0)."""
    if old == new:
        return 0.0
    if old == 0:
        return None
    return ((new / old) - 1.0) * 100.0


def _comparison(
    p: float, alpha: float, n1: int, n2: int, warnings: tuple[str, ...], old: float, new: float
) -> Comparison:
    return Comparison(p, alpha, n1, n2, delta_pct(old, new), not p > alpha, warnings, old, new)


def _ranks(x1: Sequence[float], x2: Sequence[float]) -> tuple[float, list[int]]:
    """U1 (pairs x1 > x2 plus half the ties) and the tie-group sizes of the pooled sample."""
    n1 = len(x1)
    merged = sorted([(v, 1) for v in x1] + [(v, 2) for v in x2], key=lambda t: t[0])
    r1 = 0.0
    ties: list[int] = []
    i, m = 0, len(merged)
    while i < m:
        rank1, nx1, v1 = i + 1, 0, merged[i][0]
        # a NaN equals nothing, itself included: it is a group of one (never a hang)
        while i < m and (merged[i][0] == v1 or i + 1 == rank1):
            nx1 += merged[i][1] == 1
            i += 1
        if nx1:
            r1 += float(i + rank1) / 2 * float(nx1)
        ties.append(i - rank1 + 1)
    return r1 - float(n1 * (n1 + 1)) / 2, ties


def mann_whitney(
    x1: Sequence[float], x2: Sequence[float], *, benchstat: bool = False
) -> MannWhitney:
    """Two-sided Mann–Whitney U test of x1 against x2 (method table in the module docstring).

    The exact distribution is used when no sample exceeds 50 values (25 with
    ties); otherwise the normal approximation with tie correction Σ(t³−t) and
    continuity correction. Raises :class:`SamplesEqualError` when every value
    is equal.
    """
    n1, n2 = len(x1), len(x2)
    if n1 == 0 or n2 == 0:
        raise SampleSizeError()
    u1, ties = _ranks(x1, x2)
    if len(ties) == 1:
        raise SamplesEqualError()
    has_ties = any(t > 1 for t in ties)
    limit = MANN_WHITNEY_TIES_EXACT_LIMIT if has_ties else MANN_WHITNEY_EXACT_LIMIT
    exact = n1 <= limit and n2 <= limit
    if benchstat:
        return MannWhitney(u1, _benchstat_p(n1, n2, u1, ties, exact), n1, n2, exact)
    if exact and has_ties:
        return MannWhitney(u1, _tied_p(n1, ties, u1), n1, n2, exact)
    res = scipy.stats.mannwhitneyu(
        x1, x2, alternative="two-sided", method="exact" if exact else "asymptotic"
    )
    return MannWhitney(u1, float(res.pvalue), n1, n2, exact)


def _benchstat_p(n1: int, n2: int, u1: float, ties: Sequence[int], exact: bool) -> float:
    """go-moremath's p: one tail of U at min(U1, U2) doubled, or its normal approximation."""
    u2 = float(n1 * n2) - u1
    if exact:
        if u1 == u2:
            return 1.0
        usmall = min(u1, u2)
        if any(t > 1 for t in ties):
            return _gomath.udist_cdf_ties(n1, n2, ties, usmall) * 2
        return _gomath.udist_cdf_no_ties(n1, n2, usmall) * 2
    t = float(sum(tt * tt * tt - tt for tt in ties))
    nn = float(n1 + n2)
    sigma = math.sqrt(float(n1 * n2) * ((nn + 1) - t / (nn * (nn - 1))) / 12)
    if sigma == 0:
        raise SamplesEqualError()
    numer = u1 - float(n1 * n2) / 2
    numer -= _sign(numer) * 0.5
    cdf = _gomath.norm_cdf(numer / sigma, 0.0, 1.0)
    return 2 * min(cdf, 1 - cdf)


def _sign(x: float) -> int:
    return 0 if x == 0 else (-1 if x < 0 else 1)


# --- the exact U distribution with ties -------------------------------------------


@functools.cache
def _tied_u_counts(n1: int, ties: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """The exact null distribution of 2·U1 given the tie groups: (values, counts).

    Every way of choosing which n1 of the pooled values belong to sample 1 is
    equally likely under H0; a tie group of size t at ranks a+1..a+t adds its
    midrank a + (t+1)/2 per chosen member. Dynamic programming over the groups
    on (members chosen, 2·rank sum), with C(t, j) ways to choose j of a group;
    counts stay below 2**53 for n1 + n2 <= 50, so float64 holds them exactly.
    """
    total = sum(ties)
    two_w_max = n1 * (2 * total)  # 2·(rank sum) <= 2·n1·total
    dp = np.zeros((n1 + 1, two_w_max + 1))
    dp[0, 0] = 1.0
    start = 0
    for t in ties:
        step = 2 * start + t + 1  # twice the group's midrank
        new = np.zeros_like(dp)
        for j in range(min(t, n1) + 1):
            shift = j * step
            new[j:, shift:] += math.comb(t, j) * dp[: n1 + 1 - j, : two_w_max + 1 - shift]
        dp, start = new, start + t
    two_w = np.nonzero(dp[n1])[0]
    return two_w - n1 * (n1 + 1), dp[n1][two_w]


def _tied_p(n1: int, ties: Sequence[int], u1: float) -> float:
    """Two-sided exact p with ties: twice the smaller tail of U1's distribution, at most 1."""
    two_u, counts = _tied_u_counts(n1, tuple(ties))
    total = counts.sum()
    lower = counts[two_u <= round(2 * u1)].sum() / total
    upper = counts[two_u >= round(2 * u1)].sum() / total
    return float(min(1.0, 2 * min(lower, upper)))


# --- geometric mean and multiplicity ------------------------------------------------


def geomean(xs: Sequence[float], *, benchstat: bool = False) -> float:
    """Geometric mean: NaN when empty or any value is <= 0 (go-moremath ``GeoMean`` rules)."""
    if benchstat:
        return _gomath.geomean(xs)
    if not len(xs) or min(xs) <= 0:
        return math.nan
    return float(np.exp(np.mean(np.log(np.asarray(xs, dtype=float)))))


def holm(pvalues: Sequence[float]) -> list[float]:
    """Holm (1979) step-down adjusted p-values, in the input order.

    ``p_adj(i) = max_{j <= i} min(1, (m - j + 1) · p(j))`` over the ascending
    order. Rejecting where ``p_adj <= alpha`` controls the family-wise error
    rate at alpha under any dependence between the tests.
    """
    p = np.asarray(pvalues, dtype=float)
    m = p.size
    if m == 0:
        return []
    order = np.argsort(p, kind="stable")
    adj = np.maximum.accumulate(np.minimum(1.0, (m - np.arange(m)) * p[order]))
    out = np.empty(m)
    out[order] = adj
    return [float(x) for x in out]


__all__ = [
    "DEFAULT_ALPHA",
    "DEFAULT_CONFIDENCE",
    "Assumption",
    "Comparison",
    "MannWhitney",
    "QuantileCI",
    "Sample",
    "SampleSizeError",
    "SamplesEqualError",
    "StatsError",
    "Summary",
    "coefficient_of_variation",
    "compare",
    "delta_pct",
    "geomean",
    "holm",
    "mann_whitney",
    "median",
    "min_samples_for_ci",
    "min_samples_for_utest",
    "quantile",
    "quantile_ci",
    "summarize",
]
