"""``bench doctor``: its flags, one library call (``bench.doctor.diagnose``), printing.

Exit status: 0 whatever the machine looks like (the report is information);
with ``--strict``, 1 when any check warns (``unknown`` does not count), so a
script or CI job can refuse to benchmark on a busy or badly set machine.
"""

from __future__ import annotations

import argparse
import json
from typing import Any, TextIO

from bench import doctor


def add_parser(sub: Any) -> None:
    """Register ``bench doctor`` on the subcommand parser."""
    p = sub.add_parser(
        "doctor",
        help="check this machine for what makes benchmarks unreliable",
        description=(
            "Report what makes benchmarks on this machine unreliable: other processes "
            "using CPU, load average, CPU steal, cgroup CPU quota, GOMAXPROCS against the "
            "available CPUs, CPU frequency governor and turbo boost; each with a verdict "
            "(ok, warn, unknown), what it means and what to do."
        ),
    )
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument(
        "--window",
        type=_seconds,
        default=doctor.WINDOW,
        metavar="SECONDS",
        help=f"how long to watch the CPUs' use (default {doctor.WINDOW:g})",
    )
    p.add_argument(
        "--strict", action="store_true", help="exit 1 when any check warns (for scripts and CI)"
    )
    p.set_defaults(func=cmd_doctor)


def _seconds(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0.05 <= v <= 60:
        raise argparse.ArgumentTypeError(f"--window must be between 0.05 and 60 seconds: {v:g}")
    return v


def cmd_doctor(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    checks = doctor.diagnose(window=args.window)
    if args.format == "json":
        out.write(json.dumps(doctor.to_json(checks), indent=2) + "\n")
    else:
        out.write(doctor.render_text(checks))
    warned = any(c.verdict == doctor.WARN for c in checks)
    return 1 if args.strict and warned else 0
