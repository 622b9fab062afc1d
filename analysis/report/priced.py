"""The report's sections about priced allocations: the price list and a package's escapes.

One job: blocks for the two kinds of input that are not catalogue pairs.

* **Price list** — when the runs hold the price grid (``bench prices``), a
  table per condition (size, shape, bytes charged, extra ns per allocation
  with its interval, GC CPU per KiB), the fitted model in one line per
  segment, and the price-curve chart of :mod:`analysis.plots.prices` when
  that module offers it.
* **Escapes in <package>** — for each joined ``bench escapes`` report
  (:func:`analysis.escapes.join`): the ranked sites and a bar chart of the
  most costly ones (:func:`analysis.plots.escapes.escape_sites`).

Numbers come from :mod:`analysis.prices` and :mod:`analysis.escapes`; this
module only orders, formats and labels them.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping, Sequence
from typing import Any

from analysis import prices
from analysis.format import MISSING, fmt_bytes, fmt_num, fmt_pct
from analysis.plots.base import slug
from analysis.report.blocks import Code, Heading, Paragraph, Table
from analysis.report.charts import DocBuilder
from analysis.report.collect import Collected
from analysis.report.sections import plural

#: Sites shown per package in the ranked table and the chart.
TOP_SITES = 15
PRICE_HEAD = ("size", "shape", "charged", "ns per allocation [95 % CI]", "GC CPU per KiB")
SITE_HEAD = ("site", "function", "why", "bytes/op", "allocs/op", "est. ns/op [95 % CI]", "share",
             "GC share")  # fmt: skip


def _ns(v: float | None) -> str:
    return MISSING if v is None else f"{fmt_num(v)} ns"


def interval_text(value: float | None, lo: float | None, hi: float | None) -> str:
    """``29.1 ns [27.4, 31]``; the interval left out where an end is unknown or infinite."""
    if value is None:
        return MISSING
    ends = (lo, hi)
    if any(e is None or e != e or abs(e) == float("inf") for e in ends):
        return _ns(value)
    return f"{_ns(value)} [{fmt_num(lo)}, {fmt_num(hi)}]"


def _condition_label(c: Any) -> str:
    live = c.live_heap or "0"
    procs = f", GOMAXPROCS={c.gomaxprocs}" if c.gomaxprocs else ""
    return f"{c.machine} · {c.go} · GOGC={c.gogc or '100'}, live heap {live}{procs}"


def price_table(records: Sequence[Any]) -> Table:
    """One condition's price records: a row per size and shape."""
    rows = []
    for r in records:
        ns = r.ns_per_alloc
        gc = r.gc_cpu_ns_per_kib
        rows.append(
            (
                fmt_bytes(r.size),
                r.shape,
                fmt_bytes(r.charged_bytes if r.charged_bytes is not None else r.size_class),
                interval_text(ns.value, ns.ci_low, ns.ci_high) if r.escaped else "not escaped",
                interval_text(gc.value, gc.ci_low, gc.ci_high) if gc is not None else MISSING,
            )
        )
    return Table(head=PRICE_HEAD, rows=tuple(rows))


def model_text(model: Any) -> str:
    """The fitted model of one condition in one line: ``noscan small: 11 ns + 48 ns/KiB; …``."""
    parts = [
        f"{s.shape} {s.range}: {fmt_num(s.fixed_ns.value)} ns + "
        f"{fmt_num(s.per_kib_ns.value)} ns/KiB ({plural(s.n_points, 'size')})"
        for s in model.segments
    ]
    return "; ".join(parts) or "no segment with two sizes or more"


def _has_price_curve() -> bool:
    if importlib.util.find_spec("analysis.plots.prices") is None:
        return False
    module = importlib.import_module("analysis.plots.prices")
    return callable(getattr(module, "price_curve", None))


