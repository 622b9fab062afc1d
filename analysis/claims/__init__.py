"""The ledger of the article's claims: each claim, per Go version, with a verdict and one reason.

Neighbours: ``bench.evidence`` gathers the evidence (the typed manifest of
``bench.vocab.manifest``, one escape.json payload per Go version with every
pair's allocations and ``escaped``, the stored runs' records); ``analysis.claims.judge`` judges,
``analysis.claims.render`` writes text, Markdown (typed blocks of
``analysis.report.blocks``) and JSON; ``analysis.escape_cost`` gives the time
ratios and their significance. The CLI makes two calls::

    ev = bench.evidence.gather(toolchains, runs)
    rows = analysis.claims.ledger(ev.manifest, ev.reports, ev.results)

Where a claim quotes the article's own example, the verdict is first about
that example as written (does *that* variable escape on *that* version, does
it allocate); the general cases are extra evidence, and when the two
disagree the verdict is ``depends``, naming both. A claim about printed
``-gcflags=-m`` output holds only when the compiler prints that text.
"""

from analysis.claims.judge import (
    DEPENDS,
    HOLDS,
    INCONCLUSIVE,
    NA,
    NOT,
    VERDICTS,
    Evidence,
    Verdict,
    pair_escaped,
)
from analysis.claims.ledger import ClaimRow, ledger, overall_phrase, to_json
from analysis.claims.render import (
    FORMATS,
    anchor,
    blocks,
    grid,
    page,
    render,
    render_markdown,
    render_text,
)

__all__ = [
    "DEPENDS",
    "FORMATS",
    "HOLDS",
    "INCONCLUSIVE",
    "NA",
    "NOT",
    "VERDICTS",
    "ClaimRow",
    "Evidence",
    "Verdict",
    "anchor",
    "blocks",
    "grid",
    "ledger",
    "overall_phrase",
    "page",
    "pair_escaped",
    "render",
    "render_markdown",
    "render_text",
    "to_json",
]
