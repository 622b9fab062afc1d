"""Stored calibrations (``bench.calibration.save``/``lookup``): the pilot paid once per condition.

Pure Python on tiny data: no toolchain (``tests/test_calibration.py`` runs the
real pilots). A damaged file is named in one warning and made anew.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from bench import calibration, store
from bench.calibration import Calibration, calibration_id
from bench.plan import Cell, Plan, Setting

GOS = ("go1.24.11", "go1.27.3")
SETTINGS = (Setting(), Setting("400", "0"))
WHERE = calibration.Where("m1", "40ms", "interleaved", "escapebench/go_cases", "abc123")


def _pilot(scale: int = 1, gos: tuple[str, ...] = GOS) -> Calibration:
    cells = tuple(
        Cell(go, f"X/variant={v}", s)
        for go in gos
        for s in SETTINGS
        for v in ("escape", "noescape")
    )
    loops = {c.key: (64 if c.bench.endswith("=escape") else 128) * scale for c in cells}
    per_op = {c.key: 1e-7 for c in cells}
    return Calibration("40ms", "interleaved", cells, loops, per_op, calibration_id(loops), "r/1")


def test_a_stored_pilot_is_found_again_whole_or_in_part_with_its_id(tmp_path: Path) -> None:
    cal = _pilot()
    paths = calibration.save(cal, tmp_path, WHERE)
    assert len(paths) == 4 and all(
        p.is_relative_to(tmp_path / "m1" / "calibrations") for p in paths
    )
    got, warnings = calibration.lookup(tmp_path, WHERE, GOS, SETTINGS)
    assert warnings == [] and got is not None
    assert (got.id, got.loops, got.per_op, got.source) == (cal.id, cal.loops, cal.per_op, "r/1")
    assert set(got.cells) == set(cal.cells)
    part, _ = calibration.lookup(tmp_path, WHERE, GOS[:1], SETTINGS[:1])
    assert part is not None and part.id == cal.id and len(part.cells) == 2
    # and it fills a plan as --calibration RUN_DIR does
    plan = Plan("interleaved", 20, "40ms", 1, [Setting()])
    calibration.apply(part, plan, list(GOS[:1]), re.compile("."), {})
    assert plan.calibration_id == cal.id and plan.calibration == part.loops


@pytest.mark.parametrize(
    "other",
    [
        {"benchtime": "4ms"},
        {"order": "sequential"},
        {"sources": "def456"},
        {"module": "example.com/own"},
        {"cases": "^X$"},
        {"machine": "m2"},
        {"cpus": (1, 2)},
    ],
)
def test_another_condition_finds_nothing(tmp_path: Path, other: dict) -> None:
    calibration.save(_pilot(), tmp_path, WHERE)
    assert calibration.lookup(tmp_path, replace(WHERE, **other), GOS, SETTINGS) == (None, [])


def test_a_missing_slice_or_two_pilots_mean_a_new_pilot(tmp_path: Path) -> None:
    calibration.save(_pilot(gos=GOS[:1]), tmp_path, WHERE)
    assert calibration.lookup(tmp_path, WHERE, GOS, SETTINGS) == (None, [])  # go1.27.3 missing
    calibration.save(_pilot(scale=2, gos=GOS[1:]), tmp_path, WHERE)  # another pilot, other id
    assert calibration.lookup(tmp_path, WHERE, GOS, SETTINGS) == (None, [])
    one, _ = calibration.lookup(tmp_path, WHERE, GOS[1:], SETTINGS)
    assert one is not None and one.id == _pilot(scale=2, gos=GOS[1:]).id


def _damage_json(p: Path) -> None:
    p.write_text(p.read_text()[:40], encoding="utf-8")


def _damage_loops(p: Path) -> None:
    d = json.loads(p.read_text())
    d["loops"] = {k: n * 2 for k, n in d["loops"].items()}
    p.write_text(json.dumps(d), encoding="utf-8")


def _damage_schema(p: Path) -> None:
    d = json.loads(p.read_text())
    del d["schema"]
    p.write_text(json.dumps(d), encoding="utf-8")


def _damage_shape(p: Path) -> None:
    d = json.loads(p.read_text())
    d["cells"] = "X"
    p.write_text(json.dumps(d), encoding="utf-8")


def _damage_key(p: Path) -> None:
    d = json.loads(p.read_text())
    d["key"]["gogc"] = "50"
    p.write_text(json.dumps(d), encoding="utf-8")


@pytest.mark.parametrize("damage", [_damage_json, _damage_loops, _damage_schema, _damage_shape,
                                    _damage_key])  # fmt: skip
def test_a_damaged_stored_calibration_is_named_once_and_made_anew(
    tmp_path: Path, damage: Callable[[Path], None]
) -> None:
    cal = _pilot()
    paths = calibration.save(cal, tmp_path, WHERE)
    damage(paths[1])
    got, warnings = calibration.lookup(tmp_path, WHERE, GOS, SETTINGS)
    assert got is None and len(warnings) == 1
    (line,) = warnings
    assert "\n" not in line and str(paths[1]) in line and line.startswith("bench: damaged")
    fresh = _pilot(scale=4)  # the new pilot replaces it
    calibration.save(fresh, tmp_path, WHERE)
    again, warnings = calibration.lookup(tmp_path, WHERE, GOS, SETTINGS)
    assert warnings == [] and again is not None and again.id == fresh.id != cal.id


def test_the_store_is_never_taken_for_a_run(tmp_path: Path) -> None:
    calibration.save(_pilot(), tmp_path, WHERE)
    assert store.find_runs(tmp_path) == []
