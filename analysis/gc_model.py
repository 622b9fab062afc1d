"""The GC's share of the price list: GC CPU per cycle explained by GOGC and live heap.

One job: from each condition's GC CPU per allocated KiB (``analysis.prices``),
fit ns per GC cycle ≈ fixed + per live MiB, per machine × Go × GOMAXPROCS ×
shape, following the GC guide's pacing model (a cycle per ``goal − live``
bytes allocated). Neighbours: ``analysis.prices`` (its records and models),
``bench.cli.prices`` (prints these), ``analysis.plots.prices`` (charts them).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.stats as sps

from analysis.prices import MIB, POOR_RATIO, CostModel, Interval, fit_line, json_number
from bench.vocab.sizes import size_bytes

#: The GC's minimum total heap at GOGC=100 (``heapMinimum``): microbenchmarks sit on it.
HEAP_MINIMUM = 4 << 20
GC_METHOD = (
    "GC guide: cycles per byte = 1 / (goal − live), goal = max(live × (1 + GOGC/100), "
    "4 MiB × GOGC/100); ns per cycle = fixed + per_live_MiB × live, least squares"
)


def live_bytes(live_heap: str) -> int | None:
    """A recorded live heap in bytes (``bench.vocab.sizes``); a run without one had none."""
    return size_bytes(live_heap) if live_heap.strip() else 0


def headroom(gogc: str, live: int) -> float | None:
    """Bytes the program may allocate between two cycles (the GC guide's model); None if off."""
    if not gogc.isdigit() or int(gogc) == 0:
        return None
    g = int(gogc) / 100
    return max(live * (1 + g), HEAP_MINIMUM * g) - live


@dataclass(frozen=True)
class GcModel:
    """GC CPU per allocated KiB explained by GOGC and live heap, for one toolchain and shape."""

    machine: str
    go: str
    gomaxprocs: str
    shape: str
    fixed_ns_per_cycle: Interval
    ns_per_live_mib: Interval | None
    points: tuple[dict[str, Any], ...]  # per condition: gogc, live_heap, measured, predicted
    notes: tuple[str, ...]
    method: str = GC_METHOD

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": "gc_model",
            "machine": self.machine,
            "go": self.go,
            "gomaxprocs": self.gomaxprocs,
            "shape": self.shape,
            "fixed_ns_per_cycle": self.fixed_ns_per_cycle.to_json(),
            "ns_per_live_mib": None if (m := self.ns_per_live_mib) is None else m.to_json(),
            "points": list(self.points),
            "notes": list(self.notes),
            "method": self.method,
        }


def fit_gc_models(models: Sequence[CostModel], confidence: float = 0.95) -> list[GcModel]:
    """Per machine × Go × GOMAXPROCS × shape: ns per GC cycle ≈ fixed + per live MiB."""
    groups: dict[tuple[str, str, str, str], list[tuple[CostModel, float, int]]] = {}
    for m in models:
        c, live = m.condition, live_bytes(m.condition.live_heap)
        room = None if live is None else headroom(c.gogc, live)
        for shape, per_kib in m.gc_cpu_ns_per_kib.items():
            if per_kib is not None and per_kib > 0 and room and live is not None:
                key = (c.machine, c.go, c.gomaxprocs, shape)
                groups.setdefault(key, []).append((m, per_kib * room / 1024, live))
    out = []
    for (machine, go, procs, shape), pts in sorted(groups.items()):
        lives = [live / MIB for _, _, live in pts]
        per_cycle = [z for _, z, _ in pts]
        notes = []
        if len(set(lives)) >= 2:
            fixed, slope = fit_line(lives, per_cycle, confidence)
            per_mib: Interval | None = slope
        else:
            x = np.asarray(per_cycle)
            half = math.inf
            if x.size >= 2:
                t = float(sps.t.ppf((1 + confidence) / 2, x.size - 1))
                half = t * float(x.std(ddof=1)) / math.sqrt(x.size)
            fixed = Interval(float(x.mean()), float(x.mean()) - half, float(x.mean()) + half)
            per_mib = None
            notes.append("one live-heap size only: no per-MiB term (pass --live-heap 0,64MiB)")
        points = []
        for (m, z, _), lv in zip(pts, lives, strict=True):
            pred = fixed.value + (per_mib.value * lv if per_mib else 0.0)
            ratio = z / pred if pred > 0 else math.inf
            points.append(
                {
                    "gogc": m.condition.gogc,
                    "live_heap": m.condition.live_heap,
                    "ns_per_cycle": json_number(z),
                    "model": json_number(pred),
                    "ratio": json_number(ratio),
                }
            )
            if not (1 / POOR_RATIO <= ratio <= POOR_RATIO):
                notes.append(
                    f"GOGC={m.condition.gogc} live heap {m.condition.live_heap or 0}: "
                    f"×{ratio:.2f} off the model"
                )
        out.append(GcModel(machine, go, procs, shape, fixed, per_mib, tuple(points), tuple(notes)))
    return out
