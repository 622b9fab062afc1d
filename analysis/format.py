"""How numbers are written for people: times, bytes, ratios, counts, percentages, p-values.

One job: number → short text, the same everywhere (the pair table, ``bench
compare`` text, chart labels, the report). Three significant digits, a space
before the unit (``38.7 ns``, ``72 KiB``; SI style), binary prefixes for bytes,
``×`` for ratios, and one mark for a missing value: :data:`MISSING` (``–``,
an en dash), so "not measured" never looks like zero.

Machine-readable outputs (JSON, CSV) do not use this module: they carry the
numbers themselves.
"""

from __future__ import annotations

import math

#: What every formatter prints for a missing or undefined value.
MISSING = "–"

_TIME_UNITS = ((1.0, "s"), (1e-3, "ms"), (1e-6, "µs"), (1e-9, "ns"))
_BYTE_UNITS = (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10))


def is_number(x: object) -> bool:
    """Whether ``x`` is a finite real number (None, NaN, ±inf and non-numbers are not)."""
    if isinstance(x, bool) or x is None:
        return False
    try:
        return math.isfinite(float(x))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def time_unit(seconds: float) -> tuple[float, str]:
    """Scale factor and unit (``ns``…``s``) that show ``seconds`` with 1–3 integer digits."""
    for base, unit in _TIME_UNITS:
        if abs(seconds) >= base:
            return 1 / base, unit
    return 1e9, "ns"


def fmt_time(seconds: float | None) -> str:
    """``38.7 ns``, ``3.43 ms``, ``1.2 s``; ``0`` for zero, ``–`` when unknown."""
    if not is_number(seconds):
        return MISSING
    assert seconds is not None
    if seconds == 0:
        return "0"
    f, unit = time_unit(seconds)
    return f"{_sig(seconds * f)} {unit}"


def fmt_bytes(b: float | None) -> str:
    """Bytes with binary prefixes: ``24 B``, ``72 KiB``, ``2 MiB``; ``–`` when unknown."""
    if not is_number(b):
        return MISSING
    assert b is not None
    for unit, k in _BYTE_UNITS:
        if abs(b) >= k:
            return f"{_sig(b / k)} {unit}"
    return f"{_sig(b)} B"


def fmt_ratio(r: float | None) -> str:
    """``×1.47``; ``–`` when undefined (no noescape time, a zero denominator)."""
    if not is_number(r):
        return MISSING
    return f"×{_sig(float(r))}"  # type: ignore[arg-type]


def fmt_interval(lo: float | None, hi: float | None) -> str:
    """A ratio interval: ``[1.09, 1.71]``; ``–`` when either end is unknown."""
    if not (is_number(lo) and is_number(hi)):
        return MISSING
    return f"[{_sig(float(lo))}, {_sig(float(hi))}]"  # type: ignore[arg-type]


def fmt_count(x: float | None) -> str:
    """A count or per-op count: ``3``, ``0.5``, ``1.2e+04``; ``–`` when unknown.

    Whole numbers print without a decimal point up to 99,999 (allocs/op are
    usually whole); others with three significant digits.
    """
    if not is_number(x):
        return MISSING
    v = float(x)  # type: ignore[arg-type]
    if v.is_integer() and abs(v) < 100_000:
        return str(int(v))
    return _sig(v)


def fmt_num(x: float | None) -> str:
    """Any other number with three significant digits; ``–`` when unknown."""
    return _sig(float(x)) if is_number(x) else MISSING  # type: ignore[arg-type]


def fmt_pct(x: float | None, *, signed: bool = False) -> str:
    """A fraction as a percentage: ``0.052`` → ``5.2 %`` (``+5.2 %`` when ``signed``)."""
    if not is_number(x):
        return MISSING
    v = float(x) * 100  # type: ignore[arg-type]
    text = f"{v:.3g}" if abs(v) < 1000 else f"{v:.0f}"
    if signed and v > 0:
        text = "+" + text
    return f"{text} %"


def fmt_p(p: float | None) -> str:
    """A p-value: three decimals, ``<0.001`` below that; ``–`` when there is no test."""
    if not is_number(p):
        return MISSING
    v = float(p)  # type: ignore[arg-type]
    return "<0.001" if v < 0.001 else f"{v:.3f}"


def _sig(v: float) -> str:
    """Three significant digits, no exponent below 10⁵ (``1.2e+04`` reads badly in a table)."""
    if v != 0 and 1000 <= abs(v) < 100_000:
        return f"{v:.0f}"
    return f"{v:.3g}"


#: The GC CPU cell of a variant that allocates but saw no GC cycle end (see :func:`fmt_gc_cpu`).
NO_CYCLE = "n/a (<1 GC cycle)"


def fmt_gc_cpu(gc_cpu: float | None, bytes_per_op: float | None) -> str:
    """GC CPU per op, or :data:`NO_CYCLE` where a 0 only means no cycle ended.

    The runtime's ``/cpu/classes/gc/total:cpu-seconds`` advances only at the
    end of a GC cycle (golang/go#59749): a short sample of a variant that
    allocates often reads 0 although its garbage costs GC time later.
    """
    if gc_cpu == 0 and is_number(bytes_per_op) and bytes_per_op and bytes_per_op > 0:
        return NO_CYCLE
    return fmt_time(gc_cpu)


__all__ = [
    "MISSING",
    "NO_CYCLE",
    "fmt_bytes",
    "fmt_count",
    "fmt_gc_cpu",
    "fmt_interval",
    "fmt_num",
    "fmt_p",
    "fmt_pct",
    "fmt_ratio",
    "fmt_time",
    "is_number",
    "time_unit",
]
