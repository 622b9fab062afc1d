"""Combining per-run estimates into a run-aware headline: random effects, borrowed across pairs.

One job: given, for every pair of one condition, its per-run estimates and
their within-run standard errors, say what the runs together show — an
estimate, an interval and a p-value (inverted from the same *t* statistic, so
``p < α`` exactly when the ``1 − α`` interval excludes 0) and a prediction
interval for the next run's estimate — with the variance *between* runs
counted. Neighbours: ``analysis.escape_cost`` (per-run estimates in, records
out) and ``analysis.rank_interval`` (the per-run estimator).

**The model.** Run *i* of pair *j* estimates ``θ_j + u_ij`` with error
``e_ij``: ``y_ij = θ_j + u_ij + e_ij``, ``Var e_ij = s_ij²`` (the run's own
standard error), ``Var u_ij = τ_j²`` (between runs). With 3 runs a pair's own
τ² is almost unknown (a Hartung–Knapp interval with 2 df has t = 4.3), so τ²
is borrowed from every pair of the condition, as a line in the pair's
within-run variance: ``τ_j² = a + b · v̄_j`` (``v̄_j`` the mean of the
``s_ij²``), ``a, b ≥ 0``, fitted by non-negative least squares to the
DerSimonian–Laird moment equations of all pairs
(``Q_j − (k_j − 1) ≈ τ_j² (S1_j − S2_j / S1_j)``; DerSimonian & Laird 1986).
``b`` alone is one multiplicative heterogeneity factor ``1 + b`` (what the
published runs show: τ² grows with the within-run variance), ``a`` alone an
additive between-run variance; the data choose the mix. A pair whose own runs disagree more than the
line allows (Cochran's Q beyond the χ²(k − 1) 90 % point) uses its own
DerSimonian–Laird τ² when that is larger. Each pair is then an
inverse-variance random-effects mean with weights ``1 / (s_ij² + τ_j²)``,
its interval ``μ ± t_df · SE`` with ``df = Σ_j (k_j − 1) − 2`` (the residual
degrees of freedom of the shared fit). A condition with fewer than
:data:`MIN_PAIRS_TO_BORROW` pairs has nothing to borrow from: each pair gets
its own Paule–Mandel τ² (Paule & Mandel 1982) and the Hartung–Knapp–Sidik–
Jonkman interval with ``k − 1`` df (Hartung & Knapp 2001; Sidik & Jonkman
2002), its scale factor floored at 1 (Röver, Knapp & Friede 2015).
``benchmarks/simulate_cost.py`` is the evidence (docs/method.md).

**Prediction.** The next run's *estimate* is ``θ_j + u + e``: its interval is
``μ ± t_df · √(SE² + τ_j² + v̄_j)`` (Higgins, Thompson & Spiegelhalter 2009,
with the new run's own error added).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import optimize
from scipy import stats as sps

#: A pair whose Q (with the borrowed τ²) passes this χ² quantile uses its own τ² when larger.
OWN_TAU_LEVEL = 0.9
#: Below this many pairs with ≥ 2 runs a condition's pairs are combined one by one (HKSJ).
MIN_PAIRS_TO_BORROW = 5
BORROWED_METHOD = "random effects over runs, τ² borrowed across the condition's pairs (t)"
HKSJ_METHOD = "random effects over runs, Paule–Mandel τ² + Hartung–Knapp (t)"


@dataclass(frozen=True)
class Combined:
    """A pair's run-aware estimate (log scale): interval, t-test p, next-run prediction."""

    estimate: float
    low: float
    high: float
    p_value: float
    se: float
    se_fixed: float
    df: float
    tau2: float
    next_low: float
    next_high: float
    method: str

    @property
    def inflation(self) -> float:
        """How much wider than a fixed-effect combination (no between-run variance) it is."""
        return self.se / self.se_fixed if self.se_fixed > 0 else 1.0


def _t_summary(
    mu: float, se: float, df: float, tau2: float, vbar: float, se_fixed: float,
    confidence: float, method: str,
) -> Combined:  # fmt: skip
    q = float(sps.t.ppf((1 + confidence) / 2, df))
    p = float(2 * sps.t.sf(abs(mu) / se, df)) if se > 0 else (0.0 if mu else 1.0)
    half_next = q * math.sqrt(se**2 + tau2 + vbar)
    return Combined(
        mu, mu - q * se, mu + q * se, min(1.0, p), se, se_fixed, df, tau2,
        mu - half_next, mu + half_next, method,
    )  # fmt: skip


def paule_mandel(y: np.ndarray, v: np.ndarray) -> float:
    """Paule–Mandel τ²: the τ² at which the generalised Q equals its expectation k − 1."""

    def excess(t2: float) -> float:
        w = 1 / (v + t2)
        mu = float((w * y).sum() / w.sum())
        return float((w * (y - mu) ** 2).sum()) - (y.size - 1)

    if y.size < 2 or excess(0.0) <= 0:
        return 0.0
    hi = float(np.var(y, ddof=1)) * 10 + 1e-12
    while excess(hi) > 0:
        hi *= 10
    return float(optimize.brentq(excess, 0.0, hi, xtol=1e-14))


