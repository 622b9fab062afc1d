"""The report's charts: what to draw (specs the sections add) and drawing them in parallel.

One job: turn chart specs into files under ``charts/``. A spec names an
``analysis.plots`` function and its (picklable) arguments, so charts can be
drawn in worker processes: drawing and encoding PNGs is CPU-bound and
independent per chart, and on a 2-core machine two processes halve the wall
time of the report (measured by ``benchmarks/report_time.py``). An SVG is
written only for the charts the document links to.

The file bytes do not depend on the process that drew them: every figure is
drawn from scratch under ``analysis.plots.base.style()`` with fixed metadata.
"""

from __future__ import annotations

import importlib
import multiprocessing
import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.plots.base import save, style
from analysis.report.blocks import Block, Image, InlineLike

CHARTS_DIR = "charts"


@dataclass(frozen=True)
class ChartSpec:
    """One chart: its file stem, the ``analysis.plots`` function and keyword arguments."""

    stem: str
    func: str
    kwargs: Mapping[str, Any]
    svg: bool = False


@dataclass
class DocBuilder:
    """The document under construction: blocks in order and the charts they show.

    ``footer`` says what a chart's costs are (machines, toolchains, settings, rounds);
    :meth:`chart` writes it on the chart and at the end of its alt text, so the two
    always describe the data drawn.
    """

    footer: Callable[[pd.DataFrame], str]
    blocks: list[Block] = field(default_factory=list)
    charts: list[ChartSpec] = field(default_factory=list)

    def add(self, *blocks: Block) -> None:
        self.blocks.extend(blocks)

    def chart(
        self,
        stem: str,
        alt: str,
        caption: InlineLike,
        func: str,
        *,
        costs: pd.DataFrame,
        svg: bool = False,
        **kwargs: Any,
    ) -> None:
        """Add a figure block and the chart of ``costs`` it shows (SVG too when ``svg``: linked)."""
        chart_function(func)  # an unknown name fails while building, not in a worker
        foot = self.footer(costs)
        self.charts.append(ChartSpec(stem, func, {**kwargs, "costs": costs, "footer": foot}, svg))
        png = f"{CHARTS_DIR}/{stem}.png"
        link = f"{CHARTS_DIR}/{stem}.svg" if svg else ""
        self.blocks.append(Image(png, f"{alt}, {foot}", caption, link))

    def figure(
        self, stem: str, alt: str, caption: InlineLike, func: str, *, foot: str, **kwargs: Any
    ) -> None:
        """A figure drawn by ``module:function`` from its own data (not a costs frame).

        For charts of other records than pair costs (the price list, escape
        sites); ``foot`` ends the alt text, as :meth:`chart` does with its footer.
        """
        chart_function(func)  # fail while building, not in a worker
        self.charts.append(ChartSpec(stem, func, kwargs))
        self.blocks.append(Image(f"{CHARTS_DIR}/{stem}.png", f"{alt}, {foot}", caption))


#: Where a chart function named without its module is looked up, in order.
CHART_MODULES = ("analysis.plots.pairs", "analysis.plots.conditions")


def chart_function(func: str) -> Callable[..., Any]:
    """``name`` of a module in :data:`CHART_MODULES`, or ``module:name`` of another one."""
    if ":" in func:
        module, name = func.split(":", 1)
        return getattr(importlib.import_module(module), name)
    for module in CHART_MODULES:
        found = getattr(importlib.import_module(module), func, None)
        if callable(found):
            return found
    raise ValueError(f"no chart function {func} in {', '.join(CHART_MODULES)}")


def draw(spec: ChartSpec, directory: Path) -> list[Path]:
    """Draw one chart and write its files (runs in a worker process)."""
    with style():
        fig = chart_function(spec.func)(**spec.kwargs)
        try:
            return save(fig, directory, spec.stem, svg=spec.svg)
        finally:
            fig.clear()


def workers(n_charts: int) -> int:
    """How many processes: one per available core, at most one per chart."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, n_charts))


def draw_all(specs: Sequence[ChartSpec], directory: Path, *, jobs: int | None = None) -> list[Path]:
    """Draw every chart, in parallel processes when there is more than one core.

    Forked workers inherit the imported matplotlib (no second start-up cost);
    where fork is unavailable the charts are drawn in this process.
    """
    jobs = workers(len(specs)) if jobs is None else jobs
    # Largest first: the pool finishes sooner when the long charts start early.
    order = sorted(range(len(specs)), key=lambda i: -_weight(specs[i]))
    if jobs <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        results = {i: draw(specs[i], directory) for i in order}
    else:
        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork")) as pool:
            futures = {i: pool.submit(draw, specs[i], directory) for i in order}
            results = {i: f.result() for i, f in futures.items()}
    return [p for i in range(len(specs)) for p in results[i]]


def _weight(spec: ChartSpec) -> int:
    costs = spec.kwargs.get("costs")
    n = len(costs) if costs is not None else len(spec.kwargs.get("records") or ())
    return n * (2 if spec.svg else 1)


__all__ = [
    "CHARTS_DIR",
    "ChartSpec",
    "DocBuilder",
    "chart_function",
    "draw",
    "draw_all",
    "workers",
]
