"""analysis.escape_cost and analysis.rank_interval: the one escape-cost estimator.

Tables against published critical values and scipy, properties that the test
and the interval agree (ties and zeros included), the seeded simulation that
chose the method (coverage and width at the default 20 rounds), round
membership from raw text, across-runs intervals, refusing to pool, Holm over
the records returned, per-allocation costs, the output formats, and the
committed results.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from analysis import escape_cost as ec
from analysis import pairs, stats, witness
from analysis import rank_interval as ri
from bench import benchfmt
from bench.errors import BenchError
from bench.vocab import keys

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
import simulate_cost  # noqa: E402

PUBLISHED = sorted((ROOT / "results" / "published").glob("*/*/*/raw.txt"))


# --- the rank statistics -------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "critical"),
    # lower critical values of the signed-rank statistic, two-sided α = 0.05
    # (Hollander, Wolfe & Chicken 2014, Table A.4: P(T+ ≤ c) ≤ 0.025)
    [(6, 0), (7, 2), (8, 3), (10, 8), (12, 13), (15, 25), (20, 52)],
)
def test_signed_rank_critical_values_match_the_tables(n: int, critical: int) -> None:
    assert ri._critical("sr", n, 0, 0.05) == critical


def test_too_few_rounds_give_an_unbounded_interval_and_no_significance() -> None:
    loc = ri.signed_rank([0.1, 0.2, 0.3, 0.4, 0.5])  # 5 rounds, all positive
    assert loc.low == -math.inf and loc.high == math.inf
    assert loc.p_value == pytest.approx(2 / 2**5)
    six = ri.signed_rank([0.1, 0.2, 0.3, 0.4, 0.5, 0.6])
    assert six.p_value == pytest.approx(2 / 2**6) and six.low > 0


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-3, 3, allow_nan=False), min_size=1, max_size=25, unique=True))
def test_signed_rank_p_is_scipys_exact_p(d: list[float]) -> None:
    d = [x for x in d if x != 0 and abs(x) > 1e-9]
    absd = [abs(x) for x in d]
    if len(d) < 1 or len(set(absd)) < len(absd):
        return  # scipy's exact method is for data without zeros and ties
    want = sps.wilcoxon(d, method="exact").pvalue
    assert ri.signed_rank(d).p_value == pytest.approx(want, rel=1e-9)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(-5, 5, allow_nan=False), min_size=1, max_size=12, unique=True),
    st.lists(st.floats(-5, 5, allow_nan=False), min_size=1, max_size=12, unique=True),
)
def test_two_sample_p_is_scipys_exact_p(x: list[float], y: list[float]) -> None:
    if set(x) & set(y):
        return  # exact without ties only
    want = sps.mannwhitneyu(x, y, method="exact").pvalue
    assert ri.two_sample(x, y).p_value == pytest.approx(want, rel=1e-9)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(-4, 6), min_size=1, max_size=30),
    st.sampled_from([0.8, 0.9, 0.95, 0.99]),
)
def test_signed_rank_test_and_interval_agree_with_ties_and_zeros(d: list[int], conf: float) -> None:
    loc = ri.signed_rank([x / 4 for x in d], conf)
    excludes_zero = loc.low > 0 or loc.high < 0
    assert excludes_zero == (loc.p_value <= 1 - conf)
    assert loc.low <= loc.estimate <= loc.high


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.integers(-3, 5), min_size=1, max_size=15),
    st.lists(st.integers(-3, 5), min_size=1, max_size=15),
)
def test_two_sample_test_and_interval_agree_with_ties(x: list[int], y: list[int]) -> None:
    loc = ri.two_sample(x, y, 0.95)
    assert (loc.low > 0 or loc.high < 0) == (loc.p_value <= 0.05)


def test_normal_approximation_past_the_exact_limit_still_agrees() -> None:
    rng = np.random.default_rng(3)
    d = rng.normal(0.05, 0.3, ri.EXACT_MAX_ROUNDS + 50)
    loc = ri.signed_rank(d)
    assert (loc.low > 0 or loc.high < 0) == (loc.p_value <= 0.05)
    assert loc.p_value == pytest.approx(sps.wilcoxon(d, method="approx").pvalue, rel=0.05)


def test_t_interval_over_runs() -> None:
    mean, lo, hi = ri.t_interval([0.1, 0.2, 0.3])
    half = sps.t.ppf(0.975, 2) * 0.1 / math.sqrt(3)
    assert (mean, lo, hi) == pytest.approx((0.2, 0.2 - half, 0.2 + half))


# --- the simulation that chose the method (benchmarks/simulate_cost.py) -----------------


@pytest.mark.parametrize("scenario", ["drift", "spiky"])
def test_default_round_count_covers_and_is_narrower_than_the_block_bootstrap(
    scenario: str,
) -> None:
    """Seeded: 600 simulated runs of 20 rounds (the default) under each noise model."""
    res = simulate_cost.evaluate(scenario, 20, 600, seed=7, methods=["HL + signed-rank"])
    coverage, median_width, mean_width = res["HL + signed-rank"]
    assert 0.92 <= coverage <= 0.98
    assert median_width <= 0.8  # the typical run's interval vs the moving-block one's
    if scenario == "drift":
        assert mean_width <= 0.8  # under spikes a few runs' intervals blow up (docs/method.md)


# --- records from raw text ----------------------------------------------------------


def _raw(order: str | None, rows: list[tuple[str, float]], *, extra: str = "",
         allocs: tuple[int, int] = (1, 0)) -> str:  # fmt: skip
    head = "machine: m\ngo-version: go1.26.6\ngogc: 100\nlive-heap: 0\n" + extra
    if order:
        head += f"escapebench-order: {order}\n"
    lines = []
    for variant, ns in rows:
        a = allocs[0] if variant == "escape" else allocs[1]
        lines.append(
            f"BenchmarkP/variant={variant}-2 \t 1000\t {ns} ns/op\t {8 * a} B/op\t {a} allocs/op"
        )
    return head + "\n".join(lines) + "\n"


def _parse(text: str, label: str = "run1") -> list:
    return benchfmt.parse(text, label).results


def _interleaved(e: list[float], n: list[float]) -> list[tuple[str, float]]:
    rows = []
    for i, (a, b) in enumerate(zip(e, n, strict=True)):
        pair = [("escape", a), ("noescape", b)]
        rows += pair if i % 2 == 0 else pair[::-1]  # ABBA, as bench run writes them
    return rows


def test_pair_samples_builds_rounds_once() -> None:
    e, n = [20.0, 22, 24, 26, 28, 30], [10.0, 11, 12, 13, 14, 15]
    (s,) = ec.pair_samples(_parse(_raw("interleaved", _interleaved(e, n))))
    assert s.paired and s.pair == "P-2" and s.case == "P" and s.run == "run1"
    assert s.escape == tuple(x * 1e-9 for x in e)
    assert s.condition == ec.Condition(
        "m", "go1.26.6", "100", "0", "2", "", "", "interleaved", process="cell"
    )
    assert s.allocs_escape == 1 and s.allocs_noescape == 0


def test_samples_per_round_take_the_median_of_each_round_and_drop_a_partial_one() -> None:
    e, n = [20.0, 21, 40, 41, 60], [10.0, 11, 20, 21]
    rows = [("escape", x) for x in e] + [("noescape", x) for x in n]
    extra = f"{keys.SAMPLES_PER_ROUND}: 2\n"
    (s,) = ec.pair_samples(_parse(_raw("interleaved", rows, extra=extra)))
    assert s.escape == pytest.approx((20.5e-9, 40.5e-9)) and s.dropped == 1


@pytest.mark.parametrize("order", ["sequential", None])
def test_sequential_and_plain_go_test_output_are_unpaired(order: str | None) -> None:
    rows = [("escape", 20.0 + i) for i in range(8)] + [("noescape", 10.0 + i) for i in range(8)]
    (r,) = ec.cost_records(_parse(_raw(order, rows)))
    assert r.method == ec.UNPAIRED_METHOD and not r.paired and r.n_rounds == 0
    assert r.n_escape == r.n_noescape == 8
    shift = ri.two_sample(
        np.log([20.0 + i for i in range(8)]), np.log([10.0 + i for i in range(8)])
    )
    assert r.ratio == pytest.approx(math.exp(shift.estimate))


def _run_text(ratio: float, rounds: int = 10, gogc: str = "100", seed: int = 0) -> str:
    """An interleaved run of pair P: shared per-round noise, the ratio ``ratio`` within ±2 %."""
    rng = np.random.default_rng(seed)
    n = list(100 * np.exp(rng.normal(0, 0.1, rounds)))
    e = [x * ratio * math.exp(rng.normal(0, 0.02)) for x in n]
    return _raw("interleaved", _interleaved(e, n)).replace("gogc: 100", f"gogc: {gogc}")


def _run(label: str, ratio: float, rounds: int = 10, gogc: str = "100", seed: int = 0) -> list:
    return _parse(_run_text(ratio, rounds, gogc, seed), label)


def test_runs_of_one_condition_pool_and_get_an_across_runs_interval() -> None:
    runs = [_run(f"r{i}", 1.3 + 0.05 * i, seed=i) for i in range(3)]
    (r,) = ec.cost_records([x for run in runs for x in run])
    assert r.n_runs == 3 and r.n_rounds == 30 and r.runs == ("r0", "r1", "r2")
    a = r.across_runs
    assert a is not None and a.n_runs == 3 and a.ci_low < a.ratio < a.ci_high
    per_run = [math.log(ec.cost_records(run)[0].ratio) for run in runs]
    assert math.log(a.ratio) == pytest.approx(np.mean(per_run))
    assert a.ci_low < 1.3 and a.ci_high > 1.35
    (single,) = ec.cost_records(runs[0])
    assert single.across_runs is None and single.n_runs == 1


def test_different_conditions_are_never_pooled() -> None:
    mixed = _run("quick", 1.3) + _run("full", 1.3, gogc="400")
    recs = ec.cost_records(mixed)
    assert sorted(r.gogc for r in recs) == ["100", "400"]
    assert all(r.n_runs == 1 and r.across_runs is None for r in recs)
    with pytest.raises(BenchError, match=r"gogc \(100 vs 400\)") as err:
        ec.cost_records(mixed, pool=True)
    assert "\n" not in str(err.value)


def test_benchtime_and_count_split_conditions_when_recorded() -> None:
    quick = _parse(_raw("interleaved", _interleaved([20.0] * 6, [10.0] * 6),
                        extra=f"{keys.BENCHTIME}: 5ms\n"), "quick")  # fmt: skip
    full = _parse(_raw("interleaved", _interleaved([20.0] * 6, [10.0] * 6),
                       extra=f"{keys.BENCHTIME}: 100ms\n"), "full")  # fmt: skip
    assert len(ec.cost_records(quick + full)) == 2
    with pytest.raises(BenchError, match="benchtime"):
        ec.cost_records(quick + full, pool=True)


def test_holm_over_every_record_returned_and_the_verdict() -> None:
    results = []
    for i, ratio in enumerate([1.5, 1.0, 1.02, 0.7]):
        text = _run_text(ratio, rounds=12, seed=10 + i)
        results += _parse(text.replace("BenchmarkP/", f"BenchmarkQ{i}/"), "r")
    recs = ec.cost_records(results)
    assert len(recs) == 4
    assert [r.p_adjusted for r in recs] == pytest.approx(stats.holm([r.p_value for r in recs]))
    verdicts = [r.verdict for r in recs]
    assert verdicts[0] == "slower" and verdicts[3] == "faster" and verdicts[1] == "inconclusive"
    for r in recs:
        assert r.significant == (r.p_adjusted < 0.05)
        if r.significant:
            assert (r.verdict == "slower") == (r.ci_low > 1)


def test_too_few_rounds_are_inconclusive_and_say_so() -> None:
    (r,) = ec.cost_records(_run("r", 3.0, rounds=5))
    assert r.verdict == "inconclusive" and r.ci_high == math.inf
    assert any("signed-rank test needs 6" in w for w in r.warnings)


# --- escaped: both witnesses (bench.vocab.escaped, analysis.witness) ---------------------


def _payload(fate: str | None) -> dict:
    """An escape.json payload naming pair P on the records' Go version."""
    return {"go": "go1.26.6", "pairs": [{"case": "P", "escape_fate": fate}]}


