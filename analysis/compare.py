"""Group benchmark records into comparison tables, the way benchstat does, and beyond.

One job: records in, :class:`Report` out. A record is projected into a
*table* (by default its file configuration and unit), a *row* (its full
name) and a *column* (its input file's label); each cell is a sample that
``analysis.stats`` summarises, and every column after the first is compared
with the first (the baseline). The projection and filter languages are
benchstat's (golang.org/x/perf/benchproc): ``-col /variant``, ``.name``,
``/format@(gob json)``, ``.unit:(ns/op OR B/op)``, ``key:/regexp/``, ...

Beyond benchstat (all off with ``benchstat_compat=True``, which reproduces
benchstat's numbers, order and warnings exactly):

* **Multiplicity.** A table with 40 rows and α = 0.05 shows about two false
  "changes" by chance alone. Within each table the Mann–Whitney p-values are
  adjusted with **Holm's step-down method** (Holm 1979), which controls the
  family-wise error rate (the chance of *any* false alarm) at α without
  assuming the tests are independent — benchmarks measured in one session
  share the machine, so their p-values are not. Benjamini–Hochberg would give
  more power but controls only the false-discovery *proportion* and needs
  independence (or positive dependence); a CI gate that fails a build on one
  false alarm wants FWER control, so Holm it is. Raw p-values are kept.
* **Noise advice.** Rows whose cells are too small for a confidence interval
  (or for the U test to ever reach α) say which ``--count`` would be enough;
  cells whose coefficient of variation exceeds a threshold (5 %) are flagged.
* **Zeros.** A ratio against 0 (``0 B/op → 16 B/op``) is meaningless; such
  changes are reported as absolute deltas (``+16 B/op``) and zero centres are
  kept out of the geometric means instead of voiding them.
* **Gates.** :func:`gate` lists the rows that regress (or change) by more than
  a threshold, honouring ``better=higher`` unit metadata.

Neighbours: ``analysis.stats`` (the statistics), ``analysis.table`` (rendering).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cmp_to_key
from typing import Any, Literal

from analysis import stats
from analysis.stats import Comparison, Sample, Summary

Correction = Literal["holm", "none"]
FailOn = Literal["regression", "change"]

#: ``bench compare --by`` presets: the column projection each one means. Columns
#: appear in input order except for variants, where noescape is always the
#: baseline (so a change reads as "escaping costs +x %") and unpaired
#: benchmarks drop out.
BY_PRESETS: Mapping[str, str] = {
    "go": "go-version",
    "machine": "machine",
    "run": ".file",
    "variant": "/variant@(noescape escape)",
}


class QueryError(ValueError):
    """A malformed filter or projection expression (message in benchstat's words)."""


# --- options and results ------------------------------------------------------


@dataclass(frozen=True)
class CompareOptions:
    """How to group and judge records; defaults are benchstat's flags' defaults."""

    table: str = ".config"
    row: str = ".fullname"
    col: str = ".file"
    ignore: str = ""
    filter: str = "*"
    alpha: float = stats.DEFAULT_ALPHA
    confidence: float = stats.DEFAULT_CONFIDENCE
    #: Reproduce benchstat exactly: no correction, no advice, zeros as benchstat does.
    benchstat_compat: bool = False
    correction: Correction = "holm"
    #: Coefficient of variation (percent) above which a cell is called noisy.
    cv_threshold_pct: float = 5.0

    def __post_init__(self) -> None:
        if not 0 <= self.alpha <= 1:
            raise ValueError("-alpha must be in range [0, 1]")
        if not 0 <= self.confidence <= 1:
            raise ValueError("-confidence must be in range [0, 1]")
        if self.correction not in ("holm", "none"):
            raise ValueError(f"unknown correction {self.correction!r}: use 'holm' or 'none'")

    @property
    def corrected(self) -> bool:
        return not self.benchstat_compat and self.correction == "holm"


@dataclass(frozen=True)
class Column:
    """One column: its values for each column field, and a display label."""

    values: tuple[str, ...]
    label: str


@dataclass(frozen=True)
class Cell:
    """One sample of a table, its summary and (after the baseline) its comparison.

    ``warnings`` are about the sample itself (e.g. ``benchmarks vary in
    .fullname``); the summary and comparison carry their own. ``p_adjusted``
    is the p-value after the table's multiplicity correction (None when there
    is none, or the comparison is not a test: identical samples, exact
    units); ``significant`` is the verdict after correction (the raw verdict
    when there is none); ``abs_delta`` is ``new - old`` of the centres.
    """

    sample: Sample
    summary: Summary
    comparison: Comparison | None = None
    warnings: tuple[str, ...] = ()
    p_adjusted: float | None = None
    significant: bool | None = None
    abs_delta: float | None = None


@dataclass(frozen=True)
class Row:
    """One row: a label (benchstat's row key values) and a cell per column (or None)."""

    label: str
    values: tuple[tuple[str, str], ...]
    cells: tuple[Cell | None, ...]
    advice: tuple[str, ...] = ()


@dataclass(frozen=True)
class ColumnSummary:
    """The geomean row's entry for one column: centre and ratio to the baseline."""

    center: float | None
    ratio: float | None
    warnings: tuple[str, ...] = ()
    excluded_zeros: int = 0


@dataclass(frozen=True)
class Table:
    """All rows sharing a table key (file configuration and unit)."""

    config: tuple[tuple[str, str], ...]
    unit: str
    assumption: stats.Assumption
    better: int
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    geomean: tuple[ColumnSummary, ...]


@dataclass(frozen=True)
class Report:
    """Every table of one comparison, with what produced it."""

    tables: tuple[Table, ...]
    col_fields: tuple[str, ...]
    options: CompareOptions
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class GateHit:
    """A row that fails a gate: a significant change past the threshold in one column."""

    table: Table
    row: Row
    column: Column
    delta_pct: float | None
    abs_delta: float | None
    p_value: float
    p_adjusted: float | None
    reason: str


# --- the query language (golang.org/x/perf/benchproc/syntax) -----------------


@dataclass(frozen=True)
class _Tok:
    kind: str  # 'w' word, 'q' quoted, 'r' regexp, 'A' AND, 'O' OR, op char, '' EOF
    off: int
    text: str
    regexp: re.Pattern[str] | None = None


_OPS = "():@,"


def _is_space(ch: str) -> bool:
    return ch.isspace() or unicodedata.category(ch) == "Zs"


class _Tokens:
    """benchproc's tokenizer: an immutable position in the query plus a shared error slot."""

    def __init__(self, q: str, pos: int = 0, err: list[QueryError] | None = None) -> None:
        self.q, self.pos = q, pos
        self.err: list[QueryError] = err if err is not None else []

    def _at(self, pos: int) -> _Tokens:
        return _Tokens(self.q, pos, self.err)

    def error(self, msg: str, at: int | None = None) -> tuple[_Tok, _Tokens]:
        if not self.err:
            off = self.pos if at is None else at
            self.err.append(QueryError(_syntax_message(self.q, off, msg)))
        return _Tok("", len(self.q), ""), self._at(len(self.q))

    def key_or_op(self) -> tuple[_Tok, _Tokens]:
        return self._next(False)

    def value_or_op(self) -> tuple[_Tok, _Tokens]:
        return self._next(True)

    def end(self) -> _Tokens:
        tok, _ = self.key_or_op()
        if tok.kind != "":
            _, t2 = self.error(f"unexpected {_go_quote(tok.text)}")
            return t2
        return self

    def _next(self, allow_regexp: bool) -> tuple[_Tok, _Tokens]:
        q, pos = self.q, self.pos
        while pos < len(q):
            ch = q[pos]
            if ch in _OPS or ch in "-*":
                return _Tok(ch, pos, ch), self._at(pos + 1)
            if _is_space(ch):
                pos += 1
                continue
            here = self._at(pos)
            if allow_regexp and ch == "/":
                return here._regexp()
            if ch == '"':
                return here._quoted()
            return here._bare()
        return _Tok("", len(q), ""), self._at(len(q))

    def _bare(self) -> tuple[_Tok, _Tokens]:
        q, start = self.q, self.pos
        end = start
        while end < len(q) and not (_is_space(q[end]) or q[end] in _OPS):
            end += 1
        word = q[start:end]
        kind = {"AND": "A", "OR": "O"}.get(word, "w")
        return _Tok(kind, start, word), self._at(end)

    def _quoted(self) -> tuple[_Tok, _Tokens]:
        q, start = self.q, self.pos
        pos = start + 1
        while pos < len(q) and (q[pos] != '"' or q[pos - 1] == "\\"):
            pos += 1
        if pos == len(q):
            return self.error("missing end quote")
        try:
            word = _go_unquote(q[start:pos + 1])
        except ValueError:
            return self.error("bad escape sequence")
        return _Tok("q", start, word), self._at(pos + 1)

    def _regexp(self) -> tuple[_Tok, _Tokens]:
        q, start = self.q, self.pos
        body = q[start + 1:]
        expr, rest = _regexp_parse_until(body, "/")
        if rest is None:
            return self.error('missing close "/"')
        try:
            rx = re.compile(expr)
        except re.error as e:
            return self.error(f"error parsing regexp: {e}")
        after = start + 1 + len(expr) + 1
        if after < len(q) and not (_is_space(q[after]) or q[after] in _OPS or q[after] in "-*"):
            return self._at(after).error(
                'regexp must be followed by space or an operator (unescaped "/"?)')
        return _Tok("r", start, expr, rx), self._at(after)


def _regexp_parse_until(s: str, delim: str) -> tuple[str, str | None]:
    cs = cp = 0
    i = 0
    while i < len(s):
        if cs == 0 and cp == 0 and s.startswith(delim, i):
            return s[:i], s[i:]
        ch = s[i]
        if ch == "[":
            cs += 1
        elif ch == "]":
            cs = max(cs - 1, 0)
        elif ch == "(" and cs == 0:
            cp += 1
        elif ch == ")" and cs == 0:
            cp -= 1
        elif ch == "\\":
            i += 1
        i += 1
    return s, None


def _go_quote(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _go_unquote(s: str) -> str:
    body = s[1:-1]
    out: list[str] = []
    i = 0
    simple = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "a": "\a", "b": "\b",
              "f": "\f", "v": "\v", "'": "'"}
    while i < len(body):
        ch = body[i]
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        i += 1
        if i >= len(body):
            raise ValueError("bad escape")
        esc = body[i]
        if esc in simple:
            out.append(simple[esc])
            i += 1
        elif esc in "xuU":
            width = {"x": 2, "u": 4, "U": 8}[esc]
            out.append(chr(int(body[i + 1:i + 1 + width], 16)))
            i += 1 + width
        elif esc in "01234567":
            out.append(chr(int(body[i:i + 3], 8)))
            i += 3
        else:
            raise ValueError("bad escape")
    return "".join(out)


def _syntax_message(q: str, off: int, msg: str) -> str:
    pos = sum(1 for ch in q[:off] if ch.isprintable())
    return f"syntax error: {msg}\n\t{q}\n\t{' ' * pos}^"


# Filter trees ----------------------------------------------------------------


@dataclass(frozen=True)
class _Match:
    key: str
    lit: str
    regexp: re.Pattern[str] | None
    off: int

    def match(self, value: str) -> bool:
        if self.regexp is not None:
            return self.regexp.search(value) is not None
        return self.lit == value


@dataclass(frozen=True)
class _Op:
    op: Literal["and", "or", "not"]
    exprs: tuple[Any, ...]


def _parse_filter(q: str) -> Any:
    toks = _Tokens(q)
    node, toks = _filter_expr(toks)
    toks = toks.end()
    if toks.err:
        raise toks.err[0]
    return node


def _filter_expr(toks: _Tokens) -> tuple[Any, _Tokens]:
    terms = []
    while True:
        node, toks = _filter_and(toks)
        terms.append(node)
        op, toks2 = toks.key_or_op()
        if op.kind != "O":
            break
        toks = toks2
    return (terms[0] if len(terms) == 1 else _Op("or", tuple(terms))), toks


def _filter_and(toks: _Tokens) -> tuple[Any, _Tokens]:
    node, toks = _filter_match(toks)
    terms = [node]
    while True:
        op, toks2 = toks.key_or_op()
        if op.kind == "A":
            toks = toks2
            continue
        if op.kind in ("(", "-", "*", "w", "q"):
            node, toks = _filter_match(toks)
            terms.append(node)
        elif op.kind in (")", "O", ""):
            break
        else:
            _, toks = toks.error(f"unexpected {_go_quote(op.text)}")
            return None, toks
    return (terms[0] if len(terms) == 1 else _Op("and", tuple(terms))), toks


def _filter_match(start: _Tokens) -> tuple[Any, _Tokens]:
    tok, rest = start.key_or_op()
    if tok.kind == "(":
        node, rest = _filter_expr(rest)
        op, toks2 = rest.key_or_op()
        if op.kind != ")":
            _, t = rest.error('missing ")"')
            return None, t
        return node, toks2
    if tok.kind == "-":
        node, rest = _filter_match(rest)
        return _Op("not", (node,)), rest
    if tok.kind == "*":
        return _Op("and", ()), rest
    if tok.kind in ("w", "q"):
        key, off = tok.text, tok.off
        op, toks2 = rest.key_or_op()
        if op.kind != ":":
            _, t = start.error("expected key:value")
            return None, t
        val, rest = toks2.value_or_op()
        if val.kind in ("w", "q", "r"):
            return _Match(key, val.text, val.regexp, off), rest
        if val.kind == "(":
            terms = []
            while True:
                val, toks2 = rest.value_or_op()
                if val.kind not in ("w", "q", "r"):
                    _, t = rest.error("expected value")
                    return None, t
                terms.append(_Match(key, val.text, val.regexp, off))
                rest = toks2
                val, toks2 = rest.value_or_op()
                if val.kind == ")":
                    return _Op("or", tuple(terms)), toks2
                if val.kind != "O":
                    _, t = rest.error("value list must be separated by OR")
                    return None, t
                rest = toks2
        _, t = start.error("expected key:value")
        return None, t
    _, t = start.error("expected key:value or subexpression")
    return None, t


@dataclass(frozen=True)
class _ProjField:
    key: str
    order: str = "first"
    fixed: tuple[str, ...] = ()
    key_off: int = 0
    order_off: int = 0


def _parse_projection(q: str) -> list[_ProjField]:
    fields: list[_ProjField] = []
    toks = _Tokens(q)
    while True:
        tok, toks2 = toks.key_or_op()
        if tok.kind == "":
            break
        if tok.kind == "," and fields:
            toks = toks2
        f, toks = _parse_proj_field(toks)
        fields.append(f)
        if toks.err:
            break
    toks = toks.end()
    if toks.err:
        raise toks.err[0]
    return fields


def _parse_proj_field(toks: _Tokens) -> tuple[_ProjField, _Tokens]:
    key, toks2 = toks.key_or_op()
    if key.kind not in ("w", "q"):
        _, toks = toks.error("expected key")
        return _ProjField(""), toks
    toks = toks2
    order_off = key.off + len(key.text)
    sep, toks2 = toks.key_or_op()
    if sep.kind != "@":
        return _ProjField(key.text, "first", (), key.off, order_off), toks
    toks = toks2
    order, toks2 = toks.key_or_op()
    if order.kind in ("w", "q"):
        return _ProjField(key.text, order.text, (), key.off, order.off), toks2
    if order.kind == "(":
        toks = toks2
        fixed: list[str] = []
        while True:
            t, toks2 = toks.key_or_op()
            if t.kind in ("w", "q"):
                toks = toks2
                fixed.append(t.text)
            elif t.kind == ")":
                if not fixed:
                    _, toks = toks.error("nothing to match")
                else:
                    toks = toks2
                break
            else:
                _, toks = toks.error("missing )")
                break
        return _ProjField(key.text, "fixed", tuple(fixed), key.off, order.off), toks
    _, toks = toks.error("expected named sort order or parenthesized list")
    return _ProjField(key.text), toks


# --- extracting fields from records -------------------------------------------


def _name_parts(r: Any) -> tuple[str, tuple[str, ...]]:
    return r.name.base, tuple(r.name.parts)


def _extract(r: Any, key: str) -> str:
    """The value of ``key`` for record ``r`` ("" when absent), like benchproc's extractors."""
    if key == ".name":
        return str(r.name.base)
    if key == ".fullname":
        return str(r.name.full)
    if key.startswith("/"):
        parts = r.name.parts
        if key == "/gomaxprocs" and parts and parts[-1].startswith("-"):
            return str(parts[-1][1:])
        prefix = key + "="
        for p in parts:
            if p.startswith(prefix):
                return str(p[len(prefix):])
        return ""
    for k, v in r.config:
        if k == key:
            return str(v)
    if key == ".file":
        # bench.benchfmt keeps the label as an internal ``.file`` config entry
        # (like Go's benchfmt); records built without it carry it in ``file``.
        return str(getattr(r, "file", "") or "")
    return ""


def _fullname_excluding(r: Any, exclude: Sequence[str]) -> str:
    exc_name = ".name" in exclude
    delete = [k + "=" for k in exclude if k.startswith("/")]
    exc_procs = "/gomaxprocs" in exclude
    full = str(r.name.full)
    if not exc_name and not any(d in full for d in delete) and not (exc_procs and "-" in full):
        return full
    base, parts = _name_parts(r)
    out = ["*" if exc_name else base]
    for p in parts:
        if any(p.startswith(d) for d in delete):
            continue
        if exc_procs and p.startswith("-"):
            continue
        out.append(p)
    return "".join(out)


_FilterResult = tuple[list[bool] | None, bool]
_FilterFn = Callable[[Any], _FilterResult]


def _compile_filter(node: Any) -> _FilterFn:
    if isinstance(node, _Match):
        if node.key == ".unit":
            def unit_match(r: Any) -> _FilterResult:
                return [node.match(v.unit) or bool(v.orig_unit and node.match(v.orig_unit))
                        for v in r.values], False
            return unit_match
        if node.key == ".config":
            raise QueryError(".config is only allowed in projections")

        def key_match(r: Any) -> _FilterResult:
            return None, node.match(_extract(r, node.key))
        return key_match
    subs = [_compile_filter(e) for e in node.exprs]
    return _filter_op(node.op, subs)


def _filter_op(op: str, subs: list[_FilterFn]) -> _FilterFn:
    if op == "not":
        sub = subs[0]

        def f_not(r: Any) -> _FilterResult:
            m, x = sub(r)
            return (None, not x) if m is None else ([not b for b in m], False)
        return f_not
    if op == "and":
        def f_and(r: Any) -> _FilterResult:
            mask: list[bool] | None = None
            for sub in subs:
                m, x = sub(r)
                if m is None:
                    if not x:
                        return None, False
                elif mask is None:
                    mask = m
                else:
                    mask = [a and b for a, b in zip(mask, m, strict=True)]
            return mask, True
        return f_and

    def f_or(r: Any) -> _FilterResult:
        mask: list[bool] | None = None
        for sub in subs:
            m, x = sub(r)
            if m is None:
                if x:
                    return None, True
            elif mask is None:
                mask = m
            else:
                mask = [a or b for a, b in zip(mask, m, strict=True)]
        return mask, False
    return f_or


# --- projections (benchproc.Projection) ---------------------------------------


def _parse_num(x: str) -> float | None:
    try:
        return float(x)
    except ValueError:
        pass
    m = re.search(r"([0-9.]+)([kKMGTPEZY]i?)?[bB]?", x)
    if m:
        try:
            v = float(m.group(1))
        except ValueError:
            return None
        pre = m.group(2) or ""
        exp = 0
        if pre:
            exp = 1 + "KMGTPEZY".index("K" if pre[0] == "k" else pre[0])
        return v * (1024.0 ** exp if pre.endswith("i") else 1000.0 ** exp)
    return None


def _cmp_alpha(a: str, b: str) -> int:
    return (a > b) - (a < b)


def _cmp_num(a: str, b: str) -> int:
    aa, bb = _parse_num(a), _parse_num(b)
    if aa is not None and bb is not None:
        if aa < bb or (not math.isnan(aa) and math.isnan(bb)):
            return -1
        if aa > bb or (math.isnan(aa) and not math.isnan(bb)):
            return 1
        return 0
    if aa is None and bb is None:
        return 0
    return -1 if aa is not None else 1


_BUILTIN_ORDERS: dict[str, Callable[[str, str], int]] = {"alpha": _cmp_alpha, "num": _cmp_num}


@dataclass(eq=False)
class _Field:
    name: str
    idx: int = -1
    is_tuple: bool = False
    sub: list[_Field] = field(default_factory=list)
    cmp: Callable[[str, str], int] = _cmp_alpha
    order: dict[str, int] | None = None


class _Projection:
    """Projects records into keys (tuples of field values) and orders those keys."""

    def __init__(self) -> None:
        self.root = _Field("", -1, True)
        self.nfields = 0
        self.unit_field: _Field | None = None
        self.project: list[Callable[[Any, list[str]], None]] = []
        self.keys: set[tuple[str, ...]] = set()

    def add_field(self, group: _Field, name: str) -> _Field:
        f = _Field(name, self.nfields)
        self.nfields += 1
        group.sub.append(f)
        return f

    def add_group(self, group: _Field, name: str) -> _Field:
        f = _Field(name, -1, True)
        group.sub.append(f)
        return f

    def flattened(self) -> list[_Field]:
        out: list[_Field] = []

        def walk(f: _Field) -> None:
            if f.idx != -1:
                out.append(f)
                return
            for s in f.sub:
                walk(s)
        walk(self.root)
        return out

    def _row(self, r: Any) -> list[str]:
        row: list[str] = []
        for proj in self.project:
            proj(r, row)
        return row

    def _intern(self, row: list[str]) -> tuple[str, ...]:
        while row and row[-1] == "":
            row = row[:-1]
        key = tuple(row)
        if key not in self.keys:
            for f in self.root.sub:
                if f.order is None:
                    continue
                val = key[f.idx] if f.idx < len(key) else ""
                if val not in f.order:
                    f.order[val] = len(f.order)
            self.keys.add(key)
        return key

    def project_one(self, r: Any) -> tuple[str, ...]:
        return self._intern(self._row(r))

    def project_values(self, r: Any) -> list[tuple[str, ...]]:
        row = self._row(r)
        if self.unit_field is None:
            key = self._intern(row)
            return [key for _ in r.values]
        out = []
        for v in r.values:
            row2 = list(row) + [""] * max(0, self.unit_field.idx + 1 - len(row))
            row2[self.unit_field.idx] = v.unit
            out.append(self._intern(row2))
        return out

    @staticmethod
    def get(key: tuple[str, ...], f: _Field) -> str:
        return key[f.idx] if f.idx < len(key) else ""

    def sort(self, keys: Iterable[tuple[str, ...]]) -> list[tuple[str, ...]]:
        flat = self.flattened()

        def cmp(a: tuple[str, ...], b: tuple[str, ...]) -> int:
            for f in flat:
                aa, bb = self.get(a, f), self.get(b, f)
                if aa != bb:
                    c = f.cmp(aa, bb)
                    if c != 0:
                        return c
                    return -1 if aa < bb else 1
            return 0
        return sorted(keys, key=cmp_to_key(cmp))

    def string_values(self, key: tuple[str, ...]) -> str:
        return " ".join(v for f in self.flattened() if (v := self.get(key, f)))


class _ProjectionParser:
    """benchproc.ProjectionParser: specific keys are excluded from .config/.fullname."""

    def __init__(self) -> None:
        self.config_keys: set[str] = set()
        self.fullname_keys: list[str] = []
        self.have_config = False
        self.have_fullname = False

    def parse(self, q: str, filters: list[_FilterFn]) -> _Projection:
        proj = _Projection()
        parts = _parse_projection(q)
        extra: list[_FilterFn] = []
        for part in parts:
            f = self._make(proj, q, part)
            if f is not None:
                extra.append(f)
        filters.extend(extra)
        return proj

    def parse_with_unit(self, q: str, filters: list[_FilterFn]) -> _Projection:
        proj = self.parse(q, filters)
        f = proj.add_field(proj.root, ".unit")
        order: dict[str, int] = {}
        f.order = order
        f.cmp = lambda a, b: order.get(a, 0) - order.get(b, 0)
        proj.unit_field = f
        return proj

    def residue(self) -> _Projection:
        s = _Projection()
        if not self.have_config:
            self._make(s, "", _ProjField(".config"))
        if not self.have_fullname:
            self._make(s, "", _ProjField(".fullname"))
        return s

    def _make(self, s: _Projection, q: str, pf: _ProjField) -> _FilterFn | None:
        def init(f: _Field) -> None:
            if pf.order == "fixed":
                fixed = {v: i for i, v in enumerate(pf.fixed)}
                f.cmp = lambda a, b: fixed.get(a, 0) - fixed.get(b, 0)
            elif pf.order == "first":
                order: dict[str, int] = {}
                f.order = order
                f.cmp = lambda a, b: order.get(a, 0) - order.get(b, 0)
            else:
                f.cmp = _BUILTIN_ORDERS[pf.order]

        if pf.order not in ("fixed", "first") and pf.order not in _BUILTIN_ORDERS:
            raise QueryError(_syntax_message(q, pf.order_off,
                                             f"unknown order {_go_quote(pf.order)}"))
        allowed = set(pf.fixed) if pf.order == "fixed" else None

        def fixed_filter(extract: Callable[[Any], str]) -> _FilterFn | None:
            """A fixed order also filters: values outside the list are dropped."""
            if allowed is None:
                return None
            return lambda r: (None, extract(r) in allowed)

        if pf.key == ".config":
            if pf.order == "fixed":
                raise QueryError(_syntax_message(q, pf.order_off,
                                                 "fixed order not allowed for .config"))
            self.have_config = True
            group = s.add_group(s.root, ".config")
            seen: dict[str, _Field] = {}

            def project_config(r: Any, row: list[str]) -> None:
                for k, v in r.config:
                    if k.startswith("."):
                        continue  # internal keys (.file) are not file configuration
                    f = seen.get(k)
                    if f is None:
                        if k in self.config_keys:
                            continue
                        f = s.add_field(group, k)
                        init(f)
                        seen[k] = f
                    while len(row) <= f.idx:
                        row.append("")
                    row[f.idx] = str(v)
            s.project.append(project_config)
            return None
        if pf.key == ".fullname":
            self.have_fullname = True
            f = s.add_field(s.root, ".fullname")
            init(f)

            def project_full(r: Any, row: list[str], f: _Field = f) -> None:
                while len(row) <= f.idx:
                    row.append("")
                row[f.idx] = _fullname_excluding(r, self.fullname_keys)
            s.project.append(project_full)
            return fixed_filter(lambda r: str(r.name.full))
        if pf.key == ".unit":
            raise QueryError(_syntax_message(q, pf.key_off, ".unit is only allowed in filters"))
        if not pf.key:
            raise QueryError(_syntax_message(q, pf.key_off, "key must not be empty"))
        if pf.key == ".name" or pf.key.startswith("/"):
            self.fullname_keys.append(pf.key)
        else:
            self.config_keys.add(pf.key)
        f = s.add_field(s.root, pf.key)
        init(f)
        key = pf.key

        def project_key(r: Any, row: list[str], f: _Field = f) -> None:
            while len(row) <= f.idx:
                row.append("")
            row[f.idx] = _extract(r, key)
        s.project.append(project_key)
        return fixed_filter(lambda r: _extract(r, key))


# --- unit metadata ------------------------------------------------------------


def _unit_meta(units: Any) -> dict[tuple[str, str], str]:
    """Normalise unit metadata: UnitMeta records or a {(unit, key): value} mapping."""
    out: dict[tuple[str, str], str] = {}
    if units is None:
        return out
    if isinstance(units, Mapping):
        for k, v in units.items():
            unit, key = k if isinstance(k, tuple) else str(k).rsplit("|", 1)
            out.setdefault((unit, key), str(v))
        return out
    for u in units:
        out.setdefault((u.unit, u.key), u.value)
    return out


def unit_better(unit: str, units: Any = None) -> int:
    """+1 if higher is better, -1 if lower is better, 0 if unknown (benchfmt ``GetBetter``)."""
    meta = _unit_meta(units)
    val = meta.get((unit, "better"))
    if val is not None:
        return {"higher": 1, "lower": -1}.get(val, 0)
    if unit in ("ns/op", "sec/op", "B/op", "allocs/op"):
        return -1
    if unit in ("MB/s", "B/s"):
        return 1
    return 0


def unit_assumption(unit: str, units: Any = None) -> stats.Assumption:
    """``exact`` when the unit has ``assume=exact`` metadata, else ``nothing``."""
    return "exact" if _unit_meta(units).get((unit, "assume")) == "exact" else "nothing"


# --- building tables ------------------------------------------------------------


@dataclass
class _BuildCell:
    values: list[float] = field(default_factory=list)
    residues: set[tuple[str, ...]] = field(default_factory=set)


def compare(results: Iterable[Any], units: Any = None, options: CompareOptions | None = None,
            **overrides: Any) -> Report:
    """Group ``results`` into tables and compare every column with the first.

    ``results`` are ``bench.model.Result`` records in input order (order
    matters: rows and columns appear in order of first observation). Their
    ``.file`` (the input's label, benchstat's default column) is the internal
    ``.file`` config entry ``bench.benchfmt`` records, else ``Result.file``.
    ``units`` is the unit metadata: ``UnitMeta`` records (first one wins) or a
    ``{(unit, key): value}`` mapping. Options may be given as a
    :class:`CompareOptions` and/or keyword overrides. Raises
    :class:`QueryError` for a malformed filter or projection.
    """
    opts = options or CompareOptions()
    if overrides:
        opts = replace(opts, **overrides)
    meta = _unit_meta(units)

    filters: list[_FilterFn] = []
    try:
        filters.append(_compile_filter(_parse_filter(opts.filter)))
    except QueryError as e:
        raise QueryError(f"parsing -filter: {e}") from None
    parser = _ProjectionParser()
    projections: dict[str, _Projection] = {}
    for flag, expr, with_unit in (("-table", opts.table, True), ("-row", opts.row, False),
                                  ("-col", opts.col, False), ("-ignore", opts.ignore, False)):
        try:
            projections[flag] = (parser.parse_with_unit(expr, filters) if with_unit
                                 else parser.parse(expr, filters))
        except QueryError as e:
            raise QueryError(f"parsing {flag}: {e}") from None
    table_by, row_by, col_by = projections["-table"], projections["-row"], projections["-col"]
    residue = parser.residue()
    # Filters from fixed orders are and-ed before the user's filter, like benchproc.
    match = _filter_op("and", filters[1:] + filters[:1])

    tables: dict[tuple[str, ...], dict[tuple[tuple[str, ...], tuple[str, ...]], _BuildCell]] = {}
    for r in results:
        mask, ok = match(r)
        if mask is not None:
            if not any(mask):
                continue
            if not all(mask):
                r = _with_values(r, [v for v, keep in zip(r.values, mask, strict=True) if keep])
        elif not ok:
            continue
        table_keys = table_by.project_values(r)
        row_key = row_by.project_one(r)
        col_key = col_by.project_one(r)
        res_key = residue.project_one(r)
        for v, tkey in zip(r.values, table_keys, strict=True):
            cells = tables.setdefault(tkey, {})
            c = cells.setdefault((row_key, col_key), _BuildCell())
            c.values.append(float(v.value))
            c.residues.add(res_key)

    unit_field = table_by.unit_field
    assert unit_field is not None
    table_fields = [f for f in table_by.flattened() if f is not unit_field]
    col_fields = col_by.flattened()
    residue_fields = residue.flattened()
    built: list[Table] = []
    for tkey in table_by.sort(tables):
        cells = tables[tkey]
        unit = table_by.get(tkey, unit_field)
        assumption = unit_assumption(unit, meta)
        rows = row_by.sort({rk for rk, _ in cells})
        cols = col_by.sort({ck for _, ck in cells})
        built.append(_build_table(
            opts, unit, assumption, unit_better(unit, meta),
            tuple((f.name, table_by.get(tkey, f)) for f in table_fields),
            rows, cols, cells, row_by, col_by, col_fields, residue_fields))
    notes: tuple[str, ...] = ()
    if opts.corrected:
        notes = ("p-values adjusted within each table by Holm's method "
                 f"(α={stats.go_repr(opts.alpha)}); ~ means no significant change "
                 "after adjustment",)
    return Report(tuple(built), tuple(f.name for f in col_fields), opts, notes)


def _with_values(r: Any, values: list[Any]) -> Any:
    try:
        return replace(r, values=tuple(values))
    except TypeError:
        return _Shim(r, tuple(values))


class _Shim:
    """A record with some values filtered out, for records that are not dataclasses."""

    def __init__(self, r: Any, values: tuple[Any, ...]) -> None:
        self._r, self.values = r, values

    def __getattr__(self, name: str) -> Any:
        return getattr(self._r, name)


def _build_table(opts: CompareOptions, unit: str, assumption: stats.Assumption, better: int,
                 config: tuple[tuple[str, str], ...], rows: list[tuple[str, ...]],
                 cols: list[tuple[str, ...]], cells: Mapping[Any, _BuildCell],
                 row_by: _Projection, col_by: _Projection, col_fields: list[_Field],
                 residue_fields: list[_Field]) -> Table:
    base = cols[0]
    samples = {k: Sample.of(c.values, unit) for k, c in cells.items()}
    summaries = {k: stats.summarize(s, opts.confidence, assumption) for k, s in samples.items()}
    out_cells: dict[Any, Cell] = {}
    for k, c in cells.items():
        rk, ck = k
        warnings: tuple[str, ...] = ()
        if len(c.residues) > 1:
            keys = list(c.residues)
            first = keys[0]
            varying = [f.name for f in residue_fields
                       if any(_Projection.get(x, f) != _Projection.get(first, f) for x in keys[1:])]
            if varying:
                warnings = ("benchmarks vary in " + ", ".join(varying),)
        comparison = None
        if ck != base and (rk, base) in samples:
            comparison = stats.compare(samples[(rk, base)], samples[k], opts.alpha, assumption,
                                       opts.confidence)
        abs_delta = None
        if comparison is not None:
            abs_delta = comparison.new_center - comparison.old_center
        out_cells[k] = Cell(samples[k], summaries[k], comparison, warnings, None,
                            comparison.significant if comparison else None, abs_delta)

    if opts.corrected:
        family = [k for k, c in out_cells.items()
                  if c.comparison is not None and assumption == "nothing"
                  and not any("all samples are equal" in w for w in c.comparison.warnings)]
        adjusted = stats.holm([out_cells[k].comparison.p_value for k in family])  # type: ignore[union-attr]
        for k, p_adj in zip(family, adjusted, strict=True):
            out_cells[k] = replace(out_cells[k], p_adjusted=p_adj,
                                   significant=not p_adj > opts.alpha)

    row_objs = []
    for rk in rows:
        rcells = tuple(out_cells.get((rk, ck)) for ck in cols)
        advice = () if opts.benchstat_compat else _advice(rcells, opts)
        row_objs.append(Row(row_by.string_values(rk),
                            tuple((f.name, v) for f in row_by.flattened()
                                  if (v := _Projection.get(rk, f))),
                            rcells, advice))
    columns = tuple(Column(tuple(_Projection.get(ck, f) for f in col_fields),
                           col_by.string_values(ck)) for ck in cols)
    geo = tuple(_column_summary(row_objs, i, opts.benchstat_compat) for i in range(len(cols)))
    return Table(config, unit, assumption, better, columns, tuple(row_objs), geo)


def _column_summary(rows: Sequence[Row], col: int, compat: bool) -> ColumnSummary:
    """benchstat's geomean entry (0/0 counts as ratio 1); in our mode zeros are left out."""
    n_base = sum(1 for r in rows if r.cells[0] is not None)
    is_base = col == 0
    summaries: list[float] = []
    ratios: list[float] = []
    bad_ratio = False
    zeros = 0
    for r in rows:
        cell = r.cells[col]
        if cell is None:
            continue
        a = cell.summary.center
        b = r.cells[0].summary.center if (cell.comparison is not None and r.cells[0]) else None
        if compat:
            summaries.append(a)
            if b is not None:
                if a == b:
                    ratios.append(1.0)
                elif b == 0:
                    bad_ratio = True
                    ratios.append(0.0)
                else:
                    ratios.append(a / b)
            continue
        if a > 0:
            summaries.append(a)
        else:
            zeros += 1
        if b is not None:
            if a > 0 and b > 0:
                ratios.append(a / b)
            elif a == b:
                ratios.append(1.0)
            else:
                ratios.append(math.nan)  # keeps the benchmark-set count honest
    warnings: list[str] = []
    n_ratios = len(ratios)
    ratios = [x for x in ratios if not math.isnan(x)]
    if not is_base and n_base != n_ratios:
        warnings.append("benchmark set differs from baseline; geomeans may not be comparable")
    center = stats.geomean(summaries) if summaries else math.nan
    center_out = None if math.isnan(center) else center
    if center_out is None:
        warnings.append("summaries must be >0 to compute geomean")
    elif not compat and zeros:
        warnings.append(f"{zeros} zero {'summary' if zeros == 1 else 'summaries'} "
                        "left out of geomean")
    ratio_out = None
    if not is_base and not bad_ratio:
        g = stats.geomean(ratios) if ratios else math.nan
        if math.isnan(g):
            warnings.append("ratios must be >0 to compute geomean")
        else:
            ratio_out = g
    return ColumnSummary(center_out, ratio_out, tuple(warnings), zeros)


def _advice(cells: Sequence[Cell | None], opts: CompareOptions) -> tuple[str, ...]:
    """Noise diagnostics for one row: how many runs would do, and which cells are noisy."""
    out: list[str] = []
    need = 0
    smallest = min((c.summary.n for c in cells if c is not None), default=0)
    if any(c is not None and (math.isinf(c.summary.lo) or math.isinf(c.summary.hi))
           for c in cells):
        op, n = stats.min_samples_for_ci(opts.confidence)
        need = max(need, n if op == ">=" else n + 1)
    if any(c is not None and c.comparison is not None
           and any(w.startswith("need ") for w in c.comparison.warnings) for c in cells):
        op, n = stats.min_samples_for_utest(opts.alpha)
        need = max(need, n if op == ">=" else n + 1)
    if need:
        out.append(f"n={smallest} is too few: rerun with --count {need} or more")
    noisy = [c.summary.cv for c in cells if c is not None and c.summary.cv is not None
             and 100 * c.summary.cv > opts.cv_threshold_pct]
    if noisy:
        out.append(f"noisy: CV {100 * max(noisy):.1f}% > {stats.go_repr(opts.cv_threshold_pct)}%; "
                   "quiet the machine (pin CPU frequency, stop background load) or raise --count")
    return tuple(out)


# --- gates ------------------------------------------------------------------------


def gate(report: Report | Table | Iterable[Table], fail_on: FailOn = "regression",
         threshold_pct: float = 0.0, units: Any = None) -> list[GateHit]:
    """Rows whose change is significant and past ``threshold_pct`` (in |percent|).

    ``fail_on="regression"`` keeps changes in the worse direction: up for units
    where lower is better (the default, including unknown units), down where
    ``better=higher`` (unit metadata given in ``units`` or recorded on the
    table). ``"change"`` keeps both directions. Significance is the table's
    (after Holm's correction unless the report is benchstat-compatible).
    A change from 0 has no percentage; it counts as infinitely large.
    """
    if fail_on not in ("regression", "change"):
        raise ValueError(f"unknown fail_on {fail_on!r}: use 'regression' or 'change'")
    if isinstance(report, Report):
        tables: Iterable[Table] = report.tables
    elif isinstance(report, Table):
        tables = [report]
    else:
        tables = report
    meta = _unit_meta(units)
    hits: list[GateHit] = []
    for t in tables:
        better = unit_better(t.unit, meta) if meta else t.better
        worse_sign = -1 if better == 1 else 1  # +1: an increase is worse
        for row in t.rows:
            for ci, cell in enumerate(row.cells):
                if cell is None or cell.comparison is None or not cell.significant:
                    continue
                cmp_ = cell.comparison
                if cmp_.old_center == cmp_.new_center:
                    continue
                d = cmp_.delta_pct
                size = math.inf if d is None else abs(d)
                if size <= threshold_pct:
                    continue
                direction = 1 if cmp_.new_center > cmp_.old_center else -1
                if fail_on == "regression" and direction != worse_sign:
                    continue
                what = "regression" if direction == worse_sign else "improvement"
                shown = "from 0" if d is None else f"{d:+.2f}%"
                hits.append(GateHit(t, row, t.columns[ci], d, cell.abs_delta, cmp_.p_value,
                                    cell.p_adjusted,
                                    f"{what} {shown} in {t.unit} (threshold {threshold_pct:g}%)"))
    return hits


def by_column(by: str) -> str:
    """The column projection for a ``--by`` preset (or the expression itself)."""
    return BY_PRESETS.get(by, by)


__all__ = [
    "BY_PRESETS", "Cell", "Column", "ColumnSummary", "CompareOptions", "GateHit", "QueryError",
    "Report", "Row", "Table", "by_column", "compare", "gate", "unit_assumption", "unit_better",
]
