"""Run the built test binaries and append their output to raw text as it arrives.

Two orders (``--order``):

* ``interleaved`` (default): a short pilot calibrates each cell's iteration
  count once (like pyperf calibrates loops); then ``--count`` rounds each run
  every cell once, as its own process, with ``-test.benchtime=<N>x
  -test.count=k`` (``k`` = ``samples_per_round``, 1 unless asked). Within a
  round the pairs are shuffled with a recorded seed, and the two variants of a
  pair run back to back, escape first in even rounds and noescape first in odd
  ones, so drift on a noisy machine spreads over all cells and mostly cancels
  within a pair. Go's own b.N ramp-up is paid once, in the pilot.
* ``sequential``: the plain workflow, one ``-test.count=N -test.benchtime=D``
  invocation per toolchain and GC setting.

Why one short process per cell and round rather than many samples per process
(which would amortise the ~15-30 ms a process costs: exec, Go's init and the
``runtime.GC()`` the testing package runs before every ``b.N`` loop): on a
shared machine the noise is other processes taking the CPU, and it changes
over hundreds of milliseconds, so samples taken back to back in one process
share it and add little information. Measured on a 2-core shared VM with
``benchmarks/harness.py`` (README, "Precision and overhead"), five samples per
process brought the overhead ratio from 1.14-1.22 to 1.06-1.11 but widened
the ratio intervals 1.2-1.5x at equal wall time. ``samples_per_round`` > 1 is
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
``analysis.rounds`` resamples.

A *cell* is one benchmark variant under one toolchain and one GC setting. A
failed cell (panic, timeout) is recorded in the plan and skipped; the run goes
on. Nothing here computes statistics.
"""

from __future__ import annotations

import contextlib
import math
import os
import random
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TextIO

from bench import benchfmt
from bench.build import Build
from bench.errors import BenchError

DEFAULT_COUNT = 10
DEFAULT_BENCHTIME = "100ms"
#: Pilot samples per cell; the fastest sets the loop count (see :func:`pilot`).
PILOT_COUNT = 2
QUICK_COUNT = 6
QUICK_BENCHTIME = "5ms"
_DURATION_RE = re.compile(r"^(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)$")
_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_benchtime(text: str) -> tuple[float | None, int | None]:
    """``100ms`` -> (0.1, None); ``500x`` -> (None, 500), as Go's -test.benchtime reads it."""
    t = text.strip()
    if t.endswith("x") and t[:-1].isdigit() and int(t[:-1]) > 0:
        return None, int(t[:-1])
    m = _DURATION_RE.match(t)
    if not m or float(m.group(1)) <= 0:
        raise BenchError(f"--benchtime {text!r}: not a duration like 100ms or 1s, nor a count "
                         "like 500x: pass e.g. --benchtime 200ms")
    return float(m.group(1)) * _UNITS[m.group(2)], None


@dataclass(frozen=True)
class Setting:
    """The GC setting a cell runs under; recorded as config lines in raw.txt."""

    gogc: str = "100"
    live_heap: str = "0"

    def env(self) -> dict[str, str]:
        return {"GOGC": self.gogc, "ESCAPEBENCH_LIVE_HEAP": str(parse_size(self.live_heap))}

    def config_lines(self) -> str:
        return f"gogc: {self.gogc}\nlive-heap: {self.live_heap}\n"


def parse_size(text: str) -> int:
    """``256MiB`` -> 268435456; plain integers are bytes."""
    m = re.fullmatch(r"\s*(\d+)\s*(B|KiB|MiB|GiB|KB|MB|GB)?\s*", text)
    if not m:
        raise BenchError(f"--live-heap {text!r}: not a size like 0, 64MiB or 1GiB")
    mult = {"B": 1, None: 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "KB": 1000,
            "MB": 1000**2, "GB": 1000**3}[m.group(2)]
    return int(m.group(1)) * mult


