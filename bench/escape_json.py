"""The records of ``escape.json``: what a toolchain's compiler said about a module.

``bench.verify`` produces them (one ``VerifyReport`` per toolchain, holding an
``AnnotationCheck`` per applicable annotation and a ``PairCheck`` per manifest
pair); ``bench.store`` writes them next to a run and ``load_escape_json``
reads one back. ``analysis.claims`` takes the same payload as plain JSON, as
analysis never imports ``bench``'s storage.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench import diagnostics as diag
from bench.annotation import HEAP
from bench.errors import InputError
from bench.store import read_json
from bench.vocab import escaped as esc

__all__ = ["AnnotationCheck", "PairCheck", "VerifyReport", "load_escape_json"]


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
        return {**asdict(self), "evidence": list(self.evidence)}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> AnnotationCheck:
        return cls(
            file=str(d["file"]),
            line=int(d["line"]),
            expect=str(d["expect"]),
            go=str(d["go"]),
            holds=bool(d["holds"]),
            evidence=tuple(str(e) for e in d.get("evidence") or ()),
            condition=str(d.get("condition") or ""),
            func=str(d.get("func") or ""),
        )


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
        return esc.escaped(self.compiler_heap, self.allocs_escape, self.allocs_noescape)

    @property
    def compiler_heap(self) -> bool | None:
        """The compiler's witness: heap on the escape variant's annotated lines (None: none).

        ``analysis.witness.compiler_heap_of`` reads the same from the JSON, so
        ``bench verify``, ``bench cost``, the report and the claims agree.
        """
        return None if self.escape_fate is None else self.escape_fate == HEAP

    @property
    def escaped_word(self) -> str:
        """The ``escaped`` cell: yes, no, or no with who said what (``bench.vocab.escaped``)."""
        return esc.word(self.compiler_heap, self.allocs_escape, self.allocs_noescape)

    def to_json(self) -> dict[str, Any]:
        """The fields in order, then ``escaped`` (derived, for readers of the JSON)."""
        return {**asdict(self), "evidence": list(self.evidence), "escaped": self.escaped}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> PairCheck:
        def num(v: Any) -> float | None:
            return None if v is None else float(v)

        def opt(v: Any) -> str | None:
            return None if v is None else str(v)

        return cls(
            case=str(d["case"]),
            go=str(d["go"]),
            compiler_holds=bool(d["compiler_holds"]),
            allocs_escape=num(d.get("allocs_escape")),
            allocs_noescape=num(d.get("allocs_noescape")),
            allocs_hold=d.get("allocs_hold"),
            status=str(d["status"]),
            finding=str(d.get("finding") or ""),
            evidence=tuple(str(e) for e in d.get("evidence") or ()),
            pair_kind=str(d.get("pair_kind") or "heap-stack"),
            expected=str(d.get("expected") or HEAP),
            escape_fate=opt(d.get("escape_fate")),
            noescape_fate=opt(d.get("noescape_fate")),
            bytes_escape=num(d.get("bytes_escape")),
            bytes_noescape=num(d.get("bytes_noescape")),
        )


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
        return {
            "go": self.go,
            "module": self.module,
            "annotations": [a.to_json() for a in self.annotations],
            "pairs": [p.to_json() for p in self.pairs],
            "diagnostics": [
                d.to_json() for d in diag.unique(self.diagnostics) if d.kind in diag.ESCAPE_KINDS
            ],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> VerifyReport:
        return cls(
            go=str(data.get("go", "")),
            module=str(data.get("module", "")),
            annotations=tuple(AnnotationCheck.from_json(a) for a in data.get("annotations") or ()),
            pairs=tuple(PairCheck.from_json(p) for p in data.get("pairs") or ()),
            diagnostics=tuple(diag.Diagnostic.from_json(d) for d in data.get("diagnostics") or ()),
        )


def load_escape_json(path: str | Path) -> VerifyReport:
    """Read an ``escape.json`` written by ``bench verify``/``bench run``."""
    data = read_json(path, kind="escape.json")
    try:
        return VerifyReport.from_json(data)
    except (KeyError, TypeError, ValueError) as e:
        raise InputError(f"{path}: not an escape.json ({e}): re-run `bench verify`") from None
