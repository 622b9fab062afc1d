"""Statistics of benchmark samples: benchstat's ``benchmath``, reimplemented.

One job: turn a sample of repeated measurements into a summary (centre and
confidence interval) and two samples into a comparison (p-value and change).
Grouping records into samples is ``analysis.compare``'s job; rendering is
``analysis.table``'s.

The method is chosen by a stated distributional assumption, as in
golang.org/x/perf/benchmath, never by the caller:

* ``assume="nothing"`` (the default, non-parametric): the centre is the sample
  **median**; its confidence interval is distribution-free, built from order
  statistics whose ranks come from Binomial(n, 1/2) (exact for n <= 30, normal
  approximation with continuity correction above; Hahn & Meeker, *Statistical
  Intervals*, 1991, §5.2). Two samples are compared with the two-sided
  **Mann–Whitney U test** (Mann & Whitney 1947): the exact U distribution when
  both samples have <= 50 values (<= 25 with ties, where the tied distribution
  is computed as in Klotz 1966 and Cheung & Klotz 1997), otherwise the normal
  approximation with tie and continuity corrections.
* ``assume="exact"`` (``Unit <unit> assume=exact``): the value has no noise.
  The centre is the mode, a warning is raised when values vary, and every
  change is reported (p is treated as 0).

Agreement with benchstat is bit-for-bit: the few places where the Go
implementation's floating point shows through (``math.Log``, ``math.Exp`` and
``math.Lgamma`` on amd64, used by geometric means, binomial coefficients and
the normal approximation) are ported operation for operation below, so the
numbers printed by ``analysis.table`` match benchstat's, digit for digit.

Beyond benchstat: :func:`holm` adjusts a family of p-values (Holm 1979) and
:class:`Summary` carries the coefficient of variation used for noise advice.
"""

from __future__ import annotations

import functools
import math
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Literal

Assumption = Literal["nothing", "exact"]

#: benchstat's defaults (``-confidence``, ``-alpha``).
DEFAULT_CONFIDENCE = 0.95
DEFAULT_ALPHA = 0.05

#: Sample sizes up to which the exact U distribution is used (go-moremath).
MANN_WHITNEY_EXACT_LIMIT = 50
MANN_WHITNEY_TIES_EXACT_LIMIT = 25

#: Sample sizes up to which the median CI uses the exact binomial distribution.
QUANTILE_CI_APPROX_THRESHOLD = 30

#: Whether Go's ``math.Exp`` took its FMA path when the oracle was produced
#: (amd64 with AVX+FMA, i.e. any x86 server of the last decade). It only moves
#: the last bit of geometric means, which benchstat's csv prints in full.
GO_EXP_USES_FMA = True


class StatsError(ValueError):
    """A test that cannot be computed; ``compare`` reports it as a warning."""


class SampleSizeError(StatsError):
    def __init__(self) -> None:
        super().__init__("sample is too small")


class SamplesEqualError(StatsError):
    def __init__(self) -> None:
        super().__init__("all samples are equal")


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
        hi = (math.inf if self.hi_order - 1 >= len(sorted_values)
              else sorted_values[self.hi_order - 1])
        return lo, hi


@dataclass(frozen=True)
class MannWhitney:
    """Mann–Whitney U statistic (ties count 1/2) and two-sided p-value."""

    u: float
    p: float
    n1: int
    n2: int
    exact: bool


# --- public functions -----------------------------------------------------------


def median(values: Sequence[float]) -> float:
    """Sample median (go-moremath ``Sample.Quantile(0.5)``: Hyndman & Fan type 8)."""
    return quantile(sorted(values), 0.5)


def quantile(sorted_values: Sequence[float], q: float) -> float:
    """Quantile by linear interpolation, Hyndman & Fan (1996) definition 8."""
    xs = sorted_values
    if not xs:
        return math.nan
    if q <= 0:
        return xs[0]
    if q >= 1:
        return xs[-1]
    n = 1 / 3.0 + q * (len(xs) + 1 / 3.0)
    k = math.floor(n)
    frac = n - k
    if k <= 0:
        return xs[0]
    if k >= len(xs):
        return xs[-1]
    return xs[k - 1] + frac * (xs[k] - xs[k - 1])


