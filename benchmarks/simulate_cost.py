"""The simulation that chose the escape-cost interval (``analysis.escape_cost``): coverage, width.

Not a test (``tests/test_escape_cost.py`` runs a smaller seeded copy of it):
it prints, for each noise scenario and round count, how often nominal 95 %
intervals of the escape/noescape ratio cover the true ratio and how wide they
are relative to the moving-block bootstrap the project used before. Run from
the repository root::

    python benchmarks/simulate_cost.py                 # 2000 replicates, about a minute
    python benchmarks/simulate_cost.py --reps 400      # quicker
    python benchmarks/simulate_cost.py --published results/published   # the real runs
    python benchmarks/simulate_cost.py --target        # the precision-target stopping rule

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
import json
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

from analysis import escape_cost, per_run, rank_interval, run_aware  # noqa: E402
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


def _results(root: Path) -> tuple[list[Path], list]:
    raws = sorted(root.rglob("raw.txt"))
    return raws, [r for f in raws for r in benchfmt.parse_file(f).results]


def real_runs(root: Path, seed: int) -> None:
    """The published runs through the simulation's lenses: widths, memory, spikes."""
    raws, results = _results(root)
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


# --- the real noise: fitted from committed runs, simulated across runs ------------------

NOISE_MODEL = ROOT / "benchmarks" / "data" / "noise_model.json"
RUN_COUNTS = (1, 3, 5, 10)
BETWEEN_SDS = (0.0, 0.03, 0.10)
#: Pairs per simulated condition (the catalogue's size) and rounds per run (the default).
PAIRS, ROUNDS = 38, 20
ALPHA = 0.05
_MAD = 1.4826


def _runs_by_group(root: Path) -> dict[tuple[str, object], list[escape_cost.PairSamples]]:
    _raws, results = _results(root)
    groups: dict[tuple[str, object], list[escape_cost.PairSamples]] = {}
    for g in escape_cost.pair_samples(results):
        if g.paired and len(g.escape) >= 8:
            groups.setdefault((g.pair, g.condition), []).append(g)
    return groups


def _robust_sd(x: np.ndarray) -> float:
    return float(_MAD * np.median(np.abs(x - np.median(x))))


def fit(root: Path) -> dict[str, object]:
    """The noise model of the runs under ``root`` (see docs/method.md): what ``--fit`` writes."""
    groups = _runs_by_group(root)
    within, side_e, side_n, lag1, mags = [], [], [], [], []
    outliers = slow = rounds = 0
    per_pair = []
    for runs in groups.values():
        sds = []
        for g in runs:
            e, n = np.log(g.escape), np.log(g.noescape)
            d = e - n
            sd = _robust_sd(d)
            sds.append(sd)
            side_e.append(_robust_sd(np.diff(e)) / math.sqrt(2))
            side_n.append(_robust_sd(np.diff(n)) / math.sqrt(2))
            if d.std() > 0:
                lag1.append(float(np.corrcoef(d[:-1], d[1:])[0, 1]))
            if sd > 0:
                dev = (d - np.median(d)) / sd
                out = np.abs(dev) > 4
                outliers += int(out.sum())
                slow += int((dev > 4).sum())
                mags += list(np.abs(dev[out]))
            rounds += d.size
        within.append(float(np.median(sds)))
        ys, ses = per_run.estimates(runs, log=True)
        per_pair.append((np.asarray(ys), np.asarray(ses) ** 2))
    multi = [p for p in per_pair if p[0].size >= 2]
    a, b = run_aware.heterogeneity(multi) if multi else (0.0, 0.0)
    n_runs = sorted({len(r) for r in groups.values()})
    return {
        "source": str(root.relative_to(ROOT)) if root.is_relative_to(ROOT) else root.name,
        "groups": len(groups),
        "runs_per_group": n_runs,
        "rounds_per_run": int(np.median([len(g.escape) for r in groups.values() for g in r])),
        "within_sd": sorted(round(x, 5) for x in within),
        "escape_side_sd": round(float(np.median(side_e)), 4),
        "noescape_side_sd": round(float(np.median(side_n)), 4),
        "lag1": round(float(np.median(lag1)), 3),
        "outlier_share": round(outliers / rounds, 4),
        "outlier_slow_share": round(slow / outliers, 3) if outliers else 0.5,
        "outlier_size_sd": [round(float(q), 3) for q in np.quantile(mags, np.linspace(0, 1, 21))]
        if mags
        else [4.0, 4.0],
        "between": {"a": a, "b": b},
    }


def load_model(path: Path = NOISE_MODEL) -> dict[str, object]:
    return json.loads(path.read_text(encoding="utf-8"))


