"""Check ``// escape:`` annotations and escape/noescape pairs against the compiler.

Neighbours: ``bench.diagnostics`` compiles the cases with ``-m`` and says which
function each diagnostic belongs to; ``bench.cases`` gives the manifest (which
functions do each variant's work); ``bench.escape_json`` holds the records
this module returns and ``bench.store`` writes them as ``escape.json``, which
``analysis.claims`` reads.

Annotations (``// escape:heap``, ``// escape:stack go>=1.24``) are found and
parsed by ``bench.annotation``; this module checks them and the pairs.

A pair (manifest ``[[case]]``) is *compiler-verified* when the escape-variant
functions carry a holding annotation with the case's expected verdict for
this toolchain (``expected``, or ``expected_by_go`` in annotation syntax),
every annotation in both variants holds, and — for the default ``pair_kind``
``heap-stack`` only — the noescape-variant functions report no heap
diagnostic for the subject (``alloc-count``, ``alloc-size`` and ``copy`` pairs
may keep both variants on the heap, or both on the stack). Measured
``allocs/op`` (``B/op`` for ``alloc-size``) then agree with the pair kind
(status ``verified``), disagree (``finding``: one sentence says what the
compiler and the runtime did), or are absent (``unmeasured``).
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from bench import diagnostics as diag
from bench import store
from bench.annotation import (
    HEAP,
    STACK,
    Annotation,
    find_annotations,
    parse_annotation,
)
from bench.cases import Module
from bench.errors import InputError
from bench.escape_json import AnnotationCheck, PairCheck, VerifyReport
from bench.model import Result
from bench.toolchain import Toolchain
from bench.vocab.diagnostic import ESCAPES_TO_HEAP
from bench.vocab.manifest import Case, Manifest

FORMATS = ("text", "json")


def verify_runs(
    toolchains: Sequence[Toolchain], module: Module, runs: Mapping[str, Path]
) -> list[VerifyReport]:
    """``verify`` per toolchain, with that toolchain's measured run (``runs[version]``) if any.

    The report is also stored as the run's escape.json, so the run carries the
    compiler's verdict on the code it measured.
    """
    reports = []
    for tc in toolchains:
        run_dir = runs.get(tc.version)
        results = store.load_input(run_dir)[0].parsed.results if run_dir else None
        report = verify(tc, module, results)
        if run_dir is not None:
            store.write_json(run_dir / store.ESCAPE, report.to_json())
        reports.append(report)
    return reports


# --------------------------------------------------------------------------
# Checking.


def _func_in(name: str, targets: Iterable[str]) -> bool:
    """``name`` is one of ``targets`` or a closure inside one (``F.func1`` is in ``F``)."""
    n = diag.normalize_func(name)
    for t in targets:
        t = diag.normalize_func(t)
        if t and (n == t or n.startswith(t + ".")):
            return True
    return False


def _median(values: Sequence[float]) -> float | None:
    return float(statistics.median(values)) if values else None


def _same_go(result: Result, go: str) -> bool:
    """Results tagged with another toolchain (config ``go-version``) are not this one's."""
    tagged = result.config_value("go-version") or result.config_value("go")
    if not tagged:
        return True
    return tagged.strip().removeprefix("go").split()[0] == go.removeprefix("go")


def allocs_median(
    results: Sequence[Result], case_id: str, variant: str, go: str = "", unit: str = "allocs/op"
) -> float | None:
    """Median ``allocs/op`` (or ``unit``) of ``<case_id>/variant=<variant>`` over all runs given."""
    vals = [
        v
        for r in results
        if r.name.pair == case_id
        and r.name.variant == variant
        and (not go or _same_go(r, go))
        and (v := r.get(unit)) is not None
    ]
    return _median(vals)


PAIR_KINDS = ("heap-stack", "alloc-count", "alloc-size", "copy")


