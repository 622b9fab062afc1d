"""The report's measurement sections: what escaping cost, as blocks and chart specs.

One job: decide what to say about the cost records collected by
``analysis.report.collect`` and lay it out as ``analysis.report.blocks``
(headline, ratio chart and pair table, per-pair charts, GC, Go versions,
machines, GC settings, noise, every condition). The context sections
(compiler verification, claims, runs, failures) are in
``analysis.report.context``. Numbers are written by ``analysis.format``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any, TypeAlias

import numpy as np
import pandas as pd

from analysis.format import (
    NO_CYCLE,
    fmt_bytes,
    fmt_count,
    fmt_gc_cpu,
    fmt_interval,
    fmt_p,
    fmt_ratio,
    fmt_time,
    is_number,
)
from analysis.order import version_key
from analysis.plots.base import slug
from analysis.report.blocks import Bold, Heading, Inlines, List, Paragraph, Table, inlines
from analysis.report.charts import DocBuilder
from analysis.report.collect import (
    FREE,
    Collected,
    ReportCondition,
    case_id,
    like_primary,
    report_condition,
    samples_of,
    setting_key,
)
from bench.vocab import escaped as esc

#: How many of the noisiest pairs the noise chart inspects.
NOISE_PAIRS = 6


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"


def machine_text(data: Collected, machine: str) -> str:
    info = data.machines.get(machine, {})
    bits = [
        b for b in (info.get("cpu", ""), f"{info['cores']} CPUs" if info.get("cores") else "") if b
    ]
    return f"{machine} ({', '.join(bits)})" if bits else machine


def _rounds_text(costs: pd.DataFrame) -> str:
    """``n = 10 rounds per pair`` (interleaved) or ``n = 6 samples per variant`` (sequential)."""
    paired = bool(costs["paired"].all()) if len(costs) else True
    counts = sorted({int(x) for x in costs["n_rounds" if paired else "n_samples"] if is_number(x)})
    runs = int(costs["n_runs"].max()) if len(costs) else 0
    n = (str(counts[0]) if len(counts) == 1 else f"{counts[0]}–{counts[-1]}") if counts else "0"
    what = "rounds per pair" if paired else "samples per variant, not paired in rounds"
    return f"n = {n} {what}" + (f", {runs} runs" if runs > 1 else "")


def footer(data: Collected, costs: pd.DataFrame) -> str:
    """What a chart shows, written on it: machines, toolchains, GC settings, rounds."""
    machines = sorted(set(costs["machine"]))
    gos = sorted(set(costs["go"]), key=version_key)
    settings = sorted(set(costs["setting"]))
    m = "; ".join(machine_text(data, x) for x in machines)
    return f"machine {m} · {', '.join(gos)} · {', '.join(settings)} · {_rounds_text(costs)}"


def _ordered(records: Sequence[Any], data: Collected) -> list[Any]:
    order = {r.pair: i for i, r in enumerate(data.records)}
    return sorted(records, key=lambda r: order.get(r.pair, 0))


def _across(rec: Any) -> str:
    a = rec.across_runs
    return "" if a is None else f"{fmt_ratio(a.ratio)} {fmt_interval(a.ci_low, a.ci_high)}"


def _per_alloc(rec: Any) -> str:
    """The extra time per allocation with its interval, in words when it is not a cost."""
    pa = rec.per_alloc
    if (
        pa is None
        or not esc.allocates_more(rec.allocs_escape, rec.allocs_noescape)
        or not is_number(pa.value)
    ):
        return "–"
    value = f"{fmt_count(round(pa.value, 3))} {pa.unit}"
    lo, hi = fmt_count(round(pa.ci_low, 3)), fmt_count(round(pa.ci_high, 3))
    if is_number(pa.ci_low) and pa.ci_low > 0:
        return f"{value} [{lo}, {hi}]"
    if is_number(pa.ci_high) and pa.ci_high < 0:
        return f"none: the escape variant was faster ({value}, interval [{lo}, {hi}])"
    return f"no clear cost per allocation ({value}, interval [{lo}, {hi}] includes 0)"


# --- the headline ---------------------------------------------------------------------------------


def summary(doc: DocBuilder, data: Collected, primary: ReportCondition) -> None:
    """What escaping cost, counting pairs that escaped apart from pairs that did not."""
    recs = data.records_of(primary)
    said = {id(r): esc.escaped(r.compiler_heap, r.allocs_escape, r.allocs_noescape) for r in recs}
    escaped = [r for r in recs if said[id(r)]]
    other = [r for r in recs if not said[id(r)]]
    items: list[Inlines] = [_scope(data, primary), inlines(_cost_text(data, recs, escaped))]
    if other:
        items.append(_no_escape_item(data, primary, other))
    top = max(escaped, key=lambda r: (r.ratio if is_number(r.ratio) else -1, r.pair), default=None)
    if top is not None and is_number(top.ratio):
        items.append(
            inlines(
                [
                    "Largest ratio among escaping pairs: ",
                    Bold(top.pair),
                    f" {fmt_ratio(top.ratio)} ({fmt_time(top.escape_sec)} vs "
                    f"{fmt_time(top.noescape_sec)} per op).",
                ]
            )
        )
    doc.add(Heading(2, "Summary"), List(items))


def _scope(data: Collected, primary: ReportCondition) -> Inlines:
    """The condition the report shows unless a chart says otherwise."""
    return inlines(
        [
            "Shown below unless a chart says otherwise: machine ",
            Bold(machine_text(data, primary.machine)),
            ", ",
            Bold(primary.go),
            ", ",
            Bold(primary.setting),
            f", GOMAXPROCS={primary.gomaxprocs}" if primary.gomaxprocs else "",
            f", {_rounds_text(data.costs_of(primary))}.",
        ]
    )


def _cost_text(data: Collected, recs: Sequence[Any], escaped: Sequence[Any]) -> str:
    """How many escaping pairs were slower, faster or neither, by interval and by verdict."""
    above = [r for r in escaped if is_number(r.ci_low) and r.ci_low > 1]
    below = [r for r in escaped if is_number(r.ci_high) and r.ci_high < 1]
    verdicts = [r.verdict for r in escaped]
    ratios = [r.ratio for r in above if is_number(r.ratio) and r.ratio > 0]
    undefined = [r for r in escaped if not (is_number(r.ci_low) and is_number(r.ci_high))]
    around = len(escaped) - len(above) - len(below) - len(undefined)
    text = (
        f"Escape happened in {len(escaped)} of {len(recs)} pairs ({esc.DEFINITION}). "
        f"The 95 % interval of their time ratio lies above ×1 in "
        f"{len(above)}, below ×1 in {len(below)} and around ×1 in {around}"
        + (
            f"; it is undefined in {len(undefined)} (too few rounds or samples)"
            if undefined
            else ""
        )
        + "."
    )
    if ratios:
        geo = float(np.exp(np.mean(np.log(ratios))))
        text += (
            f" Where it was slower, escaping cost {fmt_ratio(min(ratios))} to "
            f"{fmt_ratio(max(ratios))} (geometric mean {fmt_ratio(geo)})."
        )
    unsettled = sum(1 for r in above + below if r.verdict == "inconclusive")
    return text + (
        f" Verdict, with Holm's correction over the {len(data.records)} tests of this report: "
        f"slower in {verdicts.count('slower')}, faster in {verdicts.count('faster')}, "
        f"inconclusive in {verdicts.count('inconclusive')}"
        + (
            f" ({unsettled} of them have an interval that excludes ×1 but do not survive the "
            "correction: more rounds would settle them)."
            if unsettled
            else "."
        )
    )


def _no_escape_item(data: Collected, primary: ReportCondition, other: Sequence[Any]) -> Inlines:
    """The pairs in which nothing escaped, with what was measured anyway."""
    listed = [
        [
            Bold(r.pair),
            f" {fmt_ratio(r.ratio)} {fmt_interval(r.ci_low, r.ci_high)} "
            f"({fmt_count(r.allocs_escape)} → {fmt_count(r.allocs_noescape)} allocs)",
        ]
        for r in _ordered(other, data)
    ]
    return inlines(
        [
            f"No escape on {primary.go} in {plural(len(other), 'pair')}: the escape "
            "variant allocates no more than the noescape one, or it does but the "
            "compiler reports no escape (append growth, a non-constant make), so the "
            "difference measured is not an escape of the variable "
            "(a copy, boxing without allocation, growth): ",
            *_joined(listed),
            ".",
        ]
    )


def _joined(parts: Sequence[Sequence[Any]], sep: str = "; ") -> list[Any]:
    out: list[Any] = []
    for i, p in enumerate(parts):
        if i:
            out.append(sep)
        out.extend(p)
    return out


# --- the pair table -------------------------------------------------------------------------------


def pair_table(data: Collected, records: Sequence[Any]) -> Table:
    """One row per pair: medians, ratio with this-run (and across-runs) interval, allocations."""
    across = any(r.across_runs is not None for r in records)
    head = [
        "§",
        "pair",
        "escaped",
        "escape",
        "noescape",
        "ratio [95 % CI]",
        "verdict",
        *(["across runs [95 % CI]"] if across else []),
        "p (Holm)",
        "B/op",
        "allocs/op",
        "extra time per alloc",
        "GC CPU/op",
        "rounds",
    ]
    rows = []
    for r in _ordered(records, data):
        case = data.cases.get(case_id(r.pair, data.cases) or "")
        title = getattr(case, "title", "")
        rows.append(
            (
                r.section,
                [Bold(r.pair), *([f" — {title}"] if title else [])],
                esc.word(r.compiler_heap, r.allocs_escape, r.allocs_noescape),
                fmt_time(r.escape_sec),
                fmt_time(r.noescape_sec),
                f"{fmt_ratio(r.ratio)} {fmt_interval(r.ci_low, r.ci_high)}",
                Bold(r.verdict) if r.verdict != "inconclusive" else r.verdict,
                *([_across(r) or "–"] if across else []),
                fmt_p(r.p_adjusted),
                f"{fmt_bytes(r.bytes_escape)} → {fmt_bytes(r.bytes_noescape)}",
                f"{fmt_count(r.allocs_escape)} → {fmt_count(r.allocs_noescape)}",
                _per_alloc(r),
                f"{fmt_gc_cpu(r.gc_cpu_escape, r.bytes_escape)} → "
                f"{fmt_gc_cpu(r.gc_cpu_noescape, r.bytes_noescape)}",
                (f"{r.n_rounds}" if r.paired else f"{r.n_escape}+{r.n_noescape} samples")
                + (f" × {r.n_runs} runs" if r.n_runs > 1 else ""),
            )
        )
    return Table(head, rows)


def overview(doc: DocBuilder, data: Collected, primary: ReportCondition) -> None:
    """The ratio chart, the pair table and how to read it."""
    pc = data.costs_of(primary)
    recs = data.records_of(primary)
    doc.add(Heading(2, "Escape cost of every pair"))
    doc.chart(
        "ratio",
        f"Time ratio escape/noescape with 95 % interval for {len(pc)} pairs",
        "The escape variant's time per op relative to the noescape variant's, with "
        "its 95 % interval (see Method); hollow markers are pairs in which nothing escaped on "
        "this version; grouped by article section and sorted; log scale, ×1 = no "
        "difference. Click for the SVG.",
        "ratio_overview",
        svg=True,
        costs=pc,
        title="Escape cost: time ratio escape / noescape",
    )
    doc.add(pair_table(data, recs))
    methods = sorted({r.method for r in recs})
    doc.add(
        Paragraph(
            f"{esc.DEFINITION} (where they disagree the cell says which said what; "
            "without an escape.json only allocations are known: '(allocations only)'); "
            "escape and noescape are median time per op; ratio is escape/noescape "
            f"with its 95 % interval ({'; '.join(methods)}); across runs is the interval over "
            "several runs of the same settings, when there are several; verdict is slower or "
            "faster when the test is significant after Holm's correction, else inconclusive; "
            "p is the test that "
            "agrees with the interval, Holm-adjusted over every pair and condition of the "
            "report; extra time per alloc is the time difference per additional allocation "
            "(per KiB or MiB when allocations are large) with its interval, only where "
            "something escaped; GC CPU/op is the collector's CPU time per op (median; "
            f"{NO_CYCLE} where a variant allocates but no GC cycle ended during its samples, "
            "since the runtime counts GC CPU only at a cycle's end)."
        )
    )
    notes = [
        [Bold(r.pair), ": " + "; ".join(r.warnings)] for r in _ordered(recs, data) if r.warnings
    ]
    if notes:
        doc.add(Paragraph("Statistical caveats:"), List(notes))


def per_pair(doc: DocBuilder, data: Collected, primary: ReportCondition) -> None:
    """One chart of samples per article section, and what each pair is about."""
    pc = data.costs_of(primary)
    ps = samples_of(data, primary)
    doc.add(Heading(2, "Per pair, by article section"))
    for i, section in enumerate(dict.fromkeys(pc.sort_values("order")["section"])):
        sc = pc[pc["section"] == section]
        label = f"§{section}" if section else "Other pairs"
        doc.add(Heading(3, label))
        doc.chart(
            f"pairs-{i + 1:02d}-{slug(section or 'other')}",
            f"Time per op of escape and noescape for {len(sc)} pairs of {label}",
            "Every sample (dots) and the median (diamond) of each variant; allocations "
            "and bytes per op under each label; the ratio and its interval on the right.",
            "pair_grid",
            samples=ps[ps["section"] == section],
            costs=sc,
            title=f"{label}: escape vs noescape time per op",
        )
        items = []
        for c in sc.sort_values(["order", "pair"]).itertuples(index=False):
            case = data.cases.get(case_id(c.pair, data.cases) or "")
            item: list[Any] = [Bold(c.pair)]
            if case is not None:
                item += [
                    f" — {case.title}. " if case.title else " ",
                    " ".join(case.explanation.split()),
                ]
                if case.note:
                    item.append(" Note: " + " ".join(case.note.split()))
            items.append(item)
        doc.add(List(items))


def gc_section(doc: DocBuilder, data: Collected, primary: ReportCondition) -> None:
    pc = data.costs_of(primary)
    doc.add(Heading(2, "GC cost"))
    if pc[["gc_cpu_escape", "gc_cpu_noescape"]].fillna(0).gt(0).any(axis=None):
        doc.chart(
            "gc-cost",
            "GC CPU time per op, escape vs noescape",
            "Median GC CPU time per op (gc-cpu-sec/op) of each variant, for the pairs "
            "that caused any GC work; hollow markers at 0 mean none.",
            "gc_cost",
            costs=pc,
            title="GC cost: GC CPU time per op",
        )
    else:
        doc.add(Paragraph("No GC CPU time (gc-cpu-sec/op) in these results, or no GC work."))


# --- across conditions ----------------------------------------------------------------------------


def _no_escape_list(part: pd.DataFrame, key: str) -> List | None:
    rows = part[~part["escaped"].astype(bool)].sort_values(["order", "pair"], kind="mergesort")
    by: dict[str, list[str]] = defaultdict(list)
    for c in rows.itertuples(index=False):
        if str(getattr(c, key)) not in by[c.pair]:  # one name per value, even across conditions
            by[c.pair].append(str(getattr(c, key)))
    if not by:
        return None
    return List([[Bold(p), f": no escape on {', '.join(vs)}"] for p, vs in by.items()])


def _widest(
    data: Collected, primary: ReportCondition, fixed: str, along: str
) -> tuple[pd.DataFrame, list[str]] | None:
    """At the primary setting, the ``fixed`` value (machine or go) with the most ``along`` values.

    Ties go to the primary condition's value; None when no value has two.
    """
    same = like_primary(data.costs[data.costs["setting"] == primary.setting], primary)
    sort = version_key if along == "go" else str
    per = {k: sorted(set(g[along]), key=sort) for k, g in same.groupby(fixed)}
    mine = getattr(primary, fixed)
    best = sorted(per, key=lambda k: (-len(per[k]), k != mine, version_key(k)))
    if not best or len(per[best[0]]) < 2:
        return None
    return same[same[fixed] == best[0]], per[best[0]]


#: Draws a comparison section's chart: (doc, data, costs compared, values compared).
_Chart: TypeAlias = Callable[[DocBuilder, Collected, pd.DataFrame, list[str]], None]


def _comparison(
    doc: DocBuilder,
    data: Collected,
    primary: ReportCondition,
    heading: str,
    chart: _Chart,
    *,
    fixed: str,
    along: str,
) -> None:
    """A section comparing the pairs along one dimension (``along``) at one ``fixed`` value.

    The slice is :func:`_widest`'s, at the primary setting; no section when no value has two.
    """
    found = _widest(data, primary, fixed, along)
    if found is None:
        return
    part, values = found
    doc.add(Heading(2, heading))
    chart(doc, data, part, values)


def go_versions(doc: DocBuilder, data: Collected, primary: ReportCondition) -> None:
    """Pair × toolchain on the machine with the most toolchains, at the primary setting."""
    _comparison(doc, data, primary, "Go versions", _version_chart, fixed="machine", along="go")


def machines(doc: DocBuilder, data: Collected, primary: ReportCondition) -> None:
    """The toolchain with the most machines, at the primary setting."""
    _comparison(doc, data, primary, "Machines", _machine_chart, fixed="go", along="machine")


def _version_chart(doc: DocBuilder, data: Collected, part: pd.DataFrame, gos: list[str]) -> None:
    """The version heatmap, and the pairs that did not escape on some versions."""
    doc.chart(
        "go-versions",
        "Heatmap of the time ratio with its interval and extra allocs/op per pair and Go version",
        "Left: time ratio escape/noescape per pair and toolchain with its 95 % interval "
        "(colour on a log scale, blue below ×1, red above). Right: allocations per op "
        "the escape variant makes beyond the noescape one. Hatched cells: no escape on "
        "that version (the escape variant allocates no more).",
        "version_heatmap",
        costs=part,
        columns=gos,
        title="Escape cost by Go version",
    )
    listed = _no_escape_list(part, "go")
    if listed is not None:
        doc.add(Paragraph("Pairs without an escape on some versions (hatched above):"), listed)


def _machine_chart(doc: DocBuilder, data: Collected, part: pd.DataFrame, ms: list[str]) -> None:
    """Ratio and extra time per allocation, one point per machine."""
    doc.chart(
        "machines",
        f"Time ratio and extra time per allocation per pair on {len(ms)} machines",
        f"The same toolchain ({part['go'].iloc[0]}) on different machines: time ratio with 95 % "
        "interval (left) and the extra time per escaped allocation (right).",
        "machine_comparison",
        costs=part,
        machines=ms,
        legend_labels={m: machine_text(data, m) for m in ms},
        title="Escape cost by machine",
    )


def gc_pressure(doc: DocBuilder, data: Collected, primary: ReportCondition) -> None:
    """The machine × toolchain with the most GC settings."""
    per_mg: dict[tuple[str, str], list[ReportCondition]] = defaultdict(list)
    for c in data.conditions:
        if all(dict(c.extra).get(k) == v for k, v in primary.extra if k not in FREE):
            per_mg[(c.machine, c.go)].append(c)
    mg = sorted(
        per_mg,
        key=lambda k: (
            -len(per_mg[k]),
            k != (primary.machine, primary.go),
            k[0],
            version_key(k[1]),
        ),
    )[0]
    if len(per_mg[mg]) < 2:
        return
    settings = list(dict.fromkeys(c.setting for c in sorted(per_mg[mg], key=setting_key)))
    if len(settings) < 2:
        return
    part = like_primary(
        data.costs[(data.costs["machine"] == mg[0]) & (data.costs["go"] == mg[1])], primary
    )
    doc.add(Heading(2, "GC pressure"))
    doc.chart(
        "gc-pressure",
        "Heatmap of the time ratio and the escape variant's GC CPU per op per GC setting",
        "How the time ratio (left; hatched: no escape) and the escape variant's GC CPU "
        "time per op (right) change with GOGC and the live heap kept reachable.",
        "gc_pressure",
        costs=part,
        settings=settings,
        title="Escape cost under GC pressure",
    )


def noise(doc: DocBuilder, data: Collected, primary: ReportCondition) -> None:
    """The pairs with the widest intervals, sample by sample."""
    pc = data.costs_of(primary)
    ok = pc[pc["lo"].map(lambda v: is_number(v) and v > 0) & pc["hi"].map(is_number)]
    if ok.empty:
        return
    pick = (
        ok.assign(_w=np.log(ok["hi"] / ok["lo"]))
        .sort_values(["_w", "pair"], ascending=[False, True], kind="mergesort")
        .head(NOISE_PAIRS)
    )
    ps = samples_of(data, primary)
    doc.add(Heading(2, "Noise"))
    doc.chart(
        "noise",
        f"Samples in measurement order for the {len(pick)} pairs with the widest intervals",
        "The pairs with the widest ratio intervals: each sample's deviation from its "
        "variant's median, in measurement order (dotted lines separate runs). Both lines "
        "moving together is drift of the machine, which the paired rounds cancel; a "
        "single spike is an outlier.",
        "noise",
        samples=ps[ps["pair"].isin(pick["pair"])],
        costs=pick.drop(columns="_w"),
        title="Noise: the pairs with the widest intervals",
    )


def conditions_table(doc: DocBuilder, data: Collected) -> None:
    """Pair × condition: every ratio measured, with no escape said in words."""
    if len(data.conditions) < 2:
        return
    conds = data.conditions
    labels = {c: c.label for c in conds}
    dup = {lab for lab in labels.values() if list(labels.values()).count(lab) > 1}
    head = [
        "pair",
        *(labels[c] + (f" ({c.details})" if labels[c] in dup else "") for c in conds),
    ]
    by = {(r.pair, report_condition(r)): r for r in data.records}
    rows = []
    for pair in dict.fromkeys(r.pair for r in sorted(data.records, key=_article_key(data))):
        cells: list[Any] = [[Bold(pair)]]
        for c in conds:
            r = by.get((pair, c))
            cells.append(
                ""
                if r is None
                else f"{fmt_ratio(r.ratio)} {fmt_interval(r.ci_low, r.ci_high)}"
                + (f"; across runs {_across(r)}" if r.across_runs is not None else "")
                + ("" if r.escaped else " no escape")
            )
        rows.append(cells)
    doc.add(
        Heading(2, "Every condition"),
        Paragraph(
            "Time ratio escape/noescape with its 95 % interval for every machine × "
            "toolchain × GC setting measured; runs with different settings are "
            'separate columns, never pooled. "no escape": not escaped there (the '
            "escape variant allocates no more, or the compiler reports no escape)."
        ),
        Table(head, rows),
    )


def _article_key(data: Collected) -> Any:
    order = {cid: i for i, cid in enumerate(data.cases)}

    def key(r: Any) -> tuple[int, str]:
        cid = case_id(r.pair, data.cases)
        return (order[cid] if cid is not None else len(order), r.pair)

    return key


__all__ = [
    "conditions_table",
    "footer",
    "gc_pressure",
    "gc_section",
    "go_versions",
    "machine_text",
    "machines",
    "noise",
    "overview",
    "pair_table",
    "per_pair",
    "plural",
    "summary",
]
