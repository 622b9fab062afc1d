"""Check ``// escape:`` annotations and escape/noescape pairs against the compiler.

Neighbours: ``bench.diagnostics`` compiles the cases with ``-m`` and says which
function each diagnostic belongs to; ``bench.cases`` gives the manifest (which
functions do each variant's work); ``bench.store`` writes ``escape.json``;
``analysis.claims`` reads it.

Annotation grammar (one ``//`` comment; clauses separated by ``;``)::

    x := 10 // escape:heap
    y := 20 // escape:stack go<1.24; escape:heap go>=1.24

A clause is ``escape:heap`` or ``escape:stack`` with at most one condition
``go<op><version>`` (``op`` one of ``>= <= == > <``; version ``1.24`` or
``1.24.3``). A condition compares the toolchain's version *at the precision
written*: ``go==1.24`` is the whole 1.24 line, ``go>1.24`` starts at 1.25,
``go<=1.24`` includes 1.24.9. Clauses with no condition always apply; an
annotation none of whose clauses apply to a toolchain is not checked with it;
two applicable clauses that disagree are an error (the annotation would mean
nothing). A trailing comment annotates its own line; a comment alone on its
line annotates the next line of code, so a long statement can carry its
annotation above it.

``heap`` holds when the compiler reports ``moved to heap`` or ``escapes to
heap`` on that line; ``stack`` holds when it reports neither. That is the
compiler's own convention (``test/escape2.go``): ``moved to heap: x`` sits on
``x``'s declaration, ``... escapes to heap`` on the expression.

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
import re
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import diagnostics as diag
from bench.cases import Case, Manifest, Module
from bench.errors import InputError
from bench.model import Result
from bench.store import read_json
from bench.toolchain import Toolchain

HEAP, STACK = "heap", "stack"
FORMATS = ("text", "json")

_GRAMMAR = ("write `// escape:heap` or `// escape:stack`, optionally with one condition such "
            "as `go>=1.24`, clauses separated by `;`")
_CLAUSE_RE = re.compile(r"^escape:(?P<expect>\S*)(?:\s+(?P<cond>.*))?$")
_COND_RE = re.compile(r"^go(?P<op>>=|<=|==|>|<)(?P<ver>\d+\.\d+(?:\.\d+)?)$")
_GO_VERSION_RE = re.compile(r"^(?:go)?(\d+)\.(\d+)(?:\.(\d+))?")
_OPS = {">=": lambda a, b: a >= b, "<=": lambda a, b: a <= b, "==": lambda a, b: a == b,
        ">": lambda a, b: a > b, "<": lambda a, b: a < b}


class AnnotationError(InputError):
    """An ``// escape:`` comment that does not follow the grammar (names file:line)."""


def go_version_tuple(version: str) -> tuple[int, int, int]:
    """``go1.27.3`` -> (1, 27, 3); ``go1.27rc1``/``1.27`` -> (1, 27, 0)."""
    m = _GO_VERSION_RE.match(version.strip())
    if not m:
        raise InputError(f"{version!r} is not a Go version such as go1.26.6")
    return int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)


@dataclass(frozen=True)
class Clause:
    """``escape:<expect>`` with an optional version condition."""

    expect: str
    op: str = ""
    version: tuple[int, ...] = ()

    @property
    def condition(self) -> str:
        """``go>=1.24`` as written, "" when unconditional."""
        return f"go{self.op}{'.'.join(map(str, self.version))}" if self.op else ""

    def __str__(self) -> str:
        return f"escape:{self.expect}" + (f" {self.condition}" if self.op else "")

    def applies(self, go: str) -> bool:
        """Whether this clause speaks about toolchain ``go`` (compared at the written precision)."""
        if not self.op:
            return True
        have = go_version_tuple(go)[: len(self.version)]
        return bool(_OPS[self.op](have, self.version))


