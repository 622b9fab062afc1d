"""Go's ``strconv`` number rules for the benchmark text format.

``bench.benchfmt`` reads iteration counts and measurements with these and
writes values back with ``format_float``; they are a port of Go's
``strconv.Atoi``, ``strconv.ParseFloat(s, 64)`` and ``%v`` for a float64,
because benchstat reads numbers with Go's rules, not Python's: hex floats,
``_`` separators, ``Inf``/``NaN`` spellings and range errors are accepted or
refused exactly as Go does. Errors are Go's texts (``invalid syntax``,
``value out of range``) so a ``SyntaxErr`` reads like benchstat's.
"""

from __future__ import annotations

import math
import re

__all__ = ["ERR_RANGE", "ERR_SYNTAX", "format_float", "parse_float", "parse_int"]

ERR_SYNTAX = "invalid syntax"
ERR_RANGE = "value out of range"
_MAX_UINT64 = (1 << 64) - 1
_INT64_CUTOFF = 1 << 63
# Unambiguous (backtracking-free) common decimal syntax; anything else takes
# the slow, faithful path.
_SIMPLE_FLOAT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?").fullmatch


def _underscore_ok(s: str) -> bool:
    """Underscores only between digits (or after a base prefix), as strconv."""
    saw = "^"
    i = 0
    if s and s[0] in "+-":
        s = s[1:]
    hexa = False
    if len(s) >= 2 and s[0] == "0" and s[1] in "bBoOxX":
        i = 2
        saw = "0"
        hexa = s[1] in "xX"
    n = len(s)
    while i < n:
        c = s[i]
        if "0" <= c <= "9" or (hexa and c in "abcdefABCDEF"):
            saw = "0"
        elif c == "_":
            if saw != "0":
                return False
            saw = "_"
        else:
            if saw == "_":
                return False
            saw = "!"
        i += 1
    return saw != "_"


def parse_int(s: str) -> tuple[int, str | None]:
    """Go's ``strconv.Atoi`` for a 64-bit int: (value, None) or (0, reason).

    The reason is Go's error text (``invalid syntax`` / ``value out of range``).
    """
    if 0 < len(s) < 19:
        body = s[1:] if s[0] in "+-" else s
        if not body or not (body.isascii() and body.isdigit()):
            return 0, ERR_SYNTAX
        n = int(body)
        return (-n if s[0] == "-" else n), None
    # Slow path: strconv.ParseInt(s, 10, 0), including where it reports a
    # range error before reaching a bad character.
    if not s:
        return 0, ERR_SYNTAX
    neg = s[0] == "-"
    body = s[1:] if s[0] in "+-" else s
    if not body or not _underscore_ok(body):
        return 0, ERR_SYNTAX
    n = 0
    for c in body:
        if not "0" <= c <= "9":
            return 0, ERR_SYNTAX
        n = n * 10 + (ord(c) - 48)
        if n > _MAX_UINT64:
            return 0, ERR_RANGE
    if (not neg and n >= _INT64_CUTOFF) or (neg and n > _INT64_CUTOFF):
        return 0, ERR_RANGE
    return (-n if neg else n), None


_SPECIAL_FLOATS = {
    "inf": math.inf,
    "+inf": math.inf,
    "infinity": math.inf,
    "+infinity": math.inf,
    "-inf": -math.inf,
    "-infinity": -math.inf,
    "nan": math.nan,
}


def _float_syntax(s: str) -> tuple[bool, bool]:
    """(well_formed, is_hex) for an ASCII string, per strconv's readFloat."""
    n = len(s)
    i = 0
    if i < n and s[i] in "+-":
        i += 1
    hexa = i + 2 < n and s[i] == "0" and s[i + 1] in "xX"
    if hexa:
        i += 2
    digits = "0123456789abcdefABCDEF" if hexa else "0123456789"
    sawdot = sawdigits = False
    while i < n:
        c = s[i]
        if c == "_":
            pass
        elif c == ".":
            if sawdot:
                return False, hexa
            sawdot = True
        elif c in digits:
            sawdigits = True
        else:
            break
        i += 1
    if not sawdigits:
        return False, hexa
    if i < n and s[i] in ("pP" if hexa else "eE"):
        i += 1
        if i >= n:
            return False, hexa
        if s[i] in "+-":
            i += 1
        if i >= n or not "0" <= s[i] <= "9":
            return False, hexa
        while i < n and ("0" <= s[i] <= "9" or s[i] == "_"):
            i += 1
    elif hexa:
        return False, hexa  # Go: a hex float must have a p exponent.
    return i == n, hexa


def parse_float(s: str) -> tuple[float, str | None]:
    """Go's ``strconv.ParseFloat(s, 64)``: (value, None) or (value, reason).

    Accepts what Go accepts (``1_000``, ``0x1p-3``, ``+Inf``, ``nan``) and
    nothing Python adds (``١``, ``-nan``, surrounding spaces); overflow is
    ``value out of range`` rather than a silent infinity.
    """
    if s.isascii() and s.isdigit():
        return float(s), None
    if _SIMPLE_FLOAT(s):
        v = float(s)
        if math.isinf(v):
            return v, ERR_RANGE
        return v, None
    if not s.isascii() or not _underscore_ok(s):
        return 0.0, ERR_SYNTAX
    special = _SPECIAL_FLOATS.get(s.lower())
    if special is not None:
        return special, None
    ok, hexa = _float_syntax(s)
    if not ok:
        return 0.0, ERR_SYNTAX
    clean = s.replace("_", "")
    if hexa:
        try:
            return float.fromhex(clean), None
        except OverflowError:
            return (-math.inf if clean[0] == "-" else math.inf), ERR_RANGE
    v = float(clean)
    if math.isinf(v):
        return v, ERR_RANGE
    return v, None


def format_float(x: float) -> str:
    """``x`` as Go's ``%v`` prints a float64 (strconv 'g', shortest).

    Shortest round-trip digits, with an exponent when it is below -4 or at
    least 6 (``1e+06``, ``1.25e-07``, ``123.4``), and ``+Inf``/``NaN``.
    """
    if x != x:
        return "NaN"
    if math.isinf(x):
        return "+Inf" if x > 0 else "-Inf"
    if x == 0:
        return "-0" if math.copysign(1.0, x) < 0 else "0"
    r = repr(x)
    sign = ""
    if r[0] == "-":
        sign, r = "-", r[1:]
    mant, _, e = r.partition("e")
    ipart, _, fpart = mant.partition(".")
    digits = ipart + fpart
    stripped = digits.lstrip("0")
    dp = len(ipart) - (len(digits) - len(stripped)) + (int(e) if e else 0)
    digits = stripped.rstrip("0")
    exp = dp - 1
    if exp < -4 or exp >= 6:
        frac = "." + digits[1:] if len(digits) > 1 else ""
        esign = "-" if exp < 0 else "+"
        return f"{sign}{digits[0]}{frac}e{esign}{abs(exp):02d}"
    if dp <= 0:
        return f"{sign}0.{'0' * -dp}{digits}"
    if dp >= len(digits):
        return sign + digits + "0" * (dp - len(digits))
    return f"{sign}{digits[:dp]}.{digits[dp:]}"
