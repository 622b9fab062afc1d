"""The pilot: run everything briefly, discover the cells and choose their loop counts.

A run's cells, their time per op and iteration counts come from one short
pilot per toolchain and GC setting (like pyperf calibrates loops); the pilot
also tells which pairs can share one process per round (``--process pair``:
a pair whose benchmark runs the variant named by ``bench.plan.FIRST_ENV``
first), and gives such a pair one loop count for both variants. Stored and
reused calibrations (``bench.calibration``) replace the pilot; ``bench.run``
executes what it chose.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path

from bench import benchfmt
from bench.build import Build
from bench.cases import Module
from bench.client import Client
from bench.errors import BenchError
from bench.pairs_client import PAIRS
from bench.plan import (
    FIRST_ENV,
    Cell,
    Failure,
    Plan,
    Setting,
    bench_regex,
    parse_benchtime,
    variant,
)
from bench.progress import Progress
from bench.request import RunRequest
from bench.run import Runner, bench_args, failure_text

#: Pilot samples per cell; the fastest sets the loop count (see :func:`measure`).
PILOT_COUNT = 2


def alone(top: str) -> list[str]:
    """The cells to pilot one by one when ``top`` failed: the benchmark itself (a client
    with sub-benchmarks to keep apart passes its own, e.g. ``bench.pairs_client.PAIRS``)."""
    return [top.removeprefix("Benchmark")]


def measure(
    runner: Runner,
    build: Build,
    names_regex: str,
    setting: Setting,
    benchtime_s: float,
    cwd: Path,
    timeout: float | None,
    split: Callable[[str], list[str]] = alone,
) -> tuple[dict[str, float], list[Failure]]:
    """Run everything at a short benchtime: discovers cells and their time per op.

    Each cell is piloted :data:`PILOT_COUNT` times and its fastest sample is
    kept: a single sample hit by a neighbour's burst would set a loop count
    several times too small for the whole run (seen on a shared VM: 730
    instead of 6600 loops), and a sample has fixed costs that then weigh on
    every sample of that run (measured there: MakeAboveImplicitLimit's escape
    variant took ~25 µs/op at 300 loops and ~20 µs/op at 3000).

    If a benchmark panics or hangs, the process dies with it; the top-level
    benchmarks that produced nothing are then piloted one by one (each as
    ``split`` divides it), so one bad case is reported as a failure and the
    others are still measured.
    """
    secs = max(0.001, min(benchtime_s, 0.05))
    # the variant a pair process should run first, opposite to source order: the order
    # of the output tells whether a pair's benchmark follows FIRST_ENV (see ``together``)
    env = build.toolchain.env(**setting.env(), **{FIRST_ENV: "noescape"})
    go = build.toolchain.version
    out = runner.run(
        build.binary, bench_args(names_regex, f"{secs:g}s", PILOT_COUNT), env, cwd, timeout or 300
    )
    results = benchfmt.parse(out.output, "pilot").results
    failures: list[Failure] = []
    if out.returncode != 0 or out.timed_out:
        listed = runner.run(build.binary, ["-test.list", names_regex.split("/")[0]], env, cwd, 60)
        tops = [ln.strip() for ln in listed.output.splitlines() if ln.startswith("Benchmark")]
        seen = {r.name.base for r in results}
        for top in tops:
            if top.removeprefix("Benchmark") in seen:
                continue
            for cell in split(top):
                alone = runner.run(
                    build.binary,
                    bench_args(bench_regex([cell]), f"{secs:g}s", 1),
                    env,
                    cwd,
                    timeout or 60,
                )
                got = benchfmt.parse(alone.output, "pilot").results
                results.extend(got)
                if alone.returncode != 0 or alone.timed_out:
                    kind = "timeout" if alone.timed_out else "panic"
                    failures.append(Failure(Cell(go, cell, setting).key, kind, failure_text(alone)))
    if not results:
        raise BenchError(
            f"{go}: the benchmarks failed before measuring anything "
            f"({failure_text(out)}): select other cases to leave the failing one out"
        )
    per_op: dict[str, float] = {}
    for r in results:
        if (sec := r.get("sec/op")) is not None:
            name = r.name.without_procs
            per_op[name] = min(sec, per_op.get(name, math.inf))
    return per_op, failures


def iterations(per_op_seconds: float, target_seconds: float) -> int:
    """Loops per sample so that one sample lasts about ``target_seconds``: a power of two.

    Powers of two, as pyperf calibrates loops: a pilot that is 30 % off
    still gives the same count, so repeated runs on one machine measure the
    same loop count — per-op time depends a little on it (a sample's fixed
    costs are spread over its loops), and that must not differ between runs
    by chance. Rounded in log scale, so a sample lasts between 0.71x and
    1.41x the target.
    """
    if per_op_seconds <= 0:
        return 1 << 20
    want = target_seconds / per_op_seconds
    if want <= 1:
        return 1
    return 1 << min(30, round(math.log2(want)))


def together(
    first_noescape: Sequence[str], first_escape: Sequence[str], cells: Sequence[Cell]
) -> dict[str, str]:
    """The pairs that can share a process: partner cell keys, both ways.

    ``first_noescape`` and ``first_escape`` are benchmark names in output
    order of two processes that asked for the noescape, then the escape
    variant first (``FIRST_ENV``): a pair whose order followed both times
    reads the variable. Any other pair (a benchmark that ignores it, or one
    piloted a variant at a time after a failure) runs as cells.
    """
    pairs: dict[tuple[str, str, Setting, int | None], dict[str, Cell]] = {}
    for c in cells:
        pairs.setdefault((c.go, c.pair, c.setting, c.cpu), {})[variant(c)] = c
    out: dict[str, str] = {}
    for by_variant in pairs.values():
        esc, noesc = by_variant.get("escape"), by_variant.get("noescape")
        if len(by_variant) != 2 or esc is None or noesc is None:
            continue
        if _before(first_noescape, noesc.bench, esc.bench) and _before(
            first_escape, esc.bench, noesc.bench
        ):
            out[esc.key], out[noesc.key] = noesc.key, esc.key
    return out


def _before(names: Sequence[str], a: str, b: str) -> bool:
    return a in names and b in names and names.index(a) < names.index(b)


def order_check(
    runner: Runner, build: Build, names_regex: str, setting: Setting, cwd: Path
) -> list[str]:
    """Benchmark names in output order of one process asking for escape first, one loop
    each: with the pilot's (noescape first), which pairs follow ``FIRST_ENV``."""
    env = build.toolchain.env(**setting.env(), **{FIRST_ENV: "escape"})
    out = runner.run(build.binary, bench_args(names_regex, "1x", 1), env, cwd, 120)
    return [r.name.without_procs for r in benchfmt.parse(out.output, "order").results]