def _noise(model: str, fitted: dict, sd: np.ndarray, shape: tuple[int, ...],
           rng: np.random.Generator) -> np.ndarray:  # fmt: skip
    """Per-round log-ratio noise, shape ``shape`` = (reps, pairs, runs, rounds), ``sd`` (pairs,)."""
    if model == "drift":  # the old model: the shared state cancels, sample noise does not
        return rng.normal(0, SAMPLE_SD, shape) - rng.normal(0, SAMPLE_SD, shape)
    if model == "spiky":
        d = rng.normal(0, SAMPLE_SD, shape) - rng.normal(0, SAMPLE_SD, shape)
        for sign in (1, -1):
            hit = rng.random(shape) < SPIKE_P
            d += sign * hit * np.log(rng.uniform(2, 5, shape))
        return d
    phi = float(np.clip(fitted["lag1"], 0, 0.95))
    z = rng.normal(0, 1, shape)
    for r in range(1, shape[-1]):  # AR(1) with unit marginal sd
        z[..., r] = phi * z[..., r - 1] + math.sqrt(1 - phi**2) * z[..., r]
    hit = rng.random(shape) < float(fitted["outlier_share"])
    sign = np.where(rng.random(shape) < float(fitted["outlier_slow_share"]), 1.0, -1.0)
    q = np.asarray(fitted["outlier_size_sd"], float)
    size = np.interp(rng.random(shape), np.linspace(0, 1, q.size), q)
    z = z + hit * sign * size
    return z * sd[None, :, None, None]


def _pseudo_median(model: str, fitted: dict, rng: np.random.Generator) -> float:
    """Centre of symmetry a per-run HL estimate converges to, for unit sd (0 when symmetric)."""
    if model in ("drift", "spiky"):
        return 0.0
    x = _noise(model, fitted, np.ones(1), (1, 1, 1, 200_000), rng).ravel()
    i, j = rng.integers(0, x.size, (2, 2_000_000))
    return float(np.median((x[i] + x[j]) / 2))


def _per_run_hl(d: np.ndarray, confidence: float = CONFIDENCE) -> tuple[np.ndarray, ...]:
    """Vectorised ``rank_interval.signed_rank``: (estimate, low, high, p) per run."""
    n = d.shape[-1]
    i, j = np.triu_indices(n)
    w = np.sort((d[..., i] + d[..., j]) / 2, axis=-1)
    c = rank_interval._critical("sr", n, 0, 1 - confidence)
    cdf = rank_interval._signed_rank_cdf(n)
    below = (w <= 0).sum(axis=-1)
    above = (w >= 0).sum(axis=-1)
    p = np.minimum(1.0, 2 * cdf[np.minimum(below, above)])
    return np.median(w, axis=-1), w[..., c], w[..., w.shape[-1] - 1 - c], p


def _holm_reject(p: np.ndarray) -> np.ndarray:
    """Holm at ALPHA over the last axis (the pairs of one simulated condition)."""
    m = p.shape[-1]
    order = np.argsort(p, axis=-1)
    ps = np.take_along_axis(p, order, axis=-1) * (m - np.arange(m))
    adj = np.maximum.accumulate(np.minimum(ps, 1.0), axis=-1)
    out = np.empty_like(adj)
    np.put_along_axis(out, order, adj, axis=-1)
    return out < ALPHA


