"""Go's size classes: how many bytes the runtime charges for one object, per Go version.

A price list is read by size class, not by requested size: a 1000-byte
object costs what the 1024-byte class costs. The rules, from the runtime
sources (``runtime/sizeclasses.go``, ``internal/runtime/gc/sizeclasses.go``
from Go 1.25, ``mallocgc`` in ``runtime/malloc.go``):

* 68 size classes (class 0 means "large"), 8 B … 32 KiB, since the 24-byte
  class arrived in Go 1.15; 67 before it.
* Pointer-free objects under 16 B go through the tiny allocator: they share
  16-byte blocks, each aligned to 8, 4 or 2 bytes by its size, so B/op is the
  block divided by how many fit.
* From Go 1.22, pointerful objects over 512 B (``minSizeForMallocHeader``,
  exclusive) carry an 8-byte malloc header: a pointerful 1024 B object is
  charged the 1152 B class.
* Objects over 32 KiB (with the header counted, over 32760 B for pointerful
  ones from 1.22, and for every object from 1.24) come from the page heap in
  whole 8 KiB pages, no header.

Shared by ``bench`` (the grid) and ``analysis`` (the price table), so it
lives below the wall.
"""

from __future__ import annotations

import re

#: Size classes of Go 1.15 and later (without class 0), identical in 1.21.13 and 1.27.3.
CLASSES: tuple[int, ...] = (
    8, 16, 24, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224, 240, 256,
    288, 320, 352, 384, 416, 448, 480, 512, 576, 640, 704, 768, 896, 1024, 1152, 1280,
    1408, 1536, 1792, 2048, 2304, 2688, 3072, 3200, 3456, 4096, 4864, 5376, 6144, 6528,
    6784, 6912, 8192, 9472, 9728, 10240, 10880, 12288, 13568, 14336, 16384, 18432, 19072,
    20480, 21760, 24576, 27264, 28672, 32768,
)  # fmt: skip
MAX_SMALL = 32768
PAGE = 8192
TINY_BLOCK = 16
MALLOC_HEADER = 8
MIN_SIZE_FOR_HEADER = 512
#: ``ir.MaxImplicitStackVarSize``: the largest ``new(T)`` kept on the stack (Go 1.21 … 1.27).
IMPLICIT_STACK_LIMIT = 64 << 10

_VERSION = re.compile(r"(?:go)?(\d+)\.(\d+)")


def go_minor(go_version: str) -> tuple[int, int]:
    """``go1.27.3`` or ``1.21`` -> ``(1, 27)``; an unknown version counts as the newest."""
    m = _VERSION.match(go_version.strip())
    return (int(m.group(1)), int(m.group(2))) if m else (1, 1 << 20)


def classes(go_version: str) -> tuple[int, ...]:
    """The size classes of a Go version (67 before Go 1.15, which added 24 B)."""
    return CLASSES if go_minor(go_version) >= (1, 15) else tuple(c for c in CLASSES if c != 24)


def has_header(size: int, pointers: bool, go_version: str) -> bool:
    """Whether the runtime adds an 8-byte malloc header (pointerful, > 512 B, small; Go 1.22+)."""
    return (
        pointers
        and go_minor(go_version) >= (1, 22)
        and MIN_SIZE_FOR_HEADER < size <= MAX_SMALL - MALLOC_HEADER
    )


def path(size: int, pointers: bool, go_version: str) -> str:
    """Which allocator serves the object: ``tiny``, ``small`` or ``large``."""
    if not pointers and 0 < size < TINY_BLOCK:
        return "tiny"
    limit = MAX_SMALL
    if go_minor(go_version) >= (1, 24) or (pointers and go_minor(go_version) >= (1, 22)):
        limit = MAX_SMALL - MALLOC_HEADER
    return "small" if size <= limit else "large"


def size_class(size: int, pointers: bool, go_version: str) -> int:
    """The bytes one object of ``size`` is charged (what B/op shows for one allocation).

    Tiny objects: the 16-byte block divided by how many fit (8 B -> 8, 12 B -> 16).
    """
    if size <= 0:
        return 0
    kind = path(size, pointers, go_version)
    if kind == "tiny":
        align = 8 if size % 8 == 0 else 4 if size % 4 == 0 else 2 if size % 2 == 0 else 1
        slot = -(-size // align) * align
        return TINY_BLOCK // (TINY_BLOCK // slot)
    if kind == "large":
        return -(-size // PAGE) * PAGE
    need = size + (MALLOC_HEADER if has_header(size, pointers, go_version) else 0)
    return next(c for c in classes(go_version) if c >= need)


def noescape_kind(size: int) -> str:
    """How a price pair's noescape variant holds its object: ``stack`` or ``reused`` storage."""
    return "stack" if size <= IMPLICIT_STACK_LIMIT else "reused"


#: Pair ids of the price grid (``go_cases/prices``): ``PriceNoscan1024``, ``PriceScan8``.
PRICE_PAIR = re.compile(r"^Price(Noscan|Scan)(\d+)$")


def price_pair(pair: str) -> tuple[str, int] | None:
    """``PriceScan1024`` (or ``PriceScan1024-2``) -> ``("scan", 1024)``; None off the grid."""
    m = PRICE_PAIR.match(pair.removeprefix("Benchmark").split("-")[0])
    return (m.group(1).lower(), int(m.group(2))) if m else None
