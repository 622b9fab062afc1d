"""Render a comparison :class:`~analysis.compare.Report` as text, csv, json or markdown.

One job: layout. The numbers come from ``analysis.compare``; this module only
formats them. Text and csv are benchstat's (cmd/benchstat's ``benchtab`` and
``texttab``, ``benchunit`` scaling), byte for byte when the report was built
with ``benchstat_compat=True``: one section per table and unit, a header of
column labels drawn with ``│``, each cell ``median ± CI%`` scaled with a
common SI (or, for byte units, binary) prefix per row showing at least three
significant digits, ``vs base`` columns with the change or ``~`` and
``(p=… n=…)``, a geomean row, and numbered footnotes for warnings.

JSON (``schema`` 1) is for programs::

    {"schema": 1,
     "options": {"alpha", "confidence", "correction", "benchstat_compat",
                 "table", "row", "col", "ignore", "filter", "cv_threshold_pct"},
     "notes": [str],
     "tables": [{
        "config": {key: value},            # file configuration of this table
        "unit": str, "assumption": "nothing"|"exact",
        "better": "lower"|"higher"|"unknown",
        "columns": [str],                  # labels; the first is the baseline
        "rows": [{
            "benchmark": str, "unit": str, "key": {field: value},
            "cells": [null | {
                "column": str, "median": float, "ci_low": float|null,
                "ci_high": float|null, "ci_pct": float|null, "confidence": float,
                "n": int, "cv": float|null, "warnings": [str],
                "comparison": null | {      # absent on the baseline column
                    "delta_pct": float|null, "abs_delta": float,
                    "p_value": float, "p_adjusted": float|null,
                    "significant": bool, "warnings": [str]}}],
            "advice": [str]}],
        "geomean": [{"column": str, "center": float|null, "ratio": float|null,
                     "warnings": [str]}]}]}

``median`` is the centre of the cell (the mode under ``assume=exact``);
``ci_low``/``ci_high`` are null when the sample is too small for a bounded
interval; ``delta_pct`` is ``(new/old − 1)·100`` and null when old is 0;
``significant`` is after the table's multiplicity correction.
Markdown is a GitHub table per section, for reports and pull requests.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from analysis import stats
from analysis.compare import Cell, ColumnSummary, Report, Row, Table

Format = Literal["text", "csv", "json", "markdown"]
JSON_SCHEMA = 1


def render(report: Report, fmt: Format = "text") -> tuple[str, str]:
    """``(output, warnings)``: the report in ``fmt``; csv puts warnings in the second string."""
    if fmt == "text":
        return to_text(report), ""
    if fmt == "csv":
        return to_csv(report)
    if fmt == "json":
        return to_json(report), ""
    if fmt == "markdown":
        return to_markdown(report), ""
    raise ValueError(f"unknown format {fmt!r}: use text, csv, json or markdown")


# --- number formatting (golang.org/x/perf/benchunit) ----------------------------


def unit_is_binary(unit: str) -> bool:
    """benchunit ``ClassOf``: binary prefixes when bytes appear in the numerator."""
    denom = False
    tok = ""
    for ch in unit + " ":
        if ch in "*/-" or ch.isspace():
            if tok in ("B", "MB", "bytes") and not denom:
                return True
            tok = ""
            if ch == "*":
                denom = False
            elif ch == "/":
                denom = True
        else:
            tok += ch
    return False


@dataclass(frozen=True)
class Scaler:
    """A number format: digits after the point, a factor and its prefix (benchunit.Scaler)."""

    prec: int
    factor: float
    prefix: str

    def format(self, val: float) -> str:
        return f"{val / self.factor:.{self.prec}f}{self.prefix}"


@dataclass(frozen=True)
class _Factor:
    factor: float
    prefix: str
    t100: float
    t10: float
    t1: float


def _si_factors() -> list[_Factor]:
    out = []
    exp = 12
    for p in ("T", "G", "M", "k", "", "m", "µ", "n"):
        out.append(_Factor(float(f"1e{exp}"), p, float(f"99.995e{exp}"), float(f"9.9995e{exp}"),
                           float(f".99995e{exp}")))
        exp -= 3
    return out


def _iec_factors() -> list[_Factor]:
    out = []
    exp = 40
    for p in ("Ti", "Gi", "Mi", "Ki", ""):
        out.append(_Factor(2.0**exp, p, float.fromhex(f"0x1.8ffae147ae148p{6 + exp}"),
                           float.fromhex(f"0x1.3ffbe76c8b439p{3 + exp}"),
                           float.fromhex(f"0x1.fff972474538fp{-1 + exp}")))
        exp -= 10
    return out


_SI = _si_factors()
_IEC = _iec_factors()
_SIGFIGS = [float(f"9.9995e{e}") for e in range(-1, -9, -1)]


def common_scale(values: Sequence[float], binary: bool) -> Scaler:
    """A scale showing >= 3 significant digits of every value (benchunit.CommonScale)."""
    smallest = 0.0
    for v in values:
        v = abs(v)
        if v != 0 and (smallest == 0 or v < smallest):
            smallest = v
    if smallest == 0:
        return Scaler(3, 1.0, "")
    factors = _IEC if binary else _SI
    for f in factors:
        if smallest >= f.t100:
            return Scaler(1, f.factor, f.prefix)
        if smallest >= f.t10:
            return Scaler(2, f.factor, f.prefix)
        if smallest >= f.t1:
            return Scaler(3, f.factor, f.prefix)
    last = factors[-1]
    val = smallest / last.factor
    for i, thresh in enumerate(_SIGFIGS):
        if val >= thresh or i == len(_SIGFIGS) - 1:
            return Scaler(i + 3, last.factor, last.prefix)
    raise AssertionError("unreachable")


def scale(val: float, binary: bool) -> str:
    return common_scale([val], binary).format(val)


_SUPER = "⁰¹²³⁴⁵⁶⁷⁸⁹"


def superscript(i: int) -> str:
    return "".join(_SUPER[int(d)] for d in str(i))


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
    prefix = s[len(num):]
    if "." in num:
        num = num.rstrip("0").rstrip(".")
    return ("+" if v > 0 else "-") + num + prefix


def pvalue_text(report: Report, cell: Cell) -> str:
    """``p=0.012 n=10``; with a correction, ``p=0.012 adj=0.048 n=10``."""
    c = cell.comparison
    assert c is not None
    s = c.format_test()
    if not _compat(report) and report.options.corrected and cell.p_adjusted is not None \
            and c.p_value != 0:
        head, _, tail = s.partition(" ")
        s = f"{head} adj={cell.p_adjusted:.3f} {tail}"
    return s


def _ratio_text(s: ColumnSummary) -> str | None:
    return None if s.ratio is None else f"{(s.ratio - 1) * 100:+.2f}%"


def _cell_warnings(report: Report, row: Row, cells: Sequence[Cell | None], idx: int) -> list[str]:
    """Sample and summary warnings of a cell, plus (ours) the row's advice on its last cell."""
    cell = cells[idx]
    assert cell is not None
    out = list(cell.warnings) + list(cell.summary.warnings)
    if row.advice and idx == max(i for i, c in enumerate(cells) if c is not None):
        out += list(row.advice)
    return out


