"""Choosing and loading runs: this machine's newest per configuration, published only when
asked, damaged derived files named once, one input rule for every command."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bench import selection, store
from bench.errors import InputError
from tests.conftest import PUBLISHED, PUBLISHED_MACHINE, ROOT

RAW = """escapebench-version: 0.1.0
machine: {machine}
go-version: {go}
escapebench-order: interleaved
gogc: 100
live-heap: 0
pkg: escapebench/go_cases/cases
BenchmarkReturnPointer/variant=escape-2 1000 30.5 ns/op 1.5 gc-cpu-ns/op 8 B/op 1 allocs/op
BenchmarkReturnPointer/variant=noescape-2 1000 2.5 ns/op 0 gc-cpu-ns/op 0 B/op 0 allocs/op
"""


def make_run(
    root: Path, machine: str, go: str, stamp: str, *, count: int = 10, meta: bool = True
) -> Path:
    """A small run directory as `bench run` lays it out."""
    d = root / machine / go / stamp
    d.mkdir(parents=True)
    (d / store.RAW).write_text(RAW.format(machine=machine, go=go), encoding="utf-8")
    if meta:
        store.write_json(
            d / store.META,
            {
                "kind": "escapebench-run",
                "group": stamp,
                "status": "complete",
                "machine": {"machine": machine},
                "toolchain": {"version": go},
                "module": "go_cases",
                "request": {"count": count, "benchtime": None, "gogc": "100"},
            },
        )
    return d


@pytest.fixture()
def here(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("ESCAPEBENCH_MACHINE", "here")
    return "here"


def test_default_is_this_machines_newest_run_of_each_configuration(
    tmp_path: Path, here: str
) -> None:
    make_run(tmp_path, here, "go1.26.6", "20260101T000000Z")
    newest = make_run(tmp_path, here, "go1.26.6", "20260102T000000Z")
    quick = make_run(tmp_path, here, "go1.26.6", "20250101T000000Z", count=6)
    other_go = make_run(tmp_path, here, "go1.24.11", "20250101T000000Z")
    make_run(tmp_path, "elsewhere", "go1.26.6", "20270101T000000Z")
    make_run(tmp_path / store.PUBLISHED, "xeon", "go1.27.3", "20280101T000000Z")
    runs = selection.select_runs(tmp_path)
    assert sorted(r.path for r in runs) == sorted([newest, quick, other_go])
    assert {r.machine for r in runs} == {here} and not any(r.published for r in runs)
    assert {r.label for r in runs} >= {"here/go1.26.6/20260102T000000Z"}


def test_raw_only_runs_group_by_their_config_lines(tmp_path: Path, here: str) -> None:
    make_run(tmp_path, here, "go1.26.6", "20260101T000000Z", meta=False)
    newest = make_run(tmp_path, here, "go1.26.6", "20260102T000000Z", meta=False)
    assert [r.path for r in selection.select_runs(tmp_path)] == [newest]


def test_published_only_when_asked_or_named(tmp_path: Path, here: str) -> None:
    mine = make_run(tmp_path, here, "go1.26.6", "20260101T000000Z")
    pub = make_run(tmp_path / store.PUBLISHED, "xeon", "go1.27.3", "20280101T000000Z")
    assert [r.path for r in selection.select_runs(tmp_path)] == [mine]
    both = selection.select_runs(tmp_path, published=True)
    assert sorted(r.path for r in both) == sorted([mine, pub])
    assert [r.published for r in both if r.path == pub] == [True]
    assert [r.path for r in selection.select_runs(tmp_path, machine="xeon", published=True)] == [
        pub
    ]
    assert [
        r.path for r in selection.select_runs(tmp_path, runs=["xeon/go1.27.3/20280101T000000Z"])
    ] == [pub]
    # a tree given as input never brings the published runs along ...
    assert [r.path for r in store.load_input(tmp_path)] == [mine]
    # ... unless it is itself inside published/
    assert [r.path for r in store.load_input(tmp_path / store.PUBLISHED)] == [pub]
    assert store.find_runs(tmp_path, published=True) == sorted([mine, pub])


def test_the_committed_published_runs_are_where_the_readme_says() -> None:
    runs = store.load_input(PUBLISHED)
    dirs = list(PUBLISHED.glob("*/*/*/raw.txt"))
    assert len(runs) == len(dirs) >= 3 and all(r.published for r in runs)
    assert {r.machine for r in runs} == {PUBLISHED_MACHINE}
    assert not (ROOT / "results" / PUBLISHED_MACHINE).exists()


def test_no_runs_says_what_to_do(tmp_path: Path, here: str) -> None:
    make_run(tmp_path, "elsewhere", "go1.26.6", "20270101T000000Z")
    with pytest.raises(
        InputError,
        match=r"no runs of this machine \(here\).*elsewhere.*"
        r"--published",
    ):
        selection.select_runs(tmp_path)
    with pytest.raises(InputError, match="--runs nope: no such run"):
        selection.select_runs(tmp_path, runs=["nope"])


@pytest.mark.parametrize(
    ("name", "instead"),
    [
        (store.RESULTS, "read raw.txt instead"),
        (store.META, "used raw.txt's configuration lines instead"),
        (store.ESCAPE, "ignored it"),
    ],
)
def test_a_damaged_derived_file_is_named_once(tmp_path: Path, name: str, instead: str) -> None:
    d = make_run(tmp_path, "m", "go1.26.6", "20260101T000000Z")
    (d / name).write_text('{"schema": 1, "bench', encoding="utf-8")
    (run,) = store.load_input(d)
    assert len(run.warnings) == 1
    assert str(d / name) in run.warnings[0] and instead in run.warnings[0]
    assert "corrupt JSON" in run.warnings[0]
    assert len(run.parsed.results) == 2  # raw.txt, the source of truth, still read
    assert run.machine == "m" and run.go == "go1.26.6"


def test_intact_files_give_no_warning(tmp_path: Path) -> None:
    d = make_run(tmp_path, "m", "go1.26.6", "20260101T000000Z")
    store.write_json(d / store.ESCAPE, {"kind": "escape"})
    (run,) = store.load_input(d)
    assert run.warnings == [] and run.escape is not None and run.meta is not None


def test_units_are_tidied_once_for_zero_values(tmp_path: Path) -> None:
    d = make_run(tmp_path, "m", "go1.26.6", "20260101T000000Z")
    (run,) = store.load_input(d)
    units = {v.unit for r in run.parsed.results for v in r.values}
    assert "gc-cpu-ns/op" not in units and "gc-cpu-sec/op" in units
    (compat,) = store.load_input(d, benchstat=True)
    assert "gc-cpu-ns/op" in {v.unit for r in compat.parsed.results for v in r.values}


def test_one_input_rule(tmp_path: Path) -> None:
    notbench = tmp_path / "notbench.txt"
    notbench.write_text("hello\nPASS\n", encoding="utf-8")
    with pytest.raises(InputError, match="no benchmark results"):
        store.load_inputs([str(notbench)])
    with pytest.raises(InputError, match="no such file"):
        store.load_inputs([str(tmp_path / "missing")])
    good = make_run(tmp_path, "m", "go1.26.6", "20260101T000000Z")
    runs, warnings = store.load_inputs([f"mine={good}", str(notbench)])
    assert [r.label for r in runs] == ["mine"]
    assert len(warnings) == 1 and "notbench.txt" in warnings[0] and "skipped" in warnings[0]
    with pytest.raises(InputError, match="no benchmark results in"):
        store.load_inputs([str(notbench), str(notbench)])


def test_pyperf_only_run_dir_still_loads(tmp_path: Path) -> None:
    src = sorted((PUBLISHED / PUBLISHED_MACHINE / "go1.27.3").iterdir())[-1]
    d = tmp_path / "run"
    d.mkdir()
    shutil.copy(src / store.RESULTS, d / store.RESULTS)
    (run,) = store.load_input(d)
    assert run.parsed.results and run.warnings == []
    json.loads((d / store.RESULTS).read_text(encoding="utf-8"))


def test_a_series_of_repeats_is_chosen_whole(tmp_path: Path, here: str) -> None:
    """`bench run --repeat K` makes K runs of one configuration: all of them are the newest."""
    make_run(tmp_path, here, "go1.26.6", "20250101T000000Z")
    series = [make_run(tmp_path, here, "go1.26.6", f"2026010{i}T000000Z") for i in (1, 2, 3)]
    for i, d in enumerate(series, 1):
        meta = json.loads((d / store.META).read_text(encoding="utf-8"))
        meta["series"] = {"id": "20260101T000000Z", "index": i, "of": 3}
        store.write_json(d / store.META, meta)
    assert [r.path for r in selection.select_runs(tmp_path)] == series


def test_newest_by_go_keeps_to_the_module(tmp_path: Path, here: str) -> None:
    """verify stores escape.json beside a run: never beside another module's run."""
    bundled = make_run(tmp_path, here, "go1.26.6", "20260101T000000Z")
    mine = make_run(tmp_path, here, "go1.26.6", "20260102T000000Z")
    meta = json.loads((mine / store.META).read_text(encoding="utf-8"))
    store.write_json(mine / store.META, {**meta, "module": str(tmp_path / "mypairs")})
    make_run(tmp_path / store.PUBLISHED, here, "go1.27.3", "20280101T000000Z")
    assert selection.newest_by_go(tmp_path) == {"go1.26.6": mine}
    assert selection.newest_by_go(tmp_path, tmp_path / "mypairs") == {"go1.26.6": mine}
    assert selection.newest_by_go(tmp_path, Path("go_cases")) == {"go1.26.6": bundled}


def test_newest_by_go_keeps_to_the_package(tmp_path: Path, here: str) -> None:
    """A price-grid run of go_cases (./prices) is not the catalogue's (./cases) for verify."""
    cases_run = make_run(tmp_path, here, "go1.26.6", "20260101T000000Z")
    grid = make_run(tmp_path, here, "go1.26.6", "20260102T000000Z")
    for d, pkg in ((cases_run, "./cases"), (grid, "./prices")):
        meta = json.loads((d / store.META).read_text(encoding="utf-8"))
        store.write_json(d / store.META, {**meta, "module": "go_cases", "package": pkg})
    module = Path("go_cases")
    assert selection.newest_by_go(tmp_path, module, "./cases") == {"go1.26.6": cases_run}
    assert selection.newest_by_go(tmp_path, module, "./prices") == {"go1.26.6": grid}
    assert selection.newest_by_go(tmp_path, module) == {"go1.26.6": grid}  # any package
