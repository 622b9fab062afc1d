"""Charts of escape costs: seaborn/matplotlib figures a person would put in docs.

One job: draw. ``analysis.report`` decides *what* to show (which machine,
toolchain and GC setting; which pairs) and hands over two long-form pandas
frames; this module turns them into :class:`matplotlib.figure.Figure` objects
and writes them as PNG and SVG. Numbers come from ``analysis.cost`` and
``analysis.stats`` through those frames; nothing here computes a statistic
beyond picking units and positions.

The frames (one row each; column names are the contract with the report):

* ``samples`` — one benchmark line: ``pair``, ``section``, ``order`` (article
  order of the pair), ``variant`` (``escape``/``noescape``), ``machine``,
  ``go``, ``setting``, ``run`` (index of the run within its condition),
  ``round`` (position of the sample in measurement order), ``sec`` (time per
  op, seconds), ``allocs``, ``bytes``, ``gc_cpu_sec``, ``gc_cycles``.
* ``costs`` — one pair under one condition (machine × toolchain × GC
  setting): ``pair``, ``section``, ``order``, ``machine``, ``go``,
  ``setting``, ``ratio``/``lo``/``hi`` (escape/noescape median time and its
  bootstrap interval), ``escape_sec``/``noescape_sec`` (medians) with
  ``escape_lo``/``escape_hi``/``noescape_lo``/``noescape_hi`` (order-statistic
  CI of each median), ``n_escape``/``n_noescape``, ``allocs_*``, ``bytes_*``,
  ``gc_cpu_*`` (seconds of GC CPU per op), ``gc_cycles_*``,
  ``extra_ns_per_alloc``, ``cv_escape``/``cv_noescape``.

Why these choices:

* **Colour** is the Okabe–Ito palette (Okabe & Ito 2008, *Color Universal
  Design*), safe for the common colour-vision deficiencies; ``escape`` is
  always vermillion and ``noescape`` always blue, in every chart, so a reader
  learns it once. Heatmaps use diverging maps (``vlag``, ``PuOr``) centred on
  "no difference".
* **Honest scales**: time per op starts at zero (a pair's two bars compare
  magnitudes); ratios use a log axis (×2 and ×½ are the same distance from 1)
  with a reference line at 1.
* **Context on the chart**: every figure carries a footer naming the
  machine(s), toolchain(s), GC setting and sample counts, because charts get
  copied out of the report they came from.
* **Deterministic files**: no random jitter (a fixed low-discrepancy offset
  instead), fixed SVG hash salt, fonts drawn as paths, no date or software
  metadata, bundled DejaVu Sans — re-running on the same results gives the
  same bytes.
* **No markup from data**: math text parsing is off, so a benchmark named
  ``$x$`` is drawn as typed.
"""

from __future__ import annotations

import contextlib
import math
import re
import textwrap
import warnings
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib as mpl
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib import ticker
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from analysis.format import fmt_bytes, fmt_num, fmt_ratio, fmt_time, time_unit

# --- palette and style ----------------------------------------------------------------------------

#: Okabe–Ito colours, by name.
OKABE_ITO: Mapping[str, str] = {
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "black": "#000000",
}
ESCAPE_COLOR = OKABE_ITO["vermillion"]
NOESCAPE_COLOR = OKABE_ITO["blue"]
NEUTRAL_COLOR = "#8C8C8C"
VARIANT_COLORS: Mapping[str, str] = {"escape": ESCAPE_COLOR, "noescape": NOESCAPE_COLOR}
#: Colours for machines, toolchains or settings: Okabe–Ito without the two variant colours.
SERIES_COLORS: tuple[str, ...] = (
    OKABE_ITO["orange"],
    OKABE_ITO["green"],
    OKABE_ITO["purple"],
    OKABE_ITO["sky"],
    OKABE_ITO["black"],
    OKABE_ITO["yellow"],
)

#: Width of a full-width chart, inches; PNGs are written at ``DPI``.
WIDTH = 10.0
DPI = 150

_RC: dict[str, Any] = {
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],  # ships with matplotlib: same glyphs everywhere
    "text.parse_math": False,  # data is drawn as typed, never as math text
    "svg.fonttype": "path",  # SVGs render without our fonts installed
    "svg.hashsalt": "escapebench",  # stable clip-path ids
    "svg.image_inline": True,
    "path.simplify": True,
    "savefig.dpi": DPI,
    "figure.dpi": 100,
    "axes.titlesize": 10.5,
    "axes.titleweight": "bold",
    "axes.labelsize": 9.5,
    "xtick.labelsize": 8.5,
    "ytick.labelsize": 9,
    "legend.fontsize": 9,
    "legend.title_fontsize": 9,
    "figure.titlesize": 13,
    "figure.titleweight": "bold",
    "figure.labelsize": 8.5,
    "grid.color": "#E3E3E3",
    "axes.edgecolor": "#BBBBBB",
}

