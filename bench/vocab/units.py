"""Units, written once: the names records carry after parsing, and the tidy rules (benchunit).

The parser (``bench.benchfmt`` with ``bench.benchunit``) tidies units once, at
parse time (``ns`` → ``sec``, ``MB`` → ``B``, golang.org/x/perf's
``benchunit.Tidy``); everything after it (the estimator, claims, comparisons)
names a unit through these constants and, where a unit arrives as written (a
manifest's ``ns/op``, a zero the ``--benchstat`` parser left in ``ns``),
tidies it with :func:`tidy_unit`. ``GO_SPACE`` is Go's ``unicode.IsSpace``,
which both the unit tokenizer here and the line splitter in ``bench.benchfmt``
use.
"""

from __future__ import annotations

from collections.abc import Iterator

TIME = "sec/op"
BYTES = "B/op"
ALLOCS = "allocs/op"
#: allocations per op as a fraction: ``runtime.MemStats.Mallocs`` delta ÷ b.N (internal/gcstat)
ALLOCS_EXACT = "allocs-exact/op"
GC_CYCLES = "gc-cycles/op"
GC_CPU = "gc-cpu-sec/op"
GC_PAUSE = "gc-pause-sec/op"
#: the part of GC_CPU done by idle mark workers (``/cpu/classes/gc/mark/idle``, internal/gcstat)
GC_IDLE_CPU = "gc-idle-cpu-sec/op"

#: Units whose values are exact counts: medians are compared directly, no test.
COUNTS = frozenset({ALLOCS, BYTES})

#: Whether a larger value is better (+1), worse (-1) or unknown (0), for units
#: without ``better=`` metadata (benchfmt's ``GetBetter`` defaults).
LOWER_IS_BETTER = frozenset({"ns/op", TIME, BYTES, ALLOCS})
HIGHER_IS_BETTER = frozenset({"MB/s", "B/s"})


# Go's unicode.IsSpace (the White_Space property). Not str.isspace(), which
# also splits on \x1c-\x1f.
GO_SPACE = (
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
GO_SPACE_SET = frozenset(GO_SPACE)


def _unit_tokens(unit: str) -> Iterator[tuple[str, int, bool]]:
    """Yield (token, offset, in_denominator) like benchunit's unit parser."""
    n = len(unit)
    i = 0
    denom = False
    while True:
        while i < n:
            c = unit[i]
            if c == "*":
                denom = False
            elif c == "/":
                denom = True
            elif not (c == "-" or c in GO_SPACE_SET):
                break
            i += 1
        if i >= n:
            return
        start = i
        while i < n:
            c = unit[i]
            if c in "*/-" or c in GO_SPACE_SET:
                break
            i += 1
        yield unit[start:i], start, denom


_TIDY_CACHE: dict[str, tuple[str, float]] = {
    "ns/op": ("sec/op", 1e-9),
    "MB/s": ("B/s", 1e6),
    "B/op": ("B/op", 1.0),
    "allocs/op": ("allocs/op", 1.0),
}


def tidy_unit(unit: str) -> tuple[str, float]:
    """The base unit for ``unit`` and the factor that converts values into it.

    Like benchunit: every ``ns`` token outside the denominator becomes ``sec``
    (÷1e9) and every ``MB`` becomes ``B`` (×1e6), so ``gc-cpu-ns/op`` is
    ``gc-cpu-sec/op`` while ``op/ns`` is left alone.
    """
    hit = _TIDY_CACHE.get(unit)
    if hit is not None:
        return hit
    if "ns" not in unit and "MB" not in unit:
        return unit, 1.0
    factor = 1.0
    edits: list[tuple[int, int, str]] = []
    for tok, pos, denom in _unit_tokens(unit):
        if denom:
            continue
        if tok == "ns":
            edits.append((pos, 2, "sec"))
            factor /= 1e9
        elif tok == "MB":
            edits.append((pos, 2, "B"))
            factor *= 1e6
    tidied = unit
    for pos, length, repl in reversed(edits):
        tidied = tidied[:pos] + repl + tidied[pos + length :]
    if len(_TIDY_CACHE) < 4096:
        _TIDY_CACHE[unit] = (tidied, factor)
    return tidied, factor
