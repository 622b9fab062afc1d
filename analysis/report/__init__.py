"""The publishable report: ``index.md`` and a standalone ``index.html`` with charts and tables.

One job: turn loaded runs (``bench.store.LoadedRun``) into a document. The
numbers come from ``analysis.cost`` (ratio and bootstrap interval per pair),
``analysis.stats`` (medians, order-statistic intervals, Mann–Whitney U, Holm)
and ``analysis.claims`` (the article's claims); the pictures from
``analysis.plots``. This module decides what to show and lays it out twice —
Markdown for GitHub and MkDocs, HTML that opens from disk with no network —
from one list of blocks, so the two never disagree.

What is compared with what:

* A **condition** is one machine × Go toolchain × GC setting (``gogc``,
  ``live-heap``). Runs of the same condition are pooled (their rounds stay
  paired), so measuring twice gives more samples, not two answers.
* The **primary condition** — the machine with the most samples, its newest
  toolchain, the default GC setting — is the one the per-pair charts, the
  overview and the pair table show. Other toolchains, machines and GC settings
  get their own charts, each only when there is more than one of them.

Everything written is deterministic: inputs are sorted, the bootstrap is
seeded, charts have no volatile metadata, and the only dates are the runs'
own. All text taken from inputs (benchmark, machine and config names,
findings) is escaped for Markdown and for HTML, so a benchmark called
``<script>alert(1)</script>`` is shown, never run.
"""

from __future__ import annotations

import html
import math
import re
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis import cost, plots, stats
from bench import __version__
from bench.cases import Manifest
from bench.store import LoadedRun, write_text_atomic

CHARTS_DIR = "charts"
DEFAULT_GOGC = "100"
DEFAULT_LIVE_HEAP = "0"
#: How many of the noisiest pairs the noise chart inspects.
NOISE_PAIRS = 6
ALPHA = stats.DEFAULT_ALPHA


# --- records --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportSummary:
    """What :func:`write_report` wrote: every path, how many charts, how long it took."""

    out: Path
    index_md: Path
    index_html: Path
    paths: tuple[Path, ...]
    charts: int
    seconds: float
    runs: int = 0
    pairs: int = 0
    samples: int = 0

    @property
    def bytes(self) -> int:
        """Total size of the files written."""
        return sum(p.stat().st_size for p in self.paths if p.exists())


@dataclass(frozen=True, order=True)
class Condition:
    """One machine × toolchain × GC setting: the unit within which samples are comparable."""

    machine: str
    go: str
    gogc: str = DEFAULT_GOGC
    live_heap: str = DEFAULT_LIVE_HEAP

    @property
    def setting(self) -> str:
        s = f"GOGC={self.gogc}"
        return s if self.live_heap in ("", "0") else f"{s}, live heap {self.live_heap}"

    @property
    def is_default_setting(self) -> bool:
        return self.gogc == DEFAULT_GOGC and self.live_heap in ("", DEFAULT_LIVE_HEAP)


@dataclass
class _Sample:
    cond: Condition
    pair: str
    variant: str
    run: int  # index of the run among the condition's runs
    round: int  # k-th sample of this benchmark in its run
    record: Any
    interleaved: bool  # k-th samples of both variants were measured back to back


@dataclass
class _Data:
    """Everything the document is made of, computed once."""

    runs: list[LoadedRun]
    samples: pd.DataFrame
    costs: pd.DataFrame
    unpaired: list[tuple[str, str, list[Any]]]  # (run label, name, records)
    conditions: list[Condition]
    machines: dict[str, dict[str, str]]  # machine -> {"cpu", "cores", ...}
    manifest: Manifest | None
    primary: Condition | None = None


# --- collecting -----------------------------------------------------------------------------------


def _version_key(go: str) -> tuple[tuple[int, ...], str]:
    return tuple(int(x) for x in re.findall(r"\d+", go)), go


def _size_key(text: str) -> tuple[float, str]:
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(i?B)?\s*", text, re.IGNORECASE)
    if not m:
        return math.inf, text
    mult = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}[m.group(2).upper()]
    return float(m.group(1)) * mult, text


def _gogc_key(text: str) -> tuple[float, str]:
    try:
        return float(text), text
    except ValueError:
        return math.inf, text  # "off" after every number


def _setting_key(c: Condition) -> tuple[Any, ...]:
    return _size_key(c.live_heap), _gogc_key(c.gogc)


def _value(r: Any, *units: tuple[str, float]) -> float:
    """A metric in the first of ``units`` the record has (``Result.get`` finds untidied zeros)."""
    for unit, factor in units:
        v = r.get(unit)
        if v is not None:
            return float(v) * factor
    return math.nan


def _meta(run: LoadedRun, *keys: str) -> Any:
    d: Any = run.meta or {}
    for k in keys:
        d = d.get(k) if isinstance(d, Mapping) else None
    return d


def _machine_of(run: LoadedRun, r: Any) -> str:
    return run.machine or (r.config_value("machine") if r is not None else None) or "unknown"


def _go_of(run: LoadedRun, r: Any) -> str:
    return run.go or (r.config_value("go-version") if r is not None else None) or "unknown"


def _interleaved(run: LoadedRun, r: Any) -> bool:
    """Whether ``bench run --order interleaved`` wrote this sample (plain go test did not)."""
    order = _meta(run, "plan", "order") or r.config_value("escapebench-order")
    return order == "interleaved"


