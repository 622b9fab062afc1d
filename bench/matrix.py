"""A run group: toolchains × GC settings × cells, measured and stored.

This is the library behind ``bench run`` (and ``bench prices``): resolve
toolchains, build once per toolchain, plan cells (pilot + calibration, or a
reused calibration), execute rounds (``bench.run``: raw.txt grows per cell,
meta.json is saved after every round), then parse raw.txt once per toolchain
for the client's check and results.json (also on interruption), so an
interruption at any point leaves loadable results and a plan to resume from.
What the benchmarks are comes from a client (``bench.client``): which to run,
how to pilot one that failed, what to check afterwards; ``bench run`` passes
the pairs client (``bench.pairs_client.PAIRS``), and a new kind of benchmark
set is a new client, not a change here.
``RunRequest.repeat`` makes a *series*: K complete runs under one calibration,
each its own run directory with its own shuffle seed (:func:`run_series`), so
the spread between runs — what a neighbour's load does, which no interval from
one run can know — can be measured. Every raw.txt names what it measured (the
package's import path and a hash of its sources, ``bench.vocab.keys.MODULE``
and ``SOURCES``) and the calibration (``CALIBRATION_ID``); the run directory's
name carries the module and sources hash after the stamp. Lines about the run
(a toolchain missing, a case that does not compile) are kept in
``RunGroup.messages`` and shown on the caller's progress display.
"""

from __future__ import annotations

import contextlib
import random
import re
import shlex
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench import benchfmt, calibration, doctor, machine, pairs_client, store
from bench.build import Build, build
from bench.calibration import Calibration
from bench.cases import Module, import_path, load_module, measured_sources
from bench.client import PLAIN, Client
from bench.errors import BenchError, CommandError, Interrupted
from bench.model import ParsedFile, Result
from bench.pairs_client import PAIRS
from bench.pilot import plan_cells
from bench.plan import Failure, Plan, SettingError
from bench.progress import Progress
from bench.request import RunRequest
from bench.run import RawSink, Runner, Session, count_samples, rounds
from bench.runmeta import meta_for, raw_header
from bench.toolchain import Toolchain, find_all, split_specs


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
    messages: list[str] = field(default_factory=list)  # what happened, one line each (shown live)
    module: Module | None = None  # what was measured (its manifest names the pairs)

    def unpaired_names(self) -> list[str]:
        """Benchmarks this run measured that are not escape/noescape pairs."""
        return pairs_client.unpaired(self.plan.cells if self.plan else [])


def series_seed(base: int, index: int) -> int:
    """The shuffle seed of repeat ``index`` (from 0) of a series: the base seed first."""
    return base if index == 0 else random.Random(f"{base}:repeat:{index}").randrange(1 << 31)


#: samples so far -> pairs that met ``--target`` as ``(go, pair, gogc, live heap, GOMAXPROCS)``
#: (``analysis.target``'s ``cell_match``; built by the CLI: ``bench`` never imports ``analysis``)
TargetRule = Callable[[Sequence[Result]], Iterable[tuple[str, str, str, str, str]]]


def run_series(
    req: RunRequest,
    progress: Progress | None = None,
    client: Client = PAIRS,
    rule: TargetRule | None = None,
) -> list[RunGroup]:
    """``req.repeat`` complete runs, one after the other; each its own directory and seed.

    One calibration per series: the first run pilots (or ``req.calibration``
    names a stored run whose loop counts to reuse) and every repeat measures
    with the same iteration counts, so the spread between runs is the
    machine's and not a new loop count's (``bench.calibration``). The shuffle
    seeds differ and are recorded (``escapebench-seed`` and
    ``meta["series"]``). An interruption keeps the finished runs; ``resume``
    finishes the cut one and then the rest of the series. ``client`` says
    what the benchmarks are (``bench.client``): pairs unless told. With
    ``req.target`` and ``rule``, a pair whose interval met the target gets no
    more rounds; with ``req.budget`` the series ends after the round (and
    starts no repeat) that reaches it.
    """
    progress = progress or Progress()
    req.check()  # the one check of the request's settings, before anything is built
    base = req.seed if req.seed is not None else random.SystemRandom().randrange(1 << 31)
    cal = calibration.load(Path(req.calibration)) if req.calibration is not None else None
    deadline = None if req.budget is None else time.monotonic() + req.budget
    try:
        return _series(_Series(req, progress, client, base, cal, rule=rule, deadline=deadline))
    finally:
        progress.close()


