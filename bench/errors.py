"""The one exception family that the CLI turns into a one-line message.

Parse problems are not exceptions (they are records, see ``benchfmt``), and
statistical caveats are warnings carried on results. Everything else a user
can cause raises a ``BenchError`` whose text reads
``<what went wrong>: <what to do>``; ``bench.cli`` prints it as
``bench: <text>`` and exits 1.
"""

from __future__ import annotations

from collections.abc import Sequence


class BenchError(Exception):
    """A failure the user can act on; its message is the whole story."""


class ToolchainError(BenchError):
    """No usable ``go``: missing, not executable, not Go, or not installable."""


class InputError(BenchError):
    """A file given to ``bench`` cannot be read as what it claims to be."""


class SchemaError(InputError):
    """A stored JSON file has a missing, unknown or future ``schema`` version."""


class CommandError(BenchError):
    """A subprocess failed; keeps argv, exit code and the first stderr lines."""

    def __init__(
        self, what: str, argv: Sequence[str], returncode: int, output: str, advice: str = ""
    ) -> None:
        self.argv = list(argv)
        self.returncode = returncode
        self.output = output
        self.first_lines = [ln for ln in output.splitlines() if ln.strip()][:5]
        detail = " | ".join(self.first_lines) or "no output"
        msg = f"{what} (exit {returncode}): {detail}"
        if advice:
            msg += f": {advice}"
        super().__init__(msg)


class Interrupted(BenchError):
    """SIGINT/SIGTERM arrived during a run; everything finished so far is on disk."""
