"""Join a package's escape sites with its benchmarks' allocations, price and rank them.

Pure: reads the payload ``bench.escapes.measure`` stores (plain JSON) and a
price table (anything with ``price(size, pointers) -> Price | None``).

* A site is one innermost position of an ``escape`` entry: inlined copies of
  the same allocation (the compiler reports each at its outermost call site,
  with the inline stack) are one site, as the profile names the callee line.
* A profile sample belongs to a site when its innermost frame is on the
  site's line (the profile has no columns). Several sites on one line share
  the line's allocations: the first by column takes them, the others say
  ``shares_line_with`` (sizes are not known statically, so they cannot be
  told apart).
* Everything else the profile shows is *unattributed*, with a kind: inside a
  callee outside the package (``fmt.Sprintf``), or on a package line without
  an escape diagnostic (map growth, append growth, string concatenation,
  conversions, as read from the source line). The runtime does not profile a
  tiny (<16 B, pointer-free) allocation that fits into the current 16-byte
  block, so when the benchmark's allocs/op exceed what the profile saw, the
  difference is spread over the tiny (<= 16 B) allocations the profile did see,
  in proportion (``tiny_scaled``), or, when it saw none, is one more
  unattributed entry: the totals add up.
* GC: ``gc_share`` is the site's share of its benchmark's allocated bytes per
  op, which pace the GC's cycles, so it is the site's share of the GC work;
  ``gc_cpu_ns_per_op`` is its bytes per op times the price list's GC CPU per
  KiB (the GC's background CPU, not the benchmark's wall time).
* The estimate is a price-list figure (what such an allocation costs on this
  machine), not a measurement of removing it.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from bench.vocab import sizeclass

TINY_GAP = "tiny allocations the profile does not record"
#: Price sources that are not a measured grid point of the size nor interpolated between two.
OFF_GRID = ("scaled per byte", "extrapolated", "smallest grid point")


class PriceLike(Protocol):
    """ns per allocation with its interval; ``gc_cpu_ns`` (GC CPU per allocation) when known."""

    value: float
    ci_low: float
    ci_high: float
    source: str


class Prices(Protocol):
    def price(self, size: int, pointers: bool) -> PriceLike | None: ...


@dataclass(frozen=True)
class GcPrice:
    """A price with the GC CPU per allocation of the grid point of the same size class."""

    value: float
    ci_low: float
    ci_high: float
    source: str
    gc_cpu_ns: float | None


class WithGc:
    """A price table (``analysis.prices.PriceTable``) whose answers also carry GC CPU.

    Per allocation, only an exact grid point of the charged size class and
    shape gives GC CPU (it is lumpy at short benchtimes; interpolating it
    would invent precision); per KiB, the fitted model's median over the grid
    (``CostModel.gc_cpu_ns_per_kib``) prices any size.
    """

    def __init__(self, table: Any) -> None:
        self.table = table

    def gc_cpu_ns_per_kib(self, pointers: bool) -> float | None:
        """GC CPU ns per allocated KiB of this shape, from the price list's model."""
        model = getattr(self.table, "model", None)
        per_kib = getattr(model, "gc_cpu_ns_per_kib", None) or {}
        v = per_kib.get("scan" if pointers else "noscan")
        return None if v is None else float(v)

    def price(self, size: int, pointers: bool) -> GcPrice | None:
        p = self.table.price(size, pointers)
        if p is None:
            return None
        shape = "scan" if pointers else "noscan"
        charged = sizeclass.size_class(size, pointers, self.table.condition.go)
        gc = next((r.gc_cpu_ns_per_alloc.value for r in self.table.records
                   if r.shape == shape and r.size_class == charged and r.escaped
                   and r.gc_cpu_ns_per_alloc is not None), None)  # fmt: skip
        return GcPrice(p.value, p.ci_low, p.ci_high, p.source, gc)


_NOSCAN_HINTS = ("make([]byte", "[]byte(", "string(", "make([]int", "make([]float", " + ")


def reason(chain: Sequence[Mapping[str, Any]], message: str = "") -> str:
    """The first actionable cause of an explanation chain, in words."""
    reasons = [str(s.get("reason", "")) for s in chain]
    texts = " ".join(str(s.get("text", "")) for s in chain)
    if "too large for stack" in reasons:
        return "too large for the stack"
    if "non-constant size" in reasons:
        return "non-constant size"
    if "captured by a closure" in reasons:
        return "captured by a closure"
    if "send" in reasons:
        return "sent on a channel"
    if "fmt." in texts:
        return "passed to fmt"
    if "interface-converted" in reasons:
        return "converted to an interface"
    if "call parameter" in reasons:
        return "passed to a function whose parameter leaks"
    if "return" in reasons:
        return "returned"
    if "{heap}" in texts or "assign" in reasons:
        return "stored in a global or heap object"
    if "closure" in " ".join(reasons):
        return "captured by a closure"
    return reasons[-1] if reasons and reasons[-1] else "escapes"