def price_list(doc: DocBuilder, data: Collected) -> None:
    """ "Price list": a table and the model line per condition, and the price-curve chart."""
    if not data.prices:
        return
    by: dict[Any, list[Any]] = {}
    for r in data.prices:
        by.setdefault(r.condition, []).append(r)
    models = {m.condition: m for m in prices.fit_models(data.prices)}
    doc.add(
        Heading(2, "Price list", anchor="price-list"),
        Paragraph(
            [
                "What one escaping heap allocation costs on this machine, by size and shape: "
                "the extra time per op of the price grid's escape variant over its noescape "
                "variant, divided by the extra allocations (",
                Code("bench prices"),
                f"; {prices.METHOD}). {plural(len(by), 'condition')}, "
                f"{plural(len(data.prices), 'grid point')}.",
            ]
        ),
    )
    for cond, recs in by.items():
        doc.add(Heading(3, _condition_label(cond)), price_table(recs))
        model = models.get(cond)
        if model is not None:
            doc.add(Paragraph(["Model (ns ≈ fixed + per KiB charged): ", model_text(model), "."]))
            for note in model.notes:
                doc.add(Paragraph(f"Note: {note}."))
    if _has_price_curve():
        doc.figure(
            "price-curve",
            "Extra ns per escaping allocation against bytes charged, log–log, by shape",
            "The price curve: one line per Go version, 95 % interval as a band.",
            "analysis.plots.prices:price_curve",
            foot=", ".join(sorted({_condition_label(c) for c in by})),
            records=list(data.prices),
        )


def _allocs(site: Mapping[str, Any]) -> str:
    a = site.get("allocs_per_op") or {}
    hot = site.get("benchmark")
    if hot in a:
        return fmt_num(a[hot])
    return fmt_num(max(a.values())) if a else "0"


def _bytes(site: Mapping[str, Any]) -> str:
    b = site.get("bytes_per_op") or {}
    hot = site.get("benchmark")
    v = b.get(hot) if hot in b else (max(b.values()) if b else None)
    return fmt_bytes(v) if v is not None else MISSING


def site_rows(report: Mapping[str, Any], top: int = TOP_SITES) -> list[tuple[str, ...]]:
    """The ``top`` exercised sites of one report, in its rank order."""
    rows = []
    for s in [s for s in report.get("sites", ()) if s.get("exercised")][:top]:
        est = s.get("est_ns_per_op") or {}
        rows.append(
            (
                f"{s.get('file')}:{s.get('line')}:{s.get('column')}",
                str(s.get("function", "")),
                str(s.get("reason", "")),
                _bytes(s),
                _allocs(s),
                interval_text(est.get("value"), est.get("ci_low"), est.get("ci_high")),
                fmt_pct(s.get("share_of_op")),
                fmt_pct(s.get("gc_share")),
            )
        )
    return rows


def escapes(doc: DocBuilder, data: Collected) -> None:
    """ "Escapes in <package>" per joined report: the ranked table and the top sites' chart."""
    for report in data.escapes:
        pkg = str(report.get("package") or "the package")
        sites = list(report.get("sites", ()))
        exercised = [s for s in sites if s.get("exercised")]
        doc.add(
            Heading(2, f"Escapes in {pkg}", anchor=f"escapes-{pkg}"),
            Paragraph(
                [
                    f"{plural(len(sites), 'escape site')} the compiler reports "
                    f"({report.get('go') or 'unknown toolchain'}, GOGC="
                    f"{report.get('gogc') or '100'}), {len(exercised)} exercised by the "
                    "benchmarks, ranked by estimated cost (",
                    Code("bench escapes"),
                    "). ",
                    str(report.get("note") or ""),
                    ".",
                ]
            ),
        )
        if report.get("message"):
            doc.add(Paragraph(str(report["message"])))
        if not report.get("priced"):
            doc.add(Paragraph("No price list for this toolchain and GOGC: sites are unpriced."))
        rows = site_rows(report)
        if not rows:
            doc.add(Paragraph("No benchmark exercised an escape site."))
            continue
        doc.add(Table(head=SITE_HEAD, rows=tuple(rows)))
        if any((s.get("est_ns_per_op") or {}).get("value") is not None for s in exercised):
            doc.figure(
                f"escapes-{slug(pkg)}",
                f"Most costly escape sites in {pkg}, estimated ns/op, coloured by cause",
                f"The top sites of {pkg}: estimated ns/op with 95 % intervals.",
                "analysis.plots.escapes:escape_sites",
                foot=f"{report.get('go') or ''} GOGC={report.get('gogc') or '100'}",
                sites=exercised[:TOP_SITES],
                title=f"Escapes in {pkg}: the most costly sites",
                footer=(
                    f"{report.get('go') or ''}, GOGC={report.get('gogc') or '100'}; "
                    "price-list estimates, not measurements of removing the allocation"
                ),
            )
