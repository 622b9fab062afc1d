"""The whole catalogue at default settings on this machine: wall time and the ratio's precision.

Not a test: it measures. It runs every pair of the bundled catalogue exactly
as ``bench run`` does with its default settings (the same library call,
``bench.matrix.run`` with a ``bench.request.RunRequest``; ``--target`` and
``--budget`` become the very rule ``bench run`` uses,
``bench.cli.measure.target_rule``), times it from the call to its return
(toolchain lookup, build — cached or not, said below —, pilot or a stored
calibration of the results tree — said too —, rounds, verification), and
computes from the run's records (``bench cost``'s
records, ``analysis.escape_cost.cost_records``) each pair's 95 % interval
half-width relative to the ratio, as ``analysis.target`` defines the width of
its target: ``(high − low) / 2 / ratio``. It prints the command, the commit,
the machine (with ``bench doctor``'s busy verdict at the run's start and the
share of the CPUs other processes used during it, from meta.json), Go, then
the wall time, the median and worst half-width and whether the targets —
wall ≤ 3:00, median ≤ ±5 %, worst ≤ ±10 % — were met.

Run from the repository root, on a quiet machine::

    python benchmarks/catalogue_speed.py                    # the figure: about 2–3 minutes
    python benchmarks/catalogue_speed.py --target 5% --budget 3m --json figures.json
    python benchmarks/catalogue_speed.py --quick --cases '^(ReturnPointer|BoxLargeInt)$'

The full run takes what ``bench run`` takes: an estimate, not yet timed by
this script, from the published runs (about 4½ s per round for the 38 pairs
of one toolchain and GOGC on a 2-vCPU VM) is 20 rounds plus the pilot, about
2 minutes, plus the build when the cache is cold; ``--quick`` with two cases
takes a few seconds. Results go to a
temporary tree, deleted afterwards, unless ``--results DIR`` keeps them.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import shlex
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
for _path in (ROOT, ROOT / "benchmarks"):  # run as a script, or loaded by a test
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from provenance import commit  # noqa: E402  (beside this script)

from analysis import escape_cost, witness  # noqa: E402
from analysis import target as target_rule_  # noqa: E402
from analysis.escape_cost import CostRecord  # noqa: E402
from bench import doctor, matrix, store  # noqa: E402
from bench.cli.measure import target_rule  # noqa: E402
from bench.cli.options import BUDGET, TARGET  # noqa: E402
from bench.errors import BenchError  # noqa: E402
from bench.model import LoadedRun  # noqa: E402
from bench.progress import Phase, Progress  # noqa: E402
from bench.request import RunRequest  # noqa: E402
from bench.vocab.manifest import Manifest  # noqa: E402

#: The targets of the figure: wall seconds, median and worst relative half-width.
TARGET_WALL = 180.0
TARGET_MEDIAN = 0.05
TARGET_WORST = 0.10
#: How the half-width is defined (``analysis.target.half_width``), said in the output.
DEFINITION = "(high − low) / 2 / ratio of the 95 % interval, as analysis.target defines it"


class BuildWatch(Progress):
    """``bench run``'s progress display that also keeps what each build phase said.

    The library reports a cached build only on its progress line (``cached``),
    so this is where the script can learn it without building anything itself.
    """

    def __init__(self, *a: Any, **kw: Any) -> None:
        super().__init__(*a, **kw)
        self.builds: list[tuple[str, str, float]] = []  # (description, detail, seconds)

    @contextlib.contextmanager
    def phase(self, kind: str, description: str, *, total: float | None = None) -> Iterator[Phase]:
        with super().phase(kind, description, total=total) as ph:
            try:
                yield ph
            finally:
                if kind == "build":
                    self.builds.append((ph.description, ph.detail, ph.elapsed))


@dataclass
class Measured:
    """One run of the catalogue: its group, wall seconds and what the builds said."""

    group: matrix.RunGroup
    wall: float
    builds: list[tuple[str, str, float]] = field(default_factory=list)
    req: RunRequest | None = None


def request(args: argparse.Namespace, results: Path) -> RunRequest:
    """``bench run``'s request: its defaults, plus exactly the flags given here."""
    argv = ["bench", "run", "--results", str(results)]
    for flag, value in (("--go", args.go), ("--cases", args.cases)):
        if value:
            argv += [flag, value]
    if args.quick:
        argv.append("--quick")
    if args.target is not None:
        argv += ["--target", f"{args.target:.6g}"]
    if args.budget is not None:
        argv += ["--budget", f"{args.budget:.6g}"]
    return RunRequest(
        go=args.go,
        cases=args.cases,
        results=results,
        quick=args.quick,
        target=args.target,
        budget=args.budget,
        argv=argv,
    )


def measure(req: RunRequest, quiet: bool) -> Measured:
    """``bench run`` through the library, timed from the call to its return."""
    progress = BuildWatch(sys.stderr, sys.stderr, quiet=quiet)
    rule = target_rule(req.target) if req.target else None
    started = time.monotonic()
    group = matrix.run(req, progress, rule=rule)
    wall = time.monotonic() - started
    return Measured(group, wall, progress.builds, req)


