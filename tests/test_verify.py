"""bench.verify: annotation grammar, pair logic on synthetic data, the real compiler on
tests/data/wrong_module (deliberately wrong annotations) and on go_cases."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import cases, diagnostics, store, verify
from bench.annotation import Annotation, AnnotationError, Clause, parse_annotation
from bench.diagnostics import Comment, Diagnostic, FuncSpan, Outline, PackageDiagnostics
from bench.errors import InputError
from bench.escape_json import VerifyReport, load_escape_json
from bench.model import Name, Result, Value
from bench.vocab.manifest import Case

DATA = Path(__file__).resolve().parent / "data"
WRONG = DATA / "wrong_module"
GO_CASES = DATA.parent.parent / "go_cases"


# --------------------------------------------------------------------------
# Grammar.


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("// escape:heap", [Clause("heap")]),
        ("// escape:stack", [Clause("stack")]),
        ("//escape:heap", [Clause("heap")]),
        ("//   escape:heap   ", [Clause("heap")]),
        ("// escape:heap go>=1.24", [Clause("heap", ">=", (1, 24))]),
        ("// escape:heap go<1.25", [Clause("heap", "<", (1, 25))]),
        ("// escape:heap go>1.22", [Clause("heap", ">", (1, 22))]),
        ("// escape:heap go<=1.22.3", [Clause("heap", "<=", (1, 22, 3))]),
        ("// escape:stack go==1.21", [Clause("stack", "==", (1, 21))]),
        (
            "// escape:stack go<1.24; escape:heap go>=1.24",
            [Clause("stack", "<", (1, 24)), Clause("heap", ">=", (1, 24))],
        ),
        (
            "// escape:stack go<1.24 ;escape:heap go>=1.24",
            [Clause("stack", "<", (1, 24)), Clause("heap", ">=", (1, 24))],
        ),
    ],
)
def test_parse_annotation(text: str, want: list[Clause]) -> None:
    assert list(parse_annotation(text, "a.go:3")) == want


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("// escape:", "neither"),
        ("// escape:heaps", "neither"),
        ("// escape: heap", "neither"),
        ("// escape:Heap", "neither"),
        ("// escape:heap;", "empty clause"),
        ("// escape:heap;; escape:stack", "empty clause"),
        ("// escape:heap go>1", "condition"),
        ("// escape:heap go=1.24", "condition"),
        ("// escape:heap go>=1.24x", "condition"),
        ("// escape:heap go >= 1.24", "condition"),
        ("// escape:heap go>=1.24 go<1.26", "condition"),
        ("// escape:heap if go>=1.24", "condition"),
        ("// escape:heap (x is returned)", "condition"),
        ("// escape:heap; stack", "does not start with"),
    ],
)
def test_parse_annotation_malformed(text: str, why: str) -> None:
    with pytest.raises(AnnotationError) as err:
        parse_annotation(text, "cases/x.go:12")
    msg = str(err.value)
    assert msg.startswith("cases/x.go:12: malformed annotation")
    assert why in msg
    assert "escape:heap" in msg  # says how to write it


@pytest.mark.parametrize(
    ("cond", "go", "applies"),
    [
        ("", "go1.21.13", True),
        ("go>=1.24", "go1.24.0", True),
        ("go>=1.24", "go1.23.12", False),
        ("go<1.24", "go1.23.12", True),
        ("go<1.24", "go1.24.1", False),
        ("go>1.24", "go1.24.11", False),  # compared at the written precision: 1.24 == 1.24
        ("go>1.24", "go1.25.0", True),
        ("go<=1.24", "go1.24.11", True),
        ("go==1.24", "go1.24.11", True),
        ("go==1.24.3", "go1.24.11", False),
        ("go>=1.24.3", "go1.24.11", True),
        ("go>=1.27", "go1.27rc1", True),
    ],
)
def test_clause_applies(cond: str, go: str, applies: bool) -> None:
    (clause,) = parse_annotation(f"// escape:heap {cond}".strip())
    assert clause.applies(go) is applies
    assert clause.condition == cond


def test_select_and_conflict() -> None:
    ann = Annotation(
        "a.go",
        7,
        "// escape:stack go<1.24; escape:heap go>=1.24",
        parse_annotation("escape:stack go<1.24; escape:heap go>=1.24"),
    )
    assert ann.select("go1.21.13").expect == "stack"
    assert ann.select("go1.27.3").expect == "heap"
    only_new = Annotation(
        "a.go", 8, "// escape:heap go>=1.30", parse_annotation("escape:heap go>=1.30")
    )
    assert only_new.select("go1.27.3") is None
    both = Annotation(
        "a.go",
        9,
        "// escape:heap; escape:stack go>=1.25",
        parse_annotation("escape:heap; escape:stack go>=1.25"),
    )
    assert both.select("go1.24.1").expect == "heap"
    with pytest.raises(AnnotationError, match=r"^a\.go:9: .*both heap and stack for go1\.26"):
        both.select("go1.26.6")


# --------------------------------------------------------------------------
# Pure checking on synthetic data.

SRC = """package p

