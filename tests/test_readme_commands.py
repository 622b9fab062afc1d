"""The README's commands, run verbatim in a fresh clone: nothing tracked changes.

Each shell block of README.md's *Install*, *Run*, *Report* and *Test*
sections is run from a clone of this repository (``git clone`` of the
checkout this file lives in) and ``git status`` must stay clean. To stay fast,
``bench run`` commands get ``--cases ^ReturnPointer$ --quick`` appended (the
flags are the README's own; the catalogue is what they would measure); the
install and the test-suite commands are not run (one would re-point this
environment's editable install at the clone, the other would run this
suite inside itself). ``bench report --out docs/report`` must refuse.
"""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.toolchain

#: Commands not run, and why (see the module docstring).
NOT_RUN = ("pip install", "python -m pytest")
SECTIONS = ("Install", "Run", "Report", "Test")


def readme_commands() -> list[str]:
    """The command lines of the README's plain shell blocks in SECTIONS, comments cut."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    found = []
    for part in re.split(r"^## ", text, flags=re.M)[1:]:
        title = part.split("\n", 1)[0].strip()
        if title not in SECTIONS:
            continue
        for block in re.findall(r"^```\n(.*?)^```", part, flags=re.M | re.S):
            for line in block.splitlines():
                cmd = line.split("#", 1)[0].strip()
                if cmd:
                    found.append(cmd)
    return found


def test_the_readme_lists_the_commands_this_test_runs() -> None:
    cmds = readme_commands()
    assert "bench run" in cmds and "bench report" in cmds
    assert "bench report --out docs/report" in cmds


def _status(clone: Path) -> str:
    done = subprocess.run(
        ["git", "-C", str(clone), "status", "--porcelain"], capture_output=True, text=True
    )
    return done.stdout


def test_readme_commands_leave_a_fresh_clone_clean(tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    assert _status(clone) == ""
    ran = 0
    for cmd in readme_commands():
        if cmd.startswith(NOT_RUN):
            continue
        argv = shlex.split(cmd)
        if argv[:2] == ["bench", "run"]:
            argv += ["--cases", "^ReturnPointer$", "--quiet"]
            argv += [] if "--quick" in argv else ["--quick"]
        done = subprocess.run(argv, cwd=clone, capture_output=True, text=True, timeout=600)
        if "--out" in argv and "docs/report" in argv:
            assert done.returncode == 1, cmd
            assert "tracked by git" in done.stderr and "--force" in done.stderr
        else:
            assert done.returncode == 0, f"{cmd}: {done.stderr}"
        assert _status(clone) == "", f"{cmd} changed tracked files:\n{_status(clone)}"
        ran += 1
    assert ran >= 5
    assert (clone / "report" / "index.md").is_file()  # bench report wrote its own directory
