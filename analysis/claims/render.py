"""The ledger as text, Markdown (typed blocks) and JSON: one line per claim and Go version.

Neighbours: ``analysis.claims.ledger`` makes the rows; ``analysis.report.blocks``
is the document model and ``analysis.report.markdown`` renders it (escaping is
theirs; nothing here escapes Markdown). The full evidence (compiler lines,
allocations, ratios) is printed only with ``verbose`` and is always in JSON.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

from analysis.claims.judge import Evidence, Verdict
from analysis.claims.ledger import ClaimRow, overall_phrase, to_json
from analysis.order import version_key
from analysis.report import markdown
from analysis.report.blocks import (
    Block,
    Bold,
    Code,
    Heading,
    Link,
    List,
    Paragraph,
    Table,
    anchor_id,
)
from bench.errors import InputError

FORMATS = ("text", "json", "markdown")


def _evidence_lines(v: Verdict) -> list[str]:
    """The full evidence behind one verdict, one line per fact."""
    out = [f"compiler prints: {m}" for m in v.printed]
    evs: list[Evidence] = [*((v.example,) if v.example else ()), *v.cases]
    for e in evs:
        who = f"{e.case} ({'article example' if e.role == 'example' else e.variant})"
        facts = [f"{e.verdict}: {e.reason}"]
        facts += [f"compiler: {d}" for d in e.diagnostics[:3]]
        if e.escaped is not None:
            facts.append("escaped" if e.escaped else "no escape on this version")
        if e.ratio is not None:
            facts.append(
                f"time ×{e.ratio:.2f} [{e.ci_low:.2f}, {e.ci_high:.2f}]"
                + (" significant" if e.significant else " not significant")
            )
        out.append(f"{who}: " + "; ".join(facts + list(e.details)))
    return out


def _note(row: ClaimRow) -> str:
    ex = row.claim.example
    parts = [
        f"as written differs from the article: {ex.differs}" if ex and ex.differs else "",
        row.claim.note,
    ]
    return " ".join(p for p in parts if p)


def render_text(rows: Sequence[ClaimRow], *, verbose: bool = False) -> str:
    """One line per claim and Go version: verdict and one short reason."""
    out = []
    for r in rows:
        c = r.claim
        out.append(f"[{c.id}] §{c.section} “{c.quote}”")
        width = max((len(v.go) for v in r.verdicts), default=0)
        for v in r.verdicts:
            out.append(f"  {v.go.ljust(width)}  {v.verdict:<13}  {v.reason}")
            if verbose:
                out += [f"  {'':{width}}    - {line}" for line in _evidence_lines(v)]
        out.append(f"  overall: {overall_phrase(r)}")
        if verbose and _note(r):
            out.append(f"  note: {_note(r)}")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def anchor(claim_id: str) -> str:
    """The anchor of a claim's heading in :func:`blocks` (what :func:`grid` links to)."""
    return anchor_id(f"claim-{claim_id}")


def blocks(rows: Sequence[ClaimRow], *, verbose: bool = False) -> list[Block]:
    """Per claim: a heading, the quote, a table of Go version × verdict × reason, the overall."""
    out: list[Block] = []
    for r in rows:
        c = r.claim
        out.append(Heading(3, [f"§{c.section} ", Code(c.id)], anchor=anchor(c.id)))
        out.append(Paragraph(f"“{c.quote}”"))
        out.append(
            Table(
                head=("Go", "Verdict", "Reason"),
                rows=tuple((v.go, Bold(v.verdict), v.reason) for v in r.verdicts),
            )
        )
        out.append(Paragraph(["Overall: ", Bold(overall_phrase(r))]))
        if verbose:
            items = [[Code(v.go), " ", line] for v in r.verdicts for line in _evidence_lines(v)]
            if items:
                out.append(List(tuple(items)))
            if _note(r):
                out.append(Paragraph(_note(r)))
    return out


def grid(rows: Sequence[ClaimRow], *, href: Callable[[str], str] | None = None) -> Table:
    """One row per claim, one column per Go version, the verdict in each cell.

    ``href(claim_id)`` is where the claim's cell links to (its evidence); no
    link when not given.
    """
    gos = sorted({v.go for r in rows for v in r.verdicts}, key=version_key)
    body = []
    for r in rows:
        by = {v.go: v.verdict for v in r.verdicts}
        name = Link(r.id, href(r.id)) if href else Code(r.id)
        body.append((name, r.claim.section, *(by.get(g, "") for g in gos), overall_phrase(r)))
    return Table(head=("Claim", "§", *gos, "Overall"), rows=tuple(body))


def page(rows: Sequence[ClaimRow]) -> list[Block]:
    """The ledger page's body: the verdict grid linking to each claim, then the full evidence."""
    return [
        Heading(2, "Verdicts per Go version", anchor="verdicts"),
        grid(rows, href=lambda cid: f"#{anchor(cid)}"),
        Heading(2, "Evidence", anchor="evidence"),
        *blocks(rows, verbose=True),
    ]


def render_markdown(rows: Sequence[ClaimRow], *, verbose: bool = False) -> str:
    return markdown.render_blocks(blocks(rows, verbose=verbose))


def render(rows: Sequence[ClaimRow], format: str = "text", *, verbose: bool = False) -> str:
    """``bench claims`` output in ``text``, ``json`` (always the full evidence) or ``markdown``."""
    if format == "text":
        return render_text(rows, verbose=verbose)
    if format == "json":
        return json.dumps(to_json(rows), indent=2, ensure_ascii=False) + "\n"
    if format == "markdown":
        return render_markdown(rows, verbose=verbose)
    raise InputError(f"--format {format}: unknown format: use one of {', '.join(FORMATS)}")
