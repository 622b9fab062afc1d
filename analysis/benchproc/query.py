"""The projections and filter of one comparison, parsed together like benchstat does.

One job: ``-table``, ``-row``, ``-col``, ``-ignore`` and ``-filter`` in, a
:class:`Query` out (cmd/benchstat's use of ``ProjectionParser``): the four
projections share one parser so that keys named in one are excluded from
``.config``/``.fullname`` in another, the residue projection names the keys
left over (for "benchmarks vary in ..." warnings), and fixed orders add their
own filters, and-ed before the user's.
"""

from __future__ import annotations

from dataclasses import dataclass

from analysis.benchproc import filter as bfilter
from analysis.benchproc.projection import Projection, ProjectionParser
from analysis.benchproc.syntax import QueryError


@dataclass
class Query:
    """The parsed -table/-row/-col/-ignore projections, the residue and the filter."""

    table: Projection
    row: Projection
    col: Projection
    residue: Projection
    match: bfilter.FilterFn


def parse_query(table: str, row: str, col: str, ignore: str, filter: str) -> Query:
    """Parse a comparison's projections and filter; QueryError names the flag at fault."""
    filters: list[bfilter.FilterFn] = []
    try:
        filters.append(bfilter.compile(filter))
    except QueryError as e:
        raise QueryError(f"parsing -filter: {e}") from None
    parser = ProjectionParser()
    got: dict[str, Projection] = {}
    for flag, expr in (("-table", table), ("-row", row), ("-col", col), ("-ignore", ignore)):
        try:
            got[flag] = (
                parser.parse_with_unit(expr, filters)
                if flag == "-table"
                else parser.parse(expr, filters)
            )
        except QueryError as e:
            raise QueryError(f"parsing {flag}: {e}") from None
    # Filters from fixed orders are and-ed before the user's filter, like benchproc.
    match = bfilter.filter_op("and", filters[1:] + filters[:1])
    return Query(got["-table"], got["-row"], got["-col"], parser.residue(), match)
