"""Definitions the docs quote are the code's own constants, and every output reads them alike."""

from __future__ import annotations

import json
import re
from pathlib import Path

from analysis.claims import judge
from analysis.report import collect
from analysis.witness import bare_go
from bench import store
from bench.cases import load_module
from bench.escape_json import load_escape_json
from bench.verify import allocs_median, render_text
from bench.vocab import escaped
from tests.conftest import PUBLISHED, ROOT, bench

QUOTE = re.compile(r"<!-- definition: (?P<name>[\w.]+) -->\n\s*> (?P<text>.+)")


def test_method_md_quotes_the_definition_of_escaped() -> None:
    text = (ROOT / "docs" / "method.md").read_text(encoding="utf-8")
    quotes = {m["name"]: m["text"].strip() for m in QUOTE.finditer(text)}
    assert quotes["bench.vocab.escaped.DEFINITION"] == escaped.DEFINITION


# --- one reading of "escaped" in every output (issue 22) --------------------------------


def _one_run_per_go() -> list[store.LoadedRun]:
    """The newest published run of each Go version: recorded raw.txt and escape.json."""
    runs = [r for r in store.load_input(PUBLISHED) if r.escape]
    newest: dict[str, store.LoadedRun] = {}
    for r in sorted(runs, key=lambda r: r.path.name):
        newest[r.go] = r
    assert {"go1.21.13", "go1.27.3"} <= set(newest)
    return list(newest.values())


def test_cost_verify_claims_and_report_read_escaped_alike() -> None:
    """The same pair records give the same ``escaped`` in bench cost, verify, claims, report."""
    runs = _one_run_per_go()
    code, out, err = bench("cost", "--format", "json", *(str(r.path) for r in runs))
    assert code == 0, err
    cost: dict[tuple[str, str], list[dict]] = {}
    for d in json.loads(out):
        cost.setdefault((bare_go(d["go"]), d["case"]), []).append(d)
    report = collect.gather(runs, load_module().manifest)
    by_report: dict[tuple[str, str], list[tuple[object, bool]]] = {}
    for rec, in_frame in zip(report.records, report.costs["escaped"], strict=True):
        by_report.setdefault((bare_go(rec.go), rec.case), []).append((rec, bool(in_frame)))
    checked, disagreements = 0, 0
    for run in runs:
        results = run.parsed.results
        for pair in load_escape_json(run.path / store.ESCAPE).pairs:
            key = (bare_go(run.go), pair.case)
            if key not in cost:
                continue
            # the same inputs: escape.json's allocations are the run's medians
            assert pair.allocs_escape == allocs_median(results, pair.case, "escape", run.go)
            assert pair.allocs_noescape == allocs_median(results, pair.case, "noescape", run.go)
            said = {"verify": pair.escaped, "claims": judge.pair_escaped(pair.to_json())}
            for i, d in enumerate(cost[key]):
                said[f"cost json {i}"] = d["escaped"]
                assert d["escaped_word"] == pair.escaped_word, key
                assert d["compiler_heap"] == pair.compiler_heap, key
            for i, (rec, in_frame) in enumerate(by_report[key]):
                said[f"report {i}"] = rec.escaped  # type: ignore[attr-defined]
                said[f"report frame {i}"] = in_frame
                said[f"report cell {i}"] = escaped.escaped(
                    rec.compiler_heap,  # type: ignore[attr-defined]  # what the report's cell reads
                    rec.allocs_escape,  # type: ignore[attr-defined]
                    rec.allocs_noescape,  # type: ignore[attr-defined]
                )
            assert len(set(said.values())) == 1, (key, said)
            checked += 1
            why = escaped.disagreement(pair.compiler_heap, pair.allocs_escape, pair.allocs_noescape)
            disagreements += why is not None
    assert checked >= 3 * 30
    assert disagreements > 0  # the data has pairs where the witnesses differ


def _append_growth(run: store.LoadedRun, path: Path) -> list[dict]:
    code, out, err = bench("cost", "--format", "json", str(path))
    assert code == 0, err
    found = [d for d in json.loads(out) if d["case"] == "AppendGrowthLocal"]
    assert found
    return found


def test_append_growth_is_not_escaped_though_it_allocates() -> None:
    """Allocations alone say yes, the compiler says no: every output says no, and why."""
    (run,) = [r for r in _one_run_per_go() if r.go == "go1.27.3"]
    for d in _append_growth(run, run.path):
        assert d["allocs_escape"] > d["allocs_noescape"] and d["compiler_heap"] is False
        assert d["escaped"] is False
        assert d["escaped_word"] == "no (allocations: more; compiler: no escape)"
        assert d["per_alloc"] is not None  # the extra allocation is still priced
    code, out, _ = bench("cost", "--wide", str(run.path))
    assert code == 0
    assert "note: escaped no (allocations: more; compiler: no escape): AppendGrowthLocal" in out
    report = load_escape_json(run.path / store.ESCAPE)
    (pair,) = [p for p in report.pairs if p.case == "AppendGrowthLocal"]
    assert pair.escaped is False
    assert pair.escaped_word in render_text(report)


def test_without_escape_json_the_allocations_decide_and_say_so() -> None:
    """A raw.txt alone (no compiler asked): escaped from allocations, marked as such."""
    (run,) = [r for r in _one_run_per_go() if r.go == "go1.27.3"]
    for d in _append_growth(run, run.path / store.RAW):
        assert d["compiler_heap"] is None and d["escaped"] is True
        assert d["escaped_word"] == "yes (allocations only)"