def coefficient_of_variation(values: Sequence[float]) -> float | None:
    """Sample standard deviation over |mean| (None for n < 2 or mean 0)."""
    n = len(values)
    if n < 2:
        return None
    mean = math.fsum(values) / n
    if mean == 0:
        return None
    var = math.fsum((x - mean) ** 2 for x in values) / (n - 1)
    return math.sqrt(var) / abs(mean)


def quantile_ci(n: int, q: float, confidence: float) -> QuantileCI:
    """Order-statistic confidence interval for the q-quantile of n observations.

    The number of observations below the population quantile is
    Binomial(n, q). For n <= 30 the interval starts at the mode and adds the
    larger neighbouring probability mass (left on ties) until the coverage
    reaches ``confidence``; above that, a normal approximation with continuity
    correction is used, left-biased when that still meets the level
    (go-moremath ``stats.QuantileCI``; see also Hahn & Meeker 1991, §5.2).
    """
    if confidence >= 1:
        return QuantileCI(n, q, 1.0, 0, n + 1)
    ambiguous = False
    if n <= QUANTILE_CI_APPROX_THRESHOLD:
        x = int(math.ceil(float(n + 1) * q) - 1)
        if q == 0:
            x = 0
        accum = _binom_pmf(n, q, x)
        lo, hi = x, x + 1
        lp, rp = _binom_pmf(n, q, lo - 1), _binom_pmf(n, q, hi)
        ambiguous = rp == accum
        while accum < confidence and (lp > 0 or rp > 0):
            ambiguous = lp == rp
            if lp >= rp:
                accum += lp
                lo -= 1
                lp = _binom_pmf(n, q, lo - 1)
            else:
                accum += rp
                hi += 1
                rp = _binom_pmf(n, q, hi)
        conf = accum
    else:
        mu = float(n) * q
        sigma = math.sqrt(float(n) * q * (1 - q))
        alpha = (1 - confidence) / 2
        l1 = _norm_inv_cdf(alpha, mu, sigma)
        r1 = 2 * mu - l1
        lo = math.floor(math.floor(l1 - 0.5) + 0.5) + 1
        hi = math.floor(math.ceil(r1 - 0.5) + 0.5) + 1

        def cover(a: int, b: int) -> float:
            return _norm_cdf(float(b) - 0.5, mu, sigma) - _norm_cdf(float(a) - 0.5, mu, sigma)

        conf = cover(lo, hi)
        biased = cover(lo, hi - 1)
        if biased >= confidence and biased < conf:
            conf, ambiguous = biased, True
            hi -= 1
        if lo <= 0 and hi >= n + 1:
            conf, ambiguous = 1.0, False
    lo = max(lo, 0)
    hi = min(hi, n + 1)
    return QuantileCI(n, q, conf, lo, hi, ambiguous)


def min_samples_for_ci(confidence: float) -> tuple[str, int]:
    """Smallest n with a finite median CI at ``confidence``: (">=", n) or (">", 50)."""
    limit = 50
    for n in range(2, limit + 1):
        ci = _median_ci(n, confidence)
        if ci.lo_order > 0 and ci.hi_order <= n:
            return ">=", n
    return ">", limit


#: Minimum possible two-sided U-test p-value for two samples of size n (n=1..9).
_U_TEST_MIN_P = (
    0.0, 1.0, 0.3333333333333333, 0.1, 0.02857142857142857, 0.007936507936507936,
    0.0021645021645021645, 0.0005827505827505828, 0.0001554001554001554,
    4.113533525298231e-05,
)


def min_samples_for_utest(alpha: float) -> tuple[str, int]:
    """Smallest equal sample size whose U test could reach ``alpha``: (">=", n) or (">", 10)."""
    for n in range(1, len(_U_TEST_MIN_P)):
        if _U_TEST_MIN_P[n] <= alpha:
            return ">=", n
    return ">", len(_U_TEST_MIN_P)


