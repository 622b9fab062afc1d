"""Numbers in README.md and docs/ are what the current code computes from the committed data.

A figure in the docs is preceded by a marker naming the command that makes it::

    <!-- computed by: bench cost results/published/xeon-2vcpu/go1.27.3 -->

and followed by a fenced block. The test runs the command from the repository
root and checks that every line of the block, except a lone ``…`` (rows left
out), is a line of the output, in the same order. So a figure that the code no
longer computes — new statistics, regenerated data — fails here, and
regenerating is running the command again.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
MARKER = re.compile(
    r"^<!-- computed by: (?P<cmd>.+?) -->\n```[a-z]*\n(?P<body>.*?)^```", re.M | re.S
)
ELLIPSIS = "…"


def excerpts() -> list[tuple[str, str, str]]:
    """(document, command, expected block) for every marked figure in the docs."""
    found = []
    for doc in DOCS:
        for m in MARKER.finditer(doc.read_text(encoding="utf-8")):
            found.append((doc.name, m["cmd"], m["body"]))
    return found


def run(cmd: str) -> str:
    """Output of a documented command, run as a reader would from the repository root."""
    argv = shlex.split(cmd)
    if argv[0] == "python":
        argv[0] = sys.executable
    elif argv[0] == "bench":
        argv = [sys.executable, "-m", "bench.cli", *argv[1:]]
    env = {**os.environ, "COLUMNS": "200"}
    proc = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, f"{cmd}: exit {proc.returncode}\n{proc.stderr[-2000:]}"
    return proc.stdout


def missing_lines(expected: str, output: str) -> list[str]:
    """Lines of ``expected`` not found in ``output`` in order (``…`` lines stand for any rows)."""
    lines = [ln.rstrip() for ln in output.splitlines()]
    pos, missing = 0, []
    for want in (ln.rstrip() for ln in expected.splitlines()):
        if want.strip() == ELLIPSIS:
            continue
        try:
            pos = lines.index(want, pos) + 1
        except ValueError:
            missing.append(want)
    return missing


def test_the_docs_have_computed_figures() -> None:
    docs = {doc for doc, _, _ in excerpts()}
    assert {"README.md", "method.md"} <= docs


@pytest.mark.parametrize(("doc", "cmd", "expected"), excerpts(), ids=lambda x: str(x)[:60])
def test_documented_figures_are_what_the_code_computes(doc: str, cmd: str, expected: str) -> None:
    missing = missing_lines(expected, run(cmd))
    assert not missing, f"{doc}: `{cmd}` no longer prints:\n" + "\n".join(missing)


def test_a_changed_figure_is_caught() -> None:
    out = "header\nrow a  1.00\nrow b  2.00\n"
    assert missing_lines("header\n…\nrow b  2.00\n", out) == []
    assert missing_lines("header\nrow b  2.01\n", out) == ["row b  2.01"]
    assert missing_lines("row b  2.00\nrow a  1.00\n", out) == ["row a  1.00"]


def test_the_readme_quotes_the_simulation_table_it_summarises() -> None:
    """README's coverage ranges are the range of method.md's (computed, tested) real-noise rows."""
    method = (ROOT / "docs" / "method.md").read_text(encoding="utf-8")
    cmd = "python benchmarks/simulate_cost.py"
    block = next(m["body"] for m in MARKER.finditer(method) if m["cmd"] == cmd)
    rows = re.findall(r"^\| real \| \S+ \| (\d+) \| ([\d.]+)% ·", block, re.M)
    many = [float(c) for runs, c in rows if int(runs) > 1]
    one = [float(c) for runs, c in rows if int(runs) == 1]
    assert len(many) == 12 and len(one) == 4, rows
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    assert f"covers the long-run ratio {min(many):.1f}–{max(many):.1f} % of the time" in readme
    assert f"covers its own run's ratio {min(one):.1f}–{max(one):.1f} %" in readme
