"""Locate the Go cases and read their manifest (``go_cases/cases.toml``).

The manifest is the one source of truth for what a pair is about: its article
section, title, what should escape, and the paragraph a report reader sees;
``bench.vocab.manifest`` reads it into typed records, once.
The Go code holds the expectations per line (``// escape:`` annotations).
A user's module needs no manifest: ``list_pairs`` then finds its pairs from
the benchmark names (``BenchmarkX`` with ``variant=escape`` and
``variant=noescape`` sub-benchmarks), as ``bench run --module`` measures them.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from bench.errors import InputError
from bench.vocab import manifest as mf
from bench.vocab.manifest import Case, Manifest

MANIFEST = "cases.toml"
CASES_PACKAGE = "./cases"


@dataclass(frozen=True)
class Module:
    """A Go module of pairs: its root, the package with the benchmarks, its manifest."""

    root: Path
    package: str = CASES_PACKAGE
    manifest: Manifest | None = field(default=None, compare=False)

    @property
    def package_dir(self) -> Path:
        return (self.root / self.package).resolve()


@dataclass(frozen=True)
class Found:
    """The pairs of a module and where they were found (``cases.toml`` or benchmark names)."""

    module: Module
    cases: tuple[Case, ...]
    source: str


def default_root() -> Path:
    """``go_cases/`` from a checkout (editable install) or from the installed wheel."""
    here = Path(__file__).resolve().parent
    for cand in (here.parent / "go_cases", here / "go_cases"):
        if (cand / "go.mod").is_file():
            return cand
    try:
        # only an installed wheel has this package (a checkout returned above)
        import go_cases  # type: ignore[import-not-found]  # shipped as package data

        for loc in getattr(go_cases, "__path__", []):
            if (Path(loc) / "go.mod").is_file():
                return Path(loc)
    except ImportError:
        pass
    raise InputError(
        "cannot find the bundled go_cases/ directory: reinstall escapebench "
        "(pip install escapebench) or pass --module DIR"
    )


def load_module(root: str | Path | None = None) -> Module:
    """The bundled cases, or a user's module (``--module DIR``) following our conventions.

    A user's module may keep its benchmarks at the root or in ``./cases``; the
    manifest is optional there (annotations alone are enough to verify). A
    package directory inside a module (``mymod/internal/hot``) names that
    package: the module is the nearest parent with a ``go.mod``.
    """
    base = Path(root).expanduser().resolve() if root is not None else default_root()
    package = ""
    if not (base / "go.mod").is_file() and base.is_dir():
        parent = next((p for p in base.parents if (p / "go.mod").is_file()), None)
        if parent is not None:
            package, base = "./" + base.relative_to(parent).as_posix(), parent
    if not (base / "go.mod").is_file():
        raise InputError(
            f"{base}: no go.mod here or above: pass --module the directory of a Go module "
            "or of a package inside one"
        )
    package = package or (CASES_PACKAGE if (base / "cases").is_dir() else ".")
    # the manifest describes the module's pairs package; another package has none
    own = package in (CASES_PACKAGE, ".")
    manifest = mf.load(base / MANIFEST) if own and (base / MANIFEST).is_file() else None
    return Module(root=base, package=package, manifest=manifest)


def source_hash(root: Path) -> str:
    """A hash of every file that goes into the test binary (cache key for builds)."""
    files = [
        p
        for p in sorted(root.rglob("*"))
        if p.is_file() and (p.suffix in {".go", ".s"} or p.name in {"go.mod", "go.sum"})
    ]
    return _files_hash(root, files)[:16]


def _files_hash(root: Path, files: list[Path]) -> str:
    """sha256 over each file's path below ``root`` and its bytes, in the order given."""
    h = hashlib.sha256()
    for p in files:
        h.update(p.relative_to(root).as_posix().encode())
        h.update(b"\0")
        h.update(p.read_bytes())
        h.update(b"\0")
    return h.hexdigest()


_GO_MODULE = re.compile(r"^module\s+(\S+)", re.M)
_IMPORT_BLOCK = re.compile(r"^import\s*\((.*?)\)", re.M | re.S)
_IMPORT_LINE = re.compile(r'^import\s+(?:[\w.]+\s+)?"([^"]+)"', re.M)
_QUOTED = re.compile(r'"([^"]+)"')


