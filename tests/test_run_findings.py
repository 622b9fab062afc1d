"""``bench run`` says what its pair table cannot show: annotations that do not hold, and
benchmarks measured that are not pairs; ``--strict`` makes either an exit status of 1."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.pairs_client import unpaired
from bench.plan import Cell
from tests.conftest import bench

pytestmark = pytest.mark.toolchain

_CODE = """package own

import "testing"

type point struct{ x, y int }

var sink *point
var sinkVal point

//go:noinline
func newPoint(i int) *point {
	p := point{i, i} // escape:stack
	return &p
}

//go:noinline
func pointValue(i int) point {
	p := point{i, i} // escape:stack
	return p
}

func BenchmarkPoint(b *testing.B) {
	b.Run("variant=escape", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			sink = newPoint(i)
		}
	})
	b.Run("variant=noescape", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			sinkVal = pointValue(i)
		}
	})
}

func BenchmarkPlain(b *testing.B) {
	for i := 0; i < b.N; i++ {
		sinkVal = pointValue(i)
	}
}
"""


@pytest.fixture()
def own(tmp_path: Path) -> Path:
    """A module with one wrong annotation (newPoint's p escapes) and one plain benchmark."""
    mod = tmp_path / "own"
    mod.mkdir()
    (mod / "go.mod").write_text("module example.com/own\n\ngo 1.21\n")
    (mod / "own_test.go").write_text(_CODE)
    return mod


def test_run_reports_failed_annotations_and_unpaired_benchmarks(own: Path, tmp_path: Path) -> None:
    args = ["run", "--quick", "--module", str(own), "--results", str(tmp_path / "r"), "--quiet"]
    code, out, err = bench(*args)
    assert code == 0, err  # reported, not failed, without --strict
    lines = out.splitlines()
    ann = [ln for ln in lines if ln.startswith("escape annotations:")]
    assert len(ann) == 1 and "1 of 2 do not hold" in ann[0] and "own_test.go:12" in ann[0]
    pairs = [ln for ln in lines if "measured but not paired" in ln]
    assert len(pairs) == 1 and pairs[0].endswith(": Plain"), pairs
    code, out, err = bench(*args, "--strict")
    assert code == 1, out + err
    assert sum("do not hold" in ln for ln in out.splitlines()) == 1


def test_unpaired_names_lone_variants_and_plain_benchmarks() -> None:
    cells = [
        Cell("go1", "A/variant=escape"),
        Cell("go1", "A/variant=noescape"),
        Cell("go1", "B/variant=escape"),
        Cell("go1", "C"),
        Cell("go1", "D/size=8/variant=escape"),
        Cell("go1", "D/size=8/variant=noescape"),
    ]
    assert unpaired(cells) == ["B/variant=escape", "C"]
