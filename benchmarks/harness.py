"""Benchmark of escapebench's own harness on this machine: overhead, precision per minute, honesty.

Not a test: it measures and prints figures (and keeps every raw.txt it made).
Run from the repository root::

    python benchmarks/harness.py            # about 10 minutes (3 x 2 runs of ~85 s)
    python benchmarks/harness.py --quick    # a smoke run, well under a minute
    python benchmarks/harness.py --reanalyze DIR   # the figures again from DIR

It compares, on the real toolchain and five real pairs spanning ~2 ns to
~1.5 ms per op, two ways of measuring:

* **sequential** — the common workflow: one ``go test -bench`` process,
  ``-test.count=10 -test.benchtime=0.5s`` (``bench run --order sequential``),
  with the usual bootstrap interval of the ratio of medians that treats the
  samples as independent (``analysis.cost.ratio_ci`` without rounds);
* **default** — ``bench run``'s default mode: pilot calibration, then
  interleaved rounds of one fixed ``-test.benchtime=<N>x`` process per cell,
  with ``analysis.rounds``' block bootstrap over rounds.

The default mode gets the sequential workflow's wall time as its budget
(rounds stop when the next one would overrun it on average), and the modes
alternate, ``--repeats`` times each, so both see the same machine. Figures:

(a) overhead ratio: wall time of pilot + rounds (with a warm build cache)
    divided by the time the Go benchmarks measured (Σ ns/op × N);
(b) mean ratio CI half-width of each mode and their quotient;
(c) cross-run coverage: for each pair and each ordered pair of runs of one
    mode, whether run j's ratio lies in run i's interval (a calibrated 95 %
    interval scores about 83 % here, since run j has its own error);
(d) A/A false alarms: Mann–Whitney U between two runs of the same mode, per
    pair on per-round log-ratios (default mode) and per cell on sec/op, at
    α = 0.05 raw and after Holm's correction within each pair of runs.
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

from analysis import cost, rounds, stats  # noqa: E402
from bench import benchfmt, machine, run  # noqa: E402
from bench.build import Build, build  # noqa: E402
from bench.cases import load_module  # noqa: E402
from bench.matrix import RunRequest, plan_cells, raw_header  # noqa: E402
from bench.run import Plan, Progress, RawSink, Runner, Setting  # noqa: E402
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
    ci: dict[str, Any] = field(default_factory=dict)  # pair -> interval record


def _load() -> float:
    try:
        return os.getloadavg()[0]
    except OSError:
        return math.nan


def measure(mode: Mode, builds: dict[str, Build], module: Any, cases: str, out_dir: Path,
            repeat: int, seed: int, budget: float | None, machine_meta: dict[str, Any]
            ) -> RunOut:
    """Run one mode once, like ``bench run`` does after its (cached) build; time it."""
    req = RunRequest(cases=cases, order=mode.order, count=mode.count,
                     benchtime=mode.benchtime, samples_per_round=mode.samples_per_round)
    plan = Plan(order=mode.order, count=mode.count, benchtime=mode.benchtime, seed=seed,
                settings=[Setting()], samples_per_round=mode.samples_per_round)
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
        run.execute(plan, builds, {go: sink}, module.root, runner=runner, progress=progress,
                    on_round=on_round, stop=stop)
    finally:
        sink.close()
    wall = time.monotonic() - started
    results = benchfmt.parse_file(raw).results
    measured = sum((r.get("sec/op") or 0.0) * r.iters for r in results)
    n_rounds = len(ends) - 1 if mode.order == "interleaved" else 1
    return RunOut(mode.name, repeat, seed, wall, measured, n_rounds, raw, load_before,
                  _load())


def pair_samples(raw: Path) -> dict[str, tuple[list[Any], list[Any]]]:
    """Records of each pair's escape and noescape variant, in raw.txt order."""
    out: dict[str, tuple[list[Any], list[Any]]] = {}
    for r in benchfmt.parse_file(raw).results:
        e, n = out.setdefault(r.name.pair, ([], []))
        (e if r.name.variant == "escape" else n).append(r)
    return out


def times(records: Sequence[Any]) -> list[float]:
    return [float(v) for r in records if (v := r.get("sec/op")) is not None]


