"""The figures of ``benchmarks/harness.py``: (a)-(e) per mode, and the side-by-side table.

``harness.py`` measures (``RunOut`` per run of one ``Mode``) and hands the
runs here; this module reads their raw texts back through
``analysis.escape_cost`` (the one estimator), computes overhead, interval
width, this-run and across-runs coverage and A/A false-alarm rates, prints
them and fills ``summary.json``. Its module docstring defines (a)-(e).
Imported by ``harness.py``, which puts the checkout on ``sys.path`` first.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from analysis import escape_cost, rank_interval, stats
from analysis.escape_cost import CostRecord
from bench import benchfmt

ALPHA = 0.05


@dataclass
class Mode:
    """One way of measuring: the plan it makes and how its interval is computed."""

    name: str
    order: str  # interleaved | sequential
    benchtime: str
    count: int  # sequential: -test.count; interleaved: an upper bound, the budget decides
    samples_per_round: int = 1
    process: str = "cell"  # interleaved: pair (both variants in one process) or cell


@dataclass
class RunOut:
    """One measured run of one mode: where its raw text is and what it cost."""

    mode: str
    repeat: int
    seed: int
    wall: float  # pilot (if any) + measurement, seconds
    measured: float  # Σ sec/op × N over all samples, seconds
    rounds: int
    raw: Path
    load_before: float
    load_after: float
    ci: dict[str, CostRecord] = field(default_factory=dict)  # case id -> this run's record


def results_of(raw: Path) -> list[Any]:
    """The parsed records of one run (``Result.file`` = the raw path: one run label each)."""
    return benchfmt.parse_file(raw).results


def records(raw: Path, pairs: Sequence[str]) -> dict[str, CostRecord]:
    """This run's escape-cost record of each pair (``analysis.escape_cost``, nothing else)."""
    return {r.case: r for r in escape_cost.cost_records(results_of(raw)) if r.case in pairs}


def half_width(r: CostRecord) -> float:
    """Half the interval's width in % of the ratio (inf when too few rounds for an interval)."""
    return 100 * (r.ci_high - r.ci_low) / 2 / r.ratio


def coverage(runs: Sequence[RunOut], pairs: Sequence[str]) -> tuple[int, int]:
    """(c) (inside, total) over pairs and ordered pairs of distinct runs."""
    inside = total = 0
    for p in pairs:
        for a, b in itertools.permutations(runs, 2):
            if p in a.ci and p in b.ci:
                total += 1
                inside += a.ci[p].ci_low <= b.ci[p].ratio <= a.ci[p].ci_high
    return inside, total


def across_coverage(runs: Sequence[RunOut], pairs: Sequence[str], k: int = 3) -> tuple[int, int]:
    """(d) (inside, total): run j's estimate inside the prediction interval of ``k`` other runs.

    A "will the next run agree" question wants the prediction interval for a
    new run (``next_low``/``next_high``), not the interval for the mean of
    ``k`` runs, which holds a new run's estimate far less often than 95 %.
    """
    inside = total = 0
    results = {r.raw: results_of(r.raw) for r in runs}
    for held in runs:
        for group in itertools.combinations([r for r in runs if r is not held], k):
            pooled = [x for r in group for x in results[r.raw]]
            for rec in escape_cost.cost_records(pooled):
                if rec.case in pairs and rec.next_low is not None and rec.case in held.ci:
                    assert rec.next_high is not None
                    total += 1
                    inside += rec.next_low <= held.ci[rec.case].ratio <= rec.next_high
    return inside, total


def _samples(raw: Path, pairs: Sequence[str]) -> dict[str, escape_cost.PairSamples]:
    return {s.case: s for s in escape_cost.pair_samples(results_of(raw)) if s.case in pairs}


def _log_ratios(s: escape_cost.PairSamples) -> list[float]:
    return [math.log(e / n) for e, n in zip(s.escape, s.noescape, strict=True)]