func good() *int {
	w := 1 // escape:heap
	return &w
}

func value() int {
	// escape:stack
	v := 1
	return v
}

func boxed(n int) any {
	return n // escape:heap
}

func wrong() int {
	x := 1 // escape:heap
	return x
}
"""

MANIFEST = """
[[case]]
id = "Good"
escape_subject = { func = "good", var = "w" }
escape_funcs = ["good"]
noescape_funcs = ["value"]

[[case]]
id = "Boxed"
escape_subject = { func = "boxed", var = "n" }
escape_funcs = ["boxed"]
noescape_funcs = ["value"]

[[case]]
id = "Wrong"
escape_subject = { func = "wrong", var = "x" }
escape_funcs = ["wrong"]
noescape_funcs = ["value"]

[[case]]
id = "Unannotated"
escape_funcs = ["nowhere"]
noescape_funcs = ["value"]
"""


def _module(tmp_path: Path) -> cases.Module:
    (tmp_path / "go.mod").write_text("module p\n\ngo 1.21\n")
    (tmp_path / "p.go").write_text(SRC)
    (tmp_path / "cases.toml").write_text(MANIFEST)
    return cases.load_module(tmp_path)


def _pd(go: str = "go1.27.3") -> PackageDiagnostics:
    mk = lambda ln, c, m: Diagnostic("p.go", ln, c, *diagnostics.classify(m), m)  # noqa: E731
    diags = [
        mk(4, 2, "moved to heap: w"),
        mk(15, 9, "n escapes to heap"),
        mk(14, 12, "n does not escape"),
    ]
    outline = Outline(
        funcs=(
            FuncSpan("p.go", "good", 3, 1, 6, 2),
            FuncSpan("p.go", "value", 8, 1, 12, 2),
            FuncSpan("p.go", "boxed", 14, 1, 16, 2),
            FuncSpan("p.go", "wrong", 18, 1, 21, 2),
        ),
        comments=(
            Comment("p.go", 4, 9, "// escape:heap"),
            Comment("p.go", 9, 2, "// escape:stack"),
            Comment("p.go", 15, 11, "// escape:heap"),
            Comment("p.go", 19, 9, "// escape:heap"),
        ),
    )
    return PackageDiagnostics(
        go=go,
        package=".",
        files=("p.go",),
        diagnostics=tuple(diagnostics.attribute(diags, outline)),
        outline=outline,
        output="",
    )


def _result(case: str, variant: str, allocs: float, ns: float = 10.0) -> Result:
    return Result(
        name=Name(
            full=f"{case}/variant={variant}-8", base=case, parts=(f"/variant={variant}", "-8")
        ),
        iters=1000,
        values=(Value(ns * 1e-9, "sec/op", ns, "ns/op"), Value(allocs, "allocs/op")),
    )


def test_check_annotations_standalone_and_evidence(tmp_path: Path) -> None:
    rep = verify.check(_pd(), _module(tmp_path))
    got = {(a.line, a.expect): a for a in rep.annotations}
    assert set(got) == {(4, "heap"), (10, "stack"), (15, "heap"), (19, "heap")}
    assert got[(10, "stack")].func == "value"  # the comment on line 9 annotates line 10
    assert got[(4, "heap")].evidence == ("p.go:4:2: moved to heap: w",)
    assert got[(19, "heap")].holds is False and got[(19, "heap")].evidence == ()
    assert rep.ok is False and [a.line for a in rep.failures] == [19]


def test_check_pairs_unmeasured_and_measured(tmp_path: Path) -> None:
    module = _module(tmp_path)
    rep = verify.check(_pd(), module)
    by = {p.case: p for p in rep.pairs}
    assert by["Good"].status == "unmeasured" and by["Good"].compiler_holds
    assert by["Good"].escaped is None  # unmeasured: unknown, not "no"
    assert by["Good"].evidence == ("p.go:4:2: moved to heap: w",)
    assert by["Wrong"].status == "finding" and not by["Wrong"].compiler_holds
    assert by["Wrong"].finding == (
        "go1.27.3: the compiler keeps x on the stack (no heap diagnostic at p.go:19)"
    )
    assert by["Unannotated"].finding.startswith("go1.27.3: no escape: annotation in nowhere")

    results = [
        _result("Good", "escape", 1),
        _result("Good", "escape", 1),
        _result("Good", "noescape", 0),
        _result("Boxed", "escape", 0),
        _result("Boxed", "noescape", 0),
        _result("Wrong", "escape", 0),
        _result("Wrong", "noescape", 0),
    ]
    rep = verify.check(_pd(), module, results)
    by = {p.case: p for p in rep.pairs}
    assert (
        by["Good"].status,
        by["Good"].allocs_escape,
        by["Good"].allocs_noescape,
        by["Good"].allocs_hold,
    ) == ("verified", 1.0, 0.0, True)
    # escaped needs both witnesses: a heap diagnostic and an extra allocation
    assert by["Good"].escaped is True and by["Good"].to_json()["escaped"] is True
    assert by["Boxed"].escaped is False  # 'escapes to heap', 0 allocations
    assert by["Wrong"].escaped is False  # no heap diagnostic
    boxed = by["Boxed"]
    assert boxed.status == "finding" and boxed.compiler_holds and boxed.allocs_hold is False
    assert boxed.finding.startswith(
        "go1.27.3: compiler says 'n escapes to heap' but allocs/op is 0 in both"
    )
    assert "runtime.staticuint64s" in boxed.finding
    assert by["Wrong"].finding.endswith("; allocs/op 0 in both")


KINDS_MANIFEST = """
[[case]]
id = "ByVersion"
escape_subject = { func = "good", var = "w" }
expected = "heap"
expected_by_go = "escape:stack go<1.24; escape:heap go>=1.24"
escape_funcs = ["good"]
noescape_funcs = ["value"]

