"""The reading commands: ``compare``, ``report``, ``cost``, ``claims``.

Each reads stored runs through ``bench.store`` (one input rule for all:
INPUT...) or, without inputs, ``bench.selection`` (this machine's newest run
of each configuration), prints the loader's warnings once, calls one
``analysis`` function and prints. ``analysis`` is imported inside the
commands: it brings numpy, scipy and matplotlib, which ``bench
run``/``cases``/``--help`` should not wait for.
"""

from __future__ import annotations

import argparse
import json
import subprocess
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from bench import cases, evidence, selection, store
from bench.errors import BenchError, InputError
from bench.model import LoadedRun, Result
from bench.vocab.condition import condition_of
from bench.vocab.manifest import Manifest

if TYPE_CHECKING:
    from analysis.escape_cost import CostRecord
    from analysis.report.blocks import Block


def _read(
    args: argparse.Namespace,
    err: TextIO,
    *,
    benchstat: bool = False,
    newest: bool = False,
    say_modules: bool = True,
) -> list[LoadedRun]:
    """The runs a reading command works on, its warnings printed once each.

    ``newest``: with no input, the newest ``bench run`` only (``bench cost``:
    the same table that run printed), not the newest of every configuration.
    """
    if args.inputs:
        runs, warnings = store.load_inputs(args.inputs, benchstat=benchstat)
    elif newest and not (args.runs or args.published):
        runs = selection.newest_run(args.results, machine=args.machine)
        warnings = []
        err.write(
            f"bench: reading the newest run ({len(runs)} run director"
            f"{'y' if len(runs) == 1 else 'ies'}): "
            + ", ".join(r.label for r in runs)
            + "; name others as INPUT or --runs\n"
        )
    else:
        runs = selection.select_runs(
            args.results,
            machine=args.machine,
            runs=args.runs,
            published=args.published,
            benchstat=benchstat,
        )
        warnings = []
        err.write(f"bench: reading {len(runs)} run(s): " + ", ".join(r.label for r in runs) + "\n")
    _warn(runs, warnings, err)
    if say_modules:  # bench cost names every differing setting in its own one line
        _say_what_differs(runs, err)
    return runs


def _say_what_differs(runs: Sequence[LoadedRun], err: TextIO) -> None:
    """One line when the runs measured different code: those records never meet in a row."""
    seen: dict[tuple[str, str], None] = {}
    for run in runs:
        for r in run.parsed.results[:1]:
            c = condition_of(r)
            seen[(c.module or str((run.meta or {}).get("module", "")), c.sources)] = None
    if len(seen) > 1:
        what = " vs ".join(m or "unknown module" for m, _ in seen)
        kind = "modules" if len({m for m, _ in seen}) > 1 else "sources of one module"
        err.write(f"bench: the runs measured different {kind} ({what}): never pooled\n")


def _warn(runs: Sequence[LoadedRun], skipped: Sequence[str], err: TextIO) -> None:
    """Skipped inputs, damaged derived files and syntax errors: one line each, once."""
    for line in [
        *skipped,
        *(w for r in runs for w in r.warnings),
        *(str(e) for r in runs for e in r.parsed.errors),
    ]:
        err.write(f"bench: {line}\n")


def _results(runs: Iterable[LoadedRun]) -> list[Result]:
    return [r for run in runs for r in run.parsed.results]


def _sections(manifest: Manifest | None) -> dict[str, str]:
    return {c.id: c.section for c in manifest.cases} if manifest else {}


def _cost_records(
    runs: Sequence[LoadedRun],
    manifest: Manifest | None,
    confidence: float = 0.95,
    alpha: float = 0.05,
) -> list[CostRecord]:
    """The runs' cost records, ``escaped`` from both witnesses (the runs' escape.json)."""
    from analysis import escape_cost, witness  # lazy: numpy/scipy (see module docstring)

    return escape_cost.cost_records(
        _results(runs),
        sections=_sections(manifest),
        confidence=confidence,
        alpha=alpha,
        compiler=witness.compiler_witness(r.escape for r in runs),
    )


def wide(args: argparse.Namespace, out: TextIO) -> bool:
    """Full width with ``--wide`` or off a terminal (a file has no width); else ≤ 100 columns."""
    return bool(getattr(args, "wide", False)) or not getattr(out, "isatty", lambda: False)()