def _rel(file: str, base: str) -> str:
    """``file`` relative to the package directory; outside it, its last two parts."""
    try:
        return Path(file).relative_to(base).as_posix()
    except ValueError:
        return "/".join(Path(file).parts[-2:])


def unattributed_kind(source: str, where: str, in_package: bool) -> str:
    """What an allocation without an escape diagnostic is, from its source line."""
    if not in_package:
        return f"inside {where}"
    s = source
    if "append(" in s:
        return "append growth"
    if "]" in s and "=" in s and "[" in s.split("=")[0] and "==" not in s:
        return "map growth (or map insert)"
    if "string(" in s or "[]byte(" in s or "[]rune(" in s:
        return "conversion"
    if "+" in s and '"' in s:
        return "string concatenation"
    if "make(map" in s or "map[" in s:
        return "map allocation"
    return "runtime allocation (no escape diagnostic)"


@dataclass
class _Site:
    file: str
    line: int
    col: int
    function: str
    what: str
    chain: list[Mapping[str, Any]]
    inlined_into: list[str]


def _sites(payload: Mapping[str, Any]) -> list[_Site]:
    by: dict[tuple[str, int, int], _Site] = {}
    for e in payload.get("entries", ()):
        if e.get("code") != "escape":
            continue
        k = (e["file"], int(e["line"]), int(e["col"]))
        s = by.get(k)
        if s is None:
            s = by[k] = _Site(k[0], k[1], k[2], e.get("function", ""), e.get("subject", ""),
                              list(e.get("chain", ())), [])  # fmt: skip
        elif not e.get("reported_at") and e.get("chain"):
            s.chain = list(e["chain"])  # the callee's own copy explains best
        if e.get("reported_at"):
            s.inlined_into.append(e["reported_at"])
        if not s.what:
            s.what = e.get("subject", "")
    return sorted(by.values(), key=lambda s: (s.file, s.line, s.col))


def _priced(prices: Prices, sizes: Mapping[int, float], total: float, pointers: bool
            ) -> tuple[dict[str, float] | None, float | None]:  # fmt: skip
    """Estimate and GC CPU per op of one benchmark's allocations at a site, each size priced.

    Scaled to ``total`` (the site's allocations per op, with any unprofiled
    tiny ones): the sizes the profile saw stand for those it did not.
    """
    seen = sum(sizes.values())
    if seen <= 0:
        return None, None
    est = {"value": 0.0, "ci_low": 0.0, "ci_high": 0.0}
    gc: float | None = 0.0
    for size, n in sizes.items():
        p = prices.price(size, pointers)
        if p is None:
            return None, None
        for key, v in (("value", p.value), ("ci_low", p.ci_low), ("ci_high", p.ci_high)):
            est[key] += n * v * total / seen
        g = getattr(p, "gc_cpu_ns", None)
        gc = None if g is None or gc is None else gc + n * g * total / seen
    return est, gc


def _mean(xs: Sequence[Any]) -> float | None:
    vals = [float(x) for x in xs if x is not None]
    return statistics.fmean(vals) if vals else None


@dataclass
class _Acc:
    """Per-site allocations per op, by benchmark, as the benchmarks are read."""

    objs: dict[tuple, dict[str, float]] = field(default_factory=dict)
    byts: dict[tuple, dict[str, float]] = field(default_factory=dict)
    sizes: dict[tuple, dict[int, float]] = field(default_factory=dict)
    scaled: set[tuple] = field(default_factory=set)

    #: per site and benchmark, allocations per op by object size (growth allocates several)
    by_size: dict[tuple, dict[str, dict[int, float]]] = field(default_factory=dict)

    def add(self, k: tuple, name: str, per_op: float, bytes_op: float, size: int) -> None:
        sz = self.by_size.setdefault(k, {}).setdefault(name, {})
        sz[size] = sz.get(size, 0.0) + per_op
        self.objs.setdefault(k, {}).setdefault(name, 0.0)
        self.objs[k][name] += per_op
        self.byts.setdefault(k, {}).setdefault(name, 0.0)
        self.byts[k][name] += bytes_op
        self.sizes.setdefault(k, {}).setdefault(size, 0.0)
        self.sizes[k][size] += per_op


