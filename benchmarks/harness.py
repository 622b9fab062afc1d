"""Benchmark of escapebench's own harness on this machine: overhead, precision per minute, honesty.

Not a test: it measures and prints figures (and keeps every raw.txt it made).
Run from the repository root::

    python benchmarks/harness.py            # about 10 minutes (3 x 2 runs of ~85 s)
    python benchmarks/harness.py --quick    # a smoke run, well under a minute
    python benchmarks/harness.py --reanalyze DIR   # the figures again from DIR

It compares, on the real toolchain and five real pairs spanning ~2 ns to
~1.5 ms per op, two ways of measuring, both analysed by the one estimator,
``analysis.escape_cost``:

* **sequential** — the common workflow: one ``go test -bench`` process,
  ``-test.count=10 -test.benchtime=0.5s`` (``bench run --order sequential``);
  no rounds, so the unpaired estimator (two-sample Hodges–Lehmann of the log
  times with the Mann–Whitney interval);
* **default** — ``bench run``'s default mode: pilot calibration, then
  interleaved ABBA rounds of one fixed ``-test.benchtime=<N>x`` process per
  cell; the paired estimator (Hodges–Lehmann of the per-round log-ratios with
  the Wilcoxon signed-rank interval).

The default mode gets the sequential workflow's wall time as its budget
(rounds stop when the next one would overrun it on average), and the modes
alternate, ``--repeats`` times each (4 by default: the across-runs figure
needs 3 runs and a 4th), so both see the same machine. Figures, per mode:

(a) overhead ratio: wall time of pilot + rounds (with a warm build cache)
    divided by the time the Go benchmarks measured (Σ ns/op × N);
(b) interval half-width (mean over pairs and runs, % of the ratio) and the
    default mode's ÷ the sequential one's;
(c) this-run coverage: for each pair and each ordered pair of runs of one
    mode, whether run j's ratio lies in run i's 95 % interval;
(d) across-runs coverage: for each pair, each run j and each 3 other runs,
    whether run j's ratio lies in the across-runs interval of the 3 (a
    t-interval over their per-run log estimates, ``CostRecord.across_runs``);
(e) A/A false alarms: two runs of one mode compared as if they were
    different — per pair on per-round log-ratios (default mode; Mann–Whitney,
    ``analysis.rank_interval.two_sample``) and per cell on sec/op
    (``bench compare``'s test) — at α = 0.05 raw and after Holm's correction
    within each pair of runs.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import platform
import random
import shlex
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from a checkout
    sys.path.insert(0, str(ROOT))

from analysis import escape_cost, rank_interval, stats  # noqa: E402
from analysis.escape_cost import CostRecord  # noqa: E402
from bench import benchfmt, machine, plan, run  # noqa: E402
from bench.build import Build, build  # noqa: E402
from bench.cases import load_module  # noqa: E402
from bench.matrix import plan_cells, raw_header  # noqa: E402
from bench.plan import Plan, Setting  # noqa: E402
from bench.progress import Progress  # noqa: E402
from bench.request import RunRequest  # noqa: E402
from bench.run import RawSink, Runner  # noqa: E402
from bench.toolchain import find  # noqa: E402

PAIRS = ("ReturnPointer", "BoxLargeInt", "AppendGrowth", "MakeAboveImplicitLimit", "BigStruct")
ALPHA = 0.05


@dataclass
class Mode:
    """One way of measuring: the plan it makes and how its interval is computed."""

    name: str
    order: str  # interleaved | sequential
    benchtime: str
    count: int  # sequential: -test.count; interleaved: an upper bound, the budget decides
    samples_per_round: int = 1


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


def _load() -> float:
    try:
        return os.getloadavg()[0]
    except OSError:
        return math.nan


def measure(
    mode: Mode,
    builds: dict[str, Build],
    module: Any,
    cases: str,
    out_dir: Path,
    repeat: int,
    seed: int,
    budget: float | None,
    machine_meta: dict[str, Any],
) -> RunOut:
    """Run one mode once, like ``bench run`` does after its (cached) build; time it."""
    how = {"order": mode.order, "count": mode.count, "benchtime": mode.benchtime,
           "samples_per_round": mode.samples_per_round}  # fmt: skip
    req = RunRequest(cases=cases, **how)  # type: ignore[arg-type]
    plan = Plan(seed=seed, settings=[Setting()], **how)  # type: ignore[arg-type]
    raw = out_dir / f"{mode.name}-{repeat}.txt"
    raw.unlink(missing_ok=True)
    runner, progress = Runner(), Progress(enabled=False)
    load_before = _load()
    started = time.monotonic()
    plan_cells(plan, builds, module, req, runner, progress)
    go = next(iter(builds))
    sink = RawSink(raw, raw_header(plan, machine_meta, go))
    ends: list[float] = [time.monotonic()]

    def on_round(_r: int) -> None:
        ends.append(time.monotonic())

    def stop() -> bool:
        if budget is None or len(ends) < 2:
            return False  # at least one round, whatever the budget
        per_round = (ends[-1] - ends[0]) / (len(ends) - 1)
        # stop when the next round would end past the budget on average
        return time.monotonic() - started + per_round / 2 > budget

    try:
        hooks = {"runner": runner, "progress": progress, "on_round": on_round, "stop": stop}
        run.execute(plan, builds, {go: sink}, module.root, **hooks)  # type: ignore[arg-type]
    finally:
        sink.close()
    wall = time.monotonic() - started
    results = benchfmt.parse_file(raw).results
    measured = sum((r.get("sec/op") or 0.0) * r.iters for r in results)
    n_rounds = len(ends) - 1 if mode.order == "interleaved" else 1
    return RunOut(mode.name, repeat, seed, wall, measured, n_rounds, raw, load_before, _load())


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
    """(d) (inside, total): run j's ratio in the across-runs interval of ``k`` other runs."""
    inside = total = 0
    results = {r.raw: results_of(r.raw) for r in runs}
    for held in runs:
        for group in itertools.combinations([r for r in runs if r is not held], k):
            pooled = [x for r in group for x in results[r.raw]]
            for rec in escape_cost.cost_records(pooled):
                a = rec.across_runs
                if rec.case in pairs and a is not None and rec.case in held.ci:
                    total += 1
                    inside += a.ci_low <= held.ci[rec.case].ratio <= a.ci_high
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


