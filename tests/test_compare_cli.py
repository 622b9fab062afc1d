"""``bench compare`` on real runs, and on the inputs a user gets wrong."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import TINY, FaultLedger, bench

ORACLE_OLDNEW = Path(__file__).resolve().parents[2] / "shared/oracle/benchstat/up_oldnew"




@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    results = tmp_path_factory.mktemp("cmp") / "results"
    for _ in range(2):
        code, _, err = bench("run", "--module", str(TINY), "--cases", "Point", "--quick",
                             "--results", str(results))
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
    assert doc["schema"] == 1
    t = next(t for t in doc["tables"] if t["unit"] == "sec/op")
    assert t["columns"] == ["noescape", "escape"]
    row = t["rows"][0]
    assert row["benchmark"].startswith("Point")
    base, esc = row["cells"]
    for cell in (base, esc):
        assert {"median", "ci_low", "ci_high", "n"} <= set(cell)
    cmp = esc["comparison"]
    assert {"delta_pct", "p_value", "p_adjusted", "significant"} <= set(cmp)
    assert cmp["delta_pct"] > 100  # escaping costs more than double here
    allocs = next(t for t in doc["tables"] if t["unit"] == "allocs/op")
    assert allocs["rows"][0]["cells"][1]["comparison"]["abs_delta"] == 1


@pytest.mark.toolchain
def test_fail_on_regression_gates_a_change(two_runs: Path) -> None:
    code, _, err = bench("compare", "--by", "variant", "--fail-on", "regression",
                         "--threshold", "50", str(two_runs))
    assert code == 1 and "regression" in err
    # time grows by far less than 1e9 %; allocs/op from 0 counts as infinite, so leave it out
    code, _, err = bench("compare", "--by", "variant", "--fail-on", "regression",
                         "--filter", ".unit:sec/op", "--threshold", "1e9", str(two_runs))
    assert code == 0, err


def test_raw_text_inputs_as_benchstat_reads_them() -> None:
    if not ORACLE_OLDNEW.is_dir():
        pytest.skip("oracle not present")
    code, out, _ = bench("compare", "--benchstat", str(ORACLE_OLDNEW / "old.txt"),
                         str(ORACLE_OLDNEW / "new.txt"))
    assert code == 0
    assert "-17.20% (p=0.000 n=10)" in out


@pytest.mark.faults
@pytest.mark.parametrize("content", [b"\x00\x01\xff\xfe binary junk\n" * 50,
                                     b"BenchmarkX-8 10 100 ns/op\nBenchmarkTrunc-8 10 12",
                                     b"not a benchmark at all\n"])
def test_malformed_input_is_one_line_and_others_still_count(tmp_path: Path, content: bytes,
                                                            two_runs: Path,
                                                            fault_ledger: FaultLedger) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes(content)
    code, out, err = bench("compare", str(bad))
    assert "Traceback" not in err
    lines = [ln for ln in err.splitlines() if ln]
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
def test_bad_json_files_get_a_clear_error(tmp_path: Path, two_runs: Path, case: str,
                                         fault_ledger: FaultLedger) -> None:
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
    code, _, err = bench("compare", str(meta.parent))
    assert code == 1 and "Traceback" not in err
    (line,) = err.strip().splitlines()
    assert str(meta) in line
    assert {"corrupt": "corrupt JSON", "no-schema": "no 'schema'",
            "future-schema": "upgrade escapebench"}[case] in line
    code, _, err = bench("compare", str(copy / "vm") if (copy / "vm").exists() else str(copy))
    fault_ledger.expect_kept(0, 0)
