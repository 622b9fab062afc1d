"""The precision target: which pairs still need rounds (``bench run --target 5%``).

One job: between rounds, given the paired samples so far
(``escape_cost.pair_samples``), say for each pair × condition whether its
interval — the one the pair table reports — is already as narrow as the
target, or needs more rounds. Neighbours: ``analysis.per_run`` (the interval
itself: this run's Hodges–Lehmann + signed-rank interval, or with ≥ 2 runs
of a condition the run-aware headline of ``analysis.run_aware``) and
``bench.run`` (asks between rounds and measures only the pending pairs).

**The width.** The target is a relative half-width of the ratio, the one
``benchmarks/harness_figures.py`` and the README quote (``±5 %``):
``(high − low) / 2 / ratio``.

**Stopping on the width biases the interval.** A pair stops when its
interval happens to be narrow, and an interval is narrow partly because its
rounds happened to agree; so the interval at the stopping time covers a
little less than its nominal level (the fixed-width problem of Chow &
Robbins 1965; for rank intervals Geertsema 1970). The remedy, chosen by
``benchmarks/simulate_cost.py --target`` under the noise fitted to the
published runs, is the first stage of Stein's (1945) two-stage procedure: a
floor of :data:`MIN_ROUNDS` rounds before any pair may stop, because the
width of a few rounds is itself too noisy to stop on. At targets ±5–10 %,
stopping from 8 rounds covered 93.8–94.7 % (one run) and 93.8–94.1 % (a
series of 3 stopping on the headline), from 12 rounds 94.1–94.9 % and
94.4–94.8 % (fixed 20 rounds on the same simulated runs: 95.1 %); deciding
on a 97 % interval changed coverage by at most 0.4 points for 11–13 % more
rounds. The decision is taken on the interval the table reports
(:data:`DECISION_LEVEL`), so a pair marked as met shows a half-width within
the target. Checks happen every :data:`STEP` rounds, a whole ABBA cycle, so
a pair never stops with its order unbalanced. Twelve rounds is also the
fewest whose smallest p passes Holm over the catalogue's 76 records
(:func:`resolvable_rounds`).

**Across runs.** With samples of ≥ 2 runs of a condition (a ``--repeat``
series, the current run last) the width is the run-aware headline's, the
between-run variance borrowed across the condition's pairs, as the table
reports it; rounds are counted in the current run. A pair whose runs
disagree can stay wider than the target however many rounds it gets: the
between-run part shrinks only with more runs, which is why the budget (not
this rule) ends a run.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from analysis import per_run
from analysis.escape_cost import PairSamples
from bench.vocab.condition import Condition

#: Rounds every pair gets before the rule may stop it; three ABBA cycles (see module doc).
MIN_ROUNDS = 12
#: The level of the interval whose width decides: the reported one.
DECISION_LEVEL = 0.95
#: Checks every STEP rounds: a whole ABBA cycle.
STEP = 4
MET, PENDING = "met", "needs rounds"


@dataclass(frozen=True)
class PairTarget:
    """One pair × condition against the target: rounds so far, its width, met or not."""

    pair: str
    condition: Condition
    rounds: int
    half_width: float  # relative, of the ratio, at the decision level; inf when unbounded
    met: bool

    @property
    def state(self) -> str:
        return MET if self.met else PENDING

    @property
    def cell_match(self) -> tuple[str, str, str, str, str]:
        """``(go, name, gogc, live heap, GOMAXPROCS)``: the runner's cells of this pair are those
        with ``Cell.go``, ``Cell.pair`` (no ``Benchmark``, no ``-N``) and setting equal to
        these, and ``Cell.cpu`` None or equal to GOMAXPROCS."""
        c = self.condition
        name = self.pair.removeprefix("Benchmark")
        if c.gomaxprocs and name.endswith(f"-{c.gomaxprocs}"):
            name = name[: -len(c.gomaxprocs) - 1]
        return c.go, name, c.gogc, c.live_heap, c.gomaxprocs


@dataclass(frozen=True)
class TargetCheck:
    """The rule's answer for every pair × condition, in input order."""

    target: float
    pairs: tuple[PairTarget, ...]

    @property
    def pending(self) -> tuple[PairTarget, ...]:
        return tuple(p for p in self.pairs if not p.met)

    @property
    def met(self) -> tuple[PairTarget, ...]:
        return tuple(p for p in self.pairs if p.met)

    @property
    def done(self) -> bool:
        return not self.pending


def half_width(estimate: float, low: float, high: float) -> float:
    """Relative half-width of a ratio interval given on the log scale: ``(hi − lo) / 2 / ratio``."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return math.inf
    return (math.exp(high) - math.exp(low)) / (2 * math.exp(estimate))


def resolvable_rounds(m: int, alpha: float = 0.05) -> int:
    """Fewest rounds (a multiple of :data:`STEP`) whose smallest p, 2 / 2ⁿ, passes Holm over m.

    A pair stopped earlier can never be called slower or faster in a family of
    ``m`` records, however narrow its interval: the runner's floor should be
    at least this (12 for the catalogue's 76 records, 16 for 228).
    """
    n = STEP
    while 2 / 2**n >= alpha / max(1, m):
        n += STEP
    return n


def check(
    samples: Iterable[PairSamples],
    target: float,
    *,
    min_rounds: int = MIN_ROUNDS,
    level: float = DECISION_LEVEL,
) -> TargetCheck:
    """Which pairs met ``target`` (relative half-width, e.g. 0.05) and which need more rounds.

    ``samples``: ``escape_cost.pair_samples`` of the rounds so far (paired
    runs; unpaired samples never meet a target, having no rounds to add).
    A pair meets the target when its current run has ≥ ``min_rounds`` rounds
    and its ``level`` interval's half-width is ≤ ``target``.
    """
    if not 0 < target < 1:
        raise ValueError(f"target {target!r}: a fraction such as 0.05")
    groups: dict[tuple[str, Condition], list[PairSamples]] = {}
    for s in samples:
        groups.setdefault((s.pair, s.condition), []).append(s)
    combined = per_run.combined(groups, level)
    out = []
    for key, g in groups.items():
        rounds = len(g[-1].escape) if g[-1].paired else 0
        c = combined.get(key)
        if c is not None:
            hw = half_width(c.estimate, c.low, c.high)
        else:
            loc = per_run.location(g, level, log=True)
            hw = half_width(loc.estimate, loc.low, loc.high)
        ok = g[-1].paired and rounds >= min_rounds and hw <= target
        out.append(PairTarget(key[0], key[1], rounds, hw, ok))
    return TargetCheck(target, tuple(out))


def summary(check_: TargetCheck, out_of_budget: bool) -> str:
    """One line for under the pair table: how many met the target, which did not and why."""
    n, met = len(check_.pairs), len(check_.met)
    line = f"target ±{check_.target:.0%}: {met} of {n} pairs met it"
    if check_.pending:
        why = "the budget ended" if out_of_budget else "the most rounds were reached"
        names = ", ".join(p.pair for p in check_.pending[:5])
        more = f" and {len(check_.pending) - 5} more" if len(check_.pending) > 5 else ""
        line += f"; {why} before {names}{more}"
    return line


def pending_pairs(check_: TargetCheck) -> Sequence[tuple[str, Condition]]:
    """The (pair, condition) keys still needing rounds, as ``cost_records`` keys them."""
    return [(p.pair, p.condition) for p in check_.pending]