def loaded_runs(group: matrix.RunGroup) -> list[LoadedRun]:
    """The run directories as ``bench run`` loads them for its closing table."""
    return [
        store.load_run_dir(d, store.run_label(d, d), parsed=group.parsed.get(version))
        for version, d in group.dirs.items()
    ]


def cost_records(runs: Sequence[LoadedRun], manifest: Manifest | None) -> list[CostRecord]:
    """``bench cost``'s records of the runs: sections from the manifest, the compiler witness."""
    results = [r for run in runs for r in run.parsed.results]
    sections = {c.id: c.section for c in manifest.cases} if manifest else {}
    return escape_cost.cost_records(
        results, sections=sections, compiler=witness.compiler_witness(r.escape for r in runs)
    )


def half_width(rec: CostRecord) -> float:
    """``analysis.target.half_width`` of a record's interval (given as ratios, not logs)."""
    if not (rec.ratio > 0 and rec.ci_low > 0 and math.isfinite(rec.ci_high)):
        return math.inf
    return target_rule_.half_width(math.log(rec.ratio), math.log(rec.ci_low), math.log(rec.ci_high))


def pair_name(rec: CostRecord, several: bool) -> str:
    """The case id, with the toolchain when the run measured more than one."""
    return f"{rec.case} ({rec.go})" if several else rec.case


def precision(records: Sequence[CostRecord]) -> dict[str, Any]:
    """Median and worst half-width over the records, and each pair's own."""
    several = len({r.condition for r in records}) > 1
    rows = [
        {
            "pair": pair_name(r, several),
            "go": r.go,
            "ratio": r.ratio,
            "ci_low": r.ci_low,
            "ci_high": r.ci_high,
            "half_width": half_width(r),
            "rounds": r.n_rounds,
        }
        for r in records
    ]
    if not rows:
        return {"pairs": 0, "median": math.nan, "worst": math.nan, "worst_pair": "", "rows": []}
    worst = max(rows, key=lambda x: x["half_width"])
    return {
        "pairs": len(rows),
        "median": statistics.median(x["half_width"] for x in rows),
        "worst": worst["half_width"],
        "worst_pair": worst["pair"],
        "rows": rows,
    }


def busy_verdict(meta: Mapping[str, Any]) -> str:
    """``bench doctor``'s busy checks at the run's start (meta.json ``doctor``), in a phrase."""
    checks = (meta.get("doctor") or {}).get("checks") or {}
    if not checks:
        return "doctor: not recorded"
    warned = [n for n in doctor.BUSY if (checks.get(n) or {}).get("verdict") == doctor.WARN]
    others = (checks.get("others_cpu") or {}).get("value", "?")
    if warned:
        return f"doctor at start: busy ({', '.join(warned)}; others {others})"
    return f"doctor at start: not busy (others {others})"


def load_summary(meta: Mapping[str, Any]) -> dict[str, Any]:
    """Other processes' share of the CPUs during the run (meta.json ``load``): mean and max."""
    rows = [r for r in meta.get("load") or [] if isinstance(r.get("others_pct"), int | float)]
    secs = sum(float(r.get("seconds") or 0) for r in rows)
    if not rows:
        return {"others_mean_pct": None, "others_max_pct": None, "records": 0}
    mean = (
        sum(r["others_pct"] * float(r.get("seconds") or 0) for r in rows) / secs
        if secs > 0
        else statistics.fmean(r["others_pct"] for r in rows)
    )
    return {
        "others_mean_pct": round(mean, 1),
        "others_max_pct": max(r["others_pct"] for r in rows),
        "records": len(rows),
        "load_changed": meta.get("load_changed"),
    }


def wall_text(seconds: float) -> str:
    """``M:SS``, the way the target is written."""
    s = round(seconds)
    return f"{s // 60}:{s % 60:02d}"


def pct(x: float) -> str:
    return "±inf %" if math.isinf(x) else f"±{100 * x:.1f} %"


def build_text(builds: Sequence[tuple[str, str, float]]) -> str:
    """Whether each toolchain's test binary came from the cache (from the progress phases)."""
    if not builds:
        return "build: not reported"
    return "; ".join(
        f"build {'cached' if d == 'cached' else 'built'} ({s:.1f}s)" for _, d, s in builds
    )


