"""The precision-target rule (``analysis.target``): which pairs still need rounds."""

from __future__ import annotations

import math

import numpy as np
import pytest

from analysis import escape_cost, per_run, target
from analysis.escape_cost import PairSamples
from bench.plan import ABBA
from bench.vocab.condition import Condition

COND = Condition("m", "go1.27.3", "100", "0", "", "40ms", "20", "interleaved", calibration="c1")


def _pair(name: str, d: np.ndarray, run: str = "r1", cond: Condition = COND) -> PairSamples:
    """A paired run whose per-round log-ratios are ``d`` (noescape 100 ns every round)."""
    n = [100e-9] * d.size
    e = [100e-9 * math.exp(x) for x in d]
    return PairSamples(name, name, cond, run, tuple(e), tuple(n), True,
                       1, 0, 16, 0, None, None)  # fmt: skip


def _rounds(sd: float, n: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).normal(0.2, sd, n)


def test_a_quiet_pair_meets_the_target_and_a_noisy_one_needs_rounds() -> None:
    quiet, noisy = _pair("Quiet", _rounds(0.01, 12, 1)), _pair("Noisy", _rounds(0.3, 12, 2))
    got = target.check([quiet, noisy], 0.05)
    assert [p.pair for p in got.met] == ["Quiet"]
    assert [p.pair for p in got.pending] == ["Noisy"]
    assert got.pending[0].state == target.PENDING and got.met[0].state == target.MET
    assert not got.done and target.pending_pairs(got) == [("Noisy", COND)]
    assert got.met[0].half_width <= 0.05 < got.pending[0].half_width


def test_no_pair_stops_before_the_minimum_rounds() -> None:
    early = _pair("Quiet", _rounds(0.001, target.MIN_ROUNDS - target.STEP, 3))
    (p,) = target.check([early], 0.05).pairs
    assert p.half_width < 0.05 and not p.met
    (p,) = target.check([early], 0.05, min_rounds=target.MIN_ROUNDS - target.STEP).pairs
    assert p.met


def test_the_width_is_the_one_the_pair_table_reports() -> None:
    g = _pair("X", _rounds(0.12, 20, 4))
    rec = escape_cost.cost_record([g])
    (p,) = target.check([g], 0.05).pairs
    assert p.half_width == pytest.approx((rec.ci_high - rec.ci_low) / 2 / rec.ratio, rel=1e-12)
    assert p.rounds == 20 == rec.n_rounds


def test_across_runs_the_width_is_the_run_aware_headline() -> None:
    rng = np.random.default_rng(5)
    samples = [
        _pair(f"P{i}", rng.normal(0.1 * i, 0.05 + 0.02 * i, 16), run=run)
        for run in ("r1", "r2", "r3")
        for i in range(6)
    ]
    got = {p.pair: p for p in target.check(samples, 0.05).pairs}
    groups: dict = {}
    for s in samples:
        groups.setdefault((s.pair, s.condition), []).append(s)
    headline = per_run.combined(groups, 0.95)
    for (pair, _cond), c in headline.items():
        assert got[pair].half_width == pytest.approx(target.half_width(c.estimate, c.low, c.high))
    # not the width of the current run alone: borrowing across runs changes it
    alone = per_run.location([samples[-1]], 0.95, log=True)
    assert got["P5"].half_width != pytest.approx(
        target.half_width(alone.estimate, alone.low, alone.high)
    )


def test_conditions_are_checked_apart() -> None:
    other = Condition("m", "go1.24.11", "100", "0", "", "40ms", "20", "interleaved")
    d = _rounds(0.01, 12, 6)
    got = target.check([_pair("X", d), _pair("X", d * 30, cond=other)], 0.05)
    assert [(p.condition, p.met) for p in got.pairs] == [(COND, True), (other, False)]


def test_unbounded_and_unpaired_never_meet_a_target() -> None:
    assert target.half_width(0.0, -math.inf, 0.1) == math.inf
    g = _pair("X", _rounds(0.001, 12, 7))
    unpaired = PairSamples(**{**g.__dict__, "paired": False})
    (p,) = target.check([unpaired], 0.5).pairs
    assert not p.met and p.rounds == 0


@pytest.mark.parametrize("m", [1, 38, 76, 228, 1000])
def test_resolvable_rounds_is_the_first_step_whose_floor_passes_holm(m: int) -> None:
    n = target.resolvable_rounds(m)
    assert n % target.STEP == 0 and 2 / 2**n < 0.05 / m
    assert n == target.STEP or 2 / 2 ** (n - target.STEP) >= 0.05 / m
    assert target.resolvable_rounds(76) == target.MIN_ROUNDS


@pytest.mark.parametrize("bad", [0.0, -0.05, 1.0, 5.0])
def test_a_target_must_be_a_fraction(bad: float) -> None:
    with pytest.raises(ValueError, match="fraction"):
        target.check([], bad)


def test_the_summary_names_the_pairs_that_ran_out() -> None:
    quiet, noisy = _pair("Quiet", _rounds(0.01, 12, 1)), _pair("Noisy", _rounds(0.3, 12, 2))
    got = target.check([quiet, noisy], 0.05)
    assert target.summary(got, out_of_budget=True) == (
        "target ±5%: 1 of 2 pairs met it; the budget ended before Noisy"
    )
    assert "most rounds" in target.summary(got, out_of_budget=False)
    assert target.summary(target.check([quiet], 0.05), True) == "target ±5%: 1 of 1 pairs met it"


def test_a_pair_names_the_runner_cells_it_covers() -> None:
    procs = Condition("m", "go1.27.3", "400", "0", "2", "40ms", "20", "interleaved")
    g = _pair("BenchmarkSliceParallel/size=8-2", _rounds(0.01, 12, 8), cond=procs)
    (p,) = target.check([g], 0.05).pairs
    assert p.cell_match == ("go1.27.3", "SliceParallel/size=8", "400", "0", "2")
    (q,) = target.check([_pair("BenchmarkX", _rounds(0.01, 12, 8))], 0.05).pairs
    assert q.cell_match == ("go1.27.3", "X", "100", "0", "")


def test_checks_fall_on_whole_abba_cycles() -> None:
    assert len(ABBA) == target.STEP and target.MIN_ROUNDS % len(ABBA) == 0
