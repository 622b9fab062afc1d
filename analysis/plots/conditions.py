"""Charts across conditions: Go versions, machines, GC settings; and GC cost per pair.

One job: draw the report's comparison charts (the neighbour
``analysis.plots.pairs`` draws one condition). Frames and conventions are
described in ``analysis.plots.base``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import matplotlib as mpl
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib import ticker
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from analysis.format import fmt_count, fmt_interval, fmt_num, fmt_ratio, fmt_time
from analysis.plots.base import (
    NEUTRAL_COLOR,
    SERIES_COLORS,
    VARIANT_COLORS,
    WIDTH,
    band_sections,
    finite,
    header,
    hollow,
    legend_text,
    log_ratio_axis,
    new_figure,
    ordered,
    ratio_limits,
    rows_with_sections,
    section_label,
    shorten,
)

_HATCH = "///"


def _pair_labels(costs: pd.DataFrame) -> list[tuple[str, str]]:
    """(pair, "pair  (§section)") in article order, unique."""
    seen: dict[str, str] = {}
    for row in ordered(costs).itertuples(index=False):
        seen.setdefault(row.pair, f"{row.pair}  ({section_label(row.section)})")
    return list(seen.items())


def _pivot(
    costs: pd.DataFrame,
    values: pd.Series,
    index: Sequence[str],
    lab_of: Mapping[str, str],
    column_key: str,
    columns: Sequence[str],
) -> pd.DataFrame:
    frame = costs.assign(_v=values, _row=costs["pair"].map(lab_of))
    table = frame.pivot_table(
        index="_row", columns=column_key, values="_v", aggfunc="first", dropna=False
    )
    return table.reindex(index=list(index), columns=list(columns))


def _hatch(ax: Axes, mask: pd.DataFrame) -> None:
    """Hatch the cells where ``mask`` is true (a pair without an escape on that version)."""
    for (i, j), v in np.ndenumerate(mask.to_numpy()):
        if v == 1.0:
            ax.add_patch(
                Rectangle(
                    (j, i), 1, 1, fill=False, hatch=_HATCH, edgecolor="#a0a0a0", lw=0, zorder=2
                )
            )


def _heatmap(
    ax: Axes,
    values: pd.DataFrame,
    annot: pd.DataFrame,
    cbar_label: str,
    *,
    fontsize: float = 7.5,
    cbar_extra: Mapping[str, object] | None = None,
    **scale: object,
) -> None:
    """One seaborn heatmap in the report's style; ``scale`` is the colour map and its range."""
    sns.heatmap(
        values,
        ax=ax,
        annot=annot,
        fmt="",
        linewidths=0.5,
        linecolor="white",
        annot_kws={"fontsize": fontsize, "linespacing": 1.1},
        cbar_kws={"label": cbar_label, "shrink": 0.6, "pad": 0.02, **(cbar_extra or {})},
        **scale,
    )


