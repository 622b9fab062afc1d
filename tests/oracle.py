"""The benchstat oracle: find it, list its cases, read its records; ONE loader for all.

The oracle is benchstat's real output on public inputs, committed under
``tests/data/benchstat/`` (see its README.md for provenance and licence), so a
clone runs every parity test. ``$ESCAPEBENCH_ORACLE_DIR`` points the tests at
another set with the same layout (e.g. a held-out one); tests iterate
``index.json`` and never name a case.

A missing oracle directory is a visible skip on a developer's machine and a
failure under ``CI=true``; a directory without a readable ``index.json`` always
fails, because that is a broken oracle, not a missing one.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bench.model import Name, Result, UnitMeta, Value

ENV_VAR = "ESCAPEBENCH_ORACLE_DIR"
REPO = Path(__file__).resolve().parent.parent
DEFAULT_DIR = REPO / "tests" / "data" / "benchstat"


def oracle_dir() -> Path:
    """Where the oracle should be; it may not exist."""
    env = os.environ.get(ENV_VAR)
    return Path(env) if env else DEFAULT_DIR


def in_ci() -> bool:
    """``CI=true``: nothing may skip."""
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def skip_reason(root: Path | None = None) -> str | None:
    """Why oracle tests must skip, or None when the oracle is there."""
    root = root or oracle_dir()
    if root.is_dir():
        return None
    return f"benchstat oracle not found at {root} (set {ENV_VAR} to its directory)"


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
        return tuple(benchstat_args(list(self.args))[1])

    @property
    def runs(self) -> list[Mapping[str, Any]]:
        """``args.json``'s runs: ``argv``, ``stdout``, ``stderr`` file names per format."""
        return list(self.meta.get("runs", ()))

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
        for r in self.runs:
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
        d = root / e["case"]
        meta: dict[str, Any] = {}
        if (d / "args.json").is_file():
            meta = json.loads((d / "args.json").read_text(encoding="utf-8"))
        cases.append(
            OracleCase(
                name=e["case"],
                dir=d,
                description=e.get("description", meta.get("description", "")),
                args=tuple(e.get("args", ())),
                inputs=tuple(e.get("inputs", meta.get("inputs", ()))),
                meta=meta,
            )
        )
    return cases


def case_params(root: Path | None = None) -> list[Any]:
    """``pytest.param`` per case (id = case name), for ``parametrize``.

    Without an oracle directory this is one param that skips with the reason
    (so the report shows it) or, under ``CI=true``, fails.
    """
    reason = skip_reason(root)
    if reason is None:
        return [pytest.param(c, id=c.name) for c in load_cases(root)]
    if in_ci():  # the test gets the reason and fails through require()
        return [pytest.param(reason, id="no-oracle")]
    return [pytest.param(None, id="no-oracle", marks=pytest.mark.skip(reason=reason))]


def require(case: OracleCase | str | None) -> OracleCase:
    """The case a parametrized test got; fails (never skips) on the missing-oracle marker."""
    if not isinstance(case, OracleCase):
        pytest.fail(str(case) if case else "benchstat oracle missing")
    return case


# --- benchstat's argv and parse records, as bench.model records ---------------------

_FLAGS = {
    "confidence": "confidence",
    "alpha": "alpha",
    "col": "col",
    "row": "row",
    "filter": "filter",
    "ignore": "ignore",
    "table": "table",
    "format": "format",
}


def benchstat_args(argv: list[str]) -> tuple[dict[str, Any], list[str]]:
    """Go ``flag`` semantics for benchstat's flags: ``-f v``/``-f=v``/``--f v``, then inputs."""
    opts: dict[str, Any] = {}
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--":
            i += 1
            break
        if not a.startswith("-") or a == "-":
            break
        name, eq, val = a.lstrip("-").partition("=")
        key = _FLAGS.get(name)
        if key is None:
            raise ValueError(f"unknown benchstat flag {a}")
        if not eq:
            i += 1
            val = argv[i]
        opts[key] = float(val) if key in ("alpha", "confidence") else val
        i += 1
    return opts, argv[i:]


@dataclass
class Parsed:
    """benchstat's own parse of a case's inputs (``parse.jsonl``) as our records."""

    results: list[Result] = field(default_factory=list)
    units: dict[tuple[str, str], str] = field(default_factory=dict)
    unit_records: list[UnitMeta] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _result(rec: Mapping[str, Any]) -> Result:
    values = tuple(
        Value(
            float(v["value"]),
            v["unit"],
            float(v["orig_value"]) if v["orig_unit"] else None,
            v["orig_unit"] or None,
        )
        for v in rec["values"]
    )
    label = next(c["value"] for c in rec["config"] if c["key"] == ".file")
    config = tuple((c["key"], c["value"]) for c in rec["config"] if c["file"])
    name = Name(rec["name"], rec["name_base"], tuple(rec["name_parts"]))
    return Result(name, int(rec["iters"]), values, config, label, int(rec["pos_line"]))


def load_parse_jsonl(case: OracleCase) -> Parsed:
    """Records from benchstat's parser oracle (``parse.jsonl``), so compare tests do not
    depend on our parser."""
    out = Parsed()
    for rec in case.jsonl("parse.jsonl"):
        kind = rec["kind"]
        if kind == "result":
            out.results.append(_result(rec))
        elif kind == "syntax_error":
            out.errors.append(rec["error"])
        elif kind == "unit_metadata":
            out.unit_records.append(
                UnitMeta(
                    rec["unit"],
                    rec["key"],
                    rec["value"],
                    rec.get("orig_unit", ""),
                    rec.get("pos_file", ""),
                    int(rec.get("pos_line", 0)),
                )
            )
        elif kind == "units_final":
            for k, v in rec["units"].items():
                unit, key = k.rsplit("|", 1)
                out.units[(unit, key)] = v
    return out
