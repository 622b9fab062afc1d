"""The value the parser records for a number and its unit as written (benchunit's tidy, applied).

``bench.benchfmt`` records every value through ``make_value`` so that
``ns/op`` and ``MB/s`` become ``sec/op`` and ``B/s`` (the rules live in
``bench.vocab.units``, which analysis shares) while the unit as written is
kept for writing the text back.
"""

from __future__ import annotations

from bench.model import Value
from bench.vocab.units import tidy_unit


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