def parse_annotation(text: str, where: str = "") -> tuple[Clause, ...]:
    """The clauses of one ``// escape:...`` comment; ``AnnotationError`` when malformed.

    ``where`` (``file:line``) prefixes the error so a user can jump to it.
    """
    body = text.strip()
    body = body.removeprefix("//").strip()

    def bad(why: str) -> AnnotationError:
        prefix = f"{where}: " if where else ""
        return AnnotationError(f"{prefix}malformed annotation {text.strip()!r}: {why}: "
                               f"{_GRAMMAR}")

    if not body:
        raise bad("empty")
    clauses = []
    for part in body.split(";"):
        part = part.strip()
        if not part:
            raise bad("empty clause (stray `;`)")
        m = _CLAUSE_RE.match(part)
        if not m:
            raise bad(f"clause {part!r} does not start with `escape:`")
        expect = m.group("expect")
        if expect not in (HEAP, STACK):
            raise bad(f"`escape:{expect}` is neither escape:heap nor escape:stack")
        cond = (m.group("cond") or "").strip()
        if not cond:
            clauses.append(Clause(expect))
            continue
        c = _COND_RE.match(cond)
        if not c:
            raise bad(f"condition {cond!r} is not one version comparison like go>=1.24")
        clauses.append(Clause(expect, c.group("op"),
                              tuple(int(x) for x in c.group("ver").split("."))))
    return tuple(clauses)


@dataclass(frozen=True)
class Annotation:
    """An annotation found in the source: the line it speaks about and its clauses."""

    file: str
    line: int
    text: str
    clauses: tuple[Clause, ...]
    func: str = ""
    comment_line: int = 0  # where the comment is (differs from line when it stands alone)

    def select(self, go: str) -> Clause | None:
        """The clause that applies to toolchain ``go``, None when none does."""
        applicable = [c for c in self.clauses if c.applies(go)]
        if not applicable:
            return None
        if len({c.expect for c in applicable}) > 1:
            raise AnnotationError(
                f"{self.file}:{self.comment_line or self.line}: annotation {self.text.strip()!r}"
                f" says both heap and stack for {go} (clauses "
                f"{', '.join(repr(str(c)) for c in applicable)} all apply): make the "
                "conditions exclusive")
        return applicable[0]


@dataclass(frozen=True)
class AnnotationCheck:
    """One annotation checked against one toolchain's diagnostics."""

    file: str  # relative to the module root
    line: int
    expect: str
    go: str
    holds: bool
    evidence: tuple[str, ...] = ()  # escape diagnostics on that line, () = none
    condition: str = ""
    func: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "expect": self.expect, "go": self.go,
                "holds": self.holds, "evidence": list(self.evidence),
                "condition": self.condition, "func": self.func}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> AnnotationCheck:
        return cls(file=str(d["file"]), line=int(d["line"]), expect=str(d["expect"]),
                   go=str(d["go"]), holds=bool(d["holds"]),
                   evidence=tuple(str(e) for e in d.get("evidence") or ()),
                   condition=str(d.get("condition") or ""), func=str(d.get("func") or ""))


