"""Read a pprof memory profile (``profile.proto`` as ``runtime/pprof`` writes it).

Why a decoder of our own: PyPI has the ``protobuf`` runtime but no published
``profile_pb2`` for google/pprof's schema; using it would mean generating code
with ``protoc`` and pinning it to a runtime version, for the handful of fields
a memory profile needs. The wire format is small (gzip, then varints and
length-delimited fields), so this module decodes exactly those fields and
skips every other one, following ``proto/profile.proto``:

* ``Profile``: 1 sample_type, 2 sample, 4 location, 5 function, 6 string_table,
  9 time_nanos, 11 period_type, 12 period;
* ``ValueType``: 1 type, 2 unit (string-table indices);
* ``Sample``: 1 location_id, 2 value (packed or not), 3 label;
* ``Label``: 1 key, 2 str, 3 num, 4 num_unit;
* ``Location``: 1 id, 4 line; ``Line``: 1 function_id, 2 line, 3 column;
* ``Function``: 1 id, 2 name, 4 filename.

A sample's first location is the innermost frame; a location's first line is
the innermost inlined function (the last one is the function it was inlined
into), so ``Sample.frames`` lists innermost first. ``runtime/pprof`` labels
each memory sample with ``bytes`` (the allocation size, rounded up to its size
class by the allocator).
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bench.errors import InputError


class ProfileError(InputError):
    """A file that is not a readable pprof profile."""


@dataclass(frozen=True)
class Frame:
    function: str
    file: str
    line: int


@dataclass(frozen=True)
class Sample:
    values: tuple[int, ...]
    frames: tuple[Frame, ...]  # innermost first, inlined frames expanded
    labels: dict[str, str] = field(default_factory=dict)
    num_labels: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Profile:
    sample_types: tuple[tuple[str, str], ...]  # (type, unit), e.g. ("alloc_objects", "count")
    samples: tuple[Sample, ...]
    period: int = 0
    period_type: tuple[str, str] = ("", "")
    time_nanos: int = 0

    def index(self, sample_type: str) -> int:
        """The value index of a sample type (``alloc_objects``); ValueError when absent."""
        for i, (t, _u) in enumerate(self.sample_types):
            if t == sample_type:
                return i
        raise ValueError(f"no sample type {sample_type!r} in {[t for t, _ in self.sample_types]}")


def _varint(buf: bytes, i: int) -> tuple[int, int]:
    shift = result = 0
    while True:
        if i >= len(buf):
            raise ValueError("truncated varint")
        b = buf[i]
        i += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, i
        shift += 7
        if shift > 70:
            raise ValueError("varint too long")


def fields(buf: bytes) -> Iterator[tuple[int, int, int | bytes]]:
    """(field number, wire type, value) of one message; varints as int, others as bytes."""
    i = 0
    n = len(buf)
    while i < n:
        key, i = _varint(buf, i)
        num, wt = key >> 3, key & 7
        if wt == 0:
            v, i = _varint(buf, i)
            yield num, wt, v
        elif wt == 2:
            ln, i = _varint(buf, i)
            if i + ln > n:
                raise ValueError("truncated field")
            yield num, wt, buf[i : i + ln]
            i += ln
        elif wt == 1:
            yield num, wt, buf[i : i + 8]
            i += 8
        elif wt == 5:
            yield num, wt, buf[i : i + 4]
            i += 4
        else:
            raise ValueError(f"unsupported wire type {wt}")


def _ints(wt: int, v: int | bytes) -> list[int]:
    """A repeated integer field's values, packed (bytes) or not (one int)."""
    if wt == 0:
        return [int(v)]  # type: ignore[arg-type]
    out = []
    i = 0
    data = bytes(v)  # type: ignore[arg-type]
    while i < len(data):
        x, i = _varint(data, i)
        out.append(x)
    return out


def _signed(x: int) -> int:
    """An int64 sent as a varint (two's complement in 64 bits)."""
    return x - (1 << 64) if x >= 1 << 63 else x


def _msg(v: int | bytes) -> bytes:
    if isinstance(v, int):
        raise ValueError("expected a message, found a varint")
    return v


