"""The units records carry after parsing (tidied: ``ns`` → ``sec``), one name each.

The parser (``bench.benchfmt`` with ``bench.benchunit``) tidies units once, at
parse time; everything after it (the estimator, claims, comparisons) names a
unit through these constants.
"""

from __future__ import annotations

TIME = "sec/op"
BYTES = "B/op"
ALLOCS = "allocs/op"
#: allocations per op as a fraction: ``/gc/heap/allocs:objects`` delta ÷ b.N (internal/gcstat)
ALLOCS_EXACT = "allocs-exact/op"
GC_CYCLES = "gc-cycles/op"
GC_CPU = "gc-cpu-sec/op"
GC_PAUSE = "gc-pause-sec/op"

#: Units whose values are exact counts: medians are compared directly, no test.
COUNTS = frozenset({ALLOCS, BYTES})
