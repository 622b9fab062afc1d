"""The ``// escape:`` annotations in Go source: their grammar, where they are, what they say.

Neighbours: ``bench.diagnostics`` lists the source comments (``Outline``) and
the function around each line; ``bench.verify`` checks each annotation and
each pair against the compiler's ``-m`` diagnostics and stores the
result in ``escape.json`` (``bench.escape_json``).

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
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench import diagnostics as diag
from bench.errors import InputError

HEAP, STACK = "heap", "stack"

_GRAMMAR = (
    "write `// escape:heap` or `// escape:stack`, optionally with one condition such "
    "as `go>=1.24`, clauses separated by `;`"
)
_CLAUSE_RE = re.compile(r"^escape:(?P<expect>\S*)(?:\s+(?P<cond>.*))?$")
_COND_RE = re.compile(r"^go(?P<op>>=|<=|==|>|<)(?P<ver>\d+\.\d+(?:\.\d+)?)$")
_GO_VERSION_RE = re.compile(r"^(?:go)?(\d+)\.(\d+)(?:\.(\d+))?")
_OPS = {
    ">=": lambda a, b: a >= b,
    "<=": lambda a, b: a <= b,
    "==": lambda a, b: a == b,
    ">": lambda a, b: a > b,
    "<": lambda a, b: a < b,
}


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
        return AnnotationError(f"{prefix}malformed annotation {text.strip()!r}: {why}: {_GRAMMAR}")

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
        clauses.append(
            Clause(expect, c.group("op"), tuple(int(x) for x in c.group("ver").split(".")))
        )
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
                "conditions exclusive"
            )
        return applicable[0]


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
    raise AnnotationError(
        f"{c.file}:{c.line}: annotation {c.text!r} stands alone with no code "
        "after it: put it at the end of the line it is about"
    )


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
        out.append(
            Annotation(
                file=c.file,
                line=line,
                text=c.text,
                clauses=clauses,
                func=span.name if span else "",
                comment_line=c.line,
            )
        )
    if problems:
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        raise AnnotationError("; ".join(problems[:3]) + more)
    return out
