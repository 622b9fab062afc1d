"""Find benchstat's reference outputs (the oracle) and list its cases for tests.

Every test that checks us against the real Go ``benchstat`` goes through this
module, so the location rules live in one place: ``$ESCAPEBENCH_ORACLE_DIR`` if
set, else ``<repo>/../shared/oracle/benchstat``. A held-out set with other
cases may be swapped in, so tests iterate ``index.json`` and never name a
case. Only a missing oracle directory skips (with the reason); a directory
without a readable ``index.json`` fails, because that is a broken oracle.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ENV_VAR = "ESCAPEBENCH_ORACLE_DIR"
REPO = Path(__file__).resolve().parent.parent


def oracle_dir() -> Path:
    """Where the oracle should be; it may not exist."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env)
    return REPO.parent / "shared" / "oracle" / "benchstat"


def skip_reason(root: Path | None = None) -> str | None:
    """Why oracle tests must skip, or None when the oracle is there."""
    root = root or oracle_dir()
    if root.is_dir():
        return None
    return f"benchstat oracle not found at {root} (set {ENV_VAR} to its directory)"


def _positional(args: list[str]) -> list[str]:
    """benchstat's input arguments: what Go's flag package leaves after flags.

    Only a fallback for an ``args.json`` without a ``parse`` entry; every
    benchstat flag takes a value (``-col /x`` or ``-col=/x``).
    """
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--":
            return args[i + 1:]
        if not a.startswith("-") or a == "-":
            break
        i += 1 if "=" in a else 2
    return args[i:]


@dataclass(frozen=True)
class OracleCase:
    """One oracle case folder: its inputs, argv and benchstat's outputs."""

    name: str
    dir: Path
    description: str = ""
    #: benchstat's argv for the text-format run (flags and inputs).
    args: tuple[str, ...] = ()
    #: Input file names relative to ``dir``.
    inputs: tuple[str, ...] = ()
    #: The case's ``args.json`` (empty if it has none).
    meta: Mapping[str, Any] = field(default_factory=dict)

    @property
    def parse_argv(self) -> tuple[str, ...]:
        """Positional inputs as benchstat got them (``label=path`` kept)."""
        parse = self.meta.get("parse")
        if isinstance(parse, Mapping) and "argv" in parse:
            return tuple(parse["argv"])
        return tuple(_positional(list(self.args)))

    def path(self, name: str) -> Path:
        return self.dir / name

    def has(self, name: str) -> bool:
        return (self.dir / name).is_file()

    def text(self, name: str) -> str:
        return (self.dir / name).read_text(encoding="utf-8")

    def jsonl(self, name: str) -> list[dict[str, Any]]:
        """A JSON-lines file as a list of objects (blank lines skipped)."""
        return [json.loads(ln) for ln in self.text(name).splitlines() if ln.strip()]

    def run(self, fmt: str = "text") -> Mapping[str, Any] | None:
        """The ``args.json`` run entry for an output format (``text``/``csv``)."""
        for r in self.meta.get("runs", ()):
            if r.get("format") == fmt:
                return r
        return None


def load_cases(root: Path | None = None) -> list[OracleCase]:
    """Every case listed in the oracle's ``index.json``, in index order."""
    root = root or oracle_dir()
    index = json.loads((root / "index.json").read_text(encoding="utf-8"))
    entries = index["cases"] if isinstance(index, Mapping) else index
    cases = []
    for e in entries:
        name = e["case"]
        d = root / name
        meta: dict[str, Any] = {}
        if (d / "args.json").is_file():
            meta = json.loads((d / "args.json").read_text(encoding="utf-8"))
        cases.append(OracleCase(
            name=name,
            dir=d,
            description=e.get("description", meta.get("description", "")),
            args=tuple(e.get("args", ())),
            inputs=tuple(e.get("inputs", meta.get("inputs", ()))),
            meta=meta,
        ))
    return cases


def case_params(root: Path | None = None) -> list[Any]:
    """``pytest.param`` per case (id = case name), for ``parametrize``.

    Without an oracle directory this is one skipped param, so the skip and
    its reason show up in the test report instead of silently no tests.
    """
    reason = skip_reason(root)
    if reason is not None:
        return [pytest.param(None, id="no-oracle", marks=pytest.mark.skip(reason=reason))]
    return [pytest.param(c, id=c.name) for c in load_cases(root)]