@dataclass
class _Series:
    """What every run of a series shares: the request, its client, seeds and calibration."""

    req: RunRequest
    progress: Progress
    client: Client
    base: int
    cal: Calibration | None = None
    first: int = 0  # the index (from 0) of the next run to make
    info: dict[str, Any] = field(default_factory=dict)  # id, last_stamp
    rule: TargetRule | None = None  # --target: which pairs met it (see run_series)
    deadline: float | None = None  # --budget: time.monotonic() at which to stop

    def out_of_time(self) -> bool:
        return self.deadline is not None and time.monotonic() >= self.deadline


def _series(sr: _Series) -> list[RunGroup]:
    """Repeats ``sr.first``.. of a series; the first run's pilot calibrates all later ones."""
    groups = []
    req = sr.req
    for i in range(sr.first, req.repeat):
        if groups and sr.out_of_time():
            break  # the budget ended: no further repeat starts
        info = {**sr.info, "index": i + 1, "of": req.repeat, "base_seed": sr.base}
        sr.progress.series(i + 1, req.repeat)
        groups.append(_run_one(sr, series_seed(sr.base, i), info))
        sr.info.setdefault("id", groups[-1].series["id"])
        sr.info["last_stamp"] = groups[-1].series["stamp"]
        if sr.cal is None and groups[-1].plan is not None:
            src = next(iter(groups[-1].dirs.values()), None)
            got = Calibration.of(groups[-1].plan, store.portable_path(src) if src else "")
            sr.cal = None if got.empty else got
    return groups


def run(
    req: RunRequest,
    progress: Progress | None = None,
    client: Client = PAIRS,
    rule: TargetRule | None = None,
) -> RunGroup:
    """One run (``req.repeat`` must be 1; see :func:`run_series`); ``Interrupted`` after saving."""
    if req.repeat != 1:
        raise BenchError(f"repeat {req.repeat}: call bench.matrix.run_series for a series")
    (group,) = run_series(req, progress, client, rule)
    return group


def _note(group: RunGroup, progress: Progress, line: str) -> None:
    """A line about the run: kept in ``group.messages`` and shown on the progress display."""
    group.messages.append(line)
    progress.message(f"bench: {line}")


def _start(sr: _Series, module: Module, first: bool) -> tuple[RunGroup, dict[str, Build]]:
    """Toolchains, the machine check and the builds of one run."""
    progress = sr.progress
    toolchains, errors = find_all(split_specs(sr.req.go), progress.download_watcher())
    if not toolchains:
        raise BenchError("; ".join(errors) or "no toolchain of go could be had")
    group = RunGroup(toolchain_errors=errors)
    for e in errors if first else []:
        _note(group, progress, e)
    checks = doctor.diagnose(window=doctor.QUICK_WINDOW)
    group.doctor = doctor.doctor_record(checks)
    busy = doctor.busy_warning(checks)
    if busy and first:  # one line at the start of a series
        _note(group, progress, busy.removeprefix("bench: "))
    return group, _build_all(toolchains, module, group, progress)


