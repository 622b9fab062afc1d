"""``bench run`` end to end on a tiny real module: build, run, parse, store."""

from __future__ import annotations

import io
import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

import pyperf
import pytest

from bench import benchfmt, build, calibration, cases, machine, matrix, pilot, run, store
from bench.cli import main
from bench.cli.options import flag_message
from bench.errors import BenchError
from bench.plan import (
    QUICK_BENCHTIME,
    QUICK_COUNT,
    Cell,
    Plan,
    Setting,
    SettingError,
    bench_regex,
    parse_benchtime,
    round_order,
)
from bench.progress import Progress
from bench.request import RunRequest
from tests.conftest import TINY

pytestmark = pytest.mark.toolchain


def _run(tiny: Path, results: Path, *extra: str) -> tuple[int, str, str]:
    import io

    out, err = io.StringIO(), io.StringIO()
    code = main(
        [
            "run",
            "--module",
            str(tiny),
            "--quick",
            "--results",
            str(results),
            "--cases",
            "Point",
            *extra,
        ],
        out,
        err,
    )
    return code, out.getvalue(), err.getvalue()


def test_build_is_cached_per_toolchain_and_source(
    tiny: Path, tmp_path: Path, go_bundled, monkeypatch
) -> None:
    monkeypatch.setenv("ESCAPEBENCH_CACHE", str(tmp_path / "cache"))
    mod = cases.load_module(tiny)
    first = build.build(go_bundled, mod)
    again = build.build(go_bundled, mod)
    assert not first.cached and again.cached
    assert again.binary == first.binary and again.binary.is_file()
    # a changed source gets its own binary
    copy = tmp_path / "mod"
    subprocess.run(["cp", "-r", str(tiny), str(copy)], check=True)
    (copy / "extra_test.go").write_text("package tiny\n\nvar extra = 1\n")
    other = build.build(go_bundled, cases.load_module(copy))
    assert not other.cached and other.binary != first.binary


def test_run_writes_raw_results_and_meta(tiny: Path, tmp_path: Path) -> None:
    code, out, err = _run(tiny, tmp_path / "results")
    assert code == 0, err
    (run_dir,) = store.find_runs(tmp_path / "results")
    names = sorted(p.name for p in run_dir.iterdir())
    assert names == ["escape.json", "meta.json", "raw.txt", "results.json"]
    raw = (run_dir / "raw.txt").read_text()
    parsed = benchfmt.parse(raw, "raw.txt")
    assert not parsed.errors
    variants = {r.name.variant for r in parsed.results}
    assert variants == {"escape", "noescape"}
    assert len(parsed.results) == 2 * QUICK_COUNT
    first = parsed.results[0]
    assert first.config_value(
        "go-version",
    ) and first.config_value("machine")
    assert first.config_value("gogc") == "100"
    for r in parsed.results:  # the case allocates in one variant only
        assert r.get("allocs/op") == (1 if r.name.variant == "escape" else 0)
        assert r.get("gc-cycles/op") is None  # the tiny module has no gcstat
    meta = json.loads((run_dir / "meta.json").read_text())
    assert meta["schema"] == store.SCHEMA and meta["status"] == "complete"
    assert meta["toolchain"]["version"].startswith("go1.")
    assert meta["machine"]["cpu_count"] >= 1 and meta["command_line"].startswith("bench run")
    assert str(run_dir) in out


