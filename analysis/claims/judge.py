"""Judge one claim on one Go version: the article's example first, then the general cases.

Neighbours: ``analysis.claims.spec`` reads the claims; ``analysis.escape_cost``
supplies the time ratio and its significance; the escape.json payloads (one per
Go version, from ``bench.evidence``) supply compiler verdicts, diagnostics and
allocation counts. Pure functions: no subprocess, no file access.

Verdicts:

* ``holds`` / ``does not hold``: the evidence says so. A negative verdict about
  time or GC cost needs a *significant* test in the other direction; a
  non-significant one is ``inconclusive`` (too few rounds, an interval that
  straddles ×1), never ``does not hold``. Counts (allocs/op, B/op) and the
  compiler's output are exact and decide directly.
* ``depends``: the article's own example and the general cases disagree (the
  condition is named: caller, value, callee), or the cases disagree among
  themselves; across versions, a verdict that changes with the Go version.
* ``n/a``: nothing tests the claim on that version.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from analysis import stats
from analysis.escape_cost import CostRecord
from analysis.witness import compiler_heap_of
from bench.vocab import diagnostic, units
from bench.vocab import escaped as esc
from bench.vocab import manifest as mf

HOLDS, NOT, DEPENDS, INCONCLUSIVE, NA = ("holds", "does not hold", "depends", "inconclusive", "n/a")
VERDICTS = (HOLDS, NOT, DEPENDS, INCONCLUSIVE, NA)
HEAP, STACK = "heap", "stack"
_POS_RE = re.compile(r"^\s*(?:\$\s*)?\S*?\.go:\d+(?::\d+)?:\s*")


@dataclass(frozen=True)
class Evidence:
    """What one case (or the article's example) says about a claim on one Go version."""

    case: str
    variant: str
    verdict: str
    reason: str  # one short clause, e.g. "u does not escape; allocs/op 0"
    role: str = "general"  # "example" (the article's own) or "general"
    diagnostics: tuple[str, ...] = ()  # the compiler lines behind it
    allocs_escape: float | None = None
    allocs_noescape: float | None = None
    escaped: bool | None = None
    ratio: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    significant: bool | None = None
    details: tuple[str, ...] = ()  # further evidence lines for --verbose

    def to_json(self) -> dict[str, Any]:
        return {
            "case": self.case,
            "variant": self.variant,
            "role": self.role,
            "verdict": self.verdict,
            "reason": self.reason,
            "diagnostics": list(self.diagnostics),
            "allocs_escape": self.allocs_escape,
            "allocs_noescape": self.allocs_noescape,
            "escaped": self.escaped,
            "ratio": self.ratio,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "significant": self.significant,
            "details": list(self.details),
        }


@dataclass(frozen=True)
class Verdict:
    """A claim judged on one Go version, with one short reason."""

    go: str
    verdict: str
    reason: str
    example: Evidence | None = None
    cases: tuple[Evidence, ...] = ()
    printed: tuple[str, ...] = ()  # compiler-output claims: what the compiler really printed

    def to_json(self) -> dict[str, Any]:
        return {
            "go": self.go,
            "verdict": self.verdict,
            "reason": self.reason,
            "example": self.example.to_json() if self.example else None,
            "cases": [c.to_json() for c in self.cases],
            "printed": list(self.printed),
        }


@dataclass(frozen=True)
class Context:
    """One Go version's evidence: its escape.json payload, records and cost records."""

    go: str
    pairs: Mapping[str, Mapping[str, Any]]
    diagnostics: Sequence[Mapping[str, Any]]
    results: Sequence[Any]  # bench.model.Result
    costs: Sequence[CostRecord]
    cases: Mapping[str, mf.Case]
    alpha: float = 0.05

    def kind(self, case: str) -> str:
        info = self.cases.get(case)
        return info.pair_kind if info else "heap-stack"

    def heap_lines(
        self, case: str, variant: str, var: str, kinds: frozenset[str] = diagnostic.HEAP_KINDS
    ) -> tuple[str, ...]:
        """The variant's diagnostics of ``kinds`` (heap by default), those about ``var`` first."""
        info = self.cases.get(case)
        funcs = (info.escape_funcs if variant == "escape" else info.noescape_funcs) if info else ()
        found = [
            d
            for d in self.diagnostics
            if d.get("kind") in kinds and any(_in_func(str(d.get("func", "")), f) for f in funcs)
        ]
        found.sort(key=lambda d: d.get("subject") != var)
        return tuple(dict.fromkeys(str(d.get("message")) for d in found))

    def stack_phrase(self, case: str, variant: str, var: str) -> str:
        """``'u does not escape'`` when the compiler says so about ``var``, else a plain phrase."""
        lines = self.heap_lines(case, variant, var, diagnostic.NO_ESCAPE_KINDS)
        said = [m for m in lines if m.startswith(var)]
        return f"'{said[0]}'" if said and var else f"{var} stays on the stack (no heap diagnostic)"


def _num(v: float | None) -> str:
    if v is None:
        return "–"
    return f"{v:.3g}" if abs(v) < 1000 else f"{v:.0f}"


def _allocs(e: float | None, n: float | None) -> str:
    return "" if e is None or n is None else f"allocs/op {_num(e)} vs {_num(n)}"


def pair_escaped(pair: Mapping[str, Any]) -> bool | None:
    """Whether an escape happened in an escape.json pair (None when unmeasured).

    Always from the two witnesses (``bench.vocab.escaped`` over
    ``analysis.witness.compiler_heap_of`` and the allocations), never the
    payload's stored ``escaped``: payloads written before the one definition
    stored another reading, and ``bench cost`` and the report read the same
    witnesses. (BigStruct on Go 1.21: stack, 0 vs 0 → False;
    MakeNonConstLenSmall on Go 1.25+: stack → False; BoxSmallInt: heap but
    0 vs 0 → False.)
    """
    e, n = pair.get("allocs_escape"), pair.get("allocs_noescape")
    if e is None or n is None:
        return None
    return esc.escaped(compiler_heap_of(pair), float(e), float(n))


def combine(verdicts: Sequence[str]) -> str:
    """Several cases' verdicts as one: inconclusive ones never turn into a negative."""
    vs = [v for v in verdicts if v != NA]
    if not vs:
        return NA
    decided = [v for v in vs if v != INCONCLUSIVE]
    if not decided:
        return INCONCLUSIVE
    if all(v == HOLDS for v in decided):
        return HOLDS
    if all(v == NOT for v in decided):
        return NOT
    return DEPENDS


def _in_func(name: str, func: str) -> bool:
    """``name`` is ``func`` or one of its closures (``func.func1``)."""
    n = name.replace("(*", "").replace(")", "")
    f = func.replace("(*", "").replace(")", "")
    return bool(f) and (n == f or n.startswith(f + "."))


# --- compiler-output claims ------------------------------------------------------------


def printed_message(line: str) -> str:
    """The message of a printed line, without ``file:line:col:`` (positions are not judged)."""
    return _POS_RE.sub("", line).strip()


def judge_printed(claim: mf.Claim, ctx: Context) -> Verdict:
    """Holds only when the compiler prints exactly that message for the example's function."""
    func = claim.example.func if claim.example else ""
    if not func:
        return Verdict(ctx.go, NA, "no article function to compare with")
    real = tuple(
        dict.fromkeys(
            str(d.get("message")) for d in ctx.diagnostics if _in_func(str(d.get("func", "")), func)
        )
    )
    said = "; ".join(f"'{m}'" for m in real) if real else "nothing"
    reasons, verdicts = [], []
    for line in claim.printed:
        msg = printed_message(line)
        if not msg:  # the article says the compiler prints nothing here
            ok = not real
            reasons.append(f"prints nothing for {func}" if ok else f"prints {said} for {func}")
        else:
            ok = msg in real
            reasons.append(f"prints '{msg}'" if ok else f"prints {said} for {func}, not '{msg}'")
        verdicts.append(HOLDS if ok else NOT)
    return Verdict(ctx.go, combine(verdicts), "; ".join(reasons), printed=real)


# --- escape / no-escape / avoids -------------------------------------------------------


def _variant_state(
    pair: Mapping[str, Any], variant: str, kind: str
) -> tuple[str | None, bool | None]:
    """(compiler fate, allocates) of one variant of a pair."""
    fate = pair.get(f"{variant}_fate")
    e, n = pair.get("allocs_escape"), pair.get("allocs_noescape")
    if e is None or n is None:
        return (str(fate) if fate else None), None
    if variant == "noescape":
        return (str(fate) if fate else None), n > 0
    return (str(fate) if fate else None), (e > n if kind == "heap-stack" else e > 0)


def judge_place(
    case: str, variant: str, predicted: str, ctx: Context, *, role: str = "general", var: str = ""
) -> Evidence:
    """Does the variant's subject go where the claim predicts (heap: escapes *and* allocates)?"""
    pair = ctx.pairs.get(case)
    if pair is None:
        return Evidence(case, variant, NA, f"{case} not verified on this version", role)
    fate, allocates = _variant_state(pair, variant, ctx.kind(case))
    e, n = pair.get("allocs_escape"), pair.get("allocs_noescape")
    info = ctx.cases.get(case)
    subject = var or (info.escape_var if info else "") or "the subject"
    diags = ctx.heap_lines(case, variant, subject) if fate == HEAP else ()
    if fate == HEAP and not diags and variant == "escape":
        diags = tuple(str(x).split(": ", 1)[-1] for x in pair.get("evidence") or ())
    said = diags[0] if diags else "escapes"
    allocs = _allocs(e, n)
    if predicted == HEAP:
        if fate == STACK:
            verdict, why = NOT, ctx.stack_phrase(case, variant, subject)
        elif fate == HEAP and allocates is False:
            verdict, why = NOT, f"the compiler says '{said}' but nothing extra is allocated"
        elif fate == HEAP:
            verdict = HOLDS
            why = f"'{said}'" + ("" if allocates else " (allocations not measured)")
        else:
            verdict, why = (HOLDS if allocates else NOT), "no annotation; judged on allocations"
    else:
        if fate == HEAP:
            verdict, why = NOT, f"'{said}'"
        elif fate == STACK:
            verdict, why = HOLDS, ctx.stack_phrase(case, variant, subject)
            if allocates:
                why += " (yet the variant allocates: growth or a runtime-sized buffer)"
        else:
            verdict, why = (NOT if allocates else HOLDS), "no annotation; judged on allocations"
    why = "; ".join(x for x in (why, allocs) if x)
    return Evidence(case, variant, verdict, why, role, diags, e, n, pair_escaped(pair))


def judge_avoids(case: str, ctx: Context, *, role: str = "general") -> Evidence:
    """Does the noescape variant avoid an escape the escape variant has?"""
    pair = ctx.pairs.get(case)
    if pair is None:
        return Evidence(case, "escape", NA, f"{case} not verified on this version", role)
    escaped = pair_escaped(pair)
    if escaped is None:
        escaped = pair.get("escape_fate") == HEAP and pair.get("noescape_fate") != HEAP
    e, n = pair.get("allocs_escape"), pair.get("allocs_noescape")
    diags = tuple(str(x) for x in pair.get("evidence") or ())
    why = (
        "the escape variant escapes and the other does not"
        if escaped
        else "nothing escapes in either variant, so there is nothing to avoid"
    )
    why = "; ".join(x for x in (why, _allocs(e, n)) if x)
    return Evidence(
        case, "escape", HOLDS if escaped else NOT, why, role, diags, e, n, pair_escaped(pair)
    )


# --- cost claims -----------------------------------------------------------------------


def _samples(results: Sequence[Any], case: str, variant: str, unit: str) -> list[float]:
    tidied, factor = units.tidy_unit(unit)  # manifest units are as written (ns/op)
    return [
        v / factor
        for r in results
        if r.name.pair == case and r.name.variant == variant and (v := r.get(tidied)) is not None
    ]


def _time_verdict(records: Sequence[CostRecord]) -> tuple[str, str, CostRecord | None]:
    """ns/op from ``analysis.escape_cost``: slower → holds, faster → not, else inconclusive."""
    if not records:
        return NA, "ns/op not measured", None
    by = {"slower": HOLDS, "faster": NOT, "inconclusive": INCONCLUSIVE}
    verdicts = [by.get(r.verdict, INCONCLUSIVE) for r in records]
    rec = records[0]
    parts = [
        f"×{r.ratio:.2f} [{r.ci_low:.2f}, {r.ci_high:.2f}]"
        + (
            ""
            if r.verdict != "inconclusive"
            else f" inconclusive ({r.n_rounds} rounds, p={r.p_adjusted:.2g})"
        )
        + (f" GOGC={r.gogc}" if len(records) > 1 and r.gogc else "")
        for r in records
    ]
    return combine(verdicts), "time " + ", ".join(parts), rec


def _metric(unit: str, case: str, ctx: Context) -> tuple[str, str, CostRecord | None]:
    """One unit of a cost claim for one case: (verdict, reason, cost record used)."""
    if units.tidy_unit(unit)[0] == units.TIME:
        return _time_verdict([r for r in ctx.costs if r.case == case])
    esc = _samples(ctx.results, case, "escape", unit)
    noesc = _samples(ctx.results, case, "noescape", unit)
    if unit in units.COUNTS:
        pair = ctx.pairs.get(case) or {}
        key = "allocs" if unit == "allocs/op" else "bytes"
        e, n = pair.get(f"{key}_escape"), pair.get(f"{key}_noescape")
        if (e is None or n is None) and esc and noesc:
            e, n = stats.median(esc), stats.median(noesc)
        if e is None or n is None:
            return NA, f"{unit} not measured", None
        return (HOLDS if e > n else NOT), f"{unit} {_num(e)} vs {_num(n)}", None
    if not esc or not noesc:
        return NA, f"{unit} not measured", None
    cmp = stats.compare(noesc, esc, alpha=ctx.alpha)
    me, mn = stats.median(esc), stats.median(noesc)
    text = f"{unit} {_num(me)} vs {_num(mn)} (p={cmp.p_value:.2g})"
    if not cmp.significant:  # not significant: a statement about the sample, not about Go
        return INCONCLUSIVE, text + " not significant", None
    return (HOLDS if cmp.new_center > cmp.old_center else NOT), text, None


def judge_cost(claim: mf.Claim, case: str, ctx: Context) -> Evidence:
    """Every unit the claim names is worse for the escape variant of ``case``."""
    pair = ctx.pairs.get(case) or {}
    if claim.needs_escape and pair_escaped(pair) is False:
        return Evidence(
            case,
            "escape",
            NA,
            "no escape on this version: not evidence",
            escaped=False,
            allocs_escape=pair.get("allocs_escape"),
            allocs_noescape=pair.get("allocs_noescape"),
        )
    judged = [_metric(u, case, ctx) for u in claim.metrics]
    rec = next((r for _, _, r in judged if r is not None), None)
    reason = "; ".join(t for _, t, _ in judged)
    return Evidence(
        case,
        "escape",
        combine([v for v, _, _ in judged]),
        reason,
        allocs_escape=pair.get("allocs_escape"),
        allocs_noescape=pair.get("allocs_noescape"),
        escaped=pair_escaped(pair),
        ratio=rec.ratio if rec else None,
        ci_low=rec.ci_low if rec else None,
        ci_high=rec.ci_high if rec else None,
        significant=rec.significant if rec else None,
    )


# --- one claim, one version -----------------------------------------------------------


def _general(claim: mf.Claim, ctx: Context) -> list[Evidence]:
    if claim.kind == mf.COST:
        return [judge_cost(claim, c, ctx) for c in claim.cases]
    if claim.kind == mf.AVOIDS:
        return [judge_avoids(c, ctx) for c in claim.cases]
    predicted = STACK if claim.kind == mf.NO_ESCAPE else HEAP
    return [judge_place(c, claim.variant, predicted, ctx) for c in claim.cases]


def _example(claim: mf.Claim, ctx: Context) -> Evidence | None:
    ex = claim.example
    if ex is None or claim.kind in (mf.PRINTED, mf.COST, mf.OUT_OF_SCOPE):
        return None
    if claim.kind == mf.AVOIDS:
        ev = judge_avoids(ex.case, ctx, role="example")
    else:
        predicted = STACK if claim.kind == mf.NO_ESCAPE else HEAP
        ev = judge_place(ex.case, ex.variant, predicted, ctx, role="example", var=ex.var)
    return ev


def _summary(evs: Sequence[Evidence]) -> str:
    """The general cases in a few words: which hold, which do not."""
    by: dict[str, list[str]] = {}
    for e in evs:
        by.setdefault(e.verdict, []).append(e.case)
    if len(evs) == 1:
        return f"{evs[0].case}: {evs[0].reason}"
    return "; ".join(f"{v} for {', '.join(cs)}" for v, cs in by.items())


def _likewise(evs: Sequence[Evidence]) -> str:
    return " (likewise " + ", ".join(e.case for e in evs) + ")" if evs else ""


def judge(claim: mf.Claim, ctx: Context) -> Verdict:
    """The claim on ``ctx.go``: the article's example first, the general cases as extra evidence."""
    if claim.kind == mf.OUT_OF_SCOPE:
        return Verdict(ctx.go, NA, "out of scope: not about escape")
    if claim.kind == mf.PRINTED:
        return judge_printed(claim, ctx)
    example = _example(claim, ctx)
    general = _general(claim, ctx)
    g = combine([e.verdict for e in general])
    if example is None or example.verdict == NA:
        if g == NA:
            return Verdict(
                ctx.go,
                NA,
                "no case tests this claim" if not general else _summary(general),
                cases=tuple(general),
            )
        return Verdict(ctx.go, g, _summary(general), cases=tuple(general))
    name = claim.example.name if claim.example else "the article's example"
    ex_text = f"{name}: {example.reason}"
    if g in (NA, example.verdict):
        reason = ex_text + (_likewise(general) if g == example.verdict else "")
        return Verdict(ctx.go, example.verdict, reason, example, tuple(general))
    cond = f"on {claim.condition}: " if claim.condition else ""
    return Verdict(
        ctx.go, DEPENDS, f"{cond}{ex_text}; {_summary(general)}", example, tuple(general)
    )