def summarize(sample: Sample | Sequence[float], confidence: float = DEFAULT_CONFIDENCE,
              assume: Assumption = "nothing") -> Summary:
    """Summary of a sample under an assumption (benchmath ``Assumption.Summary``).

    ``nothing``: median with its order-statistic CI, warning
    ``need >= N samples for confidence interval at level C`` when a bound is
    infinite. ``exact``: the mode, with lo/hi the extremes and a warning when
    the values are not all equal.
    """
    xs = sample.values if isinstance(sample, Sample) else tuple(sorted(float(v) for v in sample))
    if not xs:
        raise SampleSizeError()
    n = len(xs)
    cv = coefficient_of_variation(xs)
    if assume == "exact":
        val, count = xs[0], 1
        mode_val, mode_count = val, count
        for v in xs[1:]:
            if v == val:
                count += 1
                if count > mode_count:
                    mode_val, mode_count = val, count
            else:
                val, count = v, 1
        warnings: tuple[str, ...] = ()
        if mode_count != n:
            warnings = (f"exact distribution expected, but values range from "
                        f"{go_repr(xs[0])} to {go_repr(xs[-1])}",)
        return Summary(mode_val, xs[0], xs[-1], 1.0, n, cv, warnings)
    ci = _median_ci(n, confidence)
    center = quantile(xs, 0.5)
    lo, hi = ci.bounds(xs)
    warnings = ()
    if math.isinf(lo) or math.isinf(hi):
        op, need = min_samples_for_ci(confidence)
        warnings = (f"need {op} {need} samples for confidence interval at level "
                    f"{go_repr(confidence)}",)
    return Summary(center, lo, hi, ci.confidence, n, cv, warnings)


def compare(old: Sample | Sequence[float], new: Sample | Sequence[float],
            alpha: float = DEFAULT_ALPHA, assume: Assumption = "nothing",
            confidence: float = DEFAULT_CONFIDENCE) -> Comparison:
    """Compare two samples (benchmath ``Assumption.Compare``).

    ``nothing``: two-sided Mann–Whitney U test; if it cannot be computed
    (identical samples) p is 1 with the reason as a warning; if p > alpha and
    both samples are smaller than the least size that could ever reach alpha,
    a ``need >= N samples to detect a difference`` warning is added.
    ``exact``: p = 0 and alpha = 0, so every change is shown.
    """
    xs = old.values if isinstance(old, Sample) else tuple(sorted(float(v) for v in old))
    ys = new.values if isinstance(new, Sample) else tuple(sorted(float(v) for v in new))
    c_old = summarize(xs, confidence, assume).center
    c_new = summarize(ys, confidence, assume).center
    if assume == "exact":
        return _comparison(0.0, 0.0, len(xs), len(ys), (), c_old, c_new)
    warnings: list[str] = []
    try:
        p = mann_whitney(xs, ys).p
    except StatsError as e:
        return _comparison(1.0, alpha, len(xs), len(ys), (str(e),), c_old, c_new)
    if p > alpha:
        op, need = min_samples_for_utest(alpha)
        if len(xs) < need and len(ys) < need:
            warnings.append(f"need {op} {need} samples to detect a difference at alpha level "
                            f"{go_repr(alpha)}")
    return _comparison(p, alpha, len(xs), len(ys), tuple(warnings), c_old, c_new)


def delta_pct(old: float, new: float) -> float | None:
    """Relative change of centres in percent (0 when equal, None when old is 0)."""
    if old == new:
        return 0.0
    if old == 0:
        return None
    return ((new / old) - 1.0) * 100.0


def _comparison(p: float, alpha: float, n1: int, n2: int, warnings: tuple[str, ...],
                old: float, new: float) -> Comparison:
    return Comparison(p, alpha, n1, n2, delta_pct(old, new), not p > alpha, warnings, old, new)