@dataclass(frozen=True)
class Cell:
    """One benchmark variant under one toolchain and GC setting."""

    go: str  # toolchain version, e.g. go1.26.6
    bench: str  # name without "Benchmark" and without -procs, e.g. Foo/variant=escape
    setting: Setting = Setting()
    cpu: int | None = None

    @property
    def key(self) -> str:
        cpu = f" cpu={self.cpu}" if self.cpu else ""
        return (f"{self.go} {self.bench} gogc={self.setting.gogc} "
                f"live-heap={self.setting.live_heap}{cpu}")

    @property
    def pair(self) -> str:
        return re.sub(r"/variant=[^/]*", "", self.bench)

    def regex(self) -> str:
        return bench_regex([self.bench])


def bench_regex(names: Iterable[str]) -> str:
    """A ``-test.bench`` pattern selecting exactly these (sub-)benchmarks.

    Go splits the pattern on unbracketed ``/`` and matches each level; we anchor
    every level and join alternatives per level (sub-levels are anchored too).
    """
    levels: list[set[str]] = []
    for name in names:
        for i, part in enumerate(name.split("/")):
            if i >= len(levels):
                levels.append(set())
            levels[i].add(("Benchmark" if i == 0 else "") + part)
    out = []
    for parts in levels:
        alts = "|".join(sorted(re.escape(p).replace("/", r"\/") for p in parts))
        out.append(f"^({alts})$")
    return "/".join(out)


@dataclass
class Failure:
    cell: str
    kind: str  # build | panic | timeout | missing
    message: str


@dataclass
class Plan:
    """Everything needed to run, resume and explain a run group; stored in meta.json."""

    order: str
    count: int
    benchtime: str
    seed: int
    settings: list[Setting]
    cpus: list[int] = field(default_factory=list)
    calibration: dict[str, int] = field(default_factory=dict)  # cell key -> iterations
    cells: list[Cell] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    timeout: float | None = None
    samples_per_round: int = 1  # -test.count of each cell's process in a round (interleaved)

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["settings"] = [asdict(s) for s in self.settings]
        d["cells"] = [{"go": c.go, "bench": c.bench, "gogc": c.setting.gogc,
                       "live_heap": c.setting.live_heap, "cpu": c.cpu} for c in self.cells]
        return d

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Plan:
        settings = [Setting(**s) for s in d.get("settings", [])]
        cells = [Cell(c["go"], c["bench"], Setting(c["gogc"], c["live_heap"]), c.get("cpu"))
                 for c in d.get("cells", [])]
        return cls(order=d["order"], count=int(d["count"]), benchtime=d["benchtime"],
                   seed=int(d["seed"]), settings=settings, cpus=list(d.get("cpus", [])),
                   calibration=dict(d.get("calibration", {})), cells=cells,
                   failures=[Failure(**f) for f in d.get("failures", [])],
                   timeout=d.get("timeout"),
                   samples_per_round=int(d.get("samples_per_round", 1)))


class Interrupted(BenchError):
    """SIGINT/SIGTERM arrived; everything finished so far is on disk."""


class RawSink:
    """Appends benchmark text to one raw.txt, flushed and fsynced per cell."""

    def __init__(self, path: Path, header: str) -> None:
        self.path = path
        self._setting: Setting | None = None
        new = not path.exists() or path.stat().st_size == 0
        self._f: TextIO = open(path, "a", encoding="utf-8")  # noqa: SIM115 - closed in close()
        if new:
            self.write(header)

    def write(self, text: str) -> None:
        self._f.write(text)
        self._f.flush()
        os.fsync(self._f.fileno())

    def write_cell(self, setting: Setting, output: str) -> None:
        lines = "" if setting == self._setting else setting.config_lines()
        self._setting = setting
        self.write(lines + output)

    def close(self) -> None:
        self._f.close()