def across_runs(
    model: str, between: float | str, runs: int, reps: int, seed: int,
    fitted: dict | None = None, rounds: int = ROUNDS,
) -> dict[str, float]:  # fmt: skip
    """Coverage, width and false-verdict rate of the headline and the t-interval, one cell.

    Every pair's long-run ratio is ×1; ``between`` is the sd of a run's offset
    (log scale), or ``"fitted"`` (τ² = a + b · v from the fit). One run: the
    *this run* interval and its own run-level target (long-run + the run's offset).
    """
    fitted = fitted or load_model()
    rng = np.random.default_rng(seed)
    pool = np.asarray(fitted["within_sd"], float)
    sd = pool[rng.integers(0, pool.size, PAIRS)] if model == "real" else np.full(PAIRS, 0.0424)
    shape = (reps, PAIRS, runs + 1, rounds)  # one more run: the "next run" to predict
    centre = _pseudo_median(model, fitted, rng) * sd  # sd only scales the real noise
    d = _noise(model, fitted, sd, shape, rng) - centre[None, :, None, None]
    v_ref = (sd**2) * math.pi / (3 * rounds)
    if between == "fitted":
        bt = fitted["between"]
        tau = np.sqrt(float(bt["a"]) + float(bt["b"]) * v_ref)  # type: ignore[index]
    else:
        tau = np.full(PAIRS, float(between))
    u = rng.normal(0, 1, shape[:3]) * tau[None, :, None]
    d = d + u[..., None]
    est, lo, hi, p = _per_run_hl(d)
    se = np.maximum((hi - lo) / (2 * 1.959963984540054), 1e-12)
    y, v = est[..., :runs], se[..., :runs] ** 2
    if runs == 1:
        target = u[..., 0]
        h_lo, h_hi, h_p = lo[..., 0], hi[..., 0], p[..., 0]
        dd = d[..., 0, :]
        half = sps.t.ppf(0.975, rounds - 1) * dd.std(axis=-1, ddof=1) / math.sqrt(rounds)
        t_lo, t_hi = dd.mean(axis=-1) - half, dd.mean(axis=-1) + half
        nxt_cov = math.nan
    else:
        target = np.zeros((reps, PAIRS))
        mu, hse, hdf = (np.empty((reps, PAIRS)) for _ in range(3))
        nlo, nhi = np.empty((reps, PAIRS)), np.empty((reps, PAIRS))
        for k in range(reps):
            m, s_, df, tau2, vbar = run_aware.borrowed(y[k], v[k])
            q = sps.t.ppf((1 + CONFIDENCE) / 2, df)
            mu[k], hse[k], hdf[k] = m, s_, df
            half_next = q * np.sqrt(s_**2 + tau2 + vbar)
            nlo[k], nhi[k] = m - half_next, m + half_next
        q = sps.t.ppf((1 + CONFIDENCE) / 2, hdf)
        h_lo, h_hi = mu - q * hse, mu + q * hse
        h_p = 2 * sps.t.sf(np.abs(mu) / hse, hdf)
        tm, ts = y.mean(axis=-1), y.std(axis=-1, ddof=1)
        half = sps.t.ppf(0.975, runs - 1) * ts / math.sqrt(runs)
        t_lo, t_hi = tm - half, tm + half
        nxt_cov = float(np.mean((nlo <= est[..., runs]) & (est[..., runs] <= nhi)))
    verdict = _holm_reject(h_p) & ((h_lo > 0) | (h_hi < 0))
    return {
        "coverage": float(np.mean((h_lo <= target) & (target <= h_hi))),
        "width": float(np.median(h_hi - h_lo)),
        "t_coverage": float(np.mean((t_lo <= target) & (target <= t_hi))),
        "t_width": float(np.median(t_hi - t_lo)),
        "false_verdicts": float(np.mean(verdict)),
        "raw_false": float(np.mean(h_p < ALPHA)),
        "next_run": nxt_cov,
    }


def check_prediction(root: Path) -> None:
    """Leave one run out: how often its estimate falls in ``next_run`` of the other runs."""
    _raws, results = _results(root)
    runs = sorted({r.file for r in results})
    hits = total = 0
    for left in runs:
        pred = {(r.pair, r.condition): r for r in
                escape_cost.cost_records([r for r in results if r.file != left])}  # fmt: skip
        for r in escape_cost.cost_records([r for r in results if r.file == left]):
            p = pred.get((r.pair, r.condition))
            if p is None or p.next_low is None or p.next_high is None:
                continue
            total += 1
            hits += p.next_low <= r.ratio <= p.next_high
    print(
        f"{len(runs)} runs; each left out in turn: its estimate inside the other runs' "
        f"95 % prediction interval (next_run) in {hits} of {total} records ({hits / total:.1%})"
    )


def describe_model(model: dict) -> None:
    """The fitted noise model in words (docs/method.md shows this)."""
    sds = np.asarray(model["within_sd"])
    q1, med, q3 = np.quantile(sds, [0.25, 0.5, 0.75])
    bt, m = model["between"], model
    print(f"fitted from {m['source']}: {m['groups']} pair × condition groups, "
          f"{m['runs_per_group']} runs of {m['rounds_per_run']} rounds each\n"
          f"within-run sd of the per-round log-ratio: median {med:.3f} (IQR {q1:.3f}–{q3:.3f})\n"
          f"round-to-round sd, escape side {m['escape_side_sd']:.3f}, noescape side "
          f"{m['noescape_side_sd']:.3f}; lag-1 autocorrelation {m['lag1']:+.3f}\n"
          f"outlying rounds (> 4 robust sd): {m['outlier_share']:.1%}, "
          f"{m['outlier_slow_share']:.0%} of them on the escape-slow side, median size "
          f"{np.median(m['outlier_size_sd']):.1f} sd\n"
          f"between runs: τ² = {bt['a']:.2g} + {bt['b']:.2f} × (a run's own variance): runs "
          f"differ {math.sqrt(1 + bt['b']):.2f}× as much as one run's interval says")  # fmt: skip


