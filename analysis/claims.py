"""The ledger of the article's claims: each claim, per Go version, holds or not, and why.

Neighbours: ``bench.cases`` supplies the manifest (``[[claim]]`` and
``[[case]]`` tables), ``bench.verify`` writes the ``escape.json`` payloads read
here (one per Go version), ``analysis.stats`` compares samples. Pure functions
over those records: no subprocess, no file access.

A claim is judged per Go version by its ``kind`` (go_cases/README.md):

* ``escape`` / ``no-escape``: the claim predicts heap / stack for the subject
  of its ``variant`` (``escape`` by default) in each of its cases. The
  compiler's answer is the pair's ``escape_fate``/``noescape_fate`` in
  escape.json (what the compiler said on that variant's annotated lines); the
  runtime's answer, when measured, is whether that variant allocates
  (``allocs/op`` escape > noescape for the escape side of a ``heap-stack``
  pair, > 0 otherwise). Both agree with the claim: holds; both disagree:
  does not hold; compiler and runtime disagree with each other: ``depends``
  (e.g. a small int "escapes to heap" yet nothing is allocated).
* ``cost``: the escape variant is worse in every unit of ``metrics``
  (default ``ns/op``). Timing and GC units are compared with a two-sided
  Mann–Whitney U test at ``alpha`` (``analysis.stats.compare``; too few
  samples to decide is ``n/a``); ``allocs/op`` and ``B/op`` are counts, so
  their medians are compared directly.
* ``compiler-output``: the article's ``printed`` line is compared with what
  the compiler printed for the subject in the variant's functions. The
  verdict is about substance — does the compiler put that subject on the
  heap — and ``text_match`` plus the evidence say precisely how the text
  differs (gc prints ``val escapes to heap`` without a function name; a
  variable it allocates on the heap is reported ``moved to heap: arr``).
* ``out-of-scope``, and claims no case tests: ``n/a``.

Across versions a claim holds, does not hold, or ``depends`` on the version.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from analysis import stats
from bench.benchfmt import tidy_unit
from bench.cases import Case, Claim, Manifest
from bench.diagnostics import HEAP_KINDS, classify, normalize_func
from bench.errors import InputError
from bench.model import Result

HOLDS, NOT, DEPENDS, NA = "holds", "does not hold", "depends", "n/a"
VERDICTS = (HOLDS, NOT, DEPENDS, NA)
FORMATS = ("text", "json", "markdown")
HEAP, STACK = "heap", "stack"
PRINTED_KINDS = frozenset({"compiler-output", "printed"})
COST_KINDS = frozenset({"cost", "performance", "gc"})
NO_ESCAPE_KINDS = frozenset({"no-escape", "noescape", "stack"})
OUT_OF_SCOPE_KINDS = frozenset({"out-of-scope"})
#: Units whose values are counts, not noisy measurements: medians are compared.
COUNT_UNITS = frozenset({"allocs/op", "B/op"})

_POS_RE = re.compile(r"^\s*(?:\$\s*)?\S*?\.go:\d+(?::\d+)?:\s*")
_EVIDENCE_RE = re.compile(r"^(?P<file>.+?\.go):(?P<line>\d+):(?:(?P<col>\d+):)? (?P<msg>.*)$")
_VERSION_RE = re.compile(r"\d+")


@dataclass(frozen=True)
class MetricEvidence:
    """One unit of a cost claim for one case: medians and the test that compared them."""

    unit: str  # as the manifest writes it (ns/op, B/op, gc-cpu-ns/op ...)
    escape: float | None
    noescape: float | None
    verdict: str
    p_value: float | None = None
    note: str = ""

    def sentence(self) -> str:
        if self.escape is None or self.noescape is None:
            return f"{self.unit} not measured"
        ratio = f"×{self.escape / self.noescape:.2f}" if self.noescape else ""
        extra = ", ".join(x for x in (ratio, f"p={self.p_value:.3f}"
                                      if self.p_value is not None else "", self.note) if x)
        return (f"{self.unit} {_num(self.escape)} vs {_num(self.noescape)}"
                + (f" ({extra})" if extra else ""))

    def to_json(self) -> dict[str, Any]:
        return {"unit": self.unit, "escape": self.escape, "noescape": self.noescape,
                "verdict": self.verdict, "p_value": self.p_value, "note": self.note}


@dataclass(frozen=True)
class CaseEvidence:
    """What one case contributes to a claim on one Go version."""

    case: str
    verdict: str
    status: str = ""  # the pair's status in escape.json ("" when absent)
    diagnostic: str = ""  # the deciding compiler line(s), the pair's finding, or why n/a
    fate: str | None = None  # what the compiler did with the claimed variant's subject
    allocs_escape: float | None = None
    allocs_noescape: float | None = None
    ns_escape: float | None = None  # median ns/op
    ns_noescape: float | None = None
    metrics: tuple[MetricEvidence, ...] = ()

    @property
    def ratio(self) -> float | None:
        """Escape over noescape median ns/op (None when unmeasured or noescape is 0)."""
        if self.ns_escape is None or not self.ns_noescape:
            return None
        return self.ns_escape / self.ns_noescape

    def sentence(self) -> str:
        parts = [self.diagnostic] if self.diagnostic else []
        parts += [m.sentence() for m in self.metrics]
        units = {m.unit for m in self.metrics}
        if (self.allocs_escape is not None and self.allocs_noescape is not None
                and "allocs/op" not in units and "allocs/op" not in self.diagnostic):
            parts.append(f"allocs/op {_num(self.allocs_escape)} vs "
                         f"{_num(self.allocs_noescape)}")
        if self.ns_escape is not None and self.ns_noescape is not None and "ns/op" not in units:
            r = self.ratio
            parts.append(f"ns/op {_num(self.ns_escape)} vs {_num(self.ns_noescape)}"
                         + (f" (×{r:.2f})" if r is not None else ""))
        return f"{self.case}: " + ("; ".join(parts) or self.verdict)

    def to_json(self) -> dict[str, Any]:
        return {"case": self.case, "verdict": self.verdict, "status": self.status,
                "diagnostic": self.diagnostic, "fate": self.fate,
                "allocs_escape": self.allocs_escape, "allocs_noescape": self.allocs_noescape,
                "ns_escape": self.ns_escape, "ns_noescape": self.ns_noescape,
                "ns_ratio": self.ratio, "metrics": [m.to_json() for m in self.metrics]}


@dataclass(frozen=True)
class ClaimVerdict:
    """A claim judged on one Go version."""

    go: str
    verdict: str
    evidence: str
    cases: tuple[CaseEvidence, ...] = ()
    text_match: bool | None = None  # compiler-output claims: printed text identical

    def to_json(self) -> dict[str, Any]:
        return {"go": self.go, "verdict": self.verdict, "evidence": self.evidence,
                "text_match": self.text_match, "cases": [c.to_json() for c in self.cases]}


@dataclass(frozen=True)
class ClaimRow:
    """One claim of the article with its verdict per Go version and overall."""

    id: str
    section: str
    quote: str
    kind: str
    cases: tuple[str, ...]
    verdicts: tuple[ClaimVerdict, ...] = ()
    overall: str = NA
    printed: str = ""
    variant: str = "escape"
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "section": self.section, "quote": self.quote, "kind": self.kind,
                "variant": self.variant, "cases": list(self.cases), "printed": self.printed,
                "note": self.note, "overall": self.overall,
                "verdicts": [v.to_json() for v in self.verdicts]}


# --------------------------------------------------------------------------
# Inputs.


def _payload(report: Any) -> Mapping[str, Any]:
    """An escape.json payload from a dict or anything with ``to_json()`` (a VerifyReport)."""
    if isinstance(report, Mapping):
        return report
    to_json = getattr(report, "to_json", None)
    if callable(to_json):
        return to_json()
    raise TypeError(f"not an escape.json payload: {type(report).__name__}")


def _vkey(go: str) -> tuple[int, ...]:
    return tuple(int(x) for x in _VERSION_RE.findall(go))


def _bare(go: str) -> str:
    return go.strip().removeprefix("go")


def _num(v: float) -> str:
    return f"{v:.3g}" if abs(v) < 1000 else f"{v:.0f}"


def _claim_field(claim: Claim, name: str, default: Any) -> Any:
    """An optional ``[[claim]]`` field (variant, metrics, note), ``default`` when empty."""
    value = getattr(claim, name, None)
    return default if value in (None, "", ()) else value


def _samples(results: Sequence[Result], case_id: str, variant: str, unit: str) -> list[float]:
    """Values in the manifest's ``unit`` (``ns/op``), read from tidied records (``sec/op``)."""
    tidied, factor = tidy_unit(unit)
    return [v / factor for r in results
            if r.name.pair == case_id and r.name.variant == variant
            and (v := r.get(tidied)) is not None]


