"""analysis.prices on synthetic grid runs whose true prices are known: the price records,
the fitted model, the lookup ``bench escapes`` uses, and the JSON fields of the issue."""

from __future__ import annotations

import io
import math
import random
from pathlib import Path

import pytest
from PIL import Image

from analysis import gc_model, prices
from analysis.plots import prices as charts
from bench import benchfmt, plan
from bench.cli import main
from bench.vocab.sizeclass import price_pair, size_class

GO = "go1.27.3"
NOSCAN = [8, 16, 24, 32, 48, 64, 96, 128, 256, 512, 1024, 4096, 16384, 32768, 65536, 1 << 20]
SCAN = [16, 64, 512, 1024, 8192, 65536, 262144]


def true_price(charged: int) -> float:
    """ns per allocation the synthetic machine charges: two straight lines."""
    return 10 + 0.25 * charged if charged <= 32768 else 2000 + 0.2 * charged


def _raw(
    rounds: int = 12,
    seed: int = 1,
    outlier: int | None = None,
    gogc: str = "100",
    live: str = "0",
    gc_per_kib: float = 0.002 * 1024,
) -> str:
    rng = random.Random(seed)
    lines = [
        "machine: synth",
        f"go-version: {GO}",
        f"gogc: {gogc}",
        f"live-heap: {live}",
        "escapebench-order: interleaved",
        "escapebench-benchtime: 40ms",
        f"escapebench-count: {rounds}",
        "",
    ]
    grid = [("Noscan", s) for s in NOSCAN] + [("Scan", s) for s in SCAN]
    for _ in range(rounds):
        for shape, size in grid:
            charged = size_class(size, shape == "Scan", GO)
            base = 5 + 0.01 * size
            extra = true_price(charged) * (3 if size == outlier and shape == "Noscan" else 1)
            noise = rng.uniform(0.99, 1.01)
            gc = gc_per_kib * charged / 1024 * rng.uniform(0.9, 1.1)
            name = f"BenchmarkPrice{shape}{size}"
            lines.append(
                f"{name}/variant=escape-2 1000000 {(base + extra) * noise:.4f} ns/op "
                f"{gc:.4f} gc-cpu-ns/op {charged / 4e6:.8f} gc-cycles/op "
                f"{charged} B/op 1 allocs/op"
            )
            lines.append(
                f"{name}/variant=noescape-2 1000000 {base * rng.uniform(0.99, 1.01):.4f} ns/op "
                "0 gc-cpu-ns/op 0 gc-cycles/op 0 B/op 0 allocs/op"
            )
    lines.append("BenchmarkOther/variant=escape-2 1000 50 ns/op 16 B/op 1 allocs/op")
    lines.append("BenchmarkOther/variant=noescape-2 1000 10 ns/op 0 B/op 0 allocs/op")
    return "\n".join(lines) + "\n"


def _records(**kw: object) -> list[prices.PriceRecord]:
    return prices.price_records(benchfmt.parse(_raw(**kw), "run1").results)  # type: ignore[arg-type]


def test_one_record_per_pair_with_the_true_price_inside_its_interval() -> None:
    recs = _records()
    assert len(recs) == len(NOSCAN) + len(SCAN)  # BenchmarkOther is not a grid pair
    for r in recs:
        want = true_price(r.size_class)
        assert r.ns_per_alloc.ci_low <= want * 1.02 and r.ns_per_alloc.ci_high >= want * 0.98
        assert r.ns_per_alloc.value == pytest.approx(want, rel=0.05, abs=1.0)
        assert r.charged_bytes == r.size_class and r.escaped and r.n_rounds == 12
        assert r.gc_cpu_ns_per_kib is not None
        assert r.gc_cpu_ns_per_kib.value == pytest.approx(0.002 * 1024, rel=0.15)
        assert r.gc_cycles_per_mib == pytest.approx((1 << 20) / 4e6, rel=0.01)
        assert r.noescape_kind == ("stack" if r.size <= 65536 else "reused")
        assert r.scope == "this run"
    scan1024 = next(r for r in recs if r.pair.startswith("PriceScan1024"))
    assert scan1024.size_class == 1152 and scan1024.shape == "scan"


def test_runs_pool_and_kinds_come_from_the_manifest() -> None:
    results = (
        benchfmt.parse(_raw(seed=1), "run1").results + benchfmt.parse(_raw(seed=2), "run2").results
    )
    recs = prices.price_records(results, kinds={"PriceNoscan8": "reused"})
    r8 = next(r for r in recs if r.pair.startswith("PriceNoscan8-"))
    assert r8.n_runs == 2 and r8.n_rounds == 24 and "2 runs pooled" in r8.scope
    assert r8.noescape_kind == "reused"


