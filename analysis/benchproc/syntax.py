"""benchproc's query language: the tokenizer and the filter and projection parsers.

One job: text in, syntax trees out (golang.org/x/perf/benchproc/syntax.go and
the parsing half of filter.go/projection.go), with benchstat's error messages
(``syntax error: ...`` and a caret under the offending character). What the
trees mean is ``analysis.benchproc.filter`` and ``analysis.benchproc.projection``.

Filters: ``key:value``, ``key:/regexp/``, ``key:(a OR b)``, ``-x``, ``x AND y``,
``x OR y``, ``(x)``, ``*``. Projections: comma/space separated keys, each
optionally ``@order`` (``first``, ``alpha``, ``num``) or ``@(fixed list)``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal


class QueryError(ValueError):
    """A malformed filter or projection expression (message in benchstat's words)."""


@dataclass(frozen=True)
class Tok:
    """One token: its kind, offset in the query, text, and compiled regexp for ``/re/``."""

    kind: str  # 'w' word, 'q' quoted, 'r' regexp, 'A' AND, 'O' OR, op char, '' EOF
    off: int
    text: str
    regexp: re.Pattern[str] | None = None


_OPS = "():@,"


def _is_space(ch: str) -> bool:
    return ch.isspace() or unicodedata.category(ch) == "Zs"


class Tokens:
    """benchproc's tokenizer: an immutable position in the query plus a shared error slot."""

    def __init__(self, q: str, pos: int = 0, err: list[QueryError] | None = None) -> None:
        self.q, self.pos = q, pos
        self.err: list[QueryError] = err if err is not None else []

    def _at(self, pos: int) -> Tokens:
        return Tokens(self.q, pos, self.err)

    def error(self, msg: str, at: int | None = None) -> tuple[Tok, Tokens]:
        if not self.err:
            off = self.pos if at is None else at
            self.err.append(QueryError(syntax_message(self.q, off, msg)))
        return Tok("", len(self.q), ""), self._at(len(self.q))

    def key_or_op(self) -> tuple[Tok, Tokens]:
        return self._next(False)

    def value_or_op(self) -> tuple[Tok, Tokens]:
        return self._next(True)

    def end(self) -> Tokens:
        tok, _ = self.key_or_op()
        if tok.kind != "":
            _, t2 = self.error(f"unexpected {go_quote(tok.text)}")
            return t2
        return self

    def _next(self, allow_regexp: bool) -> tuple[Tok, Tokens]:
        q, pos = self.q, self.pos
        while pos < len(q):
            ch = q[pos]
            if ch in _OPS or ch in "-*":
                return Tok(ch, pos, ch), self._at(pos + 1)
            if _is_space(ch):
                pos += 1
                continue
            here = self._at(pos)
            if allow_regexp and ch == "/":
                return here._regexp()
            if ch == '"':
                return here._quoted()
            return here._bare()
        return Tok("", len(q), ""), self._at(len(q))

    def _bare(self) -> tuple[Tok, Tokens]:
        q, start = self.q, self.pos
        end = start
        while end < len(q) and not (_is_space(q[end]) or q[end] in _OPS):
            end += 1
        word = q[start:end]
        kind = {"AND": "A", "OR": "O"}.get(word, "w")
        return Tok(kind, start, word), self._at(end)

    def _quoted(self) -> tuple[Tok, Tokens]:
        q, start = self.q, self.pos
        pos = start + 1
        while pos < len(q) and (q[pos] != '"' or q[pos - 1] == "\\"):
            pos += 1
        if pos == len(q):
            return self.error("missing end quote")
        try:
            word = _go_unquote(q[start : pos + 1])
        except ValueError:
            return self.error("bad escape sequence")
        return Tok("q", start, word), self._at(pos + 1)

    def _regexp(self) -> tuple[Tok, Tokens]:
        q, start = self.q, self.pos
        body = q[start + 1 :]
        expr, rest = _regexp_parse_until(body, "/")
        if rest is None:
            return self.error('missing close "/"')
        try:
            rx = re.compile(expr)
        except re.error as e:
            return self.error(f"error parsing regexp: {e}")
        after = start + 1 + len(expr) + 1
        if after < len(q) and not (_is_space(q[after]) or q[after] in _OPS or q[after] in "-*"):
            return self._at(after).error(
                'regexp must be followed by space or an operator (unescaped "/"?)'
            )
        return Tok("r", start, expr, rx), self._at(after)


def _regexp_parse_until(s: str, delim: str) -> tuple[str, str | None]:
    cs = cp = 0
    i = 0
    while i < len(s):
        if cs == 0 and cp == 0 and s.startswith(delim, i):
            return s[:i], s[i:]
        ch = s[i]
        if ch == "[":
            cs += 1
        elif ch == "]":
            cs = max(cs - 1, 0)
        elif ch == "(" and cs == 0:
            cp += 1
        elif ch == ")" and cs == 0:
            cp -= 1
        elif ch == "\\":
            i += 1
        i += 1
    return s, None


def go_quote(s: str) -> str:
    """``s`` double-quoted as Go's ``%q`` does for printable ASCII (for error messages)."""
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _go_unquote(s: str) -> str:
    body = s[1:-1]
    out: list[str] = []
    i = 0
    simple = {
        "n": "\n",
        "t": "\t",
        "r": "\r",
        "\\": "\\",
        '"': '"',
        "a": "\a",
        "b": "\b",
        "f": "\f",
        "v": "\v",
        "'": "'",
    }
    while i < len(body):
        ch = body[i]
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        i += 1
        if i >= len(body):
            raise ValueError("bad escape")
        esc = body[i]
        if esc in simple:
            out.append(simple[esc])
            i += 1
        elif esc in "xuU":
            width = {"x": 2, "u": 4, "U": 8}[esc]
            out.append(chr(int(body[i + 1 : i + 1 + width], 16)))
            i += 1 + width
        elif esc in "01234567":
            out.append(chr(int(body[i : i + 3], 8)))
            i += 3
        else:
            raise ValueError("bad escape")
    return "".join(out)


def syntax_message(q: str, off: int, msg: str) -> str:
    """benchproc's error text: the message, the query, and a caret under offset ``off``."""
    pos = sum(1 for ch in q[:off] if ch.isprintable())
    return f"syntax error: {msg}\n\t{q}\n\t{' ' * pos}^"


# --- filter trees ----------------------------------------------------------------


@dataclass(frozen=True)
class Match:
    """A ``key:value`` or ``key:/regexp/`` leaf of a filter (``off``: where the key starts)."""

    key: str
    lit: str
    regexp: re.Pattern[str] | None
    off: int

    def match(self, value: str) -> bool:
        if self.regexp is not None:
            return self.regexp.search(value) is not None
        return self.lit == value


@dataclass(frozen=True)
class Op:
    """An ``and``/``or``/``not`` node of a filter (``and`` of nothing is ``*``)."""

    op: Literal["and", "or", "not"]
    exprs: tuple[Node, ...]


#: A filter syntax tree.
Node = Match | Op
#: Returned on a parse error: the error itself is kept in the tokens' error slot.
_BAD = Op("and", ())


def parse_filter(q: str) -> Node:
    """The syntax tree of filter ``q``; raises :class:`QueryError`."""
    toks = Tokens(q)
    node, toks = _filter_expr(toks)
    toks = toks.end()
    if toks.err:
        raise toks.err[0]
    return node


def _filter_expr(toks: Tokens) -> tuple[Node, Tokens]:
    terms = []
    while True:
        node, toks = _filter_and(toks)
        terms.append(node)
        op, toks2 = toks.key_or_op()
        if op.kind != "O":
            break
        toks = toks2
    return (terms[0] if len(terms) == 1 else Op("or", tuple(terms))), toks


def _filter_and(toks: Tokens) -> tuple[Node, Tokens]:
    node, toks = _filter_match(toks)
    terms = [node]
    while True:
        op, toks2 = toks.key_or_op()
        if op.kind == "A":
            toks = toks2
            continue
        if op.kind in ("(", "-", "*", "w", "q"):
            node, toks = _filter_match(toks)
            terms.append(node)
        elif op.kind in (")", "O", ""):
            break
        else:
            _, toks = toks.error(f"unexpected {go_quote(op.text)}")
            return _BAD, toks
    return (terms[0] if len(terms) == 1 else Op("and", tuple(terms))), toks


def _filter_match(start: Tokens) -> tuple[Node, Tokens]:
    tok, rest = start.key_or_op()
    if tok.kind == "(":
        node, rest = _filter_expr(rest)
        op, toks2 = rest.key_or_op()
        if op.kind != ")":
            _, t = rest.error('missing ")"')
            return _BAD, t
        return node, toks2
    if tok.kind == "-":
        node, rest = _filter_match(rest)
        return Op("not", (node,)), rest
    if tok.kind == "*":
        return Op("and", ()), rest
    if tok.kind in ("w", "q"):
        key, off = tok.text, tok.off
        op, toks2 = rest.key_or_op()
        if op.kind != ":":
            _, t = start.error("expected key:value")
            return _BAD, t
        val, rest = toks2.value_or_op()
        if val.kind in ("w", "q", "r"):
            return Match(key, val.text, val.regexp, off), rest
        if val.kind == "(":
            terms = []
            while True:
                val, toks2 = rest.value_or_op()
                if val.kind not in ("w", "q", "r"):
                    _, t = rest.error("expected value")
                    return _BAD, t
                terms.append(Match(key, val.text, val.regexp, off))
                rest = toks2
                val, toks2 = rest.value_or_op()
                if val.kind == ")":
                    return Op("or", tuple(terms)), toks2
                if val.kind != "O":
                    _, t = rest.error("value list must be separated by OR")
                    return _BAD, t
                rest = toks2
        _, t = start.error("expected key:value")
        return _BAD, t
    _, t = start.error("expected key:value or subexpression")
    return _BAD, t


@dataclass(frozen=True)
class ProjField:
    """One projection field: key, order (``first``, ``alpha``, ``num``, ``fixed``...)."""

    key: str
    order: str = "first"
    fixed: tuple[str, ...] = ()
    key_off: int = 0
    order_off: int = 0


def parse_projection(q: str) -> list[ProjField]:
    """The fields of projection ``q`` (``a, b@num, /c@(x y)``); raises :class:`QueryError`."""
    fields: list[ProjField] = []
    toks = Tokens(q)
    while True:
        tok, toks2 = toks.key_or_op()
        if tok.kind == "":
            break
        if tok.kind == "," and fields:
            toks = toks2
        f, toks = _parse_proj_field(toks)
        fields.append(f)
        if toks.err:
            break
    toks = toks.end()
    if toks.err:
        raise toks.err[0]
    return fields


def _parse_proj_field(toks: Tokens) -> tuple[ProjField, Tokens]:
    key, toks2 = toks.key_or_op()
    if key.kind not in ("w", "q"):
        _, toks = toks.error("expected key")
        return ProjField(""), toks
    toks = toks2
    order_off = key.off + len(key.text)
    sep, toks2 = toks.key_or_op()
    if sep.kind != "@":
        return ProjField(key.text, "first", (), key.off, order_off), toks
    toks = toks2
    order, toks2 = toks.key_or_op()
    if order.kind in ("w", "q"):
        return ProjField(key.text, order.text, (), key.off, order.off), toks2
    if order.kind == "(":
        toks = toks2
        fixed: list[str] = []
        while True:
            t, toks2 = toks.key_or_op()
            if t.kind in ("w", "q"):
                toks = toks2
                fixed.append(t.text)
            elif t.kind == ")":
                if not fixed:
                    _, toks = toks.error("nothing to match")
                else:
                    toks = toks2
                break
            else:
                _, toks = toks.error("missing )")
                break
        return ProjField(key.text, "fixed", tuple(fixed), key.off, order.off), toks
    _, toks = toks.error("expected named sort order or parenthesized list")
    return ProjField(key.text), toks
