"""How long ``bench report`` takes for one full run: the figure the README quotes.

Not a test (it measures, and wall time depends on the machine): it builds the
report of one committed full run (``results/published/<machine>/<go>/<stamp>``,
34 pairs × 2 GC settings × 10 rounds) into a temporary directory, ``--repeat``
times, and prints the median wall time with the command that made it.
Loading the run and importing the libraries are reported apart: they are paid
once per ``bench report`` but are not the report's own work.

Run from the repository root::

    python benchmarks/report_time.py                 # the newest published run
    python benchmarks/report_time.py --jobs 1        # charts in this process only
    python benchmarks/report_time.py --run results/published/xeon-2vcpu/go1.27.3

The report draws its charts in one process per core (``--jobs`` overrides);
``--profile`` prints each chart's drawing time, drawn one after the other.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shlex
import statistics
import sys
import tempfile
import time
from pathlib import Path

T0 = time.perf_counter()

from analysis.report import charts, collect  # noqa: E402
from analysis.report.build import build_document, build_report  # noqa: E402
from bench import store  # noqa: E402
from bench.cases import load_module  # noqa: E402

IMPORT_SECONDS = time.perf_counter() - T0
ROOT = Path(__file__).resolve().parent.parent


def newest_published_run() -> Path:
    """The newest complete run under ``results/published`` (one full run of one toolchain)."""

    def complete(d: Path) -> bool:
        try:
            return json.loads((d / "meta.json").read_text(encoding="utf-8"))["status"] == "complete"
        except (OSError, ValueError, KeyError, TypeError):
            return False

    runs = sorted(
        (p.parent for p in (ROOT / "results" / "published").rglob("raw.txt") if complete(p.parent)),
        key=lambda d: (d.name, d.parent.name),
    )
    if not runs:
        sys.exit("report_time: no complete published run under results/published: pass --run DIR")
    return runs[-1]


def _cpu() -> float:
    """User + system CPU seconds of this process and its finished children (the workers)."""
    own, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--run", type=Path, default=None, help="a run directory (default: the newest published run)"
    )
    ap.add_argument("--repeat", type=int, default=3, help="builds to time (default: 3)")
    ap.add_argument(
        "--jobs", type=int, default=None, help="chart-drawing processes (default: one per core)"
    )
    ap.add_argument("--profile", action="store_true", help="also time each chart alone")
    args = ap.parse_args(argv)
    run_dir = args.run or newest_published_run()
    t = time.perf_counter()
    runs = store.load_input(run_dir)
    manifest = load_module().manifest
    load_seconds = time.perf_counter() - t
    times, cpu = [], []
    with tempfile.TemporaryDirectory(prefix="report-time-") as tmp:
        for i in range(args.repeat):
            c, t = _cpu(), time.perf_counter()
            summary = build_report(runs, Path(tmp) / f"r{i}", manifest, jobs=args.jobs)
            times.append(time.perf_counter() - t)
            cpu.append(_cpu() - c)
        if args.profile:
            doc = build_document(collect.gather(runs, manifest), None)
            for spec in doc.charts:
                t = time.perf_counter()
                charts.draw(spec, Path(tmp) / "profile")
                print(f"  {spec.stem:<24} {spec.func:<20} {time.perf_counter() - t:5.2f} s")
    command = shlex.join(["python", "benchmarks/report_time.py", *(argv or sys.argv[1:])])
    jobs = args.jobs or charts.workers(summary.charts)
    print(
        f"report of {', '.join(r.label for r in runs)}: {summary.pairs} pairs, "
        f"{summary.samples} samples, {summary.charts} charts, {jobs} drawing processes"
    )
    print(
        f"build_report: median {statistics.median(times):.2f} s over {len(times)} builds "
        f"(min {min(times):.2f} s, max {max(times):.2f} s); loading the run "
        f"{load_seconds:.2f} s, imports {IMPORT_SECONDS:.2f} s"
    )
    print(
        f"CPU time (this process and the drawing processes): median "
        f"{statistics.median(cpu):.2f} s; load average {os.getloadavg()[0]:.1f} on "
        f"{os.cpu_count()} cores (on a busy machine wall time exceeds CPU time ÷ cores)"
    )
    print(f"command: {command}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
