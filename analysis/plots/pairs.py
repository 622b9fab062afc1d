"""Charts of one condition: every pair's ratio, each pair's samples, the noisiest pairs.

One job: draw the primary condition's charts of the report (the neighbour
``analysis.plots.conditions`` draws comparisons across Go versions, machines
and GC settings). Frames and conventions are described in
``analysis.plots.base``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import ticker
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from analysis.format import fmt_bytes, fmt_interval, fmt_ratio, time_unit
from analysis.plots.base import (
    ESCAPE_COLOR,
    NEUTRAL_COLOR,
    NOESCAPE_COLOR,
    VARIANT_COLORS,
    WIDTH,
    band_sections,
    facet_titles,
    finite,
    header,
    hollow,
    jitter,
    log_ratio_axis,
    new_figure,
    ordered,
    plural,
    ratio_limits,
    rows_with_sections,
    variant_handles,
    verdict_color,
)


def _ratio_text(c: object) -> str:
    ratio = getattr(c, "ratio", math.nan)
    if not finite(ratio):
        return ""
    return f"{fmt_ratio(ratio)} {fmt_interval(getattr(c, 'lo', None), getattr(c, 'hi', None))}"


# --- 1. a pair's escape vs noescape time per op ---------------------------------------------------


def pair_grid(
    samples: pd.DataFrame, costs: pd.DataFrame, *, title: str, footer: str, ncols: int = 2
) -> Figure:
    """Small multiples, one facet per pair: every sample and the median, per variant.

    Each facet has its own time axis (pairs differ by orders of magnitude)
    starting at zero; the variant labels carry B/op and allocs/op, the facet's
    right-hand title the escape/noescape ratio with its interval.
    """
    pairs = list(ordered(costs).itertuples(index=False))
    n = len(pairs)
    nrows = max(1, math.ceil(n / ncols))  # a lone pair keeps the facet size of the others
    fig = new_figure(WIDTH, 1.45 * nrows + 0.95)
    axes = fig.subplots(nrows, ncols, squeeze=False)
    for ax in axes.flat[n:]:
        ax.set_axis_off()
    by_pair = dict(tuple(samples.groupby("pair", sort=False)))
    for ax, c in zip(axes.flat, pairs, strict=False):
        s = by_pair.get(c.pair, samples.iloc[:0])
        top = np.nanmax([s["sec"].max() if len(s) else 0, c.escape_sec, c.noescape_sec])
        f, unit = time_unit(float(top) if finite(top) and top > 0 else 1e-9)
        labels = []
        for yi, variant in enumerate(("escape", "noescape")):
            xs = s.loc[s["variant"] == variant, "sec"].to_numpy() * f
            color = VARIANT_COLORS[variant]
            ax.scatter(
                xs, yi + jitter(len(xs), 0.62), color=color, s=18, alpha=0.6, linewidths=0, zorder=3
            )
            med = getattr(c, f"{variant}_sec")
            if finite(med):
                ax.plot(
                    med * f, yi, marker="D", ms=6.5, color=color, mec="white", mew=0.8, zorder=5
                )
            allocs = getattr(c, f"allocs_{variant}")
            nbytes = getattr(c, f"bytes_{variant}")
            labels.append(
                f"{variant}\n{fmt_bytes(nbytes)} · {plural(allocs, 'alloc')}"
                if finite(allocs)
                else variant
            )
        ax.set_yticks([0, 1], labels)
        for tl, variant in zip(ax.get_yticklabels(), ("escape", "noescape"), strict=True):
            tl.set_color(VARIANT_COLORS[variant])
        ax.set_ylim(1.6, -0.6)
        ax.set_xlim(left=0, right=float(top) * f * 1.08 if finite(top) and top > 0 else 1)
        ax.set_xlabel(f"time per op ({unit})", fontsize=8.5, labelpad=2)
        ax.grid(axis="y", visible=False)
        right = _ratio_text(c) + ("" if c.escaped else " · no escape")
        facet_titles(ax, c.pair, right, width_in=WIDTH / ncols - 1.3)
    fig.legend(
        handles=variant_handles(with_samples=True),
        loc="outside upper right",
        ncols=3,
        frameon=False,
        fontsize=8.5,
    )
    header(fig, title, footer)
    return fig


# --- 2. every pair's ratio on one chart -----------------------------------------------------------


def _ratio_row(ax: Axes, c: Any, y: float) -> None:
    """One pair: this run's interval, the across-runs one above it, the point, its label."""
    color = verdict_color(c)
    if finite(c.lo) and finite(c.hi):
        ax.errorbar(
            c.ratio,
            y,
            xerr=[[c.ratio - c.lo], [c.hi - c.ratio]],
            fmt="none",
            ecolor=color,
            elinewidth=1.8,
            capsize=2.5,
            zorder=3,
        )
    if finite(c.across_lo) and finite(c.across_hi):
        ax.plot(
            [c.across_lo, c.across_hi],
            [y - 0.3, y - 0.3],
            color=color,
            lw=1.0,
            alpha=0.55,
            solid_capstyle="butt",
            zorder=3,
        )
    ax.plot(
        c.ratio, y, "o", color=color, mfc="white" if hollow(c) else color, mew=1.5, ms=6, zorder=4
    )
    right = max(v for v in (c.hi, c.across_hi, c.ratio) if finite(v))
    ax.text(
        right * 1.1,
        y,
        fmt_ratio(c.ratio) + ("  no escape" if hollow(c) else ""),
        va="center",
        ha="left",
        fontsize=8,
        color="#333333",
    )


