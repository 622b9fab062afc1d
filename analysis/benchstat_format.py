"""benchstat's ways of writing numbers and laying out text: Go-compatible formatting.

One job: the formatting that makes ``--benchstat`` output byte-identical to
benchstat's, shared by ``analysis.table`` (all formats) and ``analysis.stats``
(warning texts): Go's ``%v`` for floats (:func:`go_repr`), benchunit's scaling
(``1.23µ``, ``16.0Ki``), encoding/csv quoting, and texttab's column layout.
Human formatting elsewhere (pair table, report) is ``analysis.format``.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal


def go_repr(x: float) -> str:
    """``x`` as Go's ``fmt`` ``%v`` prints a float64: shortest digits, ``%e`` form when
    the decimal exponent is < -4 or >= 6 (strconv 'g' with precision -1)."""
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "+Inf" if x > 0 else "-Inf"
    if x == 0:
        return "-0" if math.copysign(1.0, x) < 0 else "0"
    sign, digit_tuple, exponent = Decimal(repr(float(x))).as_tuple()
    digits = "".join(map(str, digit_tuple)).rstrip("0")
    dp = len(digit_tuple) + int(exponent)  # decimal point position after the first digit run
    exp = dp - 1
    if exp < -4 or exp >= 6:
        mant = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        s = f"{mant}e{'-' if exp < 0 else '+'}{abs(exp):02d}"
    elif dp <= 0:
        s = "0." + "0" * (-dp) + digits
    elif dp >= len(digits):
        s = digits + "0" * (dp - len(digits))
    else:
        s = digits[:dp] + "." + digits[dp:]
    return ("-" if sign else "") + s


# --- benchunit scaling ------------------------------------------------------------


def unit_is_binary(unit: str) -> bool:
    """benchunit ``ClassOf``: binary prefixes when bytes appear in the numerator."""
    denom = False
    tok = ""
    for ch in unit + " ":
        if ch in "*/-" or ch.isspace():
            if tok in ("B", "MB", "bytes") and not denom:
                return True
            tok = ""
            if ch == "*":
                denom = False
            elif ch == "/":
                denom = True
        else:
            tok += ch
    return False


@dataclass(frozen=True)
class Scaler:
    """A number format: digits after the point, a factor and its prefix (benchunit.Scaler)."""

    prec: int
    factor: float
    prefix: str

    def format(self, val: float) -> str:
        return f"{val / self.factor:.{self.prec}f}{self.prefix}"


@dataclass(frozen=True)
class _Factor:
    factor: float
    prefix: str
    t100: float
    t10: float
    t1: float


def _si_factors() -> list[_Factor]:
    out = []
    exp = 12
    for p in ("T", "G", "M", "k", "", "m", "µ", "n"):
        out.append(
            _Factor(
                float(f"1e{exp}"),
                p,
                float(f"99.995e{exp}"),
                float(f"9.9995e{exp}"),
                float(f".99995e{exp}"),
            )
        )
        exp -= 3
    return out


def _iec_factors() -> list[_Factor]:
    out = []
    exp = 40
    for p in ("Ti", "Gi", "Mi", "Ki", ""):
        out.append(
            _Factor(
                2.0**exp,
                p,
                float.fromhex(f"0x1.8ffae147ae148p{6 + exp}"),
                float.fromhex(f"0x1.3ffbe76c8b439p{3 + exp}"),
                float.fromhex(f"0x1.fff972474538fp{-1 + exp}"),
            )
        )
        exp -= 10
    return out


_SI = _si_factors()
_IEC = _iec_factors()
_SIGFIGS = [float(f"9.9995e{e}") for e in range(-1, -9, -1)]


def common_scale(values: Sequence[float], binary: bool) -> Scaler:
    """A scale showing >= 3 significant digits of every value (benchunit.CommonScale)."""
    smallest = 0.0
    for v in values:
        v = abs(v)
        if v != 0 and (smallest == 0 or v < smallest):
            smallest = v
    if smallest == 0:
        return Scaler(3, 1.0, "")
    factors = _IEC if binary else _SI
    for f in factors:
        if smallest >= f.t100:
            return Scaler(1, f.factor, f.prefix)
        if smallest >= f.t10:
            return Scaler(2, f.factor, f.prefix)
        if smallest >= f.t1:
            return Scaler(3, f.factor, f.prefix)
    last = factors[-1]
    val = smallest / last.factor
    for i, thresh in enumerate(_SIGFIGS):
        if val >= thresh or i == len(_SIGFIGS) - 1:
            return Scaler(i + 3, last.factor, last.prefix)
    raise AssertionError("unreachable")


def scale(val: float, binary: bool) -> str:
    return common_scale([val], binary).format(val)


_SUPER = "⁰¹²³⁴⁵⁶⁷⁸⁹"


def superscript(i: int) -> str:
    return "".join(_SUPER[int(d)] for d in str(i))


# --- texttab -----------------------------------------------------------------------


@dataclass
class _TCell:
    row: int
    col: int
    span: int
    value: str
    margin: str
    align: str


@dataclass
class TextTable:
    """cmd/benchstat/internal/texttab: cells on a grid, columns sized to fit."""

    cells: list[_TCell] = field(default_factory=list)
    cols: int = 0
    shrink: list[bool] = field(default_factory=list)
    cur_row: int = 0
    cur_col: int = 0

    def row(self) -> None:
        if self.cells:
            self.cur_row += 1
        self.cur_col = 0

    def col(self, c: int) -> None:
        if c < self.cur_col:
            raise ValueError(f"cannot move from column {self.cur_col} to earlier column {c}")
        self.cur_col = c

    def span(self, n: int, value: str, align: str = "left", margin: str | None = None) -> None:
        lm = "" if self.cur_col == 0 or value == "" else " "
        if margin is not None:
            lm = margin
        self.cells.append(_TCell(self.cur_row, self.cur_col, n, value, lm, align))
        self.cur_col += n
        self.cols = max(self.cols, self.cur_col)

    def cell(self, value: str, align: str = "left", margin: str | None = None) -> None:
        self.span(1, value, align, margin)

    def set_shrink(self, c: int) -> None:
        while len(self.shrink) < c + 1:
            self.shrink.append(False)
        self.shrink[c] = True

    def format(self) -> str:
        def is_shrink(c: int) -> bool:
            return c < len(self.shrink) and self.shrink[c]

        lmargin = [0] * self.cols
        for c in self.cells:
            lmargin[c.col] = max(len(c.margin), lmargin[c.col])
        ws = [0] * self.cols
        for c in sorted(self.cells, key=lambda c: c.span):
            w = len(c.value) + lmargin[c.col]
            if c.span == 1:
                ws[c.col] = max(ws[c.col], w)
                continue
            if sum(ws[c.col : c.col + c.span]) >= w:
                continue
            span_cols = []
            for col in range(c.col, c.col + c.span):
                if is_shrink(col):
                    w -= ws[col]
                else:
                    span_cols.append(col)
            span_cols.sort(key=lambda col: -ws[col])
            remaining = len(span_cols)
            for col in span_cols:
                avg = (
                    (w + remaining - 1) // remaining
                    if w + remaining - 1 >= 0
                    else -((-(w + remaining - 1)) // remaining)
                )
                ws[col] = max(ws[col], avg)
                w -= ws[col]
                remaining -= 1
        offs = [0] * (self.cols + 1)
        off = 0
        for i, w in enumerate(ws):
            offs[i] = off
            off += w
        offs[len(ws)] = off

        out = io.StringIO()
        row = off = 0
        for c in sorted(self.cells, key=lambda c: (c.row, c.col)):
            if c.value.strip() == "" and c.margin.strip() == "":
                continue
            while c.row > row:
                out.write("\n")
                row += 1
                off = 0
            spaces = offs[c.col] - off
            out.write(go_pad("", spaces))
            out.write(go_pad(c.margin, lmargin[c.col]))
            off += spaces + lmargin[c.col]
            tw = offs[c.col + c.span] - offs[c.col] - lmargin[c.col]
            if c.align == "center":
                s = (
                    go_pad(
                        "",
                        (tw - len(c.value)) // 2
                        if tw >= len(c.value)
                        else -((len(c.value) - tw) // 2),
                    )
                    + c.value
                )
            elif c.align == "right":
                s = go_pad(c.value, tw)
            else:
                s = c.value
            out.write(s)
            off += len(s)
        if self.cells:
            out.write("\n")
        return out.getvalue()


def go_pad(s: str, width: int) -> str:
    """fmt's ``%*s``: right-justify to width; a negative width left-justifies."""
    return s.ljust(-width) if width < 0 else s.rjust(width)


