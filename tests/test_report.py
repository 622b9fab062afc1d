"""The report: files, the same facts in HTML and Markdown, what escaped, escaping, determinism.

Real results come from the committed published runs (three Go versions on one
machine) and from one quick ``bench run`` of a few cases (real toolchain);
hostile names from ``tests/data/hostile_module`` run for real and from a
synthetic Go benchmark text whose *pairs* have hostile names, so they reach
every chart, file name and table.
"""

from __future__ import annotations

import ast
import base64
import html
import random
import re
import struct
from pathlib import Path

import pytest
from matplotlib.patches import Rectangle

from analysis import format as fmt
from analysis.plots import base as plot_base
from analysis.plots import conditions as plot_conditions
from analysis.plots import pairs as plot_pairs
from analysis.report import collect
from analysis.report import html as html_render
from analysis.report import markdown as md_render
from analysis.report.blocks import (
    Bold,
    Code,
    CodeBlock,
    Document,
    Heading,
    Image,
    Link,
    List,
    Paragraph,
    Table,
    Text,
    plain_text,
)
from analysis.report.build import ReportSummary, build_document, build_report
from analysis.report.markdown import md_escape
from bench import cli, store
from bench.cases import load_module
from bench.vocab import escaped
from tests.conftest import DATA, PUBLISHED, PUBLISHED_MACHINE, ROOT

CASES = "^(ReturnPointer|BoxLargeInt|AppendGrowth|ChannelSendPointer)$"
SCRIPT = "<script>alert(1)</script>"
SCRIPT_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
#: Pair names of the synthetic results: markup, path traversal, Markdown table syntax,
#: math text, a leading underscore and CJK.
HOSTILE_PAIRS = (f"Échappé{SCRIPT}|*_[x]$y$", "../../etc/passwd", "_日本`code`")
HOSTILE_MACHINE = "<b>evil</b> & _box|x"


def write_synthetic_raw(
    path: Path, *, rounds: int = 6, seed: int = 1, header: tuple[str, ...] = ()
) -> Path:
    """Go benchmark text with hostile pair and machine names, two GC settings, GC metrics.

    Needs no toolchain: used by the browser and docs-site tests too.
    """
    rng = random.Random(seed)
    lines = [
        f"machine: {HOSTILE_MACHINE}",
        "go-version: go1.26.6",
        "escapebench-order: interleaved",
        *header,
        "",
    ]
    for _ in range(rounds):
        for gogc in ("100", "<i>50</i>"):
            lines.append(f"gogc: {gogc}")
            for name in HOSTILE_PAIRS:
                for variant, base in (("escape", 40.0), ("noescape", 5.0)):
                    esc = variant == "escape"
                    lines.append(
                        f"Benchmark{name}/variant={variant}-2 \t 1000000\t "
                        f"{base + rng.random() * 5:.2f} ns/op\t {8 if esc else 0} B/op\t "
                        f"{1 if esc else 0} allocs/op\t "
                        f"{rng.random() if esc else 0:.3f} gc-cpu-ns/op\t "
                        f"{0.0001 if esc else 0} gc-cycles/op"
                    )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def published_dir() -> Path:
    """The committed published runs (``results/published/<machine>``)."""
    cand = PUBLISHED / PUBLISHED_MACHINE
    assert cand.is_dir(), f"no committed published runs in {cand}"
    return cand


def _files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _images(md: str) -> list[str]:
    return re.findall(r"!\[[^\n]*?\]\((charts/[^)]+)\)", md)


# --- the committed published runs (no toolchain) ------------------------------------------------


@pytest.fixture(scope="module")
def published_runs() -> list[store.LoadedRun]:
    """The newest complete group of published runs (a re-run in progress is left out)."""
    runs = [
        r for r in store.load_input(published_dir()) if (r.meta or {}).get("status") == "complete"
    ]
    newest = max(str((r.meta or {}).get("group", "")) for r in runs)
    runs = [r for r in runs if str((r.meta or {}).get("group", "")) == newest]
    assert {r.go for r in runs} >= {"go1.21.13", "go1.27.3"}
    return runs


