"""The closed loop on synthetic records: predicted vs measured escape cost per pair."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pytest

from analysis import escape_loop as loop
from analysis import escapes as joining
from bench.cli.escapes import render_text


@dataclass
class _Rec:
    pair: str
    escape_sec: float
    noescape_sec: float
    allocs_escape: float | None
    allocs_noescape: float | None
    significant: bool = True
    n_rounds: int = 20
    go: str = "go1.27.3"
    gogc: str = "100"
    gomaxprocs: str = ""


def _site(allocs, est):
    return {"allocs_per_op": allocs, "est_by_benchmark": est}


def _e(v):
    return {"value": v, "ci_low": v * 0.9, "ci_high": v * 1.1}


def _report(sites, benchmarks=None, priced=True):
    names = benchmarks or {
        "BenchmarkA/variant=escape": {"unattributed": []},
        "BenchmarkA/variant=noescape": {"unattributed": []},
    }
    return {"priced": priced, "sites": sites, "benchmarks": names}


def test_split_name():
    assert loop.split_name("BenchmarkX/size=8/variant=escape") == ("X/size=8", "escape")
    assert loop.split_name("BenchmarkX") == ("X", None)


def test_ratio_is_predicted_over_measured():
    rep = _report(
        [_site({"BenchmarkA/variant=escape": 2.0}, {"BenchmarkA/variant=escape": _e(30)})]
    )
    rows = loop.close_loop(rep, [_Rec("A", 80e-9, 40e-9, 2, 0)])
    (r,) = rows
    assert r.predicted_ns == pytest.approx(30)
    assert r.measured_ns == pytest.approx(40)
    assert r.ratio == pytest.approx(0.75)
    assert r.predicted_low == pytest.approx(27) and r.predicted_high == pytest.approx(33)
    assert r.extra_allocs_sites == 2 and r.miss == ""
    med, worst, n = loop.summary(rows)
    assert med == pytest.approx(0.75) and worst is r and n == 1


def test_noescape_sites_are_subtracted_and_misses_explained():
    rep = _report([
        _site({"BenchmarkA/variant=escape": 1.0, "BenchmarkA/variant=noescape": 1.0},
              {"BenchmarkA/variant=escape": _e(20), "BenchmarkA/variant=noescape": _e(20)}),
    ])  # fmt: skip
    (r,) = loop.close_loop(rep, [_Rec("A", 50e-9, 10e-9, 1, 1)])
    assert r.predicted_ns == pytest.approx(0)
    assert r.miss.startswith("no allocation difference")
    assert loop.summary([r]) == (None, None, 0)


def test_low_ratio_names_unattributed_growth_and_extra_allocs():
    benches = {
        "BenchmarkA/variant=escape": {"unattributed": [
            {"kind": "append growth", "allocs_per_op": 3.0}]},
        "BenchmarkA/variant=noescape": {"unattributed": []},
    }  # fmt: skip
    site = _site({"BenchmarkA/variant=escape": 1.0}, {"BenchmarkA/variant=escape": _e(10)})
    rep = _report([site], benches)
    rec = _Rec("A-2", 200e-9, 100e-9, 4, 0, significant=False, gomaxprocs="2")
    (r,) = loop.close_loop(rep, [rec])  # the GOMAXPROCS suffix of cost_records is matched
    assert r.ratio == pytest.approx(0.1)
    assert "3 growth" in r.miss and "3 extra allocs/op not at escape sites" in r.miss
    assert "costs beyond allocation" in r.miss and "not significant" in r.miss


def test_unpriced_and_unmeasured_pairs():
    rep = _report([_site({"BenchmarkA/variant=escape": 1.0}, {})], priced=True)
    (r,) = loop.close_loop(rep, [_Rec("A", 2e-8, 1e-8, 1, 0)])
    assert r.predicted_ns is None and r.ratio is None and "no price" in r.miss
    rep = _report([_site({"BenchmarkA/variant=escape": 1.0}, {"BenchmarkA/variant=escape": _e(5)})])
    (r,) = loop.close_loop(rep, [])
    assert r.measured_ns is None and "not in the catalogue" in r.miss


def test_matching_keeps_one_condition():
    recs = [_Rec("A", 1, 0, 1, 0), _Rec("A", 1, 0, 1, 0, go="go1.21.13"),
            _Rec("A", 1, 0, 1, 0, gogc="off")]  # fmt: skip
    assert loop.matching(recs, "1.27.3", "100") == recs[:1]
    procs = [_Rec("A-2", 1, 0, 1, 0, gomaxprocs="2"), _Rec("A-4", 1, 0, 1, 0, gomaxprocs="4")]
    assert loop.matching(procs, "go1.27.3", "100", "4") == procs[1:]


class _Table:
    """A price table of one grid point: 10 ns and 2 ns of GC CPU per 16-byte scan allocation."""

    @dataclass
    class _Cond:
        go: str = "go1.27.3"

    @dataclass
    class _R:
        shape: str = "scan"
        size_class: int = 16
        escaped: bool = True

        @property
        def gc_cpu_ns_per_alloc(self):
            return type("I", (), {"value": 2.0})()

    condition = _Cond()
    records = (_R(),)

    def price(self, size, pointers):
        return type("P", (), {"value": 10.0, "ci_low": 9.0, "ci_high": 11.0, "source": "t"})()


def test_with_gc_feeds_the_join_and_the_loop():
    e = {"code": "escape", "file": "/p/a.go", "line": 3, "col": 2, "function": "f",
         "subject": "&T{}", "chain": [], "reported_at": ""}  # fmt: skip
    bench = {"iterations": 10, "ns_per_op": [100.0], "allocs_per_op": [1], "bytes_per_op": [16]}
    payload = {"package_dir": "/p", "go": "go1.27.3", "entries": [e], "benchmarks": [
        {**bench, "name": "BenchmarkA/variant=escape",
         "allocs": [{"innermost": ["f", "/p/a.go", 3], "own": ["f", "/p/a.go", 3],
                     "size": 16, "objects": 10, "bytes": 160}]},
        {**bench, "name": "BenchmarkA/variant=noescape", "allocs_per_op": [0], "allocs": []},
    ]}  # fmt: skip
    report = joining.join(payload, joining.WithGc(_Table()))
    (s,) = report["sites"]
    assert s["gc_cpu_ns_per_op"] == pytest.approx(2.0)
    assert s["gc_cpu_share"] == pytest.approx(0.02)
    assert s["est_by_benchmark"]["BenchmarkA/variant=escape"]["value"] == pytest.approx(10.0)
    buf = io.StringIO()
    render_text([report], buf, show_all=False)
    assert "GC CPU ns/op" in buf.getvalue() and "2 (2.0%)" in buf.getvalue()
    (r,) = loop.close_loop(report, [_Rec("A", 30e-9, 10e-9, 1, 0)])
    assert r.ratio == pytest.approx(0.5)


def test_a_price_beyond_the_grid_is_named_in_the_miss():
    site = _site({"BenchmarkA/variant=escape": 1.0}, {"BenchmarkA/variant=escape": _e(500)})
    site["price_source"] = "scaled per byte from PriceScan128 (go1.27.3 scan 4096 B)"
    (r,) = loop.close_loop(_report([site]), [_Rec("A", 110e-9, 10e-9, 1, 0)])
    assert r.ratio == pytest.approx(5.0)
    assert r.miss.startswith("priced beyond the measured grid")


def _load_script():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).parents[1] / "benchmarks" / "escapes_loop.py"
    spec = importlib.util.spec_from_file_location("escapes_loop_script", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


HEAD = ["machine: synth", "go-version: go1.27.3", "gogc: 100", "live-heap: 0",
        "escapebench-order: interleaved", "escapebench-benchtime: 40ms",
        "escapebench-count: 12", ""]  # fmt: skip


def test_the_script_prints_the_table_median_worst_and_command(tmp_path, capsys):
    import random

    from bench import store

    rng = random.Random(3)
    price = [*HEAD]
    cat = [*HEAD]
    for _ in range(12):
        for shape in ("Scan", "Noscan"):  # 16-byte objects cost 20 ns more
            e30, n10 = 30 * rng.uniform(0.99, 1.01), 10 * rng.uniform(0.99, 1.01)
            price.append(f"BenchmarkPrice{shape}16/variant=escape-2 1000 {e30:.3f} ns/op "
                         "16 B/op 1 allocs/op")  # fmt: skip
            price.append(f"BenchmarkPrice{shape}16/variant=noescape-2 1000 {n10:.3f} ns/op "
                         "0 B/op 0 allocs/op")  # fmt: skip
        cat.append(f"BenchmarkA/variant=escape-2 1000 {50 * rng.uniform(0.99, 1.01):.3f} ns/op "
                   "16 B/op 1 allocs/op")  # fmt: skip
        cat.append(f"BenchmarkA/variant=noescape-2 1000 {10 * rng.uniform(0.99, 1.01):.3f} ns/op "
                   "0 B/op 0 allocs/op")  # fmt: skip
    root = tmp_path / "results" / "synth" / "go1.27.3"
    for name, lines in (("prices", price), ("catalogue", cat)):
        (root / name).mkdir(parents=True)
        (root / name / "raw.txt").write_text("\n".join(lines) + "\n")
    e = {"code": "escape", "file": "/p/a.go", "line": 3, "col": 2, "function": "f",
         "subject": "&T{}", "chain": [], "reported_at": ""}  # fmt: skip
    b = {"iterations": 10, "ns_per_op": [50.0], "allocs_per_op": [1], "bytes_per_op": [16]}
    payload = {"kind": "escapes", "package": "p", "package_dir": "/p", "go": "go1.27.3",
               "gogc": "100", "entries": [e], "benchmarks": [
        {**b, "name": "BenchmarkA/variant=escape",
         "allocs": [{"innermost": ["f", "/p/a.go", 3], "own": ["f", "/p/a.go", 3],
                     "size": 16, "objects": 10, "bytes": 160}]},
        {**b, "name": "BenchmarkA/variant=noescape", "allocs_per_op": [0],
         "allocs": []}]}  # fmt: skip
    (root / "esc").mkdir()
    store.write_json(root / "esc" / "escapes.json", payload)
    argv = ["--escapes", str(root / "esc"), "--catalogue", str(root / "catalogue"),
            "--prices", str(root / "prices")]  # fmt: skip
    assert _load_script().main(argv) == 0
    out = capsys.readouterr().out
    row = next(ln for ln in out.splitlines() if ln.startswith("A "))
    assert "0.5" in row.split()  # 20 ns priced / 40 ns measured
    assert "median ratio 0.50, worst 0.50 (A) over 1 escaping pairs" in out
    assert "made by: python benchmarks/escapes_loop.py --escapes" in out


def test_the_script_without_escapes_needs_prices_and_one_toolchain(tmp_path):
    from bench import store
    from bench.errors import BenchError

    root = tmp_path / "results" / "synth"
    for go in ("go1.21.13", "go1.27.3"):
        head = [h.replace("go1.27.3", go) for h in HEAD]
        lines = [*head, "BenchmarkA/variant=escape-2 1000 50 ns/op 16 B/op 1 allocs/op",
                 "BenchmarkA/variant=noescape-2 1000 10 ns/op 0 B/op 0 allocs/op"]  # fmt: skip
        (root / go / "cat").mkdir(parents=True)
        store.write_text_atomic(root / go / "cat" / "raw.txt", "\n".join(lines) + "\n")
    script = _load_script()
    with pytest.raises(BenchError, match="--prices DIR"):
        script.main(["--catalogue", str(root)])
    with pytest.raises(BenchError, match="2 toolchains at GOGC=100"):
        script.main(["--catalogue", str(root), "--prices", str(root)])
