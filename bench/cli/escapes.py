"""``bench escapes``: every escape in a package, joined with its benchmarks' allocations, priced.

Flags, one library call per package (``bench.escapes.measure``), the pure join
(``analysis.escapes.join``) and the renderers (text, json, csv, markdown).
"""

from __future__ import annotations

import argparse
import csv
import json
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, TextIO

from analysis import escapes as joining
from analysis import prices
from bench import escapes as measuring
from bench import prices as price_runs
from bench.errors import BenchError
from bench.progress import Progress
from bench.toolchain import find


def add_parser(sub: Any) -> None:
    """Register ``bench escapes`` on the subcommand parser."""
    p = sub.add_parser(
        "escapes",
        help="every escape in a package, with its allocations per op and an estimated cost",
        description=(
            "Build the package's test binary once with the compiler's escape log, profile each "
            "matching benchmark with that binary (memprofilerate=1, a fixed iteration count), "
            "time the benchmarks in interleaved rounds (as bench run, stored as a run); join "
            "each escape site with its allocations per op and price it from the price list "
            "(bench prices). The estimate is what such an allocation costs here, not a "
            "measurement of removing it."
        ),
    )
    p.add_argument(
        "packages",
        nargs="*",
        help="package patterns, relative to --module DIR if given (default: .)",
    )
    p.add_argument("--module", type=Path, help="the module directory to run in (default: .)")
    p.add_argument("--bench", default=".", help="benchmark regexp (default: all)")
    p.add_argument("--go", help="toolchain (default: the bundled one)")
    p.add_argument("--gogc", help="GOGC for the benchmark runs (default 100)")
    p.add_argument(
        "--prices",
        type=Path,
        metavar="FROM",
        help="stored price runs to price with (default: those under --results)",
    )
    p.add_argument("--count", type=int, default=3, help="interleaved timing rounds (default 3)")
    p.add_argument(
        "--benchtime", default="100ms", help="time per timing sample, or Nx (default 100ms)"
    )
    p.add_argument("--results", type=Path, default=Path("results"), help="results tree")
    p.add_argument(
        "--format",
        choices=("text", "json", "csv", "markdown"),
        default="text",
        help="output format (default: text)",
    )
    p.add_argument("--all", action="store_true", help="also list sites no benchmark exercises")
    p.add_argument(
        "--no-price-measure",
        action="store_true",
        help="with no stored price list, leave sites unpriced instead of measuring the "
        "needed sizes with `bench prices --count 8 --sizes …`",
    )
    p.set_defaults(func=cmd_escapes)


def _table(tc_version: str, gogc: str, source: Path | None, results: Path) -> tuple[Any, str]:
    """The price table of this toolchain and GOGC, and a one-line note when there is none.

    ``--prices FROM`` names the price runs; without it the results tree is
    searched for stored ones (``bench prices`` writes them there).
    """
    where = source if source is not None else results
    missing = f"no price list stored under {where} for {tc_version} GOGC={gogc}"
    try:
        found, _warnings = price_runs.stored(where)
    except BenchError:
        if source is not None:
            raise
        return None, missing
    table = _of_condition(found, tc_version, gogc)
    return (table, "") if table is not None else (None, missing)


def _remedy(tc_version: str, gogc: str) -> str:
    return (f": run `bench prices --go {tc_version.removeprefix('go')} --gogc {gogc}` or pass "
            "--prices FROM; est_ns_per_op is null (price_source 'none')")  # fmt: skip


def _of_condition(found: list[Any], tc_version: str, gogc: str) -> Any:
    """The price table of one toolchain and GOGC among grid records, or None."""
    records = prices.price_records(found, kinds=price_runs.kinds(price_runs.load_grid()))
    tables = prices.price_tables(records, prices.fit_models(records))
    mine = [t for c, t in tables.items() if c.go == tc_version and (c.gogc or "100") == gogc]
    return max(mine, key=lambda t: len(t.records), default=None)  # the widest grid


def grid_sizes(needed: set[int], grid: list[int]) -> list[int]:
    """The grid sizes that price ``needed``: the size itself, else the grid points around it."""
    grid = sorted(set(grid))
    out: set[int] = set()
    for n in needed:
        if n in grid:
            out.add(n)
            continue
        below = [g for g in grid if g < n]
        above = [g for g in grid if g > n]
        out.update(x for x in (below[-1] if below else None, above[0] if above else None) if x)
    return sorted(out)


def _off_grid(p: Any) -> bool:
    return p is None or any(o in p.source for o in joining.OFF_GRID)