@pytest.fixture(scope="module")
def published_data(published_runs: list[store.LoadedRun]) -> collect.Collected:
    return collect.gather(published_runs, load_module().manifest)


@pytest.fixture(scope="module")
def published_report(
    published_runs: list[store.LoadedRun], tmp_path_factory: pytest.TempPathFactory
) -> ReportSummary:
    out = tmp_path_factory.mktemp("published") / "report"
    return build_report(published_runs, out, load_module().manifest)


def _record(data: collect.Collected, case: str, go: str) -> object:
    recs = [r for r in data.records if r.case == case and r.go == go and r.gogc == "100"]
    assert recs and len({r.escaped for r in recs}) == 1
    return recs[0]


def test_no_escape_pairs_are_marked(
    published_data: collect.Collected, published_report: ReportSummary
) -> None:
    big = _record(published_data, "BigStruct", "go1.21.13")
    small = _record(published_data, "MakeNonConstLenSmall", "go1.27.3")
    assert not big.escaped and not small.escaped  # type: ignore[attr-defined]
    assert _record(published_data, "BigStruct", "go1.27.3").escaped  # type: ignore[attr-defined]
    md = published_report.index_md.read_text(encoding="utf-8")
    page = published_report.index_html.read_text(encoding="utf-8")
    for text in (md, page):
        # The Go-version section lists pairs without an escape per version ...
        assert re.search(r"BigStruct(\*\*|</strong>): no escape on go1\.21\.13", text)
        assert re.search(
            r"MakeNonConstLenSmall(\*\*|</strong>): no escape on [^\n<]*go1\.27\.3", text
        )
        # ... and the headline counts them apart from the pairs that escaped.
        assert re.search(r"Escape happened in \d+ of \d+ pairs", text)
        assert "No escape on go1.27.3 in" in text


def test_charts_mark_no_escape(published_data: collect.Collected) -> None:
    costs = published_data.costs[published_data.costs["setting"] == "GOGC=100"]
    gos = sorted(set(costs["go"]), key=collect.version_key)
    with plot_base.style():
        fig = plot_conditions.version_heatmap(costs, columns=gos, title="t", footer="f")
    ratio_ax, allocs_ax = fig.axes[0], fig.axes[1]  # then their colour bars
    rows = [t.get_text().split()[0] for t in ratio_ax.get_yticklabels()]
    hatched = {
        (rows[int(p.get_y())], gos[int(p.get_x())])
        for p in ratio_ax.patches
        if isinstance(p, Rectangle) and p.get_hatch()
    }
    assert ("BigStruct", "go1.21.13") in hatched
    assert ("MakeNonConstLenSmall", "go1.27.3") in hatched
    assert ("BigStruct", "go1.27.3") not in hatched
    want = {(r.pair, r.go) for r in costs.itertuples() if not r.escaped}
    assert hatched == want
    # Extra allocations are never negative here: a sequential colour scale, starting at 0.
    cmap = allocs_ax.collections[0].cmap
    assert sum(cmap(0.0)[:3]) > sum(cmap(0.5)[:3]) > sum(cmap(1.0)[:3])  # light → dark
    assert allocs_ax.collections[0].norm.vmin == 0
    # The Go-version view shows each ratio's interval.
    texts = {t.get_text() for t in ratio_ax.texts}
    rec = _record(published_data, "BigStruct", "go1.27.3")
    assert any(
        fmt.fmt_interval(rec.ci_low, rec.ci_high) in t  # type: ignore[attr-defined]
        for t in texts
    )
    primary = published_data.costs_of(published_data.primary)  # type: ignore[arg-type]
    with plot_base.style():
        fig = plot_pairs.ratio_overview(primary, title="t", footer="f")
    hollow = [
        ln
        for ln in fig.axes[0].lines
        if ln.get_marker() == "o" and ln.get_markerfacecolor() == "white"
    ]
    assert len(hollow) == int((~primary["escaped"]).sum()) >= 1