def _collect(runs: Sequence[LoadedRun], manifest: Manifest | None) -> _Data:
    """Samples and per-pair costs of every condition; half pairs and other names set aside."""
    runs = sorted(
        runs, key=lambda r: (str(r.machine), _version_key(r.go), str(r.label), str(r.path))
    )
    case_order = {c.id: i for i, c in enumerate(manifest.cases)} if manifest else {}
    raw: list[_Sample] = []
    unpaired: dict[tuple[int, str], list[Any]] = {}  # (run index, full name) -> records
    run_ids: dict[Condition, list[int]] = defaultdict(list)  # runs pooled per condition
    procs_seen: dict[str, set[int | None]] = defaultdict(set)
    machines: dict[str, dict[str, str]] = {}
    for ri, run in enumerate(runs):
        first = run.parsed.results[0] if run.parsed.results else None
        m = _machine_of(run, first)
        if m not in machines or not machines[m].get("cpu"):
            machines[m] = {
                "cpu": str(
                    _meta(run, "machine", "cpu_model")
                    or (
                        first.config_value("cpu-model") or first.config_value("cpu")
                        if first is not None
                        else ""
                    )
                    or ""
                ),
                "cores": str(_meta(run, "machine", "cpu_count") or ""),
            }
        gogc_env = str(_meta(run, "machine", "gogc_env") or "") or DEFAULT_GOGC
        counts: dict[tuple[str, str, str], int] = defaultdict(int)
        for r in run.parsed.results:
            variant = r.name.variant
            if variant not in ("escape", "noescape") or r.get(cost.TIME_UNIT) is None:
                unpaired.setdefault((ri, r.name.full), []).append(r)
                continue
            cond = Condition(
                _machine_of(run, r),
                _go_of(run, r),
                r.config_value("gogc") or gogc_env,
                r.config_value("live-heap") or DEFAULT_LIVE_HEAP,
            )
            if ri not in run_ids[cond]:
                run_ids[cond].append(ri)
            k = (r.name.full, cond.gogc, cond.live_heap)
            counts[k] += 1
            procs_seen[r.name.pair].add(r.name.procs)
            raw.append(
                _Sample(
                    cond,
                    r.name.pair,
                    variant,
                    run_ids[cond].index(ri),
                    counts[k],
                    r,
                    _interleaved(run, r),
                )
            )
    cases = {c.id: c for c in manifest.cases} if manifest else {}

    def display(s: _Sample) -> str:
        procs = s.record.name.procs
        return f"{s.pair}-{procs}" if len(procs_seen[s.pair]) > 1 and procs else s.pair

    groups: dict[tuple[Condition, str], dict[str, list[_Sample]]] = {}
    for s in raw:
        groups.setdefault((s.cond, display(s)), {"escape": [], "noescape": []})[s.variant].append(s)
    for (cond, name), g in list(groups.items()):
        if not g["escape"] or not g["noescape"]:  # half a pair: show it with the others
            for s in g["escape"] + g["noescape"]:
                unpaired.setdefault((run_ids[cond][s.run], s.record.name.full), []).append(s.record)
            del groups[(cond, name)]

    names = sorted({name for _, name in groups})
    unknown = sorted(n for n in names if _case_id(n, cases) is None)

    def order_of(name: str) -> int:
        cid = _case_id(name, cases)
        return case_order[cid] if cid is not None else len(case_order) + unknown.index(name)

    sample_rows = []
    cost_rows = []
    by_cond: dict[Condition, list[dict[str, Any]]] = defaultdict(list)
    for (cond, name), g in sorted(
        groups.items(), key=lambda kv: (kv[0][0], order_of(kv[0][1]), kv[0][1])
    ):
        cid = _case_id(name, cases)
        section = cases[cid].section if cid is not None else ""
        order = order_of(name)
        for variant in ("escape", "noescape"):
            g[variant].sort(key=lambda s: (s.run, s.round))
            for s in g[variant]:
                r = s.record
                sample_rows.append(
                    {
                        "pair": name,
                        "section": section,
                        "order": order,
                        "variant": variant,
                        "machine": cond.machine,
                        "go": cond.go,
                        "setting": cond.setting,
                        "cond": cond,
                        "run": s.run,
                        "round": s.round,
                        "sec": _value(r, (cost.TIME_UNIT, 1.0)),
                        "allocs": _value(r, (cost.ALLOCS_UNIT, 1.0)),
                        "bytes": _value(r, (cost.BYTES_UNIT, 1.0)),
                        "gc_cpu_sec": _value(r, (cost.GC_CPU_UNIT, 1.0)),
                        "gc_cycles": _value(r, ("gc-cycles/op", 1.0)),
                    }
                )
        row = _cost_row(cond, name, section, order, g)
        by_cond[cond].append(row)
        cost_rows.append(row)
    for rows in by_cond.values():  # Holm within each condition: one family of tests
        ps = [r["p"] for r in rows]
        finite = [i for i, p in enumerate(ps) if _finite(p)]
        adj = stats.holm([ps[i] for i in finite])
        for i, a in zip(finite, adj, strict=True):
            rows[i]["p_holm"] = a
    samples = pd.DataFrame(
        sample_rows,
        columns=[
            "pair",
            "section",
            "order",
            "variant",
            "machine",
            "go",
            "setting",
            "cond",
            "run",
            "round",
            "sec",
            "allocs",
            "bytes",
            "gc_cpu_sec",
            "gc_cycles",
        ],
    )
    costs = pd.DataFrame(cost_rows, columns=_COST_COLUMNS)
    conditions = sorted(by_cond, key=lambda c: (c.machine, _version_key(c.go), _setting_key(c)))
    data = _Data(
        list(runs),
        samples,
        costs,
        [(runs[ri].label, name, recs) for (ri, name), recs in sorted(unpaired.items())],
        conditions,
        machines,
        manifest,
    )
    data.primary = _primary(data)
    return data


_COST_COLUMNS = [
    "pair",
    "section",
    "order",
    "machine",
    "go",
    "setting",
    "cond",
    "runs",
    "ratio",
    "lo",
    "hi",
    "method",
    "n_escape",
    "n_noescape",
    "escape_sec",
    "noescape_sec",
    "escape_lo",
    "escape_hi",
    "noescape_lo",
    "noescape_hi",
    "cv_escape",
    "cv_noescape",
    "allocs_escape",
    "allocs_noescape",
    "bytes_escape",
    "bytes_noescape",
    "gc_cpu_escape",
    "gc_cpu_noescape",
    "gc_cycles_escape",
    "gc_cycles_noescape",
    "extra_ns_per_alloc",
    "p",
    "p_holm",
    "warnings",
]


def _case_id(name: str, cases: Mapping[str, Any]) -> str | None:
    for cand in (name, name.split("/")[0], re.sub(r"-\d+$", "", name)):
        if cand in cases:
            return cand
    return None


def _finite(x: Any) -> bool:
    try:
        return x is not None and math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


def _median(xs: Iterable[float]) -> float:
    vals = [x for x in xs if _finite(x)]
    return stats.median(vals) if vals else math.nan


def _cost_row(
    cond: Condition, name: str, section: str, order: int, g: Mapping[str, list[_Sample]]
) -> dict[str, Any]:
    """One pair under one condition: the ratio with its interval and every per-op median.

    Rounds are labelled (run, k): pooled runs keep their own rounds, and a
    sample missing from one variant leaves the other rounds paired. Without
    interleaved rounds (plain ``go test`` output, ``--order sequential``) the
    k-th samples were not measured together and values are resampled
    independently.
    """
    esc = [s.record for s in g["escape"]]
    noe = [s.record for s in g["noescape"]]
    te = [_value(r, (cost.TIME_UNIT, 1.0)) for r in esc]
    tn = [_value(r, (cost.TIME_UNIT, 1.0)) for r in noe]
    paired = all(s.interleaved for v in g.values() for s in v)
    if paired and len({s.run for v in g.values() for s in v}) == 1:
        # one interleaved run: the same block bootstrap over rounds as `bench run` prints
        ci = cost.escape_cost(esc, noe).time
    else:  # pooled runs keep their own rounds; no rounds at all: values resampled alone
        ci = cost.ratio_ci(
            te,
            tn,
            rounds_a=[(s.run, s.round) for s in g["escape"]] if paired else None,
            rounds_b=[(s.run, s.round) for s in g["noescape"]] if paired else None,
        )
    se, sn = stats.summarize(te), stats.summarize(tn)
    cmp = stats.compare(tn, te, alpha=ALPHA)

    def med(recs: Sequence[Any], *units: tuple[str, float]) -> float:
        return _median(_value(r, *units) for r in recs)

    allocs_e, allocs_n = med(esc, (cost.ALLOCS_UNIT, 1.0)), med(noe, (cost.ALLOCS_UNIT, 1.0))
    per_alloc = math.nan
    if _finite(allocs_e) and _finite(allocs_n) and allocs_e > allocs_n:
        # analysis.cost's definition: the time difference per extra allocation.
        per_alloc = (se.center - sn.center) / (allocs_e - allocs_n) * 1e9
    gc_cpu = ((cost.GC_CPU_UNIT, 1.0),)
    return {
        "pair": name,
        "section": section,
        "order": order,
        "machine": cond.machine,
        "go": cond.go,
        "setting": cond.setting,
        "cond": cond,
        "runs": len({s.run for v in g.values() for s in v}),
        "ratio": ci.ratio,
        "lo": ci.lo,
        "hi": ci.hi,
        "method": ci.method,
        "n_escape": len(te),
        "n_noescape": len(tn),
        "escape_sec": se.center,
        "noescape_sec": sn.center,
        "escape_lo": se.lo,
        "escape_hi": se.hi,
        "noescape_lo": sn.lo,
        "noescape_hi": sn.hi,
        "cv_escape": se.cv,
        "cv_noescape": sn.cv,
        "allocs_escape": allocs_e,
        "allocs_noescape": allocs_n,
        "bytes_escape": med(esc, (cost.BYTES_UNIT, 1.0)),
        "bytes_noescape": med(noe, (cost.BYTES_UNIT, 1.0)),
        "gc_cpu_escape": med(esc, *gc_cpu),
        "gc_cpu_noescape": med(noe, *gc_cpu),
        "gc_cycles_escape": med(esc, ("gc-cycles/op", 1.0)),
        "gc_cycles_noescape": med(noe, ("gc-cycles/op", 1.0)),
        "extra_ns_per_alloc": per_alloc,
        "p": cmp.p_value,
        "p_holm": math.nan,
        "warnings": tuple(dict.fromkeys((*se.warnings, *sn.warnings, *cmp.warnings))),
    }


