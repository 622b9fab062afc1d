"""What makes a set of benchmarks escape/noescape *pairs*, as far as a run is concerned.

A pair is ``BenchmarkX`` with the sub-benchmarks ``variant=escape`` and
``variant=noescape``; the pair table reads only those. This module names what
a run measured that is not a pair, and sums up the escape annotations the
compiler did not confirm: both are one line each for ``bench run`` to print
(the library returns them; the CLI prints them once).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from bench.escape_json import VerifyReport
from bench.plan import Cell

_VARIANT = re.compile(r"/variant=(escape|noescape)(?:/|$)")


def unpaired(cells: Iterable[Cell]) -> list[str]:
    """Benchmarks among ``cells`` that are not one of an ``X/variant=escape|noescape`` pair."""
    cells = list(cells)
    variants: dict[str, set[str]] = {}
    for c in cells:
        m = _VARIANT.search(c.bench)
        variants.setdefault(c.pair, set()).add(m.group(1) if m else "")
    return sorted(
        {
            c.bench
            for c in cells
            if variants[c.pair] != {"escape", "noescape"} or not _VARIANT.search(c.bench)
        }
    )


def unpaired_summary(cells: Iterable[Cell]) -> str | None:
    """One line naming the benchmarks measured but left out of the pair table, or None."""
    names = unpaired(cells)
    if not names:
        return None
    return (
        f"{len(names)} benchmark{'' if len(names) == 1 else 's'} measured but not paired "
        "(not X/variant=escape|noescape, so not in the pair table): "
        f"{', '.join(names[:5])}{' …' if len(names) > 5 else ''}"
    )


def annotation_summary(verified: Mapping[str, VerifyReport]) -> str | None:
    """One line when escape annotations did not hold (count per toolchain), else None."""
    bad = {v: r.failures for v, r in verified.items() if r.failures}
    if not bad:
        return None
    total = sum(len(r.annotations) for r in verified.values())
    first = [f"{a.file}:{a.line} escape:{a.expect}" for fs in bad.values() for a in fs]
    return (
        f"escape annotations: {sum(map(len, bad.values()))} of {total} do not hold "
        f"({', '.join(f'{v}: {len(f)}' for v, f in bad.items())}; e.g. "
        f"{', '.join(first[:3])}{' …' if len(first) > 3 else ''}): see `bench verify`"
    )