def _median(xs: Sequence[float]) -> float | None:
    return stats.median(xs) if xs else None


def _variant_funcs(case: Case, variant: str) -> tuple[str, ...]:
    if variant == "noescape":
        return case.noescape_funcs
    funcs = list(case.escape_funcs)
    if case.escape_func and case.escape_func not in funcs:
        funcs.append(case.escape_func)
    return tuple(funcs)


def _in_funcs(name: str, funcs: Iterable[str]) -> bool:
    n = normalize_func(name)
    return any(f and (n == normalize_func(f) or n.startswith(normalize_func(f) + "."))
               for f in funcs)


def _combine(verdicts: Iterable[str]) -> str:
    vs = [v for v in verdicts if v != NA]
    if not vs:
        return NA
    if all(v == HOLDS for v in vs):
        return HOLDS
    if all(v == NOT for v in vs):
        return NOT
    return DEPENDS


# --------------------------------------------------------------------------
# escape / no-escape claims.


def _fate(pair: Mapping[str, Any], case: Case, variant: str) -> str | None:
    """The compiler's verdict for a variant's subject, from escape.json.

    Payloads written before pairs carried ``*_fate`` fall back to the escape
    variant's expectation and whether the compiler agreed with it.
    """
    fate = pair.get(f"{variant}_fate")
    if fate in (HEAP, STACK):
        return str(fate)
    if variant != "escape" or "compiler_holds" not in pair:
        return None
    expected = str(pair.get("expected") or case.expected or HEAP)
    if bool(pair["compiler_holds"]):
        return expected
    return STACK if expected == HEAP else HEAP


