"""analysis.price_check on synthetic runs: a price grid and catalogue pairs whose extra time is
known, so the prediction, the ratio, the condition match and the summary can be checked."""

from __future__ import annotations

import io
import json
import random
from pathlib import Path

import pytest

from analysis import price_check
from bench import benchfmt
from bench.cli import main
from bench.vocab.sizeclass import size_class

GO = "go1.27.3"
GRID = [("Noscan", s) for s in (8, 16, 32, 64, 128, 1024)] + [
    ("Scan", s) for s in (16, 32, 64, 128, 1024)
]


def price(charged: int, shape: str) -> float:
    """ns per allocation of the synthetic machine; scan costs half as much again."""
    return (10 + 0.25 * charged) * (1.5 if shape == "Scan" else 1.0)


def _header(gogc: str, machine: str = "synth") -> list[str]:
    return [f"machine: {machine}", f"go-version: {GO}", f"gogc: {gogc}", "live-heap: 0",
            "escapebench-order: interleaved", "escapebench-count: 12", ""]  # fmt: skip


def _line(name: str, variant: str, ns: float, nbytes: int, allocs: int) -> str:
    return f"{name}/variant={variant}-2 1000 {ns:.4f} ns/op {nbytes} B/op {allocs} allocs/op"


def _grid(gogc: str = "100", rounds: int = 12) -> str:
    rng = random.Random(1)
    lines = _header(gogc)
    for _ in range(rounds):
        for shape, size in GRID:
            charged = size_class(size, shape == "Scan", GO)
            n = f"BenchmarkPrice{shape}{size}"
            esc = (5 + price(charged, shape)) * rng.uniform(0.99, 1.01)
            lines.append(_line(n, "escape", esc, charged, 1))
            lines.append(_line(n, "noescape", 5 * rng.uniform(0.99, 1.01), 0, 0))
    return "\n".join(lines) + "\n"


def _catalogue(
    pairs: list[tuple[str, int, int, float]], gogc: str = "100", machine: str = "synth"
) -> str:
    """``(name, allocs, bytes per alloc, extra ns beyond the allocations' price)`` per pair."""
    rng = random.Random(2)
    lines = _header(gogc, machine)
    for _ in range(12):
        for name, allocs, per, more in pairs:
            esc = (50 + allocs * price(per, "Scan") + more) * rng.uniform(0.999, 1.001)
            lines.append(_line(f"Benchmark{name}", "escape", esc, allocs * per, allocs))
            lines.append(
                _line(f"Benchmark{name}", "noescape", 50 * rng.uniform(0.999, 1.001), 0, 0)
            )
    return "\n".join(lines) + "\n"


def _results(*texts: str) -> list:
    return [r for i, t in enumerate(texts) for r in benchfmt.parse(t, f"run{i}").results]


def test_a_pair_that_is_only_its_allocations_is_predicted_within_a_few_percent() -> None:
    res = _results(_grid(), _catalogue([("Two64", 2, 64, 0.0), ("One1152", 1, 1152, 0.0)]))
    recs = price_check.check_records(res)
    assert [r.pair for r in recs] == ["One1152-2", "Two64-2"]
    by = {r.case: r for r in recs}
    two = by["Two64"]
    assert two.extra_allocs == 2 and two.bytes_per_alloc == 64 and two.shape == "scan"
    assert two.predicted_ns == pytest.approx(2 * price(64, "Scan"), rel=0.03)
    assert two.ratio == pytest.approx(1.0, rel=0.05)
    # 1152 B/op of a pointerful object is the 1024 B grid point with its header: measured price
    assert by["One1152"].ratio == pytest.approx(1.0, rel=0.05)
    assert "measured" in by["One1152"].source
    s = price_check.summarize(recs)
    assert s.n_priced == 2 and s.median_ratio == pytest.approx(1.0, rel=0.05)


def test_work_that_is_not_allocation_shows_as_a_ratio_above_one_and_is_the_worst() -> None:
    res = _results(_grid(), _catalogue([("Plain", 1, 32, 0.0), ("Copies", 1, 32, 200.0)]))
    recs = price_check.check_records(res)
    by = {r.case: r for r in recs}
    want = (price(32, "Scan") + 200) / price(32, "Scan")
    assert by["Copies"].ratio == pytest.approx(want, rel=0.05)
    s = price_check.summarize(recs)
    assert s.worst_pair == "Copies-2" and s.worst_ratio == pytest.approx(want, rel=0.05)


def test_pointer_free_cases_take_the_noscan_price() -> None:
    res = _results(_grid(), _catalogue([("Bytes", 1, 64, 0.0)]))
    rec = price_check.check_records(res, pointer_free={"Bytes"})[0]
    assert rec.shape == "noscan"
    assert rec.predicted_ns == pytest.approx(price(64, "Noscan"), rel=0.03)