def _log2_heatmap(ax: Axes, ratio: pd.DataFrame, annot: pd.DataFrame, *, cbar_label: str) -> None:
    """A heatmap of log2(ratio) centred on ×1 (diverging), annotated with ``annot``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        logv = np.log2(ratio.astype(float).where(ratio > 0))
    logv = logv.replace([np.inf, -np.inf], np.nan)
    vals = np.abs(logv.to_numpy()[np.isfinite(logv.to_numpy())])
    # The 95th percentile, not the maximum: one ×100 pair must not wash out the ×3s.
    m = max(1.0, math.ceil(float(np.percentile(vals, 95)))) if vals.size else 1.0
    _heatmap(ax, logv, annot, cbar_label, fontsize=6.8, cmap="vlag", center=0, vmin=-m, vmax=m)
    cbar = ax.collections[0].colorbar
    if cbar is not None:
        step = max(1, math.ceil(m / 4))
        ticks = list(range(-int(m), int(m) + 1, step))
        cbar.set_ticks(ticks, labels=[f"×{2**t}" if t >= 0 else f"×1/{2**-t}" for t in ticks])


def _value_heatmap(
    ax: Axes, values: pd.DataFrame, *, cbar_label: str, formatter: Callable[[float], str] = fmt_num
) -> None:
    """Sequential colours when every value is ≥ 0 (more = darker), diverging around 0 otherwise."""
    vals = values.astype(float)
    arr = vals.to_numpy()[np.isfinite(vals.to_numpy())]
    annot = vals.map(lambda v: formatter(v) if finite(v) else "")
    if arr.size == 0 or arr.min() >= 0:
        top = float(arr.max()) if arr.size and arr.max() > 0 else 1.0
        _heatmap(ax, vals, annot, cbar_label, cmap="rocket_r", vmin=0, vmax=top)
    else:
        m = float(np.abs(arr).max())
        _heatmap(ax, vals, annot, cbar_label, cmap="PuOr_r", center=0, vmin=-m, vmax=m)


def _tidy_heatmap_axes(axes: Sequence[Axes], *, xlabels: Sequence[str] | None = None) -> None:
    for ax in axes:
        ax.set_xlabel("")
        ax.set_ylabel("")
        ax.tick_params(axis="x", rotation=0, labelsize=8)
        ax.tick_params(axis="y", labelsize=8.5)
        if xlabels is not None:
            ax.set_xticks(ax.get_xticks(), list(xlabels))
        ax.grid(False)
    axes[-1].tick_params(axis="y", left=False, labelleft=False)


# --- Go versions ----------------------------------------------------------------------------------


def version_heatmap(
    costs: pd.DataFrame, *, columns: Sequence[str], title: str, footer: str, column_key: str = "go"
) -> Figure:
    """Pair × toolchain: the time ratio with its interval (left), extra allocs/op (right).

    A cell that changes colour along a row is a pair the compiler (or the
    runtime) treats differently across Go versions; a hatched cell is a pair
    whose escape variant allocates no more than its noescape one on that
    version (no escape happened there).
    """
    labels = _pair_labels(costs)
    index = [lab for _, lab in labels]
    lab_of = dict(labels)
    args = (index, lab_of, column_key, columns)
    ratio = _pivot(costs, costs["ratio"], *args)
    text = costs.apply(
        lambda c: (
            f"{fmt_ratio(c.ratio).removeprefix('×')}\n{fmt_interval(c.lo, c.hi)}"
            if finite(c.ratio)
            else ""
        ),
        axis=1,
    )
    annot = _pivot(costs, text, *args).fillna("")
    no_escape = _pivot(costs, (~costs["escaped"].astype(bool)).astype(float), *args)
    allocs = _pivot(costs, costs["allocs_escape"] - costs["allocs_noescape"], *args)
    ncol = len(columns)
    width = min(WIDTH * 1.3, 3.4 + 2 * (0.95 * ncol + 1.3))
    fig = new_figure(width, 0.36 * len(index) + 2.3)
    ax1, ax2 = fig.subplots(1, 2, sharey=True, width_ratios=[1.5, 1])
    _log2_heatmap(ax1, ratio, annot, cbar_label="escape / noescape time")
    _value_heatmap(ax2, allocs, cbar_label="allocs/op: escape − noescape", formatter=fmt_count)
    for ax in (ax1, ax2):
        _hatch(ax, no_escape)
    ax1.set_title("time ratio escape / noescape [95 % interval]", loc="left")
    ax2.set_title("extra allocs/op of escape", loc="left")
    _tidy_heatmap_axes((ax1, ax2))
    fig.legend(
        handles=[
            Rectangle(
                (0, 0),
                1,
                1,
                fill=False,
                hatch=_HATCH,
                edgecolor="#777777",
                label="no escape on this version",
            )
        ],
        loc="outside upper right",
        frameon=False,
        fontsize=8.5,
    )
    header(fig, title, footer)
    return fig


# --- machines for one toolchain -------------------------------------------------------------------


def machine_comparison(
    costs: pd.DataFrame,
    *,
    machines: Sequence[str],
    legend_labels: Mapping[str, str],
    title: str,
    footer: str,
) -> Figure:
    """Per pair, one point per machine: the time ratio (left), extra ns per allocation (right).

    The ratio says whether escaping matters relatively more on one CPU; the
    per-allocation cost (with its interval, only where the estimator gives it
    per allocation) is the absolute price of one heap allocation on that CPU.
    """
    colors = {m: SERIES_COLORS[i % len(SERIES_COLORS)] for i, m in enumerate(machines)}
    rows, spans = rows_with_sections(costs.drop_duplicates("pair"))
    ypos = {c.pair: y for c, y in rows}
    k = len(machines)
    offsets = {m: (i - (k - 1) / 2) * (0.6 / max(k, 1)) for i, m in enumerate(machines)}
    fig = new_figure(WIDTH, 0.26 * len(rows) * max(1.0, k / 2.5) + 0.3 * len(spans) + 2.0)
    ax1, ax2 = fig.subplots(1, 2, sharey=True, width_ratios=[1.25, 1])
    data = costs[costs["ratio"].map(lambda r: finite(r) and r > 0)]
    log_ratio_axis(ax1, *ratio_limits(data["lo"], data["hi"], data["ratio"]))
    band_sections(ax1, spans, label=False)
    band_sections(ax2, spans)
    per_alloc = costs[
        (costs["per_alloc_unit"] == "ns/alloc")
        & costs["per_alloc"].map(lambda v: finite(v) and v > 0)
    ]
    for ax, frame, columns in (
        (ax1, data, ("ratio", "lo", "hi")),
        (ax2, per_alloc, ("per_alloc", "per_alloc_lo", "per_alloc_hi")),
    ):
        for c in frame.itertuples(index=False):
            _machine_point(ax, c, columns, ypos[c.pair] + offsets[c.machine], colors[c.machine])
    if len(per_alloc):
        ax2.set_xscale("log")
        ax2.xaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _p: fmt_time(v * 1e-9)))
        ax2.xaxis.set_minor_formatter(ticker.NullFormatter())
    ax2.set_xlabel("extra time per escaped allocation (log scale; 95 % interval)")
    ax1.set_xlabel("escape / noescape time per op (log scale; 95 % interval)")
    ax1.set_yticks(list(ypos.values()), list(ypos.keys()))
    ax1.set_ylim(max(ypos.values(), default=0) + 0.8, -0.8)
    for ax in (ax1, ax2):
        ax.grid(axis="y", visible=False)
    ax2.tick_params(axis="y", left=False)
    _machine_legend(ax1, machines, colors, legend_labels)
    header(fig, title, footer)
    return fig


def _machine_point(ax: Axes, c: Any, columns: tuple[str, str, str], y: float, color: str) -> None:
    """One machine's value of one pair, with its interval when both ends are positive.

    ``columns`` names the value and its interval's ends in the cost row ``c``.
    """
    v, a, b = (getattr(c, col) for col in columns)
    if finite(a) and finite(b) and a > 0:
        ax.errorbar(
            v,
            y,
            xerr=[[v - a], [b - v]],
            fmt="none",
            ecolor=color,
            elinewidth=1.5,
            capsize=2,
            zorder=3,
        )
    ax.plot(v, y, "o", color=color, mfc="white" if hollow(c) else color, ms=5, zorder=4)


def _machine_legend(
    ax: Axes, machines: Sequence[str], colors: Mapping[str, str], labels: Mapping[str, str]
) -> None:
    """One entry per machine, above ``ax``.

    Above the left axes, one column, labels shortened: constrained layout counts an axes
    legend as part of the axes, and a figure legend would overlap the suptitle.
    """
    ax.legend(
        handles=[
            Line2D(
                [],
                [],
                marker="o",
                ls="none",
                color=colors[m],
                label=legend_text(shorten(labels.get(m, m), 60)),
            )
            for m in machines
        ],
        loc="lower left",
        bbox_to_anchor=(0, 1.0),
        ncols=1,
        frameon=False,
    )


# --- GC cost --------------------------------------------------------------------------------------


def _zero_floor_axis(ax: Axes, values: np.ndarray) -> float:
    """A log x axis with an extra position labelled ``0`` for zero values; returns it."""
    pos = values[np.isfinite(values) & (values > 0)]
    lo_dec = math.floor(math.log10(pos.min())) if pos.size else -9
    hi_dec = math.ceil(math.log10(pos.max())) if pos.size else lo_dec + 1
    hi_dec = max(hi_dec, lo_dec + 1)
    floor = 10.0 ** (lo_dec - 1)
    ax.set_xscale("log")
    ax.set_xlim(floor / 2.2, 10.0**hi_dec * 1.3)
    ax.xaxis.set_major_locator(
        ticker.FixedLocator([floor] + [10.0**d for d in range(lo_dec, hi_dec + 1)])
    )
    ax.xaxis.set_major_formatter(
        ticker.FuncFormatter(lambda v, _p: "0" if math.isclose(v, floor) else fmt_time(v))
    )
    ax.xaxis.set_minor_locator(ticker.NullLocator())
    ax.axvline(floor * 1.9, color="#BBBBBB", lw=0.8, ls=":")
    return floor


def gc_cost(costs: pd.DataFrame, *, title: str, footer: str) -> Figure:
    """GC CPU time per op, escape vs noescape (medians), for pairs that caused any GC work.

    The axis is logarithmic; a variant that caused no GC at all sits on the
    hollow ``0`` column.
    """
    any_gc = costs[["gc_cpu_escape", "gc_cpu_noescape"]].fillna(0).gt(0).any(axis=1)
    data = costs[any_gc]
    rows, spans = rows_with_sections(data, key="gc_cpu_escape")
    fig = new_figure(WIDTH * 0.8, 0.25 * len(rows) + 0.3 * len(spans) + 1.9)
    ax = fig.subplots()
    vals = data[["gc_cpu_escape", "gc_cpu_noescape"]].to_numpy(dtype=float).ravel()
    floor = _zero_floor_axis(ax, vals)
    band_sections(ax, spans)
    for c, y in rows:
        for variant, marker, dy in (("escape", "o", -0.14), ("noescape", "s", 0.14)):
            v = getattr(c, f"gc_cpu_{variant}")
            if finite(v):
                zero = v <= 0
                ax.plot(
                    floor if zero else v,
                    y + dy,
                    marker,
                    ms=5.5,
                    color=VARIANT_COLORS[variant],
                    mfc="white" if zero else VARIANT_COLORS[variant],
                    zorder=4,
                )
    ax.set_xlabel("GC CPU time per op (gc-cpu-sec/op, median, log scale)")
    ax.grid(axis="y", visible=False)
    ax.set_yticks([y for _, y in rows], [c.pair for c, _ in rows])
    ax.set_ylim(rows[-1][1] + 0.8 if rows else 1, -0.8)
    handles = [
        Line2D([], [], marker=m, ls="none", color=VARIANT_COLORS[v], label=v)
        for v, m in (("escape", "o"), ("noescape", "s"))
    ]
    handles.append(
        Line2D(
            [],
            [],
            marker="o",
            ls="none",
            color=NEUTRAL_COLOR,
            mfc="white",
            label="hollow: no GC work (0)",
        )
    )
    fig.legend(handles=handles, loc="outside upper right", ncols=3, frameon=False)
    header(fig, title, footer)
    return fig


# --- GC pressure ----------------------------------------------------------------------------------


def gc_pressure(costs: pd.DataFrame, *, settings: Sequence[str], title: str, footer: str) -> Figure:
    """Pair × GC setting: the time ratio (left) and the escape variant's GC CPU per op (right).

    A lower GOGC or a bigger live heap makes the collector run more often or
    scan more; pairs whose ratio grows along a row pay for escaping mostly in
    GC, not in the allocation itself. GC CPU time is never negative: a
    sequential, logarithmic colour scale.
    """
    labels = _pair_labels(costs)
    index = [lab for _, lab in labels]
    args = (index, dict(labels), "setting", settings)
    ratio = _pivot(costs, costs["ratio"], *args)
    annot = _pivot(
        costs,
        costs["ratio"].map(lambda r: fmt_ratio(r).removeprefix("×") if finite(r) else ""),
        *args,
    ).fillna("")
    gc = _pivot(costs, costs["gc_cpu_escape"], *args).astype(float)
    no_escape = _pivot(costs, (~costs["escaped"].astype(bool)).astype(float), *args)
    width = min(WIDTH * 1.25, 3.2 + 2 * (1.1 * len(settings) + 1.3))
    fig = new_figure(width, 0.24 * len(index) + 2.4)
    ax1, ax2 = fig.subplots(1, 2, sharey=True)
    _log2_heatmap(ax1, ratio, annot, cbar_label="escape / noescape time")
    _hatch(ax1, no_escape)
    pos = gc.to_numpy()[np.isfinite(gc.to_numpy()) & (gc.to_numpy() > 0)]
    norm = (
        mpl.colors.LogNorm(vmin=float(pos.min()), vmax=float(pos.max()))
        if pos.size and pos.min() < pos.max()
        else None
    )
    _heatmap(
        ax2,
        gc.where(gc > 0),
        gc.map(lambda v: fmt_time(v) if finite(v) else ""),
        "GC CPU per op of escape (log)",
        fontsize=7,
        cmap="rocket_r",
        norm=norm,
        cbar_extra={"format": ticker.FuncFormatter(lambda v, _p: fmt_time(v))},
    )
    for (i, j), v in np.ndenumerate(gc.to_numpy()):
        if v == 0:  # masked (no colour on a log scale) but measured: say so
            ax2.text(j + 0.5, i + 0.5, "0", ha="center", va="center", fontsize=7, color="#777777")
    ax1.set_title("time ratio escape / noescape", loc="left")
    ax2.set_title("GC CPU per op, escape variant", loc="left")
    _tidy_heatmap_axes((ax1, ax2), xlabels=[s.replace(", live heap ", "\nlive ") for s in settings])
    header(fig, title, footer)
    return fig


__all__ = ["gc_cost", "gc_pressure", "machine_comparison", "version_heatmap"]