def test_conditions_stay_apart() -> None:
    results = benchfmt.parse(_raw(), "a").results + benchfmt.parse(_raw(gogc="400"), "b").results
    recs = prices.price_records(results)
    assert {r.condition.gogc for r in recs} == {"100", "400"}
    assert len(prices.fit_models(recs)) == 2


def test_model_recovers_both_lines_and_names_a_poor_point() -> None:
    (model,) = prices.fit_models(_records())
    small = next(s for s in model.segments if s.shape == "noscan" and s.range == "small")
    large = next(s for s in model.segments if s.shape == "noscan" and s.range == "large")
    assert small.fixed_ns.ci_low <= 10 <= small.fixed_ns.ci_high
    assert small.per_kib_ns.ci_low <= 256 <= small.per_kib_ns.ci_high
    assert large.per_kib_ns.value == pytest.approx(0.2 * 1024, rel=0.05)
    assert large.n_points == 2 and math.isinf(large.per_kib_ns.ci_high)  # two points
    assert any("noscan large: only 2 sizes" in n for n in model.notes)
    assert not small.poor
    assert all(0.9 < ratio < 1.1 for _, ratio in small.residuals)
    (bad,) = prices.fit_models(_records(outlier=256))
    small = next(s for s in bad.segments if s.shape == "noscan" and s.range == "small")
    assert any(p.startswith("256 B") for p in small.poor)
    assert any("poor at 256 B" in n for n in bad.notes)


def test_price_lookup_exact_interpolated_extrapolated_and_missing() -> None:
    recs = _records()
    (table,) = prices.price_tables(recs, prices.fit_models(recs)).values()
    p = table.price(40, pointers=False)  # charged the 48 B class: a grid point
    assert p is not None and "measured: PriceNoscan48" in p.source
    assert p.value == pytest.approx(true_price(48), rel=0.05)
    p = table.price(100, pointers=False)  # 112 B class: between 96 and 128
    assert p is not None and p.source.startswith("interpolated between PriceNoscan96")
    assert true_price(96) * 0.95 < p.value < true_price(128) * 1.05
    assert p.ci_low <= p.value <= p.ci_high
    p = table.price(1000, pointers=True)  # 1000 + 8 header -> 1024 class, between 512 and 1152
    assert p is not None and "scan 1024 B" in p.source
    p = table.price(4 << 20, pointers=False)
    assert p is not None and "extrapolated" in p.source
    assert p.value == pytest.approx(true_price(4 << 20), rel=0.1)
    assert math.isinf(p.ci_high)
    empty = prices.PriceTable(table.condition, tuple(r for r in recs if r.shape == "noscan"))
    assert empty.price(64, pointers=True) is None
    assert table.price(0, pointers=False) is None


def test_a_pair_that_does_not_escape_has_no_price_and_says_so() -> None:
    text = _raw().replace("32768 B/op 1 allocs/op", "0 B/op 0 allocs/op")
    recs = prices.price_records(benchfmt.parse(text, "r").results)
    r = next(r for r in recs if r.pair.startswith("PriceNoscan32768"))
    assert not r.escaped and any("does not allocate more" in w for w in r.warnings)
    (model,) = prices.fit_models(recs)
    small = next(s for s in model.segments if s.shape == "noscan" and s.range == "small")
    assert 32768 not in [s for s, _ in small.residuals]


def test_json_has_the_issues_fields() -> None:
    recs = _records()
    out = prices.to_json(recs, prices.fit_models(recs))
    price_fields = [
        "machine",
        "go",
        "gogc",
        "live_heap",
        "gomaxprocs",
        "size",
        "size_class",
        "shape",
        "charged_bytes",
        "ns_per_alloc",
        "gc_cpu_ns_per_alloc",
        "gc_cpu_ns_per_kib",
        "gc_cycles_per_mib",
        "allocs_escape",
        "allocs_noescape",
        "escaped",
        "noescape_kind",
        "n_rounds",
        "n_runs",
        "scope",
        "method",
    ]
    first = out[0]
    assert first["kind"] == "price" and set(price_fields) <= set(first)
    assert set(first["ns_per_alloc"]) == {"value", "ci_low", "ci_high"}
    models = [o for o in out if o["kind"] == "model"]
    assert len(models) == 1 and models[0]["segments"][0]["fixed_ns"]["value"] is not None
    assert price_pair("PriceScan1024-2") == ("scan", 1024)
    assert price_pair("ReturnPointer") is None


