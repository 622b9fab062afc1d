"""Where the time of one sample process goes on this machine (issue: cheaper samples).

Not a test: it measures and prints figures, and writes the raw numbers to
``benchmarks/data/sample_cost/`` (``--out``). Run from the repository root::

    python benchmarks/sample_cost.py            # about a minute
    python benchmarks/sample_cost.py --quick    # a smoke run, a few seconds

``bench run`` measures one sample per process: ``<test binary> -test.run=^$
-test.bench=<one cell> -test.benchtime=<N>x -test.count=1``, started and read
by ``bench.run.Runner`` and written to raw.txt. For a few real cells of
``go_cases`` it times, in Python and through that same ``Runner``, processes
that do a little more each time, interleaved over ``--reps`` repetitions so
drift spreads over all of them:

* ``true``: ``/bin/true``, i.e. our process start and wait with nothing in it;
* ``empty``: the test binary with ``-test.bench=^$``: adds exec of a larger
  binary, the Go runtime's init and the testing package's main;
* ``one_x``: the cell at ``-test.benchtime=1x``: adds the benchmark machinery
  (the parent's and the sub-benchmark's ``run1``, each starting with the
  ``runtime.GC()`` of ``testing.(*B).runN``) and one iteration;
* ``n_x``: the cell at the calibrated ``<N>x`` (a sample of ``--target``, the
  default benchtime): adds the measured loop and one more ``runN`` (its
  ``runtime.GC()``);
* ``n_x_gctrace``: ``n_x`` with ``GODEBUG=gctrace=1``, to count the forced
  collections and sum their stop-the-world and mark phases (the sweep that
  ``runtime.GC()`` waits for after them is not in the trace: a lower bound);
* ``pair_n_x``: both variants of the cell's pair in one process, for the
  "both variants in one process" idea.

Our own bookkeeping per process (parse the output, append it to raw.txt with
fsync, the load sample around a round) is timed in this process. The loop is
the testing package's own figure (ns/op × N). Figures are medians over the
repetitions with the 10th and 90th percentiles; on a shared machine they move
with the neighbours (the ``bench doctor`` record of the start is kept).
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import resource
import shlex
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from a checkout
    sys.path.insert(0, str(ROOT))

from bench import benchfmt, doctor, machine  # noqa: E402
from bench.build import Build, build  # noqa: E402
from bench.cases import load_module  # noqa: E402
from bench.pilot import iterations  # noqa: E402
from bench.plan import DEFAULT_BENCHTIME, Setting, bench_regex, parse_benchtime  # noqa: E402
from bench.run import RawSink, Runner, bench_args  # noqa: E402
from bench.toolchain import find_all  # noqa: E402

#: Cells spanning fast and slow per-op times (names as in go_cases).
PAIRS = ("ReturnPointer", "BoxLargeInt", "MakeAboveImplicitLimit")
KINDS = ("true", "empty", "one_x", "n_x", "n_x_gctrace", "pair_n_x")
_GC = re.compile(r"^gc \d+ @\S+ \S+: ([\d.]+)\+([\d.]+)\+([\d.]+) ms clock.*\(forced\)", re.M)
DATA = ROOT / "benchmarks" / "data" / "sample_cost"


def _true() -> Path:
    for p in ("/bin/true", "/usr/bin/true"):
        if Path(p).exists():
            return Path(p)
    raise SystemExit("sample_cost: no /bin/true on this machine")


def _calibrate(runner: Runner, b: Build, cell: str, target: float) -> int:
    """Loops per sample for ``target`` seconds, as ``bench run``'s pilot picks them."""
    out = runner.run(
        b.binary, bench_args(bench_regex([cell]), "20ms", 2), b.toolchain.env(), ROOT, 120
    )
    per_op = [r.get("sec/op") for r in benchfmt.parse(out.output, "pilot").results]
    per_op = [x for x in per_op if x]
    if not per_op:
        raise SystemExit(f"sample_cost: {cell}: no result from the pilot: {out.output[:300]}")
    return iterations(min(per_op), target)