def mann_whitney(x1: Sequence[float], x2: Sequence[float]) -> MannWhitney:
    """Two-sided Mann–Whitney U test of x1 against x2 (go-moremath ``MannWhitneyUTest``).

    U counts pairs where x1 > x2 plus half the ties. The exact U distribution
    is used when no sample exceeds 50 values (25 with ties; the tied
    distribution follows Cheung & Klotz 1997); otherwise the normal
    approximation with tie correction Σ(t³−t) and continuity correction.
    Raises :class:`SamplesEqualError` when every value is equal.
    """
    n1, n2 = len(x1), len(x2)
    if n1 == 0 or n2 == 0:
        raise SampleSizeError()
    merged = sorted([(v, 1) for v in x1] + [(v, 2) for v in x2], key=lambda t: t[0])
    # go-moremath merges two sorted lists taking from x2 on ties; labels only
    # matter through rank sums, which ties average out, so a stable sort is equal.
    r1 = 0.0
    ties: list[int] = []
    has_ties = False
    i = 0
    m = len(merged)
    while i < m:
        rank1, nx1, v1 = i + 1, 0, merged[i][0]
        while i < m and merged[i][0] == v1:
            if merged[i][1] == 1:
                nx1 += 1
            i += 1
        if nx1:
            r1 += float(i + rank1) / 2 * float(nx1)
        ties.append(i - rank1 + 1)
        if i > rank1:
            has_ties = True
    u1 = r1 - float(n1 * (n1 + 1)) / 2
    u2 = float(n1 * n2) - u1
    usmall = min(u1, u2)
    limit = MANN_WHITNEY_TIES_EXACT_LIMIT if has_ties else MANN_WHITNEY_EXACT_LIMIT
    exact = n1 <= limit and n2 <= limit
    if exact:
        if len(ties) == 1:
            raise SamplesEqualError()
        p = 1.0 if u1 == u2 else _udist_cdf(n1, n2, ties, usmall) * 2
    else:
        t = float(sum(tt * tt * tt - tt for tt in ties))
        nn = float(n1 + n2)
        mu = float(n1 * n2) / 2
        sigma = math.sqrt(float(n1 * n2) * ((nn + 1) - t / (nn * (nn - 1))) / 12)
        if sigma == 0:
            raise SamplesEqualError()
        numer = u1 - mu
        numer -= _sign(numer) * 0.5
        z = numer / sigma
        cdf = _norm_cdf(z, 0.0, 1.0)
        p = 2 * min(cdf, 1 - cdf)
    return MannWhitney(u1, p, n1, n2, exact)


def geomean(xs: Sequence[float]) -> float:
    """Geometric mean (go-moremath ``GeoMean``): NaN when empty or any value is <= 0."""
    if not xs:
        return math.nan
    m = 0.0
    for i, x in enumerate(xs):
        if x <= 0:
            return math.nan
        m += (_go_log(x) - m) / float(i + 1)
    return _go_exp(m)


def holm(pvalues: Sequence[float]) -> list[float]:
    """Holm (1979) step-down adjusted p-values, in the input order.

    ``p_adj(i) = max_{j <= i} min(1, (m - j + 1) · p(j))`` over the ascending
    order. Rejecting where ``p_adj < alpha`` controls the family-wise error
    rate at alpha under any dependence between the tests.
    """
    m = len(pvalues)
    order = sorted(range(m), key=lambda i: pvalues[i])
    out = [0.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * pvalues[i]))
        out[i] = running
    return out


def go_repr(x: float) -> str:
    """``x`` as Go's ``fmt`` ``%v`` prints a float64: shortest digits, ``%e`` form when
    the decimal exponent is < -4 or >= 6 (strconv 'g' with precision -1)."""
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "+Inf" if x > 0 else "-Inf"
    if x == 0:
        return "-0" if math.copysign(1.0, x) < 0 else "0"
    sign, digit_tuple, exponent = Decimal(repr(float(x))).as_tuple()
    digits = "".join(map(str, digit_tuple)).rstrip("0")
    dp = len(digit_tuple) + int(exponent)  # decimal point position after the first digit run
    exp = dp - 1
    if exp < -4 or exp >= 6:
        mant = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        s = f"{mant}e{'-' if exp < 0 else '+'}{abs(exp):02d}"
    elif dp <= 0:
        s = "0." + "0" * (-dp) + digits
    elif dp >= len(digits):
        s = digits + "0" * (dp - len(digits))
    else:
        s = digits[:dp] + "." + digits[dp:]
    return ("-" if sign else "") + s


# --- internals: distributions ---------------------------------------------------

_MEDIAN_CI_CACHE: dict[tuple[int, float], QuantileCI] = {}


def _median_ci(n: int, confidence: float) -> QuantileCI:
    key = (n, confidence)
    ci = _MEDIAN_CI_CACHE.get(key)
    if ci is None:
        ci = _MEDIAN_CI_CACHE[key] = quantile_ci(n, 0.5, confidence)
    return ci


def _sign(x: float) -> int:
    return 0 if x == 0 else (-1 if x < 0 else 1)


def _binom_pmf(n: int, p: float, k: int) -> float:
    if k < 0 or k > n:
        return 0.0
    return _math_choose(n, k) * math.pow(p, float(k)) * math.pow(1 - p, float(n - k))


_SQRT2 = math.sqrt(2)


def _norm_cdf(x: float, mu: float, sigma: float) -> float:
    return _go_erfc(-(x - mu) / (sigma * _SQRT2)) / 2


