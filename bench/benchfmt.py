"""Read the Go benchmark text format exactly as benchstat reads it.

This is the ``parse`` step: ``bench.run`` appends raw ``go test -bench`` output
to ``raw.txt``; this module turns such text into the frozen records of
``bench.model`` that ``bench.store`` and ``analysis`` consume. It is a port
of golang.org/x/perf's ``benchfmt`` (``Reader``, ``Files``) at commit 712aea8,
the build that produced our benchstat oracle, because a result only means what
benchstat says it means if both read the same bytes the same way. Quirks are
kept on purpose, each marked ``Go:`` where it is not obvious:

* a line starting with ``Benchmark`` is a result or a ``SyntaxErr``, never
  ignored, except a bare name (``go test -v`` prints one when a benchmark
  starts);
* ``key: value`` lines set file configuration, ``key:`` deletes it, and a
  deletion moves the last key into the deleted key's slot;
* with ``benchstat=True`` a value is tidied (``ns`` -> ``sec``, ``MB`` -> ``B``)
  only when tidying changes the number, so ``0 ns/op`` stays ``ns/op``;
* unit metadata (``Unit ns/op assume=exact``) is keyed by tidied unit and
  carries across all inputs of one read;
* numbers follow Go's ``strconv`` (hex floats, ``_`` separators, ``Inf``,
  range errors), not Python's.

A ``Result`` keeps two names for its input: ``file``/``line`` say where it
was read (the path, as in error messages) and the internal ``.file``
configuration, first in ``config``, holds the label benchstat groups by.

Go's number rules (``strconv``) live in ``bench.gostrconv``, unit tidying
(``benchunit``) in ``bench.benchunit`` and writing in ``bench.benchwriter``;
import each name from its module.

Two deliberate differences:

* by default every value is tidied whatever its number, so ``0 gc-cpu-ns/op``
  is ``0 gc-cpu-sec/op`` like its non-zero neighbours and one metric is one
  table (issue: a zero kept its unit and split ``gc-cpu`` into two tables).
  The written unit is kept beside it (``orig_unit``), so writing gives back the
  text read. ``benchstat=True`` (``bench compare --benchstat``, the parser
  parity tests) restores Go's rule, under which a zero keeps its unit;
* where Go's line scanner gives up on a line of 64 KiB or more (UTF-8 bytes of
  the decoded text) and benchstat aborts, we record the same message as a
  ``SyntaxErr`` and stop reading that input only.
"""

from __future__ import annotations

import os
import re
import sys
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TypeAlias

from bench.benchunit import make_value
from bench.errors import InputError
from bench.gostrconv import parse_float, parse_int
from bench.model import Name, ParsedFile, Result, SyntaxErr, UnitMeta, Value
from bench.vocab.units import GO_SPACE, GO_SPACE_SET, tidy_unit

#: Anything a read yields, in input order.
Record: TypeAlias = Result | SyntaxErr | UnitMeta

_SPLIT = re.compile("[" + re.escape(GO_SPACE) + "]+").split
# The separators str.split() adds to Go's (see Reader.read).
_PY_ONLY_SPACE = re.compile("[\x1c-\x1f]").search
_ASCII_KEY_BAD = re.compile(r"[A-Z\t\n\v\f\r ]").search

# bufio.Scanner's default MaxScanTokenSize: a line this long (in bytes,
# without its newline) stops Go's reader.
_MAX_LINE_BYTES = 64 * 1024
_TOO_LONG = "bufio.Scanner: token too long"

_BENCHMARK = "Benchmark"
_CACHE_MAX = 1 << 16


# ---------------------------------------------------------------- names


def split_name(full: str) -> Name:
    """A ``Name`` split like benchfmt's ``Name.Parts``.

    The ``-N`` GOMAXPROCS suffix is taken off first (only a final ``-`` and
    digits), then the rest splits before each ``/``.
    """
    buf, procs = full, ""
    i = len(full) - 1
    while i >= 0:
        c = full[i]
        if c == "-" and i < len(full) - 1:
            buf, procs = full[:i], full[i:]
            break
        if not "0" <= c <= "9":
            break
        i -= 1
    pieces = buf.split("/")
    parts = ["/" + p for p in pieces[1:]]
    if procs:
        parts.append(procs)
    return Name(full, pieces[0], tuple(parts))


# ---------------------------------------------------------------- reading


