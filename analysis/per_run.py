"""Per-run estimates of a pair: what ``analysis.run_aware`` combines across runs.

One job: from one pair's samples (``escape_cost.PairSamples``, one or several
runs of one condition) compute the rank estimate of the rounds given
(``analysis.rank_interval``), each run's estimate with its standard error,
and the run-aware combination of every pair of a condition. Neighbours:
``analysis.escape_cost`` (the only caller; turns these into records) and
``analysis.run_aware`` (the combination itself).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from typing import Protocol

import numpy as np
from scipy import stats as sps

from analysis import run_aware
from analysis.rank_interval import Location, signed_rank, two_sample

#: z of a 95 % interval: a per-run standard error is its signed-rank interval's width / (2 z).
_Z95 = 1.959963984540054


class Samples(Protocol):
    """What is read of ``escape_cost.PairSamples`` (named here to keep imports one way)."""

    @property
    def run(self) -> str: ...
    @property
    def condition(self) -> Hashable: ...
    @property
    def escape(self) -> tuple[float, ...]: ...
    @property
    def noescape(self) -> tuple[float, ...]: ...
    @property
    def paired(self) -> bool: ...


def location(s: Sequence[Samples], confidence: float, log: bool) -> Location:
    """This run's (or the pooled runs') estimate: paired on rounds, else unpaired."""

    def f(x: float) -> float:
        return math.log(x) if log else x

    if s[0].paired:
        d = [f(e) - f(n) for p in s for e, n in zip(p.escape, p.noescape, strict=True)]
        return signed_rank(d, confidence)
    return two_sample(
        [f(e) for p in s for e in p.escape], [f(n) for p in s for n in p.noescape], confidence
    )


def by_run(s: Sequence[Samples]) -> list[list[Samples]]:
    by_run: dict[str, list[Samples]] = {}
    for p in s:
        by_run.setdefault(p.run, []).append(p)
    return list(by_run.values())


def _se(loc: Location, d: Sequence[Samples], log: bool) -> float:
    """A run's standard error: its 95 % interval's width / (2 z), else sd / √n; floored > 0."""
    se = (loc.high - loc.low) / (2 * _Z95)
    if not math.isfinite(se):
        x = np.asarray([math.log(e / n) if log else e - n for p in d
                        for e, n in zip(p.escape, p.noescape, strict=True)])  # fmt: skip
        se = float(x.std(ddof=1) / math.sqrt(x.size)) if x.size > 1 else math.inf
        if not math.isfinite(se) and d[0].paired:
            se = abs(loc.estimate) + 1.0  # one round: a huge but finite error
    return max(se, abs(loc.estimate) * 1e-9, 1e-300)


def estimates(s: Sequence[Samples], log: bool) -> tuple[list[float], list[float]]:
    """Each run's estimate and standard error (log-ratio, or time difference in seconds)."""
    ys, ses = [], []
    for run in by_run(s):
        loc = location(run, 0.95, log=log)
        ys.append(loc.estimate)
        ses.append(_se(loc, run, log))
    return ys, ses


def combined(
    groups: Mapping[tuple[str, Hashable], Sequence[Samples]], confidence: float
) -> dict[tuple[str, Hashable], run_aware.Combined]:
    """Run-aware estimates of every group with ≥ 2 runs, borrowing within each condition."""
    by_cond: dict[Hashable, dict[tuple[str, Hashable], tuple[list[float], list[float]]]] = {}
    for key, g in groups.items():
        if len({p.run for p in g}) >= 2:
            by_cond.setdefault(key[1], {})[key] = estimates(g, log=True)
    out: dict[tuple[str, Hashable], run_aware.Combined] = {}
    for per_run in by_cond.values():
        out.update(run_aware.combine(per_run, confidence))  # type: ignore[arg-type]
    return out


def scaled_mean(
    s: Sequence[Samples], c: run_aware.Combined, confidence: float
) -> tuple[float, float, float]:
    """The runs' time differences combined like the ratio: inverse-variance mean, its SE
    widened by the ratio's between-run factor ``c.inflation``, on ``c.df``; (est, low, high)."""
    ys, ses = (np.asarray(x) for x in estimates(s, log=False))
    w = 1 / ses**2
    est = float((w * ys).sum() / w.sum())
    half = float(sps.t.ppf((1 + confidence) / 2, c.df)) * c.inflation * math.sqrt(1 / w.sum())
    return est, est - half, est + half