def _one(
    runner: Runner, b: Build, kind: str, cell: str, n: int
) -> tuple[float, float, float | None, int, float]:
    """(wall s, CPU s, loop s, forced GCs, forced-GC ms) of one process of ``kind``.

    The CPU time (user + system, all threads, from the children's rusage) is
    what the process cost the machine; wall minus it is mostly waiting for a
    CPU a neighbour held.
    """
    env = b.toolchain.env(**Setting("100", "0").env())
    binary, args = b.binary, bench_args(bench_regex([cell]), f"{n}x", 1)
    if kind == "true":
        binary, args = _true(), []
    elif kind == "empty":
        args = ["-test.run=^$", "-test.bench=^$"]
    elif kind == "one_x":
        args = bench_args(bench_regex([cell]), "1x", 1)
    elif kind == "n_x_gctrace":
        env = {**env, "GODEBUG": "gctrace=1"}
    elif kind == "pair_n_x":
        base = cell.split("/")[0]
        args = bench_args(
            bench_regex([f"{base}/variant=escape", f"{base}/variant=noescape"]), f"{n}x", 1
        )
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    out = runner.run(binary, args, env, ROOT, 120)
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (r1.ru_utime + r1.ru_stime) - (r0.ru_utime + r0.ru_stime)
    if out.returncode != 0:
        raise SystemExit(f"sample_cost: {kind} {cell}: exit {out.returncode}: {out.output[:300]}")
    loop = None
    results = benchfmt.parse(out.output, kind).results
    if results:
        loop = sum((r.get("sec/op") or 0.0) * r.iters for r in results)
    gcs = _GC.findall(out.output)
    gc_ms = sum(float(a) + float(b_) + float(c) for a, b_, c in gcs)
    return wall, cpu, loop, len(gcs), gc_ms


def bookkeeping(output: str, reps: int) -> dict[str, list[float]]:
    """Seconds our Python spends per process on ``output``: parse, raw.txt append, load sample."""
    times: dict[str, list[float]] = {"parse": [], "write_fsync": [], "load_sample": []}
    with tempfile.TemporaryDirectory() as tmp:
        sink = RawSink(Path(tmp) / "raw.txt", "goos: linux\n")
        setting = Setting("100", "0")
        for _ in range(reps):
            for key, fn in (
                ("parse", lambda: benchfmt.parse(output, "cell")),
                ("write_fsync", lambda: sink.write_cell(setting, output)),
                ("load_sample", machine.load_sample),
            ):
                t0 = time.perf_counter()
                fn()
                times[key].append(time.perf_counter() - t0)
        sink.close()
    return times


def _q(xs: Sequence[float], p: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, max(0, round(p * (len(s) - 1))))]


def summarize(raw: dict[str, Any]) -> dict[str, Any]:
    """Medians per cell and kind, and the per-process decomposition (milliseconds)."""
    out: dict[str, Any] = {}
    book = {k: statistics.median(v) * 1e3 for k, v in raw["bookkeeping"].items()}
    for cell, kinds in raw["cells"].items():
        med = {k: statistics.median(r["wall"] for r in rows) * 1e3 for k, rows in kinds.items()}
        cpu = {k: statistics.median(r["cpu"] for r in rows) * 1e3 for k, rows in kinds.items()}
        spread = {
            k: [_q([r["wall"] * 1e3 for r in rows], p) for p in (0.1, 0.9)]
            for k, rows in kinds.items()
        }
        loop = statistics.median(r["loop"] for r in kinds["n_x"]) * 1e3
        gc_n = statistics.median(r["gcs"] for r in kinds["n_x_gctrace"])
        gc_ms = statistics.median(r["gc_ms"] for r in kinds["n_x_gctrace"])
        ours = sum(book.values())
        total = med["n_x"] + ours
        out[cell] = {
            "n": raw["n"][cell],
            "wall_ms": med,
            "cpu_ms": cpu,
            "wall_p10_p90_ms": spread,
            "parts_ms": {
                "process start and wait (/bin/true)": med["true"],
                "exec + Go runtime and testing init": med["empty"] - med["true"],
                "benchmark machinery at 1x (2 run1, their runtime.GC)": med["one_x"] - med["empty"],
                "measured loop (ns/op x N)": loop,
                "the N-x runN beyond its loop (its runtime.GC, timers)": med["n_x"]
                - med["one_x"]
                - loop,
                "our bookkeeping: parse the output": book["parse"],
                "our bookkeeping: append to raw.txt + fsync": book["write_fsync"],
                "our bookkeeping: load sample (/proc/stat)": book["load_sample"],
            },
            "forced_gcs_per_process": gc_n,
            "forced_gc_traced_ms": gc_ms,
            "overhead_ratio": total / loop if loop > 0 else None,
            "pair_in_one_process_ms": med["pair_n_x"],
            "pair_as_two_processes_ms": 2 * med["n_x"],
        }
    return out