def test_same_facts_in_html_and_markdown(
    published_data: collect.Collected, published_report: ReportSummary
) -> None:
    md = published_report.index_md.read_text(encoding="utf-8")
    page = published_report.index_html.read_text(encoding="utf-8")
    doc = build_document(published_data, None)
    checked = 0
    for block in doc.blocks:
        spans = []
        if isinstance(block, Heading | Paragraph):
            spans = list(block.content) if getattr(block, "only", "") == "" else []
        elif isinstance(block, List):
            spans = [s for item in block.items for s in item]
        elif isinstance(block, Table):
            spans = [s for row in (block.head, *block.rows) for cell in row for s in cell]
        for s in spans:
            if isinstance(s, Text | Bold) and s.text.strip():
                assert md_escape(s.text) in md, s.text
                assert html.escape(s.text, quote=True) in page, s.text
                checked += 1
    assert checked > 500
    # Every pair, every ratio text and every verdict of the primary condition, in both.
    for rec in published_data.records_of(published_data.primary):  # type: ignore[arg-type]
        ratio = f"{fmt.fmt_ratio(rec.ratio)} {fmt.fmt_interval(rec.ci_low, rec.ci_high)}"
        cell = escaped.word(rec.compiler_heap, rec.allocs_escape, rec.allocs_noescape)
        row = (rec.pair, ratio, rec.verdict, cell)
        verdict = rec.verdict if rec.verdict == "inconclusive" else f"**{rec.verdict}**"
        assert f"{md_escape(ratio)} | {verdict} |" in md
        for text in row:
            assert md_escape(text) in md and html.escape(text) in page, text
    assert len(_images(md)) == len(re.findall(r'<img src="data:image/png;base64,', page))


def test_report_lists_its_runs_and_writes_the_ledger_page(
    published_runs: list[store.LoadedRun], published_report: ReportSummary
) -> None:
    md = published_report.index_md.read_text(encoding="utf-8")
    assert published_report.runs == tuple(sorted(r.label for r in published_runs))
    assert f"This report is made of {len(published_runs)} runs" in md
    for run in published_runs:
        assert f"`{run.label}`" in md
    ledger = published_report.ledger_md.read_text(encoding="utf-8")
    assert ledger.startswith("# Claims ledger") and "[escape cost report](index.md)" in ledger
    assert "[the claims ledger](ledger.md)" not in md  # no ledger given: no link to an empty page
    assert (published_report.out / "ledger.html").is_file()


def test_ledger_blocks_appear_on_the_ledger_page(
    published_runs: list[store.LoadedRun], tmp_path: Path
) -> None:
    ledger = [
        Table(
            ["claim", "go1.21.13", "go1.27.3"],
            [[Link("3.5-print-interface", "#claim-3-5"), Bold("holds"), "depends"]],
        ),
        Heading(3, [Code("3.5-print-interface")], anchor="claim-3.5"),
    ]
    s = build_report(published_runs[:1], tmp_path / "r", claims=ledger)
    page = s.ledger_md.read_text(encoding="utf-8")
    assert "[3.5-print-interface](#claim-3-5)" in page and "{#claim-3-5}" in page
    assert "**holds**" in page
    assert "[the claims ledger](ledger.md)" in s.index_md.read_text(encoding="utf-8")
    assert 'href="ledger.html"' in s.index_html.read_text(encoding="utf-8")


def test_published_report_is_byte_identical_and_parallel_equals_serial(
    published_runs: list[store.LoadedRun], published_report: ReportSummary, tmp_path: Path
) -> None:
    again = build_report(published_runs, tmp_path / "report", load_module().manifest, jobs=1)
    assert _files(again.out) == _files(published_report.out)


