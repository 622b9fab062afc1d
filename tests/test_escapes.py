"""bench escapes end to end on real packages (go_cases, the toolchain's strconv); the join.

The timing goes through the runner (``bench.matrix.run_series``), so an escapes run is an
ordinary run directory with the profiles and ``escapes.json`` beside raw.txt."""

from __future__ import annotations

import io
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from analysis import escapes as joining
from bench import escapes as measuring
from bench.cases import default_root
from bench.cli.escapes import grid_sizes, render_csv, render_markdown, render_text
from bench.toolchain import find_all

VERSIONS = ["1.21.13", "1.27.3"]
FIELDS = {"file", "line", "column", "function", "what", "reason", "chain", "size", "size_class",
          "shape", "allocs_per_op", "bytes_per_op", "est_ns_per_op", "share_of_op",
          "price_source", "exercised"}  # fmt: skip


@pytest.fixture(scope="module")
def toolchains():
    tcs, errors = find_all(VERSIONS)
    assert not errors, errors
    return {tc.short_version: tc for tc in tcs}


def _run(tc, package, cwd, bench, tmp_path, **kw):
    req = measuring.Request(package=package, cwd=cwd, bench=bench, count=1, benchtime="20x",
                            profile_seconds=0.05, results=tmp_path / "results", **kw)  # fmt: skip
    return measuring.measure(tc, req)


def _totals_add_up(report):
    """attributed + unattributed = allocs/op (testing truncates allocs/op to an integer)."""
    for name, t in report["benchmarks"].items():
        total = t["attributed_allocs_per_op"] + sum(u["allocs_per_op"] for u in t["unattributed"])
        m = t["allocs_per_op"]
        assert m * 0.98 - 1e-9 <= total < m + 1, (name, m, total)


def _within_2_percent(report, name, exact):
    """For a benchmark whose true count is an integer: attributed + unattributed within 2 %."""
    t = report["benchmarks"][name]
    total = t["attributed_allocs_per_op"] + sum(u["allocs_per_op"] for u in t["unattributed"])
    assert t["allocs_per_op"] == exact
    assert abs(total - exact) <= 0.02 * exact, (name, total)


@pytest.mark.parametrize("version", VERSIONS)
def test_go_cases(toolchains, version, tmp_path):
    root = tmp_path / "go_cases"
    shutil.copytree(default_root(), root)
    bench = "^BenchmarkNewInt$|^BenchmarkAppendGrowth$"
    payload = _run(toolchains[version], "./cases", root, bench, tmp_path)
    run_dir = tmp_path / "results" / Path(payload["run_dir"]).relative_to(tmp_path / "results")
    for f in ("raw.txt", "results.json", "meta.json", "escapes.json", "profile.txt"):
        assert (run_dir / f).is_file(), f
    assert list((run_dir / "profiles").glob("*.pprof"))
    raw = (run_dir / "raw.txt").read_text()  # timed by the runner: an ordinary run
    assert "BenchmarkNewInt/variant=escape" in raw and "escapebench-order: interleaved" in raw
    assert "BenchmarkAppendGrowth/variant=noescape" in raw and "BenchmarkBoxLargeInt" not in raw
    stored = measuring.load(run_dir)
    assert stored["gomaxprocs"].isdigit()
    report = joining.join(stored)
    assert not report["priced"]
    for s in report["sites"]:
        assert set(s) >= FIELDS
        assert s["price_source"] == "none" and s["est_ns_per_op"] is None
    new = next(s for s in report["sites"] if s["function"] == "newInt")
    assert new["exercised"] and new["reason"] == "returned"
    assert new["allocs_per_op"]["BenchmarkNewInt/variant=escape"] == pytest.approx(1, abs=0.05)
    grow = report["benchmarks"]["BenchmarkAppendGrowth/variant=escape"]
    assert grow["allocs_per_op"] >= 5
    _totals_add_up(report)
    _within_2_percent(report, "BenchmarkNewInt/variant=escape", 1)
    _within_2_percent(report, "BenchmarkAppendGrowth/variant=escape", grow["allocs_per_op"])
    assert any(not s["exercised"] for s in report["sites"])  # static-only sites are listed
    for render in (render_text, render_markdown, render_csv):
        buf = io.StringIO()
        render([report], buf, show_all=False)
        assert "newInt" in buf.getvalue()


