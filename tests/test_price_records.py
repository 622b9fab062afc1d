"""``bench prices --format json|csv`` on a recorded run: every field issue 19 asks for.

The data is a real ``bench prices --quick --sizes 64,1024 --go 1.27.3`` run
(raw.txt only, 8 rounds of 4 ms on a shared 2-vCPU machine), so the fields are
checked on what the runner really writes, not on synthetic lines; no toolchain
is needed.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from pathlib import Path

from analysis.prices import price_records
from bench import benchfmt
from bench.cli import main
from bench.vocab.sizeclass import size_class

DATA = Path(__file__).parent / "data" / "prices_quick"

#: The "Done when" list of issue 19, in its order.
PRICE_FIELDS = (
    "machine", "go", "gogc", "live_heap", "gomaxprocs", "size", "size_class", "shape",
    "charged_bytes", "ns_per_alloc", "gc_cpu_ns_per_alloc", "gc_cpu_ns_per_kib",
    "gc_cycles_per_mib", "allocs_escape", "allocs_noescape", "escaped", "noescape_kind",
    "n_rounds", "n_runs", "scope", "method",
)  # fmt: skip
INTERVALS = ("ns_per_alloc", "gc_cpu_ns_per_alloc", "gc_cpu_ns_per_kib")


def _run(*argv: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    assert main(["prices", "--from", str(DATA), *argv], out, err) == 0, err.getvalue()
    return out.getvalue()


def test_json_has_every_field_of_the_issue_for_each_size_and_shape() -> None:
    rows = json.loads(_run("--format", "json"))
    prices = [r for r in rows if r["kind"] == "price"]
    assert sorted((r["shape"], r["size"]) for r in prices) == [
        ("noscan", 64), ("noscan", 1024), ("scan", 64), ("scan", 1024),
    ]  # fmt: skip
    for r in prices:
        missing = [f for f in PRICE_FIELDS if f not in r]
        assert not missing, f"{r['pair']}: no {missing}"
        cond = (r["machine"], r["go"], r["gogc"], r["live_heap"], r["gomaxprocs"])
        assert cond == ("vm", "go1.27.3", "100", "0", "2")
        for key in INTERVALS:
            iv = r[key]
            assert set(iv) == {"value", "ci_low", "ci_high"}, key
            assert iv["ci_low"] <= iv["value"] <= iv["ci_high"], (r["pair"], key, iv)
        assert r["size_class"] == size_class(r["size"], r["shape"] == "scan", r["go"])
        # B/op of the real run is the class: the malloc header shows at scan 1024 B
        assert r["charged_bytes"] == r["size_class"]
        assert (r["shape"], r["size"], r["size_class"]) != ("scan", 1024, 1024)
        assert r["allocs_escape"] == 1 and r["allocs_noescape"] == 0 and r["escaped"] is True
        assert r["noescape_kind"] == "stack"
        assert (r["n_rounds"], r["n_runs"], r["scope"]) == (8, 1, "this run")
        assert "Hodges–Lehmann" in r["method"]
        # per KiB is per allocation over the KiB charged, and cycles per MiB are positive
        per_kib = r["gc_cpu_ns_per_alloc"]["value"] / (r["charged_bytes"] / 1024)
        assert math.isclose(r["gc_cpu_ns_per_kib"]["value"], per_kib, rel_tol=1e-9)
        assert r["gc_cycles_per_mib"] > 0


def test_json_has_one_model_record_per_condition_with_its_coefficients() -> None:
    rows = json.loads(_run("--format", "json"))
    models = [r for r in rows if r["kind"] == "model"]
    assert len(models) == 1
    m = models[0]
    assert (m["go"], m["gogc"], m["live_heap"]) == ("go1.27.3", "100", "0")
    assert {(s["shape"], s["range"]) for s in m["segments"]} == {
        ("noscan", "small"), ("scan", "small"),
    }  # fmt: skip
    for s in m["segments"]:
        assert s["fixed_ns"]["value"] is not None and s["per_kib_ns"]["value"] > 0
        assert [x["size"] for x in s["residuals"]] == [64, 1024]
    # two sizes per segment: the coefficients have no interval, and the notes say so
    assert any("only 2 sizes" in n for n in m["notes"])
    assert set(m["gc_cpu_ns_per_kib"]) == {"noscan", "scan"}


def test_csv_has_the_same_fields_with_intervals_flattened() -> None:
    rows = list(csv.DictReader(io.StringIO(_run("--format", "csv"))))
    assert len(rows) == 4
    head = set(rows[0])
    flat = [f for f in PRICE_FIELDS if f not in INTERVALS]
    flat += [f"{k}{s}" for k in INTERVALS for s in ("", "_ci_low", "_ci_high")]
    assert not [f for f in flat if f not in head]
    assert all(float(r["ns_per_alloc_ci_low"]) <= float(r["ns_per_alloc"]) for r in rows)


def test_two_runs_give_a_run_aware_price_whose_interval_sees_both() -> None:
    """A second run 25 % slower on the escape side: the price of the two runs lies between
    the runs' own prices, and its interval (random effects over runs) covers both."""
    raw = (DATA / "raw.txt").read_text(encoding="utf-8")

    def slower(m: re.Match[str]) -> str:
        return f"{m.group(1)}{float(m.group(2)) * 1.25:.3f} ns/op"

    other = re.sub(r"(variant=escape-2\s+\d+\s+)([\d.]+) ns/op", slower, raw)
    assert other != raw
    a = benchfmt.parse(raw, "a/raw.txt").results
    b = benchfmt.parse(other, "b/raw.txt").results
    one = {r.pair: r.ns_per_alloc for r in price_records(a)}
    two = {r.pair: r.ns_per_alloc for r in price_records(b)}
    both = price_records(a + b)
    assert len(both) == 4
    for r in both:
        lo, hi = sorted((one[r.pair].value, two[r.pair].value))
        assert lo < r.ns_per_alloc.value < hi, r.pair
        assert r.ns_per_alloc.ci_low < lo and r.ns_per_alloc.ci_high > hi, r.pair
        assert (r.n_runs, r.n_rounds) == (2, 16)
        assert r.scope.startswith("across runs") and "random effects" in r.method