def test_gc_model_follows_the_gc_guide_across_gogc_and_live_heap() -> None:
    fixed, per_mib = 40_000.0, 150_000.0  # ns per cycle, and per MiB of live heap
    results = []
    for gogc in ("100", "400"):
        for live in ("0", "64MiB"):
            lb = gc_model.live_bytes(live)
            room = gc_model.headroom(gogc, lb or 0)
            assert lb is not None and room is not None
            per_kib = (fixed + per_mib * lb / (1 << 20)) / (room / 1024)
            text = _raw(gogc=gogc, live=live, gc_per_kib=per_kib)
            results += benchfmt.parse(text, f"{gogc}-{live}").results
    models = prices.fit_models(prices.price_records(results))
    assert len(models) == 4
    gcs = gc_model.fit_gc_models(models)
    assert {g.shape for g in gcs} == {"noscan", "scan"}
    for g in gcs:
        assert g.ns_per_live_mib is not None
        assert g.ns_per_live_mib.value == pytest.approx(per_mib, rel=0.15)
        assert g.fixed_ns_per_cycle.value == pytest.approx(fixed, rel=0.15)
        assert len(g.points) == 4 and not g.notes
    one = gc_model.fit_gc_models(prices.fit_models(_records()))
    assert one and one[0].ns_per_live_mib is None and "one live-heap size" in one[0].notes[0]
    assert gc_model.headroom("off", 0) is None and gc_model.live_bytes("64 parsecs") is None
    assert gc_model.live_bytes("64MB") == 64_000_000 == plan.parse_size("64MB")
    assert gc_model.headroom("100", 0) == 4 << 20 and gc_model.headroom("100", 64 << 20) == 64 << 20
    out = prices.to_json([], models, gcs)
    assert [o["kind"] for o in out].count("gc_model") == 2


def test_charts_are_drawn_from_price_records(tmp_path: Path) -> None:
    results = []
    for gogc in ("100", "400"):
        for live in ("0", "64MiB"):
            results += benchfmt.parse(_raw(gogc=gogc, live=live), f"{gogc}-{live}").results
    records = prices.price_records(results)
    paths = charts.draw(records, prices.fit_models(records), tmp_path / "charts")
    assert [p.name for p in paths] == ["price-curve.png", "gc-cost.png"]
    for p in paths:
        with Image.open(p) as im:
            assert im.width >= 1000 and im.height >= 500
            colours = im.convert("RGB").getcolors(maxcolors=1 << 16)
            assert colours is None or len(colours) > 50  # lines, bands, text: not a blank canvas
    frame = charts.gc_frame(prices.fit_models(records))
    assert sorted(set(frame["gogc"])) == [100, 400] and len(set(frame["series"])) == 2


def test_bench_prices_from_with_charts_writes_both_pngs(tmp_path: Path) -> None:
    raw = tmp_path / "raw.txt"
    raw.write_text(_raw(), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    code = main(["prices", "--from", str(raw), "--charts", str(tmp_path / "c")], out, err)
    assert code == 0, err.getvalue()
    assert "price-curve.png" in err.getvalue() and "gc-cost.png" in err.getvalue()
    for name in ("price-curve.png", "gc-cost.png"):
        assert (tmp_path / "c" / name).stat().st_size > 10_000
    assert "ns/alloc" in out.getvalue()


def test_bench_prices_measures_the_grid_package_in_place(tmp_path: Path) -> None:
    """The grid is built and run from go_cases/prices itself, beside a build of go_cases/cases
    (one module, two test binaries: a cache key without the package once ran the wrong one),
    and the run names that package, never a copy under the cache."""
    import json

    from bench import build, cases, toolchain
    from tests.conftest import bench

    tc = toolchain.find(None)
    build.build(tc, cases.load_module())  # the module's other package, built first
    results = tmp_path / "results"
    code, out, err = bench(
        "prices", "--quick", "--sizes", "64", "--benchtime", "100x",
        "--results", str(results), "--format", "json", "--quiet",
    )  # fmt: skip
    assert code == 0, err
    assert {r["size"] for r in json.loads(out) if r["kind"] == "price"} == {64}
    (raw,) = results.rglob("raw.txt")
    meta = json.loads((raw.parent / "meta.json").read_text())
    grid = cases.load_module(cases.default_root() / "prices")
    assert meta["package"] == "./prices" and meta["import_path"] == cases.import_path(grid)
    assert Path(meta["module"]).name == "go_cases" and "prices-module" not in raw.read_text()
    assert meta["sources"] == cases.measured_sources(grid)
    assert f"escapebench-module: {cases.import_path(grid)}\n" in raw.read_text()