def _primary(data: _Data) -> Condition | None:
    """The machine with most samples, its newest toolchain, the default GC setting."""
    if data.samples.empty:
        return None
    per_machine = data.samples.groupby("machine").size()
    machine = sorted(per_machine.index, key=lambda m: (-int(per_machine[m]), m))[0]
    on = [c for c in data.conditions if c.machine == machine]
    go = max((c.go for c in on), key=_version_key)
    on = [c for c in on if c.go == go]
    default = [c for c in on if c.is_default_setting]
    if default:
        return default[0]
    sizes = data.samples.groupby("cond").size()
    return sorted(on, key=lambda c: (-int(sizes.get(c, 0)), _setting_key(c)))[0]


# --- the document model ---------------------------------------------------------------------------
#
# Inline content is a list of spans: ("t", text), ("b", text) bold, ("c", text) code (our
# own text only: Markdown cannot escape inside code spans), ("a", text, href).
# Blocks: ("h", level, spans), ("p", spans), ("p-md", spans) (Markdown only), ("ul", [spans]),
# ("table", head, rows),
# ("img", png, svg, alt, caption-spans), ("md", trusted-markdown).

Span = tuple[str, ...]
Inline = list[Span]
Block = tuple[Any, ...]


def txt(text: Any) -> Span:
    return ("t", str(text))


def bold(text: Any) -> Span:
    return ("b", str(text))


def code(text: Any) -> Span:
    return ("c", str(text))


def link(text: Any, href: str) -> Span:
    return ("a", str(text), href)


_MD_BACKSLASH = re.compile(r"([\\`*_\[\]|#])")


def md_escape(text: str) -> str:
    """Text that Markdown (GitHub and Python-Markdown) shows literally, also inside tables.

    ``& < >`` become entities (Python-Markdown cannot backslash-escape ``<``),
    the markup characters ``\\ ` * _ [ ] | #`` get a backslash, ``~`` and ``$``
    an entity (GitHub reads ``~~`` as strikethrough and ``$…$`` as math, and
    Python-Markdown would show a backslash before either), and line breaks a
    space.
    """
    text = html.escape(text, quote=False)
    text = _MD_BACKSLASH.sub(r"\\\1", text)
    text = text.replace("~", "&#126;").replace("$", "&#36;")
    return re.sub(r"[\r\n\t]+", " ", text)


