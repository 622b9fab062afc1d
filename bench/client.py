"""What a set of benchmarks tells the run engine: which to run, how to split a failure, what
to check afterwards. The engine (``bench.plan`` → ``bench.run`` → raw.txt, driven by
``bench.matrix``) runs any cells under any conditions in interleaved rounds; a client adds
the knowledge of one kind of benchmark set.

Two clients exist: :data:`PLAIN` (any ``BenchmarkX`` of a package: the ``--cases``
pattern as Go reads it, a failing benchmark piloted alone, nothing verified) and
``bench.pairs_client.PAIRS`` (escape/noescape pairs: the manifest's ids, each variant
piloted alone, the compiler's escape decisions verified). A new one implements
:class:`Client`; nothing in the engine changes.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from typing import Protocol

from bench.cases import Module
from bench.model import Result
from bench.plan import SettingError
from bench.toolchain import Toolchain


class Evidence(Protocol):
    """What a client checked after a complete run, stored beside raw.txt."""

    def to_json(self) -> dict[str, object]: ...


class Client(Protocol):
    """One kind of benchmark set, as the engine needs to know it."""

    #: what the run measured, recorded in meta.json (``client``) and used by ``--resume``
    name: str

    def pattern(self, module: Module, cases: str | None) -> str:
        """The ``-test.bench`` pattern of the benchmarks ``cases`` selects (checked here)."""
        ...

    def listed(self, module: Module, cases: str | None, broken: Collection[str]) -> list[str]:
        """The cells (``X/sub``) known without a pilot (sequential order), or [] to pilot."""
        ...

    def alone(self, top: str) -> list[str]:
        """The cells to pilot one by one when ``top`` (``BenchmarkX``) killed its process."""
        ...

    def check(self, tc: Toolchain, module: Module, results: Sequence[Result]) -> Evidence | None:
        """Evidence about a complete run (``escape.json``), or None when there is none."""
        ...


def checked_regex(cases: str | None) -> re.Pattern[str]:
    """``cases`` as a regular expression; a bad one is one line naming the setting."""
    try:
        return re.compile(cases or ".")
    except re.error as e:
        raise SettingError("cases", cases, f"not a valid regular expression ({e})") from None


class Plain:
    """Any benchmarks of a package: what Go's ``-test.bench`` selects, nothing verified."""

    name = "plain"

    def pattern(self, module: Module, cases: str | None) -> str:
        checked_regex(cases)
        return cases or "."

    def listed(self, module: Module, cases: str | None, broken: Collection[str]) -> list[str]:
        return []

    def alone(self, top: str) -> list[str]:
        return [top.removeprefix("Benchmark")]

    def check(self, tc: Toolchain, module: Module, results: Sequence[Result]) -> Evidence | None:
        return None


PLAIN = Plain()
