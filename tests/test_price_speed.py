"""benchmarks/price_speed.py's report on a recorded quick run: the command, the condition,
the load, wall time against the target, and the half-widths of ns_per_alloc (no measuring)."""

from __future__ import annotations

import importlib.util
import io
import json
from pathlib import Path

import pytest

from bench.cli import main

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "prices_quick"


def _script():
    spec = importlib.util.spec_from_file_location(
        "price_speed", ROOT / "benchmarks" / "price_speed.py"
    )
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _rows() -> list:
    out = io.StringIO()
    assert main(["prices", "--from", str(DATA), "--format", "json"], out, io.StringIO()) == 0
    return json.loads(out.getvalue())


def test_half_widths_are_relative_to_the_value_for_escaping_price_records() -> None:
    rows = _rows()
    hw = dict(_script().half_widths(rows))
    assert sorted(hw) == ["noscan 1024 B", "noscan 64 B", "scan 1024 B", "scan 64 B"]
    r = next(r for r in rows if r.get("kind") == "price" and r["size"] == 64)
    iv = r["ns_per_alloc"]
    want = (iv["ci_high"] - iv["ci_low"]) / 2 / iv["value"]
    assert hw[f"{r['shape']} 64 B"] == pytest.approx(want)


def test_report_names_the_command_condition_load_and_targets(capsys) -> None:
    mod = _script()
    cmd = ["bench", "prices", "--quick", "--results", "/somewhere/quick", "--format", "json"]
    mod.report("quick", cmd, 75.0, _rows())
    text = capsys.readouterr().out
    assert text.startswith("quick: bench prices --quick --results /somewhere/quick")
    assert "vm · go1.27.3 · GOGC=100 · live heap 0 · GOMAXPROCS=2" in text
    assert "load average" in text and "CPUs" in text
    assert "wall 75.0 s (target ≤ 60 s: missed)" in text
    assert "half-width over 4 records: median ±" in text and "(target ±5%: missed)" in text
