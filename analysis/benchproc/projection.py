"""benchproc's projections: records to keys (tuples of field values) and the order of keys.

One job: golang.org/x/perf/benchproc/projection.go and sort.go. A projection
such as ``.config``, ``.fullname``, ``/variant@(noescape escape)`` or
``go-version@num`` turns a record into a key and orders keys: by first
appearance, alphabetically, numerically or by a fixed list (which also filters).
The ``ProjectionParser`` remembers which keys were named so ``.config`` and
``.fullname`` exclude them, and builds the residue projection benchstat uses to
warn that a cell mixes benchmarks that differ in unprojected keys.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cmp_to_key

from analysis.benchproc.filter import FilterFn, extract, fullname_excluding
from analysis.benchproc.syntax import (
    ProjField,
    QueryError,
    go_quote,
    parse_projection,
    syntax_message,
)
from analysis.order import version_key
from bench.model import Result


def parse_num(x: str) -> float | None:
    """benchproc's number in a string for ``@num``: ``10``, ``1.5k``, ``64KiB`` (None if none)."""
    try:
        return float(x)
    except ValueError:
        pass
    m = re.search(r"([0-9.]+)([kKMGTPEZY]i?)?[bB]?", x)
    if m:
        try:
            v = float(m.group(1))
        except ValueError:
            return None
        pre = m.group(2) or ""
        exp = 0
        if pre:
            exp = 1 + "KMGTPEZY".index("K" if pre[0] == "k" else pre[0])
        return v * (1024.0**exp if pre.endswith("i") else 1000.0**exp)
    return None


def cmp_alpha(a: str, b: str) -> int:
    """``@alpha``: byte-wise string order."""
    return (a > b) - (a < b)


def cmp_num(a: str, b: str) -> int:
    """``@num``: numbers in order, NaN after numbers, non-numbers last."""
    aa, bb = parse_num(a), parse_num(b)
    if aa is not None and bb is not None:
        if aa < bb or (not math.isnan(aa) and math.isnan(bb)):
            return -1
        if aa > bb or (math.isnan(aa) and not math.isnan(bb)):
            return 1
        return 0
    if aa is None and bb is None:
        return 0
    return -1 if aa is not None else 1


def cmp_version(a: str, b: str) -> int:
    """Versions and settings by their numbers (go1.21.13 < go1.24.11, 100 < 400), words last.

    Not in benchproc: ``num`` parses one number, so ``go1.21.13`` has none and
    GOGC ``off`` sorts before ``100``. ``bench compare --by go|gogc`` use this.
    """
    ka, kb = version_key(a), version_key(b)
    return (ka > kb) - (ka < kb)


#: Named orders for ``key@order``; ``version`` is escapebench's addition.
BUILTIN_ORDERS: dict[str, Callable[[str, str], int]] = {
    "alpha": cmp_alpha,
    "num": cmp_num,
    "version": cmp_version,
}


@dataclass(eq=False)
class Field:
    """One field of a projection (or a group such as ``.config``) and how it orders values."""

    name: str
    idx: int = -1
    is_tuple: bool = False
    sub: list[Field] = field(default_factory=list)
    cmp: Callable[[str, str], int] = cmp_alpha
    order: dict[str, int] | None = None


class Projection:
    """Projects records into keys (tuples of field values) and orders those keys."""

    def __init__(self) -> None:
        self.root = Field("", -1, True)
        self.nfields = 0
        self.unit_field: Field | None = None
        self.project: list[Callable[[Result, list[str]], None]] = []
        self.keys: set[tuple[str, ...]] = set()

    def add_field(self, group: Field, name: str) -> Field:
        f = Field(name, self.nfields)
        self.nfields += 1
        group.sub.append(f)
        return f

    def add_group(self, group: Field, name: str) -> Field:
        f = Field(name, -1, True)
        group.sub.append(f)
        return f

    def flattened(self) -> list[Field]:
        out: list[Field] = []

        def walk(f: Field) -> None:
            if f.idx != -1:
                out.append(f)
                return
            for s in f.sub:
                walk(s)

        walk(self.root)
        return out

    def _row(self, r: Result) -> list[str]:
        row: list[str] = []
        for proj in self.project:
            proj(r, row)
        return row

    def _intern(self, row: list[str]) -> tuple[str, ...]:
        while row and row[-1] == "":
            row = row[:-1]
        key = tuple(row)
        if key not in self.keys:
            for f in self.root.sub:
                if f.order is None:
                    continue
                val = key[f.idx] if f.idx < len(key) else ""
                if val not in f.order:
                    f.order[val] = len(f.order)
            self.keys.add(key)
        return key

    def project_one(self, r: Result) -> tuple[str, ...]:
        return self._intern(self._row(r))

    def project_values(self, r: Result) -> list[tuple[str, ...]]:
        row = self._row(r)
        if self.unit_field is None:
            key = self._intern(row)
            return [key for _ in r.values]
        out = []
        for v in r.values:
            row2 = list(row) + [""] * max(0, self.unit_field.idx + 1 - len(row))
            row2[self.unit_field.idx] = v.unit
            out.append(self._intern(row2))
        return out

    @staticmethod
    def get(key: tuple[str, ...], f: Field) -> str:
        return key[f.idx] if f.idx < len(key) else ""

    def sort(self, keys: Iterable[tuple[str, ...]]) -> list[tuple[str, ...]]:
        flat = self.flattened()

        def cmp(a: tuple[str, ...], b: tuple[str, ...]) -> int:
            for f in flat:
                aa, bb = self.get(a, f), self.get(b, f)
                if aa != bb:
                    c = f.cmp(aa, bb)
                    if c != 0:
                        return c
                    return -1 if aa < bb else 1
            return 0

        return sorted(keys, key=cmp_to_key(cmp))

    def string_values(self, key: tuple[str, ...]) -> str:
        return " ".join(v for f in self.flattened() if (v := self.get(key, f)))


