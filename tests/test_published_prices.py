"""The published price list: quiet runs of the whole grid, and charts its command redraws.

Reads the committed ``results/published-prices`` (no toolchain): every run is
complete with a quiet load record, the live-heap-0 runs hold every grid pair
for each published toolchain, and ``bench prices --from … --charts`` draws
exactly the figures committed under ``docs/figures/prices``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import benchfmt
from bench import prices as price_runs
from bench.vocab import keys
from tests.conftest import bench
from tests.test_published_runs import QUIET_PCT

ROOT = Path(__file__).resolve().parents[1]
PRICES = ROOT / "results" / "published-prices"
FIGURES = ROOT / "docs" / "figures" / "prices"
GOS = {"go1.21.13", "go1.24.11", "go1.27.3"}


def run_dirs() -> list[Path]:
    return sorted(p.parent for p in PRICES.glob("*/*/*/meta.json"))


def test_there_is_a_published_price_list_for_each_toolchain() -> None:
    gos = {json.loads((d / "meta.json").read_text())["toolchain"]["version"] for d in run_dirs()}
    assert gos == GOS


@pytest.mark.parametrize("run", run_dirs(), ids=lambda d: f"{d.parent.name}/{d.name[:16]}")
def test_every_price_run_is_complete_quiet_and_of_the_grid(run: Path) -> None:
    meta = json.loads((run / "meta.json").read_text(encoding="utf-8"))
    assert meta["status"] == "complete" and meta["package"] == "./prices"
    assert meta["load"] and meta.get("load_changed") is None, meta.get("load_changed")
    worst = max(e["others_pct"] for e in meta["load"] if e.get("others_pct") is not None)
    assert worst <= QUIET_PCT, f"{run}: other processes used {worst} % of the CPUs"


def test_the_live_heap_0_runs_hold_every_grid_pair() -> None:
    grid = {p.id for p in price_runs.load_grid()}
    for d in run_dirs():
        results = benchfmt.parse_file(d / "raw.txt").results
        zero = {r.name.without_procs.split("/")[0] for r in results
                if r.config_value(keys.LIVE_HEAP) == "0"}  # fmt: skip
        if zero:
            assert grid <= zero, (d, sorted(grid - zero))


def test_the_committed_charts_are_what_the_command_draws(tmp_path: Path) -> None:
    code, _, err = bench("prices", "--from", str(PRICES), "--charts", str(tmp_path), "--quiet")
    assert code == 0, err
    drawn = sorted(p.name for p in tmp_path.glob("*.png"))
    assert drawn == sorted(p.name for p in FIGURES.glob("*.png")) and drawn
    for name in drawn:
        assert (tmp_path / name).read_bytes() == (FIGURES / name).read_bytes(), name
