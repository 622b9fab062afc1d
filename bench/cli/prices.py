"""``bench prices``: its flags, one library call, printing (being built; see the open issue)."""

from __future__ import annotations

import argparse
from typing import Any, TextIO

from bench.errors import BenchError


def add_parser(sub: Any) -> None:
    """Register ``bench prices`` on the subcommand parser."""
    p = sub.add_parser("prices", help="(being built)")
    p.set_defaults(func=cmd_prices)


def cmd_prices(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    raise BenchError("bench prices: not built yet")