def _norm_inv_cdf(p: float, mu: float, sigma: float) -> float:
    """Inverse normal CDF: Acklam's rational approximation plus one Halley step."""
    a = (-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
         1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00)
    b = (-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
         6.680131188771972e+01, -1.328068155288572e+01)
    c = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
         -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00)
    d = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
         3.754408661907416e+00)
    plow = 0.02425
    phigh = 1 - plow
    if p < 0 or p > 1:
        return math.nan
    if p == 0:
        return -math.inf
    if p == 1:
        return math.inf
    if p < plow:
        q = math.sqrt(-2 * _go_log(p))
        x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / \
            ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
    elif phigh < p:
        q = math.sqrt(-2 * _go_log(1 - p))
        x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / \
            ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
    else:
        q = p - 0.5
        r = q * q
        x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q / \
            (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
    e = 0.5 * _go_erfc(-x / _SQRT2) - p
    u = e * math.sqrt(2 * math.pi) * _go_exp(x * x / 2)
    x = x - u / (1 + x * u / 2)
    return x * sigma + mu


def _udist_cdf(n1: int, n2: int, ties: Sequence[int], u: float) -> float:
    """CDF of the Mann–Whitney U distribution for sizes n1, n2 and tie vector ``ties``."""
    if u < 0:
        return 0.0
    if u >= float(n1 * n2):
        return 1.0
    if any(t > 1 for t in ties):
        two_u = int(2 * u)
        memo = _make_umemo(two_u, n1, list(ties))
        return memo[len(ties)][(n1, two_u)] / float(_choose(n1 + n2, n1))
    ui = math.floor(u)
    flip = ui >= (n1 * n2 + 1) // 2
    if flip:
        ui = n1 * n2 - ui - 1
    pdfs = _u_pmf_no_ties(n1, n2, ui)
    p = 0.0
    for x in pdfs[: ui + 1]:
        p += x
    if flip:
        p = 1 - p
    return p


def _u_pmf_no_ties(n1: int, n2: int, u: int) -> list[float]:
    """P(U = 0..u) without ties: Mann & Whitney's recurrence, by dynamic programming."""
    nn, mm = (n1, n2) if n1 <= n2 else (n2, n1)
    memo = [[0.0] * (u + 1) for _ in range(nn + 1)]
    for m in range(mm + 1):
        memo[0][0] = 1.0
        nlim = min(nn, m)
        for n in range(1, nlim + 1):
            lp = memo[n - 1]
            rp = memo[n] if n <= m - 1 else memo[m - 1]
            ulim = min(n * m, u)
            out = memo[n]
            nplusm = float(n + m)
            for u1 in range(ulim, -1, -1):
                left = float(n) * lp[u1 - m] if u1 - m >= 0 else 0.0
                right = float(m) * rp[u1]
                out[u1] = (left + right) / nplusm
    return memo[nn]


def _make_umemo(two_u: int, n1: int, t: list[int]) -> list[dict[tuple[int, int], float]]:
    """Cumulative permutation counts of 2U with ties (Cheung & Klotz 1997, linked-list method).

    Entry ``[k][(n1, 2U)]`` counts arrangements of a first sample of size n1
    over the first k tie groups with statistic <= U.
    """
    kk = len(t)
    a = [0] * (kk + 1)
    a[1] = t[0]
    for k in range(2, kk + 1):
        a[k] = a[k - 1] + t[k - 2] + t[k - 1]
    bounds: dict[tuple[int, int], tuple[int, int]] = {}

    def two_u_bounds(n: int, k: int) -> tuple[int, int]:
        key = (n, k)
        got = bounds.get(key)
        if got is None:
            lo = hi = -n * n
            rem = n
            for j in range(1, k + 1):
                take = min(rem, t[j - 1])
                lo += take * a[j]
                rem -= take
            rem = n
            for j in range(k, 0, -1):
                take = min(rem, t[j - 1])
                hi += take * a[j]
                rem -= take
            got = bounds[key] = (lo, hi)
        return got

    memo: list[dict[tuple[int, int], float]] = [{} for _ in range(kk + 1)]
    memo[kk] = {(n1, two_u): 0.0}
    tsum = sum(t)
    for k in range(kk - 1, 1, -1):
        tsum -= t[k]
        cur = memo[k]
        for n1_next, two_u_next in memo[k + 1]:
            for rk in range(max(0, n1_next - tsum), min(n1_next, t[k]) + 1):
                tu = two_u_next - rk * (a[k + 1] - 2 * n1_next + rk)
                nk = n1_next - rk
                lo, hi = two_u_bounds(nk, k)
                if lo <= tu <= hi:
                    cur[(nk, tu)] = 0.0
    if kk < 2:
        raise SamplesEqualError()
    n_2 = t[0] + t[1]
    for key in list(memo[2]):
        n1i, tui = key
        asum = 0.0
        for r2 in range(max(0, n1i - t[0]), _go_div(tui - n1i * (t[0] - n1i), n_2) + 1):
            asum += float(_choose(t[0], n1i - r2) * _choose(t[1], r2))
        memo[2][key] = asum
    tsum = t[0]
    for k in range(3, kk + 1):
        tsum += t[k - 2]
        prev = memo[k - 1]
        for key in list(memo[k]):
            n1i, tui = key
            asum = 0.0
            for rk in range(max(0, n1i - tsum), min(n1i, t[k - 1]) + 1):
                tu = tui - rk * (a[k] - 2 * n1i + rk)
                nk = n1i - rk
                x = prev.get((nk, tu))
                if x is None:
                    x = float(_choose(tsum, nk)) if two_u_bounds(nk, k - 1)[1] < tu else 0.0
                asum += x * float(_choose(t[k - 1], rk))
            memo[k][key] = asum
    return memo


def _go_div(a: int, b: int) -> int:
    """Go's integer division (truncates toward zero)."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


# --- internals: Go's floating point, operation for operation -------------------
#
# go-moremath calls Go's math.Log / math.Exp / math.Lgamma. On amd64 Log and
# Exp are assembly (src/math/log_amd64.s, exp_amd64.s) whose results differ
# from C's libm in the last bit for a few percent of inputs, and the last bit
# is visible in benchstat's csv. These ports reproduce them exactly.


def _f64_bits(x: float) -> int:
    return int(struct.unpack("<Q", struct.pack("<d", x))[0])


def _f64_from_bits(b: int) -> float:
    return float(struct.unpack("<d", struct.pack("<Q", b & 0xFFFFFFFFFFFFFFFF))[0])


def _fma(a: float, b: float, c: float) -> float:
    """a·b + c with a single rounding (exact rational arithmetic, then one rounding)."""
    return float(Fraction(a) * Fraction(b) + Fraction(c))


_LOG_L = (6.666666666666735130e-01, 3.999999999940941908e-01, 2.857142874366239149e-01,
          2.222219843214978396e-01, 1.818357216161805012e-01, 1.531383769920937332e-01,
          1.479819860511658591e-01)


def _go_log(x: float) -> float:
    """Go's math.Log on amd64 (log_amd64.s: FreeBSD's e_log.c in SSE2)."""
    if x == 0:
        return -math.inf
    if x < 0 or math.isnan(x):
        return math.nan
    if math.isinf(x):
        return x
    bits = _f64_bits(x)
    f1 = _f64_from_bits((bits & 0x000FFFFFFFFFFFFF) | 0x3FE0000000000000)
    k = float(((bits >> 52) & 0x7FF) - 0x3FE)
    if f1 < 7.07106781186547524401e-01:
        k -= 1.0
        f1 *= 2.0
    f = f1 - 1.0
    s = f / (2.0 + f)
    s2 = s * s
    s4 = s2 * s2
    l1, l2, l3, l4, l5, l6, l7 = _LOG_L
    t1 = s2 * (l1 + s4 * (l3 + s4 * (l5 + s4 * l7)))
    t2 = s4 * (l2 + s4 * (l4 + s4 * l6))
    r = t1 + t2
    hfsq = 0.5 * f * f
    return k * 6.93147180369123816490e-01 - (
        (hfsq - (s * (hfsq + r) + k * 1.90821492927058770002e-10)) - f)


_EXP_C = (0.5, 1.0, 2.0, 1.6666666666666666667e-1, 4.1666666666666666667e-2,
          8.3333333333333333333e-3, 1.3888888888888888889e-3, 1.9841269841269841270e-4,
          2.4801587301587301587e-5)
_LN2U = 0.69314718055966295651160180568695068359375
_LN2L = 0.28235290563031577122588448175013436025525412068e-12


def _go_exp(x: float, use_fma: bool | None = None) -> float:
    """Go's math.Exp on amd64 (exp_amd64.s: Shibata's method, FMA path when available)."""
    if use_fma is None:
        use_fma = GO_EXP_USES_FMA
    if math.isnan(x) or x == math.inf:
        return x
    if x == -math.inf:
        return 0.0
    if x > 7.09782712893384e+02:
        return math.inf
    t = 1.4426950408889634073599246810018920 * x
    e = round(t) if abs(t) < 2**31 else -(2**31)  # CVTSD2SL rounds half to even
    fe = float(e)
    c = _EXP_C
    if use_fma:
        x = _fma(-_LN2U, fe, x)
        x = _fma(-_LN2L, fe, x)
        x *= 0.0625
        p = c[8]
        for coef in (c[7], c[6], c[5], c[4], c[3], c[0], c[1]):
            p = _fma(p, x, coef)
        x *= p
        for _ in range(3):
            x *= x + c[2]
        x = _fma(x, x + c[2], c[1])
    else:
        x -= _LN2U * fe
        x -= _LN2L * fe
        x *= 0.0625
        p = c[8]
        for coef in (c[7], c[6], c[5], c[4], c[3], c[0], c[1]):
            p = p * x + coef
        x *= p
        for _ in range(4):
            x *= x + c[2]
        x += c[1]
    biased = e + 0x3FF
    if biased <= 0:
        if biased < -52:
            return 0.0
        return x * _f64_from_bits((biased + 0x3FE) << 52) * _f64_from_bits(1 << 52)
    if biased >= 0x7FF:
        return math.inf
    return x * _f64_from_bits(biased << 52)


_ERX = 8.45062911510467529297e-01
_PP = (1.28379167095512558561e-01, -3.25042107247001499370e-01, -2.84817495755985104766e-02,
       -5.77027029648944159157e-03, -2.37630166566501626084e-05)
_QQ = (1.0, 3.97917223959155352819e-01, 6.50222499887672944485e-02, 5.08130628187576562776e-03,
       1.32494738004321644526e-04, -3.96022827877536812320e-06)
_PA = (-2.36211856075265944077e-03, 4.14856118683748331666e-01, -3.72207876035701323847e-01,
       3.18346619901161753674e-01, -1.10894694282396677476e-01, 3.54783043256182359371e-02,
       -2.16637559486879084300e-03)
_QA = (1.0, 1.06420880400844228286e-01, 5.40397917702171048937e-01, 7.18286544141962662868e-02,
       1.26171219808761642112e-01, 1.36370839120290507362e-02, 1.19844998467991074170e-02)
_RA = (-9.86494403484714822705e-03, -6.93858572707181764372e-01, -1.05586262253232909814e+01,
       -6.23753324503260060396e+01, -1.62396669462573470355e+02, -1.84605092906711035994e+02,
       -8.12874355063065934246e+01, -9.81432934416914548592e+00)
_SA = (1.0, 1.96512716674392571292e+01, 1.37657754143519042600e+02, 4.34565877475229228821e+02,
       6.45387271733267880336e+02, 4.29008140027567833386e+02, 1.08635005541779435134e+02,
       6.57024977031928170135e+00, -6.04244152148580987438e-02)
_RB = (-9.86494292470009928597e-03, -7.99283237680523006574e-01, -1.77579549177547519889e+01,
       -1.60636384855821916062e+02, -6.37566443368389627722e+02, -1.02509513161107724954e+03,
       -4.83519191608651397019e+02)
_SB = (1.0, 3.03380607434824582924e+01, 3.25792512996573918826e+02, 1.53672958608443695994e+03,
       3.19985821950859553908e+03, 2.55305040643316442583e+03, 4.74528541206955367215e+02,
       -2.24409524465858183362e+01)


def _horner(c: Sequence[float], x: float) -> float:
    """c[0] + x*(c[1] + x*(... + x*c[-1])), evaluated innermost first like fdlibm."""
    acc = c[-1]
    for coef in reversed(c[:-1]):
        acc = coef + x * acc
    return acc


def _go_erfc(x: float) -> float:
    """Go's math.Erfc (erf.go, FreeBSD's s_erf.c), with Go's Exp."""
    if math.isnan(x):
        return math.nan
    if x == math.inf:
        return 0.0
    if x == -math.inf:
        return 2.0
    sign = x < 0
    if sign:
        x = -x
    if x < 0.84375:
        if x < 2.0**-56:
            temp = x
        else:
            z = x * x
            y = _horner(_PP, z) / _horner(_QQ, z)
            temp = x + x * y if x < 0.25 else 0.5 + (x * y + (x - 0.5))
        return 1 + temp if sign else 1 - temp
    if x < 1.25:
        s = x - 1
        pq = _horner(_PA, s) / _horner(_QA, s)
        return 1 + _ERX + pq if sign else 1 - _ERX - pq
    if x < 28:
        s = 1 / (x * x)
        if x < 1 / 0.35:
            rr, ss = _horner(_RA, s), _horner(_SA, s)
        else:
            if sign and x > 6:
                return 2.0
            rr, ss = _horner(_RB, s), _horner(_SB, s)
        z = _f64_from_bits(_f64_bits(x) & 0xFFFFFFFF00000000)
        r = _go_exp(-z * z - 0.5625) * _go_exp((z - x) * (z + x) + rr / ss)
        return 2 - r / x if sign else r / x
    return 2.0 if sign else 0.0


