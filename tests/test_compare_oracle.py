"""Golden tests against real benchstat output (``tests/data/benchstat``, via ``tests/oracle.py``).

Every case in the oracle's ``index.json`` is rebuilt from its ``parse.jsonl``
(benchstat's own parse of the inputs, so these tests do not depend on our
parser), run through ``analysis.compare`` with the case's benchstat flags in
``benchstat_compat`` mode, rendered by ``analysis.table``, and compared byte
for byte with ``stdout.txt``/``csv.txt`` and the warnings with
``stderr.txt``/``csv-stderr.txt``. Case names are never hard-coded: point
``ESCAPEBENCH_ORACLE_DIR`` at another oracle set to run that one instead.
On a mismatch the assertion shows a unified diff. Set
``ESCAPEBENCH_ORACLE_PARSER=benchfmt`` to feed the inputs through our own
parser (``bench.benchfmt``) instead of ``parse.jsonl``.

The second half checks what we add beyond benchstat on the same data and on
small synthetic records: multiplicity correction, noise notes, zeros, order.
"""

from __future__ import annotations

import difflib
import json
import os
from pathlib import Path

import numpy as np
import pytest

from analysis.benchproc.syntax import QueryError
from analysis.compare import CompareOptions, by_column, compare, options_for
from analysis.gate import gate, settings_warning
from analysis.table import TIDY_FIELDS, to_csv, to_json, to_markdown, to_text
from bench import benchfmt
from bench.model import Name, Result, SyntaxErr, UnitMeta, Value

try:  # tests/ is on sys.path under pytest's default (rootdir-less) import mode
    import oracle
except ImportError:  # pragma: no cover - tests/ imported as a package
    from tests import oracle


def _with_benchfmt(case: oracle.OracleCase, inputs: list[str]) -> oracle.Parsed:
    """The same records from our own parser (``bench.benchfmt``), run in the case folder."""
    out = oracle.Parsed()
    cwd = os.getcwd()
    os.chdir(case.dir)
    try:
        for rec in benchfmt.iter_args(inputs, benchstat=True):
            if isinstance(rec, Result):
                out.results.append(rec)
            elif isinstance(rec, SyntaxErr):
                out.errors.append(str(rec))
            elif isinstance(rec, UnitMeta):
                out.unit_records.append(rec)
    finally:
        os.chdir(cwd)
    return out


def run_benchstat_compat(case: oracle.OracleCase, argv: list[str]) -> tuple[str, str]:
    """Our stdout and stderr for ``benchstat argv`` in the case folder."""
    flags, inputs = oracle.benchstat_args(argv)
    if os.environ.get("ESCAPEBENCH_ORACLE_PARSER") == "benchfmt":
        parsed = _with_benchfmt(case, inputs)
        report = compare(
            parsed.results,
            parsed.unit_records,
            CompareOptions(
                benchstat_compat=True, **{k: v for k, v in flags.items() if k != "format"}
            ),
        )
    else:
        parsed = oracle.load_parse_jsonl(case)
        report = compare(
            parsed.results,
            parsed.units,
            CompareOptions(
                benchstat_compat=True, **{k: v for k, v in flags.items() if k != "format"}
            ),
        )
    err = "".join(e + "\n" for e in parsed.errors)
    if flags.get("format") == "csv":
        out, warnings = to_csv(report)
        return out, err + warnings
    return to_text(report), err


def _diff(want: str, got: str, name: str) -> str:
    return "".join(
        difflib.unified_diff(
            want.splitlines(True), got.splitlines(True), f"{name} (benchstat)", f"{name} (ours)"
        )
    )


@pytest.mark.parametrize("case", oracle.case_params())
def test_oracle_case(case: oracle.OracleCase) -> None:
    case = oracle.require(case)
    assert case.runs, f"{case.name}: args.json lists no runs"
    for run in case.runs:
        got_out, got_err = run_benchstat_compat(case, list(run["argv"]))
        want_out, want_err = case.text(run["stdout"]), case.text(run["stderr"])
        assert got_out == want_out, _diff(want_out, got_out, run["stdout"])
        assert got_err == want_err, _diff(want_err, got_err, run["stderr"])