class ProjectionParser:
    """benchproc.ProjectionParser: specific keys are excluded from .config/.fullname."""

    def __init__(self) -> None:
        self.config_keys: set[str] = set()
        self.fullname_keys: list[str] = []
        self.have_config = False
        self.have_fullname = False

    def parse(self, q: str, filters: list[FilterFn]) -> Projection:
        proj = Projection()
        parts = parse_projection(q)
        extra: list[FilterFn] = []
        for part in parts:
            f = self._make(proj, q, part)
            if f is not None:
                extra.append(f)
        filters.extend(extra)
        return proj

    def parse_with_unit(self, q: str, filters: list[FilterFn]) -> Projection:
        proj = self.parse(q, filters)
        f = proj.add_field(proj.root, ".unit")
        order: dict[str, int] = {}
        f.order = order
        f.cmp = lambda a, b: order.get(a, 0) - order.get(b, 0)
        proj.unit_field = f
        return proj

    def residue(self) -> Projection:
        s = Projection()
        if not self.have_config:
            self._make(s, "", ProjField(".config"))
        if not self.have_fullname:
            self._make(s, "", ProjField(".fullname"))
        return s

    def _make(self, s: Projection, q: str, pf: ProjField) -> FilterFn | None:
        def init(f: Field) -> None:
            if pf.order == "fixed":
                fixed = {v: i for i, v in enumerate(pf.fixed)}
                f.cmp = lambda a, b: fixed.get(a, 0) - fixed.get(b, 0)
            elif pf.order == "first":
                order: dict[str, int] = {}
                f.order = order
                f.cmp = lambda a, b: order.get(a, 0) - order.get(b, 0)
            else:
                f.cmp = BUILTIN_ORDERS[pf.order]

        if pf.order not in ("fixed", "first") and pf.order not in BUILTIN_ORDERS:
            raise QueryError(syntax_message(q, pf.order_off, f"unknown order {go_quote(pf.order)}"))
        allowed = set(pf.fixed) if pf.order == "fixed" else None

        def fixed_filter(extract: Callable[[Result], str]) -> FilterFn | None:
            """A fixed order also filters: values outside the list are dropped."""
            if allowed is None:
                return None
            return lambda r: (None, extract(r) in allowed)

        if pf.key == ".config":
            if pf.order == "fixed":
                raise QueryError(
                    syntax_message(q, pf.order_off, "fixed order not allowed for .config")
                )
            self.have_config = True
            group = s.add_group(s.root, ".config")
            seen: dict[str, Field] = {}

            def project_config(r: Result, row: list[str]) -> None:
                for k, v in r.config:
                    if k.startswith("."):
                        continue  # internal keys (.file) are not file configuration
                    f = seen.get(k)
                    if f is None:
                        if k in self.config_keys:
                            continue
                        f = s.add_field(group, k)
                        init(f)
                        seen[k] = f
                    while len(row) <= f.idx:
                        row.append("")
                    row[f.idx] = str(v)

            s.project.append(project_config)
            return None
        if pf.key == ".fullname":
            self.have_fullname = True
            f = s.add_field(s.root, ".fullname")
            init(f)

            def project_full(r: Result, row: list[str], f: Field = f) -> None:
                while len(row) <= f.idx:
                    row.append("")
                row[f.idx] = fullname_excluding(r, self.fullname_keys)

            s.project.append(project_full)
            return fixed_filter(lambda r: str(r.name.full))
        if pf.key == ".unit":
            raise QueryError(syntax_message(q, pf.key_off, ".unit is only allowed in filters"))
        if not pf.key:
            raise QueryError(syntax_message(q, pf.key_off, "key must not be empty"))
        if pf.key == ".name" or pf.key.startswith("/"):
            self.fullname_keys.append(pf.key)
        else:
            self.config_keys.add(pf.key)
        f = s.add_field(s.root, pf.key)
        init(f)
        key = pf.key

        def project_key(r: Result, row: list[str], f: Field = f) -> None:
            while len(row) <= f.idx:
                row.append("")
            row[f.idx] = extract(r, key)

        s.project.append(project_key)
        return fixed_filter(lambda r: extract(r, key))