# Go's unicode.IsLower/IsUpper are the Ll/Lu categories only; Python's
# str.islower() also counts Other_Lowercase such as "ª".
def _go_is_lower(c: str) -> bool:
    return "a" <= c <= "z" if c < "\x80" else unicodedata.category(c) == "Ll"


def _go_is_upper(c: str) -> bool:
    return "A" <= c <= "Z" if c < "\x80" else unicodedata.category(c) == "Lu"


def is_config_key(key: str) -> bool:
    """Whether ``key: value`` is a file configuration line in the format.

    A key starts with a lower-case letter and has no spaces, upper-case
    letters or colons; keys that fail this (``.file``) are internal.
    """
    if not key or ":" in key or not _go_is_lower(key[0]):
        return False
    if key.isascii():
        return _ASCII_KEY_BAD(key) is None
    return not any(c in GO_SPACE_SET or _go_is_upper(c) for c in key)


def _key_value(line: str) -> tuple[str, str] | None:
    """(key, value) of a configuration line, value "" to delete, else None."""
    colon = line.find(":")
    if colon <= 0:
        return None
    key = line[:colon]
    if not is_config_key(key):
        return None
    val = line[colon + 1 :]
    if not val:
        return key, ""
    # Go: at least one space or tab after the colon; the value keeps any
    # trailing blanks.
    stripped = val.lstrip(" \t")
    if len(stripped) == len(val):
        return None
    return key, stripped


class _Config:
    """File configuration in benchfmt's slot order (delete = swap with last)."""

    __slots__ = ("_frozen", "keys", "pos", "vals")

    def __init__(self) -> None:
        self.keys: list[str] = []
        self.vals: list[str] = []
        self.pos: dict[str, int] = {}
        self._frozen: tuple[tuple[str, str], ...] | None = ()

    def set(self, key: str, value: str) -> None:
        if not value:
            self.delete(key)
            return
        i = self.pos.get(key)
        if i is None:
            self.pos[key] = len(self.keys)
            self.keys.append(key)
            self.vals.append(value)
        elif self.vals[i] == value:
            return
        else:
            self.vals[i] = value
        self._frozen = None

    def delete(self, key: str) -> None:
        i = self.pos.pop(key, None)
        if i is None:
            return
        last = len(self.keys) - 1
        if i != last:
            self.keys[i] = self.keys[last]
            self.vals[i] = self.vals[last]
            self.pos[self.keys[i]] = i
        self.keys.pop()
        self.vals.pop()
        self._frozen = None

    def frozen(self) -> tuple[tuple[str, str], ...]:
        if self._frozen is None:
            self._frozen = tuple(zip(self.keys, self.vals, strict=True))
        return self._frozen


