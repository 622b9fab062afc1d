"""ARCHITECTURE.md stays true: it names every module of bench/, analysis/ and benchmarks/."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import ROOT

TEXT = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")


def _named(path: Path) -> bool:
    """Named by its path, or (inside a package) as `pkg/` with the module's name in backticks."""
    rel = path.relative_to(ROOT).as_posix()
    if f"`{rel}`" in TEXT:
        return True
    package = rel.rsplit("/", 1)[0] + "/"
    if package.count("/") < 2 or f"`{package}`" not in TEXT:
        return False
    return path.name == "__init__.py" or f"`{path.stem}`" in TEXT


def test_every_module_is_in_architecture_md() -> None:
    modules = [
        p
        for top in ("bench", "analysis", "benchmarks")
        for p in sorted((ROOT / top).rglob("*.py"))
        if p.parent.name != "gofuncs"
    ]
    missing = [p.relative_to(ROOT).as_posix() for p in modules if not _named(p)]
    assert not missing, f"ARCHITECTURE.md does not list: {missing}"
