"""`bench cost` on real runs: settings never pooled silently, the documented fields."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import bench
from tests.test_escape_cost import ISSUE_FIELDS


@pytest.fixture(scope="module")
def quick_and_full(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A --quick run and a longer run of one pair, in one results tree."""
    results = tmp_path_factory.mktemp("cost") / "results"
    for flags in (["--quick"], ["--count", "6", "--benchtime", "10ms"]):
        code, _, err = bench(
            "run", *flags, "--cases", "ReturnPointer$", "--results", str(results), "--quiet"
        )
        assert code == 0, err
    return results


@pytest.mark.toolchain
def test_a_quick_run_next_to_a_full_run_is_never_pooled(quick_and_full: Path) -> None:
    code, out, err = bench("cost", str(quick_and_full), "--format", "json")
    assert code == 0, err
    records = json.loads(out)
    assert sorted(r["n_rounds"] for r in records) == [6, 8]
    assert all(r["n_runs"] == 1 and r["across_runs"] is None for r in records)
    assert "differ in benchtime, count" in err and "never pooled" in err  # (and calibration)
    assert err.count("\n") == 1 + err.count("reading")


@pytest.mark.toolchain
def test_cost_json_has_the_documented_fields(quick_and_full: Path) -> None:
    code, out, _ = bench("cost", str(quick_and_full), "--format", "json")
    assert code == 0
    for record in json.loads(out):
        assert record.keys() >= ISSUE_FIELDS
        assert record["escaped"] is True and record["allocs_escape"] > record["allocs_noescape"]
        assert record["per_alloc"]["unit"] == "ns/alloc"
        assert record["ci_low"] < record["ratio"] < record["ci_high"]


@pytest.mark.toolchain
def test_the_text_table_has_one_block_per_condition(quick_and_full: Path) -> None:
    code, out, _ = bench("cost", str(quick_and_full))
    assert code == 0
    headers = [ln for ln in out.splitlines() if "benchtime" in ln and " · " in ln]
    assert len(headers) == 2 and any("count 8" in h for h in headers)
    assert sum(ln.startswith("ReturnPointer") for ln in out.splitlines()) == 2
