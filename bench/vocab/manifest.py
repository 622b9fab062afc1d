"""The manifest (``cases.toml``) as typed records, read once: ``[[case]]`` and ``[[claim]]``.

``bench`` (which measures the cases) and ``analysis`` (which judges the claims
and writes the report) read the same records from here; nothing downstream
looks at TOML tables. Field meanings: go_cases/README.md ("Manifest"). A
malformed table is a ``BenchError`` (``InputError``) naming the file and the
table, e.g. ``cases.toml: [[claim]] c1: kind 'guess': use one of ...``.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.errors import InputError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

#: Claim kinds (go_cases/README.md).
ESCAPE, NO_ESCAPE, AVOIDS, COST, PRINTED, OUT_OF_SCOPE = (
    "escape",
    "no-escape",
    "avoids",
    "cost",
    "compiler-output",
    "out-of-scope",
)
KINDS = (ESCAPE, NO_ESCAPE, AVOIDS, COST, PRINTED, OUT_OF_SCOPE)
VARIANTS = ("escape", "noescape")


@dataclass(frozen=True)
class Case:
    """One ``[[case]]``: an escape/noescape pair, ``Benchmark<id>/variant=escape|noescape``.

    ``pair_kind``: heap-stack (the default: the escape variant's data on the
    heap, the noescape variant's on the stack), alloc-count, alloc-size or copy
    (both sides may allocate; they differ in how much). ``expected_by_go``:
    per-version verdicts in annotation syntax, e.g. ``stack go<1.24; heap go>=1.24``.
    """

    id: str
    section: str = ""
    title: str = ""
    escape_func: str = ""
    escape_var: str = ""
    expected: str = "heap"
    escape_funcs: tuple[str, ...] = ()
    noescape_funcs: tuple[str, ...] = ()
    parallel: bool = False
    explanation: str = ""
    note: str = ""
    pair_kind: str = "heap-stack"
    expected_by_go: str = ""

    @property
    def benchmark(self) -> str:
        return f"Benchmark{self.id}"


@dataclass(frozen=True)
class Example:
    """The article's own example for a claim: the pair variant that holds it as written.

    ``func``/``var``: the article's function and the variable the claim is
    about; ``differs``: how the Go code differs from the article ("" when it is
    verbatim), shown with every verdict about it.
    """

    case: str
    variant: str = "escape"
    func: str = ""
    var: str = ""
    differs: str = ""

    @property
    def name(self) -> str:
        """How a reason names the example: ``the article's processUser``."""
        return f"the article's {self.func}" if self.func else f"the article's example ({self.case})"


@dataclass(frozen=True)
class Claim:
    """One ``[[claim]]``: what the article says and what tests it.

    ``variant``: which variant of ``cases`` the claim speaks about;
    ``printed``: for compiler-output claims, the article's lines (``("",)``
    means silence); ``needs_escape``: a cost claim about escaping, for which a
    pair that did not escape is no evidence; ``condition``: what a ``depends``
    between the example and the general cases depends on.
    """

    id: str
    section: str
    quote: str
    kind: str
    cases: tuple[str, ...] = ()
    variant: str = "escape"
    example: Example | None = None
    printed: tuple[str, ...] = ()
    metrics: tuple[str, ...] = ("ns/op",)
    needs_escape: bool = False
    condition: str = ""
    note: str = ""


@dataclass(frozen=True)
class Manifest:
    """A whole ``cases.toml``: where it was read, its cases and its claims, in file order."""

    path: str
    cases: tuple[Case, ...] = ()
    claims: tuple[Claim, ...] = ()

    def case(self, case_id: str) -> Case | None:
        return next((c for c in self.cases if c.id == case_id), None)

    def sections(self) -> dict[str, str]:
        """Case id → article section."""
        return {c.id: c.section for c in self.cases}


def strs(v: Any) -> tuple[str, ...]:
    """A TOML string or list of strings as a tuple ("" and a missing value are empty)."""
    if isinstance(v, str):
        return (v,) if v else ()
    return tuple(str(x) for x in v or ())


def case_of(t: Any, where: str, i: int) -> Case:
    """One ``[[case]]`` table (the ``i``-th, for the message) as a record."""
    if not isinstance(t, Mapping) or not t.get("id") or not re.fullmatch(r"\w+", str(t["id"])):
        raise InputError(f"{where}: [[case]] #{i} needs an id made of letters, digits and _")
    subject = t.get("escape_subject") or {}
    return Case(
        id=str(t["id"]),
        section=str(t.get("section") or ""),
        title=str(t.get("title") or ""),
        escape_func=str(subject.get("func") or ""),
        escape_var=str(subject.get("var") or ""),
        expected=str(t.get("expected") or "heap"),
        escape_funcs=strs(t.get("escape_funcs")),
        noescape_funcs=strs(t.get("noescape_funcs")),
        parallel=bool(t.get("parallel", False)),
        explanation=str(t.get("explanation") or ""),
        note=str(t.get("note") or ""),
        pair_kind=str(t.get("pair_kind") or "heap-stack"),
        expected_by_go=str(t.get("expected_by_go") or ""),
    )


def _example(where: str, v: Any) -> Example | None:
    if not v:
        return None
    if not isinstance(v, Mapping) or not v.get("case"):
        raise InputError(
            f"{where}: example must be a table with a case: "
            'write example = { case = "Id", variant = "escape", func = "f" }'
        )
    variant = str(v.get("variant") or "escape")
    if variant not in VARIANTS:
        raise InputError(f"{where}: example variant {variant!r}: use escape or noescape")
    return Example(
        case=str(v["case"]),
        variant=variant,
        func=str(v.get("func") or ""),
        var=str(v.get("var") or ""),
        differs=str(v.get("differs") or ""),
    )


def claim_of(t: Mapping[str, Any], path: str = "cases.toml") -> Claim:
    """One ``[[claim]]`` table as a record; ``InputError`` names the file and the claim."""
    cid = str(t.get("id") or "")
    if not cid:
        raise InputError(f"{path}: a [[claim]] has no id: give every claim an id")
    where = f"{path}: claim {cid}"
    kind = str(t.get("kind") or ESCAPE).lower()
    if kind not in KINDS:
        raise InputError(f"{where}: kind {kind!r}: use one of {', '.join(KINDS)}")
    printed = t.get("printed", ())
    lines = tuple(
        ln.strip()
        for ln in (printed.splitlines() if isinstance(printed, str) else strs(printed))
        if ln.strip()
    )
    if kind == PRINTED and t.get("silent"):
        lines = ("",)
    return Claim(
        id=cid,
        section=str(t.get("section") or ""),
        quote=str(t.get("quote") or ""),
        kind=kind,
        cases=strs(t.get("cases")),
        variant=str(t.get("variant") or "escape"),
        example=_example(where, t.get("example")),
        printed=lines,
        metrics=strs(t.get("metrics")) or ("ns/op",),
        needs_escape=bool(t.get("needs_escape", False)),
        condition=str(t.get("condition") or ""),
        note=str(t.get("note") or ""),
    )


def from_tables(data: Mapping[str, Any], path: str = "cases.toml") -> Manifest:
    """A manifest from its TOML tables (``{"case": [...], "claim": [...]}``), checked."""
    cases = tuple(case_of(c, path, i) for i, c in enumerate(data.get("case") or (), 1))
    ids = [c.id for c in cases]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise InputError(f"{path}: duplicate case ids {', '.join(dup)}: make each id unique")
    claims = tuple(claim_of(t, path) for t in data.get("claim") or ())
    known = set(ids)
    for c in claims:
        named = [*c.cases, *((c.example.case,) if c.example else ())]
        unknown = [x for x in named if x not in known]
        if unknown and known:
            raise InputError(
                f"{path}: claim {c.id} names unknown cases "
                f"{', '.join(unknown)}: add them or fix the ids"
            )
    return Manifest(path=path, cases=cases, claims=claims)


def load(path: str | Path) -> Manifest:
    """Read ``cases.toml`` once into typed records; ``InputError`` names the file."""
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"{p}: cannot read the manifest ({e}): check the file") from None
    except tomllib.TOMLDecodeError as e:
        raise InputError(f"{p}: not valid TOML ({e}): fix the manifest") from None
    return from_tables(data, str(p))
