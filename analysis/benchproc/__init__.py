"""benchproc: the query language of ``bench compare`` (golang.org/x/perf/benchproc).

``syntax`` parses filters and projections, ``filter`` evaluates filters on
``bench.model.Result`` records, ``projection`` turns records into ordered keys.
``analysis.compare`` builds its tables with them.
"""
