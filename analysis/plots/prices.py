"""The price charts: ns per allocation against size, and GC CPU per KiB against GOGC.

One job: draw what :mod:`analysis.prices` computes, in the house style of
:mod:`analysis.plots.base` (Okabe–Ito series colours, footer with the
context, deterministic files). ``bench prices --charts DIR`` writes them.

* **Price curve** (``price-curve.png``): x the bytes charged (size class),
  y the extra ns per escaping allocation, both log scales (sizes span
  8 B … 1 MiB, prices 10 ns … 100 µs); one line per Go version with its
  95 % interval as a band, one facet per shape (noscan, scan). Where
  several GC settings were measured, only the first (lowest GOGC, least
  live heap) is drawn, so each line is one condition; the footer says which.
* **GC cost** (``gc-cost.png``): x GOGC, y GC CPU ns per KiB allocated (the
  median over the grid's sizes of one condition, per shape), one line per
  live-heap size and Go version; a log y axis, since GOGC ×4 should divide it
  by about 4 when the live heap dominates the heap goal.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import seaborn as sns
from matplotlib import ticker
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from analysis.format import fmt_bytes, fmt_time
from analysis.gc_model import live_bytes
from analysis.plots.base import SERIES_COLORS, WIDTH, header, new_figure, save, style
from analysis.prices import SHAPES, CostModel, PriceRecord

#: Size ticks, every 16×: 16 B, 256 B, 4 KiB, 64 KiB, 1 MiB (denser ticks overlap).
SIZE_TICKS = (16, 256, 4096, 65536, 1 << 20)
PRICE_CURVE = "price-curve"
GC_COST = "gc-cost"


def _setting_key(gogc: str, live_heap: str) -> tuple[int, int]:
    g = int(gogc) if gogc.isdigit() else 1 << 30
    return (g, live_bytes(live_heap) or 0)


def _ns_axis(ax: Axes) -> None:
    """A log axis of nanoseconds labelled as times (math text is off in the house style)."""
    ax.yaxis.set_major_locator(ticker.LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _p: fmt_time(v * 1e-9)))
    ax.yaxis.set_minor_formatter(ticker.NullFormatter())


def price_frame(records: Sequence[PriceRecord]) -> pd.DataFrame:
    """One row per escaping price record: go, shape, bytes, ns and its interval, setting."""
    rows = [
        {
            "go": r.condition.go,
            "machine": r.condition.machine,
            "gogc": r.condition.gogc,
            "live_heap": r.condition.live_heap,
            "shape": r.shape,
            "bytes": float(r.charged_bytes or r.size_class),
            "ns": r.ns_per_alloc.value,
            "lo": r.ns_per_alloc.ci_low,
            "hi": r.ns_per_alloc.ci_high,
        }
        for r in records
        if r.escaped and r.ns_per_alloc.value > 0
    ]
    return pd.DataFrame(
        rows, columns=["go", "machine", "gogc", "live_heap", "shape", "bytes", "ns", "lo", "hi"]
    )


def price_curve(records: Sequence[PriceRecord]) -> Figure:
    """Log–log ns per allocation against bytes charged, a line per Go version, a facet per shape."""
    frame = price_frame(records)
    settings = sorted(
        {(g, lh) for g, lh in zip(frame["gogc"], frame["live_heap"], strict=True)},
        key=lambda s: _setting_key(*s),
    )
    if settings:
        gogc, live = settings[0]
        frame = frame[(frame["gogc"] == gogc) & (frame["live_heap"] == live)]
    versions = sorted(set(frame["go"]))
    colors = {v: SERIES_COLORS[i % len(SERIES_COLORS)] for i, v in enumerate(versions)}
    fig = new_figure(WIDTH, 4.6)
    axes = fig.subplots(1, len(SHAPES), sharey=True)
    for ax, shape in zip(axes, SHAPES, strict=True):
        part = frame[frame["shape"] == shape].sort_values("bytes")
        for go in versions:
            line = part[part["go"] == go]
            if line.empty:
                continue
            lo = line["lo"].where(line["lo"].map(lambda v: math.isfinite(v) and v > 0), line["ns"])
            hi = line["hi"].where(line["hi"].map(math.isfinite), line["ns"])
            ax.fill_between(line["bytes"], lo, hi, color=colors[go], alpha=0.2, linewidth=0)
        if not part.empty:
            sns.lineplot(
                data=part, x="bytes", y="ns", hue="go", palette=colors, marker="o",
                markersize=4, ax=ax, legend=ax is axes[-1],
            )  # fmt: skip
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.xaxis.set_major_locator(ticker.FixedLocator(SIZE_TICKS))
        ax.xaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _p: fmt_bytes(int(v))))
        ax.xaxis.set_minor_formatter(ticker.NullFormatter())
        _ns_axis(ax)
        ax.set_title(f"{shape}: {'[n]byte' if shape == 'noscan' else '[n/8]*int'}")
        ax.set_xlabel("bytes charged per object (size class; log scale)")
        ax.set_ylabel("extra time per escaping allocation (log; 95 % band)")
    setting = f"GOGC={settings[0][0]}, live heap {settings[0][1] or 0}" if settings else ""
    machines = ", ".join(sorted(set(frame["machine"]))) or "no data"
    header(fig, "What one heap allocation costs, by size", f"{machines}; {setting}")
    return fig


def gc_frame(models: Sequence[CostModel]) -> pd.DataFrame:
    """One row per condition and shape with a GC CPU per KiB figure."""
    rows = []
    for m in models:
        c = m.condition
        for shape, v in m.gc_cpu_ns_per_kib.items():
            if v is not None and v > 0 and c.gogc.isdigit():
                rows.append(
                    {"go": c.go, "machine": c.machine, "gogc": int(c.gogc), "shape": shape,
                     "series": f"{c.go} · live heap {c.live_heap or 0}", "ns_per_kib": v}
                )  # fmt: skip
    return pd.DataFrame(rows, columns=["go", "machine", "gogc", "shape", "series", "ns_per_kib"])


def gc_cost(models: Sequence[CostModel]) -> Figure:
    """GC CPU ns per KiB against GOGC, a line per live heap (and Go), a facet per shape."""
    frame = gc_frame(models)
    series = sorted(set(frame["series"]))
    colors = {s: SERIES_COLORS[i % len(SERIES_COLORS)] for i, s in enumerate(series)}
    fig = new_figure(WIDTH, 4.2)
    axes = fig.subplots(1, len(SHAPES), sharey=True)
    for ax, shape in zip(axes, SHAPES, strict=True):
        part = frame[frame["shape"] == shape].sort_values("gogc")
        if not part.empty:
            sns.lineplot(
                data=part, x="gogc", y="ns_per_kib", hue="series", palette=colors, marker="o",
                ax=ax, legend=ax is axes[-1],
            )  # fmt: skip
            ax.set_yscale("log")
            _ns_axis(ax)
        ax.set_title(shape)
        ax.set_xlabel("GOGC")
        ax.set_ylabel("GC CPU per KiB allocated (median over sizes; log)")
    machines = ", ".join(sorted(set(frame["machine"]))) or "no GC figures in these runs"
    header(fig, "GC CPU per KiB allocated, by GOGC and live heap", machines)
    return fig


def draw(
    records: Sequence[PriceRecord], models: Sequence[CostModel], directory: Path
) -> list[Path]:
    """Write ``price-curve.png`` and ``gc-cost.png`` into ``directory``; the paths written."""
    with style():
        curve = price_curve(records)
        gc = gc_cost(models)
    return save(curve, directory, PRICE_CURVE, svg=False) + save(gc, directory, GC_COST, svg=False)
