"""Run the built test binaries and append their output to raw text as it arrives.

Two orders (``--order``):

* ``interleaved`` (default): a short pilot (``bench.pilot``) calibrates each
  cell's iteration count once (like pyperf calibrates loops); then
  ``--count`` rounds each run every cell once with ``-test.benchtime=<N>x
  -test.count=k`` (``k`` = ``samples_per_round``, 1 unless asked): a pair in
  ``plan.together`` as one process for both variants (``--process pair``,
  the default, where the pair's benchmark follows ``FIRST_ENV``), any other
  cell as its own process. Within a round the pairs are shuffled with a
  recorded seed, and the two variants of a pair run back to back in ABBA
  order over rounds (escape first, then noescape first twice, then escape
  first: see :func:`round_order`; in a pair process ``FIRST_ENV`` names the
  first), so drift on a noisy machine spreads over all cells and, with any
  effect of going first, cancels within a pair. Go's own b.N ramp-up is paid
  once, in the pilot.
* ``sequential``: the plain workflow, one ``-test.count=N -test.benchtime=D``
  invocation per toolchain and GC setting.

Why one short process per pair (or cell) and round rather than many samples
per process (which would amortise the ~10 ms a process costs: exec, Go's
init and the ``runtime.GC()`` the testing package runs around every ``b.N``
loop): on a shared machine the noise is other processes taking the CPU, and
it changes over hundreds of milliseconds, so samples of one variant taken
back to back in one process share it and add little information. The two
variants of a pair, on the other hand, are what the estimator compares, so
sharing a process (and its moment of the machine) is what pairing wants: the
harness measured the same interval width at an overhead of 1.13 instead of
1.31 (README, "Precision and overhead"). Measured earlier on a 2-core shared
VM with ``benchmarks/harness.py``, five samples of one cell per process
brought the overhead ratio from 1.14-1.22 to 1.06-1.11 but widened the ratio
intervals 1.2-1.5x at equal wall time. ``samples_per_round`` > 1 is
for processes whose start is dear, e.g. with ``--live-heap``: a process with
a 64 MiB ballast took about a second to start there.

**The round of a sample is recoverable from raw.txt**: an interleaved run
writes each cell's samples in round order, ``k`` per round (``k`` is the
``escapebench-samples-per-round`` config line, absent when 1), and a process's
output is written whole or not at all, so the *i*-th sample of a cell (in
file order, counting from 0) belongs to round ``i // k``. A failed cell stops
at a round boundary; a resumed run fills missing rounds in order (so the
round an interruption cut has its two variants minutes apart). The escape and
noescape samples of the same round were measured back to back, which is what
the escape-cost estimator (``analysis.escape_cost``) pairs.

A *cell* is one benchmark variant under one toolchain and one GC setting. A
failed cell (panic, timeout) is recorded in the plan and skipped; the run goes
on. The machine's load is sampled around every round (``bench.machine``), so
a report can say when a neighbour changed the conditions. Nothing here
computes statistics.

Neighbours: ``bench.plan`` (the data), ``bench.matrix`` (plans and stores),
``bench.progress`` (what the user sees).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from bench import benchfmt, machine
from bench.build import Build
from bench.errors import Interrupted
from bench.model import Result
from bench.plan import (
    ABBA,
    FIRST_ENV,
    Cell,
    Failure,
    Plan,
    Setting,
    bench_regex,
    parse_benchtime,
    round_order,
    variant,
)
from bench.progress import EtaModel, Phase, Progress, clock
from bench.vocab import keys


class RawSink:
    """Appends benchmark text to one raw.txt, flushed and fsynced per cell.

    With ``keep``, it also keeps the records written so far (``results``), as
    ``benchfmt.parse_file`` of the file would give them: each output is parsed
    once, with the header's and its setting's config lines before it, so a
    precision-target check between rounds reads nothing back from disk (a
    resumed file is parsed once, at opening).
    """

    def __init__(self, path: Path, header: str, *, keep: bool = False) -> None:
        self.path = path
        self._setting: Setting | None = None
        self._process: str | None = None
        self._header = header
        self.results: list[Result] | None = None
        new = not path.exists() or path.stat().st_size == 0
        if keep:
            self.results = [] if new else list(benchfmt.parse_file(path, str(path)).results)
        self._f: TextIO = open(path, "a", encoding="utf-8")  # noqa: SIM115 - closed in close()
        if new:
            self.write(header)

    def write(self, text: str) -> None:
        self._f.write(text)
        self._f.flush()
        os.fsync(self._f.fileno())

    def write_cell(self, setting: Setting, output: str, process: str | None = None) -> None:
        """One process's output, after its GC setting's and process kind's config lines
        (each written when it changes; ``process`` None for the sequential workflow)."""
        lines = "" if setting == self._setting else setting.config_lines()
        kind = "" if process is None else f"{keys.PROCESS}: {process}\n"
        if process is not None and process != self._process:
            lines += kind
        self._setting, self._process = setting, process or self._process
        self.write(lines + output)
        if self.results is not None:
            text = self._header + setting.config_lines() + kind + output
            self.results.extend(benchfmt.parse(text, str(self.path)).results)

    def close(self) -> None:
        self._f.close()


@dataclass
class Outcome:
    returncode: int
    output: str
    timed_out: bool
    seconds: float


class Runner:
    """Runs test binaries as subprocesses, killable as a group on timeout or signal."""

    def __init__(self) -> None:
        self._proc: subprocess.Popen[str] | None = None
        self.interrupted: int | None = None

    def run(
        self, binary: Path, args: Sequence[str], env: dict[str, str], cwd: Path, timeout: float
    ) -> Outcome:
        self.check()
        start = time.monotonic()
        argv = [str(binary), *args]
        try:
            self._proc = subprocess.Popen(
                argv,
                cwd=cwd,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                errors="replace",
                start_new_session=True,
            )
        except OSError as e:
            return Outcome(-1, f"cannot start {binary}: {e}", False, 0.0)
        try:
            out, _ = self._proc.communicate(timeout=timeout)
            timed_out = False
        except subprocess.TimeoutExpired:
            self._kill()
            out, _ = self._proc.communicate()
            timed_out = True
        rc = self._proc.returncode
        self._proc = None
        self.check()
        return Outcome(rc, out or "", timed_out, time.monotonic() - start)

    def check(self) -> None:
        """Raise ``Interrupted`` at a safe point if a signal arrived."""
        if self.interrupted is not None:
            raise Interrupted(f"interrupted by signal {self.interrupted}")

    def _kill(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self._proc.pid, signal.SIGKILL)

    @contextlib.contextmanager
    def signals(self):  # type: ignore[no-untyped-def]
        """Turn SIGINT/SIGTERM into ``Interrupted`` after killing the running benchmark."""

        def handler(signum: int, _frame: object) -> None:
            # only flag and kill: raising here could cut a write in half
            self.interrupted = signum
            self._kill()

        old = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            for s in old:
                signal.signal(s, handler)
        except ValueError:  # not the main thread: leave signals alone
            old = {}
        try:
            yield
        finally:
            for s, h in old.items():
                signal.signal(s, h)


def bench_args(pattern: str, benchtime: str, count: int, cpu: int | None = None) -> list[str]:
    args = [
        "-test.run=^$",
        f"-test.bench={pattern}",
        "-test.benchmem",
        f"-test.benchtime={benchtime}",
        f"-test.count={count}",
    ]
    if cpu:
        args.append(f"-test.cpu={cpu}")
    return args


def default_timeout(seconds_expected: float) -> float:
    """Per-binary timeout: generous against a slow machine, but a hang is noticed."""
    return max(60.0, 10.0 * seconds_expected + 30.0)


def failure_text(out: Outcome) -> str:
    lines = [ln for ln in out.output.splitlines() if ln.strip()]
    if out.timed_out:
        return f"timed out after {out.seconds:.0f}s"
    keep = [
        ln
        for ln in lines
        if ln.startswith(("panic", "--- FAIL", "fatal error", "FAIL")) or "error" in ln.lower()
    ] or lines
    return " | ".join(keep[:4])[:400] or f"exit {out.returncode}"


def eta_model(plan: Plan, done: dict[str, int]) -> EtaModel:
    """The ETA model of what is left of an interleaved plan (see ``bench.progress``)."""
    target_s, fixed_n = parse_benchtime(plan.benchtime)
    k = max(1, plan.samples_per_round)
    failed = {f.cell for f in plan.failures}
    predicted: dict[str, float] = {}
    left: dict[str, int] = {}
    for c in plan.cells:
        n = fixed_n or plan.calibration.get(c.key, 1)
        per_op = plan.per_op.get(c.key)
        predicted[c.key] = k * (n * per_op if per_op is not None else (target_s or 0.0))
        todo = plan.count - done.get(c.key, 0) // k
        left[c.key] = 0 if c.key in failed or c.key in plan.stopped else max(0, todo)
    return EtaModel(predicted, left)


@dataclass
class Session:
    """One run of a plan: what to run and where to write, and what is done.

    ``bench.matrix`` makes one per run group and keeps it (no unpacking into
    parameters and packing again); :func:`execute` makes one for a caller
    that has only the parts. ``done`` counts samples already in raw.txt per
    cell; ``stop`` is asked before each interleaved round (a time budget: the
    run ends after whole rounds); ``on_round`` is called after each round;
    ``load`` receives one entry per round (``bench.machine.load_entry``);
    ``met`` (a precision target) is asked after every whole ABBA cycle for the
    cells whose pair has met it: they get no more rounds (``plan.stopped``);
    ``messages`` collects the lines about failed cells, as values.
    """

    plan: Plan
    builds: dict[str, Build]
    sinks: dict[str, RawSink]
    cwd: Path
    runner: Runner = field(default_factory=Runner)
    progress: Progress = field(default_factory=lambda: Progress(enabled=False))
    done: dict[str, int] = field(default_factory=dict)
    on_round: Callable[[int], None] | None = None
    stop: Callable[[], bool] | None = None
    met: Callable[[], set[str]] | None = None
    load: list[dict[str, Any]] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)

    def note(self, line: str) -> None:
        """A line about the run: kept as a value and shown on the progress display."""
        self.messages.append(line)
        self.progress.message(f"bench: {line}")


def execute(
    plan: Plan,
    builds: dict[str, Build],
    sinks: dict[str, RawSink],
    cwd: Path,
    *,
    done: dict[str, int] | None = None,
    runner: Runner | None = None,
    progress: Progress | None = None,
    on_round: Callable[[int], None] | None = None,
    stop: Callable[[], bool] | None = None,
    load: list[dict[str, Any]] | None = None,
) -> None:
    """Run the plan's remaining samples (see :class:`Session` for the parts)."""
    session = Session(plan, builds, sinks, cwd, done=dict(done or {}), on_round=on_round)
    session.runner = runner or session.runner
    session.progress = progress or session.progress
    session.stop = stop
    session.load = load if load is not None else session.load
    rounds(session)