@dataclass(frozen=True)
class PairCheck:
    """One manifest pair checked against one toolchain (and, if given, measurements).

    ``allocs_hold`` is the pair kind's runtime rule: ``heap-stack`` — escape
    allocates more than noescape when the subject is expected on the heap (no
    more when expected on the stack); ``alloc-count`` — escape allocates more;
    ``alloc-size`` — same allocation count, more ``B/op``; ``copy`` — the same
    allocations in both. ``escape_fate``/``noescape_fate`` say what the
    compiler did on each variant's annotated lines (``heap`` when any of them
    has a heap diagnostic, ``stack`` otherwise, None when unannotated) so a
    claim about either variant can be judged from escape.json alone.
    """

    case: str
    go: str
    compiler_holds: bool
    allocs_escape: float | None
    allocs_noescape: float | None
    allocs_hold: bool | None
    status: str  # verified | finding | unmeasured
    finding: str = ""
    evidence: tuple[str, ...] = ()  # the heap diagnostics that decided it
    pair_kind: str = "heap-stack"
    expected: str = HEAP  # the escape variant's expected verdict for this toolchain
    escape_fate: str | None = None
    noescape_fate: str | None = None
    bytes_escape: float | None = None  # median B/op
    bytes_noescape: float | None = None

    @property
    def case_id(self) -> str:
        return self.case

    @property
    def escaped(self) -> bool | None:
        """Whether an escape happened in this pair on this toolchain (None when unmeasured).

        Both witnesses must agree: the compiler's diagnostics put the escape
        variant's subject on the heap *and* ``-benchmem`` shows the escape
        variant allocating more per op. A heap diagnostic without an extra
        allocation (a small int boxed from ``staticuint64s``, a constant boxed
        from static data) is not an escape that costs anything; an extra
        allocation without a heap diagnostic (``growslice``, a non-constant
        ``make`` beyond the 32-byte buffer) is not an escape either.
        """
        if self.allocs_escape is None or self.allocs_noescape is None:
            return None
        return self.escape_fate == HEAP and self.allocs_escape > self.allocs_noescape

    def to_json(self) -> dict[str, Any]:
        return {"case": self.case, "go": self.go, "compiler_holds": self.compiler_holds,
                "allocs_escape": self.allocs_escape, "allocs_noescape": self.allocs_noescape,
                "allocs_hold": self.allocs_hold, "status": self.status,
                "finding": self.finding, "evidence": list(self.evidence),
                "pair_kind": self.pair_kind, "expected": self.expected,
                "escape_fate": self.escape_fate, "noescape_fate": self.noescape_fate,
                "bytes_escape": self.bytes_escape, "bytes_noescape": self.bytes_noescape,
                "escaped": self.escaped}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> PairCheck:
        def num(v: Any) -> float | None:
            return None if v is None else float(v)

        def opt(v: Any) -> str | None:
            return None if v is None else str(v)

        return cls(case=str(d["case"]), go=str(d["go"]),
                   compiler_holds=bool(d["compiler_holds"]),
                   allocs_escape=num(d.get("allocs_escape")),
                   allocs_noescape=num(d.get("allocs_noescape")),
                   allocs_hold=d.get("allocs_hold"), status=str(d["status"]),
                   finding=str(d.get("finding") or ""),
                   evidence=tuple(str(e) for e in d.get("evidence") or ()),
                   pair_kind=str(d.get("pair_kind") or "heap-stack"),
                   expected=str(d.get("expected") or HEAP),
                   escape_fate=opt(d.get("escape_fate")),
                   noescape_fate=opt(d.get("noescape_fate")),
                   bytes_escape=num(d.get("bytes_escape")),
                   bytes_noescape=num(d.get("bytes_noescape")))


