"""Build a package's test binary with the compiler's optimisation log and read its escapes.

Why the JSON log (``-gcflags=<pkg>=-json=0,<dir>``, ``cmd/compile/internal/logopt``)
and not ``-m`` text: it is the format gopls reads, one LSP-style diagnostic per
line, with the explanation chain (``relatedInformation`` entries ``escflow: ...``)
and the inlining stack (``inlineLoc`` entries) as data instead of wording that
changes between releases. Positions are 1-based (line and byte column, like
``-m``), unlike LSP proper.

What it holds, read from Go 1.21 and 1.27 output:

* ``escape`` (``escapes`` for some in 1.21) with message ``X escapes to heap``
  and the chain, logged while escape analysis walks; then a second, bare
  ``escape`` with an empty message for every escaping non-variable (logged in
  ``batch.finish``): we keep the first and use the bare one only when alone.
  Variables moved to the heap are logged as ``x escapes to heap`` too.
* ``leak``: ``parameter p leaks to {heap} with derefs=0`` (a parameter, not an
  allocation: it explains a caller's escape).
* An inlined copy is reported at the outermost call site; its leading
  ``inlineLoc`` entries give the positions inside the inlined bodies, outermost
  first. The innermost is the line a memory profile names for the allocation,
  so :attr:`Entry.site` is that one.

The log is written as a side effect of compiling: a build-cache hit writes
nothing, so each build gets a fresh log directory (a new flag value is a new
cache key) and a fresh output directory. When a toolchain writes no JSON we
fall back to ``-m=2`` text (:func:`parse_m2`).
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlparse

from bench.errors import BenchError
from bench.toolchain import Toolchain

ESCAPE = "escape"
LEAK = "leak"
_CODES = {"escape": ESCAPE, "escapes": ESCAPE, "leak": LEAK}
_M_LINE = re.compile(r"^(?P<file>.+?\.go):(?P<line>\d+):(?P<col>\d+): (?P<msg>.*)$")
# Go 1.27 -m=2 names the function: ``t escapes to heap in New:``
_M2_ESCAPE = re.compile(r"^(?P<s>.+?) escapes to heap(?: in \S+)?:?$")
_SUBJECT = re.compile(r"^(?P<s>.+?) escapes to heap:?$|^moved to heap: (?P<m>.+)$")


@dataclass(frozen=True, order=True)
class Pos:
    """A source position as the compiler reports it (absolute file, 1-based line and column)."""

    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


@dataclass(frozen=True)
class Step:
    """One line of an explanation chain (``flow: ~r0 = &t:``, ``from &t (address-of)``)."""

    pos: Pos
    text: str

    @property
    def reason(self) -> str:
        """The parenthesised reason of a ``from ... (reason)`` step, else ""."""
        m = re.search(r"\(([^()]*)\)\s*$", self.text)
        return m.group(1) if m and self.text.startswith("from ") else ""


@dataclass(frozen=True)
class Entry:
    """One ``escape`` or ``leak`` diagnostic of one compiled copy of the code."""

    code: str  # ESCAPE | LEAK
    pos: Pos  # where it was reported: the outermost call site of an inlined copy
    message: str
    inline: tuple[Pos, ...] = ()  # inlined positions, outermost first
    chain: tuple[Step, ...] = ()

    @property
    def site(self) -> Pos:
        """The innermost position: the line the allocation is written on."""
        return self.inline[-1] if self.inline else self.pos

    @property
    def subject(self) -> str:
        m = _SUBJECT.match(self.message)
        if m:
            return (m.group("s") or m.group("m") or "").strip()
        m = re.match(r"^parameter (\S+) leaks", self.message)
        return m.group(1) if m else ""


@dataclass(frozen=True)
class Compiled:
    """A test binary and what the compiler logged while building it."""

    binary: Path | None  # None when the package has no test files
    import_path: str
    package_dir: Path
    entries: tuple[Entry, ...]
    source: str  # "json" | "m=2"
    files: tuple[str, ...] = field(default=())  # the package's Go files (absolute)


def _pos(loc: dict, file: str) -> Pos:
    start = loc.get("start") or {}
    return Pos(file, int(start.get("line", 0)), int(start.get("character", 0)))


def _uri_file(uri: str) -> str:
    return unquote(urlparse(uri).path) if uri.startswith("file://") else uri


def parse_json_log(text: str) -> list[Entry]:
    """The ``escape``/``leak`` entries of one logopt file (header line first), in order.

    Bare duplicates (empty message, logged at the end of escape analysis) are
    dropped when a worded entry exists for the same position and inline stack.
    """
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines:
        return []
    header = json.loads(lines[0])
    file = _uri_file(str(header.get("file", "")))
    worded: list[Entry] = []
    bare: list[Entry] = []
    for ln in lines[1:]:
        d = json.loads(ln)
        code = _CODES.get(str(d.get("code", "")))
        if code is None:
            continue
        inline: list[Pos] = []
        chain: list[Step] = []
        leading = True
        for rel in d.get("relatedInformation") or ():
            loc = rel.get("location") or {}
            p = _pos(loc.get("range") or {}, _uri_file(str(loc.get("uri", ""))))
            msg = str(rel.get("message", ""))
            if msg == "inlineLoc":
                if leading:
                    inline.append(p)
                continue
            leading = False
            chain.append(Step(p, msg.removeprefix("escflow:").strip()))
        e = Entry(code, _pos(d.get("range") or {}, file), str(d.get("message", "")),
                  tuple(inline), tuple(chain))  # fmt: skip
        (worded if e.message else bare).append(e)
    seen = {(e.pos, e.inline) for e in worded if e.code == ESCAPE}
    extra = [
        Entry(e.code, e.pos, "escapes to heap", e.inline)
        for e in bare
        if (e.pos, e.inline) not in seen
    ]
    return worded + extra


def parse_m2(text: str, cwd: Path) -> list[Entry]:
    """Escape facts of ``-m=2`` text with their ``flow``/``from`` lines as the chain.

    The fallback for a toolchain that writes no JSON log. ``-m`` prints no
    inline stack, so ``inline`` stays empty.
    """
    out: list[Entry] = []
    cur: Entry | None = None
    steps: list[Step] = []

    def flush() -> None:
        nonlocal cur, steps
        if cur is not None:
            out.append(Entry(cur.code, cur.pos, cur.message, (), tuple(steps)))
        cur, steps = None, []

    for raw in text.splitlines():
        m = _M_LINE.match(raw.rstrip())
        if not m:
            continue
        f = m.group("file")
        p = Pos(str(Path(f) if Path(f).is_absolute() else (cwd / f).resolve()),
                int(m.group("line")), int(m.group("col")))  # fmt: skip
        msg = m.group("msg")
        body = msg.strip()
        if cur is not None and msg.startswith(" ") and body.startswith(("flow:", "from ")):
            steps.append(Step(p, re.sub(r" at \S+$", "", body)))
            continue
        flush()
        fact = _M2_ESCAPE.match(body)
        if body.startswith("moved to heap: ") or fact:
            subject = fact.group("s") if fact else body.removeprefix("moved to heap: ")
            cur = Entry(ESCAPE, p, f"{subject} escapes to heap")
        elif body.startswith("parameter ") and " leaks to " in body:
            cur = Entry(LEAK, p, body.removesuffix(":"))
    flush()
    return _dedupe(out)


def _dedupe(entries: Iterable[Entry]) -> list[Entry]:
    seen: set[tuple[str, Pos, str]] = set()
    out = []
    for e in entries:
        k = (e.code, e.pos, e.message)
        if k not in seen:
            seen.add(k)
            out.append(e)
    return out


def read_log_dir(log_dir: Path, package_dir: Path) -> list[Entry]:
    """Every entry logged for files in ``package_dir`` (the test main is dropped)."""
    out: list[Entry] = []
    pkg = package_dir.resolve()
    for f in sorted(log_dir.rglob("*.json")):
        entries = parse_json_log(f.read_text(encoding="utf-8", errors="replace"))
        out += [
            e for e in entries if Path(e.site.file).parent == pkg or Path(e.pos.file).parent == pkg
        ]
    return out


def first_error(output: str) -> str:
    """The compiler's first error line (not a ``#`` header, not a diagnostic we asked for)."""
    for ln in output.splitlines():
        s = ln.strip()
        if not s or s.startswith("#") or s.startswith("FAIL") or s.startswith("ok "):
            continue
        m = _M_LINE.match(s)
        if m and (" escapes to heap" in s or "moved to heap" in s or "leaks to" in s
                  or "does not escape" in s or "inline" in m.group("msg")):  # fmt: skip
            continue
        return s
    return output.strip().splitlines()[0] if output.strip() else "no output"