@pytest.mark.parametrize(
    ("fate", "allocs", "heap", "escaped", "word"),
    [
        ("heap", (2, 0), True, True, "yes"),
        ("stack", (2, 0), False, False, "no (allocations: more; compiler: no escape)"),
        ("heap", (0, 0), True, False, "no (compiler: heap; allocations: no more)"),
        (None, (2, 0), None, True, "yes (allocations only)"),  # unannotated: not asked
    ],
)
def test_escaped_needs_both_witnesses(
    fate: str | None, allocs: tuple[int, int], heap: bool | None, escaped: bool, word: str
) -> None:
    e, n = [30.0, 31, 29, 32, 30, 31, 30, 29], [10.0, 10, 11, 10, 9, 10, 11, 10]
    results = _parse(_raw("interleaved", _interleaved(e, n), allocs=allocs))
    compiler = witness.compiler_witness([_payload(fate), None])
    (r,) = ec.cost_records(results, compiler=compiler)
    assert (r.compiler_heap, r.escaped) == (heap, escaped)
    (d,) = ec.to_dicts([r])
    assert (d["compiler_heap"], d["escaped"], d["escaped_word"]) == (heap, escaped, word)
    assert (r.per_alloc is not None) == (allocs[0] > allocs[1])  # priced whatever the compiler
    table = pairs.text([r], wide=True)
    assert (f"note: escaped {word}: P-2" in table) == word.startswith("no (")


