"""bench.pprof: memory profiles written by runtime/pprof (committed, made with -trimpath)."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from bench import pprof

DATA = Path(__file__).parent / "data" / "pprof"
VERSIONS = ["1.21.13", "1.27.3"]


def _reported_allocs(version: str) -> int:
    line = (DATA / f"go{version}-bench.txt").read_text().split()
    return int(line[line.index("allocs/op") - 1])


@pytest.mark.parametrize("version", VERSIONS)
def test_real_memory_profile(version):
    prof = pprof.read(DATA / f"go{version}-mem.pprof")
    assert [t for t, _ in prof.sample_types] == [
        "alloc_objects",
        "alloc_space",
        "inuse_objects",
        "inuse_space",
    ]
    assert prof.period == 1  # -test.memprofilerate=1: every allocation, unscaled
    objs, space = prof.index("alloc_objects"), prof.index("alloc_space")
    main = [s for s in prof.samples if any(f.function == "testing.(*B).launch" for f in s.frames)]
    assert main
    for s in main:
        # the bytes label is the per-object size: alloc_space / alloc_objects
        assert s.values[space] == s.values[objs] * s.num_labels["bytes"]
    per_op = sum(s.values[objs] for s in main) / 100
    reported = _reported_allocs(version)  # testing truncates allocs/op to an integer
    # the runtime does not profile a tiny (<16 B, pointer-free) allocation that fits
    # into the current 16-byte block: the profile sees fewer than MemStats counts
    assert reported - 2 < per_op < reported
    new = [s for s in main if s.frames[0].function == "example.com/m/p.New"]
    assert len(new) == 1
    assert new[0].frames[0] == pprof.Frame("example.com/m/p.New", "example.com/m/p/p.go", 10)
    assert new[0].values[objs] == 100 and new[0].num_labels["bytes"] == 24


def _varint(n: int) -> bytes:
    out = bytearray()
    n &= (1 << 64) - 1
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _field(num: int, payload: bytes | int) -> bytes:
    if isinstance(payload, int):
        return _varint(num << 3) + _varint(payload)
    return _varint(num << 3 | 2) + _varint(len(payload)) + payload


def test_unpacked_values_inlined_lines_and_negative_numbers():
    strings = ["", "alloc_objects", "count", "f.inner", "f.outer", "x.go", "bytes", "tag"]
    prof = b"".join(_field(6, s.encode()) for s in strings)
    prof += _field(1, _field(1, 1) + _field(2, 2))
    prof += _field(5, _field(1, 1) + _field(2, 3) + _field(4, 5))
    prof += _field(5, _field(1, 2) + _field(2, 4) + _field(4, 5))
    lines = _field(4, _field(1, 1) + _field(2, 7)) + _field(4, _field(1, 2) + _field(2, 9))
    prof += _field(4, _field(1, 1) + lines)
    # one unpacked location id, one unpacked negative value, a numeric and a string label
    sample = _field(1, 1) + _field(2, -3)
    sample += _field(3, _field(1, 6) + _field(3, 48)) + _field(3, _field(1, 7) + _field(2, 3))
    prof += _field(2, sample)
    p = pprof.decode(gzip.compress(prof))
    (s,) = p.samples
    assert s.values == (-3,)
    assert s.frames == (pprof.Frame("f.inner", "x.go", 7), pprof.Frame("f.outer", "x.go", 9))
    assert s.num_labels == {"bytes": 48} and s.labels == {"tag": "f.inner"}


def test_unreadable_profile_is_named(tmp_path):
    bad = tmp_path / "BenchmarkX.pprof"
    bad.write_bytes(gzip.compress(b"\x0a\xff\xff"))
    with pytest.raises(pprof.ProfileError, match=r"BenchmarkX\.pprof: not a readable pprof"):
        pprof.read(bad)
    with pytest.raises(pprof.ProfileError, match=r"missing\.pprof: cannot read"):
        pprof.read(tmp_path / "missing.pprof")
