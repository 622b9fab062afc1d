"""What "escaped" means: one definition for verify, cost, report and claims.

A pair *escaped* on a toolchain when both witnesses agree: the escape
variant allocates more per op than the noescape variant (``-benchmem``) *and*
the compiler reports the escape (``-gcflags=-m`` puts the escape variant's
subject on the heap). Each witness alone misleads: a small integer boxed from
Go's static table has a heap diagnostic and no allocation (``BoxSmallInt``);
``append`` growing a local slice allocates with no heap diagnostic on the
annotated line (``AppendGrowthLocal``). Where they disagree the output says
which said what (:func:`disagreement`), never a bare yes or no.

The estimator sees only allocations; a reader that also has the compiler's
verdict (escape.json) passes it as ``compiler_heap``; ``None`` means it was
not asked, and then :func:`escaped` answers from allocations with
:func:`word` saying so.
"""

from __future__ import annotations

#: The definition, quoted by method.md and the report's legend.
DEFINITION = (
    "escaped: the escape variant allocates more per op than the noescape variant "
    "(-benchmem) and the compiler reports the escape (-gcflags=-m)"
)

YES = "yes"
NO = "no"
UNMEASURED = "-"


def allocates_more(allocs_escape: float | None, allocs_noescape: float | None) -> bool | None:
    """The allocation witness: the escape variant allocates more per op (None: unmeasured)."""
    if allocs_escape is None or allocs_noescape is None:
        return None
    return allocs_escape > allocs_noescape


def escaped(
    compiler_heap: bool | None, allocs_escape: float | None, allocs_noescape: float | None
) -> bool | None:
    """Both witnesses agree on an escape; None when allocations are unmeasured.

    With ``compiler_heap`` None (the compiler not asked) the allocation witness
    decides alone, and :func:`word` marks the answer as such.
    """
    more = allocates_more(allocs_escape, allocs_noescape)
    if more is None:
        return None
    return more if compiler_heap is None else (more and compiler_heap)


def disagreement(
    compiler_heap: bool | None, allocs_escape: float | None, allocs_noescape: float | None
) -> str | None:
    """Which witness said what when they disagree (None when they agree or one is missing)."""
    more = allocates_more(allocs_escape, allocs_noescape)
    if more is None or compiler_heap is None or more == compiler_heap:
        return None
    if compiler_heap:
        return "compiler: heap; allocations: no more"
    return "allocations: more; compiler: no escape"


def word(
    compiler_heap: bool | None, allocs_escape: float | None, allocs_noescape: float | None
) -> str:
    """The ``escaped`` cell: yes, no, ``-``, or no with who said what."""
    said = escaped(compiler_heap, allocs_escape, allocs_noescape)
    if said is None:
        return UNMEASURED
    why = disagreement(compiler_heap, allocs_escape, allocs_noescape)
    if why:
        return f"{NO} ({why})"
    if compiler_heap is None:
        return f"{YES if said else NO} (allocations only)"
    return YES if said else NO