# --- per extra allocation -----------------------------------------------------------


def test_per_alloc_has_its_own_interval_and_unit() -> None:
    e, n = [30.0, 31, 29, 32, 30, 31, 30, 29], [10.0, 10, 11, 10, 9, 10, 11, 10]
    (r,) = ec.cost_records(_parse(_raw("interleaved", _interleaved(e, n), allocs=(2, 0))))
    pa = r.per_alloc
    assert pa is not None and pa.unit == "ns/alloc" and r.escaped
    want = ri.signed_rank([(a - b) / 2 for a, b in zip(e, n, strict=True)])
    assert (pa.value, pa.ci_low, pa.ci_high) == pytest.approx((want.estimate, want.low, want.high))


def test_large_allocations_are_costed_per_mib() -> None:
    e, n = [3e6 + 1e4 * i for i in range(8)], [3e4 + 10 * i for i in range(8)]
    text = _raw("interleaved", _interleaved(e, n)).replace(" 8 B/op", " 4194304 B/op")
    (r,) = ec.cost_records(_parse(text))
    pa = r.per_alloc
    assert pa is not None and pa.unit == "µs/MiB" and pa.per == "MiB"
    assert pa.value == pytest.approx((3e6 + 3.5e4 - 3e4 - 35) / 4 / 1e3, rel=0.01)


