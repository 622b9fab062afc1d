"""Go's floating point, operation for operation: for ``--benchstat`` output only.

One job, behind a wall: bit-exact ports of the Go functions whose last bits show
through in benchstat's output, so ``bench compare --benchstat`` prints exactly
what benchstat prints. Only the benchstat-compatibility path of
``analysis.stats`` imports this module; everything else uses numpy/scipy.

* Go's ``math`` on amd64: ``Log`` (log_amd64.s), ``Exp`` (exp_amd64.s, with the
  FMA path Go takes on AVX+FMA machines: :data:`GO_EXP_USES_FMA`), ``Erfc``
  (erf.go) and ``Lgamma`` for integers (lgamma.go). Their results differ from C's
  libm (and so from numpy/scipy) in the last bit for a few percent of inputs.
* go-moremath (github.com/aclements/go-moremath) numerics built on them:
  binomial coefficients via ``exp(lchoose)``, the binomial pmf, the normal CDF
  and its inverse (Acklam's approximation plus a Halley step), the Hyndman–Fan
  type-8 quantile, the geometric mean, the median's order-statistic interval
  (``stats.QuantileCI``: greedy from the mode for n <= 30, normal approximation
  above) and the no-ties U distribution (Mann & Whitney's recurrence).

Evidence: ``tests/test_stats.py`` checks the ports against values printed by Go
1.26.6 linux/amd64, and every oracle case in ``tests/data/benchstat`` matches
byte for byte through them.
"""

from __future__ import annotations

import functools
import math
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

#: Whether Go's ``math.Exp`` took its FMA path when the oracle was produced
#: (amd64 with AVX+FMA, i.e. any x86 server of the last decade). It only moves
#: the last bit of geometric means, which benchstat's csv prints in full.
GO_EXP_USES_FMA = True

#: Sample sizes up to which the median CI uses the exact binomial distribution.
QUANTILE_CI_APPROX_THRESHOLD = 30


@dataclass(frozen=True)
class Orders:
    """Order statistics (1-based; 0 and n+1 mean unbounded) bounding a quantile, and coverage."""

    lo: int
    hi: int
    confidence: float
    ambiguous: bool = False


# --- go-moremath ---------------------------------------------------------------


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


def geomean(xs: Sequence[float]) -> float:
    """Geometric mean (go-moremath ``GeoMean``): NaN when empty or any value is <= 0."""
    if not xs:
        return math.nan
    m = 0.0
    for i, x in enumerate(xs):
        if x <= 0:
            return math.nan
        m += (log(x) - m) / float(i + 1)
    return exp(m)


def quantile_ci_orders(n: int, q: float, confidence: float) -> Orders:
    """Order-statistic confidence interval for the q-quantile of n observations.

    The number of observations below the population quantile is
    Binomial(n, q). For n <= 30 the interval starts at the mode and adds the
    larger neighbouring probability mass (left on ties) until the coverage
    reaches ``confidence``; above that, a normal approximation with continuity
    correction is used, left-biased when that still meets the level
    (go-moremath ``stats.QuantileCI``; see also Hahn & Meeker 1991, §5.2).
    """
    if confidence >= 1:
        return Orders(0, n + 1, 1.0)
    ambiguous = False
    if n <= QUANTILE_CI_APPROX_THRESHOLD:
        x = int(math.ceil(float(n + 1) * q) - 1)
        if q == 0:
            x = 0
        accum = binom_pmf(n, q, x)
        lo, hi = x, x + 1
        lp, rp = binom_pmf(n, q, lo - 1), binom_pmf(n, q, hi)
        ambiguous = rp == accum
        while accum < confidence and (lp > 0 or rp > 0):
            ambiguous = lp == rp
            if lp >= rp:
                accum += lp
                lo -= 1
                lp = binom_pmf(n, q, lo - 1)
            else:
                accum += rp
                hi += 1
                rp = binom_pmf(n, q, hi)
        conf = accum
    else:
        mu = float(n) * q
        sigma = math.sqrt(float(n) * q * (1 - q))
        alpha = (1 - confidence) / 2
        l1 = norm_inv_cdf(alpha, mu, sigma)
        r1 = 2 * mu - l1
        lo = math.floor(math.floor(l1 - 0.5) + 0.5) + 1
        hi = math.floor(math.ceil(r1 - 0.5) + 0.5) + 1

        def cover(a: int, b: int) -> float:
            return norm_cdf(float(b) - 0.5, mu, sigma) - norm_cdf(float(a) - 0.5, mu, sigma)

        conf = cover(lo, hi)
        biased = cover(lo, hi - 1)
        if biased >= confidence and biased < conf:
            conf, ambiguous = biased, True
            hi -= 1
        if lo <= 0 and hi >= n + 1:
            conf, ambiguous = 1.0, False
    lo = max(lo, 0)
    hi = min(hi, n + 1)
    return Orders(lo, hi, conf, ambiguous)