def test_svg_only_where_linked(published_report: ReportSummary) -> None:
    md = published_report.index_md.read_text(encoding="utf-8")
    svgs = sorted(p.name for p in (published_report.out / "charts").glob("*.svg"))
    linked = sorted(Path(x).name for x in re.findall(r"\]\((charts/[^)]+\.svg)\)", md))
    assert svgs == linked == ["ratio.svg"]
    assert len(_images(md)) == published_report.charts


def test_report_takes_data_not_paths() -> None:
    """Layering: the report reads bench.model, bench.errors and bench.vocab, never the store."""
    allowed = {"bench", "bench.model", "bench.errors", "bench.vocab"}
    for path in [
        *sorted((ROOT / "analysis" / "report").glob("*.py")),
        *sorted((ROOT / "analysis" / "plots").glob("*.py")),
        ROOT / "analysis" / "format.py",
    ]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            for n in names:
                if n.startswith("bench"):
                    ok = n in allowed or n.startswith("bench.vocab.")
                    assert ok, f"{path.name} imports {n}"


def test_runs_of_one_condition_give_an_across_runs_interval_others_stay_apart(
    tmp_path: Path,
) -> None:
    same = ("escapebench-benchtime: 100ms", "escapebench-count: 6")
    for seed in (1, 2):
        write_synthetic_raw(tmp_path / f"full{seed}.txt", seed=seed, header=same)
    write_synthetic_raw(
        tmp_path / "quick.txt",
        seed=3,
        header=("escapebench-benchtime: 5ms", "escapebench-count: 6"),
    )
    runs = [
        r
        for name in ("full1", "full2", "quick")
        for r in store.load_input(tmp_path / f"{name}.txt")
    ]
    data = collect.gather(runs)
    pooled = [r for r in data.records if r.n_runs == 2]
    assert pooled and all(r.across_runs is not None for r in pooled)
    assert all(r.n_runs == 1 for r in data.records if r not in pooled)  # never pooled silently
    summary = build_report(runs, tmp_path / "report")
    md = summary.index_md.read_text(encoding="utf-8")
    page = summary.index_html.read_text(encoding="utf-8")
    rec = pooled[0]
    a = rec.across_runs
    text = f"{fmt.fmt_ratio(a.ratio)} {fmt.fmt_interval(a.ci_low, a.ci_high)}"
    for doc in (md, page):
        assert "across runs [95 % CI]" in doc.replace("\\[", "[").replace("\\]", "]")
        assert md_escape(text) in md and html.escape(text) in page
        # The quick run is its own condition: a column of its own, named by what differs.
        assert "benchtime 5ms" in doc and "benchtime 100ms" in doc


# --- a real quick run ------------------------------------------------------------------------


@pytest.fixture(scope="session")
def quick_results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    results = tmp_path_factory.mktemp("report-results") / "results"
    code = cli.main(["run", "--quick", "--cases", CASES, "--results", str(results)])
    assert code == 0
    return results


@pytest.fixture(scope="session")
def quick_report(quick_results: Path, tmp_path_factory: pytest.TempPathFactory) -> ReportSummary:
    out = tmp_path_factory.mktemp("report-out") / "report"
    return build_report(store.load_input(quick_results), out, load_module().manifest)


