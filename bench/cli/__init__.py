"""``bench``: a thin command line over the library.

Each subcommand parses its flags (``bench.cli.options``), calls one library
function and prints (``bench.cli.measure`` for the ``bench`` side,
``bench.cli.analyse`` for commands that read stored runs into ``analysis``).
This module is the one place that turns failures into exit statuses:

* a usage mistake (unknown flag, value out of range) is one line and exit 2;
* a ``BenchError`` is one line ``bench: <what>: <what to do>`` and exit 1
  (a refused run setting names its flag: ``bench.cli.options.flag_message``);
  libraries return their messages and raise their errors, they never print them;
* Ctrl-C is exit 130, a closed pipe (``bench cases | head``) ends quietly.

``bench.cli`` is the only package that imports both ``bench`` and ``analysis``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import TextIO

from bench.cli.options import build_parser, flag_message
from bench.errors import BenchError, Interrupted
from bench.plan import SettingError

__all__ = ["entrypoint", "main"]

#: Exit status of a process whose output pipe was closed (128 + SIGPIPE), as `yes | head`.
EXIT_PIPE = 141


def _quiet_stdout() -> None:
    """After EPIPE on stdout: point it at /dev/null so the exit-time flush cannot fail too."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout without a file descriptor (tests): nothing to do
        pass


def main(
    argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """Run one ``bench`` command; returns the exit status.

    0 ok, 1 a user error or a failed check, 2 a usage error, 130 interrupted,
    141 stdout closed early.
    """
    out = out or sys.stdout
    err = err or sys.stderr
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = build_parser(out, err).parse_args(argv)
    except SystemExit as e:  # --help, --version, or a usage error already printed
        return e.code if isinstance(e.code, int) else 2
    args.argv = argv
    try:
        code = int(args.func(args, out, err))
        out.flush()
        return code
    except BrokenPipeError:
        if out is sys.stdout:
            _quiet_stdout()
        return EXIT_PIPE
    except BenchError as e:
        err.write(f"bench: {flag_message(e) if isinstance(e, SettingError) else e}\n")
        return 130 if isinstance(e, Interrupted) else 1
    except KeyboardInterrupt:
        err.write("bench: interrupted\n")
        return 130


def entrypoint() -> None:
    """The ``bench`` console script."""
    sys.exit(main())
