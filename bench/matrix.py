"""A run group: toolchains × GC settings × cases, measured and stored.

This is the library behind ``bench run``: check the request, resolve
toolchains, build once per toolchain, plan cells (pilot + calibration, or a
reused calibration), execute rounds (raw.txt grows per cell, meta.json is
saved after every round), then parse raw.txt once per toolchain to verify and
write results.json (also on interruption), so an interruption at any point
leaves loadable results and a plan to resume from.
``RunRequest.repeat`` makes a *series*: K complete runs under one calibration,
each its own run directory with its own shuffle seed (:func:`run_series`), so
the spread between runs — what a neighbour's load does, which no interval from
one run can know — can be measured. Every raw.txt names what it measured (the
package's import path and a hash of its sources, ``bench.vocab.keys.MODULE``
and ``SOURCES``) and the calibration (``CALIBRATION_ID``); the run directory's
name carries the module and sources hash after the stamp.
"""

from __future__ import annotations

import contextlib
import functools
import os
import random
import re
import shlex
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench import __version__, benchfmt, calibration, doctor, machine, pairs_client, store, verify
from bench.build import Build, build
from bench.calibration import Calibration
from bench.cases import Module, import_path, load_module, measured_sources
from bench.errors import BenchError, CommandError, Interrupted
from bench.model import ParsedFile
from bench.plan import (
    Cell,
    Failure,
    Plan,
    parse_benchtime,
)
from bench.progress import Progress
from bench.request import RunRequest, case_regex, cpus, validate
from bench.run import (
    RawSink,
    Runner,
    count_samples,
    execute,
    iterations,
    pilot,
)
from bench.toolchain import Toolchain, find_all, split_specs
from bench.vocab import keys


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
    load: list[dict[str, Any]] = field(default_factory=list)  # per round, bench.machine
    series: dict[str, Any] = field(default_factory=dict)  # id, index, of, base_seed
    doctor: dict[str, Any] = field(default_factory=dict)  # bench.doctor's record at the start
    parsed: dict[str, ParsedFile] = field(default_factory=dict)  # go version -> raw.txt, at the end

    def unpaired_names(self) -> list[str]:
        """Benchmarks this run measured that are not escape/noescape pairs."""
        return pairs_client.unpaired(self.plan.cells if self.plan else [])


def meta_for(
    tc: Toolchain,
    req: RunRequest,
    plan: Plan,
    module: Module,
    machine_meta: dict[str, Any],
    group: str,
    status: str,
) -> dict[str, Any]:
    return {
        "kind": "escapebench-run",
        "escapebench_version": __version__,
        "group": group,
        "status": status,
        "machine": machine_meta,
        "toolchain": tc.describe(),
        "gomaxprocs": os.environ.get("GOMAXPROCS") or str(os.cpu_count() or ""),
        "module": store.portable_path(module.root),
        "package": module.package,  # the measured package, relative to the module
        "import_path": import_path(module),
        "calibration_id": plan.calibration_id,
        "calibration_from": plan.calibration_from,
        "cases_git_commit": _git_commit(module.root),
        "command_line": shlex.join(req.argv) if req.argv else shlex.join(sys.argv),
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "plan": plan.to_json(),
    }


