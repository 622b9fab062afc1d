"""The docs site builds with ``mkdocs build --strict``, with the committed report and a fresh one.

Strict mode turns every MkDocs warning (a broken link, a page missing from the
nav, a file clash) into a failure, so a report the generator writes must be
strict-clean too, whatever names the results contain.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from analysis.report.build import build_report
from bench import store
from tests.conftest import ROOT
from tests.test_report import SCRIPT, SCRIPT_ESCAPED, write_synthetic_raw

# mkdocs and mkdocs-material are dev dependencies: missing, the tests fail rather than skip.


def _build(project: Path, site: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site)],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def test_site_builds_strict(tmp_path: Path) -> None:
    site = tmp_path / "site"
    proc = _build(ROOT, site)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for page in (
        "index.html",
        "reading-charts/index.html",
        "method/index.html",
        "report/index.html",
        "report/ledger/index.html",
    ):
        assert (site / page).is_file(), page
    report = (site / "report" / "index.html").read_text(encoding="utf-8")
    assert "Escape cost report" in report
    assert 'class="md-content"' in report  # the MkDocs page, not the standalone copy
    for img in (ROOT / "docs" / "report" / "charts").glob("*.png"):
        assert (site / "report" / "charts" / img.name).is_file()


def test_fresh_report_is_strict_clean(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(ROOT / "docs", project / "docs", ignore=shutil.ignore_patterns("report"))
    shutil.copy(ROOT / "mkdocs.yml", project / "mkdocs.yml")
    raw = write_synthetic_raw(tmp_path / "raw.txt")
    summary = build_report(store.load_input(raw), project / "docs" / "report")
    assert "../reading-charts.md" in summary.index_md.read_text(encoding="utf-8")
    site = tmp_path / "site"
    proc = _build(project, site)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    page = (site / "report" / "index.html").read_text(encoding="utf-8")
    assert SCRIPT not in page and SCRIPT_ESCAPED in page
    assert 'href="../reading-charts/"' in page
    ledger = (site / "report" / "ledger" / "index.html").read_text(encoding="utf-8")
    assert "Claims ledger" in ledger and 'class="md-content"' in ledger


def test_nav_lists_the_ledger_page() -> None:
    import yaml

    class _Loader(yaml.SafeLoader):  # mkdocs.yml may hold !!python tags; nav needs none
        pass

    _Loader.add_multi_constructor("", lambda loader, suffix, node: None)
    config = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_Loader)
    pages = [next(iter(item.values())) for item in config["nav"]]
    assert "report/index.md" in pages and "report/ledger.md" in pages
