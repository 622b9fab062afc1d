"""Render a comparison :class:`~analysis.compare.Report` as text, csv, json or markdown.

One job: layout. The numbers come from ``analysis.compare``; this module only
formats them. Text and csv are benchstat's (cmd/benchstat's ``benchtab`` and
``texttab``, ``benchunit`` scaling), byte for byte when the report was built
with ``benchstat_compat=True``: one section per table and unit, a header of
column labels drawn with ``│``, each cell ``median ± CI%`` scaled with a
common SI (or, for byte units, binary) prefix per row showing at least three
significant digits, ``vs base`` columns with the change or ``~`` and
``(p=… n=…)``, a geomean row, and numbered footnotes for warnings.

In our mode (not ``benchstat_compat``) csv and JSON are *tidy*: one record per
benchmark × unit × column with named fields (:data:`TIDY_FIELDS`, then the
table's configuration keys such as ``gogc``), numbers rounded to 6 significant
digits, so ``pandas.read_csv`` or a spreadsheet opens the csv as one frame.
JSON (``schema`` 2) holds the same records under ``"rows"`` beside the tables'
metadata (configuration, unit, columns with their settings, notes, geomeans).
``median`` is the centre of the cell (the mode under ``assume=exact``);
``ci_low``/``ci_high`` are empty when the sample is too small for a bounded
interval; ``delta_pct`` is ``(new/old − 1)·100`` (empty on the baseline and when
old is 0); ``p_adjusted`` and ``significant`` are after the table's Holm correction.
With ``benchstat_compat`` csv is benchstat's own layout.
Markdown is a GitHub table per section, for reports and pull requests.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Callable, Sequence
from typing import Any, Literal

from analysis.benchstat_format import (
    TextTable,
    col_name,
    common_scale,
    csv_record,
    go_repr,
    key_header,
    scale,
    superscript,
    unit_is_binary,
)
from analysis.compare import Cell, Column, ColumnSummary, Report, Row, Table

Format = Literal["text", "csv", "json", "markdown"]
JSON_SCHEMA = 2
#: The tidy csv's fixed columns, in order (table configuration keys follow).
TIDY_FIELDS = (
    "benchmark",
    "unit",
    "column",
    "median",
    "ci_low",
    "ci_high",
    "n",
    "delta_pct",
    "p_value",
    "p_adjusted",
    "significant",
)


def render(report: Report, fmt: Format = "text") -> tuple[str, str]:
    """``(output, warnings)``: the report in ``fmt``; the second string is for stderr.

    It starts with the report's own warnings (input lines left out), one per
    line; csv adds benchstat's table warnings.
    """
    dropped = "".join(f"{w}\n" for w in report.warnings)
    if fmt == "text":
        return to_text(report), dropped
    if fmt == "csv":
        text, warn = to_csv(report)
        return text, dropped + warn
    if fmt == "json":
        return to_json(report), dropped
    if fmt == "markdown":
        return to_markdown(report), dropped
    raise ValueError(f"unknown format {fmt!r}: use text, csv, json or markdown")


# --- cell text ------------------------------------------------------------------


def _compat(report: Report) -> bool:
    return report.options.benchstat_compat


def delta_text(report: Report, table: Table, cell: Cell, binary: bool) -> str:
    """The ``vs base`` text: ``~``, ``+4.66%``, ``0.00%``, ``?`` or (ours) an absolute delta."""
    c = cell.comparison
    assert c is not None
    if _compat(report):
        return c.format_delta()
    if not cell.significant:
        return "~"
    if c.old_center == c.new_center:
        return "0.00%"
    if c.old_center == 0 or c.new_center == 0:
        return f"{_abs_text(c.new_center - c.old_center, binary)} {table.unit}"
    return f"{((c.new_center / c.old_center) - 1.0) * 100.0:+.2f}%"


def _abs_text(v: float, binary: bool) -> str:
    s = scale(abs(v), binary)
    num = s.rstrip("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZµ")
    prefix = s[len(num) :]
    if "." in num:
        num = num.rstrip("0").rstrip(".")
    return ("+" if v > 0 else "-") + num + prefix


def pvalue_text(report: Report, cell: Cell) -> str:
    """``p=0.012 n=10``; with a correction, ``p=0.012 adj=0.048 n=10``."""
    c = cell.comparison
    assert c is not None
    s = c.format_test()
    if (
        not _compat(report)
        and report.options.corrected
        and cell.p_adjusted is not None
        and c.p_value != 0
    ):
        head, _, tail = s.partition(" ")
        s = f"{head} adj={cell.p_adjusted:.3f} {tail}"
    return s


def _ratio_text(s: ColumnSummary) -> str | None:
    return None if s.ratio is None else f"{(s.ratio - 1) * 100:+.2f}%"


def _cell_warnings(cell: Cell) -> list[str]:
    """Sample and summary warnings of a cell (row advice is summed up in the table's notes)."""
    return list(cell.warnings) + list(cell.summary.warnings)


# --- text (texttab) ---------------------------------------------------------------


def _start_cols(label: int, center: int, delta: int) -> Callable[[int], int]:
    """benchtab's layout: where column ``exp`` starts (a label, then centre and delta cells)."""

    def start_col(exp: int) -> int:
        return label if exp == 0 else label + center + (exp - 1) * (center + delta)

    return start_col


def _text_header(o: TextTable, report: Report, t: Table, start_col: Callable[[int], int]) -> None:
    """The column-key rows and the unit row of a text table (benchstat's layout)."""
    center_cols, delta_cols = 3, 3
    ncols = len(t.columns)
    r_edge = start_col(ncols + 1)
    levels = (
        key_header([c.values for c in t.columns], len(report.col_fields))
        if report.col_fields
        else []
    )
    for nodes in levels:
        o.row()
        for value, start, length in nodes:
            left, right = start_col(start), start_col(start + length)
            o.col(left)
            o.span(right - left, value, "center", " │ ")
        o.col(r_edge)
        o.cell("", margin=" │")
    o.row()
    for i in range(ncols):
        left = start_col(i)
        o.col(left)
        o.span(center_cols, t.unit, "center", " │ ")
        if i > 0:
            o.span(delta_cols, "vs base", "left", "  ")
        for j in range(left + 1, o.cur_col):
            o.set_shrink(j)
    o.col(r_edge)
    o.cell("", margin=" │")


def _table_text(report: Report, t: Table) -> str:
    o = TextTable()
    center_cols = 3
    start_col = _start_cols(1, center_cols, 3)
    warning_list: list[str] = []
    warning_set: dict[str, int] = {}

    def warn(*msgs: Sequence[str]) -> None:
        notes = []
        for group in msgs:
            for m in group:
                i = warning_set.get(m)
                if i is None:
                    i = warning_set[m] = len(warning_list)
                    warning_list.append(m)
                notes.append(superscript(i + 1))
        o.cell(" ".join(notes))

    _text_header(o, report, t, start_col)
    binary = unit_is_binary(t.unit)
    for row in t.rows:
        o.row()
        o.cell(row.label)
        scaler = common_scale([c.summary.center for c in row.cells if c is not None], binary)
        for exp, cell in enumerate(row.cells):
            if cell is None:
                continue
            o.col(start_col(exp))
            o.cell(scaler.format(cell.summary.center), "right")
            o.cell(cell.summary.pct_range(), "right", " ± ")
            warn(_cell_warnings(cell))
            if exp > 0 and cell.comparison is not None:
                o.cell(delta_text(report, t, cell, binary), "right")
                o.cell("(" + pvalue_text(report, cell) + ")")
                warn(cell.comparison.warnings)

    if len(t.rows) > 1:
        o.row()
        o.cell("geomean")
        for exp, s in enumerate(t.geomean):
            if s.center is not None:
                o.col(start_col(exp))
                o.cell(scale(s.center, binary), "right")
            if exp > 0:
                o.col(start_col(exp) + center_cols)
                ratio = _ratio_text(s)
                if ratio is not None:
                    o.cell(ratio, "right")
                else:
                    o.cell("?")
            o.col(start_col(exp + 1) - 1)
            warn(s.warnings)

    text = o.format()
    for i, msg in enumerate(warning_list):
        text += f"{superscript(i + 1)} {msg}\n"
    for n in t.notes:
        text += f"note: {n}\n"
    return text


def _print_tables(
    report: Report, hdr: Callable[[str], None], body: Callable[[Table], None]
) -> None:
    prev: tuple[tuple[str, str], ...] | None = None
    for i, t in enumerate(report.tables):
        if i > 0:
            hdr("")
        for j, (name, val) in enumerate(t.config):
            if prev is None or val != prev[j][1]:
                hdr(f"{name}: {val}")
        prev = t.config
        body(t)


def to_text(report: Report) -> str:
    """benchstat's text format (``benchstat_compat`` reports match it byte for byte)."""
    out = io.StringIO()
    _print_tables(
        report, lambda h: out.write(h + "\n"), lambda t: out.write(_table_text(report, t))
    )
    if report.notes and report.tables:
        out.write("\n")
        for n in report.notes:
            out.write(f"note: {n}\n")
    return out.getvalue()


# --- csv ----------------------------------------------------------------------------


def to_csv(report: Report) -> tuple[str, str]:
    """``(csv, warnings)``: tidy csv in our mode, benchstat's csv with ``benchstat_compat``."""
    return benchstat_csv(report) if _compat(report) else tidy_csv(report)


def benchstat_csv(report: Report) -> tuple[str, str]:
    """benchstat's csv: raw float64 values; warnings go to the second string as ``B7: msg``."""
    out = io.StringIO()
    warnings = io.StringIO()
    state = {"row": 1}

    def hdr(h: str) -> None:
        out.write(csv_record([h]))
        state["row"] += 1

    def body(t: Table) -> None:
        state["row"] += _table_csv(report, t, state["row"], out, warnings)

    _print_tables(report, hdr, body)
    return out.getvalue(), warnings.getvalue()


def _table_csv(
    report: Report, t: Table, start_row: int, out: io.StringIO, warnings: io.StringIO
) -> int:
    center_cols = 2
    start_col = _start_cols(1, center_cols, 2)
    row: list[str] = []
    count = 0

    def clear_to(c: int) -> None:
        while len(row) < c:
            row.append("")

    def emit() -> None:
        nonlocal count
        out.write(csv_record(row))
        row.clear()
        count += 1

    def warn(msgs: Sequence[str]) -> None:
        for m in msgs:
            warnings.write(f"{col_name(len(row))}{start_row + count}: {m}\n")

    ncols = len(t.columns)
    for level in range(len(report.col_fields)):
        for exp, col in enumerate(t.columns):
            clear_to(start_col(exp))
            row.append(col.values[level])
        clear_to(start_col(ncols))
        emit()
    for exp in range(ncols):
        clear_to(start_col(exp))
        row.extend([t.unit, "CI"])
        if exp > 0:
            row.extend(["vs base", "P"])
    emit()
    binary = unit_is_binary(t.unit)
    for r in t.rows:
        row.append(r.label)
        for exp, cell in enumerate(r.cells):
            if cell is None:
                continue
            clear_to(start_col(exp))
            ws = _cell_warnings(cell)
            warn(ws[: len(cell.warnings)])
            warn(ws[len(cell.warnings) :])
            row.extend([go_repr(cell.summary.center), cell.summary.pct_range()])
            if exp > 0 and cell.comparison is not None:
                warn(cell.comparison.warnings)
                row.extend([delta_text(report, t, cell, binary), pvalue_text(report, cell)])
        emit()
    row.append("geomean")
    for exp, s in enumerate(t.geomean):
        clear_to(start_col(exp))
        warn(s.warnings)
        if s.center is not None:
            row.append(go_repr(s.center))
        if exp > 0:
            clear_to(start_col(exp) + center_cols)
            row.append(_ratio_text(s) or "?")
    clear_to(start_col(ncols))
    emit()
    return count


# --- json -----------------------------------------------------------------------------


def _sig6(x: float | None) -> float | None:
    """``x`` rounded to 6 significant digits (None when missing, infinite or NaN)."""
    if x is None or math.isinf(x) or math.isnan(x):
        return None
    return float(f"{x:.6g}")


def _full(x: float | None) -> float | None:
    """``x`` at full precision, for JSON (None when missing, infinite or NaN)."""
    if x is None or math.isinf(x) or math.isnan(x):
        return None
    return float(x)


#: How tidy rows write a number: 6 significant digits (csv, for people) or all (JSON).
Num = Callable[[float | None], float | None]


def _better_name(b: int) -> str:
    return {1: "higher", -1: "lower"}.get(b, "unknown")


def _tidy_record(t: Table, r: Row, col: Column, cell: Cell, num: Num) -> dict[str, Any]:
    s, c = cell.summary, cell.comparison
    return {
        "benchmark": r.label,
        "unit": t.unit,
        "column": col.label,
        "median": num(s.center),
        "ci_low": num(s.lo),
        "ci_high": num(s.hi),
        "n": s.n,
        "delta_pct": num(c.delta_pct) if c else None,
        "p_value": num(c.p_value) if c else None,
        "p_adjusted": num(cell.p_adjusted) if c else None,
        "significant": bool(cell.significant) if c else None,
    }


def tidy_rows(report: Report, num: Num = _sig6) -> list[dict[str, Any]]:
    """One record per benchmark × unit × column: :data:`TIDY_FIELDS` plus ``config``.

    ``num`` writes the numbers: 6 significant digits by default (csv), ``_full``
    for JSON (a machine format keeps full precision).
    """
    out = []
    for t in report.tables:
        config = {k: v for k, v in t.config if v}
        for r in t.rows:
            for col, cell in zip(t.columns, r.cells, strict=True):
                if cell is not None:
                    out.append(
                        {
                            **_tidy_record(t, r, col, cell, num),
                            "config": config,
                            "cv": num(cell.summary.cv),
                            "abs_delta": num(cell.abs_delta),
                            "method": cell.method,
                            "warnings": _cell_warnings(cell)
                            + list(cell.comparison.warnings if cell.comparison else ()),
                        }
                    )
    return out


def _csv_value(x: object) -> str:
    if x is None:
        return ""
    if isinstance(x, bool):
        return "true" if x else "false"
    return repr(x) if isinstance(x, float) else str(x)


def tidy_csv(report: Report) -> tuple[str, str]:
    """Tidy csv (see the module docstring); warnings and table notes in the second string."""
    rows = tidy_rows(report)
    keys = list(dict.fromkeys(k for r in rows for k in r["config"]))
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([*TIDY_FIELDS, *keys])
    for r in rows:
        w.writerow([_csv_value(r[f]) for f in TIDY_FIELDS] + [r["config"].get(k, "") for k in keys])
    warnings = [
        f"{r['benchmark']} {r['unit']} {r['column']}: {m}" for r in rows for m in r["warnings"]
    ]
    warnings += [f"{t.unit}: {n}" for t in report.tables for n in t.notes]
    return buf.getvalue(), "".join(f"{m}\n" for m in warnings)


def _column_dict(c: Column) -> dict[str, Any]:
    return {"label": c.label, "settings": dict(c.settings), "sample_sec": _full(c.sample_sec)}


def to_dict(report: Report) -> dict[str, Any]:
    """The report as plain data: options, tables' metadata and the tidy rows."""
    o = report.options
    tables = [
        {
            "config": {k: v for k, v in t.config if v},
            "unit": t.unit,
            "assumption": t.assumption,
            "better": _better_name(t.better),
            "columns": [_column_dict(c) for c in t.columns],
            "notes": list(t.notes),
            "geomean": [
                {
                    "column": c.label,
                    "center": _full(g.center),
                    "ratio": _full(g.ratio),
                    "warnings": list(g.warnings),
                }
                for c, g in zip(t.columns, t.geomean, strict=True)
            ],
        }
        for t in report.tables
    ]
    options = {
        "alpha": o.alpha,
        "confidence": o.confidence,
        "correction": "none" if o.benchstat_compat else o.correction,
        "benchstat_compat": o.benchstat_compat,
        "table": o.table,
        "row": o.row,
        "col": o.col,
        "ignore": o.ignore,
        "filter": o.filter,
        "cv_threshold_pct": o.cv_threshold_pct,
    }
    return {
        "schema": JSON_SCHEMA,
        "options": options,
        "notes": list(report.notes),
        "tables": tables,
        "rows": tidy_rows(report, _full),
    }


def to_json(report: Report) -> str:
    return json.dumps(to_dict(report), indent=2, ensure_ascii=False) + "\n"


# --- markdown ---------------------------------------------------------------------------


def _md(s: str) -> str:
    return s.replace("|", "\\|")


def _md_cell(
    report: Report,
    t: Table,
    cell: Cell,
    fmt: str,
    first: bool,
    mark: Callable[[Sequence[str]], str],
) -> list[str]:
    binary = unit_is_binary(t.unit)
    out = [f"{fmt} ± {cell.summary.pct_range()}{mark(_cell_warnings(cell))}"]
    if not first:
        c = cell.comparison
        out.append(
            ""
            if c is None
            else f"{delta_text(report, t, cell, binary)} "
            f"({pvalue_text(report, cell)}){mark(c.warnings)}"
        )
    return out


def _md_table(report: Report, t: Table, out: io.StringIO) -> None:
    binary = unit_is_binary(t.unit)
    notes: list[str] = []

    def mark(msgs: Sequence[str]) -> str:
        refs = []
        for m in msgs:
            if m not in notes:
                notes.append(m)
            refs.append(superscript(notes.index(m) + 1))
        return (" " + " ".join(refs)) if refs else ""

    head = [_md(t.unit)]
    for i, c in enumerate(t.columns):
        head += [_md(c.label) or "—"] + (["vs base"] if i > 0 else [])
    out.write("| " + " | ".join(head) + " |\n")
    out.write("|" + "---|" + "|".join("---:" for _ in head[1:]) + "|\n")
    for r in t.rows:
        scaler = common_scale([c.summary.center for c in r.cells if c is not None], binary)
        line = [_md(r.label)]
        for i, cell in enumerate(r.cells):
            if cell is None:
                line += [""] if i == 0 else ["", ""]
            else:
                line += _md_cell(report, t, cell, scaler.format(cell.summary.center), i == 0, mark)
        out.write("| " + " | ".join(line) + " |\n")
    if len(t.rows) > 1:
        line = ["geomean"]
        for i, g in enumerate(t.geomean):
            line.append(
                (scale(g.center, binary) if g.center is not None else "")
                + (mark(g.warnings) if i == 0 else "")
            )
            if i > 0:
                line.append((_ratio_text(g) or "?") + mark(g.warnings))
        out.write("| " + " | ".join(line) + " |\n")
    if notes:
        out.write(
            "\n"
            + "\n".join(f"{superscript(i + 1)} {_md(m)}  " for i, m in enumerate(notes)).rstrip()
            + "\n"
        )
    for n in t.notes:
        out.write(f"\n_{_md(n)}_\n")
    out.write("\n")


def to_markdown(report: Report) -> str:
    """One GitHub-flavoured table per section; warnings as footnotes, notes below."""
    out = io.StringIO()
    prev: tuple[tuple[str, str], ...] | None = None
    for t in report.tables:
        changed = [
            (k, v) for j, (k, v) in enumerate(t.config) if v and (prev is None or v != prev[j][1])
        ]
        if changed:
            out.write(" · ".join(f"**{_md(k)}**: {_md(v)}" for k, v in changed) + "\n\n")
        prev = t.config
        _md_table(report, t, out)
    for n in report.notes:
        out.write(f"_{_md(n)}_\n")
    return out.getvalue()