@pytest.mark.parametrize(
    ("e", "want"),
    [
        ([10.0, 9, 10, 9, 10, 9, 10, 9], "saves"),
        ([10.0, 12, 9, 13, 8, 11, 10, 12], "not measurable"),
    ],
)
def test_negative_or_inconclusive_costs_are_said_in_words(e: list[float], want: str) -> None:
    n = [11.0, 10, 11, 10, 11, 10, 11, 10]
    (r,) = ec.cost_records(_parse(_raw("interleaved", _interleaved(e, n))))
    text = pairs.text([r])
    assert want in text and "+-" not in text


# --- output formats -----------------------------------------------------------------


ISSUE_FIELDS = {
    "pair", "section", "machine", "go", "gogc", "live_heap", "gomaxprocs", "ratio", "ci_low",
    "ci_high", "method", "n_rounds", "n_runs", "p_value", "p_adjusted", "significant",
    "across_runs", "per_alloc", "allocs_escape", "allocs_noescape", "bytes_escape",
    "bytes_noescape", "escaped",
    "compiler_heap", "escaped_word",  # issue 22: the compiler's witness, who said what
}  # fmt: skip


def test_json_has_the_issue_fields_and_no_nan() -> None:
    recs = ec.cost_records(_run("a", 1.3) + _run("b", 1.4, seed=1) + _run("c", 2, rounds=4),
                           sections={"P": "2.1"})  # fmt: skip
    ds = ec.to_dicts(recs)
    json.dumps(ds, allow_nan=False)
    for d in ds:
        assert set(d) >= ISSUE_FIELDS and d["section"] == "2.1"
        assert d["per_alloc"] is None or set(d["per_alloc"]) == {
            "ns",
            "ci_low",
            "ci_high",
            "unit",
            "divisor",
        }
    assert ds[0]["across_runs"]["n_runs"] == 3