def _sample(buf: bytes) -> tuple[list[int], list[int], list[tuple[int, int, int]]]:
    """Location ids, values and (key, str, num) labels of one ``Sample``."""
    locs: list[int] = []
    vals: list[int] = []
    labels: list[tuple[int, int, int]] = []
    for n2, w2, x in fields(buf):
        if n2 == 1:
            locs += _ints(w2, x)
        elif n2 == 2:
            vals += [_signed(y) for y in _ints(w2, x)]
        elif n2 == 3:
            lab = dict.fromkeys((1, 2, 3), 0)
            for n3, _w, y in fields(_msg(x)):
                if n3 in lab:
                    lab[n3] = int(y)  # type: ignore[arg-type]
            labels.append((lab[1], lab[2], _signed(lab[3])))
    return locs, vals, labels


def _location(buf: bytes) -> tuple[int, list[tuple[int, int]]]:
    """The id and (function id, line) pairs of one ``Location``, innermost first."""
    lid = 0
    lines: list[tuple[int, int]] = []
    for n2, _w, x in fields(buf):
        if n2 == 1:
            lid = int(x)  # type: ignore[arg-type]
        elif n2 == 4:
            fid = ln = 0
            for n3, _w3, y in fields(_msg(x)):
                if n3 == 1:
                    fid = int(y)  # type: ignore[arg-type]
                elif n3 == 2:
                    ln = _signed(int(y))  # type: ignore[arg-type]
            lines.append((fid, ln))
    return lid, lines


def _function(buf: bytes) -> tuple[int, int, int]:
    """The id, name and file name (string indices) of one ``Function``."""
    fid = name = fname = 0
    for n2, _w, x in fields(buf):
        if n2 == 1:
            fid = int(x)  # type: ignore[arg-type]
        elif n2 == 2:
            name = int(x)  # type: ignore[arg-type]
        elif n2 == 4:
            fname = int(x)  # type: ignore[arg-type]
    return fid, name, fname


def decode(data: bytes) -> Profile:
    """A profile from its bytes (gzipped or not). Raises ValueError on malformed input."""
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    strings: list[str] = []
    raw_types: list[tuple[int, int]] = []
    raw_samples: list[tuple[list[int], list[int], list[tuple[int, int, int]]]] = []
    locations: dict[int, list[tuple[int, int]]] = {}
    functions: dict[int, tuple[int, int]] = {}
    period = time_nanos = 0
    period_type = (0, 0)
    for num, wt, v in fields(data):
        if num == 6:
            strings.append(_msg(v).decode("utf-8", errors="replace"))
        elif num in (1, 11):
            t = u = 0
            for n2, _w, x in fields(_msg(v)):
                if n2 == 1:
                    t = int(x)  # type: ignore[arg-type]
                elif n2 == 2:
                    u = int(x)  # type: ignore[arg-type]
            if num == 1:
                raw_types.append((t, u))
            else:
                period_type = (t, u)
        elif num == 2:
            raw_samples.append(_sample(_msg(v)))
        elif num == 4:
            lid, lines = _location(_msg(v))
            locations[lid] = lines
        elif num == 5:
            fid, name, fname = _function(_msg(v))
            functions[fid] = (name, fname)
        elif num == 9 and wt == 0:
            time_nanos = int(v)  # type: ignore[arg-type]
        elif num == 12 and wt == 0:
            period = _signed(int(v))  # type: ignore[arg-type]

    def s(i: int) -> str:
        return strings[i] if 0 <= i < len(strings) else ""

    def frames(loc_ids: list[int]) -> tuple[Frame, ...]:
        out: list[Frame] = []
        for lid in loc_ids:
            for fid, ln in locations.get(lid, ()):
                name, fname = functions.get(fid, (0, 0))
                out.append(Frame(s(name), s(fname), ln))
        return tuple(out)

    samples = []
    for locs, vals, labels in raw_samples:
        str_labels = {s(k): s(v) for k, v, _n in labels if v}
        num_labels = {s(k): n for k, v, n in labels if not v}
        samples.append(Sample(tuple(vals), frames(locs), str_labels, num_labels))
    return Profile(
        sample_types=tuple((s(t), s(u)) for t, u in raw_types),
        samples=tuple(samples),
        period=period,
        period_type=(s(period_type[0]), s(period_type[1])),
        time_nanos=time_nanos,
    )


def read(path: str | Path) -> Profile:
    """The profile in ``path``; a file that is not one raises ``ProfileError`` naming it."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise ProfileError(f"{path}: cannot read the memory profile ({e.strerror})") from None
    try:
        prof = decode(data)
    except (ValueError, EOFError, OSError, zlib.error, IndexError) as e:
        raise ProfileError(
            f"{path}: not a readable pprof profile ({e}): re-run the benchmark to write it again"
        ) from None
    if not prof.sample_types:
        raise ProfileError(f"{path}: not a pprof profile (no sample types)")
    return prof
