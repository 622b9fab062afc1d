"""The escapes chart: a package's most costly escape sites, estimated ns/op with intervals.

One job: draw what :func:`analysis.escapes.join` ranks, in the house style of
:mod:`analysis.plots.base`. One horizontal bar per site (most costly on top),
its length the price-list estimate of the site's ns/op in its hottest
benchmark, a whisker for the estimate's interval, the colour the site's cause
(why the compiler moved it to the heap), so a reader sees at once which kind
of escape dominates. The estimate is a price-list figure, not a measurement
of removing the allocation; the footer says so.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from analysis.plots.base import NEUTRAL_COLOR, OKABE_ITO, WIDTH, header, new_figure, shorten

#: A colour per cause ``analysis.escapes.reason`` names, fixed so a cause keeps its colour
#: in every report; any other cause is grey.
CAUSE_COLORS: dict[str, str] = {
    "returned": OKABE_ITO["vermillion"],
    "stored in a global or heap object": OKABE_ITO["blue"],
    "passed to fmt": OKABE_ITO["orange"],
    "converted to an interface": OKABE_ITO["green"],
    "passed to a function whose parameter leaks": OKABE_ITO["purple"],
    "captured by a closure": OKABE_ITO["sky"],
    "sent on a channel": OKABE_ITO["yellow"],
    "too large for the stack": OKABE_ITO["black"],
}


def cause(reason: str) -> str:
    """The cause a site's reason text names (its colour key)."""
    return (reason or "unknown").strip() or "unknown"


def site_frame(sites: Sequence[Mapping[str, Any]], top: int = 15) -> pd.DataFrame:
    """The ``top`` priced sites, most costly first: label, cause, value, lo, hi (ns/op)."""
    rows = []
    for s in sites:
        est = s.get("est_ns_per_op") or {}
        v = est.get("value")
        if v is None or not math.isfinite(v):
            continue
        rows.append(
            {
                "label": shorten(f"{s.get('file')}:{s.get('line')} {s.get('what', '')}", 52),
                "cause": cause(str(s.get("reason", ""))),
                "value": float(v),
                "lo": float(est.get("ci_low", v)),
                "hi": float(est.get("ci_high", v)),
            }
        )
    frame = pd.DataFrame(rows, columns=["label", "cause", "value", "lo", "hi"])
    return frame.sort_values("value", ascending=False, kind="stable").head(top)


def escape_sites(sites: Sequence[Mapping[str, Any]], title: str, footer: str) -> Figure:
    """Horizontal bars of the most costly sites, interval whiskers, coloured by cause."""
    frame = site_frame(sites).reset_index(drop=True)
    causes = sorted(set(frame["cause"]))
    colors = {c: CAUSE_COLORS.get(c, NEUTRAL_COLOR) for c in causes}
    fig = new_figure(WIDTH, 1.6 + 0.34 * max(len(frame), 1))
    ax = fig.subplots()
    if frame.empty:
        ax.text(0.5, 0.5, "no priced site", ha="center", va="center", color=NEUTRAL_COLOR)
        ax.set_axis_off()
    else:
        y = list(range(len(frame)))
        ax.barh(y, frame["value"], color=[colors[c] for c in frame["cause"]], height=0.62)
        lo = (frame["value"] - frame["lo"]).clip(lower=0)
        hi = (frame["hi"] - frame["value"]).clip(lower=0)
        finite = [math.isfinite(a) and math.isfinite(b) for a, b in zip(lo, hi, strict=True)]
        ax.errorbar(
            [v for v, f in zip(frame["value"], finite, strict=True) if f],
            [i for i, f in zip(y, finite, strict=True) if f],
            xerr=[[a for a, f in zip(lo, finite, strict=True) if f],
                  [b for b, f in zip(hi, finite, strict=True) if f]],
            fmt="none", ecolor="#333333", elinewidth=1, capsize=3,
        )  # fmt: skip
        ax.set_yticks(y, frame["label"])
        ax.invert_yaxis()  # most costly on top
        ax.set_xlim(left=0)
        ax.set_xlabel("estimated ns/op in the site's hottest benchmark (price list; 95 % interval)")
        ax.grid(axis="x")
        ax.legend(
            handles=[Patch(color=colors[c], label=c) for c in causes],
            title="why it escapes", loc="lower right",
        )  # fmt: skip
    header(fig, title, footer)
    return fig