@pytest.mark.toolchain
def test_report_writes_markdown_html_and_charts(
    quick_report: ReportSummary, quick_results: Path
) -> None:
    out = quick_report.out
    md = quick_report.index_md.read_text(encoding="utf-8")
    page = quick_report.index_html.read_text(encoding="utf-8")
    pngs = sorted((out / "charts").glob("*.png"))
    assert quick_report.charts == len(pngs) >= 4
    assert quick_report.pairs == 4 and len(quick_report.runs) == 1
    for p in pngs:
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    shown = _images(md)
    assert sorted(shown) == sorted(f"charts/{p.name}" for p in pngs)
    # index.html is standalone: every chart embedded, the same bytes as charts/*.png
    embedded = re.findall(r'<img src="data:image/png;base64,([^"]+)"', page)
    assert [base64.b64decode(e) for e in embedded] == [(out / s).read_bytes() for s in shown]
    assert '<img src="charts/' not in page
    for section in (
        "Summary",
        "Escape cost of every pair",
        "Per pair, by article section",
        "GC cost",
        "Noise",
        "Compiler verification",
        "Claims of the article",
        "Runs and their environment",
        "Failures",
    ):
        assert f"## {section}" in md and f"<h2>{section}</h2>" in page
    for pair in ("ReturnPointer", "BoxLargeInt", "AppendGrowth", "ChannelSendPointer"):
        assert re.search(rf"\*\*{pair}(-\d+)?\*\*", md)
    assert "## Go versions" not in md and "## Machines" not in md and "## GC pressure" not in md
    assert "<script" not in page  # the standalone page runs nothing
    (run,) = store.load_input(quick_results)
    assert run.meta is not None
    assert md_escape(run.meta["machine"]["cpu_model"]) in md and run.go in md
    assert re.search(rf"\| pair \| {re.escape(run.go)} \|", md)  # verification table
    assert md.count(f"· {run.go} ·") >= quick_report.charts  # every chart says its context


@pytest.mark.toolchain
def test_stale_charts_are_removed_and_other_files_kept(quick_results: Path, tmp_path: Path) -> None:
    out = tmp_path / "report"
    (out / "charts").mkdir(parents=True)
    (out / "charts" / "old-chart.png").write_bytes(b"stale")
    (out / "charts" / "README.txt").write_text("mine")
    build_report(store.load_input(quick_results), out, load_module().manifest)
    assert not (out / "charts" / "old-chart.png").exists()
    assert (out / "charts" / "README.txt").read_text() == "mine"


@pytest.mark.toolchain
def test_hostile_module_names_render_as_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ESCAPEBENCH_MACHINE", "../../evil box/<b>&é")
    results = tmp_path / "results"
    code = cli.main(
        ["run", "--module", str(DATA / "hostile_module"), "--quick", "--results", str(results)]
    )
    assert code == 0
    summary = build_report(store.load_input(results), tmp_path / "report")
    md = summary.index_md.read_text(encoding="utf-8")
    page = summary.index_html.read_text(encoding="utf-8")
    for text in (md, page):
        assert SCRIPT not in text and "<b>" not in text
        assert SCRIPT_ESCAPED in text
    assert "Échappé" in md and "日本" in page
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert all(results in p.parents or summary.out in p.parents for p in written)


# --- synthetic hostile pairs (no toolchain) ---------------------------------------------------


@pytest.fixture(scope="module")
def hostile_report(tmp_path_factory: pytest.TempPathFactory) -> ReportSummary:
    root = tmp_path_factory.mktemp("hostile")
    raw = write_synthetic_raw(root / "raw.txt")
    return build_report(store.load_input(raw), root / "report")


def test_hostile_pairs_are_escaped_everywhere(hostile_report: ReportSummary) -> None:
    md = hostile_report.index_md.read_text(encoding="utf-8")
    page = hostile_report.index_html.read_text(encoding="utf-8")
    assert hostile_report.pairs == 3
    for text in (md, page):
        assert SCRIPT not in text and "<b>evil" not in text and "<i>50" not in text
        assert SCRIPT_ESCAPED in text
    assert html.escape(HOSTILE_MACHINE, quote=False) in page
    assert md_escape(HOSTILE_PAIRS[0]) in md and "\\|\\*\\_\\[x\\]" in md
    assert "## GC pressure" in md and "GOGC=&lt;i&gt;50&lt;/i&gt;" in md


def test_hostile_pairs_make_path_safe_chart_files(hostile_report: ReportSummary) -> None:
    charts = hostile_report.out / "charts"
    for p in hostile_report.paths:
        assert p.resolve().parent in (charts.resolve(), hostile_report.out.resolve())
        assert re.fullmatch(r"[a-z0-9][a-z0-9.-]*\.(png|svg)|(index|ledger)\.(md|html)", p.name)


