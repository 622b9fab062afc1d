"""The claims and cases of the manifest, read from plain tables into typed records.

Neighbours: ``bench.ledger`` hands over ``cases.toml`` as plain tables (this
package may not import ``bench.cases``); ``analysis.claims.judge`` judges the
records made here. Field meanings: go_cases/README.md ("Manifest").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bench.errors import InputError

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
class ClaimSpec:
    """One ``[[claim]]``: what the article says and what tests it."""

    id: str
    section: str
    quote: str
    kind: str
    cases: tuple[str, ...] = ()  # general evidence
    variant: str = "escape"  # which variant of ``cases`` the claim speaks about
    example: Example | None = None
    printed: tuple[str, ...] = ()  # compiler-output: the article's lines ("" = silence)
    metrics: tuple[str, ...] = ("ns/op",)
    needs_escape: bool = (
        False  # cost claims about escaping: a pair that did not escape is no evidence
    )
    condition: str = ""  # what a "depends" between example and general cases depends on
    note: str = ""


def _strs(v: Any) -> tuple[str, ...]:
    if isinstance(v, str):
        return (v,) if v else ()
    return tuple(str(x) for x in v or ())


def _example(claim_id: str, v: Any) -> Example | None:
    if not v:
        return None
    if not isinstance(v, Mapping) or not v.get("case"):
        raise InputError(
            f"cases.toml: claim {claim_id}: example must be a table with a case: "
            'write example = { case = "Id", variant = "escape", func = "f" }'
        )
    variant = str(v.get("variant") or "escape")
    if variant not in VARIANTS:
        raise InputError(
            f"cases.toml: claim {claim_id}: example variant {variant!r}: use escape or noescape"
        )
    return Example(
        case=str(v["case"]),
        variant=variant,
        func=str(v.get("func") or ""),
        var=str(v.get("var") or ""),
        differs=str(v.get("differs") or ""),
    )


def claim_spec(t: Mapping[str, Any]) -> ClaimSpec:
    """One ``[[claim]]`` table as a record; ``InputError`` names the claim when malformed."""
    cid = str(t.get("id") or "")
    if not cid:
        raise InputError("cases.toml: a [[claim]] has no id: give every claim an id")
    kind = str(t.get("kind") or ESCAPE).lower()
    if kind not in KINDS:
        raise InputError(f"cases.toml: claim {cid}: kind {kind!r}: use one of {', '.join(KINDS)}")
    printed = t.get("printed", ())
    lines = tuple(
        ln.strip()
        for ln in (printed.splitlines() if isinstance(printed, str) else _strs(printed))
        if ln.strip()
    )
    if kind == PRINTED and t.get("silent"):
        lines = ("",)
    return ClaimSpec(
        id=cid,
        section=str(t.get("section") or ""),
        quote=str(t.get("quote") or ""),
        kind=kind,
        cases=_strs(t.get("cases")),
        variant=str(t.get("variant") or "escape"),
        example=_example(cid, t.get("example")),
        printed=lines,
        metrics=_strs(t.get("metrics")) or ("ns/op",),
        needs_escape=bool(t.get("needs_escape", False)),
        condition=str(t.get("condition") or ""),
        note=str(t.get("note") or ""),
    )


def claim_specs(manifest: Mapping[str, Any]) -> list[ClaimSpec]:
    """Every claim of a manifest given as plain tables (``{"claim": [...], "case": [...]}``)."""
    specs = [claim_spec(t) for t in manifest.get("claim") or ()]
    ids = {str(c.get("id")) for c in manifest.get("case") or ()}
    for s in specs:
        named = [*s.cases, *((s.example.case,) if s.example else ())]
        unknown = [c for c in named if c not in ids]
        if unknown and ids:
            raise InputError(
                f"cases.toml: claim {s.id} names unknown cases "
                f"{', '.join(unknown)}: add them or fix the ids"
            )
    return specs


def sections(manifest: Mapping[str, Any]) -> dict[str, str]:
    """Case id → article section (for ``analysis.escape_cost.cost_records``)."""
    return {str(c.get("id")): str(c.get("section") or "") for c in manifest.get("case") or ()}


@dataclass(frozen=True)
class CaseInfo:
    """What the judge needs of a ``[[case]]``: its kind, subject and each variant's functions."""

    id: str
    pair_kind: str = "heap-stack"
    var: str = ""
    escape_funcs: tuple[str, ...] = ()
    noescape_funcs: tuple[str, ...] = ()


def case_infos(manifest: Mapping[str, Any]) -> dict[str, CaseInfo]:
    """Case id → :class:`CaseInfo`."""
    out = {}
    for c in manifest.get("case") or ():
        subject = c.get("escape_subject") or {}
        cid = str(c.get("id"))
        out[cid] = CaseInfo(
            cid,
            str(c.get("pair_kind") or "heap-stack"),
            str(subject.get("var") or ""),
            _strs(c.get("escape_funcs")),
            _strs(c.get("noescape_funcs")),
        )
    return out


def payload(report: Any) -> Mapping[str, Any]:
    """An escape.json payload from a dict or anything with ``to_json()`` (a VerifyReport)."""
    if isinstance(report, Mapping):
        return report
    to_json = getattr(report, "to_json", None)
    if callable(to_json):
        return to_json()
    raise TypeError(f"not an escape.json payload: {type(report).__name__}")


def payloads(reports: Sequence[Any]) -> list[Mapping[str, Any]]:
    return [payload(r) for r in reports]