_PNG_METADATA = {"Software": None, "Date": None, "Creator": None}
_SVG_METADATA = {"Date": None, "Creator": None}


@contextlib.contextmanager
def style() -> Iterator[None]:
    """Our seaborn theme and file-format settings, for the duration of a block.

    A context rather than ``sns.set_theme`` so that drawing a report does not
    change the caller's matplotlib defaults.
    """
    rc = {**sns.axes_style("whitegrid"), **sns.plotting_context("notebook"), **_RC}
    with warnings.catch_warnings():
        # Benchmark names may use glyphs DejaVu lacks (e.g. CJK): draw boxes, don't warn.
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from font")
        warnings.filterwarnings("ignore", message=r".*not have a glyph.*")
        # seaborn 0.13's heatmap calls a colormap method matplotlib plans to deprecate.
        warnings.filterwarnings("ignore", category=PendingDeprecationWarning, module=r"seaborn\.")
        with mpl.rc_context(rc):
            yield


def new_figure(width: float, height: float) -> Figure:
    """A figure outside pyplot (no global state, no GUI backend) with constrained layout."""
    return Figure(figsize=(width, height), layout="constrained")


def save(fig: Figure, directory: Path, stem: str) -> list[Path]:
    """Write ``stem.png`` and ``stem.svg`` into ``directory`` without volatile metadata."""
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", stem):
        raise ValueError(f"chart file stem {stem!r} is not path-safe")
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    engine = fig.get_layout_engine()
    with style():
        for fmt, md in (("png", _PNG_METADATA), ("svg", _SVG_METADATA)):
            path = directory / f"{stem}.{fmt}"
            fig.savefig(path, format=fmt, metadata=md, facecolor="white")
            paths.append(path)
            # The layout is solved (sizes are in points, so it holds at any dpi): the
            # second format reuses it instead of solving it again.
            fig.set_layout_engine("none")
    fig.set_layout_engine(engine)
    return paths


def slug(text: str, max_len: int = 48) -> str:
    """A path-safe ASCII file-name part for ``text`` (never empty, never ``..``)."""
    s = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()[:max_len].strip("-")
    return s or "x"


def _header(fig: Figure, title: str, footer: str) -> None:
    """Title top left; the data's context (machines, toolchains, samples) as a footer."""
    fig.suptitle(title, x=0.01, ha="left")
    if footer:
        width = int(fig.get_figwidth() * 14.5)  # characters of 8.5 pt DejaVu Sans per line
        fig.supxlabel(
            textwrap.fill(footer, width, break_on_hyphens=False),
            x=0.01,
            ha="left",
            color="#555555",
            linespacing=1.35,
        )


def _plural(n: float, word: str) -> str:
    return f"{fmt_num(n)} {word}" + ("" if n == 1 else "s")


# --- helpers --------------------------------------------------------------------------------------


def _jitter(n: int, width: float = 0.42) -> np.ndarray:
    """Fixed, well-spread offsets in [-width/2, width/2] (golden-ratio sequence), no RNG."""
    return (np.modf(np.arange(n) * 0.6180339887498949 + 0.5)[0] - 0.5) * width


def _ordered(costs: pd.DataFrame) -> pd.DataFrame:
    return costs.sort_values(["order", "pair"], kind="mergesort")


def _sections(frame: pd.DataFrame) -> list[str]:
    """Sections in article order (the order of their first pair)."""
    return list(dict.fromkeys(_ordered(frame)["section"]))


def _section_label(section: str) -> str:
    return f"§{section}" if section else "other"


def _log_ratio_axis(ax: Axes, lo: float, hi: float) -> None:
    ax.set_xscale("log")
    ax.set_xlim(lo, hi)
    ax.xaxis.set_major_locator(ticker.LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.xaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _p: f"×{v:g}"))
    ax.xaxis.set_minor_locator(ticker.NullLocator())
    ax.axvline(1.0, color="#333333", lw=1.0, ls="--", zorder=1)