def rounds(s: Session) -> None:
    """Run what is left of ``s.plan``: interleaved rounds, or the sequential workflow."""
    plan, progress = s.plan, s.progress
    if plan.order == "sequential":
        _sequential(s)
        if s.on_round:
            s.on_round(plan.count)
        return
    eta = eta_model(plan, s.done)
    total = sum(eta.left.values())
    log = machine.LoadLog(s.load)
    with (
        s.runner.signals(),
        progress.phase(
            "rounds", f"{len(plan.cells)} cells × {plan.count} rounds", total=total
        ) as ph,
    ):
        last = 0
        plan.ended = "count"
        for rnd in range(1, plan.count + 1):
            if s.stop is not None and s.stop():
                plan.ended = "budget"
                break
            if _all_stopped(plan):
                plan.ended = "target"
                break
            last = rnd
            log.start(rnd)
            _round(s, rnd, eta, ph)
            log.end(rnd)
            ph.line(
                f"round {rnd}/{plan.count} · {ph.elapsed:.0f}s elapsed · "
                f"~{clock(eta.seconds_left())} left"
            )
            if s.met is not None and rnd % len(ABBA) == 0:
                _stop_met(s, rnd, eta)
            if s.on_round:
                s.on_round(rnd)
        log.end(last, force=True)  # the last group, however short
        ph.update(detail=f"{ph.completed:.0f} of {total} samples")


