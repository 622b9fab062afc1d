"""analysis.run_aware and the run-aware records of analysis.escape_cost.

The random-effects pieces against their defining equations, the property
that a t-test p and its interval agree, and over many generated series of
runs: no record is called slower or faster while its interval holds ×1.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from analysis import escape_cost as ec
from analysis import run_aware
from bench import benchfmt
from bench.vocab import units


def test_paule_mandel_makes_q_equal_its_expectation() -> None:
    y, v = np.array([0.1, 0.3, 0.25, 0.6]), np.array([0.01, 0.02, 0.01, 0.015])
    t2 = run_aware.paule_mandel(y, v)
    w = 1 / (v + t2)
    mu = (w * y).sum() / w.sum()
    assert t2 > 0 and (w * (y - mu) ** 2).sum() == pytest.approx(y.size - 1)
    assert run_aware.paule_mandel(np.array([0.1, 0.1, 0.1]), v[:3]) == 0.0


def test_hksj_is_the_hartung_knapp_interval() -> None:
    y, se = [0.1, 0.3, 0.25], [0.05, 0.05, 0.05]
    c = run_aware.hksj(y, se)
    w = 1 / (np.square(se) + c.tau2)
    mu = float((w * y).sum() / w.sum())
    q = max(1.0, float((w * (np.asarray(y) - mu) ** 2).sum()) / 2)
    half = sps.t.ppf(0.975, 2) * math.sqrt(q / w.sum())
    assert (c.estimate, c.low, c.high, c.df) == pytest.approx((mu, mu - half, mu + half, 2))
    assert c.next_low < c.low and c.next_high > c.high


def test_borrowing_finds_additive_and_multiplicative_heterogeneity() -> None:
    rng = np.random.default_rng(5)
    v = rng.uniform(0.0005, 0.01, (400, 1)) * np.ones((400, 5))
    for a, b in [(0.004, 0.0), (0.0, 3.0)]:
        tau2 = a + b * v[:, 0]
        y = rng.normal(0, 1, v.shape) * np.sqrt(v + tau2[:, None])
        got_a, got_b = run_aware.heterogeneity(list(zip(y, v, strict=True)))
        assert got_a == pytest.approx(a, abs=0.0015) and got_b == pytest.approx(b, abs=0.8)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.lists(st.floats(-0.5, 0.5, allow_nan=False), min_size=2, max_size=6),
        min_size=1,
        max_size=8,
    ),
    st.floats(0.001, 0.2),
    st.sampled_from([0.9, 0.95, 0.99]),
)
def test_p_and_interval_agree(ys: list[list[float]], se: float, conf: float) -> None:
    per_run = {i: (y, [se * (1 + 0.1 * j) for j in range(len(y))]) for i, y in enumerate(ys)}
    for c in run_aware.combine(per_run, conf).values():
        excludes = c.low > 0 or c.high < 0
        assert excludes == (c.p_value < 1 - conf) or math.isclose(c.p_value, 1 - conf)
        assert c.low <= c.estimate <= c.high and c.next_low <= c.low


def _series(ratios: list[float], sd: float, between: float, seed: int) -> list:
    """Runs of pairs Q0..Qn: each run's ratio moved by a between-run offset."""
    rng = np.random.default_rng(seed)
    results = []
    for run in range(3):
        lines = ["machine: m", "go-version: go1.26.6", "escapebench-order: interleaved"]
        for i, ratio in enumerate(ratios):
            off = rng.normal(0, between)
            for _ in range(8):
                n = 100 * math.exp(rng.normal(0, 0.1))
                e = n * ratio * math.exp(off + rng.normal(0, sd))
                for v, t in (("escape", e), ("noescape", n)):
                    lines.append(f"BenchmarkQ{i}/variant={v}-2 \t 1000\t {t:.4f} ns/op")
        results += benchfmt.parse("\n".join(lines) + "\n", f"run{run}").results
    return results


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.floats(0.8, 1.3), min_size=1, max_size=7),
    st.floats(0.005, 0.3),
    st.floats(0.0, 0.2),
    st.integers(0, 1000),
    st.sampled_from([0.9, 0.95, 0.99]),
)
def test_no_record_is_slower_or_faster_inside_its_interval(
    ratios: list[float], sd: float, between: float, seed: int, conf: float
) -> None:
    series = _series(ratios, sd, between, seed)
    one_run = [x for x in series if x.file == "run0"]
    for records in (ec.cost_records(series, confidence=conf), ec.cost_records(one_run)):
        for r in records:
            if r.verdict != "inconclusive":
                assert r.ci_low > 1 or r.ci_high < 1
                assert (r.verdict == "slower") == (r.ci_low > 1)
            if r.scope == ec.ACROSS_RUNS:
                assert r.n_runs == 3 and r.next_low is not None and r.next_low <= r.ci_low
            else:
                assert r.n_runs == 1 and r.next_low is None


def test_a_single_run_is_this_run_with_its_floor() -> None:
    (r,) = ec.cost_records([x for x in _series([1.3], 0.02, 0, 1) if x.file == "run0"])
    assert r.scope == ec.THIS_RUN and r.next_low is None and r.p_floor == 2 / 2**8
    d = ec.to_dicts([r])[0]
    assert d["scope"] == "this run" and d["next_run"] is None and d["p_floor"] == 2 / 2**8
    assert d["correction"] == {"method": "holm", "family": "1 records: 1 pair × 1 condition",
                               "m": 1}  # fmt: skip


def _alloc_run(exact: str) -> list:
    lines = ["machine: m", "go-version: go1.26.6", "escapebench-order: interleaved"]
    for k in range(8):
        for v, t, a in (("escape", 30 + k % 3, "11"), ("noescape", 10.0, "0")):
            x = f"\t {exact if v == 'escape' else '0'} {units.ALLOCS_EXACT}" if exact else ""
            lines.append(f"BenchmarkA/variant={v}-2 \t 1000\t {t} ns/op\t {a} allocs/op{x}")
    return benchfmt.parse("\n".join(lines) + "\n", "r").results


def test_per_alloc_divides_by_the_exact_count_when_there_is_one() -> None:
    (exact,) = ec.cost_records(_alloc_run("11.5"))
    (plain,) = ec.cost_records(_alloc_run(""))
    assert exact.per_alloc is not None and plain.per_alloc is not None
    assert exact.per_alloc.divisor_unit == units.ALLOCS_EXACT
    assert plain.per_alloc.divisor_unit == units.ALLOCS
    assert exact.per_alloc.value == pytest.approx(plain.per_alloc.value * 11 / 11.5)
    assert any(units.ALLOCS_EXACT in w for w in plain.warnings)
    assert not any(units.ALLOCS_EXACT in w for w in exact.warnings)