def measure(args: argparse.Namespace, say: Callable[[str], None]) -> dict[str, Any]:
    found, errors = find_all([args.go])
    if not found:
        raise SystemExit(f"sample_cost: no Go toolchain: {'; '.join(errors)}")
    b = build(found[0], load_module(None))
    runner = Runner()
    target, _ = parse_benchtime(args.target)
    cells = [f"{p}/variant=escape" for p in args.pairs]
    n = {c: _calibrate(runner, b, c, target or 0.04) for c in cells}
    raw: dict[str, Any] = {"n": n, "cells": {c: {k: [] for k in KINDS} for c in cells}}
    last_output = ""
    for rep in range(args.reps):
        for c in cells:
            for k in KINDS[rep % len(KINDS) :] + KINDS[: rep % len(KINDS)]:  # rotate the order
                wall, cpu, loop, gcs, gc_ms = _one(runner, b, k, c, n[c])
                raw["cells"][c][k].append(
                    {"wall": wall, "cpu": cpu, "loop": loop, "gcs": gcs, "gc_ms": gc_ms}
                )
        say(f"  repetition {rep + 1}/{args.reps}")
    out = runner.run(
        b.binary,
        bench_args(bench_regex(cells[:1]), f"{n[cells[0]]}x", 1),
        b.toolchain.env(),
        ROOT,
        120,
    )
    last_output = out.output
    raw["bookkeeping"] = bookkeeping(last_output, max(20, args.reps))
    raw["go"] = b.toolchain.version
    return raw


def render(summary: dict[str, Any], cmd: str, meta: dict[str, Any]) -> str:
    lines = [
        f"command: {cmd}",
        f"machine: {meta['cpu_model']} · {meta['cpu_count']} CPUs · "
        f"{meta['go']} · busy at start: {meta['busy'] or 'no'}",
        "",
    ]
    for cell, s in summary.items():
        lines.append(
            f"{cell}  (N = {s['n']}, one sample process: "
            f"{s['wall_ms']['n_x']:.1f} ms, p10-p90 "
            f"{s['wall_p10_p90_ms']['n_x'][0]:.1f}-{s['wall_p10_p90_ms']['n_x'][1]:.1f})"
        )
        for part, ms in s["parts_ms"].items():
            lines.append(f"  {ms:8.2f} ms  {part}")
        cpu = ", ".join(f"{k} {v:.1f}" for k, v in s["cpu_ms"].items())
        lines.append(f"  CPU time (user + system, ms, median): {cpu}")
        ratio = s["overhead_ratio"]
        lines.append(
            f"  forced GCs per process: {s['forced_gcs_per_process']:g}, traced "
            f"{s['forced_gc_traced_ms']:.2f} ms (STW + mark, a lower bound)"
        )
        lines.append(
            f"  overhead ratio (wall + bookkeeping) / loop: "
            f"{'n/a' if ratio is None else f'{ratio:.3f}'}"
        )
        lines.append(
            f"  both variants in one process: {s['pair_in_one_process_ms']:.1f} ms "
            f"vs two processes {s['pair_as_two_processes_ms']:.1f} ms"
        )
        lines.append("")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--reps", type=int, default=20)
    p.add_argument("--quick", action="store_true", help="3 repetitions, 2 cells")
    p.add_argument("--pairs", type=lambda s: tuple(s.split(",")), default=PAIRS)
    p.add_argument("--target", default=DEFAULT_BENCHTIME, help="sample length, as bench run's")
    p.add_argument("--go", default=None, help="toolchain spec (default: the bundled one)")
    p.add_argument("--out", type=Path, default=DATA)
    args = p.parse_args(argv)
    if args.quick:
        args.reps, args.pairs = 3, args.pairs[:2]
    cmd = shlex.join(
        ["python", "benchmarks/sample_cost.py", *(sys.argv[1:] if argv is None else argv)]
    )
    busy = doctor.busy_warning()
    raw = measure(args, lambda s: print(s, file=sys.stderr))
    info = machine.collect()
    meta = {
        "command": cmd,
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "cpu_model": info["cpu_model"],
        "cpu_count": info["cpu_count"],
        "kernel": info["kernel"],
        "python": platform.python_version(),
        "go": raw["go"],
        "busy": busy,
        "reps": args.reps,
        "target": args.target,
    }
    summary = summarize(raw)
    print(render(summary, cmd, meta))
    args.out.mkdir(parents=True, exist_ok=True)
    name = "quick" if args.quick else "default"
    (args.out / f"{name}.json").write_text(
        json.dumps({"meta": meta, "summary": summary, "raw": raw}, indent=1) + "\n",
        encoding="utf-8",
    )
    where = args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out
    print(f"raw numbers: {where}/{name}.json")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
