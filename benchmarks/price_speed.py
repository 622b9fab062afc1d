"""How fast and how precise ``bench prices`` is: the figures issue 19 asks for.

Not a test (it measures, and wall time depends on the machine): it runs the
real CLI, ``bench prices --quick`` and/or the default grid, for one
condition (one Go, one GOGC, one live heap) into a temporary results tree,
and prints per run the wall time and the median and worst 95 % half-width
of ``ns_per_alloc`` relative to its value, beside the targets (``--quick``
under a minute; the default grid within 3 minutes at a median half-width of
±5 %), with the command that made them.

Run from the repository root, on a quiet machine (about 3 minutes for both
grids on a 2-vCPU VM: ``--quick`` 12–20 s, the default grid about 2.7 min,
i.e. 90 benchmarks × 20 rounds of one 40 ms sample plus ~45 ms of process
overhead each)::

    python benchmarks/price_speed.py                       # --quick, then the default grid
    python benchmarks/price_speed.py --grid quick          # only --quick
    python benchmarks/price_speed.py --grid default --go 1.21 --gogc 400 --live-heap 64MiB
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

#: The issue's targets: wall seconds per grid, and the median relative half-width.
TARGET_SECONDS = {"quick": 60.0, "default": 180.0}
TARGET_HALF_WIDTH = 0.05


def half_widths(rows: list[dict[str, Any]]) -> list[tuple[str, float]]:
    """Per escaping price record: (pair, half-width of the 95 % interval ÷ value)."""
    out = []
    for r in rows:
        iv = r.get("ns_per_alloc") or {}
        v, lo, hi = iv.get("value"), iv.get("ci_low"), iv.get("ci_high")
        if (
            r.get("kind") == "price"
            and r.get("escaped")
            and v
            and lo is not None
            and hi is not None
        ):
            out.append((f"{r['shape']} {r['size']} B", (hi - lo) / 2 / abs(v)))
    return out


def run(grid: str, condition: list[str], results: Path) -> tuple[list[str], float, list[Any]]:
    """One ``bench prices`` run: its command, wall seconds and JSON rows."""
    cmd = ["bench", "prices", *condition, "--results", str(results), "--format", "json", "--quiet"]
    if grid == "quick":
        cmd.insert(2, "--quick")
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"price_speed: {shlex.join(cmd)} failed:\n{proc.stderr.strip()}")
    return cmd, wall, json.loads(proc.stdout)


def condition_line(rows: list[Any]) -> str:
    """Machine, Go, GOGC, live heap and GOMAXPROCS of the run's price records."""
    first = next((r for r in rows if r.get("kind") == "price"), None)
    if first is None:
        return "no price record"
    return (
        f"{first['machine']} · {first['go']} · GOGC={first['gogc']} · live heap "
        f"{first['live_heap'] or 0} · GOMAXPROCS={first['gomaxprocs'] or '?'}"
    )


def load_line() -> str:
    """The 1-minute load average beside the CPU count: a price list is as quiet as its machine."""
    one, _, _ = os.getloadavg()
    return f"load average {one:.2f} on {os.cpu_count()} CPUs"


def report(grid: str, cmd: list[str], wall: float, rows: list[Any]) -> None:
    hw = half_widths(rows)
    target = TARGET_SECONDS[grid]
    shown = [c if not c.startswith(tempfile.gettempdir()) else "TMP" for c in cmd]
    print(f"{grid}: {shlex.join(shown)}")
    print(f"  {condition_line(rows)}; after the run: {load_line()}")
    print(f"  wall {wall:.1f} s (target ≤ {target:.0f} s: {'met' if wall <= target else 'missed'})")
    if not hw:
        print("  no escaping price record: nothing to measure the precision of")
        return
    med = statistics.median(x for _, x in hw)
    worst_pair, worst = max(hw, key=lambda p: p[1])
    ok = "met" if med <= TARGET_HALF_WIDTH else "missed"
    print(
        f"  ns_per_alloc 95 % half-width over {len(hw)} records: median ±{med:.1%} "
        f"(target ±{TARGET_HALF_WIDTH:.0%}: {ok}), worst ±{worst:.1%} ({worst_pair})"
    )
    for pair, x in sorted(hw, key=lambda p: -p[1])[:5]:
        print(f"    {pair}: ±{x:.1%}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--grid", choices=("quick", "default", "both"), default="both")
    ap.add_argument("--go", help="one toolchain, e.g. 1.27 (default: the bundled one)")
    ap.add_argument("--gogc", default="100", help="one GOGC value (default 100)")
    ap.add_argument("--live-heap", default="0", help="one live heap size (default 0)")
    ap.add_argument("--keep", type=Path, help="store the runs here instead of a temporary tree")
    args = ap.parse_args()
    for flag, value in (("--gogc", args.gogc), ("--live-heap", args.live_heap), ("--go", args.go)):
        if value and "," in value:
            sys.exit(f"price_speed: {flag} {value}: one condition only: pass one value")
    condition = ["--gogc", args.gogc, "--live-heap", args.live_heap]
    if args.go:
        condition += ["--go", args.go]
    grids = ("quick", "default") if args.grid == "both" else (args.grid,)
    print(f"command: {shlex.join(['python', 'benchmarks/price_speed.py', *sys.argv[1:]])}")
    print(f"before: {load_line()}")
    with tempfile.TemporaryDirectory(prefix="price-speed-") as tmp:
        base = args.keep or Path(tmp)
        for grid in grids:
            cmd, wall, rows = run(grid, condition, base / grid)
            report(grid, cmd, wall, rows)


if __name__ == "__main__":
    main()
