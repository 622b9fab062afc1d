"""The live progress line at 80 columns, and the run number of a ``--repeat`` series."""

from __future__ import annotations

import io

from rich.console import Console

from bench.progress import Progress, fit_line


def test_fit_line_drops_the_case_name_first_and_keeps_the_eta() -> None:
    detail = "round 3/20 · 17/76 · BenchmarkMakeAboveImplicitLimit/variant=noescape"
    wide = fit_line("76 cells × 20 rounds", detail, "0:12", "~1:25 left", 200, 0.15)
    assert "BenchmarkMakeAboveImplicitLimit" in wide and "━" in wide
    narrow = fit_line("76 cells × 20 rounds", detail, "0:12", "~1:25 left", 77, 0.15)
    assert len(narrow) <= 77
    assert "Benchmark" not in narrow  # the case name goes first
    for kept in ("76 cells × 20 rounds", "round 3/20", "~1:25 left"):
        assert kept in narrow
    tiny = fit_line("run 2 of 3 · 76 cells × 20 rounds", detail, "0:12", "~1:25 left", 40, 0.1)
    assert len(tiny) <= 40 and tiny.endswith("~1:25 left") and "round 3/20" in tiny


def test_live_line_at_80_columns_shows_phase_count_and_eta() -> None:
    buf = io.StringIO()
    progress = Progress(buf, io.StringIO())
    progress.mode = "live"
    progress.console = Console(file=buf, width=80, force_terminal=True, soft_wrap=False)
    progress.series(2, 3)
    with progress.phase("rounds", "76 cells × 20 rounds", total=1520) as ph:
        ph.update(
            advance=300,
            detail="round 4/20 · 12/76 · BenchmarkInterfaceSliceLarge/variant=escape",
            eta=85.0,
        )
        progress.refresh()
        text = buf.getvalue()
    progress.close()
    last = [ln for ln in text.replace("\r", "\n").split("\n") if "left" in ln][-1]
    visible = _strip(last).strip()
    assert len(visible) <= 80, visible
    for kept in ("run 2 of 3", "76 cells × 20 rounds", "round 4/20", "~1:25 left"):
        assert kept in visible, visible
    assert "BenchmarkInterfaceSliceLarge" not in visible


def _strip(s: str) -> str:
    import re

    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", s)


def test_plain_lines_say_which_run_of_a_series() -> None:
    out = io.StringIO()
    progress = Progress(out, io.StringIO())
    progress.series(2, 3)
    with progress.phase("build", "building go1.26.6"):
        pass
    assert out.getvalue().splitlines()[0] == "run 2 of 3 · building go1.26.6 …"
    progress.series(1, 1)
    with progress.phase("build", "building go1.26.6"):
        pass
    assert out.getvalue().splitlines()[-1].startswith("building go1.26.6: done in")