@functools.lru_cache(maxsize=8)
def _git_commit(path: Path) -> str:
    try:
        out = subprocess.run(
            ["git", "-C", str(path), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return out.stdout.strip() if out.returncode == 0 else ""


def series_seed(base: int, index: int) -> int:
    """The shuffle seed of repeat ``index`` (from 0) of a series: the base seed first."""
    return base if index == 0 else random.Random(f"{base}:repeat:{index}").randrange(1 << 31)


def run_series(req: RunRequest, progress: Progress | None = None) -> list[RunGroup]:
    """``req.repeat`` complete runs, one after the other; each its own directory and seed.

    One calibration per series: the first run pilots (or ``req.calibration``
    names a stored run whose loop counts to reuse) and every repeat measures
    with the same iteration counts, so the spread between runs is the
    machine's and not a new loop count's (``bench.calibration``). The shuffle
    seeds differ and are recorded (``escapebench-seed`` and
    ``meta["series"]``). An interruption keeps the finished runs; ``resume``
    finishes the cut one and then the rest of the series.
    """
    progress = progress or Progress()
    validate(req)
    base = req.seed if req.seed is not None else random.SystemRandom().randrange(1 << 31)
    cal = calibration.load(Path(req.calibration)) if req.calibration is not None else None
    try:
        return _series(req, progress, base, 0, {}, cal)
    finally:
        progress.close()


def _series(
    req: RunRequest,
    progress: Progress,
    base: int,
    first: int,
    series: dict[str, Any],
    cal: Calibration | None,
) -> list[RunGroup]:
    """Repeats ``first``.. of a series; the first run's pilot calibrates all later ones."""
    groups = []
    for i in range(first, req.repeat):
        info = {**series, "index": i + 1, "of": req.repeat, "base_seed": base}
        progress.series(i + 1, req.repeat)
        groups.append(_run_one(req, progress, series_seed(base, i), info, cal))
        series.setdefault("id", groups[-1].series["id"])
        series["last_stamp"] = groups[-1].series["stamp"]
        if cal is None and groups[-1].plan is not None:
            src = next(iter(groups[-1].dirs.values()), None)
            got = Calibration.of(groups[-1].plan, store.portable_path(src) if src else "")
            cal = None if got.empty else got
    return groups


def run(req: RunRequest, progress: Progress | None = None) -> RunGroup:
    """One run (``req.repeat`` must be 1; see :func:`run_series`).

    Raises ``Interrupted`` after saving on SIGINT/SIGTERM.
    """
    if req.repeat != 1:
        raise BenchError(f"repeat {req.repeat}: call bench.matrix.run_series for a series")
    (group,) = run_series(req, progress)
    return group


def _run_one(
    req: RunRequest,
    progress: Progress,
    seed: int,
    series: dict[str, Any],
    cal: Calibration | None = None,
) -> RunGroup:
    """Measure once, storing as we go; with ``cal`` its loop counts instead of a pilot."""
    started = time.monotonic()
    gc_settings = validate(req)
    module = load_module(req.module)
    case_regex(module, req.cases)  # a bad --cases fails before anything is built
    root = Path(req.results)
    store.check_writable(root)
    toolchains, errors = find_all(split_specs(req.go), progress.download_watcher())
    group = RunGroup(toolchain_errors=errors)
    for e in errors if series.get("index", 1) == 1 else []:
        progress.message(f"bench: {e}")
    if not toolchains:
        raise BenchError(
            errors[0]
            if len(errors) == 1
            else "no toolchain of --go could be had: see the lines above"
        )
    checks = doctor.diagnose(window=doctor.QUICK_WINDOW)
    group.doctor = doctor.doctor_record(checks)
    busy = doctor.busy_warning(checks)
    if busy and series.get("index", 1) == 1:  # one line at the start of a series
        progress.message(busy if busy.startswith("bench: ") else f"bench: {busy}")
    builds = _build_all(toolchains, module, group, progress)
    plan = Plan(
        order=req.order,
        count=req.resolved_count(),
        benchtime=req.resolved_benchtime(),
        seed=seed,
        settings=gc_settings,
        cpus=cpus(req.cpu),
        timeout=req.timeout,
        samples_per_round=req.samples_per_round,
    )
    for msg in group.toolchain_errors:
        plan.failures.append(Failure(msg.split(":", 1)[0], "toolchain", msg))
    for version, msg in group.build_errors.items():
        plan.failures.append(Failure(f"{version} *", "build", msg))
    for version, b in builds.items():
        for name, msg in sorted(b.broken.items()):
            plan.failures.append(
                Failure(f"{version} {name.removeprefix('Benchmark')}/*", "build", msg)
            )
            progress.message(f"bench: {version}: {name} does not compile, left out: {msg}")
    runner = Runner()
    if cal is not None:
        broken = {v: set(b.broken) for v, b in builds.items()}
        calibration.apply(cal, plan, list(builds), _case_filter(req), broken)
    else:
        plan_cells(plan, builds, module, req, runner, progress)
        plan.calibration_id = calibration.calibration_id(plan.calibration)
    if not plan.cells:
        raise BenchError(f"--cases {req.cases!r}: no benchmark ran: check `bench cases`")
    group.plan = plan
    stamp = store.utc_stamp()
    while stamp <= series.get("last_stamp", ""):  # repeats of a series never share a group id
        time.sleep(0.25)
        stamp = store.utc_stamp()
    ctx = _Context(
        req, module, builds, machine.collect(), stamp, runner, progress, measured_sources(module)
    )
    group.series = {k: v for k, v in series.items() if k != "last_stamp"}
    group.series.update(id=series.get("id", stamp), stamp=stamp)
    name = f"{ctx.stamp}-{machine.safe_segment(module.root.name, 'module')}-{ctx.sources[:8]}"
    for tc_version in builds:
        group.dirs[tc_version] = store.new_run_dir(
            root, ctx.machine_meta["machine"], tc_version, name
        )
    return _execute(group, ctx, {}, started)


def _case_filter(req: RunRequest) -> re.Pattern[str]:
    """``--cases`` as a regex on the top-level benchmark name (checked by ``case_regex``)."""
    return re.compile(req.cases or ".")


def plan_cells(
    plan: Plan,
    builds: dict[str, Build],
    module: Module,
    req: RunRequest,
    runner: Runner,
    progress: Progress,
) -> None:
    """Fill ``plan.cells`` and, interleaved, ``plan.calibration`` (one pilot per setting).

    The sequential order needs no pilot (Go ramps b.N itself), so its cells
    come from the manifest. Pilot failures go to ``plan.failures``.
    """
    pattern = case_regex(module, req.cases)
    target_s, fixed_n = parse_benchtime(plan.benchtime)
    for tc_version, b in builds.items():
        for setting in plan.settings:
            if plan.order == "sequential" and module.manifest is not None:
                names = [
                    f"{c.id}/variant={v}"
                    for c in module.manifest.cases
                    if re.search(req.cases or ".", c.id)
                    for v in ("escape", "noescape")
                    if f"Benchmark{c.id}" not in b.broken
                ]
                per_op = dict.fromkeys(names, 0.0)
            else:
                with progress.phase(
                    "pilot",
                    f"{tc_version} gogc={setting.gogc} live-heap={setting.live_heap}: pilot",
                ) as ph:
                    per_op, failed = pilot(
                        runner, b, pattern, setting, target_s or 0.01, module.root, plan.timeout
                    )
                    ph.update(detail=f"{len(per_op)} benchmarks")
                for f in failed:
                    plan.failures.append(f)
                    progress.message(f"bench: {f.cell}: {f.kind}: {f.message}")
            for name, sec in sorted(per_op.items()):
                parallel = name.split("/")[0].endswith("Parallel")
                for cpu in plan.cpus if parallel and plan.cpus else [None]:
                    cell = Cell(tc_version, name, setting, cpu)
                    plan.cells.append(cell)
                    if plan.order != "sequential":
                        plan.per_op[cell.key] = sec
                    if fixed_n is None and target_s is not None and plan.order != "sequential":
                        plan.calibration[cell.key] = iterations(sec, target_s)


def raw_header(
    plan: Plan, machine_meta: dict[str, Any], go: str, *, module: str = "", sources: str = ""
) -> str:
    """The config lines that open a run's raw.txt (how it was measured, for benchstat too).

    ``module`` and ``sources`` say what was measured (``bench.cases.measured_sources``).
    """
    config = {
        keys.VERSION: __version__,
        keys.MACHINE: machine_meta["machine"],
        keys.GO_VERSION: go,
        keys.CPU_MODEL: machine_meta.get("cpu_model", ""),
        keys.MODULE: module,
        keys.SOURCES: sources,
        keys.ORDER: plan.order,
        keys.SEED: str(plan.seed),
        keys.BENCHTIME: plan.benchtime,
        keys.COUNT: str(plan.count),
        keys.CALIBRATION: calibration.config_value(plan, go),
        keys.CALIBRATION_ID: plan.calibration_id,
    }
    if plan.order != "sequential" and plan.samples_per_round > 1:
        config[keys.SAMPLES_PER_ROUND] = str(plan.samples_per_round)
    return store.raw_header(config)


def _build_all(
    toolchains: Sequence[Toolchain], module: Module, group: RunGroup, progress: Progress
) -> dict[str, Build]:
    builds: dict[str, Build] = {}
    for tc in toolchains:
        try:
            with progress.phase("build", f"building cases with {tc.version}") as ph:
                b = build(tc, module)
                ph.update(detail="cached" if b.cached else "")
            builds[tc.version] = b
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
    sources: str = ""  # measured_sources(module): which code the run measured


def _execute(group: RunGroup, ctx: _Context, done: dict[str, int], started: float) -> RunGroup:
    assert group.plan is not None
    plan = group.plan
    sinks: dict[str, RawSink] = {}
    try:
        for tc_version, d in group.dirs.items():
            header = raw_header(
                plan,
                ctx.machine_meta,
                tc_version,
                module=import_path(ctx.module) or store.portable_path(ctx.module.root),
                sources=ctx.sources,
            )
            sinks[tc_version] = RawSink(d / store.RAW, header)
        _save(group, ctx, "running")  # meta.json only: results.json is written at the end
        execute(
            plan,
            ctx.builds,
            sinks,
            ctx.module.root,
            done=done,
            runner=ctx.runner,
            progress=ctx.progress,
            on_round=lambda _r: _save(group, ctx, "running"),
            load=group.load,
        )
        group.status = "complete"
    except Interrupted:
        group.status = "interrupted"
        raise
    except OSError as e:  # disk full, results directory gone or read-only mid-run
        group.status = "interrupted"
        raise BenchError(
            f"cannot write results ({e.strerror or e}): free space or fix "
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
            _finish(group, ctx)
    return group


def _finish(group: RunGroup, ctx: _Context) -> None:
    """After the rounds (or an interruption): raw.txt parsed once per toolchain, then
    verification (complete runs), meta.json and results.json from that one parse."""
    for version, d in group.dirs.items():
        if (d / store.RAW).is_file():
            group.parsed[version] = benchfmt.parse_file(d / store.RAW, store.run_label(d, d))
    if group.status == "complete":
        _verify(group, ctx)
    _save(group, ctx, group.status, final=True)


def _verify(group: RunGroup, ctx: _Context) -> None:
    """Check the compiler's escape decisions for each toolchain; store escape.json.

    A verification problem (e.g. a malformed annotation in a user's module) is
    reported but does not undo the measurements.
    """
    for version, d in group.dirs.items():
        try:
            with ctx.progress.phase(
                "verify", f"{version}: verifying escape decisions with -gcflags=-m"
            ):
                parsed = group.parsed.get(version)
                results = parsed.results if parsed is not None else []
                report = verify.verify(ctx.builds[version].toolchain, ctx.module, results)
        except BenchError as e:
            ctx.progress.message(f"bench: {version}: verification skipped: {e}")
            continue
        store.write_json(d / store.ESCAPE, report.to_json())
        group.verified[version] = report


def _save(group: RunGroup, ctx: _Context, status: str, *, final: bool = False) -> None:
    """meta.json of every run directory; with ``final`` also results.json (from ``parsed``)."""
    assert group.plan is not None
    for version, d in group.dirs.items():
        meta = meta_for(
            ctx.builds[version].toolchain,
            ctx.req,
            group.plan,
            ctx.module,
            ctx.machine_meta,
            ctx.stamp,
            status,
        )
        meta["sources"] = ctx.sources
        meta["seconds"] = round(group.seconds, 3)
        meta["request"] = {
            k: (store.portable_path(v) if isinstance(v, Path) else v)
            for k, v in asdict(ctx.req).items()
            if k != "argv"
        }
        meta["run_dirs"] = {v: p.name for v, p in group.dirs.items()}
        meta["series"] = group.series
        meta["load"] = group.load
        meta["load_changed"] = machine.load_changed(group.load)
        if group.doctor:
            meta["doctor"] = group.doctor
        store.write_json(d / store.META, meta)
        if final and version in group.parsed:
            store.write_results_json(d, meta, group.parsed[version])


def resume(results: Path, progress: Progress | None = None) -> RunGroup:
    """Continue the newest unfinished run group under ``results`` where it stopped.

    The plan (cells, seed, calibration) comes from meta.json; how many samples
    each cell already has is counted in raw.txt, which is the truth: a cell is
    re-run in round r only if raw.txt holds fewer than r of its samples. Only
    that run: :func:`resume_series` also runs the rest of its series.
    """
    progress = progress or Progress()
    try:
        return _resume_one(results, progress)[0]
    finally:
        progress.close()


def resume_series(results: Path, progress: Progress | None = None) -> list[RunGroup]:
    """Finish the newest unfinished run, then the repeats of its series not yet started."""
    progress = progress or Progress()
    try:
        group, req = _resume_one(results, progress)
        s = group.series
        cal = Calibration.of(group.plan) if group.plan is not None else None
        rest = (
            _series(
                req,
                progress,
                int(s["base_seed"]),
                int(s["index"]),
                {"id": s["id"], "last_stamp": s.get("stamp", "")},
                None if cal is None or cal.empty else cal,
            )
            if s.get("index", 1) < s.get("of", 1)
            else []
        )
        return [group, *rest]
    finally:
        progress.close()


def _resume_one(results: Path, progress: Progress) -> tuple[RunGroup, RunRequest]:
    started = time.monotonic()
    metas = []
    for d in store.find_runs(Path(results)):
        if (d / store.META).is_file():
            m = store.read_json(d / store.META, kind="meta")
            if (
                m.get("status") != "complete"
                and m.get("machine", {}).get("machine") == machine.machine_id()
            ):
                metas.append((m.get("group", ""), d, m))
    if not metas:
        raise BenchError(
            f"{results}: no unfinished run of this machine to resume: start one with `bench run`"
        )
    newest = max(g for g, _, _ in metas)
    members = [(d, m) for g, d, m in metas if g == newest]
    first = members[0][1]
    req_d = dict(first.get("request", {}))
    req = RunRequest(**{k: v for k, v in req_d.items() if k in RunRequest.__dataclass_fields__})
    req.argv = shlex.split(first.get("command_line", ""))  # meta.json keeps the original command
    req.results = Path(results)
    package = str(first.get("package") or ".")
    req.module = Path(first["module"]) / package if package != "." else Path(first["module"])
    module = load_module(req.module)
    plan = Plan.from_json(first["plan"])
    group = RunGroup(
        plan=plan,
        load=list(first.get("load", [])),
        series=dict(first.get("series") or {"id": newest, "stamp": newest}),
    )
    toolchains = []
    for d, m in members:
        tc = m["toolchain"]
        found, errors = find_all([tc["go"]], progress.download_watcher())
        if not found:
            found, errors = find_all(
                [tc["version"].removeprefix("go")], progress.download_watcher()
            )
        if not found:
            raise BenchError(
                f"{d}: its toolchain {tc['version']} is gone ({errors[0]}): "
                "reinstall it or start a new run"
            )
        toolchains.append(found[0])
        group.dirs[found[0].version] = d
    builds = _build_all(toolchains, module, group, progress)
    done: dict[str, int] = {}
    for version, d in group.dirs.items():
        done.update(samples_in(d, version))
    ctx = _Context(
        req, module, builds, first["machine"], newest, Runner(), progress, measured_sources(module)
    )
    per_cell = plan.samples_per_cell()
    todo = sum(max(0, per_cell - done.get(c.key, 0)) for c in plan.cells)
    progress.note(f"resuming {newest}: {todo} samples left of {per_cell * len(plan.cells)}")
    return _execute(group, ctx, done, started), req


def samples_in(run_dir: Path, go: str) -> dict[str, int]:
    raw = run_dir / store.RAW
    return (
        count_samples(raw.read_text(encoding="utf-8", errors="replace"), go) if raw.exists() else {}
    )
