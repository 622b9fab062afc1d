"""Where a measuring script's figures come from: the commit they were made at.

Every script under ``benchmarks/`` prints its command and commit with its
figures, so a figure quoted in the docs can be traced and re-made.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def commit() -> tuple[str, bool]:
    """The checkout's short commit hash ("" outside git) and whether it has uncommitted changes."""
    return _git(["rev-parse", "--short", "HEAD"]), bool(_git(["status", "--porcelain"]))


def _git(args: list[str]) -> str:
    try:
        done = subprocess.run(
            ["git", "-C", str(ROOT), *args], capture_output=True, text=True, timeout=10
        )
        return done.stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return ""
