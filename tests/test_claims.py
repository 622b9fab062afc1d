"""analysis.claims: the ledger over synthetic escape.json payloads.

The section-4 payloads carry the *real* diagnostics of the article's program
as captured from Go 1.21.13 and 1.27.3 (tests/data/diag/sec4.*.txt), attributed
with a hand-written outline, so the compiler-output claims are judged against
what those compilers print. Everything else is synthetic.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analysis import claims
from bench import cases, diagnostics
from bench.cases import Claim
from bench.diagnostics import FuncSpan, Outline
from bench.errors import InputError
from bench.model import Name, Result, Value

DIAG = Path(__file__).resolve().parent / "data" / "diag"

MANIFEST = """
[[case]]
id = "Sec4NewInt"
section = "4"
escape_subject = { func = "newInt", var = "i" }
escape_funcs = ["newInt"]

[[case]]
id = "Sec4EscapeInterface"
section = "4"
escape_subject = { func = "escapeInterface", var = "val" }
escape_funcs = ["escapeInterface"]

[[case]]
id = "Sec4LargeArray"
section = "4"
escape_subject = { func = "largeArray", var = "arr" }
escape_funcs = ["largeArray"]

[[case]]
id = "ReturnPointer"
section = "3.1"
escape_subject = { func = "newPoint", var = "p" }
escape_funcs = ["newPoint"]
noescape_funcs = ["makePoint"]

[[case]]
id = "BoxSmallInt"
section = "3.5"
escape_subject = { func = "box", var = "n" }
escape_funcs = ["box"]
noescape_funcs = ["keep"]

[[claim]]
id = "print-i"
section = "4"
quote = "the compiler prints `moved to heap: i`"
kind = "compiler-output"
printed = "./escape_example.go:9:6: moved to heap: i"
cases = ["Sec4NewInt"]

[[claim]]
id = "print-val"
section = "4"
quote = "the compiler prints `escapeInterface val escapes to heap`"
kind = "compiler-output"
printed = "./escape_example.go:21:9: escapeInterface val escapes to heap"
cases = ["Sec4EscapeInterface"]

[[claim]]
id = "print-arr"
section = "4"
quote = "the compiler prints `largeArray arr escapes to heap`"
kind = "compiler-output"
printed = "./escape_example.go:26:10: largeArray arr escapes to heap"
cases = ["Sec4LargeArray"]

[[claim]]
id = "return-pointer"
section = "3.1"
quote = "returning a local's address makes it escape to the heap"
kind = "escape"
cases = ["ReturnPointer"]

[[claim]]
id = "heap-slower"
section = "5"
quote = "heap allocation is much slower than stack allocation"
kind = "cost"
cases = ["ReturnPointer"]