def test_the_oracle_is_in_the_repository() -> None:
    """A clone has the oracle: the default location holds every case index.json lists."""
    cases = oracle.load_cases(oracle.DEFAULT_DIR)
    assert len(cases) >= 30
    assert all(c.has("parse.jsonl") and c.runs for c in cases)
    assert (oracle.DEFAULT_DIR / "README.md").is_file()


def test_args_parsing() -> None:
    opts, inputs = oracle.benchstat_args(
        ["-col", "/format@(gob json)", "-alpha=0.01", "--row", ".name", "O=old.txt", "new.txt"]
    )
    assert opts == {"col": "/format@(gob json)", "alpha": 0.01, "row": ".name"}
    assert inputs == ["O=old.txt", "new.txt"]


# --- beyond benchstat: the same data, judged with correction, notes and order -------------


@pytest.mark.parametrize("case", oracle.case_params())
def test_our_mode_keeps_benchstat_numbers(case: oracle.OracleCase) -> None:
    """Centres and raw p-values agree between the modes (to rounding: numpy/scipy vs Go's
    floats); correction can only take significance away."""
    case = oracle.require(case)
    flags, _ = oracle.benchstat_args(list(case.runs[0]["argv"]))
    flags.pop("format", None)
    parsed = oracle.load_parse_jsonl(case)
    compat = compare(parsed.results, parsed.units, CompareOptions(benchstat_compat=True, **flags))
    ours = compare(parsed.results, parsed.units, CompareOptions(**flags))
    assert len(compat.tables) == len(ours.tables)
    for tc, to in zip(compat.tables, ours.tables, strict=True):
        assert sorted(r.label for r in tc.rows) == sorted(r.label for r in to.rows)
        by_label = {r.label: r for r in to.rows}
        for rc in tc.rows:
            ro = by_label[rc.label]
            for cc, co in zip(rc.cells, ro.cells, strict=True):
                assert (cc is None) == (co is None)
                if cc is None or co is None:
                    continue
                assert co.summary.center == pytest.approx(cc.summary.center, rel=1e-12)
                assert co.summary.lo <= co.summary.center <= co.summary.hi
                if cc.comparison is None or co.comparison is None:
                    assert cc.comparison is co.comparison is None
                    continue
                assert (
                    co.comparison.p_value
                    == pytest.approx(min(1.0, cc.comparison.p_value), rel=1e-6, abs=1e-12)
                    or cc.comparison.p_value > 1
                    or co.p_adjusted is None
                )
                if co.p_adjusted is not None:
                    assert co.p_adjusted >= co.comparison.p_value
    payload = json.loads(to_json(ours))
    assert payload["schema"] == 2 and len(payload["tables"]) == len(ours.tables)
    assert to_markdown(ours).count("|") > 0


def _rec(name: str, label: str, unit: str, values: list[float]) -> list[Result]:
    base = name.split("/")[0].split("-")[0]
    parts = (*("/" + p for p in name.split("-")[0].split("/")[1:]), "-8")
    return [
        Result(Name(name + "-8", base, parts), 1, (Value(v, unit),), (("pkg", "x"),), label)
        for v in values
    ]


def _two_runs(unit: str, old: list[float], new: list[float], name: str = "Op") -> list[Result]:
    return _rec(name, "old", unit, old) + _rec(name, "new", unit, new)


SLOW = [100.0 + i for i in range(10)]
FAST = [80.0 + i for i in range(10)]


def test_gate_regression_follows_the_better_direction() -> None:
    lower_better = compare(_two_runs("sec/op", FAST, SLOW))
    assert [h.reason.split()[0] for h in gate(lower_better)] == ["regression"]
    assert not gate(lower_better, threshold_pct=30)  # +24 % is under a 30 % threshold
    improved = compare(_two_runs("sec/op", SLOW, FAST))
    assert not gate(improved)
    assert len(gate(improved, fail_on="change")) == 1
    # Higher is better for throughput: a drop is the regression (when the gate reads it).
    items = compare(_two_runs("items/s", SLOW, FAST), {("items/s", "better"): "higher"})
    assert items.tables[0].better == 1
    assert not gate(items)  # not a unit the gate reads by default
    assert len(gate(items, metrics=["items/s"])) == 1
    rising = compare(_two_runs("items/s", FAST, SLOW), {("items/s", "better"): "higher"})
    assert not gate(rising, metrics=["*"])
    with pytest.raises(ValueError):
        gate(items, fail_on="anything")  # type: ignore[arg-type]