def _md_code(text: str) -> str:
    fence = "`" * (max((len(m) for m in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _md_inline(spans: Inline) -> str:
    out = []
    for s in spans:
        if s[0] == "t":
            out.append(md_escape(s[1]))
        elif s[0] == "b":
            out.append(f"**{md_escape(s[1])}**" if s[1] else "")
        elif s[0] == "c":
            out.append(_md_code(s[1]))
        elif s[0] == "a":
            out.append(f"[{md_escape(s[1])}]({s[2]})")
    return "".join(out)


def _html_inline(spans: Inline) -> str:
    out = []
    for s in spans:
        text = html.escape(s[1], quote=True)
        if s[0] == "t":
            out.append(text)
        elif s[0] == "b":
            out.append(f"<strong>{text}</strong>")
        elif s[0] == "c":
            out.append(f"<code>{text}</code>")
        elif s[0] == "a":
            out.append(f'<a href="{html.escape(s[2], quote=True)}">{text}</a>')
    return "".join(out)


def render_markdown(blocks: Sequence[Block]) -> str:
    """The blocks as Markdown that GitHub and MkDocs (Python-Markdown) both render."""
    out: list[str] = []
    for b in blocks:
        kind = b[0]
        if kind == "h":
            out.append("#" * b[1] + " " + _md_inline(b[2]))
        elif kind in ("p", "p-md"):
            out.append(_md_inline(b[1]))
        elif kind == "ul":
            out.append("\n".join("- " + _md_inline(item) for item in b[1]))
        elif kind == "table":
            head, rows = b[1], b[2]
            lines = [
                "| " + " | ".join(_md_inline(h) for h in head) + " |",
                "|" + "|".join("---" for _ in head) + "|",
            ]
            lines += ["| " + " | ".join(_md_inline(c) or " " for c in row) + " |" for row in rows]
            out.append("\n".join(lines))
        elif kind == "img":
            _, png, svg, alt, caption = b
            out.append(
                f"![{md_escape(alt)}]({png})\n\n"
                + _md_inline([*caption, txt(" "), link("SVG", svg)])
            )
        elif kind == "md":
            out.append(b[1].strip())
    return "\n\n".join(out) + "\n"


_CSS = """
body{font-family:-apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,"Helvetica Neue",Arial,
sans-serif;line-height:1.5;color:#1f2328;max-width:1180px;margin:0 auto;padding:1.5rem 2rem 4rem}
h1{font-size:1.9rem;border-bottom:1px solid #d0d7de;padding-bottom:.3rem}
h2{font-size:1.45rem;margin-top:2.4rem;border-bottom:1px solid #d0d7de;padding-bottom:.25rem}
h3{font-size:1.15rem;margin-top:1.8rem}
table{border-collapse:collapse;margin:1rem 0;font-size:.84rem;display:block;overflow-x:auto}
th,td{border:1px solid #d0d7de;padding:.3rem .55rem;vertical-align:top;text-align:left}
th{background:#f6f8fa}
tr:nth-child(even) td{background:#fafbfc}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.85em;
background:#f2f4f7;padding:.1em .3em;border-radius:4px}
figure{margin:1.2rem 0}
figure img{max-width:100%;height:auto;border:1px solid #eaecef}
figcaption{font-size:.88rem;color:#57606a}
a{color:#0969da}
""".strip()


def render_html(blocks: Sequence[Block], title: str) -> str:
    """The blocks as one HTML page: inline CSS, relative images, no script, no network."""
    body: list[str] = []
    for b in blocks:
        kind = b[0]
        if kind == "h":
            body.append(f"<h{b[1]}>{_html_inline(b[2])}</h{b[1]}>")
        elif kind == "p":
            body.append(f"<p>{_html_inline(b[1])}</p>")
        elif kind == "ul":
            items = "".join(f"<li>{_html_inline(i)}</li>" for i in b[1])
            body.append(f"<ul>{items}</ul>")
        elif kind == "table":
            head = "".join(f"<th>{_html_inline(h)}</th>" for h in b[1])
            rows = "".join(
                "<tr>" + "".join(f"<td>{_html_inline(c)}</td>" for c in row) + "</tr>"
                for row in b[2]
            )
            body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
        elif kind == "img":
            _, png, svg, alt, caption = b
            body.append(
                f'<figure><a href="{html.escape(svg)}"><img src="{html.escape(png)}" '
                f'alt="{html.escape(alt, quote=True)}" loading="eager"></a>'
                f"<figcaption>{_html_inline(caption)}</figcaption></figure>"
            )
        elif kind == "md":
            body.append(markdown_to_html(b[1]))
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n<style>\n{_CSS}\n</style>\n</head>\n"
        "<body>\n" + "\n".join(body) + "\n</body>\n</html>\n"
    )


# --- a little Markdown for the claims ledger ------------------------------------------------------

_ENTITY = re.compile(r"&(?:[A-Za-z][A-Za-z0-9]{1,31}|#\d{1,7}|#[xX][0-9A-Fa-f]{1,6});")
_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)


def _inline_md_to_html(text: str) -> str:
    """Inline Markdown of our own renderers to HTML; anything else is escaped as text.

    Understood: backslash escapes, ``**bold**``, ``*em*``, code spans, ``<br>``
    and character entities. No other tag survives, so untrusted text that
    reached the Markdown escaped stays escaped here.
    """
    out: list[str] = []
    i, n = 0, len(text)
    bold = em = False
    while i < n:
        ch = text[i]
        if ch == "\\" and i + 1 < n and not text[i + 1].isalnum() and text[i + 1].isascii():
            out.append(html.escape(text[i + 1]))
            i += 2
        elif ch == "`":
            run = len(text[i:]) - len(text[i:].lstrip("`"))
            end = text.find("`" * run, i + run)
            if end < 0:
                out.append(html.escape(text[i : i + run]))
                i += run
                continue
            out.append(f"<code>{html.escape(text[i + run : end].strip())}</code>")
            i = end + run
        elif text.startswith("**", i):
            out.append("</strong>" if bold else "<strong>")
            bold = not bold
            i += 2
        elif ch == "*":
            out.append("</em>" if em else "<em>")
            em = not em
            i += 1
        elif ch == "<" and (m := _BR.match(text, i)):
            out.append("<br>")
            i = m.end()
        elif ch == "&" and (m := _ENTITY.match(text, i)):
            out.append(m.group(0))
            i = m.end()
        else:
            out.append(html.escape(ch))
            i += 1
    if em:
        out.append("</em>")
    if bold:
        out.append("</strong>")
    return "".join(out)


def _split_row(line: str) -> list[str]:
    line = line.strip()
    line = line[1:] if line.startswith("|") else line
    line = line[:-1] if line.endswith("|") and not line.endswith("\\|") else line
    cells, cur, i = [], [], 0
    while i < len(line):
        if line[i] == "\\" and i + 1 < len(line):
            cur.append(line[i : i + 2])
            i += 2
            continue
        if line[i] == "|":
            cells.append("".join(cur).strip())
            cur = []
        else:
            cur.append(line[i])
        i += 1
    cells.append("".join(cur).strip())
    return cells


def markdown_to_html(md: str) -> str:
    """The subset of Markdown that ``analysis.claims`` renders: tables, headings, lists, text."""
    out: list[str] = []
    lines = md.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
            continue
        if line.lstrip().startswith("|"):
            block = []
            while i < len(lines) and lines[i].lstrip().startswith("|"):
                block.append(lines[i])
                i += 1
            rows = [_split_row(r) for r in block]
            sep = len(rows) > 1 and all(re.fullmatch(r":?-{1,}:?", c) for c in rows[1] if c)
            head, body = (rows[0], rows[2:]) if sep else ([], rows)
            t = ["<table>"]
            if head:
                t.append(
                    "<thead><tr>"
                    + "".join(f"<th>{_inline_md_to_html(c)}</th>" for c in head)
                    + "</tr></thead>"
                )
            t.append(
                "<tbody>"
                + "".join(
                    "<tr>" + "".join(f"<td>{_inline_md_to_html(c)}</td>" for c in r) + "</tr>"
                    for r in body
                )
                + "</tbody></table>"
            )
            out.append("".join(t))
            continue
        if m := re.match(r"^(#{1,6})\s+(.*)$", line):
            level = len(m.group(1))
            out.append(f"<h{level}>{_inline_md_to_html(m.group(2))}</h{level}>")
            i += 1
            continue
        if re.match(r"^\s*[-*]\s+", line):
            items = []
            while i < len(lines) and re.match(r"^\s*[-*]\s+", lines[i]):
                items.append(re.sub(r"^\s*[-*]\s+", "", lines[i]))
                i += 1
            out.append(
                "<ul>" + "".join(f"<li>{_inline_md_to_html(x)}</li>" for x in items) + "</ul>"
            )
            continue
        para = []
        while (
            i < len(lines)
            and lines[i].strip()
            and not lines[i].lstrip().startswith("|")
            and not re.match(r"^(#{1,6})\s", lines[i])
        ):
            para.append(lines[i].strip())
            i += 1
        out.append(f"<p>{_inline_md_to_html(' '.join(para))}</p>")
    return "\n".join(out)


# --- text helpers ---------------------------------------------------------------------------------


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else (plural or word + 's')}"


def _range_text(values: Iterable[Any]) -> str:
    vals = sorted({int(v) for v in values if _finite(v)})
    if not vals:
        return "0"
    return str(vals[0]) if vals[0] == vals[-1] else f"{vals[0]}–{vals[-1]}"


def _machine_text(data: _Data, machine: str) -> str:
    info = data.machines.get(machine, {})
    bits = [
        b for b in (info.get("cpu", ""), f"{info['cores']} CPUs" if info.get("cores") else "") if b
    ]
    return f"{machine} ({', '.join(bits)})" if bits else machine


def _samples_text(costs: pd.DataFrame) -> str:
    n = _range_text(pd.concat([costs["n_escape"], costs["n_noescape"]]))
    runs = int(costs["runs"].max()) if len(costs) else 0
    pooled = f", pooled from {runs} runs" if runs > 1 else ""
    return f"n = {n} samples per variant{pooled}"


def _footer(
    data: _Data,
    costs: pd.DataFrame,
    machines: Sequence[str] | None = None,
    gos: Sequence[str] | None = None,
    settings: Sequence[str] | None = None,
) -> str:
    machines = machines or sorted(set(costs["machine"]))
    gos = gos or sorted(set(costs["go"]), key=_version_key)
    settings = settings or sorted(set(costs["setting"]))
    m = "; ".join(_machine_text(data, x) for x in machines)
    return f"machine {m} · {', '.join(gos)} · {', '.join(settings)} · {_samples_text(costs)}"


