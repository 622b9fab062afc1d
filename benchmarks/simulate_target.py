"""The simulation that chose the precision-target rule (``analysis.target``): coverage at the stop.

Run through ``benchmarks/simulate_cost.py --target [FRACTION ...]`` (its noise
model, fitted from the committed runs: ``--show-model``). Stopping a pair
when its interval is narrow enough picks the runs whose rounds happened to
agree, so the interval at the stopping time may cover less than 95 %. For
each target and rule (the level of the interval that decides, the rounds
before any pair may stop) it prints:

* **one run** — coverage of the run's own ratio by the 95 % interval reported
  at each pair's stopping time, the share of pairs that met the target by
  ``MAX_ROUNDS``, the rounds used (median, 90th percentile, mean), and the
  coverage of fixed 20-round runs on the same simulated data;
* **a series** (``--repeat 3``, the fitted between-run variance) — each run
  stops a pair once the run-aware headline over the runs so far (borrowed τ²,
  ``analysis.run_aware``) meets the target; coverage of the long-run ratio by
  the final headline and the mean rounds per run.

Every ``analysis.target.STEP`` rounds from the floor a pair stops once the
half-width ``(high − low) / 2 / ratio`` is ≤ the target, else at ``MAX_ROUNDS``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence

import numpy as np
import simulate_cost as sim
from scipy import stats as sps

from analysis import run_aware
from analysis import target as rule
from bench.plan import TARGET_COUNT

#: Targets, the rules compared (decision level, minimum rounds), most rounds, runs of a series.
TARGETS, MAX_ROUNDS, SERIES = (0.05, 0.07, 0.10), TARGET_COUNT, 3
RULES = ((0.95, 8), (0.95, 12), (0.97, 12))
_Z95 = 1.959963984540054


def _rounds(fitted: dict, reps: int, runs: int, rng: np.random.Generator) -> np.ndarray:
    """Per-round log-ratios (reps, pairs, runs, MAX_ROUNDS): real noise, fitted run offsets,
    centred so that every pair's long-run ratio is ×1."""
    pool = np.asarray(fitted["within_sd"], float)
    sd = pool[rng.integers(0, pool.size, sim.PAIRS)]
    centre = sim._pseudo_median("real", fitted, rng) * sd
    d = sim._noise("real", fitted, sd, (reps, sim.PAIRS, runs, MAX_ROUNDS), rng)
    d = d - centre[None, :, None, None]
    if runs == 1:
        return d
    bt = fitted["between"]
    tau = np.sqrt(float(bt["a"]) + float(bt["b"]) * sd**2 * math.pi / (3 * sim.ROUNDS))
    return d + (rng.normal(0, 1, d.shape[:3]) * tau[None, :, None])[..., None]


_MEMO: dict[tuple[object, ...], tuple[np.ndarray, ...]] = {}


def _hl(key: tuple[object, ...], d: np.ndarray, level: float = 0.95) -> tuple[np.ndarray, ...]:
    """``sim._per_run_hl`` remembered by (data key, level): every rule of a target sees the
    same simulated runs, so their intervals at a round count are computed once."""
    if (*key, level) not in _MEMO:
        _MEMO[(*key, level)] = sim._per_run_hl(d, level)[:3]
    return _MEMO[(*key, level)]


