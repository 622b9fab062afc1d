"""README's "Your own pairs", executed verbatim: its files written, its commands run in order,
each command's output matched against what the README says it prints.

The section ends with ``bench escapes`` on the module and on the standard library's
``strconv``. To regenerate the shown output (on a quiet machine), from the repository root::

    python -m tests.test_own_module           # prints the section with today's output
    python -m tests.test_own_module --write   # rewrites README.md in place

Each command runs in a fresh temporary directory as in the test; the machine's name becomes
``<machine>``, paths become ``<path>``, and a cell the README shows as ``…`` stays ``…`` where
the new line still matches the old one.
"""

from __future__ import annotations

import re
import shlex
import sys
import tempfile
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


def line_pattern(expected: str, *, capture: bool = False) -> re.Pattern[str]:
    """One README output line as a pattern: numbers, <machine>, <path> and … vary.

    With ``capture`` each placeholder is a group (to keep it when regenerating).
    """
    out = []
    for token in re.split(r"(<machine>|<path>|…|\d+(?:\.\d+)?| +)", expected):
        if token in ("<machine>", "<path>"):
            out.append(r"(\S+)" if capture else r"\S+")
        elif token == "…":
            out.append(r"(.*?)" if capture else r".*?")
        elif token and NUMBER.fullmatch(token):
            out.append(r"[0-9.]+")
        elif token and token.strip() == "":
            out.append(r" +")
        else:
            out.append(re.escape(token))
    return re.compile("".join(out))


#: A row of ``bench escapes``' table: ranked by an estimate, so near ties may swap.
SITE_ROW = re.compile(r"^\S+\.go:\d+:\d+ ")


def assert_prints(command: str, expected: str, got: str) -> None:
    want = expected.splitlines()
    have = got.splitlines()
    assert len(have) == len(want), f"$ {command}\n{got}"
    unused = [w for w in want if SITE_ROW.match(w)]
    for w, h in zip(want, have, strict=True):
        if SITE_ROW.match(w) and SITE_ROW.match(h):  # any shown site row, each once
            hit = next((u for u in unused if line_pattern(u).fullmatch(h)), None)
            assert hit is not None, f"$ {command}\nno README site row matches: {h}"
            unused.remove(hit)
            continue
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
    assert ran >= 7
    assert not (Path.cwd() / "report").exists()  # nothing written but results/


def test_the_section_runs_bench_escapes_on_the_module_and_the_standard_library() -> None:
    text = section((ROOT / "README.md").read_text(encoding="utf-8"))
    runs = [s[1] for s in steps(text) if s[0] == "run"]
    assert "bench escapes --module mypairs" in runs
    assert any(r.startswith("bench escapes strconv") for r in runs)
    for want in ("Escapes in example.com/mypairs", "Escapes in strconv", "GC share"):
        assert want in text


def test_regenerating_keeps_placeholders() -> None:
    old = "Buffer-2  79.2 ns  ×6.54 [5.86, 7.37]  …  64 B"
    new = "Buffer-2  81.0 ns  ×6.60 [5.90, 7.40]  <0.001  slower  64 B"
    assert shown(new, old, "vm") == "Buffer-2  81.0 ns  ×6.60 [5.90, 7.40]  …  64 B"
    assert shown("go1.26.6: 16 samples in results/vm/go1.26.6/x", "", "vm") == (
        "go1.26.6: 16 samples in <path>"
    )
    assert shown("vm · GOGC=100", "something else", "vm") == "<machine> · GOGC=100"
    assert shown("go1.26.6  mypairs", "go1.26.6  <path>", "vm") == "go1.26.6  <path>"


def test_site_rows_may_swap_but_must_each_be_shown() -> None:
    readme = "a.go:1:2  f  1.5 ns\nb.go:3:4  g  1.4 ns\ntotal 3 ns"
    assert_prints("x", readme, "b.go:3:4  g  1.6 ns\na.go:1:2  f  1.3 ns\ntotal 3 ns")
    with pytest.raises(AssertionError):
        assert_prints("x", readme, "a.go:1:2  f  1.3 ns\na.go:1:2  f  1.3 ns\ntotal 3 ns")


# --- regenerating the shown output ----------------------------------------------------

_PATH = re.compile(r"(?<![\w<])(?:/[^\s,;)]+|results/[^\s,;)]+)")


def shown(line: str, old: str, machine_name: str) -> str:
    """A printed line as the README shows it: placeholders for the machine and paths, and
    the old line's ``…`` cells kept where the new line still matches it."""
    holders = re.findall(r"<machine>|<path>|…", old)
    m = line_pattern(old, capture=True).fullmatch(line) if holders else None
    if m:
        out, pos = [], 0
        for i, holder in enumerate(holders, start=1):
            out.append(line[pos : m.start(i)] + holder)
            pos = m.end(i)
        line = "".join(out) + line[pos:]
    line = _PATH.sub("<path>", line)
    return re.sub(rf"(?<![\w.<-]){re.escape(machine_name)}(?![\w.>-])", "<machine>", line)


def regenerate(readme: Path) -> str:
    """README text with every console block of the section showing what its commands print now."""
    from bench.machine import machine_id

    text = readme.read_text(encoding="utf-8")
    start = text.index(SECTION)
    sect = section(text)
    outputs: list[str] = []
    with tempfile.TemporaryDirectory(prefix="escapebench-readme-") as tmp:
        import os

        here = Path.cwd()
        os.chdir(tmp)
        try:
            for kind, what, body in steps(sect):
                if kind == "file":
                    path = Path(tmp) / what
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_text(body, encoding="utf-8")
                    continue
                code, out, err = bench(*shlex.split(what)[1:])
                if code != 0:
                    raise SystemExit(f"$ {what}\n{err}")
                outputs.append(out)
        finally:
            os.chdir(here)
    name = machine_id()
    it = iter(outputs)

    def block(m: re.Match[str]) -> str:
        chunks = re.split(r"^\$ ", m.group(1), flags=re.M)[1:]
        lines = []
        for chunk in chunks:
            command, _, old = chunk.partition("\n")
            new = next(it).splitlines()
            olds = old.splitlines()
            if len(olds) != len(new):
                olds = [""] * len(new)
            lines.append(f"$ {command}")
            lines.extend(shown(n.rstrip(), o, name) for n, o in zip(new, olds, strict=True))
        return "```console\n" + "\n".join(lines) + "\n```"

    new_sect = CONSOLE.sub(block, sect)
    return text[:start] + new_sect + text[start + len(sect) :]


if __name__ == "__main__":
    new_text = regenerate(ROOT / "README.md")
    if "--write" in sys.argv[1:]:
        (ROOT / "README.md").write_text(new_text, encoding="utf-8")
    else:
        sys.stdout.write(section(new_text))