def _status_cell(p: Mapping[str, Any]) -> Inline:
    status = str(p.get("status", ""))
    e, n = p.get("allocs_escape"), p.get("allocs_noescape")
    allocs = (
        f" ({plots.fmt_num(e)} → {plots.fmt_num(n)} allocs)" if _finite(e) and _finite(n) else ""
    )
    compiler = "" if p.get("compiler_holds", True) else ", compiler disagrees"
    return [bold(status) if status == "finding" else txt(status), txt(compiler + allocs)]


# --- the document ---------------------------------------------------------------------------------


@dataclass
class _Chart:
    stem: str
    title: str
    alt: str
    caption: str
    draw: Callable[[], Any]
    figure: Any = None


@dataclass
class _Doc:
    blocks: list[Block] = field(default_factory=list)
    charts: list[_Chart] = field(default_factory=list)

    def chart(self, stem: str, title: str, alt: str, caption: str, draw: Callable[[], Any]) -> None:
        ch = _Chart(stem, title, alt, caption, draw)
        self.charts.append(ch)
        self.blocks.append(
            ("img", f"{CHARTS_DIR}/{stem}.png", f"{CHARTS_DIR}/{stem}.svg", alt, [txt(caption)])
        )


def _pair_table(costs: pd.DataFrame, cases: Mapping[str, Any]) -> Block:
    head = [
        [txt("§")],
        [txt("pair")],
        [txt("escape")],
        [txt("noescape")],
        [txt("ratio [95 % CI]")],
        [txt("p (Holm)")],
        [txt("B/op")],
        [txt("allocs/op")],
        [txt("extra time/alloc")],
        [txt("GC CPU/op")],
        [txt("n")],
    ]
    rows = []
    for c in costs.sort_values(["order", "pair"], kind="mergesort").itertuples(index=False):
        title = getattr(cases.get(_case_id(c.pair, cases) or ""), "title", "")
        p = c.p_holm if _finite(c.p_holm) else c.p
        rows.append(
            [
                [txt(c.section)],
                [bold(c.pair)] + ([txt(" — " + title)] if title else []),
                [txt(plots.fmt_time(c.escape_sec))],
                [txt(plots.fmt_time(c.noescape_sec))],
                [txt(f"{plots.fmt_ratio(c.ratio)} [{plots.fmt_num(c.lo)}, {plots.fmt_num(c.hi)}]")],
                [txt(f"{p:.3f}" if _finite(p) else "–")],
                [txt(f"{plots.fmt_bytes(c.bytes_escape)} → {plots.fmt_bytes(c.bytes_noescape)}")],
                [txt(f"{plots.fmt_num(c.allocs_escape)} → {plots.fmt_num(c.allocs_noescape)}")],
                [
                    txt(
                        plots.fmt_time(c.extra_ns_per_alloc * 1e-9)
                        if _finite(c.extra_ns_per_alloc)
                        else "–"
                    )
                ],
                [txt(f"{plots.fmt_time(c.gc_cpu_escape)} → {plots.fmt_time(c.gc_cpu_noescape)}")],
                [
                    txt(
                        f"{c.n_escape}+{c.n_noescape}"
                        if c.n_escape != c.n_noescape
                        else str(c.n_escape)
                    )
                ],
            ]
        )
    return ("table", head, rows)


def _build(data: _Data, claims_markdown: str | None, docs_links: bool) -> _Doc:
    doc = _Doc()
    add = doc.blocks.append
    cases = {c.id: c for c in data.manifest.cases} if data.manifest else {}
    costs, samples = data.costs, data.samples
    add(("h", 1, [txt("Escape cost report")]))
    firsts = [(run, run.parsed.results[0] if run.parsed.results else None) for run in data.runs]
    gos = sorted({_go_of(run, r) for run, r in firsts}, key=_version_key)
    machines = sorted({_machine_of(run, r) for run, r in firsts})
    n_samples = len(samples) + sum(len(recs) for _, _, recs in data.unpaired)
    add(
        (
            "p",
            [
                txt(
                    f"What moving a variable from the stack to the heap costs, measured by "
                    f"escapebench {__version__}: {_plural(costs['pair'].nunique(), 'pair')} on "
                    f"{_plural(len(machines), 'machine')} ({', '.join(machines) or 'none'}) "
                    f"with {', '.join(gos) or 'no toolchain'}, "
                    f"{_plural(n_samples, 'sample')} from {_plural(len(data.runs), 'run')}."
                )
            ],
        )
    )
    if docs_links:  # Markdown only: the standalone HTML has no site around it
        add(
            (
                "p-md",
                [
                    txt("How to read the charts: "),
                    link("Reading the charts", "../reading-charts.md"),
                    txt("; how the numbers are made: "),
                    link("Method", "../method.md"),
                    txt("."),
                ],
            )
        )

    primary = data.primary
    if primary is None:
        add(("p", [txt("No escape/noescape pairs were found in these results.")]))
    else:
        _primary_sections(doc, data, primary, cases)
        _dimension_sections(doc, data, primary)
        _noise_section(doc, data, primary)
        _conditions_table(doc, data)
    _verification_section(doc, data)
    _claims_section(doc, data, claims_markdown)
    _unpaired_section(doc, data)
    _environment_section(doc, data)
    _failures_section(doc, data)
    add(
        (
            "p",
            [
                txt(
                    f"Generated by escapebench {__version__} from the runs listed above; "
                    "regenerate with "
                ),
                code("bench report"),
                txt("."),
            ],
        )
    )
    return doc


