"""``bench run`` end to end on a tiny real module: build, run, parse, store."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyperf
import pytest

from bench import benchfmt, build, cases, matrix, run, store
from bench.cli import main
from bench.errors import BenchError
from tests.conftest import TINY

pytestmark = pytest.mark.toolchain


def _run(tiny: Path, results: Path, *extra: str) -> tuple[int, str, str]:
    import io

    out, err = io.StringIO(), io.StringIO()
    code = main(["run", "--module", str(tiny), "--quick", "--results", str(results),
                 "--cases", "Point", *extra], out, err)
    return code, out.getvalue(), err.getvalue()


def test_build_is_cached_per_toolchain_and_source(tiny: Path, tmp_path: Path,
                                                  go_bundled, monkeypatch) -> None:
    monkeypatch.setenv("ESCAPEBENCH_CACHE", str(tmp_path / "cache"))
    mod = cases.load_module(tiny)
    first = build.build(go_bundled, mod)
    again = build.build(go_bundled, mod)
    assert not first.cached and again.cached
    assert again.binary == first.binary and again.binary.is_file()
    # a changed source gets its own binary
    copy = tmp_path / "mod"
    subprocess.run(["cp", "-r", str(tiny), str(copy)], check=True)
    (copy / "extra_test.go").write_text("package tiny\n\nvar extra = 1\n")
    other = build.build(go_bundled, cases.load_module(copy))
    assert not other.cached and other.binary != first.binary


def test_run_writes_raw_results_and_meta(tiny: Path, tmp_path: Path) -> None:
    code, out, err = _run(tiny, tmp_path / "results")
    assert code == 0, err
    (run_dir,) = store.find_runs(tmp_path / "results")
    names = sorted(p.name for p in run_dir.iterdir())
    assert names == ["escape.json", "meta.json", "raw.txt", "results.json"]
    raw = (run_dir / "raw.txt").read_text()
    parsed = benchfmt.parse(raw, "raw.txt")
    assert not parsed.errors
    variants = {r.name.variant for r in parsed.results}
    assert variants == {"escape", "noescape"}
    assert len(parsed.results) == 2 * run.QUICK_COUNT
    first = parsed.results[0]
    assert first.config_value("go-version", ) and first.config_value("machine")
    assert first.config_value("gogc") == "100"
    for r in parsed.results:  # the case allocates in one variant only
        assert r.get("allocs/op") == (1 if r.name.variant == "escape" else 0)
        assert r.get("gc-cycles/op") is None  # the tiny module has no gcstat
    meta = json.loads((run_dir / "meta.json").read_text())
    assert meta["schema"] == store.SCHEMA and meta["status"] == "complete"
    assert meta["toolchain"]["version"].startswith("go1.")
    assert meta["machine"]["cpu_count"] >= 1 and meta["command_line"].startswith("bench run")
    assert str(run_dir) in out


def test_results_load_in_pyperf_and_compare_to_works(tiny: Path, tmp_path: Path) -> None:
    for _ in range(2):
        assert _run(tiny, tmp_path / "results")[0] == 0
    files = sorted(str(d / "results.json") for d in store.find_runs(tmp_path / "results"))
    assert len(files) == 2
    suite = pyperf.BenchmarkSuite.load(files[0])
    names = sorted(b.get_name() for b in suite.get_benchmarks())
    assert names == ["Point/variant=escape-2", "Point/variant=noescape-2"] or all(
        n.startswith("Point/variant=") for n in names)
    bench = suite.get_benchmarks()[0]
    assert bench.get_unit() == "second" and bench.get_nrun() == run.QUICK_COUNT
    md = bench.get_runs()[0].get_metadata()
    assert "escapebench_allocs_per_op" in md
    proc = subprocess.run([sys.executable, "-m", "pyperf", "compare_to", *files],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "Point/variant=" in proc.stdout or "not significant" in proc.stdout


def test_interleaved_round_order_is_seeded_and_complete() -> None:
    cells = [run.Cell("go1", f"P{i}/variant={v}") for i in range(5)
             for v in ("escape", "noescape")]
    r1 = run.round_order(cells, seed=7, rnd=1)
    assert sorted(c.key for c in r1) == sorted(c.key for c in cells)  # every cell once
    assert r1 == run.round_order(cells, seed=7, rnd=1)  # reproducible
    assert r1 != run.round_order(cells, seed=8, rnd=1)
    for rnd in range(1, 9):  # the variants of a pair are adjacent in every round
        order = run.round_order(cells, seed=7, rnd=rnd)
        for a, b in zip(order[::2], order[1::2], strict=True):
            assert a.pair == b.pair


def test_round_order_is_abba_balanced() -> None:
    """Each pair goes escape-first in rounds ABBA (or the mirror BAAB) of every four."""
    cells = [run.Cell("go1", f"P{i}/variant={v}") for i in range(6)
             for v in ("escape", "noescape")]
    first: dict[str, list[bool]] = {}
    for rnd in range(1, 13):
        order = run.round_order(cells, seed=3, rnd=rnd)
        escape_first = {c.pair: c.bench.endswith("=escape") for c in order[::2]}
        assert sum(escape_first.values()) == 3  # half the pairs go escape-first each round
        for pair, e in escape_first.items():
            first.setdefault(pair, []).append(e)
    abba, baab = [True, False, False, True] * 3, [False, True, True, False] * 3
    assert all(seq in (abba, baab) for seq in first.values()), first
    assert sum(seq == abba for seq in first.values()) == 3


def test_default_run_has_at_least_20_rounds_and_quick_8() -> None:
    assert matrix.RunRequest().resolved_count() >= 20
    assert matrix.RunRequest().resolved_count() % 4 == 0  # whole ABBA cycles
    assert matrix.RunRequest(quick=True).resolved_count() >= 8
    quick_s, _ = run.parse_benchtime(matrix.RunRequest(quick=True).resolved_benchtime())
    assert quick_s is not None and quick_s <= 0.005


@pytest.mark.parametrize(("field", "value", "says"), [
    ("count", 0, "--count 0: must be at least 1"),
    ("count", -3, "--count -3"),
    ("benchtime", "0s", "must be positive"),
    ("benchtime", "-100ms", "must be positive"),
    ("benchtime", "0x", "must be positive"),
    ("gogc", " , ", "--gogc"),
    ("gogc", "", "--gogc"),
    ("live_heap", "", "--live-heap"),
    ("repeat", 0, "--repeat 0"),
    ("timeout", -1.0, "--timeout"),
    ("cpu", ",", "--cpu"),
])
def test_values_outside_their_range_are_refused_in_one_line(field: str, value: object,
                                                            says: str, tmp_path: Path) -> None:
    req = matrix.RunRequest(results=tmp_path / "r", **{field: value})  # type: ignore[arg-type]
    with pytest.raises(BenchError) as e:
        matrix.run_series(req, run.Progress(enabled=False))
    assert says in str(e.value) and "\n" not in str(e.value)
    assert not (tmp_path / "r").exists()  # refused before anything was measured or stored


def test_count_zero_on_the_command_line_is_refused(tmp_path: Path) -> None:
    code, _out, err = _run(TINY, tmp_path / "r", "--count", "0")
    assert code in (1, 2)  # a usage error (2) when the CLI checks it first, else the library's
    assert err.startswith("bench: ") and "--count" in err and len(err.splitlines()) == 1
    assert not list(tmp_path.rglob("raw.txt"))


def test_bench_regex_selects_exactly_the_cell() -> None:
    assert run.bench_regex(["A/variant=escape"]) == "^(BenchmarkA)$/^(variant=escape)$"
    assert run.bench_regex(["A", "B"]) == "^(BenchmarkA|BenchmarkB)$"


def test_benchtime_parsing() -> None:
    assert run.parse_benchtime("100ms") == (0.1, None)
    assert run.parse_benchtime("500x") == (None, 500)
    with pytest.raises(Exception, match="--benchtime"):
        run.parse_benchtime("fast")


def test_sequential_order_reproduces_plain_count_workflow(tiny: Path, tmp_path: Path) -> None:
    code, _, err = _run(tiny, tmp_path / "r", "--order", "sequential", "--count", "3")
    assert code == 0, err
    (d,) = store.find_runs(tmp_path / "r")
    raw = (d / "raw.txt").read_text()
    assert raw.count("goos: linux") == 1  # one invocation, like `go test -count=3`
    assert len(benchfmt.parse(raw, "raw").results) == 6
    assert matrix.RunRequest(quick=True).resolved_count() == run.QUICK_COUNT


def test_resume_after_interruption_runs_only_what_is_missing(tiny: Path, tmp_path: Path
                                                             ) -> None:
    """Kill a run mid-way with SIGINT; the resumed run completes it without re-running."""
    import os
    import signal
    import time

    results = tmp_path / "r"
    proc = subprocess.Popen([sys.executable, "-m", "bench.cli", "run", "--module", str(tiny),
                             "--cases", "Point", "--count", "40", "--benchtime", "20ms",
                             "--results", str(results)], stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    raw = None
    while time.monotonic() < deadline:
        raws = list(results.rglob("raw.txt"))
        if raws and len(benchfmt.parse(raws[0].read_text(), "r").results) >= 6:
            raw = raws[0]
            break
        time.sleep(0.05)
    assert raw is not None, "run produced no samples"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "--resume" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    before = benchfmt.parse(raw.read_text(), "r").results
    meta = json.loads((raw.parent / "meta.json").read_text())
    assert meta["status"] == "interrupted"
    assert 6 <= len(before) < 80
    pyperf.BenchmarkSuite.load(str(raw.parent / "results.json"))  # still loadable

    import io

    out, err2 = io.StringIO(), io.StringIO()
    assert main(["run", "--resume", "--results", str(results)], out, err2) == 0, err2.getvalue()
    after = benchfmt.parse(raw.read_text(), "r").results
    assert after[: len(before)] == before  # nothing lost or rewritten
    counts: dict[str, int] = {}
    for r in after:
        counts[r.name.full] = counts.get(r.name.full, 0) + 1
    assert set(counts.values()) == {40}, counts  # each cell exactly --count samples
    assert json.loads((raw.parent / "meta.json").read_text())["status"] == "complete"
    assert os.listdir(results / meta["machine"]["machine"]) == [meta["toolchain"]["version"]]