def test_hostile_markdown_renders_as_text_in_python_markdown(hostile_report: ReportSummary) -> None:
    import markdown

    md = hostile_report.index_md.read_text(encoding="utf-8")
    rendered = markdown.markdown(md, extensions=["tables", "attr_list"])
    assert SCRIPT not in rendered and "<b>evil" not in rendered
    assert SCRIPT_ESCAPED in rendered and "|*_[x]&#36;y&#36;" in rendered
    assert "<em>" not in rendered  # no `_` or `*` in a name turned into emphasis
    for table in re.findall(r"<table>.*?</table>", rendered, re.S):
        heads = len(re.findall(r"<th[ >]", table))
        for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:]:
            assert len(re.findall(r"<td", row)) == heads


def test_report_without_pairs_still_renders(tmp_path: Path) -> None:
    raw = tmp_path / "raw.txt"
    raw.write_text("machine: m\nBenchmarkPlain-2 \t 100\t 12.5 ns/op\t 0 B/op\t 0 allocs/op\n")
    summary = build_report(store.load_input(raw), tmp_path / "report")
    md = summary.index_md.read_text(encoding="utf-8")
    assert summary.charts == 0 and summary.pairs == 0
    assert "No escape/noescape pairs" in md and "Plain-2" in md
    assert "No compiler verification" in md


def test_chart_files_carry_no_volatile_metadata(hostile_report: ReportSummary) -> None:
    png = next(p for p in hostile_report.paths if p.suffix == ".png").read_bytes()
    chunks, i = [], 8
    while i < len(png):
        (n,) = struct.unpack(">I", png[i : i + 4])
        chunks.append(png[i + 4 : i + 8])
        i += 12 + n
    assert not {b"tEXt", b"iTXt", b"zTXt", b"tIME"} & set(chunks)
    svg = next(p for p in hostile_report.paths if p.suffix == ".svg").read_text()
    assert "<dc:date>" not in svg and "Matplotlib" not in svg


# --- blocks and renderers -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("plain", "plain"),
        ("a|b", "a\\|b"),
        ("<script>", "&lt;script&gt;"),
        ("a & b", "a &amp; b"),
        ("*x* _y_ `z`", "\\*x\\* \\_y\\_ \\`z\\`"),
        ("[link](http://x)", "\\[link\\](http://x)"),
        ("~~gone~~", "&#126;&#126;gone&#126;&#126;"),
        ("$x$", "&#36;x&#36;"),
        ("back\\slash", "back\\\\slash"),
        ("# head", "\\# head"),
        ("two\nlines", "two lines"),
    ],
)
def test_md_escape(text: str, want: str) -> None:
    assert md_escape(text) == want


def test_one_document_two_renderings() -> None:
    import markdown

    doc = Document(
        "t <x>",
        [
            Heading(2, ["Pair ", Bold("a|b")], anchor="Claim 3.5!"),
            Paragraph(["see ", Link("method", "../method.md"), " and ", Code("go|x `y`")]),
            Paragraph("markdown only", only="markdown"),
            Paragraph("html only", only="html"),
            Table(["k", "v"], [[Bold(" x "), SCRIPT]]),
            Image("charts/a.png", "alt <b>", ["cap"], "charts/a.svg"),
            CodeBlock("a\n```\nb"),
            List([["one"], [Bold("two")]]),
        ],
    )
    md = md_render.render(doc)
    page = html_render.render(doc)
    assert "## Pair **a\\|b** {#claim-3-5}" in md and '<h2 id="claim-3-5">' in page
    assert "markdown only" in md and "markdown only" not in page
    assert "html only" in page and "html only" not in md
    assert " **x** " in md  # whitespace moves outside the emphasis markers
    assert "<title>t &lt;x&gt;</title>" in page and "<script" not in page
    assert "[![alt &lt;b&gt;](charts/a.png)](charts/a.svg)" in md
    # Python-Markdown reads our Markdown as we meant it, including a pipe inside code in a table.
    rendered = markdown.markdown(md, extensions=["tables", "attr_list", "fenced_code"])
    assert '<h2 id="claim-3-5">' in rendered and "<code>go&#124;x &#96;y&#96;</code>" in rendered
    assert SCRIPT_ESCAPED in rendered and SCRIPT not in rendered
    assert plain_text(["a", Bold("b"), Code("c")]) == "abc"
    with pytest.raises(ValueError):
        Table(["one"], [["a", "b"]])