def _primary_sections(doc: _Doc, data: _Data, primary: Condition, cases: Mapping[str, Any]) -> None:
    add = doc.blocks.append
    pc = data.costs[data.costs["cond"] == primary]
    ps = data.samples[data.samples["cond"] == primary]
    footer = _footer(data, pc)
    slower = int(((pc["lo"] > 1) & pc["lo"].map(_finite)).sum())
    faster = int(((pc["hi"] < 1) & pc["hi"].map(_finite)).sum())
    finite = pc[pc["ratio"].map(lambda r: _finite(r) and r > 0)]
    geo = float(np.exp(np.log(finite["ratio"]).mean())) if len(finite) else math.nan
    top = finite.sort_values(["ratio", "pair"], ascending=[False, True]).head(1)

    add(("h", 2, [txt("Summary")]))
    items: list[Inline] = [
        [
            txt("Shown below unless a chart says otherwise: machine "),
            bold(_machine_text(data, primary.machine)),
            txt(", "),
            bold(primary.go),
            txt(", "),
            bold(primary.setting),
            txt(f", {_samples_text(pc)}."),
        ],
        [
            txt(
                f"Escaping is slower in {slower} of {len(pc)} pairs, faster in {faster}, and not "
                f"clearly different in {len(pc) - slower - faster} (95 % bootstrap interval of the "
                "time ratio above, below or around ×1)."
            )
        ],
    ]
    if _finite(geo):
        items.append([txt(f"Geometric mean of the time ratios: {plots.fmt_ratio(geo)}.")])
    if len(top):
        t = top.iloc[0]
        items.append(
            [
                txt("Largest ratio: "),
                bold(t["pair"]),
                txt(
                    f" {plots.fmt_ratio(t['ratio'])} ({plots.fmt_time(t['escape_sec'])} vs "
                    f"{plots.fmt_time(t['noescape_sec'])} per op)."
                ),
            ]
        )
    add(("ul", items))

    add(("h", 2, [txt("Escape cost of every pair")]))
    doc.chart(
        "ratio",
        "Escape cost of every pair",
        f"Time ratio escape/noescape with 95 % CI for {len(pc)} pairs, {footer}",
        "Median time per op of the escape variant divided by the noescape variant's, "
        "with its 95 % bootstrap interval (whole rounds resampled), grouped by article "
        "section and sorted; log scale, ×1 = no difference.",
        partial(
            plots.ratio_overview,
            pc,
            title="Escape cost: time ratio escape / noescape",
            footer=footer,
        ),
    )
    add(_pair_table(pc, cases))
    add(
        (
            "p",
            [
                txt(
                    "escape and noescape are median time per op; ratio is their quotient with a "
                    "95 % bootstrap interval (whole rounds resampled when the run interleaved "
                    "them); p is the two-sided Mann–Whitney U test of the two "
                    "samples, Holm-adjusted over the pairs of this table; extra time/alloc is the "
                    "time difference per additional allocation of the escape variant; GC CPU/op "
                    "is the collector's CPU time per op (median)."
                )
            ],
        )
    )
    notes = [
        [bold(c.pair), txt(": " + "; ".join(c.warnings))]
        for c in pc.sort_values(["order", "pair"]).itertuples(index=False)
        if c.warnings
    ]
    if notes:
        add(("p", [txt("Statistical caveats:")]))
        add(("ul", notes))

    add(("h", 2, [txt("Per pair, by article section")]))
    for i, section in enumerate(dict.fromkeys(pc.sort_values("order")["section"])):
        sc = pc[pc["section"] == section]
        ss = ps[ps["section"] == section]
        label = f"§{section}" if section else "Other pairs"
        add(("h", 3, [txt(label)]))
        doc.chart(
            f"pairs-{i + 1:02d}-{plots.slug(section or 'other')}",
            f"{label}: escape vs noescape",
            f"Time per op of escape and noescape for {len(sc)} pairs of {label}, "
            f"{_footer(data, sc)}",
            "Every sample (dots), the median (diamond) and its 95 % confidence interval "
            "(whiskers) of each variant; allocations and bytes per op under each label.",
            partial(
                plots.pair_grid,
                ss,
                sc,
                title=f"{label}: escape vs noescape time per op",
                footer=_footer(data, sc),
            ),
        )
        items = []
        for c in sc.sort_values(["order", "pair"]).itertuples(index=False):
            case = cases.get(_case_id(c.pair, cases) or "")
            item: Inline = [bold(c.pair)]
            if case is not None:
                item += [
                    txt(f" — {case.title}. " if case.title else " "),
                    txt(" ".join(case.explanation.split())),
                ]
                if case.note:
                    item += [txt(" Note: " + " ".join(case.note.split()))]
            items.append(item)
        add(("ul", items))

    add(("h", 2, [txt("GC cost")]))
    gc_cols = ["gc_cpu_escape", "gc_cpu_noescape", "gc_cycles_escape", "gc_cycles_noescape"]
    if pc[gc_cols].fillna(0).gt(0).any(axis=None):
        doc.chart(
            "gc-cost",
            "GC cost per op",
            f"GC CPU time and GC cycles per op, escape vs noescape, {footer}",
            "Median GC CPU time per op (gc-cpu-sec/op) and GC cycles per op "
            "(gc-cycles/op) of each variant, for the pairs that caused any GC work; "
            "hollow markers at 0 mean none.",
            partial(plots.gc_cost, pc, title="GC cost: CPU time and cycles per op", footer=footer),
        )
    else:
        add(
            (
                "p",
                [
                    txt(
                        "No GC metrics (gc-cpu-sec/op, gc-cycles/op) in these results, or no "
                        "GC work at all."
                    )
                ],
            )
        )


def _dimension_sections(doc: _Doc, data: _Data, primary: Condition) -> None:
    add = doc.blocks.append
    costs = data.costs
    same_setting = costs[(costs["setting"] == primary.setting)]

    # Go versions: the machine with the most toolchains at the primary setting.
    per_machine = {
        m: sorted(set(g["go"]), key=_version_key) for m, g in same_setting.groupby("machine")
    }
    m_best = (
        sorted(per_machine, key=lambda m: (-len(per_machine[m]), m != primary.machine, m))[0]
        if per_machine
        else None
    )
    if m_best is not None and len(per_machine[m_best]) > 1:
        gos = per_machine[m_best]
        part = same_setting[same_setting["machine"] == m_best]
        footer = _footer(data, part, [m_best], gos, [primary.setting])
        add(("h", 2, [txt("Go versions")]))
        doc.chart(
            "go-versions",
            "Escape cost by Go version",
            f"Heatmap of the time ratio and extra allocs/op per pair and Go version, {footer}",
            "Left: time ratio escape/noescape per pair and toolchain (colour on a log "
            "scale, blue below ×1, red above). Right: allocations per op the escape "
            "variant makes beyond the noescape one; a change along a row is the compiler "
            "or runtime treating the pair differently.",
            partial(
                plots.version_heatmap,
                part,
                columns=gos,
                title="Escape cost by Go version",
                footer=footer,
            ),
        )

    # Machines: the toolchain with the most machines at the primary setting.
    per_go = {g: sorted(set(x["machine"])) for g, x in same_setting.groupby("go")}
    g_best = (
        sorted(per_go, key=lambda g: (-len(per_go[g]), g != primary.go, _version_key(g)))[0]
        if per_go
        else None
    )
    if g_best is not None and len(per_go[g_best]) > 1:
        ms = per_go[g_best]
        part = same_setting[same_setting["go"] == g_best]
        footer = _footer(data, part, ms, [g_best], [primary.setting])
        add(("h", 2, [txt("Machines")]))
        doc.chart(
            "machines",
            "Escape cost by machine",
            f"Time ratio and extra ns per allocation per pair on {len(ms)} machines, {footer}",
            f"The same toolchain ({g_best}) on different machines: time ratio with 95 % "
            "interval (left) and the extra time per escaped allocation (right).",
            partial(
                plots.machine_comparison,
                part,
                machines=ms,
                legend_labels={m: _machine_text(data, m) for m in ms},
                title="Escape cost by machine",
                footer=footer,
            ),
        )

    # GC pressure: the machine × toolchain with the most GC settings.
    per_mg: dict[tuple[str, str], list[Condition]] = defaultdict(list)
    for c in data.conditions:
        per_mg[(c.machine, c.go)].append(c)
    mg = sorted(
        per_mg,
        key=lambda k: (
            -len(per_mg[k]),
            k != (primary.machine, primary.go),
            k[0],
            _version_key(k[1]),
        ),
    )[0]
    if len(per_mg[mg]) > 1:
        conds = sorted(per_mg[mg], key=_setting_key)
        settings = [c.setting for c in conds]
        part = costs[(costs["machine"] == mg[0]) & (costs["go"] == mg[1])]
        footer = _footer(data, part, [mg[0]], [mg[1]], settings)
        add(("h", 2, [txt("GC pressure")]))
        doc.chart(
            "gc-pressure",
            "Escape cost under GC pressure",
            f"Heatmap of the time ratio and the escape variant's GC CPU per op per GC "
            f"setting, {footer}",
            "How the time ratio (left) and the escape variant's GC CPU time per op "
            "(right) change with GOGC and the live heap kept reachable during the run.",
            partial(
                plots.gc_pressure,
                part,
                settings=settings,
                title="Escape cost under GC pressure",
                footer=footer,
            ),
        )