class _Merged:
    """A stored price table with a measurement just made for the sizes it lacks.

    The stored table answers where it has measured grid points around the
    size; elsewhere the new one does, and says so (``measured for this run``).
    """

    def __init__(self, primary: Any, quick: Any) -> None:
        self.primary, self.quick = primary, quick
        self.condition = (primary or quick).condition
        self.records = (primary.records if primary else ()) + quick.records
        self.model = getattr(primary, "model", None) or getattr(quick, "model", None)

    def price(self, size: int, pointers: bool) -> Any:
        p = self.primary.price(size, pointers) if self.primary is not None else None
        if p is not None and not _off_grid(p):
            return p
        q = self.quick.price(size, pointers)
        if q is None or (p is not None and _off_grid(q)):
            return p
        return replace(q, source=f"measured for this run: {q.source}")


def _needed(payloads: list[dict[str, Any]], table: Any) -> set[int]:
    """Object sizes allocated on the package's lines that ``table`` cannot price from the grid."""
    allocs = [a for p in payloads for b in p.get("benchmarks", ()) for a in b.get("allocs", ())]
    sizes = {int(a["size"]) for a in allocs if a["own"][1] and a["own"][1] == a["innermost"][1]}
    if table is None:
        return sizes
    return {z for z in sizes if _off_grid(table.price(z, True)) or _off_grid(table.price(z, False))}


#: Rounds of the price measurement ``bench escapes`` makes when no price list has the sizes.
PRICE_ROUNDS = 8


def _quick_table(args: argparse.Namespace, tc_version: str, gogc: str,
                 payloads: list[dict[str, Any]], table: Any, err: TextIO) -> Any:  # fmt: skip
    """Measure the grid sizes ``table`` lacks (``bench prices --quick``); the merged table."""
    grid = [g.size for g in price_runs.load_grid()]
    have = {r.size for r in table.records} if table is not None else set()
    sizes = [z for z in grid_sizes(_needed(payloads, table), grid) if z not in have]
    if not sizes:
        return table
    # Full-length samples (40 ms), fewer rounds: --quick's 4 ms samples pay each process's
    # first GC cycles over a few thousand allocations and overstate small prices (×1.5–2).
    err.write(f"bench: measuring {'their' if table is None else 'the missing'} prices now: "
              f"bench prices --count {PRICE_ROUNDS} --go {tc_version.removeprefix('go')} "
              f"--gogc {gogc} --sizes {','.join(map(str, sizes))}\n")  # fmt: skip
    argv = ["bench", "prices", "--count", str(PRICE_ROUNDS)]
    sizes_text = ",".join(map(str, sizes))
    req = price_runs.PricesRequest(go=args.go, gogc=gogc, count=PRICE_ROUNDS, argv=argv,
                                   sizes=sizes_text, results=args.results)  # fmt: skip
    groups = price_runs.measure(req, Progress(err, err, quiet=True))
    for g in groups:
        for version, d in g.dirs.items():
            err.write(f"{version}: price run stored in {d}\n")
    quick = _of_condition(price_runs.results_of(groups), tc_version, gogc)
    return table if quick is None else _Merged(table, quick)


def cmd_escapes(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    tc = find(args.go)
    if args.module is not None and not (args.module / "go.mod").is_file():
        raise BenchError(f"--module {args.module}: no go.mod there: pass a Go module directory")
    cwd = (args.module or Path.cwd()).resolve()
    packages = args.packages or ["."]
    gogc = args.gogc or "100"
    table, note = _table(tc.version, gogc, args.prices, args.results)
    payloads = []
    for pkg in packages:
        req = measuring.Request(package=pkg, cwd=cwd, bench=args.bench, gogc=args.gogc,
                                count=args.count, benchtime=args.benchtime,
                                results=args.results, argv=list(getattr(args, "argv", ()))
                                or ["bench", "escapes"])  # fmt: skip
        payload = measuring.measure(tc, req, Progress(err, err, quiet=True))
        if payload.get("run_dir"):
            err.write(f"{tc.version}: escapes run stored in {payload['run_dir']}\n")
        if payload.get("message"):
            err.write(f"bench: {payload['message']}\n")
        payloads.append(payload)
    measure = args.prices is None and not args.no_price_measure
    if note:  # after measuring: a compile error is the one line a user sees
        err.write(f"bench: {note}{'' if measure else _remedy(tc.version, gogc)}\n")
    if measure:
        table = _quick_table(args, tc.version, gogc, payloads, table, err)
        if table is None and note:
            err.write(f"bench: nothing priced{_remedy(tc.version, gogc)}\n")
    priced = None if table is None else joining.WithGc(table)
    reports = [joining.join(p, priced) for p in payloads]
    render = {"text": render_text, "json": render_json, "csv": render_csv,
              "markdown": render_markdown}[args.format]  # fmt: skip
    render(reports, out, show_all=args.all)
    return 0


def _est(site: Mapping[str, Any]) -> str:
    e = site.get("est_ns_per_op")
    if not e:
        return "—"
    return f"{e['value']:.3g} [{e['ci_low']:.3g}, {e['ci_high']:.3g}]"


def _allocs(site: Mapping[str, Any]) -> str:
    a = site.get("allocs_per_op") or {}
    return ", ".join(f"{v:.3g}" for v in a.values()) if a else "0"


def _short(text: str, width: int = 40) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _rows(report: Mapping[str, Any], show_all: bool) -> list[tuple[str, ...]]:
    rows = []
    for s in report["sites"]:
        if not s["exercised"] and not show_all:
            continue
        share = s.get("share_of_op")
        rows.append((
            f"{s['file']}:{s['line']}:{s['column']}", s["function"], _short(s["what"]),
            s["reason"],
            "—" if s["size"] is None else str(s["size"]), _allocs(s), _est(s),
            "—" if share is None else f"{100 * share:.1f}%", _pct(s.get("gc_share")), _gc(s),
        ))  # fmt: skip
    return rows


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.0f}%"


