"""The escape/noescape ratio of a pair measured in rounds, with an interval that knows it.

One job: given the samples of a pair as ``bench run`` (``--order interleaved``)
wrote them — both variants measured back to back once per round, rounds one
after another in time — estimate ``median(escape) / median(noescape)`` and a
confidence interval that resamples what was actually independent. Neighbours:
``analysis.cost`` (the pair's cost, which calls this for interleaved runs) and
``analysis.stats`` (single-sample summaries); ``bench.run`` documents how the
round of a sample is recovered from raw.txt (the *i*-th sample of a cell is in
round ``i // k``, ``k`` from the ``escapebench-samples-per-round`` config line,
1 when absent).

**Estimate.** The ratio of the medians of all samples in the rounds both
variants have, as in ``analysis.cost``: the median needs no distributional
assumption and agrees with benchstat's centre.

**Interval: a circular moving-block bootstrap over rounds** (Künsch 1989,
*Ann. Statist.* 17:1217; circular blocks: Politis & Romano 1992; textbook:
Lahiri, *Resampling Methods for Dependent Data*, 2003, ch. 2). Two things
make samples on a shared machine dependent, and both are handled:

* *Within a round*, escape and noescape ran seconds or less apart and share
  the machine's state then (a neighbour's load, frequency, thermal). A round is
  never split: each resampled round brings its escape *and* noescape samples,
  so that shared state cancels in the ratio instead of inflating it — the
  cluster bootstrap of Davison & Hinkley (1997, §2.4), which resamples single
  rounds.
* *Between rounds*, the state drifts slowly: measured on a 2-core shared VM,
  per-round log-ratios of some pairs had lag-1 autocorrelation up to +0.3
  (ReturnPointer) and +0.5 with five samples per process. Resampling single
  rounds treats neighbouring rounds as independent and gives intervals that
  are too narrow. So rounds are resampled in blocks of ``ℓ`` consecutive rounds
  (wrapping around at the end, so every round is equally likely to be drawn),
  ``ℓ = round(R^(1/3))`` for ``R`` rounds — the order that minimises the
  block bootstrap's error for variances (Hall, Horowitz & Jing 1995,
  *Biometrika* 82:561); with ``ℓ = 1`` this is exactly the round bootstrap.

The 2.5 % and 97.5 % quantiles of the resampled ratios form the 95 % interval
(percentile method). A fixed ``seed`` makes it reproducible. With fewer than
:data:`MIN_ROUNDS` rounds the interval is still computed but carries a warning:
a bootstrap over a handful of clusters is too narrow (Cameron, Gelbach &
Miller 2008).

What it does not know: a run's own rounds cannot show variation slower than
the run. On a shared machine the escape variants (allocation, GC on the other
core) slow down with the neighbours' load over minutes while the noescape
variants barely move, so the ratio itself differs between runs minutes apart
by more than one run's interval says; how often another run's ratio falls
inside it is measured, not assumed, by ``benchmarks/harness.py`` (README,
"Precision and overhead").
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from analysis import stats

#: The raw.txt config key (written by ``bench run`` when above 1) giving samples per round.
SAMPLES_PER_ROUND_KEY = "escapebench-samples-per-round"
#: Below this many rounds the interval warns that it is likely too narrow.
MIN_ROUNDS = 8
DEFAULT_RESAMPLES = 10_000
DEFAULT_SEED = 20240601
TIME_UNIT = "sec/op"


@dataclass(frozen=True)
class RoundsRatio:
    """``median(escape) / median(noescape)`` over ``rounds`` paired rounds, interval ``[lo, hi]``.

    ``block`` is the number of consecutive rounds resampled together;
    ``samples_per_round`` how many samples each variant has in a round;
    ``dropped`` how many samples were left out because their round lacked the
    other variant (a failed cell, an interrupted run).
    """

    ratio: float
    lo: float
    hi: float
    confidence: float
    rounds: int
    block: int
    samples_per_round: int
    resamples: int
    seed: int
    dropped: int = 0
    warnings: tuple[str, ...] = ()
    method: str = "moving-block"

    def contains(self, x: float) -> bool:
        return self.lo <= x <= self.hi

    @property
    def half_width_pct(self) -> float:
        """Half the interval's width as a percentage of the ratio (the ``±`` figure)."""
        return 100 * (self.hi - self.lo) / 2 / self.ratio


def block_length(rounds: int) -> int:
    """Rounds per resampled block: ``round(R^(1/3))``, at least 1 (Hall et al. 1995)."""
    return max(1, round(rounds ** (1 / 3))) if rounds > 0 else 1


def round_groups(values: Sequence[float], samples_per_round: int = 1) -> list[np.ndarray]:
    """Split one cell's samples (in raw.txt order) into rounds: ``k`` consecutive samples each.

    A trailing partial round (which ``bench run`` never writes) is dropped.
    """
    k = max(1, samples_per_round)
    x = np.asarray(values, dtype=float)
    whole = x.size // k
    return [x[i * k:(i + 1) * k] for i in range(whole)]


