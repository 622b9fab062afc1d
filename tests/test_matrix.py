"""The measurement matrix: Go versions × GC settings × GOMAXPROCS, and several machines."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from bench import benchfmt, store
from tests.conftest import bench

pytestmark = pytest.mark.toolchain


@pytest.fixture(scope="module")
def matrix(tmp_path_factory: pytest.TempPathFactory, go_old, go_bundled) -> Path:
    """Two toolchains × two GOGC values on two real cases, including a version-dependent one."""
    results = tmp_path_factory.mktemp("matrix") / "results"
    code, _out, err = bench(
        "run",
        "--go",
        f"{go_old.go},{go_bundled.go}",
        "--gogc",
        "50,400",
        "--cases",
        "^(ReturnPointer|BigStruct)$",
        "--quick",
        "--results",
        str(results),
    )
    assert code == 0, err
    return results


def test_one_run_dir_per_toolchain_with_gc_settings_as_config(
    matrix: Path, go_old, go_bundled
) -> None:
    runs = {d.parent.name: d for d in store.find_runs(matrix)}
    assert set(runs) == {go_old.version, go_bundled.version}
    for go, d in runs.items():
        parsed = benchfmt.parse_file(d / "raw.txt")
        gogcs = {r.config_value("gogc") for r in parsed.results}
        assert gogcs == {"50", "400"}
        assert {r.config_value("go-version") for r in parsed.results} == {go}
        meta = json.loads((d / "meta.json").read_text())
        assert meta["toolchain"]["version"] == go
        escape = json.loads((d / "escape.json").read_text())
        assert escape["go"] == go and escape["pairs"]


def test_compare_by_go_shows_the_version_effect(matrix: Path, go_old, go_bundled) -> None:
    code, out, err = bench("compare", "--by", "go", "--format", "json", str(matrix))
    assert code == 0, err
    doc = json.loads(out)
    allocs = [t for t in doc["tables"] if t["unit"] == "allocs/op"]
    assert allocs and allocs[0]["columns"][0]["label"] == go_old.version  # sorted by version
    big = [
        row
        for row in doc["rows"]
        if row["unit"] == "allocs/op" and row["benchmark"].startswith("BigStruct/variant=escape")
    ]
    # Go 1.21 keeps the 1 MiB struct on the stack (limit 10 MiB); 1.24+ moves it to the heap
    assert {r["column"] for r in big} == {go_old.version, go_bundled.version}
    assert all((r["median"] == 0) == (r["column"] == go_old.version) for r in big)


def test_compare_by_gogc(matrix: Path) -> None:
    code, out, err = bench("compare", "--by", "gogc", str(matrix))
    assert code == 0, err
    # one column per GOGC value (in order of first appearance, which the shuffle decides)
    assert re.search(r"│\s+(50\s+│\s+400|400\s+│\s+50)\s+│", out)


def test_results_from_a_second_machine(matrix: Path, tmp_path: Path) -> None:
    """Trees from two hosts merge by copying; --by machine compares them."""
    merged = tmp_path / "merged"
    shutil.copytree(matrix, merged)
    (here,) = [p for p in merged.iterdir() if p.is_dir()]
    other = merged / "arm-box"
    shutil.copytree(here, other)
    for raw in other.rglob("raw.txt"):
        text = raw.read_text().replace(f"machine: {here.name}", "machine: arm-box")
        raw.write_text(re.sub(r"(?m)^cpu(-model)?: .*$", r"cpu\1: Neoverse-N1", text))
    for meta in other.rglob("meta.json"):
        data = json.loads(meta.read_text())
        data["machine"].update(machine="arm-box", cpu_model="Neoverse-N1")
        meta.write_text(json.dumps(data))
    code, out, err = bench("compare", "--by", "machine", "--format", "json", str(merged))
    assert code == 0, err
    doc = json.loads(out)
    cols = {tuple(sorted(c["label"] for c in t["columns"])) for t in doc["tables"]}
    assert cols == {tuple(sorted((here.name, "arm-box")))}


def test_cpu_list_sets_gomaxprocs_of_parallel_cases(tmp_path: Path) -> None:
    code, _, err = bench(
        "run",
        "--cases",
        "^ReturnPointerParallel$",
        "--cpu",
        "1,2",
        "--quick",
        "--results",
        str(tmp_path),
    )
    assert code == 0, err
    (d,) = store.find_runs(tmp_path)
    procs = {r.name.procs for r in benchfmt.parse_file(d / "raw.txt").results}
    assert procs == {None, 2}  # Go drops the -N suffix when GOMAXPROCS is 1


def test_live_heap_ballast_is_recorded(tmp_path: Path) -> None:
    code, _, err = bench(
        "run",
        "--cases",
        "^ReturnPointer$",
        "--live-heap",
        "0,64MiB",
        "--benchtime",
        "50ms",
        "--count",
        "3",
        "--results",
        str(tmp_path),
    )
    assert code == 0, err
    (d,) = store.find_runs(tmp_path)
    by_heap: dict[str, list[float]] = {}
    for r in benchfmt.parse_file(d / "raw.txt").results:
        if r.name.variant == "escape":
            by_heap.setdefault(r.config_value("live-heap") or "", []).append(
                r.get("gc-cpu-sec/op") or 0.0
            )
    assert set(by_heap) == {"0", "64MiB"}
    # (whether GC CPU per op rises or falls depends on how many cycles fit in a sample: a
    # bigger live heap makes each cycle dearer but, at fixed GOGC, the cycles rarer)
