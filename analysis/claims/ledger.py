"""Build the ledger: every claim judged on every Go version, and the verdict across versions.

Neighbours: ``analysis.claims.spec`` (claims from the typed manifest),
``analysis.claims.judge`` (one claim, one version), ``analysis.escape_cost``
(time ratios with significance), ``analysis.claims.render`` (output).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from analysis import escape_cost, witness
from analysis.claims import spec
from analysis.claims.judge import (
    DEPENDS,
    NA,
    Context,
    Verdict,
    judge,
)
from analysis.order import version_key
from analysis.witness import bare_go
from bench.model import Result
from bench.vocab.manifest import Claim

_VERSION_RE = re.compile(r"\d+")


@dataclass(frozen=True)
class ClaimRow:
    """One claim of the article with its verdict per Go version and across versions."""

    claim: Claim
    verdicts: tuple[Verdict, ...] = ()
    overall: str = NA

    @property
    def id(self) -> str:
        return self.claim.id

    def to_json(self) -> dict[str, Any]:
        c = self.claim
        ex = c.example
        return {
            "id": c.id,
            "section": c.section,
            "quote": c.quote,
            "kind": c.kind,
            "cases": list(c.cases),
            "variant": c.variant,
            "printed": list(c.printed),
            "example": None
            if ex is None
            else {
                "case": ex.case,
                "variant": ex.variant,
                "func": ex.func,
                "var": ex.var,
                "differs": ex.differs,
            },
            "condition": c.condition,
            "note": c.note,
            "overall": self.overall,
            "overall_phrase": overall_phrase(self),
            "verdicts": [v.to_json() for v in self.verdicts],
        }


def _cost_records(
    results: Sequence[Result], sections: Mapping[str, str], alpha: float, payload: Mapping[str, Any]
) -> list[escape_cost.CostRecord]:
    """One version's cost records, ``escaped`` from both witnesses (its escape.json payload)."""
    if not results:
        return []
    compiler = witness.compiler_witness([payload])
    return escape_cost.cost_records(results, sections=sections, alpha=alpha, compiler=compiler)


def ledger(
    manifest: spec.ManifestLike,
    reports: Sequence[Any],
    results: Mapping[str, Sequence[Result]] | None = None,
    *,
    alpha: float = 0.05,
    costs: Mapping[str, Sequence[escape_cost.CostRecord]] | None = None,
) -> list[ClaimRow]:
    """Judge every ``[[claim]]`` of ``manifest`` on every Go version of ``reports``.

    ``manifest``: ``cases.toml`` as typed records (or its tables); ``reports``: escape.json
    payloads (or ``VerifyReport``s), one per Go version; ``results``: Go
    version (``go1.27.3`` or ``1.27.3``) → that version's stored records, the
    timing evidence; ``costs``: precomputed ``escape_cost`` records per version
    (computed from ``results`` when not given).
    """
    claims = spec.claim_specs(manifest)
    infos = spec.case_infos(manifest)
    sections = spec.sections(manifest)
    by_results = {bare_go(k): list(v) for k, v in (results or {}).items()}
    by_costs = {bare_go(k): list(v) for k, v in (costs or {}).items()}
    contexts = []
    for p in sorted(spec.payloads(reports), key=lambda p: version_key(str(p.get("go", "")))):
        go = str(p.get("go", ""))
        res = by_results.get(bare_go(go), [])
        cst = by_costs.get(bare_go(go))
        if cst is None:
            cst = _cost_records(res, sections, alpha, p)
        contexts.append(
            Context(
                go=go,
                pairs={str(x.get("case")): x for x in p.get("pairs") or ()},
                diagnostics=list(p.get("diagnostics") or ()),
                results=res,
                costs=cst,
                cases=infos,
                alpha=alpha,
            )
        )
    rows = []
    for c in claims:
        verdicts = tuple(judge(c, ctx) for ctx in contexts)
        rows.append(ClaimRow(c, verdicts, _across([v.verdict for v in verdicts])))
    return rows


def _across(verdicts: Sequence[str]) -> str:
    """Across versions: the verdict when all agree (n/a aside), else ``depends`` on the version."""
    vs = [v for v in verdicts if v != NA]
    if not vs:
        return NA
    return vs[0] if len(set(vs)) == 1 else DEPENDS


def _ranges(gos: Sequence[str], all_gos: Sequence[str]) -> str:
    """``1.21–1.24`` for consecutive versions of ``all_gos``, comma-separated otherwise."""
    idx = sorted(all_gos.index(g) for g in gos)
    runs: list[list[int]] = []
    for i in idx:
        if runs and i == runs[-1][-1] + 1:
            runs[-1].append(i)
        else:
            runs.append([i])

    def short(g: str) -> str:
        return ".".join(bare_go(g).split(".")[:2])

    return ", ".join(
        short(all_gos[r[0]]) if len(r) == 1 else f"{short(all_gos[r[0]])}–{short(all_gos[r[-1]])}"
        for r in runs
    )


def overall_phrase(row: ClaimRow) -> str:
    """``holds``, or ``depends on the Go version: holds on 1.24–1.27; does not hold on 1.21``."""
    if row.overall != DEPENDS:
        return row.overall
    gos = [v.go for v in row.verdicts]
    by: dict[str, list[str]] = {}
    for v in row.verdicts:
        by.setdefault(v.verdict, []).append(v.go)
    if len(by) == 1:
        return DEPENDS
    return "depends on the Go version: " + "; ".join(
        f"{k} on {_ranges(g, gos)}" for k, g in by.items()
    )


def to_json(rows: Sequence[ClaimRow]) -> list[dict[str, Any]]:
    return [r.to_json() for r in rows]
