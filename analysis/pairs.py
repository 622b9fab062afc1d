"""The pair table: what escaping costs each pair, as a reader scans it.

One row per pair and configuration, from ``analysis.cost.escape_costs``:
median time per op of each variant, the escape/noescape ratio with its
bootstrap interval, B/op and allocs/op as absolute before → after (a ratio of
zeros means nothing), GC CPU per op, and the extra time per escaped
allocation. Used at the end of ``bench run`` and in reports.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from analysis.cost import EscapeCost


def fmt_time(sec: float | None) -> str:
    """Seconds as ns/µs/ms with three significant digits (``38.7ns``)."""
    if sec is None or math.isnan(sec):
        return "—"
    for scale, unit in ((1e-9, "ns"), (1e-6, "µs"), (1e-3, "ms"), (1.0, "s")):
        if abs(sec) < scale * 1000 or unit == "s":
            v = sec / scale
            return f"{v:.3g}{unit}" if abs(v) >= 1 or v == 0 else f"{v:.2g}{unit}"
    return f"{sec:.3g}s"


def fmt_count(x: float | None) -> str:
    if x is None:
        return "—"
    return f"{x:.0f}" if float(x).is_integer() or abs(x) >= 100 else f"{x:.3g}"


def fmt_ratio(c: EscapeCost) -> str:
    t = c.time
    return f"{t.ratio:.2f}× [{t.lo:.2f}, {t.hi:.2f}]"


def row(c: EscapeCost) -> list[str]:
    per_alloc = "—" if c.extra_sec_per_alloc is None else f"+{fmt_time(c.extra_sec_per_alloc)}"
    return [
        c.pair,
        fmt_time(c.escape_sec),
        fmt_time(c.noescape_sec),
        fmt_ratio(c),
        f"{fmt_count(c.bytes_escape)} → {fmt_count(c.bytes_noescape)}",
        f"{fmt_count(c.allocs_escape)} → {fmt_count(c.allocs_noescape)}",
        f"{fmt_time(c.gc_cpu_escape)} → {fmt_time(c.gc_cpu_noescape)}",
        per_alloc,
    ]


HEADER = ["pair", "escape", "noescape", "ratio [95% CI]", "B/op", "allocs/op", "GC CPU/op",
          "per extra alloc"]


def _setting(c: EscapeCost) -> str:
    cfg = dict(c.config)
    parts = [f"{k}={cfg[k]}" for k in ("go-version", "machine", "gogc", "live-heap") if k in cfg]
    return " · ".join(parts)


def text(costs: Sequence[EscapeCost]) -> str:
    """Aligned plain-text tables, one per configuration (toolchain, machine, GC setting)."""
    groups: dict[str, list[EscapeCost]] = {}
    for c in costs:
        groups.setdefault(_setting(c), []).append(c)
    out: list[str] = []
    for setting, cs in groups.items():
        cs = sorted(cs, key=lambda c: c.pair)
        rows = [HEADER, *(row(c) for c in cs)]
        widths = [max(len(r[i]) for r in rows) for i in range(len(HEADER))]
        n = max(c.time.n_a for c in cs)
        method = cs[0].time.method
        out.append(f"{setting} · n={n} per variant · ratio CI: bootstrap ({method})")
        for r in rows:
            out.append("  ".join(cell.ljust(w) if i == 0 else cell.rjust(w)
                                 for i, (cell, w) in enumerate(zip(r, widths, strict=True)))
                       .rstrip())
        warned = [(c.pair, w) for c in cs for w in c.warnings]
        out.extend(f"  note: {p}: {w}" for p, w in warned)
        out.append("")
    return "\n".join(out)