def go_module_path(root: Path) -> str:
    """The ``module`` line of ``root/go.mod`` ("" when it has none)."""
    try:
        m = _GO_MODULE.search((root / "go.mod").read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return ""
    return m.group(1) if m else ""


def import_path(module: Module) -> str:
    """The measured package's import path (``escapebench/go_cases/cases``): where it was run
    from does not change it, so runs of one module made anywhere pool ("" without go.mod's
    ``module`` line)."""
    mod = go_module_path(module.root)
    rel = module.package_dir.relative_to(module.root.resolve()).as_posix()
    return "" if not mod else (mod if rel == "." else f"{mod}/{rel}")


def _imports(text: str) -> set[str]:
    found = set(_IMPORT_LINE.findall(text))
    for block in _IMPORT_BLOCK.findall(text):
        found.update(_QUOTED.findall(block))
    return found


def measured_files(module: Module) -> list[Path]:
    """The files the measured package is built from: its Go files and its in-module imports.

    The benchmark package's every ``.go``/``.s`` file (its tests are the
    benchmarks), the non-test files of each package of the same module it
    imports, transitively, and ``go.mod``/``go.sum``. Packages it does not
    import (a neighbour such as ``go_cases/prices``) are left out, so editing
    them does not make a new condition.
    """
    root = module.root.resolve()
    mod = go_module_path(root)
    files: set[Path] = {p for p in (root / "go.mod", root / "go.sum") if p.is_file()}
    todo, seen = [module.package_dir], set()
    while todo:
        d = todo.pop()
        if d in seen or not d.is_dir():
            continue
        seen.add(d)
        for p in sorted(d.iterdir()):
            if p.suffix not in {".go", ".s"} or not p.is_file():
                continue
            if d != module.package_dir and p.name.endswith("_test.go"):
                continue
            files.add(p)
            if p.suffix != ".go" or not mod:
                continue
            for imp in _imports(p.read_text(encoding="utf-8", errors="replace")):
                if imp == mod or imp.startswith(mod + "/"):
                    todo.append((root / imp[len(mod) :].lstrip("/")).resolve())
    return sorted(files)


def measured_sources(module: Module) -> str:
    """A short hash of :func:`measured_files`: which version of the code a run measured."""
    return _files_hash(module.root.resolve(), measured_files(module))[:12]


_FUNC = re.compile(r"^func\s+Benchmark(\w+)\s*\(\s*\w+\s+\*testing\.B\s*\)", re.M)
_DOC = re.compile(r"(?:^//[^\n]*\n)+\Z", re.M)


def _pairs_in(text: str) -> list[Case]:
    """Pairs of one ``_test.go`` file: benchmarks that run both variant sub-benchmarks."""
    found = []
    starts = list(_FUNC.finditer(text))
    for i, m in enumerate(starts):
        body = text[m.end() : starts[i + 1].start() if i + 1 < len(starts) else len(text)]
        if '"variant=escape"' not in body or '"variant=noescape"' not in body:
            continue
        doc = _DOC.search(text[: m.start()])
        title = doc.group(0).splitlines()[0].lstrip("/ ").strip() if doc else ""
        title = title.removeprefix(f"Benchmark{m.group(1)}").strip(" :-")
        found.append(Case(id=m.group(1), section="", title=title, parallel="RunParallel" in body))
    return found


def discover_pairs(module: Module) -> tuple[Case, ...]:
    """Pairs from the benchmark names in the module's ``_test.go`` files (no manifest needed).

    A static scan, so it needs no toolchain: a function ``BenchmarkX(b
    *testing.B)`` whose body mentions both ``"variant=escape"`` and
    ``"variant=noescape"`` (the ``b.Run`` names) is pair ``X``.
    """
    cases: dict[str, Case] = {}
    for path in sorted(module.package_dir.glob("*_test.go")):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise InputError(f"{path}: cannot read ({e}): check the file") from None
        for c in _pairs_in(text):
            cases.setdefault(c.id, c)
    return tuple(sorted(cases.values(), key=lambda c: c.id))


def list_pairs(root: str | Path | None = None) -> Found:
    """The pairs ``bench cases`` lists: the manifest's, else those the benchmark names show."""
    module = load_module(root)
    if module.manifest is not None and module.manifest.cases:
        return Found(module, module.manifest.cases, f"{MANIFEST}")
    return Found(module, discover_pairs(module), "found from benchmark names")
