"""The simulation that chose the escape-cost interval (``analysis.escape_cost``): coverage, width.

Not a test (``tests/test_escape_cost.py`` runs a smaller seeded copy of it):
it prints, for each noise scenario and round count, how often nominal 95 %
intervals of the escape/noescape ratio cover the true ratio and how wide they
are relative to the moving-block bootstrap the project used before. Run from
the repository root::

    python benchmarks/simulate_cost.py                 # 2000 replicates, about a minute
    python benchmarks/simulate_cost.py --reps 400      # quicker
    python benchmarks/simulate_cost.py --published results/published   # the real runs

With ``--published DIR`` it prints instead what the real runs under DIR look
like through the same lenses: each method's interval width relative to the
moving-block one (median over pair × condition × run), the lag-1
autocorrelation of the per-round log-ratios (is there memory between
rounds?), and the share of outlying rounds (spikes).

**The model** (time per op, log scale, one pair, ``R`` rounds; true ratio
×1.3, so the true log-ratio θ = log 1.3 is the centre of symmetry, mean and
median of the per-round log-ratio):

* ``drift`` — the machine's state ``s_r`` is shared by both variants of round
  *r*: log-normal with sd 0.10 that drifts as an AR(1) process (φ = 0.7)
  from round to round; each sample adds its own log-normal noise, sd 0.03.
* ``spiky`` — ``drift`` plus interruptions: each sample, with probability
  0.05, takes 2–5× as long (uniform factor).
* ``ratio-drift`` — a stress case, not a requirement: ``drift`` in which the
  escape variant feels the machine's state 1.3× as strongly, so the ratio
  itself wanders with an AR(1) component. No interval built from one run's
  rounds can be right here (neighbouring rounds are not independent); it
  shows why the across-runs interval exists.

**The intervals compared** (all on the same simulated data):

* ``HL + signed-rank`` — chosen: Hodges–Lehmann estimate of the per-round
  log-ratios with the exact Wilcoxon signed-rank interval
  (``analysis.rank_interval.signed_rank``, the production code);
* ``sign test`` — the order-statistic interval of the median of the
  per-round log-ratios (binomial);
* ``t on d`` — the t-interval of their mean;
* ``round bootstrap`` — percentile bootstrap of the median per-round log-ratio,
  single rounds resampled;
* ``moving-block (old)`` — the replaced method, reproduced here as the
  baseline: ratio of medians with a circular moving-block bootstrap over
  rounds, block length round(R^⅓) (was ``analysis.rounds.ratio_ci``).
"""

from __future__ import annotations

import argparse
import math
import shlex
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from scipy import stats as sps

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from a checkout
    sys.path.insert(0, str(ROOT))

from analysis import escape_cost  # noqa: E402
from analysis.rank_interval import signed_rank  # noqa: E402
from bench import benchfmt  # noqa: E402

TRUE_RATIO = 1.3
SHARED_SD = 0.10
PHI = 0.7
SAMPLE_SD = 0.03
SPIKE_P = 0.05
SCENARIOS = ("drift", "spiky", "ratio-drift")
ROUND_COUNTS = (20, 10, 8)
CONFIDENCE = 0.95

Interval = tuple[float, float]  # on the log scale


