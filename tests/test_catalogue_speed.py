"""benchmarks/catalogue_speed.py on a real quick run of two pairs: the figures it prints are
the ones recomputed here from the stored run (``bench.store`` + ``analysis.escape_cost``)."""

from __future__ import annotations

import importlib.util
import json
import math
import re
import statistics
import sys
import time
from pathlib import Path
from types import ModuleType

import pytest

from analysis import escape_cost
from bench import store
from bench.cli import measure

ROOT = Path(__file__).resolve().parents[1]
#: Two of the fastest pairs (a few ns per op): the quick run takes a few seconds.
CASES = "^(ReturnPointer|BoxLargeInt)$"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "catalogue_speed", ROOT / "benchmarks" / "catalogue_speed.py"
    )
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # its dataclasses look their module up there
    spec.loader.exec_module(mod)
    return mod


def _line(lines: list[str], prefix: str) -> str:
    found = [ln for ln in lines if ln.startswith(prefix)]
    assert len(found) == 1, (prefix, lines)
    return found[0]


def test_the_flags_become_bench_runs_request_and_its_target_rule() -> None:
    mod = _script()
    assert mod.target_rule is measure.target_rule  # the CLI's rule, imported, not copied
    args = mod.parse_args(["--target", "5%", "--budget", "3m", "--cases", "X", "--go", "1.27"])
    req = mod.request(args, Path("/r"))
    assert (req.target, req.budget, req.cases, req.go) == (0.05, 180.0, "X", "1.27")
    assert (req.count, req.benchtime, req.repeat, req.quick) == (None, None, 1, False)
    assert req.argv[:2] == ["bench", "run"] and "--target" in req.argv


@pytest.mark.toolchain
def test_printed_figures_are_what_the_stored_run_gives(tmp_path: Path) -> None:
    results, figures = tmp_path / "results", tmp_path / "figures.json"
    argv = ["--quick", "--cases", CASES, "--results", str(results), "--json", str(figures)]
    lines: list[str] = []
    t0 = time.monotonic()
    assert _script().main([*argv, "--quiet"], lines.append) == 0
    elapsed = time.monotonic() - t0

    # independently: every run under the tree, bench cost's estimator, the target's width
    runs = store.load_input(results)
    assert len(runs) == 1
    records = escape_cost.cost_records([r for run in runs for r in run.parsed.results])
    assert sorted(r.case for r in records) == ["BoxLargeInt", "ReturnPointer"]
    hw = {r.case: (r.ci_high - r.ci_low) / 2 / r.ratio for r in records}
    assert all(math.isfinite(x) and x > 0 for x in hw.values())
    median = statistics.median(hw.values())
    worst_pair = max(hw, key=hw.__getitem__)

    assert lines[0].startswith("command:  python benchmarks/catalogue_speed.py --quick --cases")
    assert _line(lines, "median half-width ") == f"median half-width ±{100 * median:.1f} %"
    assert _line(lines, "worst half-width ") == (
        f"worst half-width ±{100 * hw[worst_pair]:.1f} % ({worst_pair})"
    )
    assert _line(lines, "pairs ").startswith("pairs 2 · rounds 8 per pair")
    meta = runs[0].meta or {}
    assert meta["toolchain"]["version"] in _line(lines, "go:")
    assert re.search(r"build (cached|built)", _line(lines, "go:"))
    assert "calibration: a new pilot" in _line(lines, "go:")  # a fresh tree has none stored
    machine = _line(lines, "machine:")
    assert "doctor at start: " in machine
    others = [r["others_pct"] for r in meta["load"] if r.get("others_pct") is not None]
    assert f"(max {max(others):.1f} %)" in machine
    wall = re.fullmatch(r"wall (\d+):(\d\d) \((\d+\.\d) s, .*\)", _line(lines, "wall "))
    assert wall and 0 < float(wall[3]) <= elapsed + 0.05
    assert "not the figure" in _line(lines, "targets:")  # --quick is not the default settings

    got = json.loads(figures.read_text())
    assert got["median"] == pytest.approx(median, rel=1e-9)
    assert got["worst"] == pytest.approx(hw[worst_pair], rel=1e-9)
    assert got["worst_pair"] == worst_pair and got["pairs"] == 2
    assert {p["pair"]: p["half_width"] for p in got["per_pair"]} == pytest.approx(hw, rel=1e-9)
    assert got["met"]["median"] == (median <= 0.05) and got["rounds"]["min"] == 8