# --- text (texttab) ---------------------------------------------------------------


@dataclass
class _TCell:
    row: int
    col: int
    span: int
    value: str
    margin: str
    align: str


@dataclass
class _TextTable:
    """cmd/benchstat/internal/texttab: cells on a grid, columns sized to fit."""

    cells: list[_TCell] = field(default_factory=list)
    cols: int = 0
    shrink: list[bool] = field(default_factory=list)
    cur_row: int = 0
    cur_col: int = 0

    def row(self) -> None:
        if self.cells:
            self.cur_row += 1
        self.cur_col = 0

    def col(self, c: int) -> None:
        if c < self.cur_col:
            raise ValueError(f"cannot move from column {self.cur_col} to earlier column {c}")
        self.cur_col = c

    def span(self, n: int, value: str, align: str = "left", margin: str | None = None) -> None:
        lm = "" if self.cur_col == 0 or value == "" else " "
        if margin is not None:
            lm = margin
        self.cells.append(_TCell(self.cur_row, self.cur_col, n, value, lm, align))
        self.cur_col += n
        self.cols = max(self.cols, self.cur_col)

    def cell(self, value: str, align: str = "left", margin: str | None = None) -> None:
        self.span(1, value, align, margin)

    def set_shrink(self, c: int) -> None:
        while len(self.shrink) < c + 1:
            self.shrink.append(False)
        self.shrink[c] = True

    def format(self) -> str:
        def is_shrink(c: int) -> bool:
            return c < len(self.shrink) and self.shrink[c]

        lmargin = [0] * self.cols
        for c in self.cells:
            lmargin[c.col] = max(len(c.margin), lmargin[c.col])
        ws = [0] * self.cols
        for c in sorted(self.cells, key=lambda c: c.span):
            w = len(c.value) + lmargin[c.col]
            if c.span == 1:
                ws[c.col] = max(ws[c.col], w)
                continue
            if sum(ws[c.col:c.col + c.span]) >= w:
                continue
            span_cols = []
            for col in range(c.col, c.col + c.span):
                if is_shrink(col):
                    w -= ws[col]
                else:
                    span_cols.append(col)
            span_cols.sort(key=lambda col: -ws[col])
            remaining = len(span_cols)
            for col in span_cols:
                avg = (w + remaining - 1) // remaining if w + remaining - 1 >= 0 else \
                    -((-(w + remaining - 1)) // remaining)
                ws[col] = max(ws[col], avg)
                w -= ws[col]
                remaining -= 1
        offs = [0] * (self.cols + 1)
        off = 0
        for i, w in enumerate(ws):
            offs[i] = off
            off += w
        offs[len(ws)] = off

        out = io.StringIO()
        row = off = 0
        for c in sorted(self.cells, key=lambda c: (c.row, c.col)):
            if c.value.strip() == "" and c.margin.strip() == "":
                continue
            while c.row > row:
                out.write("\n")
                row += 1
                off = 0
            spaces = offs[c.col] - off
            out.write(_go_pad("", spaces))
            out.write(_go_pad(c.margin, lmargin[c.col]))
            off += spaces + lmargin[c.col]
            tw = offs[c.col + c.span] - offs[c.col] - lmargin[c.col]
            if c.align == "center":
                s = _go_pad("", (tw - len(c.value)) // 2 if tw >= len(c.value)
                            else -((len(c.value) - tw) // 2)) + c.value
            elif c.align == "right":
                s = _go_pad(c.value, tw)
            else:
                s = c.value
            out.write(s)
            off += len(s)
        if self.cells:
            out.write("\n")
        return out.getvalue()


def _go_pad(s: str, width: int) -> str:
    """fmt's ``%*s``: right-justify to width; a negative width left-justifies."""
    return s.ljust(-width) if width < 0 else s.rjust(width)


def _key_header(columns: Sequence[Any], nfields: int) -> list[list[tuple[str, int, int]]]:
    """benchproc.NewKeyHeader flattened by level: (value, start, len) nodes per level."""
    levels: list[list[tuple[str, int, int]]] = []
    parents = [(0, len(columns))]
    for level in range(nfields):
        nodes: list[tuple[str, int, int]] = []
        for start, length in parents:
            j = start
            while j < start + length:
                val, k = columns[j].values[level], j
                while k < start + length and columns[k].values[level] == val:
                    k += 1
                nodes.append((val, j, k - j))
                j = k
        levels.append(nodes)
        parents = [(n[1], n[2]) for n in nodes]
    return levels


def _table_text(report: Report, t: Table) -> str:
    o = _TextTable()
    label_cols, center_cols, delta_cols = 1, 3, 3

    def start_col(exp: int) -> int:
        if exp == 0:
            return label_cols
        return label_cols + center_cols + (exp - 1) * (center_cols + delta_cols)

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

    ncols = len(t.columns)
    r_edge = start_col(ncols + 1)
    levels = _key_header(t.columns, len(report.col_fields)) if report.col_fields else []
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
            warn(_cell_warnings(report, row, row.cells, exp))
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
    return text


def _print_tables(report: Report, hdr: Any, body: Any) -> None:
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
    _print_tables(report, lambda h: out.write(h + "\n"),
                  lambda t: out.write(_table_text(report, t)))
    if report.notes and report.tables:
        out.write("\n")
        for n in report.notes:
            out.write(f"note: {n}\n")
    return out.getvalue()


# --- csv ----------------------------------------------------------------------------


def _csv_field(f: str) -> str:
    """encoding/csv quoting: commas, quotes, CR/LF or a leading space force quotes."""
    if f == "":
        return f
    if f == "\\." or any(ch in f for ch in ',"\r\n') or f[0].isspace():
        return '"' + f.replace('"', '""') + '"'
    return f


def _csv_record(fields: Sequence[str]) -> str:
    return ",".join(_csv_field(f) for f in fields) + "\n"


def _col_name(x: int) -> str:
    name = ""
    while x > 0:
        name = chr(ord("A") + x % 26) + name
        x //= 26
    return name or "A"


def to_csv(report: Report) -> tuple[str, str]:
    """benchstat's csv: raw float64 values; warnings go to the second string as ``B7: msg``."""
    out = io.StringIO()
    warnings = io.StringIO()
    state = {"row": 1}

    def hdr(h: str) -> None:
        out.write(_csv_record([h]))
        state["row"] += 1

    def body(t: Table) -> None:
        state["row"] += _table_csv(report, t, state["row"], out, warnings)

    _print_tables(report, hdr, body)
    return out.getvalue(), warnings.getvalue()


def _table_csv(report: Report, t: Table, start_row: int, out: io.StringIO,
               warnings: io.StringIO) -> int:
    label_cols, center_cols, delta_cols = 1, 2, 2

    def start_col(exp: int) -> int:
        if exp == 0:
            return label_cols
        return label_cols + center_cols + (exp - 1) * (center_cols + delta_cols)

    row: list[str] = []
    count = 0

    def clear_to(c: int) -> None:
        while len(row) < c:
            row.append("")

    def emit() -> None:
        nonlocal count
        out.write(_csv_record(row))
        row.clear()
        count += 1

    def warn(msgs: Sequence[str]) -> None:
        for m in msgs:
            warnings.write(f"{_col_name(len(row))}{start_row + count}: {m}\n")

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
            ws = _cell_warnings(report, r, r.cells, exp)
            warn(ws[:len(cell.warnings)])
            warn(ws[len(cell.warnings):])
            row.extend([stats.go_repr(cell.summary.center), cell.summary.pct_range()])
            if exp > 0 and cell.comparison is not None:
                warn(cell.comparison.warnings)
                row.extend([delta_text(report, t, cell, binary), pvalue_text(report, cell)])
        emit()
    row.append("geomean")
    for exp, s in enumerate(t.geomean):
        clear_to(start_col(exp))
        warn(s.warnings)
        if s.center is not None:
            row.append(stats.go_repr(s.center))
        if exp > 0:
            clear_to(start_col(exp) + center_cols)
            row.append(_ratio_text(s) or "?")
    clear_to(start_col(ncols))
    emit()
    return count


# --- json -----------------------------------------------------------------------------


def _num(x: float | None) -> float | None:
    if x is None or math.isinf(x) or math.isnan(x):
        return None
    return x


def _better_name(b: int) -> str:
    return {1: "higher", -1: "lower"}.get(b, "unknown")


def to_dict(report: Report) -> dict[str, Any]:
    """The report as plain data (see the module docstring for the schema)."""
    o = report.options
    tables = []
    for t in report.tables:
        labels = [c.label for c in t.columns]
        rows = []
        for r in t.rows:
            cells: list[dict[str, Any] | None] = []
            for label, cell in zip(labels, r.cells, strict=True):
                if cell is None:
                    cells.append(None)
                    continue
                s = cell.summary
                d: dict[str, Any] = {
                    "column": label, "median": _num(s.center), "ci_low": _num(s.lo),
                    "ci_high": _num(s.hi), "ci_pct": _num(s.ci_pct), "confidence": s.confidence,
                    "n": s.n, "cv": s.cv, "warnings": list(cell.warnings) + list(s.warnings),
                }
                c = cell.comparison
                if c is not None:
                    d["comparison"] = {
                        "delta_pct": _num(c.delta_pct), "abs_delta": _num(cell.abs_delta),
                        "p_value": c.p_value, "p_adjusted": cell.p_adjusted,
                        "significant": bool(cell.significant), "warnings": list(c.warnings),
                    }
                cells.append(d)
            rows.append({"benchmark": r.label, "unit": t.unit, "key": dict(r.values),
                         "cells": cells, "advice": list(r.advice)})
        tables.append({
            "config": {k: v for k, v in t.config if v},
            "unit": t.unit, "assumption": t.assumption, "better": _better_name(t.better),
            "columns": labels, "rows": rows,
            "geomean": [{"column": label, "center": _num(g.center), "ratio": _num(g.ratio),
                         "warnings": list(g.warnings)}
                        for label, g in zip(labels, t.geomean, strict=True)],
        })
    return {
        "schema": JSON_SCHEMA,
        "options": {"alpha": o.alpha, "confidence": o.confidence,
                    "correction": "none" if o.benchstat_compat else o.correction,
                    "benchstat_compat": o.benchstat_compat, "table": o.table, "row": o.row,
                    "col": o.col, "ignore": o.ignore, "filter": o.filter,
                    "cv_threshold_pct": o.cv_threshold_pct},
        "notes": list(report.notes),
        "tables": tables,
    }


def to_json(report: Report) -> str:
    return json.dumps(to_dict(report), indent=2, ensure_ascii=False) + "\n"


# --- markdown ---------------------------------------------------------------------------


def _md(s: str) -> str:
    return s.replace("|", "\\|")


def to_markdown(report: Report) -> str:
    """One GitHub-flavoured table per section; warnings and advice as footnotes."""
    out = io.StringIO()
    prev: tuple[tuple[str, str], ...] | None = None
    for t in report.tables:
        changed = [(k, v) for j, (k, v) in enumerate(t.config)
                   if v and (prev is None or v != prev[j][1])]
        if changed:
            out.write(" · ".join(f"**{_md(k)}**: {_md(v)}" for k, v in changed) + "\n\n")
        prev = t.config
        binary = unit_is_binary(t.unit)
        notes: list[str] = []

        def mark(msgs: Sequence[str], notes: list[str] = notes) -> str:
            refs = []
            for m in msgs:
                if m not in notes:
                    notes.append(m)
                refs.append(superscript(notes.index(m) + 1))
            return (" " + " ".join(refs)) if refs else ""

        head = [f"{_md(t.unit)}"]
        for i, c in enumerate(t.columns):
            head.append(_md(c.label) or "—")
            if i > 0:
                head.append("vs base")
        out.write("| " + " | ".join(head) + " |\n")
        out.write("|" + "---|" + "|".join("---:" for _ in head[1:]) + "|\n")
        for r in t.rows:
            scaler = common_scale([c.summary.center for c in r.cells if c is not None], binary)
            line = [_md(r.label)]
            for i, cell in enumerate(r.cells):
                if cell is None:
                    line.append("")
                    if i > 0:
                        line.append("")
                    continue
                ws = _cell_warnings(report, r, r.cells, i)
                line.append(f"{scaler.format(cell.summary.center)} ± "
                            f"{cell.summary.pct_range()}{mark(ws)}")
                if i > 0:
                    if cell.comparison is None:
                        line.append("")
                    else:
                        refs = mark(cell.comparison.warnings)
                        line.append(f"{delta_text(report, t, cell, binary)} "
                                    f"({pvalue_text(report, cell)}){refs}")
            out.write("| " + " | ".join(line) + " |\n")
        if len(t.rows) > 1:
            line = ["geomean"]
            for i, g in enumerate(t.geomean):
                line.append((scale(g.center, binary) if g.center is not None else "")
                            + (mark(g.warnings) if i == 0 else ""))
                if i > 0:
                    line.append((_ratio_text(g) or "?") + mark(g.warnings))
            out.write("| " + " | ".join(line) + " |\n")
        if notes:
            out.write("\n" + "\n".join(f"{superscript(i + 1)} {_md(m)}  "
                                       for i, m in enumerate(notes)).rstrip() + "\n")
        out.write("\n")
    for n in report.notes:
        out.write(f"_{_md(n)}_\n")
    return out.getvalue()


__all__ = ["JSON_SCHEMA", "Scaler", "common_scale", "delta_text", "pvalue_text", "render",
           "scale", "superscript", "to_csv", "to_dict", "to_json", "to_markdown", "to_text",
           "unit_is_binary"]