def _ratio_limits(lo: pd.Series, hi: pd.Series, ratio: pd.Series) -> tuple[float, float]:
    vals = pd.concat([lo, hi, ratio]).replace([np.inf, -np.inf], np.nan).dropna()
    vals = vals[vals > 0]
    if vals.empty:
        return 0.5, 2.0
    return min(float(vals.min()), 1.0) / 1.35, max(float(vals.max()), 1.0) * 2.4


def _finite(x: Any) -> bool:
    try:
        return x is not None and math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


def _verdict_color(row: Any) -> str:
    if _finite(row.lo) and row.lo > 1:
        return ESCAPE_COLOR
    if _finite(row.hi) and row.hi < 1:
        return NOESCAPE_COLOR
    return NEUTRAL_COLOR


def _band_sections(
    ax: Axes, spans: Sequence[tuple[str, float, float]], *, label: bool = True
) -> None:
    """Alternate shading per article section and its label in the right margin."""
    trans = ax.get_yaxis_transform()
    for i, (section, y0, y1) in enumerate(spans):
        if i % 2 == 0:
            ax.axhspan(y0, y1, color="#F2F2F2", zorder=0, lw=0)
        if label:
            ax.text(
                1.01,
                (y0 + y1) / 2,
                _section_label(section),
                transform=trans,
                ha="left",
                va="center",
                fontsize=8.5,
                color="#555555",
            )


def _rows_with_sections(
    costs: pd.DataFrame, key: str | None = None, gap: float = 0.5
) -> tuple[list[tuple[Any, float]], list[tuple[str, float, float]]]:
    """Y positions for pairs grouped by section (sorted by ``key`` descending inside one)."""
    rows: list[tuple[Any, float]] = []
    spans: list[tuple[str, float, float]] = []
    y = 0.0
    ordered = _ordered(costs)
    for section in _sections(ordered):
        part = ordered[ordered["section"] == section]
        if key is not None:
            part = part.sort_values(
                [key, "order", "pair"],
                ascending=[False, True, True],
                kind="mergesort",
                na_position="last",
            )
        start = y - 0.5
        for row in part.itertuples(index=False):
            rows.append((row, y))
            y += 1
        spans.append((section, start, y - 0.5))
        y += gap
    return rows, spans


# --- 1. a pair's escape vs noescape time per op ---------------------------------------------------


def pair_grid(
    samples: pd.DataFrame, costs: pd.DataFrame, *, title: str, footer: str, ncols: int = 2
) -> Figure:
    """Small multiples, one facet per pair: every sample, the median and its CI, per variant.

    Each facet has its own time axis (pairs differ by orders of magnitude)
    starting at zero; the variant labels carry B/op and allocs/op, the facet's
    right-hand title the escape/noescape ratio with its interval.
    """
    pairs = list(_ordered(costs).itertuples(index=False))
    n = len(pairs)
    nrows = max(1, math.ceil(n / ncols))  # a lone pair keeps the facet size of the others
    fig = new_figure(WIDTH, 1.55 * nrows + 0.95)
    axes = fig.subplots(nrows, ncols, squeeze=False)
    for ax in axes.flat[n:]:
        ax.set_axis_off()
    for ax, c in zip(axes.flat, pairs, strict=False):
        s = samples[samples["pair"] == c.pair]
        top = np.nanmax(
            [
                s["sec"].max(),
                c.escape_hi if _finite(c.escape_hi) else 0,
                c.noescape_hi if _finite(c.noescape_hi) else 0,
            ]
        )
        f, unit = time_unit(float(top) if _finite(top) else 1e-9)
        labels = []
        for yi, variant in enumerate(("escape", "noescape")):
            v = s[s["variant"] == variant]
            color = VARIANT_COLORS[variant]
            xs = v["sec"].to_numpy() * f
            sns.scatterplot(
                x=xs,
                y=yi + _jitter(len(xs), 0.62),
                ax=ax,
                color=color,
                s=18,
                alpha=0.6,
                linewidth=0,
                legend=False,
                zorder=3,
            )
            med = getattr(c, f"{variant}_sec") * f
            lo, hi = getattr(c, f"{variant}_lo"), getattr(c, f"{variant}_hi")
            if _finite(lo) and _finite(hi):
                ax.errorbar(
                    med,
                    yi,
                    xerr=[[med - lo * f], [hi * f - med]],
                    fmt="none",
                    ecolor=color,
                    elinewidth=1.6,
                    capsize=4,
                    capthick=1.6,
                    zorder=4,
                )
            ax.plot(med, yi, marker="D", ms=6.5, color=color, mec="white", mew=0.8, zorder=5)
            allocs = getattr(c, f"allocs_{variant}")
            nbytes = getattr(c, f"bytes_{variant}")
            labels.append(
                f"{variant}\n{fmt_bytes(nbytes)} · {_plural(allocs, 'alloc')}"
                if _finite(allocs)
                else variant
            )
        ax.set_yticks([0, 1], labels)
        for tl, variant in zip(ax.get_yticklabels(), ("escape", "noescape"), strict=True):
            tl.set_color(VARIANT_COLORS[variant])
        ax.set_ylim(1.6, -0.6)
        ax.set_xlim(left=0, right=float(top) * f * 1.08 if _finite(top) and top > 0 else 1)
        ax.set_xlabel(f"time per op ({unit})", fontsize=8.5, labelpad=2)
        ax.grid(axis="y", visible=False)
        right = (
            f"{fmt_ratio(c.ratio)} [{fmt_num(c.lo)}, {fmt_num(c.hi)}]" if _finite(c.ratio) else ""
        )
        _facet_titles(ax, c.pair, right, width_in=WIDTH / ncols - 1.3)
    fig.legend(
        handles=_variant_handles(with_ci=True),
        loc="outside upper right",
        ncols=3,
        frameon=False,
        fontsize=8.5,
    )
    _header(fig, title, footer)
    return fig


