"""The plan of a run group: what to measure (cells under GC settings) and how (order,
rounds, loops), as data that meta.json stores and ``--resume`` reads back.

Neighbours: ``bench.run`` executes a plan, ``bench.matrix`` makes one from a
``RunRequest``. Nothing here runs a process.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from bench.errors import BenchError
from bench.vocab.sizes import size_bytes

#: The default run: 20 interleaved rounds of 40 ms samples. Twice the rounds of the
#: former 10 × 100 ms in about the same wall time (a process costs ~25 ms of overhead
#: either way), because the escape-cost interval is built from per-round ratios: more
#: rounds narrow it, longer samples barely do on a shared machine (see ``bench.run``).
#: A multiple of 4, so the ABBA order of each pair is balanced (see ``round_order``).
DEFAULT_COUNT = 20
DEFAULT_BENCHTIME = "40ms"
#: ``--quick``: 8 rounds (two ABBA cycles; the estimator wants at least 6) of 4 ms.
QUICK_COUNT = 8
QUICK_BENCHTIME = "4ms"
#: ``--target`` without ``--count``: at most 60 rounds, a pair stopping once it meets the
#: target (the most the simulation of the rule, ``simulate_target.MAX_ROUNDS``, checked).
TARGET_COUNT = 60
_DURATION_RE = re.compile(r"^(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)$")
_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


class SettingError(BenchError):
    """A setting of a run outside its range: names the setting (``count``, ``live_heap``),
    not a flag; the command line says which flag that is (``bench.cli.options``)."""

    def __init__(self, setting: str, value: object, reason: str) -> None:
        self.setting, self.value, self.reason = setting, str(value), reason
        super().__init__(f"{setting} {self.shown}: {reason}")

    @property
    def shown(self) -> str:
        """The value as a message shows it: quoted when empty or when it has spaces."""
        plain = self.value and not any(ch.isspace() or ch == "," for ch in self.value)
        return self.value if plain else repr(self.value)


def parse_benchtime(text: str) -> tuple[float | None, int | None]:
    """``100ms`` -> (0.1, None); ``500x`` -> (None, 500), as Go's -test.benchtime reads it.

    Zero and negative values are refused: Go would run one loop per sample and
    call that a measurement.
    """
    t = text.strip()
    if t.startswith("-") or re.fullmatch(r"0+(\.0*)?([a-zµ]*)", t):
        raise SettingError("benchtime", text, "must be positive: pass e.g. 40ms or 500x")
    if t.endswith("x") and t[:-1].isdigit():
        return None, int(t[:-1])
    seconds = parse_duration(t)
    if seconds is None:
        raise SettingError(
            "benchtime", text, "not a duration like 100ms or 1s, nor a count like 500x"
        )
    return seconds, None


def parse_duration(text: str) -> float | None:
    """``100ms`` -> 0.1, ``3m`` -> 180.0 (Go's duration units); None when it is not one."""
    m = _DURATION_RE.match(text.strip())
    return None if m is None else float(m.group(1)) * _UNITS[m.group(2)]


def parse_size(text: str) -> int:
    """``256MiB`` -> 268435456; plain integers are bytes (``bench.vocab.sizes``)."""
    size = size_bytes(text)
    if size is None:
        raise SettingError("live_heap", text, "not a size like 0, 64MiB or 1GiB")
    return size


@dataclass(frozen=True)
class Setting:
    """The GC setting a cell runs under; recorded as config lines in raw.txt."""

    gogc: str = "100"
    live_heap: str = "0"

    def env(self) -> dict[str, str]:
        return {"GOGC": self.gogc, "ESCAPEBENCH_LIVE_HEAP": str(parse_size(self.live_heap))}

    def config_lines(self) -> str:
        return f"gogc: {self.gogc}\nlive-heap: {self.live_heap}\n"


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
        return (
            f"{self.go} {self.bench} gogc={self.setting.gogc} "
            f"live-heap={self.setting.live_heap}{cpu}"
        )

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
    kind: str  # build | panic | timeout | missing | toolchain
    message: str


@dataclass
class Plan:
    """Everything needed to run, resume and explain a run group; stored in meta.json.

    ``per_op`` keeps the pilot's seconds per op of each cell: with the
    calibrated loops it predicts how long every remaining process takes, which
    is what the progress ETA adds up (also after ``--resume``).
    """

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
    per_op: dict[str, float] = field(default_factory=dict)  # cell key -> pilot sec/op
    calibration_id: str = ""  # short hash of the loop counts (``bench.calibration``)
    calibration_from: str = ""  # the run directory a reused calibration came from
    target: float | None = None  # --target: stop a pair once its interval is this narrow
    stopped: dict[str, int] = field(default_factory=dict)  # cell key -> round it met the target
    ended: str = ""  # why the rounds ended: count, target or budget ("" while running)
    process: str = "cell"  # "pair": a pair's variants share one process where they can
    together: dict[str, str] = field(default_factory=dict)  # cell key -> its partner's, both ways

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["settings"] = [asdict(s) for s in self.settings]
        d["cells"] = [
            {
                "go": c.go,
                "bench": c.bench,
                "gogc": c.setting.gogc,
                "live_heap": c.setting.live_heap,
                "cpu": c.cpu,
            }
            for c in self.cells
        ]
        return d

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Plan:
        settings = [Setting(**s) for s in d.get("settings", [])]
        cells = [
            Cell(c["go"], c["bench"], Setting(c["gogc"], c["live_heap"]), c.get("cpu"))
            for c in d.get("cells", [])
        ]
        return cls(
            order=d["order"],
            count=int(d["count"]),
            benchtime=d["benchtime"],
            seed=int(d["seed"]),
            settings=settings,
            cpus=list(d.get("cpus", [])),
            calibration=dict(d.get("calibration", {})),
            cells=cells,
            failures=[Failure(**f) for f in d.get("failures", [])],
            timeout=d.get("timeout"),
            samples_per_round=int(d.get("samples_per_round", 1)),
            per_op={k: float(v) for k, v in d.get("per_op", {}).items()},
            calibration_id=str(d.get("calibration_id", "")),
            calibration_from=str(d.get("calibration_from", "")),
            target=d.get("target"),
            stopped={k: int(v) for k, v in d.get("stopped", {}).items()},
            ended=str(d.get("ended", "")),
            process=str(d.get("process", "cell")),
            together={str(k): str(v) for k, v in d.get("together", {}).items()},
        )

    def samples_per_cell(self) -> int:
        """Samples each cell gets in total (rounds × samples per round when interleaved)."""
        return self.count * (max(1, self.samples_per_round) if self.order != "sequential" else 1)


#: How a round's samples are grouped into processes (``--process``): ``pair`` runs both
#: variants of a pair in one process, the first one chosen per round through
#: :data:`FIRST_ENV` (``gcstat.Variants`` in the cases reads it); ``cell`` one process per
#: variant. A pair whose benchmark does not follow the variable runs as cells.
PROCESSES = ("pair", "cell")
DEFAULT_PROCESS = "pair"
#: The environment variable naming the variant a pair process runs first.
FIRST_ENV = "ESCAPEBENCH_FIRST"


def variant(cell: Cell) -> str:
    """``Foo/variant=noescape`` -> ``noescape`` ("" for a benchmark without variants)."""
    m = re.search(r"/variant=([^/]*)", cell.bench)
    return m.group(1) if m else ""


#: One ABBA cycle over rounds: escape first (A) in the 1st and 4th round of every
#: four, noescape first in the 2nd and 3rd. Any effect of running first cancels
#: over each cycle, and so does a linear drift across the cycle's rounds.
ABBA = (False, True, True, False)


def round_order(cells: Sequence[Cell], seed: int, rnd: int) -> list[Cell]:
    """The order of round ``rnd`` (from 1): groups shuffled by (seed, round), ABBA inside.

    A group is the cells whose names differ only in their ``variant=`` level
    (``Cell.pair``): a pair's two variants run back to back, and a benchmark
    without variants is a group of one, so any set of benchmarks is simply
    shuffled; no client has to tell the engine. Half of the pairs (every
    other one in name order, so the same pairs every round) follow the
    mirrored cycle BAAB, so within any one round half the pairs run escape
    first. Deterministic given the seed, so a resumed run
    repeats the same plan.
    """
    groups: dict[tuple[str, str, Setting, int | None], list[Cell]] = {}
    for c in cells:
        groups.setdefault((c.go, c.pair, c.setting, c.cpu), []).append(c)
    keys = sorted(groups, key=lambda k: (k[0], k[1], k[2].gogc, k[2].live_heap, k[3] or 0))
    mirrored = {k: i % 2 == 1 for i, k in enumerate(keys)}
    rng = random.Random(f"{seed}:{rnd}")
    rng.shuffle(keys)
    order: list[Cell] = []
    for k in keys:
        variants = sorted(groups[k], key=lambda c: c.bench)  # escape < noescape
        if ABBA[(rnd - 1) % 4] != mirrored[k]:
            variants.reverse()
        order.extend(variants)
    return order
