"""Group benchmark records into comparison tables, the way benchstat does, and beyond.

One job: ``bench.model.Result`` records in, :class:`Report` out (like
golang.org/x/perf's ``cmd/benchstat/internal/benchtab``). A record is projected
into a *table* (by default its file configuration and unit), a *row* (its full
name) and a *column* (its input's label); each cell is a sample that
``analysis.stats`` summarises, and every column after the first is compared with
the first (the baseline). The query languages are benchstat's and live in
``analysis.benchproc``; rendering is ``analysis.table``; the ``--fail-on`` gate is
``analysis.gate``.

Beyond benchstat (all off with ``benchstat_compat=True``, which reproduces
benchstat's numbers, order and warnings byte for byte):

* **Multiplicity.** Within each table the Mann–Whitney p-values are adjusted
  with **Holm's step-down method** (Holm 1979): it controls the family-wise
  error rate at α under any dependence (benchmarks measured in one session share
  the machine, so their p-values are not independent). Raw p-values are kept.
* **Reading at a glance.** Rows in catalogue order (``order``: case ids in
  ``go_cases/cases.toml`` order), then by name; one note per table lists its
  noisy rows (CV above a threshold) and rows with too few samples.
* **One table per metric.** A unit with an ``ns`` component is tidied to
  ``sec`` here too, whatever the parser did, so ``gc-cpu-ns/op`` and
  ``gc-cpu-sec/op`` never make two tables.
* **Zeros.** A ratio against 0 is meaningless; such changes are absolute deltas
  and zero centres are kept out of geometric means.
* **Escape cost.** With ``--by variant`` the sec/op verdicts come from the one
  escape-cost estimator (:func:`variant_verdicts`).

:func:`options_for` holds the ``bench compare --by`` presets (which columns, which
configuration keys may not split tables), so the CLI makes no policy.
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from analysis import stats
from analysis.benchproc import filter as bfilter
from analysis.benchproc.projection import Field, Projection, ProjectionParser
from analysis.benchproc.syntax import QueryError
from analysis.stats import Comparison, Sample, Summary
from bench.model import Result, UnitMeta, Value

Correction = Literal["holm", "none"]
#: Unit metadata: ``UnitMeta`` records (first wins) or a ``{(unit, key): value}`` mapping.
Units = Iterable[UnitMeta] | Mapping[tuple[str, str], str] | None

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
#: Config lines that name a run rather than describe how it measured.
IDENTITY_KEYS = ("escapebench-version", "escapebench-seed", "escapebench-calibration")
MACHINE_KEYS = ("cpu", "cpu-model", "goos", "goarch", "machine")
#: Config keys (besides ``escapebench-*`` settings) that change what is measured.
SETTING_KEYS = ("gogc", "live-heap", "gomaxprocs")

__all__ = [
    "BY_PRESETS",
    "Cell",
    "Column",
    "ColumnSummary",
    "CompareOptions",
    "QueryError",
    "Report",
    "Row",
    "Table",
    "Units",
    "by_column",
    "compare",
    "filter_expr",
    "options_for",
    "setting_keys",
    "unit_assumption",
    "unit_better",
    "variant_verdicts",
]


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


# --- presets (the CLI's --by and --filter) -----------------------------------------


def by_column(by: str) -> str:
    """The column projection for a ``--by`` preset (or the expression itself)."""
    return BY_PRESETS.get(by, by)


def filter_expr(text: str) -> str:
    """A plain regexp becomes a benchstat name filter; a benchstat expression stays as it is."""
    if text == "*" or ":" in text or text.startswith(("-", "(")):
        return text
    return ".name:/" + re.sub(r"([/\\])", r"\\\1", text) + "/"


def setting_keys(results: Iterable[Result]) -> list[str]:
    """Config keys that describe how records were measured (``escapebench-*`` settings, GOGC...)."""
    keys: dict[str, None] = {}
    for r in results:
        for k, _ in r.config:
            if (k.startswith("escapebench-") and k not in IDENTITY_KEYS) or k in SETTING_KEYS:
                keys.setdefault(k)
    return list(keys)


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
    col = by_column(by) if by else ".file"
    if benchstat:
        return CompareOptions(
            col=col,
            filter=filter_expr(filter),
            alpha=alpha,
            confidence=confidence,
            benchstat_compat=True,
        )
    ignore: list[str] = list(IDENTITY_KEYS)
    if by == "machine":
        ignore += MACHINE_KEYS
    if by in (None, "", "run"):
        ignore += [
            *MACHINE_KEYS,
            "go-version",
            *(k for k in setting_keys(results) if k not in ("gogc", "live-heap")),
        ]
    return CompareOptions(
        col=col,
        ignore=" ".join(dict.fromkeys(ignore)),
        filter=filter_expr(filter),
        alpha=alpha,
        confidence=confidence,
        order=tuple(order),
    )


# --- unit metadata ------------------------------------------------------------


def _unit_meta(units: Units) -> dict[tuple[str, str], str]:
    """Normalise unit metadata: UnitMeta records or a {(unit, key): value} mapping."""
    out: dict[tuple[str, str], str] = {}
    if units is None:
        return out
    if isinstance(units, Mapping):
        for (unit, key), v in units.items():
            out.setdefault((unit, key), str(v))
        return out
    for u in units:
        out.setdefault((u.unit, u.key), u.value)
    return out


def unit_better(unit: str, units: Units = None) -> int:
    """+1 if higher is better, -1 if lower is better, 0 if unknown (benchfmt ``GetBetter``)."""
    val = _unit_meta(units).get((unit, "better"))
    if val is not None:
        return {"higher": 1, "lower": -1}.get(val, 0)
    if unit in ("ns/op", "sec/op", "B/op", "allocs/op"):
        return -1
    if unit in ("MB/s", "B/s"):
        return 1
    return 0


def unit_assumption(unit: str, units: Units = None) -> stats.Assumption:
    """``exact`` when the unit has ``assume=exact`` metadata, else ``nothing``."""
    return "exact" if _unit_meta(units).get((unit, "assume")) == "exact" else "nothing"


_NS = re.compile(r"(?<![A-Za-z])ns(?![A-Za-z])")


def _tidy(r: Result) -> Result:
    """``r`` with any ``ns`` unit left by the parser (benchfmt keeps zeros) in ``sec``."""
    if not any(_NS.search(v.unit) for v in r.values):
        return r
    values = tuple(
        Value(v.value * 1e-9, _NS.sub("sec", v.unit), v.value, v.unit) if _NS.search(v.unit) else v
        for v in r.values
    )
    return replace(r, values=values)


# --- building tables ------------------------------------------------------------


@dataclass
class _BuildCell:
    values: list[float] = field(default_factory=list)
    residues: set[tuple[str, ...]] = field(default_factory=set)


@dataclass
class _Projections:
    """The parsed -table/-row/-col/-ignore projections, the residue and the filter."""

    table: Projection
    row: Projection
    col: Projection
    residue: Projection
    match: bfilter.FilterFn


def _projections(opts: CompareOptions) -> _Projections:
    filters: list[bfilter.FilterFn] = []
    try:
        filters.append(bfilter.compile(opts.filter))
    except QueryError as e:
        raise QueryError(f"parsing -filter: {e}") from None
    parser = ProjectionParser()
    got: dict[str, Projection] = {}
    for flag, expr in (
        ("-table", opts.table),
        ("-row", opts.row),
        ("-col", opts.col),
        ("-ignore", opts.ignore),
    ):
        try:
            got[flag] = (
                parser.parse_with_unit(expr, filters)
                if flag == "-table"
                else parser.parse(expr, filters)
            )
        except QueryError as e:
            raise QueryError(f"parsing {flag}: {e}") from None
    # Filters from fixed orders are and-ed before the user's filter, like benchproc.
    match = bfilter.filter_op("and", filters[1:] + filters[:1])
    return _Projections(got["-table"], got["-row"], got["-col"], parser.residue(), match)


@dataclass
class _Collected:
    """Records grouped into cells per table key, plus what rows and columns need to know."""

    tables: dict[tuple[str, ...], dict[tuple[tuple[str, ...], tuple[str, ...]], _BuildCell]] = (
        field(default_factory=dict)
    )
    row_base: dict[tuple[str, ...], str] = field(default_factory=dict)
    col_settings: dict[tuple[str, ...], dict[str, dict[str, None]]] = field(default_factory=dict)
    col_sample_sec: dict[tuple[str, ...], list[float]] = field(default_factory=dict)


def _collect(results: Iterable[Result], p: _Projections, compat: bool) -> _Collected:
    out = _Collected()
    for rec in results:
        r = bfilter.apply(p.match, rec if compat else _tidy(rec))
        if r is None:
            continue
        table_keys = p.table.project_values(r)
        row_key, col_key = p.row.project_one(r), p.col.project_one(r)
        res_key = p.residue.project_one(r)
        out.row_base.setdefault(row_key, r.name.base)
        settings = out.col_settings.setdefault(col_key, {})
        for k, v in r.config:
            if (k.startswith("escapebench-") and k not in IDENTITY_KEYS) or k in SETTING_KEYS:
                settings.setdefault(k, {})[v] = None
        sec = r.get("sec/op")
        if sec is not None and r.iters > 0:
            out.col_sample_sec.setdefault(col_key, []).append(sec * r.iters)
        for v, tkey in zip(r.values, table_keys, strict=True):
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
    :class:`QueryError` for a malformed filter or projection.
    """
    opts = options or CompareOptions()
    if overrides:
        opts = replace(opts, **overrides)  # type: ignore[arg-type]
    if order is not None:
        opts = replace(opts, order=tuple(order))
    meta = _unit_meta(units)
    p = _projections(opts)
    got = _collect(results, p, opts.benchstat_compat)
    unit_field = p.table.unit_field
    assert unit_field is not None
    table_fields = [f for f in p.table.flattened() if f is not unit_field]
    built: list[Table] = []
    for tkey in p.table.sort(got.tables):
        cells = got.tables[tkey]
        unit = Projection.get(tkey, unit_field)
        config = tuple((f.name, Projection.get(tkey, f)) for f in table_fields)
        rows = _sort_rows(p.row.sort({rk for rk, _ in cells}), got.row_base, opts)
        cols = p.col.sort({ck for _, ck in cells})
        columns = tuple(_column(ck, p.col, got) for ck in cols)
        built.append(
            _build_table(
                opts,
                unit,
                unit_assumption(unit, meta),
                unit_better(unit, meta),
                config,
                rows,
                cols,
                columns,
                cells,
                p,
                got.row_base,
            )
        )
    notes: tuple[str, ...] = ()
    if opts.corrected:
        notes = (
            "p-values adjusted within each table by Holm's method "
            f"(α={opts.alpha:g}); ~ means no significant change after adjustment",
        )
    return Report(tuple(built), tuple(f.name for f in p.col.flattened()), opts, notes)


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