def _hw(est: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    return (np.exp(hi) - np.exp(lo)) / (2 * np.exp(est))


def target_rule(
    target: float, reps: int, seed: int, fitted: dict | None = None, *,
    level: float = rule.DECISION_LEVEL, min_rounds: int = rule.MIN_ROUNDS,
) -> dict[str, float]:  # fmt: skip
    """One run per pair: coverage at the stopping time, share met, rounds used."""
    fitted = fitted or sim.load_model()
    tag = json.dumps(fitted, sort_keys=True)
    d = _rounds(fitted, reps, 1, np.random.default_rng(seed))[:, :, 0]
    stop, covered, met = (np.full((reps, sim.PAIRS), x) for x in (MAX_ROUNDS, False, False))
    for n in range(min_rounds, MAX_ROUNDS + 1, rule.STEP):
        est, lo, hi = _hl(("one", tag, reps, seed, n), d[..., :n], level)
        _e, lo95, hi95 = _hl(("one", tag, reps, seed, n), d[..., :n])
        hw = _hw(est, lo, hi)
        now = ~met & ((hw <= target) | (n == MAX_ROUNDS))
        covered[now], stop[now] = ((lo95 <= 0) & (hi95 >= 0))[now], n
        met |= now & (hw <= target)
    fixed = sim._per_run_hl(d[..., : sim.ROUNDS])
    return {"coverage": float(covered.mean()), "met": float(met.mean()),
            "fixed_coverage": float(np.mean((fixed[1] <= 0) & (fixed[2] >= 0))),
            "rounds_median": float(np.median(stop)), "rounds_mean": float(stop.mean()),
            "rounds_p90": float(np.quantile(stop, 0.9))}  # fmt: skip


def _headline(y: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The run-aware 95 % headline (mu, half) of every rep: (reps, pairs, runs) in."""
    mu, half = np.empty(y.shape[:2]), np.empty(y.shape[:2])
    for k in range(y.shape[0]):
        m, se, df, _t, _v = run_aware.borrowed(y[k], v[k])
        mu[k], half[k] = m, sps.t.ppf(0.975, df) * se
    return mu, half


def series_rule(
    target: float, reps: int, seed: int, fitted: dict | None = None, *,
    level: float = rule.DECISION_LEVEL, min_rounds: int = rule.MIN_ROUNDS, runs: int = SERIES,
) -> dict[str, float]:  # fmt: skip
    """A series of ``runs`` runs, each stopping a pair on the headline of the runs so far."""
    fitted = fitted or sim.load_model()
    tag = json.dumps(fitted, sort_keys=True)
    d = _rounds(fitted, reps, runs, np.random.default_rng(seed))
    y, v = np.empty(d.shape[:3]), np.empty(d.shape[:3])
    used = np.zeros(d.shape[:3])
    for r in range(runs):
        met = np.zeros((reps, sim.PAIRS), bool)
        for n in range(min_rounds, MAX_ROUNDS + 1, rule.STEP):
            key = ("series", tag, reps, seed, runs, r, n)
            est, lo, hi = _hl(key, d[:, :, r, :n])
            go = ~met
            y[:, :, r][go], used[:, :, r][go] = est[go], n
            v[:, :, r][go] = np.maximum((hi - lo) / (2 * _Z95), 1e-12)[go] ** 2
            if r == 0:
                e_l, lo_l, hi_l = _hl(key, d[:, :, 0, :n], level)
                hw = _hw(e_l, lo_l, hi_l)
            else:
                mu, half = _headline(y[:, :, : r + 1], v[:, :, : r + 1])
                hw = np.sinh(half * sps.norm.ppf((1 + level) / 2) / _Z95)
            met |= hw <= target
            if met.all():
                break
    mu, half = _headline(y, v)
    return {"coverage": float(np.mean(np.abs(mu) <= half)), "rounds_mean": float(used.mean()),
            "met": float(np.mean(np.sinh(half) <= target))}  # fmt: skip


def table(targets: Sequence[float], reps: int, seed: int) -> None:
    """The table of docs/method.md: every target × rule, one run and a series."""
    fitted = sim.load_model()
    print(f"noise model: {sim.NOISE_MODEL.relative_to(sim.ROOT)} (fitted from "
          f"{fitted['source']}); {sim.PAIRS} pairs, checked every {rule.STEP} rounds up to "
          f"{MAX_ROUNDS}, nominal 95 %, {reps} simulated runs (series: {reps // 2} series of "
          f"{SERIES} runs) per row; the same simulated runs in every row"
          "\n")  # fmt: skip
    print("| target | decide at | min rounds | one run: coverage at stop | met | rounds: median"
          " · 90 % · mean | fixed 20 rounds | series of 3: coverage | met | rounds per run |\n"
          "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")  # fmt: skip
    for t in targets:
        for level, low in RULES:
            r = target_rule(t, reps, seed, fitted, level=level, min_rounds=low)
            s = series_rule(t, reps // 2, seed + 5, fitted, level=level, min_rounds=low)
            print(f"| ±{t:.0%} | {level:.0%} | {low} | {r['coverage']:.1%} | {r['met']:.0%} | "
                  f"{r['rounds_median']:.0f} · {r['rounds_p90']:.0f} · {r['rounds_mean']:.1f} | "
                  f"{r['fixed_coverage']:.1%} | {s['coverage']:.1%} | {s['met']:.0%} | "
                  f"{s['rounds_mean']:.1f} |")  # fmt: skip
