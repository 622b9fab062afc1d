"""The published runs were made on a quiet machine, as one calibrated series, and their
headline never calls a pair slower or faster while its interval includes ×1.

Reads only committed files (``results/published``): no toolchain needed.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from analysis import escape_cost
from bench import benchfmt
from tests.conftest import PUBLISHED_MACHINE, ROOT

PUBLISHED = ROOT / "results" / "published" / PUBLISHED_MACHINE
#: Other processes' share of the CPUs a published run may show in any group of rounds.
QUIET_PCT = 5.0
MIN_REPEATS = 5


def _catalogue(meta: Path) -> bool:
    """A ``bench run`` of the bundled catalogue (not a price-grid or escapes run)."""
    m = json.loads(meta.read_text(encoding="utf-8"))
    return (
        m.get("kind") == "escapebench-run"
        and m.get("module") == "go_cases"
        and m.get("package", "./cases") == "./cases"
    )


def run_dirs() -> list[Path]:
    return sorted(p.parent for p in PUBLISHED.glob("*/*/meta.json") if _catalogue(p))


def metas() -> list[dict]:
    return [json.loads((d / "meta.json").read_text(encoding="utf-8")) for d in run_dirs()]


def test_there_are_published_runs() -> None:
    assert len(run_dirs()) >= 3 * MIN_REPEATS, run_dirs()


@pytest.mark.parametrize("meta", metas(), ids=lambda m: f"{m['toolchain']['version']}")
def test_every_published_run_is_complete_and_quiet(meta: dict) -> None:
    assert meta["status"] == "complete"
    assert meta["load"], "no load record"
    assert meta.get("load_changed") is None, meta.get("load_changed")
    worst = max(e["others_pct"] for e in meta["load"] if e.get("others_pct") is not None)
    assert worst <= QUIET_PCT, f"other processes used {worst} % of the CPUs"


def test_the_series_shares_one_calibration_and_has_five_repeats_per_toolchain() -> None:
    ms = metas()
    assert len({m["calibration_id"] for m in ms}) == 1
    per_go = Counter(m["toolchain"]["version"] for m in ms)
    assert per_go and min(per_go.values()) >= MIN_REPEATS, per_go


def test_no_record_is_significant_while_its_interval_includes_one() -> None:
    results = [r for d in run_dirs() for r in benchfmt.parse_file(d / "raw.txt").results]
    records = escape_cost.cost_records(results)
    assert records and all(r.n_runs >= MIN_REPEATS for r in records)
    for r in records:
        if r.verdict in ("slower", "faster"):
            assert not (r.ci_low <= 1 <= r.ci_high), (r.pair, r.go, r.gogc, r.ci_low, r.ci_high)