def figures(m: Measured, cmd: str, runs: Sequence[LoadedRun]) -> dict[str, Any]:
    """Everything printed, as one JSON-safe dict."""
    g, req = m.group, m.req
    assert req is not None
    meta = dict(runs[0].meta or {}) if runs else {}
    mach = meta.get("machine") or {}
    prec = precision(cost_records(runs, g.module.manifest if g.module else None))
    rounds = [x["rounds"] for x in prec["rows"]]
    default = not (req.quick or req.cases or req.target or req.budget or req.go)
    head, dirty = commit()
    met = {
        "wall": m.wall <= TARGET_WALL,
        "median": prec["median"] <= TARGET_MEDIAN,
        "worst": prec["worst"] <= TARGET_WORST,
    }
    return {
        "command": cmd,
        "commit": head,
        "dirty": dirty,
        "machine": mach.get("machine", ""),
        "cpu_model": mach.get("cpu_model", ""),
        "cpu_count": mach.get("cpu_count"),
        "platform": mach.get("platform", ""),
        "doctor": busy_verdict(meta),
        "load": load_summary(meta),
        "go": list(g.dirs),
        "build": build_text(m.builds),
        "calibration": (
            f"calibration reused from {meta['calibration_from']}"
            if meta.get("calibration_from")
            else "calibration: a new pilot"
        ),
        "wall_s": round(m.wall, 3),
        "half_width_definition": DEFINITION,
        **{k: prec[k] for k in ("pairs", "median", "worst", "worst_pair")},
        "rounds": {
            "count": req.resolved_count(),
            "min": min(rounds, default=0),
            "max": max(rounds, default=0),
            "ended": g.plan.ended if g.plan else "",
        },
        "failures": [f"{f.cell} ({f.kind})" for f in (g.plan.failures if g.plan else [])],
        "default_settings": default,
        "targets": {"wall_s": TARGET_WALL, "median": TARGET_MEDIAN, "worst": TARGET_WORST},
        "met": met,
        "per_pair": prec["rows"],
        "results": str(req.results),
    }


def report(f: Mapping[str, Any], out: Callable[[str], None]) -> None:
    """The figures as lines: command and conditions first, then the three figures."""
    load = f["load"]
    others = (
        f"others used {load['others_mean_pct']:.1f} % of the CPUs on average "
        f"(max {load['others_max_pct']:.1f} %) during the run"
        if load["records"]
        else "load during the run: not recorded"
    )
    out(f"command:  {f['command']}")
    out(f"commit:   {f['commit']}{' (+ uncommitted changes)' if f['dirty'] else ''}")
    out(
        f"machine:  {f['machine']} · {f['cpu_model']} · {f['cpu_count']} cores · "
        f"{f['platform']} · {f['doctor']} · {others}"
        + (f" (load changed: {load['load_changed']})" if load.get("load_changed") else "")
    )
    out(f"go:       {', '.join(f['go'])} · {f['build']} · {f['calibration']}")
    r = f["rounds"]
    spread = f"{r['min']}" if r["min"] == r["max"] else f"{r['min']}–{r['max']}"
    out(f"wall {wall_text(f['wall_s'])} ({f['wall_s']:.1f} s, from the call to its return)")
    out(f"median half-width {pct(f['median'])}")
    out(f"worst half-width {pct(f['worst'])} ({f['worst_pair']})")
    out(f"pairs {f['pairs']} · rounds {spread} per pair (of --count {r['count']}; {r['ended']})")
    out(f"half-width: {f['half_width_definition']}")
    if f["failures"]:
        out(f"failed: {len(f['failures'])}: {'; '.join(f['failures'][:5])}")
    met, t = f["met"], f["targets"]
    verdicts = [
        f"wall ≤ {wall_text(t['wall_s'])} {'met' if met['wall'] else 'missed'}",
        f"median ≤ {pct(t['median'])} {'met' if met['median'] else 'missed'}",
        f"worst ≤ {pct(t['worst'])} {'met' if met['worst'] else 'missed'}",
    ]
    note = "" if f["default_settings"] else " (not the figure: not the default settings)"
    out(f"targets: {'; '.join(verdicts)}{note}")
    out(f"results:  {f['results']}")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--go", help="toolchain(s), as for bench run (default: the bundled one)")
    ap.add_argument("--cases", metavar="REGEX", help="only these cases (default: all)")
    ap.add_argument("--target", type=TARGET, metavar="PCT", help="bench run --target, e.g. 5%%")
    ap.add_argument("--budget", type=BUDGET, metavar="DURATION", help="bench run --budget, e.g. 3m")
    ap.add_argument("--quick", action="store_true", help="bench run --quick (a smoke run)")
    ap.add_argument("--results", type=Path, metavar="DIR", help="keep the run here (default: tmp)")
    ap.add_argument("--json", type=Path, metavar="FILE", help="also write the figures here")
    ap.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    return ap.parse_args(argv)


def _json_safe(x: Any) -> Any:
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, dict):
        return {k: _json_safe(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_json_safe(v) for v in x]
    return x


def main(argv: Sequence[str] | None = None, out: Callable[[str], None] = print) -> int:
    """Measure the catalogue, print the figures (and write ``--json``); 0, or 1 on a failure."""
    args = parse_args(argv)
    given = list(sys.argv[1:] if argv is None else argv)
    cmd = shlex.join(["python", "benchmarks/catalogue_speed.py", *given])
    with tempfile.TemporaryDirectory(prefix="catalogue-speed-") as tmp:
        results = args.results or Path(tmp) / "results"
        try:
            m = measure(request(args, results), args.quiet)
        except BenchError as e:
            print(f"catalogue_speed: {e}", file=sys.stderr)
            return 1
        f = figures(m, cmd, loaded_runs(m.group))
        if args.results is None:
            f["results"] = "a temporary tree (deleted; --results DIR keeps it)"
    report(f, out)
    if args.json:
        args.json.write_text(json.dumps(_json_safe(f), indent=1, ensure_ascii=False) + "\n")
    return 1 if f["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
