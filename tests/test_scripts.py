"""Every script under benchmarks/ starts: its imports resolve and --help works.

The scripts are run by hand (and their figures regenerated into the docs), so
a rename in ``bench`` or ``analysis`` would otherwise break one silently until
the next person runs it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: The runnable scripts (the rest are modules they import, e.g. harness_figures.py).
SCRIPTS = sorted(
    p for p in (ROOT / "benchmarks").glob("*.py") if '__name__ == "__main__"' in p.read_text()
)


def test_there_are_scripts() -> None:
    assert len(SCRIPTS) >= 5, SCRIPTS


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_script_help(script: Path) -> None:
    out = subprocess.run(
        [sys.executable, str(script), "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert "usage" in out.stdout.lower(), out.stdout[:500]
