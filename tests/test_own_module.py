"""README's "Your own pairs", executed verbatim: its files written, its commands run in order,
each command's output matched against what the README says it prints."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from tests.conftest import ROOT, bench

SECTION = "## Your own pairs"
#: A file block: "`mypairs/<name>`:" then a fenced block.
FILE = re.compile(r"^`(mypairs/[^`]+)`:\n\n```[\w-]*\n(.*?)^```", re.M | re.S)
CONSOLE = re.compile(r"^```console\n(.*?)^```", re.M | re.S)
NUMBER = re.compile(r"\d+(?:\.\d+)?")


def section(text: str) -> str:
    start = text.index(SECTION)
    end = text.find("\n## ", start + len(SECTION))
    return text[start : end if end >= 0 else len(text)]


def steps(text: str) -> list[tuple[str, str, str]]:
    """("file", path, content) and ("run", command, expected output), in document order."""
    found = [(m.start(), ("file", m.group(1), m.group(2))) for m in FILE.finditer(text)]
    for m in CONSOLE.finditer(text):
        block = m.group(1)
        for i, chunk in enumerate(re.split(r"^\$ ", block, flags=re.M)[1:]):
            command, _, output = chunk.partition("\n")
            found.append((m.start() + i, ("run", command, output)))
    return [step for _, step in sorted(found, key=lambda x: x[0])]


def line_pattern(expected: str) -> re.Pattern[str]:
    """One README output line as a pattern: numbers, <machine>, <path> and … vary."""
    out = []
    for token in re.split(r"(<machine>|<path>|…|\d+(?:\.\d+)?| +)", expected):
        if token in ("<machine>", "<path>"):
            out.append(r"\S+")
        elif token == "…":
            out.append(r".*?")
        elif token and NUMBER.fullmatch(token):
            out.append(r"[0-9.]+")
        elif token and token.strip() == "":
            out.append(r" +")
        else:
            out.append(re.escape(token))
    return re.compile("".join(out))


def assert_prints(command: str, expected: str, got: str) -> None:
    want = expected.splitlines()
    have = got.splitlines()
    assert len(have) == len(want), f"$ {command}\n{got}"
    for w, h in zip(want, have, strict=True):
        assert line_pattern(w).fullmatch(h), f"$ {command}\nREADME: {w}\nprinted: {h}"


def test_the_section_has_a_module_and_the_four_commands() -> None:
    text = section((ROOT / "README.md").read_text(encoding="utf-8"))
    got = steps(text)
    files = [s[1] for s in got if s[0] == "file"]
    commands = [s[1].split()[:2] for s in got if s[0] == "run"]
    assert {"mypairs/go.mod", "mypairs/pairs_test.go"} <= set(files)
    assert ["bench", "cases"] in commands and ["bench", "verify"] in commands
    assert ["bench", "run"] in commands and ["bench", "cost"] in commands
    assert "// escape:heap" in text and "// escape:stack" in text


def test_the_pattern_matcher_can_fail() -> None:
    assert line_pattern("1 pair in <path> (cases.toml)").fullmatch("3 pair in x (cases.toml)")
    assert not line_pattern("1 pair in <path> (cases.toml)").fullmatch("1 pairs in x (toml)")
    assert not line_pattern("a  b").fullmatch("ab")


@pytest.mark.toolchain
def test_readme_own_module_verbatim(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = section((ROOT / "README.md").read_text(encoding="utf-8"))
    monkeypatch.chdir(tmp_path)
    ran = 0
    for kind, what, body in steps(text):
        if kind == "file":
            path = tmp_path / what
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(body, encoding="utf-8")
            continue
        argv = shlex.split(what)
        assert argv[0] == "bench"
        code, out, err = bench(*argv[1:])
        assert code == 0, f"$ {what}\n{err}"
        assert "Traceback" not in err
        assert_prints(what, body, out)
        ran += 1
    assert ran >= 5
    assert not (Path.cwd() / "report").exists()  # nothing written but results/
