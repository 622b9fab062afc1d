"""The report's Markdown, byte for byte, from a trimmed published raw.txt, without a toolchain.

``tests/data/report/raw.txt`` is four pairs (ReturnPointer, BoxSmallInt,
BigStruct, StructLayout) of one published run (Go 1.27.3, GOGC 100 and 400)
with its config lines; ``index.md`` beside it is what the report says about
them. ``ESCAPEBENCH_UPDATE_GOLDEN=1`` rewrites the golden file (review the
diff before committing).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from analysis.report import markdown as md_render
from analysis.report.blocks import Document
from analysis.report.build import TITLE, build_document
from analysis.report.collect import gather
from bench import store
from bench.cases import load_module
from tests.conftest import DATA

GOLDEN = DATA / "report"
UPDATE = os.environ.get("ESCAPEBENCH_UPDATE_GOLDEN") == "1"


def _markdown() -> str:
    runs = store.load_input(GOLDEN / "raw.txt", label="published-trim")
    data = gather(runs, load_module().manifest)
    return md_render.render(Document(TITLE, build_document(data, None).blocks))


def test_report_markdown_is_golden(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no go, no git: the report needs neither
    text = _markdown()
    golden = GOLDEN / "index.md"
    if UPDATE:
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")
    for pair in ("ReturnPointer", "BoxSmallInt", "BigStruct", "StructLayout"):
        assert pair in text


def test_golden_input_is_a_trimmed_published_run() -> None:
    raw = (GOLDEN / "raw.txt").read_text(encoding="utf-8")
    assert "machine: epyc-2vcpu" in raw and "go-version: go1.27.3" in raw
    assert {ln.split("/")[0] for ln in raw.splitlines() if ln.startswith("Benchmark")} == {
        "BenchmarkReturnPointer",
        "BenchmarkBoxSmallInt",
        "BenchmarkBigStruct",
        "BenchmarkStructLayout",
    }


def test_one_meaning_of_escaped() -> None:
    """Both witnesses must agree; where they disagree the cell says which said what."""
    from bench.vocab import escaped

    assert escaped.escaped(True, 1, 0) is True
    assert escaped.escaped(True, 0, 0) is False  # BoxSmallInt: heap diagnostic, no allocation
    assert escaped.escaped(False, 3, 0) is False  # AppendGrowthLocal: growslice, no diagnostic
    assert escaped.word(True, 0, 0) == "no (compiler: heap; allocations: no more)"
    assert escaped.word(False, 3, 0) == "no (allocations: more; compiler: no escape)"
    assert escaped.word(None, 1, 0) == "yes (allocations only)"
    assert escaped.word(True, None, 0) == "-"
    assert "allocates more" in escaped.DEFINITION and "compiler" in escaped.DEFINITION


def test_undefined_intervals_are_not_called_around_one(tmp_path: Path) -> None:
    """An interrupted run's records (two rounds: no interval) are 'undefined', not '≈ ×1'."""
    raw = (GOLDEN / "raw.txt").read_text(encoding="utf-8").splitlines(keepends=True)
    head = [ln for ln in raw if not ln.startswith("Benchmark")][:15]
    cut = [ln for ln in raw if ln.startswith("BenchmarkReturnPointer")][:2]
    p = tmp_path / "raw.txt"
    p.write_text("".join(head + cut), encoding="utf-8")
    data = gather(store.load_input(p, label="cut"), load_module().manifest)
    text = md_render.render(Document(TITLE, build_document(data, None).blocks))
    assert "around ×1 in 1" not in text
    assert "undefined in 1" in text


def test_version_chart_never_puts_a_quick_run_beside_a_default_one(tmp_path: Path) -> None:
    """Go versions side by side only when measured alike; each version named once."""
    from analysis.report import sections

    raw = (GOLDEN / "raw.txt").read_text(encoding="utf-8")
    quick = raw.replace("escapebench-benchtime: 40ms", "escapebench-benchtime: 4ms")
    other_go = raw.replace("go-version: go1.27.3", "go-version: go1.24.11")
    paths = []
    for name, text in (("default", raw), ("quick", quick), ("older", other_go)):
        p = tmp_path / f"{name}.txt"
        p.write_text(text, encoding="utf-8")
        paths.append(p)
    runs = [r for p in paths for r in store.load_input(p, label=p.stem)]
    data = gather(runs, load_module().manifest)
    assert data.primary is not None
    part = sections.like_primary(data.costs, data.primary)
    kept = {dict(c.extra)["benchtime"] for c in part["cond"]}
    assert kept == {dict(data.primary.extra)["benchtime"]}  # the quick run is left out
    assert set(part["go"]) == {"go1.24.11", "go1.27.3"}
    listed = sections._no_escape_list(data.costs, "go")  # all conditions: names once each
    assert listed is not None
    text = md_render.render(Document("t", [listed]))
    assert "go1.27.3, go1.27.3" not in text