def _escape_case(case: Case, pair: Mapping[str, Any] | None, results: Sequence[Result] | None,
                 variant: str, predicted: str) -> CaseEvidence:
    if pair is None:
        return CaseEvidence(case.id, NA, diagnostic="not in escape.json for this version")
    fate = _fate(pair, case, variant)
    e, n = pair.get("allocs_escape"), pair.get("allocs_noescape")
    if (e is None or n is None) and results:
        e = _median(_samples(results, case.id, "escape", "allocs/op"))
        n = _median(_samples(results, case.id, "noescape", "allocs/op"))
    ns_e = _median(_samples(results, case.id, "escape", "ns/op")) if results else None
    ns_n = _median(_samples(results, case.id, "noescape", "ns/op")) if results else None
    runtime_heap: bool | None = None
    if e is not None and n is not None:
        kind = str(pair.get("pair_kind") or "heap-stack")
        runtime_heap = (e > n if kind == "heap-stack" else e > 0) if variant == "escape" \
            else n > 0
    compiler_ok = None if fate is None else fate == predicted
    runtime_ok = None if runtime_heap is None else runtime_heap == (predicted == HEAP)
    if compiler_ok is None and runtime_ok is None:
        verdict = NA
    elif compiler_ok is not False and runtime_ok is not False:
        verdict = HOLDS
    elif compiler_ok is not True and runtime_ok is not True:
        verdict = NOT
    else:
        verdict = DEPENDS
    said = [f"{variant} variant on the {fate}" if fate else f"{variant} variant not annotated"]
    if variant == "escape":
        said += list(pair.get("evidence") or ())[:1]
    if pair.get("finding"):
        said.append(str(pair["finding"]))
    return CaseEvidence(case.id, verdict, status=str(pair.get("status", "")),
                        diagnostic="; ".join(said), fate=fate, allocs_escape=e,
                        allocs_noescape=n, ns_escape=ns_e, ns_noescape=ns_n)