class Reader:
    """Reads inputs one after another, like benchfmt's ``Reader``/``Files``.

    Configuration starts afresh for every input; unit metadata accumulates
    in ``units`` (keyed by tidied unit and key) across all inputs read by
    one ``Reader``, so a conflicting ``Unit`` line in a later file is an error.
    """

    def __init__(self, *, benchstat: bool = False) -> None:
        #: Go's tidying rule (a zero keeps its unit), for benchstat parity.
        self.benchstat = benchstat
        self.units: dict[tuple[str, str], UnitMeta] = {}
        # Records are immutable, so equal names and "value unit" pairs can
        # share one object; this halves the time for typical files.
        self._names: dict[str, Name] = {}
        self._values: dict[str, Value] = {}

    def read(self, text: str, file: str, *, label: str | None = None) -> Iterator[Record]:
        """Yield the records of ``text`` in order.

        ``file`` names positions (``file:line: msg``); ``label`` (default
        ``file``) becomes the internal ``.file`` configuration that benchstat
        groups columns by. An empty label sets no ``.file``, like Go.
        """
        pos_name = file or "<unknown>"
        cfg = _Config()
        cfg.set(".file", file if label is None else label)
        # Without \x1c-\x1f, str.split() splits exactly where Go does.
        fast_split = _PY_ONLY_SPACE(text) is None
        lines = text.split("\n")
        if lines[-1] == "":
            lines.pop()
        for lineno, line in enumerate(lines, 1):
            if len(line) >= _MAX_LINE_BYTES // 4 and (
                len(line.encode("utf-8", "surrogatepass")) >= _MAX_LINE_BYTES
            ):
                # Go reports the last line it did read.
                yield SyntaxErr(pos_name, lineno - 1, _TOO_LONG)
                return
            if line and line[-1] == "\r":
                line = line[:-1]
            if line.startswith(_BENCHMARK):
                rec = self._benchmark(line, pos_name, lineno, cfg, fast_split)
                if rec is not None:
                    yield rec
                continue
            if line and line[0] == "U":
                fields = _SPLIT(line)
                if fields[0] == "Unit":
                    yield from self._unit(fields, pos_name, lineno)
                    continue
            kv = _key_value(line)
            if kv is not None:
                cfg.set(*kv)

    def _benchmark(
        self, line: str, pos_name: str, lineno: int, cfg: _Config, fast_split: bool
    ) -> Result | SyntaxErr | None:
        rest = line[len(_BENCHMARK) :]
        if fast_split and rest and not rest[0].isspace():
            fields = rest.split()
            if len(fields) == 1 and not rest[-1].isspace():
                return None  # Go: "go test -v" prints the bare name first.
        else:
            fields = _SPLIT(rest)
            if len(fields) == 1:
                return None
            if fields[-1] == "":
                fields.pop()
        nf = len(fields)
        if nf < 2:
            return SyntaxErr(pos_name, lineno, "missing iteration count")
        iters_s = fields[1]
        if 0 < len(iters_s) < 19 and iters_s.isascii() and iters_s.isdigit():
            iters = int(iters_s)
        else:
            iters, err = parse_int(iters_s)
            if err is not None:
                return SyntaxErr(pos_name, lineno, "parsing iteration count: " + err)
        if nf < 3:
            return SyntaxErr(pos_name, lineno, "missing measurements")
        cache = self._values
        values: list[Value] = []
        for i in range(2, nf, 2):
            vs = fields[i]
            if i + 1 == nf:
                val, err = parse_float(vs)
                return SyntaxErr(
                    pos_name,
                    lineno,
                    "parsing measurement: " + err if err is not None else "missing units",
                )
            key = vs + " " + fields[i + 1]
            v = cache.get(key)
            if v is None:
                val, err = parse_float(vs)
                if err is not None:
                    return SyntaxErr(pos_name, lineno, "parsing measurement: " + err)
                v = make_value(val, fields[i + 1], benchstat=self.benchstat)
                if len(cache) >= _CACHE_MAX:
                    cache.clear()
                cache[key] = v
            values.append(v)
        full = fields[0]
        name = self._names.get(full)
        if name is None:
            if len(self._names) >= _CACHE_MAX:
                self._names.clear()
            name = self._names[full] = split_name(full)
        return Result(name, iters, tuple(values), cfg.frozen(), pos_name, lineno)

    def _unit(self, fields: list[str], pos_name: str, lineno: int) -> Iterator[Record]:
        if fields[-1] == "":
            fields.pop()
        if len(fields) < 2:
            yield SyntaxErr(pos_name, lineno, "missing unit")
            return
        unit = fields[1]
        tidied, _ = tidy_unit(unit)
        for f in fields[2:]:
            eq = f.find("=")
            if eq <= 0:
                yield SyntaxErr(pos_name, lineno, "expected key=value")
                continue
            key, value = f[:eq], f[eq + 1 :]
            have = self.units.get((tidied, key))
            if have is not None:
                if have.value != value:
                    yield SyntaxErr(
                        pos_name,
                        lineno,
                        f"metadata {key} of unit {unit} already set to {have.value}",
                    )
                continue
            meta = UnitMeta(tidied, key, value, unit, pos_name, lineno)
            self.units[(tidied, key)] = meta
            yield meta


def _add(out: ParsedFile, rec: Record) -> None:
    """File ``rec`` in the list of ``out`` that holds its kind."""
    if isinstance(rec, Result):
        out.results.append(rec)
    elif isinstance(rec, SyntaxErr):
        out.errors.append(rec)
    else:
        out.units.append(rec)


def _collect(path: str, records: Iterable[Record]) -> ParsedFile:
    out = ParsedFile(path)
    for rec in records:
        _add(out, rec)
    return out


def parse(text: str, file: str, *, label: str | None = None, benchstat: bool = False) -> ParsedFile:
    """Parse one input's text; ``label`` (default ``file``) goes in ``.file``."""
    return _collect(file, Reader(benchstat=benchstat).read(text, file, label=label))