@dataclass
class Progress:
    """A one-line status on stderr when it is a terminal; silent otherwise."""

    total_seconds: float = 0.0
    done_seconds: float = 0.0
    started: float = field(default_factory=time.monotonic)
    stream: TextIO = field(default_factory=lambda: sys.stderr)
    enabled: bool | None = None

    def __post_init__(self) -> None:
        if self.enabled is None:
            self.enabled = hasattr(self.stream, "isatty") and self.stream.isatty()

    def show(self, what: str) -> None:
        if not self.enabled:
            return
        elapsed = time.monotonic() - self.started
        left = ""
        if self.done_seconds > 0 and self.total_seconds > self.done_seconds:
            rate = elapsed / self.done_seconds
            left = f" · ~{_clock((self.total_seconds - self.done_seconds) * rate)} left"
        line = f"{what} · {_clock(elapsed)} elapsed{left}"
        width = 118
        self.stream.write("\r" + line[:width].ljust(width))
        self.stream.flush()

    def message(self, text: str) -> None:
        """A permanent line (e.g. a failure), also shown when not a terminal."""
        if self.enabled:
            self.stream.write("\r" + " " * 118 + "\r")
        self.stream.write(text + "\n")
        self.stream.flush()

    def done(self) -> None:
        if self.enabled:
            self.stream.write("\r" + " " * 118 + "\r")
            self.stream.flush()


def _clock(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else \
        f"{s // 60}:{s % 60:02d}"


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

    def run(self, binary: Path, args: Sequence[str], env: dict[str, str], cwd: Path,
            timeout: float) -> Outcome:
        self.check()
        start = time.monotonic()
        argv = [str(binary), *args]
        try:
            self._proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.PIPE,
                                          stderr=subprocess.STDOUT, text=True, errors="replace",
                                          start_new_session=True)
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
    args = ["-test.run=^$", f"-test.bench={pattern}", "-test.benchmem",
            f"-test.benchtime={benchtime}", f"-test.count={count}"]
    if cpu:
        args.append(f"-test.cpu={cpu}")
    return args


def default_timeout(seconds_expected: float) -> float:
    """Per-binary timeout: generous against a slow machine, but a hang is noticed."""
    return max(60.0, 10.0 * seconds_expected + 30.0)


def _failure_text(out: Outcome) -> str:
    lines = [ln for ln in out.output.splitlines() if ln.strip()]
    if out.timed_out:
        return f"timed out after {out.seconds:.0f}s"
    keep = [ln for ln in lines if ln.startswith(("panic", "--- FAIL", "fatal error", "FAIL"))
            or "error" in ln.lower()] or lines
    return " | ".join(keep[:4])[:400] or f"exit {out.returncode}"


def pilot(runner: Runner, build: Build, names_regex: str, setting: Setting,
          benchtime_s: float, cwd: Path, timeout: float | None
          ) -> tuple[dict[str, float], list[Failure]]:
    """Run everything at a short benchtime: discovers cells and their time per op.

    Each cell is piloted :data:`PILOT_COUNT` times and its fastest sample is
    kept: a single sample hit by a neighbour's burst would set a loop count
    several times too small for the whole run (seen on a shared VM: 730
    instead of 6600 loops), and a sample has fixed costs that then weigh on
    every sample of that run (measured there: MakeAboveImplicitLimit's escape
    variant took ~25 µs/op at 300 loops and ~20 µs/op at 3000).

    If a benchmark panics or hangs, the process dies with it; the top-level
    benchmarks that produced nothing are then piloted one by one, so one bad
    case is reported as a failure and the others are still measured.
    """
    secs = max(0.001, min(benchtime_s, 0.05))
    env = build.toolchain.env(**setting.env())
    go = build.toolchain.version
    out = runner.run(build.binary, bench_args(names_regex, f"{secs:g}s", PILOT_COUNT), env,
                     cwd, timeout or 300)
    results = benchfmt.parse(out.output, "pilot").results
    failures: list[Failure] = []
    if out.returncode != 0 or out.timed_out:
        listed = runner.run(build.binary, ["-test.list", names_regex.split("/")[0]], env, cwd,
                            60)
        tops = [ln.strip() for ln in listed.output.splitlines() if ln.startswith("Benchmark")]
        seen = {r.name.base for r in results}
        for top in tops:
            if top.removeprefix("Benchmark") in seen:
                continue
            # our convention names the variants: try each alone, so the good one survives
            for variant in ("escape", "noescape"):
                cell = f"{top.removeprefix('Benchmark')}/variant={variant}"
                alone = runner.run(build.binary, bench_args(bench_regex([cell]), f"{secs:g}s",
                                                            1), env, cwd, timeout or 60)
                got = benchfmt.parse(alone.output, "pilot").results
                results.extend(got)
                if alone.returncode != 0 or alone.timed_out:
                    kind = "timeout" if alone.timed_out else "panic"
                    failures.append(Failure(Cell(go, cell, setting).key, kind,
                                            _failure_text(alone)))
    if not results:
        raise BenchError(f"{go}: the benchmarks failed before measuring anything "
                         f"({_failure_text(out)}): run with --cases to leave the failing case "
                         "out")
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


