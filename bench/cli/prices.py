"""``bench prices``: its flags, one library call, printing.

Measures the price grid (``bench.prices.measure``) or reads stored price runs
(``--from``), computes the price list and model (``analysis.prices``) and
renders it as text, JSON or CSV.
"""

from __future__ import annotations

import argparse
import csv
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from analysis import gc_model, price_check, prices
from analysis.format import fmt_bytes
from bench import prices as measuring
from bench.errors import InputError, Interrupted
from bench.progress import Progress


def add_parser(sub: Any) -> None:
    """Register ``bench prices`` (its run settings checked as ``bench run``'s)."""
    from bench.cli import options  # here: options imports this module to build the parser

    p = sub.add_parser(
        "prices",
        help="what one heap allocation costs here, by size class and shape",
        description=(
            "Measure the price grid (go_cases/prices: one escape/noescape pair per size and "
            "shape) with the interleaved runner and print, per condition, the extra ns per "
            "allocation [95% CI], GC CPU per allocation and per KiB, GC cycles per MiB and the "
            "bytes charged, plus a fitted fixed + per-KiB model. --from reads stored runs."
        ),
    )
    p.add_argument("--go", help="toolchains, e.g. 1.21,1.27 (default: the bundled one)")
    p.add_argument(
        "--gogc", type=options.GOGC, default="100", help="GOGC values, e.g. 100,400 (default 100)"
    )
    p.add_argument(
        "--live-heap",
        type=options.LIVE_HEAP,
        default="0",
        help="live heap sizes, e.g. 0,64MiB (default 0)",
    )
    p.add_argument(
        "--gomaxprocs",
        type=options.REPEAT,  # an integer >= 1, checked as --repeat is
        help="GOMAXPROCS for the test binaries (default: the environment's, else every CPU)",
    )
    p.add_argument("--quick", action="store_true", help="a few sizes, short rounds (< 1 min)")
    p.add_argument("--repeat", type=options.REPEAT, default=1, help="complete runs (default 1)")
    p.add_argument("--count", type=options.COUNT, help="rounds per pair (default as bench run)")
    p.add_argument(
        "--benchtime",
        type=options.BENCHTIME,
        help="time or loops per sample (default as bench run)",
    )
    p.add_argument(
        "--sizes",
        help="only these grid sizes in bytes, e.g. 8,64,1024 (default: the whole grid)",
    )
    p.add_argument(
        "--seed",
        type=options.SEED,
        help="shuffle seed of the round order (default: random, recorded)",
    )
    p.add_argument("--results", type=Path, default=Path("results"), help="results tree")
    p.add_argument(
        "--from",
        dest="from_",
        type=Path,
        metavar="RESULTS",
        help="read stored runs, no measuring (default: measure)",
    )
    p.add_argument(
        "--check",
        nargs="*",
        type=Path,
        metavar="RESULTS",
        help="predict the catalogue pairs in RESULTS (default results) from the price runs there",
    )
    p.add_argument(
        "--pointer-free",
        default="",
        metavar="CASES",
        help="with --check: cases priced pointer-free (comma-separated; default: all pointerful)",
    )
    p.add_argument(
        "--charts", type=Path, metavar="DIR", help="also draw the price charts (PNG; default: none)"
    )
    p.add_argument("--format", choices=("text", "json", "csv"), default="text")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.set_defaults(func=cmd_prices)


