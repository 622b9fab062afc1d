"""The publishable report: ``index.md``, a standalone ``index.html``, the claims ledger, charts.

One job: turn loaded runs into documents. The package is split by job:

* ``collect`` — runs → cost records (from ``analysis.escape_cost``, the only
  source of numbers), sample frames, conditions;
* ``sections`` and ``context`` — what to say, as typed ``blocks``;
* ``charts`` — chart specs, drawn by ``analysis.plots`` in parallel processes;
* ``markdown`` and ``html`` — the two renderers of the same blocks, so the two
  documents never disagree and no Markdown is parsed back into HTML;
* ``ledger_page`` — the claims ledger as a page of its own;
* ``build`` — the entry point, :func:`build_report`.

:func:`build_report` takes data, not paths: loaded runs
(``bench.model.LoadedRun``, chosen by the caller), the manifest and the claims
ledger's blocks. Everything written is deterministic (sorted inputs, charts
without volatile metadata, the only dates are the runs' own), and all text from
inputs is escaped by the renderers, so a benchmark called
``<script>alert(1)</script>`` is shown, never run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from analysis.report.build import ReportSummary, build_document, build_report

_BUILD = ("ReportSummary", "build_document", "build_report")


def __getattr__(name: str) -> Any:
    """The build entry points, imported on first use (PEP 562).

    Lazy because ``blocks`` and the renderers are used without a report (``bench
    claims`` renders its ledger with them) and must not pay the ~1.3 s of
    matplotlib, seaborn and pandas imports that building a report needs.
    """
    if name in _BUILD:
        from analysis.report import build

        return getattr(build, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["ReportSummary", "build_document", "build_report"]