def test_gate_family_is_what_it_reads() -> None:
    """Holm runs over every p-value the gate reads, across tables, and nothing else."""
    results = []
    for i in range(6):
        results += _two_runs("sec/op", FAST, [v + 0.5 for v in FAST], f"Op{i}")
        results += _two_runs("gc-cycles/op", [0.0] * 10, [1.0] * 10, f"Op{i}")
        results += _two_runs("allocs/op", [1.0] * 10, [1.0] * 10, f"Op{i}")
    report = compare(results)
    got = gate(report)
    assert got.family == 6  # sec/op only: identical allocs are no test, GC is not read
    assert not got  # small shifts do not survive the family's correction
    wide = gate(report, metrics=["*"])
    assert wide.family == 12 and len(wide) == 6  # 0 -> 1 GC cycle in every row
    assert all("gc-cycles/op" in h.reason for h in wide)
    raw = [h.p_value for h in wide]
    assert all(h.p_adjusted >= p for h, p in zip(wide, raw, strict=True))


def test_gate_warns_about_different_settings() -> None:
    def run(label: str, benchtime: str, n: int, iters: int) -> list[Result]:
        return [
            Result(
                Name("Op-8", "Op", ("-8",)),
                iters,
                (Value(1e-6 + i * 1e-9, "sec/op"),),
                (("escapebench-benchtime", benchtime),),
                label,
            )
            for i in range(n)
        ]

    report = compare(
        run("quick", "5ms", 6, 5000) + run("full", "100ms", 10, 100000),
        options=options_for("run", run("quick", "5ms", 1, 1)),
    )
    (w,) = gate(report).warnings
    assert "benchtime (5ms vs 100ms)" in w and "count (6 samples vs 10 samples)" in w
    assert "\n" not in w
    # Without config lines the time per sample still tells them apart.
    plain = compare(_rec("Op", "a", "sec/op", SLOW) + _rec("Op", "b", "sec/op", SLOW))
    assert settings_warning(plain.tables[0].columns) is None


def test_zero_baseline_gives_absolute_delta_and_clean_geomean() -> None:
    results = _two_runs("allocs/op", [0.0] * 10, [1.0] * 10, "Esc") + _two_runs(
        "allocs/op", [2.0] * 10, [2.0] * 10, "Keep"
    )
    ours = compare(results)
    esc = ours.tables[0].rows[0].cells[1]
    assert esc is not None and esc.abs_delta == 1.0 and esc.comparison is not None
    assert esc.comparison.delta_pct is None
    text = to_text(ours)
    assert "+1 allocs/op" in text
    geo = ours.tables[0].geomean
    assert geo[0].center == pytest.approx(2.0) and geo[0].excluded_zeros == 1
    assert [h.row.label for h in gate(ours)] == ["Esc-8"]
    compat = compare(results, benchstat_compat=True)
    assert compat.tables[0].geomean[0].center is None  # benchstat: "summaries must be >0"
    assert "?" in to_text(compat)


def test_noise_is_one_note_per_table() -> None:
    few = compare(_two_runs("sec/op", [10.0, 11.0, 12.0], [10.5, 11.5, 12.5]))
    (row,) = few.tables[0].rows
    assert any("--count 6" in a for a in row.advice)
    noisy_values = [100.0, 150.0, 80.0, 120.0, 95.0, 130.0]
    noisy = compare(
        _two_runs("sec/op", noisy_values, noisy_values, "A")
        + _two_runs("sec/op", noisy_values, noisy_values, "B")
        + _two_runs("sec/op", SLOW, SLOW, "Quiet")
    )
    (t,) = noisy.tables
    (note,) = [n for n in t.notes if n.startswith("noisy")]
    assert "A-8" in note and "B-8" in note and "Quiet-8" not in note
    text = to_text(noisy)
    assert text.count("noisy") == 1 and "quiet the machine" in text
    quiet = compare(_two_runs("sec/op", SLOW, FAST), benchstat_compat=True)
    assert quiet.tables[0].rows[0].advice == () and quiet.tables[0].notes == ()