def test_results_load_in_pyperf_and_compare_to_works(tiny: Path, tmp_path: Path) -> None:
    for _ in range(2):
        assert _run(tiny, tmp_path / "results")[0] == 0
    files = sorted(str(d / "results.json") for d in store.find_runs(tmp_path / "results"))
    assert len(files) == 2
    suite = pyperf.BenchmarkSuite.load(files[0])
    names = sorted(b.get_name() for b in suite.get_benchmarks())
    assert names == ["Point/variant=escape-2", "Point/variant=noescape-2"] or all(
        n.startswith("Point/variant=") for n in names
    )
    bench = suite.get_benchmarks()[0]
    assert bench.get_unit() == "second" and bench.get_nrun() == QUICK_COUNT
    md = bench.get_runs()[0].get_metadata()
    assert "escapebench_allocs_per_op" in md
    proc = subprocess.run(
        [sys.executable, "-m", "pyperf", "compare_to", *files], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    assert "Point/variant=" in proc.stdout or "not significant" in proc.stdout


def test_interleaved_round_order_is_seeded_and_complete() -> None:
    cells = [Cell("go1", f"P{i}/variant={v}") for i in range(5) for v in ("escape", "noescape")]
    r1 = round_order(cells, seed=7, rnd=1)
    assert sorted(c.key for c in r1) == sorted(c.key for c in cells)  # every cell once
    assert r1 == round_order(cells, seed=7, rnd=1)  # reproducible
    assert r1 != round_order(cells, seed=8, rnd=1)
    for rnd in range(1, 9):  # the variants of a pair are adjacent in every round
        order = round_order(cells, seed=7, rnd=rnd)
        for a, b in zip(order[::2], order[1::2], strict=True):
            assert a.pair == b.pair


def test_round_order_is_abba_balanced() -> None:
    """Each pair goes escape-first in rounds ABBA (or the mirror BAAB) of every four."""
    cells = [Cell("go1", f"P{i}/variant={v}") for i in range(6) for v in ("escape", "noescape")]
    first: dict[str, list[bool]] = {}
    for rnd in range(1, 13):
        order = round_order(cells, seed=3, rnd=rnd)
        escape_first = {c.pair: c.bench.endswith("=escape") for c in order[::2]}
        assert sum(escape_first.values()) == 3  # half the pairs go escape-first each round
        for pair, e in escape_first.items():
            first.setdefault(pair, []).append(e)
    abba, baab = [True, False, False, True] * 3, [False, True, True, False] * 3
    assert all(seq in (abba, baab) for seq in first.values()), first
    assert sum(seq == abba for seq in first.values()) == 3


def test_default_run_has_at_least_20_rounds_and_quick_8() -> None:
    assert RunRequest().resolved_count() >= 20
    assert RunRequest().resolved_count() % 4 == 0  # whole ABBA cycles
    assert RunRequest(quick=True).resolved_count() >= 8
    quick_s, _ = parse_benchtime(RunRequest(quick=True).resolved_benchtime())
    assert quick_s is not None and quick_s <= 0.005


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("count", 0, "--count 0: must be at least 1"),
        ("count", -3, "--count -3"),
        ("benchtime", "0s", "must be positive"),
        ("benchtime", "-100ms", "must be positive"),
        ("benchtime", "0x", "must be positive"),
        ("gogc", " , ", "--gogc"),
        ("gogc", "", "--gogc"),
        ("live_heap", "", "--live-heap"),
        ("repeat", 0, "--repeat 0"),
        ("timeout", -1.0, "--timeout"),
        ("cpu", ",", "--cpu"),
    ],
)
def test_values_outside_their_range_are_refused_in_one_line(
    field: str, value: object, says: str, tmp_path: Path
) -> None:
    req = RunRequest(results=tmp_path / "r", **{field: value})  # type: ignore[arg-type]
    with pytest.raises(SettingError) as e:
        matrix.run_series(req, Progress(enabled=False))
    assert e.value.setting == field and "--" not in str(e.value)  # the library names the setting
    assert says in flag_message(e.value) and "\n" not in str(e.value)  # the CLI names the flag
    assert not (tmp_path / "r").exists()  # refused before anything was measured or stored


def test_count_zero_on_the_command_line_is_refused(tmp_path: Path) -> None:
    code, _out, err = _run(TINY, tmp_path / "r", "--count", "0")
    assert code in (1, 2)  # a usage error (2) when the CLI checks it first, else the library's
    assert err.startswith("bench: ") and "--count" in err and len(err.splitlines()) == 1
    assert not list(tmp_path.rglob("raw.txt"))


def test_bench_regex_selects_exactly_the_cell() -> None:
    assert bench_regex(["A/variant=escape"]) == "^(BenchmarkA)$/^(variant=escape)$"
    assert bench_regex(["A", "B"]) == "^(BenchmarkA|BenchmarkB)$"


def test_benchtime_parsing() -> None:
    assert parse_benchtime("100ms") == (0.1, None)
    assert parse_benchtime("500x") == (None, 500)
    with pytest.raises(SettingError, match=r"^benchtime fast: not a duration"):
        parse_benchtime("fast")


