"""The import contracts in pyproject.toml cover every module, new bench modules included."""

from __future__ import annotations

import pkgutil
import sys
from pathlib import Path

import bench

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
#: What analysis may import from bench: the data model, the error family and the shared
#: vocabulary (units, config keys, conditions), nothing that measures.
ALLOWED = {"bench.model", "bench.errors", "bench.vocab"}


def contracts() -> list[dict]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return config["tool"]["importlinter"]["contracts"]


def test_analysis_is_forbidden_every_bench_module_but_the_model() -> None:
    (pure,) = [c for c in contracts() if c["source_modules"] == ["analysis"]]
    modules = {f"bench.{m.name}" for m in pkgutil.iter_modules(bench.__path__)}
    assert modules - ALLOWED - {"bench.gofuncs"} <= set(pure["forbidden_modules"])
    assert not ALLOWED & set(pure["forbidden_modules"])


def test_only_the_cli_of_bench_sees_analysis() -> None:
    (side,) = [c for c in contracts() if c["source_modules"] == ["bench"]]
    assert side["forbidden_modules"] == ["analysis"]
    assert side["ignore_imports"] == ["bench.cli.** -> analysis.**"]
