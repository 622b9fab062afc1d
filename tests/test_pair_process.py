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

from bench import benchfmt, matrix, store
from bench.plan import FIRST_ENV, round_order
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
    ((go, d),) = group.dirs.items()
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