def interval(mode: Mode, escape: Sequence[Any], noescape: Sequence[Any], resamples: int
             ) -> dict[str, Any]:
    """The ratio and interval each mode would report for a pair."""
    te, tn = times(escape), times(noescape)
    if mode.order == "sequential":
        c = cost.ratio_ci(te, tn, resamples=resamples)
        return {"ratio": c.ratio, "lo": c.lo, "hi": c.hi, "method": "iid percentile",
                "n": len(te)}
    rr = rounds.ratio_ci(te, tn, samples_per_round=mode.samples_per_round,
                         resamples=resamples)
    return {"ratio": rr.ratio, "lo": rr.lo, "hi": rr.hi,
            "method": f"moving-block (ℓ={rr.block})", "n": rr.rounds}


def half_width(ci: dict[str, Any]) -> float:
    return 100 * (ci["hi"] - ci["lo"]) / 2 / ci["ratio"]


def coverage(runs: Sequence[RunOut], pairs: Sequence[str]) -> tuple[int, int]:
    """(inside, total) over pairs and ordered pairs of distinct runs."""
    inside = total = 0
    for p in pairs:
        for a, b in itertools.permutations(runs, 2):
            if p in a.ci and p in b.ci:
                total += 1
                inside += a.ci[p]["lo"] <= b.ci[p]["ratio"] <= a.ci[p]["hi"]
    return inside, total


def aa_rates(runs: Sequence[RunOut], mode: Mode, pairs: Sequence[str]
             ) -> dict[str, tuple[int, int, int]]:
    """A/A: (raw rejections, Holm rejections, tests) per test family kind."""
    acc = {"ratio": [0, 0, 0], "cell": [0, 0, 0]}
    for a, b in itertools.combinations(runs, 2):
        sa, sb = pair_samples(a.raw), pair_samples(b.raw)
        fams: dict[str, list[float]] = {"ratio": [], "cell": []}
        for p in pairs:
            if p not in sa or p not in sb:
                continue
            if mode.order == "interleaved":
                la = rounds.round_log_ratios(times(sa[p][0]), times(sa[p][1]),
                                             mode.samples_per_round)
                lb = rounds.round_log_ratios(times(sb[p][0]), times(sb[p][1]),
                                             mode.samples_per_round)
                fams["ratio"].append(_p(la, lb))
            for v in (0, 1):
                fams["cell"].append(_p(times(sa[p][v]), times(sb[p][v])))
        for kind, ps in fams.items():
            if not ps:
                continue
            acc[kind][0] += sum(p < ALPHA for p in ps)
            acc[kind][1] += sum(p < ALPHA for p in stats.holm(ps))
            acc[kind][2] += len(ps)
    return {k: (v[0], v[1], v[2]) for k, v in acc.items() if v[2]}


def split_half_rate(runs: Sequence[RunOut], mode: Mode, pairs: Sequence[str]
                    ) -> tuple[int, int]:
    """A/A inside a run: odd against even rounds' log-ratios, per pair (raw p < α)."""
    hits = total = 0
    for r in runs:
        s = pair_samples(r.raw)
        for p in pairs:
            if p in s:
                lr = rounds.round_log_ratios(times(s[p][0]), times(s[p][1]),
                                             mode.samples_per_round)
                if len(lr) >= 4:
                    hits += _p(lr[0::2], lr[1::2]) < ALPHA
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
    out = []
    for v in (0, 1):
        sds = []
        for p in pairs:
            meds = [math.log(stats.median(t)) for r in runs
                    if (t := times(pair_samples(r.raw).get(p, ([], []))[v]))]
            if len(meds) >= 2:
                mu = sum(meds) / len(meds)
                sds.append(math.sqrt(sum((m - mu) ** 2 for m in meds) / (len(meds) - 1)))
        out.append(100 * sum(sds) / len(sds) if sds else math.nan)
    return out[0], out[1]


def _p(x: Sequence[float], y: Sequence[float]) -> float:
    try:
        return stats.mann_whitney(list(x), list(y)).p
    except stats.StatsError:
        return 1.0


def _git(args: Sequence[str]) -> str:
    try:
        out = subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True,
                             timeout=10)
        return out.stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return ""


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="a short smoke run (well under a minute)")
    ap.add_argument("--repeats", type=int, help="runs of each mode (default 3; quick 2)")
    ap.add_argument("--pairs", help="comma-separated case ids (default: five spanning "
                    "2 ns to 1.5 ms per op)")
    ap.add_argument("--seq-count", type=int, help="sequential -test.count (default 10)")
    ap.add_argument("--seq-benchtime", help="sequential -test.benchtime (default 0.5s)")
    ap.add_argument("--benchtime", help="default mode's per-sample time "
                    f"(default {run.DEFAULT_BENCHTIME}, bench run's default)")
    ap.add_argument("--with-samples-per-round", type=int, metavar="K", default=0,
                    help="also measure the default mode with K samples per process")
    ap.add_argument("--resamples", type=int, help="bootstrap resamples (default 10000)")
    ap.add_argument("--seed", type=int, default=1, help="base seed of the round orders")
    ap.add_argument("--go", help="toolchain spec (default: bundled)")
    ap.add_argument("--out", type=Path, help="where raw texts and summary.json go")
    ap.add_argument("--reanalyze", type=Path, metavar="DIR",
                    help="recompute the figures of a finished run from DIR (no measuring)")
    return ap.parse_args(argv)


