"""Charts of escape costs: seaborn/matplotlib figures a person would put in docs.

One job: draw. ``analysis.report`` decides *what* to show and hands over
long-form pandas frames; these modules turn them into
:class:`matplotlib.figure.Figure` objects and write them as PNG (and SVG where
the report links to it). Nothing here computes a statistic beyond picking
units and positions: the numbers come from the escape-cost estimator through
the frames.

* ``analysis.plots.base`` — palette, style, file writing, the frames' columns
  and the reasons for the visual choices;
* ``analysis.plots.pairs`` — one condition: every pair's ratio, each pair's
  samples, the noisiest pairs;
* ``analysis.plots.conditions`` — across Go versions, machines and GC
  settings, and GC cost per pair.
"""

from __future__ import annotations

from analysis.plots.base import (
    DPI,
    ESCAPE_COLOR,
    NEUTRAL_COLOR,
    NOESCAPE_COLOR,
    OKABE_ITO,
    SERIES_COLORS,
    VARIANT_COLORS,
    WIDTH,
    new_figure,
    save,
    slug,
    style,
)
from analysis.plots.conditions import gc_cost, gc_pressure, machine_comparison, version_heatmap
from analysis.plots.pairs import noise, pair_grid, ratio_overview

__all__ = [
    "DPI",
    "ESCAPE_COLOR",
    "NEUTRAL_COLOR",
    "NOESCAPE_COLOR",
    "OKABE_ITO",
    "SERIES_COLORS",
    "VARIANT_COLORS",
    "WIDTH",
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
    "version_heatmap",
]