@pytest.mark.parametrize("version", VERSIONS)
def test_strconv_from_the_toolchain(toolchains, version, tmp_path):
    tc = toolchains[version]
    payload = _run(tc, "strconv", tmp_path, "^BenchmarkQuote$|^BenchmarkAppendQuoteRune$",
                   tmp_path, store_run=False)  # fmt: skip
    report = joining.join(payload)
    assert report["package"] == "strconv" and report["log_source"] == "json"
    assert report["sites"] and report["benchmarks"]
    _totals_add_up(report)
    quote = report["benchmarks"]["BenchmarkQuote"]["allocs_per_op"]
    assert quote in (2, 3)  # the quoted string and its buffer (Go 1.21: one more)
    _within_2_percent(report, "BenchmarkQuote", quote)
    assert report["benchmarks"]["BenchmarkAppendQuoteRune"]["allocs_per_op"] == 0
    json.dumps(report)


def test_profile_only_counts_parallel_workers_and_stores_nothing(toolchains, tmp_path):
    root = tmp_path / "go_cases"
    shutil.copytree(default_root(), root)
    req = measuring.Request(package="./cases", cwd=root, bench="^BenchmarkReturnPointerParallel$",
                            profile_iterations=100, time=False, store_run=False,
                            results=tmp_path / "results")  # fmt: skip
    payload = measuring.measure(toolchains["1.27.3"], req)
    assert not (tmp_path / "results").exists() and "run_dir" not in payload
    assert {b["iterations"] for b in payload["benchmarks"]} == {100}
    assert all(b["ns_per_op"] == [] and b["allocs_per_op"] for b in payload["benchmarks"])
    report = joining.join(payload)
    site = next(s for s in report["sites"] if s["function"] == "newPoint")
    # RunParallel's workers do not run under testing.(*B).launch: counted all the same
    escape = "BenchmarkReturnPointerParallel/variant=escape"
    assert site["allocs_per_op"][escape] == pytest.approx(1, abs=0.05)


def test_no_benchmark_matches_still_lists_sites(toolchains, tmp_path):
    root = tmp_path / "go_cases"
    shutil.copytree(default_root(), root)
    payload = _run(toolchains["1.27.3"], "./cases", root, "^NoSuchBenchmark$", tmp_path,
                   store_run=False)  # fmt: skip
    assert "no benchmark" in payload["message"]
    report = joining.join(payload)
    assert report["sites"] and not any(s["exercised"] for s in report["sites"])


@dataclass(frozen=True)
class _Price:
    value: float
    ci_low: float
    ci_high: float
    source: str


class _Table:
    def price(self, size, pointers):
        v = size / 4  # bigger costs more, so the ranking is by price
        return _Price(v, v - 2, v + 2, f"test {size} B {'scan' if pointers else 'noscan'}")


def _payload():
    def entry(line, col, subject, reason):
        return {
            "code": "escape",
            "file": "/m/p/a.go",
            "line": line,
            "col": col,
            "function": "F",
            "message": f"{subject} escapes to heap",
            "subject": subject,
            "reported_at": "",
            "chain": [{"text": f"from x ({reason})", "reason": reason}],
        }

    def alloc(line, objects, size):
        return {
            "innermost": ["p.F", "/m/p/a.go", line],
            "own": ["p.F", "/m/p/a.go", line],
            "size": size,
            "objects": objects,
            "bytes": objects * size,
            "source": "m[k] = v",
        }

    return {
        "go": "go1.27.3", "package": "p", "package_dir": "/m/p", "gogc": "100",
        "entries": [entry(3, 9, "&T{...}", "return"), entry(3, 20, "new(int)", "assign"),
                    entry(5, 2, "buf", "too large for stack"), entry(9, 2, "x", "return")],
        "benchmarks": [{"name": "BenchmarkF", "iterations": 100, "ns_per_op": [200.0],
                        "allocs_per_op": [3.0], "bytes_per_op": [96.0],
                        "allocs": [alloc(3, 100, 32), alloc(5, 100, 64), alloc(7, 100, 8)]}],
    }  # fmt: skip