def _build_table(
    opts: CompareOptions,
    unit: str,
    assumption: stats.Assumption,
    better: int,
    config: tuple[tuple[str, str], ...],
    rows: list[tuple[str, ...]],
    cols: list[tuple[str, ...]],
    columns: tuple[Column, ...],
    cells: Mapping[tuple[tuple[str, ...], tuple[str, ...]], _BuildCell],
    p: _Projections,
    row_base: Mapping[tuple[str, ...], str],
) -> Table:
    compat = opts.benchstat_compat
    base = cols[0]
    samples = {k: Sample.of(c.values, unit) for k, c in cells.items()}
    residue_fields = p.residue.flattened()
    out: dict[tuple[tuple[str, ...], tuple[str, ...]], Cell] = {}
    for k, c in cells.items():
        rk, ck = k
        cmp = None
        if ck != base and (rk, base) in samples:
            cmp = stats.compare(
                samples[(rk, base)],
                samples[k],
                opts.alpha,
                assumption,
                opts.confidence,
                benchstat=compat,
            )
        out[k] = Cell(
            samples[k],
            stats.summarize(samples[k], opts.confidence, assumption, benchstat=compat),
            cmp,
            _cell_warnings(c, residue_fields),
            None,
            cmp.significant if cmp else None,
            cmp.new_center - cmp.old_center if cmp else None,
        )
    if opts.corrected and assumption == "nothing":
        out.update(_holm(out, opts.alpha))
    row_objs = []
    for rk in rows:
        rcells = tuple(out.get((rk, ck)) for ck in cols)
        row_objs.append(
            Row(
                p.row.string_values(rk),
                tuple((f.name, v) for f in p.row.flattened() if (v := Projection.get(rk, f))),
                rcells,
                () if compat else _advice(rcells, opts),
                row_base.get(rk, ""),
            )
        )
    geo = tuple(_column_summary(row_objs, i, compat) for i in range(len(cols)))
    notes = () if compat else _table_notes(row_objs, opts)
    return Table(config, unit, assumption, better, columns, tuple(row_objs), geo, notes)