def _ratio_legend(ax: Axes, *, across: bool) -> None:
    def dot(color: str, label: str, **kw: Any) -> Line2D:
        return Line2D([], [], marker="o", ls="none", color=color, label=label, **kw)

    handles = [
        dot(ESCAPE_COLOR, "interval above ×1"),
        dot(NEUTRAL_COLOR, "includes ×1"),
        dot(NOESCAPE_COLOR, "below ×1"),
        dot(NEUTRAL_COLOR, "hollow: no escape", mfc="white"),
    ]
    if across:
        handles.append(Line2D([], [], color=NEUTRAL_COLOR, lw=1.0, label="across runs"))
    ax.legend(
        handles=handles,
        loc="lower left",
        bbox_to_anchor=(0, 1.0),
        ncols=len(handles),
        frameon=False,
        fontsize=8,
        handletextpad=0.3,
        columnspacing=1.0,
    )


def ratio_overview(costs: pd.DataFrame, *, title: str, footer: str) -> Figure:
    """Escape/noescape time ratio of every pair with its interval(s), by section, sorted.

    Colour says where this run's interval lies: above ×1 (vermillion, escape
    slower), below (blue, escape faster), around (grey); the pair table's
    verdict also accounts for the number of tests (Holm). A hollow marker is a
    pair whose escape variant allocates no more than the noescape one on this
    version: no escape happened, the ratio measures something else. With
    several runs of the condition, a thin light bar above the point is the
    across-runs interval.
    """
    data = costs[costs["ratio"].map(lambda r: finite(r) and r > 0)]
    rows, spans = rows_with_sections(data, key="ratio")
    height = 0.25 * len(rows) + 0.3 * len(spans) + 1.7
    fig = new_figure(WIDTH, max(3.0, height))
    ax = fig.subplots()
    lims = ratio_limits(
        pd.concat([data["lo"], data["across_lo"]]),
        pd.concat([data["hi"], data["across_hi"]]),
        data["ratio"],
    )
    log_ratio_axis(ax, *lims)
    band_sections(ax, spans)
    for c, y in rows:
        _ratio_row(ax, c, y)
    ax.set_yticks([y for _, y in rows], [c.pair for c, _ in rows])
    ax.set_ylim(rows[-1][1] + 0.8 if rows else 1, -0.8)
    ax.grid(axis="y", visible=False)
    ax.set_xlabel("escape / noescape time per op (log scale; 95 % interval)")
    _ratio_legend(ax, across=bool(data["across_lo"].map(finite).any()))
    header(fig, title, footer)
    return fig


# --- 3. noise -------------------------------------------------------------------------------------


def noise(
    samples: pd.DataFrame, costs: pd.DataFrame, *, title: str, footer: str, ncols: int = 2
) -> Figure:
    """Each sample's deviation from its variant's median, in measurement order, per pair.

    Interleaved rounds put both variants' samples of round *k* side by side:
    lines moving together are machine drift (which the paired estimate
    cancels), a lone spike is noise in one sample, a trend is a warming or
    throttling machine.
    """
    pairs = list(costs.itertuples(index=False))
    n = len(pairs)
    nrows = max(1, math.ceil(n / ncols))
    fig = new_figure(WIDTH, 2.05 * nrows + 1.0)
    axes = fig.subplots(nrows, ncols, squeeze=False)
    for ax in axes.flat[n:]:
        ax.set_axis_off()
    for ax, c in zip(axes.flat, pairs, strict=False):
        s = samples[samples["pair"] == c.pair]
        for variant, marker in (("escape", "o"), ("noescape", "s")):
            v = s[s["variant"] == variant].sort_values(["run", "round"], kind="mergesort")
            med = getattr(c, f"{variant}_sec")
            dev = (v["sec"] / med - 1) * 100 if finite(med) and med else v["sec"] * 0
            ax.plot(
                np.arange(1, len(v) + 1),
                dev.to_numpy(),
                color=VARIANT_COLORS[variant],
                marker=marker,
                markersize=4.5,
                linewidth=1.2,
            )
            for i in np.nonzero(np.diff(v["run"].to_numpy()))[0]:
                ax.axvline(i + 1.5, color="#BBBBBB", lw=0.8, ls=":")
        ax.axhline(0, color="#333333", lw=0.8)
        facet_titles(ax, c.pair, _ratio_text(c), width_in=WIDTH / ncols - 0.9)
        ax.set_xlabel("sample (measurement order)", fontsize=8.5)
        ax.set_ylabel("vs median (%)", fontsize=8.5)
        ax.xaxis.set_major_locator(ticker.MaxNLocator(integer=True))
    fig.legend(
        handles=[
            Line2D([], [], marker=m, color=VARIANT_COLORS[v], label=v)
            for v, m in (("escape", "o"), ("noescape", "s"))
        ],
        loc="outside upper right",
        ncols=2,
        frameon=False,
    )
    header(fig, title, footer)
    return fig


__all__ = ["noise", "pair_grid", "ratio_overview"]
