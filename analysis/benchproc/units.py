"""Units as grouping sees them: metadata (``better``, ``assume``) and one spelling per metric.

One job: benchfmt's ``UnitMetadata`` lookups (``Unit <unit> better=higher``,
``assume=exact``) with benchstat's defaults (``bench.vocab.units``), and the
tidy that ``analysis.compare`` re-applies so one metric never makes two
tables, whatever the parser left (``--benchstat`` keeps a zero
``gc-cpu-ns/op`` in ns).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Literal

from bench.model import Result, UnitMeta, Value
from bench.vocab import units as vunits

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
    if unit in vunits.LOWER_IS_BETTER:
        return -1
    if unit in vunits.HIGHER_IS_BETTER:
        return 1
    return 0


def unit_assumption(unit: str, units: Units = None) -> Literal["nothing", "exact"]:
    """``exact`` when the unit has ``assume=exact`` metadata, else ``nothing``."""
    return "exact" if unit_meta(units).get((unit, "assume")) == "exact" else "nothing"


def tidy(r: Result) -> Result:
    """``r`` with any unit left as written tidied (``--benchstat`` keeps a zero's ``ns``)."""
    values = tuple(_tidy_value(v) for v in r.values)
    same = all(a is b for a, b in zip(values, r.values, strict=True))
    return r if same else replace(r, values=values)


def _tidy_value(v: Value) -> Value:
    tidied, factor = vunits.tidy_unit(v.unit)
    return v if tidied == v.unit else Value(v.value * factor, tidied, v.value, v.unit)
