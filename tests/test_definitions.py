"""Definitions the docs quote are the code's own constants, word for word."""

from __future__ import annotations

import re

from bench.vocab import escaped
from tests.conftest import ROOT

QUOTE = re.compile(r"<!-- definition: (?P<name>[\w.]+) -->\n\s*> (?P<text>.+)")


def test_method_md_quotes_the_definition_of_escaped() -> None:
    text = (ROOT / "docs" / "method.md").read_text(encoding="utf-8")
    quotes = {m["name"]: m["text"].strip() for m in QUOTE.finditer(text)}
    assert quotes["bench.vocab.escaped.DEFINITION"] == escaped.DEFINITION