_LGAM_S = (-7.72156649015328655494e-02, 2.14982415960608852501e-01, 3.25778796408930981787e-01,
           1.46350472652464452805e-01, 2.66422703033638609560e-02, 1.84028451407337715652e-03,
           3.19475326584100867617e-05)
_LGAM_R = (1.0, 1.39200533467621045958e+00, 7.21935547567138069525e-01,
           1.71933865632803078993e-01, 1.86459191715652901344e-02, 7.77942496381893596434e-04,
           7.32668430744625636189e-06)
_LGAM_W = (4.18938533204672725052e-01, 8.33333333333329678849e-02, -2.77777777728775536470e-03,
           7.93650558643019558500e-04, -5.95187557450339963135e-04, 8.36339918996282139126e-04,
           -1.63092934096575273989e-03)


def _go_lgamma_int(n: int) -> float:
    """Go's math.Lgamma for a positive integer argument (lgamma.go, the x >= 1 branches)."""
    x = float(n)
    if n <= 0:
        return math.inf
    if x == 1 or x == 2:
        return 0.0
    if x < 8:
        i = int(x)
        y = x - float(i)
        s, r = _LGAM_S, _LGAM_R
        p = y * (s[0] + y * (s[1] + y * (s[2] + y * (s[3] + y * (s[4] + y * (s[5] + y * s[6]))))))
        q = 1 + y * (r[1] + y * (r[2] + y * (r[3] + y * (r[4] + y * (r[5] + y * r[6])))))
        lg = 0.5 * y + p / q
        z = 1.0
        for j in range(i - 1, 1, -1):  # z = (y+2)(y+3)...(y+i-1), multiplied high to low
            z *= y + j
        if i >= 3:
            lg += _go_log(z)
        return lg
    if x < 2.0**58:
        t = _go_log(x)
        z = 1 / x
        y = z * z
        w = _LGAM_W
        ww = w[0] + z * (w[1] + y * (w[2] + y * (w[3] + y * (w[4] + y * (w[5] + y * w[6])))))
        return (x - 0.5) * (t - 1) + ww
    return x * (_go_log(x) - 1)