def expected_for(case: Case, go: str, manifest: Manifest | None = None) -> str:
    """The escape variant's expected verdict on toolchain ``go``.

    ``expected_by_go`` (annotation syntax, e.g. ``escape:stack go<1.24;
    escape:heap go>=1.24``; the ``escape:`` prefix may be left out) overrides
    ``expected`` where one of its clauses applies.
    """
    by_go = case.expected_by_go.strip()
    if by_go:
        by_go = "; ".join(
            p.strip() if p.strip().startswith("escape:") else f"escape:{p.strip()}"
            for p in by_go.split(";")
        )
        where = f"{manifest.path if manifest else 'manifest'}: case {case.id} expected_by_go"
        ann = Annotation(file=where, line=0, text=by_go, clauses=parse_annotation(by_go, where))
        clause = ann.select(go)
        if clause is not None:
            return clause.expect
    return case.expected if case.expected in (HEAP, STACK) else HEAP


def _fmt(v: float | None) -> str:
    return "?" if v is None else f"{v:g}"


def _allocs_phrase(e: float | None, n: float | None) -> str:
    if e is None or n is None:
        return ""
    return (
        f"allocs/op {_fmt(e)} in both"
        if e == n
        else f"allocs/op {_fmt(e)} (escape) vs {_fmt(n)} (noescape)"
    )


def _boxing(d: diag.Diagnostic) -> bool:
    """An ``x escapes to heap`` about a plain value: an interface conversion, not a new object."""
    return d.kind == ESCAPES_TO_HEAP and not d.subject.startswith(
        ("&", "make(", "new(", "func literal", "append", "[]", "map[", "...")
    )


def _fate(
    annots: Sequence[AnnotationCheck], by_line: Mapping[tuple[str, int], Sequence[diag.Diagnostic]]
) -> str | None:
    """What the compiler did on a variant's annotated lines: heap if any says heap."""
    if not annots:
        return None
    heap = any(d.heap for a in annots for d in by_line.get((a.file, a.line), ()))
    return HEAP if heap else STACK


def _pair_kind(case: Case, manifest: Manifest | None) -> str:
    """The case's ``pair_kind`` (default ``heap-stack``); ``InputError`` when unknown."""
    kind = case.pair_kind or "heap-stack"
    if kind not in PAIR_KINDS:
        where = manifest.path if manifest else "manifest"
        raise InputError(
            f"{where}: case {case.id}: unknown pair_kind {kind!r}: use one of "
            f"{', '.join(PAIR_KINDS)}"
        )
    return kind


def _leaks(
    case: Case, heap_evidence: Sequence[diag.Diagnostic], diags: Sequence[diag.Diagnostic]
) -> list[diag.Diagnostic]:
    """Heap diagnostics for the subject in the noescape variant (a heap-stack pair's promise)."""
    subjects = {case.escape_var} if case.escape_var else set()
    subjects |= {d.subject for d in heap_evidence}
    return [
        d
        for d in diags
        if d.heap
        and _func_in(d.func, case.noescape_funcs)
        and (d.subject in subjects or not subjects)
    ]


def _opposite_sentence(opposite: Sequence[AnnotationCheck], subject: str, expected: str) -> str:
    """Why no annotation decides: the compiler did what an opposite annotation says."""
    a = next((a for a in opposite if a.condition), opposite[0])
    if a.expect == STACK:
        did = f"keeps {subject} on the stack"
    else:
        ev = next((x for x in a.evidence if "heap" in x), "")
        did = f"puts {subject} on the heap" + (f" ('{ev}')" if ev else "")
    if a.condition:
        return (
            f"the compiler {did}, as annotated for this version "
            f"({a.file}:{a.line} escape:{a.expect} {a.condition})"
        )
    return (
        f"the compiler {did}, as annotated at {a.file}:{a.line}, but "
        f"the manifest expects {expected} with this version"
    )


