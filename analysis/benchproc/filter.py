"""benchproc's filters: which records (and which of their values) a filter keeps.

One job: evaluate a filter syntax tree (``analysis.benchproc.syntax``) on
``bench.model.Result`` records, like golang.org/x/perf/benchproc/filter.go, and
extract the value of a key from a record (extract.go) for filters and
projections alike. A ``.unit`` match selects *values* of a record, every other
key selects the whole record, so a filter returns a per-value mask or a verdict.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from analysis.benchproc.syntax import Match, Node, QueryError, parse_filter
from bench.model import Result


def extract(r: Result, key: str) -> str:
    """The value of ``key`` for record ``r`` ("" when absent), like benchproc's extractors."""
    if key == ".name":
        return str(r.name.base)
    if key == ".fullname":
        return str(r.name.full)
    if key.startswith("/"):
        parts = r.name.parts
        if key == "/gomaxprocs" and parts and parts[-1].startswith("-"):
            return str(parts[-1][1:])
        prefix = key + "="
        for p in parts:
            if p.startswith(prefix):
                return str(p[len(prefix) :])
        return ""
    for k, v in r.config:
        if k == key:
            return str(v)
    if key == ".file":
        # bench.benchfmt keeps the label as an internal ``.file`` config entry
        # (like Go's benchfmt); records built without it carry it in ``file``.
        return r.file
    return ""


def fullname_excluding(r: Result, exclude: Sequence[str]) -> str:
    """The full name without the parts a projection names elsewhere (``*`` for ``.name``)."""
    exc_name = ".name" in exclude
    delete = [k + "=" for k in exclude if k.startswith("/")]
    exc_procs = "/gomaxprocs" in exclude
    full = str(r.name.full)
    if not exc_name and not any(d in full for d in delete) and not (exc_procs and "-" in full):
        return full
    base, parts = r.name.base, r.name.parts
    out = ["*" if exc_name else base]
    for p in parts:
        if any(p.startswith(d) for d in delete):
            continue
        if exc_procs and p.startswith("-"):
            continue
        out.append(p)
    return "".join(out)


#: (per-value mask or None, record verdict): a ``.unit`` match masks values.
FilterResult = tuple[list[bool] | None, bool]
FilterFn = Callable[[Result], FilterResult]


def compile(query: str) -> FilterFn:
    """The filter function of ``query`` (benchproc ``NewFilter``); raises QueryError."""
    return compile_filter(parse_filter(query))


def apply(match: FilterFn, r: Result) -> Result | None:
    """``r`` with only the values ``match`` keeps, or None when it keeps nothing."""
    mask, ok = match(r)
    if mask is None:
        return r if ok else None
    if not any(mask):
        return None
    if all(mask):
        return r
    return replace(r, values=tuple(v for v, keep in zip(r.values, mask, strict=True) if keep))


def compile_filter(node: Node) -> FilterFn:
    """The function of a filter syntax tree."""
    if isinstance(node, Match):
        if node.key == ".unit":

            def unit_match(r: Result) -> FilterResult:
                return [
                    node.match(v.unit) or bool(v.orig_unit and node.match(v.orig_unit))
                    for v in r.values
                ], False

            return unit_match
        if node.key == ".config":
            raise QueryError(".config is only allowed in projections")

        def key_match(r: Result) -> FilterResult:
            return None, node.match(extract(r, node.key))

        return key_match
    subs = [compile_filter(e) for e in node.exprs]
    return filter_op(node.op, subs)


def filter_op(op: str, subs: list[FilterFn]) -> FilterFn:
    """Combine filters with ``and``/``or``/``not``, keeping per-value masks."""
    if op == "not":
        sub = subs[0]

        def f_not(r: Result) -> FilterResult:
            m, x = sub(r)
            return (None, not x) if m is None else ([not b for b in m], False)

        return f_not
    stop_on = op == "or"  # the verdict that decides alone: True for or, False for and

    def fold(r: Result) -> FilterResult:
        mask: list[bool] | None = None
        for sub in subs:
            m, x = sub(r)
            if m is None:
                if x == stop_on:
                    return None, stop_on
            elif mask is None:
                mask = m
            else:
                mask = [(a or b) if stop_on else (a and b) for a, b in zip(mask, m, strict=True)]
        return mask, not stop_on

    return fold
