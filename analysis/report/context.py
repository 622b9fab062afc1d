"""The report's context sections: which runs, compiler verification, claims, failures.

One job: say where the numbers come from and what the compiler and the
article say about them, as ``analysis.report.blocks``. The measurement
sections are in ``analysis.report.sections``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path
from statistics import median
from typing import Any

from analysis.format import fmt_bytes, fmt_count, fmt_time, is_number
from analysis.order import version_key
from analysis.report.blocks import (
    Block,
    Bold,
    Code,
    Heading,
    Inlines,
    Link,
    List,
    Paragraph,
    Table,
    inlines,
)
from analysis.report.charts import DocBuilder
from analysis.report.collect import (
    ALLOCS_UNIT,
    BYTES_UNIT,
    DEFAULT_GOGC,
    DEFAULT_LIVE_HEAP,
    TIME_UNIT,
    Collected,
    meta,
)
from analysis.report.sections import plural
from bench.model import LoadedRun, Result

LEDGER_MD, LEDGER_HTML = "ledger.md", "ledger.html"


def runs_chosen(doc: DocBuilder, data: Collected) -> None:
    """The runs this report is made of, named up front (the user should know whose data it is)."""
    items = []
    for run in data.runs:
        date = meta(run, "date") or ""
        bits = [
            run.machine or "unknown machine",
            run.go or "unknown Go",
            *([str(date)] if date else []),
            f"{len(run.parsed.results)} benchmark lines",
        ]
        item: list[Any] = [
            Code(run.label),
            " — " + ", ".join(bits) + (" (published run)" if run.published else ""),
        ]
        changed = meta(run, "load_changed")
        if changed:  # written by `bench run` from its per-round load records
            item += [
                ". ",
                Bold("The machine's load changed during this run"),
                f" ({changed}): its intervals may be too narrow; compare with another run.",
            ]
        items.append(item)
    doc.add(
        Paragraph(f"This report is made of {plural(len(data.runs), 'run')}:"),
        List(items) if items else Paragraph("none."),
    )


def escape_reports(data: Collected) -> dict[str, tuple[LoadedRun, Mapping[str, Any]]]:
    """One escape.json per Go version: the primary machine's if it has one, else the first."""
    out: dict[str, tuple[LoadedRun, Mapping[str, Any]]] = {}
    primary = data.primary.machine if data.primary else ""
    for run in sorted(data.runs, key=lambda r: (r.machine != primary, r.machine, r.label)):
        if run.escape:
            out.setdefault(str(run.escape.get("go") or run.go), (run, run.escape))
    return dict(sorted(out.items(), key=lambda kv: version_key(kv[0])))


def _status_cell(p: Mapping[str, Any]) -> Inlines:
    status = str(p.get("status", ""))
    e, n = p.get("allocs_escape"), p.get("allocs_noescape")
    allocs = f" ({fmt_count(e)} → {fmt_count(n)} allocs)" if is_number(e) and is_number(n) else ""
    compiler = "" if p.get("compiler_holds", True) else ", compiler disagrees"
    return inlines([Bold(status) if status == "finding" else status, compiler + allocs])


def verification(doc: DocBuilder, data: Collected) -> None:
    doc.add(Heading(2, "Compiler verification"))
    reports = escape_reports(data)
    if not reports:
        doc.add(
            Paragraph(
                [
                    "No compiler verification in these results: no escape.json beside the runs (",
                    Code("bench run"),
                    " writes one per toolchain).",
                ]
            )
        )
        return
    doc.add(
        Paragraph(
            [
                "Each pair checked with the compiler's own escape analysis (",
                Code("-gcflags=-m"),
                ") against the ",
                Code("// escape:"),
                " annotations in the Go source, and with the measured allocs/op: ",
                Bold("verified"),
                " = both agree with the expectation, ",
                Bold("finding"),
                " = the compiler or the runtime did something else (explained "
                "below), unmeasured = no allocs/op to compare.",
            ]
        )
    )
    ann_items: list[Inlines] = []
    for go, (run, rep) in reports.items():
        anns = list(rep.get("annotations") or ())
        held = sum(1 for a in anns if a.get("holds"))
        ann_items.append(
            inlines(
                [
                    Bold(go),
                    f": {held} of {plural(len(anns), 'annotation')} hold (from run {run.label}).",
                ]
            )
        )
        for a in anns:
            if not a.get("holds"):
                cond = f" {a.get('condition')}" if a.get("condition") else ""
                ev = "; ".join(map(str, a.get("evidence") or ())) or "no escape diagnostic"
                ann_items.append(
                    inlines(
                        f"{go}: {a.get('file')}:{a.get('line')} expects "
                        f"escape:{a.get('expect')}{cond}, compiler says: {ev}"
                    )
                )
    doc.add(List(ann_items))
    pairs: dict[str, dict[str, Mapping[str, Any]]] = defaultdict(dict)
    for go, (_run, rep) in reports.items():
        for p in rep.get("pairs") or ():
            pairs[str(p.get("case"))][go] = p
    order = {cid: i for i, cid in enumerate(data.cases)}
    rows, findings = [], []
    for name in sorted(pairs, key=lambda n: (order.get(n, len(order)), n)):
        row: list[Any] = [[Bold(name)]]
        for go in reports:
            p = pairs[name].get(go)
            row.append(_status_cell(p) if p is not None else "–")
            if p is not None and p.get("status") == "finding" and p.get("finding"):
                findings.append([Bold(name), f" ({go}): {p.get('finding')}"])
        rows.append(row)
    if rows:
        doc.add(Table(["pair", *reports], rows))
    if findings:
        doc.add(Heading(3, "Findings"), List(findings))


