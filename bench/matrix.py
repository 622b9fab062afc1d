"""A run group: toolchains × GC settings × cases, measured and stored.

This is the library behind ``bench run``: resolve toolchains, build once per
toolchain, plan cells (pilot + calibration), execute rounds, and keep the
results tree current after every round, so an interruption at any point
leaves loadable results and a plan to resume from.
"""

from __future__ import annotations

import os
import random
import re
import shlex
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
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
    pattern = _case_regex(module, req.cases)
    settings = _settings(req)
    cpus = _cpus(req.cpu)
    count = req.resolved_count()
    if count < 1:
        raise BenchError(f"--count {count}: must be at least 1")
    benchtime = req.resolved_benchtime()
    target_s, fixed_n = parse_benchtime(benchtime)
    root = Path(req.results)
    store.check_writable(root)
    toolchains, errors = find_all(split_specs(req.go))
    group = RunGroup(toolchain_errors=errors)
    for e in errors:
        progress.message(f"bench: {e}")
    if not toolchains:
        raise BenchError(errors[0] if len(errors) == 1 else
                         "no toolchain of --go could be had: see the lines above")
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
    seed = req.seed if req.seed is not None else random.SystemRandom().randrange(1 << 31)
    plan = Plan(order=req.order, count=count, benchtime=benchtime, seed=seed,
                settings=settings, cpus=cpus, timeout=req.timeout)
    for version, msg in group.build_errors.items():
        plan.failures.append(Failure(f"{version} *", "build", msg))
    machine_meta = machine.collect()
    stamp = store.utc_stamp()
    runner = Runner()
    for tc_version, b in builds.items():
        for setting in settings:
            progress.show(f"{tc_version} gogc={setting.gogc} live-heap={setting.live_heap}: "
                          "calibrating")
            if req.order == "sequential" and module.manifest is not None:
                names = [f"{c.id}/variant={v}" for c in module.manifest.cases
                         if re.search(req.cases or ".", c.id) for v in ("escape", "noescape")]
                per_op = dict.fromkeys(names, 0.0)
            else:
                per_op, _ = pilot(runner, b, pattern, setting, target_s or 0.01, module.root,
                                  req.timeout)
            for name, sec in sorted(per_op.items()):
                parallel = name.split("/")[0].endswith("Parallel")
                for cpu in (cpus if parallel and cpus else [None]):
                    cell = Cell(tc_version, name, setting, cpu)
                    plan.cells.append(cell)
                    if fixed_n is None and target_s is not None and req.order != "sequential":
                        plan.calibration[cell.key] = iterations(sec, target_s)
    if not plan.cells:
        raise BenchError(f"--cases {req.cases!r}: no benchmark ran: check `bench cases`")
    sinks: dict[str, RawSink] = {}
    for tc_version in builds:
        d = store.new_run_dir(root, machine_meta["machine"], tc_version, stamp)
        group.dirs[tc_version] = d
        header = store.raw_header({
            "escapebench-version": __version__, "machine": machine_meta["machine"],
            "go-version": tc_version, "cpu-model": machine_meta.get("cpu_model", ""),
            "escapebench-order": plan.order, "escapebench-seed": str(plan.seed),
            "escapebench-calibration": _calibration_line(plan, tc_version),
        })
        sinks[tc_version] = RawSink(d / store.RAW, header)
    group.plan = plan
    _save(group, builds, req, module, machine_meta, stamp, "running")

    def after_round(_rnd: int) -> None:
        _save(group, builds, req, module, machine_meta, stamp, "running")

    try:
        execute(plan, builds, sinks, module.root, runner=runner, progress=progress,
                on_round=after_round)
    except Interrupted:
        group.status = "interrupted"
        _finish(group, builds, req, module, machine_meta, stamp, sinks, started)
        raise
    group.status = "complete"
    _finish(group, builds, req, module, machine_meta, stamp, sinks, started)
    return group


def _calibration_line(plan: Plan, go: str) -> str:
    """Calibrated loops per cell as one config value (one key: benchstat keeps one table)."""
    items = [f"{k.split(' ', 1)[1].replace(' ', ',')}={n}x" for k, n in
             sorted(plan.calibration.items()) if k.startswith(go + " ")]
    return " ".join(items) if items else plan.benchtime


def _save(group: RunGroup, builds: dict[str, Build], req: RunRequest, module: Module,
          machine_meta: dict[str, Any], stamp: str, status: str) -> None:
    assert group.plan is not None
    for version, d in group.dirs.items():
        meta = meta_for(builds[version].toolchain, req, group.plan, module, machine_meta, stamp,
                        status)
        meta["seconds"] = round(group.seconds, 3)
        store.write_json(d / store.META, meta)
        if (d / store.RAW).exists():
            store.write_results_json(d, meta)


def _finish(group: RunGroup, builds: dict[str, Build], req: RunRequest, module: Module,
            machine_meta: dict[str, Any], stamp: str, sinks: dict[str, RawSink],
            started: float) -> None:
    for s in sinks.values():
        s.close()
    group.seconds = time.monotonic() - started
    _save(group, builds, req, module, machine_meta, stamp, group.status)


def samples_in(run_dir: Path, go: str) -> dict[str, int]:
    raw = run_dir / store.RAW
    return count_samples(raw.read_text(encoding="utf-8", errors="replace"), go) \
        if raw.exists() else {}


__all__ = ["RunGroup", "RunRequest", "benchfmt", "run", "samples_in"]
