"""Rounds: the block bootstrap of analysis.rounds on synthetic drift, and how bench run
writes rounds (order, seed, calibration, samples per round) on a real tiny module."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest

from analysis import cost, rounds
from bench import benchfmt, matrix, run, store
from bench.model import Result, Value

TRUE_RATIO = 1.3


# --- the interval on synthetic data -------------------------------------------------


def _shared_drift(rng: np.random.Generator, r: int) -> tuple[np.ndarray, np.ndarray]:
    """A machine whose speed wanders ±30 % from round to round, both variants alike."""
    state = np.exp(rng.normal(0.0, 0.3, r))
    noescape = 100.0 * state * rng.lognormal(0.0, 0.02, r)
    escape = 100.0 * TRUE_RATIO * state * rng.lognormal(0.0, 0.02, r)
    return escape, noescape


def _ar1(rng: np.random.Generator, r: int, phi: float, sd: float) -> np.ndarray:
    """An AR(1) series with stationary standard deviation ``sd``."""
    x = np.empty(r)
    x[0] = rng.normal(0.0, sd)
    innov = sd * math.sqrt(1 - phi * phi)
    for i in range(1, r):
        x[i] = phi * x[i - 1] + rng.normal(0.0, innov)
    return x


def test_shared_drift_cancels_within_rounds() -> None:
    """State shared by a round divides out: far narrower than resampling values alone."""
    sims, covered, widths, iid_widths = 60, 0, [], []
    for s in range(sims):
        rng = np.random.default_rng(100 + s)
        e, n = _shared_drift(rng, 30)
        ci = rounds.ratio_ci(e, n, resamples=1000, seed=s)
        iid = cost.ratio_ci(e, n, resamples=1000, seed=s)
        covered += ci.contains(TRUE_RATIO)
        widths.append(ci.half_width_pct)
        iid_widths.append(100 * (iid.hi - iid.lo) / 2 / iid.ratio)
    assert covered / sims >= 0.9
    assert np.median(widths) < 0.5 * np.median(iid_widths)


def test_autocorrelated_rounds_need_blocks() -> None:
    """Slow drift of the ratio itself (AR(1), φ = 0.6): single rounds under-cover, blocks fix it.

    The exact figures are deterministic (seeded); the assertion margins are
    wide enough that they test the method, not the seed.
    """
    sims, r = 200, 64
    cov_block = cov_round = 0
    for s in range(sims):
        rng = np.random.default_rng(1000 + s)
        ratio = TRUE_RATIO * np.exp(_ar1(rng, r, 0.6, 0.15))
        n = 100.0 * np.exp(rng.normal(0.0, 0.05, r))
        e = n * ratio
        cov_block += rounds.ratio_ci(e, n, resamples=1000, seed=s).contains(TRUE_RATIO)
        cov_round += rounds.ratio_ci(e, n, resamples=1000, seed=s,
                                     block=1).contains(TRUE_RATIO)
    assert rounds.block_length(r) == 4
    assert cov_round / sims < 0.8  # treating rounds as independent is overconfident
    assert cov_block / sims >= 0.8
    assert cov_block > cov_round + 0.05 * sims


def test_independent_rounds_cover_at_the_nominal_rate() -> None:
    """No drift at all: blocks cost nothing in coverage (~95 %)."""
    sims, covered = 200, 0
    for s in range(sims):
        rng = np.random.default_rng(5000 + s)
        n = rng.lognormal(math.log(100.0), 0.15, 40)
        e = rng.lognormal(math.log(100.0 * TRUE_RATIO), 0.15, 40)
        covered += rounds.ratio_ci(e, n, resamples=1000, seed=s).contains(TRUE_RATIO)
    assert 0.88 <= covered / sims <= 0.99


def test_samples_per_round_group_and_pair() -> None:
    e = [1.0, 1.1, 1.2, 2.0, 2.1, 2.2, 3.0]  # k = 3: rounds 0, 1 and a partial one
    assert [g.tolist() for g in rounds.round_groups(e, 3)] == [[1.0, 1.1, 1.2],
                                                                [2.0, 2.1, 2.2]]
    n = [1.0, 1.0, 1.0, 1.0, 1.0, 1.0]
    lr = rounds.round_log_ratios(e, n, 3)
    assert np.allclose(lr, [math.log(1.1), math.log(2.1)])
    ci = rounds.ratio_ci(e, n, samples_per_round=3, resamples=200)
    assert ci.rounds == 2 and ci.samples_per_round == 3 and ci.dropped == 1
    assert any("only 2 rounds" in w for w in ci.warnings)
    assert any("1 samples" in w for w in ci.warnings)


def test_interval_is_reproducible_and_brackets_the_estimate() -> None:
    rng = np.random.default_rng(3)
    e, n = _shared_drift(rng, 25)
    a = rounds.ratio_ci(e, n, seed=9, resamples=2000)
    b = rounds.ratio_ci(e, n, seed=9, resamples=2000)
    assert a == b
    assert a.lo <= a.ratio <= a.hi
    assert a.ratio == pytest.approx(float(np.median(e) / np.median(n)))
    with pytest.raises(ValueError):
        rounds.ratio_ci([], [1.0])


def _rec(name: str, sec: float, config: tuple[tuple[str, str], ...]) -> Result:
    return Result(name=benchfmt.split_name(name), iters=1000, values=(Value(sec, "sec/op"),),
                  config=config, file="raw.txt", line=1)


def test_from_records_reads_samples_per_round_from_config() -> None:
    cfg = (("escapebench-order", "interleaved"), (rounds.SAMPLES_PER_ROUND_KEY, "2"))
    e = [_rec("BenchmarkX/variant=escape-2", v, cfg) for v in (2.0, 2.2, 4.0, 4.4)]
    n = [_rec("BenchmarkX/variant=noescape-2", v, cfg) for v in (1.0, 1.1, 2.0, 2.2)]
    ci = rounds.from_records(e, n, resamples=200)
    assert ci.samples_per_round == 2 and ci.rounds == 2
    assert ci.lo == pytest.approx(2.0) and ci.hi == pytest.approx(2.0)  # shared drift only
    assert rounds.is_interleaved(e) and rounds.samples_per_round(e) == 2


# --- how bench run writes rounds (real toolchain, tiny module) --------------------------


@pytest.mark.parametrize(("per_op", "target", "want"), [
    (2e-9, 0.1, 1 << 26),  # 5e7 loops wanted: 2^25.6 rounds to 2^26
    (1.5e-3, 0.1, 64),  # 66.7 -> 64
    (1.5e-3 * 1.3, 0.1, 64),  # a pilot 30 % slow gives the same count
    (1.5e-3 / 1.3, 0.1, 64),  # and 30 % fast too
    (0.2, 0.1, 1),  # slower than the target: one loop
    (0.0, 0.1, 1 << 20),  # no time measured at all
])
def test_iterations_are_powers_of_two_near_the_target(per_op: float, target: float,
                                                      want: int) -> None:
    n = run.iterations(per_op, target)
    assert n == want
    if per_op > 0 and n > 1:
        assert 0.7 * target <= n * per_op <= 1.42 * target


def _run_tiny(tiny: Path, results: Path, **kw: object) -> Path:
    req = matrix.RunRequest(module=tiny, results=results, cases="Point", **kw)  # type: ignore[arg-type]
    group = matrix.run(req, run.Progress(enabled=False))
    assert group.status == "complete"
    (d,) = group.dirs.values()
    return d


@pytest.mark.toolchain
def test_calibration_is_recorded_and_every_sample_uses_it(tiny: Path, tmp_path: Path) -> None:
    d = _run_tiny(tiny, tmp_path / "r", count=3, benchtime="2ms", seed=5)
    raw = (d / store.RAW).read_text()
    line = re.search(r"^escapebench-calibration: (.*)$", raw, re.M)
    assert line, raw[:400]
    calib = dict(item.rsplit("=", 1) for item in line.group(1).split())
    assert set(calib) == {"Point/variant=escape", "Point/variant=noescape"}
    for v in calib.values():  # a power of two (pyperf-style calibration)
        assert v.endswith("x") and int(v[:-1]) >= 1 and int(v[:-1]) & (int(v[:-1]) - 1) == 0
    for r in benchfmt.parse(raw, "raw").results:
        assert f"{r.iters}x" == calib[r.name.without_procs]  # fixed N, no ramp-up
    assert "escapebench-seed: 5" in raw
    assert rounds.SAMPLES_PER_ROUND_KEY not in raw  # absent when 1


@pytest.mark.toolchain
def test_samples_per_round_writes_whole_rounds_in_order(tiny: Path, tmp_path: Path) -> None:
    d = _run_tiny(tiny, tmp_path / "r", count=3, benchtime="2ms", seed=11, samples_per_round=2)
    parsed = benchfmt.parse_file(d / store.RAW)
    res = parsed.results
    assert res[0].config_value(rounds.SAMPLES_PER_ROUND_KEY) == "2"
    names = [r.name.without_procs for r in res]
    assert len(names) == 2 * 3 * 2
    # each process wrote its two samples together; variants alternate first by round
    blocks = [names[i:i + 2] for i in range(0, len(names), 2)]
    assert all(a == b for a, b in blocks)
    cells = [b[0] for b in blocks]
    expected = [c.bench for rnd in (1, 2, 3)
                for c in run.round_order([run.Cell("g", "Point/variant=escape"),
                                          run.Cell("g", "Point/variant=noescape")], 11, rnd)]
    assert cells == expected  # the recorded seed reproduces the order
    e = [r for r in res if r.name.variant == "escape"]
    n = [r for r in res if r.name.variant == "noescape"]
    assert rounds.from_records(e, n, resamples=200).rounds == 3


@pytest.mark.toolchain
def test_stop_ends_between_rounds(tiny: Path, tmp_path: Path, go_bundled) -> None:
    from bench.build import build
    from bench.cases import load_module

    module = load_module(tiny)
    b = build(go_bundled, module)
    plan = run.Plan(order="interleaved", count=50, benchtime="1ms", seed=3,
                    settings=[run.Setting()])
    matrix.plan_cells(plan, {go_bundled.version: b}, module,
                      matrix.RunRequest(cases="Point", order="interleaved"), run.Runner(),
                      run.Progress(enabled=False))
    sink = run.RawSink(tmp_path / "raw.txt", matrix.raw_header(
        plan, {"machine": "m"}, go_bundled.version))
    done: list[int] = []
    run.execute(plan, {go_bundled.version: b}, {go_bundled.version: sink}, module.root,
                progress=run.Progress(enabled=False), on_round=done.append,
                stop=lambda: len(done) >= 4)
    sink.close()
    counts = run.count_samples((tmp_path / "raw.txt").read_text(), go_bundled.version)
    assert done == [1, 2, 3, 4]
    assert set(counts.values()) == {4}  # whole rounds only


class _CannedRunner(run.Runner):
    """A runner that answers every invocation with the same Go output."""

    def __init__(self, output: str) -> None:
        super().__init__()
        self.output = output
        self.argv: list[list[str]] = []

    def run(self, binary, args, env, cwd, timeout):  # type: ignore[no-untyped-def]
        self.argv.append(list(args))
        return run.Outcome(0, self.output, False, 0.01)


def test_pilot_runs_each_cell_twice_and_keeps_the_fastest() -> None:
    from types import SimpleNamespace

    out = ("BenchmarkP/variant=escape-2  \t 100\t 900.0 ns/op\n"
           "BenchmarkP/variant=escape-2  \t 100\t 300.0 ns/op\n"
           "BenchmarkP/variant=noescape-2\t 100\t  20.0 ns/op\n"
           "BenchmarkP/variant=noescape-2\t 100\t  30.0 ns/op\nPASS\n")
    runner = _CannedRunner(out)
    tc = SimpleNamespace(env=lambda **kw: dict(kw), version="go1.x")
    b = SimpleNamespace(toolchain=tc, binary=Path("/nonexistent"))
    per_op, failures = run.pilot(runner, b, "^(BenchmarkP)$", run.Setting(), 0.1,  # type: ignore[arg-type]
                                 Path("."), None)
    assert not failures
    assert per_op == {"P/variant=escape": pytest.approx(300e-9),
                      "P/variant=noescape": pytest.approx(20e-9)}
    assert f"-test.count={run.PILOT_COUNT}" in runner.argv[0] and run.PILOT_COUNT == 2