def hksj(y: Sequence[float], se: Sequence[float], confidence: float = 0.95) -> Combined:
    """One pair on its own: Paule–Mandel τ², Hartung–Knapp–Sidik–Jonkman interval (k − 1 df)."""
    ya, v = np.asarray(y, float), np.asarray(se, float) ** 2
    tau2 = paule_mandel(ya, v)
    w = 1 / (v + tau2)
    mu = float((w * ya).sum() / w.sum())
    q = max(1.0, float((w * (ya - mu) ** 2).sum()) / (ya.size - 1))
    se_re = math.sqrt(q / w.sum())
    fixed = math.sqrt(1 / (1 / v).sum())
    return _t_summary(mu, se_re, ya.size - 1, tau2, float(v.mean()), fixed, confidence,
                      HKSJ_METHOD)  # fmt: skip


def dersimonian_laird(y: np.ndarray, v: np.ndarray) -> float:
    """A pair's own moment estimate of τ² (DerSimonian & Laird 1986), truncated at 0."""
    w = 1 / v
    s1, s2 = w.sum(), (w**2).sum()
    mu = (w * y).sum() / s1
    q = float((w * (y - mu) ** 2).sum())
    return max(0.0, (q - (y.size - 1)) / (s1 - s2 / s1))


def own_or_borrowed(y: np.ndarray, v: np.ndarray, line: float) -> float:
    """The condition's τ² for this pair, unless its own runs disagree more than that allows.

    Cochran's Q with the borrowed τ² beyond its χ²(k − 1) 90 % point: the pair's
    own DerSimonian–Laird τ² (when larger), so a pair that the condition's
    line does not describe is not made to look as steady as its neighbours.
    """
    w = 1 / (v + line)
    mu = (w * y).sum() / w.sum()
    q = float((w * (y - mu) ** 2).sum())
    if q <= sps.chi2.ppf(OWN_TAU_LEVEL, y.size - 1):
        return line
    return max(line, dersimonian_laird(y, v))


def heterogeneity(runs: Sequence[tuple[np.ndarray, np.ndarray]]) -> tuple[float, float]:
    """``(a, b)`` of ``τ_j² = a + b · v̄_j`` from the moment equations of every pair (NNLS)."""
    rows, rhs = [], []
    for y, v in runs:
        w = 1 / v
        s1, s2 = w.sum(), (w**2).sum()
        mu = (w * y).sum() / s1
        q = float((w * (y - mu) ** 2).sum())
        c = s1 - s2 / s1
        rows.append([c, c * v.mean()])
        rhs.append(q - (y.size - 1))
    a, b = optimize.nnls(np.asarray(rows), np.asarray(rhs))[0]
    return float(a), float(b)


def borrowed(y: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, ...]:
    """The borrowed-τ² combination of equal-sized pairs as arrays (the simulation's entry).

    ``y``, ``v``: (pairs, runs) estimates and within-run variances. Returns
    ``(mu, se, df, tau2, vbar)``, one value per pair (``df`` a scalar array).
    """
    a, b = heterogeneity(list(zip(y, v, strict=True)))
    vbar = v.mean(axis=1)
    lines = a + b * vbar
    tau2 = np.asarray([own_or_borrowed(*p) for p in zip(y, v, lines, strict=True)])
    w = 1 / (v + tau2[:, None])
    mu = (w * y).sum(axis=1) / w.sum(axis=1)
    df = np.asarray(max(1, y.shape[0] * (y.shape[1] - 1) - 2))
    return mu, np.sqrt(1 / w.sum(axis=1)), df, tau2, vbar


def combine(
    per_run: Mapping[Hashable, tuple[Sequence[float], Sequence[float]]],
    confidence: float = 0.95,
) -> dict[Hashable, Combined]:
    """Run-aware estimates of the pairs of one condition: ``{key: (estimates, SEs)}`` in.

    Pairs with fewer than 2 runs are left out of the answer. SEs must be
    positive and finite (``escape_cost`` floors them).
    """
    multi = {
        k: (np.asarray(y, float), np.asarray(s, float) ** 2)
        for k, (y, s) in per_run.items()
        if len(y) >= 2
    }
    if len(multi) < MIN_PAIRS_TO_BORROW:
        return {k: hksj(y, np.sqrt(v), confidence) for k, (y, v) in multi.items()}
    a, b = heterogeneity(list(multi.values()))
    df = max(1, sum(y.size - 1 for y, _ in multi.values()) - 2)
    out = {}
    for k, (y, v) in multi.items():
        tau2 = own_or_borrowed(y, v, a + b * float(v.mean()))
        w = 1 / (v + tau2)
        mu = float((w * y).sum() / w.sum())
        fixed = math.sqrt(1 / (1 / v).sum())
        out[k] = _t_summary(
            mu, math.sqrt(1 / w.sum()), df, tau2, float(v.mean()), fixed, confidence,
            BORROWED_METHOD,
        )  # fmt: skip
    return out