def _go(
    tc: Toolchain, argv: list[str], cwd: Path, timeout: float
) -> subprocess.CompletedProcess[str]:
    try:
        return tc.run(argv, cwd, timeout)
    except subprocess.TimeoutExpired:
        raise BenchError(
            f"`{' '.join(argv[1:3])}` with {tc.version} timed out after {timeout:.0f}s: try again"
        ) from None
    except OSError as e:
        raise BenchError(
            f"cannot run {tc.go} ({e.strerror}): pass --go a working toolchain"
        ) from None


def locate(
    tc: Toolchain, package: str, cwd: Path, timeout: float = 300
) -> tuple[str, Path, tuple[str, ...]]:
    """The import path, directory and Go files (incl. tests) of one package pattern."""
    tmpl = (
        "{{.ImportPath}}\n{{.Dir}}\n{{range .GoFiles}}{{.}}\n{{end}}"
        "{{range .TestGoFiles}}{{.}}\n{{end}}{{range .XTestGoFiles}}{{.}}\n{{end}}"
    )
    proc = _go(tc, [str(tc.go), "list", "-f", tmpl, package], cwd, timeout)
    lines = [ln for ln in proc.stdout.splitlines() if ln.strip()]
    if proc.returncode != 0 or len(lines) < 2:
        said = first_error(proc.stderr + proc.stdout)
        raise BenchError(f"{package}: not a Go package here ({said}): "
                         "pass a package pattern such as ./pkg or --module DIR")  # fmt: skip
    d = Path(lines[1])
    return lines[0], d, tuple(str(d / f) for f in lines[2:] if f.endswith(".go"))


