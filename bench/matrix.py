"""A run group: toolchains × GC settings × cases, measured and stored.

This is the library behind ``bench run``: resolve toolchains, build once per
toolchain, plan cells (pilot + calibration), execute rounds, and keep the
results tree current after every round, so an interruption at any point
leaves loadable results and a plan to resume from.
"""

from __future__ import annotations

import contextlib
import functools
import os
import random
import re
import shlex
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench import __version__, benchfmt, machine, store
from bench.build import Build, build
from bench.cases import Module, load_module
from bench.errors import BenchError, CommandError
from bench.run import (
    DEFAULT_BENCHTIME,
    DEFAULT_COUNT,
    QUICK_BENCHTIME,
    QUICK_COUNT,
    Cell,
    Failure,
    Interrupted,
    Plan,
    Progress,
    RawSink,
    Runner,
    Setting,
    bench_regex,
    count_samples,
    execute,
    iterations,
    parse_benchtime,
    parse_size,
    pilot,
)
from bench.toolchain import Toolchain, find_all, split_specs


@dataclass
class RunRequest:
    """What the user asked ``bench run`` for (CLI flags, as a library value)."""

    go: str | None = None
    count: int | None = None
    benchtime: str | None = None
    cases: str | None = None
    results: Path = Path("results")
    quick: bool = False
    order: str = "interleaved"
    seed: int | None = None
    gogc: str = "100"
    live_heap: str = "0"
    cpu: str | None = None
    timeout: float | None = None
    module: Path | None = None
    argv: Sequence[str] = ()
    samples_per_round: int = 1

    def resolved_count(self) -> int:
        return self.count or (QUICK_COUNT if self.quick else DEFAULT_COUNT)

    def resolved_benchtime(self) -> str:
        return self.benchtime or (QUICK_BENCHTIME if self.quick else DEFAULT_BENCHTIME)


@dataclass
class RunGroup:
    """The run directories of one ``bench run`` (one per toolchain) and what happened."""

    dirs: dict[str, Path] = field(default_factory=dict)  # go version -> run dir
    plan: Plan | None = None
    toolchain_errors: list[str] = field(default_factory=list)
    build_errors: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    status: str = "running"
    verified: dict[str, Any] = field(default_factory=dict)  # go version -> VerifyReport


def _settings(req: RunRequest) -> list[Setting]:
    gogcs = [g.strip() for g in req.gogc.split(",") if g.strip()] or ["100"]
    for g in gogcs:
        if g != "off" and not g.isdigit():
            raise BenchError(f"--gogc {g!r}: not a percentage or 'off': pass e.g. --gogc 50,100")
    heaps = [h.strip() for h in req.live_heap.split(",") if h.strip()] or ["0"]
    for h in heaps:
        parse_size(h)
    return [Setting(g, h) for g in gogcs for h in heaps]


def _cpus(arg: str | None) -> list[int]:
    if not arg:
        return []
    try:
        cpus = [int(c) for c in arg.split(",") if c.strip()]
    except ValueError:
        raise BenchError(f"--cpu {arg!r}: not a list of integers: pass e.g. --cpu 1,2,4") \
            from None
    if any(c < 1 for c in cpus):
        raise BenchError(f"--cpu {arg!r}: GOMAXPROCS must be >= 1")
    return cpus


def _case_regex(module: Module, pattern: str | None) -> str:
    """``-test.bench`` pattern for the selected cases (manifest ids, else every benchmark)."""
    try:
        rx = re.compile(pattern or ".")
    except re.error as e:
        raise BenchError(f"--cases {pattern!r}: not a valid regular expression ({e})") from None
    if module.manifest is not None:
        ids = [c.id for c in module.manifest.cases if rx.search(c.id)]
        if not ids:
            raise BenchError(f"--cases {pattern!r} matches no case: see `bench cases`")
        return bench_regex(ids)
    return pattern or "."