def _undecided_sentence(
    esc: Sequence[AnnotationCheck], expected: str, subject: str, funcs: str
) -> str:
    """The one sentence for an escape variant with no holding ``escape:<expected>``."""
    wrong = [a for a in esc if a.expect == expected]  # all fail: none is deciding
    opposite = [a for a in esc if a.expect != expected and a.holds]
    if wrong and expected == HEAP:
        where = ", ".join(f"{a.file}:{a.line}" for a in wrong)
        return f"the compiler keeps {subject} on the stack (no heap diagnostic at {where})"
    if wrong:
        got = next((e for a in wrong for e in a.evidence if "heap" in e), "")
        return f"the compiler puts {subject} on the heap" + (f" ('{got}')" if got else "")
    if opposite:
        return _opposite_sentence(opposite, subject, expected)
    return f"no escape:{expected} annotation in {funcs} applies to this toolchain"


def _compiler_problems(
    esc: Sequence[AnnotationCheck],
    deciding: Sequence[AnnotationCheck],
    failing: Sequence[AnnotationCheck],
    leaks: Sequence[diag.Diagnostic],
    expected: str,
    subject: str,
    funcs: str,
) -> list[str]:
    """Sentences for each way the compiler disagrees with the pair ([] when it agrees)."""
    problems: list[str] = []
    summarized: set[tuple[str, int]] = set()  # failing annotations a sentence already covers
    if not esc:
        problems.append(f"no escape: annotation in {funcs} applies to this toolchain")
    elif not deciding:
        problems.append(_undecided_sentence(esc, expected, subject, funcs))
        summarized = {(a.file, a.line) for a in esc if a.expect == expected}
    for a in failing:
        if (a.file, a.line) in summarized:
            continue
        cond = f" {a.condition}" if a.condition else ""
        said = "; ".join(a.evidence) or "no escape diagnostic on that line"
        problems.append(f"{a.file}:{a.line} escape:{a.expect}{cond} does not hold ({said})")
    for d in diag.unique(leaks)[:2]:
        problems.append(f"the noescape variant escapes too ('{d}' in {d.func})")
    return problems


_Measured = tuple[float | None, float | None, float | None, float | None]


def _measured(results: Sequence[Result] | None, case_id: str, go: str) -> _Measured:
    """Median allocs/op and B/op of the escape and noescape variants (Nones unmeasured)."""
    if results is None:
        return None, None, None, None
    return (
        allocs_median(results, case_id, "escape", go),
        allocs_median(results, case_id, "noescape", go),
        allocs_median(results, case_id, "escape", go, "B/op"),
        allocs_median(results, case_id, "noescape", go, "B/op"),
    )


def _check_pair(
    case: Case,
    go: str,
    checks: Sequence[AnnotationCheck],
    diags: Sequence[diag.Diagnostic],
    results: Sequence[Result] | None,
    manifest: Manifest | None = None,
) -> PairCheck:
    escape_funcs = case.escape_funcs or ((case.escape_func,) if case.escape_func else ())
    esc = [a for a in checks if _func_in(a.func, escape_funcs)]
    noesc = [a for a in checks if _func_in(a.func, case.noescape_funcs)]
    kind = _pair_kind(case, manifest)
    expected = expected_for(case, go, manifest)
    subject = case.escape_var or "the escape variant's value"
    by_line: dict[tuple[str, int], list[diag.Diagnostic]] = {}
    for d in diags:
        by_line.setdefault((d.file, d.line), []).append(d)

    deciding = [a for a in esc if a.expect == expected and a.holds]
    heap_evidence = [
        d
        for a in esc
        if a.expect == HEAP and a.holds
        for d in by_line.get((a.file, a.line), [])
        if d.heap
    ]
    # Only a heap-stack pair promises that the noescape variant keeps the subject.
    leaks = _leaks(case, heap_evidence, diags) if kind == "heap-stack" else []
    failing = list(dict.fromkeys(a for a in (*esc, *noesc) if not a.holds))
    compiler_holds = bool(deciding) and not failing and not leaks

    e, n, be, bn = _measured(results, case.id, go)
    allocs_hold = None if results is None else _allocs_rule(kind, expected, e, n, be, bn)
    if not compiler_holds:
        funcs = ", ".join(escape_funcs) or "(no escape_funcs in the manifest)"
        problems = _compiler_problems(esc, deciding, failing, leaks, expected, subject, funcs)
        allocs = _allocs_phrase(e, n)
        status = "finding"
        finding = f"{go}: " + "; ".join(problems) + (f"; {allocs}" if allocs else "")
    elif allocs_hold is None:
        status, finding = "unmeasured", ""
    elif allocs_hold:
        status, finding = "verified", ""
    else:
        status = "finding"
        finding = f"{go}: " + _runtime_disagrees(kind, subject, heap_evidence, e, n, be, bn)
    return PairCheck(
        case=case.id,
        go=go,
        compiler_holds=compiler_holds,
        allocs_escape=e,
        allocs_noescape=n,
        allocs_hold=allocs_hold,
        status=status,
        finding=finding,
        evidence=tuple(str(d) for d in diag.unique([*heap_evidence, *leaks])),
        pair_kind=kind,
        expected=expected,
        escape_fate=_fate(esc, by_line),
        noescape_fate=_fate(noesc, by_line),
        bytes_escape=be,
        bytes_noescape=bn,
    )