# --------------------------------------------------------------------------
# cost claims.


def _metric(unit: str, esc: Sequence[float], noesc: Sequence[float],
            alpha: float) -> MetricEvidence:
    me, mn = _median(esc), _median(noesc)
    if me is None or mn is None:
        return MetricEvidence(unit, me, mn, NA)
    if unit in COUNT_UNITS:
        return MetricEvidence(unit, me, mn, HOLDS if me > mn else NOT)
    cmp = stats.compare(noesc, esc, alpha=alpha)
    if not cmp.significant:
        if any(w.startswith("need") for w in cmp.warnings):
            return MetricEvidence(unit, me, mn, NA, cmp.p_value, "; ".join(cmp.warnings))
        return MetricEvidence(unit, me, mn, NOT, cmp.p_value, "no significant difference")
    return MetricEvidence(unit, me, mn, HOLDS if cmp.new_center > cmp.old_center else NOT,
                          cmp.p_value)


def _cost_case(case: Case, pair: Mapping[str, Any] | None, results: Sequence[Result] | None,
               metrics: Sequence[str], alpha: float) -> CaseEvidence:
    status = str(pair.get("status", "")) if pair else ""
    if not results:
        return CaseEvidence(case.id, NA, status=status, diagnostic="not measured")
    ms = tuple(_metric(u, _samples(results, case.id, "escape", u),
                       _samples(results, case.id, "noescape", u), alpha) for u in metrics)
    e = _median(_samples(results, case.id, "escape", "allocs/op"))
    n = _median(_samples(results, case.id, "noescape", "allocs/op"))
    return CaseEvidence(case.id, _combine(m.verdict for m in ms), status=status,
                        allocs_escape=e, allocs_noescape=n,
                        ns_escape=_median(_samples(results, case.id, "escape", "ns/op")),
                        ns_noescape=_median(_samples(results, case.id, "noescape", "ns/op")),
                        metrics=ms)


# --------------------------------------------------------------------------
# compiler-output claims.


def _printed_lines(claim: Claim) -> list[str]:
    text = claim.printed or " ".join(re.findall(r"`([^`]+)`", claim.quote))
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return [ln for ln in lines if not ln.startswith("#") and not ln.startswith("$")]


