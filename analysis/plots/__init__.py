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
  settings, and GC cost per pair;
* ``analysis.plots.prices`` and ``analysis.plots.escapes`` — the price list
  and a package's escape sites.

Import each name from its module; the report names a chart function by its
name in ``pairs`` or ``conditions``, or as ``module:function``.
"""
