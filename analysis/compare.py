"""Group benchmark records into comparison tables, the way benchstat does, and beyond.

One job: ``bench.model.Result`` records in, :class:`Report` out (like
golang.org/x/perf's ``cmd/benchstat/internal/benchtab``). A record is projected
into a *table* (its file configuration and unit), a *row* (its full name) and a
*column* (its input's label); each cell is a sample ``analysis.stats``
summarises, and every column is compared with the first (the baseline).
Neighbours: ``analysis.benchproc`` (query language), ``analysis.table``
(rendering), ``analysis.gate`` (``--fail-on``), ``analysis.escape_cost``.

Beyond benchstat (all off with ``benchstat_compat=True``, byte for byte benchstat):

* **Multiplicity.** Holm's step-down adjustment (Holm 1979) within each table:
  family-wise error at α under any dependence (one session shares the machine).
* **At a glance.** Rows in catalogue order (``order``: case ids as in
  ``go_cases/cases.toml``), then by name; one note per table lists noisy rows.
* **One table per metric.** ``ns`` units are tidied to ``sec`` here too,
  whatever the parser did (``gc-cpu-ns/op`` and ``gc-cpu-sec/op`` are one table).
* **Zeros.** Changes from 0 are absolute deltas; zero centres stay out of geomeans.
* **Escape cost.** ``--by variant`` sec/op verdicts come from the one escape-cost
  estimator (:func:`variant_verdicts`).

:func:`options_for` holds the ``bench compare --by`` presets, so the CLI makes no policy.
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from analysis import escape_cost, noise, stats
from analysis.benchproc import filter as bfilter
from analysis.benchproc.keys import (
    GO_BLOCK_KEYS,
    IDENTITY_KEYS,
    MACHINE_KEYS,
    is_setting,
    setting_keys,
)
from analysis.benchproc.projection import Field, Projection
from analysis.benchproc.query import Query, parse_query
from analysis.benchproc.units import Units, tidy, unit_assumption, unit_better, unit_meta
from analysis.stats import Comparison, Sample, Summary
from bench.model import Result, Value
from bench.vocab import units
from bench.vocab.condition import Condition, condition_of

Correction = Literal["holm", "none"]

#: ``bench compare --by`` presets: the column projection each one means. Versions and
#: GOGC settings sort by their numbers ("off" last); for variants noescape is always
#: the baseline (a change reads "escaping costs +x %") and unpaired benchmarks drop out.
BY_PRESETS: Mapping[str, str] = {
    "go": "go-version@version",
    "gogc": "gogc@version",
    "machine": "machine",
    "run": ".file",
    "variant": "/variant@(noescape escape)",
}

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
    #: Catalogue order of benchmark base names (case ids); rows follow it, then names.
    order: tuple[str, ...] = ()

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
    """One column: its values for each column field, a display label, how it was measured.

    ``settings`` are the measurement settings of its records (``escapebench-*``
    settings, GOGC, live heap; several values joined by ``|``); ``sample_sec``
    the median time one sample took (iterations × sec/op), so the gate can tell
    a 5 ms run from a 100 ms one even when no config line says so.
    """

    values: tuple[str, ...]
    label: str
    settings: tuple[tuple[str, str], ...] = ()
    sample_sec: float | None = None


@dataclass(frozen=True)
class Cell:
    """One sample of a table, its summary and (after the baseline) its comparison.

    ``warnings`` are about the sample itself (e.g. ``benchmarks vary in
    .fullname``). ``p_adjusted`` is the p-value after the table's correction
    (None when there is none, or the comparison is not a test); ``significant``
    is the verdict after correction; ``abs_delta`` is ``new - old`` of the
    centres; ``method`` names the test behind the p-value.
    """

    sample: Sample
    summary: Summary
    comparison: Comparison | None = None
    warnings: tuple[str, ...] = ()
    p_adjusted: float | None = None
    significant: bool | None = None
    abs_delta: float | None = None
    method: str = "Mann–Whitney U"


@dataclass(frozen=True)
class Row:
    """One row: a label (the row key's values), the benchmark's base name, a cell per column."""

    label: str
    values: tuple[tuple[str, str], ...]
    cells: tuple[Cell | None, ...]
    advice: tuple[str, ...] = ()
    base: str = ""


@dataclass(frozen=True)
class ColumnSummary:
    """The geomean row's entry for one column: centre and ratio to the baseline."""

    center: float | None
    ratio: float | None
    warnings: tuple[str, ...] = ()
    excluded_zeros: int = 0


@dataclass(frozen=True)
class Table:
    """All rows sharing a table key (file configuration and unit); ``notes`` sum up its rows."""

    config: tuple[tuple[str, str], ...]
    unit: str
    assumption: stats.Assumption
    better: int
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    geomean: tuple[ColumnSummary, ...]
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Report:
    """Every table of one comparison, with what produced it."""

    tables: tuple[Table, ...]
    col_fields: tuple[str, ...]
    options: CompareOptions
    notes: tuple[str, ...] = ()
    #: For stderr: input lines whose values were left out (``file:line: ...``).
    warnings: tuple[str, ...] = ()


# --- presets (the CLI's --by and --filter) -----------------------------------------


def by_column(by: str) -> str:
    """The column projection for a ``--by`` preset (or the expression itself)."""
    return BY_PRESETS.get(by, by)


def filter_expr(text: str) -> str:
    """A plain regexp becomes a benchstat name filter; a benchstat expression stays as it is."""
    if text == "*" or ":" in text or text.startswith(("-", "(")):
        return text
    return ".name:/" + re.sub(r"([/\\])", r"\\\1", text) + "/"


def options_for(
    by: str | None,
    results: Sequence[Result] = (),
    *,
    filter: str = "*",
    alpha: float = stats.DEFAULT_ALPHA,
    confidence: float = stats.DEFAULT_CONFIDENCE,
    benchstat: bool = False,
    order: Sequence[str] = (),
) -> CompareOptions:
    """The options of ``bench compare [--by BY]`` over ``results``.

    Keys that name a run (seed, calibration, version) never split tables; keys
    that differ between the things put side by side (machine keys for
    ``--by machine``, the toolchain for runs) do not either. Measurement
    settings (benchtime, count, order, GOGC, live heap) split tables when runs
    are pooled into one column (``--by variant|go|machine``), so a quick run and
    a full run are never pooled silently; when the columns *are* the runs
    (``--by run``, the default) they go into the columns' settings instead and
    the gate warns. ``--benchstat`` keeps benchstat's plain behaviour.
    """
    ignore: list[str] = []
    if not benchstat:
        ignore += IDENTITY_KEYS
        if by == "machine":
            ignore += MACHINE_KEYS
        if by in (None, "", "run"):
            # Go's own block keys (goos, goarch, cpu; pkg is never ignored) still split
            # tables: one column never pools two platforms' samples
            ignore += [k for k in MACHINE_KEYS if k not in GO_BLOCK_KEYS] + ["go-version"]
            ignore += [k for k in setting_keys(results) if k not in ("gogc", "live-heap")]
    return CompareOptions(
        # tables by setting values in numeric order (GOGC 50 < 100 < off, 5ms < 100ms);
        # benchproc would order them alphabetically
        table=".config" if benchstat else ".config@version",
        col=by_column(by) if by else ".file",
        ignore=" ".join(dict.fromkeys(ignore)),
        filter=filter_expr(filter),
        alpha=alpha,
        confidence=confidence,
        benchstat_compat=benchstat,
        order=tuple(order),
    )


# --- building tables ------------------------------------------------------------


#: A cell's key: (row key, column key).
_Key = tuple[tuple[str, ...], tuple[str, ...]]


@dataclass
class _BuildCell:
    values: list[float] = field(default_factory=list)
    residues: set[tuple[str, ...]] = field(default_factory=set)


@dataclass
class _Collected:
    """Records grouped into cells per table key, plus what rows and columns need to know."""

    tables: dict[tuple[str, ...], dict[_Key, _BuildCell]] = field(default_factory=dict)
    row_base: dict[tuple[str, ...], str] = field(default_factory=dict)
    col_settings: dict[tuple[str, ...], dict[str, dict[str, None]]] = field(default_factory=dict)
    col_sample_sec: dict[tuple[str, ...], list[float]] = field(default_factory=dict)
    #: The records that passed the filter, and the condition of each sec/op row.
    kept: list[Result] = field(default_factory=list)
    conditions: dict[_Key, Condition] = field(default_factory=dict)
    #: ``file:line: ...`` for each record whose NaN or infinite values were left out.
    dropped: list[str] = field(default_factory=list)


def _go_float(v: Value) -> str:
    """A non-finite value as Go writes it (``NaN``, ``+Inf``, ``-Inf``)."""
    x = v.orig_value if v.orig_value is not None else v.value
    return "NaN" if math.isnan(x) else ("+Inf" if x > 0 else "-Inf")


def _finite(r: Result, got: _Collected) -> Result:
    """``r`` without NaN or infinite values (default mode), each drop noted once per line.

    benchstat keeps them (its median becomes NaN and prints ``nann ± ∞``); a
    value that is not a number says nothing about a median, an interval or a test.
    """
    bad = [v for v in r.values if not math.isfinite(v.value)]
    if not bad:
        return r
    what = ", ".join(f"{_go_float(v)} {v.orig_unit or v.unit}" for v in bad)
    got.dropped.append(
        f"{r.file}:{r.line}: Benchmark{r.name.full}: {what} left out (not a finite number)"
    )
    return replace(r, values=tuple(v for v in r.values if math.isfinite(v.value)))


def _collect(results: Iterable[Result], p: Query, compat: bool) -> _Collected:
    out = _Collected()
    for rec in results:
        r = bfilter.apply(p.match, rec if compat else _finite(tidy(rec), out))
        if r is None or not r.values:
            continue
        table_keys = p.table.project_values(r)
        row_key, col_key = p.row.project_one(r), p.col.project_one(r)
        res_key = p.residue.project_one(r)
        out.row_base.setdefault(row_key, r.name.base)
        settings = out.col_settings.setdefault(col_key, {})
        for k, v in r.config:
            if is_setting(k):
                settings.setdefault(k, {})[v] = None
        sec = r.get("sec/op")
        if sec is not None and r.iters > 0:
            out.col_sample_sec.setdefault(col_key, []).append(sec * r.iters)
        out.kept.append(r)
        for v, tkey in zip(r.values, table_keys, strict=True):
            if v.unit == units.TIME:
                out.conditions.setdefault((tkey, row_key), condition_of(r))
            c = out.tables.setdefault(tkey, {}).setdefault((row_key, col_key), _BuildCell())
            c.values.append(float(v.value))
            c.residues.add(res_key)
    return out


def compare(
    results: Iterable[Result],
    units: Units = None,
    options: CompareOptions | None = None,
    *,
    order: Sequence[str] | None = None,
    **overrides: object,
) -> Report:
    """Group ``results`` into tables and compare every column with the first.

    ``results`` are in input order (rows and columns appear in order of first
    observation unless an order says otherwise). ``units`` is the unit metadata.
    ``order`` (case ids in catalogue order) overrides ``options.order``. Options
    may be given as :class:`CompareOptions` and/or keyword overrides. Raises
    :class:`analysis.benchproc.syntax.QueryError` for a malformed filter or projection.
    """
    opts = options or CompareOptions()
    if overrides:
        opts = replace(opts, **overrides)  # type: ignore[arg-type]
    if order is not None:
        opts = replace(opts, order=tuple(order))
    meta = unit_meta(units)
    p = parse_query(opts.table, opts.row, opts.col, opts.ignore, opts.filter)
    got = _collect(results, p, opts.benchstat_compat)
    costs = _costs(got, opts) if _is_variant(p, opts) else {}
    built = [_table(tkey, got, p, opts, meta, costs) for tkey in p.table.sort(got.tables)]
    notes: tuple[str, ...] = ()
    if opts.corrected:
        notes = (
            "p-values adjusted within each table by Holm's method "
            f"(α={opts.alpha:g}); ~ means no significant change after adjustment",
        )
    if costs:
        notes += (
            "escape vs noescape sec/op verdicts: analysis.escape_cost (paired rounds where "
            "interleaved), Holm over every pair and condition",
        )
    cols = tuple(f.name for f in p.col.flattened())
    return Report(tuple(built), cols, opts, notes, tuple(got.dropped))


def _table(
    tkey: tuple[str, ...],
    got: _Collected,
    p: Query,
    opts: CompareOptions,
    meta: Mapping[tuple[str, str], str],
    costs: Costs,
) -> Table:
    """One table: rows and columns in order, cells summarised and compared, Holm, notes."""
    unit_field = p.table.unit_field
    assert unit_field is not None
    unit = Projection.get(tkey, unit_field)
    config = tuple(
        (f.name, Projection.get(tkey, f)) for f in p.table.flattened() if f is not unit_field
    )
    rows = _sort_rows(p.row.sort({rk for rk, _ in got.tables[tkey]}), got.row_base, opts)
    cols = p.col.sort({ck for _, ck in got.tables[tkey]})
    assumption = unit_assumption(unit, meta)
    out = _cells(got.tables[tkey], cols[0], unit, assumption, opts, p.residue.flattened())
    compat = opts.benchstat_compat
    row_objs = []
    for rk in rows:
        rcells = tuple(out.get((rk, ck)) for ck in cols)
        values = tuple((f.name, v) for f in p.row.flattened() if (v := Projection.get(rk, f)))
        advice = () if compat else noise.advice(rcells, opts)
        row_objs.append(
            Row(p.row.string_values(rk), values, rcells, advice, got.row_base.get(rk, ""))
        )
    table = Table(
        config,
        unit,
        assumption,
        unit_better(unit, meta),
        tuple(_column(ck, p.col, got) for ck in cols),
        tuple(row_objs),
        tuple(_column_summary(row_objs, i, compat) for i in range(len(cols))),
        () if compat else noise.table_notes(row_objs, opts),
    )
    if costs and unit == units.TIME:
        conds = {p.row.string_values(rk): got.conditions.get((tkey, rk)) for rk in rows}
        table = variant_verdicts(table, conds, costs)
    return table


def _sort_rows(
    rows: list[tuple[str, ...]], base: Mapping[tuple[str, ...], str], opts: CompareOptions
) -> list[tuple[str, ...]]:
    """Our mode: catalogue order of the case, then name; benchstat mode: benchproc's order."""
    if opts.benchstat_compat:
        return rows
    rank = {case: i for i, case in enumerate(opts.order)}
    return sorted(rows, key=lambda rk: (rank.get(base.get(rk, ""), len(rank)), rk))


def _column(ck: tuple[str, ...], col_by: Projection, got: _Collected) -> Column:
    settings = tuple((k, "|".join(vs)) for k, vs in got.col_settings.get(ck, {}).items())
    secs = got.col_sample_sec.get(ck)
    return Column(
        tuple(Projection.get(ck, f) for f in col_by.flattened()),
        col_by.string_values(ck),
        settings,
        statistics.median(secs) if secs else None,
    )


def _cell_warnings(c: _BuildCell, residue_fields: list[Field]) -> tuple[str, ...]:
    if len(c.residues) < 2:
        return ()
    keys = list(c.residues)
    varying = [
        f.name
        for f in residue_fields
        if any(Projection.get(x, f) != Projection.get(keys[0], f) for x in keys[1:])
    ]
    return ("benchmarks vary in " + ", ".join(varying),) if varying else ()


def _cells(
    cells: Mapping[_Key, _BuildCell],
    base: tuple[str, ...],
    unit: str,
    assumption: stats.Assumption,
    opts: CompareOptions,
    residue_fields: list[Field],
) -> dict[_Key, Cell]:
    """Every cell summarised, compared with its row's baseline cell, Holm within the table."""
    compat = opts.benchstat_compat
    samples = {k: Sample.of(c.values, unit) for k, c in cells.items()}
    out: dict[_Key, Cell] = {}
    for (rk, ck), c in cells.items():
        s = samples[(rk, ck)]
        cmp = None
        if ck != base and (rk, base) in samples:
            old = samples[(rk, base)]
            cmp = stats.compare(old, s, opts.alpha, assumption, opts.confidence, benchstat=compat)
        out[(rk, ck)] = Cell(
            s,
            stats.summarize(s, opts.confidence, assumption, benchstat=compat),
            cmp,
            _cell_warnings(c, residue_fields),
            None,
            cmp.significant if cmp else None,
            cmp.new_center - cmp.old_center if cmp else None,
        )
    if opts.corrected and assumption == "nothing":
        out.update(_holm(out, opts.alpha))
    return out


def _holm(cells: Mapping[_Key, Cell], alpha: float) -> dict[_Key, Cell]:
    """Holm over the table's tests (identical samples are no test and stay out)."""
    family = [
        (k, c.comparison)
        for k, c in cells.items()
        if c.comparison is not None and "all samples are equal" not in c.comparison.warnings
    ]
    adjusted = stats.holm([cmp.p_value for _, cmp in family])
    return {
        k: replace(cells[k], p_adjusted=p_adj, significant=not p_adj > alpha)
        for (k, _), p_adj in zip(family, adjusted, strict=True)
    }


def _ratio(a: float, b: float, compat: bool) -> float | None:
    """A row's ratio to the baseline; NaN keeps the count honest in our mode when a centre
    is 0; None: benchstat's ratio against 0, which voids the geomean ratio."""
    if a == b:
        return 1.0
    if compat:
        return None if b == 0 else a / b
    return a / b if a > 0 and b > 0 else math.nan


def _column_summary(rows: Sequence[Row], col: int, compat: bool) -> ColumnSummary:
    """benchstat's geomean entry (0/0 counts as ratio 1); in our mode zeros are left out."""
    pairs: list[tuple[float, float | None]] = []
    for r in rows:
        cell, first = r.cells[col], r.cells[0]
        if cell is not None:
            base = first.summary.center if cell.comparison is not None and first else None
            pairs.append((cell.summary.center, base))
    centers = [a for a, _ in pairs if compat or a > 0]
    zeros = len(pairs) - len(centers)
    ratios = [_ratio(a, b, compat) for a, b in pairs if b is not None]
    warnings: list[str] = []
    if col != 0 and sum(1 for r in rows if r.cells[0] is not None) != len(ratios):
        warnings.append("benchmark set differs from baseline; geomeans may not be comparable")
    center = stats.geomean(centers, benchstat=compat) if centers else math.nan
    if math.isnan(center):
        warnings.append("summaries must be >0 to compute geomean")
    elif not compat and zeros:
        warnings.append(
            f"{zeros} zero {'summary' if zeros == 1 else 'summaries'} left out of geomean"
        )
    ratio = None
    if col != 0 and None not in ratios:
        kept = [x for x in ratios if x is not None and not math.isnan(x)]
        g = stats.geomean(kept, benchstat=compat) if kept else math.nan
        if math.isnan(g):
            warnings.append("ratios must be >0 to compute geomean")
        else:
            ratio = g
    return ColumnSummary(None if math.isnan(center) else center, ratio, tuple(warnings), zeros)


# --- the escape-cost hook -----------------------------------------------------------

#: Escape-cost records by (pair, condition).
Costs = Mapping[tuple[str, Condition], escape_cost.CostRecord]


def _is_variant(p: Query, opts: CompareOptions) -> bool:
    """Columns noescape → escape (``--by variant``), outside benchstat mode."""
    return not opts.benchstat_compat and [f.name for f in p.col.flattened()] == ["/variant"]


def _costs(got: _Collected, opts: CompareOptions) -> Costs:
    records = escape_cost.cost_records(got.kept, confidence=opts.confidence, alpha=opts.alpha)
    return {(r.pair, r.condition): r for r in records}


def variant_verdicts(
    table: Table, conditions: Mapping[str, Condition | None], costs: Costs
) -> Table:
    """``--by variant``: a sec/op table's verdicts from the one escape-cost estimator.

    With columns noescape → escape, each row's p-value, adjusted p-value and
    verdict come from ``analysis.escape_cost`` (paired rounds where interleaved;
    Holm over every pair and condition), so ``bench compare --by variant`` never
    disagrees with ``bench cost``. ``conditions`` maps row labels to their
    records' condition; rows without a record keep the Mann–Whitney verdict.
    """
    if [c.label for c in table.columns] != ["noescape", "escape"]:
        return table
    rows = []
    for row in table.rows:
        cell, cond = row.cells[1], conditions.get(row.label)
        rec = costs.get((row.label, cond)) if cond is not None else None
        if cell is None or cell.comparison is None or rec is None:
            rows.append(row)
            continue
        cmp = replace(cell.comparison, p_value=rec.p_value, significant=rec.significant)
        new = replace(
            cell,
            comparison=cmp,
            p_adjusted=rec.p_adjusted,
            significant=rec.significant,
            method=rec.method,
        )
        rows.append(replace(row, cells=(row.cells[0], new)))
    return replace(table, rows=tuple(rows))


def comparable(report: Report) -> tuple[Report, int]:
    """``report`` without its one-column tables (nothing to compare), and how many left.

    For text and Markdown, which people read: a table of one column is a
    summary, not a comparison (``bench compare results`` printed ~490 of them).
    csv and JSON keep every row; ``--benchstat`` reports are returned whole, as
    benchstat prints them.
    """
    if report.options.benchstat_compat:
        return report, 0
    kept = tuple(t for t in report.tables if len(t.columns) > 1)
    return replace(report, tables=kept), len(report.tables) - len(kept)
