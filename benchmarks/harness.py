"""Benchmark of escapebench's own harness on this machine: overhead, precision per minute, honesty.

Not a test: it measures and prints figures (and keeps every raw.txt it made);
this file measures, ``harness_figures.py`` beside it computes and prints them.
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
  pair (both variants, the first alternating; ``--with-cell-process`` adds
  the one-process-per-variant mode beside it); the paired estimator
  (Hodges–Lehmann of the per-round log-ratios with the Wilcoxon signed-rank
  interval).

The default mode gets the sequential workflow's wall time as its budget
(rounds stop when the next one would overrun it on average), and the modes
alternate, ``--repeats`` times each (4 by default: the across-runs figure
needs 3 runs and a 4th), so both see the same machine. Figures, per mode:

(a) overhead ratio: wall time of pilot + rounds (with a warm build cache)
    divided by the time the Go benchmarks measured (Σ ns/op × N); the default
    mode pilots once and its later runs reuse that calibration, as later
    ``bench run`` s reuse the one stored for their condition;
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
import json
import math
import os
import platform
import random
import re
import shlex
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from a checkout
    sys.path.insert(0, str(ROOT))

from harness_figures import Mode, RunOut, report  # noqa: E402  (beside this script)
from provenance import commit  # noqa: E402  (beside this script)

from analysis import escape_cost  # noqa: E402
from bench import benchfmt, calibration, machine, plan, run  # noqa: E402
from bench.build import Build, build  # noqa: E402
from bench.calibration import Calibration  # noqa: E402
from bench.cases import load_module  # noqa: E402
from bench.pilot import plan_cells  # noqa: E402
from bench.plan import Plan, Setting  # noqa: E402
from bench.progress import Progress  # noqa: E402
from bench.request import RunRequest  # noqa: E402
from bench.run import RawSink, Runner  # noqa: E402
from bench.runmeta import raw_header  # noqa: E402
from bench.toolchain import find  # noqa: E402

PAIRS = ("ReturnPointer", "BoxLargeInt", "AppendGrowth", "MakeAboveImplicitLimit", "BigStruct")


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
    calibrated: dict[str, Calibration] | None = None,
) -> RunOut:
    """Run one mode once, like ``bench run`` does after its (cached) build; time it.

    ``calibrated`` keeps each mode's first pilot: later runs reuse it, as a
    later ``bench run`` reuses the calibration stored for its condition.
    """
    how = {"order": mode.order, "count": mode.count, "benchtime": mode.benchtime,
           "samples_per_round": mode.samples_per_round, "process": mode.process}  # fmt: skip
    req = RunRequest(cases=cases, **how)  # type: ignore[arg-type]
    plan = Plan(seed=seed, settings=[Setting()], **how)  # type: ignore[arg-type]
    raw = out_dir / f"{mode.name}-{repeat}.txt"
    raw.unlink(missing_ok=True)
    runner, progress = Runner(), Progress(enabled=False)
    load_before = _load()
    started = time.monotonic()
    cal = (calibrated or {}).get(mode.name)
    if cal is not None:
        calibration.apply(cal, plan, list(builds), re.compile("."), {})
    else:
        plan_cells(plan, builds, module, req, runner, progress)
        if calibrated is not None and mode.order == "interleaved":
            calibrated[mode.name] = Calibration.of(plan)
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
    ap.add_argument(
        "--with-cell-process",
        action="store_true",
        help="also measure the default mode with one process per variant (--process cell)",
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
    modes = [seq, Mode("default", "interleaved", bt, 100_000, process=plan.DEFAULT_PROCESS)]
    if args.with_cell_process:
        modes.append(Mode("default-cell", "interleaved", bt, 100_000, process="cell"))
    if args.with_samples_per_round > 1:
        k = args.with_samples_per_round
        modes.append(Mode(f"default-k{k}", "interleaved", bt, 100_000, k, plan.DEFAULT_PROCESS))
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
    head, dirty = commit()
    out(f"command:  {cmd}")
    out(f"commit:   {head}{' (+ uncommitted changes)' if dirty else ''}")
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
            f"{m.samples_per_round} per {m.process} (N for {m.benchtime}), "
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
                "process": m.process,
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
    calibrated: dict[str, Calibration] = {}  # the pilot paid once per mode, as bench run does
    for rep in range(1, args.repeats + 1):
        # ABBA: sequential first in odd repeats (the first sets the budget), last in even
        # ones, so each mode follows each other mode equally often (carry-over effects)
        order = modes if rep % 2 else modes[::-1]
        for m in order:
            budget = None
            if m.order == "interleaved":
                budget = sum(r.wall for r in runs[seq.name]) / len(runs[seq.name])
            seed = rng.randrange(1 << 31)
            r = measure(m, builds, module, cases, out_dir, rep, seed, budget, meta, calibrated)
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


if __name__ == "__main__":
    sys.exit(main())
