"""How versions and settings sort for people: by their numbers, words after them.

One job: sort keys. ``go1.9 < go1.21.13 < go1.27.3``, GOGC ``50 < 100 < 400
< off``, live heap ``0 < 64MiB < 1GiB``, so tables, columns, charts and the
claims ledger list toolchains and settings in reading order, not in string
order or in the order runs happened to be found (:func:`condition_key` combines
them for a whole ``bench.vocab.condition.Condition``). Used by ``pairs``,
``benchproc`` (the ``@version`` order), ``claims`` and ``report``.
"""

from __future__ import annotations

import math
import re

from bench.vocab.condition import Condition

_NUMBER = re.compile(r"[0-9]+")
_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(i?B)?\s*", re.IGNORECASE)
_SCALE = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


def version_key(text: str) -> tuple[int, tuple[int, ...], str]:
    """A version or numbered setting by its numbers (``go1.21.13`` → 1, 21, 13); words last."""
    nums = tuple(int(d) for d in _NUMBER.findall(text))
    return (0 if nums else 1), nums, text


def gogc_key(text: str) -> tuple[float, str]:
    """GOGC numerically, ``off`` (no collection) after every number."""
    try:
        return float(text), text
    except ValueError:
        return math.inf, text


def size_key(text: str) -> tuple[float, str]:
    """A size such as ``256MiB`` or ``0`` in bytes; unreadable text last."""
    m = _SIZE.fullmatch(text)
    if not m:
        return math.inf, text
    return float(m.group(1)) * _SCALE[m.group(2).upper()], text


def condition_key(c: Condition) -> tuple[object, ...]:
    """Reading order of a condition: machine, toolchain, live heap, GOGC, GOMAXPROCS, the rest."""
    return (
        c.machine,
        version_key(c.go),
        size_key(c.live_heap),
        gogc_key(c.gogc),
        version_key(c.gomaxprocs),
        version_key(c.benchtime),
        version_key(c.count),
        c.order,
        c.module,
        c.sources,
        c.calibration,
        c.process,
    )
