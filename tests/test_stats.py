"""analysis.stats: known values (scipy, brute force, Go), invariants, A/A error rates."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import scipy.stats as sps
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis import _gomath, stats
from analysis.benchstat_format import go_repr
from analysis.compare import compare as compare_records
from bench.model import Name, Result, Value

# --- Mann–Whitney U -------------------------------------------------------------


@pytest.mark.parametrize("seed", range(40))
@pytest.mark.parametrize("benchstat", [False, True])
def test_mann_whitney_exact_matches_scipy_without_ties(seed: int, benchstat: bool) -> None:
    rng = np.random.default_rng(seed)
    n1, n2 = int(rng.integers(2, 16)), int(rng.integers(2, 16))
    x = rng.normal(0, 1, n1)
    y = rng.normal(float(rng.choice([0.0, 0.5, 1.5])), 1, n2)
    ours = stats.mann_whitney(list(x), list(y), benchstat=benchstat)
    ref = sps.mannwhitneyu(x, y, alternative="two-sided", method="exact")
    assert ours.exact
    assert ours.u == pytest.approx(ref.statistic)
    if ours.u != n1 * n2 / 2:  # scipy caps at 1; go-moremath returns exactly 1 only at the centre
        assert ours.p == pytest.approx(min(1.0, ref.pvalue), rel=1e-9, abs=1e-15)


@pytest.mark.parametrize("seed", range(10))
@pytest.mark.parametrize("benchstat", [False, True])
def test_mann_whitney_normal_approximation_matches_scipy(seed: int, benchstat: bool) -> None:
    rng = np.random.default_rng(100 + seed)
    x = rng.integers(0, 12, 60).astype(float)  # > 25 with ties: normal approximation
    y = rng.integers(1, 13, 55).astype(float)
    ours = stats.mann_whitney(list(x), list(y), benchstat=benchstat)
    ref = sps.mannwhitneyu(x, y, alternative="two-sided", method="asymptotic", use_continuity=True)
    assert not ours.exact
    assert ours.p == pytest.approx(ref.pvalue, rel=1e-9)


def _brute_force_p(x: list[float], y: list[float]) -> float:
    """Two-sided exact p with ties: enumerate every relabelling of the pooled values."""
    pooled = x + y
    n1, n2 = len(x), len(y)

    def u_of(first: list[float], second: list[float]) -> float:
        return sum(1.0 if a > b else 0.5 if a == b else 0.0 for a in first for b in second)

    u_obs = u_of(x, y)
    u_small = min(u_obs, n1 * n2 - u_obs)
    count = total = 0
    for idx in itertools.combinations(range(len(pooled)), n1):
        chosen = set(idx)
        a = [pooled[i] for i in idx]
        b = [pooled[i] for i in range(len(pooled)) if i not in chosen]
        total += 1
        if u_of(a, b) <= u_small:
            count += 1
    return 2 * count / total


@pytest.mark.parametrize(
    "x,y",
    [
        ([1, 2, 2, 3], [2, 3, 3, 4, 5]),
        ([1, 1, 1, 2, 5], [1, 2, 2, 2, 3, 3]),
        ([10, 10, 11], [11, 12, 12, 12]),
        ([5, 6, 6, 6, 7, 9], [6, 7, 7, 8, 8, 9, 9]),
    ],
)
def test_mann_whitney_exact_with_ties_matches_enumeration(x: list[int], y: list[int]) -> None:
    xs, ys = [float(v) for v in x], [float(v) for v in y]
    go = stats.mann_whitney(xs, ys, benchstat=True)
    assert go.exact
    if go.u == len(xs) * len(ys) - go.u:
        assert go.p == 1.0
    else:
        assert go.p == pytest.approx(_brute_force_p(xs, ys), rel=1e-12)
    # Default: both tails of the exact tied distribution, by enumeration.
    ours = stats.mann_whitney(xs, ys)
    assert ours.p == pytest.approx(_brute_force_two_tails(xs, ys), rel=1e-12)


def _brute_force_two_tails(x: list[float], y: list[float]) -> float:
    pooled, n1 = x + y, len(x)

    def u_of(first: list[float], second: list[float]) -> float:
        return sum(1.0 if a > b else 0.5 if a == b else 0.0 for a in first for b in second)

    u_obs = u_of(x, y)
    lo = hi = total = 0
    for idx in itertools.combinations(range(len(pooled)), n1):
        chosen = set(idx)
        u = u_of(
            [pooled[i] for i in idx], [pooled[i] for i in range(len(pooled)) if i not in chosen]
        )
        total += 1
        lo += u <= u_obs
        hi += u >= u_obs
    return min(1.0, 2 * min(lo, hi) / total)


def test_mann_whitney_all_equal_and_empty() -> None:
    with pytest.raises(stats.SamplesEqualError, match="all samples are equal"):
        stats.mann_whitney([3.0] * 5, [3.0] * 7)
    with pytest.raises(stats.SampleSizeError):
        stats.mann_whitney([], [1.0])


# --- median and its confidence interval -------------------------------------------


@pytest.mark.parametrize("n", [*range(1, 31), 31, 40, 57, 100])
@pytest.mark.parametrize("confidence", [0.9, 0.95, 0.99])
def test_default_quantile_ci_is_the_exact_equal_tailed_interval(n: int, confidence: float) -> None:
    ci = stats.quantile_ci(n, 0.5, confidence)
    tail = (1 - confidence) / 2
    below = sps.binom.cdf(ci.lo_order - 1, n, 0.5)  # P(B < lo)
    above = sps.binom.sf(ci.hi_order - 1, n, 0.5)  # P(B >= hi)
    assert below <= tail + 1e-12 and above <= tail + 1e-12
    # ... and no narrower interval keeps both tails under (1 - c) / 2
    assert sps.binom.cdf(ci.lo_order, n, 0.5) > tail or ci.lo_order >= ci.hi_order - 1
    assert ci.confidence == pytest.approx(1 - below - above)
    assert ci.confidence >= confidence
    assert ci.lo_order + ci.hi_order == n + 1  # symmetric for the median


@pytest.mark.parametrize("n", [*range(1, 31), 31, 40, 57, 100])
@pytest.mark.parametrize("confidence", [0.9, 0.95, 0.99])
def test_quantile_ci_coverage_is_the_binomial_mass(n: int, confidence: float) -> None:
    ci = stats.quantile_ci(n, 0.5, confidence, benchstat=True)
    if ci.lo_order >= 1 and ci.hi_order <= n:
        exact = sps.binom.cdf(ci.hi_order - 1, n, 0.5) - sps.binom.cdf(ci.lo_order - 1, n, 0.5)
        assert exact >= confidence - 0.01  # the normal approximation (n > 30) may round down
        if n <= stats.QUANTILE_CI_APPROX_THRESHOLD:
            assert ci.confidence == pytest.approx(exact, rel=1e-12)
            assert ci.confidence >= confidence


def test_median_ci_known_values() -> None:
    # n=10: order statistics 2 and 9, coverage 1 - 2·11/1024 (benchstat's "± x%" of n=10).
    for benchstat in (False, True):
        ci = stats.quantile_ci(10, 0.5, 0.95, benchstat=benchstat)
        assert (ci.lo_order, ci.hi_order) == (2, 9)
        assert ci.confidence == pytest.approx(1 - 22 / 1024)
    assert stats.min_samples_for_ci(0.95) == (">=", 6)
    assert stats.min_samples_for_ci(0.99) == (">=", 8)
    assert stats.min_samples_for_utest(0.05) == (">=", 4)
    assert stats.min_samples_for_utest(0.01) == (">=", 5)
    assert stats.min_samples_for_utest(1e-9) == (">", 10)


def test_summary_small_sample_and_exact() -> None:
    s = stats.summarize([3.0, 1.0, 2.0, 5.0, 4.0], benchstat=True)
    assert s.center == 3.0 and s.n == 5
    assert (s.lo, s.hi) == (-math.inf, 5.0)  # go-moremath: only one bound is infinite
    d = stats.summarize([3.0, 1.0, 2.0, 5.0, 4.0])
    assert (d.lo, d.hi) == (-math.inf, math.inf) and d.warnings == s.warnings
    assert s.pct_range() == "∞"
    assert s.warnings == ("need >= 6 samples for confidence interval at level 0.95",)
    e = stats.summarize([100.0, 101.0, 101.0], assume="exact")
    assert (e.center, e.lo, e.hi) == (101.0, 100.0, 101.0)
    assert e.pct_range() == "1%"
    assert e.warnings == ("exact distribution expected, but values range from 100 to 101",)
    c = stats.compare([100.0], [105.0], assume="exact")
    assert (c.p_value, c.format_delta(), c.format_test()) == (0.0, "+5.00%", "n=1")


def test_comparison_warnings_and_formats() -> None:
    c = stats.compare([1.0, 2.0, 3.0], [2.0, 3.0, 4.0])
    assert c.format_delta() == "~"
    assert "need >= 4 samples to detect a difference at alpha level 0.05" in c.warnings
    eq = stats.compare([16.0] * 10, [16.0] * 10)
    assert (eq.p_value, eq.warnings, eq.format_test()) == (
        1.0,
        ("all samples are equal",),
        "p=1.000 n=10",
    )
    big = stats.compare([float(v) for v in range(10)], [float(v) for v in range(100, 120)])
    assert big.format_test() == "p=0.000 n=10+20"
    assert big.significant and big.delta_pct == pytest.approx((109.5 / 4.5 - 1) * 100)


def test_coefficient_of_variation() -> None:
    assert stats.coefficient_of_variation([1.0]) is None
    assert stats.coefficient_of_variation([2.0, 2.0, 2.0]) == 0.0
    xs = [9.0, 10.0, 11.0]
    assert stats.coefficient_of_variation(xs) == pytest.approx(np.std(xs, ddof=1) / 10)


# --- invariants -------------------------------------------------------------------

ints = st.lists(st.integers(min_value=1, max_value=1000), min_size=1, max_size=30)


@given(ints, st.sampled_from([0.8, 0.9, 0.95, 0.99]))
@settings(max_examples=200, deadline=None)
def test_ci_contains_the_median(values: list[int], confidence: float) -> None:
    s = stats.summarize([float(v) for v in values], confidence)
    assert s.lo <= s.center <= s.hi
    assert s.center == float(np.median(values))


@given(ints, ints)
@settings(max_examples=150, deadline=None)
def test_swapping_negates_log_change(a: list[int], b: list[int]) -> None:
    xa, xb = [float(v) for v in a], [float(v) for v in b]
    ab, ba = stats.compare(xa, xb), stats.compare(xb, xa)
    assert ab.delta_pct is not None and ba.delta_pct is not None
    assert math.log1p(ab.delta_pct / 100) == pytest.approx(
        -math.log1p(ba.delta_pct / 100), abs=1e-9
    )


@given(
    st.lists(st.integers(min_value=1, max_value=10_000), min_size=2, max_size=60, unique=True),
    st.data(),
)
@settings(max_examples=150, deadline=None)
def test_swapping_keeps_p_without_ties(pool: list[int], data: st.DataObject) -> None:
    k = data.draw(st.integers(min_value=1, max_value=len(pool) - 1))
    xa, xb = [float(v) for v in pool[:k]], [float(v) for v in pool[k:]]
    assert stats.compare(xa, xb).p_value == pytest.approx(
        stats.compare(xb, xa).p_value, rel=1e-12, abs=1e-300
    )


def test_swapping_with_ties_is_not_symmetric_in_go_moremath() -> None:
    # With ties the exact U distribution is not symmetric and go-moremath doubles one
    # tail of it, so the two-sided p depends on the order (and can exceed 1). benchstat
    # prints what go-moremath computes; so does the compat path. The default doubles the
    # smaller of both tails: symmetric and at most 1.
    assert stats.compare([1.0], [1.0, 2.0], benchstat=True).p_value == pytest.approx(4 / 3)
    assert stats.compare([1.0, 2.0], [1.0], benchstat=True).p_value == pytest.approx(2 / 3)
    assert stats.compare([1.0], [1.0, 2.0]).p_value == stats.compare([1.0, 2.0], [1.0]).p_value
    assert stats.compare([1.0], [1.0, 2.0]).p_value == 1.0


@given(ints, ints, st.integers(min_value=-500, max_value=10_000))
@settings(max_examples=150, deadline=None)
def test_shift_moves_medians_and_keeps_p(a: list[int], b: list[int], c: int) -> None:
    xa, xb = [float(v) for v in a], [float(v) for v in b]
    sa, sb = [v + c for v in xa], [v + c for v in xb]
    assert stats.summarize(sa).center == pytest.approx(stats.summarize(xa).center + c)
    p0 = stats.compare(xa, xb).p_value
    p1 = stats.compare(sa, sb).p_value
    assert p1 == pytest.approx(p0, rel=1e-12, abs=1e-300)


# --- multiplicity -------------------------------------------------------------------


def test_holm_known_values() -> None:
    got = stats.holm([0.01, 0.04, 0.03, 0.005])
    assert got == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert stats.holm([]) == []
    assert stats.holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])


@given(st.lists(st.floats(min_value=0, max_value=1), min_size=1, max_size=50))
def test_holm_is_monotone_and_conservative(ps: list[float]) -> None:
    adj = stats.holm(ps)
    assert all(a >= p and a <= 1 for a, p in zip(adj, ps, strict=True))
    order = sorted(range(len(ps)), key=lambda i: ps[i])
    assert all(adj[order[i]] <= adj[order[i + 1]] for i in range(len(ps) - 1))


def _aa_results(rows: int, n: int, seed: int) -> list[Result]:
    """Two 'files' of ``rows`` benchmarks drawn from one distribution (an A/A test)."""
    rng = np.random.default_rng(seed)
    out = []
    for label in ("a.txt", "b.txt"):
        for i in range(rows):
            for v in rng.lognormal(math.log(100e-9), 0.05, n):
                name = Name(f"Bench{i}-8", f"Bench{i}", ("-8",))
                out.append(Result(name, 1000, (Value(float(v), "sec/op"),), (), label))
    return out


def test_aa_false_alarms_raw_and_after_holm() -> None:
    rows, alpha = 200, 0.05
    results = _aa_results(rows, 10, seed=20240)
    raw = compare_records(results, benchstat_compat=True)
    holm = compare_records(results, correction="holm")
    (t_raw,), (t_holm,) = raw.tables, holm.tables
    raw_hits = sum(bool(r.cells[1].significant) for r in t_raw.rows)  # type: ignore[union-attr]
    holm_hits = sum(bool(r.cells[1].significant) for r in t_holm.rows)  # type: ignore[union-attr]
    assert raw_hits / rows <= alpha + 0.03
    assert holm_hits <= 1
    # The raw p-values are kept next to the adjusted ones.
    cell = t_holm.rows[0].cells[1]
    assert cell is not None and cell.comparison is not None and cell.p_adjusted is not None
    assert cell.p_adjusted >= cell.comparison.p_value


# --- Go's floating point -------------------------------------------------------------

# Values printed by go1.26.6 linux/amd64 (FMA) with fmt's %v (shortest round trip).
GO_VALUES = {
    ("log", 0.1): "-2.3025850929940455",
    ("log", 1.5): "0.4054651081081644",
    ("log", 7.25): "1.9810014688665833",
    ("log", 1e-09): "-20.72326583694641",
    ("log", 123456.789): "11.723646487185881",
    ("exp", -20.5): "1.2501528663867426e-09",
    ("exp", -1.25): "0.2865047968601901",
    ("exp", 0.3): "1.3498588075760032",
    ("exp", 2.75): "15.642631884188171",
    ("exp", 15.1): "3.6128229307402424e+06",
    ("erfc", -2.1): "1.997020533343667",
    ("erfc", -0.5): "1.5204998778130465",
    ("erfc", 0.2): "0.7772974107895215",
    ("erfc", 0.9): "0.20309178757716786",
    ("erfc", 1.7): "0.016209541409225436",
    ("erfc", 3.3): "3.0577097964381654e-06",
    ("erfc", 6.1): "6.314602150193719e-18",
    ("lgamma", 3): "0.6931471805599453",
    ("lgamma", 9): "10.60460290274525",
    ("lgamma", 25): "54.78472939811231",
    ("lgamma", 31): "74.65823634883017",
}


@pytest.mark.parametrize("fn,x", list(GO_VALUES))
def test_go_math_ports_are_bit_exact(fn: str, x: float) -> None:
    f = {
        "log": _gomath.log,
        "exp": _gomath.exp,
        "erfc": _gomath.erfc,
        "lgamma": _gomath.lgamma_int,
    }[fn]
    assert go_repr(f(x)) == GO_VALUES[(fn, x)]


def test_geomean_matches_benchstat_csv() -> None:
    # up_oldnew's csv: geomean of the two old.txt medians.
    assert (
        go_repr(stats.geomean([1.7180000000000001e-06, 3.0655e-06], benchstat=True))
        == "2.294891936453654e-06"
    )
    assert math.isnan(stats.geomean([1.0, 0.0]))
    assert math.isnan(stats.geomean([]))


@pytest.mark.parametrize(
    "x,want",
    [
        (1234567.0, "1.234567e+06"),
        (123456.0, "123456"),
        (1e6, "1e+06"),
        (1.5e-05, "1.5e-05"),
        (0.0001, "0.0001"),
        (100.00000000000004, "100.00000000000004"),
        (65536.0, "65536"),
        (1234567890.0, "1.23456789e+09"),
        (0.95, "0.95"),
        (1.0, "1"),
        (0.0, "0"),
        (-3.5, "-3.5"),
        (1.7180000000000001e-06, "1.7180000000000001e-06"),
        (math.inf, "+Inf"),
    ],
)
def test_go_repr(x: float, want: str) -> None:
    assert go_repr(x) == want


@pytest.mark.parametrize("n", [6, 10, 20, 41])
def test_default_median_interval_covers_at_its_level(n: int) -> None:
    """Seeded simulation: skewed (log-normal) samples; the 95 % interval covers the true
    median at least 95 % of the time (distribution-free, so whatever the skew)."""
    rng = np.random.default_rng(1000 + n)
    reps, hits = 2000, 0
    true_median = 1.0  # exp(0) for lognormal(0, 0.5)
    for _ in range(reps):
        s = stats.summarize(list(rng.lognormal(0.0, 0.5, n)))
        hits += s.lo <= true_median <= s.hi
    assert hits / reps >= 0.95 - 3 * math.sqrt(0.95 * 0.05 / reps)