def aa_rates(runs: Sequence[RunOut], pairs: Sequence[str]) -> dict[str, tuple[int, int, int]]:
    """(e) A/A: (raw rejections, Holm rejections, tests) per test family kind."""
    acc = {"ratio": [0, 0, 0], "cell": [0, 0, 0]}
    for a, b in itertools.combinations(runs, 2):
        sa, sb = _samples(a.raw, pairs), _samples(b.raw, pairs)
        fams: dict[str, list[float]] = {"ratio": [], "cell": []}
        for p in pairs:
            if p not in sa or p not in sb:
                continue
            if sa[p].paired and sb[p].paired:
                fams["ratio"].append(_p_shift(_log_ratios(sa[p]), _log_ratios(sb[p])))
            fams["cell"].append(_p_cell(sa[p].escape, sb[p].escape))
            fams["cell"].append(_p_cell(sa[p].noescape, sb[p].noescape))
        for kind, ps in fams.items():
            if not ps:
                continue
            acc[kind][0] += sum(p < ALPHA for p in ps)
            acc[kind][1] += sum(p < ALPHA for p in stats.holm(ps))
            acc[kind][2] += len(ps)
    return {k: (v[0], v[1], v[2]) for k, v in acc.items() if v[2]}


def split_half_rate(runs: Sequence[RunOut], pairs: Sequence[str]) -> tuple[int, int]:
    """A/A inside a run: odd against even rounds' log-ratios, per pair (raw p < α)."""
    hits = total = 0
    for r in runs:
        for s in _samples(r.raw, pairs).values():
            lr = _log_ratios(s) if s.paired else []
            if len(lr) >= 4:
                hits += _p_shift(lr[0::2], lr[1::2]) < ALPHA
                total += 1
    return hits, total


def variant_spread(runs: Sequence[RunOut], pairs: Sequence[str]) -> tuple[float, float]:
    """Between-run spread of each variant's median (sd of log, %, averaged over pairs).

    The diagnosis of a low cross-run coverage: on a shared machine the escape
    variant (allocation, GC on the other core) follows the neighbours' load
    over minutes while the noescape variant barely moves.
    """
    if len(runs) < 2:
        return math.nan, math.nan
    samples = [_samples(r.raw, pairs) for r in runs]
    out = []
    for v in ("escape", "noescape"):
        sds = []
        for p in pairs:
            meds = [math.log(stats.median(getattr(s[p], v))) for s in samples if p in s]
            if len(meds) >= 2:
                mu = sum(meds) / len(meds)
                sds.append(math.sqrt(sum((m - mu) ** 2 for m in meds) / (len(meds) - 1)))
        out.append(100 * sum(sds) / len(sds) if sds else math.nan)
    return out[0], out[1]


def _p_shift(x: Sequence[float], y: Sequence[float]) -> float:
    """Mann–Whitney p of a shift between two sets of log-ratios (the estimator's own test)."""
    return rank_interval.two_sample(x, y).p_value


def _p_cell(x: Sequence[float], y: Sequence[float]) -> float:
    """benchstat's Mann–Whitney U on one cell's sec/op (what ``bench compare`` reports)."""
    try:
        return stats.mann_whitney(list(x), list(y)).p
    except stats.StatsError:
        return 1.0


def report(
    modes: Sequence[Mode],
    runs: dict[str, list[RunOut]],
    pairs: Sequence[str],
    summary: dict[str, Any],
    out: Callable[[str], None],
) -> None:
    """Intervals per run, then the figures (a)-(e) per mode and side by side; fills ``summary``."""
    for m in modes:
        for r in runs[m.name]:
            r.ci = records(r.raw, pairs)
    out("")
    out("ratio escape/noescape [95% CI] per run")
    for p in pairs:
        for m in modes:
            cells = [
                f"{r.ci[p].ratio:7.2f} [{r.ci[p].ci_low:6.2f},{r.ci[p].ci_high:6.2f}]"
                if p in r.ci
                else "—"
                for r in runs[m.name]
            ]
            out(f"  {p:<24} {m.name:<12} " + "  ".join(cells))
    summary["modes"] = {m.name: mode_figures(m, runs[m.name], pairs, out) for m in modes}
    side_by_side(modes, summary, out)


