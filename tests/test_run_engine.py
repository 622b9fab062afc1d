"""The run engine goes one way: raw.txt is parsed once per toolchain after the rounds,
results.json written once at the end, and any benchmarks (not only pairs) run in
interleaved rounds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import benchfmt, cases, matrix, store
from bench.client import PLAIN, Plain
from bench.progress import Progress
from bench.request import RunRequest
from bench.vocab import keys
from tests.conftest import bench

pytestmark = pytest.mark.toolchain

_PLAIN = """package plain

import "testing"

var sink []byte

func BenchmarkSmall(b *testing.B) {
	for i := 0; i < b.N; i++ {
		sink = make([]byte, 8)
	}
}

func BenchmarkMedium(b *testing.B) {
	for i := 0; i < b.N; i++ {
		sink = make([]byte, 256)
	}
}

func BenchmarkLarge(b *testing.B) {
	for i := 0; i < b.N; i++ {
		sink = make([]byte, 4096)
	}
}
"""


def test_a_run_parses_raw_txt_once_per_toolchain_and_writes_results_json_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, go_old, go_bundled
) -> None:
    parses: list[Path] = []
    writes: list[Path] = []
    real_parse, real_write = benchfmt.parse_file, store.write_results_json

    def parse_file(path, *a, **kw):  # type: ignore[no-untyped-def]
        if Path(path).name == store.RAW:
            parses.append(Path(path))
        return real_parse(path, *a, **kw)

    def write_results_json(run_dir, *a, **kw):  # type: ignore[no-untyped-def]
        writes.append(Path(run_dir))
        return real_write(run_dir, *a, **kw)

    monkeypatch.setattr(benchfmt, "parse_file", parse_file)
    monkeypatch.setattr(store, "write_results_json", write_results_json)
    code, out, err = bench(
        "run", "--quick", "--go", f"{go_old.go},{go_bundled.go}",
        "--cases", "^(ReturnPointer|BigStruct)$", "--results", str(tmp_path / "r"), "--quiet",
    )  # fmt: skip
    assert code == 0, err
    runs = sorted(store.find_runs(tmp_path / "r"))
    assert len(runs) == 2
    assert sorted(p.parent for p in parses) == runs  # once per toolchain, after the rounds
    assert sorted(writes) == runs  # results.json once per run directory, at the end
    assert all((d / store.RESULTS).is_file() for d in runs)
    assert "ReturnPointer" in out and "BigStruct" in out


def test_plain_benchmarks_of_any_module_run_in_interleaved_rounds(tmp_path: Path) -> None:
    mod = tmp_path / "plain"
    (mod / "hot").mkdir(parents=True)
    (mod / "go.mod").write_text("module example.com/plain\n\ngo 1.21\n")
    (mod / "hot" / "plain_test.go").write_text(_PLAIN)
    # a package directory inside a module: the module is the nearest go.mod above it
    req = RunRequest(module=mod / "hot", results=tmp_path / "r", quick=True, seed=5)
    group = matrix.run(req, Progress(enabled=False))
    assert group.status == "complete"
    assert sorted(group.unpaired_names()) == ["Large", "Medium", "Small"]
    (d,) = group.dirs.values()
    (run,) = store.load_input(d)
    results = run.parsed.results
    count = req.resolved_count()
    names = [r.name.without_procs for r in results]
    assert sorted(set(names)) == ["Large", "Medium", "Small"] and len(names) == 3 * count
    rounds = [names[i : i + 3] for i in range(0, len(names), 3)]
    assert all(sorted(r) == ["Large", "Medium", "Small"] for r in rounds)  # one sample each
    assert len({tuple(r) for r in rounds}) > 1  # the order is shuffled between rounds
    assert {r.config_value(keys.ORDER) for r in results} == {"interleaved"}
    assert {r.config_value(keys.MODULE) for r in results} == {"example.com/plain/hot"}
    loops = {r.name.without_procs: r.iters for r in results}
    assert all(r.iters == loops[r.name.without_procs] for r in results)  # calibrated once


def test_sources_hash_covers_the_measured_package_and_its_imports_only(tmp_path: Path) -> None:
    mod = tmp_path / "m"
    for d in ("hot", "internal/dep", "prices"):
        (mod / d).mkdir(parents=True)
    (mod / "go.mod").write_text("module example.com/m\n\ngo 1.21\n")
    (mod / "hot" / "hot_test.go").write_text(
        'package hot\n\nimport (\n\t"testing"\n\n\t"example.com/m/internal/dep"\n)\n\n'
        "func BenchmarkX(b *testing.B) { dep.F() }\n"
    )
    (mod / "internal" / "dep" / "dep.go").write_text("package dep\n\nfunc F() {}\n")
    (mod / "internal" / "dep" / "dep_test.go").write_text("package dep\n")
    (mod / "prices" / "prices.go").write_text("package prices\n")
    module = cases.load_module(mod / "hot")
    names = [p.relative_to(mod).as_posix() for p in cases.measured_files(module)]
    assert names == ["go.mod", "hot/hot_test.go", "internal/dep/dep.go"]
    before = cases.measured_sources(module)
    (mod / "prices" / "prices.go").write_text("package prices\n\nfunc G() {}\n")
    assert cases.measured_sources(module) == before  # an unrelated package is not measured
    (mod / "internal" / "dep" / "dep.go").write_text("package dep\n\nfunc F() { _ = 1 }\n")
    assert cases.measured_sources(module) != before


class _Recording(Plain):
    """A second client, written outside the engine: any benchmarks, and what it was asked."""

    name = "recording"

    def __init__(self) -> None:
        self.asked: list[str] = []

    def pattern(self, module, cases):  # type: ignore[no-untyped-def]
        self.asked.append("pattern")
        return "^(BenchmarkSmall|BenchmarkLarge)$"

    def check(self, tc, module, results):  # type: ignore[no-untyped-def]
        self.asked.append(f"check {len(results)}")
        return None


def test_a_second_client_runs_through_the_engine_unchanged(tmp_path: Path) -> None:
    """A client chooses the benchmarks and is asked to check the run; with nothing to check
    no escape.json is written, and meta.json names the client (``--resume`` finds it)."""
    mod = tmp_path / "plain"
    mod.mkdir()
    (mod / "go.mod").write_text("module example.com/plain\n\ngo 1.21\n")
    (mod / "plain_test.go").write_text(_PLAIN)
    client = _Recording()
    req = RunRequest(module=mod, results=tmp_path / "r", count=4, benchtime="100x", seed=2)
    group = matrix.run(req, Progress(enabled=False), client)
    (d,) = group.dirs.values()
    names = {r.name.without_procs for r in group.parsed[next(iter(group.dirs))].results}
    assert names == {"Small", "Large"}  # the client's selection, not the whole package
    assert client.asked[-1] == "check 8" and "pattern" in client.asked
    assert not (d / store.ESCAPE).exists() and group.verified == {}
    meta = json.loads((d / store.META).read_text())
    assert meta["client"] == "recording" and meta["package"] == "."
    assert PLAIN.alone("BenchmarkX") == ["X"]  # a failed plain benchmark is piloted alone