[[claim]]
id = "interface-escapes"
section = "3.5"
quote = "a value assigned to an interface | usually <escapes> & allocates"
kind = "escape"
cases = ["BoxSmallInt", "NoSuchCase"]
"""

SEC4_FUNCS = (FuncSpan("cases/escape_example.go", "newInt", 9, 1, 12, 2),
              FuncSpan("cases/escape_example.go", "noEscapeString", 15, 1, 18, 2),
              FuncSpan("cases/escape_example.go", "escapeInterface", 21, 1, 23, 2),
              FuncSpan("cases/escape_example.go", "largeArray", 26, 1, 29, 2),
              FuncSpan("cases/escape_example.go", "Main", 31, 1, 41, 2))


def _manifest(tmp_path: Path) -> cases.Manifest:
    (tmp_path / "cases.toml").write_text(MANIFEST)
    return cases.load_manifest(tmp_path / "cases.toml")


def _pair(case: str, go: str, compiler_holds: bool, e: float | None = None,
          n: float | None = None, finding: str = "", evidence: tuple[str, ...] = ()) -> dict:
    hold = None if e is None or n is None else e > n
    status = ("finding" if not compiler_holds or hold is False else
              "unmeasured" if hold is None else "verified")
    return {"case": case, "go": go, "compiler_holds": compiler_holds, "allocs_escape": e,
            "allocs_noescape": n, "allocs_hold": hold, "status": status, "finding": finding,
            "evidence": list(evidence)}


def _payload(go: str) -> dict:
    """An escape.json as bench verify writes it, with sec-4 diagnostics from the capture."""
    diags = diagnostics.attribute(diagnostics.parse((DIAG / f"sec4.{go}.txt").read_text()),
                                  Outline(funcs=SEC4_FUNCS))
    pairs = [
        _pair("ReturnPointer", go, True, 1, 0,
              evidence=("cases/return_test.go:22:2: moved to heap: p",)),
        _pair("BoxSmallInt", go, True, 0, 0,
              finding=f"{go}: compiler says 'n escapes to heap' but allocs/op is 0 in both",
              evidence=("cases/iface_test.go:10:9: n escapes to heap",)),
    ]
    return {"schema": 1, "go": go, "module": "/m", "annotations": [], "pairs": pairs,
            "diagnostics": [d.to_json() for d in diags if d.kind in diagnostics.ESCAPE_KINDS]}


def _results(fast: float, slow: float) -> list[Result]:
    out = []
    for i in range(10):
        for variant, ns, allocs in (("escape", slow + i * 0.1, 1), ("noescape", fast + i * 0.1, 0)):
            name = Name(full=f"ReturnPointer/variant={variant}-8", base="ReturnPointer",
                        parts=(f"/variant={variant}", "-8"))
            out.append(Result(name=name, iters=1_000_000,
                              values=(Value(ns * 1e-9, "sec/op", ns, "ns/op"),
                                      Value(float(allocs), "allocs/op"))))
    return out


@pytest.fixture()
def rows(tmp_path: Path) -> dict[str, claims.ClaimRow]:
    manifest = _manifest(tmp_path)
    payloads = [_payload("go1.27.3"), _payload("go1.21.13")]  # order does not matter
    results = {"go1.21.13": _results(2.0, 20.0), "1.27.3": _results(2.0, 2.0)}
    return {r.id: r for r in claims.ledger(manifest, payloads, results)}


def _v(row: claims.ClaimRow) -> dict[str, claims.ClaimVerdict]:
    return {v.go: v for v in row.verdicts}


def test_versions_sorted(rows) -> None:
    assert [v.go for v in rows["print-i"].verdicts] == ["go1.21.13", "go1.27.3"]


def test_printed_exact_text(rows) -> None:
    for v in rows["print-i"].verdicts:
        assert (v.verdict, v.text_match) == ("holds", True)
        assert v.evidence == ("prints 'moved to heap: i' (cases/escape_example.go:10:6), "
                              "as the article shows")
    assert rows["print-i"].overall == "holds"


def test_printed_without_function_name(rows) -> None:
    for v in rows["print-val"].verdicts:
        assert (v.verdict, v.text_match) == ("holds", False)
        assert v.evidence.startswith("prints 'val escapes to heap' "
                                     "(cases/escape_example.go:22:9), not "
                                     "'escapeInterface val escapes to heap'")
        assert "no function name" in v.evidence


def test_printed_large_array_depends_on_version(rows) -> None:
    v = _v(rows["print-arr"])
    old, new = v["go1.21.13"], v["go1.27.3"]
    assert (old.verdict, old.text_match) == ("does not hold", False)
    assert old.evidence.startswith("prints no heap diagnostic for arr in largeArray: arr stays "
                                   "on the stack")
    assert (new.verdict, new.text_match) == ("holds", False)
    assert "prints 'moved to heap: arr' (cases/escape_example.go:27:6), not " \
           "'largeArray arr escapes to heap'" in new.evidence
    assert "'moved to heap: arr'; 'escapes to heap' is said of values" in new.evidence
    assert rows["print-arr"].overall == "depends"


def test_escape_claim_with_allocs_and_timing(rows) -> None:
    v = _v(rows["return-pointer"])
    old = v["go1.21.13"]
    assert old.verdict == "holds"
    (c,) = old.cases
    assert (c.allocs_escape, c.allocs_noescape) == (1, 0)
    assert c.ns_escape == pytest.approx(20.45) and c.ns_noescape == pytest.approx(2.45)
    assert c.ratio == pytest.approx(20.45 / 2.45)
    assert "moved to heap: p" in old.evidence and "allocs/op 1 vs 0" in old.evidence
    assert "(×8.35)" in old.evidence


def test_cost_claim_uses_the_u_test(rows) -> None:
    v = _v(rows["heap-slower"])
    assert v["go1.21.13"].verdict == "holds"
    (metric,) = v["go1.21.13"].cases[0].metrics
    assert metric.unit == "ns/op" and metric.p_value is not None and metric.p_value < 0.05
    assert v["go1.27.3"].verdict == "does not hold"  # identical samples: no difference
    assert "ns/op 2.45 vs 2.45 (×1.00, p=1.000, no significant difference)" in \
        v["go1.27.3"].evidence
    assert rows["heap-slower"].overall == "depends"


def test_cost_claim_unmeasured_is_na(tmp_path: Path) -> None:
    rows = {r.id: r for r in claims.ledger(_manifest(tmp_path), [_payload("go1.27.3")])}
    assert rows["heap-slower"].verdicts[0].verdict == "n/a"
    assert rows["heap-slower"].overall == "n/a"
    assert rows["return-pointer"].verdicts[0].verdict == "holds"  # compiler + pair allocs


def test_compiler_and_runtime_disagree_is_depends(rows) -> None:
    v = _v(rows["interface-escapes"])["go1.27.3"]
    assert v.verdict == "depends"
    by = {c.case: c for c in v.cases}
    assert by["BoxSmallInt"].verdict == "depends"
    assert by["NoSuchCase"].verdict == "n/a" and by["NoSuchCase"].diagnostic == \
        "not in the manifest"


def test_missing_pair_is_na(tmp_path: Path) -> None:
    p = _payload("go1.27.3")
    p["pairs"] = []
    rows = {r.id: r for r in claims.ledger(_manifest(tmp_path), [p])}
    assert rows["return-pointer"].verdicts[0].verdict == "n/a"
    assert "not in escape.json" in rows["return-pointer"].verdicts[0].evidence


def test_printed_falls_back_to_annotation_evidence(tmp_path: Path) -> None:
    p = {"go": "go1.27.3", "pairs": [], "annotations": [
        {"file": "cases/s.go", "line": 27, "expect": "heap", "go": "go1.27.3", "holds": True,
         "evidence": ["cases/s.go:27:6: moved to heap: arr"], "condition": "",
         "func": "largeArray"}]}
    rows = {r.id: r for r in claims.ledger(_manifest(tmp_path), [p])}
    v = rows["print-arr"].verdicts[0]
    assert (v.verdict, v.text_match) == ("holds", False)
    assert "'moved to heap: arr' (cases/s.go:27:6)" in v.evidence


def test_accepts_verify_reports(tmp_path: Path) -> None:
    from bench.verify import VerifyReport

    rep = VerifyReport.from_json(_payload("go1.21.13"))
    rows = {r.id: r for r in claims.ledger(_manifest(tmp_path), [rep])}
    assert rows["print-arr"].verdicts[0].verdict == "does not hold"


def test_render_text(rows) -> None:
    text = claims.render(list(rows.values()), "text")
    assert "[print-arr] §4 “the compiler prints `largeArray arr escapes to heap`”" in text
    assert "article printed: ./escape_example.go:26:10: largeArray arr escapes to heap" in text
    assert "overall: depends: does not hold on go1.21.13; holds on go1.27.3" in text
    assert "(text differs)" in text


def test_render_json(rows) -> None:
    data = json.loads(claims.render(list(rows.values()), "json"))
    arr = next(r for r in data if r["id"] == "print-arr")
    assert arr["overall"] == "depends" and arr["section"] == "4"
    assert [v["verdict"] for v in arr["verdicts"]] == ["does not hold", "holds"]
    rp = next(r for r in data if r["id"] == "return-pointer")
    case = rp["verdicts"][0]["cases"][0]
    assert {"allocs_escape", "allocs_noescape", "ns_ratio", "diagnostic"} <= set(case)


def test_render_markdown_escapes_cells(rows) -> None:
    md = claims.render(list(rows.values()), "markdown")
    lines = md.splitlines()
    assert lines[0] == "| Claim | § | Cases | go1.21.13 | go1.27.3 | Overall |"
    assert lines[1] == "|---|---|---|---|---|---|"
    iface = next(ln for ln in lines if "interface" in ln and "usually" in ln)
    assert "interface \\| usually &lt;escapes&gt; &amp; allocates" in iface
    # Every row has exactly the header's number of cells (no stray unescaped |).
    for ln in lines[2:]:
        cells = [c for c in ln.replace("\\|", "").split("|")][1:-1]
        assert len(cells) == 6, ln


@pytest.mark.parametrize(("raw", "want"), [
    ("a|b", "a\\|b"),
    ("<b>&", "&lt;b&gt;&amp;"),
    ("*p escapes", "\\*p escapes"),
    ("x_y `z`", "x\\_y \\`z\\`"),
    ("two\nlines", "two<br>lines"),
])
def test_md_escape(raw: str, want: str) -> None:
    assert claims.md_escape(raw) == want


def test_unknown_format(rows) -> None:
    with pytest.raises(InputError):
        claims.render(list(rows.values()), "html")


# --------------------------------------------------------------------------
# variant, metrics, note, pair kinds.


def _full_manifest() -> cases.Manifest:
    cs = (cases.Case(id="Pair", section="1", title="", escape_var="p",
                     escape_funcs=("esc",), noescape_funcs=("noesc",)),
          cases.Case(id="Growth", section="1", title="", escape_var="make([]int, 0)",
                     expected="stack", escape_funcs=("grow",), noescape_funcs=("pre",)))
    cl = (Claim(id="noesc-heap", section="1", quote="q", cases=("Pair",), kind="escape",
                    variant="noescape"),
          Claim(id="noesc-stack", section="1", quote="q", cases=("Pair",),
                    kind="no-escape", variant="noescape", note="a note"),
          Claim(id="growth-escapes", section="1", quote="q", cases=("Growth",),
                    kind="escape"),
          Claim(id="counts", section="1", quote="q", cases=("Pair", "Growth"), kind="cost",
                    metrics=("allocs/op", "B/op")),
          Claim(id="scope", section="6.6", quote="use HTTPS", kind="out-of-scope"),
          Claim(id="nocase", section="5", quote="cache locality", kind="cost"))
    return cases.Manifest(path=Path("cases.toml"), cases=cs, claims=cl)


def _full_payload() -> dict:
    return {"go": "go1.26.6", "annotations": [], "diagnostics": [], "pairs": [
        {**_pair("Pair", "go1.26.6", True, 1, 0), "pair_kind": "heap-stack",
         "escape_fate": "heap", "noescape_fate": "stack"},
        {**_pair("Growth", "go1.26.6", True, None, None), "pair_kind": "alloc-count",
         "expected": "stack", "escape_fate": "stack", "noescape_fate": "stack",
         "allocs_escape": 12, "allocs_noescape": 0, "allocs_hold": True},
    ]}


def _counts() -> list[Result]:
    out = []
    for case, e, n in (("Pair", (1, 24), (0, 0)), ("Growth", (12, 25000), (0, 0))):
        for variant, (allocs, nbytes) in (("escape", e), ("noescape", n)):
            name = Name(full=f"{case}/variant={variant}-8", base=case,
                        parts=(f"/variant={variant}", "-8"))
            out.append(Result(name=name, iters=1000, values=(
                Value(1e-8, "sec/op", 10.0, "ns/op"), Value(float(allocs), "allocs/op"),
                Value(float(nbytes), "B/op"))))
    return out


def test_variant_and_no_escape_kinds() -> None:
    rows = {r.id: r for r in claims.ledger(_full_manifest(), [_full_payload()],
                                           {"go1.26.6": _counts()})}
    # The noescape variant stays on the stack and allocates nothing.
    assert rows["noesc-heap"].overall == "does not hold"
    assert rows["noesc-heap"].verdicts[0].cases[0].fate == "stack"
    assert rows["noesc-stack"].overall == "holds"
    assert rows["noesc-stack"].note == "a note" and rows["noesc-stack"].variant == "noescape"
    # growslice allocates although the compiler says the make does not escape.
    g = rows["growth-escapes"].verdicts[0]
    assert g.verdict == "depends" and g.cases[0].fate == "stack"
    assert "escape variant on the stack" in g.evidence


def test_cost_metrics_counts_out_of_scope_and_caseless() -> None:
    rows = {r.id: r for r in claims.ledger(_full_manifest(), [_full_payload()],
                                           {"1.26.6": _counts()})}
    v = rows["counts"].verdicts[0]
    assert v.verdict == "holds"
    assert [m.unit for m in v.cases[0].metrics] == ["allocs/op", "B/op"]
    assert "Pair: allocs/op 1 vs 0; B/op 24 vs 0" in v.evidence
    assert (rows["scope"].overall, rows["scope"].verdicts[0].evidence) == \
        ("n/a", "out of scope: not about escape")
    assert rows["nocase"].verdicts[0].evidence == "no case isolates this claim"
    text = claims.render(list(rows.values()))
    assert "  note: a note" in text