def test_sequential_order_reproduces_plain_count_workflow(tiny: Path, tmp_path: Path) -> None:
    code, _, err = _run(tiny, tmp_path / "r", "--order", "sequential", "--count", "3")
    assert code == 0, err
    (d,) = store.find_runs(tmp_path / "r")
    raw = (d / "raw.txt").read_text()
    assert raw.count("goos: linux") == 1  # one invocation, like `go test -count=3`
    assert len(benchfmt.parse(raw, "raw").results) == 6
    assert RunRequest(quick=True).resolved_count() == QUICK_COUNT


def test_resume_after_interruption_runs_only_what_is_missing(tiny: Path, tmp_path: Path) -> None:
    """Kill a run mid-way with SIGINT; the resumed run completes it without re-running."""
    import os
    import signal
    import time

    results = tmp_path / "r"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bench.cli",
            "run",
            "--module",
            str(tiny),
            "--cases",
            "Point",
            "--count",
            "40",
            "--benchtime",
            "20ms",
            "--results",
            str(results),
        ],
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    raw = None
    while time.monotonic() < deadline:
        raws = list(results.rglob("raw.txt"))
        if raws and len(benchfmt.parse(raws[0].read_text(), "r").results) >= 6:
            raw = raws[0]
            break
        time.sleep(0.05)
    assert raw is not None, "run produced no samples"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "--resume" in err and "Traceback" not in err
    said = [ln for ln in err.splitlines() if ln.startswith("bench: ")]
    assert len([ln for ln in said if "machine is busy" not in ln]) == 1  # said once
    before = benchfmt.parse(raw.read_text(), "r").results
    meta = json.loads((raw.parent / "meta.json").read_text())
    assert meta["status"] == "interrupted"
    assert 6 <= len(before) < 80
    pyperf.BenchmarkSuite.load(str(raw.parent / "results.json"))  # still loadable

    import io

    out, err2 = io.StringIO(), io.StringIO()
    assert main(["run", "--resume", "--results", str(results)], out, err2) == 0, err2.getvalue()
    after = benchfmt.parse(raw.read_text(), "r").results
    assert after[: len(before)] == before  # nothing lost or rewritten
    counts: dict[str, int] = {}
    for r in after:
        counts[r.name.full] = counts.get(r.name.full, 0) + 1
    assert set(counts.values()) == {40}, counts  # each cell exactly --count samples
    assert json.loads((raw.parent / "meta.json").read_text())["status"] == "complete"
    runs = set(os.listdir(results / meta["machine"]["machine"]))  # resume made no new run
    assert runs == {meta["toolchain"]["version"], calibration.STORE_DIR}


# --- progress and its ETA -------------------------------------------------------------


class _RecordingRunner(run.Runner):
    """A real runner that also records which cell each process ran and how long it took."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, float]] = []  # (-test.bench pattern, seconds)

    def run(self, binary, args, env, cwd, timeout):  # type: ignore[no-untyped-def]
        out = super().run(binary, args, env, cwd, timeout)
        pattern = next(a for a in args if a.startswith("-test.bench=")).split("=", 1)[1]
        self.calls.append((pattern, out.seconds))
        return out


def test_eta_after_the_first_round_is_within_2x_of_the_real_remaining_time(
    tmp_path: Path, go_bundled
) -> None:
    """A real quick run of two cases: the model's ETA after round 1 vs the recorded rest."""
    module = cases.load_module(None)
    b = build.build(go_bundled, module)
    plan = Plan(
        order="interleaved",
        count=QUICK_COUNT,
        benchtime=QUICK_BENCHTIME,
        seed=4,
        settings=[Setting()],
    )
    req = RunRequest(cases="^(ReturnPointer|BoxLargeInt)$")
    runner = _RecordingRunner()
    pilot.plan_cells(plan, {go_bundled.version: b}, module, req, runner, Progress(enabled=False))
    assert set(plan.per_op) == {c.key for c in plan.cells} and len(plan.cells) == 4
    runner.calls.clear()  # the pilot is not part of the rounds
    sink = run.RawSink(
        tmp_path / "raw.txt", matrix.raw_header(plan, {"machine": "m"}, go_bundled.version)
    )
    run.execute(
        plan,
        {go_bundled.version: b},
        {go_bundled.version: sink},
        module.root,
        runner=runner,
        progress=Progress(enabled=False),
    )
    sink.close()
    by_pattern = {c.regex(): c.key for c in plan.cells}
    calls = [(by_pattern[p], s) for p, s in runner.calls]
    assert len(calls) == 4 * QUICK_COUNT
    eta = run.eta_model(plan, {})
    assert eta.seconds_left() > 0
    for key, seconds in calls[:4]:  # what the display knows after round 1
        eta.observe(key, seconds)
    predicted = eta.seconds_left()
    actual = sum(s for _, s in calls[4:])
    assert 0.5 <= predicted / actual <= 2.0, (predicted, actual, eta.overhead)