def _facet_titles(ax: Axes, left: str, right: str, *, width_in: float) -> None:
    """Name on the left, numbers on the right; a long name shrinks, then is shortened.

    Widths are estimated from DejaVu Sans' average advance (~0.62 em bold,
    ~0.58 em regular) so that the two titles never overlap.
    """
    right_pt = len(right) * 0.58 * 8.5
    avail = max(36.0, width_in * 72 - right_pt - 10)
    size = min(10.5, avail / max(1, len(left) * 0.62))
    if size < 7.5:
        size = 7.5
        keep = max(4, int(avail / (7.5 * 0.62)) - 1)
        left = left[:keep] + "…"
    ax.set_title(left, loc="left", fontsize=size)
    ax.set_title(right, loc="right", fontsize=8.5, fontweight="normal", color="#444444")


def _variant_handles(*, with_ci: bool = False) -> list[Line2D]:
    h = [
        Line2D([], [], marker="D", ls="none", color=VARIANT_COLORS[v], label=v)
        for v in ("escape", "noescape")
    ]
    if with_ci:
        h.append(
            Line2D(
                [],
                [],
                marker="o",
                ls="none",
                color=NEUTRAL_COLOR,
                alpha=0.6,
                ms=4,
                label="one sample; ◆ median, ├┤ 95 % CI",
            )
        )
    return h


# --- 2. every pair's ratio on one chart -----------------------------------------------------------


def ratio_overview(costs: pd.DataFrame, *, title: str, footer: str) -> Figure:
    """Escape/noescape time ratio of every pair with its bootstrap CI, by section, sorted.

    Colour says whether the interval excludes 1: vermillion (escape slower),
    blue (escape faster), grey (no clear difference).
    """
    data = costs[costs["ratio"].map(lambda r: _finite(r) and r > 0)]
    rows, spans = _rows_with_sections(data, key="ratio")
    height = 0.25 * len(rows) + 0.3 * len(spans) + 1.7
    fig = new_figure(WIDTH, max(3.0, height))
    ax = fig.subplots()
    lo_lim, hi_lim = _ratio_limits(data["lo"], data["hi"], data["ratio"])
    _log_ratio_axis(ax, lo_lim, hi_lim)
    _band_sections(ax, spans)
    for c, y in rows:
        color = _verdict_color(c)
        if _finite(c.lo) and _finite(c.hi):
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
        ax.plot(c.ratio, y, "o", color=color, ms=6, zorder=4)
        right = c.hi if _finite(c.hi) else c.ratio
        ax.text(
            right * 1.1, y, fmt_ratio(c.ratio), va="center", ha="left", fontsize=8, color="#333333"
        )
    ax.set_yticks([y for _, y in rows], [c.pair for c, _ in rows])
    ax.set_ylim(rows[-1][1] + 0.8 if rows else 1, -0.8)
    ax.grid(axis="y", visible=False)
    ax.set_xlabel("escape / noescape median time per op (log scale; 95 % bootstrap CI)")
    ax.legend(
        handles=[
            Line2D([], [], marker="o", ls="none", color=ESCAPE_COLOR, label="escape slower"),
            Line2D(
                [],
                [],
                marker="o",
                ls="none",
                color=NEUTRAL_COLOR,
                label="no clear difference (CI includes ×1)",
            ),
            Line2D([], [], marker="o", ls="none", color=NOESCAPE_COLOR, label="escape faster"),
        ],
        loc="lower left",
        bbox_to_anchor=(0, 1.0),
        ncols=3,
        frameon=False,
    )
    _header(fig, title, footer)
    return fig


