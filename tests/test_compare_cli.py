"""``bench compare`` on real runs, and on the inputs a user gets wrong."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analysis import compare, gate
from bench import store
from tests import oracle
from tests.conftest import TINY, FaultLedger, bench

#: The pairs the gate test measures (a cheap one and an allocating one).
GATE_CASES = "ReturnPointer$|BoxLargeInt$"


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    results = tmp_path_factory.mktemp("cmp") / "results"
    for _ in range(2):
        code, _, err = bench(
            "run", "--module", str(TINY), "--cases", "Point", "--quick", "--results", str(results)
        )
        assert code == 0, err
    return results


@pytest.mark.toolchain
def test_two_runs_side_by_side(two_runs: Path) -> None:
    code, out, err = bench("compare", str(two_runs))
    assert code == 0, err
    assert out.count("│") > 4 and "vs base" in out
    assert "escapebench-seed" not in out  # run-specific config does not split the table
    runs = sorted(p.parent.name for p in two_runs.rglob("raw.txt"))
    assert all(r in out for r in runs)


@pytest.mark.toolchain
def test_by_variant_puts_the_pair_side_by_side(two_runs: Path) -> None:
    code, out, _ = bench("compare", "--by", "variant", "--format", "json", str(two_runs))
    assert code == 0
    doc = json.loads(out)
    assert doc["schema"] == 2
    t = next(t for t in doc["tables"] if t["unit"] == "sec/op")
    assert [c["label"] for c in t["columns"]] == ["noescape", "escape"]
    rows = [r for r in doc["rows"] if r["unit"] == "sec/op"]
    assert {r["column"] for r in rows} == {"noescape", "escape"}
    assert all(r["benchmark"].startswith("Point") for r in rows)
    esc = next(r for r in rows if r["column"] == "escape")
    base = next(r for r in rows if r["column"] == "noescape")
    assert base["delta_pct"] is None and base["p_value"] is None
    assert esc["delta_pct"] == pytest.approx((esc["median"] / base["median"] - 1) * 100, rel=1e-4)
    assert esc["delta_pct"] > 100  # escaping costs more than double here
    assert esc["p_adjusted"] >= esc["p_value"]
    allocs = next(r for r in doc["rows"] if r["unit"] == "allocs/op" and r["column"] == "escape")
    assert allocs["abs_delta"] == 1


@pytest.mark.toolchain
def test_csv_is_one_tidy_frame(two_runs: Path) -> None:
    """``--format csv`` loads with pandas into one frame: a row per benchmark × unit × column."""
    import io

    import pandas as pd

    from analysis.table import TIDY_FIELDS

    code, out, _ = bench("compare", "--by", "variant", "--format", "csv", str(two_runs))
    assert code == 0
    frame = pd.read_csv(io.StringIO(out))
    assert list(frame.columns)[: len(TIDY_FIELDS)] == list(TIDY_FIELDS)
    assert set(frame["column"]) == {"noescape", "escape"}
    units = set(frame["unit"])
    assert {"sec/op", "allocs/op"} <= units
    assert not any(u.replace("sec", "ns") in units for u in units if "sec" in u)  # one name each
    # one row per benchmark × unit × column within a table; runs calibrated differently
    # are two conditions (two tables), told apart by their config columns
    config = [c for c in frame.columns if c not in TIDY_FIELDS]
    key = ["benchmark", "unit", "column", *config]
    assert len(frame) == len(frame.drop_duplicates(key))


@pytest.mark.toolchain
def test_fail_on_regression_gates_a_change(two_runs: Path) -> None:
    code, _, err = bench(
        "compare", "--by", "variant", "--fail-on", "regression", "--threshold", "50", str(two_runs)
    )
    assert code == 1 and "regression" in err
    # time grows by far less than 1e9 %; allocs/op from 0 counts as infinite, so leave it out
    code, _, err = bench(
        "compare",
        "--by",
        "variant",
        "--fail-on",
        "regression",
        "--filter",
        ".unit:sec/op",
        "--threshold",
        "1e9",
        str(two_runs),
    )
    assert code == 0, err


@pytest.fixture(scope="module")
def quick_and_full(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A quick run and a run with other settings, of two real catalogue pairs."""
    root = tmp_path_factory.mktemp("gate")
    quick, full = root / "quick", root / "full"
    for results, extra in ((quick, ["--quick"]), (full, ["--count", "10", "--benchtime", "20ms"])):
        code, _, err = bench(
            "run", "--cases", GATE_CASES, "--results", str(results), "--quiet", *extra
        )
        assert code == 0, err
    return quick, full