def _holm(
    cells: Mapping[tuple[tuple[str, ...], tuple[str, ...]], Cell], alpha: float
) -> dict[tuple[tuple[str, ...], tuple[str, ...]], Cell]:
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


def _column_summary(rows: Sequence[Row], col: int, compat: bool) -> ColumnSummary:
    """benchstat's geomean entry (0/0 counts as ratio 1); in our mode zeros are left out."""
    n_base = sum(1 for r in rows if r.cells[0] is not None)
    summaries: list[float] = []
    ratios: list[float] = []
    bad_ratio = False
    zeros = 0
    for r in rows:
        cell, first = r.cells[col], r.cells[0]
        if cell is None:
            continue
        a = cell.summary.center
        b = first.summary.center if (cell.comparison is not None and first) else None
        if compat or a > 0:
            summaries.append(a)
        else:
            zeros += 1
        if b is None:
            continue
        if a == b:
            ratios.append(1.0)
        elif compat and b == 0:
            bad_ratio = True
            ratios.append(0.0)
        elif compat or (a > 0 and b > 0):
            ratios.append(a / b)
        else:
            ratios.append(math.nan)  # keeps the benchmark-set count honest
    warnings: list[str] = []
    n_ratios = len(ratios)
    ratios = [x for x in ratios if not math.isnan(x)]
    if col != 0 and n_base != n_ratios:
        warnings.append("benchmark set differs from baseline; geomeans may not be comparable")
    center = stats.geomean(summaries, benchstat=compat) if summaries else math.nan
    if math.isnan(center):
        warnings.append("summaries must be >0 to compute geomean")
    elif not compat and zeros:
        warnings.append(
            f"{zeros} zero {'summary' if zeros == 1 else 'summaries'} left out of geomean"
        )
    ratio_out = None
    if col != 0 and not bad_ratio:
        g = stats.geomean(ratios, benchstat=compat) if ratios else math.nan
        if math.isnan(g):
            warnings.append("ratios must be >0 to compute geomean")
        else:
            ratio_out = g
    return ColumnSummary(None if math.isnan(center) else center, ratio_out, tuple(warnings), zeros)