def _run_one(sr: _Series, seed: int, series: dict[str, Any]) -> RunGroup:
    """Measure once, storing as we go; with ``sr.cal`` its loop counts instead of a pilot."""
    started = time.monotonic()
    req, progress = sr.req, sr.progress
    module = load_module(req.module)
    sr.client.pattern(module, req.cases)  # a bad selection fails before anything is built
    root = Path(req.results)
    store.check_writable(root)
    group, builds = _start(sr, module, series.get("index", 1) == 1)
    plan = Plan(
        order=req.order,
        count=req.resolved_count(),
        benchtime=req.resolved_benchtime(),
        seed=seed,
        settings=req.settings(),
        cpus=req.cpus(),
        timeout=req.timeout,
        samples_per_round=req.samples_per_round,
        target=req.target,
        process=req.process if req.order == "interleaved" else "cell",
    )
    _known_failures(plan, group, builds, progress)
    runner = Runner()
    machine_meta, sources = machine.collect(), measured_sources(module)
    where = calibration.Where(
        machine_meta["machine"],
        plan.benchtime,
        plan.order,
        import_path(module) or store.portable_path(module.root),
        sources,
        req.cases or "",
        tuple(plan.cpus),
        plan.process,
    )
    piloted = _calibrate(sr, plan, builds, module, runner, group, where)
    if not plan.cells:
        raise SettingError("cases", req.cases or ".", "no benchmark ran: check `bench cases`")
    group.plan, group.module = plan, module
    stamp = store.utc_stamp()
    while stamp <= series.get("last_stamp", ""):  # repeats of a series never share a group id
        time.sleep(0.25)
        stamp = store.utc_stamp()
    group.series = {k: v for k, v in series.items() if k != "last_stamp"}
    group.series.update(id=series.get("id", stamp), stamp=stamp)
    rs = _RunSession(req, sr.client, module, machine_meta, stamp, sources)
    rs.group, rs.engine = group, Session(plan, builds, {}, module.root, runner, progress)
    rs.engine.stop = sr.out_of_time if sr.deadline is not None else None
    if sr.rule is not None and req.target is not None:
        rs.engine.met = _met_cells(rs, sr.rule)
    name = f"{stamp}-{machine.safe_segment(module.root.name, 'module')}-{rs.sources[:8]}"
    for tc_version in builds:
        group.dirs[tc_version] = store.new_run_dir(
            root, rs.machine_meta["machine"], tc_version, name
        )
    if piloted:  # later runs of this condition reuse it (``bench.calibration``)
        plan.calibration_from = store.portable_path(next(iter(group.dirs.values())))
        calibration.remember(plan, root, where)
        plan.calibration_from = ""
    return _execute(rs, started)


def _calibrate(
    sr: _Series,
    plan: Plan,
    builds: dict[str, Build],
    module: Module,
    runner: Runner,
    group: RunGroup,
    where: calibration.Where,
) -> bool:
    """The loop counts of this run: the series', a stored one, or a new pilot (True)."""
    req, broken = sr.req, {v: set(b.broken) for v, b in builds.items()}
    wanted = re.compile(req.cases or ".")
    if sr.cal is not None:
        calibration.apply(sr.cal, plan, list(builds), wanted, broken)
        return False
    if not req.recalibrate:
        root = Path(req.results)
        reused, warnings = calibration.reuse(root, where, plan, list(builds), wanted, broken)
        for w in warnings:
            _note(group, sr.progress, w.removeprefix("bench: "))
        if reused:
            line = f"reusing the stored calibration of {plan.calibration_from or 'a pilot'}"
            _note(group, sr.progress, f"{line} (--recalibrate pilots anew)")
            return False
    plan_cells(plan, builds, module, req, runner, sr.progress, sr.client)
    plan.calibration_id = calibration.calibration_id(plan.calibration)
    return True


def _met_cells(rs: _RunSession, rule: TargetRule) -> Callable[[], set[str]]:
    """Which cell keys met the target, from the records the raw sinks kept as they wrote
    them (nothing read back); each run of a series stops on its own interval."""

    def met() -> set[str]:
        assert rs.engine is not None and rs.group.plan is not None
        done = set(rule([r for s in rs.engine.sinks.values() for r in s.results or ()]))
        return {
            c.key
            for c in rs.group.plan.cells
            for go, pair, gogc, live, procs in done
            if (c.go, c.pair, c.setting.gogc, c.setting.live_heap) == (go, pair, gogc, live)
            and (c.cpu is None or str(c.cpu) == procs)
        }

    return met


def _known_failures(
    plan: Plan, group: RunGroup, builds: dict[str, Build], progress: Progress
) -> None:
    """Toolchains that could not be had and benchmarks that do not compile, in the plan."""
    for msg in group.toolchain_errors:
        plan.failures.append(Failure(msg.split(":", 1)[0], "toolchain", msg))
    for version, msg in group.build_errors.items():
        plan.failures.append(Failure(f"{version} *", "build", msg))
    for version, b in builds.items():
        for name, msg in sorted(b.broken.items()):
            plan.failures.append(
                Failure(f"{version} {name.removeprefix('Benchmark')}/*", "build", msg)
            )
            _note(group, progress, f"{version}: {name} does not compile, left out: {msg}")


