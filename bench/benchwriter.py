"""Write records back as Go benchmark text, byte for byte as x/perf's ``benchfmt.Writer``.

The other half of ``bench.benchfmt`` (which reads): reading a text and writing
its records here gives back the same bytes (tests/test_benchfmt.py checks it
against Go's own writer output).
"""

from __future__ import annotations

from collections.abc import Iterable

from bench.benchfmt import Record, is_config_key
from bench.gostrconv import format_float
from bench.model import Result, SyntaxErr, UnitMeta

_BENCHMARK = "Benchmark"


def format_result(result: Result) -> str:
    """The benchmark line for ``result`` (no newline), values as written.

    Values that tidying changed are written in their original unit, so
    reading the line back gives the same ``Value`` records.
    """
    parts = [f"{_BENCHMARK}{result.name.full} {result.iters}"]
    for v in result.values:
        if v.orig_unit:
            parts.append(
                f"{format_float(v.orig_value if v.orig_value is not None else v.value)}"
                f" {v.orig_unit}"
            )
        else:
            parts.append(f"{format_float(v.value)} {v.unit}")
    return " ".join(parts)


def format_unit_meta(meta: UnitMeta) -> str:
    """The ``Unit`` line for ``meta`` (no newline), in the unit as written."""
    return f"Unit {meta.orig_unit or meta.unit} {meta.key}={meta.value}"


def format_config(config: Iterable[tuple[str, str]]) -> str:
    """``key: value`` lines (each ending in a newline) for file configuration.

    Internal keys such as ``.file`` are skipped; an empty value writes the
    ``key:`` line that deletes the key. Raises ``ValueError`` for a key or
    value that would not read back as the same configuration.
    """
    lines = []
    for key, value in config:
        if key.startswith("."):
            continue
        if not is_config_key(key):
            raise ValueError(
                f"invalid configuration key {key!r}: must start with a "
                "lower-case letter and have no spaces, upper case or ':'"
            )
        if "\n" in value or value.endswith("\r") or value[:1] in (" ", "\t"):
            raise ValueError(f"configuration value for {key!r} cannot be written: {value!r}")
        lines.append(f"{key}: {value}\n" if value else f"{key}:\n")
    return "".join(lines)


class Writer:
    """Writes records as benchmark text, like benchfmt's ``Writer``.

    Before a result whose configuration differs from the last one it writes a
    block of changed, deleted (``key:``) and new keys framed by blank lines;
    internal keys (``.file``) are tracked but not written. Syntax errors
    write nothing.
    """

    def __init__(self) -> None:
        self._first = True
        self._have: dict[str, str] = {}
        self._order: list[str] = []

    def write(self, rec: Record) -> str:
        """The text for ``rec``, newline-terminated (empty for a ``SyntaxErr``)."""
        if isinstance(rec, Result):
            head = ""
            cfg = rec.config
            have = self._have
            if len(have) != len(cfg) or any(have.get(k) != v for k, v in cfg):
                head = self._config_block(cfg)
            self._first = False
            return head + format_result(rec) + "\n"
        if isinstance(rec, UnitMeta):
            return format_unit_meta(rec) + "\n"
        if isinstance(rec, SyntaxErr):
            return ""
        raise TypeError(f"unknown record type {type(rec).__name__}")

    def _config_block(self, cfg: tuple[tuple[str, str], ...]) -> str:
        out = []
        if not self._first:
            out.append("\n")
            self._first = True
        cur = dict(cfg)
        have, order = self._have, self._order
        i = 0
        while i < len(order):
            key = order[i]
            if key not in cur:
                out.append(f"{key}:\n")  # Go writes this even for internal keys.
                del have[key]
                del order[i]
                continue
            if have[key] != cur[key]:
                if is_config_key(key):
                    out.append(f"{key}: {cur[key]}\n")
                have[key] = cur[key]
            i += 1
        if len(have) != len(cfg):
            for key, value in cfg:
                if key in have:
                    continue
                if is_config_key(key):
                    out.append(f"{key}: {value}\n")
                have[key] = value
                order.append(key)
        out.append("\n")
        return "".join(out)


def format_records(records: Iterable[Record]) -> str:
    """All ``records`` as one text, through a fresh ``Writer``."""
    w = Writer()
    return "".join(w.write(r) for r in records)