def _noise_section(doc: _Doc, data: _Data, primary: Condition) -> None:
    pc = data.costs[data.costs["cond"] == primary]
    ok = pc[pc["lo"].map(lambda v: _finite(v) and v > 0) & pc["hi"].map(_finite)]
    if ok.empty:
        return
    width = np.log(ok["hi"] / ok["lo"])
    pick = (
        ok.assign(_w=width)
        .sort_values(["_w", "pair"], ascending=[False, True], kind="mergesort")
        .head(NOISE_PAIRS)
    )
    ps = data.samples[(data.samples["cond"] == primary) & data.samples["pair"].isin(pick["pair"])]
    footer = _footer(data, pick)
    doc.blocks.append(("h", 2, [txt("Noise")]))
    doc.chart(
        "noise",
        "The noisiest pairs",
        f"Samples in measurement order for the {len(pick)} pairs with the widest "
        f"intervals, {footer}",
        "The pairs with the widest ratio intervals: each sample's deviation from its "
        "variant's median, in measurement order (dotted lines separate runs). Both lines "
        "moving together is drift of the machine, which the rounds bootstrap cancels; a "
        "single spike is an outlier; CV is the coefficient of variation.",
        partial(
            plots.noise, ps, pick, title="Noise: the pairs with the widest intervals", footer=footer
        ),
    )


def _conditions_table(doc: _Doc, data: _Data) -> None:
    if len(data.conditions) < 2:
        return
    add = doc.blocks.append
    add(("h", 2, [txt("Every condition")]))
    add(
        (
            "p",
            [
                txt(
                    "Time ratio escape/noescape with its 95 % interval for every machine × "
                    "toolchain × GC setting measured."
                )
            ],
        )
    )
    conds = data.conditions
    head = [[txt("pair")]] + [[txt(f"{c.machine} · {c.go} · {c.setting}")] for c in conds]
    by = {(r.pair, r.cond): r for r in data.costs.itertuples(index=False)}
    order = data.costs.drop_duplicates("pair").sort_values(["order", "pair"])
    rows = []
    for pair in order["pair"]:
        row: list[Inline] = [[bold(pair)]]
        for c in conds:
            r = by.get((pair, c))
            row.append(
                [
                    txt(
                        f"{plots.fmt_ratio(r.ratio)} [{plots.fmt_num(r.lo)}, {plots.fmt_num(r.hi)}]"
                        if r is not None
                        else ""
                    )
                ]
            )
        rows.append(row)
    add(("table", head, rows))


def _escape_reports(data: _Data) -> dict[str, tuple[LoadedRun, Mapping[str, Any]]]:
    """One escape.json per Go version: the primary machine's if it has one, else the first."""
    out: dict[str, tuple[LoadedRun, Mapping[str, Any]]] = {}
    primary_machine = data.primary.machine if data.primary else ""
    for run in sorted(
        data.runs, key=lambda r: (r.machine != primary_machine, str(r.machine), str(r.label))
    ):
        if run.escape:
            go = str(run.escape.get("go") or run.go)
            out.setdefault(go, (run, run.escape))
    return dict(sorted(out.items(), key=lambda kv: _version_key(kv[0])))


def _verification_section(doc: _Doc, data: _Data) -> None:
    add = doc.blocks.append
    add(("h", 2, [txt("Compiler verification")]))
    reports = _escape_reports(data)
    if not reports:
        add(
            (
                "p",
                [
                    txt(
                        "No compiler verification in these results: no escape.json beside the "
                        "runs ("
                    ),
                    code("bench run"),
                    txt(" writes one per toolchain)."),
                ],
            )
        )
        return
    add(
        (
            "p",
            [
                txt("Each pair checked with the compiler's own escape analysis ("),
                code("-gcflags=-m"),
                txt(") against the "),
                code("// escape:"),
                txt(" annotations in the Go source, and with the measured allocs/op: "),
                bold("verified"),
                txt(" = both agree with the expectation, "),
                bold("finding"),
                txt(
                    " = the compiler or the runtime did something else (explained below), "
                    "unmeasured = no allocs/op to compare."
                ),
            ],
        )
    )
    gos = list(reports)
    ann_items: list[Inline] = []
    for go, (run, rep) in reports.items():
        anns = list(rep.get("annotations") or ())
        held = sum(1 for a in anns if a.get("holds"))
        ann_items.append(
            [
                bold(go),
                txt(f": {held} of {_plural(len(anns), 'annotation')} hold (from run {run.label})."),
            ]
        )
        for a in anns:
            if not a.get("holds"):
                cond = f" {a.get('condition')}" if a.get("condition") else ""
                ev = "; ".join(map(str, a.get("evidence") or ())) or "no escape diagnostic"
                ann_items.append(
                    [
                        txt(
                            f"{go}: {a.get('file')}:{a.get('line')} expects "
                            f"escape:{a.get('expect')}{cond}, compiler says: {ev}"
                        )
                    ]
                )
    add(("ul", ann_items))
    pairs: dict[str, dict[str, Mapping[str, Any]]] = defaultdict(dict)
    for go, (_run, rep) in reports.items():
        for p in rep.get("pairs") or ():
            pairs[str(p.get("case"))][go] = p
    order = {c.id: i for i, c in enumerate(data.manifest.cases)} if data.manifest else {}
    names = sorted(pairs, key=lambda n: (order.get(n, len(order)), n))
    head = [[txt("pair")]] + [[txt(g)] for g in gos]
    rows = []
    findings: list[Inline] = []
    for name in names:
        row: list[Inline] = [[bold(name)]]
        for g in gos:
            p = pairs[name].get(g)
            row.append(_status_cell(p) if p is not None else [txt("–")])
            if p is not None and p.get("status") == "finding" and p.get("finding"):
                findings.append([bold(name), txt(f" ({g}): {p.get('finding')}")])
        rows.append(row)
    if rows:
        add(("table", head, rows))
    if findings:
        add(("h", 3, [txt("Findings")]))
        add(("ul", findings))


def _claims_section(doc: _Doc, data: _Data, claims_markdown: str | None) -> None:
    add = doc.blocks.append
    add(("h", 2, [txt("Claims of the article")]))
    if claims_markdown is None:
        claims_markdown = _claims_markdown(data)
    if not claims_markdown:
        add(
            (
                "p",
                [
                    txt(
                        "No claims ledger: it needs the manifest's claims and an escape.json "
                        "(compiler verification) of the manifest's cases in the results."
                    )
                ],
            )
        )
        return
    add(("md", claims_markdown))