def test_another_condition_is_not_priced_with_this_list() -> None:
    res = _results(_grid("100"), _catalogue([("Other", 1, 64, 0.0)], gogc="400"))
    rec = price_check.check_records(res)[0]
    assert rec.predicted_ns is None and rec.ratio is None and "no price list" in rec.source
    s = price_check.summarize([rec])
    assert s.n_priced == 0 and s.n_unpriced == 1 and s.median_ratio is None
    assert rec.to_json()["ratio"] is None and rec.to_json()["measured_ns"] > 0


def test_allocs_exact_is_preferred_to_rounded_allocs() -> None:
    text = (
        _catalogue([("Half", 1, 64, 0.0)])
        .replace(" 0 allocs/op", " 0 allocs/op 0 allocs-exact/op")
        .replace(" 1 allocs/op", " 1 allocs/op 0.5 allocs-exact/op")
    )
    rec = price_check.check_records(_results(_grid(), text))[0]
    assert rec.exact_allocs and rec.extra_allocs == 0.5 and rec.bytes_per_alloc == 128
    assert rec.to_json()["allocs_unit"] == "allocs-exact/op"


def test_bench_prices_check_reads_stored_runs_and_prints_text_and_json(tmp_path: Path) -> None:
    grid, cat = tmp_path / "grid.txt", tmp_path / "catalogue.txt"
    grid.write_text(_grid(), encoding="utf-8")
    cat.write_text(_catalogue([("Two64", 2, 64, 0.0), ("Copies", 1, 32, 200.0)]), "utf-8")
    out, err = io.StringIO(), io.StringIO()
    assert main(["prices", "--check", str(grid), str(cat)], out, err) == 0, err.getvalue()
    text = out.getvalue()
    assert "Two64-2" in text and "Copies-2" in text and "median measured ÷ predicted" in text
    assert "worst" in text and "(Copies-2)" in text
    out = io.StringIO()
    assert main(["prices", "--check", str(grid), str(cat), "--format", "json"], out, err) == 0
    rows = json.loads(out.getvalue())
    assert [r["kind"] for r in rows] == ["check", "check", "check_condition", "check_summary"]
    assert rows[-1]["n_priced"] == 2 and rows[-1]["worst_pair"] == "Copies-2"
    assert rows[2]["gogc"] == "100" and rows[2]["median_ratio"] == rows[-1]["median_ratio"]
    err = io.StringIO()
    assert main(["prices", "--check", str(cat)], io.StringIO(), err) == 1
    assert "no price runs here" in err.getvalue() and err.getvalue().count("\n") == 1


def test_each_condition_has_its_own_median_and_worst_and_the_text_says_them(
    tmp_path: Path,
) -> None:
    """Two GC settings, each with its price list: one summary line per condition, then all."""
    grid = tmp_path / "grid.txt"
    grid.write_text(_grid("100") + _grid("400"), encoding="utf-8")
    cat = tmp_path / "catalogue.txt"
    cat.write_text(
        _catalogue([("Plain", 1, 32, 0.0)], gogc="100")
        + _catalogue([("Plain", 1, 32, 0.0), ("Copies", 1, 32, 200.0)], gogc="400"),
        encoding="utf-8",
    )
    recs = price_check.check_records(_results(grid.read_text(), cat.read_text()))
    by = dict(price_check.summarize_by_condition(recs))
    assert sorted(c.gogc for c in by) == ["100", "400"]
    s100 = next(s for c, s in by.items() if c.gogc == "100")
    s400 = next(s for c, s in by.items() if c.gogc == "400")
    assert s100.n_priced == 1 and s100.worst_pair == "Plain-2"
    assert s400.n_priced == 2 and s400.worst_pair == "Copies-2"
    out = io.StringIO()
    assert main(["prices", "--check", str(grid), str(cat)], out, io.StringIO()) == 0
    lines = out.getvalue().splitlines()
    per_cond = [ln for ln in lines if ln.startswith("  ") and "pairs priced" in ln]
    assert len(per_cond) == 2 and "(Plain-2)" in per_cond[0] and "(Copies-2)" in per_cond[1]
    assert lines[-2].startswith("all conditions: 3 pairs priced") and "(Copies-2)" in lines[-2]


def test_an_unknown_pointer_free_name_is_warned_about_once(tmp_path: Path) -> None:
    grid, cat = tmp_path / "grid.txt", tmp_path / "catalogue.txt"
    grid.write_text(_grid(), encoding="utf-8")
    cat.write_text(_catalogue([("Bytes", 1, 64, 0.0)]), "utf-8")
    out, err = io.StringIO(), io.StringIO()
    argv = ["prices", "--check", str(grid), str(cat), "--pointer-free", "Bytes,Bytez"]
    assert main([*argv, "--format", "json"], out, err) == 0
    warning = err.getvalue()
    assert warning.count("\n") == 1 and "--pointer-free Bytez: no such benchmark" in warning
    assert json.loads(out.getvalue())[0]["shape"] == "noscan"  # the known name still counts
