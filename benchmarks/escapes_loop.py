"""Closing the loop on go_cases: do the priced escape sites predict each pair's measured cost?

Not a test: it reads stored runs and prints a table. Run from the repository
root, with an escapes run of the catalogue and a catalogue run of the same
condition (machine, toolchain, GOGC)::

    bench escapes ./cases --module go_cases --go 1.27.3    # stores an escapes run
    python benchmarks/escapes_loop.py --escapes RUN_DIR --catalogue RUN_DIR [RUN_DIR...] \
        [--prices FROM] [--format text|json]

For each pair the predicted extra ns/op is the sum of the price-list
estimates of the sites its escape variant exercises minus its noescape
variant's (``analysis.escape_loop``); the measured one is
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

from analysis import escape_loop, escapes, prices
from analysis.escape_cost import cost_records
from bench import escapes as measuring
from bench import prices as price_runs
from bench import store
from bench.errors import BenchError


def _table(where: Path, go: str, gogc: str) -> escapes.WithGc | None:
    found, _warnings = price_runs.stored(where)
    records = prices.price_records(found, kinds=price_runs.kinds(price_runs.load_grid()))
    for cond, table in prices.price_tables(records, prices.fit_models(records)).items():
        if cond.go.removeprefix("go") == go.removeprefix("go") and (cond.gogc or "100") == gogc:
            return escapes.WithGc(table)
    return None


def _num(x: float | None, fmt: str = ".3g") -> str:
    return "—" if x is None else format(x, fmt)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--escapes", type=Path, required=True, help="an escapes run directory")
    ap.add_argument("--catalogue", type=Path, nargs="+", required=True, help="catalogue runs")
    ap.add_argument("--prices", type=Path, help="price runs (default: the escapes run's tree)")
    ap.add_argument("--format", choices=("text", "json"), default="text")
    raw = sys.argv[1:] if argv is None else argv
    args = ap.parse_args(raw)
    payload = measuring.load(args.escapes)
    go, gogc = str(payload["go"]), str(payload.get("gogc") or "100")
    where = args.prices or args.escapes.parent.parent.parent
    table = _table(where, go, gogc)
    if table is None:
        short = go.removeprefix("go")
        print(f"no price list for {go} GOGC={gogc} under {where}: run `bench prices --go "
              f"{short} --gogc {gogc}` or pass --prices FROM", file=sys.stderr)  # fmt: skip
        return 1
    report = escapes.join(payload, table)
    runs, warnings = store.load_inputs(args.catalogue)
    for w in warnings:
        print(f"warning: {w}", file=sys.stderr)
    records = escape_loop.matching(
        cost_records(r for run in runs for r in run.parsed.results),
        go,
        gogc,
        str(payload.get("gomaxprocs") or ""),
    )
    machines = sorted({r.machine for r in records})
    if len(machines) > 1:
        raise BenchError(f"catalogue runs from several machines ({', '.join(machines)}): "
                         "pass the runs of the machine the escapes run was made on")  # fmt: skip
    rows = escape_loop.close_loop(report, records)
    med, worst, n = escape_loop.summary(rows)
    command = "python benchmarks/escapes_loop.py " + shlex.join(
        [str(store.portable_path(a)) if Path(a).exists() else a for a in raw]
    )
    if args.format == "json":
        json.dump({"go": go, "gogc": gogc, "machine": machines[0] if machines else "",
                   "rows": [r.to_json() for r in rows], "median_ratio": med,
                   "worst": None if worst is None else worst.to_json(), "n": n,
                   "command": command}, sys.stdout, indent=1)  # fmt: skip
        print()
        return 0
    head = ("pair", "predicted ns/op [95% CI]", "measured ns/op", "ratio", "extra allocs/op "
            "(sites / measured)", "miss")  # fmt: skip
    out = [head]
    for r in rows:
        out.append((r.pair, f"{_num(r.predicted_ns)} [{_num(r.predicted_low)}, "
                    f"{_num(r.predicted_high)}]", _num(r.measured_ns), _num(r.ratio),
                    f"{_num(r.extra_allocs_sites)} / {_num(r.extra_allocs_measured)}",
                    r.miss))  # fmt: skip
    widths = [max(len(row[i]) for row in out) for i in range(len(head))]
    print(f"Closed loop: {payload.get('package')} ({go}, GOGC={gogc}, "
          f"{machines[0] if machines else '?'})")  # fmt: skip
    for row in out:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    if worst is None:
        print("no escaping pair with a priced prediction and a positive measured cost")
    else:
        print(f"median ratio {med:.2f}, worst {worst.ratio:.2f} ({worst.pair}) over {n} "
              "escaping pairs (predicted ÷ measured extra ns/op)")  # fmt: skip
    print(f"made by: {command}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as e:
        print(f"escapes_loop: {e}", file=sys.stderr)
        sys.exit(1)
