"""What the report is made of: loaded runs → cost records, sample frames, conditions.

One job: gather. Every number (ratio, intervals, p-values, medians, whether a
pair escaped) comes from the escape-cost estimator through :func:`cost_records`,
the one place this package asks for statistics; this module only groups,
orders and labels. ``analysis.report.sections`` turns the result into blocks,
``analysis.plots`` into charts.

What is compared with what:

* A **condition** is the settings that must agree before samples may be pooled
  (machine, toolchain, GOGC, live heap, and the measurement settings). The
  estimator returns one record per pair and condition; runs of one condition
  give an across-runs interval, runs of different settings are never pooled
  (they are separate conditions, shown side by side).
* The **primary condition** — the machine with the most samples, its newest
  toolchain, the default GC setting — is the one the overview, the pair table
  and the per-pair charts show.
* Comparison charts (Go versions, machines, GC settings) take only the
  conditions measured like the primary one (:func:`like_primary`); a record's
  compiler witness comes from escape.json (``analysis.witness``), its GC CPU
  cell says when no GC cycle ended in a sample (``analysis.format.fmt_gc_cpu``).
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import numpy as np
import pandas as pd

from analysis import escape_cost, prices, witness
from analysis.order import gogc_key, size_key, version_key
from bench.model import LoadedRun, Result

DEFAULT_GOGC = "100"
DEFAULT_LIVE_HEAP = "0"
TIME_UNIT, ALLOCS_UNIT, BYTES_UNIT = "sec/op", "allocs/op", "B/op"
GC_CPU_UNIT, GC_CYCLES_UNIT = "gc-cpu-sec/op", "gc-cycles/op"


class CaseLike(Protocol):
    """What the report reads of a manifest case (``bench.vocab.manifest.Case`` has it)."""

    id: str
    section: str
    title: str
    explanation: str
    note: str


class ManifestLike(Protocol):
    """What the report reads of a manifest: its cases in article order."""

    @property
    def cases(self) -> Sequence[CaseLike]: ...


def cost_records(
    results: Iterable[Result],
    sections: Mapping[str, str],
    compiler: Mapping[tuple[str, str], bool] | None = None,
) -> list[Any]:
    """Every pair × condition with its escape cost: the report's one source of numbers.

    ``compiler`` is ``analysis.witness.compiler_witness`` of the runs' escape.json,
    so each record's ``escaped`` is the one reading ``bench cost`` prints too.
    """
    return escape_cost.cost_records(results, sections=sections, compiler=compiler)


@dataclass(frozen=True, order=True)
class ReportCondition:
    """The report's name for the settings a cost record was measured under.

    ``extra`` holds the estimator's other pooling settings (GOMAXPROCS,
    benchtime, count, order): records that differ there are different
    conditions, shown apart.
    """

    machine: str
    go: str
    gogc: str = DEFAULT_GOGC
    live_heap: str = DEFAULT_LIVE_HEAP
    extra: tuple[tuple[str, str], ...] = ()

    @property
    def setting(self) -> str:
        s = f"GOGC={self.gogc}"
        return s if self.live_heap in ("", "0") else f"{s}, live heap {self.live_heap}"

    @property
    def is_default_setting(self) -> bool:
        return self.gogc == DEFAULT_GOGC and self.live_heap in ("", DEFAULT_LIVE_HEAP)

    @property
    def label(self) -> str:
        return f"{self.machine} · {self.go} · {self.setting}"

    @property
    def gomaxprocs(self) -> str:
        return dict(self.extra).get("GOMAXPROCS", "")

    @property
    def details(self) -> str:
        """The other settings, for telling apart conditions with the same label."""
        return ", ".join(f"{k} {v}" for k, v in self.extra if v)


def report_condition(rec: Any) -> ReportCondition:
    """The condition of one cost record (the estimator's, in the report's terms)."""
    c = rec.condition
    return ReportCondition(
        rec.machine or "unknown",
        rec.go or "unknown",
        rec.gogc or DEFAULT_GOGC,
        rec.live_heap or DEFAULT_LIVE_HEAP,
        (
            ("GOMAXPROCS", c.gomaxprocs),
            ("benchtime", c.benchtime),
            ("count", c.count),
            ("order", c.order or "sequential"),
            ("module", getattr(c, "module", "")),
            ("sources", getattr(c, "sources", "")),
        ),
    )


@dataclass
class Collected:
    """Everything the document is made of, computed once."""

    runs: list[LoadedRun]
    records: list[Any]  # escape_cost.CostRecord, in condition then article order
    costs: pd.DataFrame  # one row per record, the columns analysis.plots reads
    samples: pd.DataFrame  # one row per benchmark line of a pair
    conditions: list[ReportCondition]
    unpaired: list[tuple[str, str, list[Result]]]  # (run label, benchmark, records)
    machines: dict[str, dict[str, str]]  # machine -> {"cpu", "cores"}
    cases: dict[str, CaseLike] = field(default_factory=dict)
    primary: ReportCondition | None = None
    prices: list[Any] = field(default_factory=list)  # analysis.prices.PriceRecord, grid pairs
    escapes: list[Mapping[str, Any]] = field(default_factory=list)  # analysis.escapes.join

    def records_of(self, cond: ReportCondition) -> list[Any]:
        return [r for r in self.records if report_condition(r) == cond]

    def costs_of(self, cond: ReportCondition) -> pd.DataFrame:
        return self.costs[self.costs["cond"] == cond]


def setting_key(c: ReportCondition) -> tuple[Any, ...]:
    """GC settings in a reading order: live heap, then GOGC, numerically."""
    return size_key(c.live_heap), gogc_key(c.gogc)


def condition_key(c: ReportCondition) -> tuple[Any, ...]:
    return c.machine, version_key(c.go), setting_key(c), c.extra


def meta(run: LoadedRun, *keys: str) -> Any:
    """A nested value of the run's meta.json, or None."""
    d: Any = run.meta or {}
    for k in keys:
        d = d.get(k) if isinstance(d, Mapping) else None
    return d