def meta_for(tc: Toolchain, req: RunRequest, plan: Plan, module: Module, machine_meta:
             dict[str, Any], group: str, status: str) -> dict[str, Any]:
    return {
        "kind": "escapebench-run",
        "escapebench_version": __version__,
        "group": group,
        "status": status,
        "machine": machine_meta,
        "toolchain": tc.describe(),
        "gomaxprocs": os.environ.get("GOMAXPROCS") or str(os.cpu_count() or ""),
        "module": str(module.root),
        "cases_git_commit": _git_commit(module.root),
        "command_line": shlex.join(req.argv) if req.argv else shlex.join(sys.argv),
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "plan": plan.to_json(),
    }


@functools.lru_cache(maxsize=8)
def _git_commit(path: Path) -> str:
    import subprocess

    try:
        out = subprocess.run(["git", "-C", str(path), "rev-parse", "HEAD"], capture_output=True,
                             text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return out.stdout.strip() if out.returncode == 0 else ""


def run(req: RunRequest, progress: Progress | None = None) -> RunGroup:
    """Measure, storing as we go. Raises ``Interrupted`` after saving on SIGINT/SIGTERM."""
    started = time.monotonic()
    progress = progress or Progress()
    module = load_module(req.module)
    _case_regex(module, req.cases)  # a bad --cases fails before anything is built
    settings = _settings(req)
    cpus = _cpus(req.cpu)
    count = req.resolved_count()
    if count < 1:
        raise BenchError(f"--count {count}: must be at least 1")
    benchtime = req.resolved_benchtime()
    parse_benchtime(benchtime)  # a bad --benchtime fails before anything is built
    root = Path(req.results)
    store.check_writable(root)
    toolchains, errors = find_all(split_specs(req.go))
    group = RunGroup(toolchain_errors=errors)
    for e in errors:
        progress.message(f"bench: {e}")
    if not toolchains:
        raise BenchError(errors[0] if len(errors) == 1 else
                         "no toolchain of --go could be had: see the lines above")
    builds = _build_all(toolchains, module, group, progress)
    seed = req.seed if req.seed is not None else random.SystemRandom().randrange(1 << 31)
    if req.samples_per_round < 1:
        raise BenchError(f"samples per round {req.samples_per_round}: must be at least 1")
    plan = Plan(order=req.order, count=count, benchtime=benchtime, seed=seed,
                settings=settings, cpus=cpus, timeout=req.timeout,
                samples_per_round=req.samples_per_round)
    for msg in group.toolchain_errors:
        plan.failures.append(Failure(msg.split(":", 1)[0], "toolchain", msg))
    for version, msg in group.build_errors.items():
        plan.failures.append(Failure(f"{version} *", "build", msg))
    for version, b in builds.items():
        for name, msg in sorted(b.broken.items()):
            plan.failures.append(Failure(f"{version} {name.removeprefix('Benchmark')}/*",
                                         "build", msg))
            progress.message(f"bench: {version}: {name} does not compile, left out: {msg}")
    runner = Runner()
    plan_cells(plan, builds, module, req, runner, progress)
    if not plan.cells:
        raise BenchError(f"--cases {req.cases!r}: no benchmark ran: check `bench cases`")
    group.plan = plan
    ctx = _Context(req, module, builds, machine.collect(), store.utc_stamp(), runner, progress)
    for tc_version in builds:
        group.dirs[tc_version] = store.new_run_dir(root, ctx.machine_meta["machine"],
                                                   tc_version, ctx.stamp)
    return _execute(group, ctx, {}, started)


def plan_cells(plan: Plan, builds: dict[str, Build], module: Module, req: RunRequest,
               runner: Runner, progress: Progress) -> None:
    """Fill ``plan.cells`` and, interleaved, ``plan.calibration`` (one pilot per setting).

    The sequential order needs no pilot (Go ramps b.N itself), so its cells
    come from the manifest. Pilot failures go to ``plan.failures``.
    """
    pattern = _case_regex(module, req.cases)
    target_s, fixed_n = parse_benchtime(plan.benchtime)
    for tc_version, b in builds.items():
        for setting in plan.settings:
            progress.show(f"{tc_version} gogc={setting.gogc} live-heap={setting.live_heap}: "
                          "calibrating")
            if plan.order == "sequential" and module.manifest is not None:
                names = [f"{c.id}/variant={v}" for c in module.manifest.cases
                         if re.search(req.cases or ".", c.id) for v in ("escape", "noescape")
                         if f"Benchmark{c.id}" not in b.broken]
                per_op = dict.fromkeys(names, 0.0)
            else:
                per_op, failed = pilot(runner, b, pattern, setting, target_s or 0.01,
                                       module.root, plan.timeout)
                for f in failed:
                    plan.failures.append(f)
                    progress.message(f"bench: {f.cell}: {f.kind}: {f.message}")
            for name, sec in sorted(per_op.items()):
                parallel = name.split("/")[0].endswith("Parallel")
                for cpu in (plan.cpus if parallel and plan.cpus else [None]):
                    cell = Cell(tc_version, name, setting, cpu)
                    plan.cells.append(cell)
                    if fixed_n is None and target_s is not None and plan.order != "sequential":
                        plan.calibration[cell.key] = iterations(sec, target_s)


def raw_header(plan: Plan, machine_meta: dict[str, Any], go: str) -> str:
    """The config lines that open a run's raw.txt (how it was measured, for benchstat too)."""
    config = {
        "escapebench-version": __version__, "machine": machine_meta["machine"],
        "go-version": go, "cpu-model": machine_meta.get("cpu_model", ""),
        "escapebench-order": plan.order, "escapebench-seed": str(plan.seed),
        "escapebench-calibration": _calibration_line(plan, go),
    }
    if plan.order != "sequential" and plan.samples_per_round > 1:
        config["escapebench-samples-per-round"] = str(plan.samples_per_round)
    return store.raw_header(config)


def _build_all(toolchains: Sequence[Toolchain], module: Module, group: RunGroup,
               progress: Progress) -> dict[str, Build]:
    builds: dict[str, Build] = {}
    for tc in toolchains:
        progress.show(f"building cases with {tc.version}")
        try:
            builds[tc.version] = build(tc, module)
        except CommandError as e:
            group.build_errors[tc.version] = str(e)
            progress.message(f"bench: {e}")
    if not builds:
        raise BenchError("no toolchain could build the cases: see the lines above")
    return builds


@dataclass
class _Context:
    """What every save needs to describe the run group."""

    req: RunRequest
    module: Module
    builds: dict[str, Build]
    machine_meta: dict[str, Any]
    stamp: str
    runner: Runner
    progress: Progress


def _execute(group: RunGroup, ctx: _Context, done: dict[str, int], started: float) -> RunGroup:
    assert group.plan is not None
    plan = group.plan
    sinks: dict[str, RawSink] = {}
    try:
        for tc_version, d in group.dirs.items():
            header = raw_header(plan, ctx.machine_meta, tc_version)
            sinks[tc_version] = RawSink(d / store.RAW, header)
        _save(group, ctx, "running")
        execute(plan, ctx.builds, sinks, ctx.module.root, done=done, runner=ctx.runner,
                progress=ctx.progress, on_round=lambda _r: _save(group, ctx, "running"))
        group.status = "complete"
        _verify(group, ctx)
    except Interrupted:
        group.status = "interrupted"
        raise
    except OSError as e:  # disk full, results directory gone or read-only mid-run
        group.status = "interrupted"
        raise BenchError(f"cannot write results ({e.strerror or e}): free space or fix "
                         f"permissions, then `bench run --resume --results {ctx.req.results}`"
                         ) from None
    finally:
        for s in sinks.values():
            with contextlib.suppress(OSError):
                s.close()
        group.seconds += time.monotonic() - started
        if group.status == "running":  # an unexpected error: keep what we have, resumable
            group.status = "interrupted"
        with contextlib.suppress(OSError):  # a failed final save keeps the last good files
            _save(group, ctx, group.status)
    return group


def _verify(group: RunGroup, ctx: _Context) -> None:
    """Check the compiler's escape decisions for each toolchain; store escape.json.

    A verification problem (e.g. a malformed annotation in a user's module) is
    reported but does not undo the measurements.
    """
    from bench import verify

    for version, d in group.dirs.items():
        ctx.progress.show(f"{version}: verifying escape decisions with -gcflags=-m")
        try:
            results = benchfmt.parse_file(d / store.RAW).results
            report = verify.verify(ctx.builds[version].toolchain, ctx.module, results)
        except BenchError as e:
            ctx.progress.message(f"bench: {version}: verification skipped: {e}")
            continue
        store.write_json(d / store.ESCAPE, report.to_json())
        group.verified[version] = report
    ctx.progress.done()


def _calibration_line(plan: Plan, go: str) -> str:
    """Calibrated loops per cell as one config value (one key: benchstat keeps one table)."""
    items = []
    for c in plan.cells:
        if c.go == go and c.key in plan.calibration:
            where = "" if c.setting == Setting() else \
                f"[gogc={c.setting.gogc},live-heap={c.setting.live_heap}]"
            cpu = f"[cpu={c.cpu}]" if c.cpu else ""
            items.append(f"{c.bench}{where}{cpu}={plan.calibration[c.key]}x")
    return " ".join(items) if items else plan.benchtime


def _save(group: RunGroup, ctx: _Context, status: str) -> None:
    assert group.plan is not None
    for version, d in group.dirs.items():
        meta = meta_for(ctx.builds[version].toolchain, ctx.req, group.plan, ctx.module,
                        ctx.machine_meta, ctx.stamp, status)
        meta["seconds"] = round(group.seconds, 3)
        meta["request"] = {k: (str(v) if isinstance(v, Path) else v)
                           for k, v in asdict(ctx.req).items() if k != "argv"}
        meta["run_dirs"] = {v: p.name for v, p in group.dirs.items()}
        store.write_json(d / store.META, meta)
        if (d / store.RAW).exists():
            store.write_results_json(d, meta)


def resume(results: Path, progress: Progress | None = None) -> RunGroup:
    """Continue the newest unfinished run group under ``results`` where it stopped.

    The plan (cells, seed, calibration) comes from meta.json; how many samples
    each cell already has is counted in raw.txt, which is the truth: a cell is
    re-run in round r only if raw.txt holds fewer than r of its samples.
    """
    started = time.monotonic()
    progress = progress or Progress()
    metas = []
    for d in store.find_runs(Path(results)):
        if (d / store.META).is_file():
            m = store.read_json(d / store.META, kind="meta")
            if m.get("status") != "complete" and m.get("machine", {}).get("machine") == \
                    machine.machine_id():
                metas.append((m.get("group", ""), d, m))
    if not metas:
        raise BenchError(f"{results}: no unfinished run of this machine to resume: start one "
                         "with `bench run`")
    newest = max(g for g, _, _ in metas)
    members = [(d, m) for g, d, m in metas if g == newest]
    first = members[0][1]
    req_d = dict(first.get("request", {}))
    req = RunRequest(**{k: v for k, v in req_d.items() if k in RunRequest.__dataclass_fields__})
    req.results = Path(results)
    req.module = Path(first["module"])
    module = load_module(req.module)
    plan = Plan.from_json(first["plan"])
    group = RunGroup(plan=plan)
    toolchains = []
    for d, m in members:
        tc = m["toolchain"]
        found, errors = find_all([tc["go"]])
        if not found:
            found, errors = find_all([tc["version"].removeprefix("go")])
        if not found:
            raise BenchError(f"{d}: its toolchain {tc['version']} is gone ({errors[0]}): "
                             "reinstall it or start a new run")
        toolchains.append(found[0])
        group.dirs[found[0].version] = d
    builds = _build_all(toolchains, module, group, progress)
    done: dict[str, int] = {}
    for version, d in group.dirs.items():
        done.update(samples_in(d, version))
    ctx = _Context(req, module, builds, first["machine"], newest, Runner(), progress)
    per_cell = plan.count * (plan.samples_per_round if plan.order != "sequential" else 1)
    todo = sum(max(0, per_cell - done.get(c.key, 0)) for c in plan.cells)
    progress.message(f"resuming {newest}: {todo} samples left of "
                     f"{per_cell * len(plan.cells)}")
    return _execute(group, ctx, done, started)


def samples_in(run_dir: Path, go: str) -> dict[str, int]:
    raw = run_dir / store.RAW
    return count_samples(raw.read_text(encoding="utf-8", errors="replace"), go) \
        if raw.exists() else {}


__all__ = ["RunGroup", "RunRequest", "benchfmt", "run", "samples_in"]
