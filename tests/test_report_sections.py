"""The report's price list and "Escapes in <package>" sections, on synthetic inputs.

Synthetic price-grid runs (known prices, no toolchain) and a synthetic joined
``bench escapes`` report: both sections appear in Markdown and HTML with the
same facts, their charts are written, and grid pairs stay out of the catalogue.
"""

from __future__ import annotations

import html
import random
import re
from pathlib import Path

import pytest

from analysis import prices
from analysis.report.build import build_report
from analysis.report.priced import interval_text
from bench import benchfmt, store
from bench.model import LoadedRun
from bench.vocab.sizeclass import size_class

GO = "go1.27.3"
GRID = [("Noscan", s) for s in (16, 64, 256, 1024)] + [("Scan", s) for s in (64, 1024)]


def _raw(rounds: int = 8, seed: int = 3) -> str:
    rng = random.Random(seed)
    lines = [f"machine: synth\ngo-version: {GO}\ngogc: 100\nescapebench-order: interleaved\n"]
    for _ in range(rounds):
        for shape, size in GRID:
            extra = 10 + 0.25 * size_class(size, shape == "Scan", GO)
            name = f"BenchmarkPrice{shape}{size}"
            lines.append(
                f"{name}/variant=escape-2 1000 {(20 + extra) * rng.uniform(0.99, 1.01):.4f} "
                f"ns/op {size} B/op 1 allocs/op"
            )
            lines.append(
                f"{name}/variant=noescape-2 1000 {20 * rng.uniform(0.99, 1.01):.4f} ns/op "
                "0 B/op 0 allocs/op"
            )
        for variant, ns, b in (("escape", 40.0, 8), ("noescape", 5.0, 0)):
            lines.append(
                f"BenchmarkReturnPointer/variant={variant}-2 1000 "
                f"{ns * rng.uniform(0.98, 1.02):.3f} ns/op {b} B/op {1 if b else 0} allocs/op"
            )
    return "\n".join(lines) + "\n"


def _site(line: int, reason: str, est: float | None, *, exercised: bool = True) -> dict:
    return {
        "file": "codec.go", "line": line, "column": 9, "function": f"codec.Encode{line}",
        "what": f"&buf{line}", "reason": reason, "chain": [], "size": 64, "size_class": 64,
        "shape": None, "allocs_per_op": {"BenchmarkEncode": 2.0} if exercised else {},
        "bytes_per_op": {"BenchmarkEncode": 128.0} if exercised else {},
        "benchmark": "BenchmarkEncode" if exercised else None,
        "est_ns_per_op": None if est is None else
        {"value": est, "ci_low": est * 0.9, "ci_high": est * 1.1},
        "share_of_op": None if est is None else est / 1000, "exercised": exercised,
    }  # fmt: skip


ESCAPES = {
    "package": "example.com/codec", "go": GO, "gogc": "100", "priced": True, "message": "",
    "note": "est_ns_per_op is a price-list estimate of what the allocation costs, "
            "not a measurement of removing it",
    "sites": [_site(12, "returned", 60.0), _site(30, "passed to fmt", 41.5),
              _site(7, "too large for the stack", None), _site(99, "returned", None,
                                                               exercised=False)],
    "benchmarks": {"BenchmarkEncode": {"ns_per_op": 1000.0, "allocs_per_op": 4.0}},
}  # fmt: skip


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str, Path]:
    out = tmp_path_factory.mktemp("report")
    run = LoadedRun(out / "raw.txt", "synth", benchfmt.parse(_raw(), "synth"))
    summary = build_report([run], out, escapes=[ESCAPES], jobs=1)
    md = re.sub(r"\\(.)", r"\1", summary.index_md.read_text(encoding="utf-8"))  # md escapes
    page = html.unescape(summary.index_html.read_text(encoding="utf-8"))
    return md, page, out


def test_price_list_has_every_grid_point_in_both_documents(report: tuple[str, str, Path]) -> None:
    md, page, out = report
    records = prices.price_records(benchfmt.parse(_raw(), "synth").results)
    assert len(records) == len(GRID)
    for doc in (md, page):
        assert "Price list" in doc
        assert "Model (ns ≈ fixed + per KiB charged): noscan small:" in doc
        for r in records:
            v = r.ns_per_alloc
            assert interval_text(v.value, v.ci_low, v.ci_high) in doc
    assert (out / "charts" / "price-curve.png").stat().st_size > 1000
    assert "charts/price-curve.png" in md