def claims(doc: DocBuilder, ledger: Sequence[Block] | None) -> None:
    """Where the claims ledger is: a page of its own (one table per claim would drown this one)."""
    doc.add(Heading(2, "Claims of the article"))
    if not ledger:
        doc.add(
            Paragraph(
                "No claims ledger: it needs the manifest's claims and an escape.json "
                "(compiler verification) of the manifest's cases in the results."
            )
        )
        return
    text = "Each claim of the article, judged on every Go version measured, with its evidence: "
    doc.add(
        Paragraph([text, Link("the claims ledger", LEDGER_MD), "."], only="markdown"),
        Paragraph([text, Link("the claims ledger", LEDGER_HTML), "."], only="html"),
    )


def _median_of(recs: Sequence[Result], unit: str) -> float | None:
    vals = [float(v) for r in recs if (v := r.get(unit)) is not None]
    return median(vals) if vals else None


def unpaired(doc: DocBuilder, data: Collected) -> None:
    if not data.unpaired:
        return
    rows = [
        (
            label,
            name,
            str(len(recs)),
            fmt_time(_median_of(recs, TIME_UNIT)),
            fmt_bytes(_median_of(recs, BYTES_UNIT)),
            fmt_count(_median_of(recs, ALLOCS_UNIT)),
        )
        for label, name, recs in data.unpaired
    ]
    doc.add(
        Heading(2, "Benchmarks outside the pair convention"),
        Paragraph(
            [
                "These results have no ",
                Code("variant=escape"),
                "/",
                Code("variant=noescape"),
                " partner, so they have no ratio; medians per op.",
            ]
        ),
        Table(["run", "benchmark", "n", "time/op", "B/op", "allocs/op"], rows),
    )


def _settings(run: LoadedRun, key: str, default: str) -> str:
    return (
        ", ".join(sorted({r.config_value(key) or default for r in run.parsed.results})) or default
    )


def environment(doc: DocBuilder, data: Collected) -> None:
    head = [
        "run",
        "machine",
        "CPU",
        "cores",
        "OS",
        "Go",
        "GOGC",
        "live heap",
        "GOMAXPROCS",
        "date",
        "status",
        "samples",
    ]
    rows, commands = [], []
    for run in data.runs:
        info = data.machines.get(run.machine or "unknown", {})
        osname = " ".join(
            str(x)
            for x in (
                meta(run, "machine", "os"),
                meta(run, "machine", "kernel"),
                meta(run, "machine", "arch"),
            )
            if x
        )
        goamd64 = meta(run, "toolchain", "goamd64")
        first = run.parsed.results[0] if run.parsed.results else None
        procs = meta(run, "gomaxprocs") or (first.name.procs if first is not None else "")
        gogc = str(meta(run, "machine", "gogc_env") or "") or DEFAULT_GOGC
        rows.append(
            (
                run.label,
                run.machine,
                info.get("cpu", ""),
                info.get("cores", ""),
                osname,
                run.go + (f" (GOAMD64={goamd64})" if goamd64 else ""),
                _settings(run, "gogc", gogc),
                _settings(run, "live-heap", DEFAULT_LIVE_HEAP),
                str(procs or ""),
                str(meta(run, "date") or ""),
                str(meta(run, "status") or ""),
                str(len(run.parsed.results)),
            )
        )
        if meta(run, "command_line"):
            commands.append([f"{run.label}: ", Code(str(meta(run, "command_line")))])
    doc.add(Heading(2, "Runs and their environment"), Table(head, rows))
    if commands:
        doc.add(Paragraph("Command lines:"), List(commands))


def failures(doc: DocBuilder, data: Collected) -> None:
    rows = []
    for run in data.runs:
        for f in meta(run, "plan", "failures") or ():
            if isinstance(f, Mapping):
                rows.append(
                    (
                        run.label,
                        str(f.get("cell", "")),
                        str(f.get("kind", "")),
                        str(f.get("message", "")),
                    )
                )
        for e in run.parsed.errors:
            rows.append((run.label, f"{Path(e.file).name}:{e.line}", "parse", e.msg))
        for w in getattr(run, "warnings", ()) or ():
            rows.append((run.label, "", "warning", str(w)))
    doc.add(Heading(2, "Failures"))
    if rows:
        doc.add(Table(["run", "cell", "kind", "message"], rows))
    else:
        doc.add(Paragraph("No failures recorded in the runs' plans and no unreadable lines."))


__all__ = [
    "LEDGER_HTML",
    "LEDGER_MD",
    "claims",
    "environment",
    "escape_reports",
    "failures",
    "runs_chosen",
    "unpaired",
    "verification",
]