def compile_package(
    tc: Toolchain,
    package: str,
    cwd: Path,
    work: Path,
    *,
    json_log: bool = True,
    timeout: float = 900,
) -> Compiled:
    """``go test -c`` one package into ``work`` with the escape log for that package only.

    ``work`` must be a fresh directory (the caller's temporary one): the log
    directory inside it is new, so the compile cannot be a cache hit that
    writes no log. Falls back to ``-m=2`` when the toolchain writes no JSON.
    A compile error raises ``BenchError`` with the compiler's first error line.
    """
    import_path, pkg_dir, files = locate(tc, package, cwd)
    log_dir = work / "optlog"
    binary = work / "pkg.test"
    flag = f"-json=0,{log_dir}" if json_log else "-m=2"
    argv = [
        str(tc.go),
        "test",
        "-c",
        "-vet=off",
        "-o",
        str(binary),
        f"-gcflags={import_path}={flag}",
        import_path,
    ]
    proc = _go(tc, argv, cwd, timeout)
    out = proc.stderr + proc.stdout
    if proc.returncode != 0:
        raise BenchError(f"{import_path} does not compile with {tc.version}: {first_error(out)}")
    have_bin = binary.is_file()
    if json_log and log_dir.is_dir() and any(log_dir.rglob("*.json")):
        entries = read_log_dir(log_dir, pkg_dir)
        source = "json"
    elif json_log:
        return compile_package(tc, package, cwd, work, json_log=False, timeout=timeout)
    else:
        entries = [e for e in parse_m2(out, cwd) if Path(e.pos.file).parent == pkg_dir.resolve()]
        source = "m=2"
    return Compiled(
        binary if have_bin else None, import_path, pkg_dir, tuple(entries), source, files
    )