def round_log_ratios(escape: Sequence[float], noescape: Sequence[float],
                     samples_per_round: int = 1) -> np.ndarray:
    """``log(median escape_r / median noescape_r)`` of every round ``r`` both variants have.

    The unit an A/A test of the ratio compares: one value per round, the
    round's shared state already divided out.
    """
    ge = round_groups(escape, samples_per_round)
    gn = round_groups(noescape, samples_per_round)
    r = min(len(ge), len(gn))
    return np.array([math.log(float(np.median(ge[i])) / float(np.median(gn[i])))
                     for i in range(r)])


def ratio_ci(escape: Sequence[float], noescape: Sequence[float], *,
             samples_per_round: int = 1, confidence: float = stats.DEFAULT_CONFIDENCE,
             resamples: int = DEFAULT_RESAMPLES, seed: int = DEFAULT_SEED,
             block: int | None = None) -> RoundsRatio:
    """The ratio of medians with a circular moving-block bootstrap interval over rounds.

    ``escape`` and ``noescape`` are one cell's samples each, in the order they
    were measured; ``samples_per_round`` is ``k`` (see the module doc).
    ``block`` overrides the block length (tests, and ``block=1`` for the plain
    round bootstrap).
    """
    if not 0 < confidence < 1:
        raise ValueError("confidence must be in (0, 1)")
    k = max(1, samples_per_round)
    ge = round_groups(escape, k)
    gn = round_groups(noescape, k)
    r = min(len(ge), len(gn))
    if r == 0:
        raise ValueError("ratio_ci needs at least one whole round of each variant")
    dropped = len(escape) + len(noescape) - 2 * r * k
    e = np.stack(ge[:r])  # (rounds, k)
    n = np.stack(gn[:r])
    point = _ratio(float(np.median(e)), float(np.median(n)))
    ell = block if block is not None else block_length(r)
    ell = max(1, min(ell, r))
    rng = np.random.default_rng(seed)
    idx = _circular_blocks(rng, r, ell, resamples)  # (resamples, r) round indices
    me = np.median(e[idx].reshape(resamples, -1), axis=1)
    mn = np.median(n[idx].reshape(resamples, -1), axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = me / mn
    ratios = ratios[np.isfinite(ratios)]
    alpha = 1 - confidence
    if ratios.size == 0:
        lo = hi = math.nan
    else:
        lo, hi = (float(q) for q in np.quantile(ratios, [alpha / 2, 1 - alpha / 2]))
    warnings = []
    if r < MIN_ROUNDS:
        warnings.append(f"only {r} rounds: the interval is likely too narrow; "
                        f"use --count {MIN_ROUNDS} or more")
    if dropped:
        warnings.append(f"{dropped} samples without a partner in their round left out")
    return RoundsRatio(point, lo, hi, confidence, r, ell, k, resamples, seed, dropped,
                       tuple(warnings))


def _circular_blocks(rng: np.random.Generator, rounds: int, ell: int, resamples: int
                     ) -> np.ndarray:
    """Round indices of ``resamples`` circular block resamples, each ``rounds`` long."""
    nblocks = -(-rounds // ell)
    starts = rng.integers(0, rounds, size=(resamples, nblocks))
    idx = (starts[:, :, None] + np.arange(ell)[None, None, :]) % rounds
    return idx.reshape(resamples, -1)[:, :rounds]


def _ratio(a: float, b: float) -> float:
    if b == 0:
        return math.nan if a == 0 else math.inf
    return a / b


# --- from records ------------------------------------------------------------------


def samples_per_round(records: Sequence[Any]) -> int:
    """``k`` from the records' ``escapebench-samples-per-round`` config (1 when absent)."""
    for r in records:
        v = r.config_value(SAMPLES_PER_ROUND_KEY)
        if v:
            try:
                return max(1, int(v))
            except ValueError:
                return 1
    return 1


def is_interleaved(records: Sequence[Any]) -> bool:
    """Whether ``bench run --order interleaved`` wrote these records (so rounds exist)."""
    return any(r.config_value("escapebench-order") == "interleaved" for r in records)


def from_records(escape: Sequence[Any], noescape: Sequence[Any], *,
                 confidence: float = stats.DEFAULT_CONFIDENCE,
                 resamples: int = DEFAULT_RESAMPLES, seed: int = DEFAULT_SEED
                 ) -> RoundsRatio:
    """:func:`ratio_ci` from a pair's ``bench.model.Result`` records, in raw.txt order."""
    te = [float(v) for r in escape if (v := r.get(TIME_UNIT)) is not None]
    tn = [float(v) for r in noescape if (v := r.get(TIME_UNIT)) is not None]
    return ratio_ci(te, tn, samples_per_round=samples_per_round([*escape, *noescape]),
                    confidence=confidence, resamples=resamples, seed=seed)


__all__ = ["DEFAULT_RESAMPLES", "DEFAULT_SEED", "MIN_ROUNDS", "SAMPLES_PER_ROUND_KEY",
           "RoundsRatio", "block_length", "from_records", "is_interleaved", "ratio_ci",
           "round_groups", "round_log_ratios", "samples_per_round"]
