"""Tests for bench.benchfmt: it must read benchmark text exactly as benchstat does.

Three kinds of evidence: every case of the benchstat oracle (records of
``benchfmt.Files`` from the real tool), a golden file of tricky lines produced by
golang.org/x/perf's reader and writer (tests/data/benchfmt), and table and
property tests for the rules in between.
"""

from __future__ import annotations

import io
import json
import math
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench import benchfmt as bf
from bench import benchunit as bu
from bench import benchwriter as bw
from bench import gostrconv as gs
from bench.errors import InputError
from bench.model import Name, ParsedFile, Result, SyntaxErr, UnitMeta, Value
from bench.vocab import units as vu

try:  # tests/ is on sys.path under pytest's default (rootdir-less) import mode
    import oracle
except ImportError:  # pragma: no cover - tests/ imported as a package
    from tests import oracle

DATA = Path(__file__).parent / "data" / "benchfmt"

# ---------------------------------------------------------------- helpers


def _fkey(x: float) -> tuple[Any, ...]:
    """A float as an exact, comparable key (NaN equals NaN, -0 is not 0)."""
    if x != x:
        return ("NaN",)
    return (x, math.copysign(1.0, x))


def _ours(rec: bf.Record) -> dict[str, Any]:
    """One of our records in the shape of the oracle's parse.jsonl records."""
    if isinstance(rec, Result):
        return {
            "kind": "result",
            "pos": (rec.file, rec.line),
            "config": [(k, v, bf.is_config_key(k)) for k, v in rec.config],
            "name": rec.name.full,
            "name_base": rec.name.base,
            "name_parts_base": rec.name.base,
            "name_parts": list(rec.name.parts),
            "iters": rec.iters,
            "values": [
                (
                    _fkey(v.value),
                    v.unit,
                    _fkey(v.orig_value if v.orig_value is not None else 0.0),
                    v.orig_unit or "",
                )
                for v in rec.values
            ],
        }
    if isinstance(rec, SyntaxErr):
        return {
            "kind": "syntax_error",
            "pos": (rec.file, rec.line),
            "msg": rec.msg,
            "error": str(rec),
        }
    return {
        "kind": "unit_metadata",
        "pos": (rec.file, rec.line),
        "unit": rec.unit,
        "key": rec.key,
        "orig_unit": rec.orig_unit,
        "value": rec.value,
    }


def _theirs(e: dict[str, Any]) -> dict[str, Any]:
    """An oracle parse.jsonl record, floats parsed from Go's shortest strings."""
    pos = (e["pos_file"], e["pos_line"])
    if e["kind"] == "result":
        return {
            "kind": "result",
            "pos": pos,
            "config": [(c["key"], c["value"], c["file"]) for c in e.get("config") or []],
            "name": e["name"],
            "name_base": e["name_base"],
            "name_parts_base": e.get("name_parts_base", e["name_base"]),
            "name_parts": list(e.get("name_parts") or []),
            "iters": e["iters"],
            "values": [
                (_fkey(float(v["value"])), v["unit"], _fkey(float(v["orig_value"])), v["orig_unit"])
                for v in e.get("values") or []
            ],
        }
    if e["kind"] == "syntax_error":
        return {"kind": "syntax_error", "pos": pos, "msg": e["msg"], "error": e["error"]}
    assert e["kind"] == "unit_metadata", e
    return {
        "kind": "unit_metadata",
        "pos": pos,
        "unit": e["unit"],
        "key": e["key"],
        "orig_unit": e["orig_unit"],
        "value": e["value"],
    }


def _compare_stream(got: list[bf.Record], want: list[dict[str, Any]]) -> None:
    """Record-by-record comparison with the first difference in the message."""
    final = [e for e in want if e["kind"] == "units_final"]
    want = [e for e in want if e["kind"] != "units_final"]
    for i, (g, w) in enumerate(zip(got, want, strict=False)):
        assert _ours(g) == _theirs(w), f"record {i} differs"
    assert len(got) == len(want), "record counts differ"
    if final:
        units = {f"{m.unit}|{m.key}": m.value for m in got if isinstance(m, UnitMeta)}
        assert units == final[-1]["units"]


def _r(
    name: str, iters: int, *values: tuple[float, str], config: tuple[tuple[str, str], ...] = ()
) -> tuple[Any, ...]:
    """The comparable core of an expected result (like reader_test.go's builder)."""
    return (name, iters, tuple(bu.make_value(v, u) for v, u in values), config)