@dataclass(frozen=True)
class VerifyReport:
    """What one toolchain's compiler says about a module's annotations and pairs."""

    go: str
    module: str
    annotations: tuple[AnnotationCheck, ...] = ()
    pairs: tuple[PairCheck, ...] = ()
    diagnostics: tuple[diag.Diagnostic, ...] = field(default=(), compare=False)

    @property
    def ok(self) -> bool:
        """Every annotation holds (pairs with measured findings do not fail a run)."""
        return all(a.holds for a in self.annotations)

    @property
    def failures(self) -> list[AnnotationCheck]:
        return [a for a in self.annotations if not a.holds]

    def to_json(self) -> dict[str, Any]:
        """The ``escape.json`` payload (``bench.store.write_json`` adds ``schema``).

        ``diagnostics`` keeps only escape-analysis facts (not inlining notes):
        enough for ``analysis.claims`` to compare the article's printed lines
        with what the compiler printed, without bloating every run directory.
        """
        return {"go": self.go, "module": self.module,
                "annotations": [a.to_json() for a in self.annotations],
                "pairs": [p.to_json() for p in self.pairs],
                "diagnostics": [d.to_json() for d in diag.unique(self.diagnostics)
                                if d.kind in diag.ESCAPE_KINDS]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> VerifyReport:
        return cls(go=str(data.get("go", "")), module=str(data.get("module", "")),
                   annotations=tuple(AnnotationCheck.from_json(a)
                                     for a in data.get("annotations") or ()),
                   pairs=tuple(PairCheck.from_json(p) for p in data.get("pairs") or ()),
                   diagnostics=tuple(diag.Diagnostic.from_json(d)
                                     for d in data.get("diagnostics") or ()))


def load_escape_json(path: str | Path) -> VerifyReport:
    """Read an ``escape.json`` written by ``bench verify``/``bench run``."""
    data = read_json(path, kind="escape.json")
    try:
        return VerifyReport.from_json(data)
    except (KeyError, TypeError, ValueError) as e:
        raise InputError(f"{path}: not an escape.json ({e}): re-run `bench verify`") from None


# --------------------------------------------------------------------------
# Finding annotations in the source.


def _target(source_lines: Sequence[bytes], c: diag.Comment) -> tuple[int, int]:
    """The (line, col) an annotation comment speaks about."""
    own = source_lines[c.line - 1] if 0 < c.line <= len(source_lines) else b""
    if own[: c.col - 1].strip():
        return c.line, c.col
    for i in range(c.line, len(source_lines)):
        s = source_lines[i].strip()
        if s and not s.startswith(b"//"):
            text = source_lines[i]
            return i + 1, len(text) - len(text.lstrip()) + 1
    raise AnnotationError(f"{c.file}:{c.line}: annotation {c.text!r} stands alone with no code "
                          "after it: put it at the end of the line it is about")


def find_annotations(outline: diag.Outline, root: str | Path) -> list[Annotation]:
    """Every ``// escape:`` annotation in the outline's comments, parsed.

    All malformed annotations are reported in one error, so one run shows
    every line to fix.
    """
    root = Path(root)
    cache: dict[str, list[bytes]] = {}
    out: list[Annotation] = []
    problems: list[str] = []
    for c in sorted(outline.comments, key=lambda c: (c.file, c.line, c.col)):
        try:
            clauses = parse_annotation(c.text, f"{c.file}:{c.line}")
            if c.file not in cache:
                cache[c.file] = (root / c.file).read_bytes().splitlines()
            line, col = _target(cache[c.file], c)
        except AnnotationError as e:
            problems.append(str(e))
            continue
        except OSError as e:
            raise InputError(f"{root / c.file}: cannot read ({e.strerror})") from None
        span = outline.enclosing(c.file, line, col)
        out.append(Annotation(file=c.file, line=line, text=c.text, clauses=clauses,
                              func=span.name if span else "", comment_line=c.line))
    if problems:
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        raise AnnotationError("; ".join(problems[:3]) + more)
    return out


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


def allocs_median(results: Sequence[Result], case_id: str, variant: str,
                  go: str = "", unit: str = "allocs/op") -> float | None:
    """Median ``allocs/op`` (or ``unit``) of ``<case_id>/variant=<variant>`` over all runs given."""
    vals = [v for r in results
            if r.name.pair == case_id and r.name.variant == variant
            and (not go or _same_go(r, go))
            and (v := r.get(unit)) is not None]
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
        by_go = "; ".join(p.strip() if p.strip().startswith("escape:") else f"escape:{p.strip()}"
                          for p in by_go.split(";"))
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
    return f"allocs/op {_fmt(e)} in both" if e == n else \
        f"allocs/op {_fmt(e)} (escape) vs {_fmt(n)} (noescape)"


def _boxing(d: diag.Diagnostic) -> bool:
    """An ``x escapes to heap`` about a plain value: an interface conversion, not a new object."""
    return d.kind == "escapes-to-heap" and not d.subject.startswith(
        ("&", "make(", "new(", "func literal", "append", "[]", "map[", "..."))


def _fate(annots: Sequence[AnnotationCheck],
          by_line: Mapping[tuple[str, int], Sequence[diag.Diagnostic]]) -> str | None:
    """What the compiler did on a variant's annotated lines: heap if any says heap."""
    if not annots:
        return None
    heap = any(d.heap for a in annots for d in by_line.get((a.file, a.line), ()))
    return HEAP if heap else STACK


def _check_pair(case: Case, go: str, checks: Sequence[AnnotationCheck],
                diags: Sequence[diag.Diagnostic], results: Sequence[Result] | None,
                manifest: Manifest | None = None) -> PairCheck:
    escape_funcs = case.escape_funcs or ((case.escape_func,) if case.escape_func else ())
    noescape_funcs = case.noescape_funcs
    esc = [a for a in checks if _func_in(a.func, escape_funcs)]
    noesc = [a for a in checks if _func_in(a.func, noescape_funcs)]
    kind = case.pair_kind or "heap-stack"
    if kind not in PAIR_KINDS:
        where = manifest.path if manifest else "manifest"
        raise InputError(f"{where}: case {case.id}: unknown pair_kind {kind!r}: use one of "
                         f"{', '.join(PAIR_KINDS)}")
    expected = expected_for(case, go, manifest)
    subject = case.escape_var or "the escape variant's value"
    by_line: dict[tuple[str, int], list[diag.Diagnostic]] = {}
    for d in diags:
        by_line.setdefault((d.file, d.line), []).append(d)

    deciding = [a for a in esc if a.expect == expected and a.holds]
    heap_evidence = [d for a in esc if a.expect == HEAP and a.holds
                     for d in by_line.get((a.file, a.line), []) if d.heap]
    # Only a heap-stack pair promises that the noescape variant keeps the subject.
    leaks: list[diag.Diagnostic] = []
    if kind == "heap-stack":
        subjects = {case.escape_var} if case.escape_var else set()
        subjects |= {d.subject for d in heap_evidence}
        leaks = [d for d in diags if d.heap and _func_in(d.func, noescape_funcs)
                 and (d.subject in subjects or not subjects)]
    failing = list(dict.fromkeys(a for a in (*esc, *noesc) if not a.holds))
    compiler_holds = bool(deciding) and not failing and not leaks

    problems: list[str] = []
    summarized: set[tuple[str, int]] = set()  # failing annotations a sentence already covers
    funcs = ", ".join(escape_funcs) or "(no escape_funcs in the manifest)"
    if not esc:
        problems.append(f"no escape: annotation in {funcs} applies to this toolchain")
    elif not deciding:
        wrong = [a for a in esc if a.expect == expected]  # all fail: none is deciding
        opposite = [a for a in esc if a.expect != expected and a.holds]
        if wrong and expected == HEAP:
            where = ", ".join(f"{a.file}:{a.line}" for a in wrong)
            problems.append(f"the compiler keeps {subject} on the stack "
                            f"(no heap diagnostic at {where})")
        elif wrong:
            got = next((e for a in wrong for e in a.evidence if "heap" in e), "")
            problems.append(f"the compiler puts {subject} on the heap"
                            + (f" ('{got}')" if got else ""))
        elif opposite:
            a = next((a for a in opposite if a.condition), opposite[0])
            if a.expect == STACK:
                did = f"keeps {subject} on the stack"
            else:
                ev = next((x for x in a.evidence if "heap" in x), "")
                did = f"puts {subject} on the heap" + (f" ('{ev}')" if ev else "")
            if a.condition:
                problems.append(f"the compiler {did}, as annotated for this version "
                                f"({a.file}:{a.line} escape:{a.expect} {a.condition})")
            else:
                problems.append(f"the compiler {did}, as annotated at {a.file}:{a.line}, but "
                                f"the manifest expects {expected} with this version")
        else:
            problems.append(f"no escape:{expected} annotation in {funcs} applies to this "
                            "toolchain")
        summarized = {(a.file, a.line) for a in wrong}
    for a in failing:
        if (a.file, a.line) in summarized:
            continue
        cond = f" {a.condition}" if a.condition else ""
        said = "; ".join(a.evidence) or "no escape diagnostic on that line"
        problems.append(f"{a.file}:{a.line} escape:{a.expect}{cond} does not hold ({said})")
    for d in diag.unique(leaks)[:2]:
        problems.append(f"the noescape variant escapes too ('{d}' in {d.func})")

    e = n = be = bn = None
    allocs_hold: bool | None = None
    if results is not None:
        e = allocs_median(results, case.id, "escape", go)
        n = allocs_median(results, case.id, "noescape", go)
        be = allocs_median(results, case.id, "escape", go, "B/op")
        bn = allocs_median(results, case.id, "noescape", go, "B/op")
        allocs_hold = _allocs_rule(kind, expected, e, n, be, bn)
    allocs = _allocs_phrase(e, n)

    if not compiler_holds:
        status = "finding"
        finding = f"{go}: " + "; ".join(problems) + (f"; {allocs}" if allocs else "")
    elif allocs_hold is None:
        status, finding = "unmeasured", ""
    elif allocs_hold:
        status, finding = "verified", ""
    else:
        status = "finding"
        finding = f"{go}: " + _runtime_disagrees(kind, subject, heap_evidence, e, n, be, bn)
    return PairCheck(case=case.id, go=go, compiler_holds=compiler_holds, allocs_escape=e,
                     allocs_noescape=n, allocs_hold=allocs_hold, status=status,
                     finding=finding,
                     evidence=tuple(str(d) for d in diag.unique([*heap_evidence, *leaks])),
                     pair_kind=kind, expected=expected, escape_fate=_fate(esc, by_line),
                     noescape_fate=_fate(noesc, by_line), bytes_escape=be, bytes_noescape=bn)


def _allocs_rule(kind: str, expected: str, e: float | None, n: float | None,
                 be: float | None, bn: float | None) -> bool | None:
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


def _runtime_disagrees(kind: str, subject: str, heap_evidence: Sequence[diag.Diagnostic],
                       e: float | None, n: float | None, be: float | None,
                       bn: float | None) -> str:
    """The finding when the compiler agrees with the annotations but the runtime does not."""
    allocs = _allocs_phrase(e, n).replace("allocs/op ", "allocs/op is ", 1)
    if kind == "alloc-size":
        return (f"the variants should differ only in B/op, but {allocs} and B/op is "
                f"{_fmt(be)} (escape) vs {_fmt(bn)} (noescape)")
    if kind == "alloc-count":
        return f"the escape variant should allocate more often, but {allocs}"
    if kind == "copy":
        return f"a copy pair should allocate the same in both variants, but {allocs}"
    said = diag.unique(heap_evidence)
    if not said:
        finding = f"the compiler keeps {subject} on the stack but {allocs}"
        if subject.startswith("make(") and e is not None and n is not None and e > n:
            finding += (" (a make whose length is not constant gets only a small stack buffer,"
                        " 32 bytes since Go 1.25; longer slices are allocated on the heap at run"
                        " time)")
        return finding
    finding = f"compiler says '{said[0].message}' but {allocs}"
    if e == 0 and n == 0 and all(_boxing(d) for d in said):
        finding += (" (the runtime can box a value into an interface without allocating:"
                    " small integers come from runtime.staticuint64s, zero-size values"
                    " from runtime.zerobase, constants from read-only static data)")
    return finding


def check(pd: diag.PackageDiagnostics, module: Module,
          results: Sequence[Result] | None = None) -> VerifyReport:
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
        checks.append(AnnotationCheck(
            file=ann.file, line=ann.line, expect=clause.expect, go=go,
            holds=heap if clause.expect == HEAP else not heap,
            evidence=tuple(str(d) for d in found), condition=clause.condition, func=ann.func))
    pairs: list[PairCheck] = []
    if module.manifest is not None:
        diags = diag.unique(pd.diagnostics)
        pairs = [_check_pair(c, go, checks, diags, results, module.manifest)
                 for c in module.manifest.cases]
    return VerifyReport(go=go, module=str(module.root), annotations=tuple(checks),
                        pairs=tuple(pairs), diagnostics=pd.diagnostics)


def verify(toolchain: Toolchain, module: Module,
           results: Sequence[Result] | None = None) -> VerifyReport:
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
    return ["  ".join([*(c.ljust(w) for c, w in zip(r[:-1], widths, strict=True)), r[-1]]).rstrip()
            for r in rows]


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


#: The ``escaped`` column: an escape happened (compiler and allocations agree), did not, unmeasured.
_ESCAPED = {True: "yes", False: "no", None: "-"}


def render_text(report: VerifyReport) -> str:
    """One toolchain: a pair table (pair, verdict, evidence), then failing annotations."""
    out = [f"{report.go}  {report.module}"]
    if report.pairs:
        rows = [("pair", "verdict", "escaped", "evidence")]
        rows += [(p.case, p.status, _ESCAPED[p.escaped], _pair_evidence(p))
                 for p in report.pairs]
        out += _table(rows)
    else:
        rows = [("annotation", "verdict", "evidence")]
        rows += [(f"{a.file}:{a.line} escape:{a.expect}"
                  + (f" {a.condition}" if a.condition else ""),
                  "holds" if a.holds else "does not hold",
                  "; ".join(a.evidence) or "no escape diagnostic")
                 for a in report.annotations]
        out += _table(rows) if len(rows) > 1 else ["no escape: annotations apply"]
    bad = report.failures
    held = len(report.annotations) - len(bad)
    out.append(f"annotations: {len(report.annotations)} checked, {held} hold, "
               f"{len(bad)} do not hold")
    if report.pairs:
        for a in bad:
            cond = f" {a.condition}" if a.condition else ""
            out.append(f"  {a.file}:{a.line} escape:{a.expect}{cond} does not hold: "
                       f"{'; '.join(a.evidence) or 'no escape diagnostic on that line'}")
    return "\n".join(out)


def render(reports: Sequence[VerifyReport], format: str = "text") -> str:
    """``bench verify`` output: a table per toolchain, or one JSON record per annotation."""
    if format == "json":
        return json.dumps([a.to_json() for r in reports for a in r.annotations], indent=2,
                          ensure_ascii=False) + "\n"
    if format != "text":
        raise InputError(f"--format {format}: unknown format: use one of {', '.join(FORMATS)}")
    return "\n\n".join(render_text(r) for r in reports) + "\n"