def test_rows_follow_the_catalogue_then_names() -> None:
    results = []
    for name in ("Zeta", "Beta", "Alpha", "Gamma"):
        results += _two_runs("sec/op", SLOW, FAST, name)
    rows = [r.label for r in compare(results, order=["Gamma", "Zeta"]).tables[0].rows]
    assert rows == ["Gamma-8", "Zeta-8", "Alpha-8", "Beta-8"]
    compat = [r.label for r in compare(results, benchstat_compat=True).tables[0].rows]
    assert compat == ["Zeta-8", "Beta-8", "Alpha-8", "Gamma-8"]  # benchstat: first seen


@pytest.mark.parametrize(
    "by,key,labels,want",
    [
        (
            "go",
            "go-version",
            ["go1.27.3", "go1.21.13", "go1.24.11"],
            ["go1.21.13", "go1.24.11", "go1.27.3"],
        ),
        ("gogc", "gogc", ["off", "400", "100", "50"], ["50", "100", "400", "off"]),
    ],
)
def test_columns_sort_by_version_and_setting(
    by: str, key: str, labels: list[str], want: list[str]
) -> None:
    results = [
        Result(Name("Op-8", "Op", ("-8",)), 1, (Value(v, "sec/op"),), ((key, label),), "run")
        for label in labels
        for v in SLOW
    ]
    report = compare(results, options=options_for(by, results))
    assert [c.label for c in report.tables[0].columns] == want


def test_one_table_per_metric_whatever_the_parser_did() -> None:
    """A zero left in gc-cpu-ns/op and non-zero gc-cpu-sec/op values are one metric."""
    zero = [
        Result(Name("Op-8", "Op", ("-8",)), 1, (Value(0.0, "gc-cpu-ns/op"),), (), "a")
        for _ in range(6)
    ]
    busy = [
        Result(Name("Op-8", "Op", ("-8",)), 1, (Value(2e-9 + i * 1e-10, "gc-cpu-sec/op"),), (), "b")
        for i in range(6)
    ]
    (t,) = compare(zero + busy).tables
    assert t.unit == "gc-cpu-sec/op" and len(t.columns) == 2
    assert len(compare(zero + busy, benchstat_compat=True).tables) == 2  # benchstat's way


def test_tidy_csv_loads_as_one_frame() -> None:
    import io

    import pandas as pd

    results = []
    for gogc in ("100", "400"):
        for label, vals in (("old", SLOW), ("new", FAST)):
            results += [
                Result(
                    Name("Op-8", "Op", ("-8",)),
                    1,
                    (Value(v * 1e-9 / 3, "sec/op"), Value(1.0, "allocs/op")),
                    (("gogc", gogc),),
                    label,
                )
                for v in vals
            ]
    report = compare(results)
    text, _ = to_csv(report)
    frame = pd.read_csv(io.StringIO(text))
    assert list(frame.columns) == [*TIDY_FIELDS, "gogc"]
    assert len(frame) == 2 * 2 * 2  # gogc × unit × column
    assert set(frame["unit"]) == {"sec/op", "allocs/op"}
    got = frame[(frame.unit == "sec/op") & (frame.column == "old") & (frame.gogc == 100)]
    want = report.tables[0].rows[0].cells[0]
    assert want is not None
    assert got["median"].iloc[0] == pytest.approx(want.summary.center, rel=1e-5)
    assert all(len(repr(x)) < 14 for x in frame["median"])  # 6 significant digits, not 17
    doc = json.loads(to_json(report))
    assert len(doc["rows"]) == len(frame)
    assert {*TIDY_FIELDS} <= set(doc["rows"][0])


def test_by_presets_and_query_errors() -> None:
    assert by_column("run") == ".file" and by_column("/size") == "/size"
    results = (
        _rec("Pair/variant=escape", "r", "sec/op", SLOW)
        + _rec("Pair/variant=noescape", "r", "sec/op", FAST)
        + _rec("Single", "r", "sec/op", FAST)
    )
    rep = compare(results, col=by_column("variant"))
    (t,) = rep.tables
    assert [c.label for c in t.columns] == ["noescape", "escape"]  # noescape is the baseline
    assert [r.label for r in t.rows] == ["Pair-8"]  # unpaired benchmarks drop out
    cell = t.rows[0].cells[1]
    assert cell is not None and cell.comparison is not None
    assert cell.comparison.delta_pct == pytest.approx((104.5 / 84.5 - 1) * 100)
    with pytest.raises(QueryError, match="parsing -filter"):
        compare(results, filter="(unbalanced:x")
    with pytest.raises(QueryError, match="unknown order"):
        compare(results, col="/variant@sideways")
    with pytest.raises(ValueError):
        CompareOptions(alpha=2)


