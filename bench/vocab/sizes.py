"""Sizes as a user writes them (``64MiB``, ``1GB``, plain bytes): one reading for both sides.

``bench.plan`` checks a ``--live-heap`` value with it and ``analysis`` reads
the recorded ``live-heap`` config value back with it, so a size means the
same number of bytes where it is measured and where it is priced.
"""

from __future__ import annotations

import re

#: unit -> bytes; binary units as Go's runtime counts, decimal ones as written
UNITS: dict[str | None, int] = {
    None: 1,
    "B": 1,
    "KiB": 1 << 10,
    "MiB": 1 << 20,
    "GiB": 1 << 30,
    "KB": 1000,
    "MB": 1000**2,
    "GB": 1000**3,
}
_SIZE = re.compile(r"\s*(\d+)\s*(B|KiB|MiB|GiB|KB|MB|GB)?\s*")


def size_bytes(text: str) -> int | None:
    """``256MiB`` -> 268435456, ``4096`` -> 4096; None when ``text`` is not a size."""
    m = _SIZE.fullmatch(text)
    return None if m is None else int(m.group(1)) * UNITS[m.group(2)]
