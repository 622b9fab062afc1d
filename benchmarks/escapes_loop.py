"""Closing the loop on go_cases: do the priced escape sites predict each pair's measured cost?

Not a test: it reads stored runs and prints a table. Run from the repository
root with the catalogue runs of one machine (e.g. the published ones) and a
directory of price runs (``bench prices``) of the same machine, toolchain and
GOGC::

    python benchmarks/escapes_loop.py --catalogue results/published/xeon-2vcpu/go1.27.3 \
        --prices PRICE_RUNS [--gogc 100] [--go 1.27.3] [--escapes RUN_DIR] [--format text|json]

Without ``--escapes`` it profiles ``go_cases/cases`` now with the catalogue's
toolchain (``bench escapes``' profiling only: a fixed 100 iterations per
benchmark at ``memprofilerate=1``, nothing timed or stored), since allocation
counts do not depend on the machine; with it, a stored ``bench escapes`` run
is read instead. For each pair the predicted extra ns/op is the sum of the
price-list estimates of the sites its escape variant exercises minus its
noescape variant's (``analysis.escape_loop``); the measured one is
``escape_sec − noescape_sec`` of ``analysis.escape_cost.cost_records`` over
the catalogue run(s). The last lines are ``median ratio X, worst Y (pair)``
and the command that made them, for docs/method.md.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path
from typing import Any

from analysis import escape_loop, escapes, prices
from analysis.escape_cost import cost_records
from bench import escapes as measuring
from bench import prices as price_runs
from bench import store
from bench.cases import default_root
from bench.errors import BenchError
from bench.toolchain import find


def _table(where: Path, go: str, gogc: str) -> escapes.WithGc | None:
    found, _warnings = price_runs.stored(where)
    records = prices.price_records(found, kinds=price_runs.kinds(price_runs.load_grid()))
    for cond, table in prices.price_tables(records, prices.fit_models(records)).items():
        if cond.go.removeprefix("go") == go.removeprefix("go") and (cond.gogc or "100") == gogc:
            return escapes.WithGc(table)
    return None


def _num(x: float | None, fmt: str = ".3g") -> str:
    return "—" if x is None else format(x, fmt)


#: Profiling iterations per benchmark without --escapes: fixed, so the counts are too.
PROFILE_ITERATIONS = 100


def _parse(argv: list[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument("--catalogue", type=Path, nargs="+", required=True, help="catalogue runs")
    ap.add_argument("--prices", type=Path, help="price runs (default: the --escapes run's tree)")
    ap.add_argument("--escapes", type=Path, help="a stored escapes run (default: profile now)")
    ap.add_argument("--go", help="the toolchain, when the catalogue holds several")
    ap.add_argument("--gogc", default="100", help="the GC setting (default 100)")
    ap.add_argument("--format", choices=("text", "json"), default="text")
    return ap.parse_args(argv)


def _catalogue(paths: list[Path]) -> list[Any]:
    runs, warnings = store.load_inputs(paths)
    for w in warnings:
        print(f"warning: {w}", file=sys.stderr)
    return cost_records(r for run in runs for r in run.parsed.results)


def _payload(args: argparse.Namespace, records: list[Any]) -> dict[str, Any]:
    """The escapes payload: the stored run, or go_cases profiled now with the catalogue's Go."""
    if args.escapes is not None:
        return measuring.load(args.escapes)
    gos = sorted({r.go for r in records if (r.gogc or "100") == args.gogc})
    if args.go:
        gos = [g for g in gos if g.removeprefix("go") == args.go.removeprefix("go")]
    if len(gos) != 1:
        raise BenchError(f"the catalogue runs hold {len(gos)} toolchains at GOGC={args.gogc} "
                         f"({', '.join(gos) or 'none'}): pass --go VERSION")  # fmt: skip
    tc = find(gos[0].removeprefix("go"))
    req = measuring.Request(package="./cases", cwd=default_root(), gogc=args.gogc,
                            profile_iterations=PROFILE_ITERATIONS, time=False,
                            store_run=False)  # fmt: skip
    payload = measuring.measure(tc, req)
    payload["gomaxprocs"] = ""  # profiled here: the catalogue's GOMAXPROCS is the one compared
    return payload


def main(argv: list[str] | None = None) -> int:
    raw = sys.argv[1:] if argv is None else argv
    args = _parse(raw)
    if args.prices is None and args.escapes is None:
        raise BenchError("--prices DIR: name the price runs (bench prices) to predict with")
    all_records = _catalogue(args.catalogue)
    payload = _payload(args, all_records)
    go, gogc = str(payload["go"]), str(payload.get("gogc") or "100")
    where = args.prices or args.escapes.parent.parent.parent
    table = _table(where, go, gogc)
    if table is None:
        short = go.removeprefix("go")
        print(f"no price list for {go} GOGC={gogc} under {where}: run `bench prices --go "
              f"{short} --gogc {gogc}` or pass --prices FROM", file=sys.stderr)  # fmt: skip
        return 1
    report = escapes.join(payload, table)
    records = escape_loop.matching(all_records, go, gogc, str(payload.get("gomaxprocs") or ""))
    machines = sorted({r.machine for r in records})
    if len(machines) > 1:
        raise BenchError(f"catalogue runs from several machines ({', '.join(machines)}): "
                         "pass the runs of the machine the escapes run was made on")  # fmt: skip
    rows = escape_loop.close_loop(report, records)
    command = "python benchmarks/escapes_loop.py " + shlex.join(
        [str(store.portable_path(a)) if Path(a).exists() else a for a in raw]
    )
    machine = machines[0] if machines else "?"
    if args.format == "json":
        med, worst, n = escape_loop.summary(rows)
        json.dump({"go": go, "gogc": gogc, "machine": machine,
                   "rows": [r.to_json() for r in rows], "median_ratio": med,
                   "worst": None if worst is None else worst.to_json(), "n": n,
                   "command": command}, sys.stdout, indent=1)  # fmt: skip
        print()
        return 0
    _print_text(str(payload.get("package")), go, gogc, machine, rows, command)
    return 0


def _print_text(package: str, go: str, gogc: str, machine: str,
                rows: list[escape_loop.LoopRow], command: str) -> None:  # fmt: skip
    med, worst, n = escape_loop.summary(rows)
    head = ("pair", "predicted ns/op [95% CI]", "measured ns/op", "ratio", "extra allocs/op "
            "(sites / measured)", "miss")  # fmt: skip
    out = [head]
    for r in rows:
        out.append((r.pair, f"{_num(r.predicted_ns)} [{_num(r.predicted_low)}, "
                    f"{_num(r.predicted_high)}]", _num(r.measured_ns), _num(r.ratio),
                    # two digits: a profile may catch one allocation more in 100 iterations
                    f"{_num(r.extra_allocs_sites, '.2g')} / {_num(r.extra_allocs_measured)}",
                    r.miss))  # fmt: skip
    widths = [max(len(row[i]) for row in out) for i in range(len(head))]
    print(f"Closed loop: {package} ({go}, GOGC={gogc}, {machine})")
    for row in out:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    if worst is None:
        print("no escaping pair with a priced prediction and a positive measured cost")
    else:
        print(f"median ratio {med:.2f}, worst {worst.ratio:.2f} ({worst.pair}) over {n} "
              "escaping pairs (predicted ÷ measured extra ns/op)")  # fmt: skip
    print(f"made by: {command}")


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as e:
        print(f"escapes_loop: {e}", file=sys.stderr)
        sys.exit(1)
