"""docs/report is what the current code builds from the committed published runs.

The published report is regenerated with
``bench report results/published/<machine> --out docs/report``; this test
builds it again into a scratch copy of ``docs/`` and compares the documents
(charts are compared by name: their pixels depend on the fonts installed).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import PUBLISHED, PUBLISHED_MACHINE, ROOT, bench

DOCS = ROOT / "docs"


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("docs")
    for page in ("method.md", "reading-charts.md"):  # the report links to them when beside them
        shutil.copy(DOCS / page, site / page)
    out = site / "report"
    code, _, err = bench("report", str(PUBLISHED / PUBLISHED_MACHINE), "--out", str(out))
    assert code == 0, err
    return out


@pytest.mark.toolchain
@pytest.mark.parametrize("name", ["index.md", "ledger.md", "index.html", "ledger.html"])
def test_published_report_is_what_the_code_builds(rebuilt: Path, name: str) -> None:
    committed = (DOCS / "report" / name).read_text(encoding="utf-8")
    assert (rebuilt / name).read_text(encoding="utf-8") == committed, (
        f"docs/report/{name} is stale: run "
        f"`bench report results/published/{PUBLISHED_MACHINE} --out docs/report`"
    )


@pytest.mark.toolchain
def test_published_report_has_the_same_charts(rebuilt: Path) -> None:
    names = {p.name for p in (DOCS / "report" / "charts").iterdir()}
    assert names == {p.name for p in (rebuilt / "charts").iterdir()}