def test_csv_and_text() -> None:
    recs = ec.cost_records(_run("a", 1.3) + _run("b", 1.4, seed=1))
    rows = list(csv.DictReader(io.StringIO(pairs.csv_table(recs))))
    assert len(rows) == 1 and rows[0]["across_runs.n_runs"] == "2"
    text = pairs.text(recs, wide=True)
    assert "across runs [95% CI]" in text and "t over runs [95% CI]" in text
    assert "(2 runs)" in text and "P-2" in text


# --- the committed results ----------------------------------------------------------


def test_published_runs_interval_test_and_verdict_agree() -> None:
    assert PUBLISHED, "the published results are part of the repository"
    results = [r for f in PUBLISHED for r in benchfmt.parse_file(f).results]
    recs = ec.cost_records(results)
    assert recs and all(r.method.endswith(ec.PAIRED_METHOD) for r in recs)
    assert all(r.scope == ec.ACROSS_RUNS and r.p_floor is None for r in recs)
    for r in recs:
        raw_says = r.p_value <= 0.05
        assert raw_says == (r.ci_low > 1 or r.ci_high < 1), r.pair
        assert r.next_low is not None and r.next_low < r.ratio < r.next_high  # type: ignore[operator]
        assert (r.verdict == "inconclusive") == (not r.significant or r.n_rounds < ec.MIN_ROUNDS)
    # MakeNonConstLenSmall allocates in neither variant from Go 1.25 on: no escape there
    small = [r for r in recs if r.case == "MakeNonConstLenSmall" and r.go == "go1.27.3"
             and r.gogc == "100"]  # fmt: skip
    assert len(small) == 1 and not small[0].escaped and small[0].per_alloc is None


def test_a_round_without_a_time_is_left_out_with_a_note() -> None:
    e, n = [20.0, 0.0, 24, 26, 28, 30, 32], [10.0, 11, 12, 13, 14, 15, 16]
    (r,) = ec.cost_records(_parse(_raw("interleaved", _interleaved(e, n))))
    assert r.n_rounds == 6 and any("2 samples left out" in w for w in r.warnings)


# --- the pair table: golden files (tests/data/pairs) ---------------------------------