def test_join_prices_ranks_and_adds_up():
    report = joining.join(_payload(), _Table())
    sites = report["sites"]
    assert [(s["line"], s["column"]) for s in sites] == [(5, 2), (3, 9), (3, 20), (9, 2)]
    big, first, second, static = sites
    assert big["reason"] == "too large for the stack" and big["size"] == 64
    assert big["est_ns_per_op"] == {"value": 16.0, "ci_low": 14.0, "ci_high": 18.0}
    assert big["share_of_op"] == pytest.approx(16.0 / 200.0)
    assert "shape unknown" in big["price_source"]
    assert first["allocs_per_op"] == {"BenchmarkF": 1.0}
    assert second["allocs_per_op"] == {} and second["shares_line_with"] == ["&T{...} (col 9)"]
    assert not static["exercised"]
    t = report["benchmarks"]["BenchmarkF"]
    assert t["attributed_allocs_per_op"] == 2.0
    assert t["unattributed"][0]["kind"].startswith("map growth")
    assert t["attributed_allocs_per_op"] + t["unattributed"][0]["allocs_per_op"] == 3.0


def test_a_site_with_several_sizes_prices_each():
    p = _payload()
    allocs = p["benchmarks"][0]["allocs"]
    allocs[1] = {**allocs[1], "size": 64, "objects": 100, "bytes": 6400}
    allocs.append({**allocs[1], "size": 256, "objects": 50, "bytes": 12800})
    big = next(s for s in joining.join(p, _Table())["sites"] if s["line"] == 5)
    assert big["size"] == 64 and big["allocs_per_op"] == {"BenchmarkF": 1.5}
    # 1 x 64/4 + 0.5 x 256/4, not 1.5 x 64/4
    assert big["est_ns_per_op"]["value"] == pytest.approx(16 + 32)
    assert big["est_by_benchmark"]["BenchmarkF"]["value"] == pytest.approx(48)
    assert "2 object sizes, each priced" in big["price_source"]


class _GcTable(_Table):
    def gc_cpu_ns_per_kib(self, pointers):
        return 512.0 if pointers else 256.0


def test_gc_share_is_the_sites_share_of_the_benchmarks_bytes():
    report = joining.join(_payload(), _GcTable())
    big = next(s for s in report["sites"] if s["line"] == 5)
    assert big["gc_share"] == pytest.approx(64 / 96)  # 64 of the benchmark's 96 B/op
    assert big["gc_cpu_ns_per_op"] == pytest.approx(64 / 1024 * 512)
    assert big["gc_cpu_share"] == pytest.approx(32 / 200)
    buf = io.StringIO()
    render_text([report], buf, show_all=False)
    head, first = buf.getvalue().splitlines()[1:3]
    assert "GC share" in head and "67%" in first and "32 (16.0%)" in first
    assert joining.join(_payload())["sites"][0]["gc_cpu_ns_per_op"] is None


def test_join_without_prices_says_none():
    report = joining.join(_payload())
    assert {s["price_source"] for s in report["sites"]} == {"none"}
    assert all(s["est_ns_per_op"] is None for s in report["sites"])


def test_unprofiled_tiny_allocations_fill_the_gap():
    p = _payload()
    p["benchmarks"][0]["allocs_per_op"] = [4.0]  # one more than the profile saw
    t = joining.join(p)["benchmarks"]["BenchmarkF"]
    total = t["attributed_allocs_per_op"] + sum(u["allocs_per_op"] for u in t["unattributed"])
    assert total == pytest.approx(4.0)
    assert t["unattributed"][0].get("tiny_scaled")  # the 8-byte allocation took the gap