def _allocs_rule(
    kind: str, expected: str, e: float | None, n: float | None, be: float | None, bn: float | None
) -> bool | None:
    """Whether the measurements agree with the pair kind (None when not measured)."""
    if kind == "alloc-size":
        if be is None or bn is None or e is None or n is None:
            return None
        return e == n and be > bn
    if e is None or n is None:
        return None
    if kind == "alloc-count":
        return e > n
    if kind == "copy":
        return e == n
    return e > n if expected == HEAP else e <= n


def _runtime_disagrees(
    kind: str,
    subject: str,
    heap_evidence: Sequence[diag.Diagnostic],
    e: float | None,
    n: float | None,
    be: float | None,
    bn: float | None,
) -> str:
    """The finding when the compiler agrees with the annotations but the runtime does not."""
    allocs = _allocs_phrase(e, n).replace("allocs/op ", "allocs/op is ", 1)
    if kind == "alloc-size":
        return (
            f"the variants should differ only in B/op, but {allocs} and B/op is "
            f"{_fmt(be)} (escape) vs {_fmt(bn)} (noescape)"
        )
    if kind == "alloc-count":
        return f"the escape variant should allocate more often, but {allocs}"
    if kind == "copy":
        return f"a copy pair should allocate the same in both variants, but {allocs}"
    said = diag.unique(heap_evidence)
    if not said:
        finding = f"the compiler keeps {subject} on the stack but {allocs}"
        if subject.startswith("make(") and e is not None and n is not None and e > n:
            finding += (
                " (a make whose length is not constant gets only a small stack buffer,"
                " 32 bytes since Go 1.25; longer slices are allocated on the heap at run"
                " time)"
            )
        return finding
    finding = f"compiler says '{said[0].message}' but {allocs}"
    if e == 0 and n == 0 and all(_boxing(d) for d in said):
        finding += (
            " (the runtime can box a value into an interface without allocating:"
            " small integers come from runtime.staticuint64s, zero-size values"
            " from runtime.zerobase, constants from read-only static data)"
        )
    return finding


