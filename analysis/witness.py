"""The compiler's witness of each pair, read from escape.json payloads.

One job: say, per Go version and case, whether the compiler put the escape
variant's subject on the heap (``escape_fate`` of ``bench.escape_json``'s
pair records). ``bench.vocab.escaped`` combines it with the allocation
witness; ``analysis.escape_cost`` (``bench cost``, the pair table),
``analysis.report.collect`` and ``analysis.claims.judge`` all read the
compiler's side here, so "escaped" has one reading in every output.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

#: ``escape_fate`` of a pair whose escape variant the compiler puts on the heap.
HEAP_FATE = "heap"


def bare_go(go: str) -> str:
    """``go1.27.3`` → ``1.27.3``: escape.json and raw.txt spell versions both ways."""
    return go.strip().removeprefix("go")


def compiler_heap_of(pair: Mapping[str, Any]) -> bool | None:
    """The compiler's witness in one escape.json pair (None: no annotated escape variant)."""
    fate = pair.get("escape_fate")
    return None if fate is None else fate == HEAP_FATE


def compiler_witness(
    payloads: Iterable[Mapping[str, Any] | None],
) -> dict[tuple[str, str], bool]:
    """(bare Go version, case id) → the compiler's witness, over escape.json payloads.

    The first payload naming a pair on a Go version wins (the caller's run
    order); pairs the compiler was not asked about are left out.
    """
    out: dict[tuple[str, str], bool] = {}
    for payload in payloads:
        go = bare_go(str((payload or {}).get("go") or ""))
        for pair in (payload or {}).get("pairs") or ():
            said = compiler_heap_of(pair)
            if said is not None:
                out.setdefault((go, str(pair.get("case") or "")), said)
    return out