ROWS: tuple[tuple[str, float | str], ...] = (
    *(("real", b) for b in BETWEEN_SDS),
    ("real", "fitted"),
    *(("drift", b) for b in BETWEEN_SDS),
    *(("spiky", b) for b in BETWEEN_SDS),
)


def across_table(reps: int, seed: int) -> None:
    """The run-aware table of docs/method.md: every noise row × 1, 3, 5, 10 runs."""
    fitted = load_model()
    print(
        f"noise model: {NOISE_MODEL.relative_to(ROOT)} (fitted from {fitted['source']}); "
        f"{PAIRS} pairs × {ROUNDS} rounds per run, long-run ratio ×1, nominal 95 %, "
        f"{reps} simulated conditions per cell"
    )
    print("cell = coverage · median width (log scale); false = slower/faster after Holm per record"
          "\n\n| noise | between-run sd | runs | headline | t-interval | false | next run |"
          "\n|---|---:|---:|---:|---:|---:|---:|")  # fmt: skip
    for i, (model, between) in enumerate(ROWS):
        for j, runs in enumerate(RUN_COUNTS):
            r = across_runs(model, between, runs, reps, seed + 100 * i + j, fitted)
            b = between if isinstance(between, str) else f"{between:.2f}"
            nxt = "—" if math.isnan(r["next_run"]) else f"{r['next_run']:.1%}"
            print(
                f"| {model} | {b} | {runs} | {r['coverage']:.1%} · {r['width']:.3f} | "
                f"{r['t_coverage']:.1%} · {r['t_width']:.3f} | {r['false_verdicts']:.1%} | "
                f"{nxt} |"
            )


def single_run_table(reps: int, seed: int) -> None:
    """The within-run table of docs/method.md: every scenario × round count × method."""
    print(f"true ratio ×{TRUE_RATIO}; nominal {CONFIDENCE:.0%}; {reps} simulated runs per row; "
          "cell = coverage · width ÷ moving-block width on the same run (median over runs; "
          "ratio of mean widths in brackets)\n")  # fmt: skip
    print("| scenario | rounds | " + " | ".join(METHODS) + " |")
    print("|---|---:|" + "---:|" * len(METHODS))
    for i, scenario in enumerate(SCENARIOS):
        for j, rounds in enumerate(ROUND_COUNTS):
            res = evaluate(scenario, rounds, reps, seed + 100 * i + j)
            cells = [f"{c:.1%} · {med:.2f} ({mean:.2f})" for c, med, mean in res.values()]
            print(f"| {scenario} | {rounds} | " + " | ".join(cells) + " |")


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reps", type=int, help="simulated runs (conditions) per cell")
    ap.add_argument("--seed", type=int, default=20261129)
    ap.add_argument("--published", type=Path, help="describe the real runs under this directory")
    ap.add_argument("--fit", type=Path, metavar="RESULTS_DIR",
                    help=f"fit the noise model from the runs under RESULTS_DIR into "
                    f"{NOISE_MODEL.relative_to(ROOT)}")  # fmt: skip
    ap.add_argument("--show-model", action="store_true",
                    help=f"describe {NOISE_MODEL.relative_to(ROOT)}")  # fmt: skip
    ap.add_argument("--check-prediction", type=Path, metavar="RESULTS_DIR",
                    help="leave each run out: is it inside next_run of the others")  # fmt: skip
    ap.add_argument("--single-run", action="store_true",
                    help="the within-run table that chose the per-run interval")  # fmt: skip
    ap.add_argument("--target", type=float, nargs="*", metavar="FRACTION",
                    help="the precision-target rule (benchmarks/simulate_target.py): coverage "
                    "at the stopping time (default targets 0.05 0.07 0.10)")  # fmt: skip
    args = ap.parse_args(argv)
    cmd = shlex.join(["python", "benchmarks/simulate_cost.py", *(sys.argv[1:] if argv is None
                                                               else argv)])  # fmt: skip
    print(f"command: {cmd}")
    if args.fit:
        model = fit(args.fit.resolve())
        NOISE_MODEL.parent.mkdir(parents=True, exist_ok=True)
        NOISE_MODEL.write_text(json.dumps(model, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {NOISE_MODEL.relative_to(ROOT)}")
    if args.fit or args.show_model:
        describe_model(load_model())
        return 0
    if args.published:
        real_runs(args.published, args.seed)
    elif args.check_prediction:
        check_prediction(args.check_prediction)
    elif args.target is not None:
        import simulate_target  # the stopping rule's simulation, on this module's noise

        simulate_target.table(args.target or simulate_target.TARGETS, args.reps or 100, args.seed)
    elif not args.single_run:
        across_table(args.reps or 100, args.seed)
    else:
        single_run_table(args.reps or 2000, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