def round_order(cells: Sequence[Cell], seed: int, rnd: int) -> list[Cell]:
    """The order of one round: pairs shuffled by (seed, round), variants alternating.

    Deterministic given the seed, so a resumed run repeats the same plan.
    """
    groups: dict[tuple[str, str, Setting, int | None], list[Cell]] = {}
    for c in cells:
        groups.setdefault((c.go, c.pair, c.setting, c.cpu), []).append(c)
    keys = sorted(groups, key=lambda k: (k[0], k[1], k[2].gogc, k[2].live_heap, k[3] or 0))
    rng = random.Random(f"{seed}:{rnd}")
    rng.shuffle(keys)
    order: list[Cell] = []
    for i, k in enumerate(keys):
        variants = sorted(groups[k], key=lambda c: c.bench)  # escape < noescape
        if (rnd + i) % 2:
            variants.reverse()
        order.extend(variants)
    return order


def execute(plan: Plan, builds: dict[str, Build], sinks: dict[str, RawSink], cwd: Path, *,
            done: dict[str, int] | None = None, runner: Runner | None = None,
            progress: Progress | None = None,
            on_round: Callable[[int], None] | None = None,
            stop: Callable[[], bool] | None = None) -> None:
    """Run the plan's remaining samples; ``done`` counts samples already in raw.txt per cell.

    ``stop`` is asked before each interleaved round; when it says so, the run
    ends after the rounds done so far (a time budget: every cell then has the
    same number of whole rounds, which a cut inside a round would break).
    """
    runner = runner or Runner()
    progress = progress or Progress()
    done = dict(done or {})
    failed = {f.cell for f in plan.failures}
    if plan.order == "sequential":
        _sequential(plan, builds, sinks, cwd, runner, progress, done, failed)
        if on_round:
            on_round(plan.count)
        return
    _, fixed_n = parse_benchtime(plan.benchtime)
    k = max(1, plan.samples_per_round)
    expected = {c.key: _expected_seconds(plan, c) for c in plan.cells}
    progress.total_seconds = sum(expected.values()) * plan.count * k
    progress.done_seconds = sum(expected[c] * min(v, plan.count * k) for c, v in done.items()
                                if c in expected)
    with runner.signals():
        for rnd in range(1, plan.count + 1):
            if stop is not None and stop():
                break
            for i, cell in enumerate(round_order(plan.cells, plan.seed, rnd)):
                if cell.key in failed or done.get(cell.key, 0) >= rnd * k:
                    continue
                progress.show(f"{cell.go} round {rnd}/{plan.count} · {i + 1}/{len(plan.cells)}"
                              f" · {cell.bench}")
                n = fixed_n or plan.calibration.get(cell.key, 1)
                timeout = plan.timeout or default_timeout(expected[cell.key] * k)
                b = builds[cell.go]
                out = runner.run(b.binary, bench_args(cell.regex(), f"{n}x", k, cell.cpu),
                                 b.toolchain.env(**cell.setting.env()), cwd, timeout)
                results = benchfmt.parse(out.output, "cell").results
                if out.returncode != 0 or out.timed_out or len(results) != k:
                    # nothing of a failed process is kept: rounds stay whole (see module doc)
                    kind = "timeout" if out.timed_out else ("panic" if out.returncode else
                                                            "missing")
                    plan.failures.append(Failure(cell.key, kind, _failure_text(out)))
                    failed.add(cell.key)
                    progress.message(f"bench: {cell.key}: {kind}: {_failure_text(out)}")
                    continue
                sinks[cell.go].write_cell(cell.setting, out.output)
                done[cell.key] = done.get(cell.key, 0) + k
                progress.done_seconds += expected[cell.key] * k
            if on_round:
                on_round(rnd)
    progress.done()


