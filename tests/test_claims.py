"""analysis.claims: the ledger judges the article's own examples with the real compilers.

The first half compiles go_cases with the oldest and newest supported Go
(``bench.evidence.gather``: diagnostics plus a short allocation count) and
asserts, claim by claim, the verdict the compiler's output implies for the
article's example as written. The second half checks the rules on small
synthetic inputs: printed text, ``inconclusive`` from a non-significant test
(never ``does not hold``), combining, rendering.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from analysis.claims import judge, render, spec
from analysis.claims.judge import DEPENDS, HOLDS, INCONCLUSIVE, NA, NOT
from analysis.claims.ledger import ClaimRow, ledger, overall_phrase
from bench import evidence
from bench.errors import InputError
from bench.model import Name, Result, Value
from bench.toolchain import Toolchain
from bench.vocab import manifest

# --- the real compilers on the article's examples ----------------------------------------


def _rows(tc: Toolchain) -> dict[str, ClaimRow]:
    ev = evidence.gather([tc])
    return {r.id: r for r in ledger(ev.manifest, ev.reports, ev.results)}


@pytest.fixture(scope="module")
def old_rows(go_old: Toolchain) -> dict[str, ClaimRow]:
    return _rows(go_old)


@pytest.fixture(scope="module")
def new_rows(go_new: Toolchain) -> dict[str, ClaimRow]:
    return _rows(go_new)


def _v(rows: dict[str, ClaimRow], cid: str) -> judge.Verdict:
    (v,) = rows[cid].verdicts
    return v


# claim id -> (verdict on Go 1.21.13, verdict on Go 1.27.3), as the compilers' output implies
ARTICLE_EXAMPLES = {
    # section 4, printed lines: judged on the text
    "4-printed-newInt": (HOLDS, HOLDS),  # both print exactly "moved to heap: i"
    "4-printed-escapeInterface": (NOT, NOT),  # "val escapes to heap": no function name
    "4-printed-largeArray": (NOT, NOT),  # nothing on 1.21, "moved to heap: arr" on 1.27
    "4-noEscapeString-silent": (HOLDS, HOLDS),  # no escape line for noEscapeString
    # section 4, what the lines mean, on the article's functions
    "4-newInt-meaning": (HOLDS, HOLDS),
    "4-escapeInterface-meaning": (DEPENDS, DEPENDS),  # escapeInterface(200) allocates nothing
    "4-largeArray-meaning": (NOT, HOLDS),  # 10 MiB limit before 1.24, 128 KiB after
    "3.6-big-struct": (NOT, HOLDS),  # the article's createBigStruct, same limits
    "3.1-return-local-pointer": (HOLDS, HOLDS),  # the article's newInt
    # 3.4: the article's slice functions all return their slice
    "3.4-zero-cap-may-be-stack": (DEPENDS, DEPENDS),
    "3.4-small-fixed-make": (DEPENDS, DEPENDS),
    "3.4-prealloc-large-may-escape": (DEPENDS, DEPENDS),
    # 3.5: name := "Golang"; printInterface(name): 16 B before 1.25, static data from 1.25
    "3.5-print-interface": (HOLDS, DEPENDS),
    # 6.1: the article's processUser only reads u.Name
    "6.1-pointer-param-escapes": (DEPENDS, DEPENDS),
    "6.1-value-avoids-escape": (DEPENDS, DEPENDS),
    "6.1-value-param-stack": (HOLDS, HOLDS),
}


@pytest.mark.toolchain
@pytest.mark.parametrize("cid", sorted(ARTICLE_EXAMPLES))
def test_article_example_verdicts(cid: str, old_rows, new_rows) -> None:
    old, new = ARTICLE_EXAMPLES[cid]
    assert (_v(old_rows, cid).verdict, _v(new_rows, cid).verdict) == (old, new), (
        _v(old_rows, cid).reason,
        _v(new_rows, cid).reason,
    )


@pytest.mark.toolchain
def test_printed_lines_quote_the_compiler(old_rows, new_rows) -> None:
    ei_old, ei_new = (
        _v(old_rows, "4-printed-escapeInterface"),
        _v(new_rows, "4-printed-escapeInterface"),
    )
    assert ei_old.printed == ei_new.printed == ("val escapes to heap",)
    assert "not 'escapeInterface val escapes to heap'" in ei_new.reason
    la_old, la_new = _v(old_rows, "4-printed-largeArray"), _v(new_rows, "4-printed-largeArray")
    assert la_old.printed == () and "prints nothing for largeArray" in la_old.reason
    assert la_new.printed == ("moved to heap: arr",)
    assert _v(new_rows, "4-printed-newInt").printed == ("moved to heap: i",)


@pytest.mark.toolchain
def test_examples_are_judged_first_and_named(old_rows, new_rows) -> None:
    v = _v(new_rows, "6.1-pointer-param-escapes")
    assert v.example is not None and v.example.case == "ArticleProcessUser"
    assert v.example.verdict == NOT and v.example.escaped is False
    assert [c.verdict for c in v.cases] == [HOLDS]  # LeakingPointerParam: the callee keeps it
    assert "the article's processUser: 'u does not escape'" in v.reason  # the compiler's words
    assert "LeakingPointerParam: 'moved to heap: u'" in v.reason
    p_old, p_new = _v(old_rows, "3.5-print-interface"), _v(new_rows, "3.5-print-interface")
    assert p_old.example.escaped is True and p_old.example.allocs_escape == 1
    assert p_new.example.escaped is False and p_new.example.allocs_escape == 0
    assert "'\"Golang\" escapes to heap'" in p_new.reason
    e = _v(new_rows, "4-escapeInterface-meaning")
    assert e.example.verdict == NOT and "nothing extra is allocated" in e.example.reason


@pytest.mark.toolchain
def test_two_versions_in_one_ledger(go_old: Toolchain, go_new: Toolchain) -> None:
    ev = evidence.gather([go_new, go_old])
    rows = {r.id: r for r in ledger(ev.manifest, ev.reports, ev.results)}
    big = rows["3.6-big-struct"]
    assert [v.go for v in big.verdicts] == [go_old.version, go_new.version]  # sorted
    assert overall_phrase(big) == "depends on the Go version: does not hold on 1.21; holds on 1.27"
    for r in rows.values():  # no stored runs: no timing claim can be negative
        if r.claim.kind == manifest.COST:
            assert all(v.verdict != NOT or "ns/op" not in r.claim.metrics for v in r.verdicts)


# --- the rules on synthetic inputs --------------------------------------------------------

MANIFEST = {
    "case": [
        {
            "id": "Esc",
            "escape_subject": {"var": "x"},
            "escape_funcs": ["esc"],
            "noescape_funcs": ["keep"],
        },
        {
            "id": "Still",
            "escape_subject": {"var": "y"},
            "escape_funcs": ["still"],
            "noescape_funcs": ["keep2"],
        },
    ],
    "claim": [
        {
            "id": "printed-ok",
            "kind": "compiler-output",
            "printed": "./a.go:3:2: moved to heap: x",
            "example": {"case": "Esc", "func": "esc"},
        },
        {
            "id": "printed-prefix",
            "kind": "compiler-output",
            "printed": "esc x escapes to heap",
            "example": {"case": "Esc", "func": "esc"},
        },
        {
            "id": "silent",
            "kind": "compiler-output",
            "silent": True,
            "example": {"case": "Still", "func": "still"},
        },
        {"id": "time", "kind": "cost", "cases": ["Esc"], "metrics": ["ns/op"]},
        {"id": "gc", "kind": "cost", "cases": ["Esc"], "metrics": ["gc-cpu-ns/op"]},
        {
            "id": "needs",
            "kind": "cost",
            "cases": ["Still"],
            "metrics": ["ns/op"],
            "needs_escape": True,
        },
        {
            "id": "ex",
            "kind": "escape",
            "cases": ["Esc"],
            "condition": "the value",
            "example": {"case": "Still", "func": "still", "var": "y"},
        },
        {"id": "https", "kind": "out-of-scope"},
    ],
}


def _payload() -> dict:
    return {
        "go": "go1.27.3",
        "pairs": [
            {
                "case": "Esc",
                "escape_fate": "heap",
                "noescape_fate": "stack",
                "allocs_escape": 1.0,
                "allocs_noescape": 0.0,
                "escaped": True,
                "evidence": ["a.go:3:2: moved to heap: x"],
            },
            {
                "case": "Still",
                "escape_fate": "heap",
                "noescape_fate": "stack",
                "allocs_escape": 0.0,
                "allocs_noescape": 0.0,
                "escaped": False,
            },
        ],
        "diagnostics": [
            {"func": "esc", "kind": "moved-to-heap", "subject": "x", "message": "moved to heap: x"},
            {
                "func": "still",
                "kind": "escapes-to-heap",
                "subject": "y",
                "message": "y escapes to heap",
            },
        ],
    }


@dataclass(frozen=True)
class FakeCost:
    """The fields of ``analysis.escape_cost.CostRecord`` the ledger reads (contract §1)."""

    case: str
    verdict: str
    ratio: float
    ci_low: float
    ci_high: float
    significant: bool
    n_rounds: int = 3
    p_adjusted: float = 0.4
    gogc: str = "100"


def _ledger(
    cost: FakeCost | None = None, results: list[Result] | None = None
) -> dict[str, ClaimRow]:
    costs = {"go1.27.3": [cost]} if cost else {"go1.27.3": []}
    rows = ledger(MANIFEST, [_payload()], {"go1.27.3": results or []}, costs=costs)  # type: ignore[dict-item]
    return {r.id: r for r in rows}


def test_printed_text_rules() -> None:
    rows = _ledger()
    assert _v(rows, "printed-ok").verdict == HOLDS  # position aside, the same message
    pre = _v(rows, "printed-prefix")
    assert pre.verdict == NOT and pre.printed == ("moved to heap: x",)
    assert pre.reason == "prints 'moved to heap: x' for esc, not 'esc x escapes to heap'"
    silent = _v(rows, "silent")
    assert silent.verdict == NOT and "prints 'y escapes to heap' for still" in silent.reason
    assert _v(rows, "https").verdict == NA


@pytest.mark.parametrize(
    ("verdict", "ratio", "lo", "hi", "sig", "want"),
    [
        ("slower", 1.5, 1.3, 1.7, True, HOLDS),
        ("faster", 0.8, 0.7, 0.9, True, NOT),
        ("inconclusive", 1.1, 0.9, 1.3, False, INCONCLUSIVE),  # straddles ×1
        ("inconclusive", 1.4, 1.2, 1.6, True, INCONCLUSIVE),  # too few rounds
    ],
)
def test_time_claims_come_from_escape_cost(verdict, ratio, lo, hi, sig, want) -> None:
    v = _v(_ledger(FakeCost("Esc", verdict, ratio, lo, hi, sig)), "time")
    assert v.verdict == want
    assert v.cases[0].ratio == ratio and v.cases[0].significant is sig
    if want == INCONCLUSIVE:
        assert "inconclusive" in v.reason


def _gc(variant: str, value: float) -> Result:
    name = Name(full=f"Esc/variant={variant}-2", base="Esc", parts=(f"/variant={variant}", "-2"))
    return Result(name=name, iters=100, values=(Value(value, "gc-cpu-sec/op"),))


def test_non_significant_gc_difference_is_inconclusive_not_negative() -> None:
    few = [_gc("escape", 2e-9), _gc("escape", 1e-9), _gc("noescape", 1.5e-9)]
    v = _v(_ledger(results=few), "gc")
    assert v.verdict == INCONCLUSIVE and "not significant" in v.reason
    many = [_gc("escape", 5e-9 + i * 1e-11) for i in range(8)] + [
        _gc("noescape", 1e-9 + i * 1e-11) for i in range(8)
    ]
    assert _v(_ledger(results=many), "gc").verdict == HOLDS


def test_cost_of_a_pair_that_did_not_escape_is_not_evidence() -> None:
    v = _v(_ledger(FakeCost("Still", "slower", 1.5, 1.3, 1.7, True)), "needs")
    assert v.verdict == NA and "no escape on this version" in v.reason


def test_example_disagreeing_with_general_cases_is_depends() -> None:
    v = _v(_ledger(), "ex")
    assert v.verdict == DEPENDS
    assert v.example.verdict == NOT  # 'escapes to heap' but nothing allocated
    assert v.reason.startswith(
        "on the value: the article's still: the compiler says "
        "'y escapes to heap' but nothing extra is allocated"
    )
    assert "Esc: 'moved to heap: x'" in v.reason


@pytest.mark.parametrize(
    ("vs", "want"),
    [
        ([HOLDS, HOLDS], HOLDS),
        ([NOT, NOT], NOT),
        ([HOLDS, NOT], DEPENDS),
        ([INCONCLUSIVE, INCONCLUSIVE], INCONCLUSIVE),
        ([HOLDS, INCONCLUSIVE], HOLDS),
        ([NOT, INCONCLUSIVE], NOT),
        ([NA], NA),
        ([], NA),
    ],
)
def test_combine(vs: list[str], want: str) -> None:
    assert judge.combine(vs) == want


def test_render_one_line_per_claim_and_version() -> None:
    rows = list(_ledger().values())
    text = render.render(rows, "text")
    assert sum(1 for ln in text.splitlines() if ln.startswith("  go1.27.3")) == len(rows)
    assert "compiler:" not in text
    verbose = render.render(rows, "text", verbose=True)
    assert "compiler: moved to heap: x" in verbose or "compiler: a.go" in verbose
    md = render.render(rows, "markdown")
    assert "| Go | Verdict | Reason |" in md and "**does not hold**" in md
    data = json.loads(render.render(rows, "json"))
    ex = next(d for d in data if d["id"] == "ex")
    assert ex["example"]["case"] == "Still" and ex["verdicts"][0]["example"]["verdict"] == NOT
    grid = render.grid(rows, href=lambda cid: f"#{cid}")
    assert [c[0].text for c in grid.head][-2:] == ["go1.27.3", "Overall"]
    body = render.page(rows)  # the ledger page: grid linking to each claim's evidence
    links = [c[0] for r in body[1].rows for c in r[:1]]
    heads = {b.anchor for b in body if getattr(b, "level", 0) == 3}
    assert {link.href.lstrip("#") for link in links} == heads
    assert render.anchor("6.1-pointer-param-escapes") == "claim-6-1-pointer-param-escapes"
    with pytest.raises(InputError, match="--format xml"):
        render.render(rows, "xml")


@pytest.mark.parametrize(
    ("table", "match"),
    [
        ({"id": "x", "kind": "guess"}, "kind 'guess'"),
        ({"id": "x", "example": {"func": "f"}}, "example must be a table with a case"),
        ({"id": "x", "example": {"case": "Esc", "variant": "both"}}, "example variant"),
        ({"kind": "escape"}, "has no id"),
    ],
)
def test_malformed_claims(table: dict, match: str) -> None:
    with pytest.raises(InputError, match=match):
        spec.claim_spec(table)


def test_unknown_case_in_a_claim() -> None:
    with pytest.raises(InputError, match="unknown cases Nope"):
        spec.claim_specs({"case": [{"id": "Esc"}], "claim": [{"id": "c", "cases": ["Nope"]}]})


def test_pair_escaped_on_the_committed_results() -> None:
    """Payloads written before ``escaped`` existed get the same rule (fate heap, more allocs)."""
    root = Path(__file__).resolve().parent.parent / "results" / "published"
    payloads = {
        p.parent.parent.name: json.loads(p.read_text())
        for p in sorted(root.glob("*/go*/*/escape.json"))
    }
    assert {"go1.21.13", "go1.27.3"} <= set(payloads)

    def escaped(go: str, case: str) -> bool | None:
        pair = next(p for p in payloads[go]["pairs"] if p["case"] == case)
        return judge.pair_escaped({k: v for k, v in pair.items() if k != "escaped"})

    assert escaped("go1.21.13", "BigStruct") is False  # 1 MiB fits the 10 MiB limit
    assert escaped("go1.27.3", "BigStruct") is True
    assert escaped("go1.21.13", "MakeNonConstLenSmall") is True
    assert escaped("go1.27.3", "MakeNonConstLenSmall") is False  # 32-byte stack buffer
    assert escaped("go1.27.3", "BoxSmallInt") is False  # 'escapes to heap', 0 allocations
    assert escaped("go1.27.3", "LargeStructParam") is False  # a copy pair
    assert judge.pair_escaped({"escape_fate": "heap"}) is None  # unmeasured
