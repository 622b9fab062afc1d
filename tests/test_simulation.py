"""benchmarks/simulate_cost.py's run-aware simulation under the fitted real noise (seeded).

The headline interval of ``analysis.escape_cost`` (``analysis.run_aware`` over
≥ 2 runs, this run's signed-rank interval for one) at the default 20 rounds:
coverage of the long-run ratio for 3, 5 and 10 runs, of the run's own target
for one run, and the false slower/faster rate at a true ×1 after Holm; and the
precision-target rule of ``analysis.target``: coverage at the stopping time.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from analysis import run_aware, target
from analysis.escape_cost import PairSamples
from bench.vocab.condition import Condition

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
import simulate_cost  # noqa: E402
import simulate_target  # noqa: E402

FITTED = simulate_cost.load_model()


@pytest.mark.parametrize("between", [*simulate_cost.BETWEEN_SDS, "fitted"])
@pytest.mark.parametrize("runs", simulate_cost.RUN_COUNTS)
def test_headline_covers_and_rarely_calls_a_true_x1_slower(runs: int, between: float | str) -> None:
    r = simulate_cost.across_runs("real", between, runs, 40, seed=17 + runs, fitted=FITTED)
    assert 0.92 <= r["coverage"] <= 0.98, r
    if runs > 1 or between == 0:  # one run's verdict is about that run (scope "this run")
        assert r["false_verdicts"] <= 0.05, r
    if runs > 1:
        assert 0.90 <= r["next_run"] <= 0.99, r


def test_the_fit_reads_the_committed_runs_like_the_committed_model() -> None:
    assert FITTED["groups"] > 0 and FITTED["rounds_per_run"] == 20
    assert 0 < FITTED["outlier_share"] < 0.2 and 0.5 < FITTED["outlier_slow_share"] < 0.8
    assert FITTED["escape_side_sd"] > FITTED["noescape_side_sd"]


def test_simulation_uses_the_production_combination() -> None:
    rng = np.random.default_rng(1)
    y = rng.normal(0, 0.1, (8, 3))
    v = rng.uniform(0.001, 0.004, (8, 3))
    mu, se, df, _tau2, _vbar = run_aware.borrowed(y, v)
    got = run_aware.combine({i: (y[i], np.sqrt(v[i])) for i in range(8)})
    for i in range(8):
        assert got[i].estimate == pytest.approx(mu[i]) and got[i].se == pytest.approx(se[i])
        assert got[i].df == df and (got[i].p_value < 0.05) == (got[i].low > 0 or got[i].high < 0)


def test_the_committed_model_is_the_fit_of_the_published_runs() -> None:
    """Regenerate with ``python benchmarks/simulate_cost.py --fit results/published``."""
    got = simulate_cost.fit(ROOT / "results" / "published")
    want = dict(FITTED)
    assert got.pop("between") == pytest.approx(want.pop("between"), rel=1e-6, abs=1e-9)
    assert got == pytest.approx(want, rel=1e-9)


def test_the_precision_target_rule_keeps_coverage_at_the_stopping_time() -> None:
    """``analysis.target``'s rule (its floor and level), ±5 %: coverage where pairs stop."""
    r = simulate_target.target_rule(0.05, 50, seed=29, fitted=FITTED)
    assert 0.92 <= r["coverage"] <= 0.98, r
    assert 0.5 <= r["met"] < 1 and target.MIN_ROUNDS <= r["rounds_median"] < r["rounds_p90"], r


def test_the_precision_target_rule_over_a_series_keeps_the_headline_covering() -> None:
    """A ``--repeat 3`` series, each run stopping on the headline of the runs so far, ±7 %."""
    r = simulate_target.series_rule(0.07, 24, seed=31, fitted=FITTED)
    assert 0.92 <= r["coverage"] <= 0.98, r
    assert target.MIN_ROUNDS <= r["rounds_mean"] < simulate_target.MAX_ROUNDS, r


def test_the_simulated_rule_measures_the_width_as_analysis_target_does() -> None:
    rng = np.random.default_rng(3)
    d = rng.normal(0.1, 0.12, (4, target.MIN_ROUNDS))
    est, lo, hi, _p = simulate_cost._per_run_hl(d, target.DECISION_LEVEL)
    cond = Condition("m", "go", "100", "0", "", "40ms", "20", "interleaved")
    none = (None,) * 6  # allocations, bytes, GC CPU
    samples = [
        PairSamples(f"P{i}", f"P{i}", cond, "r", tuple(np.exp(row)), (1.0,) * row.size, True, *none)
        for i, row in enumerate(d)
    ]
    got = [p.half_width for p in target.check(samples, 0.05).pairs]
    want = (np.exp(hi) - np.exp(lo)) / (2 * np.exp(est))
    assert got == pytest.approx(list(want), rel=1e-9)
