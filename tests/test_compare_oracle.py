"""Golden tests against real benchstat output (``../shared/oracle/benchstat``).

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
small synthetic records: multiplicity correction, noise advice, zeros, gates.
"""

from __future__ import annotations

import difflib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from analysis.compare import CompareOptions, QueryError, by_column, compare, gate
from analysis.table import to_csv, to_json, to_markdown, to_text
from bench.model import Name, Result, UnitMeta, Value

REPO = Path(__file__).resolve().parent.parent


def oracle_dir() -> Path:
    env = os.environ.get("ESCAPEBENCH_ORACLE_DIR")
    return Path(env) if env else REPO.parent / "shared" / "oracle" / "benchstat"


def _cases() -> list[str]:
    index = oracle_dir() / "index.json"
    if not index.is_file():
        return []
    data = json.loads(index.read_text(encoding="utf-8"))
    entries = data["cases"] if isinstance(data, dict) else data
    return [c["case"] for c in entries]


@dataclass
class Parsed:
    results: list[Result] = field(default_factory=list)
    units: dict[tuple[str, str], str] = field(default_factory=dict)
    unit_records: list[UnitMeta] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def load_parse_jsonl(path: Path) -> Parsed:
    """Records from benchstat's parser oracle (``parse.jsonl``) as ``bench.model`` records."""
    out = Parsed()
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        rec = json.loads(line)
        kind = rec["kind"]
        if kind == "result":
            values = tuple(
                Value(float(v["value"]), v["unit"],
                      float(v["orig_value"]) if v["orig_unit"] else None,
                      v["orig_unit"] or None)
                for v in rec["values"])
            label = next(c["value"] for c in rec["config"] if c["key"] == ".file")
            config = tuple((c["key"], c["value"]) for c in rec["config"] if c["file"])
            name = Name(rec["name"], rec["name_base"], tuple(rec["name_parts"]))
            out.results.append(Result(name, int(rec["iters"]), values, config, label,
                                      int(rec["pos_line"])))
        elif kind == "syntax_error":
            out.errors.append(rec["error"])
        elif kind == "unit_metadata":
            out.unit_records.append(UnitMeta(rec["unit"], rec["key"], rec["value"],
                                             rec.get("orig_unit", ""), rec.get("pos_file", ""),
                                             int(rec.get("pos_line", 0))))
        elif kind == "units_final":
            for k, v in rec["units"].items():
                unit, key = k.rsplit("|", 1)
                out.units[(unit, key)] = v
    return out


_FLAGS = {"-confidence": "confidence", "-alpha": "alpha", "-col": "col", "-row": "row",
          "-filter": "filter", "-ignore": "ignore", "-table": "table", "-format": "format"}


def benchstat_args(argv: list[str]) -> tuple[dict[str, Any], list[str]]:
    """Go ``flag`` semantics for benchstat's flags: ``-f v``/``-f=v``/``--f v``, then inputs."""
    opts: dict[str, Any] = {}
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--":
            i += 1
            break
        if not a.startswith("-") or a == "-":
            break
        name, eq, val = a.lstrip("-").partition("=")
        key = _FLAGS.get("-" + name)
        if key is None:
            raise ValueError(f"unknown benchstat flag {a}")
        if not eq:
            i += 1
            val = argv[i]
        opts[key] = float(val) if key in ("alpha", "confidence") else val
        i += 1
    return opts, argv[i:]


def load_with_benchfmt(case_dir: Path, inputs: list[str]) -> Parsed:
    """The same records from our own parser (``bench.benchfmt``), run in the case folder."""
    from bench import benchfmt
    from bench.model import SyntaxErr

    out = Parsed()
    cwd = os.getcwd()
    os.chdir(case_dir)
    try:
        for rec in benchfmt.iter_args(inputs):
            if isinstance(rec, Result):
                out.results.append(rec)
            elif isinstance(rec, SyntaxErr):
                out.errors.append(str(rec))
            else:
                out.unit_records.append(rec)
    finally:
        os.chdir(cwd)
    return out


def run_benchstat_compat(case_dir: Path, argv: list[str]) -> tuple[str, str]:
    """Our stdout and stderr for ``benchstat argv`` in ``case_dir``.

    Records come from the oracle's ``parse.jsonl``, or from ``bench.benchfmt``
    when ``ESCAPEBENCH_ORACLE_PARSER=benchfmt``.
    """
    flags, inputs = benchstat_args(argv)
    if os.environ.get("ESCAPEBENCH_ORACLE_PARSER") == "benchfmt":
        parsed = load_with_benchfmt(case_dir, inputs)
        units: Any = parsed.unit_records
    else:
        parsed = load_parse_jsonl(case_dir / "parse.jsonl")
        units = parsed.units
    fmt = flags.pop("format", "text")
    report = compare(parsed.results, units, CompareOptions(benchstat_compat=True, **flags))
    err = "".join(e + "\n" for e in parsed.errors)
    if fmt == "csv":
        out, warnings = to_csv(report)
        return out, err + warnings
    return to_text(report), err


def _diff(want: str, got: str, name: str) -> str:
    return "".join(difflib.unified_diff(want.splitlines(True), got.splitlines(True),
                                        f"{name} (benchstat)", f"{name} (ours)"))


CASES = _cases()


