"""Progress of a run: one live line per phase on a terminal, plain lines otherwise.

Phases are *kinds* of work — ``download`` (a toolchain, with bytes), ``build``,
``pilot``, ``rounds``, ``verify`` — and each kind owns one line that the next
item of that kind reuses, so a matrix of six toolchains still shows four or
five lines. The live display is ``rich.progress`` (it redraws from its own
thread, so a spinner and the elapsed time move while a build blocks); when the
output is not a terminal every phase prints a start and an end line, and a
round prints one line; ``quiet`` prints nothing. Failure lines
(:meth:`Progress.message`) always go to the error stream.

The ETA is a model, not a rate (:class:`EtaModel`): the pilot measured each
cell's seconds per op and the calibration fixed its loops, so what is left is
Σ over the processes still to run of (loops × sec/op + per-process overhead
measured so far). Dividing elapsed time by work done instead — what the old
display did — counted build, pilot and a resumed run's earlier work as speed
and was off by orders of magnitude (``~1:51:08 left`` for a 26 s job).

Neighbours: ``bench.run`` and ``bench.matrix`` report to it; ``bench.toolchain``
reports download bytes through :meth:`Progress.download_watcher`.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TextIO

from rich.console import Console
from rich.filesize import decimal
from rich.progress import Progress as _Rich
from rich.progress import (
    ProgressColumn,
    SpinnerColumn,
    Task,
    TaskID,
)
from rich.text import Text

#: Per-process overhead assumed before any process has been timed: exec, Go's init
#: and the GC the testing package runs before the loop (15-30 ms on a 2-core VM).
DEFAULT_OVERHEAD = 0.025


@dataclass
class EtaModel:
    """Seconds left of a run, from the calibrated loops and the pilot's time per op.

    ``predicted[cell]`` is the measured time one process of that cell should
    take (loops × sec/op × samples per process); ``left[cell]`` how many
    processes it still has to run. Each finished process adds its real
    duration minus its prediction to the overhead estimate, which every
    remaining process is then charged: the fixed cost of a process is what the
    pilot cannot see, and it is the same for every cell.
    """

    predicted: dict[str, float]
    left: dict[str, int]
    default_overhead: float = DEFAULT_OVERHEAD
    _over_sum: float = 0.0
    _over_n: int = 0

    @property
    def overhead(self) -> float:
        return self._over_sum / self._over_n if self._over_n else self.default_overhead

    def observe(self, cell: str, seconds: float) -> None:
        """One process of ``cell`` took ``seconds`` (wall)."""
        self._over_sum += seconds - self.predicted.get(cell, 0.0)
        self._over_n += 1
        if self.left.get(cell, 0) > 0:
            self.left[cell] -= 1

    def drop(self, cell: str) -> None:
        """A failed cell runs no more."""
        self.left[cell] = 0

    def seconds_left(self) -> float:
        over = self.overhead
        return sum(
            n * max(0.0, self.predicted.get(c, 0.0) + over) for c, n in self.left.items() if n > 0
        )


def clock(seconds: float) -> str:
    """``75`` -> ``1:15``; ``3725`` -> ``1:02:05``."""
    s = max(0, round(seconds))
    return (
        f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"
    )


#: Width of the bar when the line has room for it.
BAR_WIDTH = 20


def fit_line(desc: str, detail: str, elapsed: str, eta: str, width: int, frac: float | None) -> str:
    """One progress line within ``width`` columns, phase, count and ETA kept longest.

    Dropped in this order until it fits: the detail's trailing `` · `` parts
    (the case name goes first, then the position in the round), the bar, the
    elapsed time, then the description is cut with an ellipsis.
    """
    parts = detail.split(" · ") if detail else []

    def bar(n: int) -> str:
        done = round(n * (frac or 0.0))
        return "━" * done + "╌" * (n - done)

    def line(keep: int, with_bar: bool, with_elapsed: bool) -> str:
        bits = [desc, bar(BAR_WIDTH) if with_bar and frac is not None else "", *parts[:keep]]
        bits += [elapsed if with_elapsed else "", eta]
        return " ".join(b for b in bits if b)

    tries = [(k, True, True) for k in range(len(parts), 0, -1)]
    tries += [(1, False, True), (1, False, False), (0, False, False)]
    for keep, with_bar, with_elapsed in tries:
        text = line(min(keep, len(parts)), with_bar, with_elapsed)
        if len(text) <= width:
            return text
    tail = " ".join(b for b in (parts[0] if parts else "", eta) if b)
    room = max(1, width - len(tail) - 2)
    return (desc[: room - 1] + "…" + " " + tail)[:width] if len(desc) > room else desc + " " + tail


class _LineColumn(ProgressColumn):
    """The whole line but the spinner, fitted to the terminal (:func:`fit_line`).

    Our ETA (the task's ``eta`` field, from :class:`EtaModel`), never rich's
    speed guess. One column, so rich never wraps or hides the ETA at 80 columns.
    """

    def __init__(self, console_width: Callable[[], int]) -> None:
        super().__init__()
        self._width = console_width

    def render(self, task: Task) -> Text:
        eta = task.fields.get("eta")
        left = "" if task.finished or eta is None else f"~{clock(eta)} left"
        frac = None if not task.total else min(1.0, task.completed / task.total)
        elapsed = clock(task.finished_time if task.finished else task.elapsed or 0.0)
        width = max(20, self._width() - 3)  # the spinner and its space
        return Text(
            fit_line(
                task.description, str(task.fields.get("detail", "")), elapsed, left, width, frac
            ),
            no_wrap=True,
            overflow="ellipsis",
        )


@dataclass
class Phase:
    """One item of a phase kind (one toolchain's build, one round loop, …)."""

    owner: Progress
    kind: str
    description: str
    total: float | None = None
    completed: float = 0.0
    detail: str = ""
    eta: float | None = None
    started: float = field(default_factory=time.monotonic)
    stopped: bool = False  # left by an exception (interrupted, failed)

    def update(
        self,
        *,
        advance: float = 0.0,
        completed: float | None = None,
        total: float | None = None,
        detail: str | None = None,
        eta: float | None = None,
    ) -> None:
        self.completed = completed if completed is not None else self.completed + advance
        self.total = total if total is not None else self.total
        self.detail = detail if detail is not None else self.detail
        self.eta = eta if eta is not None else self.eta
        self.owner._update(self)

    def line(self, text: str) -> None:
        """A plain line (not a terminal) at a milestone, e.g. the end of a round."""
        self.owner._plain(f"{self.description}: {text}")

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started


class Progress:
    """Where a run reports what it is doing (see the module doc for the three modes).

    ``out``: the stream for progress (the live display when it is a terminal,
    plain lines otherwise); ``err``: failure lines. ``stream=``/``enabled=``
    are the older spelling (one stream, live when a terminal, silent
    otherwise) kept for callers that use it.
    """

    def __init__(
        self,
        out: TextIO | None = None,
        err: TextIO | None = None,
        *,
        quiet: bool = False,
        stream: TextIO | None = None,
        enabled: bool | None = None,
    ) -> None:
        legacy = stream is not None and out is None
        self.out: TextIO = out or stream or sys.stdout
        self.err: TextIO = err or stream or sys.stderr
        tty = bool(getattr(self.out, "isatty", lambda: False)())
        if quiet or enabled is False:
            self.mode = "off"
        elif tty or enabled:
            self.mode = "live"
        else:
            self.mode = "off" if legacy else "plain"
        self._rich: _Rich | None = None
        self._tasks: dict[str, TaskID] = {}
        #: The live display's console (a test passes a fixed-width one).
        self.console: Console | None = None
        self._series = ""

    def series(self, index: int, of: int) -> None:
        """Run ``index`` of a ``--repeat`` series of ``of``: each phase line says ``run 2 of 3``."""
        self._series = f"run {index} of {of} · " if of > 1 else ""

    # --- phases ---------------------------------------------------------------------

    @contextlib.contextmanager
    def phase(self, kind: str, description: str, *, total: float | None = None) -> Iterator[Phase]:
        """Show ``description`` on the ``kind`` line while the block runs; finish it after."""
        ph = Phase(self, kind, self._series + description, total=total)
        self._start(ph)
        try:
            yield ph
        except BaseException:
            ph.stopped = True
            raise
        finally:
            self._finish(ph)

    def download_watcher(self) -> Callable[[str, int, int | None, bool], None]:
        """A callback for ``bench.toolchain.install``: (what, bytes, total, finished)."""
        current: dict[str, Phase] = {}

        def watch(what: str, done: int, total: int | None, finished: bool) -> None:
            ph = current.get(what)
            if ph is None:
                ph = current[what] = Phase(self, "download", f"installing {what}")
                self._start(ph)
            if done < 0:  # failed: the error line follows from the caller
                ph.stopped = True
                ph.update(detail="failed")
            else:
                shown = decimal(int(done)) + (f" of {decimal(int(total))}" if total else "")
                ph.update(completed=done, total=total, detail=shown)
            if finished:
                self._finish(current.pop(what))

        return watch

    def note(self, text: str) -> None:
        """An informational line (e.g. what a resume will do): shown unless quiet."""
        if self.mode == "plain":
            self._plain(text)
        elif self.mode == "live":
            self._live().console.print(Text(text))

    def message(self, text: str) -> None:
        """A permanent line (a failure, a warning): on the error stream in every mode."""
        err_tty = bool(getattr(self.err, "isatty", lambda: False)())
        if self._rich is not None and err_tty:
            # the same screen as the live display: print above it, not through it
            self._rich.console.print(Text(text))
            return
        self.err.write(text + "\n")
        self.err.flush()

    def refresh(self) -> None:
        """Redraw the live display now (it otherwise redraws ten times a second)."""
        if self._rich is not None:
            self._rich.refresh()

    def close(self) -> None:
        """Stop the live display (before the caller prints its summary)."""
        if self._rich is not None:
            self._rich.stop()
            self._rich = None
            self._tasks.clear()

    done = close  # the older name

    # --- the three modes ------------------------------------------------------------

    def _live(self) -> _Rich:
        if self._rich is None:
            console = self.console or Console(file=self.out, force_terminal=True, soft_wrap=False)
            self._rich = _Rich(
                SpinnerColumn(finished_text="✓"),
                _LineColumn(lambda: console.width),
                console=console,
                redirect_stdout=False,
                redirect_stderr=False,
            )
            self._rich.start()
        return self._rich

    def _start(self, ph: Phase) -> None:
        if self.mode == "plain":
            self._plain(f"{ph.description} …")
        elif self.mode == "live":
            rich = self._live()
            fields: Mapping[str, Any] = {"detail": ph.detail, "eta": ph.eta}
            if ph.kind in self._tasks:
                rich.reset(
                    self._tasks[ph.kind], total=ph.total, description=ph.description, **fields
                )
            else:
                self._tasks[ph.kind] = rich.add_task(ph.description, total=ph.total, **fields)

    def _update(self, ph: Phase) -> None:
        if self.mode == "live" and self._rich is not None and ph.kind in self._tasks:
            self._rich.update(
                self._tasks[ph.kind],
                completed=ph.completed,
                total=ph.total,
                detail=ph.detail,
                eta=ph.eta,
            )

    def _finish(self, ph: Phase) -> None:
        if self.mode == "plain":
            tail = f", {ph.detail}" if ph.detail else ""
            how = "stopped after" if ph.stopped else "done in"
            self._plain(f"{ph.description}: {how} {ph.elapsed:.1f}s{tail}")
        elif ph.stopped and self._rich is not None and ph.kind in self._tasks:
            self._rich.update(self._tasks[ph.kind], detail="stopped", eta=None)
        elif self.mode == "live" and self._rich is not None and ph.kind in self._tasks:
            total = ph.total if ph.total else 1
            self._rich.update(
                self._tasks[ph.kind], total=total, completed=total, detail=ph.detail, eta=None
            )

    def _plain(self, text: str) -> None:
        if self.mode == "plain":
            self.out.write(text + "\n")
            self.out.flush()