def test_eta_model_counts_only_what_is_left() -> None:
    cells = [Cell("g", f"P/variant={v}") for v in ("escape", "noescape")]
    plan = Plan(
        order="interleaved",
        count=10,
        benchtime="40ms",
        seed=1,
        settings=[Setting()],
        cells=cells,
        calibration={cells[0].key: 1000, cells[1].key: 4000},
        per_op={cells[0].key: 40e-6, cells[1].key: 10e-6},
    )
    fresh = run.eta_model(plan, {})
    assert fresh.predicted == {cells[0].key: pytest.approx(0.04), cells[1].key: pytest.approx(0.04)}
    fresh.default_overhead = 0.01
    assert fresh.seconds_left() == pytest.approx(20 * 0.05)
    resumed = run.eta_model(plan, {cells[0].key: 7, cells[1].key: 6})  # after --resume
    resumed.default_overhead = 0.01
    assert resumed.seconds_left() == pytest.approx((3 + 4) * 0.05)
    resumed.observe(cells[0].key, 0.07)  # 30 ms of overhead measured
    assert resumed.overhead == pytest.approx(0.03)
    assert resumed.seconds_left() == pytest.approx((2 + 4) * 0.07)
    resumed.drop(cells[1].key)  # a failed cell costs nothing more
    assert resumed.seconds_left() == pytest.approx(2 * 0.07)


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_modes_plain_live_quiet() -> None:
    from bench import progress as pg

    for mode, out in (("plain", io.StringIO()), ("live", _Tty()), ("off", io.StringIO())):
        err = io.StringIO()
        p = pg.Progress(out, err, quiet=mode == "off")
        assert p.mode == mode
        with p.phase("build", "building cases with go9") as ph:
            ph.update(detail="cached")
        with p.phase("rounds", "4 cells × 2 rounds", total=8) as ph:
            ph.update(advance=4, eta=75.0, detail="round 1/2")
            p.refresh()
            ph.line("round 1/2 · ~1:15 left")
        p.message("bench: something failed")
        p.close()
        text = out.getvalue()
        assert err.getvalue() == "bench: something failed\n"  # failures: always, on err
        if mode == "off":
            assert text == ""
        else:
            assert "building cases with go9" in text and "4 cells × 2 rounds" in text
        if mode == "plain":
            assert text.splitlines() == [
                "building cases with go9 …",
                text.splitlines()[1],
                "4 cells × 2 rounds …",
                "4 cells × 2 rounds: round 1/2 · ~1:15 left",
                text.splitlines()[4],
            ]
            assert "done in" in text.splitlines()[1] and "cached" in text.splitlines()[1]
        if mode == "live":
            assert "~1:15 left" in text  # the model's ETA column, not rich's guess
    legacy = pg.Progress(stream=io.StringIO())  # the old spelling: silent off a terminal
    assert legacy.mode == "off"


def test_clock() -> None:
    from bench.progress import clock

    assert clock(75) == "1:15" and clock(3725) == "1:02:05" and clock(-3) == "0:00"


# --- load recorded per round group -------------------------------------------------------


def _sample(
    t: float, load1: float, idle: int, steal: int, busy: int, own: float
) -> machine.LoadSample:
    return machine.LoadSample(t, load1, (busy, 0, 0, idle, 0, 0, 0, steal), own)