def _need_count(cells: Sequence[Cell | None], opts: CompareOptions) -> int:
    """The --count that would give every cell an interval and the U test a chance (0: enough)."""
    need = 0
    if any(c is not None and (math.isinf(c.summary.lo) or math.isinf(c.summary.hi)) for c in cells):
        op, n = stats.min_samples_for_ci(opts.confidence)
        need = max(need, n if op == ">=" else n + 1)
    if any(
        c is not None
        and c.comparison is not None
        and any(w.startswith("need ") for w in c.comparison.warnings)
        for c in cells
    ):
        op, n = stats.min_samples_for_utest(opts.alpha)
        need = max(need, n if op == ">=" else n + 1)
    return need


def _max_cv(cells: Sequence[Cell | None]) -> float | None:
    cvs = [c.summary.cv for c in cells if c is not None and c.summary.cv is not None]
    return max(cvs) if cvs else None


def _advice(cells: Sequence[Cell | None], opts: CompareOptions) -> tuple[str, ...]:
    """Noise diagnostics for one row (data for JSON; text shows them as one note per table)."""
    out: list[str] = []
    need = _need_count(cells, opts)
    if need:
        smallest = min((c.summary.n for c in cells if c is not None), default=0)
        out.append(f"n={smallest} is too few: rerun with --count {need} or more")
    cv = _max_cv(cells)
    if cv is not None and 100 * cv > opts.cv_threshold_pct:
        out.append(f"noisy: CV {100 * cv:.1f}% > {opts.cv_threshold_pct:g}%")
    return tuple(out)


def _table_notes(rows: Sequence[Row], opts: CompareOptions) -> tuple[str, ...]:
    """One note listing the noisy rows and one listing rows with too few samples."""
    notes = []
    noisy = [
        (cv, r.label)
        for r in rows
        if (cv := _max_cv(r.cells)) is not None and 100 * cv > opts.cv_threshold_pct
    ]
    if noisy:
        listed = ", ".join(f"{label} ({100 * cv:.0f}%)" for cv, label in noisy)
        notes.append(
            f"noisy (CV > {opts.cv_threshold_pct:g}%): {listed}; quiet the machine "
            "(pin CPU frequency, stop background load) or raise --count"
        )
    few = [(n, r.label) for r in rows if (n := _need_count(r.cells, opts))]
    if few:
        need = max(n for n, _ in few)
        notes.append(
            f"too few samples for an interval or a test: "
            f"{', '.join(label for _, label in few)}; rerun with --count {need} or more"
        )
    return tuple(notes)


# --- the escape-cost hook -----------------------------------------------------------


def variant_verdicts(report: Report, results: Iterable[Result]) -> Report:
    """``--by variant``: sec/op verdicts from the one escape-cost estimator.

    When the columns are noescape → escape, the p-value, adjusted p-value and
    verdict of each sec/op row come from ``analysis.escape_cost`` (paired
    rounds where the run interleaved them, its own Holm family), so ``bench
    compare`` never disagrees with ``bench cost``. Other reports are returned as
    they are. Until that module exists this is the identity.
    """
    return report