def pair_iterations(per_op: tuple[float, float], target_seconds: float) -> int:
    """One loop count for both variants of a pair process (``-test.benchtime`` is one flag).

    The two loops together last about twice the target, as two cell processes
    would; the faster variant's loop lasts at least an eighth of the target,
    so that a pair with a large ratio does not leave its noescape side with a
    sample a scheduler tick could double.
    """
    both = iterations(sum(per_op), 2 * target_seconds)
    floor = iterations(min(per_op), target_seconds / 8)
    return max(both, floor)


def plan_cells(
    plan: Plan,
    builds: dict[str, Build],
    module: Module,
    req: RunRequest,
    runner: Runner,
    progress: Progress,
    client: Client = PAIRS,
) -> None:
    """Fill ``plan.cells`` and, interleaved, ``plan.calibration`` (one pilot per setting).

    The sequential order needs no pilot (Go ramps b.N itself), so its cells
    come from the client when it knows them (a manifest). Pilot failures go
    to ``plan.failures``.
    """
    pattern = client.pattern(module, req.cases)
    target_s, fixed_n = parse_benchtime(plan.benchtime)
    for tc_version, b in builds.items():
        listed = client.listed(module, req.cases, b.broken) if plan.order == "sequential" else []
        for setting in plan.settings:
            if listed:
                per_op = dict.fromkeys(listed, 0.0)
            else:
                with progress.phase(
                    "pilot",
                    f"{tc_version} gogc={setting.gogc} live-heap={setting.live_heap}: pilot",
                ) as ph:
                    per_op, failed = measure(
                        runner,
                        b,
                        pattern,
                        setting,
                        target_s or 0.01,
                        module.root,
                        plan.timeout,
                        client.alone,
                    )
                    ph.update(detail=f"{len(per_op)} benchmarks")
                for f in failed:
                    plan.failures.append(f)
                    progress.message(f"bench: {f.cell}: {f.kind}: {f.message}")
            new = []
            for name, sec in sorted(per_op.items()):
                parallel = name.split("/")[0].endswith("Parallel")
                for cpu in plan.cpus if parallel and plan.cpus else [None]:
                    new.append(Cell(tc_version, name, setting, cpu))
                    if plan.order != "sequential":
                        plan.per_op[new[-1].key] = sec
                    if fixed_n is None and target_s is not None and plan.order != "sequential":
                        plan.calibration[new[-1].key] = iterations(sec, target_s)
            plan.cells.extend(new)
            if plan.process == "pair" and new:
                check = order_check(runner, b, pattern, setting, module.root)
                partners = together(list(per_op), check, new)
                _pair_up(plan, partners, target_s if fixed_n is None else None)


def _pair_up(plan: Plan, partners: dict[str, str], target_s: float | None) -> None:
    """Pairs that share a process share one loop count (``bench.run.pair_iterations``)."""
    plan.together.update(partners)
    for a, b in partners.items():
        if target_s is not None and a < b:
            n = pair_iterations((plan.per_op[a], plan.per_op[b]), target_s)
            plan.calibration[a] = plan.calibration[b] = n