def _gc(site: Mapping[str, Any]) -> str:
    """GC CPU ns/op the price list charges the site, and its share of the op's ns."""
    g, share = site.get("gc_cpu_ns_per_op"), site.get("gc_cpu_share")
    if g is None:
        return "—"
    return f"{g:.3g}" + ("" if share is None else f" ({100 * share:.1f}%)")


HEAD = ("site", "function", "what", "why", "bytes", "allocs/op", "est ns/op [95% CI]", "share",
        "GC share", "GC CPU ns/op")  # fmt: skip


def render_text(reports: list[Mapping[str, Any]], out: TextIO, *, show_all: bool) -> None:
    for i, r in enumerate(reports):
        if i:
            out.write("\n")
        out.write(f"Escapes in {r['package']} ({r['go']}, GOGC={r['gogc']}, log: "
                  f"{r['log_source']})\n")  # fmt: skip
        rows = [HEAD, *_rows(r, show_all)]
        widths = [max(len(row[i]) for row in rows) for i in range(len(HEAD))]
        for row in rows:
            out.write("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
            out.write("\n")
        static = [s for s in r["sites"] if not s["exercised"]]
        if static and not show_all:
            out.write(
                f"{len(static)} more sites no selected benchmark exercises (--all lists them)\n"
            )
        for name, t in r["benchmarks"].items():
            ns = "—" if t["ns_per_op"] is None else f"{t['ns_per_op']:.4g}"
            out.write(f"{name}: {ns} ns/op, {t['allocs_per_op']} allocs/op measured, "
                      f"{t['attributed_allocs_per_op']:.3g} at escape sites\n")  # fmt: skip
            for u in t["unattributed"]:
                b = "" if u["bytes_per_op"] is None else f", {u['bytes_per_op']:.3g} B/op"
                at = f" at {u['at']}" if u["at"] else ""
                out.write(f"  unattributed: {u['allocs_per_op']:.3g} allocs/op{b}: "
                          f"{u['kind']}{at}\n")  # fmt: skip
        out.write(f"note: {r['note']}\n")


def render_markdown(reports: list[Mapping[str, Any]], out: TextIO, *, show_all: bool) -> None:
    for r in reports:
        out.write(f"### Escapes in {r['package']} ({r['go']}, GOGC={r['gogc']})\n\n")
        out.write("| " + " | ".join(HEAD) + " |\n|" + " --- |" * len(HEAD) + "\n")
        for row in _rows(r, show_all):
            out.write("| " + " | ".join(c.replace("|", "\\|") for c in row) + " |\n")
        out.write(f"\n{r['note']}.\n\n")


def render_json(reports: list[Mapping[str, Any]], out: TextIO, *, show_all: bool) -> None:
    data = reports if len(reports) != 1 else reports[0]
    json.dump(data, out, indent=1, ensure_ascii=False)
    out.write("\n")


def render_csv(reports: list[Mapping[str, Any]], out: TextIO, *, show_all: bool) -> None:
    w = csv.writer(out)
    w.writerow(["package", "file", "line", "column", "function", "what", "reason", "size",
                "benchmark", "allocs_per_op", "est_ns_per_op", "ci_low", "ci_high",
                "share_of_op", "gc_share", "gc_cpu_ns_per_op", "gc_cpu_share", "price_source",
                "exercised"])  # fmt: skip
    for r in reports:
        for s in r["sites"]:
            if not s["exercised"] and not show_all:
                continue
            e = s.get("est_ns_per_op") or {}
            hot = s.get("benchmark")
            w.writerow([r["package"], s["file"], s["line"], s["column"], s["function"],
                        s["what"], s["reason"], s["size"], hot or "",
                        (s["allocs_per_op"] or {}).get(hot, 0) if hot else 0,
                        e.get("value", ""), e.get("ci_low", ""), e.get("ci_high", ""),
                        s.get("share_of_op") or "", _blank(s.get("gc_share")),
                        _blank(s.get("gc_cpu_ns_per_op")),
                        _blank(s.get("gc_cpu_share")), s["price_source"],
                        s["exercised"]])  # fmt: skip


def _blank(x: float | None) -> Any:
    return "" if x is None else x