def _git(args: Sequence[str]) -> str:
    try:
        out = subprocess.run(
            ["git", "-C", str(ROOT), *args], capture_output=True, text=True, timeout=10
        )
        return out.stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return ""


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--quick", action="store_true", help="a short smoke run (about a minute)")
    ap.add_argument("--repeats", type=int, default=4, help="runs of each mode (≥ 4 for (d))")
    ap.add_argument(
        "--pairs",
        help="comma-separated case ids (default: five spanning "
        "2 ns to 1.5 ms per op; quick: three)",
    )
    ap.add_argument("--seq-count", type=int, help="sequential -test.count (default 10)")
    ap.add_argument("--seq-benchtime", help="sequential -test.benchtime (default 0.5s)")
    ap.add_argument(
        "--benchtime",
        help="default mode's per-sample time "
        f"(default {plan.DEFAULT_BENCHTIME}, bench run's default)",
    )
    ap.add_argument(
        "--with-samples-per-round",
        type=int,
        metavar="K",
        default=0,
        help="also measure the default mode with K samples per process",
    )
    ap.add_argument("--seed", type=int, default=1, help="base seed of the round orders")
    ap.add_argument("--go", help="toolchain spec (default: bundled)")
    ap.add_argument("--out", type=Path, help="where raw texts and summary.json go")
    ap.add_argument(
        "--reanalyze",
        type=Path,
        metavar="DIR",
        help="recompute the figures of a finished run from DIR (no measuring)",
    )
    return ap.parse_args(argv)


def modes_of(args: argparse.Namespace) -> list[Mode]:
    """The sequential workflow first (its wall time is the budget), then the default mode."""
    quick = args.quick
    seq = Mode(
        "sequential",
        "sequential",
        args.seq_benchtime or ("20ms" if quick else "0.5s"),
        args.seq_count or (6 if quick else 10),
    )
    bt = args.benchtime or (plan.QUICK_BENCHTIME if quick else plan.DEFAULT_BENCHTIME)
    modes = [seq, Mode("default", "interleaved", bt, 100_000)]
    if args.with_samples_per_round > 1:
        k = args.with_samples_per_round
        modes.append(Mode(f"default-k{k}", "interleaved", bt, 100_000, k))
    return modes