def check(
    pd: diag.PackageDiagnostics, module: Module, results: Sequence[Result] | None = None
) -> VerifyReport:
    """Check annotations and pairs given what the compiler already said (no subprocess)."""
    go = pd.go
    by_line: dict[tuple[str, int], list[diag.Diagnostic]] = {}
    for d in diag.unique(pd.diagnostics):
        if d.kind in diag.ESCAPE_KINDS:
            by_line.setdefault((d.file, d.line), []).append(d)
    checks: list[AnnotationCheck] = []
    for ann in find_annotations(pd.outline, module.root):
        clause = ann.select(go)
        if clause is None:
            continue
        found = sorted(by_line.get((ann.file, ann.line), []), key=lambda d: (d.col, d.message))
        heap = any(d.heap for d in found)
        checks.append(
            AnnotationCheck(
                file=ann.file,
                line=ann.line,
                expect=clause.expect,
                go=go,
                holds=heap if clause.expect == HEAP else not heap,
                evidence=tuple(str(d) for d in found),
                condition=clause.condition,
                func=ann.func,
            )
        )
    pairs: list[PairCheck] = []
    if module.manifest is not None:
        diags = diag.unique(pd.diagnostics)
        pairs = [
            _check_pair(c, go, checks, diags, results, module.manifest)
            for c in module.manifest.cases
        ]
    return VerifyReport(
        go=go,
        module=store.portable_path(module.root),
        annotations=tuple(checks),
        pairs=tuple(pairs),
        diagnostics=pd.diagnostics,
    )


def verify(
    toolchain: Toolchain, module: Module, results: Sequence[Result] | None = None
) -> VerifyReport:
    """Compile ``module``'s cases with ``toolchain`` and check every annotation and pair.

    ``results`` (parsed benchmark lines of this toolchain) add ``allocs/op``
    to each pair; without them pairs are ``unmeasured`` unless the compiler
    already disagrees.
    """
    return check(diag.collect(toolchain, module), module, results)


# --------------------------------------------------------------------------
# Rendering for ``bench verify``.


def _table(rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    return [
        "  ".join([*(c.ljust(w) for c, w in zip(r[:-1], widths, strict=True)), r[-1]]).rstrip()
        for r in rows
    ]


def _pair_evidence(p: PairCheck) -> str:
    if p.finding:
        return p.finding
    allocs = _allocs_phrase(p.allocs_escape, p.allocs_noescape)
    if p.evidence:
        first = p.evidence[0]
    elif p.expected == STACK:
        first = "no heap diagnostic: on the stack, as expected with this version"
    else:
        first = "no heap diagnostic"
    return "; ".join(x for x in (first, allocs) if x)


def render_text(report: VerifyReport) -> str:
    """One toolchain: a pair table (pair, verdict, escaped, evidence), then failing annotations.

    ``escaped`` is ``bench.vocab.escaped.word``: where the compiler and the
    allocations disagree, the cell says which said what.
    """
    out = [f"{report.go}  {report.module}"]
    if report.pairs:
        rows = [("pair", "verdict", "escaped", "evidence")]
        rows += [(p.case, p.status, p.escaped_word, _pair_evidence(p)) for p in report.pairs]
        out += _table(rows)
    else:
        rows = [("annotation", "verdict", "evidence")]
        rows += [
            (
                f"{a.file}:{a.line} escape:{a.expect}" + (f" {a.condition}" if a.condition else ""),
                "holds" if a.holds else "does not hold",
                "; ".join(a.evidence) or "no escape diagnostic",
            )
            for a in report.annotations
        ]
        out += _table(rows) if len(rows) > 1 else ["no escape: annotations apply"]
    bad = report.failures
    held = len(report.annotations) - len(bad)
    out.append(
        f"annotations: {len(report.annotations)} checked, {held} hold, {len(bad)} do not hold"
    )
    if report.pairs:
        for a in bad:
            cond = f" {a.condition}" if a.condition else ""
            out.append(
                f"  {a.file}:{a.line} escape:{a.expect}{cond} does not hold: "
                f"{'; '.join(a.evidence) or 'no escape diagnostic on that line'}"
            )
    return "\n".join(out)


def render(reports: Sequence[VerifyReport], format: str = "text") -> str:
    """``bench verify`` output: a table per toolchain, or one JSON record per annotation."""
    if format == "json":
        return (
            json.dumps(
                [a.to_json() for r in reports for a in r.annotations], indent=2, ensure_ascii=False
            )
            + "\n"
        )
    if format != "text":
        raise InputError(f"--format {format}: unknown format: use one of {', '.join(FORMATS)}")
    return "\n\n".join(render_text(r) for r in reports) + "\n"