def _benchmark(
    b: Mapping[str, Any], by_line: Mapping[tuple[str, int], list[_Site]], base: str, acc: _Acc
) -> dict[str, Any]:
    """One benchmark's totals; its site allocations go into ``acc``."""
    name, n = b["name"], max(1, int(b["iterations"]))
    attributed = 0.0
    un: dict[tuple, dict[str, Any]] = {}
    tiny: dict[tuple, float] = {}  # ("site", key) | ("un", key) -> profiled tiny allocs/op
    for a in b.get("allocs", ()):
        func, file, line = a["innermost"]
        per_op, bytes_op, size = a["objects"] / n, a["bytes"] / n, int(a["size"])
        here = by_line.get((file, int(line)))
        if here:
            k = (here[0].file, here[0].line, here[0].col)
            acc.add(k, name, per_op, bytes_op, size)
            attributed += per_op
            key: tuple = ("site", k)
        else:
            own = a.get("own") or ["", "", 0]
            in_pkg = bool(file) and file == own[1]
            where = func if in_pkg else f"{func} ({Path(file).name}:{line})"
            kind = (unattributed_kind(a.get("source", ""), func, in_pkg) if own[1]
                    else "outside the package (testing framework, setup)")  # fmt: skip
            at = f"{_rel(own[1], base)}:{own[2]}" if own[1] else ""
            u = un.setdefault((kind, at), {"kind": kind, "at": at, "where": where,
                                           "allocs_per_op": 0.0, "bytes_per_op": 0.0})  # fmt: skip
            u["allocs_per_op"] += per_op
            u["bytes_per_op"] += bytes_op
            key = ("un", (kind, at))
        if size <= sizeclass.TINY_BLOCK:
            tiny[key] = tiny.get(key, 0.0) + per_op
    measured = _mean(b.get("allocs_per_op", ()))
    profiled = attributed + sum(u["allocs_per_op"] for u in un.values())
    gap = (measured - profiled) if measured is not None else 0.0
    seen_tiny = sum(tiny.values())
    if gap > 1e-9 and seen_tiny > 0:
        # the unprofiled tiny allocations are spread over the tiny ones the profile saw
        for (where_kind, k), n_tiny in tiny.items():
            extra = gap * n_tiny / seen_tiny
            if where_kind == "site":
                acc.objs[k][name] += extra
                acc.scaled.add(k)
                attributed += extra
            else:
                un[k]["allocs_per_op"] += extra
                un[k]["tiny_scaled"] = True
    elif gap > 1e-9:
        un[(TINY_GAP, "")] = {"kind": TINY_GAP, "at": "", "where": "runtime tiny allocator",
                              "allocs_per_op": gap, "bytes_per_op": None}  # fmt: skip
    ns = b.get("ns_per_op") or []
    return {
        "ns_per_op": statistics.median(ns) if ns else None,
        "allocs_per_op": measured,
        "bytes_per_op": _mean(b.get("bytes_per_op", ())),
        "gc_cpu_ns_per_op": _mean(b.get("gc_cpu_ns_per_op", ())),  # when it reports gc-cpu-ns/op
        "profiled_allocs_per_op": profiled,
        "attributed_allocs_per_op": attributed,
        "unattributed": sorted(un.values(), key=lambda u: -u["allocs_per_op"]),
        "iterations": n,
    }


