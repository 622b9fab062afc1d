"""One table per question: what cost, compare and report read, and what they never pool.

Real toolchain, tiny benchtimes: a catalogue run and an own module with a
same-named pair in one results tree; ``bench run --quick && bench run`` and
the ``bench cost`` that follows; the report's refusal to go over tracked files.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import bench

pytestmark = pytest.mark.toolchain

CASES = "^(ReturnPointer|BoxLargeInt)$"

OWN = """package own

import "testing"

type box struct{ data [512]byte }

var sinkP *box
var sinkV box

//go:noinline
func newBox() *box {
	b := box{} // escape:heap
	return &b
}

//go:noinline
func boxValue() box {
	b := box{} // escape:stack
	return b
}

func BenchmarkReturnPointer(b *testing.B) {
	b.Run("variant=escape", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			sinkP = newBox()
		}
	})
	b.Run("variant=noescape", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			sinkV = boxValue()
		}
	})
}
"""


def _table(stdout: str) -> str:
    """The pair table of ``bench run``'s stdout (without its ``N samples in`` lines)."""
    return "".join(ln for ln in stdout.splitlines(keepends=True) if " samples in " not in ln)


def test_cost_without_input_prints_the_table_the_last_run_printed(tmp_path: Path) -> None:
    results = str(tmp_path / "results")
    code, _, err = bench("run", "--quick", "--cases", CASES, "--results", results, "--quiet")
    assert code == 0, err
    code, ran, err = bench(
        "run",
        "--cases",
        CASES,
        "--count",
        "6",
        "--benchtime",
        "2ms",
        "--results",
        results,
        "--quiet",
    )
    assert code == 0, err
    code, cost, err = bench("cost", "--results", results)
    assert code == 0, err
    assert cost == _table(ran)  # same records, verdicts, p-values and Holm family
    assert "count 6" in cost and "count 8" not in cost
    assert "reading the newest run" in err and err.count("\n") == 1
    code, both, err = bench("cost", results)  # the whole tree: both runs, said so
    assert code == 0 and "count 8" in both and "count 6" in both
    assert "differ in" in err


def test_catalogue_and_own_module_never_pool(tmp_path: Path) -> None:
    own = tmp_path / "own"
    own.mkdir()
    (own / "go.mod").write_text("module example.com/own\n\ngo 1.21\n")
    (own / "own_test.go").write_text(OWN)
    results = str(tmp_path / "results")
    for extra in (("--cases", "^ReturnPointer$"), ("--module", str(own))):
        code, _, err = bench("run", "--quick", *extra, "--results", results, "--quiet")
        assert code == 0, err
    code, out, err = bench("cost", results, "--format", "json")
    assert code == 0, err
    recs = json.loads(out)
    assert [r["pair"] for r in recs].count("ReturnPointer-2") == 2  # two rows, never one
    assert len({r["bytes_escape"] for r in recs}) == 2  # 512 B own, 24 B catalogue
    assert sum("never pooled" in ln or "differ in" in ln for ln in err.splitlines()) == 1
    code, out, err = bench("compare", "--by", "variant", results)
    assert code == 0, err
    assert "different modules" in err and err.count("different modules") == 1
    code, out, err = bench("report", results, "--out", str(tmp_path / "rep"), "--no-claims")
    assert code == 0, err
    assert err.count("different modules") == 1
    md = (tmp_path / "rep" / "index.md").read_text(encoding="utf-8")
    md = md.replace("\\_", "_")
    assert "module example.com/own" in md and "module escapebench/go_cases" in md  # two columns


def test_report_never_goes_over_tracked_files(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "docs" / "report").mkdir(parents=True)
    (repo / "docs" / "report" / "index.md").write_text("published\n")
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run(["git", "-C", str(repo), "add", "."], check=True)
    raw = tmp_path / "raw.txt"
    raw.write_text(
        "BenchmarkX/variant=escape-2 1 10 ns/op\nBenchmarkX/variant=noescape-2 1 5 ns/op\n"
    )
    out = repo / "docs" / "report"
    code, _, err = bench("report", str(raw), "--out", str(out), "--no-claims")
    assert code == 1 and "tracked by git" in err and "--force" in err
    assert (out / "index.md").read_text() == "published\n"
    afile = tmp_path / "afile.txt"
    afile.write_text("x")
    code, _, err = bench("report", str(raw), "--out", str(afile), "--no-claims")
    assert code == 1 and "--out" in err and "--results" not in err


def test_compare_leaves_out_tables_with_nothing_to_compare(tmp_path: Path) -> None:
    """One column per input: a single input has nothing to compare; said once, not printed."""
    raw = tmp_path / "one.txt"
    raw.write_text(
        "pkg: a\nBenchmarkX-2 1 10 ns/op\nBenchmarkX-2 1 11 ns/op\n"
        "pkg: b\nBenchmarkY-2 1 10 ns/op\nBenchmarkY-2 1 12 ns/op\n"
    )
    code, out, err = bench("compare", str(raw))
    assert code == 0
    assert "BenchmarkX" not in out and "X-2" not in out
    assert err.count("left out") == 1 and "one column" in err
    code, out, err = bench("compare", f"a={raw}", f"b={raw}")
    assert code == 0 and "X-2" in out and "left out" not in err
    code, out, _ = bench("compare", str(raw), "--format", "csv")  # machine formats keep all
    assert "X-2" in out


def test_published_or_force_may_rebuild_a_tracked_report(tmp_path: Path) -> None:
    from bench.cli import analyse
    from bench.errors import InputError

    repo = tmp_path / "repo"
    (repo / "docs" / "report").mkdir(parents=True)
    (repo / "docs" / "report" / "index.md").write_text("published\n")
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run(["git", "-C", str(repo), "add", "."], check=True)
    out = repo / "docs" / "report"
    raw = tmp_path / "raw.txt"
    raw.write_text("BenchmarkX/variant=escape-2 1 10 ns/op\n")
    from bench import store

    (mine,) = store.load_input(raw)
    published = dataclasses.replace(mine, published=True)
    analyse._check_out(out, [published], force=False, published=True)  # the published rebuild
    analyse._check_out(out, [mine], force=True, published=False)  # asked for
    with pytest.raises(InputError, match="tracked by git"):
        analyse._check_out(out, [mine, published], force=False, published=True)  # mixed inputs
    analyse._check_out(tmp_path / "elsewhere", [mine], force=False, published=False)