def main(argv: Sequence[str] | None = None, out: Callable[[str], None] = print) -> int:
    """Measure (or reload with ``--reanalyze``), analyse, print; returns 0."""
    args = parse_args(argv)
    pairs = tuple(args.pairs.split(",")) if args.pairs else (PAIRS[::2] if args.quick else PAIRS)
    modes = modes_of(args)
    cmd = shlex.join(["python", "benchmarks/harness.py", *(sys.argv[1:] if argv is None else argv)])
    if args.reanalyze:
        return reanalyze(args.reanalyze, cmd, out)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    out_dir = args.out or Path(f"/tmp/escapebench-harness-{stamp}")
    out_dir.mkdir(parents=True, exist_ok=True)
    meta = machine.collect()
    tc = find(args.go)
    module = load_module(None)
    t0 = time.monotonic()
    b = build(tc, module)
    build_s = time.monotonic() - t0
    out(f"command:  {cmd}")
    out(
        f"commit:   {_git(['rev-parse', '--short', 'HEAD'])}"
        f"{' (+ uncommitted changes)' if _git(['status', '--porcelain']) else ''}"
    )
    out(
        f"machine:  {meta['machine']} · {meta.get('cpu_model', '')} · "
        f"{meta.get('cpu_count', os.cpu_count())} cores · {platform.platform()} · "
        f"load {_load():.2f}"
    )
    out(f"go:       {tc.version} · build {'cached' if b.cached else 'built'} in {build_s:.2f}s")
    out(f"pairs:    {', '.join(pairs)}")
    seq = modes[0]
    out(
        f"modes:    sequential = -test.count={seq.count} -test.benchtime={seq.benchtime}, "
        f"one process, {escape_cost.UNPAIRED_METHOD}"
    )
    for m in modes[1:]:
        out(
            f"          {m.name} = pilot + ABBA rounds of -test.benchtime=<N>x -test.count="
            f"{m.samples_per_round} per cell (N for {m.benchtime}), "
            f"{escape_cost.PAIRED_METHOD}, budget = sequential wall time"
        )
    out(f"raw:      {out_dir}")
    out("")
    runs = measure_all(modes, {tc.version: b}, module, pairs, out_dir, args, meta, out)
    summary: dict[str, Any] = {
        "command": cmd,
        "machine": meta["machine"],
        "cpu_model": meta.get("cpu_model"),
        "go": tc.version,
        "pairs": list(pairs),
        "mode_defs": [
            {
                "name": m.name,
                "order": m.order,
                "benchtime": m.benchtime,
                "count": m.count,
                "samples_per_round": m.samples_per_round,
            }
            for m in modes
        ],
    }
    report(modes, runs, pairs, summary, out)
    (out_dir / "summary.json").write_text(json.dumps(summary, indent=1, default=str))
    out("")
    out(
        f"summary: {out_dir / 'summary.json'}  (again: python benchmarks/harness.py "
        f"--reanalyze {out_dir})"
    )
    return 0


def measure_all(
    modes: Sequence[Mode],
    builds: dict[str, Build],
    module: Any,
    pairs: Sequence[str],
    out_dir: Path,
    args: argparse.Namespace,
    meta: dict[str, Any],
    out: Callable[[str], None],
) -> dict[str, list[RunOut]]:
    """``args.repeats`` runs of every mode, alternating so both see the same machine."""
    cases = "^(" + "|".join(pairs) + ")$"
    seq = modes[0]
    runs: dict[str, list[RunOut]] = {m.name: [] for m in modes}
    rng = random.Random(args.seed)
    for rep in range(1, args.repeats + 1):
        # ABBA: sequential first in odd repeats (the first sets the budget), last in even
        # ones, so each mode follows each other mode equally often (carry-over effects)
        order = modes if rep % 2 else modes[::-1]
        for m in order:
            budget = None
            if m.order == "interleaved":
                budget = sum(r.wall for r in runs[seq.name]) / len(runs[seq.name])
            seed = rng.randrange(1 << 31)
            r = measure(m, builds, module, cases, out_dir, rep, seed, budget, meta)
            runs[m.name].append(r)
            out(
                f"run {rep} {m.name:<12} wall {r.wall:6.1f}s  measured {r.measured:6.1f}s  "
                f"overhead {r.wall / r.measured:5.3f}  rounds {r.rounds:4d}  seed {seed}  "
                f"load {r.load_before:.2f}→{r.load_after:.2f}"
            )
            sys.stdout.flush()
    return runs


def reanalyze(out_dir: Path, cmd: str, out: Callable[[str], None]) -> int:
    """Recompute the figures from a finished run's summary.json and raw texts (no measuring)."""
    old = json.loads((out_dir / "summary.json").read_text())
    modes = [Mode(**d) for d in old["mode_defs"]]
    runs = {
        m.name: [
            RunOut(
                m.name,
                r["repeat"],
                r["seed"],
                r["wall"],
                r["measured"],
                r["rounds"],
                _raw_path(out_dir, r["raw"]),
                math.nan,
                math.nan,
            )
            for r in old["modes"][m.name]["runs"]
        ]
        for m in modes
    }
    out(f"command:  {cmd}  (reanalysing {old['command']})")
    summary = {k: old[k] for k in ("command", "machine", "cpu_model", "go", "pairs", "mode_defs")}
    report(modes, runs, tuple(old["pairs"]), summary, out)
    return 0


def _raw_path(out_dir: Path, recorded: str) -> Path:
    """The raw text where it was written, or beside summary.json when the directory moved."""
    p = Path(recorded)
    return p if p.exists() else out_dir / p.name


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
        f"    (d) across-runs coverage  {_frac(rec['across_coverage'])}  (3 runs' interval, "
        "4th run's ratio)"
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
        f"  across-runs (3) interval covers a 4th   default {_frac(default['across_coverage'])}"
        f"  sequential {_frac(seq['across_coverage'])}"
    )
    out(f"  A/A false alarms after Holm             default {aa(default)}; sequential {aa(seq)}")


if __name__ == "__main__":
    sys.exit(main())