def binom_pmf(n: int, p: float, k: int) -> float:
    if k < 0 or k > n:
        return 0.0
    return math_choose(n, k) * math.pow(p, float(k)) * math.pow(1 - p, float(n - k))


_SQRT2 = math.sqrt(2)


def norm_cdf(x: float, mu: float, sigma: float) -> float:
    return erfc(-(x - mu) / (sigma * _SQRT2)) / 2


def norm_inv_cdf(p: float, mu: float, sigma: float) -> float:
    """Inverse normal CDF: Acklam's rational approximation plus one Halley step."""
    # fmt: off
    a = (-3.969683028665376e01, 2.209460984245205e02, -2.759285104469687e02, 1.383577518672690e02,
         -3.066479806614716e01, 2.506628277459239e00)
    # fmt: on
    # fmt: off
    b = (-5.447609879822406e01, 1.615858368580409e02, -1.556989798598866e02, 6.680131188771972e01,
         -1.328068155288572e01)
    # fmt: on
    # fmt: off
    c = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e00,
         -2.549732539343734e00, 4.374664141464968e00, 2.938163982698783e00)
    # fmt: on
    d = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e00, 3.754408661907416e00)
    plow = 0.02425
    phigh = 1 - plow
    if p < 0 or p > 1:
        return math.nan
    if p == 0:
        return -math.inf
    if p == 1:
        return math.inf
    if p < plow:
        q = math.sqrt(-2 * log(p))
        x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / (
            (((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1
        )
    elif phigh < p:
        q = math.sqrt(-2 * log(1 - p))
        x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / (
            (((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1
        )
    else:
        q = p - 0.5
        r = q * q
        x = (
            (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5])
            * q
            / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
        )
    e = 0.5 * erfc(-x / _SQRT2) - p
    u = e * math.sqrt(2 * math.pi) * exp(x * x / 2)
    x = x - u / (1 + x * u / 2)
    return x * sigma + mu


def u_pmf_no_ties(n1: int, n2: int, u: int) -> list[float]:
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


# fmt: off
_LOG_L = (6.666666666666735130e-01, 3.999999999940941908e-01, 2.857142874366239149e-01,
          2.222219843214978396e-01, 1.818357216161805012e-01, 1.531383769920937332e-01,
          1.479819860511658591e-01)
# fmt: on


def log(x: float) -> float:
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
        (hfsq - (s * (hfsq + r) + k * 1.90821492927058770002e-10)) - f
    )


# fmt: off
_EXP_C = (0.5, 1.0, 2.0, 1.6666666666666666667e-1, 4.1666666666666666667e-2,
          8.3333333333333333333e-3, 1.3888888888888888889e-3, 1.9841269841269841270e-4,
          2.4801587301587301587e-5)
# fmt: on
_LN2U = 0.69314718055966295651160180568695068359375
_LN2L = 0.28235290563031577122588448175013436025525412068e-12


def exp(x: float, use_fma: bool | None = None) -> float:
    """Go's math.Exp on amd64 (exp_amd64.s: Shibata's method, FMA path when available)."""
    if use_fma is None:
        use_fma = GO_EXP_USES_FMA
    if math.isnan(x) or x == math.inf:
        return x
    if x == -math.inf:
        return 0.0
    if x > 7.09782712893384e02:
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
# fmt: off
_PP = (1.28379167095512558561e-01, -3.25042107247001499370e-01, -2.84817495755985104766e-02,
       -5.77027029648944159157e-03, -2.37630166566501626084e-05)
# fmt: on
# fmt: off
_QQ = (1.0, 3.97917223959155352819e-01, 6.50222499887672944485e-02, 5.08130628187576562776e-03,
       1.32494738004321644526e-04, -3.96022827877536812320e-06)
# fmt: on
# fmt: off
_PA = (-2.36211856075265944077e-03, 4.14856118683748331666e-01, -3.72207876035701323847e-01,
       3.18346619901161753674e-01, -1.10894694282396677476e-01, 3.54783043256182359371e-02,
       -2.16637559486879084300e-03)
# fmt: on
# fmt: off
_QA = (1.0, 1.06420880400844228286e-01, 5.40397917702171048937e-01, 7.18286544141962662868e-02,
       1.26171219808761642112e-01, 1.36370839120290507362e-02, 1.19844998467991074170e-02)
# fmt: on
# fmt: off
_RA = (-9.86494403484714822705e-03, -6.93858572707181764372e-01, -1.05586262253232909814e01,
       -6.23753324503260060396e01, -1.62396669462573470355e02, -1.84605092906711035994e02,
       -8.12874355063065934246e01, -9.81432934416914548592e00)
# fmt: on
# fmt: off
_SA = (1.0, 1.96512716674392571292e01, 1.37657754143519042600e02, 4.34565877475229228821e02,
       6.45387271733267880336e02, 4.29008140027567833386e02, 1.08635005541779435134e02,
       6.57024977031928170135e00, -6.04244152148580987438e-02)
# fmt: on
# fmt: off
_RB = (-9.86494292470009928597e-03, -7.99283237680523006574e-01, -1.77579549177547519889e01,
       -1.60636384855821916062e02, -6.37566443368389627722e02, -1.02509513161107724954e03,
       -4.83519191608651397019e02)
# fmt: on
# fmt: off
_SB = (1.0, 3.03380607434824582924e01, 3.25792512996573918826e02, 1.53672958608443695994e03,
       3.19985821950859553908e03, 2.55305040643316442583e03, 4.74528541206955367215e02,
       -2.24409524465858183362e01)
# fmt: on


def _horner(c: Sequence[float], x: float) -> float:
    """c[0] + x*(c[1] + x*(... + x*c[-1])), evaluated innermost first like fdlibm."""
    acc = c[-1]
    for coef in reversed(c[:-1]):
        acc = coef + x * acc
    return acc


def erfc(x: float) -> float:
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
        r = exp(-z * z - 0.5625) * exp((z - x) * (z + x) + rr / ss)
        return 2 - r / x if sign else r / x
    return 2.0 if sign else 0.0


# fmt: off
_LGAM_S = (-7.72156649015328655494e-02, 2.14982415960608852501e-01, 3.25778796408930981787e-01,
           1.46350472652464452805e-01, 2.66422703033638609560e-02, 1.84028451407337715652e-03,
           3.19475326584100867617e-05)
# fmt: on
# fmt: off
_LGAM_R = (1.0, 1.39200533467621045958e00, 7.21935547567138069525e-01, 1.71933865632803078993e-01,
           1.86459191715652901344e-02, 7.77942496381893596434e-04, 7.32668430744625636189e-06)
# fmt: on
# fmt: off
_LGAM_W = (4.18938533204672725052e-01, 8.33333333333329678849e-02, -2.77777777728775536470e-03,
           7.93650558643019558500e-04, -5.95187557450339963135e-04, 8.36339918996282139126e-04,
           -1.63092934096575273989e-03)
# fmt: on


def lgamma_int(n: int) -> float:
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
            lg += log(z)
        return lg
    if x < 2.0**58:
        t = log(x)
        z = 1 / x
        y = z * z
        w = _LGAM_W
        ww = w[0] + z * (w[1] + y * (w[2] + y * (w[3] + y * (w[4] + y * (w[5] + y * w[6])))))
        return (x - 0.5) * (t - 1) + ww
    return x * (log(x) - 1)


def lchoose(n: int, k: int) -> float:
    return lgamma_int(n + 1) - lgamma_int(k + 1) - lgamma_int(n - k + 1)


@functools.cache
def choose(n: int, k: int) -> int:
    """go-moremath ``stats.choose``: the binomial coefficient via exp(lchoose), rounded."""
    if k < 0 or k > n:
        return 0
    return int(exp(lchoose(n, k)) + 0.5)


_SMALL_FACT = [math.factorial(i) for i in range(21)]


@functools.cache
def math_choose(n: int, k: int) -> float:
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
    return exp(lchoose(n, k))


def udist_cdf_no_ties(n1: int, n2: int, u: float) -> float:
    """P(U <= u) without ties (go-moremath ``UDist.CDF``), summing the smaller tail."""
    if u < 0:
        return 0.0
    if u >= float(n1 * n2):
        return 1.0
    ui = math.floor(u)
    flip = ui >= (n1 * n2 + 1) // 2
    if flip:
        ui = n1 * n2 - ui - 1
    p = 0.0
    for x in u_pmf_no_ties(n1, n2, ui)[: ui + 1]:
        p += x
    return 1 - p if flip else p


# --- the U distribution with ties (go-moremath: Cheung & Klotz 1997) -------------


def udist_cdf_ties(n1: int, n2: int, ties: Sequence[int], u: float) -> float:
    """P(U1 <= u) for sizes n1, n2 and tie vector ``ties`` (counts from ``choose``)."""
    if u < 0:
        return 0.0
    if u >= float(n1 * n2):
        return 1.0
    two_u = int(2 * u)
    memo = _make_umemo(two_u, n1, list(ties))
    return memo[len(ties)][(n1, two_u)] / float(choose(n1 + n2, n1))


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
        raise ValueError("all samples are equal")
    n_2 = t[0] + t[1]
    for key in list(memo[2]):
        n1i, tui = key
        asum = 0.0
        for r2 in range(max(0, n1i - t[0]), _go_div(tui - n1i * (t[0] - n1i), n_2) + 1):
            asum += float(choose(t[0], n1i - r2) * choose(t[1], r2))
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
                    x = float(choose(tsum, nk)) if two_u_bounds(nk, k - 1)[1] < tu else 0.0
                asum += x * float(choose(t[k - 1], rk))
            memo[k][key] = asum
    return memo


def _go_div(a: int, b: int) -> int:
    """Go's integer division (truncates toward zero)."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q