def _build_all(
    toolchains: Sequence[Toolchain], module: Module, group: RunGroup, progress: Progress
) -> dict[str, Build]:
    builds: dict[str, Build] = {}
    for tc in toolchains:
        try:
            with progress.phase("build", f"building {module.package} with {tc.version}") as ph:
                b = build(tc, module)
                ph.update(detail="cached" if b.cached else "")
            builds[tc.version] = b
        except CommandError as e:
            group.build_errors[tc.version] = str(e)
            _note(group, progress, str(e))
    if not builds:
        raise BenchError("no toolchain could build the benchmarks: see the lines above")
    return builds


@dataclass
class _RunSession:
    """One run group being measured: the request, what is measured, and the engine's session
    (``bench.run.Session``: plan, builds, raw sinks, what is done), made once and kept."""

    req: RunRequest
    client: Client
    module: Module
    machine_meta: dict[str, Any]
    stamp: str
    sources: str = ""  # measured_sources(module): which code the run measured
    group: RunGroup = field(default_factory=RunGroup)
    engine: Session | None = None


def _execute(rs: _RunSession, started: float) -> RunGroup:
    group, engine = rs.group, rs.engine
    assert group.plan is not None and engine is not None
    try:
        for tc_version, d in group.dirs.items():
            header = raw_header(
                group.plan,
                rs.machine_meta,
                tc_version,
                module=import_path(rs.module) or store.portable_path(rs.module.root),
                sources=rs.sources,
            )
            engine.sinks[tc_version] = RawSink(d / store.RAW, header, keep=engine.met is not None)
        _save(rs, "running")  # meta.json only: results.json is written at the end
        engine.load = group.load
        engine.on_round = lambda _r: _save(rs, "running")
        rounds(engine)
        group.status = "complete"
    except Interrupted:
        group.status = "interrupted"
        raise
    except OSError as e:  # disk full, results directory gone or read-only mid-run
        group.status = "interrupted"
        raise BenchError(
            f"cannot write results ({e.strerror or e}): free space or fix "
            f"permissions, then `bench run --resume --results {rs.req.results}`"
        ) from None
    finally:
        for s in engine.sinks.values():
            with contextlib.suppress(OSError):
                s.close()
        group.messages.extend(engine.messages)
        engine.messages.clear()
        group.seconds += time.monotonic() - started
        if group.status == "running":  # an unexpected error: keep what we have, resumable
            group.status = "interrupted"
        with contextlib.suppress(OSError):  # a failed final save keeps the last good files
            _finish(rs)
    return group


def _finish(rs: _RunSession) -> None:
    """After the rounds (or an interruption): raw.txt parsed once per toolchain, then the
    client's check (complete runs), meta.json and results.json from that one parse."""
    group = rs.group
    for version, d in group.dirs.items():
        if (d / store.RAW).is_file():
            group.parsed[version] = benchfmt.parse_file(d / store.RAW, store.run_label(d, d))
    if group.status == "complete":
        _check(rs)
    _save(rs, group.status, final=True)


def _check(rs: _RunSession) -> None:
    """The client's check of each toolchain's run (pairs: the compiler's escape decisions),
    stored as escape.json. A problem (e.g. a malformed annotation in a user's module) is
    reported but does not undo the measurements."""
    group, engine = rs.group, rs.engine
    assert engine is not None
    for version, d in group.dirs.items():
        try:
            with engine.progress.phase("verify", f"{version}: checking with {rs.client.name}"):
                parsed = group.parsed.get(version)
                results = parsed.results if parsed is not None else []
                tc = engine.builds[version].toolchain
                report = rs.client.check(tc, rs.module, results)
        except BenchError as e:
            _note(group, engine.progress, f"{version}: verification skipped: {e}")
            continue
        if report is not None:
            store.write_json(d / store.ESCAPE, report.to_json())
            group.verified[version] = report


