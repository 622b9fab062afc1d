"""``bench run --target`` and ``--budget``: the engine stops pairs that met the target
(after whole ABBA cycles), ends on the budget after whole rounds, and says so."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import benchfmt, matrix, store
from bench.plan import SettingError
from bench.progress import Progress
from bench.request import RunRequest
from bench.vocab import keys
from tests.conftest import bench

pytestmark = pytest.mark.toolchain

_PAIRS = """package pairs

import "testing"

var sink *[64]byte

func BenchmarkBox(b *testing.B) {
	b.Run("variant=escape", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			sink = new([64]byte)
		}
	})
	b.Run("variant=noescape", func(b *testing.B) {
		var x [64]byte
		for i := 0; i < b.N; i++ {
			x[i%64]++
		}
		_ = x
	})
}

func BenchmarkPlain(b *testing.B) {
	for i := 0; i < b.N; i++ {
		sink = new([64]byte)
	}
}
"""


def _module(tmp_path: Path) -> Path:
    mod = tmp_path / "m"
    mod.mkdir()
    (mod / "go.mod").write_text("module example.com/m\n\ngo 1.21\n")
    (mod / "pairs_test.go").write_text(_PAIRS)
    return mod


def test_target_and_budget_values_are_checked_once() -> None:
    assert RunRequest.parse("target", "5%") == pytest.approx(0.05)
    assert RunRequest.parse("target", "0.1") == pytest.approx(0.1)
    assert RunRequest.parse("budget", "3m") == 180 and RunRequest.parse("budget", "90") == 90
    for setting, bad in (("target", "0"), ("target", "100%"), ("target", "x"), ("budget", "-1s")):
        with pytest.raises(SettingError):
            RunRequest.parse(setting, bad)
    code, _, err = bench("run", "--target", "150%")
    assert code == 2 and "--target" in err and "150%" in err


def test_a_pair_that_met_the_target_gets_no_more_rounds(tmp_path: Path) -> None:
    asked: list[int] = []

    def rule(results):  # type: ignore[no-untyped-def]
        asked.append(len(results))
        go = results[0].config_value(keys.GO_VERSION)
        return [(go, "Box", "100", "0", "")]  # Box met it at the first check

    req = RunRequest(module=_module(tmp_path), results=tmp_path / "r", count=12,
                     benchtime="200x", target=0.05, seed=3)  # fmt: skip
    group = matrix.run(req, Progress(enabled=False), rule=rule)
    assert group.plan is not None and group.plan.ended == "count"
    assert set(group.plan.stopped.values()) == {4}  # after one whole ABBA cycle
    assert sorted(k.split()[1] for k in group.plan.stopped) == ["Box/variant=escape",
                                                                "Box/variant=noescape"]  # fmt: skip
    (d,) = group.dirs.values()
    names = [r.name.without_procs for r in store.load_input(d)[0].parsed.results]
    assert names.count("Box/variant=escape") == names.count("Box/variant=noescape") == 4
    assert names.count("Plain") == 12  # not a pair: never stopped by the rule
    assert len(asked) == 3  # rounds 4, 8 and 12
    meta = json.loads((d / store.META).read_text())
    assert meta["plan"]["target"] == 0.05 and meta["plan"]["ended"] == "count"


def test_the_budget_ends_after_whole_rounds_and_starts_no_repeat(tmp_path: Path) -> None:
    req = RunRequest(module=_module(tmp_path), results=tmp_path / "r", count=50,
                     benchtime="100x", budget=0.001, repeat=2, seed=4)  # fmt: skip
    groups = matrix.run_series(req, Progress(enabled=False))
    assert len(groups) == 1  # the budget was spent: no second run
    plan = groups[0].plan
    assert plan is not None and plan.ended == "budget"
    (d,) = groups[0].dirs.values()
    results = benchfmt.parse_file(d / store.RAW).results
    assert len(results) % 3 == 0  # whole rounds only (here none: the pilot spent the budget)


def test_bench_run_target_reports_which_pairs_met_it(tmp_path: Path) -> None:
    code, out, err = bench(
        "run", "--module", str(_module(tmp_path)), "--target", "50%", "--count", "16",
        "--benchtime", "2000x", "--results", str(tmp_path / "r"), "--quiet",
    )  # fmt: skip
    assert code == 0, err
    assert "target ±50%: 1 of 1 pairs met it" in out, out
    (d,) = store.find_runs(tmp_path / "r")
    plan = json.loads((d / store.META).read_text())["plan"]
    assert plan["ended"] in ("target", "count") and plan["target"] == 0.5


def test_a_target_without_count_may_take_up_to_the_simulated_most_rounds() -> None:
    from bench.plan import DEFAULT_COUNT, TARGET_COUNT
    from bench.request import RunRequest as Req

    assert Req(target=0.05).resolved_count() == TARGET_COUNT == 60
    assert Req(target=0.05, count=24).resolved_count() == 24
    assert Req().resolved_count() == DEFAULT_COUNT
