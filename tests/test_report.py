"""The report: files, determinism, escaping of hostile names, and the little renderers.

Real results come from one quick ``bench run`` of a few cases (session fixture,
real toolchain); hostile names come from ``tests/data/hostile_module`` run for
real, and from a synthetic Go benchmark text whose *pairs* have hostile names,
so they reach every chart, file name and table.
"""

from __future__ import annotations

import html
import random
import re
import struct
from pathlib import Path

import pytest

from analysis import report
from analysis.report import markdown_to_html, md_escape, write_report
from bench import cli, store
from bench.cases import load_module
from tests.conftest import DATA

CASES = "^(ReturnPointer|BoxLargeInt|AppendGrowth|ChannelSendPointer)$"
SCRIPT = "<script>alert(1)</script>"
SCRIPT_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
#: Pair names of the synthetic results: markup, path traversal, Markdown table syntax,
#: math text, a leading underscore and CJK.
HOSTILE_PAIRS = (f"Échappé{SCRIPT}|*_[x]$y$", "../../etc/passwd", "_日本`code`")
HOSTILE_MACHINE = "<b>evil</b> & _box|x"


def write_synthetic_raw(path: Path, *, rounds: int = 6, seed: int = 1) -> Path:
    """Go benchmark text with hostile pair and machine names, two GC settings, GC metrics.

    Needs no toolchain: used by the browser and docs-site tests too.
    """
    rng = random.Random(seed)
    lines = [f"machine: {HOSTILE_MACHINE}", "go-version: go1.26.6", ""]
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
                        f"{0.0001 if esc else 0} gc-cycles/op")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def _images(md: str) -> list[str]:
    return re.findall(r"!\[[^\n]*?\]\((charts/[^)]+)\)", md)


# --- real results --------------------------------------------------------------------


@pytest.fixture(scope="session")
def quick_results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    results = tmp_path_factory.mktemp("report-results") / "results"
    code = cli.main(["run", "--quick", "--cases", CASES, "--results", str(results)])
    assert code == 0
    return results


@pytest.fixture(scope="session")
def quick_report(quick_results: Path, tmp_path_factory: pytest.TempPathFactory
                 ) -> report.ReportSummary:
    out = tmp_path_factory.mktemp("report-out") / "report"
    return write_report(store.load_input(quick_results), out, load_module().manifest)


@pytest.mark.toolchain
def test_report_writes_markdown_html_and_charts(quick_report: report.ReportSummary) -> None:
    out = quick_report.out
    md = quick_report.index_md.read_text(encoding="utf-8")
    page = quick_report.index_html.read_text(encoding="utf-8")
    pngs = sorted((out / "charts").glob("*.png"))
    svgs = sorted((out / "charts").glob("*.svg"))
    assert quick_report.charts == len(pngs) == len(svgs) >= 5
    assert quick_report.pairs == 4 and quick_report.runs == 1 and quick_report.seconds > 0
    assert set(quick_report.paths) == {*pngs, *svgs, quick_report.index_md,
                                       quick_report.index_html}
    for p in pngs:
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    for p in svgs:
        assert p.read_bytes().startswith(b"<?xml") and b"<svg" in p.read_bytes()[:1000]
    # Both documents show the same charts, and every one exists.
    shown = _images(md)
    assert sorted(shown) == sorted(f"charts/{p.name}" for p in pngs)
    assert re.findall(r'<img src="(charts/[^"]+)"', page) == shown
    for section in ("Escape cost of every pair", "Per pair, by article section", "GC cost",
                    "Noise", "Compiler verification", "Claims of the article",
                    "Runs and their environment", "Failures"):
        assert f"## {section}" in md and f"<h2>{section}</h2>" in page
    for pair in ("ReturnPointer", "BoxLargeInt", "AppendGrowth", "ChannelSendPointer"):
        assert f"**{pair}**" in md
    # One toolchain, one machine, one GC setting: no comparison charts for them.
    assert "## Go versions" not in md and "## Machines" not in md
    assert "## GC pressure" not in md
    assert "<script" not in page  # the standalone page runs nothing


@pytest.mark.toolchain
def test_report_is_byte_identical_when_rebuilt(quick_results: Path,
                                               quick_report: report.ReportSummary,
                                               tmp_path: Path) -> None:
    again = write_report(store.load_input(quick_results), tmp_path / "report",
                         load_module().manifest)
    assert _files(again.out) == _files(quick_report.out)


@pytest.mark.toolchain
def test_report_tables_come_from_the_runs(quick_report: report.ReportSummary,
                                          quick_results: Path) -> None:
    md = quick_report.index_md.read_text(encoding="utf-8")
    (run,) = store.load_input(quick_results)
    assert run.meta is not None
    cpu = run.meta["machine"]["cpu_model"]
    assert md_escape(cpu) in md and run.go in md and md_escape(run.meta["date"]) in md
    # The compiler verification table has a column for the toolchain measured.
    assert re.search(rf"\| pair \| {re.escape(run.go)} \|", md)
    # The claims ledger was built with analysis.claims from the manifest.
    assert "| Claim | § | Cases |" in md
    # Every chart states machine, toolchain and samples.
    assert md.count(f"· {run.go} ·") >= quick_report.charts