def _real_diagnostics(payload: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Diagnostics of the payload; from annotation evidence when the payload has none."""
    diags = [dict(d) for d in payload.get("diagnostics") or ()]
    if diags:
        return diags
    out = []
    for a in payload.get("annotations") or ():
        for ev in a.get("evidence") or ():
            m = _EVIDENCE_RE.match(ev)
            if m:
                kind, subject = classify(m.group("msg"))
                out.append({"file": m.group("file"), "line": int(m.group("line")),
                            "col": int(m.group("col") or 0), "kind": kind, "subject": subject,
                            "message": m.group("msg"), "func": a.get("func", "")})
    return out


def _pos(d: Mapping[str, Any]) -> str:
    return f"{d.get('file')}:{d.get('line')}:{d.get('col')}"


def _judge_printed(line: str, cases: Sequence[Case], payload: Mapping[str, Any],
                   variant: str) -> tuple[str, bool | None, str]:
    """(verdict, text_match, evidence) for one printed line of the article."""
    msg = _POS_RE.sub("", line).strip()
    kind, subject = classify(msg)
    funcs_all = {f for c in cases for f in _variant_funcs(c, variant)}
    prefix = ""
    if " " in subject:
        head, rest = subject.split(" ", 1)
        if any(normalize_func(f).split(".")[-1] == head for f in funcs_all):
            prefix, subject = head, rest
    case = next((c for c in cases if c.escape_var == subject), None) or \
        next((c for c in cases if prefix and prefix in _variant_funcs(c, variant)), None) or \
        (cases[0] if cases else None)
    if case is None:
        return NA, None, f"'{msg}': no case to compare with"
    funcs = _variant_funcs(case, variant)
    real = [d for d in _real_diagnostics(payload)
            if _in_funcs(str(d.get("func", "")), funcs) and d.get("subject") == subject]
    where = ", ".join(funcs)
    exact = [d for d in real if d.get("message") == msg]
    if exact:
        return HOLDS, True, f"prints '{msg}' ({_pos(exact[0])}), as the article shows"
    if kind not in HEAP_KINDS:  # e.g. the article printed "x does not escape"
        return NOT, False, f"prints no '{msg}' in {where}"
    heap = [d for d in real if d.get("kind") in HEAP_KINDS]
    if heap:
        d = heap[0]
        notes = []
        if prefix and d.get("message") == msg.replace(f"{prefix} ", "", 1):
            notes.append(f"gc's -m output has no function name before the subject; "
                         f"'{prefix}' is not part of it")
        if d.get("kind") == "moved-to-heap" and kind == "escapes-to-heap":
            notes.append(f"gc reports a variable it allocates on the heap as "
                         f"'moved to heap: {subject}'; 'escapes to heap' is said of values")
        elif d.get("kind") != kind:
            notes.append(f"reported as {d.get('kind')}, the article shows {kind}")
        note = f" ({'; '.join(notes)})" if notes else ""
        return HOLDS, False, f"prints '{d.get('message')}' ({_pos(d)}), not '{msg}'{note}"
    said = [str(d.get("message")) for d in real]
    others = f"; it prints only '{said[0]}'" if said else ""
    return NOT, False, (f"prints no heap diagnostic for {subject} in {where}: {subject} stays "
                        f"on the stack (the article shows '{msg}'){others}")


# --------------------------------------------------------------------------
# The ledger.


def ledger(manifest: Manifest, reports: Sequence[Any],
           results: Mapping[str, Sequence[Result]] | None = None, *,
           alpha: float = 0.05) -> list[ClaimRow]:
    """Judge every ``[[claim]]`` of the manifest on every Go version given.

    ``reports`` are escape.json payloads (dicts) or ``VerifyReport``s, one per
    Go version; ``results`` maps a Go version (``go1.27.3`` or ``1.27.3``) to
    that version's parsed benchmark records.
    """
    payloads = sorted((_payload(r) for r in reports), key=lambda p: _vkey(str(p.get("go", ""))))
    by_version = {_bare(k): v for k, v in (results or {}).items()}
    rows = []
    for claim in manifest.claims:
        verdicts = [_judge(manifest, claim, p, by_version.get(_bare(str(p.get("go", "")))),
                           alpha) for p in payloads]
        rows.append(ClaimRow(id=claim.id, section=claim.section, quote=claim.quote,
                             kind=claim.kind, cases=claim.cases, verdicts=tuple(verdicts),
                             overall=_combine(v.verdict for v in verdicts),
                             printed=claim.printed,
                             variant=str(_claim_field(claim, "variant", "escape")),
                             note=str(_claim_field(claim, "note", ""))))
    return rows


def _judge(manifest: Manifest, claim: Claim, payload: Mapping[str, Any],
           results: Sequence[Result] | None, alpha: float) -> ClaimVerdict:
    go = str(payload.get("go", ""))
    kind = claim.kind.lower()
    if kind in OUT_OF_SCOPE_KINDS:
        return ClaimVerdict(go, NA, "out of scope: not about escape")
    if not claim.cases:
        return ClaimVerdict(go, NA, "no case isolates this claim")
    cases = [c for cid in claim.cases if (c := manifest.case(cid)) is not None]
    missing = [cid for cid in claim.cases if manifest.case(cid) is None]
    variant = str(_claim_field(claim, "variant", "escape"))
    pairs = {str(p.get("case")): p for p in payload.get("pairs") or ()}
    lines = _printed_lines(claim) if kind in PRINTED_KINDS else []
    if lines:
        judged = [_judge_printed(ln, cases, payload, variant) for ln in lines]
        matches = [t for _, t, _ in judged if t is not None]
        evidence = "; ".join(ev for _, _, ev in judged)
        if claim.expect_text:
            funcs = {f for c in cases for f in _variant_funcs(c, variant)}
            seen = any(d.get("message") == claim.expect_text
                       and _in_funcs(str(d.get("func", "")), funcs)
                       for d in _real_diagnostics(payload))
            evidence += (f"; the expected text '{claim.expect_text}' is "
                         f"{'printed' if seen else 'not printed'}")
        return ClaimVerdict(go, _combine(v for v, _, _ in judged), evidence,
                            text_match=all(matches) if matches else None)
    if kind in COST_KINDS:
        metrics = tuple(_claim_field(claim, "metrics", ("ns/op",)))
        evidence_cases = [_cost_case(c, pairs.get(c.id), results, metrics, alpha)
                          for c in cases]
    else:
        predicted = STACK if kind in NO_ESCAPE_KINDS else HEAP
        evidence_cases = [_escape_case(c, pairs.get(c.id), results, variant, predicted)
                          for c in cases]
    evidence_cases += [CaseEvidence(cid, NA, diagnostic="not in the manifest") for cid in missing]
    evidence = " | ".join(c.sentence() for c in evidence_cases)
    return ClaimVerdict(go, _combine(c.verdict for c in evidence_cases), evidence,
                        cases=tuple(evidence_cases))


def _overall_phrase(row: ClaimRow) -> str:
    if row.overall != DEPENDS:
        return row.overall
    by: dict[str, list[str]] = {}
    for v in row.verdicts:
        by.setdefault(v.verdict, []).append(v.go)
    if len(by) == 1:  # the same mixed verdict on every version: not a version effect
        return row.overall
    return "depends: " + "; ".join(f"{k} on {', '.join(gos)}" for k, gos in by.items())


# --------------------------------------------------------------------------
# Rendering.


def to_json(rows: Sequence[ClaimRow]) -> list[dict[str, Any]]:
    return [r.to_json() for r in rows]


def md_escape(text: str) -> str:
    """Text safe inside a Markdown table cell: HTML entities, escaped markup, no newlines."""
    text = html.escape(text, quote=False)  # & < >
    text = re.sub(r"([\\`*_\[\]|#~])", r"\\\1", text)
    return text.replace("\r", "").replace("\n", "<br>")


def _tag(v: ClaimVerdict) -> str:
    return "" if v.text_match is None else (" (text matches)" if v.text_match else
                                            " (text differs)")


def render_text(rows: Sequence[ClaimRow]) -> str:
    out = []
    for r in rows:
        cases = f"  (cases: {', '.join(r.cases)})" if r.cases else ""
        out.append(f"[{r.id}] §{r.section} “{r.quote}”{cases}")
        if r.printed:
            out.append(f"  article printed: {r.printed.strip()}")
        width = max((len(v.go) for v in r.verdicts), default=0)
        for v in r.verdicts:
            out.append(f"  {v.go.ljust(width)}  {v.verdict + _tag(v):<28}  {v.evidence}")
        out.append(f"  overall: {_overall_phrase(r)}")
        if r.note:
            out.append(f"  note: {r.note}")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def render_markdown(rows: Sequence[ClaimRow]) -> str:
    gos = sorted({v.go for r in rows for v in r.verdicts}, key=_vkey)
    head = ["Claim", "§", "Cases", *gos, "Overall"]
    out = ["| " + " | ".join(md_escape(h) for h in head) + " |",
           "|" + "|".join("---" for _ in head) + "|"]
    for r in rows:
        by_go = {v.go: v for v in r.verdicts}
        cells = [md_escape(r.quote), md_escape(r.section), md_escape(", ".join(r.cases))]
        for go in gos:
            v = by_go.get(go)
            cells.append("" if v is None else
                         f"**{md_escape(v.verdict)}**{md_escape(_tag(v))}: "
                         f"{md_escape(v.evidence)}")
        cells.append(md_escape(_overall_phrase(r)))
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out) + "\n"


def render(rows: Sequence[ClaimRow], format: str = "text") -> str:
    """``bench claims`` output in ``text``, ``json`` or ``markdown``."""
    if format == "text":
        return render_text(rows)
    if format == "json":
        return json.dumps(to_json(rows), indent=2, ensure_ascii=False) + "\n"
    if format == "markdown":
        return render_markdown(rows)
    raise InputError(f"--format {format}: unknown format: use one of {', '.join(FORMATS)}")
