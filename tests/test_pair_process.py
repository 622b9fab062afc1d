"""``--process pair``: both variants of a pair in one process, the first one chosen per round.

A user's module with three pairs: one that reads ``ESCAPEBENCH_FIRST`` (as
``gcstat.Variants`` does), one that always runs escape first and one that
always runs noescape first. Only the first may share a process; the others
are measured one process per variant, and nothing of a process whose order
was not the one asked is kept.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import benchfmt, matrix, run, store
from bench.plan import FIRST_ENV, Cell, Plan, Setting, round_order
from bench.progress import Progress
from bench.request import RunRequest
from bench.vocab import keys
from bench.vocab.condition import condition_of

pytestmark = pytest.mark.toolchain

_PAIRS = """package pairs

import (
	"os"
	"testing"
)

var sink *[64]byte

func escape(b *testing.B) {
	for i := 0; i < b.N; i++ {
		sink = new([64]byte)
	}
}

func noescape(b *testing.B) {
	for i := 0; i < b.N; i++ {
		var x [64]byte
		x[i%64] = 1
	}
}

func BenchmarkHonours(b *testing.B) {
	if os.Getenv("%s") == "noescape" {
		b.Run("variant=noescape", noescape)
		b.Run("variant=escape", escape)
		return
	}
	b.Run("variant=escape", escape)
	b.Run("variant=noescape", noescape)
}

func BenchmarkEscapeFirst(b *testing.B) {
	b.Run("variant=escape", escape)
	b.Run("variant=noescape", noescape)
}

func BenchmarkNoescapeFirst(b *testing.B) {
	b.Run("variant=noescape", noescape)
	b.Run("variant=escape", escape)
}
""".replace("%s", FIRST_ENV)


def _module(tmp_path: Path) -> Path:
    mod = tmp_path / "mod"
    (mod / "pairs").mkdir(parents=True)
    (mod / "go.mod").write_text("module example.com/mod\n\ngo 1.21\n")
    (mod / "pairs" / "pairs_test.go").write_text(_PAIRS)
    return mod / "pairs"


def test_only_a_pair_that_reads_the_variable_shares_a_process_in_abba_order(
    tmp_path: Path,
) -> None:
    req = RunRequest(module=_module(tmp_path), results=tmp_path / "r", quick=True, seed=3)
    group = matrix.run(req, Progress(enabled=False))
    assert group.status == "complete"
    plan = group.plan
    assert plan is not None and plan.process == "pair"
    assert sorted({k.split()[1] for k in plan.together}) == [
        "Honours/variant=escape",
        "Honours/variant=noescape",
    ]
    ((_go, d),) = group.dirs.items()
    results = benchfmt.parse_file(d / store.RAW).results
    kinds = {(r.name.without_procs.split("/")[0], r.config_value(keys.PROCESS)) for r in results}
    assert kinds == {("Honours", "pair"), ("EscapeFirst", "cell"), ("NoescapeFirst", "cell")}
    # one loop count per pair process, and each round ran the variant the order put first
    honours = [r for r in results if r.name.without_procs.startswith("Honours/")]
    assert len({r.iters for r in honours}) == 1
    got = [honours[i].name.without_procs for i in range(0, len(honours), 2)]
    want = [
        next(c.bench for c in round_order(plan.cells, plan.seed, rnd) if c.pair == "Honours")
        for rnd in range(1, plan.count + 1)
    ]
    assert got == want and len(set(got)) == 2  # ABBA: both orders, as asked
    assert {condition_of(r).process for r in honours} == {"pair"}
    assert {condition_of(r).process for r in results if r not in honours} == {"cell"}
    loops = {r.name.without_procs: r.iters for r in results}
    count = req.resolved_count()
    assert all(
        sum(r.name.without_procs == name for r in results) == count for name in loops
    )  # every cell its --count samples, paired or not


def test_cell_process_keeps_one_process_per_variant(tmp_path: Path) -> None:
    req = RunRequest(
        module=_module(tmp_path), results=tmp_path / "r", quick=True, seed=3, process="cell"
    )
    group = matrix.run(req, Progress(enabled=False))
    assert group.plan is not None and group.plan.together == {}
    ((_, d),) = group.dirs.items()
    results = benchfmt.parse_file(d / store.RAW).results
    assert {r.config_value(keys.PROCESS) for r in results} == {"cell"}


class _EscapeFirstRunner(run.Runner):
    """Answers every process with its cells' lines, escape first whatever was asked."""

    def __init__(self) -> None:
        super().__init__()
        self.firsts: list[str] = []

    def run(self, binary, args, env, cwd, timeout):  # type: ignore[no-untyped-def]
        pattern = next(a for a in args if a.startswith("-test.bench=")).split("=", 1)[1]
        self.firsts.append(env.get(FIRST_ENV, ""))
        lines = [
            f"BenchmarkP/variant={v}-2 \t 1024\t {ns} ns/op\n"
            for v, ns in (("escape", "30.0"), ("noescape", "3.0"))
            if f"variant={v})" in pattern or f"variant={v}|" in pattern
        ]
        return run.Outcome(0, "".join(lines) + "PASS\n", False, 0.01)


def test_a_pair_process_out_of_the_asked_order_is_dropped_and_the_pair_runs_as_cells(
    tmp_path: Path,
) -> None:
    from types import SimpleNamespace

    cells = [Cell("go1.x", f"P/variant={v}", Setting()) for v in ("escape", "noescape")]
    esc, noesc = (c.key for c in cells)
    plan = Plan("interleaved", 4, "40ms", 1, [Setting()], process="pair")
    plan.cells = cells
    plan.calibration = {esc: 1024, noesc: 1024}
    plan.together = {esc: noesc, noesc: esc}
    tc = SimpleNamespace(env=lambda **kw: dict(kw), version="go1.x")
    b = SimpleNamespace(toolchain=tc, binary=Path("/nonexistent"))
    sink = run.RawSink(tmp_path / "raw.txt", "goos: linux\nescapebench-order: interleaved\n")
    runner = _EscapeFirstRunner()
    session = run.Session(plan, {"go1.x": b}, {"go1.x": sink}, tmp_path, runner)  # type: ignore[dict-item]
    run.rounds(session)
    sink.close()
    assert plan.together == {}
    assert [m for m in session.messages if "ignore" in m] == [
        f"P: its variants ignore {FIRST_ENV}: measured as one process each"
    ]
    results = benchfmt.parse_file(tmp_path / "raw.txt").results
    paired = [r for r in results if r.config_value(keys.PROCESS) == "pair"]
    # every kept pair sample ran in the order its round asked for: escape first
    asked = [round_order(cells, plan.seed, rnd)[0].bench for rnd in range(1, 5)]
    kept = asked[: asked.index("P/variant=noescape")]
    assert [r.name.without_procs for r in paired] == [
        name for first in kept for name in (first, "P/variant=noescape")
    ]
    names = [r.name.without_procs for r in results]
    assert names.count("P/variant=escape") == names.count("P/variant=noescape") == 4
