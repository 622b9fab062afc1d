"""Compile the cases package with escape diagnostics and parse them into records.

Neighbours: ``bench.toolchain`` supplies the ``go`` to run, ``bench.verify``
checks ``// escape:`` annotations against the records made here.

Which compiler output we read, and why ``-m`` (level 1):

* ``-gcflags=<pkg>=-m`` prints one line per fact, ``file:line:col: message``,
  with messages that have not changed in wording from Go 1.21 to 1.27
  (``moved to heap: x``, ``x escapes to heap``, ``leaking param: p``, ...;
  1.27 adds ``append escapes to heap``). It is what the article shows, what
  users type, and — decisive — the go command stores it in the build cache and
  *replays it on a cache hit*, so a second build prints the same lines without
  recompiling.
* ``-m=2`` adds multi-line flow explanations (``flow: ~r0 = &x:``,
  ``from &x (address-of) at ...``) and ``can inline F with cost N as: <source>``
  lines that embed Go source (colons and all); the facts are the same, the
  format is more fragile and ten times longer.
* ``-json=0,<dir>`` (the LSP log gopls reads) writes files as a side effect of
  running the compiler: on a build-cache hit nothing is written, so we would
  have to force rebuilds (``-a``). Worse, escape analysis logs there only
  non-variable escapes, as a bare ``escape`` code without the subject: the
  ``moved to heap: x`` fact (the article's first example) is never logged
  (``escape.(*batch).finish`` in Go 1.21 through 1.27), nor "does not escape".

The build is ``go test -c -vet=off -o <tmp> -gcflags=<pkg>=-m <pkg>``: test
files hold the benchmarks, so they must be compiled; ``-vet=off`` because
``go test -c`` runs vet and a vet complaint is not a compile error; the
pattern on ``-gcflags`` limits ``-m`` to our package (it also matches the
generated test main in the same directory, whose section we drop).

Each diagnostic is attributed to the enclosing Go function, named like the
compiler names it (``F``, ``T.M``, ``(*T).M``, ``F.func1``, ``F.func1.1``).
The spans come from a tiny Go program (``bench/gofuncs``, standard library
only) run with the same toolchain: ``go/parser`` gets raw strings, runes and
braces in comments right, which a Python brace scanner would have to
reimplement. The same pass returns the ``// escape:`` comments, so annotations
are found by the Go lexer too (never inside a string literal).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from bench.build import build_test_binary
from bench.cases import Module
from bench.errors import CommandError
from bench.toolchain import Toolchain, cache_dir
from bench.vocab.diagnostic import DOES_NOT_ESCAPE, ESCAPES_TO_HEAP, HEAP_KINDS, MOVED_TO_HEAP

# The kinds escape analysis produces, first in KINDS.
_ESCAPE_ANALYSIS = (
    MOVED_TO_HEAP,
    ESCAPES_TO_HEAP,
    DOES_NOT_ESCAPE,
    "leaking-param",
    "leaking-param-content",
    "leaking-closure",
)
#: Every kind a diagnostic can have. ``leaking-closure`` is the pre-1.13
#: ``leaking closure reference x`` and the ``-d=closure`` ``heap closure`` line;
#: Go 1.21+ ``-m`` reports a closure's own allocation as
#: ``func literal escapes to heap`` (kind ``escapes-to-heap``).
KINDS = (*_ESCAPE_ANALYSIS, "can-inline", "inlining-call", "devirtualized", "stack-object", "other")
#: The kinds escape analysis produces (as opposed to inlining/devirtualisation notes).
ESCAPE_KINDS = frozenset(_ESCAPE_ANALYSIS)

GOFUNCS_DIR = Path(__file__).resolve().parent / "gofuncs"

# The file part is lazy up to the first ``.go:<line>:`` so that messages with
# colons (``"a: b" escapes to heap``) and Windows drive letters both survive.
_LINE_RE = re.compile(r"^(?P<file>.+?\.go):(?P<line>\d+):(?:(?P<col>\d+):)? (?P<msg>.*)$")
_HEADER_RE = re.compile(r"^# (?P<pkg>\S+)(?: \[(?P<test>\S+)\])?$")

_LEAKING_CLOSURE_RE = re.compile(
    r"^(?:leaking closure reference (?P<s>.+)|heap closure, captured vars = (?P<s2>.*))$"
)
_DEVIRTUALIZED_RE = re.compile(
    r"^(?:PGO )?(?:partially )?devirtualizing (?:interface call |function call )?(?P<s>\S+) to "
)
_CLASSIFIERS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (MOVED_TO_HEAP, re.compile(r"^moved to heap: (?P<s>.+)$")),
    (ESCAPES_TO_HEAP, re.compile(r"^(?P<s>.+?) escapes to heap:?$")),
    (DOES_NOT_ESCAPE, re.compile(r"^(?P<s>.+?) does not escape(?:, mutate, or call)?$")),
    ("leaking-param-content", re.compile(r"^leaking param content: (?P<s>.+)$")),
    ("leaking-param", re.compile(r"^leaking param: (?P<s>\S+)(?: to result \S+ level=\d+)?$")),
    ("leaking-closure", _LEAKING_CLOSURE_RE),
    ("can-inline", re.compile(r"^can inline (?P<s>\S+)")),
    ("inlining-call", re.compile(r"^inlining call to (?P<s>\S+)")),
    ("devirtualized", _DEVIRTUALIZED_RE),
    ("stack-object", re.compile(r"^stack object (?P<s>\S+)")),
)


@dataclass(frozen=True)
class Diagnostic:
    """One line of ``-gcflags=-m`` output: where, what kind, about what.

    ``file`` is relative to the module root (POSIX separators) once
    :func:`collect` has placed it; ``subject`` is the variable or expression
    the message is about (``x`` for ``moved to heap: x``, ``make([]int, n)``
    for ``make([]int, n) escapes to heap``, the function for ``can inline F``);
    ``func`` is the enclosing function as the compiler names it, "" when
    unknown (not attributed yet, or outside every function).
    """

    file: str
    line: int
    col: int
    kind: str
    subject: str
    message: str
    func: str = ""

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}: {self.message}"

    @property
    def heap(self) -> bool:
        """The compiler says this subject is allocated on the heap (``bench.vocab.diagnostic``)."""
        return self.kind in HEAP_KINDS

    def to_json(self) -> dict[str, object]:
        return asdict(self)

    @classmethod
    def from_json(cls, d: dict[str, object]) -> Diagnostic:
        return cls(
            file=str(d.get("file", "")),
            line=int(d.get("line", 0)),  # type: ignore[arg-type]
            col=int(d.get("col", 0)),
            kind=str(d.get("kind", "other")),  # type: ignore[arg-type]
            subject=str(d.get("subject", "")),
            message=str(d.get("message", "")),
            func=str(d.get("func", "")),
        )


def classify(message: str) -> tuple[str, str]:
    """The kind and subject of one ``-m`` message (without its position)."""
    for kind, rx in _CLASSIFIERS:
        m = rx.match(message)
        if m:
            subject = m.group("s")
            if subject is None and "s2" in rx.groupindex:
                subject = m.group("s2")
            return kind, (subject or "").strip()
    return "other", ""


def parse(
    text: str, *, cwd: str | Path | None = None, root: str | Path | None = None
) -> list[Diagnostic]:
    """Every diagnostic line of ``go build/test -gcflags=-m`` output, in order.

    Sections of the generated test main (``# pkg.test``) and positions in
    ``_testmain.go`` or ``<autogenerated>`` are dropped: they are not our code.
    Paths are printed relative to the directory go ran in (``cwd``); with
    ``root`` they are rewritten relative to it (POSIX), else kept as printed.
    Lines that are not diagnostics (headers, compiler errors without a ``.go``
    position) are skipped: callers that care about errors read the exit code.
    """
    out: list[Diagnostic] = []
    skip_section = False
    for raw in text.splitlines():
        line = raw.rstrip("\r")
        h = _HEADER_RE.match(line)
        if h:
            # ``# mod/pkg.test`` alone is the generated test main; the package
            # under test is ``# mod/pkg [mod/pkg.test]``.
            skip_section = h.group("test") is None and h.group("pkg").endswith(".test")
            continue
        if skip_section:
            continue
        m = _LINE_RE.match(line)
        if not m:
            continue
        file = m.group("file")
        if file.endswith("_testmain.go") or file.startswith("<"):
            continue
        msg = m.group("msg")
        kind, subject = classify(msg)
        out.append(
            Diagnostic(
                file=_place(file, cwd, root),
                line=int(m.group("line")),
                col=int(m.group("col") or 0),
                kind=kind,
                subject=subject,
                message=msg,
            )
        )
    return out


def _place(file: str, cwd: str | Path | None, root: str | Path | None) -> str:
    if root is None:
        return file
    p = Path(file)
    if not p.is_absolute():
        p = Path(cwd if cwd is not None else root) / p
    p = Path(os.path.normpath(p))
    try:
        return p.relative_to(Path(os.path.normpath(Path(root).resolve()))).as_posix()
    except ValueError:
        return p.as_posix()


def unique(diags: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Diagnostics without repeats (inlined copies print the same line twice), in order."""
    seen: set[tuple[str, int, int, str]] = set()
    out = []
    for d in diags:
        key = (d.file, d.line, d.col, d.message)
        if key not in seen:
            seen.add(key)
            out.append(d)
    return out


# --------------------------------------------------------------------------
# Source outline: function spans and escape: comments (from bench/gofuncs).


@dataclass(frozen=True)
class FuncSpan:
    """A function or function literal and its source span (end exclusive)."""

    file: str
    name: str
    line: int
    col: int
    end_line: int
    end_col: int
    lit: bool = False

    def contains(self, file: str, line: int, col: int) -> bool:
        return file == self.file and (self.line, self.col) <= (line, col) < (
            self.end_line,
            self.end_col,
        )


@dataclass(frozen=True)
class Comment:
    """A ``//`` comment whose text starts with ``escape:`` (1-based byte column)."""

    file: str
    line: int
    col: int
    text: str


@dataclass(frozen=True)
class Outline:
    """What ``bench/gofuncs`` says about a package's files."""

    funcs: tuple[FuncSpan, ...] = ()
    comments: tuple[Comment, ...] = ()

    def enclosing(self, file: str, line: int, col: int) -> FuncSpan | None:
        """The innermost function whose span holds the position."""
        best: FuncSpan | None = None
        for f in self.funcs:
            if f.contains(file, line, col) and (
                best is None or (f.line, f.col) >= (best.line, best.col)
            ):
                best = f
        return best

    @classmethod
    def from_json(cls, data: dict[str, object], *, root: str | Path | None = None) -> Outline:
        def rel(p: object) -> str:
            return _place(str(p), root, root)

        funcs = tuple(
            FuncSpan(
                file=rel(f["file"]),
                name=str(f["name"]),
                line=int(f["line"]),
                col=int(f["col"]),
                end_line=int(f["end_line"]),
                end_col=int(f["end_col"]),
                lit=bool(f.get("lit", False)),
            )
            for f in data.get("funcs") or []
        )  # type: ignore[union-attr]
        comments = tuple(
            Comment(
                file=rel(c["file"]), line=int(c["line"]), col=int(c["col"]), text=str(c["text"])
            )
            for c in data.get("comments") or []
        )  # type: ignore[union-attr]
        return cls(funcs=funcs, comments=comments)


def attribute(diags: Iterable[Diagnostic], outline: Outline) -> list[Diagnostic]:
    """Fill in ``func`` for each diagnostic from the outline's spans.

    A ``func literal escapes to heap`` / ``does not escape`` diagnostic sits on
    the literal's own ``func`` keyword, but the allocation it describes happens
    in the function that evaluates the literal, so it goes to the parent.
    """
    out = []
    for d in diags:
        span = outline.enclosing(d.file, d.line, d.col)
        if (
            span is not None
            and span.lit
            and d.subject == "func literal"
            and d.kind in ESCAPE_KINDS
            and (span.line, span.col) == (d.line, d.col)
        ):
            parents = [
                f for f in outline.funcs if f is not span and f.contains(d.file, d.line, d.col)
            ]
            span = max(parents, key=lambda f: (f.line, f.col), default=None)
        out.append(replace(d, func=span.name if span else ""))
    return out


def normalize_func(name: str) -> str:
    """A function name without type arguments: ``F[go.shape.int]`` -> ``F``.

    The compiler prints instantiated names; manifests and our outline do not.
    """
    prev = None
    while prev != name:
        prev = name
        name = re.sub(r"\[[^\[\]]*\]", "", name)
    return name


def _run(
    argv: Sequence[str], *, cwd: Path, env: dict[str, str], what: str, advice: str, timeout: float
) -> subprocess.CompletedProcess[str]:
    try:
        proc = subprocess.run(
            list(argv),
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=timeout,
        )
    except subprocess.TimeoutExpired as e:
        out = e.stderr if isinstance(e.stderr, str) else ""
        raise CommandError(
            f"{what} timed out after {timeout:.0f}s", argv, -1, out, advice
        ) from None
    except OSError as e:
        raise CommandError(
            f"{what}: cannot run {argv[0]} ({e.strerror})", argv, -1, "", advice
        ) from None
    if proc.returncode != 0:
        raise CommandError(what, argv, proc.returncode, proc.stderr + proc.stdout, advice)
    return proc


def _gofuncs_binary(toolchain: Toolchain) -> Path:
    """Build ``bench/gofuncs`` once per toolchain and source, into the cache."""
    h = hashlib.sha256()
    for name in ("go.mod", "main.go"):
        h.update((GOFUNCS_DIR / name).read_bytes())
    h.update(toolchain.version.encode())
    name = "gofuncs.exe" if os.name == "nt" else "gofuncs"
    exe = cache_dir() / "gofuncs" / f"{toolchain.short_version}-{h.hexdigest()[:12]}" / name
    if exe.is_file():
        return exe
    exe.parent.mkdir(parents=True, exist_ok=True)
    tmp = exe.with_name(f".gofuncs.{os.getpid()}.tmp")
    argv = [str(toolchain.go), "build", "-o", str(tmp), "."]
    _run(
        argv,
        cwd=GOFUNCS_DIR,
        env=toolchain.env(),
        timeout=600,
        what=f"building escapebench's source outliner with {toolchain.version} failed",
        advice="check that the toolchain works (`go version`) or reinstall escapebench",
    )
    os.replace(tmp, exe)
    return exe


def outline(
    toolchain: Toolchain,
    files: Sequence[str | Path],
    *,
    root: str | Path | None = None,
    timeout: float = 300,
) -> Outline:
    """Function spans and ``escape:`` comments of Go ``files`` (paths relative to ``root``)."""
    if not files:
        return Outline()
    exe = _gofuncs_binary(toolchain)
    base = Path(root) if root is not None else Path.cwd()
    argv = [str(exe), "-go", toolchain.version, *(str(base / f) for f in files)]
    proc = _run(
        argv,
        cwd=base,
        env=toolchain.env(),
        timeout=timeout,
        what="reading Go sources for function spans failed",
        advice="fix the Go syntax error it names",
    )
    return Outline.from_json(json.loads(proc.stdout), root=base)


@dataclass(frozen=True)
class PackageDiagnostics:
    """Everything the compiler and the outliner said about one package with one toolchain."""

    go: str
    package: str  # directory relative to the module root, "." for the root
    files: tuple[str, ...]  # the Go files the build used, relative to the module root
    diagnostics: tuple[Diagnostic, ...]
    outline: Outline
    output: str  # the compiler's output verbatim (for capture and debugging)


def package_files(toolchain: Toolchain, module: Module, *, timeout: float = 300) -> tuple[str, ...]:
    """The Go files (incl. tests) ``go`` builds for the cases package with this toolchain.

    Asked from ``go list`` so that build constraints (``//go:build go1.24``)
    select the same files the compiler sees.
    """
    tmpl = (
        "{{.Dir}}\n{{range .GoFiles}}{{.}}\n{{end}}{{range .CgoFiles}}{{.}}\n{{end}}"
        "{{range .TestGoFiles}}{{.}}\n{{end}}{{range .XTestGoFiles}}{{.}}\n{{end}}"
    )
    argv = [str(toolchain.go), "list", "-f", tmpl, module.package]
    proc = _run(
        argv,
        cwd=module.root,
        env=toolchain.env(),
        timeout=timeout,
        what=f"`go list {module.package}` with {toolchain.version} failed",
        advice="check the module's go.mod and package directory",
    )
    lines = [ln for ln in proc.stdout.splitlines() if ln.strip()]
    if not lines:
        return ()
    pkg_dir = Path(lines[0])
    root = module.root.resolve()
    return tuple(sorted((pkg_dir / f).resolve().relative_to(root).as_posix() for f in lines[1:]))


def compile_output(toolchain: Toolchain, module: Module, *, timeout: float = 900) -> str:
    """Build the cases package's test binary with ``-m`` and return what the compiler printed.

    Compile errors raise ``CommandError`` carrying the compiler's error lines
    (the ``-m`` lines around them are filtered out so the first lines are the
    errors).
    """
    with tempfile.TemporaryDirectory(prefix="escapebench-m-") as tmp:
        proc = build_test_binary(
            toolchain, module, Path(tmp) / "cases.test", gcflags="-m", timeout=timeout
        )
    argv = [str(a) for a in proc.args]
    output = proc.stderr + proc.stdout
    if proc.returncode != 0:
        errors = [
            ln
            for ln in output.splitlines()
            if ln.strip() and not ln.startswith("#") and not _is_m_line(ln)
        ]
        raise CommandError(
            f"{module.root / module.package} does not compile with {toolchain.version}",
            argv,
            proc.returncode,
            "\n".join(errors) or output,
            f"fix the Go code so it builds with {toolchain.version}",
        )
    return output


def _is_m_line(line: str) -> bool:
    m = _LINE_RE.match(line)
    return bool(m) and classify(m.group("msg"))[0] != "other"


def collect(toolchain: Toolchain, module: Module) -> PackageDiagnostics:
    """Compile the cases package with ``-m``, parse, keep our files, attribute to functions."""
    files = package_files(toolchain, module)
    output = compile_output(toolchain, module)
    fileset = set(files)
    diags = [
        d for d in parse(output, cwd=module.root, root=module.root.resolve()) if d.file in fileset
    ]
    out = outline(toolchain, files, root=module.root.resolve())
    pkg = Path(module.package).as_posix().removeprefix("./") or "."
    return PackageDiagnostics(
        go=toolchain.version,
        package=pkg,
        files=files,
        diagnostics=tuple(attribute(diags, out)),
        outline=out,
        output=output,
    )
