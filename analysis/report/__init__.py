"""The publishable report: ``index.md``, a standalone ``index.html``, the claims ledger, charts.

One job: turn loaded runs into documents. The package is split by job:

* ``collect`` — runs → cost records (from ``analysis.escape_cost``, the only
  source of numbers), sample frames, conditions;
* ``sections`` and ``context`` — what to say, as typed ``blocks``;
* ``charts`` — chart specs, drawn by ``analysis.plots`` in parallel processes;
* ``markdown`` and ``html`` — the two renderers of the same blocks, so the two
  documents never disagree and no Markdown is parsed back into HTML;
* ``ledger_page`` — the claims ledger as a page of its own;
* ``build`` — the entry point, ``analysis.report.build.build_report``
  (imported from there: the package itself imports nothing, so ``bench
  claims`` can render with ``blocks`` without matplotlib's import time).

``build_report`` takes data, not paths: loaded runs
(``bench.model.LoadedRun``, chosen by the caller), the manifest and the claims
ledger's blocks. Everything written is deterministic (sorted inputs, charts
without volatile metadata, the only dates are the runs' own), and all text from
inputs is escaped by the renderers, so a benchmark called
``<script>alert(1)</script>`` is shown, never run.
"""
