"""The records every step after parsing works on.

These mirror golang.org/x/perf/benchfmt (``Result``, ``Name``, ``Value``,
``SyntaxError``, ``UnitMetadata``) so that what we read from Go benchmark text
means exactly what benchstat reads. They are frozen: a record is a fact about
one line of one file and never changes after parsing.

Note: values are stored *tidied* (``ns/op`` becomes ``sec/op`` scaled by
1e-9, ``MB/s`` becomes ``B/s`` scaled by 1e6, any unit with an ``ns``
component becomes ``sec``), whatever the value, with the original kept
beside, so statistics never need to know about unit spellings, one metric is
one unit, and the writer can write back what it read.

``LoadedRun`` (one input as loaded by ``bench.store``) is data only and lives
here so that ``analysis`` can type what it is given without importing the
store.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Value:
    """One measurement of a benchmark line: ``value unit`` after tidying."""

    value: float
    unit: str
    #: The value and unit as written, when tidying changed them (else None).
    orig_value: float | None = None
    orig_unit: str | None = None


@dataclass(frozen=True)
class Name:
    """A benchmark name without the ``Benchmark`` prefix, split like benchfmt.

    ``full`` is e.g. ``ReturnPointer/variant=escape-8``; ``base`` is
    ``ReturnPointer``; ``parts`` holds each ``/key=value`` or ``/positional``
    part (with its leading ``/``) and a final ``-N`` GOMAXPROCS suffix.
    """

    full: str
    base: str
    parts: tuple[str, ...] = ()

    def key(self, key: str) -> str | None:
        """Value of the ``/key=value`` part, or None when absent."""
        prefix = f"/{key}="
        for p in self.parts:
            if p.startswith(prefix):
                return p[len(prefix) :]
        return None

    @property
    def procs(self) -> int | None:
        """GOMAXPROCS from the ``-N`` suffix, or None."""
        if self.parts and self.parts[-1].startswith("-"):
            try:
                return int(self.parts[-1][1:])
            except ValueError:
                return None
        return None

    @property
    def without_procs(self) -> str:
        """The full name minus the ``-N`` suffix (how rows are matched across machines)."""
        if self.procs is not None:
            return self.full[: -len(self.parts[-1])]
        return self.full

    @property
    def variant(self) -> str | None:
        """escapebench's pair convention: the ``/variant=`` key."""
        return self.key("variant")

    @property
    def pair(self) -> str:
        """The benchmark name with the ``/variant=`` part removed (and no procs suffix)."""
        parts = [
            p
            for p in self.parts
            if not p.startswith("/variant=")
            and not (p.startswith("-") and p is self.parts[-1] and self.procs is not None)
        ]
        return self.base + "".join(parts)


@dataclass(frozen=True)
class Result:
    """One benchmark line with the file configuration in force for it."""

    name: Name
    iters: int
    values: tuple[Value, ...]
    #: File-level configuration (``key: value`` lines above this result), in
    #: order of first appearance, as (key, value) pairs; blank values removed.
    config: tuple[tuple[str, str], ...] = ()
    file: str = ""
    line: int = 0

    def get(self, unit: str) -> float | None:
        """The value in ``unit`` (tidied unit, e.g. ``sec/op``, ``B/op``), or None."""
        for v in self.values:
            if v.unit == unit:
                return v.value
        return None

    @property
    def config_map(self) -> Mapping[str, str]:
        return dict(self.config)

    def config_value(self, key: str) -> str | None:
        for k, v in self.config:
            if k == key:
                return v
        return None


@dataclass(frozen=True)
class SyntaxErr:
    """A line that could not be parsed; reading goes on (like benchfmt)."""

    file: str
    line: int
    msg: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.msg}"


@dataclass(frozen=True)
class UnitMeta:
    """A ``Unit <unit> <key>=<value> ...`` line: e.g. ``assume=exact`` or ``better=higher``."""

    unit: str
    key: str
    value: str
    orig_unit: str = ""
    file: str = ""
    line: int = 0


@dataclass
class ParsedFile:
    """Everything read from one input: results, syntax errors and unit metadata."""

    path: str
    results: list[Result] = field(default_factory=list)
    errors: list[SyntaxErr] = field(default_factory=list)
    units: list[UnitMeta] = field(default_factory=list)

    def __iter__(self) -> Iterator[Result]:
        return iter(self.results)


@dataclass
class LoadedRun:
    """One input as the analysis sees it: parsed records plus whatever metadata exists.

    ``warnings`` holds one line per damaged derived file (``results.json``,
    ``meta.json``, ``escape.json``) naming the file and what was used instead;
    the loader never prints, the CLI does, once.
    """

    path: Path
    label: str
    parsed: ParsedFile
    meta: Mapping[str, Any] | None = None
    escape: Mapping[str, Any] | None = None
    warnings: list[str] = field(default_factory=list)
    #: True for the project's published runs (``results/published/``).
    published: bool = False

    @property
    def go(self) -> str:
        if self.meta:
            return str(self.meta.get("toolchain", {}).get("version", ""))
        return self._config("go-version")

    @property
    def machine(self) -> str:
        if self.meta:
            return str(self.meta.get("machine", {}).get("machine", ""))
        return self._config("machine")

    def _config(self, key: str) -> str:
        return next((r.config_value(key) or "" for r in self.parsed.results), "")

    def __repr__(self) -> str:
        return f"LoadedRun({self.path!s}, {len(self.parsed.results)} results)"