def _lchoose(n: int, k: int) -> float:
    return _go_lgamma_int(n + 1) - _go_lgamma_int(k + 1) - _go_lgamma_int(n - k + 1)


@functools.cache
def _choose(n: int, k: int) -> int:
    """go-moremath ``stats.choose``: the binomial coefficient via exp(lchoose), rounded."""
    if k < 0 or k > n:
        return 0
    return int(_go_exp(_lchoose(n, k)) + 0.5)


_SMALL_FACT = [math.factorial(i) for i in range(21)]


@functools.cache
def _math_choose(n: int, k: int) -> float:
    """go-moremath ``mathx.Choose``: exact up to n = 20, exp(lchoose) above."""
    if k == 0 or k == n:
        return 1.0
    if k < 0 or n < k:
        return 0.0
    if n <= 20:
        numer = 1
        for n1 in range(n - (k - 1), n + 1):
            numer *= n1
        return float(numer // _SMALL_FACT[k])
    return _go_exp(_lchoose(n, k))


__all__ = [
    "DEFAULT_ALPHA", "DEFAULT_CONFIDENCE", "Assumption", "Comparison", "MannWhitney",
    "QuantileCI", "Sample", "SampleSizeError", "SamplesEqualError", "StatsError", "Summary",
    "coefficient_of_variation", "compare", "delta_pct", "geomean", "go_repr", "holm",
    "mann_whitney", "median", "min_samples_for_ci", "min_samples_for_utest", "quantile",
    "quantile_ci", "summarize",
]

