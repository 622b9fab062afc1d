"""Units as grouping sees them: metadata (``better``, ``assume``) and one spelling per metric.

One job: benchfmt's ``UnitMetadata`` lookups (``Unit <unit> better=higher``,
``assume=exact``) with benchstat's defaults, and the ``ns`` → ``sec`` tidy that
``analysis.compare`` re-applies so one metric never makes two tables, whatever
the parser left (benchfmt keeps a zero ``gc-cpu-ns/op`` in ns).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Literal

from bench.model import Result, UnitMeta, Value

#: Unit metadata: ``UnitMeta`` records (first wins) or a ``{(unit, key): value}`` mapping.
Units = Iterable[UnitMeta] | Mapping[tuple[str, str], str] | None


def unit_meta(units: Units) -> dict[tuple[str, str], str]:
    """Normalise unit metadata: UnitMeta records or a {(unit, key): value} mapping."""
    out: dict[tuple[str, str], str] = {}
    if units is None:
        return out
    if isinstance(units, Mapping):
        for (unit, key), v in units.items():
            out.setdefault((unit, key), str(v))
        return out
    for u in units:
        out.setdefault((u.unit, u.key), u.value)
    return out


def unit_better(unit: str, units: Units = None) -> int:
    """+1 if higher is better, -1 if lower is better, 0 if unknown (benchfmt ``GetBetter``)."""
    val = unit_meta(units).get((unit, "better"))
    if val is not None:
        return {"higher": 1, "lower": -1}.get(val, 0)
    if unit in ("ns/op", "sec/op", "B/op", "allocs/op"):
        return -1
    if unit in ("MB/s", "B/s"):
        return 1
    return 0


def unit_assumption(unit: str, units: Units = None) -> Literal["nothing", "exact"]:
    """``exact`` when the unit has ``assume=exact`` metadata, else ``nothing``."""
    return "exact" if unit_meta(units).get((unit, "assume")) == "exact" else "nothing"


_NS = re.compile(r"(?<![A-Za-z])ns(?![A-Za-z])")


def tidy(r: Result) -> Result:
    """``r`` with any ``ns`` unit left by the parser (benchfmt keeps zeros) in ``sec``."""
    if not any(_NS.search(v.unit) for v in r.values):
        return r
    values = tuple(
        Value(v.value * 1e-9, _NS.sub("sec", v.unit), v.value, v.unit) if _NS.search(v.unit) else v
        for v in r.values
    )
    return replace(r, values=values)
