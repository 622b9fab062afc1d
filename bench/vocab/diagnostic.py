"""The compiler diagnostic kinds both sides read: which ones put a subject on the heap.

``bench.diagnostics`` classifies every ``-gcflags=-m`` line into a kind;
``bench.verify`` and ``analysis.claims.judge`` decide heap or stack from these
sets, so the two can never disagree about what "escaped" means to the compiler.
"""

from __future__ import annotations

MOVED_TO_HEAP = "moved-to-heap"
ESCAPES_TO_HEAP = "escapes-to-heap"
DOES_NOT_ESCAPE = "does-not-escape"

#: The kinds that mean "this is allocated on the heap".
HEAP_KINDS = frozenset({MOVED_TO_HEAP, ESCAPES_TO_HEAP})
#: The kinds that mean "this stays on the stack".
NO_ESCAPE_KINDS = frozenset({DOES_NOT_ESCAPE})
