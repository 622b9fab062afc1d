"""The pair table: what escaping costs each pair, as a reader scans it (text and CSV).

One job: render ``analysis.escape_cost.CostRecord`` records, one table per
condition, one row per pair: median time per op of each variant, the
escape/noescape ratio with this run's interval, the across-runs interval when
several runs of the condition were given, the Holm-adjusted p and verdict,
B/op and allocs/op as before → after (a ratio of zeros means nothing), GC CPU
per op, and the extra time per extra allocation in words when it is
negative or inconclusive (``text``, and ``csv_table`` for ``--format csv``).
The numbers all come from ``analysis.escape_cost``; ``bench run``'s closing
table and ``bench cost`` both print ``text``.
"""

from __future__ import annotations

import csv
import io
import textwrap
from collections.abc import Mapping, Sequence

from analysis.escape_cost import (
    ACROSS_RUNS,
    THIS_RUN,
    THIS_RUN_NOTE,
    CostRecord,
    to_dicts,
    too_few_note,
)
from analysis.format import (
    MISSING,
    fmt_bytes,
    fmt_count,
    fmt_gc_cpu,
    fmt_interval,
    fmt_num,
    fmt_p,
    fmt_ratio,
    fmt_time,
)
from analysis.order import condition_key
from analysis.per_alloc import PerAlloc
from bench.vocab import escaped as esc

#: The last column of a pair whose escape variant allocates nothing (boxing from a static
#: table, a small make on the stack) or no more than its noescape variant (a size pair).
NO_ESCAPE = "no escape here"
NO_EXTRA_ALLOC = "no extra allocation"


#: The default table fits this many columns (``wide=True``: every column, any width).
COMPACT_WIDTH = 100


def _last_cell(c: CostRecord, compact: bool = False) -> str:
    """Per extra allocation when there is one, whatever the compiler said.

    Where the compiler and the allocations disagree about ``escaped`` the
    record's notes say which said what (``bench.vocab.escaped``).
    """
    if esc.allocates_more(c.allocs_escape, c.allocs_noescape):
        return per_alloc_text(c.per_alloc, compact)
    return NO_EXTRA_ALLOC if c.allocs_escape else NO_ESCAPE


def per_alloc_text(pa: PerAlloc | None, compact: bool = False) -> str:
    """``12.3 ns/alloc [10.1, 14.2]``; in words when the cost is negative or not measurable.

    ``compact``: the value without its interval (``not measurable`` alone).
    """
    if pa is None:
        return MISSING
    span = f"{fmt_num(pa.ci_low)} to {fmt_num(pa.ci_high)} {pa.unit}"
    if pa.inconclusive:
        return "not measurable" if compact else f"not measurable ({span})"
    if pa.value < 0:
        value = f"saves {fmt_num(-pa.value)} {pa.unit}"
        return value if compact else f"{value} [{fmt_num(-pa.ci_high)}, {fmt_num(-pa.ci_low)}]"
    value = f"{fmt_num(pa.value)} {pa.unit}"
    return value if compact else f"{value} {fmt_interval(pa.ci_low, pa.ci_high)}"


def _ratio_cell(ratio: float, lo: float, hi: float) -> str:
    return f"{fmt_ratio(ratio)} {fmt_interval(lo, hi)}"


def _p_cell(c: CostRecord) -> str:
    """Holm's p; ``≤ …`` when the raw p is the test's floor (the data could say more)."""
    return f"≤ {c.p_adjusted:.2g}" if c.at_floor else fmt_p(c.p_adjusted)


def row(c: CostRecord, across: bool, *, wide: bool = True, verdicts: bool = True) -> list[str]:
    """One table row; the across-runs cell only when the table has that column."""
    ratio = _ratio_cell(c.ratio, c.ci_low, c.ci_high)
    tests = [_p_cell(c), c.verdict] if verdicts else []
    if not wide:
        return [c.pair, ratio, *tests, _last_cell(c, compact=True)]
    a = c.across_runs
    cells = [c.pair, fmt_time(c.escape_sec), fmt_time(c.noescape_sec), ratio]
    if across:
        cells.append(
            MISSING
            if a is None
            else f"{_ratio_cell(a.ratio, a.ci_low, a.ci_high)} ({a.n_runs} runs)"
        )
    return [
        *cells,
        *tests,
        f"{fmt_bytes(c.bytes_escape)} → {fmt_bytes(c.bytes_noescape)}",
        f"{fmt_count(c.allocs_escape)} → {fmt_count(c.allocs_noescape)}",
        f"{fmt_gc_cpu(c.gc_cpu_escape, c.bytes_escape)} → "
        f"{fmt_gc_cpu(c.gc_cpu_noescape, c.bytes_noescape)}",
        _last_cell(c),
    ]


def _header(
    confidence: float, across: bool, scope: str, *, wide: bool = True, verdicts: bool = True
) -> list[str]:
    ci = f"{confidence:.0%} CI"
    tests = ["p (Holm)", "verdict"] if verdicts else []
    ratio = f"{scope} [{ci}]"
    if not wide:
        return ["pair", ratio, *tests, "per extra alloc"]
    head = ["pair", "escape", "noescape", ratio]
    if across:
        head.append(f"t over runs [{ci}]")
    return [*head, *tests, "B/op", "allocs/op", "GC CPU/op", "per extra alloc"]