def _core(rec: bf.Record) -> Any:
    if isinstance(rec, Result):
        return (rec.name.full, rec.iters, rec.values, rec.config)
    if isinstance(rec, SyntaxErr):
        return ("err", rec.line, rec.msg)
    return ("unit", rec.unit, rec.key, rec.value, rec.orig_unit, rec.line)


def _read(text: str) -> list[Any]:
    """Records of ``text`` read like Go's NewReader (no ``.file``)."""
    return [_core(r) for r in bf.Reader().read(text, "test", label="")]


# ---------------------------------------------------------------- oracle


@pytest.mark.parametrize("case", oracle.case_params())
def test_oracle_parse_records(case: oracle.OracleCase, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every record benchstat's reader yields, in order, with exact floats."""
    if not case.has("parse.jsonl"):
        pytest.skip(f"{case.name} has no parse.jsonl")
    monkeypatch.chdir(case.dir)
    got = list(bf.iter_args(list(case.parse_argv), benchstat=True))
    _compare_stream(got, case.jsonl("parse.jsonl"))


@pytest.mark.parametrize("case", oracle.case_params())
def test_oracle_parsed_files(case: oracle.OracleCase, monkeypatch: pytest.MonkeyPatch) -> None:
    """parse_args groups the same records per input; parse_file agrees on results."""
    if not case.has("parse.jsonl"):
        pytest.skip(f"{case.name} has no parse.jsonl")
    monkeypatch.chdir(case.dir)
    argv = list(case.parse_argv)
    stream = list(bf.iter_args(argv, benchstat=True))
    files = bf.parse_args(argv, benchstat=True)
    assert len(files) == len(argv)
    assert [r for f in files for r in f.results] == [r for r in stream if isinstance(r, Result)]
    assert [e for f in files for e in f.errors] == [e for e in stream if isinstance(e, SyntaxErr)]
    assert [u for f in files for u in f.units] == [u for u in stream if isinstance(u, UnitMeta)]
    for arg, pf in zip(argv, files, strict=True):
        label, path = bf.split_label(arg)
        assert pf.path == path
        if pf.results:  # a repeated path is labelled path#N
            label = pf.results[0].config_value(".file") or ""
        single = bf.parse_file(path, label=label, benchstat=True)
        assert single.results == pf.results
        assert list(single) == single.results


@pytest.mark.parametrize("case", oracle.case_params())
def test_oracle_floats_format_like_go(case: oracle.OracleCase) -> None:
    """format_float reproduces every float string Go's FormatFloat wrote."""
    if not case.has("parse.jsonl"):
        pytest.skip(f"{case.name} has no parse.jsonl")
    for e in case.jsonl("parse.jsonl"):
        for v in e.get("values") or []:
            for key in ("value", "orig_value"):
                assert gs.format_float(float(v[key])) == v[key]


# ---------------------------------------------------------------- golden


def _golden_argv() -> list[str]:
    return json.loads((DATA / "tricky.args.json").read_text(encoding="utf-8"))["argv"]


def test_golden_tricky_records(monkeypatch: pytest.MonkeyPatch) -> None:
    """Edge cases (Unicode blanks, hex floats, swaps, bad UTF-8) as Go reads them."""
    monkeypatch.chdir(DATA)
    want = [
        json.loads(ln) for ln in (DATA / "tricky.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    _compare_stream(list(bf.iter_args(_golden_argv(), benchstat=True)), want)


def test_golden_tricky_written(monkeypatch: pytest.MonkeyPatch) -> None:
    """The Writer output matches Go's benchfmt.Writer byte for byte."""
    monkeypatch.chdir(DATA)
    want = bf.decode((DATA / "tricky.written.txt").read_bytes())
    assert bw.format_records(bf.iter_args(_golden_argv())) == want


# ---------------------------------------------------------------- reader tables


NS = "ns/op"


@pytest.mark.parametrize(
    ("text", "want"),
    [
        pytest.param(
            "key: value\nBenchmarkOne 100 1 ns/op 2 B/op\nBenchmarkTwo 300 4.5 ns/op\n",
            [
                _r("One", 100, (1, NS), (2, "B/op"), config=(("key", "value"),)),
                _r("Two", 300, (4.5, NS), config=(("key", "value"),)),
            ],
            id="basic",
        ),
        pytest.param(
            "\nBenchmarkSpaces    1   1   ns/op\n"
            "BenchmarkHugeVal 1 9999999999999999999999999999999 ns/op\n"
            "BenchmarkEmSpace\u20031\u20031\u2003ns/op\n",
            [
                _r("Spaces", 1, (1, NS)),
                _r("HugeVal", 1, (9999999999999999999999999999999.0, NS)),
                _r("EmSpace", 1, (1, NS)),
            ],
            id="weird",
        ),
        pytest.param(
            "key1:    \t value\n: not a key\nab:not a key\na b: also not a key\n"
            "key2: value\n\nBenchmarkOne 100 1 ns/op\n",
            [
                _r("One", 100, (1, NS), config=(("key1", "value"), ("key2", "value"))),
            ],
            id="basic file keys",
        ),
        pytest.param(
            "not a benchmark\nBenchmarkTailingSpaceNoIter \nBenchmarkBadIter abc\n"
            "BenchmarkHugeIter 9999999999999999999999999999999\nBenchmarkMissingVal 100\n"
            "BenchmarkBadVal 100 abc\nBenchmarkMissingUnit 100 1\n"
            "BenchmarkMissingUnit2 100 1 ns/op 2\nalso not a benchmark\nUnit\n"
            "Unit ns/op blah\nUnit ns/op a=1\nUnit ns/op a=2\n",
            [
                ("err", 2, "missing iteration count"),
                ("err", 3, "parsing iteration count: invalid syntax"),
                ("err", 4, "parsing iteration count: value out of range"),
                ("err", 5, "missing measurements"),
                ("err", 6, "parsing measurement: invalid syntax"),
                ("err", 7, "missing units"),
                ("err", 8, "missing units"),
                ("err", 10, "missing unit"),
                ("err", 11, "expected key=value"),
                ("unit", "sec/op", "a", "1", NS, 12),
                ("err", 13, "metadata a of unit ns/op already set to 1"),
            ],
            id="bad lines",
        ),
        pytest.param(
            "key: value\nkey:\nBenchmarkOne 100 1 ns/op\n",
            [
                _r("One", 100, (1, NS)),
            ],
            id="remove existing label",
        ),
        pytest.param(
            "key1: first\nkey2: second\nkey1: third\nBenchmarkOne 100 1 ns/op\n",
            [
                _r("One", 100, (1, NS), config=(("key1", "third"), ("key2", "second"))),
            ],
            id="overwrite existing label",
        ),
        pytest.param(
            "a: 1\nb: 2\nc: 3\na:\nBenchmarkOne 1 1 x\na: 4\nBenchmarkTwo 1 1 x\n",
            [
                _r("One", 1, (1, "x"), config=(("c", "3"), ("b", "2"))),
                _r("Two", 1, (1, "x"), config=(("c", "3"), ("b", "2"), ("a", "4"))),
            ],
            id="delete moves the last key into the hole",
        ),
        pytest.param(
            "Unit ns/op a=1 b=2\nUnit ns/op c=3 error d=4\n"
            "# Repeated unit should report nothing\nUnit ns/op d=4\n"
            "# Starts like a unit line but actually isn't\nUnitx\n"
            "BenchmarkOne 100 1 ns/op\n",
            [
                ("unit", "sec/op", "a", "1", NS, 1),
                ("unit", "sec/op", "b", "2", NS, 1),
                ("unit", "sec/op", "c", "3", NS, 2),
                ("err", 2, "expected key=value"),
                ("unit", "sec/op", "d", "4", NS, 2),
                _r("One", 100, (1, NS)),
            ],
            id="unit metadata",
        ),
        pytest.param(
            "BenchmarkOne\nBenchmarkOne 100 1 ns/op\n",
            [
                _r("One", 100, (1, NS)),
            ],
            id="verbose",
        ),
        pytest.param(
            "PASS\nok  \tpkg\t1.2s\n--- FAIL: BenchmarkX\npanic: boom [recovered]\n"
            "goroutine 1 [running]:\n\x00\x00\x00\n\ufeffBenchmarkBOM 1 1 ns/op\n",
            [],
            id="other lines are skipped",
        ),
        pytest.param(
            "BenchmarkA 1 1 ns/op\r\ngoos: linux\r\nBenchmarkB 2 2 ns/op",
            [
                _r("A", 1, (1, NS)),
                _r("B", 2, (2, NS), config=(("goos", "linux"),)),
            ],
            id="CRLF and no final newline",
        ),
        pytest.param(
            "Benchmark lowercase\nBenchmark 10 1 x\nBenchmarkA\x1c1 1 x\n",
            [
                ("err", 1, "parsing iteration count: invalid syntax"),
                _r("", 10, (1, "x")),
                ("err", 3, "parsing measurement: invalid syntax"),
            ],
            id="prefix commits the line; \\x1c is not a blank",
        ),
    ],
)
def test_reader_table(text: str, want: list[Any]) -> None:
    assert _read(text) == want


def test_internal_file_config_comes_first() -> None:
    pf = bf.parse("goos: linux\nBenchmarkA 1 1 ns/op\n", "raw.txt", label="old")
    (res,) = pf.results
    assert res.config == ((".file", "old"), ("goos", "linux"))
    assert (res.file, res.line) == ("raw.txt", 2)
    assert bf.parse("BenchmarkA 1 1 x\n", "f").results[0].config == ((".file", "f"),)


def test_name_and_values_of_a_result() -> None:
    text = (
        "BenchmarkReturnPointer/variant=escape-8 \t 1000 \t 12.5 ns/op \t 16 B/op"
        " \t 1 allocs/op \t 0.5 gc-cpu-ns/op \t 3 MB/s \t 0 gc-pause-ns/op\n"
    )
    (res,) = bf.parse(text, "f").results
    assert res.name == Name(
        "ReturnPointer/variant=escape-8", "ReturnPointer", ("/variant=escape", "-8")
    )
    assert res.name.variant == "escape" and res.name.procs == 8
    assert res.iters == 1000
    assert res.values == (  # Go multiplies by 1e-9: 12.5 * 1e-9 is not 12.5e-9
        Value(12.5 * 1e-9, "sec/op", 12.5, NS),
        Value(16.0, "B/op"),
        Value(1.0, "allocs/op"),
        Value(0.5 * 1e-9, "gc-cpu-sec/op", 0.5, "gc-cpu-ns/op"),
        Value(3e6, "B/s", 3.0, "MB/s"),
        Value(0.0, "gc-pause-sec/op", 0.0, "gc-pause-ns/op"),  # tidied whatever the value
    )
    assert res.get("sec/op") == 12.5 * 1e-9
    assert res.get("gc-pause-sec/op") == 0.0 and res.get("gc-pause-ns/op") is None
    # Go's rule, for benchstat parity: a value tidying leaves unchanged keeps its unit.
    (go,) = bf.parse(text, "f", benchstat=True).results
    assert go.values[-1] == Value(0.0, "gc-pause-ns/op")
    assert go.values[:-1] == res.values[:-1]


@pytest.mark.parametrize("benchstat", [False, True])
def test_zero_and_inf_round_trip_in_both_modes(benchstat: bool) -> None:
    """Whatever the tidying rule, writing gives back the text read."""
    text = "BenchmarkA 1 0 ns/op 0 gc-cpu-ns/op +Inf MB/s 0 B/op\n"
    (res,) = bf.parse(text, "f", benchstat=benchstat).results
    assert bw.format_result(res) + "\n" == text
    units = {v.unit for v in res.values}
    assert units == (
        {"ns/op", "gc-cpu-ns/op", "MB/s", "B/op"}
        if benchstat
        else {"sec/op", "gc-cpu-sec/op", "B/s", "B/op"}
    )


def test_one_metric_is_one_unit_whatever_the_values() -> None:
    """Issue: zero gc-cpu-ns/op kept its unit and split one metric into two tables."""
    text = "BenchmarkA 1 5 ns/op 0 gc-cpu-ns/op\nBenchmarkA 1 5 ns/op 3 gc-cpu-ns/op\n"
    units = {v.unit for r in bf.parse(text, "f").results for v in r.values}
    assert units == {"sec/op", "gc-cpu-sec/op"}


def test_nan_keeps_an_original_like_go() -> None:
    (v,) = bf.parse("BenchmarkA 1 NaN B/op\n", "f").results[0].values
    assert math.isnan(v.value) and v.unit == "B/op" and v.orig_unit == "B/op"


@pytest.mark.parametrize(
    ("unit", "tidied", "factor"),
    [
        ("ns/op", "sec/op", 1e-9),
        ("x-ns/op", "x-sec/op", 1e-9),
        ("MB/s", "B/s", 1e6),
        ("x-MB/s", "x-B/s", 1e6),
        ("B/op", "B/op", 1),
        ("x-B/op", "x-B/op", 1),
        ("x-allocs/op", "x-allocs/op", 1),
        ("op/ns", "op/ns", 1),
        ("MB*MB/s", "B*B/s", 1e6 * 1e6),
        ("MB/MB", "B/MB", 1e6),
        ("gc-cpu-ns/op", "gc-cpu-sec/op", 1e-9),
        ("gc-pause-ns/op", "gc-pause-sec/op", 1e-9),
        ("ns*ns/op", "sec*sec/op", 1e-9 / 1e9),
        ("nsx/op", "nsx/op", 1),
        ("MBns", "MBns", 1),
        ("", "", 1),
    ],
)
def test_tidy_unit(unit: str, tidied: str, factor: float) -> None:
    assert vu.tidy_unit(unit) == (tidied, factor)


@pytest.mark.parametrize(
    ("full", "base", "parts"),
    [
        ("Foo", "Foo", ()),
        ("Foo-8", "Foo", ("-8",)),
        ("Foo-", "Foo-", ()),
        ("Foo--8", "Foo-", ("-8",)),
        ("-8", "", ("-8",)),
        ("", "", ()),
        ("Foo/a=1/b-8", "Foo", ("/a=1", "/b", "-8")),
        ("Foo/x-8/y", "Foo", ("/x-8", "/y")),
        ("Foo//-2", "Foo", ("/", "/", "-2")),
        ("Foo-08", "Foo", ("-08",)),
        ("Foo/a-1b", "Foo", ("/a-1b",)),
    ],
)
def test_split_name(full: str, base: str, parts: tuple[str, ...]) -> None:
    name = bf.split_name(full)
    assert (name.full, name.base, name.parts) == (full, base, parts)
    assert name.base + "".join(name.parts) == full


@pytest.mark.parametrize(
    ("s", "value", "err"),
    [
        ("12", 12.0, None),
        ("-1.5e3", -1500.0, None),
        (".5", 0.5, None),
        ("5.", 5.0, None),
        ("1_000.5", 1000.5, None),
        ("0x1.8p1", 3.0, None),
        ("0X10P-4", 1.0, None),
        ("+Inf", math.inf, None),
        ("-infinity", -math.inf, None),
        ("1e1_0", 1e10, None),
        ("1e-400", 0.0, None),
        ("1e400", math.inf, "value out of range"),
        ("0x1p99999", math.inf, "value out of range"),
        ("0x_1p0", 1.0, None),
        *(
            (bad, 0.0, "invalid syntax")
            for bad in [
                "0x1",
                "1__0",
                "_1",
                "-nan",
                "\u0661",
                " 1",
                "1.2.3",
                "",
                "0x1_p0",
                "1e",
                "+-1",
            ]
        ),
    ],
)
def test_parse_float_is_go_strconv(s: str, value: float, err: str | None) -> None:
    assert gs.parse_float(s) == (value, err)


def test_parse_float_nan() -> None:
    v, err = gs.parse_float("NaN")
    assert math.isnan(v) and err is None


@pytest.mark.parametrize(
    ("s", "value", "err"),
    [
        ("100", 100, None),
        ("+7", 7, None),
        ("-7", -7, None),
        ("9223372036854775807", 2**63 - 1, None),
        ("-9223372036854775808", -(2**63), None),
        ("9223372036854775808", 0, "value out of range"),
        ("99999999999999999999x", 0, "value out of range"),  # Go: overflow noticed first
        *(
            (bad, 0, "invalid syntax")
            for bad in ["9999999999999999999x", "1_000", "+", "", "\u0661\u0662", "abc", "1.0"]
        ),
    ],
)
def test_parse_int_is_go_atoi(s: str, value: int, err: str | None) -> None:
    assert gs.parse_int(s) == (value, err)


@pytest.mark.parametrize(
    ("x", "s"),
    [
        (0.0, "0"),
        (-0.0, "-0"),
        (1.0, "1"),
        (100.0, "100"),
        (123456.0, "123456"),
        (1e6, "1e+06"),
        (1234567.0, "1.234567e+06"),
        (0.0001, "0.0001"),
        (1e-05, "1e-05"),
        (1.25e-07, "1.25e-07"),
        (1.2500000000000002e-07, "1.2500000000000002e-07"),
        (1e100, "1e+100"),
        (5e-324, "5e-324"),
        (math.inf, "+Inf"),
        (-math.inf, "-Inf"),
        (math.nan, "NaN"),
        (-2.5, "-2.5"),
    ],
)
def test_format_float_is_go_v(x: float, s: str) -> None:
    assert gs.format_float(x) == s


# ---------------------------------------------------------------- inputs


@pytest.mark.parametrize(
    ("arg", "want"),
    [
        ("old.txt", ("old.txt", "old.txt")),
        ("O=old.txt", ("O", "old.txt")),
        ("a=b=c", ("a", "b=c")),
        ("=x", ("", "x")),
    ],
)
def test_split_label(arg: str, want: tuple[str, str]) -> None:
    assert bf.split_label(arg) == want


def test_files_labels_and_repeats(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A path given twice gets path#N like benchfmt.Files; labels are used as given."""
    monkeypatch.chdir(tmp_path)
    Path("a.txt").write_text("Unit x better=higher\nBenchmarkA 1 1 x\n", encoding="utf-8")
    Path("b.txt").write_text("Unit x better=lower\nBenchmarkB 1 1 x\n", encoding="utf-8")
    files = bf.parse_args(["a.txt", "L=b.txt", "a.txt", "M=a.txt"])
    labels = [pf.results[0].config_value(".file") for pf in files]
    assert labels == ["a.txt#0", "L", "a.txt#1", "M"]
    assert [pf.path for pf in files] == ["a.txt", "b.txt", "a.txt", "a.txt"]
    # Unit metadata carries across inputs: the conflict is reported where it is.
    assert [str(e) for e in files[1].errors] == [
        "b.txt:1: metadata better of unit x already set to higher"
    ]
    assert files[0].units[0] == UnitMeta("x", "better", "higher", "x", "a.txt", 1)
    assert files[2].units == [] and files[2].errors == []
    with pytest.raises(InputError, match=r"L=b\.txt"):  # without labels it is a path
        bf.parse_args(["L=b.txt"], allow_labels=False)


def test_stdin_when_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Like benchstat: no arguments (or "-") reads standard input, labelled "-"."""
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"BenchmarkA 1 1 x\n")))
    (pf,) = bf.parse_args([], allow_stdin=True)
    assert pf.path == "-" and pf.results[0].config[0] == (".file", "-")
    assert bf.parse_args([]) == []


def test_parse_file_default_label_and_errors(tmp_path: Path) -> None:
    p = tmp_path / "raw.txt"
    p.write_bytes(b"BenchmarkBad\xffName 1 1 ns/op\n")
    pf = bf.parse_file(p)
    assert isinstance(pf, ParsedFile) and pf.path == str(p)
    assert pf.results[0].config_value(".file") == str(p)
    assert pf.results[0].name.full == "Bad\ufffdName"
    assert bf.parse_file(p, label="new").results[0].config_value(".file") == "new"
    with pytest.raises(InputError, match="cannot read benchmark file"):
        bf.parse_file(tmp_path / "missing.txt")
    with pytest.raises(InputError):
        bf.parse_args(["L=" + str(tmp_path / "missing.txt")])


def test_decode_replaces_each_bad_byte() -> None:
    assert bf.decode(b"a\xe2\x80b\xff") == "a\ufffd\ufffdb\ufffd"
    assert bf.decode("é".encode()) == "é"


@pytest.mark.parametrize(
    ("n", "tail", "too_long"),
    [
        (65535, "\n", False),
        (65535, "", False),
        (65536, "\n", True),
        (65535, "\r\n", True),
    ],
)
def test_line_too_long_stops_the_input_like_bufio(n: int, tail: str, too_long: bool) -> None:
    """Go's scanner gives up on a 64 KiB line; we record its error, not a crash."""
    long_line = "Benchmark" + "x" * (n - len("Benchmark"))  # a bare name: skipped if read
    text = "BenchmarkA 1 1 x\n" + long_line + tail + ("BenchmarkB 1 1 x\n" if tail else "")
    pf = bf.parse(text, "f")
    if too_long:
        assert [str(e) for e in pf.errors] == ["f:1: bufio.Scanner: token too long"]
        assert [r.name.full for r in pf.results] == ["A"]
    else:
        assert pf.errors == []
        assert [r.name.full for r in pf.results] == (["A", "B"] if tail else ["A"])


# ---------------------------------------------------------------- writer


GO_WRITER_INPUT = """BenchmarkOne 1 1 ns/op
Unit ns/op a=1
Unit ns/op b=2
Unit MB/s c=3

key: val
key1: val1

BenchmarkOne 1 1 ns/op

key:

BenchmarkOne 1 1 ns/op

key: a

BenchmarkOne 1 1 ns/op

key1: val2
key: b

BenchmarkOne 1 1 ns/op
BenchmarkTwo 1 1 no-tidy-B/op
"""


def test_writer_round_trips_go_writer_test() -> None:
    """benchfmt/writer_test.go: read then write reproduces the input."""
    assert bw.format_records(bf.Reader().read(GO_WRITER_INPUT, "test", label="")) == GO_WRITER_INPUT


def test_writer_pieces() -> None:
    (res,) = bf.parse("goos: linux\nBenchmarkA-8 10 1.5 ns/op 0 B/op 2 MB/s\n", "f").results
    assert bw.format_result(res) == "BenchmarkA-8 10 1.5 ns/op 0 B/op 2 MB/s"
    w = bw.Writer()
    assert w.write(res) == "goos: linux\n\nBenchmarkA-8 10 1.5 ns/op 0 B/op 2 MB/s\n"
    assert w.write(res) == "BenchmarkA-8 10 1.5 ns/op 0 B/op 2 MB/s\n"
    assert w.write(SyntaxErr("f", 1, "x")) == ""
    assert (
        bw.format_unit_meta(UnitMeta("sec/op", "assume", "exact", "ns/op"))
        == "Unit ns/op assume=exact"
    )
    with pytest.raises(TypeError):
        w.write("BenchmarkA 1 1 x")  # type: ignore[arg-type]


def test_format_config() -> None:
    assert (
        bw.format_config([(".file", "x"), ("goos", "linux"), ("gogc", "")])
        == "goos: linux\ngogc:\n"
    )
    for bad in [
        ("Goos", "x"),
        ("a b", "x"),
        ("", "x"),
        ("a:b", "x"),
        ("k", "two\nlines"),
        ("k", " lead"),
    ]:
        with pytest.raises(ValueError):
            bw.format_config([bad])


# ---------------------------------------------------------------- properties

_PROPS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_ERROR_MESSAGES = (
    "missing iteration count",
    "parsing iteration count: invalid syntax",
    "parsing iteration count: value out of range",
    "missing measurements",
    "parsing measurement: invalid syntax",
    "parsing measurement: value out of range",
    "missing units",
    "missing unit",
    "expected key=value",
)


def _check_records(records: list[bf.Record], nlines: int) -> None:
    for rec in records:
        assert 1 <= rec.line <= max(nlines, 1)
        if isinstance(rec, SyntaxErr):
            assert rec.msg in _ERROR_MESSAGES or rec.msg.startswith("metadata ")


@_PROPS
@given(st.text())
def test_never_raises_on_any_text(text: str) -> None:
    records = list(bf.Reader().read(text, "f"))
    _check_records(records, text.count("\n") + 1)


@_PROPS
@given(st.binary())
def test_never_raises_on_any_bytes(data: bytes) -> None:
    for text in (data.decode("utf-8", errors="replace"), bf.decode(data)):
        pf = bf.parse(text, "f")
        _check_records([*pf.results, *pf.errors, *pf.units], text.count("\n") + 1)


# Anything but blanks (Go's and the \x1c-\x1f that Python adds) and surrogates.
_TOKEN_CHARS = st.characters(
    exclude_categories=("Cs",),
    exclude_characters=" \t\n\v\f\r"
    "\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004"
    "\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000",
)
_names = st.text(_TOKEN_CHARS, max_size=20)
_units = st.one_of(
    st.sampled_from(
        [
            "ns/op",
            "B/op",
            "allocs/op",
            "MB/s",
            "gc-cpu-ns/op",
            "gc-pause-ns/op",
            "gc-cycles/op",
            "op/ns",
            "MB*MB/s",
            "items/s",
        ]
    ),
    st.text(_TOKEN_CHARS, min_size=1, max_size=12),
)
_floats = st.floats(allow_nan=False)
_iters = st.integers(min_value=-(2**63), max_value=2**63 - 1)
_keys = st.from_regex(r"[a-z][a-z0-9._/-]{0,10}", fullmatch=True)
_vals = st.from_regex(r"[!-~][ -~]{0,15}", fullmatch=True)


@st.composite
def _results(draw: st.DrawFn) -> list[Result]:
    config = ((".file", "gen"), *draw(st.dictionaries(_keys, _vals, max_size=4)).items())
    out = []
    for _ in range(draw(st.integers(1, 8))):
        values = tuple(
            bu.make_value(draw(_floats), draw(_units)) for _ in range(draw(st.integers(1, 4)))
        )
        out.append(Result(bf.split_name(draw(_names)), draw(_iters), values, config))
    return out


@_PROPS
@given(_results())
def test_round_trip_generated_results(results: list[Result]) -> None:
    """Results -> text -> parse gives the same results (writer_test as a property)."""
    text = bw.format_records(results)
    back = bf.parse(text, "gen").results
    assert bf.parse(text, "gen").errors == []
    assert [(r.name, r.iters, r.values, r.config) for r in back] == [
        (r.name, r.iters, r.values, r.config) for r in results
    ]


_ops = st.lists(
    st.one_of(
        st.tuples(st.just("set"), st.sampled_from(["a", "b", "c", "d"]), _vals),
        st.tuples(st.just("del"), st.sampled_from(["a", "b", "c", "d"]), st.just("")),
        st.tuples(st.just("bench"), st.sampled_from(["X", "Y/k=v-2"]), st.just("")),
        st.tuples(st.just("unit"), st.sampled_from(["ns/op", "x"]), st.sampled_from(["1", "2"])),
    ),
    max_size=30,
)


def _render(ops: list[tuple[str, str, str]]) -> str:
    lines = []
    for op, k, v in ops:
        if op == "set":
            lines.append(f"{k}: {v}")
        elif op == "del":
            lines.append(f"{k}:")
        elif op == "bench":
            lines.append(f"Benchmark{k} 3 1.5 ns/op 7 B/op")
        else:
            lines.append(f"Unit {k} a={v}")
    return "\n".join(lines) + "\n"


@_PROPS
@given(_ops)
def test_read_write_read_is_stable(ops: list[tuple[str, str, str]]) -> None:
    """Whatever we read, writing it and reading again gives the same records.

    Configuration order may change (Go's Writer emits new keys after known
    ones, then the reader appends them), so configs compare as mappings; the
    second write reproduces the first byte for byte.
    """
    first = list(bf.Reader().read(_render(ops), "f"))
    text = bw.format_records(first)
    second = list(bf.Reader().read(text, "f"))
    assert _written_part(second) == _written_part(first)
    assert bw.format_records(second) == text


def _written_part(recs: list[bf.Record]) -> list[Any]:
    """What a Writer keeps: results and unit metadata, without line numbers."""
    return [
        (r.name, r.iters, r.values, r.config[0], dict(r.config))
        if isinstance(r, Result)
        else _core(r)[:-1]
        for r in recs
        if not isinstance(r, SyntaxErr)
    ]


@_PROPS
@given(_ops, _ops)
def test_config_scoping(
    ops_a: list[tuple[str, str, str]],
    ops_b: list[tuple[str, str, str]],
) -> None:
    """Config is what the lines above set (last write wins, blank deletes), per file.

    Without deletions keys stay in order of first appearance; ``.file`` is
    always first; nothing leaks from one input into the next.
    """
    a, b = _render(ops_a), _render(ops_b)
    reader = bf.Reader()
    for ops, text, label in ((ops_a, a, "A"), (ops_b, b, "B")):
        model: dict[str, str] = {}
        first_seen: list[str] = []
        deleted = False
        results = iter([r for r in reader.read(text, label) if isinstance(r, Result)])
        for op, k, v in ops:
            if op == "set":
                model[k] = v
                if k not in first_seen:
                    first_seen.append(k)
            elif op == "del":
                deleted = deleted or k in model
                model.pop(k, None)
            elif op == "bench":
                res = next(results)
                assert res.config[0] == (".file", label)
                assert dict(res.config[1:]) == model
                assert len(res.config) == len(model) + 1
                if not deleted:
                    assert [k2 for k2, _ in res.config[1:]] == [
                        k2 for k2 in first_seen if k2 in model
                    ]
        assert next(results, None) is None


# ---------------------------------------------------------------- performance


def test_parses_100k_lines_quickly() -> None:
    """A generous bound that still catches per-line regex blowups or O(n^2)."""
    line = (
        "BenchmarkReturnPointer/variant=escape-8 \t 1000000 \t {i}.25 ns/op \t 16 B/op"
        " \t 1 allocs/op \t 0.001 gc-cycles/op \t 0.{i} gc-cpu-ns/op \t 0 gc-pause-ns/op"
    )
    text = "goos: linux\n" + "\n".join(line.format(i=i) for i in range(100_000)) + "\n"
    start = time.perf_counter()
    pf = bf.parse(text, "big")
    elapsed = time.perf_counter() - start
    assert len(pf.results) == 100_000 and not pf.errors
    assert elapsed < 10, f"parsing 100k lines took {elapsed:.1f}s"


def test_pathological_lines_are_linear() -> None:
    nasty = [
        "Benchmark" + "1" * 16000 + "x",
        "BenchmarkA 1 " + "1" * 16000 + "x u",
        "BenchmarkA 1 " + "1_" * 8000 + " u",
        "a" * 16000 + ":",
        "Unit " + "=" * 16000,
        "BenchmarkA 1 0x" + "f" * 16000 + " u",
    ]
    start = time.perf_counter()
    for _ in range(20):
        bf.parse("\n".join(nasty), "f")
    assert time.perf_counter() - start < 5