MODULE = Path(__file__).parent / "data" / "optlog" / "module"


def test_cli_json_and_compile_error(toolchains, tmp_path):
    from bench.cli import main

    mod = tmp_path / "m"
    shutil.copytree(MODULE, mod)
    argv = ["escapes", "./p", "--module", str(mod), "--go", "1.27.3", "--count", "1",
            "--benchtime", "20x", "--results", str(tmp_path / "results")]  # fmt: skip
    out, err = io.StringIO(), io.StringIO()
    assert main([*argv, "--format", "json", "--no-price-measure"], out, err) == 0, err.getvalue()
    report = json.loads(out.getvalue())
    assert "no price list stored" in err.getvalue() and "bench prices --go" in err.getvalue()
    slice_site = next(s for s in report["sites"] if s["function"] == "Slice")
    assert (slice_site["file"], slice_site["line"], slice_site["column"]) == ("p.go", 18, 39)
    assert slice_site["size"] == 112 and slice_site["allocs_per_op"]["BenchmarkAll"] == 1
    assert slice_site["price_source"] == "none"
    _totals_add_up(report)
    (mod / "p" / "bad.go").write_text("package p\n\nfunc Bad() int { return undefinedName }\n")
    out, err = io.StringIO(), io.StringIO()
    assert main(argv, out, err) == 1
    lines = err.getvalue().strip().splitlines()
    assert len(lines) == 1 and "does not compile" in lines[0] and "undefinedName" in lines[0]


def test_grid_sizes_bracket_what_is_needed():
    grid = [8, 16, 24, 48, 96, 128, 1 << 20]
    assert grid_sizes({16, 112, 5, 1 << 21}, grid) == [8, 16, 96, 128, 1 << 20]


def test_cli_measures_missing_prices_quickly(toolchains, tmp_path, monkeypatch):
    from bench.cli import escapes as escapes_cli
    from bench.cli import main

    monkeypatch.setattr(escapes_cli, "PRICE_ROUNDS", 2)  # what is measured, not how well

    mod = tmp_path / "m"
    shutil.copytree(MODULE, mod)
    argv = ["escapes", "./p", "--module", str(mod), "--go", "1.27.3", "--count", "1",
            "--benchtime", "20x", "--results", str(tmp_path / "results"), "--format", "json",
            "--bench", "BenchmarkAll"]  # fmt: skip
    out, err = io.StringIO(), io.StringIO()
    assert main(argv, out, err) == 0, err.getvalue()
    assert "measuring their prices now: bench prices --count 2" in err.getvalue()
    report = json.loads(out.getvalue())
    slice_site = next(s for s in report["sites"] if s["function"] == "Slice")
    assert slice_site["price_source"].startswith("measured for this run: interpolated between")
    assert slice_site["est_ns_per_op"]["value"] > 0
    _totals_add_up(report)
    out, err = io.StringIO(), io.StringIO()  # the second time the stored list is found
    assert main(argv, out, err) == 0, err.getvalue()
    assert "no price list" not in err.getvalue() and "measuring" not in err.getvalue()
    again = next(s for s in json.loads(out.getvalue())["sites"] if s["function"] == "Slice")
    assert again["price_source"].startswith("interpolated between")


def test_a_stored_list_lacking_sizes_is_completed_by_the_quick_one():
    from bench.cli.escapes import _Merged, _needed

    @dataclass
    class _T:
        top: int
        condition: object = None
        records: tuple = ()

        def price(self, size, pointers):
            how = "measured: X" if size <= self.top else "scaled per byte from X"
            return _Price(1.0 * self.top, 0, 2, how)

    stored, quick = _T(128), _T(1 << 20)
    merged = _Merged(stored, quick)
    assert merged.price(64, True).source == "measured: X"
    far = merged.price(4096, True)
    assert far.source == "measured for this run: measured: X" and far.value == 1 << 20
    p = _payload()
    p["benchmarks"][0]["allocs"][0]["size"] = 4096
    assert _needed([p], stored) == {4096}
    assert _needed([p], None) == {4096, 64, 8}