#: Trimmed copies of results/published/epyc-2vcpu/go1.27.3's three runs (8 pairs, both GOGC
#: settings): repeated config lines and PASS dropped, every benchmark line kept.
PAIRS_DATA = ROOT / "tests" / "data" / "pairs"
UPDATE = os.environ.get("ESCAPEBENCH_UPDATE_GOLDEN") == "1"


def _golden_runs(n: int, rounds: int | None = None) -> list:
    out = []
    for i in range(1, n + 1):
        text = (PAIRS_DATA / f"run{i}" / "raw.txt").read_text(encoding="utf-8")
        if rounds is not None:  # the first `rounds` samples of every cell: a short run
            seen: dict[tuple[str, str], int] = {}
            keep, gogc = [], ""
            for line in text.splitlines():
                if line.startswith(f"{keys.GOGC}: "):
                    gogc = line
                if line.startswith("Benchmark"):
                    key = (line.split()[0], gogc)
                    seen[key] = seen.get(key, 0) + 1
                    if seen[key] > rounds:
                        continue
                keep.append(line)
            text = "\n".join(keep) + "\n"
        out += benchfmt.parse(text, f"run{i}").results
    return out


@pytest.mark.parametrize(
    ("golden", "runs", "rounds", "wide"),
    [
        ("this_run.txt", 1, None, False),
        ("this_run_wide.txt", 1, None, True),
        ("across_runs.txt", 3, None, False),
        ("across_runs_wide.txt", 3, None, True),
        ("too_few_rounds.txt", 1, 8, False),
    ],
)
def test_pair_table_is_its_golden_file(
    golden: str, runs: int, rounds: int | None, wide: bool
) -> None:
    """Byte for byte; ESCAPEBENCH_UPDATE_GOLDEN=1 rewrites the files (review the diff)."""
    got = pairs.text(ec.cost_records(_golden_runs(runs, rounds)), wide=wide)
    path = PAIRS_DATA / golden
    if UPDATE or not path.exists():
        path.write_text(got, encoding="utf-8")
    assert got == path.read_text(encoding="utf-8"), f"{golden} differs: rerun with UPDATE"
    if not wide:
        assert max(len(line) for line in got.splitlines()) <= pairs.COMPACT_WIDTH


def test_the_table_says_its_scope_family_and_a_too_short_run_once() -> None:
    one = pairs.text(ec.cost_records(_golden_runs(1)))
    assert "this run [95% CI]" in one and one.count(ec.THIS_RUN_NOTE[:30]) == 1
    assert "corrected over 16 records: 8 pairs × 2 conditions" in one
    three = pairs.text(ec.cost_records(_golden_runs(3)))
    assert "across runs [95% CI]" in three and ec.THIS_RUN_NOTE[:30] not in three
    short = ec.cost_records(_golden_runs(1, rounds=8))
    assert all(r.n_rounds == 8 and not r.resolvable for r in short)
    text = pairs.text(short)
    assert text.count("8 rounds: too few for verdicts across 16 records; intervals only") == 1
    assert "inconclusive" not in text and "p (Holm)  verdict" not in text


@pytest.mark.parametrize(
    ("key", "field"),
    [(keys.MODULE, "module"), (keys.SOURCES, "sources"), (keys.CALIBRATION_ID, "calibration")],
)
def test_other_code_or_loop_counts_never_pool(key: str, field: str) -> None:
    a = _parse(_run_text(1.3).replace("gogc: 100\n", f"gogc: 100\n{key}: one\n"), "a")
    b = _parse(_run_text(1.3, seed=1).replace("gogc: 100\n", f"gogc: 100\n{key}: two\n"), "b")
    recs = ec.cost_records(a + b)
    assert len(recs) == 2 and all(r.n_runs == 1 for r in recs)
    assert ec.differing_settings(recs) == [field]
    with pytest.raises(BenchError, match=rf"{field} \(one vs two\) differs: select runs") as err:
        ec.cost_records(a + b, pool=True)
    assert "--pool" not in str(err.value)
