"""What the user asked ``bench run`` for, as a library value, and its checks.

``RunRequest`` mirrors the CLI flags; :func:`validate` refuses values outside
their range (``--count 0``, a zero or negative ``--benchtime``, an empty
``--gogc`` list, ``--repeat 0`` …) in one line each, before anything is built
or measured. Neighbours: ``bench.cli`` fills a request, ``bench.matrix`` runs it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.cases import Module
from bench.errors import BenchError
from bench.plan import (
    DEFAULT_BENCHTIME,
    DEFAULT_COUNT,
    QUICK_BENCHTIME,
    QUICK_COUNT,
    Setting,
    bench_regex,
    parse_benchtime,
    parse_size,
)


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
    repeat: int = 1  # complete runs, each its own run directory and seed
    calibration: Path | None = None  # a run directory whose loop counts to reuse

    def resolved_count(self) -> int:
        if self.count is not None:  # 0 is a value to refuse, not "the default"
            return self.count
        return QUICK_COUNT if self.quick else DEFAULT_COUNT

    def resolved_benchtime(self) -> str:
        if self.benchtime is not None:
            return self.benchtime
        return QUICK_BENCHTIME if self.quick else DEFAULT_BENCHTIME


def validate(req: RunRequest) -> list[Setting]:
    """Refuse values outside their range, one line each, before anything is built.

    Returns the GC settings the request names.
    """
    count = req.resolved_count()
    if count < 1:
        raise BenchError(
            f"--count {count}: must be at least 1 (rounds per benchmark): "
            f"pass e.g. --count {DEFAULT_COUNT}"
        )
    parse_benchtime(req.resolved_benchtime())
    if req.repeat < 1:
        raise BenchError(
            f"--repeat {req.repeat}: must be at least 1 (complete runs): pass e.g. --repeat 3"
        )
    if req.samples_per_round < 1:
        raise BenchError(f"samples per round {req.samples_per_round}: must be at least 1")
    if req.timeout is not None and req.timeout <= 0:
        raise BenchError(
            f"--timeout {req.timeout:g}: must be positive (seconds per test binary invocation)"
        )
    if req.order not in ("interleaved", "sequential"):
        raise BenchError(f"--order {req.order!r}: must be interleaved or sequential")
    cpus(req.cpu)
    return settings(req)


def settings(req: RunRequest) -> list[Setting]:
    gogcs = [g.strip() for g in req.gogc.split(",") if g.strip()]
    if not gogcs:
        raise BenchError(f"--gogc {req.gogc!r}: no value: pass e.g. --gogc 100 or 50,100,off")
    for g in gogcs:
        if g != "off" and not g.isdigit():
            raise BenchError(f"--gogc {g!r}: not a percentage or 'off': pass e.g. --gogc 50,100")
    heaps = [h.strip() for h in req.live_heap.split(",") if h.strip()]
    if not heaps:
        raise BenchError(
            f"--live-heap {req.live_heap!r}: no value: pass e.g. --live-heap 0 or 0,64MiB"
        )
    for h in heaps:
        parse_size(h)
    return [Setting(g, h) for g in gogcs for h in heaps]


def cpus(arg: str | None) -> list[int]:
    if arg is None:
        return []
    try:
        cpus = [int(c) for c in arg.split(",") if c.strip()]
    except ValueError:
        raise BenchError(f"--cpu {arg!r}: not a list of integers: pass e.g. --cpu 1,2,4") from None
    if not cpus or any(c < 1 for c in cpus):
        raise BenchError(f"--cpu {arg!r}: GOMAXPROCS values must be >= 1: pass e.g. --cpu 1,2,4")
    return cpus


def case_regex(module: Module, pattern: str | None) -> str:
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