def print_cost(
    runs: Sequence[LoadedRun], manifest: Manifest | None, out: TextIO, *, wide: bool = False
) -> None:
    """The pair table of ``runs``: ``bench run``'s closing table is ``bench cost``'s text."""
    from analysis import pairs  # lazy: numpy/scipy

    records = _cost_records(runs, manifest)
    if records:
        out.write(pairs.text(records, wide=wide))


def cmd_cost(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """One record per pair and condition: text (the pair table), json or csv."""
    from analysis import escape_cost, pairs  # lazy: numpy/scipy

    runs = _read(args, err, newest=True, say_modules=False)
    records = _cost_records(
        runs, cases.load_module(args.module).manifest, args.confidence, args.alpha
    )
    if not records:
        raise InputError(
            "no pair in the inputs (no benchmark with variant=escape and "
            "variant=noescape): see `bench cases`"
        )
    differ = escape_cost.differing_settings(records)
    if differ:
        err.write(
            f"bench: the inputs differ in {', '.join(differ)}: never pooled, one record "
            "per pair and condition\n"
        )
    if args.format == "json":
        out.write(json.dumps(escape_cost.to_dicts(records), indent=2, ensure_ascii=False) + "\n")
    elif args.format == "csv":
        out.write(pairs.csv_table(records))
    else:
        out.write(pairs.text(records, wide=wide(args, out)))
    return 0


def _ledger(runs: Sequence[LoadedRun], module: cases.Module, err: TextIO) -> list[Block] | None:
    """The claims ledger page for the report: the runs' toolchains judged, or None with a note."""
    from analysis.claims import ledger, render  # lazy: numpy/scipy

    if module.manifest is None or not module.manifest.claims:
        return None
    toolchains, errors = evidence.toolchains_for(None, runs)
    for line in errors:
        err.write(f"bench: {line}; the ledger leaves it out\n")
    if not toolchains:
        return None
    ev = evidence.gather(toolchains, runs, module=module)
    return render.page(ledger.ledger(ev.manifest, ev.reports, ev.results))


def tracked_files(out: Path) -> list[str]:
    """Files under ``out`` that git tracks ([] outside a repository or without git)."""
    where = out if out.is_dir() else out.parent
    while not where.is_dir() and where != where.parent:
        where = where.parent
    try:
        done = subprocess.run(
            ["git", "-C", str(where), "ls-files", "--", str(out.resolve())],
            capture_output=True,
            text=True,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return []
    return done.stdout.splitlines() if done.returncode == 0 else []


def _check_out(out: Path, runs: Sequence[LoadedRun], *, force: bool, published: bool) -> None:
    """Refuse to write the report over tracked files or into a file, unless asked.

    ``--force`` overwrites; ``--published`` with only published runs rebuilds
    the published report (docs/report) from them.
    """
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out}: a file, not a directory: pass --out a directory")
    tracked = tracked_files(out)
    rebuild = published and bool(runs) and all(r.published for r in runs)
    if tracked and not (force or rebuild):
        raise InputError(
            f"--out {out}: {len(tracked)} files there are tracked by git (e.g. {tracked[0]}) "
            "and the report would overwrite them: pass --out another directory, --force to "
            "overwrite, or --published with only the published runs to rebuild the "
            "published report"
        )
    try:
        store.check_writable(out)
    except InputError as e:
        raise InputError(
            str(e).replace("--results a writable directory", "--out a writable directory")
        ) from None


def _escape_reports(
    runs: Sequence[LoadedRun], results: Path | None, err: TextIO
) -> list[dict[str, Any]]:
    """The ``bench escapes`` runs among ``runs``, joined and priced for "Escapes in <package>".

    Priced from the price-grid records among the inputs, else from the price
    runs stored under ``results``; without either the sites are shown unpriced
    and one line says so.
    """
    from analysis import escapes as joining
    from analysis import prices
    from bench import escapes as measuring
    from bench import prices as price_runs

    dirs = [r.path for r in runs if (Path(r.path) / measuring.ESCAPES).is_file()]
    if not dirs:
        return []
    grid = [r for run in runs for r in run.parsed.results if prices.is_price_result(r)]
    if not grid and results is not None and Path(results).is_dir():
        try:
            grid, _warnings = price_runs.stored(Path(results))
        except BenchError:  # no price run stored there: unpriced, said below
            grid = []
    records = prices.price_records(grid) if grid else []
    tables = prices.price_tables(records, prices.fit_models(records))
    out = []
    for d in sorted(set(dirs)):
        payload = measuring.load(d)
        go, gogc = str(payload.get("go", "")), str(payload.get("gogc") or "100")
        table = next(
            (t for c, t in tables.items() if c.go == go and (c.gogc or "100") == gogc), None
        )
        if table is None:
            err.write(
                f"bench: {d}: no price list for {go} GOGC={gogc} in the inputs or under "
                f"{results}: its escape sites are shown unpriced (run `bench prices`)\n"
            )
        out.append(joining.join(payload, None if table is None else joining.WithGc(table)))
    return out


def cmd_report(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """index.md + index.html + the claims ledger + charts for the chosen runs, in ``--out``."""
    runs = _read(args, err)  # inputs first: a bad one fails before matplotlib loads
    from analysis.report.build import build_report  # lazy: matplotlib/seaborn

    _check_out(args.out, runs, force=getattr(args, "force", False), published=args.published)
    module = cases.load_module(args.module)
    page = None if args.no_claims else _ledger(runs, module, err)
    escapes = _escape_reports(runs, getattr(args, "results", None), err)
    summary = build_report(runs, args.out, module.manifest, claims=page, escapes=escapes)
    out.write(
        f"{summary.index_md} and {summary.index_html}: {summary.charts} charts, "
        f"{summary.bytes // 1024} KiB, {summary.seconds:.1f}s\n"
    )
    return 0


def _comparable_only(report: Any, args: argparse.Namespace, err: TextIO) -> Any:
    """Text and Markdown leave out tables of one column (nothing to compare), said once.

    ``--benchstat`` keeps benchstat's output byte for byte; csv/json keep every row.
    """
    from analysis import compare  # lazy: numpy/scipy

    if args.format not in ("text", "markdown"):
        return report
    kept, left = compare.comparable(report)
    if not left:
        return report
    err.write(
        f"bench: {left} of {len(report.tables)} tables have one column (nothing to compare) "
        "and are left out: --by go|machine|run|variant|gogc chooses the columns, "
        "--format csv lists every row\n"
    )
    return kept


def cmd_compare(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """benchstat-style tables (plus Holm), and the ``--fail-on`` gate."""
    from analysis import compare, table  # lazy: numpy/scipy

    if args.inputs:
        runs, warnings = store.load_inputs(args.inputs, benchstat=args.benchstat)
        _warn(runs, warnings, err)
        _say_what_differs(runs, err)
    else:  # the readers' no-input rule (needs options' _selection on compare)
        runs = _read(args, err, benchstat=args.benchstat)
    results = _results(runs)
    units = [u for r in runs for u in r.parsed.units]
    try:
        options = compare.options_for(
            args.by,
            results,
            filter=args.filter,
            alpha=args.alpha,
            confidence=args.confidence,
            benchstat=args.benchstat,
        )
        report = compare.compare(results, units, options)
    except ValueError as e:  # a bad --by/--filter expression
        raise InputError(f"{e}: check --by/--filter") from None
    report = _comparable_only(report, args, err)
    text, warn = table.render(report, args.format)
    out.write(text)
    if warn:
        err.write(warn)
    if not args.fail_on:
        return 0
    from analysis import gate  # lazy, like compare

    result = gate.gate(
        report,
        args.fail_on,
        args.threshold,
        units,
        metrics=args.units.split(",") if args.units else None,
    )
    for line in [*result.warnings, *map(str, result)]:
        err.write(f"bench: {line}\n")
    return 1 if result else 0


def cmd_claims(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """The article's claims ledger per Go version, from the chosen runs plus the compiler."""
    from analysis.claims import ledger, render  # lazy: numpy/scipy

    try:
        runs = _read(args, err)
    except InputError as e:
        if args.inputs or args.runs:
            raise
        err.write(f"bench: {e}; judging from the compiler and allocation counts only\n")
        runs = []
    toolchains, errors = evidence.toolchains_for(args.go, runs)
    for line in errors:
        err.write(f"bench: {line}\n")
    if not toolchains:
        return 1
    ev = evidence.gather(toolchains, runs)
    rows = ledger.ledger(ev.manifest, ev.reports, ev.results)
    out.write(render.render(rows, args.format, verbose=args.verbose))
    return 1 if errors else 0