@pytest.mark.skipif(not CASES, reason="benchstat oracle not found")
@pytest.mark.parametrize("case", CASES)
def test_oracle_case(case: str) -> None:
    d = oracle_dir() / case
    spec = json.loads((d / "args.json").read_text())
    for run in spec["runs"]:
        got_out, got_err = run_benchstat_compat(d, run["argv"])
        want_out = (d / run["stdout"]).read_text(encoding="utf-8")
        want_err = (d / run["stderr"]).read_text(encoding="utf-8")
        assert got_out == want_out, _diff(want_out, got_out, run["stdout"])
        assert got_err == want_err, _diff(want_err, got_err, run["stderr"])


def test_args_parsing() -> None:
    opts, inputs = benchstat_args(["-col", "/format@(gob json)", "-alpha=0.01", "--row", ".name",
                                   "O=old.txt", "new.txt"])
    assert opts == {"col": "/format@(gob json)", "alpha": 0.01, "row": ".name"}
    assert inputs == ["O=old.txt", "new.txt"]


# --- beyond benchstat: the same numbers, judged with correction, advice and gates ----------


@pytest.mark.skipif(not CASES, reason="benchstat oracle not found")
@pytest.mark.parametrize("case", CASES)
def test_our_mode_keeps_benchstat_numbers(case: str) -> None:
    """Centres, intervals and raw p-values do not depend on the mode; only the verdicts do."""
    d = oracle_dir() / case
    spec = json.loads((d / "args.json").read_text())
    flags, _ = benchstat_args(spec["runs"][0]["argv"])
    flags.pop("format", None)
    parsed = load_parse_jsonl(d / "parse.jsonl")
    compat = compare(parsed.results, parsed.units, CompareOptions(benchstat_compat=True, **flags))
    ours = compare(parsed.results, parsed.units, CompareOptions(**flags))
    assert len(compat.tables) == len(ours.tables)
    for tc, to in zip(compat.tables, ours.tables, strict=True):
        assert [r.label for r in tc.rows] == [r.label for r in to.rows]
        for rc, ro in zip(tc.rows, to.rows, strict=True):
            for cc, co in zip(rc.cells, ro.cells, strict=True):
                assert (cc is None) == (co is None)
                if cc is None or co is None:
                    continue
                assert cc.summary == co.summary
                assert cc.comparison == co.comparison
                if co.p_adjusted is not None and cc.comparison is not None:
                    assert co.p_adjusted >= cc.comparison.p_value
                    # Correction can only take significance away.
                    assert not (co.significant and not cc.significant)
    payload = json.loads(to_json(ours))
    assert payload["schema"] == 1 and len(payload["tables"]) == len(ours.tables)
    assert to_markdown(ours).count("|") > 0


def _rec(name: str, label: str, unit: str, values: list[float]) -> list[Result]:
    base = name.split("/")[0].split("-")[0]
    parts = (*("/" + p for p in name.split("-")[0].split("/")[1:]), "-8")
    return [Result(Name(name + "-8", base, parts), 1, (Value(v, unit),), (("pkg", "x"),), label)
            for v in values]


def _two_runs(unit: str, old: list[float], new: list[float], name: str = "Op") -> list[Result]:
    return _rec(name, "old", unit, old) + _rec(name, "new", unit, new)


SLOW = [100.0 + i for i in range(10)]
FAST = [80.0 + i for i in range(10)]


def test_gate_regression_follows_the_better_direction() -> None:
    lower_better = compare(_two_runs("sec/op", FAST, SLOW))
    assert [h.reason.split()[0] for h in gate(lower_better)] == ["regression"]
    assert gate(lower_better, threshold_pct=30) == []  # +24 % is under a 30 % threshold
    improved = compare(_two_runs("sec/op", SLOW, FAST))
    assert gate(improved) == []
    assert len(gate(improved, fail_on="change")) == 1
    # Higher is better for throughput: a drop is the regression.
    items = compare(_two_runs("items/s", SLOW, FAST), {("items/s", "better"): "higher"})
    assert items.tables[0].better == 1
    assert len(gate(items)) == 1
    assert gate(compare(_two_runs("items/s", FAST, SLOW), {("items/s", "better"): "higher"})) == []
    with pytest.raises(ValueError):
        gate(items, fail_on="anything")  # type: ignore[arg-type]


def test_zero_baseline_gives_absolute_delta_and_clean_geomean() -> None:
    results = (_two_runs("allocs/op", [0.0] * 10, [1.0] * 10, "Esc")
               + _two_runs("allocs/op", [2.0] * 10, [2.0] * 10, "Keep"))
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


def test_noise_advice() -> None:
    few = compare(_two_runs("sec/op", [10.0, 11.0, 12.0], [10.5, 11.5, 12.5]))
    (row,) = few.tables[0].rows
    assert any("--count 6" in a for a in row.advice)
    noisy = compare(_two_runs("sec/op", [100.0, 150.0, 80.0, 120.0, 95.0, 130.0],
                              [100.0, 101.0, 99.0, 100.5, 99.5, 100.0]))
    assert any(a.startswith("noisy: CV") for a in noisy.tables[0].rows[0].advice)
    quiet = compare(_two_runs("sec/op", SLOW, FAST), benchstat_compat=True)
    assert quiet.tables[0].rows[0].advice == ()


def test_by_presets_and_query_errors() -> None:
    assert by_column("run") == ".file" and by_column("/size") == "/size"
    results = (_rec("Pair/variant=escape", "r", "sec/op", SLOW)
               + _rec("Pair/variant=noescape", "r", "sec/op", FAST)
               + _rec("Single", "r", "sec/op", FAST))
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