def test_a_missing_oracle_fails_in_ci(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Outside CI a missing oracle is a visible skip; under CI=true it is a failure."""
    monkeypatch.setenv(oracle.ENV_VAR, str(tmp_path / "nowhere"))
    monkeypatch.delenv("CI", raising=False)
    (param,) = oracle.case_params()
    assert any(m.name == "skip" for m in param.marks)
    monkeypatch.setenv("CI", "true")
    (param,) = oracle.case_params()
    assert not param.marks
    with pytest.raises(pytest.fail.Exception, match="oracle not found"):
        oracle.require(param.values[0])
    (tmp_path / "nowhere").mkdir()  # a directory without index.json is broken, never skipped
    with pytest.raises(FileNotFoundError):
        oracle.case_params()


def _interleaved(case: str, escape: list[float], noescape: list[float]) -> list[Result]:
    config = (("escapebench-order", "interleaved"), ("gogc", "100"))
    out = []
    for e, n in zip(escape, noescape, strict=True):  # one round: both variants
        for variant, v in (("escape", e), ("noescape", n)):
            name = Name(f"{case}/variant={variant}-8", case, (f"/variant={variant}", "-8"))
            out.append(Result(name, 1000, (Value(v, "sec/op"),), config, "run"))
    return out


def test_by_variant_verdicts_come_from_the_escape_cost_estimator() -> None:
    from analysis import escape_cost

    rng = np.random.default_rng(7)
    noise = rng.normal(0, 0.05, 12)
    results = _interleaved("Slow", [2e-8 * (1 + x) for x in noise], [1e-8] * 12)
    results += _interleaved("Same", [1e-8 * (1 + x) for x in noise], [1e-8] * 12)
    report = compare(results, options=options_for("variant", results))
    (t,) = [t for t in report.tables if t.unit == "sec/op"]
    costs = {r.pair: r for r in escape_cost.cost_records(results)}
    for row in t.rows:
        cell = row.cells[1]
        assert cell is not None and cell.comparison is not None
        rec = costs[row.label]
        assert cell.method == rec.method and cell.method.startswith("paired")
        assert (cell.comparison.p_value, cell.p_adjusted) == (rec.p_value, rec.p_adjusted)
        assert cell.significant == rec.significant
    assert any("escape_cost" in n for n in report.notes)
    # benchstat mode keeps benchstat's Mann–Whitney verdicts
    compat = compare(results, options=options_for("variant", results, benchstat=True))
    cell = compat.tables[0].rows[0].cells[1]
    assert cell is not None and cell.method == "Mann–Whitney U"


def test_runs_with_different_settings_are_not_pooled() -> None:
    """--by variant pools runs of one setting and splits runs of different settings."""

    def run(label: str, benchtime: str, seed: str) -> list[Result]:
        cfg = (("escapebench-seed", seed), ("escapebench-benchtime", benchtime))
        return [
            Result(
                Name(f"P/variant={v}-8", "P", (f"/variant={v}", "-8")),
                1,
                (Value(x, "sec/op"),),
                cfg,
                label,
            )
            for v, x in (("escape", 2.0), ("noescape", 1.0))
            for _ in range(6)
        ]

    same = run("a", "100ms", "1") + run("b", "100ms", "2")
    (t,) = compare(same, options=options_for("variant", same)).tables  # seeds do not split
    assert t.rows[0].cells[0] is not None and t.rows[0].cells[0].summary.n == 12
    mixed = run("a", "5ms", "1") + run("b", "100ms", "2")
    tables = compare(mixed, options=options_for("variant", mixed)).tables
    assert [dict(t.config)["escapebench-benchtime"] for t in tables] == ["5ms", "100ms"]
    assert all(c is not None and c.summary.n == 6 for t in tables for c in t.rows[0].cells)