@pytest.mark.toolchain
def test_stale_charts_are_removed_and_other_files_kept(quick_results: Path,
                                                      tmp_path: Path) -> None:
    out = tmp_path / "report"
    (out / "charts").mkdir(parents=True)
    (out / "charts" / "old-chart.png").write_bytes(b"stale")
    (out / "charts" / "README.txt").write_text("mine")
    write_report(store.load_input(quick_results), out, load_module().manifest)
    assert not (out / "charts" / "old-chart.png").exists()
    assert (out / "charts" / "README.txt").read_text() == "mine"


@pytest.mark.toolchain
def test_hostile_module_names_render_as_text(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ESCAPEBENCH_MACHINE", "../../evil box/<b>&é")
    results = tmp_path / "results"
    code = cli.main(["run", "--module", str(DATA / "hostile_module"), "--quick",
                     "--results", str(results)])
    assert code == 0
    summary = write_report(store.load_input(results), tmp_path / "report")
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
def hostile_report(tmp_path_factory: pytest.TempPathFactory) -> report.ReportSummary:
    root = tmp_path_factory.mktemp("hostile")
    raw = write_synthetic_raw(root / "raw.txt")
    return write_report(store.load_input(raw), root / "report")


def test_hostile_pairs_are_escaped_everywhere(hostile_report: report.ReportSummary) -> None:
    md = hostile_report.index_md.read_text(encoding="utf-8")
    page = hostile_report.index_html.read_text(encoding="utf-8")
    assert hostile_report.pairs == 3
    for text in (md, page):
        assert SCRIPT not in text and "<b>evil" not in text and "<i>50" not in text
        assert SCRIPT_ESCAPED in text
    assert html.escape(HOSTILE_MACHINE, quote=False) in page
    # Markdown markup in names is neutralised: no emphasis, no links, no table splits.
    assert md_escape(HOSTILE_PAIRS[0]) in md and "\\|\\*\\_\\[x\\]" in md
    # Two GC settings: the pressure chart exists and its setting label is escaped.
    assert "## GC pressure" in md and "GOGC=&lt;i&gt;50&lt;/i&gt;" in md


def test_hostile_pairs_make_path_safe_chart_files(hostile_report: report.ReportSummary) -> None:
    charts = hostile_report.out / "charts"
    for p in hostile_report.paths:
        assert p.resolve().parent in (charts.resolve(), hostile_report.out.resolve())
        assert re.fullmatch(r"[a-z0-9][a-z0-9.-]*\.(png|svg)|index\.(md|html)", p.name)


def test_hostile_markdown_renders_as_text_in_python_markdown(
        hostile_report: report.ReportSummary) -> None:
    markdown = pytest.importorskip("markdown")
    md = hostile_report.index_md.read_text(encoding="utf-8")
    rendered = markdown.markdown(md, extensions=["tables"])
    assert SCRIPT not in rendered and "<b>evil" not in rendered
    assert SCRIPT_ESCAPED in rendered and "|*_[x]&#36;y&#36;" in rendered
    assert "<em>" not in rendered  # no `_` or `*` in a name turned into emphasis
    # Escaped pipes stay inside their cell: every row has as many cells as its header.
    for table in re.findall(r"<table>.*?</table>", rendered, re.S):
        heads = len(re.findall(r"<th[ >]", table))
        for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:]:
            assert len(re.findall(r"<td", row)) == heads


def test_report_without_pairs_still_renders(tmp_path: Path) -> None:
    raw = tmp_path / "raw.txt"
    raw.write_text("machine: m\nBenchmarkPlain-2 \t 100\t 12.5 ns/op\t 0 B/op\t 0 allocs/op\n")
    summary = write_report(store.load_input(raw), tmp_path / "report")
    md = summary.index_md.read_text(encoding="utf-8")
    assert summary.charts == 0 and summary.pairs == 0
    assert "No escape/noescape pairs" in md and "Plain-2" in md
    assert "No compiler verification" in md


def test_chart_files_carry_no_volatile_metadata(hostile_report: report.ReportSummary) -> None:
    png = next(p for p in hostile_report.paths if p.suffix == ".png").read_bytes()
    chunks, i = [], 8
    while i < len(png):
        (n,) = struct.unpack(">I", png[i:i + 4])
        chunks.append(png[i + 4:i + 8])
        i += 12 + n
    assert not {b"tEXt", b"iTXt", b"zTXt", b"tIME"} & set(chunks)
    svg = next(p for p in hostile_report.paths if p.suffix == ".svg").read_text()
    assert "<dc:date>" not in svg and "Matplotlib" not in svg


# --- renderers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "want"), [
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
])
def test_md_escape(text: str, want: str) -> None:
    assert md_escape(text) == want


def test_markdown_to_html_keeps_only_our_markup() -> None:
    md = ("| Claim | go1.26 |\n|---|---|\n"
          "| a \\| b &lt;i&gt; | **holds**: x<br>y `c` *e* |\n"
          "| <script>alert(1)</script> | &amp; \\*z\\* |\n\n## Head\n\n- item\n\ntext <img src=x>")
    out = markdown_to_html(md)
    assert "<th>Claim</th>" in out and "<td>a | b &lt;i&gt;</td>" in out
    assert "<strong>holds</strong>: x<br>y <code>c</code> <em>e</em>" in out
    assert "<script>" not in out and SCRIPT_ESCAPED in out
    assert "<td>&amp; *z*</td>" in out
    assert "<h2>Head</h2>" in out and "<li>item</li>" in out
    assert "<img" not in out and "&lt;img src=x&gt;" in out