def _claims_markdown(data: _Data) -> str | None:
    """The ledger from ``analysis.claims`` when there is a manifest and verification."""
    reports = _escape_reports(data)
    if data.manifest is None or not data.manifest.claims or not reports:
        return None
    ids = {c.id for c in data.manifest.cases}
    if not any(
        str(p.get("case")) in ids for _, rep in reports.values() for p in rep.get("pairs") or ()
    ):
        return None  # results of another module: every claim would be "n/a"
    from analysis import claims

    results: dict[str, list[Any]] = {}
    for go, (run, _rep) in reports.items():
        # Timing claims compare samples of one machine and the default GC setting, pooled
        # over that machine's runs of this toolchain like every table of the report.
        machine = run.machine
        results[go] = [
            r
            for x in data.runs
            if x.machine == machine and x.go == run.go
            for r in x.parsed.results
            if (r.config_value("gogc") or DEFAULT_GOGC) == DEFAULT_GOGC
            and (r.config_value("live-heap") or DEFAULT_LIVE_HEAP) == DEFAULT_LIVE_HEAP
        ]
    rows = claims.ledger(data.manifest, [rep for _, rep in reports.values()], results)
    return claims.render_markdown(rows)


def _unpaired_section(doc: _Doc, data: _Data) -> None:
    if not data.unpaired:
        return
    add = doc.blocks.append
    add(("h", 2, [txt("Benchmarks outside the pair convention")]))
    add(
        (
            "p",
            [
                txt("These results have no "),
                code("variant=escape"),
                txt("/"),
                code("variant=noescape"),
                txt(" partner, so they have no ratio; medians per op."),
            ],
        )
    )
    rows = []
    for label, name, recs in data.unpaired:
        rows.append(
            [
                [txt(label)],
                [txt(name)],
                [txt(str(len(recs)))],
                [txt(plots.fmt_time(_median(_value(r, (cost.TIME_UNIT, 1.0)) for r in recs)))],
                [txt(plots.fmt_bytes(_median(_value(r, (cost.BYTES_UNIT, 1.0)) for r in recs)))],
                [txt(plots.fmt_num(_median(_value(r, (cost.ALLOCS_UNIT, 1.0)) for r in recs)))],
            ]
        )
    add(
        (
            "table",
            [
                [txt("run")],
                [txt("benchmark")],
                [txt("n")],
                [txt("time/op")],
                [txt("B/op")],
                [txt("allocs/op")],
            ],
            rows,
        )
    )


def _run_settings(run: LoadedRun, key: str, default: str) -> str:
    vals = sorted(
        {r.config_value(key) or default for r in run.parsed.results},
        key=_size_key if key == "live-heap" else _gogc_key,
    )
    return ", ".join(vals) or default


def _environment_section(doc: _Doc, data: _Data) -> None:
    add = doc.blocks.append
    add(("h", 2, [txt("Runs and their environment")]))
    head = [
        [txt(h)]
        for h in (
            "run",
            "machine",
            "CPU",
            "cores",
            "OS",
            "Go",
            "GOGC",
            "live heap",
            "GOMAXPROCS",
            "date",
            "status",
            "samples",
        )
    ]
    rows = []
    commands: list[Inline] = []
    for run in data.runs:
        first = run.parsed.results[0] if run.parsed.results else None
        info = data.machines.get(_machine_of(run, first), {})
        osname = " ".join(
            str(x)
            for x in (
                _meta(run, "machine", "os"),
                _meta(run, "machine", "kernel"),
                _meta(run, "machine", "arch"),
            )
            if x
        )
        goamd64 = _meta(run, "toolchain", "goamd64")
        go = _go_of(run, first) + (f" (GOAMD64={goamd64})" if goamd64 else "")
        procs = _meta(run, "gomaxprocs") or (first.name.procs if first is not None else "")
        rows.append(
            [
                [txt(run.label)],
                [txt(_machine_of(run, first))],
                [txt(info.get("cpu", ""))],
                [txt(info.get("cores", ""))],
                [txt(osname)],
                [txt(go)],
                [
                    txt(
                        _run_settings(
                            run,
                            "gogc",
                            str(_meta(run, "machine", "gogc_env") or "") or DEFAULT_GOGC,
                        )
                    )
                ],
                [txt(_run_settings(run, "live-heap", DEFAULT_LIVE_HEAP))],
                [txt(procs or "")],
                [txt(_meta(run, "date") or "")],
                [txt(_meta(run, "status") or "")],
                [txt(str(len(run.parsed.results)))],
            ]
        )
        if _meta(run, "command_line"):
            commands.append([txt(f"{run.label}: "), txt(str(_meta(run, "command_line")))])
    add(("table", head, rows))
    if commands:
        add(("p", [txt("Command lines:")]))
        add(("ul", commands))


def _failures_section(doc: _Doc, data: _Data) -> None:
    add = doc.blocks.append
    add(("h", 2, [txt("Failures")]))
    rows = []
    for run in data.runs:
        for f in _meta(run, "plan", "failures") or ():
            if isinstance(f, Mapping):
                rows.append(
                    [
                        [txt(run.label)],
                        [txt(f.get("cell", ""))],
                        [txt(f.get("kind", ""))],
                        [txt(f.get("message", ""))],
                    ]
                )
        for e in getattr(run.parsed, "errors", ()) or ():
            rows.append(
                [
                    [txt(run.label)],
                    [txt(f"{Path(e.file).name}:{e.line}")],
                    [txt("parse")],
                    [txt(e.msg)],
                ]
            )
    if rows:
        add(("table", [[txt("run")], [txt("cell")], [txt("kind")], [txt("message")]], rows))
    else:
        add(("p", [txt("No failures recorded in the runs' plans and no unreadable lines.")]))


# --- writing --------------------------------------------------------------------------------------


def write_report(
    runs: Sequence[LoadedRun],
    out: Path,
    manifest: Manifest | None = None,
    claims_markdown: str | None = None,
) -> ReportSummary:
    """Write ``out/index.md``, ``out/index.html`` and ``out/charts/*.{png,svg}``.

    ``manifest`` gives the pairs' article sections, titles and explanations
    (and the claims); without it pairs are grouped under "other".
    ``claims_markdown`` is the claims ledger to include; when None it is built
    with ``analysis.claims`` from the manifest and the runs' escape.json.
    Charts from an earlier report in ``out/charts`` that this one does not
    draw are removed, so the directory always matches its index.
    """
    started = time.perf_counter()
    out = Path(out)
    charts_dir = out / CHARTS_DIR
    data = _collect(runs, manifest)
    docs_links = (out.parent / "reading-charts.md").is_file() and (
        out.parent / "method.md"
    ).is_file()
    doc = _build(data, claims_markdown, docs_links)
    written: list[Path] = []
    with plots.style():
        for ch in doc.charts:
            fig = ch.draw()
            written += plots.save(fig, charts_dir, ch.stem)
            fig.clear()
    keep = set(written)
    if charts_dir.is_dir():
        for p in sorted(charts_dir.iterdir()):
            if p.is_file() and p.suffix in (".png", ".svg") and p not in keep:
                p.unlink()
    md_path, html_path = out / "index.md", out / "index.html"
    write_text_atomic(md_path, render_markdown(doc.blocks))
    write_text_atomic(html_path, render_html(doc.blocks, "escapebench: escape cost report"))
    written += [md_path, html_path]
    return ReportSummary(
        out=out,
        index_md=md_path,
        index_html=html_path,
        paths=tuple(written),
        charts=len(doc.charts),
        seconds=time.perf_counter() - started,
        runs=len(data.runs),
        pairs=int(data.costs["pair"].nunique()),
        samples=len(data.samples),
    )


__all__ = [
    "CHARTS_DIR",
    "Condition",
    "ReportSummary",
    "markdown_to_html",
    "md_escape",
    "render_html",
    "render_markdown",
    "write_report",
]