def _stop_met(s: Session, rnd: int, eta: EtaModel) -> None:
    """Cells whose pair met the precision target leave the rounds (kept in ``plan.stopped``)."""
    assert s.met is not None
    for key in s.met():
        if key not in s.plan.stopped:
            s.plan.stopped[key] = rnd
            eta.drop(key)


def _all_stopped(plan: Plan) -> bool:
    """Every cell met the target or failed: nothing is left to measure."""
    if not plan.stopped:
        return False
    failed = {f.cell for f in plan.failures}
    return all(c.key in plan.stopped or c.key in failed for c in plan.cells)


def _round(s: Session, rnd: int, eta: EtaModel, ph: Phase) -> None:
    """Run every cell still missing round ``rnd``; a failed cell leaves the plan.

    A cell with a partner in ``plan.together`` runs in one process with it,
    the one the round order puts first running first (``FIRST_ENV``).
    """
    plan, done = s.plan, s.done
    k = max(1, plan.samples_per_round)
    order = round_order(plan.cells, plan.seed, rnd)
    for i, cell in enumerate(order):
        failed = {f.cell for f in plan.failures}
        if cell.key in failed or cell.key in plan.stopped or done.get(cell.key, 0) >= rnd * k:
            continue
        ph.update(
            detail=f"round {rnd}/{plan.count} · {i + 1}/{len(order)} · {cell.bench}",
            eta=eta.seconds_left(),
        )
        partner = next((c for c in order if c.key == plan.together.get(cell.key)), None)
        if partner is not None and (
            partner.key in failed
            or partner.key in plan.stopped
            or done.get(partner.key, 0) >= rnd * k
        ):
            partner = None  # e.g. a resumed round that has the partner's sample already
        if partner is not None and _pair_process(s, cell, partner, eta):
            ph.update(advance=2, eta=eta.seconds_left())
            continue
        if _cell_process(s, cell, eta):
            ph.update(advance=1, eta=eta.seconds_left())