def simulate(scenario: str, rounds: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """One run of one pair: (escape, noescape) sec/op per round, as ``bench run`` pairs them."""
    if scenario not in SCENARIOS:
        raise ValueError(f"unknown scenario {scenario!r}")
    s = np.empty(rounds)
    s[0] = rng.normal(0, SHARED_SD)
    for r in range(1, rounds):
        s[r] = PHI * s[r - 1] + math.sqrt(1 - PHI**2) * rng.normal(0, SHARED_SD)
    gain = 1.3 if scenario == "ratio-drift" else 1.0
    log_e = math.log(100e-9 * TRUE_RATIO) + gain * s + rng.normal(0, SAMPLE_SD, rounds)
    log_n = math.log(100e-9) + s + rng.normal(0, SAMPLE_SD, rounds)
    e, n = np.exp(log_e), np.exp(log_n)
    if scenario == "spiky":
        for x in (e, n):
            hit = rng.random(rounds) < SPIKE_P
            x[hit] *= rng.uniform(2, 5, hit.sum())
    return e, n


def hl_signed_rank(e: np.ndarray, n: np.ndarray, rng: np.random.Generator) -> Interval:
    loc = signed_rank(np.log(e) - np.log(n), CONFIDENCE)
    return loc.low, loc.high


def sign_test(e: np.ndarray, n: np.ndarray, rng: np.random.Generator) -> Interval:
    d = np.sort(np.log(e) - np.log(n))
    k = d.size
    c = int(sps.binom.ppf((1 - CONFIDENCE) / 2, k, 0.5))
    if sps.binom.cdf(c, k, 0.5) > (1 - CONFIDENCE) / 2:
        c -= 1  # largest c with P(B <= c) <= alpha/2
    return (float(d[c]), float(d[k - 1 - c])) if c >= 0 else (-math.inf, math.inf)


def t_on_d(e: np.ndarray, n: np.ndarray, rng: np.random.Generator) -> Interval:
    d = np.log(e) - np.log(n)
    half = sps.t.ppf((1 + CONFIDENCE) / 2, d.size - 1) * d.std(ddof=1) / math.sqrt(d.size)
    return float(d.mean() - half), float(d.mean() + half)


def round_bootstrap(e: np.ndarray, n: np.ndarray, rng: np.random.Generator,
                    resamples: int = 2000) -> Interval:  # fmt: skip
    d = np.log(e) - np.log(n)
    meds = np.median(d[rng.integers(0, d.size, (resamples, d.size))], axis=1)
    lo, hi = np.quantile(meds, [(1 - CONFIDENCE) / 2, (1 + CONFIDENCE) / 2])
    return float(lo), float(hi)


def moving_block(e: np.ndarray, n: np.ndarray, rng: np.random.Generator,
                 resamples: int = 2000) -> Interval:  # fmt: skip
    """The replaced method (baseline only): ratio of medians, circular moving-block bootstrap."""
    r = e.size
    ell = max(1, min(r, round(r ** (1 / 3))))
    starts = rng.integers(0, r, size=(resamples, -(-r // ell)))
    idx = ((starts[:, :, None] + np.arange(ell)) % r).reshape(resamples, -1)[:, :r]
    ratios = np.median(e[idx], axis=1) / np.median(n[idx], axis=1)
    lo, hi = np.quantile(ratios, [(1 - CONFIDENCE) / 2, (1 + CONFIDENCE) / 2])
    return math.log(lo), math.log(hi)


METHODS: dict[str, Callable[[np.ndarray, np.ndarray, np.random.Generator], Interval]] = {
    "HL + signed-rank": hl_signed_rank,
    "sign test": sign_test,
    "t on d": t_on_d,
    "round bootstrap": round_bootstrap,
    "moving-block (old)": moving_block,
}


BASELINE = "moving-block (old)"


def evaluate(
    scenario: str, rounds: int, reps: int, seed: int, methods: Sequence[str] = tuple(METHODS)
) -> dict[str, tuple[float, float, float]]:
    """``{method: (coverage, median width ratio, mean width ratio)}`` over ``reps`` runs.

    Coverage is of the true log-ratio log 1.3. A width ratio compares a method's
    log-interval width with the moving-block one's *on the same simulated run*:
    the median over runs (the typical run) and the ratio of mean widths (which
    a few blown-up intervals dominate).
    """
    rng = np.random.default_rng(seed)
    theta = math.log(TRUE_RATIO)
    names = list(dict.fromkeys([*methods, BASELINE]))
    hits = dict.fromkeys(names, 0)
    widths = np.empty((len(names), reps))
    for k in range(reps):
        e, n = simulate(scenario, rounds, rng)
        for i, m in enumerate(names):
            lo, hi = METHODS[m](e, n, rng)
            hits[m] += lo <= theta <= hi
            widths[i, k] = hi - lo
    base = widths[names.index(BASELINE)]
    return {
        m: (
            hits[m] / reps,
            float(np.median(widths[i] / base)),
            float(widths[i].mean() / base.mean()),
        )
        for i, m in enumerate(names)
        if m in methods
    }


def real_runs(root: Path, seed: int) -> None:
    """The published runs through the simulation's lenses: widths, memory, spikes."""
    raws = sorted(root.rglob("raw.txt"))
    results = [r for f in raws for r in benchfmt.parse_file(f).results]
    groups = [g for g in escape_cost.pair_samples(results) if g.paired and len(g.escape) >= 8]
    rng = np.random.default_rng(seed)
    ratios: dict[str, list[float]] = {m: [] for m in METHODS if m != BASELINE}
    lag1, spikes, rounds = [], 0, 0
    for g in groups:
        e, n = np.asarray(g.escape), np.asarray(g.noescape)
        lo, hi = METHODS[BASELINE](e, n, rng)
        for m in ratios:
            mlo, mhi = METHODS[m](e, n, rng)
            ratios[m].append((mhi - mlo) / (hi - lo))
        d = np.log(e) - np.log(n)
        if d.std() > 0:
            lag1.append(float(np.corrcoef(d[:-1], d[1:])[0, 1]))
        mad = np.median(np.abs(d - np.median(d))) * 1.4826
        spikes += int(np.sum(np.abs(d - np.median(d)) > 4 * mad)) if mad > 0 else 0
        rounds += d.size
    print(
        f"{len(raws)} runs, {len(groups)} pair × condition × run groups, "
        f"{rounds} paired rounds ({len(groups[0].escape) if groups else 0} per run)"
    )
    for m, xs in ratios.items():
        print(f"width ÷ moving-block width, median: {m}: {np.median(xs):.2f}")
    print(
        f"lag-1 autocorrelation of per-round log-ratios: median {np.median(lag1):+.2f}, "
        f"sd {np.std(lag1, ddof=1):.2f}"
    )
    print(f"rounds more than 4 MADs from their group's median: {spikes / rounds:.1%}")


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reps", type=int, default=2000, help="simulated runs per cell")
    ap.add_argument("--seed", type=int, default=20261129)
    ap.add_argument("--published", type=Path, help="describe the real runs under this directory")
    args = ap.parse_args(argv)
    cmd = shlex.join(["python", "benchmarks/simulate_cost.py", *(sys.argv[1:] if argv is None
                                                               else argv)])  # fmt: skip
    print(f"command: {cmd}")
    if args.published:
        real_runs(args.published, args.seed)
        return 0
    print(
        f"true ratio ×{TRUE_RATIO}; nominal {CONFIDENCE:.0%}; {args.reps} simulated runs per row; "
        "cell = coverage · width ÷ moving-block width on the same run (median over runs; "
        "ratio of mean widths in brackets)"
    )
    print()
    print("| scenario | rounds | " + " | ".join(METHODS) + " |")
    print("|---|---:|" + "---:|" * len(METHODS))
    for i, scenario in enumerate(SCENARIOS):
        for j, rounds in enumerate(ROUND_COUNTS):
            res = evaluate(scenario, rounds, args.reps, args.seed + 100 * i + j)
            cells = [f"{c:.1%} · {med:.2f} ({mean:.2f})" for c, med, mean in res.values()]
            print(f"| {scenario} | {rounds} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