@pytest.mark.toolchain
def test_gate_on_runs_with_different_settings(quick_and_full: tuple[Path, Path]) -> None:
    """Quick vs full: no failure on GC counters, and one warning naming the settings."""
    quick, full = quick_and_full
    runs, _ = store.load_inputs([quick, full])
    results = [r for run in runs for r in run.parsed.results]
    report = compare.compare(results, options=compare.options_for("run", results))
    assert any(t.unit == "gc-cycles/op" for t in report.tables)  # read, but not gated
    got = gate.gate(report, "regression")
    assert not any("gc-" in h.table.unit for h in got)
    assert {h.table.unit for h in got} <= set(gate.DEFAULT_UNITS)
    (warning,) = got.warnings
    assert "differ in settings" in warning and ("count" in warning or "benchtime" in warning)
    _, _, err = bench("compare", "--fail-on", "regression", str(quick), str(full))
    assert "Traceback" not in err
    assert not any("gc-" in ln for ln in err.splitlines() if "regression" in ln)
    assert [ln for ln in err.splitlines() if "differ in settings" in ln] == [f"bench: {warning}"]


def _plain_cases() -> list[object]:
    """Oracle cases whose text run is benchstat with inputs only (no flags, no labels)."""
    params = oracle.case_params()
    out = []
    for p in params:
        case = p.values[0]
        if not isinstance(case, oracle.OracleCase):
            out.append(p)
            continue
        run = case.run("text")
        argv = list(run["argv"]) if run else []
        if argv and not any(a.startswith("-") or "=" in a for a in argv):
            out.append(p)
    return out


@pytest.mark.parametrize("case", _plain_cases())
def test_benchstat_mode_prints_what_benchstat_printed(
    case: oracle.OracleCase, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``bench compare --benchstat`` on raw text files prints benchstat's stdout, byte for byte."""
    case = oracle.require(case)
    run = case.run("text")
    assert run is not None
    monkeypatch.chdir(case.dir)
    code, out, _ = bench("compare", "--benchstat", *run["argv"])
    assert code == 0
    assert out == case.text(run["stdout"])


@pytest.mark.faults
@pytest.mark.parametrize(
    "content",
    [
        b"\x00\x01\xff\xfe binary junk\n" * 50,
        b"BenchmarkX-8 10 100 ns/op\nBenchmarkTrunc-8 10 12",
        b"not a benchmark at all\n",
    ],
)
def test_malformed_input_is_one_line_and_others_still_count(
    tmp_path: Path, content: bytes, two_runs: Path, fault_ledger: FaultLedger
) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes(content)
    code, out, err = bench("compare", str(bad))
    assert "Traceback" not in err
    # the input's problems are named in lines of their own; a one-column table is left
    # out of the text and said once (bench/cli), in a line that names no file
    lines = [ln for ln in err.splitlines() if ln and "nothing to compare" not in ln]
    assert lines and all(ln.startswith("bench: ") and str(bad) in ln for ln in lines)
    if b"BenchmarkX" not in content:
        assert code == 1
    else:
        assert ":2:" in err  # the truncated line is named by number
    code, out, err = bench("compare", str(bad), str(two_runs))
    assert code == 0 and "Point" in out  # the valid input is still compared
    fault_ledger.expect_kept(0, 0)


@pytest.mark.faults
@pytest.mark.parametrize("case", ["corrupt", "no-schema", "future-schema"])
def test_damaged_json_files_are_named_and_raw_text_used(
    tmp_path: Path, two_runs: Path, case: str, fault_ledger: FaultLedger
) -> None:
    import shutil

    copy = tmp_path / "results"
    shutil.copytree(two_runs, copy)
    meta = sorted(copy.rglob("meta.json"))[0]
    data = json.loads(meta.read_text())
    if case == "corrupt":
        meta.write_text(meta.read_text()[:40])
    elif case == "no-schema":
        del data["schema"]
        meta.write_text(json.dumps(data))
    else:
        data["schema"] = 99
        meta.write_text(json.dumps(data))
    code, out, err = bench("compare", "--format", "json", str(meta.parent))
    # A damaged derived file is named in one warning; raw.txt (the source of truth) is used.
    assert code == 0 and "Traceback" not in err and "Point" in out
    (line,) = err.strip().splitlines()
    assert str(meta) in line and "raw.txt" in line
    assert {
        "corrupt": "corrupt JSON",
        "no-schema": "no 'schema'",
        "future-schema": "newer than this escapebench",
    }[case] in line
    fault_ledger.expect_kept(0, 0)