def _record(s: _Site, same: list[_Site], acc: _Acc, totals: Mapping[str, Any],
            prices: Prices | None, base: str, go: str) -> dict[str, Any]:  # fmt: skip
    """One site's record: allocations per op, size, price, share of its hottest benchmark."""
    k = (s.file, s.line, s.col)
    allocs = acc.objs.get(k, {})
    size = max(acc.sizes[k], key=lambda z: acc.sizes[k][z]) if k in acc.sizes else None
    noscan = any(h in s.what for h in _NOSCAN_HINTS)
    shape = "noscan" if noscan else None
    price = prices.price(size, not noscan) if prices is not None and size else None
    hot = max(allocs, key=lambda nm: allocs[nm]) if allocs else None
    by_bench: dict[str, tuple[dict[str, float] | None, float | None]] = {}
    if prices is not None and price is not None:
        sized = acc.by_size.get(k, {})
        by_bench = {nm: _priced(prices, sized.get(nm, {}), n, not noscan)
                    for nm, n in allocs.items()}  # fmt: skip
    est, gc_op = by_bench.get(hot, (None, None)) if hot else (None, None)
    ns_op = totals.get(hot, {}).get("ns_per_op") if hot else None
    gc_share, gc_kib = _gc_of(s, acc, totals, prices, hot, not noscan)
    if gc_kib is not None:
        gc_op = gc_kib
    n_sizes = len(acc.by_size.get(k, {}).get(hot, {})) if hot else 0
    if prices is None:
        source = "none"
    elif price is None or (hot and est is None):
        source = "no price for this size" if size else "not exercised"
    else:
        source = price.source + ("" if shape else " (shape unknown: priced as pointer-holding)")
        if n_sizes > 1:
            source += f"; {n_sizes} object sizes, each priced (size is the commonest)"
    first = same[0]
    return {
        "file": _rel(s.file, base), "line": s.line, "column": s.col,
        "function": s.function, "what": s.what, "reason": reason(s.chain),
        "chain": [str(c.get("text", "")) for c in s.chain],
        "inlined_into": [_rel(x, base) for x in sorted(set(s.inlined_into))],
        "size": size,
        "size_class": sizeclass.size_class(size, not noscan, go) if size else None,
        "shape": shape,
        "allocs_per_op": allocs, "bytes_per_op": acc.byts.get(k, {}),
        "benchmark": hot,
        "est_ns_per_op": est,
        "est_by_benchmark": {nm: e for nm, (e, _g) in by_bench.items() if e is not None},
        "share_of_op": est["value"] / ns_op if est and ns_op else None,
        # the site's share of its benchmark's allocated bytes, so of the GC work they pace
        "gc_share": gc_share,
        # GC CPU the price list charges these allocations (background workers, not wall time)
        "gc_cpu_ns_per_op": gc_op,
        "gc_cpu_share": gc_op / ns_op if gc_op is not None and ns_op else None,
        "price_source": source,
        # a site sharing its line with an exercised one may be what allocated
        "exercised": bool(allocs) or bool(acc.objs.get((first.file, first.line, first.col))),
        "shares_line_with": [f"{o.what} (col {o.col})" for o in same if o is not s],
        "tiny_scaled": k in acc.scaled,
    }  # fmt: skip


def _gc_of(s: _Site, acc: _Acc, totals: Mapping[str, Any], prices: Prices | None,
           hot: str | None, pointers: bool) -> tuple[float | None, float | None]:  # fmt: skip
    """The site's share of its benchmark's bytes/op, and its bytes/op x GC CPU per KiB.

    The GC starts a cycle each time the heap grows by GOGC % of the live heap,
    so cycles, and the CPU they take, are paced by allocated bytes: a site
    allocating a share of the benchmark's bytes causes that share of its GC work.
    """
    if hot is None:
        return None, None
    mine = acc.byts.get((s.file, s.line, s.col), {}).get(hot)
    total = totals.get(hot, {}).get("bytes_per_op")
    share = min(1.0, mine / total) if mine is not None and total else None
    per_kib = getattr(prices, "gc_cpu_ns_per_kib", None)
    kib = per_kib(pointers) if callable(per_kib) else None
    return share, (None if kib is None or mine is None else mine / 1024 * kib)


def join(payload: Mapping[str, Any], prices: Prices | None = None) -> dict[str, Any]:
    """Sites (ranked by estimated cost), static-only sites and per-benchmark totals."""
    base = str(payload.get("package_dir", ""))
    go = str(payload.get("go", ""))
    sites = _sites(payload)
    by_line: dict[tuple[str, int], list[_Site]] = {}
    for s in sites:
        by_line.setdefault((s.file, s.line), []).append(s)
    acc = _Acc()
    totals = {b["name"]: _benchmark(b, by_line, base, acc) for b in payload.get("benchmarks", ())}
    records = [_record(s, by_line[(s.file, s.line)], acc, totals, prices, base, go) for s in sites]
    records.sort(key=_rank_key)
    return {
        "package": payload.get("package"), "go": go, "gogc": payload.get("gogc"),
        "log_source": payload.get("log_source"), "message": payload.get("message", ""),
        "priced": prices is not None, "sites": records, "benchmarks": totals,
        "note": "est_ns_per_op is a price-list estimate of what the allocation costs, "
                "not a measurement of removing it",
    }  # fmt: skip


def _rank_key(r: Mapping[str, Any]) -> tuple:
    est = (r.get("est_ns_per_op") or {}).get("value")
    allocs = max(r["allocs_per_op"].values(), default=0.0)
    return (not r["exercised"], -(est or 0.0), -allocs, r["file"], r["line"], r["column"])