def _launch(s: Session, cells: Sequence[Cell], env: dict[str, str], eta: EtaModel) -> Outcome:
    """One process measuring ``cells`` (one cell, or a pair sharing its loop count)."""
    plan, first = s.plan, cells[0]
    _, fixed_n = parse_benchtime(plan.benchtime)
    k = max(1, plan.samples_per_round)
    n = fixed_n or plan.calibration.get(first.key, 1)
    expected = sum(eta.predicted[c.key] for c in cells) + 0.05 * k * len(cells)
    b = s.builds[first.go]
    return s.runner.run(
        b.binary,
        bench_args(bench_regex(c.bench for c in cells), f"{n}x", k, first.cpu),
        b.toolchain.env(**first.setting.env(), **env),
        s.cwd,
        plan.timeout or default_timeout(expected),
    )


def _failed(s: Session, cells: Sequence[Cell], out: Outcome, eta: EtaModel) -> None:
    """The process of ``cells`` failed: nothing of it is kept (rounds stay whole)."""
    kind = "timeout" if out.timed_out else ("panic" if out.returncode else "missing")
    for c in cells:
        s.plan.failures.append(Failure(c.key, kind, failure_text(out)))
        eta.drop(c.key)
        s.note(f"{c.key}: {kind}: {failure_text(out)}")


def _cell_process(s: Session, cell: Cell, eta: EtaModel) -> bool:
    """One sample process of one cell; False when it failed."""
    k = max(1, s.plan.samples_per_round)
    out = _launch(s, [cell], {}, eta)
    results = benchfmt.parse(out.output, "cell").results
    if out.returncode != 0 or out.timed_out or len(results) != k:
        _failed(s, [cell], out, eta)
        return False
    s.sinks[cell.go].write_cell(cell.setting, out.output, _process(s.plan, "cell"))
    s.done[cell.key] = s.done.get(cell.key, 0) + k
    eta.observe(cell.key, out.seconds)
    return True


def _pair_process(s: Session, first: Cell, second: Cell, eta: EtaModel) -> bool:
    """Both variants of a pair in one process, ``first`` first; False to run them as cells.

    A benchmark that did not run its variants in the order asked (it does not
    read ``FIRST_ENV``) leaves ``plan.together`` and its output is dropped, so
    no pair sample is kept whose order was not chosen.
    """
    plan, k = s.plan, max(1, s.plan.samples_per_round)
    out = _launch(s, [first, second], {FIRST_ENV: variant(first)}, eta)
    results = benchfmt.parse(out.output, "pair").results
    if out.returncode != 0 or out.timed_out or len(results) != 2 * k:
        _failed(s, [first, second], out, eta)
        return True
    if [r.name.without_procs for r in results] != [first.bench] * k + [second.bench] * k:
        plan.together.pop(first.key, None)
        plan.together.pop(second.key, None)
        s.note(f"{first.pair}: its variants ignore {FIRST_ENV}: measured as one process each")
        return False
    s.sinks[first.go].write_cell(first.setting, out.output, "pair")
    predicted = [eta.predicted[c.key] for c in (first, second)]
    for c, p in zip((first, second), predicted, strict=True):
        s.done[c.key] = s.done.get(c.key, 0) + k
        eta.observe(c.key, out.seconds * (p / sum(predicted) if sum(predicted) > 0 else 0.5))
    return True