# --- 3. Go version x pair heatmaps ----------------------------------------------------------------


def _pair_labels(costs: pd.DataFrame) -> list[tuple[str, str]]:
    """(pair, "§section  pair") in article order, unique."""
    seen: dict[str, str] = {}
    for row in _ordered(costs).itertuples(index=False):
        seen.setdefault(row.pair, f"{row.pair}  ({_section_label(row.section)})")
    return list(seen.items())


def _log2_heatmap(ax: Axes, ratio: pd.DataFrame, *, cbar_label: str) -> None:
    """A heatmap of log2(ratio) centred on ×1, annotated with the ratio itself."""
    with np.errstate(divide="ignore", invalid="ignore"):
        logv = np.log2(ratio.astype(float).where(ratio > 0))
    logv = logv.replace([np.inf, -np.inf], np.nan)
    finite = np.abs(logv.to_numpy()[np.isfinite(logv.to_numpy())])
    # The 95th percentile, not the maximum: one ×100 pair must not wash out the ×3s.
    m = max(1.0, math.ceil(float(np.percentile(finite, 95)))) if finite.size else 1.0
    annot = ratio.map(lambda r: fmt_ratio(r).removeprefix("×") if _finite(r) else "")
    sns.heatmap(
        logv,
        ax=ax,
        cmap="vlag",
        center=0,
        vmin=-m,
        vmax=m,
        annot=annot,
        fmt="",
        annot_kws={"fontsize": 7.5},
        linewidths=0.5,
        linecolor="white",
        cbar_kws={"label": cbar_label, "shrink": 0.6, "pad": 0.02},
    )
    cbar = ax.collections[0].colorbar
    if cbar is not None:
        step = max(1, math.ceil(m / 4))
        ticks = list(range(-int(m), int(m) + 1, step))
        cbar.set_ticks(ticks, labels=[f"×{2**t}" if t >= 0 else f"×1/{2**-t}" for t in ticks])


def _diff_heatmap(
    ax: Axes, diff: pd.DataFrame, *, cbar_label: str, cmap: str = "PuOr_r", formatter: Any = fmt_num
) -> None:
    vals = diff.astype(float)
    finite = np.abs(vals.to_numpy()[np.isfinite(vals.to_numpy())])
    m = float(finite.max()) if finite.size and finite.max() > 0 else 1.0
    annot = vals.map(lambda v: formatter(v) if _finite(v) else "")
    sns.heatmap(
        vals,
        ax=ax,
        cmap=cmap,
        center=0,
        vmin=-m,
        vmax=m,
        annot=annot,
        fmt="",
        annot_kws={"fontsize": 7.5},
        linewidths=0.5,
        linecolor="white",
        cbar_kws={"label": cbar_label, "shrink": 0.6, "pad": 0.02},
    )


def version_heatmap(
    costs: pd.DataFrame, *, columns: Sequence[str], title: str, footer: str, column_key: str = "go"
) -> Figure:
    """Pair × toolchain: the time ratio (left) and extra allocs/op of escape (right).

    A cell that changes colour along a row is a pair the compiler (or the
    runtime) treats differently across Go versions.
    """
    labels = _pair_labels(costs)
    index = [lab for _, lab in labels]
    lab_of = dict(labels)

    def pivot(values: pd.Series) -> pd.DataFrame:
        frame = costs.assign(_v=values, _row=costs["pair"].map(lab_of))
        table = frame.pivot_table(
            index="_row", columns=column_key, values="_v", aggfunc="first", dropna=False
        )
        return table.reindex(index=index, columns=list(columns))

    ratio = pivot(costs["ratio"])
    allocs = pivot(costs["allocs_escape"] - costs["allocs_noescape"])
    ncol = len(columns)
    width = min(WIDTH * 1.2, 3.2 + 2 * (0.85 * ncol + 1.3))
    fig = new_figure(width, 0.24 * len(index) + 2.2)
    ax1, ax2 = fig.subplots(1, 2, sharey=True)
    _log2_heatmap(ax1, ratio, cbar_label="escape / noescape time")
    _diff_heatmap(ax2, allocs, cbar_label="allocs/op: escape − noescape")
    ax1.set_title("time ratio escape / noescape", loc="left")
    ax2.set_title("extra allocs/op of escape", loc="left")
    for ax in (ax1, ax2):
        ax.set_xlabel("")
        ax.set_ylabel("")
        ax.tick_params(axis="x", rotation=0, labelsize=8.5)
        ax.tick_params(axis="y", labelsize=8.5)
        ax.grid(False)
    ax2.tick_params(axis="y", left=False, labelleft=False)
    _header(fig, title, footer)
    return fig