def test_grid_pairs_stay_out_of_the_catalogue(report: tuple[str, str, Path]) -> None:
    md, page, _ = report
    for doc in (md, page):
        assert "PriceNoscan" not in doc and "PriceScan" not in doc
        assert "ReturnPointer" in doc
    assert "1 pair on" in md  # the headline counts catalogue pairs only


def test_escapes_section_ranks_sites_in_both_documents(report: tuple[str, str, Path]) -> None:
    md, page, out = report
    for doc in (md, page):
        assert "Escapes in example.com/codec" in doc
        assert "4 escape sites" in doc and "3 exercised" in doc
        first, second = doc.index("codec.go:12:9"), doc.index("codec.go:30:9")
        assert first < second < doc.index("codec.go:7:9")
        assert "60 ns [54, 66]" in doc and "41.5 ns [37.4, 45.7]" in doc
        assert "passed to fmt" in doc and "6 %" in doc
        assert "codec.go:99:9" not in doc  # not exercised: not in the ranked table
    chart = out / "charts" / "escapes-example-com-codec.png"
    assert chart.stat().st_size > 1000
    assert "charts/escapes-example-com-codec.png" in md and "coloured by cause" in md


def test_escape_chart_draws_one_bar_per_priced_site() -> None:
    from matplotlib.colors import to_hex

    from analysis.plots.escapes import CAUSE_COLORS, escape_sites, site_frame

    frame = site_frame(ESCAPES["sites"])
    assert list(frame["value"]) == [60.0, 41.5]
    fig = escape_sites(ESCAPES["sites"], "t", "f")
    ax = fig.axes[0]
    assert len(ax.patches) == 2
    bars = [to_hex(p.get_facecolor()).upper() for p in ax.patches]
    assert bars == [CAUSE_COLORS["returned"], CAUSE_COLORS["passed to fmt"]]  # fixed per cause
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["passed to fmt", "returned"]


def _escapes_payload() -> dict:
    """A stored ``bench escapes`` payload: two sites on one benchmark (as in tests/test_escapes)."""

    def entry(line: int, subject: str, reason: str) -> dict:
        return {"code": "escape", "file": "/m/p/a.go", "line": line, "col": 2, "function": "F",
                "message": f"{subject} escapes to heap", "subject": subject, "reported_at": "",
                "chain": [{"text": f"from x ({reason})", "reason": reason}]}  # fmt: skip

    def alloc(line: int, size: int) -> dict:
        return {"innermost": ["p.F", "/m/p/a.go", line], "own": ["p.F", "/m/p/a.go", line],
                "size": size, "objects": 100, "bytes": 100 * size, "source": ""}  # fmt: skip

    return {
        "go": GO, "package": "example.com/p", "package_dir": "/m/p", "gogc": "100",
        "entries": [entry(3, "&T{...}", "return"), entry(5, "buf", "too large for stack")],
        "benchmarks": [{"name": "BenchmarkF", "iterations": 100, "ns_per_op": [900.0],
                        "allocs_per_op": [2.0], "bytes_per_op": [1088.0],
                        "allocs": [alloc(3, 64), alloc(5, 1024)]}],
    }  # fmt: skip


def test_bench_report_on_an_escapes_run_prices_it_from_the_price_inputs(tmp_path: Path) -> None:
    from bench import cli

    run = tmp_path / "escapes-run"
    run.mkdir()
    (run / "raw.txt").write_text(
        f"machine: synth\ngo-version: {GO}\n\n"
        + "".join(f"BenchmarkF-2 100 {900 + i} ns/op 1088 B/op 2 allocs/op\n" for i in range(3)),
        encoding="utf-8",
    )
    store.write_json(run / "escapes.json", _escapes_payload())  # as bench escapes stores it
    grid = tmp_path / "prices.txt"
    grid.write_text(_raw(), encoding="utf-8")
    out = tmp_path / "report"
    code = cli.main(["report", str(grid), str(run), "--out", str(out), "--no-claims"])
    assert code == 0
    md = re.sub(r"\\(.)", r"\1", (out / "index.md").read_text(encoding="utf-8"))
    page = html.unescape((out / "index.html").read_text(encoding="utf-8"))
    for doc in (md, page):
        assert "Escapes in example.com/p" in doc and "Price list" in doc
        big, small = doc.index("a.go:5:2"), doc.index("a.go:3:2")
        assert big < small  # the 1 KiB allocation costs more than the 64 B one
        assert "too large for the stack" in doc and "unpriced" not in doc
    assert (out / "charts" / "escapes-example-com-p.png").is_file()