def _read_text(path: str, stdin: bool = False) -> str:
    try:
        if stdin:
            data = sys.stdin.buffer.read()
        else:
            with open(path, "rb") as f:
                data = f.read()
    except OSError as e:
        raise InputError(
            f"cannot read benchmark file {path}: {e.strerror or e}: check the path"
        ) from e
    return decode(data)


# Each undecodable byte (kept as a lone surrogate by surrogateescape) becomes
# one U+FFFD, which is how Go shows a byte that is not UTF-8.
_ESCAPED_TO_REPLACEMENT = {cp: "\ufffd" for cp in range(0xDC80, 0xDD00)}


def decode(data: bytes) -> str:
    """Text of benchmark output bytes; never fails.

    Go reads bytes and does not care about bad UTF-8; here each byte that is
    not UTF-8 becomes one U+FFFD, so the rest parses exactly as in Go.
    """
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("utf-8", "surrogateescape").translate(_ESCAPED_TO_REPLACEMENT)


def parse_file(
    path: str | os.PathLike[str], label: str | None = None, *, benchstat: bool = False
) -> ParsedFile:
    """Parse a file; ``label`` (default: the path as given) goes in ``.file``.

    Raises ``InputError`` when the file cannot be read.
    """
    p = os.fspath(path)
    return parse(_read_text(p), p, label=p if label is None else label, benchstat=benchstat)


def split_label(arg: str) -> tuple[str, str]:
    """``(label, path)`` of a benchstat argument: ``label=path`` or ``path``."""
    label, eq, path = arg.partition("=")
    if not eq:
        return arg, arg
    return label, path


def _inputs(
    args: Sequence[str], allow_labels: bool, allow_stdin: bool
) -> list[tuple[str, str, bool]]:
    """(path, label, is_stdin) per input, with benchfmt.Files' ``path#N`` for repeats."""
    inputs: list[tuple[str, str, bool]] = []
    if allow_stdin and not args:
        inputs.append(("-", "-", True))
    counts: dict[str, int] = {}
    for arg in args:
        if allow_labels and "=" in arg:
            label, path = split_label(arg)
            inputs.append((path, label, True))
        else:
            counts[arg] = counts.get(arg, 0) + 1
            inputs.append((arg, arg, False))
    seen: dict[str, int] = {}
    out: list[tuple[str, str, bool]] = []
    for path, label, labeled in inputs:
        if not labeled and counts.get(path, 0) > 1:
            # Go: the same file twice would otherwise double its samples.
            label = f"{path}#{seen.get(path, 0)}"
            seen[path] = seen.get(path, 0) + 1
        out.append((path, label, allow_stdin and path == "-"))
    return out


@dataclass(frozen=True)
class Files:
    """benchstat's positional arguments as one stream of inputs (benchfmt.Files).

    ``label=path`` arguments set ``.file`` to the label (``allow_labels``); a
    path given twice without labels becomes ``path#0``, ``path#1``; no
    arguments read stdin when ``allow_stdin``. Unit metadata is shared across
    the inputs; ``benchstat`` is Go's tidying rule. Reading raises
    ``InputError`` when an input cannot be read.
    """

    args: Sequence[str]
    allow_labels: bool = True
    allow_stdin: bool = False
    benchstat: bool = False

    def _read(self) -> Iterator[tuple[int, str, Record | None]]:
        """(input index, path, record) in order; record None opens each input."""
        reader = Reader(benchstat=self.benchstat)
        inputs = _inputs(self.args, self.allow_labels, self.allow_stdin)
        for i, (path, label, stdin) in enumerate(inputs):
            text = _read_text(path, stdin)
            yield i, path, None
            for rec in reader.read(text, path, label=label):
                yield i, path, rec

    def records(self) -> Iterator[Record]:
        """Every record of every input, in order."""
        for _, _, rec in self._read():
            if rec is not None:
                yield rec

    def parsed(self) -> list[ParsedFile]:
        """The records grouped into one ``ParsedFile`` per argument."""
        out: list[ParsedFile] = []
        for i, path, rec in self._read():
            if rec is None:
                out.append(ParsedFile(path))
            else:
                _add(out[i], rec)
        return out


def iter_args(args: Sequence[str], **options: bool) -> Iterator[Record]:
    """``Files(args, **options).records()``: every record of benchstat's arguments."""
    return Files(args, **options).records()


def parse_args(args: Sequence[str], **options: bool) -> list[ParsedFile]:
    """``Files(args, **options).parsed()``: one ``ParsedFile`` per argument."""
    return Files(args, **options).parsed()