def _align(rows: Sequence[Sequence[str]], width: int | None = None) -> list[str]:
    """Columns aligned; with ``width``, the first column's long names cut with ``…`` to fit."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    if width is not None:
        over = sum(widths) + 2 * (len(widths) - 1) - width
        if over > 0:
            widths[0] = max(8, widths[0] - over)
    lines = []
    for r in rows:
        cells = []
        for i, (cell, w) in enumerate(zip(r, widths, strict=True)):
            if i == 0:
                cells.append((cell if len(cell) <= w else cell[: w - 1] + "…").ljust(w))
            else:
                cells.append(cell.rjust(w))
        lines.append("  ".join(cells).rstrip())
    return lines


def _notes(cs: Sequence[CostRecord], skip: frozenset[str] = frozenset()) -> list[str]:
    """One line per distinct warning, naming its pair (or how many pairs share it)."""
    by_text: dict[str, list[str]] = {}
    for c in cs:
        for w in c.warnings:
            if w not in skip:
                by_text.setdefault(w, []).append(c.pair)
    return [
        f"  note: {ps[0] if len(ps) == 1 else f'{len(ps)} pairs'}: {w}" for w, ps in by_text.items()
    ]


def _escaped_notes(cs: Sequence[CostRecord]) -> list[str]:
    """Where the compiler and the allocations disagree: which said what, naming the pairs."""
    by_word: dict[str, list[str]] = {}
    for c in cs:
        if esc.disagreement(c.compiler_heap, c.allocs_escape, c.allocs_noescape):
            word = esc.word(c.compiler_heap, c.allocs_escape, c.allocs_noescape)
            by_word.setdefault(word, []).append(c.pair)
    return [f"  note: escaped {word}: {', '.join(ps)}" for word, ps in by_word.items()]


def _wrap(lines: Sequence[str]) -> list[str]:
    """Lines cut at :data:`COMPACT_WIDTH` (continuations indented)."""
    return [
        part
        for line in lines
        for part in textwrap.wrap(
            line, COMPACT_WIDTH, subsequent_indent="  ", break_on_hyphens=False
        )
    ]


def _preamble(records: Sequence[CostRecord]) -> list[str]:
    """What the whole output shares, said once: Holm's family, the scope, a too-short run."""
    out = [f"p (Holm): corrected over {records[0].correction_family} (every record below)"]
    if any(c.scope == THIS_RUN for c in records):
        out.append(f"note: {THIS_RUN_NOTE}")
    few = too_few_note(records)
    if few:
        out.append(f"note: {few}")
    return [*_wrap(out), ""]


def text(records: Sequence[CostRecord], *, wide: bool = False) -> str:
    """Aligned plain-text tables, one per condition, with each table's method and notes.

    The default fits :data:`COMPACT_WIDTH` columns (pair, ratio with its
    interval, p, verdict, per extra allocation); ``wide`` adds the times,
    the t-interval over runs, B/op, allocs/op and GC CPU.
    """
    if not records:
        return ""
    groups: dict[str, list[CostRecord]] = {}
    for c in records:
        groups.setdefault(c.condition.label, []).append(c)
    verdicts = too_few_note(records) is None
    out = _preamble(records)
    conditions = {c.condition.label: c.condition for c in records}
    for label, cs in sorted(groups.items(), key=lambda g: condition_key(conditions[g[0]])):
        cs = sorted(cs, key=lambda c: c.pair)
        across = wide and any(c.across_runs is not None for c in cs)
        n_runs = max(c.n_runs for c in cs)
        size = (
            f"{max(c.n_rounds for c in cs)} rounds"
            if cs[0].paired
            else f"n={max(c.n_escape for c in cs)} per variant"
        )
        title = [
            f"{label} · {size} · {n_runs} run{'s' if n_runs > 1 else ''}",
            f"ratio: {cs[0].method}"
            + ("; t over runs: t-interval over per-run estimates" if across else ""),
        ]
        out.extend(title if wide else _wrap(title))
        scope = ACROSS_RUNS if all(c.scope == ACROSS_RUNS for c in cs) else THIS_RUN
        head = _header(cs[0].confidence, across, scope, wide=wide, verdicts=verdicts)
        rows = [row(c, across, wide=wide, verdicts=verdicts) for c in cs]
        out.extend(_align([head, *rows], None if wide else COMPACT_WIDTH))
        notes = [*_notes(cs), *_escaped_notes(cs)]
        out.extend(notes if wide else _wrap(notes))
        out.append("")
    return "\n".join(out)


def _flat(d: Mapping[str, object], prefix: str = "") -> dict[str, object]:
    out: dict[str, object] = {}
    for k, v in d.items():
        if isinstance(v, Mapping):
            out.update(_flat(v, f"{prefix}{k}."))
        elif isinstance(v, list):
            out[prefix + k] = ";".join(str(x) for x in v)
        else:
            out[prefix + k] = "" if v is None else v
    return out


def _csv_text(dicts: Sequence[Mapping[str, object]]) -> str:
    """Tidy CSV of ``escape_cost.to_dicts`` output; nested keys as ``across_runs.ratio``."""
    rows = [_flat(d) for d in dicts]
    fields = list(dict.fromkeys(k for r in rows for k in r))
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue()


def csv_table(records: Sequence[CostRecord]) -> str:
    """Tidy CSV, one row per record (``bench cost --format csv``; nested objects flattened)."""
    empty = {
        "across_runs": dict.fromkeys(("ratio", "ci_low", "ci_high", "n_runs", "method")),
        "per_alloc": dict.fromkeys(("ns", "ci_low", "ci_high", "unit", "divisor")),
        "next_run": dict.fromkeys(("low", "high")),
    }
    dicts = [
        {k: (empty[k] if v is None and k in empty else v) for k, v in d.items()}
        for d in to_dicts(records)
    ]
    return _csv_text(dicts)