def _save(rs: _RunSession, status: str, *, final: bool = False) -> None:
    """meta.json of every run directory; with ``final`` also results.json (from ``parsed``)."""
    group, engine = rs.group, rs.engine
    assert group.plan is not None and engine is not None
    for version, d in group.dirs.items():
        meta = meta_for(
            engine.builds[version].toolchain,
            rs.req,
            group.plan,
            rs.module,
            rs.machine_meta,
            rs.stamp,
            status,
        )
        meta["client"] = rs.client.name
        meta["sources"] = rs.sources
        meta["seconds"] = round(group.seconds, 3)
        meta["request"] = {
            k: (store.portable_path(v) if isinstance(v, Path) else v)
            for k, v in asdict(rs.req).items()
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


#: the clients ``--resume`` knows by the name meta.json records (``client``)
CLIENTS: tuple[Client, ...] = (PAIRS, PLAIN)


def resume(
    results: Path, progress: Progress | None = None, clients: Sequence[Client] = CLIENTS
) -> RunGroup:
    """Continue the newest unfinished run group under ``results`` where it stopped.

    The plan (cells, seed, calibration) comes from meta.json; how many samples
    each cell already has is counted in raw.txt, which is the truth: a cell is
    re-run in round r only if raw.txt holds fewer than r of its samples. Only
    that run: :func:`resume_series` also runs the rest of its series. The run's
    client is the one of ``clients`` its meta.json names (pairs when none).
    """
    progress = progress or Progress()
    try:
        return _resume_one(results, progress, clients)[0]
    finally:
        progress.close()


def resume_series(
    results: Path, progress: Progress | None = None, clients: Sequence[Client] = CLIENTS
) -> list[RunGroup]:
    """Finish the newest unfinished run, then the repeats of its series not yet started."""
    progress = progress or Progress()
    try:
        rs = _resume_one(results, progress, clients)
        group, s = rs.group, rs.group.series
        cal = Calibration.of(group.plan) if group.plan is not None else None
        rest = (
            _series(
                _Series(
                    rs.req,
                    progress,
                    rs.client,
                    int(s["base_seed"]),
                    None if cal is None or cal.empty else cal,
                    int(s["index"]),
                    {"id": s["id"], "last_stamp": s.get("stamp", "")},
                )
            )
            if s.get("index", 1) < s.get("of", 1)
            else []
        )
        return [group, *rest]
    finally:
        progress.close()


def _unfinished(results: Path) -> list[tuple[Path, dict[str, Any]]]:
    """The run directories of the newest unfinished run group of this machine, with meta."""
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
    return [(d, m) for g, d, m in metas if g == newest]


def _request_of(meta: dict[str, Any], results: Path) -> RunRequest:
    """The request a stored run was made with (meta.json), results where they are now."""
    req_d = dict(meta.get("request", {}))
    req = RunRequest(**{k: v for k, v in req_d.items() if k in RunRequest.__dataclass_fields__})
    req.argv = shlex.split(meta.get("command_line", ""))  # meta.json keeps the original command
    req.results = Path(results)
    package = str(meta.get("package") or ".")
    req.module = Path(meta["module"]) / package if package != "." else Path(meta["module"])
    return req


def _resume_one(results: Path, progress: Progress, clients: Sequence[Client]) -> _RunSession:
    started = time.monotonic()
    members = _unfinished(results)
    first = members[0][1]
    newest = str(first.get("group", ""))
    req = _request_of(first, results)
    module = load_module(req.module)
    name = str(first.get("client") or PAIRS.name)
    client = next((c for c in clients if c.name == name), None)
    if client is None:
        raise BenchError(f"{members[0][0]}: measured by client {name!r}, which is not known here")
    plan = Plan.from_json(first["plan"])
    group = RunGroup(
        plan=plan,
        module=module,
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
    rs = _RunSession(req, client, module, first["machine"], newest, measured_sources(module))
    rs.group = group
    rs.engine = Session(plan, builds, {}, module.root, Runner(), progress, done)
    per_cell = plan.samples_per_cell()
    todo = sum(max(0, per_cell - done.get(c.key, 0)) for c in plan.cells)
    progress.note(f"resuming {newest}: {todo} samples left of {per_cell * len(plan.cells)}")
    _execute(rs, started)
    return rs


def samples_in(run_dir: Path, go: str) -> dict[str, int]:
    raw = run_dir / store.RAW
    return (
        count_samples(raw.read_text(encoding="utf-8", errors="replace"), go) if raw.exists() else {}
    )