def pair_name(r: Result) -> str:
    """The estimator's pair name: without ``/variant=``, with the ``-procs`` suffix.

    The report drops the suffix when every pair shares it (``ReturnPointer``, with
    GOMAXPROCS stated once in the summary); with several GOMAXPROCS it stays.
    """
    procs = r.name.procs
    return f"{r.name.pair}-{procs}" if procs is not None else r.name.pair


def case_id(pair: str, cases: Mapping[str, Any]) -> str | None:
    """The manifest case a pair name belongs to (``ReturnPointer-2`` → ``ReturnPointer``)."""
    for cand in (pair, re.sub(r"-\d+$", "", pair), pair.split("/")[0]):
        if cand in cases:
            return cand
    return None


def _value(r: Result, unit: str) -> float:
    v = r.get(unit)
    return math.nan if v is None else float(v)


def _procs_suffix(records: Sequence[Any]) -> str:
    """The ``-N`` (GOMAXPROCS) suffix every pair name shares, or "" when they differ."""
    found = {m.group(0) if (m := re.search(r"-\d+$", r.pair)) else "" for r in records}
    return found.pop() if len(found) == 1 else ""


def _samples(runs: Sequence[LoadedRun], keep: set[tuple[str, str]], suffix: str) -> pd.DataFrame:
    """One row per benchmark line of a paired benchmark, numbered per run in measurement order."""
    rows = []
    for ri, run in enumerate(runs):
        seen: dict[tuple[str, str, str], int] = defaultdict(int)
        for r in run.parsed.results:
            variant, name = r.name.variant, pair_name(r).removesuffix(suffix)
            if variant not in ("escape", "noescape") or (r.file, name) not in keep:
                continue
            gogc = r.config_value("gogc") or DEFAULT_GOGC
            live = r.config_value("live-heap") or DEFAULT_LIVE_HEAP
            k = (r.name.full, gogc, live)
            seen[k] += 1
            rows.append(
                {
                    "pair": name,
                    "variant": variant,
                    "run_file": r.file,
                    "run": ri,
                    "round": seen[k],
                    "gogc": gogc,
                    "live_heap": live,
                    "machine": r.config_value("machine") or run.machine or "unknown",
                    "go": r.config_value("go-version") or run.go or "unknown",
                    "sec": _value(r, TIME_UNIT),
                    "allocs": _value(r, ALLOCS_UNIT),
                    "bytes": _value(r, BYTES_UNIT),
                }
            )
    return pd.DataFrame(
        rows,
        columns=[
            "pair",
            "variant",
            "run_file",
            "run",
            "round",
            "gogc",
            "live_heap",
            "machine",
            "go",
            "sec",
            "allocs",
            "bytes",
        ],
    )


