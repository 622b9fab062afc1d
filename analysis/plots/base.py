"""Shared pieces of the charts: palette, style, file writing, axes helpers.

One job: what every chart module of ``analysis.plots`` (``pairs``: one pair
at a time and the ratio overview; ``conditions``: Go versions, machines, GC
settings) draws with, so that the charts look alike and files are written the
same way. Numbers are formatted by ``analysis.format``.

The frames the charts read (one row each; column names are the contract with
``analysis.report.collect``):

* ``samples`` — one benchmark line: ``pair``, ``section``, ``order``,
  ``variant`` (``escape``/``noescape``), ``run`` (index of the run),
  ``round`` (position in measurement order), ``sec`` (time per op, seconds).
* ``costs`` — one pair under one condition, from the escape-cost estimator:
  ``pair``, ``section``, ``order``, ``machine``, ``go``, ``setting``,
  ``ratio``/``lo``/``hi`` (this run's interval), ``across_lo``/``across_hi``
  (across runs, NaN with one run), ``escaped`` (the escape variant allocates
  more per op), ``escape_sec``/``noescape_sec`` (medians), ``allocs_*``,
  ``bytes_*``, ``gc_cpu_*`` (seconds of GC CPU per op), ``per_alloc`` with
  ``per_alloc_lo``/``per_alloc_hi`` and ``per_alloc_unit``.

Why these choices:

* **Colour** is the Okabe–Ito palette (Okabe & Ito 2008, *Color Universal
  Design*), safe for the common colour-vision deficiencies; ``escape`` is
  always vermillion and ``noescape`` always blue, in every chart. Heatmaps of
  values that can go either way use a diverging map centred on "no
  difference" (``vlag``); heatmaps of non-negative values a sequential one
  (``rocket_r``), so colour intensity means "more".
* **No escape, said on the chart**: a pair whose escape variant allocates no
  more than its noescape variant on that version is drawn hollow (points) or
  hatched (heatmap cells): it measures something, but not an escape.
* **Honest scales**: time per op starts at zero; ratios use a log axis (×2
  and ×½ are the same distance from 1) with a reference line at 1.
* **Context on the chart**: every figure carries a footer naming the
  machine(s), toolchain(s), GC setting and sample counts.
* **Deterministic files**: no random jitter (a fixed low-discrepancy offset
  instead), fixed SVG hash salt, fonts drawn as paths, no date or software
  metadata, bundled DejaVu Sans — the same results give the same bytes.
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

from analysis.format import fmt_num

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


def save(fig: Figure, directory: Path, stem: str, *, svg: bool = True) -> list[Path]:
    """Write ``stem.png`` (and ``stem.svg`` when asked) into ``directory``, no volatile metadata.

    SVG costs as much as the PNG again; the report asks for it only where it links to it.
    """
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", stem):
        raise ValueError(f"chart file stem {stem!r} is not path-safe")
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    engine = fig.get_layout_engine()
    formats = (("png", _PNG_METADATA), ("svg", _SVG_METADATA)) if svg else (("png", _PNG_METADATA),)
    with style():
        for fmt, md in formats:
            path = directory / f"{stem}.{fmt}"
            # zlib level 1 instead of 6: a tenth less CPU for the whole report, files a
            # few % larger (measured with benchmarks/report_time.py).
            extra = {"pil_kwargs": {"compress_level": 1}} if fmt == "png" else {}
            fig.savefig(path, format=fmt, metadata=md, facecolor="white", **extra)
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


def header(fig: Figure, title: str, footer: str) -> None:
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


def plural(n: float, word: str) -> str:
    return f"{fmt_num(n)} {word}" + ("" if n == 1 else "s")


# --- helpers --------------------------------------------------------------------------------------


def jitter(n: int, width: float = 0.42) -> np.ndarray:
    """Fixed, well-spread offsets in [-width/2, width/2] (golden-ratio sequence), no RNG."""
    return (np.modf(np.arange(n) * 0.6180339887498949 + 0.5)[0] - 0.5) * width


def ordered(costs: pd.DataFrame) -> pd.DataFrame:
    return costs.sort_values(["order", "pair"], kind="mergesort")


def sections(frame: pd.DataFrame) -> list[str]:
    """Sections in article order (the order of their first pair)."""
    return list(dict.fromkeys(ordered(frame)["section"]))


def section_label(section: str) -> str:
    return f"§{section}" if section else "other"


def log_ratio_axis(ax: Axes, lo: float, hi: float) -> None:
    ax.set_xscale("log")
    ax.set_xlim(lo, hi)
    ax.xaxis.set_major_locator(ticker.LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.xaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _p: f"×{v:g}"))
    ax.xaxis.set_minor_locator(ticker.NullLocator())
    ax.axvline(1.0, color="#333333", lw=1.0, ls="--", zorder=1)


def ratio_limits(lo: pd.Series, hi: pd.Series, ratio: pd.Series) -> tuple[float, float]:
    vals = pd.concat([lo, hi, ratio]).replace([np.inf, -np.inf], np.nan).dropna()
    vals = vals[vals > 0]
    if vals.empty:
        return 0.5, 2.0
    return min(float(vals.min()), 1.0) / 1.35, max(float(vals.max()), 1.0) * 2.4


def finite(x: Any) -> bool:
    try:
        return x is not None and math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


def hollow(row: Any) -> bool:
    """Whether a pair is drawn hollow: nothing escaped on that version (see the docstring)."""
    return not bool(getattr(row, "escaped", True))


def verdict_color(row: Any) -> str:
    if finite(row.lo) and row.lo > 1:
        return ESCAPE_COLOR
    if finite(row.hi) and row.hi < 1:
        return NOESCAPE_COLOR
    return NEUTRAL_COLOR


def band_sections(
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
                section_label(section),
                transform=trans,
                ha="left",
                va="center",
                fontsize=8.5,
                color="#555555",
            )


def rows_with_sections(
    costs: pd.DataFrame, key: str | None = None, gap: float = 0.5
) -> tuple[list[tuple[Any, float]], list[tuple[str, float, float]]]:
    """Y positions for pairs grouped by section (sorted by ``key`` descending inside one)."""
    rows: list[tuple[Any, float]] = []
    spans: list[tuple[str, float, float]] = []
    y = 0.0
    by_order = ordered(costs)
    for section in sections(by_order):
        part = by_order[by_order["section"] == section]
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


def facet_titles(ax: Axes, left: str, right: str, *, width_in: float) -> None:
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


def variant_handles(*, with_samples: bool = False) -> list[Line2D]:
    h = [
        Line2D([], [], marker="D", ls="none", color=VARIANT_COLORS[v], label=v)
        for v in ("escape", "noescape")
    ]
    if with_samples:
        h.append(
            Line2D(
                [],
                [],
                marker="o",
                ls="none",
                color=NEUTRAL_COLOR,
                alpha=0.6,
                ms=4,
                label="one sample; ◆ median",
            )
        )
    return h


def shorten(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def legend_text(label: str) -> str:
    """Matplotlib hides legend entries whose label starts with ``_``; data may do that."""
    return " " + label if label.startswith("_") else label