# --- 4. machines for one toolchain ----------------------------------------------------------------


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
    per-allocation cost is the absolute price of one heap allocation (plus
    its share of GC) on that CPU.
    """
    colors = {m: SERIES_COLORS[i % len(SERIES_COLORS)] for i, m in enumerate(machines)}
    base = costs.drop_duplicates("pair")
    rows, spans = _rows_with_sections(base)
    ypos = {c.pair: y for c, y in rows}
    k = len(machines)
    offsets = {m: (i - (k - 1) / 2) * (0.6 / max(k, 1)) for i, m in enumerate(machines)}
    fig = new_figure(WIDTH, 0.26 * len(rows) * max(1.0, k / 2.5) + 0.3 * len(spans) + 2.0)
    ax1, ax2 = fig.subplots(1, 2, sharey=True, width_ratios=[1.25, 1])
    data = costs[costs["ratio"].map(lambda r: _finite(r) and r > 0)]
    _log_ratio_axis(ax1, *_ratio_limits(data["lo"], data["hi"], data["ratio"]))
    _band_sections(ax1, spans, label=False)
    _band_sections(ax2, spans)
    per_alloc = costs["extra_ns_per_alloc"].map(lambda v: v if _finite(v) and v > 0 else np.nan)
    for c in data.itertuples(index=False):
        y = ypos[c.pair] + offsets[c.machine]
        col = colors[c.machine]
        if _finite(c.lo) and _finite(c.hi):
            ax1.errorbar(
                c.ratio,
                y,
                xerr=[[c.ratio - c.lo], [c.hi - c.ratio]],
                fmt="none",
                ecolor=col,
                elinewidth=1.5,
                capsize=2,
                zorder=3,
            )
        ax1.plot(c.ratio, y, "o", color=col, ms=5, zorder=4)
    for c, v in zip(costs.itertuples(index=False), per_alloc, strict=True):
        if _finite(v):
            ax2.plot(
                v, ypos[c.pair] + offsets[c.machine], "o", color=colors[c.machine], ms=5, zorder=4
            )
    if per_alloc.notna().any():
        ax2.set_xscale("log")
        ax2.xaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _p: fmt_time(v * 1e-9)))
        ax2.xaxis.set_minor_formatter(ticker.NullFormatter())
    ax2.set_xlabel("extra time per escaped allocation (log scale)")
    ax1.set_xlabel("escape / noescape time per op (log scale; 95 % CI)")
    ax1.set_yticks(list(ypos.values()), list(ypos.keys()))
    ax1.set_ylim(max(ypos.values(), default=0) + 0.8, -0.8)
    for ax in (ax1, ax2):
        ax.grid(axis="y", visible=False)
    ax2.tick_params(axis="y", left=False)
    # Above the left axes, not a figure legend: constrained layout gives the suptitle and
    # "outside" figure legends the same top margin, so they would overlap.
    # One column, and labels shortened: constrained layout counts an axes legend as part
    # of the axes, so a legend wider than ax1 would squeeze both panels.
    ax1.legend(
        handles=[
            Line2D(
                [],
                [],
                marker="o",
                ls="none",
                color=colors[m],
                label=_legend_text(_shorten(legend_labels.get(m, m), 60)),
            )
            for m in machines
        ],
        loc="lower left",
        bbox_to_anchor=(0, 1.0),
        ncols=1,
        frameon=False,
    )
    _header(fig, title, footer)
    return fig


# --- 5. GC cost -----------------------------------------------------------------------------------


def _zero_floor_axis(ax: Axes, values: np.ndarray, formatter: ticker.Formatter) -> float:
    """A log x axis with an extra position labelled ``0`` for zero values; returns it."""
    pos = values[np.isfinite(values) & (values > 0)]
    lo_dec = math.floor(math.log10(pos.min())) if pos.size else -9
    hi_dec = math.ceil(math.log10(pos.max())) if pos.size else lo_dec + 1
    hi_dec = max(hi_dec, lo_dec + 1)
    floor = 10.0 ** (lo_dec - 1)
    ax.set_xscale("log")
    ax.set_xlim(floor / 2.2, 10.0**hi_dec * 1.3)
    ticks = [floor] + [10.0**d for d in range(lo_dec, hi_dec + 1)]
    ax.xaxis.set_major_locator(ticker.FixedLocator(ticks))
    ax.xaxis.set_major_formatter(
        ticker.FuncFormatter(lambda v, p: "0" if math.isclose(v, floor) else formatter(v, p))
    )
    ax.xaxis.set_minor_locator(ticker.NullLocator())
    ax.axvline(floor * 1.9, color="#BBBBBB", lw=0.8, ls=":")
    return floor


def gc_cost(costs: pd.DataFrame, *, title: str, footer: str) -> Figure:
    """GC CPU time per op and GC cycles per op, escape vs noescape (medians), per pair.

    Only pairs where either variant did any GC work are shown. Both axes are
    logarithmic; a variant that caused no GC at all sits on the ``0`` column.
    """
    cols = ["gc_cpu_escape", "gc_cpu_noescape", "gc_cycles_escape", "gc_cycles_noescape"]
    any_gc = costs[cols].fillna(0).gt(0).any(axis=1)
    data = costs[any_gc]
    rows, spans = _rows_with_sections(data, key="gc_cpu_escape")
    fig = new_figure(WIDTH, 0.27 * len(rows) + 0.3 * len(spans) + 1.9)
    ax1, ax2 = fig.subplots(1, 2, sharey=True)
    panels = (
        (
            ax1,
            "gc_cpu",
            "GC CPU time per op (gc-cpu-sec/op, log scale)",
            ticker.EngFormatter(unit="s", sep=" "),
        ),
        (
            ax2,
            "gc_cycles",
            "GC cycles per op (gc-cycles/op, log scale)",
            ticker.FuncFormatter(lambda v, _p: _pow10(v)),
        ),
    )
    for ax, key, label, fmt in panels:
        vals = data[[f"{key}_escape", f"{key}_noescape"]].to_numpy(dtype=float).ravel()
        floor = _zero_floor_axis(ax, vals, fmt)
        _band_sections(ax, spans, label=ax is ax2)
        for c, y in rows:
            for variant, marker, dy in (("escape", "o", -0.14), ("noescape", "s", 0.14)):
                v = getattr(c, f"{key}_{variant}")
                if not _finite(v):
                    continue
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
        ax.set_xlabel(label)
        ax.grid(axis="y", visible=False)
    ax1.set_yticks([y for _, y in rows], [c.pair for c, _ in rows])
    ax1.set_ylim(rows[-1][1] + 0.8 if rows else 1, -0.8)
    ax2.tick_params(axis="y", left=False)
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
    _header(fig, title, footer)
    return fig


# --- 6. noise -------------------------------------------------------------------------------------


def noise(
    samples: pd.DataFrame, costs: pd.DataFrame, *, title: str, footer: str, ncols: int = 2
) -> Figure:
    """Each sample's deviation from its variant's median, in measurement order, per pair.

    Interleaved rounds put both variants' samples of round *k* side by side:
    lines moving together are machine drift (which the rounds bootstrap
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
        for variant in ("escape", "noescape"):
            v = s[s["variant"] == variant].sort_values(["run", "round"], kind="mergesort")
            med = float(np.median(v["sec"])) if len(v) else 0.0
            dev = (v["sec"] / med - 1) * 100 if med else v["sec"] * 0
            sns.lineplot(
                x=np.arange(1, len(v) + 1),
                y=dev.to_numpy(),
                ax=ax,
                color=VARIANT_COLORS[variant],
                marker="o" if variant == "escape" else "s",
                markersize=4.5,
                linewidth=1.2,
                legend=False,
                errorbar=None,
            )
            runs = v["run"].to_numpy()
            for i in np.nonzero(np.diff(runs))[0]:
                ax.axvline(i + 1.5, color="#BBBBBB", lw=0.8, ls=":")
        ax.axhline(0, color="#333333", lw=0.8)
        _facet_titles(
            ax,
            c.pair,
            f"CV {_pct_text(c.cv_escape)} / {_pct_text(c.cv_noescape)}"
            f" · {fmt_ratio(c.ratio)} [{fmt_num(c.lo)}, {fmt_num(c.hi)}]",
            width_in=WIDTH / ncols - 0.9,
        )
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
    _header(fig, title, footer)
    return fig


def _pow10(v: float) -> str:
    """``10⁻⁵`` for powers of ten (no math text: it is off for data's sake), else ``%g``."""
    if v <= 0:
        return "0"
    e = math.log10(v)
    if abs(e - round(e)) > 1e-9:
        return f"{v:g}"
    return "10" + str(round(e)).translate(str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹"))


def _shorten(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _legend_text(label: str) -> str:
    """Matplotlib hides legend entries whose label starts with ``_``; data may do that."""
    return " " + label if label.startswith("_") else label


def _pct_text(cv: float | None) -> str:
    return "–" if not _finite(cv) else f"{float(cv) * 100:.2g} %"  # type: ignore[arg-type]


# --- 7. GC pressure -------------------------------------------------------------------------------


def gc_pressure(costs: pd.DataFrame, *, settings: Sequence[str], title: str, footer: str) -> Figure:
    """Pair × GC setting: the time ratio (left) and the escape variant's GC CPU per op (right).

    A lower GOGC or a bigger live heap makes the collector run more often or
    scan more; pairs whose ratio grows along a row pay for escaping mostly in
    GC, not in the allocation itself.
    """
    labels = _pair_labels(costs)
    index = [lab for _, lab in labels]
    lab_of = dict(labels)

    def pivot(col: str) -> pd.DataFrame:
        frame = costs.assign(_row=costs["pair"].map(lab_of))
        table = frame.pivot_table(
            index="_row", columns="setting", values=col, aggfunc="first", dropna=False
        )
        return table.reindex(index=index, columns=list(settings))

    ratio = pivot("ratio")
    gc = pivot("gc_cpu_escape")
    ncol = len(settings)
    width = min(WIDTH * 1.25, 3.2 + 2 * (1.1 * ncol + 1.3))
    fig = new_figure(width, 0.24 * len(index) + 2.4)
    ax1, ax2 = fig.subplots(1, 2, sharey=True)
    _log2_heatmap(ax1, ratio, cbar_label="escape / noescape time")
    vals = gc.astype(float)
    pos = vals.to_numpy()[np.isfinite(vals.to_numpy()) & (vals.to_numpy() > 0)]
    norm = (
        mpl.colors.LogNorm(vmin=float(pos.min()), vmax=float(pos.max()))
        if pos.size and pos.min() < pos.max()
        else None
    )
    sns.heatmap(
        vals.where(vals > 0),
        ax=ax2,
        cmap="rocket_r",
        norm=norm,
        annot=vals.map(lambda v: fmt_time(v) if _finite(v) else ""),
        fmt="",
        annot_kws={"fontsize": 7},
        linewidths=0.5,
        linecolor="white",
        cbar_kws={
            "label": "GC CPU per op of escape (log)",
            "shrink": 0.6,
            "pad": 0.02,
            "format": ticker.EngFormatter(unit="s", sep=" "),
        },
    )
    for (i, j), v in np.ndenumerate(vals.to_numpy()):
        if v == 0:  # masked (no colour on a log scale) but measured: say so
            ax2.text(j + 0.5, i + 0.5, "0", ha="center", va="center", fontsize=7, color="#777777")
    ax1.set_title("time ratio escape / noescape", loc="left")
    ax2.set_title("GC CPU per op, escape variant", loc="left")
    for ax in (ax1, ax2):
        ax.set_xlabel("")
        ax.set_ylabel("")
        ax.tick_params(axis="x", rotation=0, labelsize=8)
        ax.tick_params(axis="y", labelsize=8.5)
        ax.set_xticks(ax.get_xticks(), [s.replace(", live heap ", "\nlive ") for s in settings])
        ax.grid(False)
    ax2.tick_params(axis="y", left=False, labelleft=False)
    _header(fig, title, footer)
    return fig


__all__ = [
    "DPI",
    "ESCAPE_COLOR",
    "NEUTRAL_COLOR",
    "NOESCAPE_COLOR",
    "OKABE_ITO",
    "SERIES_COLORS",
    "VARIANT_COLORS",
    "WIDTH",
    "fmt_bytes",
    "fmt_num",
    "fmt_ratio",
    "fmt_time",
    "gc_cost",
    "gc_pressure",
    "machine_comparison",
    "new_figure",
    "noise",
    "pair_grid",
    "ratio_overview",
    "save",
    "slug",
    "style",
    "time_unit",
    "version_heatmap",
]