def _cost_row(rec: Any, cond: ReportCondition, order: int) -> dict[str, Any]:
    """The plotting columns of one record (contract in ``analysis.plots``' docstring)."""
    pa = rec.per_alloc
    across = rec.across_runs
    return {
        "pair": rec.pair,
        "section": rec.section,
        "order": order,
        "machine": cond.machine,
        "go": cond.go,
        "setting": cond.setting,
        "cond": cond,
        "ratio": rec.ratio,
        "lo": rec.ci_low,
        "hi": rec.ci_high,
        "escaped": bool(rec.escaped),
        "verdict": rec.verdict,
        "n_rounds": rec.n_rounds,
        "paired": bool(rec.paired),
        "n_samples": min(rec.n_escape, rec.n_noescape),
        "n_runs": rec.n_runs,
        "across_lo": across.ci_low if across is not None else math.nan,
        "across_hi": across.ci_high if across is not None else math.nan,
        "escape_sec": rec.escape_sec,
        "noescape_sec": rec.noescape_sec,
        "allocs_escape": _nan(rec.allocs_escape),
        "allocs_noescape": _nan(rec.allocs_noescape),
        "bytes_escape": _nan(rec.bytes_escape),
        "bytes_noescape": _nan(rec.bytes_noescape),
        "gc_cpu_escape": _nan(rec.gc_cpu_escape),
        "gc_cpu_noescape": _nan(rec.gc_cpu_noescape),
        "per_alloc": pa.value if pa is not None else math.nan,
        "per_alloc_lo": pa.ci_low if pa is not None else math.nan,
        "per_alloc_hi": pa.ci_high if pa is not None else math.nan,
        "per_alloc_unit": pa.unit if pa is not None else "",
    }


def _nan(x: float | None) -> float:
    return math.nan if x is None else float(x)


def _machines(runs: Sequence[LoadedRun]) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for run in runs:
        first = run.parsed.results[0] if run.parsed.results else None
        cpu = meta(run, "machine", "cpu_model") or (
            (first.config_value("cpu-model") or first.config_value("cpu")) if first else ""
        )
        m = run.machine or "unknown"
        if m not in out or not out[m].get("cpu"):
            out[m] = {"cpu": str(cpu or ""), "cores": str(meta(run, "machine", "cpu_count") or "")}
    return out


def _unpaired(
    runs: Sequence[LoadedRun], paired: set[tuple[str, str]], suffix: str
) -> list[tuple[str, str, list[Result]]]:
    """Benchmarks outside the pair convention (or half a pair), per run and name."""
    out: dict[tuple[str, str], list[Result]] = {}
    for run in runs:
        for r in run.parsed.results:
            if prices.is_price_result(r) or (
                r.name.variant in ("escape", "noescape")
                and (r.file, pair_name(r).removesuffix(suffix)) in paired
            ):
                continue  # pairs, and the price grid (its own section)
            out.setdefault((run.label, r.name.full), []).append(r)
    return [(label, name, recs) for (label, name), recs in sorted(out.items())]