def cmd_prices(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Measure (or read ``--from``), compute the price list and model, print one format."""
    if args.check is not None:
        return cmd_check(args, out, err)
    grid = measuring.load_grid()
    if args.from_ is not None:
        results, warnings = measuring.stored(args.from_)
        for w in warnings:
            err.write(f"bench: warning: {w}\n")
    else:
        req = measuring.PricesRequest(
            go=args.go,
            gogc=args.gogc,
            live_heap=args.live_heap,
            gomaxprocs=args.gomaxprocs,
            quick=args.quick,
            repeat=args.repeat,
            count=args.count,
            benchtime=args.benchtime,
            sizes=args.sizes,
            results=args.results,
            seed=args.seed,
            argv=["bench", *getattr(args, "argv", [])],
        )
        try:
            groups = measuring.measure(req, Progress(err, err, quiet=args.quiet))
        except Interrupted as e:
            raise Interrupted(f"{e}; finished samples are kept under {args.results}") from None
        results = measuring.results_of(groups)
        for g in groups:
            for version, d in g.dirs.items():
                err.write(f"{version}: price run stored in {d}\n")
    records = prices.price_records(results, kinds=measuring.kinds(grid))
    models = prices.fit_models(records)
    gc_models = gc_model.fit_gc_models(models)
    render = {"text": render_text, "json": render_json, "csv": render_csv}[args.format]
    render(records, models, gc_models, out)
    if args.charts is not None:
        from analysis.plots import prices as charts  # matplotlib only when charts are asked for

        for path in charts.draw(records, models, args.charts):
            err.write(f"chart: {path}\n")
    return 0


def cmd_check(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """``--check``: predicted vs measured extra ns/op of every escaping catalogue pair."""
    inputs = args.check or [args.from_ or args.results]
    results, warnings = measuring.stored_all(inputs)
    for w in warnings:
        err.write(f"bench: warning: {w}\n")
    free = {c.strip() for c in args.pointer_free.split(",") if c.strip()}
    unknown = sorted(free - {r.name.base.removeprefix("Benchmark") for r in results})
    if unknown:
        err.write(
            f"bench: warning: --pointer-free {','.join(unknown)}: no such benchmark in "
            f"{', '.join(map(str, inputs))}: check the case names (bench cases lists them)\n"
        )
    tables = price_check.tables_by_key(results)
    if not tables:
        raise InputError(
            f"{', '.join(map(str, inputs))}: no price runs here to predict with: "
            "measure them with `bench prices` under the catalogue's settings"
        )
    recs = price_check.check_records(results, tables, pointer_free=free)
    summary = price_check.summarize(recs)
    if args.format == "text":
        render_check_text(recs, summary, out)
    elif args.format == "json":
        rows = [r.to_json() for r in recs]
        rows += [
            price_check.condition_json(c, s) for c, s in price_check.summarize_by_condition(recs)
        ]
        rows.append(summary.to_json())
        json.dump(rows, out, indent=1, ensure_ascii=False)
        out.write("\n")
    else:
        rows = [r.to_json() for r in recs]
        w = csv.DictWriter(out, fieldnames=list(rows[0]) if rows else ["kind"], lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    return 0


def _ns(x: float | None) -> str:
    return "—" if x is None else f"{x:.3g}"


def _summary_line(s: price_check.CheckSummary) -> str:
    """One condition's (or all conditions') median and worst ratio, in words."""
    if s.median_ratio is None or s.worst_ratio is None:
        return f"no pair priced: {s.n_unpriced} without a price list of their condition"
    line = (
        f"{s.n_priced} pairs priced: median measured ÷ predicted ×{s.median_ratio:.2f}, "
        f"worst ×{s.worst_ratio:.2f} ({s.worst_pair})"
    )
    if s.n_unpriced:
        line += f"; {s.n_unpriced} without a price list of their condition"
    return line


def render_check_text(
    recs: Sequence[price_check.CheckRecord], summary: price_check.CheckSummary, out: TextIO
) -> None:
    """One table per condition: predicted [interval] vs measured extra ns/op, and the ratio."""
    head = ("pair", "shape", "allocs", "B/alloc", "predicted ns/op", "measured ns/op",
            "measured ÷ predicted", "price from")  # fmt: skip
    for cond, cond_summary in price_check.summarize_by_condition(recs):
        out.write(f"{cond.label}\n")
        rows = [head]
        for r in (r for r in recs if r.condition == cond):
            pred = "—" if r.predicted_ns is None else (
                f"{_ns(r.predicted_ns)} [{_ns(r.predicted_low)}, {_ns(r.predicted_high)}]"
            )  # fmt: skip
            rows.append(
                (r.pair, r.shape, f"{r.extra_allocs:g}", f"{r.bytes_per_alloc:.0f}", pred,
                 _ns(r.measured_ns), "—" if r.ratio is None else f"×{r.ratio:.2f}", r.source)
            )  # fmt: skip
        widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
        for row in rows:
            out.write("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
            out.write("\n")
        out.write(f"  {_summary_line(cond_summary)}\n\n")
    out.write(f"all conditions: {_summary_line(summary)}")
    if summary.median_ratio is None:
        out.write(
            " (machine, Go, GOGC, live heap, GOMAXPROCS): run `bench prices` under their settings"
        )
    out.write(f"\nmethod: {summary.method}\n")


def _iv(x: prices.Interval | None, digits: str = ".3g") -> str:
    if x is None:
        return "—"
    return f"{x.value:{digits}} [{x.ci_low:{digits}}, {x.ci_high:{digits}}]"


def render_text(
    records: Sequence[prices.PriceRecord],
    models: Sequence[prices.CostModel],
    gc_models: Sequence[gc_model.GcModel],
    out: TextIO,
) -> None:
    """One table per condition, then its model; then the GC models across conditions."""
    by_model = {m.condition: m for m in models}
    conditions = list(dict.fromkeys(r.condition for r in records))
    head = ("shape", "size", "class", "B/op", "ns/alloc [95% CI]", "GC ns/alloc", "GC ns/KiB",
            "GC cyc/MiB", "noescape")  # fmt: skip
    for cond in conditions:
        out.write(f"{cond.label}\n")
        rows = [head]
        for r in (r for r in records if r.condition == cond):
            gc = (_iv(r.gc_cpu_ns_per_alloc), _iv(r.gc_cpu_ns_per_kib))
            if prices.NO_CYCLE in r.warnings:
                gc = ("< 1 GC cycle", "< 1 GC cycle")
            rows.append(
                (
                    r.shape,
                    fmt_bytes(r.size),
                    fmt_bytes(r.size_class),
                    "—" if r.charged_bytes is None else f"{r.charged_bytes:.0f}",
                    _iv(r.ns_per_alloc) if r.escaped else "no escape",
                    *gc,
                    "—" if r.gc_cycles_per_mib is None else f"{r.gc_cycles_per_mib:.3g}",
                    r.noescape_kind,
                )
            )
        widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
        for row in rows:
            out.write("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
            out.write("\n")
        first = next(r for r in records if r.condition == cond)
        out.write(f"{first.n_rounds} rounds, {first.scope}; {first.method}\n")
        if any(prices.NO_CYCLE in r.warnings for r in records if r.condition == cond):
            out.write(f"< 1 GC cycle: {prices.NO_CYCLE}\n")
        m = by_model.get(cond)
        if m is not None:
            out.write(f"model ({m.method}):\n")
            for s in m.segments:
                fit = ", ".join(f"{size} B ×{ratio:.2f}" for size, ratio in s.residuals)
                out.write(
                    f"  {s.shape} {s.range}: ns ≈ {_iv(s.fixed_ns)} + {_iv(s.per_kib_ns)} "
                    f"per KiB ({s.n_points} sizes; measured ÷ model: {fit})\n"
                )
            for note in m.notes:
                out.write(f"  note: {note}\n")
        out.write("\n")
    for g in gc_models:
        slope = "" if g.ns_per_live_mib is None else f" + {_iv(g.ns_per_live_mib)} per live MiB"
        out.write(
            f"GC model {g.go} {g.machine} {g.shape}: ns per cycle ≈ "
            f"{_iv(g.fixed_ns_per_cycle)}{slope} ({len(g.points)} GC settings)\n"
        )
        for note in g.notes:
            out.write(f"  note: {note}\n")


def render_json(
    records: Sequence[prices.PriceRecord],
    models: Sequence[prices.CostModel],
    gc_models: Sequence[gc_model.GcModel],
    out: TextIO,
) -> None:
    json.dump(prices.to_json(records, models, gc_models), out, indent=1, ensure_ascii=False)
    out.write("\n")


CSV_FIELDS = (
    "machine", "go", "gogc", "live_heap", "gomaxprocs", "shape", "size", "size_class",
    "charged_bytes", "ns_per_alloc", "ns_per_alloc_ci_low", "ns_per_alloc_ci_high",
    "gc_cpu_ns_per_alloc", "gc_cpu_ns_per_alloc_ci_low", "gc_cpu_ns_per_alloc_ci_high",
    "gc_cpu_ns_per_kib", "gc_cpu_ns_per_kib_ci_low", "gc_cpu_ns_per_kib_ci_high",
    "gc_cycles_per_mib", "gc_idle_share", "allocs_escape", "allocs_noescape", "escaped",
    "noescape_kind", "n_rounds", "n_runs", "scope", "method",
)  # fmt: skip


def render_csv(
    records: Sequence[prices.PriceRecord],
    models: Sequence[prices.CostModel],
    gc_models: Sequence[gc_model.GcModel],
    out: TextIO,
) -> None:
    """One tidy row per price record (the models are in the JSON)."""
    w = csv.DictWriter(out, fieldnames=CSV_FIELDS, lineterminator="\n")
    w.writeheader()
    for r in records:
        d = r.to_json()
        row: dict[str, Any] = {k: d.get(k) for k in CSV_FIELDS if k in d}
        for key in ("ns_per_alloc", "gc_cpu_ns_per_alloc", "gc_cpu_ns_per_kib"):
            iv = d.get(key) or {}
            row[key] = iv.get("value")
            row[f"{key}_ci_low"], row[f"{key}_ci_high"] = iv.get("ci_low"), iv.get("ci_high")
        w.writerow(row)
