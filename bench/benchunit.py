"""Benchmark units and their base units, like golang.org/x/perf's ``benchunit``.

``bench.benchfmt`` records every value through ``make_value`` so that
``ns/op`` and ``MB/s`` become ``sec/op`` and ``B/s`` (``benchunit.Tidy``)
while the unit as written is kept for writing the text back. ``GO_SPACE`` is
Go's ``unicode.IsSpace``, which both the unit tokenizer here and the line
splitter in ``bench.benchfmt`` use.
"""

from __future__ import annotations

from collections.abc import Iterator

from bench.model import Value

__all__ = ["GO_SPACE", "GO_SPACE_SET", "make_value", "tidy", "tidy_unit"]

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


def tidy(value: float, unit: str) -> tuple[float, str]:
    """``value`` in ``unit`` rescaled to the base unit (benchunit.Tidy)."""
    tidied, factor = tidy_unit(unit)
    return value * factor, tidied


def make_value(value: float, unit: str, *, benchstat: bool = False) -> Value:
    """The ``Value`` the reader records for ``value unit`` as written.

    The original is kept whenever tidying changed the number or the unit, so a
    zero ``ns/op`` is ``0 sec/op`` (written back as ``0 ns/op``). Go's rule,
    under ``benchstat=True``: the original is kept only when tidying changed
    the number, so a zero or infinite ``ns/op`` keeps its unit. NaN always
    records an original (NaN != NaN), in both modes.
    """
    tidied, factor = tidy_unit(unit)
    scaled = value * factor
    if scaled == value and (benchstat or tidied == unit):
        return Value(value, unit)
    return Value(scaled, tidied, value, unit)
