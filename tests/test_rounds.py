"""Rounds: how bench run writes them (order, seed, calibration, samples per round) on a real
tiny module, and that analysis.escape_cost reads the same rounds back.

The statistics over rounds are tested in tests/test_escape_cost.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from analysis import escape_cost
from bench import benchfmt, matrix, pilot, run, store
from bench.plan import Cell, Plan, Setting, round_order
from bench.progress import Progress
from bench.vocab import keys

# --- how bench run writes rounds (real toolchain, tiny module) --------------------------


@pytest.mark.parametrize(
    ("per_op", "target", "want"),
    [
        (2e-9, 0.1, 1 << 26),  # 5e7 loops wanted: 2^25.6 rounds to 2^26
        (1.5e-3, 0.1, 64),  # 66.7 -> 64
        (1.5e-3 * 1.3, 0.1, 64),  # a pilot 30 % slow gives the same count
        (1.5e-3 / 1.3, 0.1, 64),  # and 30 % fast too
        (0.2, 0.1, 1),  # slower than the target: one loop
        (0.0, 0.1, 1 << 20),  # no time measured at all
    ],
)
def test_iterations_are_powers_of_two_near_the_target(
    per_op: float, target: float, want: int
) -> None:
    n = pilot.iterations(per_op, target)
    assert n == want
    if per_op > 0 and n > 1:
        assert 0.7 * target <= n * per_op <= 1.42 * target


def _run_tiny(tiny: Path, results: Path, **kw: object) -> Path:
    req = matrix.RunRequest(module=tiny, results=results, cases="Point", **kw)  # type: ignore[arg-type]
    group = matrix.run(req, Progress(enabled=False))
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
    assert keys.SAMPLES_PER_ROUND not in raw  # absent when 1


@pytest.mark.toolchain
def test_samples_per_round_writes_whole_rounds_in_order(tiny: Path, tmp_path: Path) -> None:
    d = _run_tiny(tiny, tmp_path / "r", count=3, benchtime="2ms", seed=11, samples_per_round=2)
    parsed = benchfmt.parse_file(d / store.RAW)
    res = parsed.results
    assert res[0].config_value(keys.SAMPLES_PER_ROUND) == "2"
    names = [r.name.without_procs for r in res]
    assert len(names) == 2 * 3 * 2
    # each process wrote its two samples together; variants alternate first by round
    blocks = [names[i : i + 2] for i in range(0, len(names), 2)]
    assert all(a == b for a, b in blocks)
    cells = [b[0] for b in blocks]
    expected = [
        c.bench
        for rnd in (1, 2, 3)
        for c in round_order(
            [Cell("g", "Point/variant=escape"), Cell("g", "Point/variant=noescape")],
            11,
            rnd,
        )
    ]
    assert cells == expected  # the recorded seed reproduces the order
    (pair,) = escape_cost.pair_samples(res)
    assert pair.paired and len(pair.escape) == len(pair.noescape) == 3 and pair.dropped == 0
    e = [r.get("sec/op") for r in res if r.name.variant == "escape"]
    assert pair.escape[0] == pytest.approx(sorted(e[:2])[0] / 2 + sorted(e[:2])[1] / 2)


@pytest.mark.toolchain
def test_stop_ends_between_rounds(tiny: Path, tmp_path: Path, go_bundled) -> None:
    from bench.build import build
    from bench.cases import load_module

    module = load_module(tiny)
    b = build(go_bundled, module)
    plan = Plan(order="interleaved", count=50, benchtime="1ms", seed=3, settings=[Setting()])
    pilot.plan_cells(
        plan,
        {go_bundled.version: b},
        module,
        matrix.RunRequest(cases="Point", order="interleaved"),
        run.Runner(),
        Progress(enabled=False),
    )
    sink = run.RawSink(
        tmp_path / "raw.txt", matrix.raw_header(plan, {"machine": "m"}, go_bundled.version)
    )
    done: list[int] = []
    run.execute(
        plan,
        {go_bundled.version: b},
        {go_bundled.version: sink},
        module.root,
        progress=Progress(enabled=False),
        on_round=done.append,
        stop=lambda: len(done) >= 4,
    )
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

    out = (
        "BenchmarkP/variant=escape-2  \t 100\t 900.0 ns/op\n"
        "BenchmarkP/variant=escape-2  \t 100\t 300.0 ns/op\n"
        "BenchmarkP/variant=noescape-2\t 100\t  20.0 ns/op\n"
        "BenchmarkP/variant=noescape-2\t 100\t  30.0 ns/op\nPASS\n"
    )
    runner = _CannedRunner(out)
    tc = SimpleNamespace(env=lambda **kw: dict(kw), version="go1.x")
    b = SimpleNamespace(toolchain=tc, binary=Path("/nonexistent"))
    per_op, failures = pilot.measure(
        runner,
        b,
        "^(BenchmarkP)$",
        Setting(),
        0.1,  # type: ignore[arg-type]
        Path("."),
        None,
    )
    assert not failures
    assert per_op == {
        "P/variant=escape": pytest.approx(300e-9),
        "P/variant=noescape": pytest.approx(20e-9),
    }
    assert f"-test.count={pilot.PILOT_COUNT}" in runner.argv[0] and pilot.PILOT_COUNT == 2
