"""analysis.cost: bootstrap coverage, round-aware intervals under drift, per-allocation costs."""

from __future__ import annotations

import math

import numpy as np
import pytest

from analysis.cost import escape_cost, escape_costs, ratio_ci
from bench.model import Name, Result, Value

TRUE_RATIO = 1.3


def test_percentile_bootstrap_covers_the_true_ratio() -> None:
    """Lognormal variants whose medians differ by exactly 1.3x: ~95 % of intervals cover it."""
    rng = np.random.default_rng(11)
    sims, covered = 120, 0
    for i in range(sims):
        noescape = rng.lognormal(math.log(100.0), 0.05, 20)
        escape = rng.lognormal(math.log(100.0 * TRUE_RATIO), 0.05, 20)
        ci = ratio_ci(escape, noescape, resamples=1000, seed=i)
        assert ci.method == "percentile" and ci.lo <= ci.ratio <= ci.hi
        covered += ci.contains(TRUE_RATIO)
    assert covered / sims >= 0.88


def _drift(seed: int, rounds: int = 20) -> tuple[np.ndarray, np.ndarray]:
    """A machine that slows down linearly by 50 % over the rounds, for both variants alike."""
    rng = np.random.default_rng(seed)
    drift = 1 + np.linspace(0.0, 0.5, rounds)
    noescape = 100.0 * drift * rng.lognormal(0.0, 0.01, rounds)
    escape = 100.0 * TRUE_RATIO * drift * rng.lognormal(0.0, 0.01, rounds)
    return escape, noescape


def test_round_aware_interval_is_narrower_under_drift_and_still_covers() -> None:
    sims, covered = 30, 0
    for s in range(sims):
        escape, noescape = _drift(500 + s)
        r = range(len(escape))
        naive = ratio_ci(escape, noescape, resamples=1000, seed=s)
        rounds = ratio_ci(escape, noescape, rounds_a=r, rounds_b=r, resamples=1000, seed=s)
        assert rounds.method == "rounds" and rounds.rounds == len(escape)
        assert rounds.ratio == naive.ratio
        assert rounds.hi - rounds.lo < 0.5 * (naive.hi - naive.lo)
        assert naive.contains(TRUE_RATIO)
        covered += rounds.contains(TRUE_RATIO)
    assert covered / sims >= 0.85


def test_rounds_with_several_values_each() -> None:
    escape, noescape = _drift(7, rounds=12)
    labels = [i // 2 for i in range(12)]  # two values per round, six rounds
    ci = ratio_ci(escape, noescape, rounds_a=labels, rounds_b=labels, resamples=500, seed=1)
    assert ci.rounds == 6 and ci.lo <= ci.ratio <= ci.hi
    uneven = ratio_ci(escape[:11], noescape, rounds_a=labels[:11], rounds_b=labels,
                      resamples=300, seed=1)
    assert uneven.lo <= uneven.hi


def test_bootstrap_is_deterministic_for_a_seed() -> None:
    escape, noescape = _drift(3)
    a = ratio_ci(escape, noescape, resamples=800, seed=42)
    b = ratio_ci(escape, noescape, resamples=800, seed=42)
    c = ratio_ci(escape, noescape, resamples=800, seed=43)
    assert a == b
    assert (a.lo, a.hi) != (c.lo, c.hi)


def test_ratio_ci_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        ratio_ci([], [1.0])
    with pytest.raises(ValueError):
        ratio_ci([1.0], [1.0], confidence=1.0)
    with pytest.raises(ValueError):
        ratio_ci([1.0, 2.0], [1.0], rounds_a=[0, 1])


def _record(pair: str, variant: str, ns: float, allocs: float, gc_ns: float, label: str = "run",
            procs: int = 8, order: str = "interleaved") -> Result:
    full = f"{pair}/variant={variant}-{procs}"
    values = (Value(ns * 1e-9, "sec/op", ns, "ns/op"), Value(16.0 * allocs, "B/op"),
              Value(allocs, "allocs/op"),
              Value(gc_ns * 1e-9, "gc-cpu-sec/op", gc_ns, "gc-cpu-ns/op"))
    return Result(Name(full, pair, (f"/variant={variant}", f"-{procs}")), 1000, values,
                  (("go-version", "go1.26"), ("escapebench-order", order)), label)


def test_escape_cost_from_records() -> None:
    rng = np.random.default_rng(5)
    records = []
    for _ in range(10):  # interleaved rounds: escape then noescape
        records.append(_record("ReturnPointer", "escape", 30 + rng.normal(0, 0.3), 1, 2.0))
        records.append(_record("ReturnPointer", "noescape", 10 + rng.normal(0, 0.3), 0, 0.5))
        records.append(_record("Other", "escape", 5.0, 0, 0.0))  # no partner: skipped
    costs = escape_costs(records, resamples=500)
    assert [c.pair for c in costs] == ["ReturnPointer-8"]
    (c,) = costs
    assert c.time.method == "rounds" and c.time.rounds == 10
    assert c.time.ratio == pytest.approx(c.escape_sec / c.noescape_sec)
    assert 2.5 < c.time.ratio < 3.5 and c.time.lo <= c.time.ratio <= c.time.hi
    assert c.extra_allocs == 1
    assert c.extra_ns_per_alloc == pytest.approx((c.escape_sec - c.noescape_sec) * 1e9)
    assert c.extra_sec_per_alloc_ci is not None
    lo, hi = c.extra_sec_per_alloc_ci
    assert lo <= c.extra_sec_per_alloc <= hi  # type: ignore[operator]
    assert c.extra_gc_cpu_sec_per_alloc == pytest.approx(1.5e-9)
    assert c.bytes_escape == 16 and c.bytes_noescape == 0
    assert c.config == (("go-version", "go1.26"), ("escapebench-order", "interleaved"))


def test_escape_cost_warnings() -> None:
    # sequential output has no rounds: values are resampled independently
    esc = [_record("P", "escape", 12.0 + i, 1, 0.0, order="sequential") for i in range(5)]
    noe = [_record("P", "noescape", 10.0 + i, 1, 0.0, order="sequential") for i in range(4)]
    c = escape_cost(esc, noe, pair="P", resamples=200)
    assert c.time.method == "percentile"
    assert c.extra_sec_per_alloc is None
    assert any("same" in w for w in c.warnings)
    # interleaved rounds with a sample missing: the unpaired one is left out, and said so
    esc = [_record("P", "escape", 12.0 + i, 1, 0.0) for i in range(5)]
    noe = [_record("P", "noescape", 10.0 + i, 1, 0.0) for i in range(4)]
    c = escape_cost(esc, noe, pair="P", resamples=200)
    assert c.time.method == "rounds" and c.time.rounds == 4
    assert any("without a partner" in w for w in c.warnings)
    with pytest.raises(ValueError):
        escape_cost([], noe)