def _expected_seconds(plan: Plan, cell: Cell) -> float:
    secs, n = parse_benchtime(plan.benchtime)
    return secs if secs is not None else 0.01 * (n or 1) / 1000 + 0.01


def _sequential(plan: Plan, builds: dict[str, Build], sinks: dict[str, RawSink], cwd: Path,
                runner: Runner, progress: Progress, done: dict[str, int],
                failed: set[str]) -> None:
    """The plain workflow: one -test.count=N invocation per toolchain, setting and cpu."""
    groups: dict[tuple[str, Setting, int | None], list[Cell]] = {}
    for c in plan.cells:
        if c.key not in failed and done.get(c.key, 0) < plan.count:
            groups.setdefault((c.go, c.setting, c.cpu), []).append(c)
    secs, _ = parse_benchtime(plan.benchtime)
    progress.total_seconds = sum(len(v) for v in groups.values()) * plan.count * (secs or 0.1)
    with runner.signals():
        for (go, setting, cpu), cells in groups.items():
            progress.show(f"{go} gogc={setting.gogc} · {len(cells)} benchmarks × {plan.count}")
            b = builds[go]
            expected = len(cells) * plan.count * (secs or 0.1) * 2
            timeout = plan.timeout or default_timeout(expected)
            out = runner.run(b.binary, bench_args(bench_regex(c.bench for c in cells),
                                                  plan.benchtime, plan.count, cpu),
                             b.toolchain.env(**setting.env()), cwd, timeout)
            parsed = benchfmt.parse(out.output, "seq")
            got = {r.name.without_procs for r in parsed.results}
            if parsed.results:
                # keep only the benchmark text: a panic's "panic: x" line would read as config
                text = out.output if out.returncode == 0 else _bench_lines(out.output)
                sinks[go].write_cell(setting, text)
            for c in cells:
                if c.bench in got:
                    done[c.key] = plan.count
            if out.returncode != 0 or out.timed_out:
                # one bad benchmark killed the process: run the rest one by one
                for c in cells:
                    if c.bench in got:
                        continue
                    alone = runner.run(b.binary, bench_args(c.regex(), plan.benchtime,
                                                            plan.count, cpu),
                                       b.toolchain.env(**setting.env()), cwd,
                                       plan.timeout or default_timeout(plan.count * (secs or 0.1)
                                                                       * 2))
                    results = benchfmt.parse(alone.output, "seq").results
                    if alone.returncode == 0 and results:
                        sinks[go].write_cell(setting, alone.output)
                        done[c.key] = plan.count
                    else:
                        kind = "timeout" if alone.timed_out else "panic"
                        plan.failures.append(Failure(c.key, kind, _failure_text(alone)))
                        progress.message(f"bench: {c.key}: {kind}: {_failure_text(alone)}")
            progress.done_seconds += len(cells) * plan.count * (secs or 0.1)
    progress.done()


def _bench_lines(output: str) -> str:
    keep = [ln for ln in output.splitlines(keepends=True)
            if ln.startswith(("Benchmark", "goos:", "goarch:", "pkg:", "cpu:"))]
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
