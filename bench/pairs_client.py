"""The pairs client of the run engine: what makes a set of benchmarks escape/noescape *pairs*.

A pair is ``BenchmarkX`` with the sub-benchmarks ``variant=escape`` and
``variant=noescape``; the pair table reads only those. :data:`PAIRS` is the
``bench.client.Client`` that ``bench run`` (and ``bench prices``) hand the
engine: with a manifest only its case ids run, a benchmark that killed its
pilot is piloted one variant at a time (so the good variant survives), and a
complete run's escape decisions are verified by the compiler (escape.json).
The engine's rounds put the two variants of a pair back to back in ABBA order
(``bench.plan.round_order``: cells of one group, any set of benchmarks).
This module also names what a run measured that is not a pair, and sums up
the escape annotations the compiler did not confirm: one line each, returned
for the CLI to print once.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence

from bench import verify
from bench.cases import Module
from bench.client import checked_regex
from bench.escape_json import VerifyReport
from bench.model import Result
from bench.plan import Cell, SettingError, bench_regex
from bench.toolchain import Toolchain
from bench.vocab.manifest import VARIANTS

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


class Pairs:
    """Escape/noescape pairs: the manifest's ids, variants piloted alone, escapes verified."""

    name = "pairs"

    def pattern(self, module: Module, cases: str | None) -> str:
        """``-test.bench`` for the selected cases: manifest ids, else every benchmark."""
        rx = checked_regex(cases)
        if module.manifest is None:
            return cases or "."
        ids = [c.id for c in module.manifest.cases if rx.search(c.id)]
        if not ids:
            raise SettingError("cases", cases, "matches no case: see `bench cases`")
        return bench_regex(ids)

    def listed(self, module: Module, cases: str | None, broken: Collection[str]) -> list[str]:
        """Both variants of every selected manifest case ([] without a manifest: pilot)."""
        if module.manifest is None:
            return []
        rx = checked_regex(cases)
        return [
            f"{c.id}/variant={v}"
            for c in module.manifest.cases
            if rx.search(c.id) and c.benchmark not in broken
            for v in VARIANTS
        ]

    def alone(self, top: str) -> list[str]:
        """Each variant of ``top`` alone: one that panics does not cost the other."""
        return [f"{top.removeprefix('Benchmark')}/variant={v}" for v in VARIANTS]

    def check(self, tc: Toolchain, module: Module, results: Sequence[Result]) -> VerifyReport:
        """The compiler's escape decisions against the annotations and allocs/op."""
        return verify.verify(tc, module, list(results))


PAIRS = Pairs()
