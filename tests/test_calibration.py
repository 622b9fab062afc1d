"""One calibration per series: repeats and later runs measure with the same loop counts."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import benchfmt, pilot, store
from bench.calibration import Calibration, calibration_id
from bench.plan import Cell, Plan, Setting
from bench.vocab import keys
from tests.conftest import bench

CASES = "^(ReturnPointer|BigStruct)$"


@pytest.fixture()
def pilots(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every pilot a run makes (the toolchain of each), counted in-process."""
    calls: list[str] = []
    real = pilot.measure

    def counting(runner, build, *a, **kw):  # type: ignore[no-untyped-def]
        calls.append(build.toolchain.version)
        return real(runner, build, *a, **kw)

    monkeypatch.setattr(pilot, "measure", counting)
    return calls


def _header(run_dir: Path, key: str) -> str:
    parsed = benchfmt.parse_file(run_dir / store.RAW)
    values = {r.config_value(key) for r in parsed.results}
    assert len(values) == 1, values
    return values.pop() or ""


def _runs(results: Path) -> list[Path]:
    return sorted(store.find_runs(results))


@pytest.mark.toolchain
def test_repeat_pilots_once_and_every_repeat_shares_the_loop_counts(
    tmp_path: Path, pilots: list[str]
) -> None:
    results = tmp_path / "results"
    code, _out, err = bench(
        "run", "--quick", "--cases", CASES, "--repeat", "3", "--results", str(results), "--quiet"
    )
    assert code == 0, err
    runs = _runs(results)
    assert len(runs) == 3
    assert len(pilots) == 1, pilots
    ids = {_header(d, keys.CALIBRATION_ID) for d in runs}
    loops = {_header(d, keys.CALIBRATION) for d in runs}
    assert len(ids) == 1 and len(loops) == 1 and "" not in ids
    metas = [store.read_json(d / store.META) for d in runs]
    assert {m["calibration_id"] for m in metas} == ids
    assert [m["calibration_from"] for m in metas[1:]] == [store.portable_path(runs[0])] * 2
    # the samples themselves ran with the calibrated counts
    iters = [
        {(r.name.full, r.iters) for r in benchfmt.parse_file(d / store.RAW).results} for d in runs
    ]
    assert iters[0] == iters[1] == iters[2]


@pytest.mark.toolchain
def test_calibration_flag_reuses_a_stored_run_and_refuses_a_mismatch(
    tmp_path: Path, pilots: list[str]
) -> None:
    first, later = tmp_path / "first", tmp_path / "later"
    code, _out, err = bench("run", "--quick", "--cases", CASES, "--results", str(first), "--quiet")
    assert code == 0, err
    (stored,) = _runs(first)
    assert len(pilots) == 1
    code, _out, err = bench(
        "run", "--quick", "--cases", "^ReturnPointer$", "--calibration", str(stored),
        "--results", str(later), "--quiet",
    )  # fmt: skip
    assert code == 0, err
    assert len(pilots) == 1  # no second pilot
    (reused,) = _runs(later)
    assert _header(reused, keys.CALIBRATION_ID) == _header(stored, keys.CALIBRATION_ID)
    stored_iters = {(r.name.full, r.iters) for r in benchfmt.parse_file(stored / store.RAW).results}
    reused_iters = {(r.name.full, r.iters) for r in benchfmt.parse_file(reused / store.RAW).results}
    assert reused_iters and reused_iters <= stored_iters
    for extra, says in (
        (("--benchtime", "8ms"), "4ms"),
        (("--gogc", "400"), "gogc=400"),
    ):
        code, _out, err = bench(
            "run", "--quick", "--cases", CASES, "--calibration", str(stored),
            "--results", str(later), "--quiet", *extra,
        )  # fmt: skip
        assert code == 1
        lines = [
            ln
            for ln in err.splitlines()
            if ln.startswith("bench: ") and "machine is busy" not in ln
        ]
        assert len(lines) == 1 and says in lines[0] and "--calibration" in lines[0], err
    assert len(_runs(later)) == 1  # a refused run leaves nothing behind


def test_calibration_id_is_a_stable_hash_of_the_loop_counts() -> None:
    a = Cell("go1.21.13", "X/variant=escape", Setting())
    b = Cell("go1.24.11", "X/variant=escape", Setting())
    loops = {a.key: 64, b.key: 128}
    assert calibration_id(loops) == calibration_id({b.key: 128, a.key: 64})
    assert calibration_id(loops) != calibration_id({a.key: 64, b.key: 64})
    assert calibration_id({}) == ""
    plan = Plan("interleaved", 8, "4ms", 1, [Setting()], calibration=loops, cells=[a, b])
    assert Calibration.of(Plan.from_json(plan.to_json())).id == calibration_id(loops)


@pytest.mark.toolchain
def test_a_later_run_reuses_the_stored_pilot_and_recalibrate_pilots_anew(
    tmp_path: Path, pilots: list[str]
) -> None:
    results = tmp_path / "results"
    run = ("run", "--quick", "--cases", CASES, "--results", str(results), "--quiet")
    code, _out, err = bench(*run)
    assert code == 0, err
    assert len(pilots) == 1
    code, _out, err = bench(*run, "--cases", "^ReturnPointer$")  # --cases is part of the key
    assert code == 0, err
    assert len(pilots) == 2, pilots
    code, _out, err = bench(*run)
    assert code == 0, err
    assert len(pilots) == 2, pilots
    first, _part, again = _runs(results)
    assert _header(again, keys.CALIBRATION_ID) == _header(first, keys.CALIBRATION_ID)
    assert store.read_json(again / store.META)["plan"]["calibration_from"] == store.portable_path(
        first
    )
    assert "reusing the stored calibration of" in err
    code, _out, err = bench(*run, "--recalibrate")
    assert code == 0, err
    assert len(pilots) == 3
    fresh = _runs(results)[-1]
    assert store.read_json(fresh / store.META)["plan"]["calibration_from"] == ""
    code, _out, err = bench(*run)  # the new pilot replaced the stored one
    assert code == 0 and len(pilots) == 3, err
    latest = _runs(results)[-1]
    assert store.read_json(latest / store.META)["plan"]["calibration_from"] == store.portable_path(
        fresh
    )
    code, _out, err = bench(*run, "--recalibrate", "--calibration", str(first))
    assert code == 1 and err.count("bench: ") == 1 and "--recalibrate" in err, err