# --- encoding/csv ----------------------------------------------------------------------


def csv_field(f: str) -> str:
    """encoding/csv quoting: commas, quotes, CR/LF or a leading space force quotes."""
    if f == "":
        return f
    if f == "\\." or any(ch in f for ch in ',"\r\n') or f[0].isspace():
        return '"' + f.replace('"', '""') + '"'
    return f


def csv_record(fields: Sequence[str]) -> str:
    return ",".join(csv_field(f) for f in fields) + "\n"


def col_name(x: int) -> str:
    name = ""
    while x > 0:
        name = chr(ord("A") + x % 26) + name
        x //= 26
    return name or "A"


# --- benchproc key headers --------------------------------------------------------


def key_header(columns: Sequence[Sequence[str]], nfields: int) -> list[list[tuple[str, int, int]]]:
    """benchproc.NewKeyHeader flattened by level: (value, start, len) nodes per level."""
    levels: list[list[tuple[str, int, int]]] = []
    parents = [(0, len(columns))]
    for level in range(nfields):
        nodes: list[tuple[str, int, int]] = []
        for start, length in parents:
            j = start
            while j < start + length:
                val, k = columns[j][level], j
                while k < start + length and columns[k][level] == val:
                    k += 1
                nodes.append((val, j, k - j))
                j = k
        levels.append(nodes)
        parents = [(n[1], n[2]) for n in nodes]
    return levels