def main(argv: Sequence[str] | None = None, out: Callable[[str], None] = print) -> int:
    """Measure (or reload with ``--reanalyze``), analyse, print; returns 0."""
    args = parse_args(argv)
    quick = args.quick
    repeats = args.repeats or (2 if quick else 3)
    pairs = tuple(args.pairs.split(",")) if args.pairs else (PAIRS[::2] if quick else PAIRS)
    seq = Mode("sequential", "sequential", args.seq_benchtime or ("50ms" if quick else "0.5s"),
               args.seq_count or (5 if quick else 10))
    modes = [seq, Mode("default", "interleaved",
                       args.benchtime or (run.QUICK_BENCHTIME if quick else
                                          run.DEFAULT_BENCHTIME), 100_000)]
    if args.with_samples_per_round > 1:
        k = args.with_samples_per_round
        modes.append(Mode(f"default-k{k}", "interleaved", modes[1].benchtime, 100_000, k))
    resamples = args.resamples or (2000 if quick else 10_000)
    cmd = shlex.join([sys.executable.rsplit("/", 1)[-1], "benchmarks/harness.py",
                      *(sys.argv[1:] if argv is None else argv)])
    if args.reanalyze:
        return reanalyze(args.reanalyze, cmd, resamples, out)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    out_dir = args.out or Path(f"/tmp/escapebench-harness-{stamp}")
    out_dir.mkdir(parents=True, exist_ok=True)
    cases = "^(" + "|".join(pairs) + ")$"

    meta = machine.collect()
    tc = find(args.go)
    module = load_module(None)
    t0 = time.monotonic()
    b = build(tc, module)
    build_s = time.monotonic() - t0
    out(f"command:  {cmd}")
    out(f"commit:   {_git(['rev-parse', '--short', 'HEAD'])}"
        f"{' (+ uncommitted changes)' if _git(['status', '--porcelain']) else ''}")
    out(f"machine:  {meta['machine']} · {meta.get('cpu_model', '')} · "
        f"{meta.get('cpu_count', os.cpu_count())} cores · {platform.platform()} · "
        f"load {_load():.2f}")
    out(f"go:       {tc.version} · build {'cached' if b.cached else 'built'} in {build_s:.2f}s")
    out(f"pairs:    {', '.join(pairs)}")
    out(f"modes:    sequential = -test.count={seq.count} -test.benchtime={seq.benchtime}, "
        "one process, iid bootstrap CI")
    for m in modes[1:]:
        out(f"          {m.name} = pilot + rounds of -test.benchtime=<N>x -test.count="
            f"{m.samples_per_round} per cell (N for {m.benchtime}), block bootstrap CI, "
            "budget = sequential wall time")
    out(f"raw:      {out_dir}")
    out("")

    builds = {tc.version: b}
    runs: dict[str, list[RunOut]] = {m.name: [] for m in modes}
    rng = random.Random(args.seed)
    for rep in range(1, repeats + 1):
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
            out(f"run {rep} {m.name:<12} wall {r.wall:6.1f}s  measured {r.measured:6.1f}s  "
                f"overhead {r.wall / r.measured:5.3f}  rounds {r.rounds:4d}  seed {seed}  "
                f"load {r.load_before:.2f}→{r.load_after:.2f}")
            sys.stdout.flush()
    summary: dict[str, Any] = {
        "command": cmd, "machine": meta["machine"], "cpu_model": meta.get("cpu_model"),
        "go": tc.version, "pairs": list(pairs),
        "mode_defs": [{"name": m.name, "order": m.order, "benchtime": m.benchtime,
                       "count": m.count, "samples_per_round": m.samples_per_round}
                      for m in modes]}
    report(modes, runs, pairs, resamples, summary, out)
    (out_dir / "summary.json").write_text(json.dumps(summary, indent=1, default=str))
    out("")
    out(f"summary: {out_dir / 'summary.json'}")
    return 0