[[case]]
id = "Count"
escape_subject = { func = "good", var = "w" }
expected = "heap"
pair_kind = "alloc-count"
escape_funcs = ["good"]
noescape_funcs = ["good"]

[[case]]
id = "Size"
escape_subject = { func = "good", var = "w" }
pair_kind = "alloc-size"
escape_funcs = ["good"]
noescape_funcs = ["value"]

[[case]]
id = "Copy"
escape_subject = { func = "value", var = "v" }
expected = "stack"
pair_kind = "copy"
escape_funcs = ["value"]
noescape_funcs = ["value"]
"""


def _bytes(case: str, variant: str, allocs: float, nbytes: float) -> Result:
    r = _result(case, variant, allocs)
    return Result(r.name, r.iters, (*r.values, Value(nbytes, "B/op")))


def test_pair_kinds_and_expected_by_go(tmp_path: Path) -> None:
    module = _module(tmp_path)
    (tmp_path / "cases.toml").write_text(KINDS_MANIFEST)
    module = cases.load_module(tmp_path)
    results = [
        _bytes("ByVersion", "escape", 1, 8),
        _bytes("ByVersion", "noescape", 0, 0),
        _bytes("Count", "escape", 12, 25000),
        _bytes("Count", "noescape", 1, 8192),
        _bytes("Size", "escape", 1, 6144),
        _bytes("Size", "noescape", 1, 4096),
        _bytes("Copy", "escape", 0, 0),
        _bytes("Copy", "noescape", 0, 0),
    ]
    new = {p.case: p for p in verify.check(_pd("go1.27.3"), module, results).pairs}
    assert new["ByVersion"].expected == "heap" and new["ByVersion"].status == "verified"
    # The noescape variant shares the escaping function: fine for alloc-count.
    assert new["Count"].status == "verified" and new["Count"].noescape_fate == "heap"
    assert (new["Size"].status, new["Size"].bytes_escape, new["Size"].bytes_noescape) == (
        "verified",
        6144,
        4096,
    )
    assert new["Copy"].status == "verified" and new["Copy"].escape_fate == "stack"
    # On Go 1.21 expected_by_go says stack, but the (synthetic) compiler says heap.
    old = {p.case: p for p in verify.check(_pd("go1.21.13"), module, results).pairs}
    assert old["ByVersion"].expected == "stack" and old["ByVersion"].status == "finding"
    assert (
        "the compiler puts w on the heap ('p.go:4:2: moved to heap: w')" in old["ByVersion"].finding
    )
    flipped = [
        _bytes("Size", "escape", 2, 6144),
        _bytes("Size", "noescape", 1, 4096),
        _bytes("Copy", "escape", 1, 8),
        _bytes("Copy", "noescape", 0, 0),
    ]
    bad = {p.case: p for p in verify.check(_pd(), module, flipped).pairs}
    assert bad["Size"].finding == (
        "go1.27.3: the variants should differ only in B/op, but "
        "allocs/op is 2 (escape) vs 1 (noescape) and B/op is 6144 "
        "(escape) vs 4096 (noescape)"
    )
    assert bad["Copy"].finding.startswith("go1.27.3: a copy pair should allocate the same")


def test_unknown_pair_kind(tmp_path: Path) -> None:
    _module(tmp_path)
    (tmp_path / "cases.toml").write_text(KINDS_MANIFEST.replace('"alloc-count"', '"alloc-cnt"'))
    with pytest.raises(InputError, match=r"case Count: unknown pair_kind 'alloc-cnt'"):
        verify.check(_pd(), cases.load_module(tmp_path))


def test_bad_expected_by_go_names_the_manifest(tmp_path: Path) -> None:
    module = _module(tmp_path)
    (tmp_path / "cases.toml").write_text(
        KINDS_MANIFEST.replace("escape:stack go<1.24; escape:heap go>=1.24", "escape:stak")
    )
    module = cases.load_module(tmp_path)
    with pytest.raises(AnnotationError, match=r"case ByVersion expected_by_go: malformed"):
        verify.check(_pd(), module)


def test_results_of_another_toolchain_are_ignored() -> None:
    r = _result("Good", "escape", 1)
    tagged = Result(r.name, r.iters, r.values, config=(("go-version", "go1.21.13"),))
    assert verify.allocs_median([tagged], "Good", "escape", "go1.27.3") is None
    assert verify.allocs_median([tagged], "Good", "escape", "go1.21.13") == 1.0


def test_malformed_annotations_are_all_reported(tmp_path: Path) -> None:
    module = _module(tmp_path)
    pd = _pd()
    bad = Outline(
        funcs=pd.outline.funcs,
        comments=(
            Comment("p.go", 4, 9, "// escape:hep"),
            Comment("p.go", 15, 11, "// escape:heap go>1"),
        ),
    )
    pd = PackageDiagnostics(pd.go, pd.package, pd.files, pd.diagnostics, bad, "")
    with pytest.raises(AnnotationError) as err:
        verify.check(pd, module)
    assert "p.go:4: malformed" in str(err.value) and "p.go:15: malformed" in str(err.value)


def test_json_round_trip_and_store(tmp_path: Path) -> None:
    rep = verify.check(
        _pd(), _module(tmp_path), [_result("Good", "escape", 1), _result("Good", "noescape", 0)]
    )
    store.write_json(tmp_path / "escape.json", rep.to_json())
    raw = json.loads((tmp_path / "escape.json").read_text())
    assert raw["schema"] == store.SCHEMA and raw["go"] == "go1.27.3"
    assert set(raw) >= {"go", "module", "annotations", "pairs", "diagnostics"}
    assert set(raw["annotations"][0]) >= {
        "file",
        "line",
        "expect",
        "go",
        "holds",
        "evidence",
        "condition",
    }
    assert set(raw["pairs"][0]) >= {
        "case",
        "go",
        "compiler_holds",
        "allocs_escape",
        "allocs_noescape",
        "allocs_hold",
        "status",
        "finding",
    }
    back = load_escape_json(tmp_path / "escape.json")
    assert back == rep  # diagnostics are compared=False; annotations and pairs identical
    assert [str(d) for d in back.diagnostics] == [str(d) for d in rep.diagnostics]


def test_render_text_and_json(tmp_path: Path) -> None:
    rep = verify.check(_pd(), _module(tmp_path))
    text = verify.render([rep])
    assert text.splitlines()[1].split() == ["pair", "verdict", "escaped", "evidence"]
    assert "Wrong" in text and "p.go:19 escape:heap does not hold" in text
    records = json.loads(verify.render([rep, rep], "json"))
    assert len(records) == 2 * len(rep.annotations)
    assert {"file", "line", "expect", "go", "holds", "evidence"} <= set(records[0])
    with pytest.raises(InputError):
        verify.render([rep], "xml")


# --------------------------------------------------------------------------
# Real compiler on the deliberately wrong module, once per toolchain.


@pytest.fixture(scope="module")
def wrong_reports(go_old, go_new) -> dict[str, VerifyReport]:
    module = cases.load_module(WRONG)
    return {tc.version: verify.verify(tc, module) for tc in (go_old, go_new)}


@pytest.mark.toolchain
def test_wrong_module_every_wrong_annotation_fails_with_evidence(wrong_reports) -> None:
    for go, rep in wrong_reports.items():
        got = {a.line: a for a in rep.annotations}
        assert all(a.file == "wrong.go" for a in rep.annotations), go  # future.go not built
        # heap where the compiler keeps x on the stack: nothing on that line.
        assert (got[15].expect, got[15].holds, got[15].evidence) == ("heap", False, ())
        # stack where y escapes.
        assert (got[24].expect, got[24].holds) == ("stack", False)
        assert got[24].evidence == ("wrong.go:24:2: moved to heap: y",)
        # the condition selects the stack clause, but z escapes.
        assert (got[33].expect, got[33].condition, got[33].holds) == ("stack", "go>=1.21", False)
        assert got[33].evidence == ("wrong.go:33:2: moved to heap: z",)
        # the right ones hold, including the standalone one (annotates line 66).
        assert got[41].holds and got[49].holds and got[58].holds and got[66].holds
        assert got[58].evidence == ("wrong.go:58:9: n escapes to heap",)
        assert got[66].func == "standalone"
        assert not rep.ok and sorted(a.line for a in rep.failures) == [15, 24, 33]


@pytest.mark.toolchain
def test_wrong_module_pairs(wrong_reports) -> None:
    for go, rep in wrong_reports.items():
        by = {p.case: p for p in rep.pairs}
        assert by["Good"].compiler_holds and by["Good"].status == "unmeasured"
        assert by["Boxed"].compiler_holds
        for bad in ("WrongHeap", "Versioned", "LeakyNoescape"):
            assert not by[bad].compiler_holds and by[bad].status == "finding", bad
            assert by[bad].finding.startswith(f"{go}: ")
        assert "keeps x on the stack" in by["WrongHeap"].finding
        assert (
            "escape:stack go>=1.21 does not hold (wrong.go:33:2: moved to heap: z)"
            in by["Versioned"].finding
        )
        assert "wrong.go:24 escape:stack does not hold" in by["LeakyNoescape"].finding


@pytest.mark.toolchain
def test_wrong_module_with_measurements(go_new) -> None:
    module = cases.load_module(WRONG)
    results = [
        _result("Good", "escape", 1),
        _result("Good", "noescape", 0),
        _result("Boxed", "escape", 0),
        _result("Boxed", "noescape", 0),
    ]
    by = {p.case: p for p in verify.verify(go_new, module, results).pairs}
    assert by["Good"].status == "verified"
    assert by["Boxed"].status == "finding" and "staticuint64s" in by["Boxed"].finding


@pytest.mark.toolchain
def test_go_cases_verify(go_new) -> None:
    """The real cases compile with -m and every pair gets a verdict (a subset of the run)."""
    if not (GO_CASES / "go.mod").is_file():
        pytest.skip("go_cases/ is not in this checkout")
    module = cases.load_module(GO_CASES)
    rep = verify.verify(go_new, module)
    assert rep.annotations, "go_cases carries no escape: annotations"
    assert all(a.file.startswith("cases/") for a in rep.annotations)
    assert {p.status for p in rep.pairs} <= {"verified", "finding", "unmeasured"}
    json.dumps(rep.to_json())


@pytest.mark.parametrize(
    ("by_go", "go", "want"),
    [
        ("escape:stack go<1.24; escape:heap go>=1.24", "go1.21.13", "stack"),
        ("escape:stack go<1.24; escape:heap go>=1.24", "go1.27.3", "heap"),
        ("stack go<1.24; heap go>=1.24", "go1.21.13", "stack"),  # prefix optional
        ("escape:heap go<1.25", "go1.27.3", "stack"),  # no clause applies: `expected`
        ("", "go1.27.3", "stack"),
    ],
)
def test_expected_for(by_go: str, go: str, want: str) -> None:
    case = Case(id="X", section="", title="", expected="stack", expected_by_go=by_go)
    assert verify.expected_for(case, go) == want