@pytest.mark.parametrize(
    ("func", "value", "want"),
    [
        (fmt.fmt_time, 3.87e-8, "38.7 ns"),
        (fmt.fmt_time, 0.0, "0"),
        (fmt.fmt_time, None, "–"),
        (fmt.fmt_time, float("nan"), "–"),
        (fmt.fmt_time, 1.5e-3, "1.5 ms"),
        (fmt.fmt_time, 2.5, "2.5 s"),
        (fmt.fmt_bytes, 73728, "72 KiB"),
        (fmt.fmt_bytes, 24, "24 B"),
        (fmt.fmt_ratio, 1.4712, "×1.47"),
        (fmt.fmt_ratio, float("inf"), "–"),
        (fmt.fmt_count, 3.0, "3"),
        (fmt.fmt_count, 0.5, "0.5"),
        (fmt.fmt_count, 12000, "12000"),
        (fmt.fmt_num, 1234.5, "1234"),
        (fmt.fmt_p, 0.0001, "<0.001"),
        (fmt.fmt_p, 0.21, "0.210"),
        (fmt.fmt_pct, 0.052, "5.2 %"),
    ],
)
def test_format(func: object, value: object, want: str) -> None:
    assert func(value) == want  # type: ignore[operator]
    assert fmt.fmt_pct(0.052, signed=True) == "+5.2 %"
    assert fmt.fmt_interval(1.09, 1.71) == "[1.09, 1.71]" and fmt.fmt_interval(None, 1) == "–"


def test_per_allocation_cost_is_said_in_words_when_it_is_not_a_cost() -> None:
    from types import SimpleNamespace

    from analysis.report.sections import _per_alloc

    def rec(value: float, lo: float, hi: float, more: bool = True) -> SimpleNamespace:
        pa = SimpleNamespace(value=value, ci_low=lo, ci_high=hi, unit="ns/alloc")
        escape = 1.0 if more else 0.0
        return SimpleNamespace(per_alloc=pa, allocs_escape=escape, allocs_noescape=0.0)

    assert _per_alloc(rec(46.4, 35.5, 57.5)) == "46.4 ns/alloc [35.5, 57.5]"
    assert _per_alloc(rec(-5, -9, -1)).startswith("none: the escape variant was faster")
    assert "includes 0" in _per_alloc(rec(2, -3, 7)) and "+-" not in _per_alloc(rec(-5, -9, 2))
    # priced whenever the escape variant allocates more, whatever the compiler said
    assert _per_alloc(rec(46.4, 35.5, 57.5, more=False)) == "–"


def test_sequential_results_say_samples_not_rounds(tmp_path: Path) -> None:
    raw = write_synthetic_raw(tmp_path / "raw.txt")
    raw.write_text(raw.read_text().replace("escapebench-order: interleaved\n", ""))
    md = build_report(store.load_input(raw), tmp_path / "r", jobs=1).index_md.read_text()
    assert "n = 6 samples per variant, not paired in rounds" in md and "6+6 samples |" in md
    assert "rounds per pair" not in md


def test_runs_whose_load_changed_are_flagged(tmp_path: Path) -> None:
    (run,) = store.load_input(write_synthetic_raw(tmp_path / "raw.txt"))
    run.meta = {"load_changed": "load average 2.67 to 5.50", "date": "2026-11-29"}
    md = build_report([run], tmp_path / "r", jobs=1).index_md.read_text()
    assert "**The machine's load changed during this run** (load average 2.67 to 5.50)" in md