def _process(plan: Plan, kind: str) -> str | None:
    """The process config line's value of an interleaved run's sample (None: sequential)."""
    return None if plan.order == "sequential" else kind


def _sequential(s: Session) -> None:
    """The plain workflow: one -test.count=N invocation per toolchain, setting and cpu.

    Each invocation is one load "round" (numbered from 1 in plan order).
    """
    plan, builds, runner, done = s.plan, s.builds, s.runner, s.done
    failed = {f.cell for f in plan.failures}
    groups: dict[tuple[str, Setting, int | None], list[Cell]] = {}
    for c in plan.cells:
        if c.key not in failed and done.get(c.key, 0) < plan.count:
            groups.setdefault((c.go, c.setting, c.cpu), []).append(c)
    secs, _ = parse_benchtime(plan.benchtime)
    log = machine.LoadLog(s.load)
    # Go ramps b.N up before each sample: about twice the benchtime per sample
    left = sum(len(v) for v in groups.values()) * plan.count * (secs or 0.1) * 2
    with (
        runner.signals(),
        s.progress.phase(
            "rounds", f"{len(plan.cells)} benchmarks × {plan.count} (sequential)", total=len(groups)
        ) as ph,
    ):
        for i, ((go, setting, cpu), cells) in enumerate(groups.items(), 1):
            ph.update(detail=f"{go} gogc={setting.gogc} · {len(cells)} benchmarks", eta=left)
            log.start(i)
            timeout = plan.timeout or default_timeout(len(cells) * plan.count * (secs or 0.1) * 2)
            out = runner.run(
                builds[go].binary,
                bench_args(bench_regex(c.bench for c in cells), plan.benchtime, plan.count, cpu),
                builds[go].toolchain.env(**setting.env()),
                s.cwd,
                timeout,
            )
            parsed = benchfmt.parse(out.output, "seq")
            got = {r.name.without_procs for r in parsed.results}
            if parsed.results:
                # keep only the benchmark text: a panic's "panic: x" line would read as config
                text = out.output if out.returncode == 0 else _bench_lines(out.output)
                s.sinks[go].write_cell(setting, text)
            for c in cells:
                if c.bench in got:
                    done[c.key] = plan.count
            if out.returncode != 0 or out.timed_out:
                # one bad benchmark killed the process: run the rest one by one
                _one_by_one(s, go, [c for c in cells if c.bench not in got])
            log.end(i, force=True)
            left = max(0.0, left - len(cells) * plan.count * (secs or 0.1) * 2)
            ph.update(advance=1, eta=left)


def _one_by_one(s: Session, go: str, cells: list[Cell]) -> None:
    """Run each cell alone (sequential order), so one that panics costs only itself."""
    plan, b, sink = s.plan, s.builds[go], s.sinks[go]
    secs, _ = parse_benchtime(plan.benchtime)
    for c in cells:
        alone = s.runner.run(
            b.binary,
            bench_args(c.regex(), plan.benchtime, plan.count, c.cpu),
            b.toolchain.env(**c.setting.env()),
            s.cwd,
            plan.timeout or default_timeout(plan.count * (secs or 0.1) * 2),
        )
        results = benchfmt.parse(alone.output, "seq").results
        if alone.returncode == 0 and results:
            sink.write_cell(c.setting, alone.output)
            s.done[c.key] = plan.count
        else:
            kind = "timeout" if alone.timed_out else "panic"
            plan.failures.append(Failure(c.key, kind, failure_text(alone)))
            s.note(f"{c.key}: {kind}: {failure_text(alone)}")


def _bench_lines(output: str) -> str:
    keep = [
        ln
        for ln in output.splitlines(keepends=True)
        if ln.startswith(("Benchmark", "goos:", "goarch:", "pkg:", "cpu:"))
    ]
    return "".join(keep)


def count_samples(raw_text: str, go: str) -> dict[str, int]:
    """How many samples of each cell a raw.txt already holds (resume)."""
    counts: dict[str, int] = {}
    for r in benchfmt.parse(raw_text, "raw.txt").results:
        setting = Setting(r.config_value("gogc") or "100", r.config_value("live-heap") or "0")
        cell = Cell(go, r.name.without_procs, setting, None)
        counts[cell.key] = counts.get(cell.key, 0) + 1
        if r.name.procs is not None:
            ck = Cell(go, r.name.without_procs, setting, r.name.procs).key
            counts[ck] = counts.get(ck, 0) + 1
    return counts
