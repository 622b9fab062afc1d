"""The ledger of the article's claims: each claim, per Go version, with a verdict and one reason.

Neighbours: ``bench.evidence`` gathers the evidence (the typed manifest of
``bench.vocab.manifest``, one escape.json payload per Go version with every
pair's allocations and ``escaped``, the stored runs' records); ``analysis.claims.judge`` judges,
``analysis.claims.render`` writes text, Markdown (typed blocks of
``analysis.report.blocks``) and JSON; ``analysis.escape_cost`` gives the time
ratios and their significance. The CLI makes two calls, each name imported
from the submodule that owns it (this package re-exports nothing)::

    ev = bench.evidence.gather(toolchains, runs)
    rows = analysis.claims.ledger.ledger(ev.manifest, ev.reports, ev.results)

Where a claim quotes the article's own example, the verdict is first about
that example as written (does *that* variable escape on *that* version, does
it allocate); the general cases are extra evidence, and when the two
disagree the verdict is ``depends``, naming both. A claim about printed
``-gcflags=-m`` output holds only when the compiler prints that text.
"""