def mode_figures(
    m: Mode, rs: Sequence[RunOut], pairs: Sequence[str], out: Callable[[str], None]
) -> dict[str, Any]:
    """Figures (a)-(e) of one mode, printed and returned for summary.json."""
    hws = [half_width(r.ci[p]) for r in rs for p in pairs if p in r.ci]
    rec: dict[str, Any] = {
        "wall_mean_s": sum(r.wall for r in rs) / len(rs),
        "overhead_ratio": sum(r.wall for r in rs) / sum(r.measured for r in rs),
        "mean_half_width_pct": sum(hws) / len(hws) if hws else math.nan,
        "half_width_pct_per_pair": {
            p: sum(half_width(r.ci[p]) for r in rs if p in r.ci) / len(rs) for p in pairs
        },
        "coverage": list(coverage(rs, pairs)),
        "across_coverage": list(across_coverage(rs, pairs)) if len(rs) >= 4 else [0, 0],
        "aa": {k: list(v) for k, v in aa_rates(rs, pairs).items()},
        "split_half": list(split_half_rate(rs, pairs)) if m.order == "interleaved" else None,
        "between_run_sd_pct": dict(
            zip(("escape", "noescape"), variant_spread(rs, pairs), strict=True)
        ),
        "runs": [
            {
                "repeat": r.repeat,
                "seed": r.seed,
                "wall": r.wall,
                "measured": r.measured,
                "rounds": r.rounds,
                "raw": str(r.raw),
                "ci": {p: escape_cost.to_dicts([c])[0] for p, c in r.ci.items()},
            }
            for r in rs
        ],
    }
    out("")
    out(f"  {m.name}")
    out(
        f"    (a) overhead ratio        {rec['overhead_ratio']:.3f}  "
        f"(wall {rec['wall_mean_s']:.1f}s per run, mean of {len(rs)})"
    )
    out(
        f"    (b) mean CI half-width    ±{rec['mean_half_width_pct']:.1f}%   per pair: "
        + ", ".join(f"{p} ±{v:.1f}%" for p, v in rec["half_width_pct_per_pair"].items())
    )
    out(f"    (c) this-run coverage     {_frac(rec['coverage'])}")
    out(
        f"    (d) next-run coverage     {_frac(rec['across_coverage'])}  (a 4th run's estimate "
        "inside the prediction interval of 3)"
    )
    for kind, (raw_hits, holm_hits, n) in rec["aa"].items():
        what = "per-round log-ratio, per pair" if kind == "ratio" else "sec/op, per cell"
        out(
            f"    (e) A/A false alarms ({what}): raw {_frac([raw_hits, n])}, "
            f"Holm {_frac([holm_hits, n])}"
        )
    if rec["split_half"]:
        out(f"    (e) A/A inside a run (odd vs even rounds): {_frac(rec['split_half'])}")
    sd = rec["between_run_sd_pct"]
    out(
        f"    between-run sd of medians: escape {sd['escape']:.1f}%, noescape {sd['noescape']:.1f}%"
    )
    return rec


def _frac(x: Sequence[int]) -> str:
    inside, total = x
    return f"{inside}/{total} = {inside / total:.0%}" if total else "– (too few runs)"


def side_by_side(
    modes: Sequence[Mode], summary: dict[str, Any], out: Callable[[str], None]
) -> None:
    """The issue's five figures, default mode vs the sequential workflow, with the command."""
    seq, default = summary["modes"][modes[0].name], summary["modes"][modes[1].name]
    ratio = default["mean_half_width_pct"] / seq["mean_half_width_pct"]
    summary["half_width_ratio"] = ratio

    def aa(rec: dict[str, Any]) -> str:
        return ", ".join(f"{k} {_frac([v[1], v[2]])}" for k, v in rec["aa"].items())

    out("")
    out(f"default vs sequential at equal wall time  (made by: {summary['command']})")
    out(
        f"  overhead ratio (wall ÷ measured)        default {default['overhead_ratio']:.3f}  "
        f"sequential {seq['overhead_ratio']:.3f}"
    )
    out(
        f"  interval half-width ratio               {ratio:.2f}  "
        f"(±{default['mean_half_width_pct']:.1f}% vs ±{seq['mean_half_width_pct']:.1f}%)"
    )
    out(
        f"  this-run interval covers another run    default {_frac(default['coverage'])}  "
        f"sequential {_frac(seq['coverage'])}"
    )
    out(
        f"  a 4th run inside the prediction of 3    default {_frac(default['across_coverage'])}"
        f"  sequential {_frac(seq['across_coverage'])}"
    )
    out(f"  A/A false alarms after Holm             default {aa(default)}; sequential {aa(seq)}")
