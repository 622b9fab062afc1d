"""benchstat's malformed inputs in both modes: NaN/Inf values, mixed goos blocks, JSON precision.

Inputs are the committed oracle case ``syn_multi_pkg_labels`` (tests/data/benchstat/)
with one line changed: a ``NaN``/``+Inf`` sample, or a second ``goos:`` block. The
default mode leaves non-finite values out (one warning per line, naming it) and never
pools two platforms; ``--benchstat`` keeps benchstat's own behaviour (``nann``).
"""

from __future__ import annotations

import json
import math
import statistics
from dataclasses import replace
from pathlib import Path

import pytest

from analysis import compare, table
from bench import benchfmt

CASE = Path(__file__).parent / "data" / "benchstat" / "syn_multi_pkg_labels"


def _inputs(tmp_path: Path, edit_old: str, edit_new: str = "") -> tuple[Path, Path, int]:
    """old.txt/new.txt of the case, the first ``BenchmarkGet`` line of old.txt edited.

    Returns the two paths and the edited line's number.
    """
    old = (CASE / "old.txt").read_text().splitlines(keepends=True)
    i = next(n for n, ln in enumerate(old) if ln.startswith("BenchmarkGet-8"))
    old[i] = old[i].replace("85.45 ns/op", edit_old) if edit_old else old[i]
    a, b = tmp_path / "old.txt", tmp_path / "new.txt"
    a.write_text("".join(old))
    b.write_text((CASE / "new.txt").read_text() + edit_new)
    return a, b, i + 1


def _report(paths: list[Path], *, benchstat: bool, fmt: str = "text") -> tuple[str, str]:
    results, units = [], []
    for p in paths:
        parsed = benchfmt.parse_file(p, benchstat=benchstat)
        results += parsed.results
        units += parsed.units
    opts = compare.options_for(None, results, benchstat=benchstat)
    return table.render(compare.compare(results, units, opts), fmt)


@pytest.mark.parametrize("bad", ["NaN ns/op", "+Inf ns/op", "-Inf ns/op"])
def test_default_mode_leaves_non_finite_values_out_with_one_warning(
    tmp_path: Path, bad: str
) -> None:
    a, b, line = _inputs(tmp_path, bad)
    text, warn = _report([a, b], benchstat=False)
    assert "nan" not in text.lower() and "inf" not in text.lower()
    (w,) = warn.splitlines()
    assert w.startswith(f"{a}:{line}: BenchmarkGet-8: {bad.split()[0]} ns/op left out")
    # the row is what it is without that line: the median of the other seven samples
    doc = json.loads(_report([a, b], benchstat=False, fmt="json")[0])
    rows = [
        r
        for r in doc["rows"]
        if r["benchmark"] == "Get-8"
        and r["unit"] == "sec/op"
        and r["config"]["pkg"] == "example/cache"
        and r["column"] == str(a)
    ]
    (row,) = rows
    values = [
        float(ln.split()[2]) * 1e-9
        for ln in a.read_text().splitlines()[: _block_end(a, "example/cache")]
        if ln.startswith("BenchmarkGet-8") and math.isfinite(float(ln.split()[2]))
    ]
    assert row["n"] == len(values)
    assert row["median"] == pytest.approx(statistics.median(values), rel=1e-12)


def _block_end(path: Path, pkg: str) -> int:
    """The line index where the ``pkg:`` block after ``pkg`` starts (or the end)."""
    lines = path.read_text().splitlines()
    start = lines.index(f"pkg: {pkg}")
    return next(
        (n for n in range(start + 1, len(lines)) if lines[n].startswith("pkg:")), len(lines)
    )


def test_benchstat_mode_keeps_the_nan_sample(tmp_path: Path) -> None:
    """``--benchstat`` keeps benchstat's behaviour: the NaN is a sample, no warning."""
    a, b, _ = _inputs(tmp_path, "NaN ns/op")
    results = [r for p in (a, b) for r in benchfmt.parse_file(p, benchstat=True).results]
    opts = compare.options_for(None, results, benchstat=True)
    report = compare.compare(results, None, opts)
    assert report.warnings == ()
    cells = [
        c
        for t in report.tables
        if t.unit == "sec/op" and ("pkg", "example/cache") in t.config
        for r in t.rows
        for c in r.cells[:1]
        if c is not None
    ]
    assert any(c.summary.n == 8 for c in cells)
    assert table.render(report)[1] == ""


def test_benchstat_mode_is_unchanged_without_edits(tmp_path: Path) -> None:
    a, b, _ = _inputs(tmp_path, "")
    results = []
    for label, p in (("O", a), ("N", b)):
        results += benchfmt.parse_file(p, label, benchstat=True).results
    opts = compare.options_for(None, results, benchstat=True)
    text, _ = table.render(compare.compare(results, None, opts))
    assert text == (CASE / "stdout.txt").read_text()


MIXED = "\ngoos: darwin\npkg: example/cache\n" + "".join(
    f"BenchmarkGet-8 1000 {900 + i}.5 ns/op 0 B/op 0 allocs/op\n" for i in range(8)
)


@pytest.mark.parametrize("benchstat", [False, True])
def test_goos_blocks_never_pool(tmp_path: Path, benchstat: bool) -> None:
    a, b, _ = _inputs(tmp_path, "", MIXED)
    text, _ = _report([a, b], benchstat=benchstat)
    assert "goos: darwin" in text and "goos: linux" in text
    # the darwin samples (~900 ns) are a table of their own, never inside linux's medians
    linux = text[text.index("goos: linux") : text.index("goos: darwin")]
    assert "900" not in linux and "901" not in linux


def test_json_keeps_full_precision(tmp_path: Path) -> None:
    a, b, _ = _inputs(tmp_path, "85.123456789 ns/op")
    doc = json.loads(_report([a, b], benchstat=False, fmt="json")[0])
    medians = [r["median"] for r in doc["rows"] if r["unit"] == "sec/op"]
    # 6 significant digits would round every median to at most 6 digits
    assert any(len(f"{m:.15g}".replace(".", "").lstrip("0").rstrip("0")) > 6 for m in medians)
    csv_text, _ = _report([a, b], benchstat=False, fmt="csv")
    assert "85.123456789" not in csv_text  # csv, for people, may round


@pytest.mark.parametrize("benchstat", [False, True])
def test_one_column_tables_are_left_out_of_the_default_mode(benchstat: bool) -> None:
    """Three files of one case: a table only old.txt measured has nothing to compare."""
    results = [
        r
        for name in ("old.txt", "new.txt")
        for r in benchfmt.parse_file(CASE / name, name, benchstat=benchstat).results
    ]
    # a package only old.txt has: its tables have one column
    lone = [
        r
        for r in results
        if r.config_value("pkg") == "example/cache" and r.config_value(".file") == "old.txt"
    ]
    extra = [
        replace(r, config=tuple((k, "lone/pkg" if k == "pkg" else v) for k, v in r.config))
        for r in lone
    ]
    opts = compare.options_for(None, results + extra, benchstat=benchstat)
    report = compare.compare(results + extra, None, opts)
    kept, left = compare.comparable(report)
    if benchstat:
        assert (kept, left) == (report, 0)
        return
    lone_tables = [t for t in report.tables if ("pkg", "lone/pkg") in t.config]
    assert lone_tables and all(len(t.columns) == 1 for t in lone_tables)
    assert left == len(lone_tables)
    assert (
        all(len(t.columns) > 1 for t in kept.tables)
        and len(kept.tables) == len(report.tables) - left
    )