def test_load_entry_separates_our_cpu_from_the_neighbours() -> None:
    hz = os.sysconf("SC_CLK_TCK")
    a = _sample(100.0, 0.5, idle=0, steal=0, busy=0, own=0.0)
    # 2 s on 2 CPUs = 4 CPU-seconds: we used 1, others 1, steal 0.2, idle the rest
    b = _sample(102.0, 1.5, idle=int(1.8 * hz), steal=int(0.2 * hz), busy=int(2.0 * hz), own=1.0)
    e = machine.load_entry(3, a, b, 5)
    assert e["round"] == 3 and e["last_round"] == 5 and e["seconds"] == 2.0
    assert e["loadavg1"] == 0.5 and e["loadavg1_end"] == 1.5
    assert e["steal_pct"] == pytest.approx(5.0)
    assert e["others_pct"] == pytest.approx(25.0)


@pytest.mark.parametrize(
    ("rows", "flag"),
    [
        ([{"loadavg1": 0.2, "loadavg1_end": 1.1}, {"loadavg1": 1.1, "loadavg1_end": 1.3}], None),
        ([{"loadavg1": 1.0, "loadavg1_end": 2.2}], "load average 1.00 to 2.20"),
        ([{"loadavg1": 3.0, "steal_pct": 7.5}], "CPU steal up to 8 %"),
        ([{"others_pct": 10.0}, {"others_pct": 40.0}], "other processes used 10–40 %"),
        ([{"others_pct": 10.0}, {"others_pct": 30.0}, {"steal_pct": 4.0}], None),
        ([], None),
    ],
)
def test_load_changed_rule(rows: list[dict[str, float]], flag: str | None) -> None:
    got = machine.load_changed(rows)
    assert got == flag if flag is None else (got is not None and flag in got)


def test_repeat_makes_a_series_of_complete_runs_with_their_own_seeds(
    tiny: Path, tmp_path: Path
) -> None:
    req = RunRequest(
        module=tiny,
        results=tmp_path / "r",
        cases="Point",
        count=4,
        benchtime="2ms",
        seed=21,
        repeat=3,
    )
    groups = matrix.run_series(req, Progress(enabled=False))
    assert [g.status for g in groups] == ["complete"] * 3
    dirs = [d for g in groups for d in g.dirs.values()]
    assert len(set(dirs)) == 3 and sorted(dirs) == sorted(store.find_runs(tmp_path / "r"))
    seeds = []
    for i, d in enumerate(dirs):
        meta = json.loads((d / "meta.json").read_text())
        assert meta["status"] == "complete"
        assert meta["series"]["index"] == i + 1 and meta["series"]["of"] == 3
        assert meta["series"]["id"] == groups[0].series["id"]
        assert meta["plan"]["seed"] == matrix.series_seed(21, i)
        raw = (d / "raw.txt").read_text()
        assert f"escapebench-seed: {meta['plan']['seed']}\n" in raw
        assert "escapebench-count: 4\n" in raw and "escapebench-benchtime: 2ms\n" in raw
        assert len(benchfmt.parse(raw, "raw").results) == 2 * 4
        rounds = [(e["round"], e["last_round"]) for e in meta["load"]]
        assert rounds[0][0] == 1 and rounds[-1][1] == 4  # every round in some group
        assert all(a[1] + 1 == b[0] for a, b in itertools.pairwise(rounds))
        seeds.append(meta["plan"]["seed"])
    assert len(set(seeds)) == 3 and seeds[0] == 21
    with pytest.raises(BenchError, match="run_series"):
        matrix.run(req, Progress(enabled=False))


def test_raw_config_lines_stay_constant_within_a_run(tiny: Path, tmp_path: Path) -> None:
    """benchstat splits tables on config that changes; ours must not change within a run."""
    code, _, err = _run(tiny, tmp_path / "r", "--gogc", "50,100")
    assert code == 0, err
    (d,) = store.find_runs(tmp_path / "r")
    results = benchfmt.parse_file(d / "raw.txt").results
    for key in (
        "escapebench-benchtime",
        "escapebench-count",
        "escapebench-seed",
        "escapebench-order",
        "escapebench-calibration",
    ):
        assert len({r.config_value(key) for r in results}) == 1, key
    assert {r.config_value("escapebench-count") for r in results} == {str(QUICK_COUNT)}
