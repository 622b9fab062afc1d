"""The claims-ledger page (``ledger.md`` / ``ledger.html``): per claim, a verdict per Go version.

One job: wrap the claims ledger's blocks (from ``analysis.claims``: a grid of
verdicts per claim and Go version whose claims link to their evidence, then
the evidence) as a page of its own, linked from the report and listed in the
MkDocs navigation (the published page is ``docs/report/ledger.md``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from analysis.report.blocks import Block, Document, Heading, Link, Paragraph

TITLE = "escapebench: claims ledger"


def ledger_document(ledger: Sequence[Block], *, report_links: Mapping[str, str]) -> Document:
    """The ledger page: a title, a link back to the report, the ledger's blocks.

    ``report_links`` maps a renderer (``markdown``/``html``) to the report's file
    name in that format, so each page links to its own kind.
    """
    back = [
        Paragraph(
            [
                "Part of the ",
                Link("escape cost report", href),
                "; each claim of the article judged on every Go version measured.",
            ],
            only=target,
        )
        for target, href in report_links.items()
    ]  # type: ignore[arg-type]
    body = list(ledger) or [
        Paragraph(
            "No claims ledger in these results: it needs the manifest's claims and the compiler "
            "verification (escape.json) of each toolchain, which `bench run` writes."
        )
    ]
    return Document(TITLE, (Heading(1, "Claims ledger"), *back, *body))


__all__ = ["TITLE", "ledger_document"]
