"""The extra time per extra allocation of a pair: its divisor, unit and interval.

One job: turn a pair's time differences into ns per extra allocation (or per
KiB/MiB of extra bytes when an extra allocation is that large), dividing by
the exact allocation count when the run has it (``allocs-exact/op``) and,
across runs, combining like the ratio (``analysis.per_run.scaled_mean``).
Neighbours: ``analysis.escape_cost`` (the only caller), ``analysis.pairs``
(renders ``PerAlloc``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from analysis import per_run, run_aware, stats
from bench.vocab import units


class AllocSamples(per_run.Samples, Protocol):
    """What is read of ``escape_cost.PairSamples`` here."""

    @property
    def allocs_exact_escape(self) -> float | None: ...
    @property
    def allocs_exact_noescape(self) -> float | None: ...


def _median(values: Iterable[float | None]) -> float | None:
    xs = [v for v in values if v is not None]
    return stats.median(xs) if xs else None


@dataclass(frozen=True)
class PerAlloc:
    """Extra time per extra allocation (or per KiB/MiB of extra bytes), in ``unit``.

    ``ns_per_unit`` converts ``value`` to nanoseconds (1 for ns, 1000 for µs);
    ``per`` is what the time is divided by: ``alloc``, ``KiB`` or ``MiB``.
    """

    value: float
    ci_low: float
    ci_high: float
    unit: str
    per: str = "alloc"
    ns_per_unit: float = 1.0
    divisor_unit: str = units.ALLOCS

    @property
    def inconclusive(self) -> bool:
        return not (self.ci_low > 0 or self.ci_high < 0)


def divisor(s: Sequence[AllocSamples], ae: float, an: float) -> tuple[float, str, str | None]:
    """Extra allocations per op: the exact count when the run has it, else Go's integer one."""
    xe = _median(p.allocs_exact_escape for p in s)
    xn = _median(p.allocs_exact_noescape for p in s)
    if xe is not None and xn is not None and xe > xn:
        return xe - xn, units.ALLOCS_EXACT, None
    return (
        ae - an,
        units.ALLOCS,
        (
            f"no {units.ALLOCS_EXACT}: the per-allocation figure divides by Go's truncated "
            f"{units.ALLOCS} (off by up to 1 allocation per op)"
        ),
    )


def per_alloc(
    s: Sequence[AllocSamples], extra: float, extra_bytes: float | None, confidence: float,
    combined: run_aware.Combined | None = None, divisor_unit: str = units.ALLOCS,
) -> PerAlloc:  # fmt: skip
    """Time difference per extra allocation (or per KiB/MiB when allocations are that large).

    Across runs: the inverse-variance mean of the runs' estimates, its standard
    error widened by the ratio's own between-run factor (``combined``), with
    the ratio's degrees of freedom.
    """
    per_alloc_bytes = (extra_bytes or 0.0) / extra
    if per_alloc_bytes >= 1 << 20:
        per, divisor, unit, ns = "MiB", extra_bytes / (1 << 20), "µs/MiB", 1000.0
    elif per_alloc_bytes >= 1 << 10:
        per, divisor, unit, ns = "KiB", extra_bytes / (1 << 10), "ns/KiB", 1.0
    else:
        per, divisor, unit, ns = "alloc", extra, "ns/alloc", 1.0
    scale = 1e9 / ns / float(divisor or 1.0)
    if combined is None:
        loc = per_run.location(s, confidence, log=False)
        est, low, high = loc.estimate, loc.low, loc.high
    else:
        est, low, high = per_run.scaled_mean(s, combined, confidence)
    return PerAlloc(est * scale, low * scale, high * scale, unit, per, ns, divisor_unit)


def for_pair(
    s: Sequence[AllocSamples],
    medians: tuple[float | None, ...],
    confidence: float,
    combined: run_aware.Combined | None,
    warnings: list[str],
) -> PerAlloc | None:
    """The figure when the escape variant allocates more (its notes appended to ``warnings``).

    ``medians`` are the pair's allocs/op and B/op, escape then noescape.
    """
    ae, an, be, bn = medians
    if ae is None or an is None or ae <= an:
        if ae is not None and an is not None and an > ae:
            warnings.append("the noescape variant allocates more than the escape variant")
        return None
    extra_bytes = None if be is None or bn is None else be - bn
    extra, divisor_unit, why = divisor(s, ae, an)
    if why:
        warnings.append(why)
    return per_alloc(s, extra, extra_bytes, confidence, combined, divisor_unit)