def gather(
    runs: Sequence[LoadedRun],
    manifest: ManifestLike | None = None,
    escapes: Sequence[Mapping[str, Any]] = (),
) -> Collected:
    """Cost records and samples of every condition in ``runs``; other benchmarks set aside.

    Price-grid pairs (``bench.vocab.sizeclass.price_pair``) are not catalogue
    pairs: they go to :attr:`Collected.prices` (the price list), never to the
    pair table or the headline. ``escapes`` are joined ``bench escapes``
    reports (``analysis.escapes.join``), shown as they are.
    """
    runs = sorted(runs, key=lambda r: (r.machine, version_key(r.go), r.label))
    cases: dict[str, CaseLike] = {c.id: c for c in manifest.cases} if manifest else {}
    sections = {cid: c.section for cid, c in cases.items()}
    case_order = {cid: i for i, cid in enumerate(cases)}
    everything = [r for run in runs for r in run.parsed.results]
    grid = [r for r in everything if prices.is_price_result(r)]
    compiler = witness.compiler_witness(run.escape for run in runs)
    catalogue = (r for r in everything if not prices.is_price_result(r))
    records = cost_records(catalogue, sections, compiler)
    suffix = _procs_suffix(records)
    if suffix:  # shown once, as GOMAXPROCS, instead of after every name
        records = [replace(rec, pair=rec.pair.removesuffix(suffix)) for rec in records]
    names = sorted({rec.pair for rec in records})

    def order_of(pair: str) -> int:
        cid = case_id(pair, cases)
        return case_order[cid] if cid is not None else len(case_order) + names.index(pair)

    records.sort(
        key=lambda rec: (condition_key(report_condition(rec)), order_of(rec.pair), rec.pair)
    )
    paired = {(file, rec.pair) for rec in records for file in rec.runs}  # Result.file
    costs = pd.DataFrame(
        [_cost_row(rec, report_condition(rec), order_of(rec.pair)) for rec in records]
    )
    samples = _samples(runs, paired, suffix)
    conditions = sorted({report_condition(rec) for rec in records}, key=condition_key)
    data = Collected(
        list(runs),
        records,
        costs,
        samples,
        conditions,
        _unpaired(runs, paired, suffix),
        _machines(runs),
        cases,
        prices=prices.price_records(grid) if grid else [],
        escapes=list(escapes),
    )
    data.primary = _primary(data)
    return data


def samples_of(data: Collected, cond: ReportCondition) -> pd.DataFrame:
    """The samples behind the records of one condition, with each pair's section and order."""
    s = data.samples
    files = {f for rec in data.records_of(cond) for f in rec.runs}
    part = s[
        (s["machine"] == cond.machine)
        & (s["go"] == cond.go)
        & (s["gogc"] == cond.gogc)
        & (s["live_heap"] == cond.live_heap)
        & s["run_file"].isin(files)
    ]
    costs = data.costs_of(cond)[["pair", "section", "order"]]
    return part.merge(costs, on="pair", how="inner")


def _primary(data: Collected) -> ReportCondition | None:
    """The machine with most rounds, its newest toolchain, the default GC setting, most rounds."""
    if not data.records:
        return None
    rounds: dict[str, int] = defaultdict(int)
    for rec in data.records:
        rounds[rec.machine or "unknown"] += rec.n_rounds
    machine = sorted(rounds, key=lambda m: (-rounds[m], m))[0]
    on = [c for c in data.conditions if c.machine == machine]
    go = max((c.go for c in on), key=version_key)
    on = [c for c in on if c.go == go]
    size = {c: sum(r.n_rounds * r.n_runs for r in data.records_of(c)) for c in on}
    return sorted(on, key=lambda c: (not c.is_default_setting, -size[c], setting_key(c), c.extra))[
        0
    ]


__all__ = [
    "Collected",
    "ManifestLike",
    "ReportCondition",
    "case_id",
    "cost_records",
    "gather",
    "meta",
    "pair_name",
    "report_condition",
    "samples_of",
    "setting_key",
]


#: GC CPU of a variant that allocates but saw no GC cycle end in its samples.


#: Settings a chart may let differ without saying so (the machine's core count is its own).
FREE = ("GOMAXPROCS",)


def like_primary(costs: pd.DataFrame, primary: ReportCondition) -> pd.DataFrame:
    """The rows measured like ``primary`` (benchtime, count, order, module, sources).

    A chart comparing Go versions, machines or GC settings puts side by side
    only conditions that differ in the compared setting: a quick run never
    sits beside a default one.
    """
    want = {k: v for k, v in primary.extra if k not in FREE}
    keep = [all(dict(c.extra).get(k) == v for k, v in want.items()) for c in costs["cond"]]
    return costs[np.array(keep, dtype=bool)] if len(costs) else costs