def reanalyze(out_dir: Path, cmd: str, resamples: int, out: Callable[[str], None]) -> int:
    """Recompute the figures from a finished run's summary.json and raw texts (no measuring)."""
    old = json.loads((out_dir / "summary.json").read_text())
    modes = [Mode(**d) for d in old["mode_defs"]]
    runs = {m.name: [RunOut(m.name, r["repeat"], r["seed"], r["wall"], r["measured"],
                            r["rounds"], Path(r["raw"]), math.nan, math.nan)
                     for r in old["modes"][m.name]["runs"]] for m in modes}
    out(f"command:  {cmd}  (reanalysing {old['command']})")
    summary = {k: old[k] for k in ("command", "machine", "cpu_model", "go", "pairs",
                                   "mode_defs")}
    report(modes, runs, tuple(old["pairs"]), resamples, summary, out)
    return 0


def report(modes: Sequence[Mode], runs: dict[str, list[RunOut]], pairs: Sequence[str],
           resamples: int, summary: dict[str, Any], out: Callable[[str], None]) -> None:
    """Intervals per run, then the figures (a)-(d) per mode; fills ``summary``."""
    for m in modes:
        for r in runs[m.name]:
            for p, (e, n) in pair_samples(r.raw).items():
                if p in pairs and e and n:
                    r.ci[p] = interval(m, e, n, resamples)
    out("")
    out("ratio escape/noescape [95% CI] per run")
    for p in pairs:
        for m in modes:
            cells = [f"{r.ci[p]['ratio']:7.2f} [{r.ci[p]['lo']:6.2f},{r.ci[p]['hi']:6.2f}]"
                     if p in r.ci else "—" for r in runs[m.name]]
            out(f"  {p:<24} {m.name:<12} " + "  ".join(cells))
    summary["modes"] = {}
    out("")
    out("figures")
    seq_hw = None
    for m in modes:
        rs = runs[m.name]
        hws = [half_width(r.ci[p]) for r in rs for p in pairs if p in r.ci]
        mean_hw = sum(hws) / len(hws)
        per_pair = {p: sum(half_width(r.ci[p]) for r in rs) / len(rs) for p in pairs}
        ovh = sum(r.wall for r in rs) / sum(r.measured for r in rs)
        inside, total = coverage(rs, pairs)
        aa = aa_rates(rs, m, pairs)
        rec: dict[str, Any] = {
            "wall_mean_s": sum(r.wall for r in rs) / len(rs),
            "overhead_ratio": ovh, "mean_half_width_pct": mean_hw,
            "half_width_pct_per_pair": per_pair, "coverage": [inside, total],
            "aa": {k: list(v) for k, v in aa.items()},
            "runs": [{"repeat": r.repeat, "seed": r.seed, "wall": r.wall,
                      "measured": r.measured, "rounds": r.rounds, "raw": str(r.raw),
                      "ci": r.ci} for r in rs],
        }
        if m.order == "interleaved":
            rec["split_half"] = list(split_half_rate(rs, m, pairs))
        summary["modes"][m.name] = rec
        if m.order == "sequential":
            seq_hw = mean_hw
        out(f"  {m.name}")
        out(f"    (a) overhead ratio        {ovh:.3f}  (wall {rec['wall_mean_s']:.1f}s per run, "
            f"mean of {len(rs)})")
        rel = f"  = {mean_hw / seq_hw:.2f}x sequential" \
            if seq_hw and m.order != "sequential" else ""
        out(f"    (b) mean CI half-width    ±{mean_hw:.1f}%{rel}   per pair: "
            + ", ".join(f"{p} ±{v:.1f}%" for p, v in per_pair.items()))
        out(f"    (c) cross-run coverage    {inside}/{total} = "
            f"{inside / total if total else math.nan:.0%}")
        for kind, (raw_hits, holm_hits, n) in aa.items():
            what = "per-round log-ratio, per pair" if kind == "ratio" else "sec/op, per cell"
            out(f"    (d) A/A false alarms ({what}): raw {raw_hits}/{n} = {raw_hits / n:.0%}, "
                f"Holm {holm_hits}/{n} = {holm_hits / n:.0%}")
        if "split_half" in rec:
            h, n = rec["split_half"]
            out(f"    (d) A/A inside a run (odd vs even rounds): {h}/{n} = "
                f"{h / n if n else math.nan:.0%}")
        se, sn = variant_spread(rs, pairs)
        rec["between_run_sd_pct"] = {"escape": se, "noescape": sn}
        out(f"    between-run sd of medians: escape {se:.1f}%, noescape {sn:.1f}%")


if __name__ == "__main__":
    sys.exit(main())
